import { describe, expect, it } from "vitest";
import {
  clampPane,
  DEFAULT_DENSITY,
  DEFAULT_THEME,
  DENSITY_KEY,
  loadDensity,
  loadPaneSize,
  loadTheme,
  paneKey,
  PANES,
  saveDensity,
  savePaneSize,
  saveTheme,
  THEME_KEY,
} from "../src/lib/prefs";
import { limitsFor, meterGeometry, meterScale, NO_LIMITS, observe } from "../src/lib/meter";
import { sparklineGeometry } from "../src/lib/sparkline";
import { areaOf, summarizeAreas, UNKNOWN_AREA, worsePriority } from "../src/state/areas";
import { deviceMatches, isFilterEmpty, NO_DEVICE_FILTER } from "../src/state/devices";
import type { AlarmPriority, AlarmState, AlarmView, Limit } from "../src/types";
import { device } from "./fixtures";

function memoryStorage(initial: Record<string, string> = {}): Storage & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (k: string) => data.get(k) ?? null,
    key: (i: number) => [...data.keys()][i] ?? null,
    removeItem: (k: string) => void data.delete(k),
    setItem: (k: string, v: string) => void data.set(k, v),
  };
}

const failing = {
  getItem: () => {
    throw new Error("denied");
  },
  setItem: () => {
    throw new Error("full");
  },
};

function alarm(id: number, deviceId: string | null, priority: AlarmPriority, state: AlarmState = "unack_active"): AlarmView {
  return {
    id,
    condition: "device_fault",
    source: deviceId ?? "link",
    device: deviceId,
    priority,
    state,
    active: true,
    acknowledged: false,
    latching: false,
    first_out: false,
    chattering: false,
    activated_at: 1000,
    changed_at: 1000,
    shelved_until: null,
    reason: null,
    message: { id: "alarm-device_fault", args: {} },
  } as AlarmView;
}

function limit(fields: Partial<Limit>): Limit {
  return { device_id: null, device_kind: null, high: null, low: null, deadband: 0, ...fields };
}

describe("areas of the plant", () => {
  it("takes a device's area from its location field first, then its zone, then its kind", () => {
    expect(areaOf(device("a", { location: "Boiler house", zone: "Z1", kind: "pump" }).device)).toBe("Boiler house");
    expect(areaOf(device("b", { zone: "Z1", kind: "pump" }).device)).toBe("Z1");
    expect(areaOf(device("c", { kind: "pump" }).device)).toBe("pump");
  });

  it("ignores empty and non-text area fields and puts a device with no kind in the unknown area", () => {
    expect(areaOf(device("a", { location: "  ", zone: 7, kind: "pump" }).device)).toBe("pump");
    expect(areaOf(device("b", { kind: "" }).device)).toBe(UNKNOWN_AREA);
  });

  it("counts each area's devices and the abnormal ones (any status but online)", () => {
    const areas = summarizeAreas(
      [
        device("1", { zone: "North" }),
        device("2", { zone: "North", status: "fault" }),
        device("3", { zone: "North", status: "offline" }),
        device("4", { zone: "South", status: "weird" as "online" }),
        device("5", { zone: "South" }),
      ],
      [],
    );
    expect(areas.map((a) => [a.name, a.count, a.abnormal])).toEqual([
      ["North", 3, 2],
      ["South", 2, 1],
    ]);
    expect(areas[0]?.deviceIds).toEqual(["1", "2", "3"]);
  });

  it("gives each area the worst priority of the alarms standing on its devices", () => {
    const areas = summarizeAreas(
      [device("1", { zone: "North" }), device("2", { zone: "North" }), device("3", { zone: "South" }), device("4", { zone: "East" })],
      [
        alarm(1, "1", "low"),
        alarm(2, "2", "high", "ack_active"),
        alarm(3, "1", "medium", "unack_returned"),
        alarm(4, "3", "critical", "shelved"),
        alarm(5, "3", "low", "normal"),
        alarm(6, null, "critical"),
        alarm(7, "gone", "critical"),
        alarm(8, "4", "medium", "latched"),
      ],
    );
    expect(Object.fromEntries(areas.map((a) => [a.name, a.worst]))).toEqual({ East: "medium", North: "high", South: null });
  });

  it("lists areas by name with the unknown area last", () => {
    const areas = summarizeAreas([device("1", { kind: "" }), device("2", { zone: "b10" }), device("3", { zone: "b2" })], []);
    expect(areas.map((a) => a.name)).toEqual(["b2", "b10", UNKNOWN_AREA]);
  });

  it("ranks priorities critical over high over medium over low", () => {
    expect(worsePriority(null, "low")).toBe("low");
    expect(worsePriority("high", "medium")).toBe("high");
    expect(worsePriority("high", "critical")).toBe("critical");
    expect(worsePriority(null, null)).toBeNull();
  });

  it("filters the device list to an area, the unknown area included, and counts that as a filter", () => {
    const north = device("1", { zone: "North" });
    const none = device("2", { kind: "" });
    expect(deviceMatches(north, { ...NO_DEVICE_FILTER, area: "North" })).toBe(true);
    expect(deviceMatches(none, { ...NO_DEVICE_FILTER, area: "North" })).toBe(false);
    expect(deviceMatches(none, { ...NO_DEVICE_FILTER, area: UNKNOWN_AREA })).toBe(true);
    expect(isFilterEmpty({ ...NO_DEVICE_FILTER, area: UNKNOWN_AREA })).toBe(false);
    expect(isFilterEmpty(NO_DEVICE_FILTER)).toBe(true);
  });
});

