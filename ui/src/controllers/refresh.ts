// The read side and its timers: the once-a-second tick, the diagnostics every
// 2 s and the trends every 30 s while the window is visible, the journal and
// link changes when batches bring something, what a view loads when shown.

import { toUiError } from "../ipc";
import { DEVICE_TREND_S, JOURNAL_LIMIT, rangeSince, STATS_RANGES, type ChangeSet } from "../state";
import { strings } from "../strings";
import type { TabId } from "../views/tabs";
import type { ControllerContext } from "./context";
import { Loader } from "./loader";

/** How many recent link changes the diagnostics list. */
export const LINK_CHANGES_LIMIT = 50;
/** How far back the diagnostics look for link changes (seconds). */
export const LINK_CHANGES_S = 7 * 86400;

export interface RefreshOptions {
  tickMs: number;
  /** How often the diagnostics (RTT, last message) are read while the window is visible (ms). */
  diagnosticsMs: number;
  /** How often trends are loaded again (ms). */
  trendMs: number;
  /** Least time between two loads of the journal that batches ask for (ms). */
  journalMs: number;
  /** Whether the window is visible (document.visibilityState in the app). */
  visible: () => boolean;
}

export class RefreshController {
  private readonly tickMs: number;
  private tickTimer: ReturnType<typeof setInterval> | null = null;
  private readonly diagnosticsMs: number;
  private readonly trendMs: number;
  private readonly visible: () => boolean;
  private readonly diagnosticsLoader: Loader;
  private readonly statsTrendLoader: Loader;
  private readonly deviceTrendLoader: Loader;
  private readonly journalLoader: Loader;
  private readonly linkChangesLoader: Loader;
  private diagnosticsTimer: ReturnType<typeof setInterval> | null = null;
  private trendTimer: ReturnType<typeof setInterval> | null = null;
  private removeVisibilityListener: (() => void) | null = null;
  /** The device whose details (and trend) are open. */
  private trendDevice: string | null = null;
  /** The journal changed since it was last loaded while its view was hidden. */
  private journalDirty = true;
  private linkChangesDirty = true;
  private testPending = false;
  /** Date.now() when the stats trend was last asked for. */
  private statsTrendAskedAt = Number.NEGATIVE_INFINITY;
  /** The settings view was shown (it loads the settings again the first time). */
  private settingsShown = false;

  constructor(
    private readonly ctx: ControllerContext,
    opts: RefreshOptions,
  ) {
    this.tickMs = opts.tickMs;
    this.diagnosticsMs = opts.diagnosticsMs;
    this.trendMs = opts.trendMs;
    this.visible = opts.visible;
    const journalMs = opts.journalMs;
    this.diagnosticsLoader = new Loader(() => this.loadDiagnostics(), Math.min(this.diagnosticsMs, 1_000));
    this.statsTrendLoader = new Loader(() => this.loadStatsTrend(), 2_000);
    this.deviceTrendLoader = new Loader(() => this.loadDeviceTrend(), 1_000);
    this.journalLoader = new Loader(() => this.loadJournal(), journalMs);
    this.linkChangesLoader = new Loader(() => this.loadLinkChanges(), journalMs);
  }

  /** Time-dependent texts, once a second. */
  startTicking(): void {
    this.tickTimer = setInterval(() => this.ctx.view.tick(this.ctx.now()), this.tickMs);
  }

  /** A stats range was chosen. */
  statsRangeChanged(): void {
    this.statsTrendLoader.now();
  }

  /** A journal range was chosen. */
  journalRangeChanged(): void {
    this.journalLoader.now();
  }

  stop(): void {
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    if (this.diagnosticsTimer !== null) clearInterval(this.diagnosticsTimer);
    if (this.trendTimer !== null) clearInterval(this.trendTimer);
    this.tickTimer = null;
    this.diagnosticsTimer = null;
    this.trendTimer = null;
    this.removeVisibilityListener?.();
    this.removeVisibilityListener = null;
    for (const loader of [
      this.diagnosticsLoader,
      this.statsTrendLoader,
      this.deviceTrendLoader,
      this.journalLoader,
      this.linkChangesLoader,
    ]) {
      loader.stop();
    }
  }

  /** Diagnostics every 2 s and trends every 30 s, while the window is visible. */
  startPolling(): void {
    this.diagnosticsTimer = setInterval(() => {
      if (this.visible()) this.diagnosticsLoader.request();
    }, this.diagnosticsMs);
    this.trendTimer = setInterval(() => {
      if (!this.visible()) return;
      if (this.ctx.view.activeTab === "plant") this.statsTrendLoader.request();
      if (this.trendDevice !== null) this.deviceTrendLoader.request();
    }, this.trendMs);
    if (typeof document !== "undefined") {
      const onVisibility = () => {
        if (!this.visible()) return;
        this.diagnosticsLoader.request();
        if (this.ctx.view.activeTab === "plant") this.statsTrendLoader.request();
        if (this.trendDevice !== null) this.deviceTrendLoader.request();
      };
      document.addEventListener("visibilitychange", onVisibility);
      this.removeVisibilityListener = () => document.removeEventListener("visibilitychange", onVisibility);
    }
    this.diagnosticsLoader.request();
    this.tabChanged(this.ctx.view.activeTab);
  }

