// The Trends view's pure parts: range maths (zoom, pan, selection, keys), the pens
// (names, styles, the URL state, search, limits, joining), and the read-out.

import { describe, expect, it } from "vitest";
import {
  deviceLimits,
  joinSeries,
  MAX_PENS,
  parsePen,
  parsePens,
  PEN_STYLES,
  penId,
  searchPens,
  stateFromQuery,
  stateToQuery,
  valueAt,
} from "../src/lib/trend-pens";
import {
  chartKeyOf,
  clampRange,
  MAX_SPAN_S,
  MIN_SPAN_S,
  panRange,
  presetRange,
  queryPixels,
  selectionRange,
  span,
  wheelFactor,
  zoomRange,
} from "../src/lib/trend-range";
import { holdFor, readoutAt, readoutText } from "../src/lib/trend-readout";
import { setLanguage } from "../src/strings";

const NOW = 1_764_750_000;
const key = (k: string, shiftKey = false) => ({ key: k, shiftKey, ctrlKey: false, altKey: false, metaKey: false });

describe("the trend's range", () => {
  it("zooms around the anchor, which stays where it was on the screen", () => {
    const range = { since: 1000, until: 2000 };
    const zoomed = zoomRange(range, 2, 0.25);
    expect(span(zoomed)).toBe(500);
    // The point a quarter in (1250) is still a quarter in.
    expect(zoomed.since + span(zoomed) * 0.25).toBe(1250);
    expect(zoomRange(range, 0.5)).toEqual({ since: 500, until: 2500 });
  });

  it("never zooms in below a minute nor out beyond seven days, nor past now", () => {
    let range = presetRange(900, NOW);
    for (let i = 0; i < 50; i++) range = zoomRange(range, 1.5, 0.5, NOW);
    expect(span(range)).toBe(MIN_SPAN_S);
    for (let i = 0; i < 50; i++) range = zoomRange(range, 1 / 1.5, 0.9, NOW);
    expect(span(range)).toBe(MAX_SPAN_S);
    expect(range.until).toBeLessThanOrEqual(NOW);
  });

  it("pans by a fraction of its width and is held back at now", () => {
    const range = presetRange(3600, NOW);
    expect(panRange(range, -0.25, NOW)).toEqual({ since: NOW - 4500, until: NOW - 900 });
    expect(panRange(range, 1, NOW)).toEqual(range);
  });

  it("turns a drag into a range and ignores a drag of a few pixels", () => {
    const range = { since: 0, until: 1000 };
    expect(selectionRange(range, 100, 300, 1000)).toEqual({ since: 100, until: 300 });
    expect(selectionRange(range, 300, 100, 1000)).toEqual({ since: 100, until: 300 });
    expect(selectionRange(range, 100, 102, 1000)).toBeNull();
    expect(selectionRange(range, 0, 10, 0)).toBeNull();
  });

  it("holds hostile ranges (not finite, backwards) to something the chart can show", () => {
    const held = clampRange({ since: Number.NaN, until: Number.POSITIVE_INFINITY }, NOW);
    expect(Number.isFinite(held.since) && Number.isFinite(held.until)).toBe(true);
    expect(span(clampRange({ since: 10, until: 5 }, NOW))).toBe(MIN_SPAN_S);
  });

  it("reads the wheel and the keys", () => {
    expect(wheelFactor(-100)).toBeGreaterThan(1);
    expect(wheelFactor(100)).toBeLessThan(1);
    expect(wheelFactor(0)).toBe(1);
    expect(chartKeyOf(key("+"))).toEqual({ kind: "zoom", factor: 1.5 });
    expect(chartKeyOf(key("-"))).toEqual({ kind: "zoom", factor: 1 / 1.5 });
    expect(chartKeyOf(key("ArrowLeft"))).toEqual({ kind: "pan", fraction: -0.25 });
    expect(chartKeyOf(key("ArrowRight", true))).toEqual({ kind: "pan", fraction: 1 });
    expect(chartKeyOf(key("Home"))).toEqual({ kind: "home" });
    expect(chartKeyOf({ ...key("+"), ctrlKey: true })).toBeNull();
    expect(chartKeyOf(key("a"))).toBeNull();
  });

  it("asks for a pixel width within the console's bounds", () => {
    expect(queryPixels(0)).toBe(100);
    expect(queryPixels(1e9)).toBe(8192);
    expect(queryPixels(Number.NaN)).toBe(800);
  });
});

