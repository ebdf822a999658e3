// Wire-up of IPC → store → view, with the IPC and the clock passed in (so that
// it can be tested without Tauri). No data is invented here.

import { formatQueueUntil } from "./format";
import { NO_BACKEND, toUiError } from "./ipc";
import { saveLanguage } from "./prefs";
import { INVALID_SETTINGS, savedMessage } from "./settings";
import {
  alertReloadNeeded,
  ConsoleStore,
  DEVICE_TREND_S,
  emptyChanges,
  hasChanges,
  JOURNAL_LIMIT,
  mergeChanges,
  MUTE_MINUTES,
  rangeSince,
  SHELVE_MINUTES,
  STATS_RANGES,
  type BatchOptions,
  type ChangeSet,
} from "./state";
import { isLanguage, language, setLanguage, strings, type Language } from "./strings";
import type {
  AlertStatus,
  AlertView,
  CommandView,
  ConsoleSnapshot,
  DeviceTrend,
  Diagnostics,
  JournalEntry,
  JournalQuery,
  SettingsInput,
  SettingsView,
  StatsTrend,
  UpdateBatch,
} from "./types";
import type { AppView, RebuildFocus } from "./view/app";
import type { TabId } from "./view/tabs";

/** The part of ./ipc the controller uses. */
export interface ConsoleIpc {
  hasBackend(): boolean;
  getSnapshot(): Promise<ConsoleSnapshot>;
  onBatch(handler: (batch: UpdateBatch) => void): Promise<() => void>;
  setRelay(relayId: string, state: boolean, queueIfOffline: boolean): Promise<CommandView>;
  outbox(): Promise<CommandView[]>;
  cancelCommand(requestId: string): Promise<CommandView>;
  onCommand(handler: (command: CommandView) => void): Promise<() => void>;
  alerts(): Promise<AlertView[]>;
  acknowledgeAlerts(id?: number): Promise<number>;
  muteAlerts(minutes: number | null): Promise<AlertStatus>;
  unmuteAlerts(): Promise<AlertStatus>;
  shelveDevice(deviceId: string, minutes: number): Promise<AlertStatus>;
  deviceTrend(deviceId: string, since: number, until: number): Promise<DeviceTrend>;
  statsTrend(since: number, until: number): Promise<StatsTrend>;
  journal(query: JournalQuery): Promise<JournalEntry[]>;
  diagnostics(): Promise<Diagnostics>;
  testNotification(): Promise<void>;
  getSettings(): Promise<SettingsView>;
  saveSettings(input: SettingsInput): Promise<SettingsView>;
}

/** How many recent link changes the diagnostics list. */
export const LINK_CHANGES_LIMIT = 50;
/** How far back the diagnostics look for link changes (seconds). */
export const LINK_CHANGES_S = 7 * 86400;

/**
 * Runs a load when asked: never two at once, and no sooner than `minMs` after
 * the previous one started (a flood of requests makes one load per period).
 * A request while one is in flight makes one more load after it.
 */
export class Loader {
  private inFlight = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastStart = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly load: () => Promise<void>,
    private readonly minMs: number,
  ) {}

  /** Loads as soon as the minimum interval allows. */
  request(): void {
    if (this.stopped) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    if (this.timer !== null) return;
    const wait = this.lastStart + this.minMs - Date.now();
    if (wait <= 0) {
      void this.run();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, wait);
  }

  /** Loads at once (an operator's request); after the one in flight, if any. */
  now(): void {
    if (this.stopped) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.inFlight) {
      this.again = true;
      return;
    }
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    this.inFlight = true;
    this.lastStart = Date.now();
    try {
      await this.load();
    } catch {
      // The load reports its own errors.
    } finally {
      this.inFlight = false;
    }
    if (this.again && !this.stopped) {
      this.again = false;
      this.request();
    }
  }
}

/** UiError codes of `set_relay` the UI reacts to. */
export const LINK_DOWN = "link_down";
export const READ_ONLY = "read_only";

