"""A plant server written with Flask-SocketIO, to the contract in plant-protocol.md.

Why this exists: the plant's real backend is a Flask-SocketIO application, and
the console must work with it, not only with the reference server this project
ships (whose server side we wrote ourselves). This file is that other peer: the
same libraries as the plant (Flask-SocketIO 5.7, python-socketio 5.18,
python-engineio 4.15, threading mode on Werkzeug + simple-websocket), so every
wire habit of theirs (ack framing, ping timing, how sessions end, Werkzeug's
missing TCP_NODELAY) reaches the console unchanged. The Rust integration tests
spawn it as a subprocess:

    server.py --port 0 [--token T] [--devices N] [--relays M] ...

It prints exactly one line, ``LISTENING <port>``, to stdout once bound; all
logging goes to stderr. SIGTERM/SIGINT stop it (exit status 0) without
sending anything to the clients, as a real server process going away would.

Besides the contract it has test control endpoints under /_test/ (no auth):
plant-side relay flips and device changes, a failed sensor read (a device whose
value becomes NaN or an infinity, as json.dumps writes them), device insert/delete, the count of
applied set_relay commands, ending every session the Socket.IO or the
Engine.IO way, and the number of connected clients.
"""

import argparse
import copy
import hmac
import logging
import math
import os
import random
import shutil
import signal
import sys
import threading
import time

from flask import Flask, jsonify, request
from flask_socketio import SocketIO, emit
from socketio.exceptions import ConnectionRefusedError  # not the builtin one
from werkzeug.serving import make_server

log = logging.getLogger("flask_plant")

KINDS = [  # kind, unit, base value, drift, name
    ("temperature", "\u00b0C", 72.0, 0.8, "Ofen Zone {n} Temperatur"),
    ("pressure", "bar", 6.2, 0.1, "Druckluft Linie {n}"),
    ("flow", "m\u00b3/h", 14.0, 0.5, "K\u00fchlwasser Durchfluss {n}"),
    ("vibration", "mm/s", 2.1, 0.2, "Motor M{n} Vibration"),
    ("power", "kW", 38.0, 1.5, "Einspeisung {n}"),
    ("level", "%", 55.0, 1.0, "Tank T{n} F\u00fcllstand"),
]


def build_plant(n_devices, n_relays, now):
    devices = {}
    for i in range(1, n_devices + 1):
        kind, unit, base, _, name = KINDS[(i - 1) % len(KINDS)]
        status = "online"
        value = round(base + random.uniform(-1, 1) * base * 0.05, 2)
        if i % 7 == 0:
            status, value = "offline", None
        elif i % 11 == 0:
            status = "fault"
        devices[f"dev-{i:02d}"] = {
            "id": f"dev-{i:02d}", "name": name.format(n=i), "kind": kind,
            "status": status, "value": value, "unit": unit,
            "last_seen": now - (600.0 if status == "offline" else 0.0),
            "location": f"Halle {1 + (i - 1) // 4}", "firmware": f"2.{i % 4}.1",
        }
    dev_ids = list(devices)
    relays = {}
    for i in range(1, n_relays + 1):
        relays[f"rly-{i:02d}"] = {
            "id": f"rly-{i:02d}", "name": f"Relais {i}",
            "device_id": dev_ids[(i - 1) % len(dev_ids)] if dev_ids and i % 3 else None,
            "state": i % 2 == 0, "changed_at": now - 3600.0,
            "changed_by": None if i % 2 else "plc",
            # the last relay (when there are several) is locked by the plant
            "locked": n_relays > 1 and i == n_relays,
        }
    return devices, relays


