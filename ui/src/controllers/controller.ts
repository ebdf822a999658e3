// Wire-up of IPC → store → view, with the IPC and the clock passed in (so that
// it can be tested without Tauri). No data is invented here. The work is done
// by one part per job (sync, commands, alerts, alarms, refresh, settings); this class
// builds them, hands them a shared context, and keeps the public surface.

import { ConsoleStore, type ChangeSet, type JournalRange } from "../state";
import { strings, type Language } from "../strings";
import type { CommandView, SettingsInput, WindowView } from "../types";
import type { AppView } from "../views/app";
import type { AlarmActionSource } from "../views/app";
import type { TabId } from "../views/tabs";
import { AlarmsController } from "./alarms";
import { AlertsController } from "./alerts";
import { CommandsController } from "./commands";
import type { ConsoleIpc, ControllerContext } from "./context";
import { OverviewController } from "./overview";
import { RefreshController } from "./refresh";
import { SessionController } from "./session";
import { SettingsController } from "./settings";
import { SyncController } from "./sync";
import { WindowsController, type StorageEvents } from "./windows";

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
  /** Least time between two loads of the alarm journal, history or KPIs that batches ask for (ms). */
  alarmReloadMs?: number;
  /** Whether the window is visible (document.visibilityState in the app). */
  visible?: () => boolean;
  /** Where the language is saved (localStorage in the app). */
  storage?: Pick<Storage, "setItem"> | null;
  /** How often operator activity is told to the console at most (ms). */
  activityMs?: number;
  /** Where the other windows' changes of the shared localStorage arrive (the page's window in the app). */
  storageEvents?: StorageEvents | null;
}

export class Controller {
  readonly store: ConsoleStore;
  private readonly ipc: ConsoleIpc;
  private readonly view: AppView;
  private stopped = false;
  private readonly sync: SyncController;
  private readonly commands: CommandsController;
  private readonly alerts: AlertsController;
  private readonly alarms: AlarmsController;
  private readonly refresher: RefreshController;
  private readonly overview: OverviewController;
  private readonly settings: SettingsController;
  private readonly windows: WindowsController;
  private readonly session: SessionController;

