// The ONLY module that talks to the Rust side (invoke / listen).
// Everything else in the UI goes through the functions exported here.

import { invoke, isTauri } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { save } from "@tauri-apps/plugin-dialog";
import { strings } from "./strings";
import {
  BATCH_EVENT,
  COMMAND_EVENT,
  SESSION_EVENT,
  WINDOW_EVENT,
  type Answer,
  type Args,
  type CommandName,
  type Events,
} from "./generated/commands";
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
  FieldError,
  JournalQuery,
  OperatorSession,
  SaveDialogOptions,
  SessionChange,
  SettingsInput,
  SettingsView,
  StatsTrend,
  TrendData,
  TrendPen,
  UiError,
  UpdateBatch,
  WindowInfo,
  WindowView,
} from "./types";

export { BATCH_EVENT, COMMAND_EVENT, SESSION_EVENT, WINDOW_EVENT };

/** Code of the UiError produced when the page does not run inside the Tauri app. */
export const NO_BACKEND = "no_backend";

/** True when the page runs inside the Tauri webview (false under plain `vite dev`). */
export function hasBackend(): boolean {
  return isTauri();
}

/** The refused values of a UiError, when they are a well-formed list; otherwise none. */
function fieldErrors(value: unknown): FieldError[] | null {
  if (!Array.isArray(value)) return null;
  const out: FieldError[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== "object" || item === null) return null;
    const rec = item as Record<string, unknown>;
    const field = rec["field"];
    const message = rec["message"];
    if (typeof field !== "string" || typeof message !== "string") return null;
    out.push({ field, message });
  }
  return out;
}

/**
 * Normalizes whatever a rejected invoke (or anything else) threw into a UiError.
 * Refused values (`fields`) are kept only when every one has a string field and
 * message: a malformed list is dropped rather than shown half-read (the message
 * still says what was refused).
 */
export function toUiError(err: unknown): UiError {
  if (typeof err === "object" && err !== null) {
    const rec = err as Record<string, unknown>;
    if (typeof rec["code"] === "string" && typeof rec["message"] === "string") {
      const fields = fieldErrors(rec["fields"]);
      const out: UiError =
        fields === null ? { code: rec["code"], message: rec["message"] } : { code: rec["code"], message: rec["message"], fields };
      // A lock-out's end (Unix seconds), kept only when it is a number.
      const until = rec["until"];
      if (typeof until === "number" && Number.isFinite(until)) out.until = until;
      return out;
    }
    if (err instanceof Error) return { code: "internal", message: err.message };
  }
  if (typeof err === "string") return { code: "internal", message: err };
  return { code: "internal", message: String(err) };
}

function noBackend(): UiError {
  return {
    code: NO_BACKEND,
    message: strings.errors.noBackend,
  };
}

/** The arguments `call` takes for a command: none for a command without any. */
type CallArgs<C extends CommandName> = Args<C> extends Record<string, never> ? [] : [args: Args<C>];

/**
 * Invokes one of the commands of the Rust side's list (./generated/commands.ts), with the
 * arguments it takes, answering what it answers. Rejects with a UiError.
 */
async function call<C extends CommandName>(command: C, ...args: CallArgs<C>): Promise<Answer<C>> {
  if (!hasBackend()) throw noBackend();
  try {
    return args.length === 0 ? await invoke<Answer<C>>(command) : await invoke<Answer<C>>(command, args[0]);
  } catch (err) {
    throw toUiError(err);
  }
}

/** Subscribes to one of the Rust side's events. Outside Tauri nothing ever arrives. */
async function subscribe<E extends keyof Events>(event: E, handler: (payload: Events[E]) => void): Promise<UnlistenFn> {
  if (!hasBackend()) return () => {};
  try {
    return await listen<Events[E]>(event, (e) => handler(e.payload));
  } catch (err) {
    throw toUiError(err);
  }
}

