// The Trends chart's pens, pure: a pen is a device's value ("device:<id>") or one of
// the server's figures ("stats:cpu" …); its style (a muted colour, a dash and a
// marker, so that pens differ by more than colour, docs/hmi-style.md "Trend pens");
// the view's state (pens and range) to and from a URL query, for a trend in a window
// of its own; the pen search; a device's limits from the settings; and the pens'
// points joined on one time axis for the chart.

import type { Gap, Limit, StatsFigure, TrendPen } from "../types";
import { clampRange, DEFAULT_PRESET, presetRange, type TimeRange } from "./trend-range";

/** Most pens on one chart (the console refuses more). */
export const MAX_PENS = 8;

export const STATS_FIGURES: readonly StatsFigure[] = ["cpu", "memory", "disk", "clients"];

/** A pen as the page names it: "device:<id>" or "stats:<figure>". */
export type PenId = string;

export function penId(pen: TrendPen): PenId {
  return pen.kind === "device" ? `device:${pen.device_id}` : `stats:${pen.figure}`;
}

/** The pen a name stands for, or null for a name that is none. */
export function parsePen(id: string): TrendPen | null {
  if (id.startsWith("device:")) {
    const deviceId = id.slice("device:".length);
    // The console holds ids to 256 bytes; an empty or longer one is no device of it.
    if (deviceId === "" || new TextEncoder().encode(deviceId).length > 256) return null;
    return { kind: "device", device_id: deviceId };
  }
  if (id.startsWith("stats:")) {
    const figure = id.slice("stats:".length);
    return (STATS_FIGURES as readonly string[]).includes(figure) ? { kind: "stats", figure: figure as StatsFigure } : null;
  }
  return null;
}

/** The pens of a list of names: unknown names and repeats dropped, at most MAX_PENS. */
export function parsePens(ids: readonly string[]): PenId[] {
  const out: PenId[] = [];
  for (const id of ids) {
    const pen = parsePen(id);
    if (pen === null) continue;
    const name = penId(pen);
    if (!out.includes(name)) out.push(name);
    if (out.length === MAX_PENS) break;
  }
  return out;
}

/** How a pen is drawn. */
export interface PenStyle {
  /** A muted colour: saturated red, amber and yellow mean abnormal only (ISA-101). */
  readonly color: string;
  /** The line's dash pattern in pixels ([] is solid). */
  readonly dash: readonly number[];
  /** The marker drawn on its points and beside its name in the legend and read-out. */
  readonly marker: "circle" | "square" | "triangle" | "diamond" | "cross" | "plus" | "bar" | "ring";
}

/**
 * Eight styles, one per pen position: slate, green, tan, grey-teal, grey, olive, dusk
 * blue and taupe, all greyed and of middling lightness so that they read on the dark
 * and the light theme alike. None is an alarm colour (red, orange, yellow, the low
 * priority's cyan) or the abnormal violet (docs/hmi-style.md): on a trend, colour tells
 * pens apart and says nothing about the state. Each has its own dash and marker too,
 * so two pens differ without colour.
 */
export const PEN_STYLES: readonly PenStyle[] = [
  { color: "#8a9bb0", dash: [], marker: "circle" },
  { color: "#6e9b6a", dash: [8, 4], marker: "square" },
  { color: "#a08a6c", dash: [2, 3], marker: "triangle" },
  { color: "#6b9a9a", dash: [10, 3, 2, 3], marker: "diamond" },
  { color: "#9a9a9a", dash: [4, 4], marker: "cross" },
  { color: "#8a8f5a", dash: [12, 6], marker: "plus" },
  { color: "#6f7f99", dash: [1, 4], marker: "bar" },
  { color: "#a08c8c", dash: [6, 2, 1, 2], marker: "ring" },
];

export function penStyle(index: number): PenStyle {
  return PEN_STYLES[((index % PEN_STYLES.length) + PEN_STYLES.length) % PEN_STYLES.length]!;
}

/** The marker as a character, for the text legend and read-out (colour is not the only cue). */
export function markerGlyph(marker: PenStyle["marker"]): string {
  const glyphs: Record<PenStyle["marker"], string> = {
    circle: "●",
    square: "■",
    triangle: "▲",
    diamond: "◆",
    cross: "✕",
    plus: "✚",
    bar: "▮",
    ring: "○",
  };
  return glyphs[marker];
}

// ---------- the view's state, to and from a URL query ----------

/** What a trend shows: its pens and its range (Unix seconds). */
export interface TrendViewState {
  pens: PenId[];
  since: number;
  until: number;
}

/** The query of a state: `pens=device:dev-01,stats:cpu&since=…&until=…`. */
export function stateToQuery(state: TrendViewState): string {
  const params = new URLSearchParams();
  params.set("pens", state.pens.join(","));
  params.set("since", String(Math.round(state.since)));
  params.set("until", String(Math.round(state.until)));
  return params.toString();
}

/**
 * The state a query asks for: `pens` (comma-separated names, unknown ones dropped),
 * then either `since`/`until` (Unix seconds) or `range` (seconds up to `now`); a
 * missing or unreadable range is the default preset, a range too narrow, too wide or
 * in the future is held to what the chart shows.
 */
