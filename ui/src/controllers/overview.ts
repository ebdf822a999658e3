// The overview's sparklines: each area's count of abnormal devices over the last hour
// (`area_trend`, from the cache), loaded for the areas on screen while the overview is
// shown and the window visible, and again at most every 30 s per area.

import type { ControllerContext } from "./context";

/** The period a sparkline covers (seconds) and its buckets (one a minute). */
export const AREA_TREND_S = 3600;
export const AREA_TREND_BUCKETS = 60;

export interface OverviewOptions {
  /** Least time between two loads of one area's sparkline (ms). */
  trendMs: number;
  /** Whether the window is visible. */
  visible: () => boolean;
  /** Date.now() in the app (ms); a test's clock otherwise. */
  clock?: () => number;
}

export class OverviewController {
  private timer: ReturnType<typeof setInterval> | null = null;
  /** When each area's sparkline was last asked for (ms). */
  private readonly askedAt = new Map<string, number>();
  private readonly clock: () => number;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: OverviewOptions,
  ) {
    this.clock = opts.clock ?? (() => Date.now());
  }

  start(): void {
    this.timer = setInterval(() => this.refresh(), this.opts.trendMs);
    this.refresh();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Loads the sparklines of the areas on screen whose last load is older than the period. */
  refresh(): void {
    if (this.ctx.stopped() || !this.opts.visible() || this.ctx.view.activeTab !== "overview") return;
    const at = this.clock();
    const until = this.ctx.now();
    const since = until - AREA_TREND_S;
    for (const area of this.ctx.view.overview.visibleAreas()) {
      const asked = this.askedAt.get(area.name);
      if (asked !== undefined && at - asked < this.opts.trendMs) continue;
      this.askedAt.set(area.name, at);
      void this.load(area.name, area.deviceIds, since, until);
    }
  }

  private async load(area: string, ids: readonly string[], since: number, until: number): Promise<void> {
    try {
      const buckets = await this.ctx.ipc.areaTrend(ids, since, until, AREA_TREND_BUCKETS);
      if (this.ctx.stopped()) return;
      this.ctx.view.overview.showTrend(area, buckets, since, until);
    } catch {
      // A sparkline that cannot be loaded stays as it was (the counts beside it are live);
      // the next period asks again.
      this.askedAt.delete(area);
    }
  }
}
