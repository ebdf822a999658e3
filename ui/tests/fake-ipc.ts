// A fake of ./ipc for controller tests: every call is recorded, and answers
// are given by the test (snapshot, set_relay) or preset (outbox, cancel_command,
// alerts and the alert commands, the settings, the alarms and their commands, the
// save dialog).

import type { ConsoleIpc } from "../src/controllers";
import { noLinkAddress, noUnusable } from "../src/state/quality";
import { SIGN_IN_OFF } from "../src/state/session";
import type {
  Challenge,
  OperatorSession,
  SessionChange,
  AlarmAction,
  AlarmJournalQuery,
  AlarmKpis,
  AlarmTransition,
  AlarmView,
  AlertStatus,
  AlertView,
  CommandView,
  ConsoleSnapshot,
  DeviceTrend,
  Diagnostics,
  JournalEntry,
  JournalQuery,
  SaveDialogOptions,
  SettingsInput,
  SettingsView,
  StatsTrend,
  TrendData,
  TrendPen,
  UpdateBatch,
  WindowInfo,
  WindowView,
} from "../src/types";
import { DEFAULT_ALARM_PREFS } from "./fixtures";

export interface SetRelayCall {
  relayId: string;
  state: boolean;
  queueIfOffline: boolean;
  /** The re-authentication sent with it (null: none was asked). */
  challenge: Challenge | null;
  resolve(c: CommandView): void;
  reject(e: unknown): void;
}

