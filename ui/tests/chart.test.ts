// Trend chart geometry: paths broken at null values and link gaps, gaps shaded, thinning.
import { describe, expect, it } from "vitest";
import { chartGeometry, splitRuns, type TrendPoint } from "../src/lib/chart";

const base = { since: 0, until: 100, width: 100, height: 50 };

function subpaths(path: string): string[] {
  return path.split("M").filter((p) => p !== "").map((p) => `M${p}`);
}

describe("splitRuns", () => {
  it("keeps one run for unbroken points", () => {
    expect(splitRuns([[10, 1], [20, 2], [30, 3]], [], 0, 100)).toEqual([[[10, 1], [20, 2], [30, 3]]]);
  });

  it("breaks the line at a null value, which is not drawn", () => {
    expect(splitRuns([[10, 1], [20, null], [30, 3], [40, 4]], [], 0, 100)).toEqual([[[10, 1]], [[30, 3], [40, 4]]]);
  });

  it("breaks the line across a link gap, and across an open gap", () => {
    expect(splitRuns([[10, 1], [20, 2], [60, 3], [70, 4]], [{ start: 30, end: 50 }], 0, 100)).toEqual([
      [[10, 1], [20, 2]],
      [[60, 3], [70, 4]],
    ]);
    expect(splitRuns([[10, 1], [20, 2], [90, 3]], [{ start: 50, end: null }], 0, 100)).toEqual([[[10, 1], [20, 2]], [[90, 3]]]);
  });

  it("leaves out points outside the range and values that are not numbers", () => {
    const pts: TrendPoint[] = [[-5, 1], [10, Number.NaN], [20, 2], [150, 3]];
    expect(splitRuns(pts, [], 0, 100)).toEqual([[[20, 2]]]);
  });
});

describe("chartGeometry", () => {
  it("draws an unbroken line as one subpath, scaled to the box (time left to right, higher values up)", () => {
    const g = chartGeometry({ ...base, points: [[0, 0], [50, 5], [100, 10]], gaps: [], yMin: 0, yMax: 10 });
    expect(g.path).toBe("M0,50L50,25L100,0");
    expect(g.runs).toBe(1);
    expect(g.gapRects).toEqual([]);
    expect([g.min, g.max, g.last]).toEqual([0, 10, 10]);
  });

  it("starts a new subpath after a null value and after a gap, and shades the gap", () => {
    const g = chartGeometry({
      ...base,
      points: [[0, 0], [10, 10], [20, null], [30, 5], [40, 5], [80, 10], [90, 0]],
      gaps: [{ start: 50, end: 70 }],
      yMin: 0,
      yMax: 10,
    });
    expect(g.runs).toBe(3);
    expect(subpaths(g.path)).toEqual(["M0,50L10,0", "M30,25L40,25", "M80,0L90,50"]);
    expect(g.gapRects).toEqual([{ x: 50, width: 20 }]);
  });

  it("draws a lone point as a dot", () => {
    const g = chartGeometry({ ...base, points: [[10, 1], [20, null], [30, 2], [40, null]], gaps: [], yMin: 0, yMax: 2 });
    expect(subpaths(g.path)).toEqual(["M10,25h0", "M30,0h0"]);
  });

  it("clips gaps to the range and shades an open gap up to the end", () => {
    const g = chartGeometry({
      ...base,
      points: [],
      gaps: [
        { start: -50, end: 10 },
        { start: 95, end: null },
        { start: 200, end: 300 },
      ],
    });
    expect(g.gapRects).toEqual([
      { x: 0, width: 10 },
      { x: 95, width: 5 },
    ]);
    expect(g.path).toBe("");
    expect([g.min, g.max, g.last]).toEqual([null, null, null]);
  });

  it("pads the value range from the data, and widens a flat line", () => {
    const g = chartGeometry({ ...base, points: [[0, 10], [100, 20]], gaps: [] });
    expect(g.yMin).toBeLessThan(10);
    expect(g.yMax).toBeGreaterThan(20);
    const flat = chartGeometry({ ...base, points: [[0, 5], [100, 5]], gaps: [] });
    expect(flat.yMax).toBeGreaterThan(flat.yMin);
    expect(flat.path).toBe("M0,25L100,25");
  });

  it("thins a long series to the lowest and highest value per column, keeping spikes", () => {
    const points: TrendPoint[] = Array.from({ length: 3600 }, (_, i) => [i / 36, i === 1800 ? 100 : 1] as const);
    const g = chartGeometry({ ...base, points, gaps: [], yMin: 0, yMax: 100 });
    const vertices = g.path.split(/[ML]/).filter((p) => p !== "").length;
    expect(vertices).toBeLessThanOrEqual(2 * 100 + 2);
    expect(g.path).toContain(",0"); // the spike (100) reaches the top
    expect(g.max).toBe(100);
  });
});
