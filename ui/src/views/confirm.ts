// The confirmation dialog of relay commands: a real <dialog id="confirm-dialog">,
// modal, focus on the safe choice (Cancel, #confirm-cancel), Escape cancels.
//
// Steps of one session (a session = one opening; answers of an older session
// are never taken for a newer one):
//   question  — "Switch relay Pump 3 OFF?"            [Cancel] [Switch OFF  #confirm-ok]
//   queue     — "Plant unreachable — …, until 14:06?"  [Cancel] [Queue until 14:06  #confirm-queue]
//   busy      — actions disabled, "Sending…"            [Cancel]
//   failed    — the error (#confirm-error)              [Close  #confirm-cancel]

import { strings } from "../strings";
import { onLanguage } from "./bind";
import { el, setAttr, setText } from "./dom";
import { trapTab } from "./focus-trap";
import "./confirm.css";

export type ConfirmStep = "question" | "queue" | "busy" | "failed" | "closed";

export interface ConfirmOpening {
  /** Identifies this opening of the dialog. */
  readonly session: number;
  /** true = the action, false = Cancel / Escape / closed. */
  readonly answer: Promise<boolean>;
}

export class ConfirmDialog {
  readonly element: HTMLDialogElement;
  private readonly titleText: Text;
  private readonly queueQuestion: HTMLParagraphElement;
  private readonly queueQuestionText: Text;
  private readonly busy: HTMLParagraphElement;
  private readonly error: HTMLParagraphElement;
  private readonly errorText: Text;
  private readonly cancelButton: HTMLButtonElement;
  private readonly cancelText: Text;
  private readonly okButton: HTMLButtonElement;
  private readonly okText: Text;
  private readonly queueButton: HTMLButtonElement;
  private readonly queueText: Text;

  private session = 0;
  private step: ConfirmStep = "closed";
  /** The session has moved on to the queue question. */
  private queueMode = false;
  private resolver: ((ok: boolean) => void) | null = null;
  private opener: HTMLElement | null = null;

