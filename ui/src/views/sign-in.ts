// The quick sign-in dialog, as at a shift change: a modal <dialog id="sign-in-dialog">
// holding form#sign-in-form with the name (#sign-in-name, where the focus starts) and
// the password (#sign-in-password); Enter in either submits (#sign-in-submit), Escape
// and #sign-in-cancel close it. The console's refusal is shown as text
// (#sign-in-error): a wrong name or password, or a lock-out with its end. Nothing is
// kept: the password field is emptied on every opening and after every answer.

import { word } from "../strings/catalog";
import { onLanguage } from "./bind";
import { el, setText } from "./dom";
import { trapTab } from "./focus-trap";
import "./confirm.css";
import "./session-dialogs.css";

const w = (id: string, args: Record<string, string> = {}) => () => word({ id, args });

export class SignInDialog {
  readonly element: HTMLDialogElement;
  private readonly form: HTMLFormElement;
  readonly name: HTMLInputElement;
  readonly password: HTMLInputElement;
  private readonly submitButton: HTMLButtonElement;
  private readonly error: HTMLParagraphElement;
  private readonly errorText: Text;
  private readonly busy: HTMLParagraphElement;
  private errorMessage: (() => string) | null = null;
  private opener: HTMLElement | null = null;
  private pending = false;
  private onSubmit: (name: string, password: string) => void = () => {};

  constructor(doc: Document) {
    this.name = el(doc, "input", {
      id: "sign-in-name",
      class: "input",
      attrs: { type: "text", autocomplete: "username", spellcheck: "false", dir: "auto" },
    });
    this.password = el(doc, "input", {
      id: "sign-in-password",
      class: "input",
      attrs: { type: "password", autocomplete: "current-password" },
    });
    this.errorText = doc.createTextNode("");
    this.error = el(doc, "p", { id: "sign-in-error", class: "session-error", attrs: { role: "alert" } }, this.errorText);
    this.error.hidden = true;
    this.busy = el(doc, "p", { id: "sign-in-busy", class: "session-busy", attrs: { role: "status" } }, w("signin-busy"));
    this.busy.hidden = true;
    const cancel = el(doc, "button", { id: "sign-in-cancel", class: "button", attrs: { type: "button" } }, w("signin-cancel"));
    this.submitButton = el(
      doc,
      "button",
      { id: "sign-in-submit", class: "button button-action", attrs: { type: "submit" } },
      w("signin-submit"),
    );
    this.form = el(
      doc,
      "form",
      { id: "sign-in-form", class: "session-form", attrs: { novalidate: "" } },
      el(doc, "h2", { id: "sign-in-title", class: "confirm-title" }, w("signin-title")),
      el(doc, "p", { class: "settings-help" }, w("signin-help")),
      el(doc, "div", { class: "session-field" }, el(doc, "label", { attrs: { for: "sign-in-name" } }, w("signin-name")), this.name),
      el(
        doc,
        "div",
        { class: "session-field" },
        el(doc, "label", { attrs: { for: "sign-in-password" } }, w("signin-password")),
        this.password,
      ),
      this.error,
      this.busy,
      el(doc, "div", { class: "confirm-actions" }, cancel, this.submitButton),
    );
    this.element = el(
      doc,
      "dialog",
      { id: "sign-in-dialog", class: "confirm-dialog sign-in-dialog", attrs: { "aria-labelledby": "sign-in-title" } },
      this.form,
    );
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submit();
    });
    cancel.addEventListener("click", () => this.close());
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
      trapTab(this.element, ev);
    });
    onLanguage(() => this.drawError());
  }

  get isOpen(): boolean {
    return this.element.open || this.element.hasAttribute("open");
  }

  /** Called with the name and password when the operator submits. */
  setSubmitHandler(handler: (name: string, password: string) => void): void {
    this.onSubmit = handler;
  }

  open(opener: HTMLElement | null = null): void {
    this.opener = opener;
    this.password.value = "";
    this.pending = false;
    this.showError(null);
    this.drawBusy();
    if (!this.isOpen) {
      if (typeof this.element.showModal === "function") this.element.showModal();
      else this.element.setAttribute("open", "");
    }
    (this.name.value === "" ? this.name : this.password).focus();
  }

  close(): void {
    this.password.value = "";
    this.pending = false;
    this.drawBusy();
    if (!this.isOpen) return;
    if (typeof this.element.close === "function") this.element.close();
    this.element.removeAttribute("open");
    const opener = this.opener;
    this.opener = null;
    if (opener !== null && opener.isConnected) opener.focus();
  }

  /** The console's refusal (a catalog text, worded again on a language change), or null. */
  showError(message: (() => string) | null): void {
    this.errorMessage = message;
    this.pending = false;
    this.drawBusy();
    this.drawError();
    if (message !== null) {
      this.password.value = "";
      this.password.focus();
    }
  }

  private submit(): void {
    if (this.pending) return;
    const name = this.name.value.trim();
    const password = this.password.value;
    if (name === "") {
      this.showError(w("signin-name-required"));
      this.name.focus();
      return;
    }
    if (password === "") {
      this.showError(w("signin-password-required"));
      return;
    }
    this.pending = true;
    this.errorMessage = null;
    this.drawError();
    this.drawBusy();
    this.onSubmit(name, password);
  }

  private drawBusy(): void {
    this.busy.hidden = !this.pending;
    this.submitButton.disabled = this.pending;
  }

  private drawError(): void {
    const text = this.errorMessage === null ? "" : this.errorMessage();
    setText(this.errorText, text);
    this.error.hidden = this.errorMessage === null;
  }
}
