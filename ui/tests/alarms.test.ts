// The alarms slice without a window: the summary's order and its upserts, the
// answers that race batches, the filters, the actions each state allows and the
// shelving's checks.
import { describe, expect, it } from "vitest";
import {
  AlarmBook,
  bannerPriority,
  canReset,
  canShelve,
  canUnshelve,
  ConsoleStore,
  filterAlarms,
  filterTransitions,
  needsAcknowledgement,
  noAlarmFilter,
  noAlarmJournalFilter,
  sameAlarmStatus,
  SHELVE_MAX_MINUTES,
  shelveMinutes,
  shelveProblems,
  unacknowledgedIds,
} from "../src/state";
import type { AlarmView } from "../src/types";
import { alarm, alarmStatus, batch, snapshot, transition } from "./fixtures";

function ids(list: readonly AlarmView[]): number[] {
  return list.map((a) => a.id);
}

describe("the alarm summary's order", () => {
  it("is by priority, most urgent first, then the newest change first, as the console sorts it", () => {
    const book = new AlarmBook();
    book.replace(
      [
        alarm(1, { priority: "low", changed_at: 5000 }),
        alarm(2, { priority: "critical", changed_at: 1000 }),
        alarm(3, { priority: "high", changed_at: 3000 }),
        alarm(4, { priority: "critical", changed_at: 2000 }),
        alarm(5, { priority: "medium", changed_at: 9000 }),
        alarm(6, { priority: "high", changed_at: 3000 }),
      ],
      book.mark(),
    );
    expect(ids(book.list())).toEqual([4, 2, 6, 3, 5, 1]);
  });

  it("keeps that order when a batch upserts an alarm: a newer change moves it up within its priority", () => {
    const book = new AlarmBook();
    book.replace([alarm(1, { changed_at: 1000 }), alarm(2, { changed_at: 2000 }), alarm(3, { priority: "low" })], book.mark());
    expect(ids(book.list())).toEqual([2, 1, 3]);
    expect(book.upsert([alarm(1, { state: "ack_active", changed_at: 3000 })])).toBe(true);
    expect(ids(book.list())).toEqual([1, 2, 3]);
    // A new priority moves it between the priorities.
    book.upsert([alarm(3, { priority: "critical", changed_at: 1500 })]);
    expect(ids(book.list())).toEqual([3, 1, 2]);
  });

  it("takes an alarm that returned to normal out, and never lets an older copy bring a state back", () => {
    const book = new AlarmBook();
    book.upsert([alarm(1, { changed_at: 2000 }), alarm(2)]);
    expect(book.upsert([alarm(1, { state: "normal", changed_at: 2100 })])).toBe(true);
    expect(ids(book.list())).toEqual([2]);
    // The same alarm as it was before it changed: not taken.
    expect(book.upsert([alarm(2, { state: "unack_active", changed_at: 900 })])).toBe(false);
    expect(book.upsert([alarm(2)])).toBe(false);
  });

  it("drops alarms an answer lacks, unless a batch brought them after the question", () => {
    const book = new AlarmBook();
    book.upsert([alarm(1), alarm(2)]);
    const mark = book.mark();
    // While the answer is on its way a batch brings alarm 3.
    book.upsert([alarm(3)]);
    expect(book.replace([alarm(2)], mark)).toBe(true);
    expect(ids(book.list()).sort()).toEqual([2, 3]);
  });

  it("is what the store holds from the snapshot's status and the batches", () => {
    const store = new ConsoleStore(1000);
    const c = store.applySnapshot(snapshot({ alarm_status: alarmStatus({ unacknowledged: { critical: 1, high: 0, medium: 0, low: 0 } }) }));
    expect(c.alarmStatus).toBe(true);
    expect(store.alarmStatus?.unacknowledged.critical).toBe(1);
    const list = store.applyAlarmList([alarm(1)], store.alarms.mark());
    expect(list.alarms).toBe(true);
    expect(store.alarmsLoaded).toBe(true);
    const b = store.applyBatch(batch({ alarms: [alarm(2, { priority: "critical" })], alarm_status: alarmStatus() }));
    expect(b.alarms).toBe(true);
    expect(b.alarmStatus).toBe(true);
    expect(ids(store.alarms.list())).toEqual([2, 1]);
    // The same status again is no change.
    expect(store.applyBatch(batch({ alarm_status: alarmStatus() })).alarmStatus).toBe(false);
  });
});

