// The alarm summary: section id="alarms-panel" holding table id="alarms", one
// <tr data-alarm-id data-priority data-state> per alarm not normal, by priority
// and then the newest change first (the console's order, kept as batches move
// alarms). Each row has a checkbox (input.alarm-select), the priority as a badge
// with text (.priority.priority-<p>), the state in words (.alarm-state), when it
// went active (.alarm-time), the source and the message (.alarm-source,
// .alarm-message: the plant's and the catalog's words, set as text), the marks
// (.mark-first-out, .mark-chattering, until when it is shelved) and the actions
// its state allows (button.alarm-ack, .alarm-shelve, .alarm-unshelve,
// .alarm-reset). Filters: select#alarm-priority-filter, select#alarm-state-filter,
// input#alarm-text-filter and the checkbox #alarm-first-out. button#alarm-ack-selected
// acknowledges the ticked alarms, button#alarm-ack-page every unacknowledged one
// shown. Choosing a row (a click, or Enter on it) opens its history below the
// list: section#alarm-history with table#alarm-history-table, one
// tr[data-transition-id] per transition. The rows take the focus in turn (one has
// tabindex 0): the arrows, Page Up / Down and Home / End move it.

import {
  alarmEventLabel,
  alarmPriorityLabel,
  alarmStateLabel,
  formatDateTime,
  formatTimeOfDayOrDate,
  formatUntil,
} from "../lib/format";
import {
  ALARM_PRIORITIES,
  ALARM_STATES,
  canReset,
  canShelve,
  canUnshelve,
  filterAlarms,
  isAlarmPriority,
  isAlarmState,
  needsAcknowledgement,
  noAlarmFilter,
  SIGN_IN_OFF,
  unacknowledgedIds,
  type AlarmFilter,
} from "../state";
import { language, strings } from "../strings";
import { wordIn } from "../strings/catalog";
import type { Action, AlarmTransition, AlarmView, OperatorSession } from "../types";
import { bindText, LabelText, onLanguage } from "./bind";
import { colHeading, dataTable, el, selectEl, setAttr, setText, tableHead, type Label } from "./dom";
import { ALARM_KEYS } from "./keys";
import { whyNot } from "./session-text";
import { placeRows } from "./sorted-rows";
import "./alarms.css";

/** What the summary's buttons ask for; the controller answers. */
export interface AlarmSummaryActions {
  /** Acknowledge these alarms (one, the ticked ones, or those shown). */
  acknowledge(ids: number[]): void;
  /** The shelving dialog was filled in: shelve `id` for `minutes`, with a reason. */
  shelve(id: number, minutes: number, reason: string): void;
  unshelve(id: number): void;
  reset(id: number): void;
  /** Asks for the shelving dialog (the app opens it). */
  askShelve(alarm: AlarmView, opener: HTMLElement): void;
  /** A row was chosen: its history is wanted (null: the history was closed). */
  openHistory(id: number | null): void;
}

/** What an alarm says, in the current language, drawn again by onLanguage (so it is read without subscribing). */
function words(alarm: { message: AlarmView["message"] }): string {
  return wordIn(language(), alarm.message);
}

type ActionName = "ack" | "shelve" | "unshelve" | "reset";

/** The right a row's button needs (its class says which it is). */
function buttonRight(button: HTMLButtonElement): Action {
  if (button.classList.contains("alarm-ack")) return "acknowledge";
  if (button.classList.contains("alarm-reset")) return "reset_latched";
  return "shelve";
}

interface AlarmRow {
  readonly tr: HTMLTableRowElement;
  readonly select: HTMLInputElement;
  readonly badge: HTMLSpanElement;
  readonly badgeText: Text;
  readonly stateText: Text;
  readonly timeCell: HTMLTableCellElement;
  readonly timeText: Text;
  readonly sourceText: Text;
  readonly messageText: Text;
  readonly marks: HTMLTableCellElement;
  readonly actions: HTMLTableCellElement;
  /** The actions the row offers now, in order (rebuilt only when the state allows others). */
  shown: ActionName[];
  alarm: AlarmView;
}