export interface FakeIpc extends ConsoleIpc {
  emit(b: UpdateBatch): void;
  emitCommand(c: CommandView): void;
  resolveSnapshot(s: ConsoleSnapshot): void;
  rejectSnapshot(e: unknown): void;
  snapshotCalls: number;
  /** Answer of outbox() (a rejection when it is an Error). */
  outboxAnswer: CommandView[] | Error;
  outboxCalls: number;
  setRelayCalls: SetRelayCall[];
  cancelCalls: string[];
  cancelAnswer: (requestId: string) => Promise<CommandView>;
  /** Answer of alerts() (a rejection when it is an Error). */
  alertsAnswer: AlertView[] | Error;
  alertsCalls: number;
  /** Arguments of acknowledge_alerts: the id, or undefined for "all". */
  ackCalls: (number | undefined)[];
  ackAnswer: (id: number | undefined) => Promise<number>;
  /** Arguments of mute_alerts (minutes, null = until unmuted). */
  muteCalls: (number | null)[];
  unmuteCalls: number;
  shelveCalls: { deviceId: string; minutes: number }[];
  /** Answer of mute_alerts, unmute_alerts and shelve_device. */
  statusAnswer: (command: "mute" | "unmute" | "shelve") => Promise<AlertStatus>;
  deviceTrendCalls: { deviceId: string; since: number; until: number }[];
  areaTrendCalls: { deviceIds: readonly string[]; since: number; until: number; buckets: number }[];
  areaTrendAnswer: (deviceIds: readonly string[], since: number, until: number, buckets: number) => Promise<Array<[number, number]>>;
  deviceTrendAnswer: (deviceId: string, since: number, until: number) => Promise<DeviceTrend>;
  trendCalls: { pens: readonly TrendPen[]; since: number; until: number; pixels: number }[];
  trendAnswer: (pens: readonly TrendPen[], since: number, until: number, pixels: number) => Promise<TrendData>;
  exportTrendCalls: { path: string; pens: readonly TrendPen[]; since: number; until: number }[];
  exportTrendAnswer: () => Promise<number>;
  exportTrendPngCalls: { path: string; png: string }[];
  exportTrendPngAnswer: (png: string) => Promise<number>;
  statsTrendCalls: { since: number; until: number }[];
  statsTrendAnswer: (since: number, until: number) => Promise<StatsTrend>;
  journalCalls: JournalQuery[];
  journalAnswer: (query: JournalQuery) => Promise<JournalEntry[]>;
  diagnosticsCalls: number;
  diagnosticsAnswer: () => Promise<Diagnostics>;
  testNotificationCalls: number;
  testNotificationAnswer: () => Promise<void>;
  getSettingsCalls: number;
  getSettingsAnswer: () => Promise<SettingsView>;
  saveSettingsCalls: SettingsInput[];
  /** By default: saved as sent, the token present unless cleared. */
  saveSettingsAnswer: (input: SettingsInput) => Promise<SettingsView>;
  getAutostartCalls: number;
  /** By default: off, as the console starts out. */
  getAutostartAnswer: () => Promise<boolean>;
  setAutostartCalls: boolean[];
  /** By default: switched as asked. */
  setAutostartAnswer: (enabled: boolean) => Promise<boolean>;
  alarmsCalls: number;
  /** Answer of alarms() (a rejection when it is an Error). */
  alarmsAnswer: AlarmView[] | Error;
  alarmActionCalls: AlarmAction[];
  /** By default: one alarm changed. */
  alarmActionAnswer: (action: AlarmAction) => Promise<number>;
  alarmHistoryCalls: number[];
  alarmHistoryAnswer: (alarmId: number) => Promise<AlarmTransition[]>;
  alarmJournalCalls: AlarmJournalQuery[];
  alarmJournalAnswer: (query: AlarmJournalQuery) => Promise<AlarmTransition[]>;
  alarmKpisCalls: (number | undefined)[];
  alarmKpisAnswer: (hours: number | undefined) => Promise<AlarmKpis>;
  exportCalls: { path: string; since: number | undefined; until: number | undefined }[];
  /** By default: 3 transitions written. */
  exportAnswer: (path: string) => Promise<number>;
  saveDialogCalls: SaveDialogOptions[];
  /** The path the operator picks (null: they cancelled). */
  saveDialogAnswer: () => Promise<string | null>;
  openWindowCalls: WindowView[];
  /** By default: opened. */
  openWindowAnswer: (view: WindowView) => Promise<void>;
  windowInfoCalls: number;
  /** By default: the main window, not in kiosk mode. */
  windowInfoAnswer: () => Promise<WindowInfo>;
  /** Sends the window event (kiosk mode left) to the subscriber. */
  emitWindow(info: WindowInfo): void;
  /** The session operator_session answers (by default sign-in off, as a console without an operators file). */
  sessionAnswer: () => Promise<OperatorSession>;
  signInCalls: Array<{ name: string; password: string }>;
  /** By default: refused as a wrong name or password. */
  signInAnswer: (name: string, password: string) => Promise<OperatorSession>;
  signOutCalls: number;
  activityCalls: number;
  /** The challenge of each alarm_action, in the order of alarmActionCalls. */
  alarmChallenges: Array<Challenge | null>;
  /** The challenge of each acknowledge_alerts, mute_alerts and shelve_device, in order, by command. */
  alertChallenges: Array<{ command: "acknowledge_alerts" | "mute_alerts" | "shelve_device"; challenge: Challenge | null }>;
  /** Sends the session event to the subscriber. */
  emitSession(change: SessionChange): void;
}

/** An answer of alarm_kpis: a quiet day. */
export function alarmKpisFixture(fields: Partial<AlarmKpis> = {}): AlarmKpis {
  return {
    since: 0,
    until: 86400,
    per_10_minutes: 0,
    peak_10_minutes: 0,
    per_hour: 0,
    flood_percent: 0,
    top: [],
    chattering: [],
    priorities: { critical: 0, high: 0, medium: 0, low: 0 },
    ...fields,
  };
}