/** Full state of the console. Rejects with a UiError. */
export async function getSnapshot(): Promise<ConsoleSnapshot> {
  return await call("get_snapshot");
}

/**
 * Subscribes to update batches. Outside Tauri nothing ever arrives and the
 * returned unsubscribe function does nothing.
 */
export async function onBatch(handler: (batch: UpdateBatch) => void): Promise<UnlistenFn> {
  return subscribe(BATCH_EVENT, handler);
}

/**
 * Asks the plant to switch a relay. Rejects with a UiError: `link_down` when
 * the plant is unreachable and `queueIfOffline` is false (nothing was queued),
 * `read_only`, `not_signed_in`, `forbidden`, `reauthentication_required`,
 * `bad_credentials` (a wrong password in `challenge`), `reason_required`, …
 */
export async function setRelay(
  relayId: string,
  state: boolean,
  queueIfOffline: boolean,
  challenge: Challenge | null = null,
): Promise<CommandView> {
  // Without a challenge the argument is left out (the console reads it as none).
  return await call("set_relay", challenge === null ? { relayId, state, queueIfOffline } : { relayId, state, queueIfOffline, challenge });
}

/** Recent commands, newest first (200 at most). Rejects with a UiError. */
export async function outbox(): Promise<CommandView[]> {
  return await call("outbox");
}

/** Cancels a queued command. Rejects with a UiError for any other status. */
export async function cancelCommand(requestId: string): Promise<CommandView> {
  return await call("cancel_command", { requestId });
}

/** Subscribes to command lifecycle steps (one event per step of any command). */
export async function onCommand(handler: (command: CommandView) => void): Promise<UnlistenFn> {
  return subscribe(COMMAND_EVENT, handler);
}

/** The latest alerts, newest first (500 at most). Rejects with a UiError. */
export async function alerts(): Promise<AlertView[]> {
  return await call("alerts");
}

/**
 * Acknowledges one alert, or every unacknowledged alert when `id` is left out.
 * Resolves to how many were acknowledged now. Rejects with a UiError
 * (`unknown_alert` for an id the console does not have).
 */
export async function acknowledgeAlerts(id?: number, challenge: Challenge | null = null): Promise<number> {
  return await call("acknowledge_alerts", { ...(id === undefined ? {} : { id }), ...withChallenge(challenge) });
}

/** The re-authentication's answers as an argument, left out when none was asked. */
function withChallenge(challenge: Challenge | null): { challenge?: Challenge } {
  return challenge === null ? {} : { challenge };
}

/** Mutes desktop notifications for `minutes`, or until unmuted (null). Rejects with a UiError. */
export async function muteAlerts(minutes: number | null, challenge: Challenge | null = null): Promise<AlertStatus> {
  return await call("mute_alerts", { minutes, ...withChallenge(challenge) });
}

/** Ends a mute. Rejects with a UiError. */
export async function unmuteAlerts(): Promise<AlertStatus> {
  return await call("unmute_alerts");
}

/** Stops notifying one device's alerts for `minutes` (they are still recorded). Rejects with a UiError. */
export async function shelveDevice(deviceId: string, minutes: number, challenge: Challenge | null = null): Promise<AlertStatus> {
  return await call("shelve_device", { deviceId, minutes, ...withChallenge(challenge) });
}

/** A device's stored values and the link gaps between `since` and `until` (Unix seconds). Rejects with a UiError. */
export async function deviceTrend(deviceId: string, since: number, until: number): Promise<DeviceTrend> {
  return await call("device_trend", { deviceId, since, until });
}

/**
 * How many of `deviceIds` were not online in each of `buckets` equal parts of
 * [`since`, `until`] (Unix seconds), from the cache: [bucket start, count] pairs, for
 * the overview's sparklines. Rejects with a UiError.
 */
export async function areaTrend(
  deviceIds: readonly string[],
  since: number,
  until: number,
  buckets: number,
): Promise<Array<[number, number]>> {
  return await call("area_trend", { deviceIds: [...deviceIds], since, until, buckets });
}

