// Test data built the same way everywhere, and the few page and clock helpers
// the tests share.

import { emptyChanges, mergeChanges, type ChangeSet, type ConsoleStore } from "../src/state";
import type {
  AlarmStatus,
  AlarmTransition,
  AlarmView,
  AlertStatus,
  AlertView,
  CommandView,
  ConsoleSnapshot,
  Device,
  DeviceEntry,
  LinkStatus,
  Relay,
  RelayEntry,
  StatsEntry,
  UpdateBatch,
} from "../src/types";
import type { AppView } from "../src/views/app";
import { noLinkAddress, noUnusable } from "../src/state/quality";
import type { AlarmPrefs } from "../src/generated/AlarmPrefs";

/** The site's alarm rules as a console without a settings file has them. */
export const DEFAULT_ALARM_PREFS: AlarmPrefs = {
  priorities: {},
  device_priorities: {},
  latching: [],
  latching_devices: [],
  default_shelve_minutes: 15,
  max_shelve_minutes: 480,
  first_out_window_seconds: 2,
  chatter_count: 3,
  chatter_window_minutes: 1,
};

export function device(id: string, fields: Partial<Device> = {}, received_at = 1000): DeviceEntry {
  return {
    device: {
      id,
      name: `Device ${id}`,
      kind: "sensor",
      status: "online",
      value: 1,
      unit: "°C",
      last_seen: received_at,
      ...fields,
    },
    received_at,
    unreadable: [],
    quality: { level: "good", reason: null },
  };
}

export function relay(id: string, fields: Partial<Relay> = {}, received_at = 1000): RelayEntry {
  return {
    relay: {
      id,
      name: `Relay ${id}`,
      device_id: null,
      state: false,
      changed_at: received_at,
      changed_by: null,
      ...fields,
    },
    received_at,
    unreadable: [],
    quality: { level: "good", reason: null },
  };
}

export function stats(received_at = 1000): StatsEntry {
  return {
    stats: {
      cpu_percent: 12.5,
      memory_percent: 40,
      disk_percent: 95,
      uptime_s: 3 * 3600 + 12 * 60,
      clients: 3,
      server_time: received_at,
    },
    received_at,
    unreadable: [],
    quality: { level: "good", reason: null },
  };
}

export function linkStatus(mode: LinkStatus["mode"], fields: Partial<LinkStatus> = {}): LinkStatus {
  const live = mode === "realtime" || mode === "fallback";
  return {
    mode,
    since: 900,
    last_message_at: 990,
    last_contact: 990,
    detail: null,
    quality: live ? { level: "good", reason: null } : { level: "uncertain", reason: mode === "stale" ? "stale" : "link_down" },
    unusable: noUnusable(),
    ...noLinkAddress(),
    ...fields,
  };
}

export function snapshot(fields: Partial<ConsoleSnapshot> = {}): ConsoleSnapshot {
  return {
    demo: false,
    server_url: "http://plant.local:5000",
    plant: "http://plant.local:5000",
    link: linkStatus("realtime"),
    devices: [],
    relays: [],
    system_stats: null,
    command_ttl_s: 120,
    read_only: false,
    recovered_from: null,
    alert_status: { unacked: 0, unacked_critical: 0, muted: false, muted_until: null, shelved: [] },
    alarm_status: {
      unacknowledged: { critical: 0, high: 0, medium: 0, low: 0 },
      active: { critical: 0, high: 0, medium: 0, low: 0 },
      top: null,
      sounding: null,
    },
    cache: { unsaved_since: null, problem: null },
    caps: { devices_left_out: 0, relays_left_out: 0, ids_too_long: 0, names_cut: 0, journal_rows_left_out: 0 },
    ...fields,
  };
}

export function command(requestId: string, fields: Partial<CommandView> = {}): CommandView {
  return {
    request_id: requestId,
    relay_id: "r1",
    state: true,
    status: "queued",
    issued_at: 1000,
    expires_at: 1120,
    updated_at: 1000,
    attempts: 0,
    error: null,
    operator: "operator-1",
    signed_in: null,
    signed_in_role: null,
    plant: "http://plant.local:5000",
    ...fields,
  };
}