/** An answer of get_settings: the defaults, a token in the keyring, a real plant. */
export function settingsFixture(fields: Partial<SettingsView> = {}): SettingsView {
  return {
    settings: {
      plant_url: null,
      standby_urls: [],
      failover: "primary",
      prefer_primary_after_seconds: 30,
      site_ca: null,
      read_only: false,
      language: "en",
      alerts: { notify_from: "low", severities: {}, limits: [], link_loss_after_seconds: 10, alarm_sound: false, alarms: DEFAULT_ALARM_PREFS },
    },
    token: { present: true, storage: "keyring", file_path: null, keyring_problem: null, from_command_line: false },
    plant_url_in_use: "http://plant.local:5000",
    plant_urls_in_use: ["http://plant.local:5000"],
    plant_url_fixed: false,
    site_ca_fixed: false,
    default_severities: {
      relay_switched: "low",
      device_offline: "high",
      device_fault: "critical",
      device_recovered: "info",
      device_appeared: "info",
      device_removed: "low",
      limit_high: "high",
      limit_low: "high",
      limit_cleared: "info",
      link_lost: "critical",
      link_restored: "info",
      command_failed: "high",
      command_expired: "high",
      bad_value: "high",
    },
    settings_path: "/home/op/.local/share/plant-console/settings.json",
    ...fields,
  };
}

export function diagnosticsFixture(fields: Partial<Diagnostics> = {}): Diagnostics {
  return {
    link: {
      mode: "realtime",
      since: 900,
      last_message_at: 995,
      last_contact: 995,
      detail: null,
      quality: { level: "good", reason: null },
      unusable: noUnusable(),
      ...noLinkAddress(),
    },
    rtt_ms: 12.4,
    messages: 1234,
    messages_per_second: 5.5,
    reconnects: 2,
    dropped_frames: 0,
    alerts_dropped: 1,
    time_in_modes: [
      ["realtime", 3000],
      ["offline", 600],
    ],
    data_dir: "/var/lib/plant-console",
    log_dir: "/var/lib/plant-console/logs",
    plant: "http://plant.local:5000",
    cache_dir: "/var/lib/plant-console/plants/plant.local-5000-1a2b3c4d",
    clock_offset_s: null,
    clock_offset_warning: null,
    ...fields,
  };
}