describe("the analog bar", () => {
  it("takes a device's own limit over its kind's and ignores limits without a bound", () => {
    const limits = [
      limit({ device_kind: "sensor", high: 80 }),
      limit({ device_id: "t1", low: 10, high: 90 }),
      limit({ device_id: "t2" }),
    ];
    expect(limitsFor({ id: "t1", kind: "sensor" }, limits)).toEqual({ low: 10, high: 90 });
    expect(limitsFor({ id: "t2", kind: "sensor" }, limits)).toEqual({ low: null, high: 80 });
    expect(limitsFor({ id: "t3", kind: "pump" }, limits)).toEqual(NO_LIMITS);
  });

  it("places the value and both limit marks on a scale a quarter wider than the limits", () => {
    const limits = { low: 20, high: 60 };
    const scale = meterScale(limits, null);
    expect(scale).toEqual({ min: 10, max: 70, basis: "limits" });
    const g = meterGeometry(40, scale!, limits);
    expect(g.value).toBeCloseTo(0.5);
    expect(g.low).toBeCloseTo(1 / 6);
    expect(g.high).toBeCloseTo(5 / 6);
    expect(g.beyond).toBeNull();
    expect(g.clamped).toBe(false);
  });

  it("says which limit a value is beyond and holds a value off the scale to its end", () => {
    const limits = { low: 20, high: 60 };
    const scale = meterScale(limits, null)!;
    expect(meterGeometry(65, scale, limits)).toMatchObject({ beyond: "high", clamped: false });
    expect(meterGeometry(500, scale, limits)).toMatchObject({ value: 1, beyond: "high", clamped: true });
    expect(meterGeometry(-500, scale, limits)).toMatchObject({ value: 0, beyond: "low", clamped: true });
  });

  it("spans one limit and the values seen when only one limit is set", () => {
    const scale = meterScale({ low: null, high: 100 }, { min: 0, max: 50 });
    expect(scale).toEqual({ min: -10, max: 110, basis: "limits" });
    const g = meterGeometry(50, scale!, { low: null, high: 100 });
    expect(g.low).toBeNull();
    expect(g.high).toBeCloseTo(110 / 120);
  });

  it("draws a device without limits against the values seen, with no marks, and no bar before any value", () => {
    expect(meterScale(NO_LIMITS, null)).toBeNull();
    const seen = observe(observe(observe(null, 5), 15), "x");
    expect(seen).toEqual({ min: 5, max: 15 });
    const scale = meterScale(NO_LIMITS, seen);
    expect(scale).toEqual({ min: 5, max: 15, basis: "observed" });
    const g = meterGeometry(10, scale!, NO_LIMITS);
    expect(g).toEqual({ value: 0.5, clamped: false, low: null, high: null, beyond: null });
  });

  it("widens a single value seen so that its marker sits in the middle", () => {
    expect(meterScale(NO_LIMITS, { min: 50, max: 50 })).toEqual({ min: 45, max: 55, basis: "observed" });
    expect(meterScale(NO_LIMITS, { min: 0, max: 0 })).toEqual({ min: -1, max: 1, basis: "observed" });
  });
});

