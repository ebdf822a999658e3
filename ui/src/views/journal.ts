// The journal as a timeline: section id="journal-panel" holding div id="journal",
// newest first, one section.journal-day[data-day] per local day (with its date
// as heading) and one li.journal-entry[data-journal-id][data-kind] per entry
// (time, kind, the console's sentence as text: the catalog's words in the
// current language, or the stored English for an entry without a message). Filters: the kind
// (select#journal-kind-filter, applied here) and the period
// (select#journal-range: the controller loads that period again).

import { formatDateTime, formatDay, formatTimeOfDay, journalKindLabel } from "../lib/format";
import {
  DEFAULT_JOURNAL_RANGE,
  filterJournal,
  groupJournalByDay,
  JOURNAL_KIND_FILTERS,
  JOURNAL_RANGES,
  type JournalRange,
} from "../state";
import { language, strings } from "../strings";
import { wordIn } from "../strings/catalog";
import { onLanguage, LabelText } from "./bind";
import type { JournalEntry } from "../types";
import { el, selectEl, setAttr, setText, type Label } from "./dom";
import "./journal.css";

interface DayGroup {
  readonly section: HTMLElement;
  readonly list: HTMLOListElement;
  readonly heading: Text;
  readonly start: number;
}

function isRange(value: string): value is JournalRange {
  return Object.prototype.hasOwnProperty.call(JOURNAL_RANGES, value);
}

/** Sets the text of an element made with one text node. */
function setFirstText(node: Element, text: string): void {
  const first = node.firstChild;
  if (first instanceof Text) setText(first, text);
}

