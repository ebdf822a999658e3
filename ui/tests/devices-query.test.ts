// Device search, filters, sorting, the patched display order and stale-by-age: pure.
import { describe, expect, it } from "vitest";
import {
  compareDevices,
  DeviceList,
  deviceMatches,
  isFilterEmpty,
  NO_DEVICE_FILTER,
  normalizeSearch,
  queryDevices,
  VALUE_MAX_AGE_S,
  valueStaleness,
  type DeviceFilter,
  type DeviceSort,
} from "../src/state";
import type { DeviceEntry } from "../src/types";
import { device } from "./fixtures";

function ids(entries: readonly DeviceEntry[]): string[] {
  return entries.map((e) => e.device.id);
}

function filter(f: Partial<DeviceFilter>): DeviceFilter {
  return { ...NO_DEVICE_FILTER, ...f };
}

const plant: DeviceEntry[] = [
  device("b-7", { name: "Boiler 7", kind: "temperature", status: "online", value: 71.5 }, 1000),
  device("p-10", { name: "Pump 10", kind: "motor", status: "fault", value: 3 }, 1010),
  device("p-2", { name: "pump 2", kind: "motor", status: "offline", value: null }, 990),
  device("v-1", { name: "Valve", kind: "valve", status: "unknown", value: -4 }, 1005),
  device("x-1", { name: "Mixer", kind: "motor", status: "maintenance" as "online", value: 3 }, 1001),
];

describe("search and filters", () => {
  it("matches the name, the id or the kind, ignoring case", () => {
    expect(ids(queryDevices(plant, filter({ search: "PUMP" }), { key: "name", dir: "asc" }))).toEqual(["p-2", "p-10"]);
    expect(ids(queryDevices(plant, filter({ search: "b-7" }), { key: "name", dir: "asc" }))).toEqual(["b-7"]);
    expect(ids(queryDevices(plant, filter({ search: "Temper" }), { key: "name", dir: "asc" }))).toEqual(["b-7"]);
    expect(ids(queryDevices(plant, filter({ search: "  valve " }), { key: "name", dir: "asc" }))).toEqual(["v-1"]);
    expect(queryDevices(plant, filter({ search: "nothing like it" }), { key: "name", dir: "asc" })).toEqual([]);
  });

  it("filters by status and by kind, together with the search", () => {
    const byName: DeviceSort = { key: "name", dir: "asc" };
    expect(ids(queryDevices(plant, filter({ status: "fault" }), byName))).toEqual(["p-10"]);
    expect(ids(queryDevices(plant, filter({ kind: "motor" }), byName))).toEqual(["x-1", "p-2", "p-10"]);
    expect(ids(queryDevices(plant, filter({ kind: "motor", status: "offline" }), byName))).toEqual(["p-2"]);
    expect(ids(queryDevices(plant, filter({ kind: "motor", search: "mix" }), byName))).toEqual(["x-1"]);
  });

  it("treats Persian and Arabic digits and letters alike", () => {
    expect(normalizeSearch("Pump ۱۰")).toBe("pump 10");
    expect(normalizeSearch("٣")).toBe("3");
    expect(normalizeSearch("كيسه")).toBe("کیسه");
    expect(deviceMatches(device("d", { name: "پمپ کیسه ۳" }), filter({ search: "كيسه 3" }))).toBe(true);
  });

  it("knows an empty filter", () => {
    expect(isFilterEmpty(NO_DEVICE_FILTER)).toBe(true);
    expect(isFilterEmpty(filter({ search: "   " }))).toBe(true);
    expect(isFilterEmpty(filter({ kind: "motor" }))).toBe(false);
  });
});

describe("sorting", () => {
  const sorted = (sort: DeviceSort) => ids(queryDevices(plant, NO_DEVICE_FILTER, sort));

  it("sorts by name with numbers in numeric order, both ways", () => {
    expect(sorted({ key: "name", dir: "asc" })).toEqual(["b-7", "x-1", "p-2", "p-10", "v-1"]);
    expect(sorted({ key: "name", dir: "desc" })).toEqual(["v-1", "p-10", "p-2", "x-1", "b-7"]);
  });

  it("sorts by kind, then by name", () => {
    expect(sorted({ key: "kind", dir: "asc" })).toEqual(["x-1", "p-2", "p-10", "b-7", "v-1"]);
    expect(sorted({ key: "kind", dir: "desc" })).toEqual(["v-1", "b-7", "x-1", "p-2", "p-10"]);
  });

  it("sorts by status: what needs attention first", () => {
    expect(sorted({ key: "status", dir: "asc" })).toEqual(["p-10", "p-2", "v-1", "x-1", "b-7"]);
    expect(sorted({ key: "status", dir: "desc" })).toEqual(["b-7", "x-1", "v-1", "p-2", "p-10"]);
  });

  it("sorts by value with devices without a value last either way, ties by name", () => {
    expect(sorted({ key: "value", dir: "asc" })).toEqual(["v-1", "x-1", "p-10", "b-7", "p-2"]);
    expect(sorted({ key: "value", dir: "desc" })).toEqual(["b-7", "x-1", "p-10", "v-1", "p-2"]);
  });

  it("sorts by age: the most recently received first when ascending", () => {
    expect(sorted({ key: "age", dir: "asc" })).toEqual(["p-10", "v-1", "x-1", "b-7", "p-2"]);
    expect(sorted({ key: "age", dir: "desc" })).toEqual(["p-2", "b-7", "x-1", "v-1", "p-10"]);
  });

  it("is a total order (ties broken by name, then id)", () => {
    const a = device("a", { name: "Same" });
    const b = device("b", { name: "Same" });
    for (const key of ["name", "kind", "status", "value", "age"] as const) {
      expect(compareDevices(a, b, { key, dir: "asc" })).toBeLessThan(0);
      expect(compareDevices(b, a, { key, dir: "asc" })).toBeGreaterThan(0);
      expect(compareDevices(a, a, { key, dir: "asc" })).toBe(0);
    }
  });
});