export interface ControllerOptions {
  ipc: ConsoleIpc;
  view: AppView;
  /** Unix seconds. */
  now?: () => number;
  /** Schedules a render (requestAnimationFrame in the app). */
  scheduleFrame?: (cb: () => void) => void;
  snapshotTimeoutMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  tickMs?: number;
  /** Least time between two loads of the alert list that batches ask for (ms). */
  alertReloadMs?: number;
  /** How often the diagnostics (RTT, last message) are read while the window is visible (ms). */
  diagnosticsMs?: number;
  /** How often trends are loaded again (ms). */
  trendMs?: number;
  /** Least time between two loads of the journal that batches ask for (ms). */
  journalMs?: number;
  /** Whether the window is visible (document.visibilityState in the app). */
  visible?: () => boolean;
  /** Where the language is saved (localStorage in the app). */
  storage?: Pick<Storage, "setItem"> | null;
}

export class Controller {
  readonly store: ConsoleStore;
  private readonly ipc: ConsoleIpc;
  private readonly view: AppView;
  private readonly now: () => number;
  private readonly scheduleFrame: (cb: () => void) => void;
  private readonly snapshotTimeoutMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly tickMs: number;
  private readonly alertReloadMs: number;

  private pending: ChangeSet = emptyChanges();
  private framePending = false;
  /** Whether the first picture (the first snapshot) has been drawn. */
  private drawnOnce = false;
  /** Batches that arrived while a snapshot was being fetched. */
  private queued: UpdateBatch[] = [];
  private snapshotInFlight = false;
  /** Another snapshot was asked for while one was in flight (it may predate what changed). */
  private snapshotAgain = false;
  private retryDelay: number;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private outboxDelay: number;
  private outboxTimer: ReturnType<typeof setTimeout> | null = null;
  private tickTimer: ReturnType<typeof setInterval> | null = null;
  private alertsInFlight = false;
  /** Another load of the alert list was asked for while one was in flight (urgently?). */
  private alertsAgain: "no" | "soon" | "now" = "no";
  private alertsTimer: ReturnType<typeof setTimeout> | null = null;
  private alertsDelay: number;
  /** Date.now() when the alert list was last asked for. */
  private alertsAskedAt = Number.NEGATIVE_INFINITY;
  private unlisten: (() => void) | null = null;
  private unlistenCommands: (() => void) | null = null;
  private stopped = false;

  private readonly diagnosticsMs: number;
  private readonly trendMs: number;
  private readonly visible: () => boolean;
  private readonly storage: Pick<Storage, "setItem"> | null;
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
  /** The settings as the console last reported them. */
  private settings: SettingsView | null = null;
  /** The settings view was shown (it loads the settings again the first time). */
  private settingsShown = false;
  /**
   * Loads and saves of the settings, one after the other: an older answer
   * never overwrites a newer one.
   */
  private settingsQueue: Promise<void> = Promise.resolve();

  constructor(opts: ControllerOptions) {
    this.ipc = opts.ipc;
    this.view = opts.view;
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.scheduleFrame = opts.scheduleFrame ?? ((cb) => void requestAnimationFrame(cb));
    this.snapshotTimeoutMs = opts.snapshotTimeoutMs ?? 10_000;
    this.retryMinMs = opts.retryMinMs ?? 1_000;
    this.retryMaxMs = opts.retryMaxMs ?? 15_000;
    this.tickMs = opts.tickMs ?? 1_000;
    this.alertReloadMs = opts.alertReloadMs ?? 1_000;
    this.retryDelay = this.retryMinMs;
    this.outboxDelay = this.retryMinMs;
    this.alertsDelay = this.retryMinMs;
    this.diagnosticsMs = opts.diagnosticsMs ?? 2_000;
    this.trendMs = opts.trendMs ?? 30_000;
    const journalMs = opts.journalMs ?? 2_000;
    this.visible =
      opts.visible ?? (() => typeof document === "undefined" || document.visibilityState !== "hidden");
    this.storage = opts.storage !== undefined ? opts.storage : defaultStorage();
    this.diagnosticsLoader = new Loader(() => this.loadDiagnostics(), Math.min(this.diagnosticsMs, 1_000));
    this.statsTrendLoader = new Loader(() => this.loadStatsTrend(), 2_000);
    this.deviceTrendLoader = new Loader(() => this.loadDeviceTrend(), 1_000);
    this.journalLoader = new Loader(() => this.loadJournal(), journalMs);
    this.linkChangesLoader = new Loader(() => this.loadLinkChanges(), journalMs);
    this.store = new ConsoleStore(this.now());
    this.view.setActions({
      switchRelay: (relayId, opener) => void this.switchRelay(relayId, opener),
      cancelCommand: (requestId) => void this.cancelCommand(requestId),
      acknowledgeAlerts: (id) => void this.acknowledgeAlerts(id),
      toggleMute: (unmute) => void this.toggleMute(unmute),
      shelveDevice: (deviceId) => void this.shelveDevice(deviceId),
      openDevice: (deviceId) => this.openDevice(deviceId),
      tabChanged: (tab) => this.tabChanged(tab),
      statsRangeChanged: () => this.statsTrendLoader.now(),
      journalRangeChanged: () => this.journalLoader.now(),
      testNotification: () => void this.testNotification(),
      setLanguage: (lang) => this.setLanguage(lang),
      saveSettings: (input) => void this.saveSettings(input),
      reloadSettings: () => void this.loadSettings(),
    });
  }

