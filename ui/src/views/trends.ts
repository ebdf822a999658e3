// The Trends view: section#trends-panel. Up to eight pens (devices and the server's
// figures, picked in input#trend-pen-search from its buttons [data-pen="<pen>"]) on
// one chart, div#trend-chart (focusable; data-since / data-until: the visible range
// in Unix seconds, updated on every zoom and pan). Range presets
// button#trend-range-900 … -604800; zoom button#trend-zoom-in / -out, Pan mode
// button#trend-pan-mode, button#trend-home; the mouse (drag zooms, Shift/middle/Pan
// mode drags pan, the wheel zooms at the pointer) and the keys on the chart (+ −,
// ← →, Home). p#trend-readout: the time and each pen's value at the pointer.
// button#trend-export-csv / -png: the range shown as CSV (written by the console from
// its cache) or the chart as PNG, through the save dialog.
//
// The view holds a TrendViewState (pens, since, until) that a trend window of its own
// is built from (`?window=trend&pens=…&since=…&until=…` or `range=…`: see
// lib/trend-pens stateFromQuery). It asks for data through the TrendsSource it is
// given (the app passes the IPC's; a test, a fake) and draws through a TrendPlot
// (uPlot; a test gives a fake, jsdom has no canvas).

import { formatDateTime, formatNumber } from "../lib/format";
import {
  deviceLimits,
  joinSeries,
  markerGlyph,
  MAX_PENS,
  parsePen,
  parsePens,
  penId,
  penStyle,
  searchPens,
  stateFromQuery,
  stateToQuery,
  type PenId,
  type TrendViewState,
} from "../lib/trend-pens";
import {
  chartKeyOf,
  clampRange,
  DEFAULT_PRESET,
  panBySeconds,
  panRange,
  presetRange,
  queryPixels,
  RANGE_PRESETS,
  selectionRange,
  span,
  wheelFactor,
  zoomRange,
  type TimeRange,
} from "../lib/trend-range";
import { holdFor, readoutAt, readoutText, type PenLabel } from "../lib/trend-readout";
import { strings } from "../strings";
import type { DeviceEntry, Limit, SaveDialogOptions, StatsFigure, TrendData, TrendPen } from "../types";
import { LabelText, onLanguage } from "./bind";
import { el, setAttr, setText, type Label } from "./dom";
import { rangeTitle, uplotFactory, type PlotPen, type TrendPlot, type TrendPlotFactory } from "./trends-chart";
import "./trends.css";

/** The User Timing measure of each answer drawn (see `load`), and how many the page keeps. */
const DRAW_MEASURE = "trend-draw";
const DRAW_MEASURES_KEPT = 200;

/** Where the view gets its data and writes its exports (the app: the console's IPC). */
export interface TrendsSource {
  load(pens: readonly TrendPen[], since: number, until: number, pixels: number): Promise<TrendData>;
  exportCsv(path: string, pens: readonly TrendPen[], since: number, until: number): Promise<number>;
  exportPng(path: string, png: string): Promise<number>;
  /** The save dialog: the chosen path, or null when the operator cancelled. */
  chooseSavePath(options: SaveDialogOptions): Promise<string | null>;
}

/** The devices the pen picker searches and the pens are named from. */
export interface DeviceLookup {
  get(id: string): DeviceEntry | undefined;
  values(): Iterable<DeviceEntry>;
}

export interface TrendsOptions {
  /** Unix seconds now (tests give a fixed clock). */
  now?: () => number;
  /** The chart (default: uPlot). */
  plotFactory?: TrendPlotFactory;
  /** How long after a zoom or pan the data is asked for, so a burst of wheel notches asks once. */
  loadDelayMs?: number;
  /** The view's first state (a trend window's query). */
  state?: TrendViewState;
}

const CHART_HEIGHT = 360;
/** A range that follows the clock (a preset, not zoomed) is asked again this often while shown. */
const FOLLOW_EVERY_S = 15;

