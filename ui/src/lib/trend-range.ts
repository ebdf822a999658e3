// The Trends chart's time range and how zooming and panning move it: pure maths on
// Unix seconds, no DOM and no clock (`now` is an argument). The chart always shows
// one range [since, until]; the presets (15 min … 7 days) choose it, zoom and pan
// move it, Home goes back to the chosen preset.

/** The preset ranges in seconds, as their buttons (#trend-range-<seconds>) offer them. */
export const RANGE_PRESETS = [900, 3600, 28_800, 86_400, 604_800] as const;

export type RangePreset = (typeof RANGE_PRESETS)[number];

/** The range a fresh chart shows. */
export const DEFAULT_PRESET: RangePreset = 3600;

/** Narrowest range a zoom reaches: one minute of 1/s samples. */
export const MIN_SPAN_S = 60;

/** Widest range: what the cache keeps (7 days), so zooming out never asks for nothing. */
export const MAX_SPAN_S = 604_800;

/** How much one zoom step (a key, a button, a wheel notch) narrows or widens the range. */
export const ZOOM_STEP = 1.5;

/** How much of the range one pan step (an arrow key) moves it. */
export const PAN_STEP = 0.25;

export interface TimeRange {
  readonly since: number;
  readonly until: number;
}

export function isPreset(seconds: number): seconds is RangePreset {
  return (RANGE_PRESETS as readonly number[]).includes(seconds);
}

/** The last `seconds` up to `now`. */
export function presetRange(seconds: number, now: number): TimeRange {
  return { since: now - seconds, until: now };
}

export function span(range: TimeRange): number {
  return range.until - range.since;
}

/**
 * Holds a range to what can be shown: its span between MIN_SPAN_S and MAX_SPAN_S
 * (kept around its middle), and not past `now` (a range that would end in the future
 * is moved back, keeping its span).
 */
export function clampRange(range: TimeRange, now: number): TimeRange {
  let width = span(range);
  if (!Number.isFinite(width) || width <= 0) width = MIN_SPAN_S;
  const held = Math.min(MAX_SPAN_S, Math.max(MIN_SPAN_S, width));
  const middle = Number.isFinite(range.since + range.until) ? (range.since + range.until) / 2 : now - held / 2;
  let since = middle - held / 2;
  let until = middle + held / 2;
  if (until > now) {
    since -= until - now;
    until = now;
  }
  return { since, until };
}

/**
 * Zooms by `factor` (> 1 narrows, < 1 widens) around `anchor`, a fraction of the width
 * from the left (0.5: the middle; the cursor's place for the wheel), which stays where
 * it is on the screen.
 */
export function zoomRange(range: TimeRange, factor: number, anchor = 0.5, now = Number.POSITIVE_INFINITY): TimeRange {
  const at = Math.min(1, Math.max(0, Number.isFinite(anchor) ? anchor : 0.5));
  const width = span(range);
  const pivot = range.since + width * at;
  const next = width / (factor > 0 && Number.isFinite(factor) ? factor : 1);
  const held = Math.min(MAX_SPAN_S, Math.max(MIN_SPAN_S, next));
  const zoomed = { since: pivot - held * at, until: pivot + held * (1 - at) };
  return Number.isFinite(now) ? clampRange(zoomed, now) : zoomed;
}

/** Moves the range by `fraction` of its width (negative: back in time). */
export function panRange(range: TimeRange, fraction: number, now = Number.POSITIVE_INFINITY): TimeRange {
  const shift = span(range) * (Number.isFinite(fraction) ? fraction : 0);
  const moved = { since: range.since + shift, until: range.until + shift };
  return Number.isFinite(now) ? clampRange(moved, now) : moved;
}

/** Moves the range by `seconds` (a drag: the pixels dragged times seconds per pixel). */
export function panBySeconds(range: TimeRange, seconds: number, now = Number.POSITIVE_INFINITY): TimeRange {
  const width = span(range);
  return width > 0 ? panRange(range, seconds / width, now) : range;
}

/**
 * The range of a dragged selection from pixel `left` to pixel `right` of a plot
 * `width` pixels wide showing `range`; null when the drag was too small to mean
 * a zoom (under 4 pixels).
 */
export function selectionRange(range: TimeRange, left: number, right: number, width: number, now = Number.POSITIVE_INFINITY): TimeRange | null {
  const [a, b] = left <= right ? [left, right] : [right, left];
  if (!(width > 0) || b - a < 4) return null;
  const perPixel = span(range) / width;
  const selected = { since: range.since + Math.max(0, a) * perPixel, until: range.since + Math.min(width, b) * perPixel };
  return Number.isFinite(now) ? clampRange(selected, now) : clampRange(selected, Number.POSITIVE_INFINITY);
}

/** The zoom factor of one wheel event: forward (deltaY < 0) narrows, back widens. */
export function wheelFactor(deltaY: number): number {
  if (deltaY === 0 || !Number.isFinite(deltaY)) return 1;
  return deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP;
}

/** What a key does on the focused chart, or null for a key it leaves alone. */
export type ChartKey =
  | { kind: "zoom"; factor: number }
  | { kind: "pan"; fraction: number }
  | { kind: "home" };

export function chartKeyOf(ev: Pick<KeyboardEvent, "key" | "ctrlKey" | "altKey" | "metaKey" | "shiftKey">): ChartKey | null {
  if (ev.ctrlKey || ev.altKey || ev.metaKey) return null;
  switch (ev.key) {
    case "+":
    case "=":
      return { kind: "zoom", factor: ZOOM_STEP };
    case "-":
    case "_":
      return { kind: "zoom", factor: 1 / ZOOM_STEP };
    // Time runs left to right on the chart in every language (the chart is laid out
    // left to right in Persian too), so the arrows move it as drawn.
    case "ArrowLeft":
      return { kind: "pan", fraction: ev.shiftKey ? -1 : -PAN_STEP };
    case "ArrowRight":
      return { kind: "pan", fraction: ev.shiftKey ? 1 : PAN_STEP };
    case "Home":
      return { kind: "home" };
    default:
      return null;
  }
}

/** The chart's width in pixel columns the display query reduces to, within the console's bounds. */
export function queryPixels(width: number): number {
  return Math.min(8192, Math.max(100, Math.round(Number.isFinite(width) ? width : 800)));
}