  constructor(opts: ControllerOptions) {
    this.ipc = opts.ipc;
    this.view = opts.view;
    const now = opts.now ?? (() => Date.now() / 1000);
    this.store = new ConsoleStore(now());
    const ctx: ControllerContext = {
      ipc: this.ipc,
      view: this.view,
      store: this.store,
      now,
      retryMinMs: opts.retryMinMs ?? 1_000,
      retryMaxMs: opts.retryMaxMs ?? 15_000,
      stopped: () => this.stopped,
      schedule: (changes: ChangeSet) => this.sync.schedule(changes),
      handleCommand: (cmd: CommandView) => this.commands.handleCommand(cmd),
      requestAlerts: (urgent: boolean) => this.alerts.requestAlerts(urgent),
      noteActivity: (changes: ChangeSet) => {
        this.refresher.noteActivity(changes);
        this.alarms.noteActivity(changes);
      },
      refreshSoon: () => this.sync.refreshSoon(),
      loadSettings: () => this.settings.loadSettings(),
      challenged: (request, send) => this.session.challenged(request, send),
    };
    this.sync = new SyncController(ctx, {
      scheduleFrame: opts.scheduleFrame ?? ((cb) => void requestAnimationFrame(cb)),
      snapshotTimeoutMs: opts.snapshotTimeoutMs ?? 10_000,
    });
    this.commands = new CommandsController(ctx);
    this.session = new SessionController(ctx, opts.activityMs === undefined ? {} : { activityMs: opts.activityMs });
    this.alerts = new AlertsController(ctx, opts.alertReloadMs ?? 1_000);
    this.alarms = new AlarmsController(ctx, { alarmReloadMs: opts.alarmReloadMs ?? 2_000 });
    this.refresher = new RefreshController(ctx, {
      tickMs: opts.tickMs ?? 1_000,
      diagnosticsMs: opts.diagnosticsMs ?? 2_000,
      trendMs: opts.trendMs ?? 30_000,
      journalMs: opts.journalMs ?? 2_000,
      visible: opts.visible ?? (() => typeof document === "undefined" || document.visibilityState !== "hidden"),
    });
    this.settings = new SettingsController(ctx, opts.storage !== undefined ? opts.storage : defaultStorage());
    this.overview = new OverviewController(ctx, {
      trendMs: opts.trendMs ?? 30_000,
      visible: opts.visible ?? (() => typeof document === "undefined" || document.visibilityState !== "hidden"),
    });
    // Another window's language: the main window saves it into the settings as if chosen
    // here; an extra window only follows it.
    this.windows = new WindowsController(
      ctx,
      opts.storageEvents !== undefined ? opts.storageEvents : defaultEvents(),
      (lang) => (this.view.role === "main" ? this.settings.setLanguage(lang) : this.settings.applyLanguage(lang)),
    );
    this.view.setActions({
      switchRelay: (relayId, opener) => void this.switchRelay(relayId, opener),
      cancelCommand: (requestId) => void this.cancelCommand(requestId),
      acknowledgeAlerts: (id) => void this.acknowledgeAlerts(id),
      toggleMute: (unmute) => void this.toggleMute(unmute),
      shelveDevice: (deviceId) => void this.shelveDevice(deviceId),
      openDevice: (deviceId) => this.openDevice(deviceId),
      tabChanged: (tab) => this.tabChanged(tab),
      statsRangeChanged: () => this.refresher.statsRangeChanged(),
      journalRangeChanged: () => this.refresher.journalRangeChanged(),
      testNotification: () => void this.testNotification(),
      setLanguage: (lang) => this.setLanguage(lang),
      saveSettings: (input) => void this.saveSettings(input),
      reloadSettings: () => void this.loadSettings(),
      setAutostart: (enabled) => void this.settings.setAutostart(enabled),
      acknowledgeAlarms: (ids, from) => void this.acknowledgeAlarms(ids, from),
      silenceAlarms: () => void this.silenceAlarms(),
      shelveAlarm: (id, minutes, reason) => void this.alarms.shelve(id, minutes, reason),
      unshelveAlarm: (id) => void this.alarms.unshelve(id),
      resetAlarm: (id) => void this.alarms.reset(id),
      openAlarmHistory: (id) => this.alarms.openHistory(id),
      alarmJournalRangeChanged: () => this.alarms.journalRangeChanged(),
      exportAlarmJournal: (range) => void this.alarms.exportJournal(range),
      openWindow: (view) => void this.windows.openWindow(view),
      overviewShown: () => this.overview.refresh(),
      openSignIn: (opener) => this.session.openSignIn(opener),
      signIn: (name, password) => void this.session.signIn(name, password),
      signOut: () => void this.session.signOut(),
      activity: () => this.session.activity(),
    });
    // The Trends view asks for its data and writes its exports through the console's IPC.
    this.view.trends.setSource({
      load: (pens, since, until, pixels) => this.ipc.trend(pens, since, until, pixels),
      exportCsv: (path, pens, since, until) => this.ipc.exportTrend(path, pens, since, until),
      exportPng: (path, png) => this.ipc.exportTrendPng(path, png),
      chooseSavePath: (options) => this.ipc.chooseSavePath(options),
    });
  }

  /**
   * Subscribes to batches and command events first (nothing is lost between
   * the two), then loads the snapshot, the outbox and the alerts.
   */
  async start(): Promise<void> {
    this.refresher.startTicking();
    this.windows.listenForLanguage();
    if (!this.ipc.hasBackend()) {
      // Nothing to read either: the views say why instead of "Loading…".
      this.view.showJournalError(() => strings.errors.noBackend);
      this.view.showDiagnosticsError(() => strings.errors.noBackend);
      this.view.settings.showLoadError(() => strings.errors.noBackend);
      this.view.alarmSummary.showError(() => strings.errors.noBackend);
      this.view.alarmJournal.showError(() => strings.errors.noBackend);
      this.view.alarmKpis.showError(() => strings.errors.noBackend);
      await this.refresh(); // reports the missing backend
      return;
    }
    await this.sync.subscribe();
    if (this.stopped) return;
    // Who is at the screen before the plant is drawn: no switch shows enabled for a viewer.
    await this.session.start();
    if (this.stopped) return;
    // Beside the snapshot, not before it: the kiosk badge can wait, the plant cannot.
    void this.windows.start();
    // The plant first: the operator's first look is the device table, and every other
    // read (trends over a day of history, the journal) would compete with it.
    await this.refresh();
    if (this.stopped) return;
    this.refresher.startPolling();
    this.overview.start();
    await Promise.all([this.loadOutbox(), this.loadAlerts(), this.loadAlarms(), this.loadSettings()]);
  }