function errorMessage(e: unknown): string {
  if (typeof e === "object" && e !== null && "message" in e) return String((e as { message: unknown }).message);
  return String(e);
}

/** "trend-2026-12-03-0826.csv": the file name the save dialog proposes. */
function exportName(range: TimeRange, extension: string): string {
  const d = new Date(range.until * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `trend-${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}.${extension}`;
}

type Status = { kind: "none" } | { kind: "loading" } | { kind: "error"; text: Label } | { kind: "export"; text: Label };

export class TrendsView {
  readonly element: HTMLElement;
  /** The chart's box: #trend-chart, focusable, with data-since / data-until. */
  readonly chart: HTMLDivElement;
  private readonly doc: Document;
  private readonly now: () => number;
  private readonly plotFactory: TrendPlotFactory;
  private readonly loadDelayMs: number;
  private source: TrendsSource | null = null;
  private devices: DeviceLookup = new Map<string, DeviceEntry>();
  private limits: readonly Limit[] = [];

  private pens: PenId[] = [];
  private range: TimeRange;
  /** The preset chosen (Home goes back to it); the range follows the clock while `following`. */
  private preset: number = DEFAULT_PRESET;
  private following = true;
  private panMode = false;
  /** Whether the range was placed in time (shown, or given as a state). */
  private placed = false;

  private data: TrendData | null = null;
  private dataRange: TimeRange | null = null;
  private loadSeq = 0;
  private loadTimer: ReturnType<typeof setTimeout> | null = null;
  private loadedAt = 0;
  private exporting = false;
  private cursorAt: number | null = null;
  private visible = false;
  private plot: TrendPlot | null = null;
  private plotFailed = false;
  private onState: (state: TrendViewState) => void = () => {};

  private readonly plotHost: HTMLDivElement;
  private readonly rangeButtons = new Map<number, HTMLButtonElement>();
  private readonly panButton: HTMLButtonElement;
  private readonly searchInput: HTMLInputElement;
  private readonly results: HTMLUListElement;
  private readonly resultsNote: HTMLParagraphElement;
  private readonly resultsNoteText: LabelText;
  private readonly penList: HTMLUListElement;
  private readonly noPens: HTMLParagraphElement;
  private readonly shownText: Text;
  private readonly readout: HTMLParagraphElement;
  private readonly readoutText: Text;
  private readonly statusBox: HTMLParagraphElement;
  private readonly statusText: LabelText;
  private readonly reducedNote: HTMLParagraphElement;
  private readonly exportCsvButton: HTMLButtonElement;
  private readonly exportPngButton: HTMLButtonElement;

  constructor(doc: Document, opts: TrendsOptions = {}) {
    this.doc = doc;
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.plotFactory = opts.plotFactory ?? uplotFactory;
    this.loadDelayMs = opts.loadDelayMs ?? 120;
    this.range = presetRange(this.preset, this.now());
    const T = () => strings.trends;
    const button = (id: string, label: Label, title: Label, onClick: () => void, cls = "button") => {
      const b = el(doc, "button", { id, class: cls, attrs: { type: "button", title } }, label);
      b.addEventListener("click", onClick);
      return b;
    };

    const ranges = el(doc, "div", { class: "trend-ranges", attrs: { role: "group", "aria-label": () => T().range } });
    for (const seconds of RANGE_PRESETS) {
      const b = button(
        `trend-range-${seconds}`,
        () => T().ranges[seconds] ?? String(seconds),
        () => T().rangeTitle(T().ranges[seconds] ?? String(seconds)),
        () => this.choosePreset(seconds),
        "button trend-range",
      );
      this.rangeButtons.set(seconds, b);
      ranges.appendChild(b);
    }
    this.panButton = button("trend-pan-mode", () => T().panMode, () => T().panModeTitle, () => this.setPanMode(!this.panMode));
    const zoom = el(
      doc,
      "div",
      { class: "trend-zoom", attrs: { role: "group", "aria-label": () => T().zoom } },
      button("trend-zoom-in", "+", () => T().zoomIn, () => this.zoom(1.5)),
      button("trend-zoom-out", "−", () => T().zoomOut, () => this.zoom(1 / 1.5)),
      this.panButton,
      button("trend-home", () => T().home, () => T().homeTitle, () => this.home()),
    );
    for (const b of zoom.querySelectorAll<HTMLButtonElement>("#trend-zoom-in, #trend-zoom-out")) {
      bindAria(b, () => (b.id === "trend-zoom-in" ? T().zoomIn : T().zoomOut));
    }
    this.exportCsvButton = button("trend-export-csv", () => T().exportCsv, () => T().exportCsvTitle, () => void this.exportCsv());
    this.exportPngButton = button("trend-export-png", () => T().exportPng, () => T().exportPngTitle, () => void this.exportPng());
    const exports = el(doc, "div", { class: "trend-exports" }, this.exportCsvButton, this.exportPngButton);

    // The pen picker: a search box and its results as buttons.
    this.searchInput = el(doc, "input", {
      id: "trend-pen-search",
      class: "input",
      attrs: {
        type: "search",
        autocomplete: "off",
        placeholder: () => T().penSearchPlaceholder,
        "aria-label": () => T().penSearch,
        "aria-controls": "trend-pen-results",
      },
    });
    this.searchInput.addEventListener("input", () => this.renderResults());
    this.searchInput.addEventListener("focus", () => this.renderResults());
    this.results = el(doc, "ul", { id: "trend-pen-results", class: "trend-pen-results", attrs: { "aria-label": () => T().penResults } });
    this.resultsNoteText = new LabelText(doc);
    this.resultsNote = el(doc, "p", { class: "panel-note", id: "trend-pen-note", attrs: { role: "status" } }, this.resultsNoteText.node);
    this.resultsNote.hidden = true;
    this.penList = el(doc, "ul", { id: "trend-pens", class: "trend-pens", attrs: { "aria-label": () => T().pens } });
    this.noPens = el(doc, "p", { class: "empty", id: "trend-no-pens" }, () => T().noPens);

    this.plotHost = el(doc, "div", { class: "trend-plot" });
    this.chart = el(doc, "div", {
      id: "trend-chart",
      class: "trend-chart",
      attrs: { tabindex: "0", role: "application", dir: "ltr", "aria-describedby": "trend-readout trend-help" },
    });
    this.chart.appendChild(this.plotHost);
    this.chart.addEventListener("keydown", (ev) => this.onKey(ev));
    this.shownText = doc.createTextNode("");
    this.readoutText = doc.createTextNode(T().readoutIdle);
    this.readout = el(doc, "p", { id: "trend-readout", class: "trend-readout" }, this.readoutText);
    this.statusText = new LabelText(doc);
    this.statusBox = el(doc, "p", { id: "trend-status", class: "panel-note", attrs: { role: "status" } }, this.statusText.node);
    this.statusBox.hidden = true;
    this.reducedNote = el(doc, "p", { id: "trend-reduced", class: "panel-note" }, () => T().reduced);
    this.reducedNote.hidden = true;

    this.element = el(
      doc,
      "section",
      { id: "trends-panel", class: "panel trends-panel", attrs: { "aria-labelledby": "trends-heading" } },
      el(doc, "div", { class: "panel-head" }, el(doc, "h2", { id: "trends-heading" }, () => T().heading), el(doc, "span", { class: "trend-shown", id: "trend-shown" }, this.shownText)),
      el(doc, "div", { class: "trend-toolbar" }, ranges, zoom, exports),
      el(
        doc,
        "div",
        { class: "trend-pen-bar" },
        el(doc, "div", { class: "trend-picker" }, this.searchInput, this.results, this.resultsNote),
        el(doc, "div", { class: "trend-pen-list" }, this.penList, this.noPens),
      ),
      this.chart,
      this.readout,
      el(doc, "p", { class: "panel-note trend-gap-note" }, () => T().gapNote),
      this.reducedNote,
      this.statusBox,
      el(doc, "p", { class: "panel-note", id: "trend-help" }, () => T().help),
    );
    onLanguage(() => this.redrawTexts());
    if (opts.state !== undefined) this.setState(opts.state);
    this.renderControls();
    this.renderPens();
  }

  /** Builds a view from a URL query (`pens=…&since=…&until=…` or `range=…`), for a trend window. */
  static fromQuery(doc: Document, query: string, opts: TrendsOptions = {}): TrendsView {
    const now = (opts.now ?? (() => Date.now() / 1000))();
    return new TrendsView(doc, { ...opts, state: stateFromQuery(query, now) });
  }

  // ---------- wiring ----------

  setSource(source: TrendsSource): void {
    this.source = source;
    if (this.visible) this.scheduleLoad(0);
  }

  setDevices(devices: DeviceLookup): void {
    this.devices = devices;
  }

  /** The settings' limits (`alerts.limits`), drawn on the pens' axes. */
  setLimits(limits: readonly Limit[] | null | undefined): void {
    this.limits = Array.isArray(limits) ? limits : [];
    if (this.plot !== null) this.plot.setPens(this.plotPens());
    this.drawData();
  }

  /** Called with the new state after every change of pens or range (a trend window puts it in its URL). */
  setStateHandler(handler: (state: TrendViewState) => void): void {
    this.onState = handler;
  }

  // ---------- state ----------

  getState(): TrendViewState {
    return { pens: [...this.pens], since: this.range.since, until: this.range.until };
  }

  /** The state as a URL query (`pens=…&since=…&until=…`). */
  toQuery(): string {
    return stateToQuery(this.getState());
  }

  setState(state: TrendViewState): void {
    this.placed = true;
    this.pens = parsePens(state.pens);
    const range = clampRange({ since: state.since, until: state.until }, this.now());
    const width = Math.round(span(range));
    const preset = RANGE_PRESETS.find((p) => Math.abs(p - width) <= 1);
    this.preset = preset ?? this.preset;
    this.following = preset !== undefined && Math.abs(range.until - this.now()) < 5;
    this.range = range;
    this.pensChanged();
  }

  get pensShown(): readonly PenId[] {
    return this.pens;
  }

  get shownRange(): TimeRange {
    return this.range;
  }

  /** Adds a pen ("device:<id>", "stats:cpu"); false when it is unknown or the chart is full. */
  addPen(id: PenId): boolean {
    const pen = parsePen(id);
    if (pen === null) return false;
    const name = penId(pen);
    if (this.pens.includes(name)) return true;
    if (this.pens.length >= MAX_PENS) {
      this.resultsNoteText.set(() => strings.trends.penFull(MAX_PENS));
      this.resultsNote.hidden = false;
      return false;
    }
    this.pens = [...this.pens, name];
    this.pensChanged();
    return true;
  }

  removePen(id: PenId): void {
    if (!this.pens.includes(id)) return;
    this.pens = this.pens.filter((p) => p !== id);
    this.resultsNote.hidden = true;
    this.pensChanged();
  }

  private pensChanged(): void {
    this.renderPens();
    this.renderResults();
    if (this.plot !== null) this.plot.setPens(this.plotPens());
    this.data = null;
    this.rangeChanged(0);
  }

  // ---------- showing ----------

  /** The view became visible: the chart is made (once) and the data asked for. */
  show(): void {
    this.visible = true;
    this.placed = true;
    if (this.following) this.range = presetRange(this.preset, this.now());
    this.ensurePlot();
    this.renderControls();
    this.scheduleLoad(0);
  }

  hide(): void {
    this.visible = false;
  }

  /** Once a second: a range that follows the clock moves with it. */
  tick(now: number): void {
    if (!this.visible || !this.following || this.pens.length === 0) return;
    if (now - this.loadedAt < FOLLOW_EVERY_S) return;
    this.range = presetRange(this.preset, now);
    this.rangeChanged(0);
  }

  private ensurePlot(): void {
    if (this.plot !== null || this.plotFailed) return;
    try {
      this.plot = this.plotFactory(this.plotHost, {
        select: (left, right, width) => {
          const next = selectionRange(this.range, left, right, width, this.now());
          if (next !== null) this.setRange(next);
        },
        pan: (pixels, width) => {
          if (width > 0) this.setRange(panBySeconds(this.range, (-pixels * span(this.range)) / width, this.now()), 250);
        },
        wheel: (deltaY, fraction) => this.zoom(wheelFactor(deltaY), fraction),
        cursor: (t) => {
          this.cursorAt = t;
          this.renderReadout();
        },
        panMode: () => this.panMode,
        failed: () => this.chartFailed(),
      });
      this.plot.setSize(this.plotWidth(), CHART_HEIGHT);
      this.plot.setPens(this.plotPens());
      this.observeSize();
    } catch {
      this.plotFailed = true;
      this.plot = null;
      this.showStatus({ kind: "error", text: () => strings.trends.noChart });
    }
  }

  /** The chart could not be made after all: it is said, as when it cannot be drawn at all. */
  private chartFailed(): void {
    this.plotFailed = true;
    this.plot?.destroy();
    this.plot = null;
    this.showStatus({ kind: "error", text: () => strings.trends.noChart });
    this.renderControls();
  }

  private plotWidth(): number {
    return this.chart.clientWidth > 0 ? this.chart.clientWidth - 2 : 900;
  }

  private observeSize(): void {
    const view = this.doc.defaultView as (Window & { ResizeObserver?: typeof ResizeObserver }) | null;
    if (view?.ResizeObserver === undefined) return;
    new view.ResizeObserver(() => this.plot?.setSize(this.plotWidth(), CHART_HEIGHT)).observe(this.chart);
  }

  // ---------- range: presets, zoom, pan ----------

  choosePreset(seconds: number): void {
    this.preset = seconds;
    this.following = true;
    this.setRange(presetRange(seconds, this.now()), 0, true);
  }

  /** Zooms by `factor` (> 1 in) around `anchor` (a fraction of the width; the middle by default). */
  zoom(factor: number, anchor = 0.5): void {
    this.setRange(zoomRange(this.range, factor, anchor, this.now()));
  }

  /** Moves by `fraction` of the range (negative: back in time). */
  pan(fraction: number): void {
    this.setRange(panRange(this.range, fraction, this.now()));
  }

  /** Back to the chosen preset, up to now. */
  home(): void {
    this.choosePreset(this.preset);
  }

  setPanMode(on: boolean): void {
    this.panMode = on;
    this.renderControls();
  }

  private setRange(range: TimeRange, delay = this.loadDelayMs, following = false): void {
    this.following = following;
    this.range = range;
    this.rangeChanged(delay);
  }

  private rangeChanged(delay: number): void {
    this.plot?.setRange(this.range);
    this.renderControls();
    this.renderReadout();
    this.onState(this.getState());
    this.scheduleLoad(delay);
  }

  private onKey(ev: KeyboardEvent): void {
    const key = chartKeyOf(ev);
    if (key === null) return;
    ev.preventDefault();
    ev.stopPropagation();
    if (key.kind === "zoom") this.zoom(key.factor);
    else if (key.kind === "pan") this.pan(key.fraction);
    else this.home();
  }

  // ---------- data ----------

  private scheduleLoad(delay: number): void {
    if (this.loadTimer !== null) clearTimeout(this.loadTimer);
    this.loadTimer = null;
    if (!this.visible || this.source === null) return;
    if (this.pens.length === 0) {
      this.data = null;
      this.drawData();
      return;
    }
    if (delay <= 0) void this.load();
    else this.loadTimer = setTimeout(() => void this.load(), delay);
  }

  /** Asks for the pens over the range shown; an answer that a later request overtook is dropped. */
  async load(): Promise<void> {
    const source = this.source;
    if (source === null || this.pens.length === 0) return;
    const seq = ++this.loadSeq;
    const range = this.range;
    const pens = this.trendPens();
    this.loadedAt = this.now();
    // A chart that cannot be drawn keeps saying so: its data changes nothing there.
    if (this.data === null && !this.plotFailed) this.showStatus({ kind: "loading" });
    try {
      const data = await source.load(pens, range.since, range.until, queryPixels(this.plotWidth()));
      if (seq !== this.loadSeq) return;
      this.data = data;
      this.dataRange = range;
      if (this.statusKind !== "export" && !this.plotFailed) this.showStatus({ kind: "none" });
      // A User Timing measure of each answer drawn, with its points: what the ui
      // benchmark reads to say where a slow frame of the Trends view goes. The page keeps
      // measures until they are cleared, so a console open for weeks keeps the last few.
      const drawStart = performance.now();
      this.drawData();
      const points = data.series.reduce((n, s) => n + s.points.length, 0);
      if (performance.getEntriesByName(DRAW_MEASURE, "measure").length >= DRAW_MEASURES_KEPT) performance.clearMeasures(DRAW_MEASURE);
      performance.measure(DRAW_MEASURE, { start: drawStart, end: performance.now(), detail: { points } });
    } catch (e) {
      if (seq !== this.loadSeq) return;
      const message = errorMessage(e);
      this.showStatus({ kind: "error", text: () => strings.trends.loadFailed(message) });
    }
  }

  private trendPens(): TrendPen[] {
    return this.pens.map((p) => parsePen(p)).filter((p): p is TrendPen => p !== null);
  }

  private drawData(): void {
    const data = this.data;
    this.reducedNote.hidden = !(data?.series.some((s) => s.reduced) ?? false);
    if (this.plot === null) return;
    const range = this.dataRange ?? this.range;
    const series = this.pens.map((id) => data?.series.find((s) => penId(s.pen) === id)?.points ?? []);
    this.plot.setData(joinSeries(series, data?.gaps ?? [], range), data?.gaps ?? [], this.range);
    this.renderReadout();
  }

  // ---------- pens: names, limits, styles ----------

  private figureLabel(figure: StatsFigure): string {
    return strings.trends.figures[figure];
  }

  /** A pen's name and unit: the device's name (its id until it is known), or the figure's. */
  penLabel(id: PenId): PenLabel {
    const pen = parsePen(id);
    if (pen === null) return { name: id, unit: null };
    // CPU, memory and disk are percentages; clients a count (the unit sign is the same in every language).
    if (pen.kind === "stats") return { name: `${strings.trends.server} ${this.figureLabel(pen.figure)}`, unit: pen.figure === "clients" ? null : "%" };
    const device = this.devices.get(pen.device_id)?.device;
    return { name: device === undefined ? pen.device_id : String(device.name), unit: device?.unit ?? null };
  }

  private penLimits(id: PenId): { value: number; label: string }[] {
    const pen = parsePen(id);
    if (pen === null || pen.kind !== "device") return [];
    const device = this.devices.get(pen.device_id)?.device;
    const { high, low } = deviceLimits(pen.device_id, device === undefined ? null : String(device.kind), this.limits);
    const out: { value: number; label: string }[] = [];
    if (high !== null) out.push({ value: high, label: strings.trends.limitHigh(formatNumber(high)) });
    if (low !== null) out.push({ value: low, label: strings.trends.limitLow(formatNumber(low)) });
    return out;
  }

  private plotPens(): PlotPen[] {
    return this.pens.map((id, i) => ({ name: this.penLabel(id).name, style: penStyle(i), limits: this.penLimits(id) }));
  }

  // ---------- export ----------

  /** "Export CSV": the console writes the cached samples of the range shown to the file chosen. */
  async exportCsv(): Promise<void> {
    const range = this.range;
    const pens = this.trendPens();
    await this.export("csv", async (path) => {
      const rows = await this.source!.exportCsv(path, pens, range.since, range.until);
      return () => strings.trends.exportedCsv(rows, path);
    });
  }

  /** "Export PNG": the chart with its legend, as the console writes it to the file chosen. */
  async exportPng(): Promise<void> {
    const plot = this.plot;
    if (plot === null) return;
    const legend = this.pens.map((id, i) => {
      const label = this.penLabel(id);
      const side = i % 2 === 0 ? strings.trends.sides.left : strings.trends.sides.right;
      return { text: `${markerGlyph(penStyle(i).marker)} ${label.name}${label.unit ? ` (${label.unit})` : ""}, ${strings.trends.axisSide(side)}`, style: penStyle(i) };
    });
    let png: string;
    try {
      png = plot.toPng(`${strings.trends.heading}: ${rangeTitle(this.range)}`, legend);
    } catch (e) {
      const message = errorMessage(e);
      this.showStatus({ kind: "export", text: () => strings.trends.exportFailed(message) });
      return;
    }
    await this.export("png", async (path) => {
      await this.source!.exportPng(path, png);
      return () => strings.trends.exportedPng(path);
    });
  }

  private async export(kind: "csv" | "png", write: (path: string) => Promise<Label>): Promise<void> {
    if (this.source === null || this.exporting || this.pens.length === 0) return;
    this.exporting = true;
    this.renderControls();
    try {
      const path = await this.source.chooseSavePath({
        defaultPath: exportName(this.range, kind),
        filters: [{ name: kind === "csv" ? strings.trends.csvFilter : strings.trends.pngFilter, extensions: [kind] }],
      });
      if (path === null) return;
      this.showStatus({ kind: "export", text: () => strings.trends.exporting });
      const done = await write(path);
      this.showStatus({ kind: "export", text: done });
    } catch (e) {
      const message = errorMessage(e);
      this.showStatus({ kind: "export", text: () => strings.trends.exportFailed(message) });
    } finally {
      this.exporting = false;
      this.renderControls();
    }
  }

  // ---------- drawing the texts ----------

  private statusKind: Status["kind"] = "none";

  private showStatus(status: Status): void {
    this.statusKind = status.kind;
    if (status.kind === "none") {
      this.statusBox.hidden = true;
      this.statusText.set("");
      return;
    }
    this.statusText.set(status.kind === "loading" ? () => strings.trends.loading : status.text);
    this.statusBox.hidden = false;
    setAttr(this.statusBox, "data-kind", status.kind);
  }

  private renderControls(): void {
    const width = Math.round(span(this.range));
    for (const [seconds, b] of this.rangeButtons) {
      setAttr(b, "aria-pressed", this.following && seconds === this.preset && Math.abs(width - seconds) <= 1 ? "true" : "false");
    }
    setAttr(this.panButton, "aria-pressed", this.panMode ? "true" : "false");
    this.exportCsvButton.disabled = this.exporting || this.pens.length === 0;
    this.exportPngButton.disabled = this.exporting || this.pens.length === 0 || this.plot === null;
    setAttr(this.chart, "data-since", String(Math.round(this.range.since)));
    setAttr(this.chart, "data-until", String(Math.round(this.range.until)));
    setAttr(this.chart, "data-pens", this.pens.join(","));
    // The times are said once the range means something: from the first show (or a
    // state given), not from whenever the window happened to be built.
    if (!this.placed) return;
    const since = formatDateTime(this.range.since);
    const until = formatDateTime(this.range.until);
    setText(this.shownText, strings.trends.shownRange(since, until));
    const names = this.pens.map((p) => this.penLabel(p).name).join(", ");
    setAttr(this.chart, "aria-label", strings.trends.chartLabel(names === "" ? strings.trends.noPens : names, since, until));
  }

  private renderPens(): void {
    const items = this.pens.map((id, i) => {
      const label = this.penLabel(id);
      const style = penStyle(i);
      const remove = el(this.doc, "button", { class: "button trend-pen-remove", attrs: { type: "button", "data-remove-pen": id, "aria-label": strings.trends.removePen(label.name) } }, "×");
      remove.addEventListener("click", () => this.removePen(id));
      const swatch = el(this.doc, "span", { class: "trend-swatch", attrs: { "aria-hidden": "true" } }, markerGlyph(style.marker));
      swatch.style.color = style.color;
      const side = i % 2 === 0 ? strings.trends.sides.left : strings.trends.sides.right;
      return el(
        this.doc,
        "li",
        { class: "trend-pen", attrs: { "data-pen-id": id, "data-dash": style.dash.join(" ") || "solid" } },
        swatch,
        el(this.doc, "span", { class: "trend-pen-name" }, label.name),
        el(this.doc, "span", { class: "trend-pen-axis" }, strings.trends.axisSide(side)),
        remove,
      );
    });
    this.penList.replaceChildren(...items);
    this.noPens.hidden = this.pens.length > 0;
    this.renderControls();
  }

  private renderResults(): void {
    const text = this.searchInput.value;
    const focused = this.doc.activeElement === this.searchInput;
    if (text.trim() === "" && !focused) {
      this.results.replaceChildren();
      return;
    }
    const devices = { [Symbol.iterator]: () => this.deviceIterator() };
    const found = searchPens(text, devices, (f) => `${strings.trends.server} ${this.figureLabel(f)}`).filter((c) => !this.pens.includes(c.id));
    const items = found.map((c) => {
      const b = el(this.doc, "button", { class: "button trend-pen-add", attrs: { type: "button", "data-pen": c.id } }, c.label, el(this.doc, "span", { class: "trend-pen-detail" }, c.detail));
      b.addEventListener("click", () => {
        if (this.addPen(c.id)) this.searchInput.focus();
      });
      return el(this.doc, "li", {}, b);
    });
    this.results.replaceChildren(...items);
    if (items.length === 0 && text.trim() !== "") {
      this.resultsNoteText.set(() => strings.trends.noMatch);
      this.resultsNote.hidden = false;
    } else if (this.pens.length < MAX_PENS) {
      this.resultsNote.hidden = true;
    }
  }

  private *deviceIterator(): Iterator<{ id: string; name: string }> {
    for (const entry of this.devices.values()) yield { id: entry.device.id, name: String(entry.device.name) };
  }

  private renderReadout(): void {
    const t = this.cursorAt;
    if (t === null || this.pens.length === 0) {
      setText(this.readoutText, strings.trends.readoutIdle);
      return;
    }
    const data = this.data;
    const pens = this.pens.map((id) => ({ label: this.penLabel(id), points: data?.series.find((s) => penId(s.pen) === id)?.points ?? [] }));
    setText(this.readoutText, readoutText(readoutAt(t, pens, data?.gaps ?? [], holdFor(t, this.now()), strings.trends.noValue)));
  }

  private redrawTexts(): void {
    this.renderPens();
    this.renderResults();
    this.renderReadout();
    if (this.plot !== null) {
      this.plot.setPens(this.plotPens());
      this.drawData();
    }
  }

  /** Puts the keyboard focus on the chart. */
  focusChart(): void {
    this.chart.focus();
  }
}

/** An aria-label that follows the language (the zoom buttons show only + and −). */
function bindAria(node: HTMLElement, read: () => string): void {
  node.setAttribute("aria-label", read());
  onLanguage(() => node.setAttribute("aria-label", read()));
}