describe("the sparkline", () => {
  it("draws a step per bucket over the period, scaled to the largest count", () => {
    const g = sparklineGeometry(
      [
        [0, 0],
        [50, 2],
      ],
      0,
      100,
      100,
      20,
    );
    expect(g.max).toBe(2);
    expect(g.last).toBe(2);
    expect(g.d).toBe("M0 20 L50 20 L50 0 L100 0");
  });

  it("keeps a scale of at least one and leaves out buckets outside the period or not numbers", () => {
    const g = sparklineGeometry(
      [
        [-10, 5],
        [10, 0],
        [20, Number.NaN],
        [200, 3],
      ],
      0,
      100,
      100,
      20,
    );
    expect(g.max).toBe(1);
    expect(g.peak).toBe(0);
    expect(g.d).toBe("M10 20 L100 20");
  });

  it("draws nothing without buckets or without a period", () => {
    expect(sparklineGeometry([], 0, 100, 100, 20).d).toBe("");
    expect(sparklineGeometry([[0, 1]], 100, 100, 100, 20).d).toBe("");
  });
});

describe("the window's look, remembered", () => {
  it("opens dark and comfortable when nothing, or something else, was saved", () => {
    expect(loadTheme(memoryStorage())).toBe(DEFAULT_THEME);
    expect(DEFAULT_THEME).toBe("dark");
    expect(loadDensity(memoryStorage({ [DENSITY_KEY]: "tiny" }))).toBe(DEFAULT_DENSITY);
    expect(loadTheme(failing)).toBe("dark");
    expect(loadDensity(null)).toBe("comfortable");
  });

  it("saves the theme and the density and reads them back", () => {
    const s = memoryStorage();
    expect(saveTheme(s, "light")).toBe(true);
    expect(saveDensity(s, "compact")).toBe(true);
    expect(s.data.get(THEME_KEY)).toBe("light");
    expect(loadTheme(s)).toBe("light");
    expect(loadDensity(s)).toBe("compact");
    expect(saveTheme(failing, "light")).toBe(false);
    expect(saveDensity(null, "compact")).toBe(false);
  });

  it("holds a pane's size to its bounds, saved or loaded", () => {
    const s = memoryStorage();
    const b = PANES.plant;
    expect(loadPaneSize(s, "plant", b)).toBe(b.initial);
    savePaneSize(s, "plant", 99, b);
    expect(s.data.get(paneKey("plant"))).toBe(String(b.max));
    expect(loadPaneSize(s, "plant", b)).toBe(b.max);
    savePaneSize(s, "plant", 50.04, b);
    expect(loadPaneSize(s, "plant", b)).toBe(50);
    expect(clampPane(Number.NaN, b)).toBe(b.initial);
    expect(clampPane(1, b)).toBe(b.min);
  });

  it("takes a stored pane size that is not a number as the initial size", () => {
    const b = PANES.alarms;
    for (const bad of ["", "wide", "NaN", "Infinity", "1e999"]) {
      expect(loadPaneSize(memoryStorage({ [paneKey("alarms")]: bad }), "alarms", b)).toBe(b.initial);
    }
    expect(loadPaneSize(memoryStorage({ [paneKey("alarms")]: "-5" }), "alarms", b)).toBe(b.min);
    expect(loadPaneSize(failing, "alarms", b)).toBe(b.initial);
  });
});
