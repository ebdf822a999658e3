// The link slice: whether the values shown are live, and whether one value is too old.

import type { LinkMode, LinkStatus } from "../types";

/** Modes in which the values shown are live (confirmed by the plant server). */
export function isLiveMode(mode: LinkMode): boolean {
  return mode === "realtime" || mode === "fallback";
}

/** Whether every value shown must be marked as unconfirmed. */
export function valuesAreStale(link: LinkStatus): boolean {
  return !isLiveMode(link.mode);
}

/** A value not received again for this long is marked unconfirmed even on a live link (seconds). */
export const VALUE_MAX_AGE_S = 600;

export type ValueStaleness = "live" | "link" | "age";

/**
 * Whether a device's value must be marked unconfirmed at `now`, and why: the
 * link is not live (`link`), or the console has not received the device for
 * more than `maxAgeS` (`age`).
 */
export function valueStaleness(receivedAt: number, now: number, linkStale: boolean, maxAgeS = VALUE_MAX_AGE_S): ValueStaleness {
  if (linkStale) return "link";
  if (!Number.isFinite(receivedAt) || now - receivedAt > maxAgeS) return "age";
  return "live";
}
