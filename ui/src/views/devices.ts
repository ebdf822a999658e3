// Devices table: id="devices" inside the scroll container id="devices-scroll".
//
// VIRTUALIZED: only the rows in view (plus OVERSCAN rows on each side) are in
// the DOM, each <tr data-device-id> ROW_HEIGHT px high; two spacer rows
// (tr.virtual-spacer, no data-device-id) stand for the others. The order is
// kept by a DeviceList (../state): a batch patches it and touches only the
// rows it changed (or moves the few rows that changed place).
//
// Above the table: a search box (input#device-search, name / id / kind), a
// status filter (select#device-status-filter) and a kind filter
// (select#device-kind-filter, options from the data). Column headers are
// sort buttons (th[aria-sort] > button.sort-button[data-sort-key]).
//
// An area chosen in the overview filters the list too: a chip
// (button#device-area-chip[data-area]) says which, and clears it when pressed.
//
// Rows: th.name, td.kind, td.status .badge, td.value (.value-text, "stale"
// class and data-stale="link|age" when unconfirmed), td.range (the analog bar,
// views/meter.ts, against the site's limits or the values seen), td.age, td.alerts
// (.shelved, button.shelve-device[data-device-id]). Rows take the focus in
// turn (one has tabindex 0): arrows, Page Up / Down, Home / End move, Enter
// (or a click) opens the details.

import { formatAge, formatAgeSince, formatValue, shelvedText } from "../lib/format";
import { isBad, qualityText } from "../state/quality";
import {
  DeviceList,
  isFilterEmpty,
  SHELVE_MINUTES,
  valueStaleness,
  type DeviceFilter,
  type DeviceSort,
  type DeviceSortKey,
  type ValueStaleness,
} from "../state";
import { strings } from "../strings";
import { onLanguage } from "./bind";
import type { DeviceEntry } from "../types";
import { scrollToShow, virtualWindow } from "../lib/virtual";
import { colHeading, dataTable, describeExtras, el, setAttr, setIndicator, setOptions, setText, tableHead } from "./dom";
import { isAbnormalDevice } from "../state/areas";
import { limitsFor, observe, type Observed } from "../lib/meter";
import type { Limit } from "../types";
import { Meter } from "./meter";
import { areaLabel } from "./overview";

/** Height of a device row (px); CSS gives the rows exactly this height. */
export const ROW_HEIGHT = 36;
/** Rows kept in the DOM above and below the visible ones. */
export const OVERSCAN = 10;
/** Viewport assumed while the table has no size yet (hidden, or not laid out). */
const FALLBACK_VIEWPORT = 600;
/** Height assumed for the sticky header row while it has no size. */
const FALLBACK_HEAD = 32;

