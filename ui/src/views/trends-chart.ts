// The Trends chart's drawing: uPlot on a canvas, one scale and axis per pen (sides
// alternating), the link gaps shaded, each pen's limits as labelled horizontal
// lines on its axis, a marker every so often on each line (so pens differ by more
// than colour), and the chart composed with its legend into a PNG. The view
// (trends.ts) owns the state; this only draws it and reports the pointer's gestures.
// Tests give the view a fake plot instead (jsdom has no canvas).

import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatDateTime, formatDay, formatHourMinute, formatNumber } from "../lib/format";
import { gapsIn, type JoinedSeries, type PenStyle } from "../lib/trend-pens";
import type { TimeRange } from "../lib/trend-range";
import type { Gap } from "../types";

/** A pen as the plot draws it. */
export interface PlotPen {
  readonly name: string;
  readonly style: PenStyle;
  /** The limits drawn on its axis, each with its label ("HI 80"). */
  readonly limits: readonly { value: number; label: string }[];
}

/** What the plot reports back to the view. */
export interface PlotEvents {
  /** A drag selected pixels `left`..`right` of a plot `width` wide (zoom to it). */
  select(left: number, right: number, width: number): void;
  /** A pan drag moved by `pixels` (positive: the chart was dragged right, back in time). */
  pan(pixels: number, width: number): void;
  /** A wheel notch at `fraction` of the width (0 left, 1 right). */
  wheel(deltaY: number, fraction: number): void;
  /** The pointer is at time `t` (null: it left the chart). */
  cursor(t: number | null): void;
  /** Whether a drag pans rather than zooms (the Pan mode button). */
  panMode(): boolean;
  /** The chart cannot be drawn after all (its library failed to load). */
  failed(reason: string): void;
}

/** The chart as the view uses it; `uplotFactory` makes the real one. */
export interface TrendPlot {
  /** New pens (the number of series and axes changed): drawn from scratch. */
  setPens(pens: readonly PlotPen[]): void;
  /** New data for the same pens, shown over `range`. */
  setData(data: JoinedSeries, gaps: readonly Gap[], range: TimeRange): void;
  /** Shows another range of the data it has (zoom and pan, before new data comes). */
  setRange(range: TimeRange): void;
  setSize(width: number, height: number): void;
  /** The chart with a legend and `title` above, as a PNG data URL. */
  toPng(title: string, legend: readonly { text: string; style: PenStyle }[]): string;
  destroy(): void;
}

export type TrendPlotFactory = (host: HTMLElement, events: PlotEvents) => TrendPlot;

const AXIS_FONT = "12px system-ui, sans-serif";
const AXIS_TEXT = "#9aa3ad";
const GRID = "rgba(154, 163, 173, 0.18)";
const GAP_FILL = "rgba(140, 140, 140, 0.22)";

/** Labels of the time axis: time of day within two days, dates beyond. */
function timeLabels(splits: number[], range: TimeRange): string[] {
  const long = range.until - range.since > 2 * 86_400;
  return splits.map((t) => (long ? formatDay(t) : formatHourMinute(t)));
}

/** Draws one marker shape centred on (x, y). */
function drawMarker(ctx: CanvasRenderingContext2D, marker: PenStyle["marker"], x: number, y: number, r: number): void {
  ctx.beginPath();
  switch (marker) {
    case "circle":
    case "ring":
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      break;
    case "square":
      ctx.rect(x - r, y - r, 2 * r, 2 * r);
      break;
    case "triangle":
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y + r);
      ctx.lineTo(x - r, y + r);
      ctx.closePath();
      break;
    case "diamond":
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r);
      ctx.lineTo(x - r, y);
      ctx.closePath();
      break;
    case "cross":
      ctx.moveTo(x - r, y - r);
      ctx.lineTo(x + r, y + r);
      ctx.moveTo(x + r, y - r);
      ctx.lineTo(x - r, y + r);
      break;
    case "plus":
      ctx.moveTo(x - r, y);
      ctx.lineTo(x + r, y);
      ctx.moveTo(x, y - r);
      ctx.lineTo(x, y + r);
      break;
    case "bar":
      ctx.rect(x - r / 2, y - r, r, 2 * r);
      break;
  }
  if (marker === "cross" || marker === "plus" || marker === "ring") ctx.stroke();
  else ctx.fill();
}

