// Pure math of a virtualized list with a fixed row height: which rows are in
// the DOM for a scroll position, and the spacers that stand for the others.

export interface VirtualWindow {
  /** First row in the DOM (inclusive). */
  start: number;
  /** Row after the last row in the DOM (exclusive). */
  end: number;
  /** Height of the spacer above the rows (px). */
  before: number;
  /** Height of the spacer below the rows (px). */
  after: number;
}

/**
 * The rows to keep in the DOM: those that intersect the viewport
 * [scrollTop, scrollTop + viewport), plus `overscan` rows on each side. A
 * scroll position beyond the end (the list shrank) counts as the end.
 */
export function virtualWindow(
  count: number,
  rowHeight: number,
  scrollTop: number,
  viewport: number,
  overscan: number,
): VirtualWindow {
  if (count <= 0 || !(rowHeight > 0)) return { start: 0, end: 0, before: 0, after: 0 };
  const view = Math.max(0, viewport);
  const maxTop = Math.max(0, count * rowHeight - view);
  const top = Math.min(Math.max(0, Number.isFinite(scrollTop) ? scrollTop : 0), maxTop);
  const first = Math.floor(top / rowHeight);
  const last = Math.ceil((top + view) / rowHeight); // exclusive
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, Math.max(last, first + 1) + overscan);
  return { start, end, before: start * rowHeight, after: (count - end) * rowHeight };
}

/**
 * The scroll position that shows row `index` whole, moving as little as
 * possible (unchanged when it is visible already).
 */
export function scrollToShow(index: number, rowHeight: number, scrollTop: number, viewport: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewport) return Math.max(0, bottom - viewport);
  return scrollTop;
}
