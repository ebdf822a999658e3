// Header: title, connection status (id="link-status" data-mode) with the
// round-trip time (id="link-rtt") and the age of the last message
// (id="link-age"), the language (select id="language"), server URL,
// the number of open commands (id="outbox-depth" data-depth, "Outbox 2"),
// unacknowledged alerts (button id="alert-count" data-unacked data-critical,
// "Alerts 3"; it leads to the alert list), the mute toggle (button
// id="mute-toggle" data-muted), the DEMO banner (id="demo-banner", present
// only for a demo plant), the key help's button (id="key-help-open") and, in kiosk
// mode, the "Kiosk" badge (id="kiosk-badge", a word: not only a colour).

import {
  alertCountText,
  alertCountTone,
  formatRtt,
  lastMessageText,
  linkAddressText,
  linkLabel,
  muteLabel,
} from "../lib/format";
import { MUTE_MINUTES, UNKNOWN_SESSION } from "../state";
import { isLanguage, language, LANGUAGES, strings, type Language } from "../strings";
import { word } from "../strings/catalog";
import type { AlertStatus, LinkStatus, OperatorSession } from "../types";
import { bindAttr, bindText, onLanguage } from "./bind";
import { el, setAttr, setText } from "./dom";
import { keyHelpButton } from "./key-help";
import { whyNot } from "./session-text";
import "./header.css";

export class HeaderView {
  /** Holds the demo banner (when demo) and the header bar. */
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly bannerSlot: HTMLDivElement;
  private readonly tabSlot: HTMLDivElement;
  private readonly linkStatus: HTMLSpanElement;
  private readonly linkText: Text;
  private readonly linkDetail: HTMLSpanElement;
  private readonly linkDetailText: Text;
  /** The address the link is on and the failovers, for a plant with several addresses. */
  private readonly linkAddress: HTMLSpanElement;
  private readonly linkAddressText: Text;
  private readonly announcer: HTMLDivElement;
  private readonly rttText: Text;
  private readonly rtt: HTMLSpanElement;
  private readonly ageText: Text;
  private readonly languageSelect: HTMLSelectElement;
  /** Latest time of a message from the plant (from the link status or the diagnostics). */
  private lastMessageAt: number | null = null;
  private onLanguage: (lang: Language) => void = () => {};
  private readonly serverUrlText: Text;
  private readonly outboxDepth: HTMLSpanElement;
  private readonly outboxDepthText: Text;
  private readonly alertCount: HTMLButtonElement;
  private readonly alertCountText: Text;
  private readonly muteToggle: HTMLButtonElement;
  private readonly muteText: Text;
  /** Opens the key help. */
  readonly keyHelpOpen: HTMLButtonElement;
  private readonly kioskBadge: HTMLSpanElement;
  private onKeyHelp: (opener: HTMLElement) => void = () => {};
  /** Who is signed in (#session-who) and the Sign in / Sign out button (#session-toggle). */
  private readonly sessionBox: HTMLDivElement;
  private readonly sessionWho: HTMLSpanElement;
  private readonly sessionWhoText: Text;
  readonly sessionToggle: HTMLButtonElement;
  private readonly sessionToggleText: Text;
  /** The operators file refused (#session-refused), or the last idle sign-out (#session-notice). */
  private readonly sessionRefused: HTMLDivElement;
  private readonly sessionRefusedText: Text;
  private readonly sessionNotice: HTMLDivElement;
  private readonly sessionNoticeText: Text;
  private session: OperatorSession | null = null;
  private idleNotice: { name: string; seconds: number } | null = null;
  private onSignIn: (opener: HTMLElement) => void = () => {};
  private onSignOut: () => void = () => {};
  private link: LinkStatus | null = null;
  private announcedMode: string | null = null;
  private alertStatus: AlertStatus | null = null;
  private mutePending = false;
  /** Whether the toggle last said "Muted … — Unmute" (what a press asks for). */
  private showsMuted = false;
  private onAlertCount: () => void = () => {};
  private onMute: (unmute: boolean) => void = () => {};
  /** What the header last showed, drawn again in another language. */
  private meta: { demo: boolean; serverUrl: string } | null = null;
  private outboxOpen: number | null = null;
  private rttMs: number | null = null;
  private demoText: Text | null = null;
  private now = 0;

