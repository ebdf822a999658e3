// Relays table: id="relays", one <tr data-relay-id> per relay, sorted by name.
// Each row has a switch (button.relay-switch[data-relay-id][data-target]),
// the reason it is disabled (.switch-reason[data-reason]) and the status of
// the relay's latest command (.command-status[data-status]).

import { commandStatusText, formatCount, formatDateTime, formatTimeOrDay } from "../lib/format";
import { isBad, qualityText } from "../state/quality";
import { commandBadgePhase, SIGN_IN_OFF, type SwitchBlock } from "../state";
import { strings } from "../strings";
import { onLanguage } from "./bind";
import type { CommandView, OperatorSession, Relay, RelayEntry } from "../types";
import { switchBlockText } from "./session-text";
import { dataTable, describeExtras, el, setAttr, setIndicator, setText, tableHead } from "./dom";
import { SortedRows, type RowAdapter } from "./sorted-rows";
import "./relays.css";

/** What the rows need to know besides the relay itself (the ConsoleStore provides it). */
export interface RelaySwitchContext {
  switchBlock(relay: Relay): SwitchBlock | null;
  latestCommandFor(relayId: string): CommandView | undefined;
  /** Who is signed in, for the words of a block that is theirs (left out: sign-in off). */
  readonly session?: OperatorSession;
}

const NO_CONTEXT: RelaySwitchContext = {
  switchBlock: () => "stale",
  latestCommandFor: () => undefined,
};

let reasonIds = 0;

const RELAY_FIELDS: ReadonlySet<string> = new Set([
  "id",
  "name",
  "device_id",
  "state",
  "changed_at",
  "changed_by",
  "locked",
]);

interface RelayRow {
  readonly tr: HTMLTableRowElement;
  readonly nameCell: HTMLTableCellElement;
  readonly nameText: Text;
  readonly staleMark: Text;
  entry: RelayEntry;
  readonly stateCell: HTMLTableCellElement;
  readonly badge: HTMLSpanElement;
  readonly badgeText: Text;
  readonly changedAtCell: HTMLTableCellElement;
  readonly changedAtText: Text;
  readonly changedByText: Text;
  readonly changedByCell: HTMLTableCellElement;
  readonly switchButton: HTMLButtonElement;
  readonly switchText: Text;
  readonly reason: HTMLElement;
  readonly reasonText: Text;
  readonly commandBadge: HTMLSpanElement;
  readonly commandText: Text;
  relay: Relay;
  command: CommandView | undefined;
  changedAt: number;
  stale: boolean;
}

function staleMarkText(): string {
  return ` ${strings.unconfirmedMark} ${strings.unconfirmedText}`;
}

