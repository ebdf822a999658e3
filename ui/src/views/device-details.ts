// Details of one device: section id="device-details" (hidden while none is
// open). Shows EVERY field the server sent, contract fields first, then the
// extra ones, each as text (dl#device-details-fields > div.field[data-field]),
// the value over the last hour (svg#device-trend: null values and link gaps
// break the line, gaps are shaded), and a Shelve button
// (button#device-details-shelve). Close: button#device-details-close or Escape.

import { formatDateTime, formatValue, shelvedText } from "../lib/format";
import { qualityLabel, qualityText } from "../state/quality";
import { DEVICE_TREND_S, SHELVE_MINUTES } from "../state";
import { strings } from "../strings";
import { onLanguage } from "./bind";
import type { DeviceEntry, DeviceTrend } from "../types";
import { TrendChart } from "./chart";
import { el, fieldText, setAttr, setText, type Label } from "./dom";
import "./device-details.css";

/** Contract fields, in the order they are listed. */
const CONTRACT_FIELDS = ["id", "name", "kind", "status", "value", "unit", "last_seen"] as const;

/** How often the chart is drawn again while open (it slides with the clock), in seconds. */
const REDRAW_S = 5;

export class DeviceDetailsView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly headingText: Text;
  private readonly fields: HTMLDListElement;
  private readonly chart: TrendChart;
  private readonly shelveButton: HTMLButtonElement;
  private readonly shelvedLabel: HTMLSpanElement;
  private readonly shelvedLabelText: Text;
  private readonly removed: HTMLParagraphElement;
  private readonly closeButton: HTMLButtonElement;
  private id: string | null = null;
  private entry: DeviceEntry | null = null;
  private unit: string | null = null;
  /** Stored points (from device_trend) plus the live ones received since. */
  private points: [number, number | null][] = [];
  private gaps: DeviceTrend["gaps"] = [];
  private trendLoaded = false;
  private drawnAt = Number.NEGATIVE_INFINITY;
  private now = 0;
  private shelving = false;
  private shelvedUntilTime: number | null = null;
  private opener: HTMLElement | null = null;
  private onShelve: (deviceId: string) => void = () => {};
  /** Why the one at the screen may not shelve (null: they may). */
  private shelveBlock: string | null = null;
  private onClose: () => void = () => {};
  private onOpenTrend: (deviceId: string) => void = () => {};
  private readonly openTrendButton: HTMLButtonElement;

  /** Called with the open device's id when "Open in Trends" is pressed. */
  setOpenTrendHandler(handler: (deviceId: string) => void): void {
    this.onOpenTrend = handler;
  }

  constructor(doc: Document) {
    this.doc = doc;
    const D = () => strings.details;
    this.headingText = doc.createTextNode("");
    this.fields = el(doc, "dl", { id: "device-details-fields", class: "details-fields" });
    this.chart = new TrendChart(doc, {
      id: "device-trend",
      label: () => D().trend,
      format: (v) => formatValue(v, this.unit),
      className: "device-trend",
    });
    this.shelveButton = el(
      doc,
      "button",
      { id: "device-details-shelve", class: "button details-shelve", attrs: { type: "button" } },
      () => strings.alerts.shelve(SHELVE_MINUTES),
    );
    this.shelvedLabelText = doc.createTextNode("");
    this.shelvedLabel = el(doc, "span", { class: "shelved", attrs: { title: () => strings.alerts.shelvedTitle } }, this.shelvedLabelText);
    this.shelvedLabel.hidden = true;
    this.removed = el(doc, "p", { id: "device-details-removed", class: "panel-note" }, () => D().removed);
    this.removed.hidden = true;
    this.closeButton = el(
      doc,
      "button",
      { id: "device-details-close", class: "button", attrs: { type: "button", "aria-label": () => D().closeLabel } },
      () => D().close,
    );
    // "Open in Trends": the device as a pen of the Trends view, over any range.
    this.openTrendButton = el(
      doc,
      "button",
      { id: "device-open-trend", class: "button link-button", attrs: { type: "button" } },
      () => strings.trends.openInTrends,
    );
    this.openTrendButton.addEventListener("click", () => {
      if (this.id !== null) this.onOpenTrend(this.id);
    });
    const headingId = "device-details-heading";
    this.element = el(
      doc,
      "section",
      {
        id: "device-details",
        class: "panel details-panel",
        attrs: { "aria-labelledby": headingId, tabindex: "-1" },
      },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: headingId }, this.headingText),
        el(doc, "span", { class: "panel-actions" }, this.shelvedLabel, " ", this.shelveButton, " ", this.closeButton),
      ),
      this.removed,
      el(
        doc,
        "div",
        { class: "details-body" },
        el(doc, "div", { class: "details-trend" }, el(doc, "h3", {}, () => D().trend), this.chart.element, this.openTrendButton),
        el(doc, "div", { class: "details-data" }, el(doc, "h3", {}, () => D().fields), this.fields),
      ),
    );
    this.element.hidden = true;

    this.shelveButton.addEventListener("click", () => {
      if (this.id === null || this.shelveButton.disabled) return;
      this.shelving = true;
      this.refreshShelf();
      this.onShelve(this.id);
    });
    this.closeButton.addEventListener("click", () => this.onClose());
    this.element.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        this.onClose();
      }
    });
    onLanguage(() => {
      if (this.entry !== null) this.update(this.entry, this.now);
    });
  }

  /** The device shown, or null. */
  get deviceId(): string | null {
    return this.id;
  }

  setShelveHandler(handler: (deviceId: string) => void): void {
    this.onShelve = handler;
  }

  /** Called when the operator closes the panel (button or Escape). */
  setCloseHandler(handler: () => void): void {
    this.onClose = handler;
  }

  /** Opens the panel on a device (`opener` gets the focus back on close). */
  open(entry: DeviceEntry, now: number, opener: HTMLElement | null = null, shelving = false): void {
    const same = this.id === entry.device.id;
    this.id = entry.device.id;
    this.opener = opener;
    this.now = now;
    this.shelving = shelving;
    if (!same) {
      this.points = [];
      this.gaps = [];
      this.trendLoaded = false;
      this.chart.render(null);
      this.chart.showNote(() => strings.details.loading);
    }
    this.element.hidden = false;
    this.update(entry, now);
  }

  /** Closes the panel; gives the focus back to what opened it when the focus was inside. */
  close(): void {
    const hadFocus = this.element.contains(this.doc.activeElement);
    this.id = null;
    this.entry = null;
    this.element.hidden = true;
    this.fields.replaceChildren();
    const opener = this.opener;
    this.opener = null;
    if (hadFocus && opener !== null && opener.isConnected) opener.focus();
  }

  focus(): void {
    this.element.focus();
  }

  /** The open device changed (entry) or is gone (undefined). */
  update(entry: DeviceEntry | undefined, now: number): void {
    if (this.id === null) return;
    this.now = now;
    if (entry === undefined) {
      this.removed.hidden = false;
      this.shelveButton.disabled = true;
      return;
    }
    this.removed.hidden = true;
    this.entry = entry;
    const d = entry.device;
    this.unit = d.unit === null || d.unit === undefined ? null : String(d.unit);
    setText(this.headingText, strings.details.heading(String(d.name)));
    this.renderFields(entry);
    this.refreshShelf();
    // A live value extends the stored trend until the next load.
    if (this.trendLoaded) {
      const last = this.points[this.points.length - 1];
      if (last === undefined || entry.received_at > last[0]) {
        const v = d.value;
        this.points.push([entry.received_at, typeof v === "number" && Number.isFinite(v) ? v : null]);
        this.draw(now);
      }
    }
  }

  private renderFields(entry: DeviceEntry): void {
    const doc = this.doc;
    const device = entry.device as Record<string, unknown>;
    const items: HTMLElement[] = [];
    const add = (key: string, value: string, title: string | null = null, cls = "", label = key) => {
      // Server text in any script, isolated (the cell keeps the layout's alignment).
      const dd = el(doc, "dd", {}, el(doc, "span", { attrs: { dir: "auto" } }, value));
      if (title !== null) dd.setAttribute("title", title);
      items.push(
        el(
          doc,
          "div",
          // The console's own row is not a server field: it has no data-field.
          { class: `field${cls}`, attrs: cls === " console" ? { "data-console-field": key } : { "data-field": key } },
          el(doc, "dt", {}, el(doc, "span", { attrs: { dir: "auto" } }, label)),
          dd,
        ),
      );
    };
    const unreadable = entry.unreadable ?? [];
    const Q = strings.quality;
    for (const key of CONTRACT_FIELDS) {
      if (!Object.prototype.hasOwnProperty.call(device, key)) continue;
      const v = device[key];
      // A field the plant sent unreadably: its stand-in is never shown as the plant's.
      if (unreadable.includes(key)) {
        add(key, `${Q.badMark} ${Q.badValue}`, qualityText(entry.quality, [key]), " quality-bad");
        continue;
      }
      add(key, fieldText(v), key === "last_seen" && typeof v === "number" ? formatDateTime(v) : null);
    }
    for (const [key, v] of Object.entries(device)) {
      if ((CONTRACT_FIELDS as readonly string[]).includes(key)) continue;
      add(key, fieldText(v), null, " extra");
    }
    // Not fields of the server's: the value's quality, and when the console received it.
    if (entry.quality) {
      add("quality", qualityLabel(entry.quality, unreadable), null, " console", Q.label);
    }
    add("received_at", formatDateTime(entry.received_at), String(entry.received_at), " console", strings.details.receivedAt);
    this.fields.replaceChildren(...items);
  }

  /** Until when the open device is shelved (null: not shelved). */
  setShelvedUntil(until: number | null, now: number): void {
    this.shelvedUntilTime = until;
    this.now = now;
    this.refreshShelf();
  }

  /** Why the one at the screen may not shelve (null: they may): the button is disabled, the reason its title. */
  setShelveBlock(reason: string | null): void {
    this.shelveBlock = reason;
    this.refreshShelf();
  }

  /** A shelving was answered: the button may be pressed again. */
  shelveSettled(deviceId: string): void {
    if (deviceId !== this.id) return;
    this.shelving = false;
    this.refreshShelf();
  }

  private refreshShelf(): void {
    const until = this.shelvedUntilTime;
    const active = until !== null && until > this.now;
    setText(this.shelvedLabelText, active ? shelvedText(until, this.now) : "");
    this.shelvedLabel.hidden = !active;
    const name = this.entry === null ? (this.id ?? "") : String(this.entry.device.name);
    setAttr(this.shelveButton, "aria-label", strings.alerts.shelveLabel(name, SHELVE_MINUTES));
    const disabled = this.shelving || !this.removed.hidden || this.shelveBlock !== null;
    if (this.shelveButton.disabled !== disabled) this.shelveButton.disabled = disabled;
    setAttr(this.shelveButton, "title", this.shelveBlock);
  }

  /** The stored trend arrived (for the open device). */
  showTrend(trend: DeviceTrend, now: number): void {
    if (trend.device_id !== this.id) return;
    this.points = trend.points.map(([t, v]) => [t, v] as [number, number | null]);
    this.gaps = trend.gaps;
    this.trendLoaded = true;
    // Live values received while it was loading stay (the stored ones end earlier).
    const v = this.entry?.device.value;
    const at = this.entry?.received_at;
    const last = this.points[this.points.length - 1];
    if (at !== undefined && (last === undefined || at > last[0])) {
      this.points.push([at, typeof v === "number" && Number.isFinite(v) ? v : null]);
    }
    this.draw(now);
  }

  /** Loading the trend failed. */
  showTrendError(message: Label): void {
    if (this.trendLoaded) return; // keep what is drawn
    this.chart.render(null);
    this.chart.showNote(message);
  }

  private draw(now: number): void {
    this.drawnAt = now;
    this.chart.render({ points: this.points, gaps: this.gaps, since: now - DEVICE_TREND_S, until: now });
  }

  /** Slides the chart with the clock, and keeps "shelved until" right. */
  tick(now: number): void {
    this.now = now;
    if (this.id === null) return;
    if (this.trendLoaded && now - this.drawnAt >= REDRAW_S) this.draw(now);
    this.refreshShelf();
  }
}
