"""Counts `devices_update` events with python-socketio's Client, for the ingest benchmark.

    count_events.py URL N [TIMEOUT_S]

Connects over WebSocket only (as the plant's own scripts do), counts events until N
have arrived, and prints one JSON line: the events counted and the seconds from the
first event to the N-th. It does nothing else with an event, so the figure is the
library's own receive path: the comparison the console's ingest is measured against.
Exits 1 when N events do not arrive within TIMEOUT_S (default 900).
"""

import importlib.metadata
import itertools
import json
import sys
import threading
import time

import socketio


def main():
    url, wanted = sys.argv[1], int(sys.argv[2])
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 900.0
    client = socketio.Client(reconnection=False)
    # python-engineio runs every message's handler on a thread of its own, so the count
    # must be atomic: next() on itertools.count is, under the GIL.
    counter = itertools.count(1)
    first = [None]
    last = [None]
    done = threading.Event()

    @client.on("devices_update")
    def on_update(_payload):
        n = next(counter)
        now = time.perf_counter()
        if n == 1:
            first[0] = now
        if n == wanted:
            last[0] = now
            done.set()

    client.connect(url, transports=["websocket"])
    finished = done.wait(limit)
    counted = next(counter) - 1
    result = {
        "client": "python-socketio",
        "version": importlib.metadata.version("python-socketio"),
        "events": counted,
        "seconds": (last[0] - first[0]) if finished else None,
    }
    print(json.dumps(result), flush=True)
    client.disconnect()
    sys.exit(0 if finished else 1)


if __name__ == "__main__":
    main()