  constructor(doc: Document) {
    this.doc = doc;
    this.bannerSlot = el(doc, "div", { class: "banner-slot" });
    this.linkText = doc.createTextNode(strings.link.connecting);
    this.linkStatus = el(
      doc,
      "span",
      { id: "link-status", class: "link-status tone-neutral", attrs: { "data-mode": "connecting" } },
      el(doc, "span", { class: "link-dot", attrs: { "aria-hidden": "true" } }),
      el(doc, "span", { class: "link-text" }, this.linkText),
    );
    this.linkDetailText = doc.createTextNode("");
    this.linkDetail = el(doc, "span", { id: "link-detail", class: "link-detail" }, this.linkDetailText);
    this.linkDetail.hidden = true;
    this.linkAddressText = doc.createTextNode("");
    this.linkAddress = el(doc, "span", { id: "link-address", class: "link-detail", attrs: { dir: "auto" } }, this.linkAddressText);
    this.linkAddress.hidden = true;
    this.rttText = doc.createTextNode(strings.link.rttUnknown);
    this.ageText = doc.createTextNode(strings.link.noMessage);
    this.rtt = el(doc, "span", { id: "link-rtt", class: "link-meta" }, this.rttText);
    bindAttr(this.rtt, "title", () => strings.link.rttTitle);
    this.languageSelect = el(doc, "select", { id: "language", class: "select language-select" });
    for (const lang of LANGUAGES) {
      this.languageSelect.appendChild(
        el(doc, "option", { attrs: { value: lang, lang } }, () => strings.language.names[lang]),
      );
    }
    this.languageSelect.value = language();
    this.languageSelect.addEventListener("change", () => {
      const lang = this.languageSelect.value;
      if (isLanguage(lang) && lang !== language()) this.onLanguage(lang);
    });
    this.announcer = el(doc, "div", {
      id: "link-announcer",
      class: "visually-hidden",
      attrs: { role: "status", "aria-live": "polite" },
    });
    this.serverUrlText = doc.createTextNode(strings.missing);
    this.outboxDepthText = doc.createTextNode(strings.outbox.depthUnknown);
    this.outboxDepth = el(
      doc,
      "span",
      { id: "outbox-depth", class: "outbox-depth tone-neutral" },
      this.outboxDepthText,
    );
    bindAttr(this.outboxDepth, "title", () => strings.outbox.depthTitle);
    // Unknown until the console says: a dash, never a made-up 0.
    this.alertCountText = doc.createTextNode(`${strings.alerts.heading} ${strings.missing}`);
    this.alertCount = el(
      doc,
      "button",
      {
        id: "alert-count",
        class: "alert-count tone-neutral",
        attrs: { type: "button", "aria-controls": "alerts-panel" },
      },
      this.alertCountText,
    );
    bindAttr(this.alertCount, "title", () => strings.alerts.countTitle);
    this.muteText = doc.createTextNode(strings.alerts.mute(MUTE_MINUTES));
    this.muteToggle = el(
      doc,
      "button",
      { id: "mute-toggle", class: "button mute-toggle", attrs: { type: "button", "data-muted": "false" } },
      this.muteText,
    );
    this.muteToggle.disabled = true; // until the console has said whether it is muted
    this.alertCount.addEventListener("click", () => this.onAlertCount());
    this.muteToggle.addEventListener("click", () => {
      if (this.muteToggle.disabled) return;
      this.onMute(this.showsMuted);
    });

    this.keyHelpOpen = keyHelpButton(doc);
    this.keyHelpOpen.addEventListener("click", () => this.onKeyHelp(this.keyHelpOpen));
    this.kioskBadge = el(
      doc,
      "span",
      { id: "kiosk-badge", class: "badge kiosk-badge", attrs: { title: () => strings.windows.kioskTitle } },
      () => strings.windows.kiosk,
    );
    this.kioskBadge.hidden = true;

    this.sessionWhoText = doc.createTextNode("");
    this.sessionWho = el(doc, "span", { id: "session-who", class: "session-who", attrs: { dir: "auto" } }, this.sessionWhoText);
    this.sessionToggleText = doc.createTextNode("");
    this.sessionToggle = el(
      doc,
      "button",
      { id: "session-toggle", class: "button session-toggle", attrs: { type: "button" } },
      this.sessionToggleText,
    );
    this.sessionToggle.addEventListener("click", () => {
      if (this.session?.operator === null || this.session?.operator === undefined) this.onSignIn(this.sessionToggle);
      else this.onSignOut();
    });
    this.sessionBox = el(doc, "div", { id: "session", class: "session" }, this.sessionWho, this.sessionToggle);
    this.sessionBox.hidden = true;
    this.sessionRefusedText = doc.createTextNode("");
    this.sessionRefused = el(
      doc,
      "div",
      { id: "session-refused", class: "session-banner", attrs: { role: "alert" } },
      this.sessionRefusedText,
    );
    this.sessionRefused.hidden = true;
    this.sessionNoticeText = doc.createTextNode("");
    this.sessionNotice = el(doc, "div", { id: "session-notice", class: "session-notice", attrs: { role: "status" } }, this.sessionNoticeText);
    this.sessionNotice.hidden = true;

    this.tabSlot = el(doc, "div", { class: "tab-slot" });
    const age = el(doc, "span", { id: "link-age", class: "link-meta" }, this.ageText);
    bindAttr(age, "title", () => strings.link.lastMessageTitle);
    this.element = el(
      doc,
      "div",
      { class: "top" },
      this.bannerSlot,
      el(
        doc,
        "header",
        { class: "app-header" },
        el(
          doc,
          "div",
          { class: "header-row header-main" },
          el(doc, "h1", { class: "app-title" }, bindText(doc, () => strings.appTitle)),
          el(
            doc,
            "div",
            { class: "link" },
            this.linkStatus,
            this.rtt,
            age,
            this.linkDetail,
            this.linkAddress,
          ),
          this.outboxDepth,
          el(doc, "div", { class: "alert-controls" }, this.alertCount, this.muteToggle),
          this.sessionBox,
          el(doc, "div", { class: "window-controls" }, this.kioskBadge, this.keyHelpOpen),
        ),
        el(
          doc,
          "div",
          { class: "header-row header-sub" },
          this.tabSlot,
          el(
            doc,
            "div",
            { class: "server" },
            el(doc, "span", { class: "server-label" }, bindText(doc, () => `${strings.serverLabel}: `)),
            el(doc, "span", { id: "server-url", class: "server-url", attrs: { dir: "ltr" } }, this.serverUrlText),
          ),
          el(
            doc,
            "div",
            { class: "language" },
            el(doc, "label", { class: "language-label", attrs: { for: "language" } }, bindText(doc, () => strings.language.label)),
            this.languageSelect,
          ),
        ),
        this.announcer,
      ),
      this.sessionRefused,
      this.sessionNotice,
    );
    onLanguage(() => this.relabel());
  }