export class AlarmSummaryView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly tbody: HTMLTableSectionElement;
  private readonly region: HTMLDivElement;
  private readonly rows = new Map<number, AlarmRow>();
  private readonly prioritySelect: HTMLSelectElement;
  private readonly stateSelect: HTMLSelectElement;
  private readonly textInput: HTMLInputElement;
  private readonly firstOutBox: HTMLInputElement;
  private readonly selectAll: HTMLInputElement;
  private readonly ackSelectedButton: HTMLButtonElement;
  private readonly ackSelectedText: Text;
  private readonly ackPageButton: HTMLButtonElement;
  private readonly summaryText: Text;
  private readonly emptyMessage: HTMLParagraphElement;
  private readonly emptyText: Text;
  private readonly errorBox: HTMLParagraphElement;
  private readonly errorText: LabelText;
  private readonly actionErrorBox: HTMLParagraphElement;
  private readonly actionErrorText: LabelText;
  // The history of the chosen alarm.
  private readonly history: HTMLElement;
  private readonly historyTitle: Text;
  private readonly historyBody: HTMLTableSectionElement;
  private readonly historyTable: HTMLTableElement;
  private readonly historyNote: HTMLParagraphElement;
  private readonly historyNoteText: LabelText;
  private readonly historyClose: HTMLButtonElement;
  private historyId: number | null = null;
  /** The chosen alarm as last seen (it stays named after it left the summary). */
  private historyAlarm: AlarmView | null = null;
  private historyEntries: readonly AlarmTransition[] | null = null;
  /** Why the history could not be loaded (null: it was, or is on its way). */
  private historyError: Label | null = null;

  private alarms: readonly AlarmView[] = [];
  private shown: AlarmView[] = [];
  /** The row that takes the focus by Tab (the last one focused, or the first shown). */
  private focusId: number | null = null;
  private loaded = false;
  private filter: AlarmFilter = noAlarmFilter();
  /** The ticked alarms. */
  private readonly selected = new Set<number>();
  /** Alarms whose action is in flight (their buttons wait for the answer). */
  private readonly pending = new Set<number>();
  private now = 0;
  private actions: AlarmSummaryActions | null = null;
  /** Who is at the screen: a button the role may not use is disabled, the reason its title. */
  private session: OperatorSession = SIGN_IN_OFF;

  constructor(doc: Document) {
    this.doc = doc;
    const A = () => strings.alarms;
    const headingId = "alarms-heading";
    this.tbody = el(doc, "tbody");
    this.summaryText = doc.createTextNode("");
    this.prioritySelect = selectEl(
      doc,
      { id: "alarm-priority-filter", class: "select" },
      [["", () => A().allPriorities] as const, ...ALARM_PRIORITIES.map((p) => [p, () => alarmPriorityLabel(p)] as const)],
      "",
    );
    this.stateSelect = selectEl(
      doc,
      { id: "alarm-state-filter", class: "select" },
      [
        ["", () => A().allStates] as const,
        // The summary never lists a normal alarm: no use filtering for one.
        ...ALARM_STATES.filter((s) => s !== "normal").map((s) => [s, () => alarmStateLabel(s)] as const),
      ],
      "",
    );
    this.textInput = el(doc, "input", {
      id: "alarm-text-filter",
      class: "input",
      attrs: { type: "search", autocomplete: "off", placeholder: () => A().textPlaceholder },
    });
    this.firstOutBox = el(doc, "input", { id: "alarm-first-out", attrs: { type: "checkbox" } });
    this.selectAll = el(doc, "input", {
      id: "alarm-select-all",
      class: "alarm-select",
      attrs: { type: "checkbox", "aria-label": () => A().selectAll, title: () => A().selectAll },
    });
    this.ackSelectedText = doc.createTextNode(A().ackSelected(0));
    this.ackSelectedButton = el(
      doc,
      "button",
      {
        id: "alarm-ack-selected",
        class: "button button-action",
        // Its title (the key, or why the role may not) is set with its state.
        attrs: { type: "button" },
      },
      this.ackSelectedText,
    );
    this.ackPageButton = el(
      doc,
      "button",
      { id: "alarm-ack-page", class: "button", attrs: { type: "button" } },
      () => A().ackPage,
    );
    setAttr(this.ackSelectedButton, "title", A().ackSelectedTitle(ALARM_KEYS.acknowledge.label));
    setAttr(this.ackPageButton, "title", A().ackPageTitle);
    this.errorText = new LabelText(doc);
    this.errorBox = el(doc, "p", { id: "alarms-error", class: "panel-error", attrs: { role: "alert" } }, this.errorText.node);
    this.errorBox.hidden = true;
    this.actionErrorText = new LabelText(doc);
    this.actionErrorBox = el(
      doc,
      "p",
      { id: "alarms-action-error", class: "panel-error", attrs: { role: "alert" } },
      this.actionErrorText.node,
    );
    this.actionErrorBox.hidden = true;
    this.emptyText = doc.createTextNode(A().loading);
    this.emptyMessage = el(doc, "p", { class: "empty", id: "alarms-empty" }, this.emptyText);

    const table = dataTable(doc, {
      table: { id: "alarms", class: "data-table alarms-table" },
      caption: () => A().heading,
      columns: ["col-select", "col-priority", "col-state", "col-time", "col-source", "col-message", "col-marks", "col-actions"],
      head: tableHead(doc, [
        colHeading(doc, this.selectAll, "alarm-select-cell"),
        () => A().priority,
        () => A().state,
        colHeading(doc, () => A().time, "num"),
        () => A().source,
        () => A().message,
        () => A().marks,
        () => A().actions,
      ]),
      body: this.tbody,
    });
    this.region = el(
      doc,
      "div",
      {
        id: "alarms-region",
        class: "table-scroll",
        attrs: { tabindex: "0", role: "region", "aria-labelledby": headingId, "aria-describedby": "alarms-help" },
      },
      table,
      this.emptyMessage,
    );

    // ----- the chosen alarm's history -----
    this.historyTitle = doc.createTextNode("");
    this.historyBody = el(doc, "tbody");
    this.historyTable = dataTable(doc, {
      table: { id: "alarm-history-table", class: "data-table alarm-history-table" },
      caption: () => A().historyCaption,
      head: tableHead(doc, [() => strings.alerts.time, () => A().event, () => A().change, () => A().by, () => A().reason]),
      body: this.historyBody,
    });
    this.historyNoteText = new LabelText(doc);
    this.historyNote = el(doc, "p", { id: "alarm-history-note", class: "empty" }, this.historyNoteText.node);
    this.historyClose = el(
      doc,
      "button",
      { id: "alarm-history-close", class: "button", attrs: { type: "button", "aria-label": () => A().historyCloseLabel } },
      () => A().historyClose,
    );
    this.history = el(
      doc,
      "section",
      { id: "alarm-history", class: "alarm-history", attrs: { "aria-labelledby": "alarm-history-heading" } },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h3", { id: "alarm-history-heading" }, this.historyTitle),
        el(doc, "span", { class: "panel-actions" }, this.historyClose),
      ),
      el(doc, "div", { class: "alarm-history-scroll" }, this.historyTable, this.historyNote),
    );
    this.history.hidden = true;

    this.element = el(
      doc,
      "section",
      { id: "alarms-panel", class: "panel alarms-panel", attrs: { "aria-labelledby": headingId } },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: headingId }, () => A().heading),
        el(doc, "span", { class: "summary", id: "alarms-summary" }, this.summaryText),
        el(doc, "span", { class: "panel-actions" }, this.ackSelectedButton, " ", this.ackPageButton),
      ),
      el(
        doc,
        "div",
        { class: "filters" },
        el(doc, "label", { class: "filter" }, el(doc, "span", { class: "filter-label" }, () => A().priorityFilter), this.prioritySelect),
        el(doc, "label", { class: "filter" }, el(doc, "span", { class: "filter-label" }, () => A().stateFilter), this.stateSelect),
        el(doc, "label", { class: "filter" }, el(doc, "span", { class: "filter-label" }, () => A().textFilter), this.textInput),
        el(doc, "label", { class: "filter" }, this.firstOutBox, el(doc, "span", {}, () => A().firstOutOnly)),
      ),
      el(doc, "p", { id: "alarms-help", class: "visually-hidden" }, bindText(doc, () => A().rowHelp)),
      this.errorBox,
      this.actionErrorBox,
      this.region,
      this.history,
    );
    this.listen();
    this.drawHistory();
    onLanguage(() => this.relabel());
  }

  setActions(actions: AlarmSummaryActions): void {
    this.actions = actions;
  }

  private listen(): void {
    this.prioritySelect.addEventListener("change", () => {
      const v = this.prioritySelect.value;
      this.filter.priority = isAlarmPriority(v) ? v : "";
      this.draw();
    });
    this.stateSelect.addEventListener("change", () => {
      const v = this.stateSelect.value;
      this.filter.state = isAlarmState(v) ? v : "";
      this.draw();
    });
    this.textInput.addEventListener("input", () => {
      this.filter.text = this.textInput.value;
      this.draw();
    });
    this.firstOutBox.addEventListener("change", () => {
      this.filter.firstOut = this.firstOutBox.checked;
      this.draw();
    });
    this.selectAll.addEventListener("change", () => {
      for (const a of this.shown) {
        if (this.selectAll.checked) this.selected.add(a.id);
        else this.selected.delete(a.id);
      }
      for (const row of this.rows.values()) row.select.checked = this.selected.has(row.alarm.id);
      this.refreshButtons();
    });
    this.ackSelectedButton.addEventListener("click", () => this.acknowledgeSelected());
    this.ackPageButton.addEventListener("click", () => {
      if (this.ackPageButton.disabled || whyNot(this.session, "acknowledge") !== null) return;
      this.acknowledge(unacknowledgedIds(this.shown));
    });
    this.historyClose.addEventListener("click", () => this.closeHistory());
    this.tbody.addEventListener("change", (ev) => {
      const box = ev.target;
      if (!(box instanceof HTMLInputElement) || !box.classList.contains("alarm-select")) return;
      const id = this.rowId(box);
      if (id === null) return;
      if (box.checked) this.selected.add(id);
      else this.selected.delete(id);
      this.refreshButtons();
    });
    this.tbody.addEventListener("click", (ev) => {
      const target = ev.target;
      if (!(target instanceof Element)) return;
      const id = this.rowId(target);
      if (id === null) return;
      const button = target.closest("button");
      if (button instanceof HTMLButtonElement) {
        if (!button.disabled) this.press(id, button);
        return;
      }
      // The checkbox ticks; anywhere else on the row opens its history.
      if (target.closest("input") !== null) return;
      this.openHistory(id);
    });
    this.tbody.addEventListener("keydown", (ev) => {
      const target = ev.target;
      if (!(target instanceof HTMLTableRowElement)) return; // keys on the row's controls are theirs
      const id = this.rowId(target);
      if (id === null) return;
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        this.openHistory(id);
        return;
      }
      const index = this.shown.findIndex((a) => a.id === id);
      const page = 10;
      const to: Record<string, number> = {
        ArrowDown: index + 1,
        ArrowUp: index - 1,
        PageDown: index + page,
        PageUp: index - page,
        Home: 0,
        End: this.shown.length - 1,
      };
      const next = to[ev.key];
      if (next === undefined) return;
      ev.preventDefault();
      const alarm = this.shown[Math.max(0, Math.min(this.shown.length - 1, next))];
      if (alarm !== undefined) this.rows.get(alarm.id)?.tr.focus();
    });
    this.tbody.addEventListener("focusin", (ev) => {
      const id = ev.target instanceof Element ? this.rowId(ev.target) : null;
      if (id === null || id === this.focusId) return;
      this.focusId = id;
      this.applyRoving();
    });
  }

  private rowId(node: Element): number | null {
    const tr = node.closest("tr[data-alarm-id]");
    const id = Number(tr?.getAttribute("data-alarm-id"));
    return tr === null || !Number.isFinite(id) ? null : id;
  }

  /** The operator session changed (or the language): the buttons follow what the role may do. */
  setSession(session: OperatorSession): void {
    this.session = session;
    for (const row of this.rows.values()) this.updateActions(row);
    this.refreshButtons();
  }

  /** A row's button. */
  private press(id: number, button: HTMLButtonElement): void {
    const row = this.rows.get(id);
    if (row === undefined || this.actions === null) return;
    if (button.classList.contains("alarm-ack")) return this.acknowledge([id]);
    if (button.classList.contains("alarm-shelve")) return this.actions.askShelve(row.alarm, button);
    this.pending.add(id);
    this.updateActions(row);
    if (button.classList.contains("alarm-unshelve")) this.actions.unshelve(id);
    else if (button.classList.contains("alarm-reset")) this.actions.reset(id);
  }

  private acknowledge(ids: number[]): void {
    if (ids.length === 0) return;
    for (const id of ids) this.pending.add(id);
    for (const id of ids) {
      const row = this.rows.get(id);
      if (row !== undefined) this.updateActions(row);
    }
    this.refreshButtons();
    this.actions?.acknowledge(ids);
  }

  /** The ticked alarms still listed that need an acknowledgement. */
  selectedToAcknowledge(): number[] {
    return unacknowledgedIds(this.shown.filter((a) => this.selected.has(a.id)));
  }

  /** "Acknowledge selected" (or its key): true when there was something to acknowledge. */
  acknowledgeSelected(): boolean {
    if (whyNot(this.session, "acknowledge") !== null) return false;
    const ids = this.selectedToAcknowledge();
    if (ids.length === 0) return false;
    this.acknowledge(ids);
    return true;
  }

  /** An action on these alarms was answered: their buttons may be pressed again; acknowledged ones are unticked. */
  actionSettled(ids: readonly number[], ok: boolean): void {
    for (const id of ids) {
      this.pending.delete(id);
      if (ok) this.selected.delete(id);
      const row = this.rows.get(id);
      if (row !== undefined) {
        row.select.checked = this.selected.has(id);
        this.updateActions(row);
      }
    }
    this.refreshButtons();
  }

  /** A shelving is in flight (the dialog has closed): the row waits for its answer. */
  shelveStarted(id: number): void {
    this.pending.add(id);
    const row = this.rows.get(id);
    if (row !== undefined) this.updateActions(row);
  }

  /** Shows (or clears, with null) why the summary could not be loaded. */
  showError(message: Label | null): void {
    this.errorText.set(message ?? "");
    this.errorBox.hidden = message === null;
  }

  /** Shows (or clears, with null) why an action was not done. */
  showActionError(message: Label | null): void {
    this.actionErrorText.set(message ?? "");
    this.actionErrorBox.hidden = message === null;
  }

  /** Moves the keyboard focus to the summary (the banner and Ctrl+Shift+L lead here). */
  focus(): void {
    this.region.focus();
    if (typeof this.region.scrollIntoView === "function") this.region.scrollIntoView({ block: "nearest" });
  }

  /**
   * Shows `alarms` (in the console's order), updating rows in place and moving
   * only the rows out of place. `loaded`: an `alarms` answer has arrived (until
   * then an empty summary does not mean "no alarms").
   */
  render(alarms: readonly AlarmView[], loaded: boolean, now: number): void {
    this.alarms = alarms;
    this.loaded = loaded;
    this.now = now;
    const listed = new Set(alarms.map((a) => a.id));
    for (const id of [...this.selected]) if (!listed.has(id)) this.selected.delete(id);
    if (this.historyId !== null) {
      const open = alarms.find((a) => a.id === this.historyId);
      if (open !== undefined) this.historyAlarm = open;
    }
    this.draw();
  }

  /** The time cells, right across midnight (once a second). */
  tick(now: number): void {
    this.now = now;
    for (const row of this.rows.values()) setText(row.timeText, formatTimeOfDayOrDate(alarmTime(row.alarm), now));
  }

  private relabel(): void {
    for (const row of this.rows.values()) {
      row.shown = [];
      this.updateRow(row, row.alarm);
    }
    this.draw();
    this.drawHistory();
  }

  private draw(): void {
    this.shown = filterAlarms(this.alarms, this.filter, words);
    placeRows(this.tbody, this.rows, this.shown, {
      key: (a) => a.id,
      create: (a) => this.createRow(a),
      update: (row, a) => this.updateRow(row, a),
      removed: (id) => this.pending.delete(id),
    });
    this.applyRoving();
    const A = strings.alarms;
    setText(this.summaryText, this.loaded ? A.summary(this.shown.length, this.alarms.length) : "");
    setText(this.emptyText, !this.loaded ? A.loading : this.alarms.length === 0 ? A.empty : A.noMatch);
    this.emptyMessage.hidden = this.loaded && this.shown.length > 0;
    this.refreshButtons();
  }

  /** One row takes the focus by Tab: the last focused while it is shown, otherwise the first. */
  private applyRoving(): void {
    const keep = this.focusId !== null && this.shown.some((a) => a.id === this.focusId);
    const id = keep ? this.focusId : (this.shown[0]?.id ?? null);
    for (const row of this.rows.values()) setAttr(row.tr, "tabindex", row.alarm.id === id ? "0" : "-1");
  }

  private refreshButtons(): void {
    const block = whyNot(this.session, "acknowledge");
    const selected = this.selectedToAcknowledge().filter((id) => !this.pending.has(id));
    setText(this.ackSelectedText, strings.alarms.ackSelected(selected.length));
    const selectedOff = selected.length === 0 || block !== null;
    if (this.ackSelectedButton.disabled !== selectedOff) this.ackSelectedButton.disabled = selectedOff;
    setAttr(this.ackSelectedButton, "title", block ?? strings.alarms.ackSelectedTitle(ALARM_KEYS.acknowledge.label));
    const page = unacknowledgedIds(this.shown).filter((id) => !this.pending.has(id));
    const pageOff = page.length === 0 || block !== null;
    if (this.ackPageButton.disabled !== pageOff) this.ackPageButton.disabled = pageOff;
    setAttr(this.ackPageButton, "title", block ?? strings.alarms.ackPageTitle);
    const ticked = this.shown.filter((a) => this.selected.has(a.id)).length;
    this.selectAll.checked = ticked > 0 && ticked === this.shown.length;
    this.selectAll.indeterminate = ticked > 0 && ticked < this.shown.length;
    this.selectAll.disabled = this.shown.length === 0;
  }

  private createRow(alarm: AlarmView): AlarmRow {
    const doc = this.doc;
    const select = el(doc, "input", { class: "alarm-select", attrs: { type: "checkbox" } });
    const badgeText = doc.createTextNode("");
    const badge = el(doc, "span", { class: "badge priority" }, badgeText);
    const stateText = doc.createTextNode("");
    const timeText = doc.createTextNode("");
    const timeCell = el(doc, "td", { class: "alarm-time num" }, timeText);
    const sourceText = doc.createTextNode("");
    const messageText = doc.createTextNode("");
    const marks = el(doc, "td", { class: "alarm-marks" });
    const actions = el(doc, "td", { class: "alarm-actions" });
    const tr = el(
      doc,
      "tr",
      { attrs: { "data-alarm-id": String(alarm.id), tabindex: "-1" } },
      el(doc, "td", { class: "alarm-select-cell" }, select),
      el(doc, "td", { class: "alarm-priority" }, badge),
      el(doc, "td", { class: "alarm-state" }, stateText),
      timeCell,
      el(doc, "td", { class: "alarm-source", attrs: { dir: "auto" } }, sourceText),
      el(doc, "th", { class: "alarm-message", attrs: { scope: "row", dir: "auto" } }, messageText),
      marks,
      actions,
    );
    return { tr, select, badge, badgeText, stateText, timeCell, timeText, sourceText, messageText, marks, actions, shown: [], alarm };
  }

  private updateRow(row: AlarmRow, alarm: AlarmView): void {
    const changedState = row.alarm.state !== alarm.state || row.alarm.changed_at !== alarm.changed_at;
    row.alarm = alarm;
    // A new state is a new question: an answer still in flight was about the old one.
    if (changedState) this.pending.delete(alarm.id);
    const priority = String(alarm.priority);
    const state = String(alarm.state);
    const message = words(alarm);
    setAttr(row.tr, "data-priority", priority);
    setAttr(row.tr, "data-state", state);
    setAttr(row.tr, "data-first-out", alarm.first_out ? "true" : "false");
    setAttr(row.tr, "aria-selected", this.historyId === alarm.id ? "true" : null);
    const unacked = needsAcknowledgement(alarm.state);
    const rowCls = `${unacked ? "unacked" : "acked-row"} priority-row-${priority}${this.historyId === alarm.id ? " selected" : ""}`;
    if (row.tr.className !== rowCls) row.tr.className = rowCls;
    row.select.checked = this.selected.has(alarm.id);
    setAttr(row.select, "aria-label", strings.alarms.selectLabel(message));
    const badgeCls = `badge priority priority-${priority}`;
    if (row.badge.className !== badgeCls) row.badge.className = badgeCls;
    setAttr(row.badge, "data-state-indicator", "priority");
    setAttr(row.badge, "data-abnormal", "true");
    setText(row.badgeText, alarmPriorityLabel(priority));
    setText(row.stateText, alarmStateLabel(state));
    const at = alarmTime(alarm);
    setText(row.timeText, formatTimeOfDayOrDate(at, this.now));
    setAttr(row.timeCell, "title", formatDateTime(at));
    setText(row.sourceText, String(alarm.source));
    setText(row.messageText, message);
    this.updateMarks(row);
    this.updateActions(row);
  }

  private updateMarks(row: AlarmRow): void {
    const doc = this.doc;
    const A = strings.alarms;
    const a = row.alarm;
    const marks: Node[] = [];
    if (a.first_out) {
      marks.push(el(doc, "span", { class: "badge mark mark-first-out", attrs: { title: A.firstOutTitle } }, A.firstOut));
    }
    if (a.chattering) {
      marks.push(el(doc, "span", { class: "badge mark mark-chattering", attrs: { title: A.chatteringTitle } }, A.chattering));
    }
    if (a.state === "shelved" && a.shelved_until !== null) {
      const until = el(doc, "span", { class: "alarm-shelved-until" }, A.shelvedUntil(formatUntil(a.shelved_until, this.now)));
      until.setAttribute("title", a.reason === null ? formatDateTime(a.shelved_until) : `${formatDateTime(a.shelved_until)} — ${a.reason}`);
      marks.push(until);
    }
    // Marks are few and small: drawn anew, unless they say the same.
    const key = marks.map((m) => `${m.textContent ?? ""}/${(m as Element).getAttribute("title") ?? ""}`).join("|");
    if (row.marks.getAttribute("data-marks") !== key) {
      row.marks.replaceChildren(...marks);
      row.marks.setAttribute("data-marks", key);
    }
  }

  private updateActions(row: AlarmRow): void {
    const a = row.alarm;
    const want: ActionName[] = [];
    if (needsAcknowledgement(a.state)) want.push("ack");
    if (canShelve(a.state)) want.push("shelve");
    if (canUnshelve(a.state)) want.push("unshelve");
    if (canReset(a.state)) want.push("reset");
    if (want.join() !== row.shown.join()) {
      const A = strings.alarms;
      const message = words(a);
      const label: Record<ActionName, [string, string]> = {
        ack: [A.acknowledge, A.acknowledgeLabel(message)],
        shelve: [A.shelve, A.shelveLabel(message)],
        unshelve: [A.unshelve, A.unshelveLabel(message)],
        reset: [A.reset, A.resetLabel(message)],
      };
      const cls: Record<ActionName, string> = {
        ack: "button button-action alarm-ack",
        shelve: "button alarm-shelve",
        unshelve: "button alarm-unshelve",
        reset: "button alarm-reset",
      };
      // (The focused button, if any, is gone with its action: the row keeps the focus.)
      const hadFocus = row.actions.contains(this.doc.activeElement);
      row.actions.replaceChildren(
        ...want.map((name) =>
          el(this.doc, "button", { class: cls[name], attrs: { type: "button", "aria-label": label[name][1] } }, label[name][0]),
        ),
      );
      row.shown = want;
      if (hadFocus) row.tr.focus();
    }
    const pending = this.pending.has(a.id);
    for (const b of row.actions.querySelectorAll("button")) {
      const reason = whyNot(this.session, buttonRight(b));
      const disabled = pending || reason !== null;
      if (b.disabled !== disabled) b.disabled = disabled;
      setAttr(b, "title", reason);
    }
  }

  // ---------- the history ----------

  /** The alarm whose history is open, or null. */
  get historyOf(): number | null {
    return this.historyId;
  }

  /** Opens the history of a listed alarm (asks the controller for it). */
  openHistory(id: number): void {
    const alarm = this.alarms.find((a) => a.id === id);
    if (alarm === undefined) return;
    const changed = this.historyId !== id;
    this.historyId = id;
    this.historyAlarm = alarm;
    if (changed) {
      this.historyEntries = null;
      this.historyError = null;
    }
    this.history.hidden = false;
    for (const row of this.rows.values()) this.updateRow(row, row.alarm);
    this.drawHistory();
    if (changed) this.actions?.openHistory(id);
  }

  closeHistory(): void {
    if (this.historyId === null) return;
    const id = this.historyId;
    this.historyId = null;
    this.historyAlarm = null;
    this.historyEntries = null;
    this.historyError = null;
    this.history.hidden = true;
    for (const row of this.rows.values()) this.updateRow(row, row.alarm);
    this.actions?.openHistory(null);
    this.rows.get(id)?.tr.focus();
  }

  /** An alarm's transitions (oldest first), as the console answered. */
  showHistory(id: number, transitions: readonly AlarmTransition[]): void {
    if (id !== this.historyId) return;
    this.historyEntries = transitions;
    this.historyError = null;
    this.drawHistory();
  }

  /** Why the history could not be loaded. */
  showHistoryError(id: number, message: Label): void {
    if (id !== this.historyId) return;
    // What was shown stays (it is still true up to then); the message says it is not all.
    this.historyEntries ??= [];
    this.historyError = message;
    this.drawHistory();
  }

  private drawHistory(): void {
    const A = strings.alarms;
    const alarm = this.historyAlarm;
    setText(this.historyTitle, alarm === null ? A.historyNone : A.historyHeading(words(alarm)));
    const entries = this.historyEntries;
    const doc = this.doc;
    // Newest first, as the operator reads back from now.
    const sorted = entries === null ? [] : [...entries].sort((a, b) => b.at - a.at || b.id - a.id);
    this.historyBody.replaceChildren(
      ...sorted.map((t) => {
        const time = el(doc, "td", { class: "alarm-time" }, formatTimeOfDayOrDate(t.at, this.now));
        time.setAttribute("title", formatDateTime(t.at));
        return el(
          doc,
          "tr",
          { attrs: { "data-transition-id": String(t.id), "data-event": String(t.event) } },
          time,
          el(doc, "td", {}, alarmEventLabel(String(t.event))),
          el(doc, "td", {}, A.stateChange(alarmStateLabel(String(t.from)), alarmStateLabel(String(t.to)))),
          el(doc, "td", { attrs: { dir: "auto" } }, t.by === null ? A.byPlant : String(t.by)),
          el(doc, "td", { attrs: { dir: "auto" } }, t.reason === null ? strings.missing : String(t.reason)),
        );
      }),
    );
    this.historyTable.hidden = sorted.length === 0;
    const note = this.historyError ?? (entries === null ? A.historyLoading : sorted.length === 0 ? A.historyEmpty : null);
    this.historyNoteText.set(note ?? "");
    this.historyNote.hidden = note === null;
    this.historyNote.classList.toggle("panel-error", this.historyError !== null);
  }

  /** How many rows are listed now (for tests). */
  get shownIds(): number[] {
    return this.shown.map((a) => a.id);
  }
}

/** When an alarm went active (when it last changed, for one that never did). */
function alarmTime(alarm: AlarmView): number {
  return alarm.activated_at ?? alarm.changed_at;
}