type UPlotClass = typeof uPlot;

/**
 * uPlot, loaded when the first chart is made: it reads the screen (matchMedia) as it
 * loads, so a page that never shows a trend (or a test without a screen) never loads it.
 */
let uplotClass: UPlotClass | null = null;
let uplotLoading: Promise<UPlotClass> | null = null;

function loadUplot(): Promise<UPlotClass> {
  uplotLoading ??= import("uplot").then((mod) => {
    uplotClass = mod.default;
    return mod.default;
  });
  return uplotLoading;
}

/** The real chart: uPlot. Throws where nothing can be drawn (no screen to measure). */
export const uplotFactory: TrendPlotFactory = (host, events) => {
  const view = host.ownerDocument.defaultView;
  if (view === null || typeof view.matchMedia !== "function") throw new Error("no screen to draw on");
  return new UplotTrend(host, events);
};

class UplotTrend implements TrendPlot {
  private plot: uPlot | null = null;
  private pens: readonly PlotPen[] = [];
  private data: JoinedSeries = { xs: [], ys: [] };
  private gaps: readonly Gap[] = [];
  private range: TimeRange = { since: 0, until: 1 };
  private width = 800;
  private height = 360;
  private readonly host: HTMLElement;
  private readonly events: PlotEvents;
  private panFrom: number | null = null;
  private destroyed = false;
  private readonly stopPan: () => void;

  constructor(host: HTMLElement, events: PlotEvents) {
    this.host = host;
    this.events = events;
    if (uplotClass === null) {
      loadUplot().then(
        () => {
          if (!this.destroyed) this.build();
        },
        // Without this the window showed an empty chart and said nothing.
        (e: unknown) => {
          if (!this.destroyed) this.events.failed(String(e));
        },
      );
    }
    const move = (ev: MouseEvent) => {
      if (this.panFrom === null || this.plot === null) return;
      const dx = ev.clientX - this.panFrom;
      this.panFrom = ev.clientX;
      if (dx !== 0) this.events.pan(dx, this.plot.over.clientWidth || this.width);
    };
    const up = () => {
      this.panFrom = null;
    };
    host.ownerDocument.addEventListener("mousemove", move);
    host.ownerDocument.addEventListener("mouseup", up);
    this.stopPan = () => {
      host.ownerDocument.removeEventListener("mousemove", move);
      host.ownerDocument.removeEventListener("mouseup", up);
    };
  }

  setPens(pens: readonly PlotPen[]): void {
    this.pens = pens;
    this.build();
  }

  setData(data: JoinedSeries, gaps: readonly Gap[], range: TimeRange): void {
    this.data = data;
    this.gaps = gaps;
    this.range = range;
    if (this.plot === null) this.build();
    else {
      this.plot.setData(this.aligned(), true);
      // uPlot fits the time axis to the data on setData; the chart shows the range asked.
      this.plot.setScale("x", { min: range.since, max: range.until });
    }
  }

  setRange(range: TimeRange): void {
    this.range = range;
    this.plot?.setScale("x", { min: range.since, max: range.until });
  }

  setSize(width: number, height: number): void {
    this.width = Math.max(200, Math.round(width));
    this.height = Math.max(160, Math.round(height));
    this.plot?.setSize({ width: this.width, height: this.height });
  }

  destroy(): void {
    this.destroyed = true;
    this.plot?.destroy();
    this.plot = null;
    this.stopPan();
  }

  private aligned(): uPlot.AlignedData {
    return [this.data.xs, ...this.data.ys] as unknown as uPlot.AlignedData;
  }