  /** Draws every text of the header again in the current language. */
  private relabel(): void {
    const now = this.now;
    this.drawSession();
    this.languageSelect.value = language();
    if (this.meta === null) setText(this.serverUrlText, strings.missing);
    else this.setMeta(this.meta.demo, this.meta.serverUrl);
    this.setOutboxDepth(this.outboxOpen);
    this.setRtt(this.rttMs);
    if (this.link === null) setText(this.linkText, strings.link.connecting);
    else this.refreshLabel(now);
    // What was announced is said again in the new language (as a window built in it would).
    if (this.link !== null && this.announcedMode !== null) {
      this.announcer.textContent = strings.link.announce(linkLabel(this.link, now).text);
    }
    this.refreshAge(now);
    if (this.alertStatus === null) {
      setText(this.alertCountText, `${strings.alerts.heading} ${strings.missing}`);
      setText(this.muteText, strings.alerts.mute(MUTE_MINUTES));
    } else {
      this.setAlertStatus(this.alertStatus, now);
    }
  }

  /** Called when the operator presses Sign in (with the button) or Sign out. */
  setSessionHandlers(signIn: (opener: HTMLElement) => void, signOut: () => void): void {
    this.onSignIn = signIn;
    this.onSignOut = signOut;
  }

  /** Who is signed in, and whether sign-in is on at all (the box is hidden when it is off). */
  setSession(session: OperatorSession): void {
    if (session.operator !== null) this.idleNotice = null;
    this.session = session;
    this.drawSession();
    // Muting is silencing: disabled for a role that may not, the reason its title.
    this.refreshMute(this.now);
    this.refreshMuteEnabled();
  }

