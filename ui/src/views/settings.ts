// Settings view: section id="settings" holding form#settings-form, filled from
// the console's answer (get_settings) and sent as a SettingsInput on Apply.
// Fields (each with a <label for>): the plant address (#settings-plant-url, the
// address in use in #settings-plant-url-in-use), the site CA
// (#settings-site-ca), a new token (#settings-token, never filled: the console
// never sends it) with where it is kept (#settings-token-storage) and
// "Remove the stored token" (#settings-token-clear), when to notify
// (#settings-notify-from), each kind's severity (select
// #settings-severity-<kind>), the limits (fieldset.limit-row[data-index], inputs
// #settings-limit-<i>-target|subject|low|high|deadband, button#settings-add-limit),
// the link-loss delay (#settings-link-loss), whether unacknowledged critical and
// high alarms sound (#settings-alarm-sound), read-only (#settings-read-only) and
// the language (#settings-language), and whether the console starts at sign-in
// (#settings-autostart: applied at once through its own command, not by Apply;
// what happened in #settings-autostart-status). Buttons #settings-apply (submit) and
// #settings-revert; the outcome in #settings-status. A refused value's message
// is p#settings-error-<field> next to its input (aria-invalid, aria-describedby),
// all of them in the list #settings-error-summary.
// Everything the console sends (paths, addresses, messages) is shown as text.

import {
  ALERT_KINDS,
  checkDraft,
  draftFromSettings,
  draftsEqual,
  emptyLimit,
  errorElementId,
  fieldLabel,
  groupErrors,
  INVALID_SETTINGS,
  isSeverity,
  placeOf,
  planSave,
  PLANT_URL_PLACEHOLDER,
  SEVERITIES,
  type FormField,
  type LimitDraft,
  type LimitPart,
  type SettingsDraft,
} from "../state/settings";
import { isLanguage, LANGUAGES, strings, type Language } from "../strings";
import { SIGN_IN_OFF } from "../state/session";
import type { AlertKind, FieldError, OperatorSession, SettingsInput, SettingsView, UiError } from "../types";
import { onLanguage, LabelText, labelString } from "./bind";
import { el, selectEl, setAttr, setOptions, setText, tableHead, type Label } from "./dom";
import { ALARM_KEYS } from "./keys";
import { whyNot } from "./session-text";
import "./settings.css";

/** The status line: what happened last. Its text is made when shown, so it follows the language. */
interface Status {
  readonly kind: "ok" | "busy" | "error";
  readonly text: () => string;
}

interface LimitRow {
  readonly element: HTMLFieldSetElement;
  readonly target: HTMLSelectElement;
  readonly subject: HTMLInputElement;
  readonly subjectLabel: Text;
  /** Draws the row's own texts again in the current language (the same nodes). */
  readonly relabel: () => void;
  readonly low: HTMLInputElement;
  readonly high: HTMLInputElement;
  readonly deadband: HTMLInputElement;
  readonly remove: HTMLButtonElement;
  /** Where the row's own messages go, and each input's. */
  readonly slot: HTMLDivElement;
  readonly partSlots: Readonly<Record<LimitPart, HTMLDivElement>>;
}

/** Where a refused value is shown: its message, the inputs it describes, what gets the focus. */
interface ErrorPlace {
  readonly slot: HTMLElement;
  readonly described: readonly HTMLElement[];
  readonly invalid: HTMLElement | null;
  readonly focus: HTMLElement;
}

/** Sets the text of an element made with one text node. */
function setFirstText(node: Element, text: string): void {
  const first = node.firstChild;
  if (first instanceof Text) setText(first, text);
}

/** The addresses in use, primary first, as text (never markup). */
function inUseAddresses(answer: SettingsView): string {
  const all = Array.isArray(answer.plant_urls_in_use) ? answer.plant_urls_in_use.map(String) : [];
  if (all.length > 1) return all.join(", ");
  return answer.plant_url_in_use === "" ? strings.noServer : String(answer.plant_url_in_use);
}

function textInput(doc: Document, id: string, attrs: Record<string, string> = {}): HTMLInputElement {
  return el(doc, "input", {
    id,
    class: "input",
    attrs: { type: "text", autocomplete: "off", spellcheck: "false", ...attrs },
  });
}

/**
 * A number field. A text input on purpose: a number input hides what was
 * typed when it is not a number (its value is then ""), so "must be a number"
 * could not be said, and some engines refuse Persian digits in it.
 */
function numberInput(doc: Document, id: string, attrs: Record<string, string> = {}): HTMLInputElement {
  return textInput(doc, id, { inputmode: "decimal", dir: "ltr", ...attrs });
}

