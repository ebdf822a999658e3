// The window of a virtualized list: which rows are in the DOM for a scroll position.
import { describe, expect, it } from "vitest";
import { scrollToShow, virtualWindow } from "../src/lib/virtual";

describe("virtualWindow", () => {
  it("renders the rows in view plus the overscan, at the top", () => {
    expect(virtualWindow(10_000, 36, 0, 360, 10)).toEqual({ start: 0, end: 20, before: 0, after: 9_980 * 36 });
  });

  it("follows the scroll position", () => {
    const w = virtualWindow(10_000, 36, 36 * 5_000 + 10, 360, 10);
    expect(w.start).toBe(4_990);
    expect(w.end).toBe(5_021);
    expect(w.before).toBe(4_990 * 36);
    expect(w.after).toBe((10_000 - 5_021) * 36);
    // Only about a view and two overscans of 10 000 rows.
    expect(w.end - w.start).toBeLessThanOrEqual(Math.ceil(360 / 36) + 1 + 2 * 10);
  });

  it("keeps spacers plus rows equal to the whole height", () => {
    for (const top of [0, 1, 35, 36, 12_345, 359_640, 999_999]) {
      const w = virtualWindow(10_000, 36, top, 400, 8);
      expect(w.before + (w.end - w.start) * 36 + w.after).toBe(10_000 * 36);
    }
  });

  it("clamps a scroll position beyond the end (the list shrank)", () => {
    const w = virtualWindow(50, 36, 1_000_000, 360, 5);
    expect(w.end).toBe(50);
    expect(w.start).toBe(50 - 10 - 5);
    expect(w.after).toBe(0);
  });

  it("renders everything when it all fits, and nothing for an empty list", () => {
    expect(virtualWindow(12, 36, 0, 600, 10)).toEqual({ start: 0, end: 12, before: 0, after: 0 });
    expect(virtualWindow(0, 36, 0, 600, 10)).toEqual({ start: 0, end: 0, before: 0, after: 0 });
  });
});

describe("scrollToShow", () => {
  it("does not move when the row is visible", () => {
    expect(scrollToShow(5, 36, 0, 360)).toBe(0);
  });

  it("scrolls up to a row above and down to a row below", () => {
    expect(scrollToShow(2, 36, 200, 360)).toBe(72);
    expect(scrollToShow(20, 36, 0, 360)).toBe(21 * 36 - 360);
  });
});