export class JournalView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly timeline: HTMLDivElement;
  private readonly kindSelect: HTMLSelectElement;
  private readonly rangeSelect: HTMLSelectElement;
  private readonly summaryText: Text;
  private readonly emptyMessage: HTMLParagraphElement;
  private readonly emptyText: Text;
  private readonly limited: HTMLParagraphElement;
  private readonly limitedText: Text;
  private readonly errorBox: HTMLParagraphElement;
  private readonly errorText: LabelText;
  private readonly days = new Map<string, DayGroup>();
  private readonly items = new Map<number, HTMLLIElement>();
  private entries: readonly JournalEntry[] = [];
  private limit = Number.POSITIVE_INFINITY;
  private loaded = false;
  private rangeValue: JournalRange = DEFAULT_JOURNAL_RANGE;
  private onRange: (range: JournalRange) => void = () => {};

  constructor(doc: Document) {
    this.doc = doc;
    const J = () => strings.journal;
    const headingId = "journal-heading";
    this.kindSelect = selectEl(
      doc,
      { id: "journal-kind-filter", class: "select" },
      JOURNAL_KIND_FILTERS.map((k) => [k, () => (k === "" ? J().kinds.all : J().kinds[k])] as const),
      "",
    );
    this.rangeSelect = selectEl(
      doc,
      { id: "journal-range", class: "select" },
      (Object.keys(JOURNAL_RANGES) as JournalRange[]).map((r) => [r, () => J().ranges[r]] as const),
      this.rangeValue,
    );
    this.summaryText = doc.createTextNode("");
    this.emptyText = doc.createTextNode(J().loading);
    this.emptyMessage = el(doc, "p", { class: "empty", id: "journal-empty" }, this.emptyText);
    this.limitedText = doc.createTextNode("");
    this.limited = el(doc, "p", { class: "panel-note", id: "journal-limited" }, this.limitedText);
    this.limited.hidden = true;
    this.errorText = new LabelText(doc);
    this.errorBox = el(doc, "p", { id: "journal-error", class: "panel-error", attrs: { role: "alert" } }, this.errorText.node);
    this.errorBox.hidden = true;
    this.timeline = el(doc, "div", {
      id: "journal",
      class: "journal table-scroll",
      attrs: { tabindex: "0", role: "region", "aria-labelledby": headingId },
    });
    this.element = el(
      doc,
      "section",
      { id: "journal-panel", class: "panel journal-panel", attrs: { "aria-labelledby": headingId } },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: headingId }, () => J().heading),
        el(doc, "span", { class: "summary", id: "journal-summary" }, this.summaryText),
      ),
      el(
        doc,
        "div",
        { class: "filters" },
        el(doc, "label", { class: "filter" }, el(doc, "span", { class: "filter-label" }, () => J().kindFilter), this.kindSelect),
        el(doc, "label", { class: "filter" }, el(doc, "span", { class: "filter-label" }, () => J().rangeFilter), this.rangeSelect),
      ),
      this.errorBox,
      this.limited,
      this.timeline,
      this.emptyMessage,
    );
    this.kindSelect.addEventListener("change", () => this.draw());
    this.rangeSelect.addEventListener("change", () => {
      const v = this.rangeSelect.value;
      if (isRange(v) && v !== this.rangeValue) {
        this.rangeValue = v;
        this.onRange(v);
      }
    });
    onLanguage(() => this.relabel());
  }

  /** Draws the texts again in the current language: the same day groups and entries. */
  private relabel(): void {
    this.showLimit();
    for (const group of this.days.values()) setText(group.heading, formatDay(group.start + 12 * 3600));
    const byId = new Map(this.entries.map((e) => [e.id, e]));
    for (const [id, li] of this.items) {
      const e = byId.get(id);
      if (e === undefined) continue;
      const time = li.querySelector(".journal-time");
      if (time !== null) {
        setFirstText(time, formatTimeOfDay(e.at));
        setAttr(time, "title", formatDateTime(e.at));
      }
      const badge = li.querySelector(".journal-kind");
      if (badge !== null) setFirstText(badge, journalKindLabel(String(e.kind)));
      const sentence = li.querySelector(".journal-text");
      if (sentence !== null) setFirstText(sentence, journalText(e));
    }
    this.draw();
  }

  private showLimit(): void {
    const over = this.entries.length >= this.limit;
    setText(this.limitedText, over ? strings.journal.limited(this.limit) : "");
    this.limited.hidden = !over;
  }

  /** The period shown. */
  get range(): JournalRange {
    return this.rangeValue;
  }

  /** The kind filter ("" = all). */
  get kind(): string {
    return this.kindSelect.value;
  }

  /** Called when the operator picks another period. */
  setRangeHandler(handler: (range: JournalRange) => void): void {
    this.onRange = handler;
  }

  /** Shows (or clears, with null) a loading error; what is listed stays. */
  showError(message: Label | null): void {
    this.errorText.set(message ?? "");
    this.errorBox.hidden = message === null;
  }

  /** Entries of the period (any order); `limit`: how many were asked for. */
  setEntries(entries: readonly JournalEntry[], limit: number): void {
    this.entries = entries;
    this.limit = limit;
    this.loaded = true;
    this.showLimit();
    this.draw();
  }

  /** Entries are being loaded again for another period. */
  setLoading(): void {
    this.loaded = false;
    this.draw();
  }

  private draw(): void {
    const shown = this.loaded ? filterJournal(this.entries, this.kind) : [];
    const days = groupJournalByDay(shown);
    const keepDays = new Set<string>();
    const keepItems = new Set<number>();
    let dayCursor: ChildNode | null = this.timeline.firstChild;
    for (const day of days) {
      keepDays.add(day.key);
      let group = this.days.get(day.key);
      if (group === undefined) {
        group = this.createDay(day.key, day.start);
        this.days.set(day.key, group);
      }
      if (group.section === dayCursor) dayCursor = dayCursor.nextSibling;
      else this.timeline.insertBefore(group.section, dayCursor);
      let cursor: ChildNode | null = group.list.firstChild;
      for (const e of day.entries) {
        keepItems.add(e.id);
        let li = this.items.get(e.id);
        if (li === undefined) {
          li = this.createItem(e);
          this.items.set(e.id, li);
        }
        if (li === cursor) cursor = cursor.nextSibling;
        else group.list.insertBefore(li, cursor);
      }
      // Whatever follows in this day's list belongs elsewhere now.
      while (cursor !== null) {
        const next: ChildNode | null = cursor.nextSibling;
        cursor.remove();
        cursor = next;
      }
    }
    for (const [key, group] of this.days) {
      if (!keepDays.has(key)) {
        group.section.remove();
        this.days.delete(key);
      }
    }
    for (const [id, li] of this.items) {
      if (!keepItems.has(id)) {
        li.remove();
        this.items.delete(id);
      }
    }
    setText(this.summaryText, this.loaded ? strings.journal.count(shown.length) : "");
    setText(this.emptyText, this.loaded ? strings.journal.empty : strings.journal.loading);
    this.emptyMessage.hidden = this.loaded && shown.length > 0;
  }

  private createDay(key: string, start: number): DayGroup {
    const doc = this.doc;
    const headingId = `journal-day-${key}`;
    const heading = doc.createTextNode(formatDay(start + 12 * 3600));
    const list = el(doc, "ol", { class: "journal-entries", attrs: { "aria-labelledby": headingId } });
    const section = el(
      doc,
      "section",
      { class: "journal-day", attrs: { "data-day": key } },
      el(doc, "h3", { id: headingId, class: "journal-day-heading" }, heading),
      list,
    );
    return { section, list, heading, start };
  }

  private createItem(e: JournalEntry): HTMLLIElement {
    const doc = this.doc;
    const kind = String(e.kind);
    const known = Object.prototype.hasOwnProperty.call(strings.journal.kindLabels, kind);
    const family = kind.split("_")[0] ?? kind;
    const time = el(doc, "time", { class: "journal-time" }, formatTimeOfDay(e.at));
    if (Number.isFinite(e.at)) setAttr(time, "datetime", new Date(e.at * 1000).toISOString());
    setAttr(time, "title", formatDateTime(e.at));
    return el(
      doc,
      "li",
      {
        class: `journal-entry journal-${known ? family : "other"}`,
        attrs: { "data-journal-id": String(e.id), "data-kind": kind, "data-subject": String(e.subject) },
      },
      time,
      el(doc, "span", { class: "badge journal-kind" }, journalKindLabel(kind)),
      el(doc, "span", { class: "journal-text", attrs: { dir: "auto" } }, journalText(e)),
    );
  }

  /** How many entries are listed now (for tests). */
  get shownCount(): number {
    return this.items.size;
  }
}

/** An entry's sentence in the current language, or as stored in English when it came without a message. */
export function journalText(e: JournalEntry): string {
  return e.message ? wordIn(language(), e.message) : String(e.text);
}
