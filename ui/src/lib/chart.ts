// Pure geometry of the small trend charts: an SVG path from time-value points,
// broken where a value is missing (null) and across link gaps, and the shaded
// rectangles of the gaps. No DOM (see view/chart.ts for the drawing).

import type { Gap } from "../types";

/** [Unix seconds, value or null]. */
export type TrendPoint = readonly [number, number | null];

export interface ChartInput {
  points: readonly TrendPoint[];
  gaps: readonly Gap[];
  /** The time range shown (Unix seconds). */
  since: number;
  until: number;
  /** Drawing area in SVG units. */
  width: number;
  height: number;
  /** Fixed value range (e.g. 0…100 for percentages); otherwise from the data. */
  yMin?: number;
  yMax?: number;
  /** Above this many points the line is thinned to the lowest and highest value per column (default 2 × width). */
  maxPoints?: number;
}

export interface GapRect {
  x: number;
  width: number;
}

export interface ChartGeometry {
  /** SVG path data ("" when nothing to draw); one subpath per unbroken run. */
  path: string;
  /** Number of subpaths (unbroken runs). */
  runs: number;
  gapRects: GapRect[];
  /** The value range drawn. */
  yMin: number;
  yMax: number;
  /** Lowest, highest and latest value in the range (null when none). */
  min: number | null;
  max: number | null;
  last: number | null;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Whether a link gap lies (even partly) between the times `a` and `b` (a ≤ b). */
function gapBetween(gaps: readonly Gap[], a: number, b: number): boolean {
  for (const g of gaps) {
    const end = g.end ?? Number.POSITIVE_INFINITY;
    if (g.start < b && end > a) return true;
  }
  return false;
}

/**
 * Splits points into unbroken runs: a null value ends a run (and is not
 * drawn), so does a link gap between two points. Points outside [since,
 * until] or with a time or value that is not a finite number are left out.
 */
export function splitRuns(points: readonly TrendPoint[], gaps: readonly Gap[], since: number, until: number): [number, number][][] {
  const runs: [number, number][][] = [];
  let run: [number, number][] = [];
  let prevT: number | null = null;
  for (const [t, v] of points) {
    if (!Number.isFinite(t) || t < since || t > until) continue;
    if (v === null || typeof v !== "number" || !Number.isFinite(v)) {
      if (run.length > 0) runs.push(run);
      run = [];
      prevT = t;
      continue;
    }
    if (run.length > 0 && prevT !== null && gapBetween(gaps, prevT, t)) {
      runs.push(run);
      run = [];
    }
    run.push([t, v]);
    prevT = t;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** Keeps, per pixel column, the lowest and the highest point (in time order). */
function thin(run: [number, number][], column: (t: number) => number): [number, number][] {
  const out: [number, number][] = [];
  let col = Number.NaN;
  let lo: [number, number] | null = null;
  let hi: [number, number] | null = null;
  const flush = () => {
    if (lo === null || hi === null) return;
    if (lo === hi) out.push(lo);
    else if (lo[0] <= hi[0]) out.push(lo, hi);
    else out.push(hi, lo);
  };
  for (const p of run) {
    const c = Math.floor(column(p[0]));
    if (c !== col) {
      flush();
      col = c;
      lo = p;
      hi = p;
      continue;
    }
    if (lo === null || p[1] < lo[1]) lo = p;
    if (hi === null || p[1] > hi[1]) hi = p;
  }
  flush();
  return out;
}

/** The path, gap shading and value range of a trend chart. */
export function chartGeometry(input: ChartInput): ChartGeometry {
  const { since, until, width, height } = input;
  const span = until > since ? until - since : 1;
  const sx = (t: number) => ((t - since) / span) * width;
  const runs = splitRuns(input.points, input.gaps, since, until);

  let min: number | null = null;
  let max: number | null = null;
  let last: number | null = null;
  let lastT = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (const run of runs) {
    for (const [t, v] of run) {
      count++;
      if (min === null || v < min) min = v;
      if (max === null || v > max) max = v;
      if (t >= lastT) {
        lastT = t;
        last = v;
      }
    }
  }

  let yMin = input.yMin ?? min ?? 0;
  let yMax = input.yMax ?? max ?? 1;
  if (input.yMin === undefined && input.yMax === undefined && min !== null && max !== null) {
    const pad = (max - min) * 0.08;
    yMin = min - pad;
    yMax = max + pad;
  }
  if (!(yMax > yMin)) {
    const d = Math.abs(yMin) > 0 ? Math.abs(yMin) * 0.1 : 1;
    yMin -= d;
    yMax += d;
  }
  const sy = (v: number) => height - ((Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin)) * height;

  const limit = input.maxPoints ?? Math.max(2, Math.floor(width * 2));
  const parts: string[] = [];
  for (const run of runs) {
    const pts = count > limit ? thin(run, sx) : run;
    const first = pts[0];
    if (first === undefined) continue;
    let d = `M${round1(sx(first[0]))},${round1(sy(first[1]))}`;
    if (pts.length === 1) d += "h0"; // a lone point: a dot (round line caps)
    for (let i = 1; i < pts.length; i++) {
      const p = pts[i];
      if (p !== undefined) d += `L${round1(sx(p[0]))},${round1(sy(p[1]))}`;
    }
    parts.push(d);
  }

  const gapRects: GapRect[] = [];
  for (const g of input.gaps) {
    const start = Math.max(g.start, since);
    const end = Math.min(g.end ?? until, until);
    if (!Number.isFinite(start) || !Number.isFinite(end) || end < start || g.start > until) continue;
    const x = round1(sx(start));
    gapRects.push({ x, width: Math.max(1, round1(sx(end) - x)) });
  }

  return { path: parts.join(""), runs: parts.length, gapRects, yMin, yMax, min, max, last };
}
