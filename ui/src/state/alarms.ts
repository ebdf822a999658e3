// The alarms slice: the alarm summary (every alarm not normal, by priority and
// then the newest change first, as the console sorts it), the banner's status,
// the summary's filters, and which actions each state allows. Pure: no DOM, no
// IPC, no clock.

import type { AlarmCounts, AlarmEvent, AlarmPriority, AlarmState, AlarmStatus, AlarmTransition, AlarmView } from "../types";

/** The priorities, most urgent first (the order the banner and the filters list them in). */
export const ALARM_PRIORITIES: readonly AlarmPriority[] = ["critical", "high", "medium", "low"];

/** The states of the ISA-18.2 state diagram, in the console's order. */
export const ALARM_STATES: readonly AlarmState[] = [
  "normal",
  "unack_active",
  "ack_active",
  "unack_returned",
  "latched",
  "shelved",
  "out_of_service",
  "suppressed",
];

/** What moves an alarm from one state to another, in the console's order. */
export const ALARM_EVENTS: readonly AlarmEvent[] = [
  "activate",
  "return",
  "acknowledge",
  "reset",
  "shelve",
  "unshelve",
  "remove_from_service",
  "return_to_service",
  "suppress",
  "unsuppress",
];

/** How long "Shelve" proposes (minutes): the console's default shelf, until the settings give the site's. */
export const SHELVE_DEFAULT_MINUTES = 15;
/** The longest shelf the console accepts by default (minutes): one 8-hour shift. */
export const SHELVE_MAX_MINUTES = 8 * 60;
/** The longest shelving reason the console accepts (characters). */
export const SHELVE_REASON_MAX = 500;
/** Most transitions the alarm journal loads (the export holds every one). */
export const ALARM_JOURNAL_LIMIT = 1000;
/** The period the alarm KPIs cover (hours). */
export const ALARM_KPI_HOURS = 24;

const RANK: Readonly<Record<AlarmPriority, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

export function isAlarmPriority(value: unknown): value is AlarmPriority {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(RANK, value);
}

export function isAlarmState(value: unknown): value is AlarmState {
  return typeof value === "string" && (ALARM_STATES as readonly string[]).includes(value);
}

export function isAlarmEvent(value: unknown): value is AlarmEvent {
  return typeof value === "string" && (ALARM_EVENTS as readonly string[]).includes(value);
}

/** An unknown priority (a newer console) counts as the most urgent: never hide it at the bottom. */
function rank(priority: string): number {
  return isAlarmPriority(priority) ? RANK[priority] : RANK.critical + 1;
}

/**
 * The summary's order, the console's own (sort_for_summary): the most urgent
 * priority first, then the newest change, then the newest alarm.
 */
export function compareAlarms(a: AlarmView, b: AlarmView): number {
  return rank(b.priority) - rank(a.priority) || b.changed_at - a.changed_at || b.id - a.id;
}

/** Whether an operator still has to acknowledge the alarm. */
export function needsAcknowledgement(state: AlarmState): boolean {
  return state === "unack_active" || state === "unack_returned";
}

/** Whether "Shelve" applies (the state diagram's Shelve rows, less Normal, which the summary does not list). */
export function canShelve(state: AlarmState): boolean {
  return state === "unack_active" || state === "ack_active" || state === "unack_returned" || state === "latched";
}

export function canUnshelve(state: AlarmState): boolean {
  return state === "shelved";
}

/** Only a latched alarm is reset: its condition has gone and it was acknowledged. */
export function canReset(state: AlarmState): boolean {
  return state === "latched";
}

export function emptyAlarmCounts(): AlarmCounts {
  return { critical: 0, high: 0, medium: 0, low: 0 };
}

export function emptyAlarmStatus(): AlarmStatus {
  return { unacknowledged: emptyAlarmCounts(), active: emptyAlarmCounts(), top: null, sounding: null };
}

