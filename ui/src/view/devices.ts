// Devices table: id="devices", one <tr data-device-id> per device, sorted by name,
// updated in place. Each row has a button to shelve the device's alerts
// (button.shelve-device[data-device-id]) and, while they are shelved, says until
// when (.shelved; the row gets data-shelved-until).

import { formatAgeSince, formatValue, shelvedText } from "../format";
import { SHELVE_MINUTES } from "../state";
import { strings } from "../strings";
import type { DeviceEntry } from "../types";
import { describeExtras, el, setAttr, setText } from "./dom";
import { SortedRows, type RowAdapter } from "./sorted-rows";

const S = strings.devices;

const KNOWN_STATUSES = new Set(["online", "offline", "fault", "unknown"]);
const DEVICE_FIELDS: ReadonlySet<string> = new Set([
  "id",
  "name",
  "kind",
  "status",
  "value",
  "unit",
  "last_seen",
]);

/** CSS class suffix and label of a device status (unknown strings stay visible as text). */
export function statusPresentation(status: string): { cls: string; label: string } {
  if (KNOWN_STATUSES.has(status)) {
    return { cls: status, label: strings.status[status as keyof typeof strings.status] };
  }
  return { cls: "unknown", label: status === "" ? strings.status.unknown : status };
}

interface DeviceRow {
  readonly id: string;
  readonly tr: HTMLTableRowElement;
  readonly nameCell: HTMLTableCellElement;
  readonly nameText: Text;
  readonly kindText: Text;
  readonly badge: HTMLSpanElement;
  readonly badgeText: Text;
  readonly valueCell: HTMLTableCellElement;
  readonly valueText: Text;
  readonly ageText: Text;
  readonly shelveButton: HTMLButtonElement;
  readonly shelved: HTMLSpanElement;
  readonly shelvedText: Text;
  status: string;
  receivedAt: number;
  stale: boolean;
}

