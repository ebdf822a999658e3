// Counts `devices_update` events with socket.io-client under Node, for the ingest benchmark.
//
//     node count_events.js URL N [TIMEOUT_S]
//
// Connects over WebSocket only, counts events until N have arrived, and prints one JSON
// line: the events counted and the seconds from the first event to the N-th. It does
// nothing else with an event, so the figure is the library's own receive path.
// Exits 1 when N events do not arrive within TIMEOUT_S (default 900).
"use strict";

const { io } = require("socket.io-client");
const clientVersion = require("socket.io-client/package.json").version;

const [url, wantedText, limitText] = process.argv.slice(2);
const wanted = Number(wantedText);
const limit = Number(limitText || 900);

let count = 0;
let first = 0n;

function finish(seconds) {
  const result = { client: "socket.io-client", version: clientVersion, events: count, seconds };
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(seconds === null ? 1 : 0));
}

const socket = io(url, { transports: ["websocket"], reconnection: false });
socket.on("devices_update", () => {
  count += 1;
  if (count === 1) first = process.hrtime.bigint();
  if (count === wanted) {
    const seconds = Number(process.hrtime.bigint() - first) / 1e9;
    socket.close();
    finish(seconds);
  }
});
socket.on("connect_error", (error) => {
  process.stderr.write(`count_events.js: ${error.message}\n`);
  finish(null);
});
setTimeout(() => finish(null), limit * 1000).unref();