  /** Why the one at the screen may not mute (null: they may, or the session is not known yet). */
  private muteBlock(): string | null {
    return this.session === null ? null : whyNot(this.session, "silence");
  }

  /** The console signed `name` out after `seconds` without activity: said until the next sign-in. */
  noteIdleSignOut(name: string, seconds: number): void {
    this.idleNotice = { name, seconds };
    this.drawSession();
  }

  private drawSession(): void {
    const s = this.session;
    // Nothing is drawn until the console has said whether sign-in is on: a box shown for
    // the unknown session and then taken away (sign-in off, as on the demo) moved the
    // header's rows under the operator's pointer at start, and a tab click was lost.
    const on = s !== null && s !== UNKNOWN_SESSION && s.sign_in;
    this.sessionBox.hidden = !on;
    const refused = s?.refused ?? null;
    setText(this.sessionRefusedText, refused === null ? "" : word({ id: "session-refused", args: { reason: refused } }));
    this.sessionRefused.hidden = refused === null;
    const idle = this.idleNotice;
    setText(
      this.sessionNoticeText,
      idle === null ? "" : word({ id: "session-idle-signed-out", args: { name: idle.name, duration: { duration: idle.seconds } } }),
    );
    this.sessionNotice.hidden = idle === null;
    if (s === null) return;
    const who = s.operator;
    setAttr(this.sessionBox, "data-operator", who?.name ?? null);
    setAttr(this.sessionBox, "data-role", who?.role ?? null);
    setText(this.sessionWhoText, who === null ? word({ id: "session-nobody", args: {} }) : word({ id: "session-who", args: { name: who.name, role: who.role } }));
    setAttr(
      this.sessionWho,
      "title",
      who === null ? word({ id: "session-nobody-title", args: {} }) : word({ id: "session-who-title", args: { name: who.name, role: who.role } }),
    );
    setText(this.sessionToggleText, word({ id: who === null ? "session-sign-in" : "session-sign-out", args: {} }));
    setAttr(this.sessionToggle, "data-action", who === null ? "sign-in" : "sign-out");
    // A refused file lets nobody in: there is nothing to sign in to.
    this.sessionToggle.disabled = refused !== null;
  }

  /** Called with the "Keys" button when the operator presses it. */
  setKeyHelpHandler(handler: (opener: HTMLElement) => void): void {
    this.onKeyHelp = handler;
  }

  /** Shows the "Kiosk" badge while the console runs in kiosk mode. */
  setKiosk(kiosk: boolean): void {
    this.kioskBadge.hidden = !kiosk;
  }

  /** Puts the view tabs into the header's second row (before the server and the language). */
  setTabs(tabs: HTMLElement): void {
    this.tabSlot.replaceChildren(tabs);
  }

  setMeta(demo: boolean, serverUrl: string): void {
    this.meta = { demo, serverUrl };
    setText(this.serverUrlText, serverUrl === "" ? strings.noServer : serverUrl);
    const existing = this.bannerSlot.firstElementChild;
    if (demo && existing === null) {
      this.demoText = this.doc.createTextNode(strings.demoBanner);
      this.bannerSlot.appendChild(
        el(
          this.doc,
          "div",
          { id: "demo-banner", class: "demo-banner", attrs: { role: "note" } },
          el(this.doc, "span", { class: "demo-banner-text" }, this.demoText),
        ),
      );
    } else if (!demo && existing !== null) {
      existing.remove();
      this.demoText = null;
    }
    if (this.demoText !== null) setText(this.demoText, strings.demoBanner);
    this.doc.title = demo ? `${strings.appTitle}${strings.demoTitleSuffix}` : strings.appTitle;
  }

  /** Number of commands not finished yet (null: not known, the outbox is not loaded). */
  setOutboxDepth(open: number | null): void {
    this.outboxOpen = open;
    setText(this.outboxDepthText, open === null ? strings.outbox.depthUnknown : strings.outbox.depth(open));
    setAttr(this.outboxDepth, "data-depth", open === null ? null : String(open));
    const cls = `outbox-depth ${open !== null && open > 0 ? "tone-warn" : "tone-neutral"}`;
    if (this.outboxDepth.className !== cls) this.outboxDepth.className = cls;
  }

