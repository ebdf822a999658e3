// The alarm banner, under the header in every view: div#alarm-banner
// [data-priority="critical|high|medium|low|none"]. It shows the newest
// unacknowledged alarm of the highest priority (#alarm-banner-top: its priority
// as a badge with text, its time, its source and its message; or
// #alarm-banner-none when there is none), the unacknowledged count of each
// priority (span.alarm-count[data-priority][data-count] in #alarm-banner-counts),
// and three buttons: #alarm-banner-ack acknowledges the alarm shown,
// #alarm-banner-silence silences the sound (enabled while something sounds),
// #alarm-banner-summary opens the alarm summary. Their titles name their keys
// (views/keys.ts). Why an action from here (or from a key) was not done is in
// #alarm-banner-error. The source and the message are the plant's and the
// catalog's words, set as text.

import { alarmPriorityLabel, formatDateTime, formatTimeOfDayOrDate } from "../lib/format";
import { ALARM_PRIORITIES, bannerPriority, SIGN_IN_OFF } from "../state";
import { language, strings } from "../strings";
import { wordIn } from "../strings/catalog";
import type { Action, AlarmPriority, AlarmStatus, AlarmView, OperatorSession } from "../types";
import { LabelText, onLanguage } from "./bind";
import { el, setAttr, setText, type Label } from "./dom";
import { ALARM_KEYS } from "./keys";
import { whyNot } from "./session-text";
import "./alarms.css";

/** What the banner's buttons ask for; the controller answers. */
export interface AlarmBannerActions {
  /** Acknowledge the alarm the banner shows. */
  acknowledge(id: number): void;
  silence(): void;
  openSummary(): void;
}

interface CountChip {
  readonly span: HTMLSpanElement;
  readonly text: Text;
}

export class AlarmBannerView {
  readonly element: HTMLDivElement;
  private readonly top: HTMLSpanElement;
  private readonly none: HTMLSpanElement;
  private readonly noneText: Text;
  private readonly badge: HTMLSpanElement;
  private readonly badgeText: Text;
  private readonly time: HTMLTimeElement;
  private readonly timeText: Text;
  private readonly sourceText: Text;
  private readonly messageText: Text;
  private readonly counts = new Map<AlarmPriority, CountChip>();
  private readonly ackButton: HTMLButtonElement;
  private readonly silenceButton: HTMLButtonElement;
  private readonly summaryButton: HTMLButtonElement;
  private readonly errorBox: HTMLParagraphElement;
  private readonly errorText: LabelText;
  private status: AlarmStatus | null = null;
  /** The alarm whose acknowledgement is in flight (its button waits for the answer). */
  private pendingAck: number | null = null;
  private silencePending = false;
  private actions: AlarmBannerActions | null = null;
  private now = 0;
  /** Who is at the screen: a button the role may not use is disabled, the reason its title. */
  private session: OperatorSession = SIGN_IN_OFF;

  constructor(doc: Document) {
    const A = () => strings.alarms;
    this.badgeText = doc.createTextNode("");
    this.badge = el(doc, "span", { class: "badge priority" }, this.badgeText);
    this.timeText = doc.createTextNode("");
    this.time = el(doc, "time", { id: "alarm-banner-time", class: "alarm-banner-time" }, this.timeText);
    this.sourceText = doc.createTextNode("");
    this.messageText = doc.createTextNode("");
    this.top = el(
      doc,
      "span",
      { id: "alarm-banner-top", class: "alarm-banner-top" },
      this.badge,
      this.time,
      el(doc, "span", { id: "alarm-banner-source", class: "alarm-banner-source", attrs: { dir: "auto" } }, this.sourceText),
      el(doc, "span", { id: "alarm-banner-message", class: "alarm-banner-message", attrs: { dir: "auto" } }, this.messageText),
    );
    this.noneText = doc.createTextNode(A().bannerUnknown);
    this.none = el(doc, "span", { id: "alarm-banner-none", class: "alarm-banner-none" }, this.noneText);
    const counts = el(doc, "span", { id: "alarm-banner-counts", class: "alarm-banner-counts" });
    for (const p of ALARM_PRIORITIES) {
      const text = doc.createTextNode("");
      const span = el(doc, "span", { class: `alarm-count priority-${p}`, attrs: { "data-priority": p } }, text);
      counts.appendChild(span);
      this.counts.set(p, { span, text });
    }
    this.ackButton = el(
      doc,
      "button",
      {
        id: "alarm-banner-ack",
        class: "button button-action",
        // Its title (the key, or why the role may not) is set with its state.
        attrs: { type: "button" },
      },
      () => A().acknowledgeTop,
    );
    this.silenceButton = el(
      doc,
      "button",
      {
        id: "alarm-banner-silence",
        class: "button",
        attrs: { type: "button" },
      },
      () => A().silence,
    );
    this.summaryButton = el(
      doc,
      "button",
      {
        id: "alarm-banner-summary",
        class: "button",
        attrs: { type: "button", "aria-controls": "view-alarms", title: () => A().openSummaryTitle(ALARM_KEYS.summary.label) },
      },
      () => A().openSummary,
    );
    this.errorText = new LabelText(doc);
    this.errorBox = el(doc, "p", { id: "alarm-banner-error", class: "alarm-banner-error", attrs: { role: "alert" } }, this.errorText.node);
    this.errorBox.hidden = true;
    this.element = el(
      doc,
      "div",
      {
        id: "alarm-banner",
        class: "alarm-banner priority-none",
        attrs: { role: "region", "aria-label": () => A().banner, "data-priority": "none" },
      },
      // Polite: a new top alarm is read out once the screen reader is done, and the
      // sound (when on) is what interrupts.
      el(doc, "span", { class: "alarm-banner-alarm", attrs: { "aria-live": "polite" } }, this.top, this.none),
      counts,
      el(doc, "span", { class: "alarm-banner-actions" }, this.ackButton, this.silenceButton, this.summaryButton),
      this.errorBox,
    );
    this.ackButton.addEventListener("click", () => this.acknowledge());
    this.silenceButton.addEventListener("click", () => this.silence());
    this.summaryButton.addEventListener("click", () => this.actions?.openSummary());
    this.draw();
    onLanguage(() => this.draw());
  }

