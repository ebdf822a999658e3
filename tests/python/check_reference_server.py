"""An independent client checking a plant server against plant-protocol.md.

Why this exists: the project's Rust reference server is tested by the Rust
console, which was written by the same team from the same reading of the
contract. This script is a second opinion from the client libraries the plant's
own scripts use (python-socketio's Client over WebSocket only, and requests),
so a misreading shared by our server and our client still shows up.

The server under test must be started with the token given here, simulation
off, 12 devices, 6 relays and system stats every 0.2 s:

    check_reference_server.py --url http://127.0.0.1:PORT --token T

Each check prints "ok <name>" or "FAIL <name>: <why>"; the last line is
"N passed, M failed"; the exit status is 0 only when nothing failed. Every
wait is bounded by a deadline and the whole run by a watchdog (30 s).
"""

import argparse
import math
import os
import sys
import threading
import time
import uuid

import requests
import socketio

EXPECTED_DEVICES = 12
EXPECTED_RELAYS = 6
WATCHDOG_S = 28.0
WAIT_S = 3.0  # for any single answer from the server

DEVICE_STATUSES = {"online", "offline", "fault"}
STATS_FIELDS = ("cpu_percent", "memory_percent", "disk_percent", "uptime_s", "clients",
                "server_time")


class CheckFailed(Exception):
    pass


def require(cond, message):
    if not cond:
        raise CheckFailed(message)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def is_opt_str(v):
    return v is None or isinstance(v, str)


def check_device(d):
    require(isinstance(d, dict), f"device is not an object: {d!r}")
    problems = []
    if not isinstance(d.get("id"), str) or not d["id"]:
        problems.append("id")
    for key in ("name", "kind"):
        if not isinstance(d.get(key), str):
            problems.append(key)
    if d.get("status") not in DEVICE_STATUSES:
        problems.append("status")
    if "value" not in d or not (d["value"] is None or is_number(d["value"])):
        problems.append("value")
    if "unit" not in d or not is_opt_str(d["unit"]):
        problems.append("unit")
    if not is_number(d.get("last_seen")):
        problems.append("last_seen")
    require(not problems, f"device {d.get('id')!r}: bad or missing {', '.join(problems)}: {d!r}")


def check_relay(r):
    require(isinstance(r, dict), f"relay is not an object: {r!r}")
    problems = []
    for key in ("id", "name"):
        if not isinstance(r.get(key), str):
            problems.append(key)
    if "device_id" not in r or not is_opt_str(r["device_id"]):
        problems.append("device_id")
    if not isinstance(r.get("state"), bool):
        problems.append("state")
    if not is_number(r.get("changed_at")):
        problems.append("changed_at")
    if "changed_by" not in r or not is_opt_str(r["changed_by"]):
        problems.append("changed_by")
    require(not problems, f"relay {r.get('id')!r}: bad or missing {', '.join(problems)}: {r!r}")


def check_stats(s):
    require(isinstance(s, dict), f"system stats is not an object: {s!r}")
    bad = [k for k in STATS_FIELDS if not is_number(s.get(k))]
    if "clients" not in bad and not isinstance(s["clients"], int):
        bad.append("clients (not an integer)")
    require(not bad, f"system stats: bad or missing {', '.join(bad)}: {s!r}")


def check_update(msg, key):
    require(isinstance(msg, dict), f"{key} update is not an object: {msg!r}")
    require(isinstance(msg.get(key), list), f"{key} update has no list {key!r}: {msg!r}")
    require(isinstance(msg.get("snapshot"), bool), f"{key} update: snapshot not a bool")
    require(is_number(msg.get("server_time")), f"{key} update: server_time not a number")


class Waiter:
    """Waits for `count` events matching `pred`; register it BEFORE acting."""

    def __init__(self, event, pred, count=1):
        self.event, self.pred, self.count = event, pred, count
        self.matches = []
        self.done = threading.Event()

    def wait(self, timeout=WAIT_S):
        self.done.wait(timeout)
        return self.matches


