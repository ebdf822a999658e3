// Header: title, connection status (id="link-status" data-mode), server URL,
// the number of open commands (id="outbox-depth" data-depth, "Outbox 2"),
// and the DEMO banner (id="demo-banner", present only for a demo plant).

import { linkLabel } from "../format";
import { strings } from "../strings";
import type { LinkStatus } from "../types";
import { el, setAttr, setText } from "./dom";

export class HeaderView {
  /** Holds the demo banner (when demo) and the header bar. */
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly bannerSlot: HTMLDivElement;
  private readonly linkStatus: HTMLSpanElement;
  private readonly linkText: Text;
  private readonly linkDetail: HTMLSpanElement;
  private readonly linkDetailText: Text;
  private readonly announcer: HTMLDivElement;
  private readonly serverUrlText: Text;
  private readonly outboxDepth: HTMLSpanElement;
  private readonly outboxDepthText: Text;
  private link: LinkStatus | null = null;
  private announcedMode: string | null = null;

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
      { id: "outbox-depth", class: "outbox-depth tone-neutral", attrs: { title: strings.outbox.depthTitle } },
      this.outboxDepthText,
    );

    this.element = el(
      doc,
      "div",
      { class: "top" },
      this.bannerSlot,
      el(
        doc,
        "header",
        { class: "app-header" },
        el(doc, "h1", { class: "app-title" }, strings.appTitle),
        el(doc, "div", { class: "link" }, this.linkStatus, this.linkDetail),
        this.outboxDepth,
        el(
          doc,
          "div",
          { class: "server" },
          el(doc, "span", { class: "server-label" }, `${strings.serverLabel}: `),
          el(doc, "span", { id: "server-url", class: "server-url" }, this.serverUrlText),
        ),
        this.announcer,
      ),
    );
  }

  setMeta(demo: boolean, serverUrl: string): void {
    setText(this.serverUrlText, serverUrl === "" ? strings.noServer : serverUrl);
    const existing = this.bannerSlot.firstElementChild;
    if (demo && existing === null) {
      this.bannerSlot.appendChild(
        el(
          this.doc,
          "div",
          { id: "demo-banner", class: "demo-banner", attrs: { role: "note" } },
          el(this.doc, "span", { class: "demo-banner-text" }, strings.demoBanner),
        ),
      );
    } else if (!demo && existing !== null) {
      existing.remove();
    }
    this.doc.title = demo ? `${strings.appTitle}${strings.demoTitleSuffix}` : strings.appTitle;
  }

  /** Number of commands not finished yet (null: not known, the outbox is not loaded). */
  setOutboxDepth(open: number | null): void {
    setText(this.outboxDepthText, open === null ? strings.outbox.depthUnknown : strings.outbox.depth(open));
    setAttr(this.outboxDepth, "data-depth", open === null ? null : String(open));
    const cls = `outbox-depth ${open !== null && open > 0 ? "tone-warn" : "tone-neutral"}`;
    if (this.outboxDepth.className !== cls) this.outboxDepth.className = cls;
  }

  setLink(link: LinkStatus, now: number): void {
    this.link = link;
    setAttr(this.linkStatus, "data-mode", String(link.mode));
    setText(this.linkDetailText, link.detail ?? "");
    this.linkDetail.hidden = link.detail === null || link.detail === "";
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

  /** Refreshes time-dependent text ("Stale — last message N s ago"). */
  tick(now: number): void {
    this.refreshLabel(now);
  }
}
