// What the controllers share: the IPC they call, the view they update, the store,
// the clock, and the few steps of one controller that another one takes.

import type { ChangeSet, ConsoleStore } from "../state";
import type {
  AlarmAction,
  AlarmJournalQuery,
  AlarmKpis,
  AlarmState,
  AlarmTransition,
  AlarmView,
  AlertStatus,
  AlertView,
  Challenge,
  CommandView,
  ConsoleSnapshot,
  DeviceTrend,
  Diagnostics,
  JournalEntry,
  JournalQuery,
  OperatorSession,
  SaveDialogOptions,
  SessionChange,
  SettingsInput,
  SettingsView,
  StatsTrend,
  TrendData,
  TrendPen,
  UpdateBatch,
  WindowInfo,
  WindowView,
} from "../types";
import type { AppView } from "../views/app";
import type { Action } from "../types";

/** What a control action is, for the re-authentication's question. */
export interface ChallengeRequest {
  action: Action;
  relay?: { id: string; name: string; state: boolean };
}

/** How a challenged action ended: sent (with its answer or its error), or cancelled. */
export type Challenged<T> = { kind: "sent"; value: T } | { kind: "failed"; error: unknown } | { kind: "cancelled" };

/** The part of ./ipc the controller uses. */
export interface ConsoleIpc {
  hasBackend(): boolean;
  getSnapshot(): Promise<ConsoleSnapshot>;
  onBatch(handler: (batch: UpdateBatch) => void): Promise<() => void>;
  setRelay(relayId: string, state: boolean, queueIfOffline: boolean, challenge?: Challenge | null): Promise<CommandView>;
  outbox(): Promise<CommandView[]>;
  cancelCommand(requestId: string): Promise<CommandView>;
  onCommand(handler: (command: CommandView) => void): Promise<() => void>;
  alerts(): Promise<AlertView[]>;
  acknowledgeAlerts(id?: number, challenge?: Challenge | null): Promise<number>;
  muteAlerts(minutes: number | null, challenge?: Challenge | null): Promise<AlertStatus>;
  unmuteAlerts(): Promise<AlertStatus>;
  shelveDevice(deviceId: string, minutes: number, challenge?: Challenge | null): Promise<AlertStatus>;
  deviceTrend(deviceId: string, since: number, until: number): Promise<DeviceTrend>;
  /** Per bucket of [since, until], how many of the devices were not online (the overview's sparklines). */
  areaTrend(deviceIds: readonly string[], since: number, until: number, buckets: number): Promise<Array<[number, number]>>;
  statsTrend(since: number, until: number): Promise<StatsTrend>;
  /** Up to eight pens over [since, until] for the Trends chart, reduced to `pixels` columns past 20 000 points. */
  trend(pens: readonly TrendPen[], since: number, until: number, pixels: number): Promise<TrendData>;
  /** Writes the pens' cached samples of [since, until] as CSV to `path`: the rows written. */
  exportTrend(path: string, pens: readonly TrendPen[], since: number, until: number): Promise<number>;
  /** Writes a chart image (a PNG data URL) to `path`: the bytes written. */
  exportTrendPng(path: string, png: string): Promise<number>;
  journal(query: JournalQuery): Promise<JournalEntry[]>;
  diagnostics(): Promise<Diagnostics>;
  testNotification(): Promise<void>;
  getSettings(): Promise<SettingsView>;
  saveSettings(input: SettingsInput): Promise<SettingsView>;
  getAutostart(): Promise<boolean>;
  setAutostart(enabled: boolean): Promise<boolean>;
  alarms(states?: AlarmState[]): Promise<AlarmView[]>;
  alarmAction(action: AlarmAction, challenge?: Challenge | null): Promise<number>;
  alarmHistory(alarmId: number): Promise<AlarmTransition[]>;
  alarmJournal(query: AlarmJournalQuery): Promise<AlarmTransition[]>;
  alarmKpis(hours?: number): Promise<AlarmKpis>;
  exportAlarmJournal(path: string, since?: number, until?: number): Promise<number>;
  /** The native save dialog: the chosen path, or null when the operator cancelled. */
  chooseSavePath(options: SaveDialogOptions): Promise<string | null>;
  /** Opens a view in a window of its own (or brings that window forward). */
  openWindow(view: WindowView): Promise<void>;
  /** Which window this page is in, and whether the console is in kiosk mode. */
  windowInfo(): Promise<WindowInfo>;
  /** The window arrangement changed (kiosk mode left): the main window's info. */
  onWindow(handler: (info: WindowInfo) => void): Promise<() => void>;
  operatorSession(): Promise<OperatorSession>;
  signIn(name: string, password: string): Promise<OperatorSession>;
  signOut(): Promise<OperatorSession>;
  operatorActivity(): Promise<void>;
  onSession(handler: (change: SessionChange) => void): Promise<() => void>;
}

/** Handed by the Controller to each of its parts. */
export interface ControllerContext {
  readonly ipc: ConsoleIpc;
  readonly view: AppView;
  readonly store: ConsoleStore;
  /** Unix seconds. */
  now(): number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  /** Whether the Controller was stopped (nothing more is done then). */
  stopped(): boolean;
  /** Renders these changes in the next frame (sync). */
  schedule(changes: ChangeSet): void;
  /** Merges a command version and renders it (commands). */
  handleCommand(cmd: CommandView): void;
  /** Asks for the alert list again (alerts). */
  requestAlerts(now: boolean): void;
  /** The journal and the link changes follow what batches bring (refresh). */
  noteActivity(changes: ChangeSet): void;
  /** Reads the snapshot again, now or after the one in flight (sync). */
  refreshSoon(): void;
  /** Loads the settings (settings). */
  loadSettings(): Promise<void>;
  /**
   * Before a control action: asks for the password again (and a reason for a critical
   * relay) when the session wants it, and runs `send` with the answer (null: nothing to
   * ask). Resolves false when the operator cancelled: nothing was sent (session).
   */
  challenged<T>(request: ChallengeRequest, send: (challenge: Challenge | null) => Promise<T>): Promise<Challenged<T>>;
}
