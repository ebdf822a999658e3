// An analog value's bar (lib/meter.ts does the geometry): span.meter[role=meter] with
// the track, the normal band between the limits, a tick per limit
// (.meter-limit-low / -high), the value's marker (.meter-marker, a state indicator)
// and, beyond a limit, the words HI or LO (.meter-flag). The marker turns into a
// triangle pointing the way the value went, so that the state is coded by shape and
// words as well as colour. The scale runs left to right in either language, as the
// numbers do.

import { formatValue } from "../lib/format";
import { meterGeometry, meterScale, type DeviceLimits, type Observed } from "../lib/meter";
import { strings } from "../strings";
import { el, setAttr, setIndicator, setText } from "./dom";
import "./meter.css";

function percent(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

export class Meter {
  readonly element: HTMLSpanElement;
  private readonly band: HTMLSpanElement;
  private readonly low: HTMLSpanElement;
  private readonly high: HTMLSpanElement;
  private readonly marker: HTMLSpanElement;
  private readonly flag: HTMLSpanElement;
  private readonly flagText: Text;

  constructor(doc: Document) {
    this.band = el(doc, "span", { class: "meter-band" });
    this.low = el(doc, "span", { class: "meter-limit meter-limit-low" });
    this.high = el(doc, "span", { class: "meter-limit meter-limit-high" });
    this.marker = el(doc, "span", { class: "meter-marker" });
    this.flagText = doc.createTextNode("");
    this.flag = el(doc, "span", { class: "meter-flag" }, this.flagText);
    this.element = el(
      doc,
      "span",
      { class: "meter", attrs: { role: "meter", dir: "ltr" } },
      el(doc, "span", { class: "meter-track" }, this.band, this.low, this.high, this.marker),
      this.flag,
    );
    this.element.hidden = true;
  }

  /**
   * Shows `value` against `limits`, on the limits' scale or (without limits) on the
   * values seen; hidden while there is no number to show.
   */
  set(value: number | null, unit: string | null, limits: DeviceLimits, observed: Observed | null): void {
    const scale = value === null ? null : meterScale(limits, observed);
    if (value === null || scale === null) {
      if (!this.element.hidden) this.element.hidden = true;
      return;
    }
    if (this.element.hidden) this.element.hidden = false;
    const g = meterGeometry(value, scale, limits);
    const H = strings.hmi;
    this.marker.style.insetInlineStart = percent(g.value);
    this.place(this.low, g.low);
    this.place(this.high, g.high);
    const from = g.low ?? 0;
    const to = g.high ?? 1;
    const banded = g.low !== null || g.high !== null;
    this.band.hidden = !banded;
    if (banded) {
      this.band.style.insetInlineStart = percent(from);
      this.band.style.inlineSize = percent(Math.max(0, to - from));
    }
    const abnormal = g.beyond !== null;
    setIndicator(this.marker, "analog", abnormal);
    setAttr(this.marker, "data-beyond", g.beyond);
    setAttr(this.element, "data-beyond", g.beyond);
    setAttr(this.element, "data-basis", scale.basis);
    setText(this.flagText, g.beyond === "high" ? H.high : g.beyond === "low" ? H.low : "");
    this.flag.hidden = !abnormal;
    setAttr(this.element, "aria-valuenow", String(value));
    setAttr(this.element, "aria-valuemin", String(Math.min(scale.min, value)));
    setAttr(this.element, "aria-valuemax", String(Math.max(scale.max, value)));
    const u = unit;
    const text = formatValue(value, u);
    const beyond = g.beyond === "high" ? `, ${H.beyondHigh}` : g.beyond === "low" ? `, ${H.beyondLow}` : "";
    const label =
      scale.basis === "observed"
        ? H.meterObserved(text, formatValue(observed?.min ?? value, u), formatValue(observed?.max ?? value, u))
        : H.meterLimits(
            text + beyond,
            limits.low === null ? H.noLimit : formatValue(limits.low, u),
            limits.high === null ? H.noLimit : formatValue(limits.high, u),
          );
    setAttr(this.element, "aria-label", label);
    setAttr(this.element, "title", label);
  }

  private place(tick: HTMLSpanElement, at: number | null): void {
    tick.hidden = at === null;
    if (at !== null) tick.style.insetInlineStart = percent(at);
  }
}
