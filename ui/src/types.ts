// The IPC contract between the Rust side of Plant Console and this UI.
// All JSON is snake_case; all times are Unix seconds (float).
//
// The types the Rust side sends and takes are generated from the Rust types into
// ./generated/ (`cargo xtask ipc-types`; `cargo xtask test` fails when they are stale)
// and re-exported here, so the rest of the UI imports them from this module. Only types
// the UI makes up for itself are written here.

export type { Action } from "./generated/Action";
export type { AlarmAction } from "./generated/AlarmAction";
export type { AlarmCondition } from "./generated/AlarmCondition";
export type { AlarmCounts } from "./generated/AlarmCounts";
export type { AlarmEvent } from "./generated/AlarmEvent";
export type { AlarmKpis } from "./generated/AlarmKpis";
export type { AlarmPriority } from "./generated/AlarmPriority";
export type { AlarmState } from "./generated/AlarmState";
export type { AlarmStatus } from "./generated/AlarmStatus";
export type { AlarmTransition } from "./generated/AlarmTransition";
export type { AlarmView } from "./generated/AlarmView";
export type { AlertKind } from "./generated/AlertKind";
export type { AlertPrefs } from "./generated/AlertPrefs";
export type { AlertSeverity } from "./generated/AlertSeverity";
export type { AlertStatus } from "./generated/AlertStatus";
export type { AlertView } from "./generated/AlertView";
export type { CacheStatus } from "./generated/CacheStatus";
export type { CapsReached } from "./generated/CapsReached";
export type { CommandStatus } from "./generated/CommandStatus";
export type { CommandView } from "./generated/CommandView";
export type { ConsoleSnapshot } from "./generated/ConsoleSnapshot";
export type { Device } from "./generated/Device";
export type { DeviceEntry } from "./generated/DeviceEntry";
export type { DeviceStatus } from "./generated/DeviceStatus";
export type { DeviceTrend } from "./generated/DeviceTrend";
export type { Diagnostics } from "./generated/Diagnostics";
export type { FieldError } from "./generated/FieldError";
export type { FrequentAlarm } from "./generated/FrequentAlarm";
export type { Gap } from "./generated/Gap";
export type { JournalEntry } from "./generated/JournalEntry";
export type { Limit } from "./generated/Limit";
export type { LinkMode } from "./generated/LinkMode";
export type { LinkStatus } from "./generated/LinkStatus";
export type { AddressRole } from "./generated/AddressRole";
export type { FailoverPolicy } from "./generated/FailoverPolicy";
export type { Message } from "./generated/Message";
export type { PenSeries } from "./generated/PenSeries";
export type { PlantId } from "./generated/PlantId";
export type { Quality } from "./generated/Quality";
export type { QualityLevel } from "./generated/QualityLevel";
export type { QualityReason } from "./generated/QualityReason";
export type { Relay } from "./generated/Relay";
export type { RelayEntry } from "./generated/RelayEntry";
export type { Settings } from "./generated/Settings";
export type { SettingsInput } from "./generated/SettingsInput";
export type { SettingsView } from "./generated/SettingsView";
export type { Shelf } from "./generated/Shelf";
export type { StatsEntry } from "./generated/StatsEntry";
export type { StatsSample } from "./generated/StatsSample";
export type { StatsFigure } from "./generated/StatsFigure";
export type { StatsTrend } from "./generated/StatsTrend";
export type { SystemStats } from "./generated/SystemStats";
export type { TokenChange } from "./generated/TokenChange";
export type { TrendData } from "./generated/TrendData";
export type { TrendPen } from "./generated/TrendPen";
export type { TokenInfo } from "./generated/TokenInfo";
export type { TokenStorage } from "./generated/TokenStorage";
export type { UiError } from "./generated/UiError";
export type { Challenge } from "./generated/Challenge";
export type { OperatorSession } from "./generated/OperatorSession";
export type { Role } from "./generated/Role";
export type { SessionChange } from "./generated/SessionChange";
export type { SignedIn } from "./generated/SignedIn";
export type { Unreadable } from "./generated/Unreadable";
export type { Unusable } from "./generated/Unusable";
export type { UpdateBatch } from "./generated/UpdateBatch";
export type { WindowInfo } from "./generated/WindowInfo";
export type { WindowKind } from "./generated/WindowKind";
export type { WindowView } from "./generated/WindowView";
export type { JsonValue } from "./generated/serde_json/JsonValue";

// ---------- the UI's own types ----------

/** Arguments of `journal`; every one may be left out. */
export interface JournalQuery {
  since?: number;
  until?: number;
  /** A kind or a kind family ("device" finds "device_status", …). */
  kind?: string;
  /** At most 5000 (the console's default is 500). */
  limit?: number;
}

/** Arguments of `alarm_journal`; every one may be left out. */
export interface AlarmJournalQuery {
  since?: number;
  until?: number;
  /** At most 5000 (the console's default is 500). */
  limit?: number;
}

/** What the save dialog is asked: the file name it proposes and the kinds of file it offers. */
export interface SaveDialogOptions {
  defaultPath: string;
  filters: { name: string; extensions: string[] }[];
}
