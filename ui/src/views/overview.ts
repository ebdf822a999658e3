// The Level-1 plant overview (ISA-101): section#overview with one tile per area of the
// plant (state/areas.ts), button.area[data-area=<name>] in a list: its name
// (.area-name, cut with an ellipsis, the full name in its title), the worst standing
// alarm priority (.area-priority, a state indicator), the device count (.area-count),
// the abnormal count (.area-abnormal, a state indicator) and a sparkline of the abnormal
// count over the last hour (svg.sparkline). A click, or Enter on the focused tile,
// opens the plant view on that area's devices (the open handler).
//
// The tiles keep their places (areas by name): an operator finds an area where it
// was. Which tiles are on screen is followed (IntersectionObserver), so that only
// their sparklines are loaded.

import { alarmPriorityLabel } from "../lib/format";
import type { TrendBucket } from "../lib/sparkline";
import { UNKNOWN_AREA, type AreaSummary } from "../state/areas";
import { strings } from "../strings";
import { onLanguage } from "./bind";
import { el, setAttr, setIndicator, setText } from "./dom";
import { Sparkline } from "./sparkline";
import "./overview.css";

interface Tile {
  readonly li: HTMLLIElement;
  readonly button: HTMLButtonElement;
  readonly nameText: Text;
  readonly nameSpan: HTMLSpanElement;
  readonly priority: HTMLSpanElement;
  readonly priorityText: Text;
  readonly count: HTMLSpanElement;
  readonly countText: Text;
  readonly abnormal: HTMLSpanElement;
  readonly abnormalText: Text;
  readonly spark: Sparkline;
  area: AreaSummary;
}

/** An area's name as shown: its own, or "No area" for the devices that name none. */
export function areaLabel(name: string): string {
  return name === UNKNOWN_AREA ? strings.hmi.unknownArea : name;
}