/** The server's stored figures and the link gaps between `since` and `until`. Rejects with a UiError. */
export async function statsTrend(since: number, until: number): Promise<StatsTrend> {
  return await call("stats_trend", { since, until });
}

/**
 * Up to eight pens' stored points and the link gaps between `since` and `until` (Unix
 * seconds), for the Trends chart; a pen with more points than a chart `pixels` wide can
 * show apart (over four per pixel column, or over 20 000) comes reduced to min/max per
 * pixel column. Rejects with a UiError
 * (`invalid_trend` for a range, pen count or width the console refuses).
 */
export async function trend(
  pens: readonly TrendPen[],
  since: number,
  until: number,
  pixels: number,
): Promise<TrendData> {
  return await call("trend", { pens: [...pens], since, until, pixels });
}

/**
 * Writes the pens' cached samples between `since` and `until` as CSV to `path` (a file
 * the operator chose); resolves to the number of sample rows. Rejects with a UiError
 * (`export_path`, `invalid_trend`, `export`).
 */
export async function exportTrend(
  path: string,
  pens: readonly TrendPen[],
  since: number,
  until: number,
): Promise<number> {
  return await call("export_trend", { path, pens: [...pens], since, until });
}

/**
 * Writes a chart image (`png`: a canvas's `toDataURL("image/png")`) to `path`; resolves
 * to the bytes written. Rejects with a UiError (`invalid_trend` for a body that is not a
 * PNG or is over 20 MB, `export_path`, `export`).
 */
export async function exportTrendPng(path: string, png: string): Promise<number> {
  return await call("export_trend_png", { path, png });
}

/** Journal entries (oldest first); arguments left out are not sent. Rejects with a UiError. */
export async function journal(query: JournalQuery = {}): Promise<JournalEntry[]> {
  const args: Args<"journal"> = {};
  if (query.since !== undefined) args.since = query.since;
  if (query.until !== undefined) args.until = query.until;
  if (query.kind !== undefined) args.kind = query.kind;
  if (query.limit !== undefined) args.limit = query.limit;
  return await call("journal", args);
}

/** The link's figures for the diagnostics view and the header. Rejects with a UiError. */
export async function diagnostics(): Promise<Diagnostics> {
  return await call("diagnostics");
}

/** Shows a test desktop notification. Rejects with a UiError when it could not be shown. */
export async function testNotification(): Promise<void> {
  await call("test_notification");
}

/** The settings, what is known of the token, and the address in use. Rejects with a UiError. */
export async function getSettings(): Promise<SettingsView> {
  return await call("get_settings");
}

/**
 * Validates, saves and applies the settings (and the token change); resolves to
 * what the console now uses. Rejects with a UiError: `invalid_settings` with the
 * refused values in `fields`, `settings` (the file), `token_store`, `stopped`.
 */
export async function saveSettings(input: SettingsInput): Promise<SettingsView> {
  return await call("save_settings", { input });
}

/** Whether the console starts when the operator signs in. Rejects with a UiError (`autostart`). */
export async function getAutostart(): Promise<boolean> {
  return await call("get_autostart");
}

/**
 * Makes the console start (or not) when the operator signs in; resolves to what the
 * system says now. Rejects with a UiError (`autostart` with the system's reason).
 */
export async function setAutostart(enabled: boolean): Promise<boolean> {
  return await call("set_autostart", { enabled });
}

/**
 * The alarm summary: every alarm not normal, or only those in `states`, by priority
 * and then the newest change first. Rejects with a UiError.
 */
export async function alarms(states?: AlarmState[]): Promise<AlarmView[]> {
  return await call("alarms", states === undefined ? {} : { states });
}

/**
 * Acknowledges, shelves, unshelves, resets or silences alarms as the operator;
 * resolves to how many alarms it changed. Rejects with a UiError
 * (`alarm_refused` with the console's reason, `unknown_alarm`).
 */
