// The whole plant's alarm journal: section id="alarm-journal-panel" holding
// table id="alarm-journal", newest first, one tr[data-transition-id][data-event]
// [data-priority] per transition (time, priority, source, message, event, the
// change of state, who and why; the plant's, the catalog's and the operators'
// words set as text). Filters: the period (select#alarm-journal-range: the
// controller loads that period again), and, applied here, the priority
// (select#alarm-journal-priority), the event (select#alarm-journal-event) and a
// text (input#alarm-journal-text). button#alarm-journal-export saves the
// period's journal as a CSV file (the save dialog first); what became of it is in
// #alarm-journal-export-status.

import { alarmEventLabel, alarmPriorityLabel, alarmStateLabel, formatDateTime, formatTimeOfDayOrDate } from "../lib/format";
import {
  ALARM_EVENTS,
  ALARM_PRIORITIES,
  DEFAULT_JOURNAL_RANGE,
  filterTransitions,
  isAlarmEvent,
  isAlarmPriority,
  JOURNAL_RANGES,
  noAlarmJournalFilter,
  type AlarmJournalFilter,
  type JournalRange,
} from "../state";
import { language, strings } from "../strings";
import { wordIn } from "../strings/catalog";
import type { AlarmTransition } from "../types";
import { LabelText, onLanguage } from "./bind";
import { colHeading, dataTable, el, PRIORITY_INDICATOR, selectEl, setAttr, setText, tableHead, type Label } from "./dom";
import { placeRows } from "./sorted-rows";

function isRange(value: string): value is JournalRange {
  return Object.prototype.hasOwnProperty.call(JOURNAL_RANGES, value);
}

function words(t: AlarmTransition): string {
  return wordIn(language(), t.message);
}

interface TransitionRow {
  readonly tr: HTMLTableRowElement;
  transition: AlarmTransition;
}

/** What became of the last export: under way, saved (rows, path), failed (why), or nothing yet. */
type ExportState = { step: "exporting" } | { step: "done"; rows: number; path: string } | { step: "failed"; message: Label } | null;