  setActions(actions: AlarmBannerActions): void {
    this.actions = actions;
  }

  /** Shows (or clears, with null) why an acknowledgement or a silence from here was not done. */
  showError(message: Label | null): void {
    this.errorText.set(message ?? "");
    this.errorBox.hidden = message === null;
  }

  /** The alarm the banner shows, if any. */
  get topAlarm(): AlarmView | null {
    return this.status?.top ?? null;
  }

  /** The counts, the top alarm and what sounds, as the console says (null: not known yet). */
  setStatus(status: AlarmStatus | null, now: number): void {
    this.status = status;
    this.now = now;
    // A new top alarm has a button of its own: the previous one's answer no longer holds it.
    if (this.pendingAck !== null && status?.top?.id !== this.pendingAck) this.pendingAck = null;
    this.draw();
  }

  /** The operator session changed (or the language): the buttons follow what the role may do. */
  setSession(session: OperatorSession): void {
    this.session = session;
    this.refreshButtons();
  }

  /** Why the role may not take `action` now (null: it may). */
  private blocked(action: Action): string | null {
    return whyNot(this.session, action);
  }

  /**
   * The banner's Acknowledge (or its key): the alarm shown. A role that may not
   * acknowledge sends nothing; the key's press is answered with the reason.
   */
  acknowledge(): void {
    const top = this.topAlarm;
    if (top === null) return;
    const reason = this.blocked("acknowledge");
    if (reason !== null) {
      this.showError(() => this.blocked("acknowledge") ?? "");
      return;
    }
    if (this.ackButton.disabled) return;
    this.pendingAck = top.id;
    this.refreshButtons();
    this.actions?.acknowledge(top.id);
  }

  /** An acknowledgement from the banner was answered: the button may be pressed again. */
  ackSettled(): void {
    this.pendingAck = null;
    this.refreshButtons();
  }

  private silence(): void {
    if (this.silenceButton.disabled) return;
    this.silencePending = true;
    this.refreshButtons();
    this.actions?.silence();
  }

  /** A silence was answered. */
  silenceSettled(): void {
    this.silencePending = false;
    this.refreshButtons();
  }

  /** The time of the alarm shown, right across midnight (once a second). */
  tick(now: number): void {
    this.now = now;
    const top = this.topAlarm;
    if (top !== null) setText(this.timeText, formatTimeOfDayOrDate(top.activated_at ?? top.changed_at, now));
  }

  private draw(): void {
    const A = strings.alarms;
    const status = this.status;
    const top = status?.top ?? null;
    const priority = status === null ? null : bannerPriority(status);
    const tone = priority ?? "none";
    setAttr(this.element, "data-priority", tone);
    const cls = `alarm-banner priority-${tone}`;
    if (this.element.className !== cls) this.element.className = cls;
    this.top.hidden = top === null;
    this.none.hidden = top !== null;
    setText(this.noneText, status === null ? A.bannerUnknown : A.bannerNone);
    if (top !== null) {
      const p = String(top.priority);
      const badgeCls = `badge priority priority-${p}`;
      if (this.badge.className !== badgeCls) this.badge.className = badgeCls;
      setAttr(this.badge, "data-state-indicator", "priority");
      setAttr(this.badge, "data-abnormal", "true");
      setText(this.badgeText, alarmPriorityLabel(p));
      const at = top.activated_at ?? top.changed_at;
      setText(this.timeText, formatTimeOfDayOrDate(at, this.now));
      setAttr(this.time, "title", formatDateTime(at));
      setText(this.sourceText, String(top.source));
      setText(this.messageText, wordIn(language(), top.message));
    }
    for (const [p, chip] of this.counts) {
      const n = status?.unacknowledged[p] ?? null;
      const label = alarmPriorityLabel(p);
      setText(chip.text, n === null ? `${label} ${strings.missing}` : A.count(label, n));
      setAttr(chip.span, "data-count", n === null ? null : String(n));
      setAttr(chip.span, "title", n === null ? null : A.countTitle(label, n));
      chip.span.classList.toggle("zero", n === null || n === 0);
    }
    this.refreshButtons();
  }

  private refreshButtons(): void {
    const top = this.topAlarm;
    const ackBlock = this.blocked("acknowledge");
    const ackDisabled = top === null || this.pendingAck === top.id || ackBlock !== null;
    if (this.ackButton.disabled !== ackDisabled) this.ackButton.disabled = ackDisabled;
    setAttr(this.ackButton, "title", ackBlock ?? strings.alarms.acknowledgeTopTitle(ALARM_KEYS.acknowledge.label));
    const silenceBlock = this.blocked("silence");
    const silenceDisabled = this.silencePending || (this.status?.sounding ?? null) === null || silenceBlock !== null;
    if (this.silenceButton.disabled !== silenceDisabled) this.silenceButton.disabled = silenceDisabled;
    setAttr(this.silenceButton, "title", silenceBlock ?? strings.alarms.silenceTitle(ALARM_KEYS.silence.label));
  }
}