class Plant:
    """The plant's state; every mutation happens under self.lock."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.started = time.time()
        self.devices, self.relays = build_plant(args.devices, args.relays, self.started)
        self.results = {}  # request_id -> first SetRelayResult (applied ones only)
        self.applied = []  # request_ids in order of application
        self.clients = set()  # connected Socket.IO sids
        self.clients_lock = threading.Lock()

    # --- snapshots and messages -------------------------------------------
    def devices_msg(self, devices=None, snapshot=True):
        with self.lock:
            items = self.devices.values() if devices is None else devices
            return {"devices": copy.deepcopy(list(items)), "snapshot": snapshot,
                    "server_time": time.time()}

    def relays_msg(self, relays=None, snapshot=True):
        with self.lock:
            items = self.relays.values() if relays is None else relays
            return {"relays": copy.deepcopy(list(items)), "snapshot": snapshot,
                    "server_time": time.time()}

    def stats(self):
        with self.clients_lock:
            clients = len(self.clients)
        return {"cpu_percent": cpu_percent(), "memory_percent": memory_percent(),
                "disk_percent": disk_percent(),
                "uptime_s": round(time.time() - self.started, 3),
                "clients": clients, "server_time": time.time()}

    # --- commands -----------------------------------------------------------
    def set_relay(self, relay_id, body, by):
        """Apply one set_relay command; returns (http_status, SetRelayResult)."""
        def fail(status, error, message):
            return status, {"ok": False, "error": error, "message": message}

        if not isinstance(body, dict):
            return fail(400, "invalid", "payload must be an object")
        state, request_id, issued_at = (body.get(k) for k in ("state", "request_id", "issued_at"))
        if not isinstance(relay_id, str) or not relay_id:
            return fail(400, "invalid", "relay_id must be a non-empty string")
        if not isinstance(state, bool):
            return fail(400, "invalid", "state must be a boolean")
        if not isinstance(request_id, str) or not request_id:
            return fail(400, "invalid", "request_id must be a non-empty string")
        if isinstance(issued_at, bool) or not isinstance(issued_at, (int, float)) \
                or not math.isfinite(issued_at):
            return fail(400, "invalid", "issued_at must be a number")
        with self.lock:
            first = self.results.get(request_id)
            if first is not None:
                return 200, dict(first, duplicate=True)
            relay = self.relays.get(relay_id)
            if relay is None:
                return fail(404, "unknown_relay", f"no relay {relay_id!r}")
            now = time.time()
            if issued_at < now - self.args.expire_after:
                return fail(409, "expired", f"command issued {now - issued_at:.0f} s ago, "
                                            f"limit {self.args.expire_after:g} s")
            if relay.get("locked"):
                return fail(403, "forbidden", f"relay {relay_id} is locked by the plant")
            relay.update(state=state, changed_at=now, changed_by=by)
            result = {"ok": True, "relay": copy.deepcopy(relay), "duplicate": False}
            self.results[request_id] = result
            self.applied.append(request_id)
            # broadcast to everyone, the sender included, BEFORE the ack goes out
            socketio.emit("relays_update", self.relays_msg([relay], snapshot=False))
            return 200, result


# --- host figures (no psutil) ---------------------------------------------
def cpu_percent():
    try:
        return round(min(100.0, os.getloadavg()[0] / (os.cpu_count() or 1) * 100.0), 1)
    except OSError:
        return 0.0


def memory_percent():
    try:
        with open("/proc/meminfo") as f:
            info = {line.split(":")[0]: float(line.split()[1]) for line in f}
        return round(100.0 * (1 - info["MemAvailable"] / info["MemTotal"]), 1)
    except (OSError, KeyError, ValueError, ZeroDivisionError):
        return 0.0


def disk_percent():
    usage = shutil.disk_usage("/")
    return round(100.0 * usage.used / usage.total, 1)


# --- application ------------------------------------------------------------
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--token", default=None)
    p.add_argument("--devices", type=int, default=12)
    p.add_argument("--relays", type=int, default=6)
    p.add_argument("--stats-interval", type=float, default=2.0, help="seconds")
    p.add_argument("--ping-interval", type=int, default=25000,
                   help="ms; python-engineio announces it truncated to whole seconds "
                        "in the OPEN packet (1500 -> 1000, 500 -> 0) but pings at the "
                        "exact interval")
    p.add_argument("--ping-timeout", type=int, default=20000, help="ms")
    p.add_argument("--expire-after", type=float, default=60.0, help="seconds")
    p.add_argument("--refuse-websocket", action="store_true",
                   help="answer 400 to WebSocket requests on /socket.io/")
    p.add_argument("--no-sim", action="store_true", help="no device value drift")
    p.add_argument("--verbose", action="store_true", help="log Socket.IO/Engine.IO packets")
    return p.parse_args(argv)


args = parse_args()
logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                    format="%(asctime)s %(name)s %(levelname)s %(message)s")
plant = Plant(args)
app = Flask(__name__)
socketio = SocketIO(app, async_mode="threading", cors_allowed_origins="*",
                    ping_interval=args.ping_interval / 1000.0,
                    ping_timeout=args.ping_timeout / 1000.0,
                    logger=args.verbose, engineio_logger=args.verbose)
stop = threading.Event()


def token_ok(presented):
    return args.token is None or (isinstance(presented, str)
                                  and hmac.compare_digest(presented, args.token))


def http_authorized():
    header = request.headers.get("Authorization", "")
    return token_ok(header[7:] if header.startswith("Bearer ") else None)


def unauthorized():
    return jsonify({"ok": False, "error": "unauthorized",
                    "message": "missing or wrong bearer token"}), 401


# --- Socket.IO ----------------------------------------------------------------
@socketio.on("connect")
def on_connect(auth=None):
    if not token_ok(auth.get("token") if isinstance(auth, dict) else None):
        log.info("refused %s: bad or missing token", request.sid)
        # one string argument -> CONNECT_ERROR {"message": "unauthorized"}
        raise ConnectionRefusedError("unauthorized")
    with plant.clients_lock:
        plant.clients.add(request.sid)
    log.info("connected %s", request.sid)


@socketio.on("disconnect")
def on_disconnect(reason=None):
    with plant.clients_lock:
        plant.clients.discard(request.sid)
    log.info("disconnected %s (%s)", request.sid, reason)


@socketio.on("request_devices")
def on_request_devices(*_):
    emit("devices_update", plant.devices_msg())


@socketio.on("request_relays")
def on_request_relays(*_):
    emit("relays_update", plant.relays_msg())


@socketio.on("request_system_stats")
def on_request_system_stats(*_):
    stats = plant.stats()
    emit("system_stats_update", stats)
    return stats  # the ack value, when the client asked for one


def operator_of(payload, default):
    """The operator the console names in a set_relay payload (its `operator` extension),
    recorded as the relay's changed_by; `default` when it names none."""
    operator = payload.get("operator") if isinstance(payload, dict) else None
    if isinstance(operator, str) and 0 < len(operator) <= 200:
        return operator
    return default