  /** Called when the operator picks another language. */
  setLanguageHandler(handler: (lang: Language) => void): void {
    this.onLanguage = handler;
  }

  /** The round-trip time from the diagnostics (null: not known). */
  setRtt(ms: number | null): void {
    this.rttMs = ms;
    setText(this.rttText, ms === null ? strings.link.rttUnknown : strings.link.rtt(formatRtt(ms)));
    setAttr(this.rtt, "data-rtt-ms", ms === null ? null : String(ms));
  }

  /** A time of the last message (from the link status or the diagnostics): the latest one counts. */
  setLastMessageAt(at: number | null, now: number): void {
    if (at !== null && Number.isFinite(at) && (this.lastMessageAt === null || at > this.lastMessageAt)) {
      this.lastMessageAt = at;
    }
    this.refreshAge(now);
  }

  private refreshAge(now: number): void {
    this.now = now;
    setText(this.ageText, lastMessageText(this.lastMessageAt, now));
  }

  setLink(link: LinkStatus, now: number): void {
    this.now = now;
    this.link = link;
    if (link.last_message_at !== null && link.last_message_at !== undefined) {
      this.setLastMessageAt(link.last_message_at, now);
    }
    setAttr(this.linkStatus, "data-mode", String(link.mode));
    setText(this.linkDetailText, link.detail ?? "");
    this.linkDetail.hidden = link.detail === null || link.detail === "";
    // Server text, set as text: an address never becomes markup.
    const where = linkAddressText(link, now);
    setText(this.linkAddressText, where);
    this.linkAddress.hidden = where === "";
    setAttr(this.linkAddress, "data-failovers", String(link.failovers ?? 0));
    this.refreshLabel(now);
  }

  private refreshLabel(now: number): void {
    if (this.link === null) return;
    const label = linkLabel(this.link, now);
    setText(this.linkText, label.text);
    const cls = `link-status tone-${label.tone}`;
    if (this.linkStatus.className !== cls) this.linkStatus.className = cls;
    if (this.announcedMode !== this.link.mode) {
      this.announcedMode = this.link.mode;
      this.announcer.textContent = strings.link.announce(label.text);
    }
  }

  /** Called when the operator presses the alert count. */
  setAlertCountHandler(handler: () => void): void {
    this.onAlertCount = handler;
  }

  /** Called when the operator presses the mute toggle: `unmute` says which way it pointed. */
  setMuteHandler(handler: (unmute: boolean) => void): void {
    this.onMute = handler;
  }

  /** Unacknowledged counts and the mute, as the console says. */
  setAlertStatus(status: AlertStatus, now: number): void {
    this.now = now;
    this.alertStatus = status;
    setText(this.alertCountText, alertCountText(status));
    setAttr(this.alertCount, "data-unacked", String(status.unacked));
    setAttr(this.alertCount, "data-critical", String(status.unacked_critical));
    const cls = `alert-count tone-${alertCountTone(status)}`;
    if (this.alertCount.className !== cls) this.alertCount.className = cls;
    this.refreshMute(now);
  }

  /** A mute or unmute is in flight: the toggle waits for its answer. */
  setMutePending(pending: boolean): void {
    this.mutePending = pending;
    this.refreshMuteEnabled();
  }

  private refreshMute(now: number): void {
    if (this.alertStatus === null) return;
    const label = muteLabel(this.alertStatus, now);
    this.showsMuted = label.muted;
    setText(this.muteText, label.text);
    setAttr(this.muteToggle, "title", this.muteBlock() ?? label.title);
    setAttr(this.muteToggle, "data-muted", label.muted ? "true" : "false");
    this.muteToggle.classList.toggle("muted", label.muted);
    this.refreshMuteEnabled();
  }

  private refreshMuteEnabled(): void {
    const disabled = this.mutePending || this.alertStatus === null || this.muteBlock() !== null;
    if (this.muteToggle.disabled !== disabled) this.muteToggle.disabled = disabled;
  }

  /** Refreshes time-dependent text ("Stale — last message N s ago", "Muted until …"). */
  tick(now: number): void {
    this.now = now;
    this.refreshLabel(now);
    this.refreshAge(now);
    this.refreshMute(now);
  }
}