  constructor(doc: Document) {
    this.titleText = doc.createTextNode("");
    this.queueQuestionText = doc.createTextNode("");
    this.errorText = doc.createTextNode("");
    this.cancelText = doc.createTextNode(strings.switching.cancel);
    this.okText = doc.createTextNode("");
    this.queueText = doc.createTextNode("");

    this.queueQuestion = el(doc, "p", { id: "confirm-queue-question", class: "confirm-queue-question" }, this.queueQuestionText);
    this.busy = el(doc, "p", { id: "confirm-busy", class: "confirm-busy", attrs: { role: "status" } }, () => strings.switching.sending);
    this.error = el(doc, "p", { id: "confirm-error", class: "confirm-error", attrs: { role: "alert" } }, this.errorText);
    this.cancelButton = el(
      doc,
      "button",
      { id: "confirm-cancel", class: "button", attrs: { type: "button", autofocus: "" } },
      this.cancelText,
    );
    this.okButton = el(doc, "button", { id: "confirm-ok", class: "button button-action", attrs: { type: "button" } }, this.okText);
    this.queueButton = el(
      doc,
      "button",
      { id: "confirm-queue", class: "button button-action", attrs: { type: "button" } },
      this.queueText,
    );

    this.element = el(
      doc,
      "dialog",
      {
        id: "confirm-dialog",
        class: "confirm-dialog",
        attrs: { "aria-labelledby": "confirm-title", "aria-describedby": "confirm-body", "data-step": "closed" },
      },
      el(doc, "h2", { id: "confirm-title", class: "confirm-title" }, this.titleText),
      el(doc, "div", { id: "confirm-body", class: "confirm-body" }, this.queueQuestion, this.busy, this.error),
      el(doc, "div", { class: "confirm-actions" }, this.cancelButton, this.okButton, this.queueButton),
    );
    this.show("closed");

    this.cancelButton.addEventListener("click", () => this.cancel());
    this.okButton.addEventListener("click", () => this.answer("question"));
    this.queueButton.addEventListener("click", () => this.answer("queue"));
    // Escape: the browser's own "cancel" of a modal dialog, and a keydown
    // fallback where there is none (both end in the same idempotent cancel()).
    this.element.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      this.cancel();
    });
    this.element.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        this.cancel();
        return;
      }
      // The focus stays in the dialog while it asks (views/focus-trap.ts).
      trapTab(this.element, ev);
    });
    // Closed some other way: same as Cancel. (The close event of an earlier
    // session arrives after a re-open: the dialog is open again then, skip it.)
    this.element.addEventListener("close", () => {
      if (!this.element.open) this.cancel();
    });
    // The question was asked in the other language: it is cancelled (the
    // operator asks again, in the new one).
    onLanguage(() => {
      this.cancel();
      setText(this.cancelText, strings.switching.cancel);
    });
  }

  get isOpen(): boolean {
    return this.step !== "closed";
  }

  get currentStep(): ConfirmStep {
    return this.step;
  }

  /** True while `session` is the dialog's open session. */
  isCurrent(session: number): boolean {
    return session === this.session && this.isOpen;
  }

  /** Opens the dialog on a question (closing, as cancelled, any other session). */
  open(question: string, actionLabel: string, opener: HTMLElement | null = null): ConfirmOpening {
    this.cancel();
    const session = ++this.session;
    this.opener = opener;
    this.queueMode = false;
    setText(this.titleText, question);
    setText(this.okText, actionLabel);
    setText(this.cancelText, strings.switching.cancel);
    setText(this.errorText, "");
    setText(this.queueQuestionText, "");
    const answer = this.waitForAnswer();
    this.show("question");
    if (!this.element.open) {
      if (typeof this.element.showModal === "function") this.element.showModal();
      else this.element.setAttribute("open", "");
    }
    this.cancelButton.focus();
    return { session, answer };
  }

  /** Moves an open session to the queue question. Resolves false at once if the session is over. */
  askQueue(session: number, question: string, actionLabel: string): Promise<boolean> {
    if (!this.isCurrent(session)) return Promise.resolve(false);
    setText(this.queueQuestionText, question);
    setText(this.queueText, actionLabel);
    this.queueMode = true;
    const answer = this.waitForAnswer();
    this.show("queue");
    this.cancelButton.focus();
    return answer;
  }

  /** A request of the session is in flight: actions disabled, Cancel still closes. */
  setBusy(session: number): void {
    if (this.isCurrent(session)) this.show("busy");
  }

  /** Shows why the session's command was not sent; only "Close" remains. */
  fail(session: number, message: string): void {
    if (!this.isCurrent(session)) return;
    setText(this.errorText, message);
    setText(this.cancelText, strings.switching.close);
    this.show("failed");
    this.cancelButton.focus();
  }

  /** Ends the session (closes the dialog) if it is still the current one. */
  finish(session: number): void {
    if (this.isCurrent(session)) this.cancel();
  }

  /** Cancel / Escape: answers false and closes. Does nothing when closed. */
  cancel(): void {
    if (this.step === "closed") return;
    this.settle(false);
    this.show("closed");
    if (this.element.open) {
      if (typeof this.element.close === "function") this.element.close();
      else this.element.removeAttribute("open");
    }
    const opener = this.opener;
    this.opener = null;
    if (opener !== null && opener.isConnected && !(opener as HTMLButtonElement).disabled) opener.focus();
  }

  private answer(step: "question" | "queue"): void {
    if (this.step !== step) return;
    this.show("busy");
    this.settle(true);
  }

  private waitForAnswer(): Promise<boolean> {
    this.settle(false);
    return new Promise<boolean>((resolve) => {
      this.resolver = resolve;
    });
  }

  private settle(ok: boolean): void {
    const resolve = this.resolver;
    this.resolver = null;
    resolve?.(ok);
  }

  private show(step: ConfirmStep): void {
    this.step = step;
    setAttr(this.element, "data-step", step);
    const acting = step === "busy";
    this.okButton.hidden = this.queueMode || !(step === "question" || acting);
    this.queueButton.hidden = !this.queueMode || !(step === "queue" || acting);
    this.okButton.disabled = step !== "question";
    this.queueButton.disabled = step !== "queue";
    this.queueQuestion.hidden = !this.queueMode || step === "closed";
    this.busy.hidden = step !== "busy";
    this.error.hidden = step !== "failed";
  }
}
