import { describe, expect, it } from "vitest";
import {
  ConsoleStore,
  emptyChanges,
  hasChanges,
  isLiveMode,
  mergeChanges,
  valuesAreStale,
} from "../src/state";
import type { LinkMode } from "../src/types";
import { batch, device, linkStatus, relay, snapshot, stats } from "./fixtures";

describe("ConsoleStore", () => {
  it("starts connecting, empty and without a snapshot", () => {
    const store = new ConsoleStore(500);
    expect(store.link.mode).toBe("connecting");
    expect(store.link.since).toBe(500);
    expect(store.hasSnapshot).toBe(false);
    expect(store.devices.size).toBe(0);
    expect(store.valuesStale).toBe(true);
  });

  it("takes everything from a snapshot and reports a full reset", () => {
    const store = new ConsoleStore(0);
    const c = store.applySnapshot(
      snapshot({
        demo: true,
        devices: [device("a"), device("b")],
        relays: [relay("r1")],
        system_stats: stats(),
      }),
    );
    expect(store.hasSnapshot).toBe(true);
    expect(store.demo).toBe(true);
    expect(store.serverUrl).toBe("http://plant.local:5000");
    expect([...store.devices.keys()]).toEqual(["a", "b"]);
    expect(store.relays.has("r1")).toBe(true);
    expect(store.stats?.stats.clients).toBe(3);
    expect(c.meta && c.link && c.stats && c.devicesReset && c.relaysReset).toBe(true);
  });

  it("drops what a new snapshot no longer contains", () => {
    const store = new ConsoleStore(0);
    store.applySnapshot(snapshot({ devices: [device("a"), device("b")], relays: [relay("r1")] }));
    store.applySnapshot(snapshot({ devices: [device("b")], relays: [] }));
    expect([...store.devices.keys()]).toEqual(["b"]);
    expect(store.relays.size).toBe(0);
  });

  it("upserts devices and relays of a batch by id", () => {
    const store = new ConsoleStore(0);
    store.applySnapshot(snapshot({ devices: [device("a", { value: 1 })], relays: [relay("r1")] }));
    const c = store.applyBatch(
      batch({
        devices: [device("a", { value: 2 }, 1001), device("c", {}, 1001)],
        relays: [relay("r1", { state: true }, 1001)],
      }),
    );
    expect(store.devices.get("a")?.device.value).toBe(2);
    expect(store.devices.get("a")?.received_at).toBe(1001);
    expect(store.devices.has("c")).toBe(true);
    expect(store.relays.get("r1")?.relay.state).toBe(true);
    expect([...c.devices].sort()).toEqual(["a", "c"]);
    expect([...c.relays]).toEqual(["r1"]);
    expect(c.devicesReset).toBe(false);
  });

  it("removes devices and relays by id and reports only those that existed", () => {
    const store = new ConsoleStore(0);
    store.applySnapshot(snapshot({ devices: [device("a"), device("b")], relays: [relay("r1")] }));
    const c = store.applyBatch(batch({ removed_devices: ["a", "ghost"], removed_relays: ["r1"] }));
    expect([...store.devices.keys()]).toEqual(["b"]);
    expect(store.relays.size).toBe(0);
    expect([...c.devices]).toEqual(["a"]);
    expect([...c.relays]).toEqual(["r1"]);
  });

  it("lets a removal win over an upsert of the same id in one batch", () => {
    const store = new ConsoleStore(0);
    store.applySnapshot(snapshot());
    store.applyBatch(batch({ devices: [device("a")], removed_devices: ["a"] }));
    expect(store.devices.has("a")).toBe(false);
  });

  it("keeps the extra fields of objects", () => {
    const store = new ConsoleStore(0);
    store.applySnapshot(snapshot({ devices: [device("a", { location: "Hall 2", firmware: "1.2" })] }));
    expect(store.devices.get("a")?.device["location"]).toBe("Hall 2");
  });

  it("replaces the link and the stats only when the batch carries them", () => {
    const store = new ConsoleStore(0);
    store.applySnapshot(snapshot({ link: linkStatus("realtime"), system_stats: stats(1000) }));

    const none = store.applyBatch(batch());
    expect(none.link).toBe(false);
    expect(none.stats).toBe(false);
    expect(hasChanges(none)).toBe(false);
    expect(store.link.mode).toBe("realtime");
    expect(store.stats?.received_at).toBe(1000);

    const c = store.applyBatch(batch({ link: linkStatus("stale", { since: 950 }), system_stats: stats(1002) }));
    expect(c.link).toBe(true);
    expect(c.stats).toBe(true);
    expect(store.link.mode).toBe("stale");
    expect(store.stats?.received_at).toBe(1002);
  });

  it("ignores older data from batches applied with onlyNewer", () => {
    const store = new ConsoleStore(0);
    store.applySnapshot(
      snapshot({
        link: linkStatus("realtime", { since: 900 }),
        devices: [device("a", { value: 5 }, 1000)],
        relays: [relay("r1", { state: true }, 1000)],
        system_stats: stats(1000),
      }),
    );
    const c = store.applyBatch(
      batch({
        link: linkStatus("connecting", { since: 800 }),
        devices: [device("a", { value: 4 }, 999), device("b", {}, 999)],
        relays: [relay("r1", { state: false }, 999)],
        system_stats: stats(999),
      }),
      { onlyNewer: true },
    );
    expect(store.link.mode).toBe("realtime");
    expect(store.devices.get("a")?.device.value).toBe(5);
    expect(store.devices.has("b")).toBe(true);
    expect(store.relays.get("r1")?.relay.state).toBe(true);
    expect(store.stats?.received_at).toBe(1000);
    expect([...c.devices]).toEqual(["b"]);
    expect(c.link || c.stats).toBe(false);
  });

  it("applies data of the same age or newer with onlyNewer", () => {
    const store = new ConsoleStore(0);
    store.applySnapshot(snapshot({ devices: [device("a", { value: 5 }, 1000)] }));
    store.applyBatch(batch({ devices: [device("a", { value: 6 }, 1000)] }), { onlyNewer: true });
    expect(store.devices.get("a")?.device.value).toBe(6);
  });
});

