// The alerts slice: the alert list, its status (unacknowledged counts, mute, shelves).

import type { AlertStatus, AlertView, UpdateBatch } from "../types";

/** Most alerts one update batch carries (the Rust side keeps the newest of a flood). */
export const BATCH_ALERTS = 100;
/** Most alerts the console lists (as many as `alerts` returns). */
export const ALERT_LIMIT = 500;
/** How long "Mute" silences notifications (minutes). */
export const MUTE_MINUTES = 15;
/** How long "Shelve" silences a device's notifications (minutes). */
export const SHELVE_MINUTES = 15;

export function emptyAlertStatus(): AlertStatus {
  return { unacked: 0, unacked_critical: 0, muted: false, muted_until: null, shelved: [] };
}

export function sameAlertStatus(a: AlertStatus, b: AlertStatus): boolean {
  return (
    a.unacked === b.unacked &&
    a.unacked_critical === b.unacked_critical &&
    a.muted === b.muted &&
    a.muted_until === b.muted_until &&
    a.shelved.length === b.shelved.length &&
    a.shelved.every((s, i) => s.subject === b.shelved[i]?.subject && s.until === b.shelved[i]?.until)
  );
}

export interface MuteState {
  muted: boolean;
  /** Until when (Unix seconds), or null for "until unmuted". Null when not muted. */
  until: number | null;
}

/**
 * Whether notifications are muted at `now`. A mute whose end has passed counts
 * as over even before the console's next status says so.
 */
export function muteState(status: AlertStatus, now: number): MuteState {
  if (status.muted !== true) return { muted: false, until: null };
  const until = status.muted_until;
  if (until === null || until === undefined) return { muted: true, until: null };
  return until > now ? { muted: true, until } : { muted: false, until: null };
}

/** Until when a device (or relay) is shelved at `now`, or null when it is not. */
export function shelvedUntil(status: AlertStatus, subject: string, now: number): number | null {
  let until: number | null = null;
  for (const shelf of status.shelved) {
    if (shelf.subject === subject && shelf.until > now && (until === null || shelf.until > until)) until = shelf.until;
  }
  return until;
}

/** Every shelf still running at `now`, by subject (the latest end when one is listed twice). */
export function activeShelves(status: AlertStatus, now: number): Map<string, number> {
  const shelves = new Map<string, number>();
  for (const shelf of status.shelved) {
    if (!(shelf.until > now)) continue;
    const known = shelves.get(shelf.subject);
    if (known === undefined || shelf.until > known) shelves.set(shelf.subject, shelf.until);
  }
  return shelves;
}

/**
 * Whether a batch leaves the alert list unreliable, so that it must be loaded
 * again with `alerts`: a full batch (the console kept only the newest of a
 * flood, older ones may be missing), or a status whose unacknowledged counts
 * the batch's new alerts do not explain (alerts were acknowledged, or new ones
 * arrived in another batch). Call it before the batch is applied.
 */
export function alertReloadNeeded(batch: UpdateBatch, before: AlertStatus, known: (id: number) => boolean): boolean {
  const alerts = batch.alerts ?? [];
  if (alerts.length >= BATCH_ALERTS) return true;
  const status = batch.alert_status;
  if (status === null || status === undefined) return false;
  let added = 0;
  let addedCritical = 0;
  for (const a of alerts) {
    if (known(a.id) || a.acked_at !== null) continue;
    added++;
    if (a.severity === "critical") addedCritical++;
  }
  return status.unacked !== before.unacked + added || status.unacked_critical !== before.unacked_critical + addedCritical;
}

function sameAlert(a: AlertView, b: AlertView): boolean {
  return (
    a.id === b.id &&
    a.at === b.at &&
    a.kind === b.kind &&
    a.severity === b.severity &&
    a.subject === b.subject &&
    a.title === b.title &&
    a.body === b.body &&
    a.notified === b.notified &&
    a.suppressed === b.suppressed &&
    a.acked_at === b.acked_at &&
    a.acked_by === b.acked_by
  );
}

/**
 * Recent alerts by id, newest (highest id) first. Copies of an alert come from
 * batches (as it was raised) and from `alerts` answers (as stored, maybe
 * acknowledged): an acknowledged copy is never replaced by an unacknowledged
 * one, since an acknowledgement cannot be undone.
 */
export class AlertLog {
  private readonly byId = new Map<number, AlertView>();
  private sorted: AlertView[] | null = null;

  constructor(private readonly limit = ALERT_LIMIT) {}

  get size(): number {
    return this.byId.size;
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  get(id: number): AlertView | undefined {
    return this.byId.get(id);
  }

  /** The highest id listed, or null when the list is empty. */
  maxId(): number | null {
    return this.list()[0]?.id ?? null;
  }

  /** Merges copies of alerts (any order). Returns whether the list changed. */
  upsert(alerts: Iterable<AlertView>): boolean {
    let changed = false;
    for (const a of alerts) changed = this.put(a) || changed;
    return this.trim() || changed;
  }

  /**
   * Takes an `alerts` answer (the newest alerts as stored). `knownBefore` is
   * the highest id listed when it was asked for: alerts up to it that the
   * answer lacks are gone (deleted, or older than the answer reaches); newer
   * ones arrived in batches meanwhile and stay.
   */
  replace(alerts: readonly AlertView[], knownBefore: number | null): boolean {
    const answered = new Set<number>();
    for (const a of alerts) answered.add(a.id);
    let changed = false;
    if (knownBefore !== null) {
      for (const id of [...this.byId.keys()]) {
        if (id <= knownBefore && !answered.has(id)) {
          this.byId.delete(id);
          changed = true;
        }
      }
    }
    if (changed) this.sorted = null;
    return this.upsert(alerts) || changed;
  }

  /** Newest first. */
  list(): readonly AlertView[] {
    if (this.sorted === null) {
      this.sorted = [...this.byId.values()].sort((a, b) => b.id - a.id);
    }
    return this.sorted;
  }

  private put(a: AlertView): boolean {
    if (typeof a.id !== "number" || !Number.isFinite(a.id)) return false;
    const old = this.byId.get(a.id);
    if (old !== undefined) {
      if (old.acked_at !== null && a.acked_at === null) return false;
      if (sameAlert(old, a)) return false;
    }
    this.byId.set(a.id, a);
    this.sorted = null;
    return true;
  }

  /** Drops the oldest alerts beyond the limit. */
  private trim(): boolean {
    if (this.byId.size <= this.limit) return false;
    const keep = this.list().slice(0, this.limit);
    for (const a of this.list().slice(this.limit)) this.byId.delete(a.id);
    this.sorted = keep;
    return true;
  }
}
