// The re-authentication before a control action (Ignition's authentication
// challenge): a modal <dialog id="reauth-dialog"> with the signed-in operator's
// password (#reauth-password) and, for a critical relay, the reason
// (#reauth-reason, required; it goes into the audit trail). Enter submits
// (#reauth-confirm); Escape and #reauth-cancel send nothing. The dialog stays open
// while the command goes out and shows the console's refusal (a wrong password) as
// text (#reauth-error), so that the operator can try again.

import { challengeProblems, type ChallengeNeed } from "../state";
import { word } from "../strings/catalog";
import type { Action, Challenge } from "../types";
import { onLanguage } from "./bind";
import { el, setText } from "./dom";
import { trapTab } from "./focus-trap";
import "./confirm.css";
import "./session-dialogs.css";

const w = (id: string, args: Record<string, string> = {}) => () => word({ id, args });

/** What the dialog asks about. */
export interface ReauthRequest {
  /** The operator signed in. */
  name: string;
  action: Action;
  /** For a relay: its name and the state asked for. */
  relay?: { name: string; state: boolean };
  need: ChallengeNeed;
}

/** What the dialog's submit got back: done (it closes), or a refusal to show (it stays open). */
export type ReauthAnswer = { kind: "done" } | { kind: "retry"; message: () => string };

export class ReauthDialog {
  readonly element: HTMLDialogElement;
  readonly password: HTMLInputElement;
  readonly reason: HTMLTextAreaElement;
  private readonly reasonField: HTMLDivElement;
  private readonly reasonHelpText: Text;
  private readonly helpText: Text;
  private readonly confirmButton: HTMLButtonElement;
  private readonly error: HTMLParagraphElement;
  private readonly errorText: Text;
  private request: ReauthRequest | null = null;
  private submitter: ((challenge: Challenge) => Promise<ReauthAnswer>) | null = null;
  private resolve: ((done: boolean) => void) | null = null;
  private errorMessage: (() => string) | null = null;
  private pending = false;
  private opener: HTMLElement | null = null;