export class OverviewView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLParagraphElement;
  private readonly tiles = new Map<string, Tile>();
  /** The tiles on screen (null: not followed, every tile counts as shown). */
  private readonly onScreen: Set<string> | null;
  private readonly observer: IntersectionObserver | null;
  private onOpen: (area: string) => void = () => {};
  private onShown: () => void = () => {};

  constructor(doc: Document) {
    this.doc = doc;
    const H = () => strings.hmi;
    this.list = el(doc, "ul", { class: "area-grid", attrs: { "aria-labelledby": "overview-heading" } });
    this.empty = el(doc, "p", { class: "empty", id: "overview-empty" }, () => H().overviewEmpty);
    this.element = el(
      doc,
      "section",
      { id: "overview", class: "panel overview-panel", attrs: { "aria-labelledby": "overview-heading", "aria-describedby": "overview-help" } },
      el(
        doc,
        "div",
        { class: "panel-head" },
        el(doc, "h2", { id: "overview-heading" }, () => H().overviewHeading),
        el(doc, "span", { class: "summary", id: "overview-basis" }, () => H().overviewBasis),
      ),
      el(doc, "p", { id: "overview-help", class: "visually-hidden" }, () => H().overviewHelp),
      el(doc, "div", { class: "overview-scroll" }, this.list, this.empty),
    );
    const IO = doc.defaultView?.IntersectionObserver;
    if (typeof IO === "function") {
      this.onScreen = new Set();
      this.observer = new IO((entries) => this.intersected(entries));
    } else {
      this.onScreen = null;
      this.observer = null;
    }
    this.list.addEventListener("click", (ev) => {
      const button = ev.target instanceof Element ? ev.target.closest("button[data-area]") : null;
      const name = button?.getAttribute("data-area");
      if (name !== null && name !== undefined) this.onOpen(name);
    });
    onLanguage(() => {
      for (const tile of this.tiles.values()) this.draw(tile);
    });
  }

  /** Called with an area's name when the operator opens it. */
  setOpenHandler(handler: (area: string) => void): void {
    this.onOpen = handler;
  }

  /** Called when tiles come on screen (their sparklines are wanted). */
  setShownHandler(handler: () => void): void {
    this.onShown = handler;
  }

  /** Shows these areas (tiles of areas gone are dropped, the others updated in place). */
  render(areas: readonly AreaSummary[]): void {
    const keep = new Set<string>();
    let cursor: ChildNode | null = this.list.firstChild;
    for (const area of areas) {
      keep.add(area.name);
      let tile = this.tiles.get(area.name);
      if (tile === undefined) {
        tile = this.createTile(area);
        this.tiles.set(area.name, tile);
        this.observer?.observe(tile.button);
      }
      tile.area = area;
      this.draw(tile);
      if (tile.li === cursor) cursor = cursor.nextSibling;
      else this.list.insertBefore(tile.li, cursor);
    }
    for (const [name, tile] of this.tiles) {
      if (keep.has(name)) continue;
      this.observer?.unobserve(tile.button);
      this.onScreen?.delete(name);
      tile.li.remove();
      this.tiles.delete(name);
    }
    this.empty.hidden = areas.length > 0;
  }

  /** The areas whose tiles are on screen now (all of them where that is not followed). */
  visibleAreas(): AreaSummary[] {
    const out: AreaSummary[] = [];
    for (const [name, tile] of this.tiles) if (this.onScreen === null || this.onScreen.has(name)) out.push(tile.area);
    return out;
  }

  /** An area's abnormal count over [since, until], per bucket. */
  showTrend(area: string, buckets: readonly TrendBucket[], since: number, until: number): void {
    this.tiles.get(area)?.spark.set(buckets, since, until);
  }

  /** The tile of an area (tests, and the focus after returning to the overview). */
  tile(area: string): HTMLButtonElement | undefined {
    return this.tiles.get(area)?.button;
  }

  private intersected(entries: readonly IntersectionObserverEntry[]): void {
    let shown = false;
    for (const entry of entries) {
      const name = entry.target.getAttribute("data-area");
      if (name === null || this.onScreen === null) continue;
      if (entry.isIntersecting) {
        if (!this.onScreen.has(name)) shown = true;
        this.onScreen.add(name);
      } else {
        this.onScreen.delete(name);
      }
    }
    if (shown) this.onShown();
  }

  private createTile(area: AreaSummary): Tile {
    const doc = this.doc;
    const nameText = doc.createTextNode("");
    const priorityText = doc.createTextNode("");
    const countText = doc.createTextNode("");
    const abnormalText = doc.createTextNode("");
    // Area names come from the plant, in any script: isolated, as device names are.
    const nameSpan = el(doc, "span", { class: "area-name", attrs: { dir: "auto" } }, nameText);
    const priority = el(doc, "span", { class: "area-priority" }, priorityText);
    const count = el(doc, "span", { class: "area-count" }, countText);
    const abnormal = el(doc, "span", { class: "area-abnormal" }, abnormalText);
    const spark = new Sparkline(doc);
    const button = el(
      doc,
      "button",
      { class: "area", attrs: { type: "button", "data-area": area.name } },
      el(doc, "span", { class: "area-head" }, nameSpan, priority),
      el(doc, "span", { class: "area-figures" }, count, abnormal),
      spark.element,
    );
    const li = el(doc, "li", { class: "area-item" }, button);
    return { li, button, nameText, nameSpan, priority, priorityText, count, countText, abnormal, abnormalText, spark, area };
  }

  private draw(tile: Tile): void {
    const a = tile.area;
    const H = strings.hmi;
    const name = areaLabel(a.name);
    setText(tile.nameText, name);
    setAttr(tile.nameSpan, "title", name);
    const worst = a.worst;
    const cls = `area-priority priority-${worst ?? "none"}`;
    if (tile.priority.className !== cls) tile.priority.className = cls;
    setIndicator(tile.priority, "area-priority", worst !== null);
    setAttr(tile.priority, "data-priority", worst ?? "none");
    const alarmText = worst === null ? H.noAlarm : alarmPriorityLabel(worst);
    setText(tile.priorityText, alarmText);
    const devices = H.areaDevices(a.count);
    const abnormal = H.areaAbnormal(a.abnormal);
    setText(tile.countText, devices);
    setAttr(tile.count, "data-count", String(a.count));
    setText(tile.abnormalText, abnormal);
    setAttr(tile.abnormal, "data-count", String(a.abnormal));
    setIndicator(tile.abnormal, "area-abnormal", a.abnormal > 0);
    setAttr(tile.button, "data-abnormal-count", String(a.abnormal));
    setAttr(tile.button, "aria-label", H.areaLabel(name, devices, abnormal, alarmText));
    setAttr(tile.button, "title", name);
  }
}