export async function alarmAction(action: AlarmAction, challenge: Challenge | null = null): Promise<number> {
  return await call("alarm_action", challenge === null ? { action } : { action, challenge });
}

/** One alarm's recorded transitions, oldest first. Rejects with a UiError. */
export async function alarmHistory(alarmId: number): Promise<AlarmTransition[]> {
  return await call("alarm_history", { alarmId });
}

/** The plant's alarm journal, newest first; arguments left out are not sent. Rejects with a UiError. */
export async function alarmJournal(query: AlarmJournalQuery = {}): Promise<AlarmTransition[]> {
  const args: Args<"alarm_journal"> = {};
  if (query.since !== undefined) args.since = query.since;
  if (query.until !== undefined) args.until = query.until;
  if (query.limit !== undefined) args.limit = query.limit;
  return await call("alarm_journal", args);
}

/** The ISA-18.2 alarm KPIs over the last `hours` (the console's 24 when left out). Rejects with a UiError. */
export async function alarmKpis(hours?: number): Promise<AlarmKpis> {
  return await call("alarm_kpis", hours === undefined ? {} : { hours });
}

/**
 * Writes the alarm journal between `since` and `until` as a CSV file at `path`
 * (one the operator chose in the save dialog); resolves to how many transitions
 * it holds. Rejects with a UiError (`export_path` for a path not ending in .csv,
 * `export` when the file could not be written).
 */
export async function exportAlarmJournal(path: string, since?: number, until?: number): Promise<number> {
  const args: Args<"export_alarm_journal"> = { path };
  if (since !== undefined) args.since = since;
  if (until !== undefined) args.until = until;
  return await call("export_alarm_journal", args);
}

/**
 * The native save dialog (tauri-plugin-dialog): resolves to the path the operator
 * chose, or null when they cancelled. Rejects with a UiError.
 */
export async function chooseSavePath(options: SaveDialogOptions): Promise<string | null> {
  if (!hasBackend()) throw noBackend();
  try {
    return await save(options);
  } catch (err) {
    throw toUiError(err);
  }
}

/**
 * Opens `view` (the alarm summary, the overview, or a trend with its query) in a window
 * of its own, or brings that window forward with the view asked for. Rejects with a
 * UiError (a query the console refuses, or the window system's refusal).
 */
export async function openWindow(view: WindowView): Promise<void> {
  await call("open_window", { view });
}

/** Which window this page is in (`main` or the kind of an extra window) and whether the console is in kiosk mode. */
export async function windowInfo(): Promise<WindowInfo> {
  return await call("window_info");
}

/** Subscribes to changes of the window arrangement (kiosk mode left): the main window's info. */
export async function onWindow(handler: (info: WindowInfo) => void): Promise<UnlistenFn> {
  return subscribe(WINDOW_EVENT, handler);
}

/** Who is signed in at this console, what they may do, and the sign-in policy. Rejects with a UiError. */
export async function operatorSession(): Promise<OperatorSession> {
  return await call("operator_session");
}

/**
 * Signs an operator in; resolves to the session. Rejects with a UiError:
 * `bad_credentials`, `locked_out` (with `until`), `operators_refused`, `sign_in_off`.
 */
export async function signIn(name: string, password: string): Promise<OperatorSession> {
  return await call("sign_in", { name, password });
}

/** Signs the operator out; resolves to the session (viewing goes on). */
export async function signOut(): Promise<OperatorSession> {
  return await call("sign_out");
}

/** Tells the console the operator is at the screen (a key, the pointer): the idle sign-out waits. */
export async function operatorActivity(): Promise<void> {
  await call("operator_activity");
}

/** Subscribes to changes of the operator session (an idle sign-out, a sign-in in another window). */
export async function onSession(handler: (change: SessionChange) => void): Promise<UnlistenFn> {
  return subscribe(SESSION_EVENT, handler);
}