const KNOWN_STATUSES = ["online", "offline", "fault", "unknown"] as const;
/** Letters of right-to-left scripts (Hebrew, Arabic, Persian…). */
const RTL_TEXT = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/;
export const DEVICE_FIELDS: ReadonlySet<string> = new Set([
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
  if ((KNOWN_STATUSES as readonly string[]).includes(status)) {
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
  /** The kind's cell: a kind too long for its column ends in an ellipsis, titled whole. */
  readonly kindCell: HTMLTableCellElement;
  readonly badge: HTMLSpanElement;
  readonly badgeText: Text;
  readonly valueCell: HTMLTableCellElement;
  readonly valueText: Text;
  readonly valueSpan: HTMLSpanElement;
  readonly ageText: Text;
  readonly meter: Meter;
  readonly shelveButton: HTMLButtonElement;
  readonly shelveText: Text;
  readonly staleMark: Text;
  readonly shelved: HTMLSpanElement;
  readonly shelvedText: Text;
  status: string;
  receivedAt: number;
  staleness: ValueStaleness | null;
  /** The words of a bad value from the plant (null when the value could be read). */
  badText: string | null;
  /** The cache's copy, not yet confirmed by the plant since start. */
  unconfirmed: boolean;
}

interface SortColumn {
  key: DeviceSortKey;
  label: () => string;
  num: boolean;
  title?: () => string;
}

const SORT_COLUMNS: readonly SortColumn[] = [
  { key: "name", label: () => strings.devices.name, num: false },
  { key: "kind", label: () => strings.devices.kind, num: false },
  { key: "status", label: () => strings.devices.status, num: false },
  { key: "value", label: () => strings.devices.value, num: true },
  { key: "age", label: () => strings.devices.age, num: true, title: () => strings.devices.ageTitle },
];

export class DevicesView {
  readonly element: HTMLElement;
  /** The scroll container (id="devices-scroll"). */
  readonly scroller: HTMLDivElement;
  private readonly doc: Document;
  private readonly list = new DeviceList();
  private readonly tbody: HTMLTableSectionElement;
  private readonly thead: HTMLTableSectionElement;
  private readonly before: HTMLTableRowElement;
  private readonly beforeCell: HTMLTableCellElement;
  private readonly after: HTMLTableRowElement;
  private readonly afterCell: HTMLTableCellElement;
  private readonly rows = new Map<string, DeviceRow>();
  private readonly summaryText: Text;
  private readonly shownText: Text;
  private readonly shown: HTMLSpanElement;
  private readonly emptyMessage: HTMLParagraphElement;
  private readonly noMatch: HTMLParagraphElement;
  private readonly search: HTMLInputElement;
  private readonly statusFilter: HTMLSelectElement;
  private readonly kindFilter: HTMLSelectElement;
  private readonly areaChip: HTMLButtonElement;
  private readonly areaChipText: Text;
  /** The area chosen in the overview (undefined: every area). */
  private area: string | undefined = undefined;
  /** The site's limits (alerts.limits in the settings). */
  private limits: readonly Limit[] = [];
  /** The lowest and highest value seen of each device since the window opened. */
  private readonly observed = new Map<string, Observed>();
  private readonly sortHeaders = new Map<DeviceSortKey, HTMLTableCellElement>();
  private rowHeight = ROW_HEIGHT;
  private windowStart = 0;
  private windowEnd = 0;
  private stale = true;
  private now = 0;
  /** The row that takes the focus (tabindex 0). */
  private activeId: string | null = null;
  /** The device whose details are open. */
  private selectedId: string | null = null;
  /** Shelved devices and until when. */
  private shelves: ReadonlyMap<string, number> = new Map();
  /** Devices whose shelving is in flight (their buttons stay disabled). */
  private readonly shelving = new Set<string>();
  /** Why the one at the screen may not shelve (null: they may). */
  private shelveBlock: string | null = null;
  private scrollPending = false;
  private measuring = false;
  private onShelve: (deviceId: string) => void = () => {};
  private onOpen: (deviceId: string, row: HTMLElement) => void = () => {};

  constructor(doc: Document) {
    this.doc = doc;
    const S = () => strings.devices;
    this.summaryText = doc.createTextNode("");
    this.shownText = doc.createTextNode("");
    this.shown = el(doc, "span", { class: "summary", id: "devices-shown" }, this.shownText);
    this.shown.hidden = true;
    this.tbody = el(doc, "tbody");
    this.beforeCell = el(doc, "td", { attrs: { colspan: "7" } });
    this.afterCell = el(doc, "td", { attrs: { colspan: "7" } });
    this.before = el(doc, "tr", { class: "virtual-spacer virtual-before", attrs: { "aria-hidden": "true" } }, this.beforeCell);
    this.after = el(doc, "tr", { class: "virtual-spacer virtual-after", attrs: { "aria-hidden": "true" } }, this.afterCell);
    this.tbody.append(this.before, this.after);

    const headCells = SORT_COLUMNS.map((col) => {
      const button = el(
        doc,
        "button",
        {
          class: "sort-button",
          attrs: { type: "button", "data-sort-key": col.key, title: () => col.title?.() ?? S().sortTitle(col.label()) },
        },
        col.label,
      );
      button.addEventListener("click", () => this.sortBy(col.key));
      const th = colHeading(doc, button, col.num ? "num sortable" : "sortable");
      this.sortHeaders.set(col.key, th);
      return th;
    });
    // The bar after the value it draws (the fourth column), then age and alerts.
    const rangeHead = colHeading(doc, () => strings.hmi.range);
    this.thead = tableHead(doc, [...headCells.slice(0, 4), rangeHead, ...headCells.slice(4), () => strings.alerts.column]);
    const table = dataTable(doc, {
      table: { id: "devices", class: "data-table devices-table" },
      caption: () => S().caption,
      columns: ["col-name", "col-kind", "col-status", "col-value", "col-range", "col-age", "col-alerts"],
      head: this.thead,
      body: this.tbody,
    });
    this.emptyMessage = el(doc, "p", { class: "empty", id: "devices-empty" }, () => S().empty);
    this.noMatch = el(doc, "p", { class: "empty", id: "devices-no-match" }, () => S().noMatch);
    this.noMatch.hidden = true;

    this.search = el(doc, "input", {
      id: "device-search",
      class: "input device-search",
      attrs: { type: "search", placeholder: () => S().searchPlaceholder, autocomplete: "off", spellcheck: "false" },
    });
    this.statusFilter = el(doc, "select", { id: "device-status-filter", class: "select" });
    setOptions(
      this.statusFilter,
      [["", () => S().allStatuses], ...KNOWN_STATUSES.map((s) => [s, () => strings.status[s]] as const)],
      "",
    );
    this.kindFilter = el(doc, "select", { id: "device-kind-filter", class: "select" });
    this.refreshKinds();
    this.areaChipText = doc.createTextNode("");
    this.areaChip = el(
      doc,
      "button",
      { id: "device-area-chip", class: "button filter-chip", attrs: { type: "button" } },
      this.areaChipText,
      el(doc, "span", { class: "filter-chip-clear", attrs: { "aria-hidden": "true" } }, " \u2715"),
    );
    this.areaChip.hidden = true;
    this.areaChip.addEventListener("click", () => this.setArea(undefined));
    this.search.addEventListener("input", () => this.filterChanged());
    this.statusFilter.addEventListener("change", () => this.filterChanged());
    this.kindFilter.addEventListener("change", () => this.filterChanged());

    const headingId = "devices-heading";
    this.scroller = el(
      doc,
      "div",
      {
        id: "devices-scroll",
        class: "table-scroll devices-scroll",
        attrs: { tabindex: "0", role: "region", "aria-labelledby": headingId, "aria-describedby": "devices-help" },
      },
      table,
      this.emptyMessage,
      this.noMatch,
    );
    this.element = el(
      doc,
      "section",
      { id: "devices-panel", class: "panel devices-panel", attrs: { "aria-labelledby": headingId } },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: headingId }, () => S().caption),
        el(doc, "span", { class: "summary", id: "devices-summary" }, this.summaryText),
        this.shown,
      ),
      el(
        doc,
        "div",
        { class: "filters device-filters", attrs: { role: "search" } },
        el(doc, "label", { class: "filter" }, el(doc, "span", { class: "filter-label" }, () => S().search), this.search),
        el(doc, "label", { class: "filter" }, el(doc, "span", { class: "filter-label" }, () => S().statusFilter), this.statusFilter),
        el(doc, "label", { class: "filter" }, el(doc, "span", { class: "filter-label" }, () => S().kindFilter), this.kindFilter),
        this.areaChip,
      ),
      el(doc, "p", { id: "devices-help", class: "visually-hidden" }, () => S().tableHelp),
      this.scroller,
    );

    this.scroller.addEventListener("scroll", () => this.scheduleWindow(), { passive: true });
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(() => this.scheduleWindow()).observe(this.scroller);
    }
    this.tbody.addEventListener("click", (ev) => this.onClick(ev));
    this.tbody.addEventListener("keydown", (ev) => this.onKey(ev));
    this.tbody.addEventListener("focusin", (ev) => {
      const tr = ev.target instanceof Element ? ev.target.closest("tr[data-device-id]") : null;
      const id = tr?.getAttribute("data-device-id");
      if (id !== null && id !== undefined) this.setActive(id);
    });
    this.applySortHeaders();
    this.refreshSummary();
    this.renderWindow();
    onLanguage(() => this.relabel());
  }

  /** Draws the texts made from data again in the current language (rows in the DOM only). */
  private relabel(): void {
    this.refreshKinds();
    this.drawAreaChip();
    this.refreshSummary();
    for (const row of this.rows.values()) {
      const e = this.list.get(row.id);
      setText(row.shelveText, strings.alerts.shelve(SHELVE_MINUTES));
      setText(row.staleMark, ` ${strings.unconfirmedMark} ${strings.unconfirmedText}`);
      if (e === undefined) continue;
      row.status = "";
      row.staleness = null;
      row.badText = null;
      this.updateRow(row, e);
    }
  }

  /** Called when the operator presses a device's "Shelve". */
  setShelveHandler(handler: (deviceId: string) => void): void {
    this.onShelve = handler;
  }

  /** Called when the operator opens a device's details (click or Enter on its row). */
  setOpenHandler(handler: (deviceId: string, row: HTMLElement) => void): void {
    this.onOpen = handler;
  }

  // ---------- data ----------

  reset(entries: Iterable<DeviceEntry>, now: number): void {
    this.now = now;
    const all = [...entries];
    for (const e of all) this.observeValue(e);
    this.list.reset(all);
    // Rows of devices that stay are reused (updated in place).
    for (const [id, row] of this.rows) {
      const e = this.list.get(id);
      if (e !== undefined) this.updateRow(row, e);
    }
    this.refreshKinds();
    this.refreshSummary();
    this.renderWindow();
  }

  /** Upserts (entry present) or removes (entry undefined) the given ids. */
  apply(ids: Iterable<string>, lookup: (id: string) => DeviceEntry | undefined, now: number): void {
    this.now = now;
    const changes: [string, DeviceEntry | undefined][] = [];
    for (const id of ids) {
      const e = lookup(id);
      if (e === undefined) this.observed.delete(id);
      else this.observeValue(e);
      changes.push([id, e]);
    }
    const result = this.list.apply(changes);
    for (const [id, e] of changes) {
      const row = this.rows.get(id);
      if (row !== undefined && e !== undefined) this.updateRow(row, e);
    }
    if (result.kindsChanged) this.refreshKinds();
    this.refreshSummary();
    if (result.moved) this.renderWindow();
  }

  /** Widens a device's observed range by its value (a bad value is no value). */
  private observeValue(e: DeviceEntry): void {
    if (isBad(e.quality)) return;
    const before = this.observed.get(e.device.id) ?? null;
    const after = observe(before, e.device.value);
    if (after !== null && after !== before) this.observed.set(e.device.id, after);
  }

  /** The site's limits (alerts.limits); the bars are drawn again against them. */
  setLimits(limits: readonly Limit[]): void {
    this.limits = limits;
    for (const row of this.rows.values()) {
      const e = this.list.get(row.id);
      if (e !== undefined) this.updateMeter(row, e);
    }
  }

  private updateMeter(row: DeviceRow, e: DeviceEntry): void {
    const d = e.device;
    const value = typeof d.value === "number" && Number.isFinite(d.value) && !isBad(e.quality) ? d.value : null;
    row.meter.set(value, typeof d.unit === "string" ? d.unit : null, limitsFor(d, this.limits), this.observed.get(d.id) ?? null);
  }

  // ---------- the area chosen in the overview ----------

  /** Lists only the devices of an area (undefined: every area); a chip says which. */
  setArea(area: string | undefined): void {
    if (area === this.area) return;
    this.area = area;
    this.drawAreaChip();
    this.filterChanged();
  }

  /** The area the list is filtered to (undefined: none). */
  get areaFilter(): string | undefined {
    return this.area;
  }

  private drawAreaChip(): void {
    const area = this.area;
    this.areaChip.hidden = area === undefined;
    if (area === undefined) {
      setAttr(this.areaChip, "data-area", null);
      return;
    }
    const label = areaLabel(area);
    setText(this.areaChipText, strings.hmi.areaChip(label));
    setAttr(this.areaChip, "data-area", area);
    setAttr(this.areaChip, "aria-label", `${strings.hmi.areaChip(label)}. ${strings.hmi.clearArea}`);
    setAttr(this.areaChip, "title", strings.hmi.clearArea);
  }

  /** The entry of a device, as the view holds it. */
  entry(id: string): DeviceEntry | undefined {
    return this.list.get(id);
  }

  /** Marks every value as unconfirmed (or live again). */
  setStale(stale: boolean): void {
    if (stale === this.stale) return;
    this.stale = stale;
    for (const row of this.rows.values()) this.applyStale(row);
  }

  /** Refreshes the ages and the age-based staleness (called every second). */
  tick(now: number): void {
    this.now = now;
    for (const row of this.rows.values()) {
      setText(row.ageText, formatAgeSince(row.receivedAt, now));
      this.applyStale(row);
    }
    // "until" texts name the date once the day changes, and shelves run out.
    for (const id of this.shelves.keys()) this.applyShelf(id);
  }

  // ---------- shelving ----------

  /**
   * Why the one at the screen may not shelve (null: they may): every Shelve button is
   * disabled then, the reason its title (the session changed, or the language).
   */
  setShelveBlock(reason: string | null): void {
    this.shelveBlock = reason;
    for (const [id, row] of this.rows) {
      const disabled = this.shelving.has(id) || reason !== null;
      if (row.shelveButton.disabled !== disabled) row.shelveButton.disabled = disabled;
      setAttr(row.shelveButton, "title", reason);
    }
  }

  /** A shelving was answered (either way): its button may be pressed again. */
  shelveSettled(deviceId: string): void {
    this.shelving.delete(deviceId);
    const row = this.rows.get(deviceId);
    if (row !== undefined) row.shelveButton.disabled = this.shelveBlock !== null;
  }

  /** Marks a shelving as in flight (its buttons stay disabled until shelveSettled). */
  shelvingStarted(deviceId: string): void {
    this.shelving.add(deviceId);
    const row = this.rows.get(deviceId);
    if (row !== undefined) row.shelveButton.disabled = true;
  }

  isShelving(deviceId: string): boolean {
    return this.shelving.has(deviceId);
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

  /** Until when a device is shelved at the last known time, or null. */
  shelvedUntil(id: string): number | null {
    const until = this.shelves.get(id);
    return until !== undefined && until > this.now ? until : null;
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
    setAttr(row.shelved, "title", active ? `${shelvedText(until, this.now)} — ${strings.alerts.shelvedTitle}` : null);
    if (row.shelved.hidden !== !active) row.shelved.hidden = !active;
  }

  // ---------- selection ----------

  /** Marks the device whose details are open (null: none). */
  setSelected(id: string | null): void {
    const before = this.selectedId;
    this.selectedId = id;
    for (const rid of [before, id]) {
      if (rid === null) continue;
      const row = this.rows.get(rid);
      if (row !== undefined) this.applySelected(row);
    }
  }

  private applySelected(row: DeviceRow): void {
    const selected = row.id === this.selectedId;
    row.tr.classList.toggle("selected", selected);
    setAttr(row.tr, "data-selected", selected ? "true" : null);
  }

  /** Focuses a device's row (scrolling it into view); false when it is not listed. */
  focusDevice(id: string): boolean {
    const index = this.list.indexOf(id);
    if (index < 0) return false;
    this.moveTo(index);
    return true;
  }

  // ---------- filters and sorting ----------

  get filter(): DeviceFilter {
    return this.list.filter;
  }

  get sort(): DeviceSort {
    return this.list.sort;
  }

  /** How many devices pass the filters. */
  get shownCount(): number {
    return this.list.size;
  }

  /** Sorts by a column: ascending first, the other way when it is sorted by it already. */
  sortBy(key: DeviceSortKey): void {
    const current = this.list.sort;
    const dir = current.key === key && current.dir === "asc" ? "desc" : "asc";
    this.list.setSort({ key, dir });
    this.applySortHeaders();
    this.scroller.scrollTop = 0;
    this.renderWindow();
  }

  private applySortHeaders(): void {
    const sort = this.list.sort;
    for (const [key, th] of this.sortHeaders) {
      setAttr(th, "aria-sort", key === sort.key ? (sort.dir === "asc" ? "ascending" : "descending") : null);
    }
  }

  private filterChanged(): void {
    const filter: DeviceFilter = {
      search: this.search.value,
      status: this.statusFilter.value,
      kind: this.kindFilter.value,
      ...(this.area === undefined ? {} : { area: this.area }),
    };
    this.list.setFilter(filter);
    this.refreshSummary();
    this.scroller.scrollTop = 0;
    this.renderWindow();
  }

  /** The kind filter's options: every kind in the data (and the one chosen, even when gone). */
  private refreshKinds(selected = this.kindFilter.value): void {
    const kinds = this.list.kinds();
    if (selected !== "" && !kinds.includes(selected)) kinds.push(selected);
    setOptions(this.kindFilter, [["", strings.devices.allKinds], ...kinds.map((k) => [k, k] as const)], selected);
  }

  private refreshSummary(): void {
    const total = this.list.total;
    setText(
      this.summaryText,
      strings.devices.summary(total, this.list.countOf("fault"), this.list.countOf("offline")),
    );
    const filtered = !isFilterEmpty(this.list.filter);
    setText(this.shownText, filtered ? strings.devices.shown(this.list.size, total) : "");
    this.shown.hidden = !filtered;
    this.emptyMessage.hidden = total > 0;
    this.noMatch.hidden = total === 0 || this.list.size > 0;
  }

  // ---------- the virtual window ----------

  /** Re-renders the window on the next frame (scrolling, resizing). */
  private scheduleWindow(): void {
    if (this.scrollPending) return;
    this.scrollPending = true;
    const run = () => {
      this.scrollPending = false;
      this.renderWindow();
    };
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(run);
    else setTimeout(run, 16);
  }

  /** Re-renders the window at once (e.g. when the view becomes visible). */
  refreshWindow(): void {
    this.renderWindow();
  }

  /** Height of the part of the viewport the rows can use (px). */
  private rowsViewport(): number {
    const client = this.scroller.clientHeight;
    if (!(client > 0)) return FALLBACK_VIEWPORT;
    const head = this.thead.offsetHeight > 0 ? this.thead.offsetHeight : FALLBACK_HEAD;
    return Math.max(this.rowHeight, client - head);
  }

  /** The rows in the DOM: [first index, end index). */
  get window(): { start: number; end: number } {
    return { start: this.windowStart, end: this.windowEnd };
  }

  private renderWindow(): void {
    const w = virtualWindow(this.list.size, this.rowHeight, this.scroller.scrollTop, this.rowsViewport(), OVERSCAN);
    this.windowStart = w.start;
    this.windowEnd = w.end;
    const wanted = this.list.slice(w.start, w.end);
    const keep = new Set<string>();
    for (const e of wanted) keep.add(e.device.id);

    // Keep the focus in the table when its row leaves the DOM.
    const active = this.doc.activeElement;
    let lostFocus = false;
    for (const [id, row] of this.rows) {
      if (keep.has(id)) continue;
      if (active !== null && row.tr.contains(active)) lostFocus = true;
      row.tr.remove();
      this.rows.delete(id);
    }

    let cursor: ChildNode | null = this.before.nextSibling;
    for (const e of wanted) {
      const id = e.device.id;
      let row = this.rows.get(id);
      if (row === undefined) {
        row = this.createRow(e);
        this.rows.set(id, row);
      }
      if (row.tr === cursor) cursor = cursor.nextSibling;
      else this.tbody.insertBefore(row.tr, cursor);
    }
    this.setSpacer(this.before, this.beforeCell, w.before);
    this.setSpacer(this.after, this.afterCell, w.after);
    this.refreshTabStop();
    if (lostFocus) this.scroller.focus({ preventScroll: true });
    // A focused row (or its button) that was moved keeps the focus.
    else if (active instanceof HTMLElement && active !== this.doc.activeElement && active.isConnected && this.tbody.contains(active)) {
      active.focus({ preventScroll: true });
    }
    this.measureRow();
  }

  private setSpacer(tr: HTMLTableRowElement, td: HTMLTableCellElement, height: number): void {
    const hidden = height <= 0;
    if (tr.hidden !== hidden) tr.hidden = hidden;
    const px = `${height}px`;
    if (td.style.height !== px) td.style.height = px;
  }

  /** Takes the real row height when the browser lays rows out differently (zoom, fonts). */
  private measureRow(): void {
    if (this.measuring) return;
    const first = this.rows.values().next().value;
    if (first === undefined) return;
    const h = first.tr.getBoundingClientRect().height;
    if (h > 0 && Math.abs(h - this.rowHeight) >= 1) {
      this.rowHeight = h;
      this.measuring = true;
      try {
        this.renderWindow();
      } finally {
        this.measuring = false;
      }
    }
  }

  // ---------- keyboard and pointer ----------

  private setActive(id: string): void {
    if (this.activeId === id) return;
    this.activeId = id;
    this.refreshTabStop();
  }

  /**
   * Exactly one rendered row is in the tab order (the active one, else the
   * first in view), and its Shelve button after it: Tab goes from the table to
   * the active row, to its button, and out.
   */
  private refreshTabStop(): void {
    let stop: string | null = this.activeId !== null && this.rows.has(this.activeId) ? this.activeId : null;
    if (stop === null) stop = this.list.at(this.windowStart)?.device.id ?? null;
    for (const row of this.rows.values()) {
      const tab = row.id === stop ? "0" : "-1";
      setAttr(row.tr, "tabindex", tab);
      setAttr(row.shelveButton, "tabindex", tab);
    }
  }

  private moveTo(index: number): void {
    const n = this.list.size;
    if (n === 0) return;
    const i = Math.min(Math.max(0, index), n - 1);
    const e = this.list.at(i);
    if (e === undefined) return;
    this.activeId = e.device.id;
    const top = scrollToShow(i, this.rowHeight, this.scroller.scrollTop, this.rowsViewport());
    if (top !== this.scroller.scrollTop) this.scroller.scrollTop = top;
    this.renderWindow();
    this.rows.get(e.device.id)?.tr.focus({ preventScroll: true });
  }

  private onKey(ev: KeyboardEvent): void {
    const target = ev.target;
    if (!(target instanceof HTMLTableRowElement)) return; // keys on the row's buttons are theirs
    const id = target.getAttribute("data-device-id");
    if (id === null) return;
    const index = this.list.indexOf(id);
    const page = Math.max(1, Math.floor(this.rowsViewport() / this.rowHeight) - 1);
    switch (ev.key) {
      case "ArrowDown":
        this.moveTo(index + 1);
        break;
      case "ArrowUp":
        this.moveTo(index - 1);
        break;
      case "PageDown":
        this.moveTo(index + page);
        break;
      case "PageUp":
        this.moveTo(index - page);
        break;
      case "Home":
        this.moveTo(0);
        break;
      case "End":
        this.moveTo(this.list.size - 1);
        break;
      case "Enter":
      case " ":
        this.onOpen(id, target);
        break;
      default:
        return;
    }
    ev.preventDefault();
  }

  private onClick(ev: MouseEvent): void {
    const target = ev.target;
    if (!(target instanceof Element)) return;
    const button = target.closest("button.shelve-device");
    if (button instanceof HTMLButtonElement) {
      if (button.disabled) return;
      const id = button.getAttribute("data-device-id");
      if (id === null) return;
      this.shelvingStarted(id);
      this.onShelve(id);
      return;
    }
    const tr = target.closest("tr[data-device-id]");
    if (!(tr instanceof HTMLTableRowElement)) return;
    const id = tr.getAttribute("data-device-id");
    if (id === null) return;
    this.setActive(id);
    this.onOpen(id, tr);
  }

  // ---------- rows ----------

  private createRow(e: DeviceEntry): DeviceRow {
    const doc = this.doc;
    const nameText = doc.createTextNode("");
    const kindText = doc.createTextNode("");
    const badgeText = doc.createTextNode("");
    const valueText = doc.createTextNode("");
    const ageText = doc.createTextNode("");
    const shelvedLabel = doc.createTextNode("");
    const shelveText = doc.createTextNode(strings.alerts.shelve(SHELVE_MINUTES));
    const staleMark = doc.createTextNode(` ${strings.unconfirmedMark} ${strings.unconfirmedText}`);
    const shelved = el(doc, "span", { class: "shelved" }, shelvedLabel);
    shelved.hidden = true;
    const shelveButton = el(
      doc,
      "button",
      { class: "button shelve-device", attrs: { type: "button", "data-device-id": e.device.id, tabindex: "-1" } },
      shelveText,
    );
    shelveButton.disabled = this.shelving.has(e.device.id) || this.shelveBlock !== null;
    setAttr(shelveButton, "title", this.shelveBlock);
    const badge = el(doc, "span", { class: "badge" }, badgeText);
    const meter = new Meter(doc);
    // Names and kinds come from the server, in any script: isolated, so that a
    // Latin name reads right in a right-to-left table (and the other way round).
    const nameCell = el(
      doc,
      "th",
      { attrs: { scope: "row" }, class: "name" },
      el(doc, "span", { class: "name-text", attrs: { dir: "auto" } }, nameText),
    );
    const valueSpan = el(doc, "span", { class: "value-text", attrs: { dir: "ltr" } }, valueText);
    const valueCell = el(
      doc,
      "td",
      { class: "value num" },
      valueSpan,
      el(doc, "span", { class: "stale-mark" }, staleMark),
    );
    const kindCell = el(doc, "td", { class: "kind" }, el(doc, "span", { attrs: { dir: "auto" } }, kindText));
    const tr = el(
      doc,
      "tr",
      { class: "device-row", attrs: { "data-device-id": e.device.id, tabindex: "-1" } },
      nameCell,
      kindCell,
      el(doc, "td", { class: "status" }, badge),
      valueCell,
      el(doc, "td", { class: "range" }, meter.element),
      el(doc, "td", { class: "age num" }, ageText),
      el(doc, "td", { class: "alerts" }, shelveButton, shelved),
    );
    const row: DeviceRow = {
      id: e.device.id,
      tr,
      nameCell,
      nameText,
      kindText,
      kindCell,
      badge,
      badgeText,
      valueCell,
      valueText,
      valueSpan,
      ageText,
      meter,
      shelveButton,
      shelveText,
      staleMark,
      shelved,
      shelvedText: shelvedLabel,
      status: "",
      receivedAt: e.received_at,
      staleness: null,
      badText: null,
      unconfirmed: false,
    };
    this.updateRow(row, e);
    this.applySelected(row);
    return row;
  }

  private updateRow(row: DeviceRow, e: DeviceEntry): void {
    const d = e.device;
    const name = String(d.name);
    setText(row.nameText, name);
    setText(row.kindText, String(d.kind));
    setAttr(row.kindCell, "title", String(d.kind));
    // A long name ends in an ellipsis: the cell's title holds it whole; the extra fields
    // the plant sent are the row's title.
    setAttr(row.nameCell, "title", name);
    setAttr(row.tr, "title", describeExtras(d, DEVICE_FIELDS));

    const status = String(d.status);
    if (status !== row.status) {
      row.status = status;
      const p = statusPresentation(status);
      row.badge.className = `badge status-${p.cls}`;
      setIndicator(row.badge, "device-status", isAbnormalDevice(d));
      setText(row.badgeText, p.label);
      setAttr(row.tr, "data-status", status);
    }

    this.applyQuality(row, e);
    this.updateMeter(row, e);
    // A number and its unit read left to right ("71.5 °C", "۵۷٫۰۶ %"), unless the unit is written right to left.
    setAttr(row.valueSpan, "dir", typeof d.unit === "string" && RTL_TEXT.test(d.unit) ? "rtl" : "ltr");
    row.receivedAt = e.received_at;
    setText(row.ageText, formatAgeSince(e.received_at, this.now));
    setAttr(row.shelveButton, "aria-label", strings.alerts.shelveLabel(name, SHELVE_MINUTES));
    this.applyStale(row);
    this.updateShelf(row);
  }

  /**
   * The value as its quality allows: a bad value from the plant is shown as such, with
   * a shape and words (never the number it replaced); the cache's unconfirmed copy is
   * marked like any unconfirmed value.
   */
  private applyQuality(row: DeviceRow, e: DeviceEntry): void {
    const d = e.device;
    const bad = isBad(e.quality);
    const Q = strings.quality;
    setText(row.valueText, bad ? `${Q.badMark} ${Q.badValue}` : formatValue(d.value, d.unit));
    row.valueCell.classList.toggle("quality-bad", bad);
    setAttr(row.valueCell, "data-quality", bad ? "bad" : (e.quality?.level ?? null));
    const badText = bad ? qualityText(e.quality, e.unreadable ?? []) : null;
    const unconfirmed = e.quality?.reason === "unconfirmed";
    if (badText !== row.badText || unconfirmed !== row.unconfirmed) {
      row.badText = badText;
      row.unconfirmed = unconfirmed;
      row.staleness = null;
    }
  }

  private applyStale(row: DeviceRow): void {
    const staleness = valueStaleness(row.receivedAt, this.now, this.stale || row.unconfirmed);
    if (row.staleness === staleness && staleness !== "age") return;
    row.staleness = staleness;
    const stale = staleness !== "live";
    row.valueCell.classList.toggle("stale", stale);
    setAttr(row.valueCell, "data-stale", stale ? staleness : null);
    setAttr(
      row.valueCell,
      "title",
      row.badText !== null
        ? row.badText
        : staleness === "link"
          ? this.stale
            ? strings.unconfirmedTitle
            : strings.quality.reasons.unconfirmed
          : staleness === "age"
            ? strings.tooOldTitle(formatAge(this.now - row.receivedAt))
            : null,
    );
  }

  /** Rendered rows (for tests and the details panel): id → row element. */
  renderedRows(): ReadonlyMap<string, HTMLTableRowElement> {
    const out = new Map<string, HTMLTableRowElement>();
    for (const [id, row] of this.rows) out.set(id, row.tr);
    return out;
  }
}
