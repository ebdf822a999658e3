// Keeps the keyboard inside a modal: Tab from the last control goes to the first and
// Shift+Tab from the first to the last. A modal <dialog> shown with showModal() makes
// the rest of the page inert, but Tab can still leave the page for the webview's own
// chrome, and the overlays that are not <dialog>s (the key help) have no such help at
// all; so every modal of the window wraps the focus itself, the same way.

/** What can take the focus by Tab. */
const FOCUSABLE =
  'button, [href], input:not([type="hidden"]), select, textarea, [tabindex]:not([tabindex="-1"])';

/** The controls inside `container` that Tab reaches now, in order (hidden and disabled ones left out). */
export function tabbable(container: HTMLElement): HTMLElement[] {
  return [...container.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((node) => {
    if ((node as HTMLButtonElement).disabled === true) return false;
    if (node.getAttribute("tabindex") === "-1") return false;
    return node.closest("[hidden]") === null;
  });
}

/**
 * Wraps a Tab keydown inside `container` (call it from the container's keydown
 * listener). The focus found outside (a click on the backdrop) comes back to the first
 * control. Other keys are left alone.
 */
export function trapTab(container: HTMLElement, ev: KeyboardEvent): void {
  if (ev.key !== "Tab" || ev.ctrlKey || ev.altKey || ev.metaKey) return;
  const controls = tabbable(container);
  const first = controls[0];
  const last = controls[controls.length - 1];
  if (first === undefined || last === undefined) {
    ev.preventDefault();
    return;
  }
  const active = container.ownerDocument.activeElement;
  const inside = active instanceof HTMLElement && container.contains(active);
  if (ev.shiftKey && (!inside || active === first)) {
    ev.preventDefault();
    last.focus();
  } else if (!ev.shiftKey && (!inside || active === last)) {
    ev.preventDefault();
    first.focus();
  }
}
