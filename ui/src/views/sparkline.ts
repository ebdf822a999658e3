// A sparkline (lib/sparkline.ts does the geometry): svg.sparkline[role=img] with one
// step path, labelled with the last and the largest count. Grey: it shows a history,
// not a state; the area's abnormal count beside it carries the colour.

import { formatCount } from "../lib/format";
import { sparklineGeometry, type TrendBucket } from "../lib/sparkline";
import { strings } from "../strings";
import { onLanguage } from "./bind";
import { setAttr, svgEl } from "./dom";

export const SPARK_WIDTH = 120;
export const SPARK_HEIGHT = 24;

export class Sparkline {
  readonly element: SVGSVGElement;
  private readonly path: SVGPathElement;
  private label: () => string = () => strings.hmi.sparkEmpty;

  constructor(doc: Document) {
    this.path = svgEl(doc, "path", { class: "sparkline-path", d: "" });
    this.element = svgEl(
      doc,
      "svg",
      {
        class: "sparkline",
        viewBox: `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`,
        width: String(SPARK_WIDTH),
        height: String(SPARK_HEIGHT),
        role: "img",
        preserveAspectRatio: "none",
      },
      svgEl(doc, "line", { class: "sparkline-base", x1: "0", y1: String(SPARK_HEIGHT - 0.5), x2: String(SPARK_WIDTH), y2: String(SPARK_HEIGHT - 0.5) }),
      this.path,
    );
    this.drawLabel();
    onLanguage(() => this.drawLabel());
  }

  /** Draws the buckets of [since, until]. */
  set(buckets: readonly TrendBucket[], since: number, until: number): void {
    const g = sparklineGeometry(buckets, since, until, SPARK_WIDTH, SPARK_HEIGHT - 1);
    setAttr(this.path, "d", g.d);
    this.label =
      g.last === null ? () => strings.hmi.sparkEmpty : () => strings.hmi.sparkLabel(formatCount(g.last ?? 0), formatCount(g.peak));
    this.drawLabel();
  }

  private drawLabel(): void {
    setAttr(this.element, "aria-label", this.label());
  }
}
