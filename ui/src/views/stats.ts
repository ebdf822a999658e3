// System stats panel: id="system-stats". The latest figures, and below CPU,
// memory and disk their trend (svg#stats-trend-cpu, -memory, -disk) over the
// period chosen in select#stats-range (last hour / last 24 hours), link gaps
// shaded.

import { formatAgeSince, formatCount, formatPercent, formatUptime } from "../lib/format";
import { STATS_RANGES, type StatsRange } from "../state";
import { isBad, qualityText } from "../state/quality";
import { strings } from "../strings";
import type { StatsEntry, StatsFigure, StatsSample, StatsTrend } from "../types";
import { TrendChart } from "./chart";
import { onLanguage, LabelText } from "./bind";
import { el, selectEl, setAttr, setText, type Label } from "./dom";
import "./stats.css";

type TrendKey = "cpu" | "memory" | "disk";

function isStatsRange(value: string): value is StatsRange {
  return Object.prototype.hasOwnProperty.call(STATS_RANGES, value);
}

interface Meter {
  readonly text: Text;
  readonly fill: HTMLDivElement | null;
  readonly bar: HTMLDivElement | null;
  readonly chart: TrendChart | null;
}

export class StatsView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly cpu: Meter;
  private readonly memory: Meter;
  private readonly disk: Meter;
  private readonly uptime: Meter;
  private readonly clients: Meter;
  private readonly age: Meter;
  private readonly list: HTMLDListElement;
  private readonly none: HTMLParagraphElement;
  private entry: StatsEntry | null = null;
  private readonly rangeSelect: HTMLSelectElement;
  private readonly trendError: HTMLParagraphElement;
  private readonly trendErrorText: LabelText;
  private rangeValue: StatsRange = "hour";
  private stale = false;
  private now = 0;
  private onRange: (range: StatsRange) => void = () => {};
  private onOpenTrend: (figure: StatsFigure) => void = () => {};

  constructor(doc: Document) {
    this.doc = doc;
    this.list = el(doc, "dl", { class: "stats-list" });
    this.cpu = this.addItem("stat-cpu", () => strings.stats.cpu, true, "cpu");
    this.memory = this.addItem("stat-memory", () => strings.stats.memory, true, "memory");
    this.disk = this.addItem("stat-disk", () => strings.stats.disk, true, "disk");
    this.uptime = this.addItem("stat-uptime", () => strings.stats.uptime, false);
    this.clients = this.addItem("stat-clients", () => strings.stats.clients, false);
    this.age = this.addItem("stat-age", () => strings.stats.age, false);
    this.none = el(doc, "p", { class: "empty", id: "system-stats-empty" }, () => strings.stats.none);
    this.rangeSelect = selectEl(
      doc,
      { id: "stats-range", class: "select" },
      [
        ["hour", () => strings.stats.rangeHour],
        ["day", () => strings.stats.rangeDay],
      ],
      this.rangeValue,
    );
    this.rangeSelect.addEventListener("change", () => {
      const v = this.rangeSelect.value;
      if (isStatsRange(v) && v !== this.rangeValue) {
        this.rangeValue = v;
        this.onRange(v);
      }
    });
    this.trendErrorText = new LabelText(doc);
    this.trendError = el(doc, "p", { id: "stats-trend-error", class: "panel-error" }, this.trendErrorText.node);
    this.trendError.hidden = true;
    const headingId = "system-stats-heading";
    this.element = el(
      doc,
      "section",
      {
        id: "system-stats",
        class: "panel stats-panel",
        attrs: { "aria-labelledby": headingId },
      },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: headingId }, () => strings.stats.heading),
        el(
          doc,
          "label",
          { class: "panel-actions filter inline-filter" },
          el(doc, "span", { class: "filter-label" }, () => strings.stats.range),
          this.rangeSelect,
        ),
      ),
      el(
        doc,
        "div",
        { class: "stats-body" },
        this.list,
        el(doc, "p", { class: "stats-legend chart-legend" }, () => strings.chart.gapLegend),
        this.none,
        this.trendError,
      ),
    );
    this.render(null, 0);
    onLanguage(() => {
      this.setStale(this.stale);
      this.render(this.entry, this.now);
    });
  }

  private addItem(id: string, label: Label, withBar: boolean, trend: TrendKey | null = null): Meter {
    const doc = this.doc;
    const text = doc.createTextNode(strings.missing);
    let bar: HTMLDivElement | null = null;
    let fill: HTMLDivElement | null = null;
    if (withBar) {
      fill = el(doc, "div", { class: "bar-fill" });
      bar = el(doc, "div", { class: "bar", attrs: { "aria-hidden": "true" } }, fill);
    }
    const chart =
      trend === null
        ? null
        : new TrendChart(doc, {
            id: `stats-trend-${trend}`,
            label,
            format: (v) => formatPercent(v),
            range: [0, 100],
            className: "stats-trend",
          });
    this.list.appendChild(
      el(
        doc,
        "div",
        { class: trend === null ? "stat" : "stat stat-with-trend" },
        el(doc, "dt", {}, label),
        el(doc, "dd", { id }, el(doc, "span", { class: "stat-value", attrs: { dir: "auto" } }, text), bar),
        chart?.element,
        this.openTrendButton(trend ?? (id === "stat-clients" ? "clients" : null), label),
      ),
    );
    return { text, fill, bar, chart };
  }

  /** "Open in Trends" for a figure: it becomes a pen of the Trends view (null: no button). */
  private openTrendButton(figure: StatsFigure | null, label: Label): HTMLButtonElement | null {
    if (figure === null) return null;
    const name = () => (typeof label === "function" ? label() : label);
    const button = el(
      this.doc,
      "button",
      {
        id: `stats-open-trend-${figure}`,
        class: "button link-button stats-open-trend",
        attrs: { type: "button", "data-open-pen": `stats:${figure}`, title: () => strings.trends.openInTrendsTitle(name()) },
      },
      () => strings.trends.openInTrends,
    );
    button.addEventListener("click", () => this.onOpenTrend(figure));
    return button;
  }

  /** Called with the figure whose "Open in Trends" was pressed. */
  setOpenTrendHandler(handler: (figure: StatsFigure) => void): void {
    this.onOpenTrend = handler;
  }

  /** The period of the trends. */
  get range(): StatsRange {
    return this.rangeValue;
  }

  setRange(range: StatsRange): void {
    this.rangeValue = range;
    this.rangeSelect.value = range;
  }

  /** Called when the operator picks another period. */
  setRangeHandler(handler: (range: StatsRange) => void): void {
    this.onRange = handler;
  }

  /** Draws the trends of the stored figures between `since` and `until`. */
  setTrend(trend: StatsTrend, since: number, until: number): void {
    this.trendError.hidden = true;
    const series = (pick: (s: StatsSample) => number) =>
      trend.samples.map((s) => [s.at, typeof pick(s) === "number" ? pick(s) : null] as const);
    this.cpu.chart?.render({ points: series((s) => s.cpu), gaps: trend.gaps, since, until });
    this.memory.chart?.render({ points: series((s) => s.memory), gaps: trend.gaps, since, until });
    this.disk.chart?.render({ points: series((s) => s.disk), gaps: trend.gaps, since, until });
  }

  /** Loading the trends failed (the charts keep what they show). */
  showTrendError(message: Label | null): void {
    this.trendErrorText.set(message ?? "");
    this.trendError.hidden = message === null;
  }

  private setPercent(m: Meter, value: number | null): void {
    setText(m.text, value === null ? strings.missing : formatPercent(value));
    if (m.fill !== null && m.bar !== null) {
      const pct = value === null || !Number.isFinite(value) ? 0 : Math.min(100, Math.max(0, value));
      m.fill.style.setProperty("width", `${pct}%`);
      m.bar.classList.toggle("high", pct >= 90);
    }
  }

  setStale(stale: boolean): void {
    this.stale = stale;
    this.element.classList.toggle("stale", stale);
    setAttr(this.element, "title", stale ? strings.unconfirmedTitle : null);
  }

  render(entry: StatsEntry | null, now: number): void {
    this.now = now;
    this.entry = entry;
    this.none.hidden = entry !== null;
    this.list.hidden = entry === null;
    if (entry === null) {
      for (const m of [this.cpu, this.memory, this.disk]) this.setPercent(m, null);
      setText(this.uptime.text, strings.missing);
      setText(this.clients.text, strings.missing);
      setText(this.age.text, strings.missing);
      return;
    }
    const s = entry.stats;
    this.setPercent(this.cpu, s.cpu_percent);
    this.setPercent(this.memory, s.memory_percent);
    this.setPercent(this.disk, s.disk_percent);
    setText(this.uptime.text, formatUptime(s.uptime_s));
    setText(this.clients.text, typeof s.clients === "number" ? formatCount(s.clients) : String(s.clients));
    this.markUnreadable(entry);
    this.tick(now);
  }

  /** A figure the plant sent unreadably shows as a bad value, not as its last readable one. */
  private markUnreadable(entry: StatsEntry): void {
    const unreadable = entry.unreadable ?? [];
    const bad = `${strings.quality.badMark} ${strings.quality.badValue}`;
    const figures: [string, Meter][] = [
      ["cpu_percent", this.cpu],
      ["memory_percent", this.memory],
      ["disk_percent", this.disk],
      ["uptime_s", this.uptime],
      ["clients", this.clients],
    ];
    for (const [field, meter] of figures) {
      if (!unreadable.includes(field)) continue;
      setText(meter.text, bad);
      meter.fill?.style.setProperty("width", "0%");
    }
    setAttr(this.element, "data-quality", isBad(entry.quality) ? "bad" : null);
    if (isBad(entry.quality)) setAttr(this.element, "title", qualityText(entry.quality, unreadable));
  }

  tick(now: number): void {
    this.now = now;
    if (this.entry === null) return;
    setText(this.age.text, strings.stats.ageValue(formatAgeSince(this.entry.received_at, now)));
  }
}
