// The key help: div#key-help[role=dialog][aria-modal=true], hidden unless open, listing
// every key of the window (views/keys.ts, the one table of keys) by group, each row a
// tr[data-key-id] with the keycaps (<kbd>) and what the key does, in the window's
// language. It opens from the header's "Keys" button (#key-help-open) or F1 / Shift+?,
// and closes with Escape, its Close button (#key-help-close) or a click beside it; the
// focus stays inside while it is open and goes back to where it was when it closes. In
// kiosk mode it also says how the engineer leaves kiosk mode (#key-help-kiosk).

import type { WindowRole } from "../lib/window-role";
import { strings } from "../strings";
import { bindAttr, bindText } from "./bind";
import { el } from "./dom";
import { trapTab } from "./focus-trap";
import { KEY_GROUPS, keyLabel, keysFor, type KeyEntry, type KeyGroup } from "./keys";
import "./key-help.css";

/** What the engineer types on the console's machine to end kiosk mode (the Rust side's option). */
export const LEAVE_KIOSK_COMMAND = "plant-console --leave-kiosk";

export class KeyHelpView {
  readonly element: HTMLDivElement;
  private readonly doc: Document;
  private readonly closeButton: HTMLButtonElement;
  private readonly kioskNote: HTMLParagraphElement;
  /** Where the focus goes back to on close. */
  private opener: HTMLElement | null = null;

  constructor(doc: Document, role: WindowRole = "main") {
    this.doc = doc;
    this.closeButton = el(
      doc,
      "button",
      { id: "key-help-close", class: "button", attrs: { type: "button", title: () => strings.keys.closeTitle } },
      () => strings.keys.close,
    );
    this.kioskNote = el(
      doc,
      "p",
      { id: "key-help-kiosk", class: "key-help-kiosk" },
      bindText(doc, () => strings.keys.kioskLeave(LEAVE_KIOSK_COMMAND)),
    );
    this.kioskNote.hidden = true;
    const keys = keysFor(role);
    const groups = KEY_GROUPS.map((group) => this.group(group, keys.filter((k) => k.group === group))).filter(
      (section): section is HTMLElement => section !== null,
    );
    const panel = el(
      doc,
      "div",
      { class: "key-help-panel" },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: "key-help-title" }, () => strings.keys.heading),
        el(doc, "span", { class: "panel-actions" }, this.closeButton),
      ),
      el(doc, "p", { id: "key-help-intro", class: "key-help-intro" }, () => strings.keys.intro),
      this.kioskNote,
      el(
        doc,
        "div",
        {
          id: "key-help-list",
          class: "key-help-list",
          attrs: { tabindex: "0", role: "region", "aria-labelledby": "key-help-title" },
        },
        ...groups,
      ),
    );
    this.element = el(
      doc,
      "div",
      {
        id: "key-help",
        class: "key-help",
        attrs: { role: "dialog", "aria-modal": "true", "aria-labelledby": "key-help-title", "aria-describedby": "key-help-intro" },
      },
      panel,
    );
    this.element.hidden = true;
    this.closeButton.addEventListener("click", () => this.close());
    this.element.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        ev.stopPropagation();
        this.close();
        return;
      }
      trapTab(this.element, ev);
    });
    // A click on the dimmed page around the list closes it, as Escape does.
    this.element.addEventListener("click", (ev) => {
      if (ev.target === this.element) this.close();
    });
  }

  /** One group's heading and table of keys (null when the window has none of its keys). */
  private group(group: KeyGroup, keys: readonly KeyEntry[]): HTMLElement | null {
    if (keys.length === 0) return null;
    const doc = this.doc;
    const headingId = `key-help-group-${group}`;
    return el(
      doc,
      "section",
      { class: "key-help-group", attrs: { "aria-labelledby": headingId, "data-key-group": group } },
      el(doc, "h3", { id: headingId }, () => strings.keys.groups[group]),
      el(
        doc,
        "table",
        { class: "data-table key-help-table" },
        el(doc, "caption", { class: "visually-hidden" }, () => strings.keys.groups[group]),
        el(
          doc,
          "thead",
          {},
          el(
            doc,
            "tr",
            {},
            el(doc, "th", { attrs: { scope: "col" } }, () => strings.keys.keyColumn),
            el(doc, "th", { attrs: { scope: "col" } }, () => strings.keys.actionColumn),
          ),
        ),
        el(doc, "tbody", {}, ...keys.map((key) => this.row(key))),
      ),
    );
  }

  private row(key: KeyEntry): HTMLTableRowElement {
    const doc = this.doc;
    // The keycaps read left to right in both languages ("Ctrl+Shift+A", not "A+Shift+Ctrl").
    const caps = el(doc, "span", { class: "key-caps", attrs: { dir: "ltr" } });
    key.label.split(" / ").forEach((cap, i) => {
      if (i > 0) caps.appendChild(doc.createTextNode(" / "));
      caps.appendChild(el(doc, "kbd", {}, cap));
    });
    return el(
      doc,
      "tr",
      { attrs: { "data-key-id": key.id } },
      el(doc, "th", { class: "key-help-key", attrs: { scope: "row" } }, caps),
      el(doc, "td", { class: "key-help-action" }, bindText(doc, () => key.describe(strings))),
    );
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Whether the console is in kiosk mode: the list then says how the engineer leaves it. */
  setKiosk(kiosk: boolean): void {
    this.kioskNote.hidden = !kiosk;
  }

  /** Opens the list, the focus on its Close button; `opener` (or what had the focus) gets it back on close. */
  open(opener: HTMLElement | null = null): void {
    if (this.isOpen) return;
    const active = this.doc.activeElement;
    this.opener = opener ?? (active instanceof HTMLElement && active !== this.doc.body ? active : null);
    this.element.hidden = false;
    this.closeButton.focus();
  }

  close(): void {
    if (!this.isOpen) return;
    this.element.hidden = true;
    const opener = this.opener;
    this.opener = null;
    if (opener !== null && opener.isConnected && !(opener as HTMLButtonElement).disabled) opener.focus();
  }

  toggle(opener: HTMLElement | null = null): void {
    if (this.isOpen) this.close();
    else this.open(opener);
  }
}

/** The header's "Keys" button (#key-help-open), its title naming the key that does the same. */
export function keyHelpButton(doc: Document): HTMLButtonElement {
  const button = el(
    doc,
    "button",
    { id: "key-help-open", class: "button key-help-open", attrs: { type: "button", "aria-controls": "key-help", "aria-haspopup": "dialog" } },
    () => strings.keys.open,
  );
  bindAttr(button, "title", () => strings.keys.openTitle(keyLabel("help")));
  return button;
}
