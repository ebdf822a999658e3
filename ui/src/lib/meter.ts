// The geometry of an analog value's bar: where the value sits in its range and
// where the limits are, as fractions of the bar's length (0 = its start, 1 = its end).
// Pure: the view (views/meter.ts) draws from it.
//
// The range comes from the site's limits when there are any (alerts.limits in the
// settings), and otherwise from the values the window has seen of the device: the bar
// never shows a limit the site did not set.

import type { Device, Limit } from "../types";

/** The limits that apply to a device (null: none set for it). */
export interface DeviceLimits {
  readonly low: number | null;
  readonly high: number | null;
}

export const NO_LIMITS: DeviceLimits = { low: null, high: null };

function finite(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * The limits of a device, as the console applies them: a limit for the device (by id)
 * wins over one for its kind; a limit that sets neither bound is no limit.
 */
export function limitsFor(device: Pick<Device, "id" | "kind">, limits: readonly Limit[]): DeviceLimits {
  let byKind: DeviceLimits | null = null;
  for (const l of limits) {
    const low = finite(l.low);
    const high = finite(l.high);
    if (low === null && high === null) continue;
    const id = (l.device_id ?? "").trim();
    if (id !== "") {
      if (id === device.id) return { low, high };
      continue;
    }
    if (byKind === null && (l.device_kind ?? "").trim() !== "" && l.device_kind === String(device.kind)) byKind = { low, high };
  }
  return byKind ?? NO_LIMITS;
}

/** The lowest and highest values seen (the range of a device without limits). */
export interface Observed {
  readonly min: number;
  readonly max: number;
}

/** The observed range with one more value in it (a value that is not a number changes nothing). */
export function observe(range: Observed | null, value: unknown): Observed | null {
  const v = finite(value);
  if (v === null) return range;
  if (range === null) return { min: v, max: v };
  if (v >= range.min && v <= range.max) return range;
  return { min: Math.min(range.min, v), max: Math.max(range.max, v) };
}

/** What the bar's ends stand for: the limits (with a margin) or the values seen. */
export type MeterBasis = "limits" | "observed";

export interface MeterScale {
  readonly min: number;
  readonly max: number;
  readonly basis: MeterBasis;
}

/** A span around a single value: a tenth of its size either way, or 1 around 0. */
function around(v: number): MeterScale {
  const pad = Math.abs(v) > 0 ? Math.abs(v) / 10 : 1;
  return { min: v - pad, max: v + pad, basis: "observed" };
}

/**
 * The bar's range. With both limits: the band between them with a quarter of it beyond
 * each (a stable scale: the limit marks stay where they are). With one limit: that
 * limit and the values seen, a tenth wider. With none: the values seen (null when
 * nothing was seen, and no bar is drawn).
 */
export function meterScale(limits: DeviceLimits, observed: Observed | null): MeterScale | null {
  const { low, high } = limits;
  if (low !== null && high !== null && high > low) {
    const pad = (high - low) / 4;
    return { min: low - pad, max: high + pad, basis: "limits" };
  }
  const limit = low ?? high;
  if (limit !== null) {
    const lo = Math.min(limit, observed?.min ?? limit);
    const hi = Math.max(limit, observed?.max ?? limit);
    if (hi === lo) {
      const s = around(limit);
      return { min: s.min, max: s.max, basis: "limits" };
    }
    const pad = (hi - lo) / 10;
    return { min: lo - pad, max: hi + pad, basis: "limits" };
  }
  if (observed === null) return null;
  if (observed.max === observed.min) return around(observed.min);
  return { min: observed.min, max: observed.max, basis: "observed" };
}

/** Which side of its limits a value is on. */
export type LimitSide = "high" | "low" | null;

export interface MeterGeometry {
  /** The value's place on the bar, held to [0, 1]. */
  readonly value: number;
  /** Whether the value lies beyond the bar's range (its marker sits at the end). */
  readonly clamped: boolean;
  /** The low and high limit marks (null: no such limit). */
  readonly low: number | null;
  readonly high: number | null;
  /** The value is above its high limit, below its low limit, or neither. */
  readonly beyond: LimitSide;
}

function place(v: number, scale: MeterScale): number {
  const span = scale.max - scale.min;
  return span > 0 ? (v - scale.min) / span : 0.5;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** The bar of a value on a scale with its limits. */
export function meterGeometry(value: number, scale: MeterScale, limits: DeviceLimits): MeterGeometry {
  const at = place(value, scale);
  const beyond: LimitSide =
    limits.high !== null && value > limits.high ? "high" : limits.low !== null && value < limits.low ? "low" : null;
  return {
    value: clamp01(at),
    clamped: at < 0 || at > 1,
    low: limits.low === null ? null : clamp01(place(limits.low, scale)),
    high: limits.high === null ? null : clamp01(place(limits.high, scale)),
    beyond,
  };
}