  stop(): void {
    this.stopped = true;
    this.sync.stop();
    this.refresher.stop();
    this.overview.stop();
    this.commands.stop();
    this.alerts.stop();
    this.alarms.stop();
    this.windows.stop();
    this.session.stop();
  }

  /** Renders what changed since the last frame (also called by the frame callback). */
  flush(): void {
    this.sync.flush();
  }

  /** Fetches the full state and replaces the store's with it. */
  refresh(): Promise<void> {
    return this.sync.refresh();
  }

  // ---------- commands ----------

  loadOutbox(): Promise<void> {
    return this.commands.loadOutbox();
  }

  switchRelay(relayId: string, opener: HTMLElement | null = null): Promise<void> {
    return this.commands.switchRelay(relayId, opener);
  }

  cancelCommand(requestId: string): Promise<void> {
    return this.commands.cancelCommand(requestId);
  }

  // ---------- alerts ----------

  requestAlerts(now: boolean): void {
    this.alerts.requestAlerts(now);
  }

  loadAlerts(): Promise<void> {
    return this.alerts.loadAlerts();
  }

  acknowledgeAlerts(id: number | undefined): Promise<void> {
    return this.alerts.acknowledgeAlerts(id);
  }

  toggleMute(unmute: boolean): Promise<void> {
    return this.alerts.toggleMute(unmute);
  }

  shelveDevice(deviceId: string): Promise<void> {
    return this.alerts.shelveDevice(deviceId);
  }

  // ---------- alarms ----------

  loadAlarms(): Promise<void> {
    return this.alarms.loadAlarms();
  }

  acknowledgeAlarms(ids: readonly number[], from: AlarmActionSource): Promise<void> {
    return this.alarms.acknowledge(ids, from);
  }

  silenceAlarms(): Promise<void> {
    return this.alarms.silence();
  }

  loadAlarmJournal(): Promise<void> {
    return this.alarms.loadJournal();
  }

  exportAlarmJournal(range: JournalRange): Promise<void> {
    return this.alarms.exportJournal(range);
  }

  loadAlarmKpis(): Promise<void> {
    return this.alarms.loadKpis();
  }

  // ---------- the read side ----------

  tabChanged(tab: TabId): void {
    this.refresher.tabChanged(tab);
    this.overview.refresh();
    this.alarms.tabChanged(tab);
  }

  loadDiagnostics(): Promise<void> {
    return this.refresher.loadDiagnostics();
  }

  loadStatsTrend(): Promise<void> {
    return this.refresher.loadStatsTrend();
  }

  openDevice(deviceId: string | null): void {
    this.refresher.openDevice(deviceId);
  }

  loadDeviceTrend(): Promise<void> {
    return this.refresher.loadDeviceTrend();
  }

  loadJournal(): Promise<void> {
    return this.refresher.loadJournal();
  }

  loadLinkChanges(): Promise<void> {
    return this.refresher.loadLinkChanges();
  }

  testNotification(): Promise<void> {
    return this.refresher.testNotification();
  }

  // ---------- settings and language ----------

  /**
   * The header's language. The main window applies it and saves it into the settings;
   * an extra window applies it and keeps it in the shared localStorage only, where the
   * main window hears of it and saves it (so that the settings have one writer, and an
   * extra window's older copy of them never overwrites the main window's).
   */
  setLanguage(lang: Language): void {
    if (this.view.role === "main") this.settings.setLanguage(lang);
    else this.settings.applyLanguage(lang);
  }

  openWindow(view: WindowView): Promise<void> {
    return this.windows.openWindow(view);
  }

  loadSettings(): Promise<void> {
    return this.settings.loadSettings();
  }

  saveSettings(input: SettingsInput): Promise<void> {
    return this.settings.saveSettings(input);
  }
}

function defaultStorage(): Pick<Storage, "setItem"> | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

function defaultEvents(): StorageEvents | null {
  return typeof window === "undefined" ? null : window;
}