export function stateFromQuery(query: string | URLSearchParams, now: number): TrendViewState {
  const params = typeof query === "string" ? new URLSearchParams(query.startsWith("?") ? query.slice(1) : query) : query;
  const pens = parsePens((params.get("pens") ?? "").split(",").filter((p) => p !== ""));
  const since = Number(params.get("since"));
  const until = Number(params.get("until"));
  const seconds = Number(params.get("range"));
  let range: TimeRange;
  if (params.has("since") && params.has("until") && Number.isFinite(since) && Number.isFinite(until) && since < until) {
    range = { since, until };
  } else if (params.has("range") && Number.isFinite(seconds) && seconds > 0) {
    range = presetRange(seconds, now);
  } else {
    range = presetRange(DEFAULT_PRESET, now);
  }
  const held = clampRange(range, now);
  return { pens, since: held.since, until: held.until };
}

// ---------- the pen search ----------

/** A device as the pen picker offers it. */
export interface PenCandidate {
  readonly id: PenId;
  /** The name shown (the device's name, or the figure's). */
  readonly label: string;
  /** The device id or figure under the name. */
  readonly detail: string;
}

/**
 * The candidates for a search text: the server figures and the devices whose name or
 * id holds the text (any case), figures first, then devices by name; at most `limit`.
 */
export function searchPens(
  text: string,
  devices: Iterable<{ readonly id: string; readonly name: string }>,
  figureLabel: (figure: StatsFigure) => string,
  limit = 20,
): PenCandidate[] {
  const needle = text.trim().toLocaleLowerCase();
  const matches = (s: string) => needle === "" || s.toLocaleLowerCase().includes(needle);
  const out: PenCandidate[] = [];
  for (const figure of STATS_FIGURES) {
    const label = figureLabel(figure);
    if (matches(label) || matches(figure)) out.push({ id: `stats:${figure}`, label, detail: `stats:${figure}` });
  }
  const found: PenCandidate[] = [];
  for (const device of devices) {
    const name = String(device.name);
    if (matches(name) || matches(device.id)) found.push({ id: `device:${device.id}`, label: name, detail: device.id });
    // A search over 10 000 devices stops early: the operator narrows the text.
    if (found.length >= limit * 4) break;
  }
  found.sort((a, b) => a.label.localeCompare(b.label) || a.detail.localeCompare(b.detail));
  return [...out, ...found].slice(0, limit);
}

// ---------- limits ----------

/** The high and low limit the settings give a device (one for the device wins over its kind's). */
export function deviceLimits(deviceId: string, kind: string | null, limits: readonly Limit[]): { high: number | null; low: number | null } {
  const own = limits.find((l) => l.device_id === deviceId);
  const ofKind = kind === null ? undefined : limits.find((l) => (l.device_id === null || l.device_id === undefined) && l.device_kind === kind);
  const limit = own ?? ofKind;
  return { high: limit?.high ?? null, low: limit?.low ?? null };
}

// ---------- the pens joined on one time axis ----------

/** The chart's data: one time axis and one value array per pen (null: a break in the line). */
export interface JoinedSeries {
  readonly xs: number[];
  /** Per pen, per time: a number, null (a break: no value, or a link gap starts) or undefined (no sample: the line goes on). */
  readonly ys: (number | null | undefined)[][];
}

/**
 * Joins the pens' points on the union of their times, oldest first. Where one pen has
 * a sample the others have none (undefined: their lines go on across it); a value the
 * device did not report is null (a break). At the start of each link gap every pen
 * gets a null, so no line is drawn across a time the console did not see.
 */
export function joinSeries(
  series: readonly (readonly (readonly [number, number | null])[])[],
  gaps: readonly Gap[],
  range: TimeRange,
): JoinedSeries {
  const times = new Set<number>();
  for (const points of series) for (const [t] of points) times.add(t);
  const breaks: number[] = [];
  for (const gap of gaps) {
    const start = Math.max(gap.start, range.since);
    if (start <= range.until && !times.has(start)) {
      times.add(start);
      breaks.push(start);
    }
  }
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map<number, number>();
  xs.forEach((t, i) => index.set(t, i));
  const ys = series.map((points) => {
    const column: (number | null | undefined)[] = new Array<number | null | undefined>(xs.length).fill(undefined);
    for (const [t, v] of points) column[index.get(t)!] = v;
    for (const t of breaks) column[index.get(t)!] = null;
    return column;
  });
  return { xs, ys };
}

/**
 * A pen's value at time `t`: its last sample at or before `t` (what the pen read
 * then), unless that sample is older than `hold` seconds or a link gap lies between;
 * null when there is none. `points` are oldest first.
 */
export function valueAt(
  points: readonly (readonly [number, number | null])[],
  t: number,
  hold: number,
  gaps: readonly Gap[] = [],
): { at: number; value: number | null } | null {
  let lo = 0;
  let hi = points.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]![0] <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return null;
  const [at, value] = points[found]!;
  if (t - at > hold) return null;
  if (gaps.some((g) => g.start >= at && g.start <= t)) return null;
  return { at, value };
}

/** The gaps of `gaps` within the range, with an open one ending at the range's end. */
export function gapsIn(gaps: readonly Gap[], range: TimeRange): { start: number; end: number }[] {
  return gaps
    .map((g) => ({ start: Math.max(g.start, range.since), end: Math.min(g.end ?? range.until, range.until) }))
    .filter((g) => g.end > g.start);
}