describe("the pens", () => {
  it("are named device:<id> and stats:<figure>, and nothing else is a pen", () => {
    expect(parsePen("device:dev-01")).toEqual({ kind: "device", device_id: "dev-01" });
    expect(parsePen("stats:cpu")).toEqual({ kind: "stats", figure: "cpu" });
    expect(parsePen("stats:gpu")).toBeNull();
    expect(parsePen("device:")).toBeNull();
    expect(parsePen("device:" + "x".repeat(257))).toBeNull();
    expect(parsePen("relay:r1")).toBeNull();
    expect(penId({ kind: "device", device_id: "a:b" })).toBe("device:a:b");
  });

  it("keep at most eight, without repeats or unknown names", () => {
    const names = Array.from({ length: 12 }, (_, i) => `device:d${i}`);
    expect(parsePens(names)).toHaveLength(MAX_PENS);
    expect(parsePens(["stats:cpu", "stats:cpu", "bogus", "device:a"])).toEqual(["stats:cpu", "device:a"]);
  });

  it("differ by dash and marker as well as colour, and use no alarm colour", () => {
    expect(new Set(PEN_STYLES.map((s) => s.marker)).size).toBe(PEN_STYLES.length);
    expect(new Set(PEN_STYLES.map((s) => s.dash.join(","))).size).toBe(PEN_STYLES.length);
    const alarmColours = ["#cf2a24", "#f2851d", "#f0cf1f", "#3bb4d8", "#b77cf2"];
    for (const style of PEN_STYLES) {
      expect(alarmColours).not.toContain(style.color);
      // Muted: the channels lie close together (a saturated colour has them far apart).
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(style.color.slice(i, i + 2), 16));
      expect(Math.max(r!, g!, b!) - Math.min(r!, g!, b!)).toBeLessThan(80);
    }
  });

  it("go to a URL query and come back", () => {
    const state = { pens: ["device:dev-01", "stats:cpu"], since: NOW - 3600, until: NOW };
    const query = stateToQuery(state);
    expect(query).toBe(`pens=device%3Adev-01%2Cstats%3Acpu&since=${NOW - 3600}&until=${NOW}`);
    expect(stateFromQuery(query, NOW)).toEqual(state);
    expect(stateFromQuery("?pens=device:dev-01,stats:cpu&range=900", NOW)).toEqual({
      pens: ["device:dev-01", "stats:cpu"],
      since: NOW - 900,
      until: NOW,
    });
  });

  it("read a hostile query as the default range with the known pens only", () => {
    const state = stateFromQuery("pens=stats:cpu,<script>,device:&since=abc&until=1", NOW);
    expect(state.pens).toEqual(["stats:cpu"]);
    expect(state).toMatchObject({ since: NOW - 3600, until: NOW });
    const future = stateFromQuery(`since=${NOW + 10_000}&until=${NOW + 20_000}`, NOW);
    expect(future.until).toBe(NOW);
    const wide = stateFromQuery("range=99999999", NOW);
    expect(span(wide)).toBe(MAX_SPAN_S);
  });

  it("are found by a device's name or id, the server figures first", () => {
    const devices = [
      { id: "dev-02", name: "Pump 2" },
      { id: "dev-01", name: "Boiler" },
      { id: "cpu-sensor", name: "Chiller" },
    ];
    const label = (f: string) => f.toUpperCase();
    expect(searchPens("dev", devices, label).map((c) => c.id)).toEqual(["device:dev-01", "device:dev-02"]);
    expect(searchPens("cpu", devices, label).map((c) => c.id)).toEqual(["stats:cpu", "device:cpu-sensor"]);
    expect(searchPens("PUMP", devices, label).map((c) => c.label)).toEqual(["Pump 2"]);
    expect(searchPens("", devices, label, 3)).toHaveLength(3);
  });

  it("take a device's own limit before its kind's", () => {
    const limits = [
      { device_id: null, device_kind: "temperature", high: 80, low: null, deadband: 1 },
      { device_id: "b", device_kind: null, high: 90, low: 10, deadband: 1 },
    ];
    expect(deviceLimits("a", "temperature", limits)).toEqual({ high: 80, low: null });
    expect(deviceLimits("b", "temperature", limits)).toEqual({ high: 90, low: 10 });
    expect(deviceLimits("c", "pressure", limits)).toEqual({ high: null, low: null });
  });

  it("are joined on one time axis, broken where a device had no value and at each link gap", () => {
    const joined = joinSeries(
      [
        [
          [10, 1],
          [20, null],
          [30, 3],
        ],
        [[15, 5]],
      ],
      [{ start: 25, end: 28 }],
      { since: 0, until: 40 },
    );
    expect(joined.xs).toEqual([10, 15, 20, 25, 30]);
    expect(joined.ys[0]).toEqual([1, undefined, null, null, 3]);
    expect(joined.ys[1]).toEqual([undefined, 5, undefined, null, undefined]);
  });

  it("read at a time as their last sample, not across a gap nor from too long ago", () => {
    const points: [number, number | null][] = [
      [10, 1],
      [20, 2],
    ];
    expect(valueAt(points, 25, 10)).toEqual({ at: 20, value: 2 });
    expect(valueAt(points, 5, 10)).toBeNull();
    expect(valueAt(points, 40, 10)).toBeNull();
    expect(valueAt(points, 25, 10, [{ start: 22, end: null }])).toBeNull();
  });
});

describe("the read-out", () => {
  it("says the time and each pen's value with its marker, or that it has none", () => {
    setLanguage("en");
    const readout = readoutAt(
      20,
      [
        { label: { name: "Boiler", unit: "°C" }, points: [[20, 71.25]] },
        { label: { name: "Server CPU", unit: "%" }, points: [] },
      ],
      [],
      10,
      "no value",
    );
    expect(readout.lines).toEqual([
      { marker: "●", name: "Boiler", value: "71.25 °C" },
      { marker: "■", name: "Server CPU", value: "no value" },
    ]);
    expect(readoutText(readout)).toMatch(/; ● Boiler: 71\.25 °C; ■ Server CPU: no value$/);
  });

  it("writes numbers in Persian digits in Persian", () => {
    setLanguage("fa");
    try {
      const readout = readoutAt(20, [{ label: { name: "دیگ", unit: null }, points: [[20, 12.5]] }], [], 10, "بدون مقدار");
      expect(readout.lines[0]?.value).toMatch(/^[۰-۹٫]+$/);
    } finally {
      setLanguage("en");
    }
  });

  it("holds a sample as long as the cache's tier for its age", () => {
    expect(holdFor(NOW - 60, NOW)).toBe(10);
    expect(holdFor(NOW - 7200, NOW)).toBe(180);
    expect(holdFor(NOW - 3 * 86_400, NOW)).toBe(1800);
  });
});