describe("DeviceList", () => {
  function order(list: DeviceList): string[] {
    return ids(list.slice(0, list.size));
  }

  it("keeps the filtered order, counts statuses and lists kinds", () => {
    const list = new DeviceList();
    list.reset(plant);
    expect(list.total).toBe(5);
    expect(order(list)).toEqual(["b-7", "x-1", "p-2", "p-10", "v-1"]);
    expect(list.countOf("fault")).toBe(1);
    expect(list.countOf("offline")).toBe(1);
    expect(list.kinds()).toEqual(["motor", "temperature", "valve"]);
    list.setFilter(filter({ kind: "motor" }));
    expect(list.size).toBe(3);
    expect(list.total).toBe(5);
    expect(list.indexOf("p-10")).toBe(2);
    expect(list.indexOf("b-7")).toBe(-1);
    list.setSort({ key: "value", dir: "desc" });
    expect(order(list)).toEqual(["x-1", "p-10", "p-2"]);
  });

  it("patches the order like a full sort would, saying when something moved", () => {
    const list = new DeviceList();
    list.reset(plant);
    list.setSort({ key: "value", dir: "asc" });
    // Same place: no move.
    expect(list.apply([["b-7", device("b-7", { name: "Boiler 7", kind: "temperature", value: 72 }, 1020)]]).moved).toBe(false);
    // A new value that changes the place.
    expect(list.apply([["v-1", device("v-1", { name: "Valve", kind: "valve", status: "unknown", value: 100 }, 1005)]]).moved).toBe(true);
    // Removed, and a new one with a new kind.
    const change = list.apply([
      ["p-2", undefined],
      ["n-1", device("n-1", { name: "New", kind: "pressure", value: 0 }, 1030)],
    ]);
    expect(change).toEqual({ moved: true, kindsChanged: true });
    const expected = ids(queryDevices([...list.slice(0, list.size)], NO_DEVICE_FILTER, { key: "value", dir: "asc" }));
    expect(order(list)).toEqual(expected);
    expect(order(list)).toEqual(["n-1", "x-1", "p-10", "b-7", "v-1"]);
    expect(list.countOf("offline")).toBe(0);
    expect(list.kinds()).toEqual(["motor", "pressure", "temperature", "valve"]);
  });

  it("lets devices in and out of a filter when they change", () => {
    const list = new DeviceList();
    list.reset(plant);
    list.setFilter(filter({ status: "fault" }));
    expect(order(list)).toEqual(["p-10"]);
    list.apply([["b-7", device("b-7", { name: "Boiler 7", status: "fault" })]]);
    expect(order(list)).toEqual(["b-7", "p-10"]);
    list.apply([["p-10", device("p-10", { name: "Pump 10", status: "online" })]]);
    expect(order(list)).toEqual(["b-7"]);
  });

  it("stays right through many random batches (patched and rebuilt)", () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const list = new DeviceList();
    const all = new Map<string, DeviceEntry>();
    const mk = (i: number) =>
      device(`d${i}`, { name: `Dev ${Math.floor(rnd() * 50)}`, kind: `k${i % 3}`, value: rnd() < 0.1 ? null : Math.floor(rnd() * 20) }, 1000 + Math.floor(rnd() * 100));
    for (let i = 0; i < 300; i++) all.set(`d${i}`, mk(i));
    list.reset(all.values());
    list.setSort({ key: "value", dir: "desc" });
    list.setFilter(filter({ search: "dev 1" }));
    for (let round = 0; round < 40; round++) {
      const size = round % 10 === 0 ? 400 : 1 + Math.floor(rnd() * 20);
      const changes: [string, DeviceEntry | undefined][] = [];
      for (let j = 0; j < size; j++) {
        const i = Math.floor(rnd() * 320);
        const next = rnd() < 0.1 ? undefined : mk(i);
        changes.push([`d${i}`, next]);
        if (next === undefined) all.delete(`d${i}`);
        else all.set(`d${i}`, next);
      }
      list.apply(changes);
      expect(order(list)).toEqual(ids(queryDevices(all.values(), list.filter, list.sort)));
      expect(list.total).toBe(all.size);
    }
  });
});

describe("stale values", () => {
  it("marks a value unconfirmed while the link is not live", () => {
    expect(valueStaleness(1000, 1001, true)).toBe("link");
  });

  it("marks a value unconfirmed when it was received more than 10 minutes ago", () => {
    expect(VALUE_MAX_AGE_S).toBe(600);
    expect(valueStaleness(1000, 1000 + 600, false)).toBe("live");
    expect(valueStaleness(1000, 1000 + 601, false)).toBe("age");
    expect(valueStaleness(1000, 1000 + 30, false, 20)).toBe("age");
    expect(valueStaleness(Number.NaN, 1000, false)).toBe("age");
  });
});