@socketio.on("set_relay")
def on_set_relay(data=None, *_):
    relay_id = data.get("relay_id") if isinstance(data, dict) else None
    _, result = plant.set_relay(relay_id, data, by=operator_of(data, "console"))
    log.info("set_relay %s -> %s", data, result.get("error", "ok"))
    return result


# --- HTTP API -----------------------------------------------------------------
@app.get("/api/health")
def api_health():
    return jsonify({"status": "ok", "server_time": time.time()})


@app.get("/api/devices")
def api_devices():
    return jsonify(plant.devices_msg()) if http_authorized() else unauthorized()


@app.get("/api/relays")
def api_relays():
    return jsonify(plant.relays_msg()) if http_authorized() else unauthorized()


@app.get("/api/system/stats")
def api_stats():
    return jsonify(plant.stats()) if http_authorized() else unauthorized()


@app.post("/api/relays/<relay_id>")
def api_set_relay(relay_id):
    if not http_authorized():
        return unauthorized()
    body = request.get_json(force=True, silent=True)
    status, result = plant.set_relay(relay_id, body, by=operator_of(body, "api"))
    return jsonify(result), status


# --- test control -------------------------------------------------------------
def not_found(what, ident):
    return jsonify({"error": "not_found", "message": f"no {what} {ident!r}"}), 404


def bad_request(message):
    return jsonify({"error": "invalid", "message": message}), 400


@app.post("/_test/relays/<relay_id>")
def test_flip_relay(relay_id):
    body = request.get_json(force=True, silent=True) or {}
    if not isinstance(body.get("state"), bool):
        return bad_request("state must be a boolean")
    with plant.lock:
        relay = plant.relays.get(relay_id)
        if relay is None:
            return not_found("relay", relay_id)
        relay.update(state=body["state"], changed_at=time.time(), changed_by=body.get("by"))
        socketio.emit("relays_update", plant.relays_msg([relay], snapshot=False))
        return jsonify(relay)


@app.post("/_test/devices/<device_id>")
def test_update_device(device_id):
    body = request.get_json(force=True, silent=True) or {}
    with plant.lock:
        device = plant.devices.get(device_id)
        if device is None:
            return not_found("device", device_id)
        for key in ("status", "value"):
            if key in body:
                device[key] = body[key]
        device["last_seen"] = time.time()
        socketio.emit("devices_update", plant.devices_msg([device], snapshot=False))
        return jsonify(device)


# What a failed sensor read looks like from a Python plant: json.dumps (Flask's
# jsonify, python-socketio's emit) writes float("nan") as NaN and the infinities as
# Infinity / -Infinity, none of them valid JSON.
FAILED_READS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "text": "####"}


@app.post("/_test/devices/<device_id>/failed_read")
def test_failed_read(device_id):
    body = request.get_json(force=True, silent=True) or {}
    how = body.get("as", "nan")
    if how not in FAILED_READS:
        return bad_request(f"as must be one of {sorted(FAILED_READS)}")
    with plant.lock:
        device = plant.devices.get(device_id)
        if device is None:
            return not_found("device", device_id)
        device["value"] = FAILED_READS[how]
        device["last_seen"] = time.time()
        socketio.emit("devices_update", plant.devices_msg([device], snapshot=False))
        return jsonify({"id": device_id, "as": how})


@app.put("/_test/devices/<device_id>")
def test_put_device(device_id):
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        return bad_request("body must be a Device object")
    device = dict(body, id=device_id)
    with plant.lock:
        plant.devices[device_id] = device
        socketio.emit("devices_update", plant.devices_msg([device], snapshot=False))
        return jsonify(device)