export class AlarmJournalView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly tbody: HTMLTableSectionElement;
  private readonly rows = new Map<number, TransitionRow>();
  private readonly rangeSelect: HTMLSelectElement;
  private readonly prioritySelect: HTMLSelectElement;
  private readonly eventSelect: HTMLSelectElement;
  private readonly textInput: HTMLInputElement;
  private readonly exportButton: HTMLButtonElement;
  private readonly exportStatus: HTMLParagraphElement;
  private readonly exportStatusText: LabelText;
  private readonly summaryText: Text;
  private readonly emptyMessage: HTMLParagraphElement;
  private readonly emptyText: Text;
  private readonly limited: HTMLParagraphElement;
  private readonly limitedText: Text;
  private readonly errorBox: HTMLParagraphElement;
  private readonly errorText: LabelText;
  private transitions: readonly AlarmTransition[] = [];
  private limit = Number.POSITIVE_INFINITY;
  private loaded = false;
  private filter: AlarmJournalFilter = noAlarmJournalFilter();
  private rangeValue: JournalRange = DEFAULT_JOURNAL_RANGE;
  private exportState: ExportState = null;
  private now = 0;
  private onRange: (range: JournalRange) => void = () => {};
  private onExport: (range: JournalRange) => void = () => {};

  constructor(doc: Document) {
    this.doc = doc;
    const A = () => strings.alarms;
    const headingId = "alarm-journal-heading";
    this.tbody = el(doc, "tbody");
    this.rangeSelect = selectEl(
      doc,
      { id: "alarm-journal-range", class: "select" },
      (Object.keys(JOURNAL_RANGES) as JournalRange[]).map((r) => [r, () => strings.journal.ranges[r]] as const),
      this.rangeValue,
    );
    this.prioritySelect = selectEl(
      doc,
      { id: "alarm-journal-priority", class: "select" },
      [["", () => A().allPriorities] as const, ...ALARM_PRIORITIES.map((p) => [p, () => alarmPriorityLabel(p)] as const)],
      "",
    );
    this.eventSelect = selectEl(
      doc,
      { id: "alarm-journal-event", class: "select" },
      [["", () => A().allEvents] as const, ...ALARM_EVENTS.map((e) => [e, () => alarmEventLabel(e)] as const)],
      "",
    );
    this.textInput = el(doc, "input", {
      id: "alarm-journal-text",
      class: "input",
      attrs: { type: "search", autocomplete: "off", placeholder: () => A().textPlaceholder },
    });
    this.exportButton = el(
      doc,
      "button",
      { id: "alarm-journal-export", class: "button", attrs: { type: "button", title: () => A().exportTitle } },
      () => A().export,
    );
    this.exportStatusText = new LabelText(doc);
    this.exportStatus = el(
      doc,
      "p",
      { id: "alarm-journal-export-status", class: "panel-note", attrs: { role: "status" } },
      this.exportStatusText.node,
    );
    this.exportStatus.hidden = true;
    this.summaryText = doc.createTextNode("");
    this.emptyText = doc.createTextNode(A().journalLoading);
    this.emptyMessage = el(doc, "p", { class: "empty", id: "alarm-journal-empty" }, this.emptyText);
    this.limitedText = doc.createTextNode("");
    this.limited = el(doc, "p", { class: "panel-note", id: "alarm-journal-limited" }, this.limitedText);
    this.limited.hidden = true;
    this.errorText = new LabelText(doc);
    this.errorBox = el(doc, "p", { id: "alarm-journal-error", class: "panel-error", attrs: { role: "alert" } }, this.errorText.node);
    this.errorBox.hidden = true;
    const table = dataTable(doc, {
      table: { id: "alarm-journal", class: "data-table alarm-journal-table" },
      caption: () => A().journalHeading,
      columns: ["col-time", "col-priority", "col-source", "col-message", "col-event", "col-change", "col-by", "col-reason"],
      head: tableHead(doc, [
        colHeading(doc, () => strings.alerts.time, "num"),
        () => A().priority,
        () => A().source,
        () => A().message,
        () => A().event,
        () => A().change,
        () => A().by,
        () => A().reason,
      ]),
      body: this.tbody,
    });
    this.element = el(
      doc,
      "section",
      { id: "alarm-journal-panel", class: "panel alarm-journal-panel", attrs: { "aria-labelledby": headingId } },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: headingId }, () => A().journalHeading),
        el(doc, "span", { class: "summary", id: "alarm-journal-summary" }, this.summaryText),
        el(doc, "span", { class: "panel-actions" }, this.exportButton),
      ),
      el(
        doc,
        "div",
        { class: "filters" },
        el(doc, "label", { class: "filter" }, el(doc, "span", { class: "filter-label" }, () => A().journalRange), this.rangeSelect),
        el(doc, "label", { class: "filter" }, el(doc, "span", { class: "filter-label" }, () => A().priorityFilter), this.prioritySelect),
        el(doc, "label", { class: "filter" }, el(doc, "span", { class: "filter-label" }, () => A().journalEvent), this.eventSelect),
        el(doc, "label", { class: "filter" }, el(doc, "span", { class: "filter-label" }, () => A().textFilter), this.textInput),
      ),
      this.exportStatus,
      this.errorBox,
      this.limited,
      el(
        doc,
        "div",
        { id: "alarm-journal-region", class: "table-scroll", attrs: { tabindex: "0", role: "region", "aria-labelledby": headingId } },
        table,
        this.emptyMessage,
      ),
    );
    this.rangeSelect.addEventListener("change", () => {
      const v = this.rangeSelect.value;
      if (isRange(v) && v !== this.rangeValue) {
        this.rangeValue = v;
        this.loaded = false;
        this.draw();
        this.onRange(v);
      }
    });
    this.prioritySelect.addEventListener("change", () => {
      const v = this.prioritySelect.value;
      this.filter.priority = isAlarmPriority(v) ? v : "";
      this.draw();
    });
    this.eventSelect.addEventListener("change", () => {
      const v = this.eventSelect.value;
      this.filter.event = isAlarmEvent(v) ? v : "";
      this.draw();
    });
    this.textInput.addEventListener("input", () => {
      this.filter.text = this.textInput.value;
      this.draw();
    });
    this.exportButton.addEventListener("click", () => {
      if (this.exportButton.disabled) return;
      this.setExport({ step: "exporting" });
      this.onExport(this.rangeValue);
    });
    onLanguage(() => this.relabel());
  }

  /** The period shown. */
  get range(): JournalRange {
    return this.rangeValue;
  }

  /** Called when the operator picks another period. */
  setRangeHandler(handler: (range: JournalRange) => void): void {
    this.onRange = handler;
  }

  /** Called with the period when the operator presses "Export CSV". */
  setExportHandler(handler: (range: JournalRange) => void): void {
    this.onExport = handler;
  }

  /** Shows (or clears, with null) a loading error; what is listed stays. */
  showError(message: Label | null): void {
    this.errorText.set(message ?? "");
    this.errorBox.hidden = message === null;
  }

  /** The period's transitions (newest first); `limit`: how many were asked for. */
  setTransitions(transitions: readonly AlarmTransition[], limit: number, now: number): void {
    this.transitions = transitions;
    this.limit = limit;
    this.loaded = true;
    this.now = now;
    this.draw();
  }

  /** The export was saved (`rows` transitions at `path`). */
  exported(rows: number, path: string): void {
    this.setExport({ step: "done", rows, path });
  }

  /** The export was not made: why (a cancelled dialog is not a failure: `null` says nothing). */
  exportFailed(message: Label | null): void {
    this.setExport(message === null ? null : { step: "failed", message });
  }

  /** Times right across midnight (once a second). */
  tick(now: number): void {
    this.now = now;
    for (const row of this.rows.values()) {
      const time = row.tr.firstElementChild?.firstChild;
      if (time instanceof Text) setText(time, formatTimeOfDayOrDate(row.transition.at, now));
    }
  }

  private setExport(state: ExportState): void {
    this.exportState = state;
    this.drawExport();
  }

  private drawExport(): void {
    const s = this.exportState;
    const A = strings.alarms;
    this.exportButton.disabled = s?.step === "exporting";
    this.exportStatus.hidden = s === null;
    this.exportStatus.classList.toggle("panel-error", s?.step === "failed");
    if (s === null) this.exportStatusText.set("");
    else if (s.step === "exporting") this.exportStatusText.set(A.exporting);
    else if (s.step === "done") this.exportStatusText.set(A.exported(s.rows, s.path));
    else this.exportStatusText.set(s.message);
  }

  private relabel(): void {
    // Every row says it again in the other language: rebuilt (they hold only text).
    for (const row of this.rows.values()) row.tr.remove();
    this.rows.clear();
    this.draw();
    this.drawExport();
  }

  private draw(): void {
    const A = strings.alarms;
    const shown = this.loaded ? filterTransitions(this.transitions, this.filter, words) : [];
    placeRows(this.tbody, this.rows, shown, {
      key: (t) => t.id,
      create: (t) => ({ tr: this.createRow(t), transition: t }),
      update: (row, t) => {
        row.transition = t;
      },
    });
    setText(this.summaryText, this.loaded ? A.journalCount(shown.length) : "");
    setText(
      this.emptyText,
      !this.loaded ? A.journalLoading : this.transitions.length === 0 ? A.journalEmpty : A.journalNoMatch,
    );
    this.emptyMessage.hidden = this.loaded && shown.length > 0;
    const over = this.loaded && this.transitions.length >= this.limit;
    setText(this.limitedText, over ? A.journalLimited(this.limit) : "");
    this.limited.hidden = !over;
  }

  private createRow(t: AlarmTransition): HTMLTableRowElement {
    const doc = this.doc;
    const A = strings.alarms;
    const priority = String(t.priority);
    const time = el(doc, "td", { class: "alarm-time num" }, formatTimeOfDayOrDate(t.at, this.now));
    setAttr(time, "title", formatDateTime(t.at));
    return el(
      doc,
      "tr",
      { attrs: { "data-transition-id": String(t.id), "data-event": String(t.event), "data-priority": priority } },
      time,
      el(doc, "td", { class: "alarm-priority" }, el(doc, "span", { class: `badge priority priority-${priority}`, attrs: PRIORITY_INDICATOR }, alarmPriorityLabel(priority))),
      el(doc, "td", { class: "alarm-source", attrs: { dir: "auto" } }, String(t.source)),
      el(doc, "th", { class: "alarm-message", attrs: { scope: "row", dir: "auto" } }, words(t)),
      el(doc, "td", { class: "alarm-event" }, alarmEventLabel(String(t.event))),
      el(doc, "td", { class: "alarm-change" }, A.stateChange(alarmStateLabel(String(t.from)), alarmStateLabel(String(t.to)))),
      el(doc, "td", { class: "alarm-by", attrs: { dir: "auto" } }, t.by === null ? A.byPlant : String(t.by)),
      el(doc, "td", { class: "alarm-reason", attrs: { dir: "auto" } }, t.reason === null ? strings.missing : String(t.reason)),
    );
  }

  /** The ids listed now, in order (for tests). */
  get shownIds(): number[] {
    return [...this.tbody.querySelectorAll("tr")].map((tr) => Number(tr.getAttribute("data-transition-id")));
  }
}
