// A small trend chart: an SVG line (broken at missing values and link gaps),
// the gaps shaded, the lowest / highest value and the time range as text.
// Geometry comes from ../chart (pure); here only the drawing.

import { chartGeometry, type TrendPoint } from "../lib/chart";
import { formatHourMinute } from "../lib/format";
import { strings } from "../strings";
import type { Gap } from "../types";
import { onLanguage } from "./bind";
import { el, setAttr, setText, svgEl, type Label } from "./dom";
import "./chart.css";

/** Drawing units of the SVG (it is stretched to its box). */
const W = 600;
const H = 100;

export interface TrendData {
  points: readonly TrendPoint[];
  gaps: readonly Gap[];
  since: number;
  until: number;
}

export interface TrendChartOptions {
  id: string;
  /** What is drawn, e.g. "CPU" (for the accessible summary); a function follows the language. */
  label: Label;
  /** A value as text, e.g. "12.5 %". */
  format: (value: number) => string;
  /** Fixed value range, e.g. [0, 100]. */
  range?: readonly [number, number];
  /** Extra class of the figure. */
  className?: string;
}

export class TrendChart {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly line: SVGPathElement;
  private readonly gapLayer: SVGGElement;
  private readonly maxText: Text;
  private readonly minText: Text;
  private readonly startText: Text;
  private readonly endText: Text;
  private readonly note: HTMLParagraphElement;
  private readonly noteText: Text;
  private readonly legend: HTMLSpanElement;
  private readonly doc: Document;
  /** What the chart shows, drawn again in another language. */
  private data: TrendData | null = null;
  private noteSource: Label = "";

  constructor(doc: Document, private readonly opts: TrendChartOptions) {
    this.doc = doc;
    this.gapLayer = svgEl(doc, "g", { class: "chart-gaps" });
    this.line = svgEl(doc, "path", { class: "chart-line", d: "" });
    this.svg = svgEl(
      doc,
      "svg",
      {
        id: opts.id,
        class: "chart-svg",
        viewBox: `0 0 ${W} ${H}`,
        preserveAspectRatio: "none",
        role: "img",
        focusable: "false",
      },
      svgEl(doc, "rect", { class: "chart-bg", x: "0", y: "0", width: String(W), height: String(H) }),
      this.gapLayer,
      this.line,
    );
    this.maxText = doc.createTextNode("");
    this.minText = doc.createTextNode("");
    this.startText = doc.createTextNode("");
    this.endText = doc.createTextNode("");
    this.noteText = doc.createTextNode("");
    this.note = el(doc, "p", { class: "chart-note" }, this.noteText);
    this.legend = el(doc, "span", { class: "chart-legend" }, () => strings.chart.gapLegend);
    this.legend.hidden = true;
    this.element = el(
      doc,
      "figure",
      { class: `chart${opts.className === undefined ? "" : ` ${opts.className}`}`, attrs: { "data-chart": opts.id } },
      el(
        doc,
        "div",
        // Time runs left to right in both languages.
        { class: "chart-plot", attrs: { dir: "ltr" } },
        el(doc, "span", { class: "chart-max" }, this.maxText),
        this.svg,
        el(doc, "span", { class: "chart-min" }, this.minText),
      ),
      el(
        doc,
        "div",
        { class: "chart-axis", attrs: { dir: "ltr" } },
        el(doc, "span", { class: "chart-start" }, this.startText),
        this.legend,
        el(doc, "span", { class: "chart-end" }, this.endText),
      ),
      this.note,
    );
    this.render(null);
    onLanguage(() => {
      const note = this.noteSource;
      this.render(this.data);
      this.showNote(note);
    });
  }

  private label(): string {
    const label = this.opts.label;
    return typeof label === "function" ? label() : label;
  }

  /** "Loading…" (or any note) over an empty chart. */
  showNote(note: Label): void {
    this.noteSource = note;
    const text = typeof note === "function" ? note() : note;
    setText(this.noteText, text);
    this.note.hidden = text === "";
  }

  render(data: TrendData | null): void {
    this.data = data;
    if (data === null) {
      setAttr(this.line, "d", "");
      this.gapLayer.replaceChildren();
      setText(this.maxText, "");
      setText(this.minText, "");
      setText(this.startText, "");
      setText(this.endText, "");
      this.legend.hidden = true;
      setAttr(this.svg, "aria-label", strings.chart.summaryEmpty(this.label()));
      return;
    }
    const range = this.opts.range;
    const g = chartGeometry({
      points: data.points,
      gaps: data.gaps,
      since: data.since,
      until: data.until,
      width: W,
      height: H,
      ...(range === undefined ? {} : { yMin: range[0], yMax: range[1] }),
    });
    setAttr(this.line, "d", g.path);
    this.gapLayer.replaceChildren(
      ...g.gapRects.map((r) =>
        svgEl(this.doc, "rect", { class: "chart-gap", x: String(r.x), y: "0", width: String(r.width), height: String(H) }),
      ),
    );
    this.legend.hidden = g.gapRects.length === 0;
    const empty = g.min === null || g.max === null || g.last === null;
    // A fixed range labels the axis ("100 %", "0 %"); otherwise the data's extremes.
    if (range !== undefined) {
      setText(this.maxText, this.opts.format(range[1]));
      setText(this.minText, this.opts.format(range[0]));
    } else {
      setText(this.maxText, empty ? "" : strings.chart.max(this.opts.format(g.max ?? 0)));
      setText(this.minText, empty ? "" : strings.chart.min(this.opts.format(g.min ?? 0)));
    }
    setText(this.startText, formatHourMinute(data.since));
    setText(this.endText, formatHourMinute(data.until));
    this.showNote(empty ? () => strings.chart.noData : "");
    setAttr(this.svg, "data-runs", String(g.runs));
    setAttr(
      this.svg,
      "aria-label",
      empty || g.min === null || g.max === null || g.last === null
        ? strings.chart.summaryEmpty(this.label())
        : strings.chart.summary(this.label(), this.opts.format(g.last), this.opts.format(g.min), this.opts.format(g.max)),
    );
  }
}