class Recorder:
    """Receives every server event of interest and feeds the waiters."""

    def __init__(self, sio):
        self.lock = threading.Lock()
        self.waiters = []
        for name in ("devices_update", "relays_update", "system_stats_update"):
            sio.on(name, self._handler(name))

    def _handler(self, name):
        def handle(payload=None, *_):
            with self.lock:
                for w in list(self.waiters):
                    if w.event == name and not w.done.is_set() and w.pred(payload):
                        w.matches.append(payload)
                        if len(w.matches) >= w.count:
                            w.done.set()
                            self.waiters.remove(w)
        return handle

    def expect(self, event, pred=lambda _: True, count=1):
        w = Waiter(event, pred, count)
        with self.lock:
            self.waiters.append(w)
        return w


class Checks:
    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token
        self.sio = None
        self.rec = None
        self.devices = None
        self.relays = None
        self.applied_id = None  # a request_id applied over Socket.IO
        self.applied_relay = None

    # --- helpers ---------------------------------------------------------------
    def connected(self):
        require(self.sio is not None and self.sio.connected, "not connected (see above)")
        return self.sio

    def call(self, event, data):
        try:
            return self.connected().call(event, data, timeout=WAIT_S)
        except socketio.exceptions.TimeoutError:
            raise CheckFailed(f"no ack for {event} within {WAIT_S:g} s") from None

    def set_relay_cmd(self, relay_id, state, request_id=None, issued_at=None):
        return {"relay_id": relay_id, "state": state,
                "request_id": request_id or f"check-{uuid.uuid4()}",
                "issued_at": time.time() if issued_at is None else issued_at}

    def usable_relay(self):
        require(self.relays, "no relay snapshot (see above)")
        free = [r for r in self.relays if not r.get("locked")]
        require(free, "every relay is locked")
        return free[0]

    def http(self, method, path, token=True, **kw):
        headers = {"Authorization": f"Bearer {self.token}"} if token else {}
        try:
            return requests.request(method, self.url + path, headers=headers,
                                    timeout=WAIT_S, **kw)
        except requests.RequestException as e:
            raise CheckFailed(f"{method} {path}: {e}") from None

    def expect_result(self, result, ok, error=None):
        require(isinstance(result, dict), f"SetRelayResult is not an object: {result!r}")
        require(result.get("ok") is ok, f"expected ok={ok}, got {result!r}")
        if ok:
            check_relay(result.get("relay"))
            require(isinstance(result.get("duplicate"), bool), f"no duplicate flag: {result!r}")
        else:
            require(result.get("error") == error, f"expected error {error!r}, got {result!r}")
            require(isinstance(result.get("message"), str), f"no message: {result!r}")

    # --- 1. connect ---------------------------------------------------------------
    def connect_refused_without_token(self):
        for label, auth in (("no token", None), ("wrong token", {"token": self.token + "-x"})):
            sio = socketio.Client(reconnection=False)
            errors = []
            sio.on("connect_error", lambda data=None: errors.append(data))
            try:
                sio.connect(self.url, transports=["websocket"], auth=auth, wait_timeout=WAIT_S)
            except socketio.exceptions.ConnectionError:
                pass
            else:
                sio.disconnect()
                raise CheckFailed(f"connect with {label} was accepted")
            finally:
                sio.eio.disconnect(abort=True)
            require(errors, f"{label}: refused, but no CONNECT_ERROR payload arrived")
            require(errors[0] == {"message": "unauthorized"},
                    f"{label}: CONNECT_ERROR payload {errors[0]!r}, "
                    "expected {'message': 'unauthorized'}")

    def connect_with_token(self):
        self.sio = socketio.Client(reconnection=False)
        self.rec = Recorder(self.sio)
        try:
            self.sio.connect(self.url, transports=["websocket"], auth={"token": self.token},
                             wait_timeout=WAIT_S)
        except socketio.exceptions.ConnectionError as e:
            raise CheckFailed(f"connect with the token failed: {e}") from None
        require(self.sio.transport() == "websocket", f"transport is {self.sio.transport()}")

    # --- 2. snapshots ---------------------------------------------------------------
    def devices_snapshot(self):
        w = self.rec.expect("devices_update", lambda m: isinstance(m, dict) and m.get("snapshot"))
        self.connected().emit("request_devices")
        got = w.wait()
        require(got, f"no devices_update snapshot within {WAIT_S:g} s of request_devices")
        check_update(got[0], "devices")
        devices = got[0]["devices"]
        require(len(devices) == EXPECTED_DEVICES,
                f"{len(devices)} devices, expected {EXPECTED_DEVICES}")
        for d in devices:
            check_device(d)
        require(len({d["id"] for d in devices}) == len(devices), "duplicate device ids")
        self.devices = devices

    def relays_snapshot(self):
        w = self.rec.expect("relays_update", lambda m: isinstance(m, dict) and m.get("snapshot"))
        self.connected().emit("request_relays")
        got = w.wait()
        require(got, f"no relays_update snapshot within {WAIT_S:g} s of request_relays")
        check_update(got[0], "relays")
        relays = got[0]["relays"]
        require(len(relays) == EXPECTED_RELAYS, f"{len(relays)} relays, expected {EXPECTED_RELAYS}")
        for r in relays:
            check_relay(r)
        require(len({r["id"] for r in relays}) == len(relays), "duplicate relay ids")
        self.relays = relays

    def system_stats(self):
        w = self.rec.expect("system_stats_update")
        self.connected().emit("request_system_stats")
        got = w.wait()
        require(got, f"no system_stats_update within {WAIT_S:g} s of request_system_stats")
        check_stats(got[0])
        require(got[0]["clients"] >= 1, f"clients is {got[0]['clients']}, expected >= 1")

    # --- 3. periodic stats --------------------------------------------------------
    def periodic_stats(self):
        self.connected()
        w = self.rec.expect("system_stats_update", count=2)
        got = w.wait(2.0)
        require(len(got) >= 2, f"{len(got)} system_stats_update in 2 s, expected at least 2 "
                               "(server started with stats every 0.2 s?)")
        for s in got:
            check_stats(s)

    # --- 4. set_relay over Socket.IO -------------------------------------------------
    def set_relay_applied(self):
        relay = self.usable_relay()
        want = not relay["state"]
        cmd = self.set_relay_cmd(relay["id"], want)
        bcast = self.rec.expect("relays_update", lambda m: isinstance(m, dict)
                                and m.get("snapshot") is False
                                and any(isinstance(r, dict) and r.get("id") == relay["id"]
                                        and r.get("state") is want for r in m.get("relays") or []))
        result = self.call("set_relay", cmd)
        before_ack = bcast.done.is_set()
        self.expect_result(result, True)
        require(result["duplicate"] is False, f"first command marked duplicate: {result!r}")
        require(result["relay"]["id"] == relay["id"], f"ack names another relay: {result!r}")
        require(result["relay"]["state"] is want, f"relay state not {want}: {result!r}")
        got = bcast.wait(1.0)
        require(got, "no relays_update (snapshot:false) with the new state within 1 s of the ack")
        check_update(got[0], "relays")
        self.applied_id, self.applied_relay = cmd["request_id"], result["relay"]
        return "broadcast before the ack" if before_ack else "broadcast after the ack"

    def set_relay_duplicate(self):
        require(self.applied_id, "no applied command to repeat (see above)")
        relay = self.applied_relay
        # same request_id; the opposite state must change nothing
        result = self.call("set_relay", self.set_relay_cmd(relay["id"], not relay["state"],
                                                           self.applied_id))
        self.expect_result(result, True)
        require(result["duplicate"] is True, f"repeat not marked duplicate: {result!r}")
        require(result["relay"]["state"] is relay["state"],
                f"repeat changed the relay state: {result!r}")

    def set_relay_unknown_relay(self):
        result = self.call("set_relay", self.set_relay_cmd("no-such-relay-" + uuid.uuid4().hex, True))
        self.expect_result(result, False, "unknown_relay")

    def set_relay_expired(self):
        relay = self.usable_relay()
        result = self.call("set_relay", self.set_relay_cmd(relay["id"], not relay["state"],
                                                           issued_at=time.time() - 3600))
        self.expect_result(result, False, "expired")

    def set_relay_invalid(self):
        relay = self.usable_relay()
        for payload in ({"relay_id": relay["id"]},
                        {"relay_id": relay["id"], "state": "on",
                         "request_id": f"check-{uuid.uuid4()}", "issued_at": time.time()}):
            self.expect_result(self.call("set_relay", payload), False, "invalid")

    # --- 5. HTTP ---------------------------------------------------------------------
    def http_health(self):
        r = self.http("GET", "/api/health", token=False)
        require(r.status_code == 200, f"GET /api/health without token: {r.status_code}")
        body = r.json()
        require(body.get("status") == "ok" and is_number(body.get("server_time")),
                f"GET /api/health: {body!r}")

    def http_auth(self):
        for path in ("/api/devices", "/api/relays", "/api/system/stats"):
            r = self.http("GET", path, token=False)
            require(r.status_code == 401, f"GET {path} without token: {r.status_code}, expected 401")
        r = self.http("GET", "/api/devices")
        require(r.status_code == 200, f"GET /api/devices with token: {r.status_code}")
        body = r.json()
        check_update(body, "devices")
        require(body["snapshot"] is True, "GET /api/devices: snapshot is not true")
        require(len(body["devices"]) == EXPECTED_DEVICES, f"{len(body['devices'])} devices")
        for d in body["devices"]:
            check_device(d)
        r = self.http("GET", "/api/relays")
        require(r.status_code == 200, f"GET /api/relays with token: {r.status_code}")
        check_update(r.json(), "relays")
        r = self.http("GET", "/api/system/stats")
        require(r.status_code == 200, f"GET /api/system/stats with token: {r.status_code}")
        check_stats(r.json())

    def http_set_relay(self):
        relay = self.usable_relay()
        path = f"/api/relays/{relay['id']}"

        def post(p, body, want_status, ok, error=None, token=True):
            r = self.http("POST", p, token=token, json=body)
            require(r.status_code == want_status,
                    f"POST {p} {body!r}: status {r.status_code}, expected {want_status}: "
                    f"{r.text[:200].strip()}")
            if want_status != 401:
                self.expect_result(r.json(), ok, error)
            return r.json()

        def body(state, **kw):
            cmd = self.set_relay_cmd(relay["id"], state, **kw)
            del cmd["relay_id"]
            return cmd

        post(path, body(True), 401, False, token=False)
        result = post(path, body(not relay["state"]), 200, True)
        require(result["duplicate"] is False and result["relay"]["state"] is (not relay["state"]),
                f"POST {path}: {result!r}")
        post("/api/relays/no-such-relay-" + uuid.uuid4().hex, body(True), 404, False,
             "unknown_relay")
        post(path, body(True, issued_at=time.time() - 3600), 409, False, "expired")
        post(path, {"state": True}, 400, False, "invalid")

    def http_duplicate_of_socket_request(self):
        require(self.applied_id, "no command applied over Socket.IO (see above)")
        relay = self.applied_relay
        r = self.http("POST", f"/api/relays/{relay['id']}",
                      json={"state": not relay["state"], "request_id": self.applied_id,
                            "issued_at": time.time()})
        require(r.status_code == 200, f"status {r.status_code}: {r.text[:200].strip()}")
        result = r.json()
        self.expect_result(result, True)
        require(result["duplicate"] is True, f"request_id used over Socket.IO not a duplicate "
                                             f"over HTTP: {result!r}")

    def run(self):
        checks = [
            self.connect_refused_without_token, self.connect_with_token,
            self.devices_snapshot, self.relays_snapshot, self.system_stats,
            self.periodic_stats,
            self.set_relay_applied, self.set_relay_duplicate, self.set_relay_unknown_relay,
            self.set_relay_expired, self.set_relay_invalid,
            self.http_health, self.http_auth, self.http_set_relay,
            self.http_duplicate_of_socket_request,
        ]
        passed = failed = 0
        for check in checks:
            name = check.__name__
            try:
                note = check()
            except CheckFailed as e:
                failed += 1
                print(f"FAIL {name}: {e}", flush=True)
            except Exception as e:  # a crash in a check is a failure of that check
                failed += 1
                print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            else:
                passed += 1
                print(f"ok {name}" + (f" ({note})" if note else ""), flush=True)
        if self.sio is not None and self.sio.connected:
            self.sio.disconnect()
        print(f"{passed} passed, {failed} failed", flush=True)
        return failed == 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="http://127.0.0.1:PORT")
    p.add_argument("--token", required=True)
    args = p.parse_args()

    def watchdog():
        print(f"FAIL watchdog: still running after {WATCHDOG_S:g} s", flush=True)
        os._exit(1)
    timer = threading.Timer(WATCHDOG_S, watchdog)
    timer.daemon = True
    timer.start()
    ok = Checks(args.url, args.token).run()
    sys.stdout.flush()
    # python-socketio's threads are not always daemons; do not wait for them
    os._exit(0 if ok else 1)


if __name__ == "__main__":
    main()