  /** The journal and the link changes follow what batches and command steps bring. */
  noteActivity(c: ChangeSet): void {
    const journalWorthy = c.link || c.devicesReset || c.devices.size > 0 || c.relaysReset || c.relays.size > 0 || c.commands;
    if (!journalWorthy || !this.ctx.ipc.hasBackend()) return;
    if (this.ctx.view.activeTab === "alerts") this.journalLoader.request();
    else this.journalDirty = true;
    if (c.link) {
      if (this.ctx.view.activeTab === "diagnostics") this.linkChangesLoader.request();
      else this.linkChangesDirty = true;
    }
  }

  /** Another view is shown: load what it shows if it is out of date. */
  tabChanged(tab: TabId): void {
    if (this.ctx.stopped() || !this.ctx.ipc.hasBackend()) return;
    if (tab === "alerts" && this.journalDirty) this.journalLoader.now();
    if (tab === "diagnostics") {
      this.diagnosticsLoader.now();
      if (this.linkChangesDirty) this.linkChangesLoader.now();
    }
    // The stats trend follows its own 30 s period while the plant view is shown;
    // coming back to it after longer loads it at once.
    if (tab === "plant" && Date.now() - this.statsTrendAskedAt >= this.trendMs) this.statsTrendLoader.request();
    // Read fresh when first shown; later visits keep the operator's edits.
    if (tab === "settings" && !this.settingsShown) {
      this.settingsShown = true;
      void this.ctx.loadSettings();
    }
  }

  /** Reads the link's figures (header RTT and last message, the diagnostics view). */
  async loadDiagnostics(): Promise<void> {
    if (this.ctx.stopped()) return;
    try {
      const d = await this.ctx.ipc.diagnostics();
      if (this.ctx.stopped()) return;
      this.ctx.view.showDiagnostics(d, this.ctx.now());
    } catch (err) {
      if (this.ctx.stopped()) return;
      this.ctx.view.showDiagnosticsError(() => strings.errors.diagnosticsFailed(toUiError(err).message));
    }
  }

  /** Loads the system stats trend of the period the stats panel shows. */
  async loadStatsTrend(): Promise<void> {
    if (this.ctx.stopped()) return;
    this.statsTrendAskedAt = Date.now();
    const range = this.ctx.view.stats.range;
    const until = this.ctx.now();
    const since = until - STATS_RANGES[range];
    try {
      const trend = await this.ctx.ipc.statsTrend(since, until);
      if (this.ctx.stopped() || this.ctx.view.stats.range !== range) return;
      this.ctx.view.showStatsTrend(trend, since, until);
    } catch (err) {
      if (this.ctx.stopped()) return;
      this.ctx.view.showStatsTrendError(() => strings.errors.trendFailed(toUiError(err).message));
    }
  }

  /** The details of a device were opened (null: closed): load its trend. */
  openDevice(deviceId: string | null): void {
    this.trendDevice = deviceId;
    if (deviceId !== null) this.deviceTrendLoader.now();
  }

  async loadDeviceTrend(): Promise<void> {
    const id = this.trendDevice;
    if (this.ctx.stopped() || id === null) return;
    const until = this.ctx.now();
    try {
      const trend = await this.ctx.ipc.deviceTrend(id, until - DEVICE_TREND_S, until);
      if (this.ctx.stopped() || this.trendDevice !== id) return;
      this.ctx.view.showDeviceTrend(trend, this.ctx.now());
    } catch (err) {
      if (this.ctx.stopped()) return;
      this.ctx.view.showDeviceTrendError(id, () => strings.errors.trendFailed(toUiError(err).message));
    }
  }

  /** Loads the journal of the period the events view shows (its newest JOURNAL_LIMIT entries). */
  async loadJournal(): Promise<void> {
    if (this.ctx.stopped()) return;
    const range = this.ctx.view.journal.range;
    this.journalDirty = false;
    try {
      const entries = await this.ctx.ipc.journal({ since: rangeSince(range, this.ctx.now()), limit: JOURNAL_LIMIT });
      if (this.ctx.stopped() || this.ctx.view.journal.range !== range) return;
      this.ctx.view.showJournal(entries, JOURNAL_LIMIT);
    } catch (err) {
      if (this.ctx.stopped()) return;
      this.journalDirty = true;
      this.ctx.view.showJournalError(() => strings.errors.journalFailed(toUiError(err).message));
    }
  }

  /** Loads the recent link changes for the diagnostics. */
  async loadLinkChanges(): Promise<void> {
    if (this.ctx.stopped()) return;
    this.linkChangesDirty = false;
    try {
      const entries = await this.ctx.ipc.journal({
        since: this.ctx.now() - LINK_CHANGES_S,
        kind: "link",
        limit: LINK_CHANGES_LIMIT,
      });
      if (this.ctx.stopped()) return;
      this.ctx.view.showLinkChanges(entries, this.ctx.now());
    } catch (err) {
      if (this.ctx.stopped()) return;
      this.linkChangesDirty = true;
      this.ctx.view.diagnostics.showError(() => strings.errors.journalFailed(toUiError(err).message));
    }
  }

  /** "Send test notification": says "Sent" or why not. */
  async testNotification(): Promise<void> {
    if (this.ctx.stopped() || this.testPending) return;
    this.testPending = true;
    try {
      await this.ctx.ipc.testNotification();
      if (this.ctx.stopped()) return;
      this.ctx.view.testNotificationSettled(null);
    } catch (err) {
      if (this.ctx.stopped()) return;
      this.ctx.view.testNotificationSettled(toUiError(err).message);
    } finally {
      this.testPending = false;
    }
  }
}
