// Alerts panel: section id="alerts-panel" holding table id="alerts", one
// <tr data-alert-id data-severity data-acked="true|false"> per alert, newest
// first. Each row shows the time (.alert-time), the severity as a badge with
// text (.severity.severity-<critical|high|low|info>), the title (.alert-title)
// and body (.alert-body), whether it was notified or why not
// (.notification[data-reason]), and who acknowledged it (.acked) or a button
// (button.ack-alert[data-alert-id]). button#ack-all acknowledges every alert.
// The title and body are the catalog's words in the current language when the
// console sent them as messages, the stored English otherwise (older alerts).

import { ackedText, formatDateTime, formatTimeOfDayOrDate, notificationText, severityPresentation } from "../lib/format";
import { language, strings } from "../strings";
import { wordIn } from "../strings/catalog";
import { onLanguage, LabelText } from "./bind";
import { SIGN_IN_OFF } from "../state";
import type { AlertStatus, AlertView, OperatorSession } from "../types";
import { whyNot } from "./session-text";
import { dataTable, el, setAttr, setText, tableHead, type Label } from "./dom";
import { placeRows } from "./sorted-rows";
import "./alerts.css";

interface AlertRow {
  readonly tr: HTMLTableRowElement;
  readonly timeCell: HTMLTableCellElement;
  readonly timeText: Text;
  readonly badge: HTMLSpanElement;
  readonly badgeText: Text;
  readonly titleText: Text;
  readonly bodyText: Text;
  readonly notification: HTMLSpanElement;
  readonly notificationText: Text;
  readonly ackCell: HTMLTableCellElement;
  ack: HTMLButtonElement | null;
  acked: { readonly span: HTMLSpanElement; readonly text: Text } | null;
  alert: AlertView;
}