export class SettingsFormView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly form: HTMLFormElement;
  private readonly loading: HTMLParagraphElement;
  private readonly loadErrorBox: HTMLDivElement;
  private readonly loadErrorText: LabelText;
  private readonly plantUrl: HTMLInputElement;
  /** The standby addresses, one a line. */
  private readonly standbyUrls: HTMLTextAreaElement;
  private readonly failover: HTMLSelectElement;
  private readonly preferPrimaryAfter: HTMLInputElement;
  private readonly plantUrlFixed: HTMLParagraphElement;
  private readonly plantUrlFixedText: Text;
  private readonly inUseText: Text;
  private readonly siteCa: HTMLInputElement;
  private readonly siteCaFixed: HTMLParagraphElement;
  private readonly token: HTMLInputElement;
  private readonly tokenHelpText: Text;
  private readonly tokenPresentText: Text;
  private readonly tokenStorage: HTMLParagraphElement;
  private readonly tokenStorageText: Text;
  private readonly tokenClear: HTMLInputElement;
  private readonly notifyFrom: HTMLSelectElement;
  private readonly severitySelects = new Map<AlertKind, HTMLSelectElement>();
  private readonly severitySlots = new Map<AlertKind, HTMLDivElement>();
  private readonly limitsList: HTMLDivElement;
  private readonly noLimits: HTMLParagraphElement;
  private readonly addLimitButton: HTMLButtonElement;
  private readonly linkLoss: HTMLInputElement;
  private readonly alarmSound: HTMLInputElement;
  private readonly readOnly: HTMLInputElement;
  private readonly languageSelect: HTMLSelectElement;
  private readonly autostart: HTMLInputElement;
  private readonly autostartStatus: HTMLParagraphElement;
  private readonly autostartStatusText: Text;
  /** What the autostart line says; null: nothing (the box says it all). */
  private autostartValue: Status | null = null;
  private onAutostart: (enabled: boolean) => void = () => {};
  private readonly applyButton: HTMLButtonElement;
  private readonly revertButton: HTMLButtonElement;
  private readonly status: HTMLParagraphElement;
  private readonly statusText: Text;
  private readonly summary: HTMLDivElement;
  private readonly summaryHeading: HTMLHeadingElement;
  private readonly summaryList: HTMLUListElement;
  private readonly pathText: Text;
  /** The field's input (what gets the focus) and where its messages go. */
  private readonly slots = new Map<FormField, { control: HTMLElement; slot: HTMLDivElement }>();
  /** Each control's own aria-describedby (its help texts); messages are added to it. */
  private readonly describedBy = new Map<HTMLElement, string>();
  private rows: LimitRow[] = [];
  private answer: SettingsView | null = null;
  private draft: SettingsDraft | null = null;
  private errors: FieldError[] = [];
  private clientErrors = false;
  private statusValue: Status | null = null;
  private saving = false;
  /** Who is at the screen: Apply is theirs only with the `settings` right (the language alone is anyone's). */
  private session: OperatorSession = SIGN_IN_OFF;
  private onSave: (input: SettingsInput) => void = () => {};
  private onReload: () => void = () => {};
  private demo = false;

  constructor(doc: Document) {
    this.doc = doc;
    const S = () => strings.settings;

    this.loading = el(doc, "p", { id: "settings-loading", class: "empty" }, () => S().loading);
    this.loadErrorText = new LabelText(doc);
    const reload = el(doc, "button", { id: "settings-reload", class: "button", attrs: { type: "button" } }, () => S().reload);
    reload.addEventListener("click", () => this.onReload());
    this.loadErrorBox = el(
      doc,
      "div",
      { class: "settings-load-error" },
      el(doc, "p", { id: "settings-load-error", class: "panel-error", attrs: { role: "alert" } }, this.loadErrorText.node),
      el(doc, "p", { class: "settings-actions" }, reload),
    );
    this.loadErrorBox.hidden = true;

    // ----- plant -----
    this.plantUrl = textInput(doc, "settings-plant-url", {
      inputmode: "url",
      dir: "ltr",
      placeholder: PLANT_URL_PLACEHOLDER,
    });
    this.plantUrlFixedText = doc.createTextNode(S().plantUrlFixedCommandLine);
    this.plantUrlFixed = el(
      doc,
      "p",
      { id: "settings-plant-url-fixed", class: "settings-help settings-fixed" },
      this.plantUrlFixedText,
    );
    this.plantUrlFixed.hidden = true;
    this.inUseText = doc.createTextNode(strings.missing);
    const inUse = el(
      doc,
      "p",
      { id: "settings-plant-url-in-use", class: "settings-help" },
      () => `${S().inUse}: `,
      el(doc, "code", { class: "path", attrs: { dir: "ltr" } }, this.inUseText),
    );
    this.standbyUrls = el(doc, "textarea", {
      id: "settings-standby-urls",
      class: "input",
      attrs: { rows: "3", dir: "ltr", spellcheck: "false", autocomplete: "off" },
    });
    this.failover = selectEl(
      doc,
      { id: "settings-failover", class: "select" },
      [
        ["primary", () => S().failoverPrimary],
        ["equal", () => S().failoverEqual],
      ],
      "primary",
    );
    this.preferPrimaryAfter = numberInput(doc, "settings-prefer-primary-after");
    this.siteCa = textInput(doc, "settings-site-ca", { dir: "ltr" });
    this.siteCaFixed = el(doc, "p", { id: "settings-site-ca-fixed", class: "settings-help" }, () => S().siteCaFixed);
    this.siteCaFixed.hidden = true;
    const plant = this.card(
      "settings-plant-heading",
      () => S().plantHeading,
      this.field("plantUrl", this.plantUrl, () => S().plantUrl, [
        this.plantUrlFixed,
        el(doc, "p", { id: "settings-plant-url-help", class: "settings-help" }, () => S().plantUrlHelp),
        inUse,
      ]),
      this.field("standbyUrls", this.standbyUrls, () => S().standbyUrls, [
        el(doc, "p", { id: "settings-standby-urls-help", class: "settings-help" }, () => S().standbyUrlsHelp),
      ]),
      this.field("failover", this.failover, () => S().failover, []),
      this.field("preferPrimaryAfter", this.preferPrimaryAfter, () => S().preferPrimaryAfter, []),
      this.field("siteCa", this.siteCa, () => S().siteCa, [
        this.siteCaFixed,
        el(doc, "p", { id: "settings-site-ca-help", class: "settings-help" }, () => S().siteCaHelp),
      ]),
    );

    // ----- token -----
    this.token = el(doc, "input", {
      id: "settings-token",
      class: "input",
      attrs: { type: "password", autocomplete: "new-password", spellcheck: "false", dir: "ltr" },
    });
    this.tokenHelpText = doc.createTextNode(S().tokenHelp);
    this.tokenPresentText = doc.createTextNode("");
    this.tokenStorageText = doc.createTextNode("");
    this.tokenStorage = el(doc, "p", { id: "settings-token-storage", class: "settings-help" }, this.tokenStorageText);
    this.tokenClear = el(doc, "input", { id: "settings-token-clear", attrs: { type: "checkbox" } });
    const token = this.card(
      "settings-token-heading",
      () => S().tokenHeading,
      this.field("token", this.token, () => S().token, [
        el(doc, "p", { id: "settings-token-help", class: "settings-help" }, this.tokenHelpText),
        el(doc, "p", { id: "settings-token-present", class: "settings-help settings-token-present" }, this.tokenPresentText),
        this.tokenStorage,
      ]),
      this.checkField(null, this.tokenClear, () => S().tokenClear, []),
    );

    // ----- alerts -----
    this.notifyFrom = selectEl(
      doc,
      { id: "settings-notify-from", class: "select" },
      SEVERITIES.map((s) => [s, () => strings.alerts.severities[s]] as const),
      "info",
    );
    const severityRows = ALERT_KINDS.map((kind) => {
      const id = `settings-severity-${kind}`;
      const select = selectEl(doc, { id, class: "select" }, [["", () => S().severityDefault(strings.missing)]], "");
      const slot = el(doc, "div", { class: "error-slot" });
      select.addEventListener("change", () => {
        const value = select.value;
        if (this.draft !== null) this.draft.severities[kind] = isSeverity(value) ? value : "";
      });
      this.severitySelects.set(kind, select);
      this.severitySlots.set(kind, slot);
      return el(
        doc,
        "tr",
        { attrs: { "data-kind": kind } },
        el(doc, "th", { attrs: { scope: "row" } }, el(doc, "label", { attrs: { for: id } }, () => S().kinds[kind])),
        el(doc, "td", {}, select, slot),
      );
    });
    const severities = el(
      doc,
      "table",
      { id: "settings-severities", class: "settings-table" },
      el(doc, "caption", {}, () => S().severitiesCaption),
      tableHead(doc, [() => S().kind, () => S().severity]),
      el(doc, "tbody", {}, ...severityRows),
    );

    this.limitsList = el(doc, "div", { id: "settings-limits", class: "limit-rows" });
    this.noLimits = el(doc, "p", { id: "settings-no-limits", class: "settings-help" }, () => S().noLimits);
    this.addLimitButton = el(
      doc,
      "button",
      { id: "settings-add-limit", class: "button", attrs: { type: "button" } },
      () => S().addLimit,
    );
    this.addLimitButton.addEventListener("click", () => this.addLimit());
    const limitsSlot = el(doc, "div", { class: "error-slot" });
    this.slots.set("limits", { control: this.addLimitButton, slot: limitsSlot });
    const limits = el(
      doc,
      "section",
      { class: "settings-limits", attrs: { "aria-labelledby": "settings-limits-heading" } },
      el(doc, "h3", { id: "settings-limits-heading" }, () => S().limitsHeading),
      el(doc, "p", { id: "settings-limits-help", class: "settings-help" }, () => S().limitsHelp),
      this.noLimits,
      this.limitsList,
      limitsSlot,
      el(doc, "p", { class: "settings-actions" }, this.addLimitButton),
    );

    this.linkLoss = numberInput(doc, "settings-link-loss");
    this.alarmSound = el(doc, "input", { id: "settings-alarm-sound", attrs: { type: "checkbox" } });
    const alerts = this.card(
      "settings-alerts-heading",
      () => S().alertsHeading,
      this.field("notifyFrom", this.notifyFrom, () => S().notifyFrom, [
        el(doc, "p", { id: "settings-notify-from-help", class: "settings-help" }, () => S().notifyFromHelp),
      ]),
      this.field("linkLoss", this.linkLoss, () => S().linkLoss, [
        el(doc, "p", { id: "settings-link-loss-help", class: "settings-help" }, () => S().linkLossHelp),
      ]),
      this.checkField("alarmSound", this.alarmSound, () => S().alarmSound, [
        el(doc, "p", { id: "settings-alarm-sound-help", class: "settings-help" }, () =>
          S().alarmSoundHelp(ALARM_KEYS.silence.label),
        ),
      ]),
      severities,
      limits,
    );
    alerts.classList.add("settings-card-wide");

    // ----- this console -----
    this.readOnly = el(doc, "input", { id: "settings-read-only", attrs: { type: "checkbox" } });
    this.languageSelect = el(doc, "select", { id: "settings-language", class: "select" });
    for (const lang of LANGUAGES) {
      this.languageSelect.appendChild(el(doc, "option", { attrs: { value: lang, lang } }, () => strings.language.names[lang]));
    }
    // Not part of the draft: the system keeps it, and a change is applied at once.
    this.autostart = el(doc, "input", { id: "settings-autostart", attrs: { type: "checkbox" } });
    // Until the console has said whether it is on.
    this.autostart.disabled = true;
    this.autostart.addEventListener("change", () => this.onAutostart(this.autostart.checked));
    this.autostartStatusText = doc.createTextNode("");
    this.autostartStatus = el(
      doc,
      "p",
      { id: "settings-autostart-status", class: "settings-status", attrs: { role: "status" } },
      this.autostartStatusText,
    );
    const consoleCard = this.card(
      "settings-console-heading",
      () => S().consoleHeading,
      this.checkField("readOnly", this.readOnly, () => S().readOnly, [
        el(doc, "p", { id: "settings-read-only-help", class: "settings-help" }, () => S().readOnlyHelp),
      ]),
      this.field("language", this.languageSelect, () => S().language, [
        el(doc, "p", { id: "settings-language-help", class: "settings-help" }, () => S().languageHelp),
      ]),
      this.checkField(null, this.autostart, () => S().autostart, [
        el(doc, "p", { id: "settings-autostart-help", class: "settings-help" }, () => S().autostartHelp),
        this.autostartStatus,
      ]),
    );

    // ----- actions -----
    this.applyButton = el(
      doc,
      "button",
      { id: "settings-apply", class: "button button-action", attrs: { type: "submit" } },
      () => S().apply,
    );
    this.revertButton = el(doc, "button", { id: "settings-revert", class: "button", attrs: { type: "button" } }, () => S().revert);
    this.revertButton.addEventListener("click", () => this.revert());
    this.statusText = doc.createTextNode("");
    this.status = el(doc, "p", { id: "settings-status", class: "settings-status", attrs: { role: "status" } }, this.statusText);
    this.summaryHeading = el(doc, "h3", { id: "settings-error-summary-heading", attrs: { tabindex: "-1" } }, () => S().summaryHeading);
    this.summaryList = el(doc, "ul");
    this.summary = el(
      doc,
      "div",
      { id: "settings-error-summary", class: "settings-summary", attrs: { "aria-labelledby": "settings-error-summary-heading", role: "group" } },
      this.summaryHeading,
      this.summaryList,
    );
    this.summary.hidden = true;

    this.pathText = doc.createTextNode(strings.missing);
    this.form = el(
      doc,
      "form",
      { id: "settings-form", class: "settings-form", attrs: { novalidate: "" } },
      el(doc, "div", { class: "settings-grid" }, plant, token, consoleCard, alerts),
      this.summary,
      el(doc, "div", { class: "settings-actions settings-buttons" }, this.applyButton, this.revertButton, this.status),
      el(
        doc,
        "p",
        { class: "settings-help settings-file" },
        () => `${S().file}: `,
        el(doc, "code", { id: "settings-path", class: "path", attrs: { dir: "ltr" } }, this.pathText),
      ),
    );
    this.form.hidden = true;
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.listen();
    // Every edit may make the draft more than a language change (or only one again).
    for (const type of ["input", "change", "click"]) this.form.addEventListener(type, () => this.refreshApply());

    const headingId = "settings-heading";
    this.element = el(
      doc,
      "section",
      { id: "settings", class: "panel settings-panel", attrs: { "aria-labelledby": headingId } },
      el(doc, "div", { class: "panel-head" }, el(doc, "h2", { id: headingId }, () => S().heading)),
      this.loading,
      this.loadErrorBox,
      this.form,
    );
    onLanguage(() => this.relabel());
  }

  /**
   * Draws what the form shows from the console's answer, the draft and the
   * messages again in the current language; the edits stay. Messages of the
   * checks made here are made again (the console's own come as it wrote them).
   */
  private relabel(): void {
    this.setDemo(this.demo);
    this.setAutostartStatus(this.autostartValue);
    const answer = this.answer;
    if (answer === null || this.draft === null) {
      setText(this.tokenHelpText, strings.settings.tokenHelp);
      setText(this.inUseText, strings.missing);
      setText(this.pathText, strings.missing);
    } else {
      // The controls keep what was typed: only the texts around them are drawn again.
      setText(this.inUseText, inUseAddresses(answer));
      this.refreshTokenControls();
      this.refreshSeverityOptions(answer, this.draft);
      for (const row of this.rows) row.relabel();
      if (this.clientErrors && this.errors.length > 0) {
        this.errors = checkDraft(this.draft, { plantUrlFixed: answer.plant_url_fixed });
      }
      this.renderErrors(false);
    }
    this.setStatus(this.statusValue);
  }

  // ---------- building ----------

  /** A group of fields under its legend (laid out in a div: a fieldset is a poor flex or grid box in some engines). */
  private card(id: string, title: Label, ...children: Node[]): HTMLFieldSetElement {
    return el(
      this.doc,
      "fieldset",
      { class: "settings-card" },
      el(this.doc, "legend", { id }, title),
      el(this.doc, "div", { class: "settings-card-body" }, ...children),
    );
  }

  /** Remembers a control's help texts as its own description, and where its messages go. */
  private register(name: FormField | null, control: HTMLElement, help: readonly HTMLElement[], slot: HTMLDivElement): void {
    const ids = help.map((h) => h.id).filter((id) => id !== "");
    this.describedBy.set(control, ids.join(" "));
    setAttr(control, "aria-describedby", ids.length > 0 ? ids.join(" ") : null);
    if (name !== null) this.slots.set(name, { control, slot });
  }

  /** A label above its control, the control, its messages, then its help. */
  private field(name: FormField, control: HTMLElement, label: Label, help: readonly HTMLElement[]): HTMLDivElement {
    const slot = el(this.doc, "div", { class: "error-slot" });
    this.register(name, control, help, slot);
    return el(
      this.doc,
      "div",
      { class: "settings-field" },
      el(this.doc, "label", { class: "settings-label", attrs: { for: control.id } }, label),
      control,
      slot,
      ...help,
    );
  }

  /** A checkbox with its label beside it, then its messages and help. */
  private checkField(name: FormField | null, box: HTMLInputElement, label: Label, help: readonly HTMLElement[]): HTMLDivElement {
    const slot = el(this.doc, "div", { class: "error-slot" });
    this.register(name, box, help, slot);
    return el(
      this.doc,
      "div",
      { class: "settings-field settings-check" },
      el(this.doc, "div", { class: "settings-check-row" }, box, el(this.doc, "label", { attrs: { for: box.id } }, label)),
      slot,
      ...help,
    );
  }

  /** Every edit goes into the draft at once (the draft is what Apply checks and sends). */
  private listen(): void {
    // "change" too: a field emptied by automation (WebDriver's clear) may fire no "input".
    const text = (input: HTMLInputElement, set: (d: SettingsDraft, v: string) => void) => {
      const update = () => {
        if (this.draft !== null) set(this.draft, input.value);
      };
      input.addEventListener("input", update);
      input.addEventListener("change", update);
    };
    text(this.plantUrl, (d, v) => (d.plantUrl = v));
    for (const kind of ["input", "change"]) {
      this.standbyUrls.addEventListener(kind, () => {
        if (this.draft !== null) this.draft.standbyUrls = this.standbyUrls.value;
      });
    }
    text(this.preferPrimaryAfter, (d, v) => (d.preferPrimaryAfter = v));
    this.failover.addEventListener("change", () => {
      const value = this.failover.value;
      if (this.draft !== null && (value === "primary" || value === "equal")) this.draft.failover = value;
    });
    text(this.siteCa, (d, v) => (d.siteCa = v));
    text(this.token, (d, v) => (d.token = v));
    text(this.linkLoss, (d, v) => (d.linkLoss = v));
    this.tokenClear.addEventListener("change", () => {
      if (this.draft === null) return;
      this.draft.clearToken = this.tokenClear.checked;
      // Removing and replacing at once would be ambiguous: removing empties the new token.
      if (this.draft.clearToken) {
        this.draft.token = "";
        this.token.value = "";
      }
      this.refreshTokenControls();
    });
    this.readOnly.addEventListener("change", () => {
      if (this.draft !== null) this.draft.readOnly = this.readOnly.checked;
    });
    this.alarmSound.addEventListener("change", () => {
      if (this.draft !== null) this.draft.alarmSound = this.alarmSound.checked;
    });
    this.notifyFrom.addEventListener("change", () => {
      const value = this.notifyFrom.value;
      if (this.draft !== null && isSeverity(value)) this.draft.notifyFrom = value;
    });
    this.languageSelect.addEventListener("change", () => {
      const value = this.languageSelect.value;
      if (this.draft !== null && isLanguage(value)) this.draft.language = value;
    });
  }

  // ---------- handlers ----------

  /** Called with what to send when Apply is pressed and the values pass the checks. */
  setSaveHandler(handler: (input: SettingsInput) => void): void {
    this.onSave = handler;
  }

  /** Called with the operator's choice when the start-at-sign-in box is ticked or cleared. */
  setAutostartHandler(handler: (enabled: boolean) => void): void {
    this.onAutostart = handler;
  }

  /** Called when "Load again" is pressed after the settings could not be loaded. */
  setReloadHandler(handler: () => void): void {
    this.onReload = handler;
  }

  // ---------- the console's answers ----------

  /**
   * Shows the console's settings. The form is filled again when `replace` (after
   * a save), when it was empty, or when the operator has not edited it;
   * otherwise the edits stay and only what the console reports (token, address
   * in use, defaults, file) is updated.
   */
  showSettings(answer: SettingsView, replace: boolean): void {
    const previous = this.answer;
    const edited =
      this.draft !== null && previous !== null && !draftsEqual(this.draft, draftFromSettings(previous.settings));
    this.answer = answer;
    if (replace || this.draft === null || !edited) this.draft = draftFromSettings(answer.settings);
    this.loading.hidden = true;
    this.loadErrorBox.hidden = true;
    this.form.hidden = false;
    this.fill();
  }

  /** Whether the console starts at sign-in, as the system says. */
  showAutostart(enabled: boolean): void {
    this.autostart.checked = enabled;
    this.autostart.disabled = false;
    this.setAutostartStatus(null);
  }

  /** A change of the start at sign-in is on its way: the box waits for the answer. */
  autostartBusy(): void {
    this.autostart.disabled = true;
    this.setAutostartStatus({ kind: "busy", text: () => strings.settings.autostartBusy });
  }

  /** The start at sign-in was changed: the box shows what the system says now. */
  autostartChanged(enabled: boolean): void {
    this.autostart.checked = enabled;
    this.autostart.disabled = false;
    this.setAutostartStatus({
      kind: "ok",
      text: () => (enabled ? strings.settings.autostartOn : strings.settings.autostartOff),
    });
  }

  /**
   * Reading or changing the start at sign-in failed: the message says why, and the
   * box goes back to what was last known (`enabled`), or stays disabled when nothing is.
   */
  autostartFailed(message: Label, enabled: boolean | null): void {
    if (enabled !== null) this.autostart.checked = enabled;
    this.autostart.disabled = enabled === null;
    this.setAutostartStatus({ kind: "error", text: () => labelString(message) });
  }

  private setAutostartStatus(status: Status | null): void {
    this.autostartValue = status;
    setAttr(this.autostartStatus, "role", status?.kind === "error" ? "alert" : "status");
    setAttr(this.autostartStatus, "data-kind", status === null ? null : status.kind);
    const cls = `settings-status${status === null ? "" : ` settings-status-${status.kind}`}`;
    if (this.autostartStatus.className !== cls) this.autostartStatus.className = cls;
    setText(this.autostartStatusText, status === null ? "" : status.text());
  }

  /** The settings could not be loaded: said in place of the form, or in the status line once shown. */
  showLoadError(message: Label): void {
    if (this.answer === null) {
      this.loadErrorText.set(message);
      this.loading.hidden = true;
      this.loadErrorBox.hidden = false;
    } else {
      this.setStatus({ kind: "error", text: () => labelString(message) });
    }
  }

  /** The operator session changed (or the language): Apply follows what the role may do. */
  setSession(session: OperatorSession): void {
    this.session = session;
    this.refreshApply();
  }

  /**
   * Why Apply may not send the draft (null: it may): a role without the `settings`
   * right may still save a change of the language alone (the console allows it).
   */
  private applyBlock(): string | null {
    const reason = whyNot(this.session, "settings");
    if (reason === null) return null;
    const answer = this.answer;
    const draft = this.draft;
    if (answer !== null && draft !== null) {
      const saved = draftFromSettings(answer.settings);
      if (draftsEqual({ ...draft, language: saved.language }, saved) && draft.language !== saved.language) return null;
    }
    return reason;
  }

  /** Apply is disabled while saving, or for a role that may not send this draft (the reason its title). */
  private refreshApply(): void {
    const reason = this.applyBlock();
    const disabled = this.saving || reason !== null;
    if (this.applyButton.disabled !== disabled) this.applyButton.disabled = disabled;
    setAttr(this.applyButton, "title", reason);
  }

  /** A save is in flight: Apply (and Revert) wait for its answer. */
  setSaving(saving: boolean): void {
    this.saving = saving;
    this.refreshApply();
    this.revertButton.disabled = saving;
    setAttr(this.form, "aria-busy", saving ? "true" : null);
    if (saving) this.setStatus({ kind: "busy", text: () => strings.settings.saving });
  }

  /** Saved (showSettings has shown the answer): the status line says so. */
  saved(message: () => string): void {
    this.setSaving(false);
    this.errors = [];
    this.clientErrors = false;
    this.renderErrors(false);
    this.setStatus({ kind: "ok", text: message });
  }

  /**
   * Not saved. Refused values are shown next to their fields (the first one
   * gets the focus); anything else is said with its code in the status line.
   */
  saveFailed(error: UiError): void {
    this.setSaving(false);
    const fields = error.fields ?? [];
    if (error.code === INVALID_SETTINGS && fields.length > 0) {
      this.showErrors(fields, false, true);
      return;
    }
    this.setStatus({ kind: "error", text: () => strings.settings.saveFailed(error.code, error.message) });
  }

  /** Says something went wrong outside Apply (e.g. saving the header's language choice). */
  showStatusError(message: () => string): void {
    this.setStatus({ kind: "error", text: message });
  }

  /** The language was chosen elsewhere (the header): the form's choice follows. */
  languageChosen(lang: Language): void {
    if (this.draft !== null) this.draft.language = lang;
    this.languageSelect.value = lang;
    this.refreshApply();
  }

  focusApply(): void {
    this.applyButton.focus();
  }

  /** Whether the console runs the demo plant: a fixed address is then the demo's, else the command line's. */
  setDemo(demo: boolean): void {
    this.demo = demo;
    const S = strings.settings;
    setText(this.plantUrlFixedText, demo ? S.plantUrlFixedDemo : S.plantUrlFixedCommandLine);
  }

  // ---------- the form ----------

  /** Puts the draft and the console's answer into the controls. */
  private fill(): void {
    const answer = this.answer;
    const draft = this.draft;
    if (answer === null || draft === null) return;
    this.refreshApply();
    this.plantUrl.value = draft.plantUrl;
    this.plantUrl.disabled = answer.plant_url_fixed;
    this.plantUrlFixed.hidden = !answer.plant_url_fixed;
    // A description is read even from a hidden element: the fixed-address note is named only while shown.
    const described = answer.plant_url_fixed
      ? "settings-plant-url-help settings-plant-url-fixed settings-plant-url-in-use"
      : "settings-plant-url-help settings-plant-url-in-use";
    this.describedBy.set(this.plantUrl, described);
    setAttr(this.plantUrl, "aria-describedby", described);
    setText(this.inUseText, inUseAddresses(answer));
    // The list goes with the address: fixed on the command line, it is not edited here.
    this.standbyUrls.value = draft.standbyUrls;
    this.standbyUrls.disabled = answer.plant_url_fixed;
    this.failover.value = draft.failover;
    this.preferPrimaryAfter.value = draft.preferPrimaryAfter;
    this.siteCa.value = draft.siteCa;
    // --site-ca wins over the saved file: a field that would not take effect is not offered.
    this.siteCa.disabled = answer.site_ca_fixed;
    this.siteCaFixed.hidden = !answer.site_ca_fixed;
    this.token.value = draft.token;
    this.tokenClear.checked = draft.clearToken;
    this.refreshTokenControls();
    this.readOnly.checked = draft.readOnly;
    this.languageSelect.value = draft.language;
    this.notifyFrom.value = draft.notifyFrom;
    this.refreshSeverityOptions(answer, draft);
    this.linkLoss.value = draft.linkLoss;
    this.alarmSound.checked = draft.alarmSound;
    setText(this.pathText, String(answer.settings_path));
    this.renderLimits();
    // The limit rows were built again: their messages go back in.
    this.renderErrors(false);
  }

  /** Each kind's severity choices, the console's default named first; the draft's choice selected. */
  private refreshSeverityOptions(answer: SettingsView, draft: SettingsDraft): void {
    for (const kind of ALERT_KINDS) {
      const select = this.severitySelects.get(kind);
      if (select === undefined) continue;
      const def = answer.default_severities?.[kind];
      const defLabel = isSeverity(def) ? strings.alerts.severities[def] : strings.missing;
      setOptions(
        select,
        [["", strings.settings.severityDefault(defLabel)], ...SEVERITIES.map((s) => [s, strings.alerts.severities[s]] as const)],
        draft.severities[kind],
      );
    }
  }

  /** What is known of the token, and whether it can be changed here. */
  private refreshTokenControls(): void {
    const answer = this.answer;
    if (answer === null) return;
    const S = strings.settings;
    const info = answer.token;
    const fixed = info.from_command_line === true;
    this.token.disabled = fixed || this.tokenClear.checked;
    this.tokenClear.disabled = fixed || info.present !== true;
    if (this.tokenClear.disabled && this.tokenClear.checked) {
      this.tokenClear.checked = false;
      if (this.draft !== null) this.draft.clearToken = false;
      this.token.disabled = fixed;
    }
    setText(this.tokenHelpText, fixed ? S.tokenFromCommandLine : S.tokenHelp);
    setText(this.tokenPresentText, info.present === true ? S.tokenPresent : S.tokenAbsent);
    let storage: string;
    if (info.storage === "file") {
      const path = info.file_path === null || info.file_path === undefined ? strings.missing : String(info.file_path);
      const problem = info.keyring_problem;
      storage =
        problem === null || problem === undefined || problem === ""
          ? S.tokenFile(path)
          : S.tokenFileNoKeyring(path, String(problem));
    } else {
      storage = S.tokenKeyring;
    }
    setText(this.tokenStorageText, storage);
    setAttr(this.tokenStorage, "data-storage", info.storage === "file" ? "file" : "keyring");
  }

  // ---------- limits ----------

  /** Builds the limit rows again from the draft (rows are few; their ids follow their place). */
  private renderLimits(): void {
    const draft = this.draft;
    if (draft === null) return;
    for (const row of this.rows) {
      for (const control of [row.target, row.subject, row.low, row.high, row.deadband]) this.describedBy.delete(control);
    }
    this.rows = draft.limits.map((limit, i) => this.limitRow(limit, i));
    this.limitsList.replaceChildren(...this.rows.map((r) => r.element));
    this.noLimits.hidden = this.rows.length > 0;
  }

  private limitRow(limit: LimitDraft, i: number): LimitRow {
    const doc = this.doc;
    const S = strings.settings;
    const prefix = `settings-limit-${i}`;
    const target = selectEl(
      doc,
      { id: `${prefix}-target`, class: "select" },
      (["device_kind", "device_id"] as const).map((t) => [t, S.targets[t]] as const),
      limit.target,
    );
    const subject = textInput(doc, `${prefix}-subject`, { dir: "auto" });
    subject.value = limit.subject;
    const subjectLabel = doc.createTextNode(S.targets[limit.target]);
    const low = numberInput(doc, `${prefix}-low`);
    const high = numberInput(doc, `${prefix}-high`);
    const deadband = numberInput(doc, `${prefix}-deadband`, { placeholder: "0" });
    low.value = limit.low;
    high.value = limit.high;
    deadband.value = limit.deadband;
    const remove = el(
      doc,
      "button",
      { class: "button limit-remove", attrs: { type: "button", "aria-label": S.removeLimitLabel(i + 1) } },
      S.removeLimit,
    );
    const slot = el(doc, "div", { class: "error-slot limit-row-errors" });
    const partSlots = {
      subject: el(doc, "div", { class: "error-slot" }),
      low: el(doc, "div", { class: "error-slot" }),
      high: el(doc, "div", { class: "error-slot" }),
      deadband: el(doc, "div", { class: "error-slot" }),
    };
    const labelOf = (label: Node | string, control: HTMLElement) =>
      el(doc, "label", { class: "settings-label", attrs: { for: control.id } }, label);
    const labels = {
      appliesTo: labelOf(S.appliesTo, target),
      low: labelOf(S.low, low),
      high: labelOf(S.high, high),
      deadband: labelOf(S.deadband, deadband),
    };
    const cell = (label: HTMLLabelElement, control: HTMLElement, errors: HTMLDivElement | null, cls: string) =>
      el(doc, "div", { class: `limit-field ${cls}` }, label, control, errors);
    const legendId = `${prefix}-legend`;
    const legend = el(doc, "legend", { id: legendId }, S.limit(i + 1));
    const element = el(
      doc,
      "fieldset",
      { class: "limit-row", attrs: { "data-index": String(i) } },
      legend,
      el(
        doc,
        "div",
        { class: "limit-fields" },
        cell(labels.appliesTo, target, null, "limit-target"),
        cell(labelOf(subjectLabel, subject), subject, partSlots.subject, "limit-subject"),
        cell(labels.low, low, partSlots.low, "limit-number"),
        cell(labels.high, high, partSlots.high, "limit-number"),
        cell(labels.deadband, deadband, partSlots.deadband, "limit-number"),
        el(doc, "div", { class: "limit-field limit-actions" }, remove),
      ),
      slot,
    );
    for (const control of [target, subject, low, high, deadband]) this.describedBy.set(control, "");

    const edit = (input: HTMLInputElement, key: "subject" | "low" | "high" | "deadband") => {
      const update = () => {
        const row = this.draft?.limits[i];
        if (row !== undefined) row[key] = input.value;
      };
      input.addEventListener("input", update);
      input.addEventListener("change", update);
    };
    edit(subject, "subject");
    edit(low, "low");
    edit(high, "high");
    edit(deadband, "deadband");
    target.addEventListener("change", () => {
      const row = this.draft?.limits[i];
      const value = target.value;
      if (row === undefined || (value !== "device_id" && value !== "device_kind")) return;
      row.target = value;
      setText(subjectLabel, strings.settings.targets[value]);
    });
    remove.addEventListener("click", () => this.removeLimit(i));
    const relabel = () => {
      const T = strings.settings;
      for (const option of target.options) {
        const value = option.value;
        if (value === "device_kind" || value === "device_id") setFirstText(option, T.targets[value]);
      }
      const value = target.value;
      if (value === "device_kind" || value === "device_id") setText(subjectLabel, T.targets[value]);
      setFirstText(legend, T.limit(i + 1));
      setFirstText(labels.appliesTo, T.appliesTo);
      setFirstText(labels.low, T.low);
      setFirstText(labels.high, T.high);
      setFirstText(labels.deadband, T.deadband);
      setFirstText(remove, T.removeLimit);
      setAttr(remove, "aria-label", T.removeLimitLabel(i + 1));
    };
    return { element, target, subject, subjectLabel, relabel, low, high, deadband, remove, slot, partSlots };
  }

  /** The messages of limits name rows by their place, which adding or removing a row changes: they go. */
  private dropLimitErrors(): void {
    const before = this.errors.length;
    this.errors = this.errors.filter((e) => {
      const place = placeOf(e.field);
      return place.kind !== "limit" && !(place.kind === "field" && place.field === "limits");
    });
    if (this.errors.length !== before) this.renderErrors(false);
  }

  private addLimit(): void {
    if (this.draft === null) return;
    this.draft.limits.push(emptyLimit());
    this.renderLimits();
    this.dropLimitErrors();
    this.rows[this.rows.length - 1]?.target.focus();
  }

  /** Removes a row; the focus goes to the next row's Remove, else the previous one's, else Add limit. */
  private removeLimit(i: number): void {
    if (this.draft === null) return;
    this.draft.limits.splice(i, 1);
    this.renderLimits();
    this.dropLimitErrors();
    const next = this.rows[i] ?? this.rows[i - 1];
    (next?.remove ?? this.addLimitButton).focus();
  }

  // ---------- Apply, Revert ----------

  private submit(): void {
    const answer = this.answer;
    const draft = this.draft;
    if (this.saving || answer === null || draft === null || this.applyBlock() !== null) return;
    const plan = planSave(draft, answer);
    if (!plan.ok) {
      this.showErrors(plan.errors, true, true);
      return;
    }
    this.errors = [];
    this.clientErrors = false;
    this.renderErrors(false);
    this.setSaving(true);
    this.onSave(plan.input);
  }

  /** Back to the settings as the console has them. */
  private revert(): void {
    if (this.saving || this.answer === null) return;
    this.draft = draftFromSettings(this.answer.settings);
    this.errors = [];
    this.clientErrors = false;
    this.fill();
    this.renderErrors(false);
    this.setStatus({ kind: "ok", text: () => strings.settings.reverted });
  }

  // ---------- messages ----------

  private setStatus(status: Status | null): void {
    this.statusValue = status;
    // An error interrupts (alert); anything else is said when the reader is idle (status).
    setAttr(this.status, "role", status?.kind === "error" ? "alert" : "status");
    setAttr(this.status, "data-kind", status === null ? null : status.kind);
    const cls = `settings-status${status === null ? "" : ` settings-status-${status.kind}`}`;
    if (this.status.className !== cls) this.status.className = cls;
    setText(this.statusText, status === null ? "" : status.text());
  }

  private showErrors(errors: readonly FieldError[], client: boolean, focus: boolean): void {
    this.errors = [...errors];
    this.clientErrors = client;
    const count = groupErrors(errors).size;
    this.setStatus({ kind: "error", text: () => strings.settings.invalid(count) });
    this.renderErrors(focus);
  }

  /** Where a field's messages go, or null when the form has no place for it (summary only). */
  private placeFor(field: string): ErrorPlace | null {
    const place = placeOf(field);
    switch (place.kind) {
      case "field": {
        const f = this.slots.get(place.field);
        if (f === undefined) return null;
        return { slot: f.slot, described: [f.control], invalid: f.control, focus: f.control };
      }
      case "severity": {
        const select = this.severitySelects.get(place.alertKind);
        const slot = this.severitySlots.get(place.alertKind);
        if (select === undefined || slot === undefined) return null;
        return { slot, described: [select], invalid: select, focus: select };
      }
      case "limit": {
        const row = this.rows[place.index];
        if (row === undefined) return null;
        if (place.part === null) {
          // The row as a whole (no id or kind, no limit at all): told to each of its inputs.
          return {
            slot: row.slot,
            described: [row.target, row.subject, row.low, row.high, row.deadband],
            invalid: row.subject,
            focus: row.target,
          };
        }
        const input = row[place.part];
        return { slot: row.partSlots[place.part], described: [input], invalid: input, focus: input };
      }
      case "unknown":
        return null;
    }
  }

  /** Shows the messages next to their fields and in the summary; focuses the first field in the form when `focus`. */
  private renderErrors(focus: boolean): void {
    const doc = this.doc;
    // Clear what the previous messages marked.
    for (const { slot } of this.slots.values()) slot.replaceChildren();
    for (const slot of this.severitySlots.values()) slot.replaceChildren();
    for (const row of this.rows) {
      row.slot.replaceChildren();
      for (const slot of Object.values(row.partSlots)) slot.replaceChildren();
      row.element.classList.remove("invalid");
    }
    const extra = new Map<HTMLElement, string[]>();
    const invalid = new Set<HTMLElement>();
    const items: { label: string; text: string; focus: HTMLElement | null }[] = [];
    const targets: HTMLElement[] = [];
    const used = new Map<string, Text>();

    for (const [field, messages] of groupErrors(this.errors)) {
      const text = messages.join(" ");
      const place = this.placeFor(field);
      items.push({ label: fieldLabel(field), text, focus: place?.focus ?? null });
      if (place === null) continue;
      const id = errorElementId(field);
      const known = used.get(id);
      if (known !== undefined) {
        // Two paths made the same id: one element holds both messages.
        known.appendData(` ${text}`);
      } else {
        const node = doc.createTextNode(text);
        used.set(id, node);
        place.slot.appendChild(el(doc, "p", { id, class: "field-error" }, node));
      }
      for (const control of place.described) {
        const ids = extra.get(control) ?? [];
        if (!ids.includes(id)) ids.push(id);
        extra.set(control, ids);
      }
      if (place.invalid !== null) invalid.add(place.invalid);
      targets.push(place.focus);
      place.slot.closest(".limit-row")?.classList.add("invalid");
    }

    for (const [control, own] of this.describedBy) {
      const ids = [own, ...(extra.get(control) ?? [])].filter((s) => s !== "").join(" ");
      setAttr(control, "aria-describedby", ids === "" ? null : ids);
      setAttr(control, "aria-invalid", invalid.has(control) ? "true" : null);
    }

    this.summaryList.replaceChildren(
      ...items.map((item) => {
        const line = `${item.label}: ${item.text}`;
        const target = item.focus;
        if (target === null) return el(doc, "li", {}, line);
        const button = el(doc, "button", { class: "link-button", attrs: { type: "button" } }, line);
        button.addEventListener("click", () => target.focus());
        return el(doc, "li", {}, button);
      }),
    );
    this.summary.hidden = items.length === 0;

    if (!focus || items.length === 0) return;
    // The first one in the form, whatever the order of the messages.
    const first = targets.reduce<HTMLElement | null>(
      (a, b) => (a === null || a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_PRECEDING ? b : a),
      null,
    );
    (first ?? this.summaryHeading).focus();
  }
}