  /**
   * Subscribes to batches and command events first (nothing is lost between
   * the two), then loads the snapshot, the outbox and the alerts.
   */
  async start(): Promise<void> {
    this.tickTimer = setInterval(() => this.view.tick(this.now()), this.tickMs);
    if (!this.ipc.hasBackend()) {
      // Nothing to read either: the views say why instead of "Loading…".
      this.view.showJournalError(strings.errors.noBackend);
      this.view.showDiagnosticsError(strings.errors.noBackend);
      this.view.settings.showLoadError(strings.errors.noBackend);
      await this.refresh(); // reports the missing backend
      return;
    }
    await this.subscribe();
    if (this.stopped) return;
    // The plant first: the operator's first look is the device table, and every other
    // read (trends over a day of history, the journal) would compete with it.
    await this.refresh();
    if (this.stopped) return;
    this.startPolling();
    await Promise.all([this.loadOutbox(), this.loadAlerts(), this.loadSettings()]);
  }

  /** Diagnostics every 2 s and trends every 30 s, while the window is visible. */
  private startPolling(): void {
    this.diagnosticsTimer = setInterval(() => {
      if (this.visible()) this.diagnosticsLoader.request();
    }, this.diagnosticsMs);
    this.trendTimer = setInterval(() => {
      if (!this.visible()) return;
      if (this.view.activeTab === "plant") this.statsTrendLoader.request();
      if (this.trendDevice !== null) this.deviceTrendLoader.request();
    }, this.trendMs);
    if (typeof document !== "undefined") {
      const onVisibility = () => {
        if (!this.visible()) return;
        this.diagnosticsLoader.request();
        if (this.view.activeTab === "plant") this.statsTrendLoader.request();
        if (this.trendDevice !== null) this.deviceTrendLoader.request();
      };
      document.addEventListener("visibilitychange", onVisibility);
      this.removeVisibilityListener = () => document.removeEventListener("visibilitychange", onVisibility);
    }
    this.diagnosticsLoader.request();
    this.tabChanged(this.view.activeTab);
  }

