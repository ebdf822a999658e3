// The shelving dialog: a modal <dialog id="alarm-shelve-dialog"> holding
// form#alarm-shelve-form with the minutes (#alarm-shelve-minutes, 15 to start
// with) and the reason (#alarm-shelve-reason, required: ISA-18.2 wants every
// shelving explained, and the console refuses one without), their messages
// (#alarm-shelve-minutes-error, #alarm-shelve-reason-error), Cancel
// (#alarm-shelve-cancel, where the focus starts: the safe choice) and Shelve
// (#alarm-shelve-ok). Escape cancels. Nothing is sent until both values pass the
// console's own checks; the console stays the judge.

import { SHELVE_DEFAULT_MINUTES, SHELVE_MAX_MINUTES, SHELVE_REASON_MAX, shelveMinutes, shelveProblems, type ShelveProblems } from "../state";
import { language, strings } from "../strings";
import { wordIn } from "../strings/catalog";
import type { AlarmView } from "../types";
import { onLanguage } from "./bind";
import { el, setAttr, setText } from "./dom";
import { trapTab } from "./focus-trap";

export class ShelveDialog {
  readonly element: HTMLDialogElement;
  private readonly form: HTMLFormElement;
  private readonly titleText: Text;
  private readonly minutes: HTMLInputElement;
  private readonly reason: HTMLTextAreaElement;
  private readonly minutesError: HTMLParagraphElement;
  private readonly minutesErrorText: Text;
  private readonly reasonError: HTMLParagraphElement;
  private readonly reasonErrorText: Text;
  private readonly cancelButton: HTMLButtonElement;
  /** The alarm being shelved; null while closed. */
  private alarm: AlarmView | null = null;
  private problems: ShelveProblems = { minutes: null, reason: null };
  private opener: HTMLElement | null = null;
  /** What the dialog proposes and the longest shelf it lets through (minutes): the site's, once the settings say. */
  private defaultMinutes = SHELVE_DEFAULT_MINUTES;
  private maxMinutes = SHELVE_MAX_MINUTES;
  private onShelve: (id: number, minutes: number, reason: string) => void = () => {};