export class DevicesView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly rows: SortedRows<DeviceEntry, DeviceRow>;
  private readonly summaryText: Text;
  private readonly emptyMessage: HTMLParagraphElement;
  private readonly counts = new Map<string, number>();
  private stale = true;
  private now = 0;
  /** Shelved devices and until when. */
  private shelves: ReadonlyMap<string, number> = new Map();
  /** Devices whose shelving is in flight (their buttons stay disabled). */
  private readonly shelving = new Set<string>();
  private onShelve: (deviceId: string) => void = () => {};

  constructor(doc: Document) {
    this.doc = doc;
    this.summaryText = doc.createTextNode("");
    const tbody = el(doc, "tbody");
    const table = el(
      doc,
      "table",
      { id: "devices", class: "data-table devices-table" },
      el(
        doc,
        "caption",
        { class: "visually-hidden" },
        S.caption,
      ),
      el(
        doc,
        "colgroup",
        {},
        el(doc, "col", { class: "col-name" }),
        el(doc, "col", { class: "col-kind" }),
        el(doc, "col", { class: "col-status" }),
        el(doc, "col", { class: "col-value" }),
        el(doc, "col", { class: "col-age" }),
        el(doc, "col", { class: "col-alerts" }),
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
          el(doc, "th", { attrs: { scope: "col" } }, S.kind),
          el(doc, "th", { attrs: { scope: "col" } }, S.status),
          el(doc, "th", { attrs: { scope: "col" }, class: "num" }, S.value),
          el(doc, "th", { attrs: { scope: "col", title: S.ageTitle }, class: "num" }, S.age),
          el(doc, "th", { attrs: { scope: "col" } }, strings.alerts.column),
        ),
      ),
      tbody,
    );
    this.emptyMessage = el(doc, "p", { class: "empty", id: "devices-empty" }, S.empty);
    const headingId = "devices-heading";
    this.element = el(
      doc,
      "section",
      { class: "panel devices-panel", attrs: { "aria-labelledby": headingId } },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: headingId }, S.caption),
        el(doc, "span", { class: "summary", id: "devices-summary" }, this.summaryText),
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

    const adapter: RowAdapter<DeviceEntry, DeviceRow> = {
      id: (e) => e.device.id,
      name: (e) => String(e.device.name),
      create: (e) => this.createRow(e),
      update: (row, e) => this.updateRow(row, e),
      removed: (row) => this.count(row.status, -1),
    };
    this.rows = new SortedRows(tbody, adapter);
    this.refreshSummary();

    tbody.addEventListener("click", (ev) => {
      const target = ev.target;
      if (!(target instanceof Element)) return;
      const button = target.closest("button.shelve-device");
      if (!(button instanceof HTMLButtonElement) || button.disabled) return;
      const id = button.getAttribute("data-device-id");
      if (id === null) return;
      this.shelving.add(id);
      button.disabled = true; // until the answer
      this.onShelve(id);
    });
  }

  /** Called when the operator presses a device's "Shelve". */
  setShelveHandler(handler: (deviceId: string) => void): void {
    this.onShelve = handler;
  }

  /** A shelving was answered (either way): its button may be pressed again. */
  shelveSettled(deviceId: string): void {
    this.shelving.delete(deviceId);
    const row = this.rows.get(deviceId);
    if (row !== undefined) row.shelveButton.disabled = false;
  }

  /** The devices shelved now and until when; only rows whose shelf changed are touched. */
  setShelves(shelves: ReadonlyMap<string, number>, now: number): void {
    this.now = now;
    const before = this.shelves;
    this.shelves = shelves;
    for (const [id, until] of shelves) {
      if (before.get(id) !== until) this.applyShelf(id);
    }
    for (const id of before.keys()) {
      if (!shelves.has(id)) this.applyShelf(id);
    }
  }

  private applyShelf(id: string): void {
    const row = this.rows.get(id);
    if (row !== undefined) this.updateShelf(row);
  }

  private updateShelf(row: DeviceRow): void {
    const until = this.shelves.get(row.id);
    const active = until !== undefined && until > this.now;
    setAttr(row.tr, "data-shelved-until", active ? String(until) : null);
    setText(row.shelvedText, active ? shelvedText(until, this.now) : "");
    if (row.shelved.hidden !== !active) row.shelved.hidden = !active;
  }

  private count(status: string, delta: number): void {
    if (status === "") return;
    this.counts.set(status, (this.counts.get(status) ?? 0) + delta);
  }

  private createRow(e: DeviceEntry): DeviceRow {
    const doc = this.doc;
    const nameText = doc.createTextNode("");
    const kindText = doc.createTextNode("");
    const badgeText = doc.createTextNode("");
    const valueText = doc.createTextNode("");
    const ageText = doc.createTextNode("");
    const shelvedLabel = doc.createTextNode("");
    const shelved = el(doc, "span", { class: "shelved", attrs: { title: strings.alerts.shelvedTitle } }, shelvedLabel);
    shelved.hidden = true;
    const shelveButton = el(
      doc,
      "button",
      { class: "button shelve-device", attrs: { type: "button", "data-device-id": e.device.id } },
      strings.alerts.shelve(SHELVE_MINUTES),
    );
    shelveButton.disabled = this.shelving.has(e.device.id);
    const badge = el(doc, "span", { class: "badge" }, badgeText);
    const nameCell = el(doc, "th", { attrs: { scope: "row" }, class: "name" }, nameText);
    const valueCell = el(
      doc,
      "td",
      { class: "value num" },
      el(doc, "span", { class: "value-text" }, valueText),
      el(
        doc,
        "span",
        { class: "stale-mark" },
        ` ${strings.unconfirmedMark} ${strings.unconfirmedText}`,
      ),
    );
    const tr = el(
      doc,
      "tr",
      { attrs: { "data-device-id": e.device.id } },
      nameCell,
      el(doc, "td", { class: "kind" }, kindText),
      el(doc, "td", { class: "status" }, badge),
      valueCell,
      el(doc, "td", { class: "age num" }, ageText),
      el(doc, "td", { class: "alerts" }, shelved, shelveButton),
    );
    const row: DeviceRow = {
      id: e.device.id,
      tr,
      nameCell,
      nameText,
      kindText,
      badge,
      badgeText,
      valueCell,
      valueText,
      ageText,
      shelveButton,
      shelved,
      shelvedText: shelvedLabel,
      status: "",
      receivedAt: e.received_at,
      stale: false,
    };
    this.applyStale(row);
    return row;
  }

  private updateRow(row: DeviceRow, e: DeviceEntry): void {
    const d = e.device;
    setText(row.nameText, String(d.name));
    setText(row.kindText, String(d.kind));
    setAttr(row.nameCell, "title", describeExtras(d, DEVICE_FIELDS));

    const status = String(d.status);
    if (status !== row.status) {
      this.count(row.status, -1);
      this.count(status, +1);
      row.status = status;
      const p = statusPresentation(status);
      row.badge.className = `badge status-${p.cls}`;
      setText(row.badgeText, p.label);
      setAttr(row.tr, "data-status", status);
    }

    setText(row.valueText, formatValue(d.value, d.unit));
    row.receivedAt = e.received_at;
    setText(row.ageText, formatAgeSince(e.received_at, this.now));
    setAttr(row.shelveButton, "aria-label", strings.alerts.shelveLabel(String(d.name), SHELVE_MINUTES));
    this.updateShelf(row);
  }

  private applyStale(row: DeviceRow): void {
    if (row.stale === this.stale) return;
    row.stale = this.stale;
    row.valueCell.classList.toggle("stale", this.stale);
    setAttr(row.valueCell, "title", this.stale ? strings.unconfirmedTitle : null);
  }

  private refreshSummary(): void {
    const total = this.rows.size;
    setText(
      this.summaryText,
      S.summary(total, this.counts.get("fault") ?? 0, this.counts.get("offline") ?? 0),
    );
    this.emptyMessage.hidden = total > 0;
  }

  /** Marks every value as unconfirmed (or live again). */
  setStale(stale: boolean): void {
    if (stale === this.stale) return;
    this.stale = stale;
    for (const row of this.rows.rows()) this.applyStale(row);
  }

  reset(entries: Iterable<DeviceEntry>, now: number): void {
    this.now = now;
    this.rows.reset(entries);
    this.refreshSummary();
  }

  /** Upserts (entry present) or removes (entry undefined) the given ids. */
  apply(ids: Iterable<string>, lookup: (id: string) => DeviceEntry | undefined, now: number): void {
    this.now = now;
    for (const id of ids) {
      const e = lookup(id);
      if (e === undefined) this.rows.remove(id);
      else this.rows.upsert(e);
    }
    this.refreshSummary();
  }

  /** Refreshes the ages (called every second). */
  tick(now: number): void {
    this.now = now;
    for (const row of this.rows.rows()) setText(row.ageText, formatAgeSince(row.receivedAt, now));
    // "until" texts name the date once the day changes, and shelves run out.
    for (const id of this.shelves.keys()) this.applyShelf(id);
  }
}
