// The window's part in the console's extra windows (a second or third monitor's alarm
// summary, plant overview or trend): the "Open in new window" buttons of the main
// window (button[data-open-window=KIND]) and what a window of one view looks like
// (<html data-window-role>, which windows.css reads).

import type { SecondaryRole, WindowRole } from "../lib/window-role";
import { strings } from "../strings";
import { bindAttr } from "./bind";
import { el, setAttr } from "./dom";
import "./windows.css";

/** The view tab an extra window of each kind shows (the trend's tab is "trends"). */
export const ROLE_TABS: Readonly<Record<SecondaryRole, string>> = {
  alarms: "alarms",
  overview: "overview",
  trend: "trends",
};

/** Marks the page's root with the window it is in: `<html data-window-role="main">`, or the view's kind. */
export function applyWindowRole(doc: Document, role: WindowRole): void {
  setAttr(doc.documentElement, "data-window-role", role);
}

/** A view's "Open in new window" button. */
export function openWindowButton(doc: Document, kind: SecondaryRole, onOpen: (kind: SecondaryRole) => void): HTMLButtonElement {
  const button = el(
    doc,
    "button",
    { class: "button open-window", attrs: { type: "button", "data-open-window": kind } },
    () => strings.windows.open,
  );
  bindAttr(button, "title", () => strings.windows.openTitle(strings.windows.views[kind]));
  button.addEventListener("click", () => onOpen(kind));
  return button;
}

/**
 * Puts a view's "Open in new window" button into its first panel's heading row, beside
 * the panel's own buttons, or at the top of the view when it has no heading row.
 */
export function placeOpenWindowButton(view: HTMLElement, button: HTMLButtonElement): void {
  const head = view.querySelector(".panel-head");
  const actions = head?.querySelector(":scope > .panel-actions");
  if (actions instanceof HTMLElement) actions.append(" ", button);
  else if (head instanceof HTMLElement) head.appendChild(button);
  else view.prepend(el(view.ownerDocument, "div", { class: "open-window-row" }, button));
}