export class RelaysView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly rows: SortedRows<RelayEntry, RelayRow>;
  private readonly emptyMessage: HTMLParagraphElement;
  private readonly countText: Text;
  private stale = true;
  private now = 0;
  private context: RelaySwitchContext = NO_CONTEXT;
  private onSwitch: (relayId: string, opener: HTMLButtonElement) => void = () => {};

  constructor(doc: Document) {
    this.doc = doc;
    const tbody = el(doc, "tbody");
    const headingId = "relays-heading";
    this.countText = doc.createTextNode("");
    const table = dataTable(doc, {
      table: { id: "relays", class: "data-table relays-table" },
      caption: () => strings.relays.caption,
      columns: ["col-name", "col-state", "col-control", "col-changed-at", "col-changed-by"],
      head: tableHead(doc, [
        () => strings.relays.name,
        () => strings.relays.state,
        () => strings.relays.control,
        () => strings.relays.changedAt,
        () => strings.relays.changedBy,
      ]),
      body: tbody,
    });
    this.emptyMessage = el(doc, "p", { class: "empty", id: "relays-empty" }, () => strings.relays.empty);
    this.element = el(
      doc,
      "section",
      { class: "panel relays-panel", attrs: { "aria-labelledby": headingId } },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: headingId }, () => strings.relays.caption),
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
    onLanguage(() => this.relabel());

    tbody.addEventListener("click", (ev) => {
      const target = ev.target;
      if (!(target instanceof Element)) return;
      const button = target.closest("button.relay-switch");
      if (!(button instanceof HTMLButtonElement) || button.disabled) return;
      const id = button.getAttribute("data-relay-id");
      if (id !== null) this.onSwitch(id, button);
    });
  }

  /** Draws the rows' texts again in the current language. */
  private relabel(): void {
    for (const row of this.rows.rows()) {
      setText(row.staleMark, staleMarkText());
      this.updateRow(row, row.entry);
      row.stale = !this.stale;
      this.applyStale(row);
    }
    this.refreshSummary();
  }

  /** Called when the operator presses an enabled switch. */
  setSwitchHandler(handler: (relayId: string, opener: HTMLButtonElement) => void): void {
    this.onSwitch = handler;
  }

  /** Where rows look up their switch's state and latest command (set before every render). */
  setContext(context: RelaySwitchContext): void {
    this.context = context;
  }

  private createRow(e: RelayEntry): RelayRow {
    const doc = this.doc;
    const nameText = doc.createTextNode("");
    const badgeText = doc.createTextNode("");
    const changedAtText = doc.createTextNode("");
    const changedByText = doc.createTextNode("");
    const staleMark = doc.createTextNode(staleMarkText());
    const badge = el(doc, "span", { class: "badge" }, badgeText);
    const nameCell = el(doc, "th", { attrs: { scope: "row" }, class: "name" }, nameText);
    const stateCell = el(
      doc,
      "td",
      { class: "state" },
      badge,
      el(doc, "span", { class: "stale-mark" }, staleMark),
    );
    const changedAtCell = el(doc, "td", { class: "changed-at num" }, changedAtText);
    const changedByCell = el(doc, "td", { class: "changed-by" }, changedByText);
    const switchText = doc.createTextNode("");
    const switchButton = el(
      doc,
      "button",
      { class: "button relay-switch", attrs: { type: "button", "data-relay-id": e.relay.id } },
      switchText,
    );
    const commandText = doc.createTextNode("");
    const commandBadge = el(doc, "span", { class: "badge command-status" }, commandText);
    commandBadge.hidden = true;
    const reasonText = doc.createTextNode("");
    const reason = el(doc, "small", { class: "switch-reason", id: `relay-switch-reason-${++reasonIds}` }, reasonText);
    reason.hidden = true;
    const tr = el(
      doc,
      "tr",
      { attrs: { "data-relay-id": e.relay.id } },
      nameCell,
      stateCell,
      el(doc, "td", { class: "control" }, switchButton, " ", commandBadge, reason),
      changedAtCell,
      changedByCell,
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
      changedByCell,
      switchButton,
      switchText,
      reason,
      reasonText,
      commandBadge,
      commandText,
      staleMark,
      entry: e,
      relay: e.relay,
      command: undefined,
      changedAt: e.relay.changed_at,
      stale: false,
    };
    this.applyStale(row);
    return row;
  }

  private updateRow(row: RelayRow, e: RelayEntry): void {
    row.entry = e;
    const r = e.relay;
    const name = String(r.name);
    setText(row.nameText, name);
    // A long name ends in an ellipsis: the cell's title holds it whole; the extra fields
    // the plant sent are the row's title.
    setAttr(row.nameCell, "title", name);
    setAttr(row.tr, "title", describeExtras(r, RELAY_FIELDS));
    this.applyState(row, e);
    row.changedAt = r.changed_at;
    setText(row.changedAtText, formatTimeOrDay(r.changed_at, this.now));
    setAttr(row.changedAtCell, "title", formatDateTime(r.changed_at));
    const by = r.changed_by === null ? strings.missing : String(r.changed_by);
    setText(row.changedByText, by);
    setAttr(row.changedByCell, "title", by);
    row.relay = r;
    this.updateSwitch(row);
    this.updateCommand(row);
  }

  /** The switch: label from the relay's state, disabled with its reason shown when blocked. */
  private updateSwitch(row: RelayRow): void {
    const r = row.relay;
    const target = r.state !== true;
    const label = target ? strings.switching.switchOn : strings.switching.switchOff;
    setText(row.switchText, label);
    setAttr(row.switchButton, "data-target", target ? "on" : "off");
    setAttr(row.switchButton, "aria-label", `${label}: ${String(r.name)}`);
    const block = this.context.switchBlock(r);
    const reason = block === null ? null : switchBlockText(block, this.context.session ?? SIGN_IN_OFF);
    if (row.switchButton.disabled !== (block !== null)) row.switchButton.disabled = block !== null;
    setAttr(row.switchButton, "title", reason);
    setAttr(row.switchButton, "aria-describedby", reason === null ? null : row.reason.id);
    setAttr(row.reason, "data-reason", block);
    setAttr(row.reason, "title", reason);
    setText(row.reasonText, reason ?? "");
    row.reason.hidden = reason === null;
  }

  /** The badge of the relay's latest command; finished ones fade out after a few seconds. */
  private updateCommand(row: RelayRow): void {
    const cmd = this.context.latestCommandFor(row.relay.id);
    row.command = cmd;
    if (cmd === undefined) {
      setAttr(row.tr, "data-command-status", null);
      setAttr(row.commandBadge, "data-status", null);
      setAttr(row.commandBadge, "data-request-id", null);
      setText(row.commandText, "");
      row.commandBadge.hidden = true;
      return;
    }
    const status = String(cmd.status);
    setAttr(row.tr, "data-command-status", status);
    setAttr(row.commandBadge, "data-status", status);
    setAttr(row.commandBadge, "data-request-id", cmd.request_id);
    setText(row.commandText, commandStatusText(status, cmd.error));
    setAttr(row.commandBadge, "title", cmd.error);
    this.updatePhase(row);
  }

  private updatePhase(row: RelayRow): void {
    const cmd = row.command;
    if (cmd === undefined) return;
    const phase = commandBadgePhase(cmd, this.now);
    const cls = `badge command-status command-${String(cmd.status)}${phase === "fading" ? " fading" : ""}`;
    if (row.commandBadge.className !== cls) row.commandBadge.className = cls;
    if (row.commandBadge.hidden !== (phase === "hidden")) row.commandBadge.hidden = phase === "hidden";
  }

  /**
   * The state badge. A state the plant sent unreadably is shown as such (a shape and
   * words), never as the last readable ON/OFF; another unreadable field marks the badge.
   */
  private applyState(row: RelayRow, e: RelayEntry): void {
    const r = e.relay;
    const on = r.state === true;
    const bad = isBad(e.quality);
    const stateUnreadable = bad && (e.unreadable ?? []).includes("state");
    const Q = strings.quality;
    if (stateUnreadable) {
      row.badge.className = "badge quality-bad";
      setIndicator(row.badge, "relay-state", true);
      setText(row.badgeText, `${Q.badMark} ${Q.stateUnreadable}`);
      setAttr(row.tr, "data-state", "unknown");
    } else {
      row.badge.className = `badge ${on ? "state-on" : "state-off"}${bad ? " quality-bad" : ""}`;
      // ON and OFF are both normal states: only a value that cannot be trusted is abnormal.
      setIndicator(row.badge, "relay-state", bad);
      const state = on ? strings.relays.on : strings.relays.off;
      setText(row.badgeText, bad ? `${state} ${Q.badMark}` : state);
      setAttr(row.tr, "data-state", on ? "on" : "off");
    }
    setAttr(row.tr, "data-quality", bad ? "bad" : null);
    setAttr(row.badge, "title", bad ? qualityText(e.quality, e.unreadable ?? []) : null);
  }

  private applyStale(row: RelayRow): void {
    if (row.stale === this.stale) return;
    row.stale = this.stale;
    row.stateCell.classList.toggle("stale", this.stale);
    setAttr(row.stateCell, "title", this.stale ? strings.unconfirmedTitle : null);
  }

  private refreshSummary(): void {
    setText(this.countText, formatCount(this.rows.size));
    this.emptyMessage.hidden = this.rows.size > 0;
  }

  setStale(stale: boolean): void {
    if (stale === this.stale) return;
    this.stale = stale;
    for (const row of this.rows.rows()) this.applyStale(row);
  }

  /** Recomputes every switch (the link, the devices or the read-only flag changed). */
  refreshControls(): void {
    for (const row of this.rows.rows()) this.updateSwitch(row);
  }

  /** Refreshes the command badges of these relays. */
  refreshCommands(relayIds: Iterable<string>, now: number): void {
    this.now = now;
    for (const id of relayIds) {
      const row = this.rows.get(id);
      if (row !== undefined) this.updateCommand(row);
    }
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

  /** Keeps "changed at" right across midnight and fades finished commands (called every second). */
  tick(now: number): void {
    this.now = now;
    for (const row of this.rows.rows()) {
      setText(row.changedAtText, formatTimeOrDay(row.changedAt, now));
      this.updatePhase(row);
    }
  }
}
