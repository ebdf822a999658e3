// The Trends chart's read-out at the cursor as text: the time, and each pen's value
// then (its marker, its name, the value with its unit, or why there is none). Pure:
// the words come in as arguments, numbers through lib/format (Persian digits in
// Persian).

import { formatDateTime, formatNumber } from "./format";
import { markerGlyph, penStyle, valueAt } from "./trend-pens";
import type { Gap } from "../types";

/** A pen as the read-out and the legend name it. */
export interface PenLabel {
  /** "Boiler 3" or "CPU". */
  readonly name: string;
  /** "°C", "%" or null. */
  readonly unit: string | null;
}

export interface ReadoutLine {
  readonly marker: string;
  readonly name: string;
  readonly value: string;
}

export interface Readout {
  readonly time: string;
  readonly lines: readonly ReadoutLine[];
}

/** A value with its unit, through formatNumber: "71.5 °C", "12 %", "3". */
export function formatPenValue(value: number, unit: string | null): string {
  const n = formatNumber(value);
  return unit === null || unit === "" ? n : `${n} ${unit}`;
}

/**
 * The read-out at time `t`: each pen's last sample at or before `t` (within `hold`
 * seconds and not across a link gap); `noValue` for a pen without one there.
 */
export function readoutAt(
  t: number,
  pens: readonly { label: PenLabel; points: readonly (readonly [number, number | null])[] }[],
  gaps: readonly Gap[],
  hold: number,
  noValue: string,
): Readout {
  return {
    time: formatDateTime(t),
    lines: pens.map((pen, i) => {
      const sample = valueAt(pen.points, t, hold, gaps);
      const value = sample === null || sample.value === null ? noValue : formatPenValue(sample.value, pen.label.unit);
      return { marker: markerGlyph(penStyle(i).marker), name: pen.label.name, value };
    }),
  };
}

/** The read-out as one line of text, for a screen reader and the chart's label. */
export function readoutText(readout: Readout): string {
  return [readout.time, ...readout.lines.map((l) => `${l.marker} ${l.name}: ${l.value}`)].join("; ");
}

/**
 * How long a sample stands for the pen's value at a later time `t`: a few sample
 * intervals of the cache's tier for that age (1 s up to an hour before `now`, 1 min
 * up to a day, 10 min beyond), so the read-out does not invent a value across a hole.
 */
export function holdFor(t: number, now: number): number {
  const age = now - t;
  if (age <= 3600) return 10;
  if (age <= 86_400) return 180;
  return 1800;
}
