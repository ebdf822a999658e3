// The alarm KPIs in the Diagnostics view (ISA-18.2's measures of the load on the
// operator): section id="alarm-kpis" with the rates (#kpi-per-10-minutes,
// #kpi-per-hour, #kpi-peak-10-minutes, #kpi-flood), the most frequent alarms
// (table#kpi-top, one tr[data-alarm-id] each with its activations and share),
// the chattering ones (ul#kpi-chattering, li[data-alarm-id]) and the activations
// per priority (table#kpi-priorities, tr[data-priority]). Messages are the
// catalog's words, sources the plant's, set as text.

import { alarmPriorityLabel, formatCount, formatNumber, formatPercent } from "../lib/format";
import { ALARM_PRIORITIES } from "../state";
import { language, strings } from "../strings";
import { wordIn } from "../strings/catalog";
import type { AlarmKpis } from "../types";
import { LabelText, onLanguage } from "./bind";
import { colHeading, dataTable, el, PRIORITY_INDICATOR, setText, tableHead, type Label } from "./dom";

interface Figure {
  readonly dd: HTMLElement;
  readonly text: Text;
}

/** A rate with one decimal at most ("2.5"). */
function rate(value: number): string {
  return formatNumber(Math.round(value * 10) / 10);
}

export class AlarmKpisView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly perTen: Figure;
  private readonly perHour: Figure;
  private readonly peak: Figure;
  private readonly flood: Figure;
  private readonly topBody: HTMLTableSectionElement;
  private readonly topTable: HTMLTableElement;
  private readonly topEmpty: HTMLParagraphElement;
  private readonly chattering: HTMLUListElement;
  private readonly chatteringEmpty: HTMLParagraphElement;
  private readonly prioritiesBody: HTMLTableSectionElement;
  private readonly waiting: HTMLParagraphElement;
  private readonly grid: HTMLDivElement;
  private readonly errorBox: HTMLParagraphElement;
  private readonly errorText: LabelText;
  private kpis: AlarmKpis | null = null;

  constructor(doc: Document) {
    this.doc = doc;
    const K = () => strings.alarmKpis;
    const figures = el(doc, "dl", { class: "diag-figures" });
    const figure = (id: string, label: Label, title?: Label): Figure => {
      const text = doc.createTextNode(strings.missing);
      const dd = el(doc, "dd", { id }, text);
      const dt = el(doc, "dt", title === undefined ? {} : { attrs: { title } }, label);
      figures.appendChild(el(doc, "div", { class: "diag-figure" }, dt, dd));
      return { dd, text };
    };
    this.perTen = figure("kpi-per-10-minutes", () => K().perTenMinutes);
    this.perHour = figure("kpi-per-hour", () => K().perHour);
    this.peak = figure("kpi-peak-10-minutes", () => K().peak);
    this.flood = figure("kpi-flood", () => K().flood, () => K().floodTitle);

    this.topBody = el(doc, "tbody");
    this.topTable = dataTable(doc, {
      table: { id: "kpi-top", class: "data-table kpi-top" },
      caption: () => K().top,
      columns: ["col-alarm", "col-count", "col-share"],
      head: tableHead(doc, [() => K().alarm, colHeading(doc, () => K().activations, "num"), colHeading(doc, () => K().share, "num")]),
      body: this.topBody,
    });
    this.topEmpty = el(doc, "p", { id: "kpi-top-empty", class: "empty" }, () => K().topEmpty);
    this.chattering = el(doc, "ul", { id: "kpi-chattering", class: "kpi-list" });
    this.chatteringEmpty = el(doc, "p", { id: "kpi-chattering-empty", class: "empty" }, () => K().chatteringEmpty);
    this.prioritiesBody = el(doc, "tbody");
    const priorities = dataTable(doc, {
      table: { id: "kpi-priorities", class: "data-table kpi-priorities" },
      caption: () => K().priorities,
      head: tableHead(doc, [() => strings.alarms.priority, colHeading(doc, () => K().count, "num"), colHeading(doc, () => K().share, "num")]),
      body: this.prioritiesBody,
    });

    this.errorText = new LabelText(doc);
    this.errorBox = el(doc, "p", { id: "alarm-kpis-error", class: "panel-error", attrs: { role: "alert" } }, this.errorText.node);
    this.errorBox.hidden = true;
    this.waiting = el(doc, "p", { id: "alarm-kpis-waiting", class: "empty" }, () => K().loading);
    const card = (id: string, title: Label, ...children: Node[]) =>
      el(doc, "section", { class: "diag-card", attrs: { "aria-labelledby": id } }, el(doc, "h3", { id }, title), ...children);
    this.grid = el(
      doc,
      "div",
      { class: "diag-grid" },
      card("kpi-rates-heading", () => K().rates, figures),
      card("kpi-top-heading", () => K().top, this.topTable, this.topEmpty),
      card("kpi-chattering-heading", () => K().chattering, this.chattering, this.chatteringEmpty),
      card("kpi-priorities-heading", () => K().priorities, priorities),
    );
    this.grid.hidden = true;
    const headingId = "alarm-kpis-heading";
    this.element = el(
      doc,
      "section",
      { id: "alarm-kpis", class: "panel alarm-kpis-panel", attrs: { "aria-labelledby": headingId } },
      el(doc, "div", { class: "panel-head" }, el(doc, "h2", { id: headingId }, () => K().heading)),
      this.errorBox,
      this.waiting,
      this.grid,
    );
    onLanguage(() => {
      if (this.kpis !== null) this.render(this.kpis);
    });
  }

  showError(message: Label | null): void {
    this.errorText.set(message ?? "");
    this.errorBox.hidden = message === null;
  }

  render(k: AlarmKpis): void {
    this.kpis = k;
    this.waiting.hidden = true;
    this.grid.hidden = false;
    const doc = this.doc;
    setText(this.perTen.text, rate(k.per_10_minutes));
    setText(this.perHour.text, rate(k.per_hour));
    setText(this.peak.text, formatCount(k.peak_10_minutes));
    setText(this.flood.text, formatPercent(k.flood_percent));
    this.flood.dd.classList.toggle("tone-text-warn", k.flood_percent > 0);

    this.topBody.replaceChildren(
      ...k.top.map((a) =>
        el(
          doc,
          "tr",
          { attrs: { "data-alarm-id": String(a.alarm_id) } },
          el(doc, "th", { attrs: { scope: "row", dir: "auto" } }, wordIn(language(), a.message)),
          el(doc, "td", { class: "num" }, formatCount(a.activations)),
          el(doc, "td", { class: "num" }, formatPercent(a.share * 100)),
        ),
      ),
    );
    this.topTable.hidden = k.top.length === 0;
    this.topEmpty.hidden = k.top.length > 0;

    this.chattering.replaceChildren(
      ...k.chattering.map((a) =>
        el(
          doc,
          "li",
          { attrs: { "data-alarm-id": String(a.id) } },
          el(doc, "span", { class: "kpi-source", attrs: { dir: "auto" } }, String(a.source)),
          " ",
          el(doc, "span", { class: "kpi-message", attrs: { dir: "auto" } }, wordIn(language(), a.message)),
        ),
      ),
    );
    this.chatteringEmpty.hidden = k.chattering.length > 0;

    const total = ALARM_PRIORITIES.reduce((sum, p) => sum + k.priorities[p], 0);
    this.prioritiesBody.replaceChildren(
      ...ALARM_PRIORITIES.map((p) =>
        el(
          doc,
          "tr",
          { attrs: { "data-priority": p } },
          el(doc, "th", { attrs: { scope: "row" } }, el(doc, "span", { class: `badge priority priority-${p}`, attrs: PRIORITY_INDICATOR }, alarmPriorityLabel(p))),
          el(doc, "td", { class: "num" }, formatCount(k.priorities[p])),
          el(doc, "td", { class: "num" }, total === 0 ? strings.missing : formatPercent((100 * k.priorities[p]) / total)),
        ),
      ),
    );
  }
}
