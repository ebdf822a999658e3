// Value quality as the window shows it. The console core computes each entry's own
// quality (bad: the plant sent something unreadable; uncertain: the cache's copy) and
// the link's (uncertain while stale or down); the window shows the worse of the two,
// and the age rule it already applies (a value not received for a long time). Pure:
// no DOM, no IPC, no clock.

import { strings } from "../strings";
import type { LinkStatus, Quality, QualityLevel, QualityReason, Unusable } from "../types";

export const GOOD: Quality = { level: "good", reason: null };

const LEVEL_RANK: Record<QualityLevel, number> = { good: 0, uncertain: 1, bad: 2 };
const REASON_RANK: Record<QualityReason, number> = { unconfirmed: 0, old: 1, stale: 2, link_down: 3, unreadable: 4 };

function rank(q: Quality): number {
  const level = LEVEL_RANK[q.level] ?? 1;
  const reason = q.reason === null ? -1 : (REASON_RANK[q.reason] ?? 0);
  return level * 10 + reason;
}

/** The worse of two qualities (the same order as the core's `Quality::worst`). */
export function worstQuality(a: Quality, b: Quality): Quality {
  return rank(b) > rank(a) ? b : a;
}

/** Whether a value from the plant could not be read (the entry's own quality is bad). */
export function isBad(q: Quality | null | undefined): boolean {
  return q?.level === "bad";
}

/**
 * The quality a value is shown with at `now`: its own, the link's and, when `old`
 * (the window's age rule says it has not been received for too long), uncertain.
 */
export function shownQuality(own: Quality | null | undefined, link: LinkStatus, old: boolean): Quality {
  let q = own ?? GOOD;
  if (link.quality) q = worstQuality(q, link.quality);
  if (old) q = worstQuality(q, { level: "uncertain", reason: "old" });
  return q;
}

/** The shape that stands for a level, so quality never relies on colour alone. */
export function qualityMark(q: Quality): string {
  const Q = strings.quality;
  return q.level === "bad" ? Q.badMark : q.level === "uncertain" ? Q.uncertainMark : Q.goodMark;
}

/** The words for a quality; a bad value names the fields that could not be read. */
export function qualityText(q: Quality, unreadable: readonly string[] = []): string {
  const Q = strings.quality;
  if (q.level === "good" || q.reason === null) return Q.good;
  if (q.reason === "unreadable" && unreadable.length > 0) return Q.unreadableFields(unreadable.join(", "));
  return Q.reasons[q.reason] ?? q.reason;
}

/** Mark and words together: "✖ Bad value from the plant: value could not be read". */
export function qualityLabel(q: Quality, unreadable: readonly string[] = []): string {
  return `${qualityMark(q)} ${qualityText(q, unreadable)}`;
}

export function noUnusable(): Unusable {
  return {
    frames: 0,
    items_dropped: 0,
    items_unreadable: 0,
    session_frames: 0,
    session_items_dropped: 0,
    session_items_unreadable: 0,
  };
}

/**
 * The address part of a link status before the link has named an address: no
 * address, the primary's place, no failover.
 */
export function noLinkAddress(): Pick<
  LinkStatus,
  "address" | "address_index" | "address_role" | "addresses" | "failovers" | "last_failover_at" | "last_failover_from"
> {
  return {
    address: "",
    address_index: 0,
    address_role: "primary",
    addresses: 0,
    failovers: 0,
    last_failover_at: null,
    last_failover_from: null,
  };
}

/** Everything the console could not use since start. */
export function unusableTotal(u: Unusable | null | undefined): number {
  if (!u) return 0;
  return (u.frames ?? 0) + (u.items_dropped ?? 0) + (u.items_unreadable ?? 0);
}

/** How long the banner stays after the count last grew (seconds). */
export const UNUSABLE_BANNER_S = 60;

/**
 * Follows the count of unusable data from the link status of each batch and says
 * whether it grew recently: the banner is shown while it grows, so "Real-time"
 * never means "real time except what was thrown away".
 */
export class UnusableWatch {
  private last = 0;
  private grewAt: number | null = null;
  counts: Unusable = noUnusable();

  /** Takes the latest counts at `now` (seconds); returns whether the count grew. */
  observe(counts: Unusable | null | undefined, now: number): boolean {
    if (!counts) return false;
    this.counts = counts;
    const total = unusableTotal(counts);
    const grew = total > this.last;
    // A lower total is a restarted console core: start again from it.
    this.last = total;
    if (grew) this.grewAt = now;
    return grew;
  }

  /** Whether the banner is to be shown at `now`. */
  showing(now: number): boolean {
    return this.grewAt !== null && now - this.grewAt <= UNUSABLE_BANNER_S;
  }
}
