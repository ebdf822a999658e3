// Relays table: id="relays", one <tr data-relay-id> per relay, sorted by name.
// (Relay switching will add a column of controls here.)

import { formatDateTime, formatTimeOfDayOrDate } from "../format";
import { strings } from "../strings";
import type { RelayEntry } from "../types";
import { describeExtras, el, setAttr, setText } from "./dom";
import { SortedRows, type RowAdapter } from "./sorted-rows";

const S = strings.relays;

const RELAY_FIELDS: ReadonlySet<string> = new Set([
  "id",
  "name",
  "device_id",
  "state",
  "changed_at",
  "changed_by",
]);

interface RelayRow {
  readonly tr: HTMLTableRowElement;
  readonly nameCell: HTMLTableCellElement;
  readonly nameText: Text;
  readonly stateCell: HTMLTableCellElement;
  readonly badge: HTMLSpanElement;
  readonly badgeText: Text;
  readonly changedAtCell: HTMLTableCellElement;
  readonly changedAtText: Text;
  readonly changedByText: Text;
  changedAt: number;
  stale: boolean;
}

export class RelaysView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly rows: SortedRows<RelayEntry, RelayRow>;
  private readonly emptyMessage: HTMLParagraphElement;
  private readonly countText: Text;
  private stale = true;
  private now = 0;

  constructor(doc: Document) {
    this.doc = doc;
    const tbody = el(doc, "tbody");
    const headingId = "relays-heading";
    this.countText = doc.createTextNode("");
    const table = el(
      doc,
      "table",
      { id: "relays", class: "data-table relays-table" },
      el(doc, "caption", { class: "visually-hidden" }, S.caption),
      el(
        doc,
        "colgroup",
        {},
        el(doc, "col", { class: "col-name" }),
        el(doc, "col", { class: "col-state" }),
        el(doc, "col", { class: "col-changed-at" }),
        el(doc, "col", { class: "col-changed-by" }),
      ),
      el(
        doc,
        "thead",
        {},
        el(
          doc,
          "tr",
          {},
          el(doc, "th", { attrs: { scope: "col" } }, S.name),
          el(doc, "th", { attrs: { scope: "col" } }, S.state),
          el(doc, "th", { attrs: { scope: "col" } }, S.changedAt),
          el(doc, "th", { attrs: { scope: "col" } }, S.changedBy),
        ),
      ),
      tbody,
    );
    this.emptyMessage = el(doc, "p", { class: "empty", id: "relays-empty" }, S.empty);
    this.element = el(
      doc,
      "section",
      { class: "panel relays-panel", attrs: { "aria-labelledby": headingId } },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: headingId }, S.caption),
        el(doc, "span", { class: "summary", id: "relays-summary" }, this.countText),
      ),
      el(
        doc,
        "div",
        {
          class: "table-scroll",
          attrs: { tabindex: "0", role: "region", "aria-labelledby": headingId },
        },
        table,
        this.emptyMessage,
      ),
    );

    const adapter: RowAdapter<RelayEntry, RelayRow> = {
      id: (e) => e.relay.id,
      name: (e) => String(e.relay.name),
      create: (e) => this.createRow(e),
      update: (row, e) => this.updateRow(row, e),
    };
    this.rows = new SortedRows(tbody, adapter);
    this.refreshSummary();
  }

  private createRow(e: RelayEntry): RelayRow {
    const doc = this.doc;
    const nameText = doc.createTextNode("");
    const badgeText = doc.createTextNode("");
    const changedAtText = doc.createTextNode("");
    const changedByText = doc.createTextNode("");
    const badge = el(doc, "span", { class: "badge" }, badgeText);
    const nameCell = el(doc, "th", { attrs: { scope: "row" }, class: "name" }, nameText);
    const stateCell = el(
      doc,
      "td",
      { class: "state" },
      badge,
      el(doc, "span", { class: "stale-mark" }, ` ${strings.unconfirmedMark} ${strings.unconfirmedText}`),
    );
    const changedAtCell = el(doc, "td", { class: "changed-at num" }, changedAtText);
    const tr = el(
      doc,
      "tr",
      { attrs: { "data-relay-id": e.relay.id } },
      nameCell,
      stateCell,
      changedAtCell,
      el(doc, "td", { class: "changed-by" }, changedByText),
    );
    const row: RelayRow = {
      tr,
      nameCell,
      nameText,
      stateCell,
      badge,
      badgeText,
      changedAtCell,
      changedAtText,
      changedByText,
      changedAt: e.relay.changed_at,
      stale: false,
    };
    this.applyStale(row);
    return row;
  }

  private updateRow(row: RelayRow, e: RelayEntry): void {
    const r = e.relay;
    setText(row.nameText, String(r.name));
    setAttr(row.nameCell, "title", describeExtras(r, RELAY_FIELDS));
    const on = r.state === true;
    row.badge.className = `badge ${on ? "state-on" : "state-off"}`;
    setText(row.badgeText, on ? S.on : S.off);
    setAttr(row.tr, "data-state", on ? "on" : "off");
    row.changedAt = r.changed_at;
    setText(row.changedAtText, formatTimeOfDayOrDate(r.changed_at, this.now));
    setAttr(row.changedAtCell, "title", formatDateTime(r.changed_at));
    setText(row.changedByText, r.changed_by === null ? strings.missing : String(r.changed_by));
  }

  private applyStale(row: RelayRow): void {
    if (row.stale === this.stale) return;
    row.stale = this.stale;
    row.stateCell.classList.toggle("stale", this.stale);
    setAttr(row.stateCell, "title", this.stale ? strings.unconfirmedTitle : null);
  }

  private refreshSummary(): void {
    setText(this.countText, String(this.rows.size));
    this.emptyMessage.hidden = this.rows.size > 0;
  }

  setStale(stale: boolean): void {
    if (stale === this.stale) return;
    this.stale = stale;
    for (const row of this.rows.rows()) this.applyStale(row);
  }

  reset(entries: Iterable<RelayEntry>, now: number): void {
    this.now = now;
    this.rows.reset(entries);
    this.refreshSummary();
  }

  apply(ids: Iterable<string>, lookup: (id: string) => RelayEntry | undefined, now: number): void {
    this.now = now;
    for (const id of ids) {
      const e = lookup(id);
      if (e === undefined) this.rows.remove(id);
      else this.rows.upsert(e);
    }
    this.refreshSummary();
  }

  /** Keeps "changed at" right across midnight (called every second). */
  tick(now: number): void {
    this.now = now;
    for (const row of this.rows.rows()) {
      setText(row.changedAtText, formatTimeOfDayOrDate(row.changedAt, now));
    }
  }
}