  private build(): void {
    const UPlot = uplotClass;
    // Until uPlot has loaded there is nothing to draw with; it builds the chart then.
    if (UPlot === null) return;
    this.plot?.destroy();
    const pens = this.pens;
    const limitsOf = (i: number) => pens[i]?.limits.map((l) => l.value) ?? [];
    const opts: uPlot.Options = {
      width: this.width,
      height: this.height,
      legend: { show: false },
      scales: {
        x: { time: true, auto: false, range: () => [this.range.since, this.range.until] },
        ...Object.fromEntries(
          pens.map((_, i) => [
            `p${i}`,
            {
              auto: true,
              // The scale also holds the pen's limits, so a limit line is always on the chart.
              range: (_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax => {
                const values = [min, max, ...limitsOf(i)].filter((v): v is number => v !== null && Number.isFinite(v));
                if (values.length === 0) return [0, 1];
                let lo = Math.min(...values);
                let hi = Math.max(...values);
                const pad = (hi - lo) * 0.06 || Math.abs(hi) * 0.1 || 1;
                lo -= pad;
                hi += pad;
                return [lo, hi];
              },
            },
          ]),
        ),
      },
      series: [
        {},
        ...pens.map((pen, i) => ({
          label: pen.name,
          scale: `p${i}`,
          stroke: pen.style.color,
          width: 1.5,
          dash: [...pen.style.dash],
          points: { show: false },
          spanGaps: false,
        })),
      ],
      axes: [
        {
          scale: "x",
          stroke: AXIS_TEXT,
          font: AXIS_FONT,
          grid: { stroke: GRID, width: 1 },
          ticks: { stroke: GRID, width: 1 },
          values: (_u, splits) => timeLabels(splits, this.range),
        },
        ...pens.map((pen, i) => ({
          scale: `p${i}`,
          side: i % 2 === 0 ? 3 : 1,
          stroke: pen.style.color,
          font: AXIS_FONT,
          size: 56,
          grid: { show: i === 0, stroke: GRID, width: 1 },
          ticks: { stroke: pen.style.color, width: 1 },
          values: (_u: uPlot, splits: number[]) => splits.map((v) => formatNumber(v)),
        })),
      ],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { show: false },
        bind: {
          // A plain drag selects (zoom); with Shift, the middle button or in Pan mode it
          // pans, which uPlot does not do: the selection is not started then.
          mousedown: (_u, _target, handler) => (ev: MouseEvent) => {
            if (ev.button === 1 || ev.shiftKey || this.events.panMode()) {
              ev.preventDefault();
              this.panFrom = ev.clientX;
              return null;
            }
            return handler(ev);
          },
        },
      },
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width > 0) this.events.select(u.select.left, u.select.left + u.select.width, u.over.clientWidth || this.width);
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        setCursor: [
          (u) => {
            const left = u.cursor.left ?? -1;
            this.events.cursor(left < 0 ? null : u.posToVal(left, "x"));
          },
        ],
        drawClear: [(u) => this.drawGaps(u)],
        draw: [(u) => this.drawOverlays(u)],
      },
    };
    this.plot = new UPlot(opts, this.aligned(), this.host);
    this.plot.setScale("x", { min: this.range.since, max: this.range.until });
    this.plot.over.addEventListener(
      "wheel",
      (ev) => {
        ev.preventDefault();
        const rect = this.plot?.over.getBoundingClientRect();
        const fraction = rect && rect.width > 0 ? (ev.clientX - rect.left) / rect.width : 0.5;
        this.events.wheel(ev.deltaY, fraction);
      },
      { passive: false },
    );
    this.plot.over.addEventListener("mouseleave", () => this.events.cursor(null));
  }

  /** The link gaps, shaded under the lines. */
  private drawGaps(u: uPlot): void {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.fillStyle = GAP_FILL;
    for (const gap of gapsIn(this.gaps, this.range)) {
      const a = u.valToPos(gap.start, "x", true);
      const b = u.valToPos(gap.end, "x", true);
      ctx.fillRect(a, bbox.top, Math.max(1, b - a), bbox.height);
    }
    ctx.restore();
  }

  /** The limits of each pen on its axis, labelled, and each line's markers. */
  private drawOverlays(u: uPlot): void {
    const { ctx, bbox } = u;
    const ratio = uplotClass?.pxRatio ?? 1;
    ctx.save();
    ctx.font = `${11 * ratio}px system-ui, sans-serif`;
    this.pens.forEach((pen, i) => {
      const scale = `p${i}`;
      ctx.strokeStyle = pen.style.color;
      ctx.fillStyle = pen.style.color;
      ctx.lineWidth = ratio;
      for (const limit of pen.limits) {
        const y = u.valToPos(limit.value, scale, true);
        if (!(y >= bbox.top && y <= bbox.top + bbox.height)) continue;
        ctx.setLineDash([6 * ratio, 4 * ratio]);
        ctx.beginPath();
        ctx.moveTo(bbox.left, y);
        ctx.lineTo(bbox.left + bbox.width, y);
        ctx.stroke();
        ctx.setLineDash([]);
        const text = `${pen.name}: ${limit.label}`;
        const width = ctx.measureText(text).width;
        ctx.fillText(text, bbox.left + bbox.width - width - 4 * ratio, y - 3 * ratio);
      }
      // A marker every 140 pixels, offset per pen so that markers of two pens on top of
      // each other stay apart.
      const xs = this.data.xs;
      const ys = this.data.ys[i] ?? [];
      const step = 140 * ratio;
      for (let x = bbox.left + (20 + i * 16) * ratio; x < bbox.left + bbox.width; x += step) {
        const t = u.posToVal(x, "x", true);
        let lo = 0;
        let hi = xs.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((xs[mid] ?? 0) < t) lo = mid + 1;
          else hi = mid;
        }
        const v = ys[lo];
        if (v === null || v === undefined || xs[lo] === undefined) continue;
        const px = u.valToPos(xs[lo]!, "x", true);
        if (Math.abs(px - x) > step / 2) continue;
        drawMarker(ctx, pen.style.marker, px, u.valToPos(v, scale, true), 4 * ratio);
      }
    });
    ctx.restore();
  }

  toPng(title: string, legend: readonly { text: string; style: PenStyle }[]): string {
    const plot = this.plot;
    if (plot === null) throw new Error("no chart");
    const source = plot.ctx.canvas;
    const ratio = uplotClass?.pxRatio ?? 1;
    const line = 18 * ratio;
    const head = line * (2 + Math.ceil(legend.length / 2));
    const canvas = this.host.ownerDocument.createElement("canvas");
    canvas.width = source.width;
    canvas.height = source.height + head;
    const ctx = canvas.getContext("2d");
    if (ctx === null) throw new Error("no canvas");
    const background = getComputedStyle(this.host).backgroundColor;
    ctx.fillStyle = background && background !== "rgba(0, 0, 0, 0)" ? background : "#1d2126";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = AXIS_TEXT;
    ctx.font = `${13 * ratio}px system-ui, sans-serif`;
    ctx.fillText(title, 8 * ratio, line);
    ctx.font = `${12 * ratio}px system-ui, sans-serif`;
    legend.forEach((entry, i) => {
      const x = (8 + (i % 2) * 420) * ratio;
      const y = line * (2 + Math.floor(i / 2));
      ctx.strokeStyle = entry.style.color;
      ctx.fillStyle = entry.style.color;
      ctx.lineWidth = 2 * ratio;
      ctx.setLineDash(entry.style.dash.map((d) => d * ratio));
      ctx.beginPath();
      ctx.moveTo(x, y - 4 * ratio);
      ctx.lineTo(x + 28 * ratio, y - 4 * ratio);
      ctx.stroke();
      ctx.setLineDash([]);
      drawMarker(ctx, entry.style.marker, x + 14 * ratio, y - 4 * ratio, 4 * ratio);
      ctx.fillText(entry.text, x + 36 * ratio, y);
    });
    ctx.drawImage(source, 0, head);
    return canvas.toDataURL("image/png");
  }
}

/** The range as text for the PNG's title. */
export function rangeTitle(range: TimeRange): string {
  return `${formatDateTime(range.since)} – ${formatDateTime(range.until)}`;
}