describe("stale decision", () => {
  const cases: [LinkMode, boolean][] = [
    ["realtime", false],
    ["fallback", false],
    ["connecting", true],
    ["stale", true],
    ["offline", true],
    ["unauthorized", true],
  ];

  it.each(cases)("treats values as stale in mode %s: %s", (mode, stale) => {
    expect(valuesAreStale(linkStatus(mode))).toBe(stale);
    expect(isLiveMode(mode)).toBe(!stale);
  });

  it("follows the link of the store", () => {
    const store = new ConsoleStore(0);
    store.applySnapshot(snapshot({ link: linkStatus("fallback") }));
    expect(store.valuesStale).toBe(false);
    store.applyBatch(batch({ link: linkStatus("offline") }));
    expect(store.valuesStale).toBe(true);
  });

  it("treats a mode it does not know as stale", () => {
    expect(valuesAreStale(linkStatus("maintenance" as LinkMode))).toBe(true);
  });
});

describe("mergeChanges", () => {
  it("accumulates the ids of several batches", () => {
    const a = emptyChanges();
    a.devices.add("x");
    const b = emptyChanges();
    b.devices.add("y");
    b.link = true;
    const m = mergeChanges(emptyChanges(), a);
    mergeChanges(m, b);
    expect([...m.devices].sort()).toEqual(["x", "y"]);
    expect(m.link).toBe(true);
  });

  it("lets a reset absorb the ids of single changes", () => {
    const reset = emptyChanges();
    reset.devicesReset = true;
    const single = emptyChanges();
    single.devices.add("x");
    const m = mergeChanges(mergeChanges(emptyChanges(), single), reset);
    mergeChanges(m, single);
    expect(m.devicesReset).toBe(true);
    expect(m.devices.size).toBe(0);
  });
});
