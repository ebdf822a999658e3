// User Timing marks of the start-up, so the cold-start benchmark can take it apart from
// outside through WebDriver: each name is marked once, at its first occurrence.

/** Leaves a mark named `name`, unless one of that name is already there. */
export function mark(name: string): void {
  if (typeof performance === "undefined" || typeof performance.mark !== "function") return;
  if (performance.getEntriesByName(name, "mark").length === 0) performance.mark(name);
}

/**
 * Marks `script-start` now and `first-frame` in the page's first frame callback, so a
 * late first frame shows as WebKit's even before any data arrived.
 */
export function markStart(): void {
  mark("script-start");
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => mark("first-frame"));
}

/**
 * Computes the page's style and layout at once and marks `layout-done`: the time from
 * `rendered` to it is the style and layout of the first rows, and the time after it to
 * `painted` is WebKit waiting for, painting and compositing the frame.
 */
export function markLayout(doc: Document): void {
  // Reading a layout figure forces style and layout now; the next frame then reuses them.
  void doc.documentElement.getBoundingClientRect();
  mark("layout-done");
}
