// A drag handle between two panes: div.splitter[role=separator] with aria-valuenow
// (the first pane's share, percent), aria-valuemin / -max, focusable. Dragged with the
// pointer, or moved with the arrow keys (2 % a step, 10 % with Page Up / Down; Home /
// End to the bounds); left and right are mirrored in right-to-left. The size is set
// as a custom property on the container (`--pane-<name>`, the stylesheet lays the
// panes out by it) and remembered (lib/prefs.ts).

import { clampPane, loadPaneSize, savePaneSize, type PaneBounds } from "../lib/prefs";
import { el, setAttr, type Label } from "./dom";
import "./splitter.css";

type PaneStorage = Pick<Storage, "getItem" | "setItem"> | null;

/** Whether the panes sit side by side (a vertical handle) or one above the other. */
export type SplitAxis = "columns" | "rows";

const STEP = 2;
const PAGE = 10;

export class Splitter {
  readonly element: HTMLDivElement;
  private readonly container: HTMLElement;
  private readonly name: string;
  private readonly bounds: PaneBounds;
  private readonly axis: SplitAxis;
  private readonly storage: PaneStorage;
  private sizeValue: number;

  constructor(
    doc: Document,
    opts: { container: HTMLElement; name: string; bounds: PaneBounds; axis: SplitAxis; label: Label; storage: PaneStorage },
  ) {
    this.container = opts.container;
    this.name = opts.name;
    this.bounds = opts.bounds;
    this.axis = opts.axis;
    this.storage = opts.storage;
    this.element = el(doc, "div", {
      id: `splitter-${opts.name}`,
      class: `splitter splitter-${opts.axis}`,
      attrs: {
        role: "separator",
        tabindex: "0",
        "aria-orientation": opts.axis === "columns" ? "vertical" : "horizontal",
        "aria-valuemin": String(opts.bounds.min),
        "aria-valuemax": String(opts.bounds.max),
        "aria-label": opts.label,
      },
    });
    this.sizeValue = loadPaneSize(opts.storage, opts.name, opts.bounds);
    this.apply();
    this.element.addEventListener("keydown", (ev) => this.onKey(ev));
    this.element.addEventListener("pointerdown", (ev) => this.onPointerDown(ev));
  }

  /** The first pane's share (percent). */
  get size(): number {
    return this.sizeValue;
  }

  /** Sets the first pane's share (held to the bounds) and remembers it. */
  setSize(size: number): void {
    const next = clampPane(size, this.bounds);
    if (next === this.sizeValue) return;
    this.sizeValue = next;
    this.apply();
    savePaneSize(this.storage, this.name, next, this.bounds);
  }

  private apply(): void {
    const v = Math.round(this.sizeValue * 10) / 10;
    this.container.style.setProperty(`--pane-${this.name}`, `${v}%`);
    setAttr(this.element, "aria-valuenow", String(v));
  }

  private rtl(): boolean {
    return this.element.ownerDocument.documentElement.getAttribute("dir") === "rtl";
  }

  private onKey(ev: KeyboardEvent): void {
    // For side-by-side panes, the key towards the first pane makes it smaller.
    const back = this.axis === "columns" ? (this.rtl() ? "ArrowRight" : "ArrowLeft") : "ArrowUp";
    const forward = this.axis === "columns" ? (this.rtl() ? "ArrowLeft" : "ArrowRight") : "ArrowDown";
    let next: number | null = null;
    switch (ev.key) {
      case back:
        next = this.sizeValue - STEP;
        break;
      case forward:
        next = this.sizeValue + STEP;
        break;
      case "PageUp":
        next = this.sizeValue - PAGE;
        break;
      case "PageDown":
        next = this.sizeValue + PAGE;
        break;
      case "Home":
        next = this.bounds.min;
        break;
      case "End":
        next = this.bounds.max;
        break;
      default:
        return;
    }
    ev.preventDefault();
    this.setSize(next);
  }

  private onPointerDown(ev: PointerEvent): void {
    if (ev.button !== 0) return;
    ev.preventDefault();
    const handle = this.element;
    handle.setPointerCapture?.(ev.pointerId);
    handle.classList.add("dragging");
    const move = (e: PointerEvent) => {
      const rect = this.container.getBoundingClientRect();
      const length = this.axis === "columns" ? rect.width : rect.height;
      if (!(length > 0)) return;
      let offset = this.axis === "columns" ? e.clientX - rect.left : e.clientY - rect.top;
      if (this.axis === "columns" && this.rtl()) offset = rect.right - e.clientX;
      this.setSize((offset / length) * 100);
    };
    const up = (e: PointerEvent) => {
      handle.releasePointerCapture?.(e.pointerId);
      handle.classList.remove("dragging");
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
      handle.removeEventListener("pointercancel", up);
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
    handle.addEventListener("pointercancel", up);
  }
}
