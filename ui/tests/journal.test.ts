// @vitest-environment jsdom
// The journal: kind filter, grouping by day (pure), and its timeline in the page.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  filterJournal,
  groupJournalByDay,
  JOURNAL_RANGES,
  journalKindMatches,
  localDayKey,
  rangeSince,
} from "../src/state";
import type { JournalEntry } from "../src/types";
import { JournalView } from "../src/views/journal";

function at(y: number, mo: number, d: number, h: number, mi = 0): number {
  return new Date(y, mo - 1, d, h, mi, 0).getTime() / 1000;
}

function entry(id: number, t: number, kind: string, text = `entry ${id}`): JournalEntry {
  return { id, at: t, kind, subject: "s", text, data: {}, message: null };
}

// Oldest first, as `journal` answers.
const entries: JournalEntry[] = [
  entry(1, at(2024, 5, 30, 23, 50), "link"),
  entry(2, at(2024, 5, 31, 0, 10), "device_status"),
  entry(3, at(2024, 5, 31, 8, 0), "relay_switched"),
  entry(4, at(2024, 5, 31, 8, 0), "command"),
  entry(5, at(2024, 5, 31, 9, 30), "relay_added"),
  entry(6, at(2024, 5, 31, 9, 45), "devices_exploded"),
];

describe("journal kinds", () => {
  it("matches a kind and its family", () => {
    expect(journalKindMatches("relay_switched", "relay")).toBe(true);
    expect(journalKindMatches("relay", "relay")).toBe(true);
    expect(journalKindMatches("relayed", "relay")).toBe(false);
    expect(journalKindMatches("devices_exploded", "device")).toBe(false);
    expect(journalKindMatches("link", "")).toBe(true);
  });

  it("filters entries by kind, keeping their order", () => {
    expect(filterJournal(entries, "relay").map((e) => e.id)).toEqual([3, 5]);
    expect(filterJournal(entries, "device").map((e) => e.id)).toEqual([2]);
    expect(filterJournal(entries, "").map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("groupJournalByDay", () => {
  it("groups by local day, newest day first and newest entry first", () => {
    const days = groupJournalByDay(entries);
    expect(days.map((d) => d.key)).toEqual(["2024-05-31", "2024-05-30"]);
    expect(days[0]?.entries.map((e) => e.id)).toEqual([6, 5, 4, 3, 2]);
    expect(days[1]?.entries.map((e) => e.id)).toEqual([1]);
    expect(days[0]?.start).toBe(at(2024, 5, 31, 0, 0));
  });

  it("gives an empty list for no entries", () => {
    expect(groupJournalByDay([])).toEqual([]);
    expect(localDayKey(at(2024, 1, 5, 12))).toBe("2024-01-05");
  });

  it("knows the time ranges of the view", () => {
    expect(JOURNAL_RANGES).toEqual({ hour: 3600, shift: 28_800, day: 86_400, week: 604_800 });
    expect(rangeSince("shift", 100_000)).toBe(100_000 - 28_800);
  });
});

describe("journal timeline", () => {
  let view: JournalView;

  beforeEach(() => {
    document.body.replaceChildren();
    view = new JournalView(document);
    document.body.appendChild(view.element);
  });

  afterEach(() => document.body.replaceChildren());

  function listed(): string[] {
    return [...document.querySelectorAll("#journal li.journal-entry")].map((li) => li.getAttribute("data-journal-id") ?? "");
  }

  it("says it is loading until entries arrive, then lists them newest first under day headings", () => {
    expect(document.getElementById("journal-empty")?.textContent).toBe("Loading events…");
    view.setEntries(entries, 2000);
    expect(listed()).toEqual(["6", "5", "4", "3", "2", "1"]);
    const days = [...document.querySelectorAll("#journal section.journal-day")];
    expect(days.map((d) => d.getAttribute("data-day"))).toEqual(["2024-05-31", "2024-05-30"]);
    expect(days[0]?.querySelector("h3")?.textContent).toContain("2024");
    const first = document.querySelector('#journal li[data-journal-id="3"]');
    expect(first?.getAttribute("data-kind")).toBe("relay_switched");
    expect(first?.querySelector(".journal-kind")?.textContent).toBe("Relay switched");
    expect(first?.querySelector(".journal-time")?.textContent).toBe("08:00:00");
    expect(document.querySelector('#journal li[data-journal-id="6"] .journal-kind')?.textContent).toBe("devices_exploded");
    expect(document.getElementById("journal-summary")?.textContent).toBe("6 events");
    expect(document.getElementById("journal-empty")?.hidden).toBe(true);
  });

  it("filters by kind in place, reusing the entries' elements", () => {
    view.setEntries(entries, 2000);
    const li = document.querySelector('#journal li[data-journal-id="5"]');
    const select = document.getElementById("journal-kind-filter") as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(["", "link", "device", "relay", "command", "quality"]);
    select.value = "relay";
    select.dispatchEvent(new Event("change"));
    expect(listed()).toEqual(["5", "3"]);
    expect(document.querySelector('#journal li[data-journal-id="5"]')).toBe(li);
    expect(document.querySelectorAll("#journal section.journal-day")).toHaveLength(1);
    select.value = "command";
    select.dispatchEvent(new Event("change"));
    expect(listed()).toEqual(["4"]);
    select.value = "link";
    select.dispatchEvent(new Event("change"));
    expect(listed()).toEqual(["1"]);
    expect([...document.querySelectorAll("#journal section.journal-day")].map((d) => d.getAttribute("data-day"))).toEqual(["2024-05-30"]);
  });

  it("asks for another period and says when the answer was cut at the limit", () => {
    const asked: string[] = [];
    view.setRangeHandler((r) => asked.push(r));
    const range = document.getElementById("journal-range") as HTMLSelectElement;
    expect(range.value).toBe("shift");
    expect([...range.options].map((o) => o.value)).toEqual(["hour", "shift", "day", "week"]);
    range.value = "week";
    range.dispatchEvent(new Event("change"));
    expect(asked).toEqual(["week"]);
    expect(view.range).toBe("week");
    view.setEntries(entries, 6);
    expect(document.getElementById("journal-limited")?.hidden).toBe(false);
    view.setEntries(entries, 2000);
    expect(document.getElementById("journal-limited")?.hidden).toBe(true);
  });

  it("shows the console's sentences as text", () => {
    const hostile = "<img src=x onerror=alert(1)>";
    view.setEntries([entry(9, at(2024, 5, 31, 10), hostile, hostile)], 2000);
    const li = document.querySelector('#journal li[data-journal-id="9"]');
    expect(li?.querySelector(".journal-text")?.textContent).toBe(hostile);
    expect(li?.querySelector(".journal-kind")?.textContent).toBe(hostile);
    expect(document.querySelector("img")).toBeNull();
  });
});