function sameCounts(a: AlarmCounts, b: AlarmCounts): boolean {
  return a.critical === b.critical && a.high === b.high && a.medium === b.medium && a.low === b.low;
}

export function sameAlarm(a: AlarmView, b: AlarmView): boolean {
  return (
    a.id === b.id &&
    a.state === b.state &&
    a.priority === b.priority &&
    a.changed_at === b.changed_at &&
    a.activated_at === b.activated_at &&
    a.active === b.active &&
    a.acknowledged === b.acknowledged &&
    a.first_out === b.first_out &&
    a.chattering === b.chattering &&
    a.shelved_until === b.shelved_until &&
    a.reason === b.reason &&
    a.source === b.source &&
    JSON.stringify(a.message) === JSON.stringify(b.message)
  );
}

export function sameAlarmStatus(a: AlarmStatus, b: AlarmStatus): boolean {
  const top = a.top === null || b.top === null ? a.top === b.top : sameAlarm(a.top, b.top);
  return sameCounts(a.unacknowledged, b.unacknowledged) && sameCounts(a.active, b.active) && a.sounding === b.sounding && top;
}

/**
 * The alarm summary, by id. Copies of an alarm come from `alarms` answers and
 * from batches (each a whole view of the alarm as it changed); the copy with the
 * later change wins, so an answer that was asked for before a batch arrived
 * cannot bring an older state back. An alarm that returned to normal leaves the
 * summary.
 */
export class AlarmBook {
  private readonly byId = new Map<number, AlarmView>();
  private sorted: AlarmView[] | null = null;
  /** When each alarm was last put in from a batch (a count of puts). */
  private readonly putAt = new Map<number, number>();
  private puts = 0;

  get size(): number {
    return this.byId.size;
  }