  stop(): void {
    this.stopped = true;
    this.unlisten?.();
    this.unlisten = null;
    this.unlistenCommands?.();
    this.unlistenCommands = null;
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    if (this.diagnosticsTimer !== null) clearInterval(this.diagnosticsTimer);
    if (this.trendTimer !== null) clearInterval(this.trendTimer);
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
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.outboxTimer !== null) clearTimeout(this.outboxTimer);
    if (this.alertsTimer !== null) clearTimeout(this.alertsTimer);
    this.tickTimer = null;
    this.retryTimer = null;
    this.outboxTimer = null;
    this.alertsTimer = null;
  }

  /** Renders what changed since the last frame (also called by the frame callback). */
  flush(): void {
    this.framePending = false;
    const changes = this.pending;
    this.pending = emptyChanges();
    if (hasChanges(changes)) {
      this.view.render(this.store, changes, this.now());
      if (!this.drawnOnce) {
        this.drawnOnce = true;
        mark("rendered");
        // The frame that follows puts those rows on the screen.
        this.scheduleFrame(() => mark("painted"));
      }
    }
  }

  private schedule(changes: ChangeSet): void {
    this.noteActivity(changes);
    mergeChanges(this.pending, changes);
    if (!this.framePending) {
      this.framePending = true;
      this.scheduleFrame(() => this.flush());
    }
  }

  private handleBatch(batch: UpdateBatch): void {
    if (this.stopped) return;
    if (this.snapshotInFlight) {
      this.queued.push(batch);
      return;
    }
    this.schedule(this.applyBatch(batch));
  }

  /** Applies a batch; asks for the alert list again when the batch leaves it unreliable. */
  private applyBatch(batch: UpdateBatch, opts: BatchOptions = {}): ChangeSet {
    if (alertReloadNeeded(batch, this.store.alertStatus, (id) => this.store.alerts.has(id))) {
      this.requestAlerts(false);
    }
    return this.store.applyBatch(batch, opts);
  }

  private handleCommand(cmd: CommandView): void {
    if (this.stopped) return;
    // Versions are merged by updated_at: an event may arrive before or after
    // the outbox answer, the newer version wins either way.
    this.schedule(this.store.applyCommand(cmd));
  }

  private async subscribe(): Promise<void> {
    this.unlisten = await this.listenWithRetry(() => this.ipc.onBatch((b) => this.handleBatch(b)));
    this.unlistenCommands = await this.listenWithRetry(() => this.ipc.onCommand((c) => this.handleCommand(c)));
  }

  private async listenWithRetry(listen: () => Promise<() => void>): Promise<(() => void) | null> {
    for (let delay = this.retryMinMs; !this.stopped; delay = Math.min(delay * 2, this.retryMaxMs)) {
      try {
        const unlisten = await listen();
        if (this.stopped) {
          unlisten();
          return null;
        }
        return unlisten;
      } catch (err) {
        this.view.showError(strings.errors.listenFailed(toUiError(err).message));
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    return null;
  }

  /** Loads the recent commands (merged with the events already received); retried on failure. */
  async loadOutbox(): Promise<void> {
    if (this.stopped) return;
    if (this.outboxTimer !== null) {
      clearTimeout(this.outboxTimer);
      this.outboxTimer = null;
    }
    try {
      const list = await this.ipc.outbox();
      if (this.stopped) return;
      this.schedule(this.store.applyOutbox(list));
      this.outboxDelay = this.retryMinMs;
      this.view.outbox.showError(null);
    } catch (err) {
      if (this.stopped) return;
      this.view.outbox.showError(strings.errors.outboxFailed(toUiError(err).message));
      this.outboxTimer = setTimeout(() => void this.loadOutbox(), this.outboxDelay);
      this.outboxDelay = Math.min(this.outboxDelay * 2, this.retryMaxMs);
    }
  }

  /**
   * The operator pressed a relay's switch: asks for confirmation, sends the
   * command, and when the plant is unreachable asks whether to queue it until
   * now + command TTL. Nothing is sent without an explicit "yes"; nothing is
   * queued without a second explicit "yes".
   */
  async switchRelay(relayId: string, opener: HTMLElement | null = null): Promise<void> {
    if (this.stopped) return;
    const entry = this.store.relays.get(relayId);
    if (entry === undefined || this.store.switchBlock(entry.relay) !== null) return;
    const W = strings.switching;
    const target = entry.relay.state !== true;
    const stateText = target ? strings.relays.on : strings.relays.off;
    const dialog = this.view.confirm;
    const { session, answer } = dialog.open(
      W.confirmQuestion(String(entry.relay.name), stateText),
      target ? W.switchOn : W.switchOff,
      opener,
    );
    if (!(await answer)) return;

    let queueIfOffline = false;
    for (;;) {
      // The situation may have changed while the dialog was open.
      const current = this.store.relays.get(relayId);
      if (current === undefined) {
        dialog.fail(session, W.relayGone);
        return;
      }
      const block = this.store.switchBlock(current.relay);
      if (block !== null) {
        dialog.fail(session, W.failed(W.reasons[block]));
        return;
      }
      dialog.setBusy(session);
      try {
        const cmd = await this.ipc.setRelay(relayId, target, queueIfOffline);
        this.handleCommand(cmd);
        dialog.finish(session);
        return;
      } catch (err) {
        const e = toUiError(err);
        if (e.code === READ_ONLY) {
          this.schedule(this.store.setReadOnly(true));
          this.switchFailed(session, W.readOnly);
          return;
        }
        if (e.code === LINK_DOWN && !queueIfOffline) {
          if (!dialog.isCurrent(session)) return; // closed meanwhile: nothing was sent, nothing is queued
          const until = formatQueueUntil(this.now(), this.store.commandTtlS);
          if (!(await dialog.askQueue(session, W.queueQuestion(until), W.queueAction(until)))) return;
          queueIfOffline = true;
          continue;
        }
        this.switchFailed(session, W.failed(e.message));
        return;
      }
    }
  }

  /** Says why a confirmed command was not sent: in its dialog, or below the outbox if it was closed meanwhile. */
  private switchFailed(session: number, message: string): void {
    if (this.view.confirm.isCurrent(session)) this.view.confirm.fail(session, message);
    else this.view.outbox.showError(message);
  }

  /** Cancels a queued command (the outbox's "Cancel"). */
  async cancelCommand(requestId: string): Promise<void> {
    if (this.stopped) return;
    try {
      const cmd = await this.ipc.cancelCommand(requestId);
      this.handleCommand(cmd);
      this.view.outbox.showError(null);
    } catch (err) {
      if (this.stopped) return;
      this.view.outbox.cancelFailed(requestId);
      this.view.outbox.showError(strings.errors.cancelFailed(toUiError(err).message));
    }
  }

  // ---------- alerts ----------

  /**
   * Asks for the alert list again: at once when `now`, otherwise no sooner than
   * `alertReloadMs` after the previous load (a flood of batches makes one load
   * a second, not one per batch). Loads never overlap; one asked for meanwhile
   * follows the one in flight.
   */
  requestAlerts(now: boolean): void {
    if (this.stopped) return;
    if (this.alertsInFlight) {
      if (now || this.alertsAgain === "no") this.alertsAgain = now ? "now" : "soon";
      return;
    }
    if (this.alertsTimer !== null) {
      if (!now) return; // one is due already
      clearTimeout(this.alertsTimer);
      this.alertsTimer = null;
    }
    const wait = now ? 0 : this.alertsAskedAt + this.alertReloadMs - Date.now();
    if (wait <= 0) {
      void this.loadAlerts();
      return;
    }
    this.alertsTimer = setTimeout(() => {
      this.alertsTimer = null;
      void this.loadAlerts();
    }, wait);
  }

  /** Loads the alert list (merged with the alerts batches brought meanwhile); retried on failure. */
  async loadAlerts(): Promise<void> {
    if (this.stopped) return;
    if (this.alertsInFlight) {
      this.alertsAgain = "now";
      return;
    }
    if (this.alertsTimer !== null) {
      clearTimeout(this.alertsTimer);
      this.alertsTimer = null;
    }
    this.alertsInFlight = true;
    this.alertsAskedAt = Date.now();
    const knownBefore = this.store.alerts.maxId();
    try {
      const list = await this.ipc.alerts();
      if (this.stopped) return;
      this.schedule(this.store.applyAlertList(list, knownBefore));
      this.alertsDelay = this.retryMinMs;
      this.view.alerts.showError(null);
    } catch (err) {
      if (this.stopped) return;
      const e = toUiError(err);
      this.view.alerts.showError(e.code === NO_BACKEND ? e.message : strings.errors.alertsFailed(e.message));
      if (e.code !== NO_BACKEND) {
        this.alertsTimer = setTimeout(() => {
          this.alertsTimer = null;
          void this.loadAlerts();
        }, this.alertsDelay);
        this.alertsDelay = Math.min(this.alertsDelay * 2, this.retryMaxMs);
      }
    } finally {
      this.alertsInFlight = false;
    }
    const again = this.alertsAgain;
    this.alertsAgain = "no";
    if (again !== "no") this.requestAlerts(again === "now");
  }

  /** Acknowledges one alert, or every alert (`id` undefined); then shows the list as stored. */
  async acknowledgeAlerts(id: number | undefined): Promise<void> {
    if (this.stopped) return;
    try {
      await this.ipc.acknowledgeAlerts(id);
      if (this.stopped) return;
      this.view.alerts.ackSettled(id, true);
      this.view.alerts.showActionError(null);
    } catch (err) {
      if (this.stopped) return;
      this.view.alerts.ackSettled(id, false);
      this.view.alerts.showActionError(strings.errors.ackFailed(toUiError(err).message));
    }
    // Either way (an unknown alert may have been deleted meanwhile).
    this.requestAlerts(true);
  }

  /** The mute toggle: mutes for MUTE_MINUTES, or unmutes when it said "Unmute". */
  async toggleMute(unmute: boolean): Promise<void> {
    if (this.stopped) return;
    this.view.header.setMutePending(true);
    try {
      const status = unmute ? await this.ipc.unmuteAlerts() : await this.ipc.muteAlerts(MUTE_MINUTES);
      if (this.stopped) return;
      this.schedule(this.store.setAlertStatus(status));
      this.view.alerts.showActionError(null);
    } catch (err) {
      if (this.stopped) return;
      this.view.alerts.showActionError(strings.errors.muteFailed(toUiError(err).message));
    } finally {
      this.view.header.setMutePending(false);
    }
  }

  /** Shelves a device's alerts for SHELVE_MINUTES. */
  async shelveDevice(deviceId: string): Promise<void> {
    if (this.stopped) return;
    try {
      const status = await this.ipc.shelveDevice(deviceId, SHELVE_MINUTES);
      if (this.stopped) return;
      this.schedule(this.store.setAlertStatus(status));
      this.view.alerts.showActionError(null);
    } catch (err) {
      if (this.stopped) return;
      const name = this.store.devices.get(deviceId)?.device.name;
      this.view.alerts.showActionError(
        strings.errors.shelveFailed(name === undefined ? deviceId : String(name), toUiError(err).message),
      );
    } finally {
      this.view.shelveSettled(deviceId);
    }
  }

  // ---------- the read side: diagnostics, trends, journal ----------

  /** The journal and the link changes follow what batches and command steps bring. */
  private noteActivity(c: ChangeSet): void {
    const journalWorthy = c.link || c.devicesReset || c.devices.size > 0 || c.relaysReset || c.relays.size > 0 || c.commands;
    if (!journalWorthy || !this.ipc.hasBackend()) return;
    if (this.view.activeTab === "alerts") this.journalLoader.request();
    else this.journalDirty = true;
    if (c.link) {
      if (this.view.activeTab === "diagnostics") this.linkChangesLoader.request();
      else this.linkChangesDirty = true;
    }
  }

  /** Another view is shown: load what it shows if it is out of date. */
  tabChanged(tab: TabId): void {
    if (this.stopped || !this.ipc.hasBackend()) return;
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
      void this.loadSettings();
    }
  }

  /** Reads the link's figures (header RTT and last message, the diagnostics view). */
  async loadDiagnostics(): Promise<void> {
    if (this.stopped) return;
    try {
      const d = await this.ipc.diagnostics();
      if (this.stopped) return;
      this.view.showDiagnostics(d, this.now());
    } catch (err) {
      if (this.stopped) return;
      this.view.showDiagnosticsError(strings.errors.diagnosticsFailed(toUiError(err).message));
    }
  }

  /** Loads the system stats trend of the period the stats panel shows. */
  async loadStatsTrend(): Promise<void> {
    if (this.stopped) return;
    this.statsTrendAskedAt = Date.now();
    const range = this.view.stats.range;
    const until = this.now();
    const since = until - STATS_RANGES[range];
    try {
      const trend = await this.ipc.statsTrend(since, until);
      if (this.stopped || this.view.stats.range !== range) return;
      this.view.showStatsTrend(trend, since, until);
    } catch (err) {
      if (this.stopped) return;
      this.view.showStatsTrendError(strings.errors.trendFailed(toUiError(err).message));
    }
  }

  /** The details of a device were opened (null: closed): load its trend. */
  openDevice(deviceId: string | null): void {
    this.trendDevice = deviceId;
    if (deviceId !== null) this.deviceTrendLoader.now();
  }

  async loadDeviceTrend(): Promise<void> {
    const id = this.trendDevice;
    if (this.stopped || id === null) return;
    const until = this.now();
    try {
      const trend = await this.ipc.deviceTrend(id, until - DEVICE_TREND_S, until);
      if (this.stopped || this.trendDevice !== id) return;
      this.view.showDeviceTrend(trend, this.now());
    } catch (err) {
      if (this.stopped) return;
      this.view.showDeviceTrendError(id, strings.errors.trendFailed(toUiError(err).message));
    }
  }

  /** Loads the journal of the period the events view shows (its newest JOURNAL_LIMIT entries). */
  async loadJournal(): Promise<void> {
    if (this.stopped) return;
    const range = this.view.journal.range;
    this.journalDirty = false;
    try {
      const entries = await this.ipc.journal({ since: rangeSince(range, this.now()), limit: JOURNAL_LIMIT });
      if (this.stopped || this.view.journal.range !== range) return;
      this.view.showJournal(entries, JOURNAL_LIMIT);
    } catch (err) {
      if (this.stopped) return;
      this.journalDirty = true;
      this.view.showJournalError(strings.errors.journalFailed(toUiError(err).message));
    }
  }

  /** Loads the recent link changes for the diagnostics. */
  async loadLinkChanges(): Promise<void> {
    if (this.stopped) return;
    this.linkChangesDirty = false;
    try {
      const entries = await this.ipc.journal({
        since: this.now() - LINK_CHANGES_S,
        kind: "link",
        limit: LINK_CHANGES_LIMIT,
      });
      if (this.stopped) return;
      this.view.showLinkChanges(entries, this.now());
    } catch (err) {
      if (this.stopped) return;
      this.linkChangesDirty = true;
      this.view.diagnostics.showError(strings.errors.journalFailed(toUiError(err).message));
    }
  }

  /** "Send test notification": says "Sent" or why not. */
  async testNotification(): Promise<void> {
    if (this.stopped || this.testPending) return;
    this.testPending = true;
    try {
      await this.ipc.testNotification();
      if (this.stopped) return;
      this.view.testNotificationSettled(null);
    } catch (err) {
      if (this.stopped) return;
      this.view.testNotificationSettled(toUiError(err).message);
    } finally {
      this.testPending = false;
    }
  }

  /**
   * The header's language selector: the window is built again in it, and the
   * choice is saved here and in the settings (which decide the language at the
   * next start).
   */
  setLanguage(lang: Language): void {
    if (this.stopped) return;
    this.applyLanguage(lang, "language");
    this.view.settings.languageChosen(lang);
    void this.settingsTask(() => this.saveLanguageSetting(lang));
  }

  /**
   * Uses a language: remembered here (so that the window opens in it before the
   * settings are read) and, when it is not the current one, the window is built
   * again in it.
   */
  private applyLanguage(lang: string, focus: RebuildFocus): void {
    if (!isLanguage(lang)) return;
    saveLanguage(this.storage, lang);
    if (lang === language()) return;
    setLanguage(lang);
    this.view.rebuild(this.now(), focus);
  }

  // ---------- settings ----------

  /** Runs a load or save of the settings after those already asked for. */
  private settingsTask(task: () => Promise<void>): Promise<void> {
    const run = this.settingsQueue.then(task).catch(() => {
      // Each task reports its own errors.
    });
    this.settingsQueue = run;
    return run;
  }

  /** Loads the settings; their language wins over the one remembered here. */
  loadSettings(): Promise<void> {
    return this.settingsTask(async () => {
      if (this.stopped) return;
      try {
        const answer = await this.ipc.getSettings();
        if (this.stopped) return;
        this.settings = answer;
        this.view.settings.showSettings(answer, false);
        this.applyLanguage(answer.settings.language, "none");
      } catch (err) {
        if (this.stopped) return;
        const e = toUiError(err);
        this.view.settings.showLoadError(e.code === NO_BACKEND ? e.message : strings.settings.loadFailed(e.code, e.message));
      }
    });
  }

  /**
   * Apply in the settings view. Once saved: the form shows what the console now
   * uses, the language is applied, and the snapshot is read again (the server
   * address in the header, read-only relays).
   */
  saveSettings(input: SettingsInput): Promise<void> {
    return this.settingsTask(async () => {
      if (this.stopped) return;
      const before = this.settings?.settings ?? null;
      try {
        const answer = await this.ipc.saveSettings(input);
        if (this.stopped) return;
        this.settings = answer;
        this.view.settings.showSettings(answer, true);
        // Before applyLanguage, so that Apply is enabled again when it gets the focus; the
        // message is made again when the view is built in the new language.
        this.view.settings.saved(() => savedMessage(before, input, answer));
        this.applyLanguage(answer.settings.language, "settings");
        this.refreshSoon();
      } catch (err) {
        if (this.stopped) return;
        const e = toUiError(err);
        this.view.settings.saveFailed(e);
        // A file or keyring failure may have left part of it applied: show what the console now has
        // (the operator's edits stay in the form).
        if (e.code !== INVALID_SETTINGS) void this.loadSettings();
      }
    });
  }

  /** Saves a language chosen in the header into the settings (nothing else changes). */
  private async saveLanguageSetting(lang: Language): Promise<void> {
    const current = this.settings;
    if (this.stopped || current === null || current.settings.language === lang) return;
    try {
      const answer = await this.ipc.saveSettings({
        settings: { ...current.settings, language: lang },
        token: { action: "keep" },
      });
      if (this.stopped) return;
      this.settings = answer;
      this.view.settings.showSettings(answer, false);
    } catch (err) {
      if (this.stopped) return;
      const e = toUiError(err);
      this.view.settings.showStatusError(() => strings.settings.saveFailed(e.code, e.message));
    }
  }

  /** Reads the snapshot again: now, or after the one in flight (which may predate a change). */
  private refreshSoon(): void {
    if (this.snapshotInFlight) this.snapshotAgain = true;
    else void this.refresh();
  }

  /** getSnapshot, rejected with a UiError when the backend does not answer in time. */
  private async snapshotInTime(): Promise<ConsoleSnapshot> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject({ code: "timeout", message: strings.errors.timeout }),
        this.snapshotTimeoutMs,
      );
    });
    try {
      // A late answer after the timeout is simply never looked at.
      return await Promise.race([this.ipc.getSnapshot(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Fetches the full state and replaces the store's with it. */
  async refresh(): Promise<void> {
    if (this.snapshotInFlight || this.stopped) return;
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.snapshotInFlight = true;
    try {
      mark("snapshot-requested");
      const snap = await this.snapshotInTime();
      mark("snapshot-received");
      const changes = this.store.applySnapshot(snap);
      // A batch queued meanwhile may predate the snapshot: apply only what is newer.
      for (const b of this.queued) mergeChanges(changes, this.applyBatch(b, { onlyNewer: true }));
      this.queued = [];
      this.retryDelay = this.retryMinMs;
      this.view.showError(null);
      if (this.drawnOnce) {
        this.schedule(changes);
      } else {
        // The first picture is drawn at once: WebKitGTK may not run a frame callback for
        // most of a second after the page loads, and there is nothing to coalesce yet.
        this.noteActivity(changes);
        mergeChanges(this.pending, changes);
        this.flush();
      }
    } catch (err) {
      const e = toUiError(err);
      const changes = emptyChanges();
      for (const b of this.queued) mergeChanges(changes, this.applyBatch(b));
      this.queued = [];
      this.schedule(changes);
      this.view.showError(e.code === NO_BACKEND ? e.message : strings.errors.snapshotFailed(e.message));
      if (e.code !== NO_BACKEND && !this.stopped) {
        this.retryTimer = setTimeout(() => void this.refresh(), this.retryDelay);
        this.retryDelay = Math.min(this.retryDelay * 2, this.retryMaxMs);
      }
    } finally {
      this.snapshotInFlight = false;
    }
    if (this.snapshotAgain && !this.stopped) {
      this.snapshotAgain = false;
      await this.refresh();
    }
  }
}

function defaultStorage(): Pick<Storage, "setItem"> | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

/**
 * Leaves a User Timing mark (the first of each name only), so the start-up can be taken
 * apart from outside: the cold-start benchmark reads them through WebDriver.
 */
function mark(name: string): void {
  if (typeof performance === "undefined" || typeof performance.mark !== "function") return;
  if (performance.getEntriesByName(name, "mark").length === 0) performance.mark(name);
}
