// Generated from the command list (src-tauri/src/shell/commands.list) and the Rust
// types by `cargo xtask ipc-types`; do not edit.

import type { AlarmAction } from "./AlarmAction";
import type { AlarmKpis } from "./AlarmKpis";
import type { AlarmState } from "./AlarmState";
import type { AlarmTransition } from "./AlarmTransition";
import type { AlarmView } from "./AlarmView";
import type { AlertStatus } from "./AlertStatus";
import type { AlertView } from "./AlertView";
import type { Challenge } from "./Challenge";
import type { CommandView } from "./CommandView";
import type { ConsoleSnapshot } from "./ConsoleSnapshot";
import type { DeviceTrend } from "./DeviceTrend";
import type { Diagnostics } from "./Diagnostics";
import type { JournalEntry } from "./JournalEntry";
import type { OperatorSession } from "./OperatorSession";
import type { SessionChange } from "./SessionChange";
import type { SettingsInput } from "./SettingsInput";
import type { SettingsView } from "./SettingsView";
import type { StatsTrend } from "./StatsTrend";
import type { TrendData } from "./TrendData";
import type { TrendPen } from "./TrendPen";
import type { UpdateBatch } from "./UpdateBatch";
import type { WindowInfo } from "./WindowInfo";
import type { WindowView } from "./WindowView";

/** Every command the window may invoke. */
export const COMMANDS = [
  "get_snapshot",
  "set_relay",
  "outbox",
  "cancel_command",
  "alerts",
  "acknowledge_alerts",
  "mute_alerts",
  "unmute_alerts",
  "shelve_device",
  "device_trend",
  "stats_trend",
  "journal",
  "diagnostics",
  "test_notification",
  "get_settings",
  "save_settings",
  "get_autostart",
  "set_autostart",
  "alarms",
  "alarm_action",
  "alarm_history",
  "alarm_journal",
  "alarm_kpis",
  "export_alarm_journal",
  "area_trend",
  "trend",
  "export_trend",
  "export_trend_png",
  "open_window",
  "window_info",
  "operator_session",
  "sign_in",
  "sign_out",
  "operator_activity",
] as const;

export type CommandName = (typeof COMMANDS)[number];

/** Each command's arguments, by the names the window sends (camelCase), and its answer. */
export interface Commands {
  get_snapshot: { args: Record<string, never>; answer: ConsoleSnapshot };
  set_relay: { args: { relayId: string; state: boolean; queueIfOffline: boolean; challenge?: Challenge | null }; answer: CommandView };
  outbox: { args: Record<string, never>; answer: Array<CommandView> };
  cancel_command: { args: { requestId: string }; answer: CommandView };
  alerts: { args: Record<string, never>; answer: Array<AlertView> };
  acknowledge_alerts: { args: { id?: number | null; challenge?: Challenge | null }; answer: number };
  mute_alerts: { args: { minutes?: number | null; challenge?: Challenge | null }; answer: AlertStatus };
  unmute_alerts: { args: Record<string, never>; answer: AlertStatus };
  shelve_device: { args: { deviceId: string; minutes: number; challenge?: Challenge | null }; answer: AlertStatus };
  device_trend: { args: { deviceId: string; since: number; until: number }; answer: DeviceTrend };
  stats_trend: { args: { since: number; until: number }; answer: StatsTrend };
  journal: { args: { since?: number | null; until?: number | null; kind?: string | null; limit?: number | null }; answer: Array<JournalEntry> };
  diagnostics: { args: Record<string, never>; answer: Diagnostics };
  test_notification: { args: Record<string, never>; answer: null };
  get_settings: { args: Record<string, never>; answer: SettingsView };
  save_settings: { args: { input: SettingsInput }; answer: SettingsView };
  get_autostart: { args: Record<string, never>; answer: boolean };
  set_autostart: { args: { enabled: boolean }; answer: boolean };
  alarms: { args: { states?: Array<AlarmState> | null }; answer: Array<AlarmView> };
  alarm_action: { args: { action: AlarmAction; challenge?: Challenge | null }; answer: number };
  alarm_history: { args: { alarmId: number }; answer: Array<AlarmTransition> };
  alarm_journal: { args: { since?: number | null; until?: number | null; limit?: number | null }; answer: Array<AlarmTransition> };
  alarm_kpis: { args: { hours?: number | null }; answer: AlarmKpis };
  export_alarm_journal: { args: { path: string; since?: number | null; until?: number | null }; answer: number };
  area_trend: { args: { deviceIds: Array<string>; since: number; until: number; buckets: number }; answer: Array<[number, number]> };
  trend: { args: { pens: Array<TrendPen>; since: number; until: number; pixels: number }; answer: TrendData };
  export_trend: { args: { path: string; pens: Array<TrendPen>; since: number; until: number }; answer: number };
  export_trend_png: { args: { path: string; png: string }; answer: number };
  open_window: { args: { view: WindowView }; answer: null };
  window_info: { args: Record<string, never>; answer: WindowInfo };
  operator_session: { args: Record<string, never>; answer: OperatorSession };
  sign_in: { args: { name: string; password: string }; answer: OperatorSession };
  sign_out: { args: Record<string, never>; answer: OperatorSession };
  operator_activity: { args: Record<string, never>; answer: null };
}

/** The arguments of a command. */
export type Args<C extends CommandName> = Commands[C]["args"];

/** The answer of a command. */
export type Answer<C extends CommandName> = Commands[C]["answer"];

/** The event that carries update batches to the window. */
export const BATCH_EVENT = "console://batch";

/** The event that carries each lifecycle step of an operator command. */
export const COMMAND_EVENT = "console://command";

/** The event that tells the windows that kiosk mode was left. */
export const WINDOW_EVENT = "console://window";

/** The event that tells the windows that the operator session changed. */
export const SESSION_EVENT = "console://session";

/** Each event's payload. */
export interface Events {
  "console://batch": UpdateBatch;
  "console://command": CommandView;
  "console://window": WindowInfo;
  "console://session": SessionChange;
}
