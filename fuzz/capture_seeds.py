"""Captures the seed corpus of the fuzz targets from the Flask-SocketIO plant peer.

Run from the repository root with the test virtualenv's Python:

    target/py-venv/bin/python3 fuzz/capture_seeds.py

It starts tests/flask_plant/server.py on a free port, talks to it as the console does
(raw WebSocket, Engine.IO v4 / Socket.IO v5 text frames), and writes what the server
really sent into fuzz/seeds/<target>/: single frames for the codec, event payloads for
the per-item parser, and whole conversations for the session (one line per frame, see
fuzz_targets/session.rs for the format). The frames are real Flask frames, NaN and all,
which is what a mutation-based fuzzer needs to start from.
"""

import json
import math
import os
import subprocess
import sys
import time

import requests
import websocket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")


def start_server():
    server = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tests/flask_plant/server.py"),
         "--port", "0", "--devices", "4", "--relays", "2", "--no-sim",
         "--ping-interval", "1000", "--ping-timeout", "20000"],
        stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    assert line.startswith("LISTENING "), line
    return server, int(line.split()[1])


def recv_until(ws, wanted, seen, limit=10.0):
    """Reads frames (recording each) until one starts with `wanted`."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        frame = ws.recv()
        seen.append(frame)
        if frame.startswith(wanted):
            return frame
    raise SystemExit(f"no frame starting with {wanted!r}")


def write(target, name, text):
    folder = os.path.join(SEEDS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
        f.write(text)


def event_payload(frame):
    """The first argument of a `42["name",arg]` frame, as the server wrote it."""
    start = frame.index(",") + 1
    return frame[start:-1]


def main():
    server, port = start_server()
    try:
        base = f"http://127.0.0.1:{port}"
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", timeout=10)
        seen = []
        opened = recv_until(ws, "0", seen)
        ws.send("40")
        ack = recv_until(ws, "40", seen)
        for name in ("request_devices", "request_relays", "request_system_stats"):
            ws.send(f'42["{name}"]')
        devices = recv_until(ws, '42["devices_update"', seen)
        relays = recv_until(ws, '42["relays_update"', seen)
        stats = recv_until(ws, '42["system_stats_update"', seen)
        relay_id = json.loads(event_payload(relays))["relays"][0]["id"]
        command = {"relay_id": relay_id, "state": True, "request_id": "seed-1",
                   "issued_at": time.time()}
        ws.send("421" + json.dumps(["set_relay", command]))
        applied = recv_until(ws, "431", seen)
        ws.send("422" + json.dumps(["set_relay", command]))
        duplicate = recv_until(ws, "432", seen)
        ws.send("423" + json.dumps(["set_relay", dict(command, relay_id="nope",
                                                        request_id="seed-2")]))
        refused = recv_until(ws, "433", seen)
        ws.send("424" + json.dumps(["request_system_stats"]))
        probe = recv_until(ws, "434", seen)
        device_id = json.loads(event_payload(devices))["devices"][0]["id"]
        # A failed sensor read as Python writes it: json.dumps turns nan into NaN.
        requests.post(f"{base}/_test/devices/{device_id}",
                      data=json.dumps({"value": math.nan, "status": "fault"}),
                      headers={"Content-Type": "application/json"}, timeout=10)
        nan_device = recv_until(ws, '42["devices_update"', seen)
        assert "NaN" in nan_device, nan_device
        requests.post(f"{base}/_test/devices/{device_id}",
                      data=json.dumps({"value": math.inf}),
                      headers={"Content-Type": "application/json"}, timeout=10)
        inf_device = recv_until(ws, '42["devices_update"', seen)
        requests.post(f"{base}/_test/relays/{relay_id}",
                      json={"state": False, "by": "panel"}, timeout=10)
        relay_flip = recv_until(ws, '42["relays_update"', seen)
        ping = recv_until(ws, "2", seen)
        ws.send("3")
        requests.post(f"{base}/_test/end_sessions", json={"how": "socketio"}, timeout=10)
        disconnect = recv_until(ws, "41", seen)
        ws.close()
        http_devices = requests.get(f"{base}/api/devices", timeout=10).text
        http_relays = requests.get(f"{base}/api/relays", timeout=10).text
        http_stats = requests.get(f"{base}/api/system/stats", timeout=10).text
    finally:
        server.terminate()
        server.wait(10)

    frames = {
        "open": opened, "connect_ack": ack, "devices_snapshot": devices,
        "relays_snapshot": relays, "stats": stats, "set_relay_applied": applied,
        "set_relay_duplicate": duplicate, "set_relay_refused": refused,
        "stats_ack": probe, "device_nan": nan_device, "device_infinity": inf_device,
        "relay_flip": relay_flip, "ping": ping, "disconnect": disconnect,
    }
    for name, frame in frames.items():
        write("codec", name, frame)
    # The per-item target's first byte picks the reader: d(evices), r(elays), s(tats),
    # a (set_relay answer).
    write("items", "devices_snapshot", "d" + event_payload(devices))
    write("items", "device_nan", "d" + event_payload(nan_device))
    write("items", "device_infinity", "d" + event_payload(inf_device))
    write("items", "relays_snapshot", "r" + event_payload(relays))
    write("items", "stats", "s" + event_payload(stats))
    write("items", "set_relay_applied", "a" + applied[3:][1:-1])
    write("items", "set_relay_refused", "a" + refused[3:][1:-1])
    write("items", "http_devices", "d" + http_devices.strip())
    write("items", "http_relays", "r" + http_relays.strip())
    write("items", "http_stats", "s" + http_stats.strip())
    # The session replays what the server sent; `!set_relay` and `!probe` stand for the
    # console's own commands, `+<ms>` advances the synthetic clock.
    conversation = [opened, ack, devices, relays, stats, "!set_relay", applied,
                    "+1000 " + nan_device, "!probe", probe, "+1000 " + ping, relay_flip,
                    "+60000 " + stats, disconnect]
    write("session", "flask_conversation", "\n".join(conversation) + "\n")
    write("session", "flask_heartbeat_lost",
          "\n".join([opened, ack, devices, "+50000 " + stats, "+50000 " + ping]) + "\n")
    write("session", "flask_open_ping", "\n".join([opened, "+1000 " + ping]) + "\n")
    write("session", "flask_nan_first",
          "\n".join([opened, ack, nan_device, inf_device, relays, stats]) + "\n")
    print(f"wrote {len(seen)} frames' worth of seeds to {SEEDS}")


if __name__ == "__main__":
    main()