  get(id: number): AlarmView | undefined {
    return this.byId.get(id);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** A mark to pass to `replace`: what batches bring after it survives the answer. */
  mark(): number {
    return this.puts;
  }

  /** Merges alarms from a batch (any order). Returns whether the summary changed. */
  upsert(alarms: Iterable<AlarmView>): boolean {
    let changed = false;
    for (const a of alarms) {
      if (!this.validId(a)) continue;
      this.putAt.set(a.id, ++this.puts);
      changed = this.put(a) || changed;
    }
    return changed;
  }

  /**
   * Takes an `alarms` answer asked for at `mark`: alarms it lacks are gone,
   * unless a batch brought them after the question.
   */
  replace(alarms: readonly AlarmView[], mark: number): boolean {
    const answered = new Set<number>();
    let changed = false;
    for (const a of alarms) {
      if (!this.validId(a)) continue;
      answered.add(a.id);
      changed = this.put(a) || changed;
    }
    for (const id of [...this.byId.keys()]) {
      if (!answered.has(id) && (this.putAt.get(id) ?? 0) <= mark) {
        this.byId.delete(id);
        this.putAt.delete(id);
        changed = true;
      }
    }
    if (changed) this.sorted = null;
    return changed;
  }

  /** By priority, then the newest change first. */
  list(): readonly AlarmView[] {
    if (this.sorted === null) this.sorted = [...this.byId.values()].sort(compareAlarms);
    return this.sorted;
  }

  private validId(a: AlarmView): boolean {
    return typeof a.id === "number" && Number.isFinite(a.id);
  }

  private put(a: AlarmView): boolean {
    const old = this.byId.get(a.id);
    if (old !== undefined && (old.changed_at > a.changed_at || sameAlarm(old, a))) return false;
    if (a.state === "normal") {
      if (old === undefined) return false;
      this.byId.delete(a.id);
    } else {
      this.byId.set(a.id, a);
    }
    this.sorted = null;
    return true;
  }
}

/** What the summary's filters ask for ("" = any). */
export interface AlarmFilter {
  priority: AlarmPriority | "";
  state: AlarmState | "";
  /** Searched in the source and the worded message, ignoring case. */
  text: string;
  /** Only the first alarms of bursts. */
  firstOut: boolean;
}

export function noAlarmFilter(): AlarmFilter {
  return { priority: "", state: "", text: "", firstOut: false };
}

/** The alarms the filters let through, in the order given; `words` is what an alarm says. */
export function filterAlarms(
  alarms: readonly AlarmView[],
  filter: AlarmFilter,
  words: (alarm: AlarmView) => string,
): AlarmView[] {
  const needle = filter.text.trim().toLocaleLowerCase();
  return alarms.filter(
    (a) =>
      (filter.priority === "" || a.priority === filter.priority) &&
      (filter.state === "" || a.state === filter.state) &&
      (!filter.firstOut || a.first_out) &&
      (needle === "" ||
        String(a.source).toLocaleLowerCase().includes(needle) ||
        words(a).toLocaleLowerCase().includes(needle)),
  );
}

/** What the alarm journal's filters ask for ("" = any). */
export interface AlarmJournalFilter {
  priority: AlarmPriority | "";
  event: AlarmEvent | "";
  /** Searched in the source, the worded message, who and why, ignoring case. */
  text: string;
}

export function noAlarmJournalFilter(): AlarmJournalFilter {
  return { priority: "", event: "", text: "" };
}

/** The transitions the journal's filters let through, in the order given. */
export function filterTransitions(
  transitions: readonly AlarmTransition[],
  filter: AlarmJournalFilter,
  words: (t: AlarmTransition) => string,
): AlarmTransition[] {
  const needle = filter.text.trim().toLocaleLowerCase();
  const has = (text: string | null) => text !== null && String(text).toLocaleLowerCase().includes(needle);
  return transitions.filter(
    (t) =>
      (filter.priority === "" || t.priority === filter.priority) &&
      (filter.event === "" || t.event === filter.event) &&
      (needle === "" || has(t.source) || has(t.by) || has(t.reason) || words(t).toLocaleLowerCase().includes(needle)),
  );
}

/** The ids of the alarms among `alarms` that still need an acknowledgement. */
export function unacknowledgedIds(alarms: Iterable<AlarmView>): number[] {
  const ids: number[] = [];
  for (const a of alarms) if (needsAcknowledgement(a.state)) ids.push(a.id);
  return ids;
}

/** Why a shelving the operator typed is refused, per field; null when it may be sent. */
export interface ShelveProblems {
  minutes: "invalid" | null;
  reason: "required" | "too_long" | null;
}

/** The minutes of a shelving as typed: a whole number from 1 to the longest shelf (`most`), or null. */
export function shelveMinutes(text: string, most = SHELVE_MAX_MINUTES): number | null {
  const digits = [...text.trim()]
    .map((c) => {
      const code = c.charCodeAt(0);
      // Persian and Arabic-Indic digits, as a Persian keyboard types them.
      if (code >= 0x06f0 && code <= 0x06f9) return String(code - 0x06f0);
      if (code >= 0x0660 && code <= 0x0669) return String(code - 0x0660);
      return c;
    })
    .join("");
  if (!/^\d+$/.test(digits)) return null;
  const n = Number(digits);
  return n >= 1 && n <= most ? n : null;
}

/** Checks a shelving as the console does: a reason is required, and the shelf has bounds (1 to `most` minutes). */
export function shelveProblems(minutes: string, reason: string, most = SHELVE_MAX_MINUTES): ShelveProblems {
  const r = reason.trim();
  return {
    minutes: shelveMinutes(minutes, most) === null ? "invalid" : null,
    reason: r === "" ? "required" : [...r].length > SHELVE_REASON_MAX ? "too_long" : null,
  };
}

/** Which unacknowledged priority the banner shows: the top alarm's, or the most urgent counted. */
export function bannerPriority(status: AlarmStatus): AlarmPriority | null {
  if (status.top !== null) return status.top.priority;
  return ALARM_PRIORITIES.find((p) => status.unacknowledged[p] > 0) ?? null;
}
