// The ONLY module that talks to the Rust side (invoke / listen).
// Everything else in the UI goes through the functions exported here.

import { invoke, isTauri } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { strings } from "./strings";
import type {
  AlertStatus,
  AlertView,
  CommandView,
  ConsoleSnapshot,
  DeviceTrend,
  Diagnostics,
  JournalEntry,
  FieldError,
  JournalQuery,
  SettingsInput,
  SettingsView,
  StatsTrend,
  UiError,
  UpdateBatch,
} from "./types";

export const BATCH_EVENT = "console://batch";
export const COMMAND_EVENT = "console://command";

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
      return fields === null
        ? { code: rec["code"], message: rec["message"] }
        : { code: rec["code"], message: rec["message"], fields };
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

/** Full state of the console. Rejects with a UiError. */
export async function getSnapshot(): Promise<ConsoleSnapshot> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<ConsoleSnapshot>("get_snapshot");
  } catch (err) {
    throw toUiError(err);
  }
}

/**
 * Subscribes to update batches. Outside Tauri nothing ever arrives and the
 * returned unsubscribe function does nothing.
 */
export async function onBatch(handler: (batch: UpdateBatch) => void): Promise<UnlistenFn> {
  if (!hasBackend()) return () => {};
  try {
    return await listen<UpdateBatch>(BATCH_EVENT, (event) => handler(event.payload));
  } catch (err) {
    throw toUiError(err);
  }
}

/**
 * Asks the plant to switch a relay. Rejects with a UiError: `link_down` when
 * the plant is unreachable and `queueIfOffline` is false (nothing was queued),
 * `read_only`, `forbidden`, …
 */
export async function setRelay(relayId: string, state: boolean, queueIfOffline: boolean): Promise<CommandView> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<CommandView>("set_relay", { relayId, state, queueIfOffline });
  } catch (err) {
    throw toUiError(err);
  }
}

/** Recent commands, newest first (200 at most). Rejects with a UiError. */
export async function outbox(): Promise<CommandView[]> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<CommandView[]>("outbox");
  } catch (err) {
    throw toUiError(err);
  }
}

/** Cancels a queued command. Rejects with a UiError for any other status. */
export async function cancelCommand(requestId: string): Promise<CommandView> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<CommandView>("cancel_command", { requestId });
  } catch (err) {
    throw toUiError(err);
  }
}

/** Subscribes to command lifecycle steps (one event per step of any command). */
export async function onCommand(handler: (command: CommandView) => void): Promise<UnlistenFn> {
  if (!hasBackend()) return () => {};
  try {
    return await listen<CommandView>(COMMAND_EVENT, (event) => handler(event.payload));
  } catch (err) {
    throw toUiError(err);
  }
}

/** The latest alerts, newest first (500 at most). Rejects with a UiError. */
export async function alerts(): Promise<AlertView[]> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<AlertView[]>("alerts");
  } catch (err) {
    throw toUiError(err);
  }
}

/**
 * Acknowledges one alert, or every unacknowledged alert when `id` is left out.
 * Resolves to how many were acknowledged now. Rejects with a UiError
 * (`unknown_alert` for an id the console does not have).
 */
export async function acknowledgeAlerts(id?: number): Promise<number> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<number>("acknowledge_alerts", id === undefined ? {} : { id });
  } catch (err) {
    throw toUiError(err);
  }
}

/** Mutes desktop notifications for `minutes`, or until unmuted (null). Rejects with a UiError. */
export async function muteAlerts(minutes: number | null): Promise<AlertStatus> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<AlertStatus>("mute_alerts", { minutes });
  } catch (err) {
    throw toUiError(err);
  }
}

/** Ends a mute. Rejects with a UiError. */
export async function unmuteAlerts(): Promise<AlertStatus> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<AlertStatus>("unmute_alerts");
  } catch (err) {
    throw toUiError(err);
  }
}

/** Stops notifying one device's alerts for `minutes` (they are still recorded). Rejects with a UiError. */
export async function shelveDevice(deviceId: string, minutes: number): Promise<AlertStatus> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<AlertStatus>("shelve_device", { deviceId, minutes });
  } catch (err) {
    throw toUiError(err);
  }
}

/** A device's stored values and the link gaps between `since` and `until` (Unix seconds). Rejects with a UiError. */
export async function deviceTrend(deviceId: string, since: number, until: number): Promise<DeviceTrend> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<DeviceTrend>("device_trend", { deviceId, since, until });
  } catch (err) {
    throw toUiError(err);
  }
}

/** The server's stored figures and the link gaps between `since` and `until`. Rejects with a UiError. */
export async function statsTrend(since: number, until: number): Promise<StatsTrend> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<StatsTrend>("stats_trend", { since, until });
  } catch (err) {
    throw toUiError(err);
  }
}

/** Journal entries (oldest first); arguments left out are not sent. Rejects with a UiError. */
export async function journal(query: JournalQuery = {}): Promise<JournalEntry[]> {
  if (!hasBackend()) throw noBackend();
  const args: Record<string, number | string> = {};
  if (query.since !== undefined) args["since"] = query.since;
  if (query.until !== undefined) args["until"] = query.until;
  if (query.kind !== undefined) args["kind"] = query.kind;
  if (query.limit !== undefined) args["limit"] = query.limit;
  try {
    return await invoke<JournalEntry[]>("journal", args);
  } catch (err) {
    throw toUiError(err);
  }
}

/** The link's figures for the diagnostics view and the header. Rejects with a UiError. */
export async function diagnostics(): Promise<Diagnostics> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<Diagnostics>("diagnostics");
  } catch (err) {
    throw toUiError(err);
  }
}

/** Shows a test desktop notification. Rejects with a UiError when it could not be shown. */
export async function testNotification(): Promise<void> {
  if (!hasBackend()) throw noBackend();
  try {
    await invoke<null>("test_notification");
  } catch (err) {
    throw toUiError(err);
  }
}

/** The settings, what is known of the token, and the address in use. Rejects with a UiError. */
export async function getSettings(): Promise<SettingsView> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<SettingsView>("get_settings");
  } catch (err) {
    throw toUiError(err);
  }
}

/**
 * Validates, saves and applies the settings (and the token change); resolves to
 * what the console now uses. Rejects with a UiError: `invalid_settings` with the
 * refused values in `fields`, `settings` (the file), `token_store`, `stopped`.
 */
export async function saveSettings(input: SettingsInput): Promise<SettingsView> {
  if (!hasBackend()) throw noBackend();
  try {
    return await invoke<SettingsView>("save_settings", { input });
  } catch (err) {
    throw toUiError(err);
  }
}
