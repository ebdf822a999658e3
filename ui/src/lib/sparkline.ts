// The geometry of a sparkline: an area's count of abnormal devices per time bucket
// (the console's `area_trend`) as an SVG path, a step per bucket. Pure.

/** One bucket: its start (Unix seconds) and the count in it. */
export type TrendBucket = readonly [number, number];

export interface SparklineGeometry {
  /** The path's `d` (empty when there is nothing to draw). */
  readonly d: string;
  /** The top of the scale: the largest count, at least 1. */
  readonly max: number;
  /** The largest count (0 when there is no bucket). */
  readonly peak: number;
  /** The count of the last bucket (null: no bucket). */
  readonly last: number | null;
}

function round(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/**
 * A step line of the buckets over [since, until] in a box of `width` × `height`: time
 * runs along x, the count up y from 0 (the bottom) to the largest count. A bucket
 * lasts until the next one starts (the last until `until`); buckets outside the
 * period and counts that are not numbers are left out.
 */
export function sparklineGeometry(
  buckets: readonly TrendBucket[],
  since: number,
  until: number,
  width: number,
  height: number,
): SparklineGeometry {
  const span = until - since;
  const points = buckets
    .filter(([t, n]) => Number.isFinite(t) && Number.isFinite(n) && t >= since && t < until)
    .map(([t, n]) => [t, Math.max(0, n)] as const)
    .sort((a, b) => a[0] - b[0]);
  if (!(span > 0) || points.length === 0) return { d: "", max: 1, peak: 0, last: null };
  const peak = Math.max(...points.map(([, n]) => n));
  const max = Math.max(1, peak);
  const x = (t: number) => ((t - since) / span) * width;
  const y = (n: number) => height - (n / max) * height;
  const parts: string[] = [];
  points.forEach(([t, n], i) => {
    const end = points[i + 1]?.[0] ?? until;
    parts.push(`${i === 0 ? "M" : "L"}${round(x(t))} ${round(y(n))}`, `L${round(x(end))} ${round(y(n))}`);
  });
  return { d: parts.join(" "), max, peak, last: points[points.length - 1]?.[1] ?? null };
}
