// The view switcher: a real tab list (div[role=tablist]) with one
// button#tab-<id>[role=tab] per view and its section#view-<id>[role=tabpanel].
// Arrow keys move between the tabs (mirrored in right-to-left), Home / End go
// to the first / last; a tab is shown as soon as it gets the focus.

import { strings } from "../strings";
import { bindAttr, bindText } from "./bind";
import { el, setAttr } from "./dom";
import "./tabs.css";

export type TabId = "overview" | "alarms" | "plant" | "trends" | "alerts" | "diagnostics" | "settings";
/**
 * The tabs in order: the Level-1 overview first (the whole plant at a glance, ISA-101),
 * then the alarms, where an operator looks next. The window opens on the overview
 * (DEFAULT_TAB): the alarm banner above every view says what is most urgent, and the
 * overview says where in the plant it is.
 */
export const TAB_IDS: readonly TabId[] = ["overview", "alarms", "plant", "trends", "alerts", "diagnostics", "settings"];

/** The view a fresh window opens on. */
export const DEFAULT_TAB: TabId = "overview";

export function isTabId(value: unknown): value is TabId {
  return (TAB_IDS as readonly unknown[]).includes(value);
}

function tabLabel(tab: TabId): string {
  return strings.tabs[tab];
}

export class TabsView {
  readonly element: HTMLDivElement;
  private readonly doc: Document;
  private readonly buttons = new Map<TabId, HTMLButtonElement>();
  private readonly panels: Readonly<Record<TabId, HTMLElement>>;
  private active: TabId = DEFAULT_TAB;
  private onChange: (tab: TabId) => void = () => {};

  constructor(doc: Document, panels: Readonly<Record<TabId, HTMLElement>>) {
    this.doc = doc;
    this.panels = panels;
    this.element = el(doc, "div", { id: "view-tabs", class: "tabs", attrs: { role: "tablist" } });
    bindAttr(this.element, "aria-label", () => strings.tabs.label);
    for (const tab of TAB_IDS) {
      const button = el(
        doc,
        "button",
        {
          id: `tab-${tab}`,
          class: "tab",
          attrs: { type: "button", role: "tab", "aria-controls": `view-${tab}`, "data-tab": tab },
        },
        bindText(doc, () => tabLabel(tab)),
      );
      button.addEventListener("click", () => this.select(tab));
      button.addEventListener("keydown", (ev) => this.onKey(ev, tab));
      this.buttons.set(tab, button);
      this.element.appendChild(button);
      const panel = panels[tab];
      panel.id = `view-${tab}`;
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", `tab-${tab}`);
    }
    this.apply();
  }

  get current(): TabId {
    return this.active;
  }

  /** Called after the shown tab changed. */
  setChangeHandler(handler: (tab: TabId) => void): void {
    this.onChange = handler;
  }

  /** Shows a tab (and focuses its button when `focus`). */
  select(tab: TabId, focus = false): void {
    const changed = tab !== this.active;
    this.active = tab;
    this.apply();
    if (focus) this.buttons.get(tab)?.focus();
    if (changed) this.onChange(tab);
  }

  private apply(): void {
    for (const tab of TAB_IDS) {
      const selected = tab === this.active;
      const button = this.buttons.get(tab);
      if (button !== undefined) {
        setAttr(button, "aria-selected", selected ? "true" : "false");
        setAttr(button, "tabindex", selected ? "0" : "-1");
        button.classList.toggle("active", selected);
      }
      const panel = this.panels[tab];
      if (panel.hidden === selected) panel.hidden = !selected;
    }
  }

  private onKey(ev: KeyboardEvent, tab: TabId): void {
    const rtl = this.doc.documentElement.getAttribute("dir") === "rtl";
    const i = TAB_IDS.indexOf(tab);
    let next: number | null = null;
    switch (ev.key) {
      case "ArrowRight":
        next = rtl ? i - 1 : i + 1;
        break;
      case "ArrowLeft":
        next = rtl ? i + 1 : i - 1;
        break;
      case "Home":
        next = 0;
        break;
      case "End":
        next = TAB_IDS.length - 1;
        break;
      default:
        return;
    }
    ev.preventDefault();
    const n = TAB_IDS.length;
    const target = TAB_IDS[((next % n) + n) % n];
    if (target !== undefined) this.select(target, true);
  }
}