@app.delete("/_test/devices/<device_id>")
def test_delete_device(device_id):
    with plant.lock:
        device = plant.devices.pop(device_id, None)
        if device is None:
            return not_found("device", device_id)
        socketio.emit("devices_update", plant.devices_msg())  # a snapshot
        return jsonify(device)


@app.get("/_test/applied")
def test_applied():
    with plant.lock:
        return jsonify({"count": len(plant.applied), "request_ids": list(plant.applied)})


@app.post("/_test/end_sessions")
def test_end_sessions():
    how = (request.get_json(force=True, silent=True) or {}).get("how")
    if how not in ("socketio", "engineio"):
        return bad_request('how must be "socketio" or "engineio"')
    with plant.clients_lock:
        sids = list(plant.clients)
    server = socketio.server

    def end_all():
        for sid in sids:
            if how == "socketio":
                server.disconnect(sid, namespace="/")  # "41"; the WebSocket stays open
            else:
                eio_sid = server.manager.eio_sid_from_sid(sid, "/")
                if eio_sid is not None:
                    server.eio.disconnect(eio_sid)  # "1" then a close frame

    # python-engineio's disconnect waits for the socket's send queue to drain, which can
    # hang when the client closes its end first (as a client may after "1"); the test
    # only needs the sessions ended, not this request held until the library lets go.
    threading.Thread(target=end_all, name="end-sessions", daemon=True).start()
    return jsonify({"ended": len(sids)})


@app.get("/_test/clients")
def test_clients():
    with plant.clients_lock:
        return jsonify({"count": len(plant.clients)})


# Whether WebSocket upgrades are refused; --refuse-websocket sets it at start and
# POST /_test/websocket switches it while running, so a test can watch a console fall
# back to HTTP polling and then return to real time.
websocket_refused = threading.Event()


@app.post("/_test/websocket")
def test_websocket():
    body = request.get_json(silent=True) or {}
    if body.get("refuse"):
        websocket_refused.set()
    else:
        websocket_refused.clear()
    return jsonify({"refused": websocket_refused.is_set()})


@app.get("/_test/http_polls")
def test_http_polls():
    return jsonify({"count": http_polls[0]})


# GET /api/devices requests served, so a test can tell whether a console still polls.
http_polls = [0]


class RefuseWebSocket:
    """WSGI middleware: 400 for any WebSocket attempt on /socket.io/ while refused."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "") == "/api/devices":
            http_polls[0] += 1
        if websocket_refused.is_set() and environ.get("PATH_INFO", "").startswith("/socket.io") and (
                "transport=websocket" in environ.get("QUERY_STRING", "")
                or environ.get("HTTP_UPGRADE")):
            start_response("400 Bad Request", [("Content-Type", "text/plain"),
                                               ("Content-Length", "22")])
            return [b"websocket not allowed\n"]
        return self.wsgi_app(environ, start_response)


# --- background tasks ---------------------------------------------------------
def stats_loop():
    while not stop.wait(args.stats_interval):
        socketio.emit("system_stats_update", plant.stats())


def simulation_loop():
    drift = {kind: d for kind, _, _, d, _ in KINDS}
    while not stop.wait(1.0):
        with plant.lock:
            live = [d for d in plant.devices.values()
                    if d.get("status") == "online" and isinstance(d.get("value"), (int, float))]
            if not live:
                continue
            changed = random.sample(live, min(len(live), random.randint(1, 3)))
            now = time.time()
            for d in changed:
                d["value"] = round(d["value"] + random.uniform(-1, 1) * drift.get(d["kind"], 0.5), 2)
                d["last_seen"] = now
            socketio.emit("devices_update", plant.devices_msg(changed, snapshot=False))


def main():
    if args.refuse_websocket:
        websocket_refused.set()
    wsgi = RefuseWebSocket(app)
    server = make_server(args.host, args.port, wsgi, threaded=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                     name="http", daemon=True).start()
    threading.Thread(target=stats_loop, name="stats", daemon=True).start()
    if not args.no_sim:
        threading.Thread(target=simulation_loop, name="sim", daemon=True).start()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    log.info("plant server on %s:%d (token %s, %d devices, %d relays)", args.host,
             server.server_port, "on" if args.token else "off", args.devices, args.relays)
    sys.stdout.write(f"LISTENING {server.server_port}\n")
    sys.stdout.flush()
    stop.wait()  # a signal handler sets it
    log.info("stopping")
    server.shutdown()
    server.server_close()
    # open WebSocket handlers are daemon threads: they end with the process,
    # and the clients see the TCP stream end without a close frame
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
