// Outbox panel: table id="outbox", one <tr data-request-id data-relay-id data-status>
// per recent command, newest first; a "Cancel" button (button.cancel-command
// [data-request-id]) exists only on queued commands.

import { commandStatusText, formatCount, formatDateTime, formatTimeOfDay } from "../lib/format";
import { strings } from "../strings";
import { onLanguage, LabelText } from "./bind";
import type { CommandView } from "../types";
import { colHeading, dataTable, el, setAttr, setText, tableHead, type Label } from "./dom";
import { placeRows } from "./sorted-rows";
import "./outbox.css";

interface OutboxRow {
  readonly tr: HTMLTableRowElement;
  readonly relayText: Text;
  readonly relayCell: HTMLTableCellElement;
  readonly requestedText: Text;
  readonly badge: HTMLSpanElement;
  readonly badgeText: Text;
  readonly issuedCell: HTMLTableCellElement;
  readonly issuedText: Text;
  readonly expiresCell: HTMLTableCellElement;
  readonly expiresText: Text;
  readonly attemptsText: Text;
  readonly actionCell: HTMLTableCellElement;
  cancel: HTMLButtonElement | null;
}

export class OutboxView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly tbody: HTMLTableSectionElement;
  private readonly rows = new Map<string, OutboxRow>();
  private readonly emptyMessage: HTMLParagraphElement;
  private readonly summaryText: Text;
  private loaded = false;
  private readonly errorBox: HTMLParagraphElement;
  private readonly errorText: LabelText;
  private onCancel: (requestId: string) => void = () => {};

  constructor(doc: Document) {
    this.doc = doc;
    const headingId = "outbox-heading";
    this.tbody = el(doc, "tbody");
    this.summaryText = doc.createTextNode("");
    this.errorText = new LabelText(doc);
    this.errorBox = el(doc, "p", { id: "outbox-error", class: "panel-error", attrs: { role: "alert" } }, this.errorText.node);
    this.errorBox.hidden = true;
    this.emptyMessage = el(doc, "p", { class: "empty", id: "outbox-empty" }, () => strings.outbox.empty);
    const table = dataTable(doc, {
      table: { id: "outbox", class: "data-table outbox-table" },
      caption: () => strings.outbox.heading,
      columns: ["col-relay", "col-requested", "col-status", "col-issued", "col-expires", "col-attempts", "col-action"],
      head: tableHead(doc, [
        () => strings.outbox.relay,
        () => strings.outbox.requested,
        () => strings.outbox.status,
        colHeading(doc, () => strings.outbox.issuedAt, "num"),
        colHeading(doc, () => strings.outbox.expiresAt, "num"),
        colHeading(doc, () => strings.outbox.attempts, "num"),
        // The column of Cancel buttons needs no visible heading, but a name for screen readers.
        colHeading(doc, el(doc, "span", { class: "visually-hidden" }, () => strings.outbox.action)),
      ]),
      body: this.tbody,
    });
    this.element = el(
      doc,
      "section",
      { id: "outbox-panel", class: "panel outbox-panel", attrs: { "aria-labelledby": headingId } },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: headingId }, () => strings.outbox.heading),
        el(doc, "span", { class: "summary", id: "outbox-summary" }, this.summaryText),
      ),
      this.errorBox,
      el(
        doc,
        "div",
        { class: "table-scroll", attrs: { tabindex: "0", role: "region", "aria-labelledby": headingId } },
        table,
        this.emptyMessage,
      ),
    );

    this.tbody.addEventListener("click", (ev) => {
      const target = ev.target;
      if (!(target instanceof Element)) return;
      const button = target.closest("button.cancel-command");
      if (!(button instanceof HTMLButtonElement) || button.disabled) return;
      const id = button.getAttribute("data-request-id");
      if (id === null) return;
      button.disabled = true; // until the answer: no double cancel
      this.onCancel(id);
    });
    this.refreshSummary();
    // The rows follow the language when the window's region draws them again; the count is the view's.
    onLanguage(() => this.refreshSummary());
  }

  /** Called when the operator presses "Cancel" on a queued command. */
  setCancelHandler(handler: (requestId: string) => void): void {
    this.onCancel = handler;
  }

  /** Shows (or clears, with null) an error of the outbox (loading it, cancelling). */
  showError(message: Label | null): void {
    this.errorText.set(message ?? "");
    this.errorBox.hidden = message === null;
  }

  /** A cancel failed: its button may be pressed again. */
  cancelFailed(requestId: string): void {
    const button = this.rows.get(requestId)?.cancel;
    if (button !== null && button !== undefined) button.disabled = false;
  }

  /**
   * Shows `commands` (newest first), updating rows in place and moving only
   * rows that are out of place. `loaded`: the outbox answer has arrived (until
   * then an empty table does not mean "no commands").
   */
  render(commands: readonly CommandView[], relayName: (relayId: string) => string, loaded: boolean): void {
    this.loaded = loaded;
    placeRows(this.tbody, this.rows, commands, {
      key: (cmd) => cmd.request_id,
      create: (cmd) => this.createRow(cmd),
      update: (row, cmd) => this.updateRow(row, cmd, relayName(cmd.relay_id)),
    });
    this.refreshSummary();
  }

  private createRow(cmd: CommandView): OutboxRow {
    const doc = this.doc;
    const relayText = doc.createTextNode("");
    const requestedText = doc.createTextNode("");
    const badgeText = doc.createTextNode("");
    const badge = el(doc, "span", { class: "badge command-status" }, badgeText);
    const issuedText = doc.createTextNode("");
    const expiresText = doc.createTextNode("");
    const attemptsText = doc.createTextNode("");
    const issuedCell = el(doc, "td", { class: "issued-at num" }, issuedText);
    const relayCell = el(doc, "th", { class: "relay", attrs: { scope: "row" } }, relayText);
    const expiresCell = el(doc, "td", { class: "expires-at num" }, expiresText);
    const actionCell = el(doc, "td", { class: "action" });
    const tr = el(
      doc,
      "tr",
      { attrs: { "data-request-id": cmd.request_id } },
      relayCell,
      el(doc, "td", { class: "requested" }, requestedText),
      el(doc, "td", { class: "status" }, badge),
      issuedCell,
      expiresCell,
      el(doc, "td", { class: "attempts num" }, attemptsText),
      actionCell,
    );
    return {
      tr,
      relayText,
      relayCell,
      requestedText,
      badge,
      badgeText,
      issuedCell,
      issuedText,
      expiresCell,
      expiresText,
      attemptsText,
      actionCell,
      cancel: null,
    };
  }

  private updateRow(row: OutboxRow, cmd: CommandView, relay: string): void {
    const status = String(cmd.status);
    const stateText = cmd.state === true ? strings.relays.on : strings.relays.off;
    setAttr(row.tr, "data-relay-id", cmd.relay_id);
    setAttr(row.tr, "data-status", status);
    setAttr(row.tr, "title", strings.outbox.operator(String(cmd.operator)));
    setText(row.relayText, relay);
    setAttr(row.relayCell, "title", relay);
    setText(row.requestedText, stateText);
    const cls = `badge command-status command-${status}`;
    if (row.badge.className !== cls) row.badge.className = cls;
    setAttr(row.badge, "data-status", status);
    setAttr(row.badge, "title", cmd.error);
    setText(row.badgeText, commandStatusText(status, cmd.error));
    setText(row.issuedText, formatTimeOfDay(cmd.issued_at));
    setAttr(row.issuedCell, "title", formatDateTime(cmd.issued_at));
    setText(row.expiresText, formatTimeOfDay(cmd.expires_at));
    setAttr(row.expiresCell, "title", formatDateTime(cmd.expires_at));
    setText(row.attemptsText, formatCount(cmd.attempts));

    if (status === "queued" && row.cancel === null) {
      row.cancel = el(
        this.doc,
        "button",
        {
          class: "button cancel-command",
          attrs: { type: "button", "data-request-id": cmd.request_id, "aria-label": strings.outbox.cancelLabel(relay, stateText) },
        },
        strings.outbox.cancel,
      );
      row.actionCell.appendChild(row.cancel);
    } else if (status !== "queued" && row.cancel !== null) {
      row.cancel.remove();
      row.cancel = null;
    } else if (row.cancel !== null) {
      setAttr(row.cancel, "aria-label", strings.outbox.cancelLabel(relay, stateText));
      const label = row.cancel.firstChild;
      if (label instanceof Text) setText(label, strings.outbox.cancel);
    }
  }

  private refreshSummary(): void {
    setText(this.summaryText, formatCount(this.rows.size));
    this.emptyMessage.hidden = !this.loaded || this.rows.size > 0;
  }
}
