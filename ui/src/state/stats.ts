// The system stats and diagnostics slice: trend ranges, time in each link mode.

/** The system stats trend's ranges (seconds back from now). */
export const STATS_RANGES = { hour: 3600, day: 86400 } as const;
export type StatsRange = keyof typeof STATS_RANGES;

/** How far back a device's trend reaches (seconds). */
export const DEVICE_TREND_S = 3600;

const MODE_ORDER: readonly string[] = ["realtime", "fallback", "stale", "offline", "connecting", "unauthorized"];

export interface ModeShare {
  mode: string;
  seconds: number;
  /** Part of the total time, 0…1 (0 when the total is 0). */
  share: number;
}

/** Time in each link mode, in a fixed order (live modes first), with each one's share. */
export function modeShares(timeInModes: readonly (readonly [string, number])[]): ModeShare[] {
  const byMode = new Map<string, number>();
  for (const [mode, seconds] of timeInModes) {
    const s = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
    byMode.set(String(mode), (byMode.get(String(mode)) ?? 0) + s);
  }
  let total = 0;
  for (const s of byMode.values()) total += s;
  const rank = (m: string) => {
    const i = MODE_ORDER.indexOf(m);
    return i < 0 ? MODE_ORDER.length : i;
  };
  return [...byMode.entries()]
    .sort((a, b) => rank(a[0]) - rank(b[0]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([mode, seconds]) => ({ mode, seconds, share: total > 0 ? seconds / total : 0 }));
}