export class AlertsView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly tbody: HTMLTableSectionElement;
  private readonly region: HTMLDivElement;
  private readonly rows = new Map<number, AlertRow>();
  private readonly emptyMessage: HTMLParagraphElement;
  private readonly summaryText: Text;
  private readonly ackAll: HTMLButtonElement;
  private readonly errorBox: HTMLParagraphElement;
  private readonly errorText: LabelText;
  private readonly actionErrorBox: HTMLParagraphElement;
  private readonly actionErrorText: LabelText;
  /** Alerts whose acknowledgement is in flight (their buttons stay disabled). */
  private readonly pending = new Set<number>();
  private ackAllPending = false;
  private status: AlertStatus | null = null;
  private loaded = false;
  private now = 0;
  /** The row whose focused "Acknowledge" button went away in this render. */
  private focusLostIn: HTMLTableRowElement | null = null;
  /** The alert whose "Acknowledge" was pressed last. */
  private lastPressed: number | null = null;
  private onAck: (id: number | undefined) => void = () => {};
  /** Who is at the screen: acknowledging is disabled for a role that may not, the reason its title. */
  private session: OperatorSession = SIGN_IN_OFF;

  constructor(doc: Document) {
    this.doc = doc;
    const headingId = "alerts-heading";
    this.tbody = el(doc, "tbody");
    this.summaryText = doc.createTextNode("");
    this.errorText = new LabelText(doc);
    this.errorBox = el(doc, "p", { id: "alerts-error", class: "panel-error", attrs: { role: "alert" } }, this.errorText.node);
    this.errorBox.hidden = true;
    this.actionErrorText = new LabelText(doc);
    this.actionErrorBox = el(
      doc,
      "p",
      { id: "alerts-action-error", class: "panel-error", attrs: { role: "alert" } },
      this.actionErrorText.node,
    );
    this.actionErrorBox.hidden = true;
    this.emptyMessage = el(doc, "p", { class: "empty", id: "alerts-empty" }, () => strings.alerts.empty);
    this.ackAll = el(
      doc,
      "button",
      // Its title (what it does, or why the role may not) is set with its state.
      { id: "ack-all", class: "button ack-all", attrs: { type: "button" } },
      () => strings.alerts.acknowledgeAll,
    );
    this.ackAll.disabled = true;
    setAttr(this.ackAll, "title", strings.alerts.acknowledgeAllTitle);
    const table = dataTable(doc, {
      table: { id: "alerts", class: "data-table alerts-table" },
      caption: () => strings.alerts.heading,
      columns: ["col-time", "col-severity", "col-alert", "col-notification", "col-ack"],
      head: tableHead(doc, [
        () => strings.alerts.time,
        () => strings.alerts.severity,
        () => strings.alerts.alert,
        () => strings.alerts.notification,
        () => strings.alerts.acknowledged,
      ]),
      body: this.tbody,
    });
    this.region = el(
      doc,
      "div",
      {
        id: "alerts-region",
        class: "table-scroll",
        attrs: { tabindex: "0", role: "region", "aria-labelledby": headingId },
      },
      table,
      this.emptyMessage,
    );
    this.element = el(
      doc,
      "section",
      { id: "alerts-panel", class: "panel alerts-panel", attrs: { "aria-labelledby": headingId } },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: headingId }, () => strings.alerts.heading),
        el(doc, "span", { class: "summary", id: "alerts-summary" }, this.summaryText),
        el(doc, "span", { class: "panel-actions" }, this.ackAll),
      ),
      this.errorBox,
      this.actionErrorBox,
      this.region,
    );

    this.tbody.addEventListener("click", (ev) => {
      const target = ev.target;
      if (!(target instanceof Element)) return;
      const button = target.closest("button.ack-alert");
      if (!(button instanceof HTMLButtonElement) || button.disabled) return;
      const id = Number(button.getAttribute("data-alert-id"));
      if (!Number.isFinite(id)) return;
      this.pending.add(id);
      this.lastPressed = id;
      button.disabled = true; // until the answer: no double acknowledgement
      this.onAck(id);
    });
    this.ackAll.addEventListener("click", () => {
      if (this.ackAll.disabled) return;
      this.ackAllPending = true;
      this.refreshAckAll();
      this.onAck(undefined);
    });
    this.refreshSummary();
    onLanguage(() => this.relabel());
  }

  /** Called with an alert's id ("Acknowledge"), or undefined ("Acknowledge all"). */
  /** Draws the rows' texts again in the current language. */
  private relabel(): void {
    for (const row of this.rows.values()) this.updateRow(row, row.alert);
    this.refreshSummary();
    this.refreshAckAll();
  }

  /** The operator session changed (or the language): the buttons follow what the role may do. */
  setSession(session: OperatorSession): void {
    this.session = session;
    for (const row of this.rows.values()) this.updateRow(row, row.alert);
    this.refreshAckAll();
  }

  setAckHandler(handler: (id: number | undefined) => void): void {
    this.onAck = handler;
  }

  /**
   * An acknowledgement was answered. A failed one may be tried again; after a
   * successful one the button stays disabled until the list shows the alert
   * acknowledged.
   */
  ackSettled(id: number | undefined, ok: boolean): void {
    if (id === undefined) {
      this.ackAllPending = false;
      this.refreshAckAll();
      return;
    }
    this.pending.delete(id);
    const button = this.rows.get(id)?.ack;
    if (!ok && button !== null && button !== undefined) button.disabled = false;
  }

  /** Shows (or clears, with null) why the list could not be loaded. */
  showError(message: Label | null): void {
    this.errorText.set(message ?? "");
    this.errorBox.hidden = message === null;
  }

  /** Shows (or clears, with null) why an acknowledgement, a mute or a shelf failed. */
  showActionError(message: Label | null): void {
    this.actionErrorText.set(message ?? "");
    this.actionErrorBox.hidden = message === null;
  }

  /** Moves the keyboard focus to the list (the header's alert count leads here). */
  focus(): void {
    this.region.focus();
    if (typeof this.region.scrollIntoView === "function") this.region.scrollIntoView({ block: "nearest" });
  }

  /** The counts of the summary and whether "Acknowledge all" has anything to do. */
  setStatus(status: AlertStatus): void {
    this.status = status;
    this.refreshSummary();
    this.refreshAckAll();
  }

  /**
   * Shows `alerts` (newest first), updating rows in place and moving only rows
   * that are out of place. `loaded`: an `alerts` answer has arrived (until
   * then an empty table does not mean "no alerts").
   */
  render(alerts: readonly AlertView[], loaded: boolean, now: number): void {
    this.loaded = loaded;
    this.now = now;
    placeRows(this.tbody, this.rows, alerts, {
      key: (alert) => alert.id,
      create: (alert) => this.createRow(alert),
      update: (row, alert) => this.updateRow(row, alert),
      // A gone alert has no button left to keep disabled while its acknowledgement is in flight.
      removed: (id) => this.pending.delete(id),
    });
    this.refreshSummary();
    this.restoreFocus();
  }

  /**
   * Keyboard users keep their place: when the focused "Acknowledge" button
   * gave way to "acknowledged by", the focus moves to the next one (or the
   * previous one, or the list itself).
   */
  private restoreFocus(): void {
    const from = this.focusLostIn;
    this.focusLostIn = null;
    if (from === null || !from.isConnected) {
      if (from !== null) this.region.focus();
      return;
    }
    const usable = (tr: Element | null): HTMLButtonElement | null => {
      const b = tr?.querySelector("button.ack-alert");
      return b instanceof HTMLButtonElement && !b.disabled ? b : null;
    };
    for (let tr = from.nextElementSibling; tr !== null; tr = tr.nextElementSibling) {
      const b = usable(tr);
      if (b !== null) return b.focus();
    }
    for (let tr = from.previousElementSibling; tr !== null; tr = tr.previousElementSibling) {
      const b = usable(tr);
      if (b !== null) return b.focus();
    }
    this.region.focus();
  }

  /** Keeps the times right across midnight (called every second). */
  tick(now: number): void {
    this.now = now;
    for (const row of this.rows.values()) {
      setText(row.timeText, formatTimeOfDayOrDate(row.alert.at, now));
      if (row.acked !== null) setText(row.acked.text, ackedText(row.alert, now) ?? "");
    }
  }

  private createRow(alert: AlertView): AlertRow {
    const doc = this.doc;
    const timeText = doc.createTextNode("");
    const badgeText = doc.createTextNode("");
    const titleText = doc.createTextNode("");
    const bodyText = doc.createTextNode("");
    const notificationText = doc.createTextNode("");
    const timeCell = el(doc, "td", { class: "alert-time num" }, timeText);
    const badge = el(doc, "span", { class: "badge severity" }, badgeText);
    const notification = el(doc, "span", { class: "notification" }, notificationText);
    const ackCell = el(doc, "td", { class: "alert-ack" });
    const tr = el(
      doc,
      "tr",
      { attrs: { "data-alert-id": String(alert.id) } },
      timeCell,
      el(doc, "td", { class: "alert-severity" }, badge),
      el(
        doc,
        "th",
        { class: "alert-text", attrs: { scope: "row" } },
        el(doc, "span", { class: "alert-title" }, titleText),
        el(doc, "span", { class: "alert-body" }, bodyText),
      ),
      el(doc, "td", { class: "alert-notification" }, notification),
      ackCell,
    );
    return {
      tr,
      timeCell,
      timeText,
      badge,
      badgeText,
      titleText,
      bodyText,
      notification,
      notificationText,
      ackCell,
      ack: null,
      acked: null,
      alert,
    };
  }

  private updateRow(row: AlertRow, alert: AlertView): void {
    row.alert = alert;
    const severity = String(alert.severity);
    const sev = severityPresentation(severity);
    const acked = alert.acked_at !== null && alert.acked_at !== undefined;
    setAttr(row.tr, "data-severity", severity);
    setAttr(row.tr, "data-acked", acked ? "true" : "false");
    const rowCls = acked ? "acked-row" : `unacked severity-row-${sev.cls}`;
    if (row.tr.className !== rowCls) row.tr.className = rowCls;
    setText(row.timeText, formatTimeOfDayOrDate(alert.at, this.now));
    setAttr(row.timeCell, "title", formatDateTime(alert.at));
    const badgeCls = `badge severity severity-${sev.cls}`;
    if (row.badge.className !== badgeCls) row.badge.className = badgeCls;
    setText(row.badgeText, sev.label);
    const title = alertTitle(alert);
    setText(row.titleText, title);
    setText(row.bodyText, alert.body_message ? wordIn(language(), alert.body_message) : String(alert.body));
    const n = notificationText(alert.notified, alert.suppressed === null ? null : String(alert.suppressed));
    setText(row.notificationText, n.text);
    setAttr(row.notification, "title", n.title);
    setAttr(row.notification, "data-reason", n.reason);
    const notifyCls = `notification ${n.reason === "notified" ? "notified" : "not-notified"}`;
    if (row.notification.className !== notifyCls) row.notification.className = notifyCls;

    if (acked) {
      if (row.ack !== null) {
        // (A disabled button may have dropped the focus to the body already.)
        const active = this.doc.activeElement;
        const dropped = (active === null || active === this.doc.body) && this.lastPressed === alert.id;
        if (active === row.ack || dropped) this.focusLostIn = row.tr;
        row.ack.remove();
        row.ack = null;
      }
      if (row.acked === null) {
        const text = this.doc.createTextNode("");
        row.acked = { span: el(this.doc, "span", { class: "acked" }, text), text };
        row.ackCell.appendChild(row.acked.span);
      }
      setText(row.acked.text, ackedText(alert, this.now) ?? "");
      setAttr(row.acked.span, "title", alert.acked_at === null ? null : formatDateTime(alert.acked_at));
    } else {
      if (row.acked !== null) {
        row.acked.span.remove();
        row.acked = null;
      }
      if (row.ack === null) {
        row.ack = el(
          this.doc,
          "button",
          { class: "button ack-alert", attrs: { type: "button", "data-alert-id": String(alert.id) } },
          strings.alerts.acknowledge,
        );
        row.ackCell.appendChild(row.ack);
      }
      setAttr(row.ack, "aria-label", strings.alerts.acknowledgeLabel(title));
      const label = row.ack.firstChild;
      if (label instanceof Text) setText(label, strings.alerts.acknowledge);
      const reason = whyNot(this.session, "acknowledge");
      const disabled = this.pending.has(alert.id) || reason !== null;
      if (row.ack.disabled !== disabled) row.ack.disabled = disabled;
      setAttr(row.ack, "title", reason);
    }
  }

  private refreshAckAll(): void {
    const nothing = this.status === null || this.status.unacked <= 0;
    const reason = whyNot(this.session, "acknowledge");
    const disabled = this.ackAllPending || nothing || reason !== null;
    if (this.ackAll.disabled !== disabled) this.ackAll.disabled = disabled;
    setAttr(this.ackAll, "title", reason ?? strings.alerts.acknowledgeAllTitle);
  }

  private refreshSummary(): void {
    const s = this.status;
    setText(this.summaryText, s === null ? "" : strings.alerts.summary(s.unacked, s.unacked_critical));
    this.emptyMessage.hidden = !this.loaded || this.rows.size > 0;
  }
}

/** An alert's title in the current language, or as stored in English when it came without a message. */
function alertTitle(alert: AlertView): string {
  return alert.title_message ? wordIn(language(), alert.title_message) : String(alert.title);
}
