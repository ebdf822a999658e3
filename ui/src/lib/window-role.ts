// Which window a page is in. The console opens its extra windows (a second or third
// monitor's alarm summary, plant overview or trend) at the same page as the main one,
// `index.html?window=KIND[&QUERY]`, where QUERY is the view's own state (a trend's pens
// and range). This module reads that address; it is pure (the search string is an
// argument) so that every odd address can be tested.

/** The main window, or the view an extra window shows. */
export type WindowRole = "main" | "alarms" | "overview" | "trend";

/** The kinds of view that can have a window of their own (the Rust side's WindowKind). */
export type SecondaryRole = Exclude<WindowRole, "main">;

export const SECONDARY_ROLES: readonly SecondaryRole[] = ["alarms", "overview", "trend"];

export function isSecondaryRole(value: unknown): value is SecondaryRole {
  return (SECONDARY_ROLES as readonly unknown[]).includes(value);
}

/** What a page's address says about its window. */
export interface WindowPlace {
  readonly role: WindowRole;
  /**
   * The view's own query, without `window` and without the leading `?` (a trend's
   * `pens=…&range=…`); null in the main window and when there is none.
   */
  readonly query: string | null;
}

/** The main window: what any address that names no known view means. */
export const MAIN_WINDOW: WindowPlace = { role: "main", query: null };

/**
 * Reads `location.search` (with or without its `?`). An address without `window`, with
 * an unknown or misspelt kind, or naming the window more than once is the main window:
 * a page never shows less than everything because of an address it does not understand.
 * The rest of the query is kept as it was written (its pairs in order, undecoded), since
 * the view it belongs to reads it.
 */
export function parseWindowRole(search: string): WindowPlace {
  const text = search.startsWith("?") ? search.slice(1) : search;
  const pairs = text.split("&").filter((pair) => pair !== "");
  let role: SecondaryRole | null = null;
  let named = 0;
  const rest: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (name !== "window") {
      rest.push(pair);
      continue;
    }
    named += 1;
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    role = isSecondaryRole(value) ? value : null;
  }
  if (named !== 1 || role === null) return MAIN_WINDOW;
  return { role, query: rest.length > 0 ? rest.join("&") : null };
}