describe("what each state allows", () => {
  it("acknowledges only what is unacknowledged, resets only a latched alarm, unshelves only a shelved one", () => {
    expect(needsAcknowledgement("unack_active")).toBe(true);
    expect(needsAcknowledgement("unack_returned")).toBe(true);
    expect(needsAcknowledgement("ack_active")).toBe(false);
    for (const s of ["unack_active", "ack_active", "unack_returned", "shelved", "out_of_service", "suppressed"] as const) {
      expect(canReset(s), s).toBe(false);
    }
    expect(canReset("latched")).toBe(true);
    expect(canUnshelve("shelved")).toBe(true);
    expect(canUnshelve("latched")).toBe(false);
    expect(canShelve("latched")).toBe(true);
    expect(canShelve("shelved")).toBe(false);
    expect(canShelve("out_of_service")).toBe(false);
    expect(unacknowledgedIds([alarm(1), alarm(2, { state: "ack_active" }), alarm(3, { state: "unack_returned" })])).toEqual([1, 3]);
  });
});

describe("the summary's filters", () => {
  const list = [
    alarm(1, { priority: "critical", source: "boiler-1", first_out: true }),
    alarm(2, { priority: "high", source: "pump-2", state: "ack_active" }),
    alarm(3, { priority: "high", source: "valve-3" }),
  ];
  const words = (a: AlarmView) => `Fault on ${a.source}`;

  it("let through a priority, a state, a text in the source or the message, and the first-out alarms", () => {
    expect(ids(filterAlarms(list, noAlarmFilter(), words))).toEqual([1, 2, 3]);
    expect(ids(filterAlarms(list, { ...noAlarmFilter(), priority: "high" }, words))).toEqual([2, 3]);
    expect(ids(filterAlarms(list, { ...noAlarmFilter(), state: "ack_active" }, words))).toEqual([2]);
    expect(ids(filterAlarms(list, { ...noAlarmFilter(), text: "PUMP" }, words))).toEqual([2]);
    expect(ids(filterAlarms(list, { ...noAlarmFilter(), text: "fault on valve" }, words))).toEqual([3]);
    expect(ids(filterAlarms(list, { ...noAlarmFilter(), firstOut: true }, words))).toEqual([1]);
  });

  it("in the journal, let through a priority, an event and a text in who or why", () => {
    const journal = [
      transition(1),
      transition(2, { event: "shelve", by: "operator-1", reason: "sensor replaced", priority: "low" }),
      transition(3, { event: "acknowledge", by: "operator-2" }),
    ];
    const w = () => "Device fault";
    expect(filterTransitions(journal, { ...noAlarmJournalFilter(), event: "shelve" }, w).map((t) => t.id)).toEqual([2]);
    expect(filterTransitions(journal, { ...noAlarmJournalFilter(), priority: "high" }, w).map((t) => t.id)).toEqual([1, 3]);
    expect(filterTransitions(journal, { ...noAlarmJournalFilter(), text: "operator-2" }, w).map((t) => t.id)).toEqual([3]);
    expect(filterTransitions(journal, { ...noAlarmJournalFilter(), text: "replaced" }, w).map((t) => t.id)).toEqual([2]);
  });
});

describe("the shelving's checks", () => {
  it("refuse an empty reason and minutes outside 1 to the longest shelf, as the console does", () => {
    expect(shelveProblems("15", "")).toEqual({ minutes: null, reason: "required" });
    expect(shelveProblems("15", "   ")).toEqual({ minutes: null, reason: "required" });
    expect(shelveProblems("15", "x".repeat(501))).toEqual({ minutes: null, reason: "too_long" });
    expect(shelveProblems("0", "maintenance")).toEqual({ minutes: "invalid", reason: null });
    expect(shelveProblems(String(SHELVE_MAX_MINUTES + 1), "maintenance").minutes).toBe("invalid");
    expect(shelveProblems("1.5", "maintenance").minutes).toBe("invalid");
    expect(shelveProblems("15", "maintenance")).toEqual({ minutes: null, reason: null });
  });

  it("read minutes typed with Persian digits", () => {
    expect(shelveMinutes("۱۵")).toBe(15);
    expect(shelveMinutes(" 30 ")).toBe(30);
    expect(shelveMinutes("")).toBeNull();
  });
});

describe("the banner's priority", () => {
  it("is the top alarm's, or the most urgent one counted, or none", () => {
    expect(bannerPriority(alarmStatus({ top: alarm(1, { priority: "critical" }) }))).toBe("critical");
    expect(bannerPriority(alarmStatus({ unacknowledged: { critical: 0, high: 0, medium: 2, low: 1 } }))).toBe("medium");
    expect(bannerPriority(alarmStatus())).toBeNull();
    expect(sameAlarmStatus(alarmStatus({ top: alarm(1) }), alarmStatus({ top: alarm(1) }))).toBe(true);
    expect(sameAlarmStatus(alarmStatus({ top: alarm(1) }), alarmStatus({ top: alarm(1, { state: "ack_active" }) }))).toBe(false);
  });
});