export function batch(fields: Partial<UpdateBatch> = {}): UpdateBatch {
  return {
    link: null,
    devices: [],
    removed_devices: [],
    relays: [],
    removed_relays: [],
    system_stats: null,
    alerts: [],
    alarms: [],
    alarm_status: null,
    alert_status: null,
    cache: null,
    caps: null,
    ...fields,
  };
}

export function alertStatus(fields: Partial<AlertStatus> = {}): AlertStatus {
  return { unacked: 0, unacked_critical: 0, muted: false, muted_until: null, shelved: [], ...fields };
}

export function alert(id: number, fields: Partial<AlertView> = {}): AlertView {
  return {
    id,
    at: 1000 + id,
    kind: "device_offline",
    severity: "high",
    subject: "d1",
    title: `Alert ${id}`,
    body: `Body ${id}`,
    title_message: null,
    body_message: null,
    notified: true,
    suppressed: null,
    acked_at: null,
    acked_by: null,
    ...fields,
  };
}

/** An alarm as the summary lists it: a high device fault, active and unacknowledged. */
export function alarm(id: number, fields: Partial<AlarmView> = {}): AlarmView {
  const source = fields.source ?? `d${id}`;
  return {
    id,
    condition: "device_fault",
    source,
    device: source,
    priority: "high",
    state: "unack_active",
    active: true,
    acknowledged: false,
    latching: false,
    first_out: false,
    chattering: false,
    activated_at: 1000 + id,
    changed_at: 1000 + id,
    shelved_until: null,
    reason: null,
    message: { id: "alarm-device_fault", args: { name: source } },
    ...fields,
  };
}

/** The banner's status: counts per priority (unacknowledged, and active the same), the top alarm. */
export function alarmStatus(fields: Partial<AlarmStatus> = {}): AlarmStatus {
  return {
    unacknowledged: { critical: 0, high: 0, medium: 0, low: 0 },
    active: { critical: 0, high: 0, medium: 0, low: 0 },
    top: null,
    sounding: null,
    ...fields,
  };
}

/** One recorded transition of an alarm. */
export function transition(id: number, fields: Partial<AlarmTransition> = {}): AlarmTransition {
  const source = fields.source ?? "d1";
  return {
    id,
    alarm_id: 1,
    at: 1000 + id,
    from: "normal",
    to: "unack_active",
    event: "activate",
    by: null,
    reason: null,
    condition: "device_fault",
    source,
    priority: "high",
    message: { id: "alarm-device_fault", args: { name: source } },
    ...fields,
  };
}

/** A string that would become an element if anything inserted it as HTML. */
export const HOSTILE = "<img src=x onerror=alert(1)>";

/** Unix seconds of a local date-time (keeps the tests independent of the time zone). */
export function local(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  return new Date(y, mo - 1, d, h, mi, s).getTime() / 1000;
}

/** The element `selector` finds in the page; a test that expects one fails here, by its selector, when it is missing. */
export function $(selector: string): HTMLElement {
  const node = document.querySelector<HTMLElement>(selector);
  if (node === null) throw new Error(`no element matches ${selector}`);
  return node;
}

/** The text of the element `selector` finds, or null when there is none. */
export function text(selector: string): string | null {
  return document.querySelector(selector)?.textContent ?? null;
}

/** Puts a snapshot in the store and renders what changed, as the controller does. */
export function renderSnapshot(store: ConsoleStore, view: AppView, snap: ConsoleSnapshot, now: number): ChangeSet {
  const c = store.applySnapshot(snap);
  view.render(store, c, now);
  return c;
}

/** Applies a batch to the store and renders what changed, as the controller does. */
export function renderBatch(store: ConsoleStore, view: AppView, b: UpdateBatch, now: number): void {
  view.render(store, mergeChanges(emptyChanges(), store.applyBatch(b)), now);
}
