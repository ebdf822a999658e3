// The journal slice: the events view's ranges, kind filters and days.

import type { JournalEntry } from "../types";

/** How many entries the events view asks for. */
export const JOURNAL_LIMIT = 2000;

/** The journal's kind filter: "" for all, or a kind family ("device" finds "device_status"…). */
export const JOURNAL_KIND_FILTERS = ["", "link", "device", "relay", "command", "quality"] as const;
export type JournalKindFilter = (typeof JOURNAL_KIND_FILTERS)[number];

/** The events view's time ranges (seconds back from now). */
export const JOURNAL_RANGES = { hour: 3600, shift: 8 * 3600, day: 86400, week: 7 * 86400 } as const;
export type JournalRange = keyof typeof JOURNAL_RANGES;
export const DEFAULT_JOURNAL_RANGE: JournalRange = "shift";

/** Start of a range that ends now. */
export function rangeSince(range: JournalRange, now: number): number {
  return now - JOURNAL_RANGES[range];
}

/** Whether an entry's kind is `filter` or one of its family ("relay" → "relay_switched"). */
export function journalKindMatches(kind: string, filter: string): boolean {
  return filter === "" || kind === filter || kind.startsWith(`${filter}_`);
}

/** The entries of a kind (family), in the given order. */
export function filterJournal(entries: readonly JournalEntry[], filter: string): JournalEntry[] {
  return filter === "" ? [...entries] : entries.filter((e) => journalKindMatches(String(e.kind), filter));
}

export interface JournalDay {
  /** "2024-05-31" (local date). */
  key: string;
  /** Local midnight that starts the day (Unix seconds). */
  start: number;
  /** Newest first. */
  entries: JournalEntry[];
}

/** The local day of a Unix time as "YYYY-MM-DD". */
export function localDayKey(t: number): string {
  const d = new Date(t * 1000);
  const m = d.getMonth() + 1;
  const day = d.getDate();
  return `${d.getFullYear()}-${m < 10 ? "0" : ""}${m}-${day < 10 ? "0" : ""}${day}`;
}

/** Entries (any order) grouped by local day: newest day first, newest entry first in each. */
export function groupJournalByDay(entries: readonly JournalEntry[]): JournalDay[] {
  const sorted = [...entries].sort((a, b) => b.at - a.at || b.id - a.id);
  const days: JournalDay[] = [];
  let current: JournalDay | undefined;
  for (const e of sorted) {
    const key = localDayKey(e.at);
    if (current === undefined || current.key !== key) {
      const d = new Date(e.at * 1000);
      current = { key, start: new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() / 1000, entries: [] };
      days.push(current);
    }
    current.entries.push(e);
  }
  return days;
}