export function fakeIpc(): FakeIpc {
  let handler: ((b: UpdateBatch) => void) | null = null;
  let commandHandler: ((c: CommandView) => void) | null = null;
  let resolve: ((s: ConsoleSnapshot) => void) | null = null;
  let reject: ((e: unknown) => void) | null = null;
  let windowHandler: ((info: WindowInfo) => void) | null = null;
  let sessionHandler: ((change: SessionChange) => void) | null = null;
  const ipc: FakeIpc = {
    openWindowCalls: [],
    openWindowAnswer: () => Promise.resolve(),
    openWindow: (view) => {
      ipc.openWindowCalls.push(view);
      return ipc.openWindowAnswer(view);
    },
    windowInfoCalls: 0,
    windowInfoAnswer: () => Promise.resolve({ label: "main", kiosk: false }),
    windowInfo: () => {
      ipc.windowInfoCalls++;
      return ipc.windowInfoAnswer();
    },
    onWindow: async (h) => {
      windowHandler = h;
      return () => {
        windowHandler = null;
      };
    },
    emitWindow: (info) => windowHandler?.(info),
    sessionAnswer: () => Promise.resolve(SIGN_IN_OFF),
    operatorSession: () => ipc.sessionAnswer(),
    signInCalls: [],
    signInAnswer: () => Promise.reject({ code: "bad_credentials", message: "wrong name or password" }),
    signIn: (name, password) => {
      ipc.signInCalls.push({ name, password });
      return ipc.signInAnswer(name, password);
    },
    signOutCalls: 0,
    signOut: () => {
      ipc.signOutCalls++;
      return ipc.sessionAnswer();
    },
    activityCalls: 0,
    operatorActivity: () => {
      ipc.activityCalls++;
      return Promise.resolve();
    },
    onSession: async (h) => {
      sessionHandler = h;
      return () => {
        sessionHandler = null;
      };
    },
    emitSession: (change) => sessionHandler?.(change),
    alarmChallenges: [],
    alertChallenges: [],
    alarmsCalls: 0,
    alarmsAnswer: [],
    alarms: () => {
      ipc.alarmsCalls++;
      const a = ipc.alarmsAnswer;
      return a instanceof Error ? Promise.reject({ code: "alerts", message: a.message }) : Promise.resolve(a);
    },
    alarmActionCalls: [],
    alarmActionAnswer: () => Promise.resolve(1),
    alarmAction: (action, challenge) => {
      ipc.alarmActionCalls.push(action);
      ipc.alarmChallenges.push(challenge ?? null);
      return ipc.alarmActionAnswer(action);
    },
    alarmHistoryCalls: [],
    alarmHistoryAnswer: () => Promise.resolve([]),
    alarmHistory: (alarmId) => {
      ipc.alarmHistoryCalls.push(alarmId);
      return ipc.alarmHistoryAnswer(alarmId);
    },
    alarmJournalCalls: [],
    alarmJournalAnswer: () => Promise.resolve([]),
    alarmJournal: (query) => {
      ipc.alarmJournalCalls.push(query);
      return ipc.alarmJournalAnswer(query);
    },
    alarmKpisCalls: [],
    alarmKpisAnswer: () => Promise.resolve(alarmKpisFixture()),
    alarmKpis: (hours) => {
      ipc.alarmKpisCalls.push(hours);
      return ipc.alarmKpisAnswer(hours);
    },
    exportCalls: [],
    exportAnswer: () => Promise.resolve(3),
    exportAlarmJournal: (path, since, until) => {
      ipc.exportCalls.push({ path, since, until });
      return ipc.exportAnswer(path);
    },
    saveDialogCalls: [],
    saveDialogAnswer: () => Promise.resolve("/home/op/alarm-journal.csv"),
    chooseSavePath: (options) => {
      ipc.saveDialogCalls.push(options);
      return ipc.saveDialogAnswer();
    },
    areaTrendCalls: [],
    areaTrendAnswer: () => Promise.resolve([]),
    areaTrend: (deviceIds, since, until, buckets) => {
      ipc.areaTrendCalls.push({ deviceIds, since, until, buckets });
      return ipc.areaTrendAnswer(deviceIds, since, until, buckets);
    },
    deviceTrendCalls: [],
    deviceTrendAnswer: (deviceId) => Promise.resolve({ device_id: deviceId, points: [], gaps: [] }),
    deviceTrend: (deviceId, since, until) => {
      ipc.deviceTrendCalls.push({ deviceId, since, until });
      return ipc.deviceTrendAnswer(deviceId, since, until);
    },
    trendCalls: [],
    trendAnswer: (pens) => Promise.resolve({ series: pens.map((pen) => ({ pen, points: [], reduced: false })), gaps: [] }),
    trend: (pens, since, until, pixels) => {
      ipc.trendCalls.push({ pens, since, until, pixels });
      return ipc.trendAnswer(pens, since, until, pixels);
    },
    exportTrendCalls: [],
    exportTrendAnswer: () => Promise.resolve(0),
    exportTrend: (path, pens, since, until) => {
      ipc.exportTrendCalls.push({ path, pens, since, until });
      return ipc.exportTrendAnswer();
    },
    exportTrendPngCalls: [],
    exportTrendPngAnswer: (png) => Promise.resolve(png.length),
    exportTrendPng: (path, png) => {
      ipc.exportTrendPngCalls.push({ path, png });
      return ipc.exportTrendPngAnswer(png);
    },
    statsTrendCalls: [],
    statsTrendAnswer: () => Promise.resolve({ samples: [], gaps: [] }),
    statsTrend: (since, until) => {
      ipc.statsTrendCalls.push({ since, until });
      return ipc.statsTrendAnswer(since, until);
    },
    journalCalls: [],
    journalAnswer: () => Promise.resolve([]),
    journal: (query) => {
      ipc.journalCalls.push(query);
      return ipc.journalAnswer(query);
    },
    diagnosticsCalls: 0,
    diagnosticsAnswer: () => Promise.resolve(diagnosticsFixture()),
    diagnostics: () => {
      ipc.diagnosticsCalls++;
      return ipc.diagnosticsAnswer();
    },
    testNotificationCalls: 0,
    testNotificationAnswer: () => Promise.resolve(),
    getSettingsCalls: 0,
    getSettingsAnswer: () => Promise.resolve(settingsFixture()),
    getSettings: () => {
      ipc.getSettingsCalls++;
      return ipc.getSettingsAnswer();
    },
    saveSettingsCalls: [],
    saveSettingsAnswer: (input) => {
      const base = settingsFixture();
      return Promise.resolve({
        ...base,
        settings: input.settings,
        token: { ...base.token, present: input.token.action !== "clear" },
        plant_url_in_use: input.settings.plant_url ?? base.plant_url_in_use,
      });
    },
    saveSettings: (input) => {
      ipc.saveSettingsCalls.push(input);
      return ipc.saveSettingsAnswer(input);
    },
    getAutostartCalls: 0,
    getAutostartAnswer: () => Promise.resolve(false),
    getAutostart: () => {
      ipc.getAutostartCalls++;
      return ipc.getAutostartAnswer();
    },
    setAutostartCalls: [],
    setAutostartAnswer: (enabled) => Promise.resolve(enabled),
    setAutostart: (enabled) => {
      ipc.setAutostartCalls.push(enabled);
      return ipc.setAutostartAnswer(enabled);
    },
    testNotification: () => {
      ipc.testNotificationCalls++;
      return ipc.testNotificationAnswer();
    },
    alertsAnswer: [],
    alertsCalls: 0,
    ackCalls: [],
    ackAnswer: () => Promise.resolve(1),
    muteCalls: [],
    unmuteCalls: 0,
    shelveCalls: [],
    statusAnswer: () => Promise.resolve({ unacked: 0, unacked_critical: 0, muted: false, muted_until: null, shelved: [] }),
    alerts: () => {
      ipc.alertsCalls++;
      const a = ipc.alertsAnswer;
      return a instanceof Error ? Promise.reject({ code: "alerts", message: a.message }) : Promise.resolve(a);
    },
    acknowledgeAlerts: (id?: number, challenge?: Challenge | null) => {
      ipc.ackCalls.push(id);
      ipc.alertChallenges.push({ command: "acknowledge_alerts", challenge: challenge ?? null });
      return ipc.ackAnswer(id);
    },
    muteAlerts: (minutes, challenge) => {
      ipc.muteCalls.push(minutes);
      ipc.alertChallenges.push({ command: "mute_alerts", challenge: challenge ?? null });
      return ipc.statusAnswer("mute");
    },
    unmuteAlerts: () => {
      ipc.unmuteCalls++;
      return ipc.statusAnswer("unmute");
    },
    shelveDevice: (deviceId, minutes, challenge) => {
      ipc.shelveCalls.push({ deviceId, minutes });
      ipc.alertChallenges.push({ command: "shelve_device", challenge: challenge ?? null });
      return ipc.statusAnswer("shelve");
    },
    outboxAnswer: [],
    outboxCalls: 0,
    setRelayCalls: [],
    cancelCalls: [],
    cancelAnswer: () => Promise.reject({ code: "not_queued", message: "not queued" }),
    setRelay: (relayId, state, queueIfOffline, challenge) =>
      new Promise<CommandView>((res, rej) => {
        ipc.setRelayCalls.push({ relayId, state, queueIfOffline, challenge: challenge ?? null, resolve: res, reject: rej });
      }),
    outbox: () => {
      ipc.outboxCalls++;
      const a = ipc.outboxAnswer;
      return a instanceof Error ? Promise.reject({ code: "internal", message: a.message }) : Promise.resolve(a);
    },
    cancelCommand: (requestId) => {
      ipc.cancelCalls.push(requestId);
      return ipc.cancelAnswer(requestId);
    },
    onCommand: async (h) => {
      commandHandler = h;
      return () => {
        commandHandler = null;
      };
    },
    emitCommand: (c) => commandHandler?.(c),
    snapshotCalls: 0,
    hasBackend: () => true,
    getSnapshot: () => {
      ipc.snapshotCalls++;
      return new Promise<ConsoleSnapshot>((res, rej) => {
        resolve = res;
        reject = rej;
      });
    },
    onBatch: async (h) => {
      handler = h;
      return () => {
        handler = null;
      };
    },
    emit: (b) => handler?.(b),
    resolveSnapshot: (s) => resolve?.(s),
    rejectSnapshot: (e) => reject?.(e),
  };
  return ipc;
}