  constructor(doc: Document) {
    const A = () => strings.alarms;
    this.titleText = doc.createTextNode("");
    this.minutes = el(doc, "input", {
      id: "alarm-shelve-minutes",
      class: "input",
      attrs: { type: "text", inputmode: "numeric", autocomplete: "off", "aria-describedby": "alarm-shelve-minutes-help" },
    });
    this.reason = el(doc, "textarea", {
      id: "alarm-shelve-reason",
      class: "input alarm-shelve-reason",
      attrs: { rows: "3", maxlength: String(SHELVE_REASON_MAX), "aria-describedby": "alarm-shelve-reason-help", "aria-required": "true" },
    });
    this.minutesErrorText = doc.createTextNode("");
    this.minutesError = el(doc, "p", { id: "alarm-shelve-minutes-error", class: "field-error", attrs: { role: "alert" } }, this.minutesErrorText);
    this.reasonErrorText = doc.createTextNode("");
    this.reasonError = el(doc, "p", { id: "alarm-shelve-reason-error", class: "field-error", attrs: { role: "alert" } }, this.reasonErrorText);
    this.cancelButton = el(doc, "button", { id: "alarm-shelve-cancel", class: "button", attrs: { type: "button" } }, () => A().cancel);
    const ok = el(doc, "button", { id: "alarm-shelve-ok", class: "button button-action", attrs: { type: "submit" } }, () => A().shelveConfirm);
    this.form = el(
      doc,
      "form",
      { id: "alarm-shelve-form", attrs: { novalidate: "" } },
      el(doc, "h2", { id: "alarm-shelve-title", class: "confirm-title" }, this.titleText),
      el(doc, "p", { class: "settings-help" }, () => A().shelveHelp),
      el(
        doc,
        "div",
        { class: "alarm-shelve-field" },
        el(doc, "label", { attrs: { for: "alarm-shelve-minutes" } }, () => A().shelveMinutes),
        this.minutes,
        el(doc, "p", { id: "alarm-shelve-minutes-help", class: "settings-help" }, () => A().shelveMinutesHelp(this.maxMinutes)),
        this.minutesError,
      ),
      el(
        doc,
        "div",
        { class: "alarm-shelve-field" },
        el(doc, "label", { attrs: { for: "alarm-shelve-reason" } }, () => A().shelveReason),
        this.reason,
        el(doc, "p", { id: "alarm-shelve-reason-help", class: "settings-help" }, () => A().shelveReasonHelp),
        this.reasonError,
      ),
      el(doc, "div", { class: "confirm-actions" }, this.cancelButton, ok),
    );
    this.element = el(
      doc,
      "dialog",
      { id: "alarm-shelve-dialog", class: "confirm-dialog alarm-shelve-dialog", attrs: { "aria-labelledby": "alarm-shelve-title" } },
      this.form,
    );
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.cancelButton.addEventListener("click", () => this.close());
    this.element.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      this.close();
    });
    this.element.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        this.close();
        return;
      }
      // The focus stays in the dialog while it asks (views/focus-trap.ts).
      trapTab(this.element, ev);
    });
    this.drawProblems();
    // Open across a language change: the question and its messages are worded again.
    onLanguage(() => {
      this.drawTitle();
      this.drawProblems();
    });
  }

  get isOpen(): boolean {
    return this.alarm !== null;
  }

  /** Called with what to send once both values pass the checks. */
  setShelveHandler(handler: (id: number, minutes: number, reason: string) => void): void {
    this.onShelve = handler;
  }

  /** The site's shelf lengths (minutes): the one proposed, and the longest; a nonsensical pair is ignored. */
  setLimits(defaultMinutes: number, maxMinutes: number): void {
    if (!Number.isInteger(maxMinutes) || maxMinutes < 1 || !Number.isInteger(defaultMinutes) || defaultMinutes < 1) return;
    this.maxMinutes = maxMinutes;
    this.defaultMinutes = Math.min(defaultMinutes, maxMinutes);
    const help = this.element.querySelector("#alarm-shelve-minutes-help")?.firstChild;
    if (help instanceof Text) setText(help, strings.alarms.shelveMinutesHelp(this.maxMinutes));
    this.drawProblems();
  }

  /** Asks how long and why to shelve `alarm`. */
  open(alarm: AlarmView, opener: HTMLElement | null = null): void {
    this.alarm = alarm;
    this.opener = opener;
    this.minutes.value = String(this.defaultMinutes);
    this.reason.value = "";
    this.problems = { minutes: null, reason: null };
    this.drawTitle();
    this.drawProblems();
    if (!this.element.open) {
      if (typeof this.element.showModal === "function") this.element.showModal();
      else this.element.setAttribute("open", "");
    }
    this.cancelButton.focus();
  }

  close(): void {
    if (this.alarm === null) return;
    this.alarm = null;
    if (this.element.open) {
      if (typeof this.element.close === "function") this.element.close();
      else this.element.removeAttribute("open");
    }
    const opener = this.opener;
    this.opener = null;
    if (opener !== null && opener.isConnected) opener.focus();
  }

  private submit(): void {
    const alarm = this.alarm;
    if (alarm === null) return;
    this.problems = shelveProblems(this.minutes.value, this.reason.value, this.maxMinutes);
    this.drawProblems();
    if (this.problems.minutes !== null) return this.minutes.focus();
    if (this.problems.reason !== null) return this.reason.focus();
    const minutes = shelveMinutes(this.minutes.value, this.maxMinutes);
    if (minutes === null) return;
    const reason = this.reason.value.trim();
    this.close();
    this.onShelve(alarm.id, minutes, reason);
  }

  private drawTitle(): void {
    setText(this.titleText, this.alarm === null ? "" : strings.alarms.shelveHeading(wordIn(language(), this.alarm.message)));
  }

  private drawProblems(): void {
    const A = strings.alarms;
    const p = this.problems;
    setText(this.minutesErrorText, p.minutes === null ? "" : A.shelveMinutesInvalid(this.maxMinutes));
    this.minutesError.hidden = p.minutes === null;
    setAttr(this.minutes, "aria-invalid", p.minutes === null ? null : "true");
    const reason = p.reason === "required" ? A.shelveReasonRequired : p.reason === "too_long" ? A.shelveReasonTooLong(SHELVE_REASON_MAX) : "";
    setText(this.reasonErrorText, reason);
    this.reasonError.hidden = p.reason === null;
    setAttr(this.reason, "aria-invalid", p.reason === null ? null : "true");
    setAttr(this.minutes, "aria-describedby", p.minutes === null ? "alarm-shelve-minutes-help" : "alarm-shelve-minutes-help alarm-shelve-minutes-error");
    setAttr(this.reason, "aria-describedby", p.reason === null ? "alarm-shelve-reason-help" : "alarm-shelve-reason-help alarm-shelve-reason-error");
  }
}