  constructor(doc: Document) {
    this.helpText = doc.createTextNode("");
    this.reasonHelpText = doc.createTextNode("");
    this.password = el(doc, "input", {
      id: "reauth-password",
      class: "input",
      attrs: { type: "password", autocomplete: "current-password" },
    });
    this.reason = el(doc, "textarea", {
      id: "reauth-reason",
      class: "input",
      attrs: { rows: "2", maxlength: "500", dir: "auto", "aria-describedby": "reauth-reason-help" },
    });
    this.reasonField = el(
      doc,
      "div",
      { class: "session-field" },
      el(doc, "label", { attrs: { for: "reauth-reason" } }, w("reauth-reason")),
      this.reason,
      el(doc, "p", { id: "reauth-reason-help", class: "settings-help" }, this.reasonHelpText),
    );
    this.errorText = doc.createTextNode("");
    this.error = el(doc, "p", { id: "reauth-error", class: "session-error", attrs: { role: "alert" } }, this.errorText);
    this.error.hidden = true;
    const cancel = el(doc, "button", { id: "reauth-cancel", class: "button", attrs: { type: "button" } }, w("reauth-cancel"));
    this.confirmButton = el(
      doc,
      "button",
      { id: "reauth-confirm", class: "button button-action", attrs: { type: "submit" } },
      w("reauth-confirm"),
    );
    const form = el(
      doc,
      "form",
      { id: "reauth-form", class: "session-form", attrs: { novalidate: "" } },
      el(doc, "h2", { id: "reauth-title", class: "confirm-title" }, w("reauth-title")),
      el(doc, "p", { id: "reauth-help" }, this.helpText),
      el(doc, "div", { class: "session-field" }, el(doc, "label", { attrs: { for: "reauth-password" } }, w("reauth-password")), this.password),
      this.reasonField,
      this.error,
      el(doc, "div", { class: "confirm-actions" }, cancel, this.confirmButton),
    );
    this.element = el(
      doc,
      "dialog",
      { id: "reauth-dialog", class: "confirm-dialog reauth-dialog", attrs: { "aria-labelledby": "reauth-title", "aria-describedby": "reauth-help" } },
      form,
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.submit();
    });
    // Enter in the reason submits too (a reason is one line of text); Shift+Enter breaks the line.
    this.reason.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey) {
        ev.preventDefault();
        void this.submit();
      }
    });
    cancel.addEventListener("click", () => this.cancel());
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
      trapTab(this.element, ev);
    });
    onLanguage(() => this.draw());
  }

  get isOpen(): boolean {
    return this.request !== null;
  }

  /**
   * Asks for the password (and the reason) and hands them to `submit`, which sends the
   * command; resolves true once it is done, false when the operator cancelled (nothing
   * was sent then, or the dialog was closed by a sign-out).
   */
  ask(request: ReauthRequest, submit: (challenge: Challenge) => Promise<ReauthAnswer>, opener: HTMLElement | null = null): Promise<boolean> {
    this.cancel();
    this.request = request;
    this.submitter = submit;
    this.opener = opener;
    this.password.value = "";
    this.reason.value = "";
    this.errorMessage = null;
    this.pending = false;
    this.draw();
    if (!(this.element.open || this.element.hasAttribute("open"))) {
      if (typeof this.element.showModal === "function") this.element.showModal();
      else this.element.setAttribute("open", "");
    }
    this.password.focus();
    return new Promise<boolean>((resolve) => {
      this.resolve = resolve;
    });
  }

  /** Closes without sending anything (Cancel, Escape, a sign-out). */
  cancel(): void {
    this.finish(false);
  }

  private finish(done: boolean): void {
    if (this.request === null) return;
    this.request = null;
    this.submitter = null;
    this.password.value = "";
    this.reason.value = "";
    this.pending = false;
    if (typeof this.element.close === "function" && this.element.open) this.element.close();
    this.element.removeAttribute("open");
    const resolve = this.resolve;
    this.resolve = null;
    resolve?.(done);
    const opener = this.opener;
    this.opener = null;
    if (opener !== null && opener.isConnected) opener.focus();
  }

  private async submit(): Promise<void> {
    const request = this.request;
    const submitter = this.submitter;
    if (request === null || submitter === null || this.pending) return;
    const problems = challengeProblems(request.need, this.password.value, this.reason.value);
    if (problems.password !== null) {
      this.showError(w("reauth-password-required"));
      this.password.focus();
      return;
    }
    if (problems.reason !== null) {
      this.showError(w("reauth-reason-required"));
      this.reason.focus();
      return;
    }
    const challenge: Challenge = {
      password: this.password.value,
      reason: request.need.reason ? this.reason.value.trim() : null,
    };
    this.pending = true;
    this.errorMessage = null;
    this.draw();
    const answer = await submitter(challenge);
    if (this.request !== request) return; // closed meanwhile (a sign-out)
    this.pending = false;
    if (answer.kind === "done") {
      this.finish(true);
      return;
    }
    this.password.value = "";
    this.showError(answer.message);
    this.password.focus();
  }

  private showError(message: () => string): void {
    this.errorMessage = message;
    this.draw();
  }

  private draw(): void {
    const r = this.request;
    this.confirmButton.disabled = this.pending;
    setText(this.errorText, this.errorMessage === null ? "" : this.errorMessage());
    this.error.hidden = this.errorMessage === null;
    if (r === null) return;
    setText(
      this.helpText,
      word({
        id: "reauth-help",
        args: { name: r.name, action: r.action, relay: r.relay?.name ?? "", state: r.relay?.state === true ? "on" : "off" },
      }),
    );
    this.reasonField.hidden = !r.need.reason;
    this.reason.setAttribute("aria-required", r.need.reason ? "true" : "false");
    setText(this.reasonHelpText, word({ id: "reauth-reason-help", args: { relay: r.relay?.name ?? "" } }));
  }
}
