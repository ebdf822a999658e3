// The console's state: a pure store (no DOM, no IPC, no clock).
// Snapshots and batches are applied here; every apply returns a ChangeSet so
// that the views can update only what changed.

import type {
  AlertStatus,
  AlertView,
  CacheStatus,
  CapsReached,
  CommandView,
  ConsoleSnapshot,
  DeviceEntry,
  DeviceStatus,
  JournalEntry,
  LinkMode,
  LinkStatus,
  Relay,
  RelayEntry,
  StatsEntry,
  UpdateBatch,
} from "./types";
import { noUnusable } from "./quality";
import { noCaps } from "./caps";

/** What an apply changed. Ids in `devices` / `relays` were upserted or removed. */
export interface ChangeSet {
  /** Demo flag, server URL, read-only flag or command TTL. */
  meta: boolean;
  link: boolean;
  stats: boolean;
  /** The whole device list was replaced (a snapshot). */
  devicesReset: boolean;
  devices: Set<string>;
  /** The whole relay list was replaced (a snapshot). */
  relaysReset: boolean;
  relays: Set<string>;
  /** The command list (outbox) changed. */
  commands: boolean;
  /** Relays whose latest command may have changed. */
  commandRelays: Set<string>;
  /** The alert list changed. */
  alerts: boolean;
  /** The alert status (unacknowledged counts, mute, shelves) changed. */
  alertStatus: boolean;
}

export function emptyChanges(): ChangeSet {
  return {
    meta: false,
    link: false,
    stats: false,
    devicesReset: false,
    devices: new Set(),
    relaysReset: false,
    relays: new Set(),
    commands: false,
    commandRelays: new Set(),
    alerts: false,
    alertStatus: false,
  };
}

/** Accumulates `from` into `into` (for rendering once per frame). */
export function mergeChanges(into: ChangeSet, from: ChangeSet): ChangeSet {
  into.meta ||= from.meta;
  into.link ||= from.link;
  into.stats ||= from.stats;
  if (from.devicesReset) {
    into.devicesReset = true;
    into.devices.clear();
  } else if (!into.devicesReset) {
    for (const id of from.devices) into.devices.add(id);
  }
  if (from.relaysReset) {
    into.relaysReset = true;
    into.relays.clear();
  } else if (!into.relaysReset) {
    for (const id of from.relays) into.relays.add(id);
  }
  into.commands ||= from.commands;
  for (const id of from.commandRelays) into.commandRelays.add(id);
  into.alerts ||= from.alerts;
  into.alertStatus ||= from.alertStatus;
  return into;
}

export function hasChanges(c: ChangeSet): boolean {
  return (
    c.meta ||
    c.link ||
    c.stats ||
    c.devicesReset ||
    c.relaysReset ||
    c.devices.size > 0 ||
    c.relays.size > 0 ||
    c.commands ||
    c.commandRelays.size > 0 ||
    c.alerts ||
    c.alertStatus
  );
}

/** Modes in which the values shown are live (confirmed by the plant server). */
export function isLiveMode(mode: LinkMode): boolean {
  return mode === "realtime" || mode === "fallback";
}

/** Whether every value shown must be marked as unconfirmed. */
export function valuesAreStale(link: LinkStatus): boolean {
  return !isLiveMode(link.mode);
}

// ---------- relay switching ----------

/** Why a relay cannot be switched from this console now (most fundamental first). */
export type SwitchBlock = "read_only" | "locked" | "device_offline" | "stale";

export interface SwitchContext {
  linkMode: LinkMode;
  readOnly: boolean;
  /** Status of a device by id (undefined: not known to the console). */
  deviceStatus(id: string): DeviceStatus | undefined;
}

/**
 * Modes in which a switch stays enabled. In the live modes the command goes out
 * at once; while the plant is unreachable (offline / connecting / unauthorized)
 * the server answers `link_down` and the operator is asked whether to queue it.
 * Stale, and any mode this UI does not know, block switching: values unconfirmed.
 */
const SWITCHABLE_MODES: ReadonlySet<string> = new Set([
  "realtime",
  "fallback",
  "offline",
  "connecting",
  "unauthorized",
]);

/** The reason a relay's switch is disabled, or null when it may be used. */
export function switchBlock(relay: Relay, ctx: SwitchContext): SwitchBlock | null {
  if (ctx.readOnly) return "read_only";
  if (relay.locked === true) return "locked";
  if (relay.device_id !== null && relay.device_id !== undefined) {
    const status = ctx.deviceStatus(String(relay.device_id));
    if (status === "offline" || status === "fault") return "device_offline";
  }
  if (!SWITCHABLE_MODES.has(String(ctx.linkMode))) return "stale";
  return null;
}

/** Default lifetime of a queued command when the snapshot does not say (seconds). */
export const DEFAULT_COMMAND_TTL_S = 120;

/** The snapshot's command TTL, or the default when missing or not a positive number. */
export function commandTtl(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : DEFAULT_COMMAND_TTL_S;
}

// ---------- commands ----------

/** Statuses of a command that is not finished yet (counted in the outbox depth). */
export function isOpenStatus(status: string): boolean {
  return status === "queued" || status === "sent" || status === "acked";
}

const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  "confirmed",
  "failed",
  "expired",
  "cancelled",
  "superseded",
  "plant_changed",
]);

export function isTerminalStatus(status: string): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Seconds after its last update that a finished command's badge disappears from its relay row. */
export const COMMAND_FADE_AFTER_S = 10;
/** Seconds before it disappears that the badge starts fading. */
export const COMMAND_FADE_LEAD_S = 2;

export type BadgePhase = "shown" | "fading" | "hidden";

/** How a relay row shows its latest command at time `now`. Open (and unknown) statuses never fade. */
export function commandBadgePhase(cmd: Pick<CommandView, "status" | "updated_at">, now: number): BadgePhase {
  if (!isTerminalStatus(cmd.status)) return "shown";
  const age = now - cmd.updated_at;
  if (!(age < COMMAND_FADE_AFTER_S)) return "hidden";
  return age < COMMAND_FADE_AFTER_S - COMMAND_FADE_LEAD_S ? "shown" : "fading";
}

/** Order of lifecycle steps, to break ties between two versions with the same updated_at. */
function statusRank(status: string): number {
  switch (status) {
    case "queued":
      return 0;
    case "sent":
      return 1;
    case "acked":
      return 2;
    default:
      return 3;
  }
}

function sameCommand(a: CommandView, b: CommandView): boolean {
  return (
    a.request_id === b.request_id &&
    a.relay_id === b.relay_id &&
    a.state === b.state &&
    a.status === b.status &&
    a.issued_at === b.issued_at &&
    a.expires_at === b.expires_at &&
    a.updated_at === b.updated_at &&
    a.attempts === b.attempts &&
    a.error === b.error &&
    a.operator === b.operator
  );
}

/** Most commands the console keeps (as many as `outbox` returns). */
export const COMMAND_LIMIT = 200;

interface CommandSlot {
  cmd: CommandView;
  /** Increases with every new request id: breaks ties of issued_at. */
  arrival: number;
}

/**
 * Recent commands by request id. Versions of a command may arrive out of order
 * (an event racing the `outbox` answer): an older version (by updated_at, then
 * lifecycle step) never replaces a newer one.
 */
export class CommandLog {
  private readonly slots = new Map<string, CommandSlot>();
  private arrivals = 0;
  private sorted: CommandView[] | null = null;

  constructor(private readonly limit = COMMAND_LIMIT) {}

  get size(): number {
    return this.slots.size;
  }

  get(requestId: string): CommandView | undefined {
    return this.slots.get(requestId)?.cmd;
  }

  /**
   * Merges one version of a command. Returns the relay ids whose commands
   * changed (empty when nothing did).
   */
  upsert(cmd: CommandView): string[] {
    const slot = this.slots.get(cmd.request_id);
    const touched: string[] = [];
    if (slot === undefined) {
      this.slots.set(cmd.request_id, { cmd, arrival: ++this.arrivals });
      touched.push(cmd.relay_id);
    } else {
      const old = slot.cmd;
      if (cmd.updated_at < old.updated_at) return [];
      if (cmd.updated_at === old.updated_at && statusRank(cmd.status) < statusRank(old.status)) return [];
      if (sameCommand(old, cmd)) return [];
      slot.cmd = cmd;
      touched.push(cmd.relay_id);
      if (old.relay_id !== cmd.relay_id) touched.push(old.relay_id);
    }
    this.sorted = null;
    while (this.slots.size > this.limit) {
      const dropped = this.dropOldest();
      if (dropped === undefined) break;
      touched.push(dropped.relay_id);
    }
    return touched;
  }

  /** Drops the oldest finished command (the oldest of all when none is finished). */
  private dropOldest(): CommandView | undefined {
    const list = this.list();
    let victim: CommandView | undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i];
      if (c !== undefined && !isOpenStatus(c.status)) {
        victim = c;
        break;
      }
    }
    victim ??= list[list.length - 1];
    if (victim !== undefined) {
      this.slots.delete(victim.request_id);
      this.sorted = null;
    }
    return victim;
  }

  /** Newest first: by issued_at, then by arrival. */
  list(): readonly CommandView[] {
    if (this.sorted === null) {
      const slots = [...this.slots.values()];
      slots.sort((a, b) => b.cmd.issued_at - a.cmd.issued_at || b.arrival - a.arrival);
      this.sorted = slots.map((s) => s.cmd);
    }
    return this.sorted;
  }

  /** Commands not finished yet (queued, sent, acked). */
  openCount(): number {
    let n = 0;
    for (const s of this.slots.values()) if (isOpenStatus(s.cmd.status)) n++;
    return n;
  }

  /** The newest command for a relay. */
  latestFor(relayId: string): CommandView | undefined {
    return this.list().find((c) => c.relay_id === relayId);
  }
}

// ---------- alerts ----------

/** Most alerts one update batch carries (the Rust side keeps the newest of a flood). */
export const BATCH_ALERTS = 100;
/** Most alerts the console lists (as many as `alerts` returns). */
export const ALERT_LIMIT = 500;
/** How long "Mute" silences notifications (minutes). */
export const MUTE_MINUTES = 15;
/** How long "Shelve" silences a device's notifications (minutes). */
export const SHELVE_MINUTES = 15;

export function emptyAlertStatus(): AlertStatus {
  return { unacked: 0, unacked_critical: 0, muted: false, muted_until: null, shelved: [] };
}

function sameAlertStatus(a: AlertStatus, b: AlertStatus): boolean {
  return (
    a.unacked === b.unacked &&
    a.unacked_critical === b.unacked_critical &&
    a.muted === b.muted &&
    a.muted_until === b.muted_until &&
    a.shelved.length === b.shelved.length &&
    a.shelved.every((s, i) => s.subject === b.shelved[i]?.subject && s.until === b.shelved[i]?.until)
  );
}

export interface MuteState {
  muted: boolean;
  /** Until when (Unix seconds), or null for "until unmuted". Null when not muted. */
  until: number | null;
}

/**
 * Whether notifications are muted at `now`. A mute whose end has passed counts
 * as over even before the console's next status says so.
 */
export function muteState(status: AlertStatus, now: number): MuteState {
  if (status.muted !== true) return { muted: false, until: null };
  const until = status.muted_until;
  if (until === null || until === undefined) return { muted: true, until: null };
  return until > now ? { muted: true, until } : { muted: false, until: null };
}

/** Until when a device (or relay) is shelved at `now`, or null when it is not. */
export function shelvedUntil(status: AlertStatus, subject: string, now: number): number | null {
  let until: number | null = null;
  for (const shelf of status.shelved) {
    if (shelf.subject === subject && shelf.until > now && (until === null || shelf.until > until)) until = shelf.until;
  }
  return until;
}

/** Every shelf still running at `now`, by subject (the latest end when one is listed twice). */
export function activeShelves(status: AlertStatus, now: number): Map<string, number> {
  const shelves = new Map<string, number>();
  for (const shelf of status.shelved) {
    if (!(shelf.until > now)) continue;
    const known = shelves.get(shelf.subject);
    if (known === undefined || shelf.until > known) shelves.set(shelf.subject, shelf.until);
  }
  return shelves;
}

/**
 * Whether a batch leaves the alert list unreliable, so that it must be loaded
 * again with `alerts`: a full batch (the console kept only the newest of a
 * flood, older ones may be missing), or a status whose unacknowledged counts
 * the batch's new alerts do not explain (alerts were acknowledged, or new ones
 * arrived in another batch). Call it before the batch is applied.
 */
export function alertReloadNeeded(batch: UpdateBatch, before: AlertStatus, known: (id: number) => boolean): boolean {
  const alerts = batch.alerts ?? [];
  if (alerts.length >= BATCH_ALERTS) return true;
  const status = batch.alert_status;
  if (status === null || status === undefined) return false;
  let added = 0;
  let addedCritical = 0;
  for (const a of alerts) {
    if (known(a.id) || a.acked_at !== null) continue;
    added++;
    if (a.severity === "critical") addedCritical++;
  }
  return status.unacked !== before.unacked + added || status.unacked_critical !== before.unacked_critical + addedCritical;
}

function sameAlert(a: AlertView, b: AlertView): boolean {
  return (
    a.id === b.id &&
    a.at === b.at &&
    a.kind === b.kind &&
    a.severity === b.severity &&
    a.subject === b.subject &&
    a.title === b.title &&
    a.body === b.body &&
    a.notified === b.notified &&
    a.suppressed === b.suppressed &&
    a.acked_at === b.acked_at &&
    a.acked_by === b.acked_by
  );
}

/**
 * Recent alerts by id, newest (highest id) first. Copies of an alert come from
 * batches (as it was raised) and from `alerts` answers (as stored, maybe
 * acknowledged): an acknowledged copy is never replaced by an unacknowledged
 * one, since an acknowledgement cannot be undone.
 */
export class AlertLog {
  private readonly byId = new Map<number, AlertView>();
  private sorted: AlertView[] | null = null;

  constructor(private readonly limit = ALERT_LIMIT) {}

  get size(): number {
    return this.byId.size;
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  get(id: number): AlertView | undefined {
    return this.byId.get(id);
  }

  /** The highest id listed, or null when the list is empty. */
  maxId(): number | null {
    return this.list()[0]?.id ?? null;
  }

  /** Merges copies of alerts (any order). Returns whether the list changed. */
  upsert(alerts: Iterable<AlertView>): boolean {
    let changed = false;
    for (const a of alerts) changed = this.put(a) || changed;
    return this.trim() || changed;
  }

  /**
   * Takes an `alerts` answer (the newest alerts as stored). `knownBefore` is
   * the highest id listed when it was asked for: alerts up to it that the
   * answer lacks are gone (deleted, or older than the answer reaches); newer
   * ones arrived in batches meanwhile and stay.
   */
  replace(alerts: readonly AlertView[], knownBefore: number | null): boolean {
    const answered = new Set<number>();
    for (const a of alerts) answered.add(a.id);
    let changed = false;
    if (knownBefore !== null) {
      for (const id of [...this.byId.keys()]) {
        if (id <= knownBefore && !answered.has(id)) {
          this.byId.delete(id);
          changed = true;
        }
      }
    }
    if (changed) this.sorted = null;
    return this.upsert(alerts) || changed;
  }

  /** Newest first. */
  list(): readonly AlertView[] {
    if (this.sorted === null) {
      this.sorted = [...this.byId.values()].sort((a, b) => b.id - a.id);
    }
    return this.sorted;
  }

  private put(a: AlertView): boolean {
    if (typeof a.id !== "number" || !Number.isFinite(a.id)) return false;
    const old = this.byId.get(a.id);
    if (old !== undefined) {
      if (old.acked_at !== null && a.acked_at === null) return false;
      if (sameAlert(old, a)) return false;
    }
    this.byId.set(a.id, a);
    this.sorted = null;
    return true;
  }

  /** Drops the oldest alerts beyond the limit. */
  private trim(): boolean {
    if (this.byId.size <= this.limit) return false;
    const keep = this.list().slice(0, this.limit);
    for (const a of this.list().slice(this.limit)) this.byId.delete(a.id);
    this.sorted = keep;
    return true;
  }
}

export interface BatchOptions {
  /**
   * Apply only what is not older than what the store holds (compares
   * `received_at`, and `since` for the link). Used for batches that arrived
   * while a snapshot was being fetched and may predate it.
   */
  onlyNewer?: boolean;
}

export class ConsoleStore {
  demo = false;
  serverUrl = "";
  /** Where a damaged local cache was set aside at start-up, or null. */
  recoveredFrom: string | null = null;
  /** Whether the local cache keeps up (a full disk makes it fall behind). */
  cache: CacheStatus = { unsaved_since: null, problem: null };
  /** How often the plant went past the console's caps (all zero for a real plant). */
  caps: CapsReached = noCaps();
  link: LinkStatus;
  stats: StatsEntry | null = null;
  readonly devices = new Map<string, DeviceEntry>();
  readonly relays = new Map<string, RelayEntry>();
  /** True once a snapshot has been applied. */
  hasSnapshot = false;
  readOnly = false;
  commandTtlS = DEFAULT_COMMAND_TTL_S;
  readonly commands = new CommandLog();
  /** True once an `outbox` answer has been applied (until then the outbox depth is unknown). */
  outboxLoaded = false;
  /** Unacknowledged counts, mute and shelves, as the console last said. */
  alertStatus: AlertStatus = emptyAlertStatus();
  readonly alerts = new AlertLog();
  /** True once an `alerts` answer has been applied (until then an empty list means nothing). */
  alertsLoaded = false;

  constructor(now: number) {
    this.link = {
      mode: "connecting",
      since: now,
      last_message_at: null,
      last_contact: null,
      detail: null,
      quality: { level: "uncertain", reason: "link_down" },
      unusable: noUnusable(),
    };
  }

  get valuesStale(): boolean {
    return valuesAreStale(this.link);
  }

  /** Replaces the whole state. */
  applySnapshot(snap: ConsoleSnapshot): ChangeSet {
    const c = emptyChanges();
    c.meta = true;
    c.link = true;
    c.stats = true;
    c.devicesReset = true;
    c.relaysReset = true;
    c.alertStatus = true;

    this.hasSnapshot = true;
    this.demo = snap.demo;
    this.serverUrl = snap.server_url;
    this.recoveredFrom = snap.recovered_from ?? null;
    this.cache = snap.cache ?? { unsaved_since: null, problem: null };
    this.caps = snap.caps ?? noCaps();
    this.readOnly = snap.read_only === true;
    this.commandTtlS = commandTtl(snap.command_ttl_s);
    this.link = snap.link;
    this.stats = snap.system_stats;
    this.devices.clear();
    for (const e of snap.devices) this.devices.set(e.device.id, e);
    this.relays.clear();
    for (const e of snap.relays) this.relays.set(e.relay.id, e);
    this.alertStatus = snap.alert_status ?? emptyAlertStatus();
    return c;
  }

  /** Takes an `alerts` answer; `knownBefore` is what `alerts.maxId()` was when it was asked for. */
  applyAlertList(alerts: readonly AlertView[], knownBefore: number | null): ChangeSet {
    const c = emptyChanges();
    c.alerts = this.alerts.replace(alerts, knownBefore) || !this.alertsLoaded;
    this.alertsLoaded = true;
    return c;
  }

  /** Takes an alert status (the answer of mute / unmute / shelve). */
  setAlertStatus(status: AlertStatus): ChangeSet {
    const c = emptyChanges();
    if (!sameAlertStatus(this.alertStatus, status)) {
      this.alertStatus = status;
      c.alertStatus = true;
    }
    return c;
  }

  /** Why a relay cannot be switched now, or null. */
  switchBlock(relay: Relay): SwitchBlock | null {
    return switchBlock(relay, {
      linkMode: this.link.mode,
      readOnly: this.readOnly,
      deviceStatus: (id) => this.devices.get(id)?.device.status,
    });
  }

  /** The newest command for a relay. */
  latestCommandFor(relayId: string): CommandView | undefined {
    return this.commands.latestFor(relayId);
  }

  /** Merges versions of commands (an `outbox` answer, newest first, or single events). */
  applyCommands(cmds: readonly CommandView[]): ChangeSet {
    const c = emptyChanges();
    // Oldest first, so that arrival order follows the list's order.
    for (let i = cmds.length - 1; i >= 0; i--) {
      const cmd = cmds[i];
      if (cmd === undefined) continue;
      const touched = this.commands.upsert(cmd);
      if (touched.length > 0) c.commands = true;
      for (const id of touched) c.commandRelays.add(id);
    }
    return c;
  }

  /** Merges an `outbox` answer (newest first). */
  applyOutbox(cmds: readonly CommandView[]): ChangeSet {
    const c = this.applyCommands(cmds);
    if (!this.outboxLoaded) {
      this.outboxLoaded = true;
      c.commands = true;
    }
    return c;
  }

  applyCommand(cmd: CommandView): ChangeSet {
    return this.applyCommands([cmd]);
  }

  /** The server said the console is read-only (until the next snapshot says otherwise). */
  setReadOnly(readOnly: boolean): ChangeSet {
    const c = emptyChanges();
    if (this.readOnly !== readOnly) {
      this.readOnly = readOnly;
      c.meta = true;
    }
    return c;
  }

  /** Applies upserts first, then removals; link and stats are replaced when non-null. */
  applyBatch(batch: UpdateBatch, opts: BatchOptions = {}): ChangeSet {
    const onlyNewer = opts.onlyNewer === true;
    const c = emptyChanges();

    // Older batches (and test fixtures) may lack the field: undefined counts as unchanged.
    if (batch.cache !== null && batch.cache !== undefined) {
      this.cache = batch.cache;
      c.meta = true;
    }
    // Older batches (and test fixtures) may lack the caps too.
    if (batch.caps !== null && batch.caps !== undefined) {
      this.caps = batch.caps;
      c.meta = true;
    }

    if (batch.link !== null && (!onlyNewer || batch.link.since >= this.link.since)) {
      this.link = batch.link;
      c.link = true;
    }

    if (
      batch.system_stats !== null &&
      (!onlyNewer || this.stats === null || batch.system_stats.received_at >= this.stats.received_at)
    ) {
      this.stats = batch.system_stats;
      c.stats = true;
    }

    for (const e of batch.devices) {
      const id = e.device.id;
      if (onlyNewer) {
        const old = this.devices.get(id);
        if (old !== undefined && old.received_at > e.received_at) continue;
      }
      this.devices.set(id, e);
      c.devices.add(id);
    }
    for (const id of batch.removed_devices) {
      if (this.devices.delete(id)) c.devices.add(id);
    }

    for (const e of batch.relays) {
      const id = e.relay.id;
      if (onlyNewer) {
        const old = this.relays.get(id);
        if (old !== undefined && old.received_at > e.received_at) continue;
      }
      this.relays.set(id, e);
      c.relays.add(id);
    }
    for (const id of batch.removed_relays) {
      if (this.relays.delete(id)) c.relays.add(id);
    }

    // Alerts carry no version: a copy from a batch only adds what is not known
    // (see AlertLog). A status has no time either; like the link, one from a
    // batch that raced a snapshot is taken (the later arrival wins).
    if (batch.alerts !== undefined && batch.alerts.length > 0 && this.alerts.upsert(batch.alerts)) c.alerts = true;
    if (batch.alert_status !== null && batch.alert_status !== undefined) {
      mergeChanges(c, this.setAlertStatus(batch.alert_status));
    }

    return c;
  }
}

/** A ChangeSet that makes a view draw everything again (after it was built anew). */
export function fullChanges(store: ConsoleStore): ChangeSet {
  const c = emptyChanges();
  c.meta = true;
  c.link = true;
  c.stats = true;
  c.devicesReset = true;
  c.relaysReset = true;
  c.commands = true;
  for (const id of store.relays.keys()) c.commandRelays.add(id);
  c.alerts = true;
  c.alertStatus = true;
  return c;
}

// ---------- stale values ----------

/** A value not received again for this long is marked unconfirmed even on a live link (seconds). */
export const VALUE_MAX_AGE_S = 600;

export type ValueStaleness = "live" | "link" | "age";

/**
 * Whether a device's value must be marked unconfirmed at `now`, and why: the
 * link is not live (`link`), or the console has not received the device for
 * more than `maxAgeS` (`age`).
 */
export function valueStaleness(receivedAt: number, now: number, linkStale: boolean, maxAgeS = VALUE_MAX_AGE_S): ValueStaleness {
  if (linkStale) return "link";
  if (!Number.isFinite(receivedAt) || now - receivedAt > maxAgeS) return "age";
  return "live";
}

// ---------- devices: search, filters and sorting ----------

export type DeviceSortKey = "name" | "kind" | "status" | "value" | "age";
export type SortDirection = "asc" | "desc";

export interface DeviceSort {
  key: DeviceSortKey;
  dir: SortDirection;
}

export interface DeviceFilter {
  /** Matched against name, id and kind, ignoring case. Empty: every device. */
  search: string;
  /** A status, or "" for every status. */
  status: string;
  /** A kind, or "" for every kind. */
  kind: string;
}

export const NO_DEVICE_FILTER: DeviceFilter = { search: "", status: "", kind: "" };
export const DEFAULT_DEVICE_SORT: DeviceSort = { key: "name", dir: "asc" };

/** Whether a filter lets every device through. */
export function isFilterEmpty(f: DeviceFilter): boolean {
  return normalizeSearch(f.search) === "" && f.status === "" && f.kind === "";
}

/**
 * Text for matching: lower case, Arabic yeh and kaf as the Persian letters,
 * Persian and Arabic-Indic digits as ASCII digits, outer spaces trimmed.
 */
export function normalizeSearch(text: string): string {
  return text
    .toLowerCase()
    .replace(/\u064a/g, "\u06cc")
    .replace(/\u0643/g, "\u06a9")
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .trim();
}

/** `needle` must be normalized already (normalizeSearch). */
function deviceMatchesNormalized(e: DeviceEntry, needle: string, f: DeviceFilter): boolean {
  const d = e.device;
  if (f.status !== "" && String(d.status) !== f.status) return false;
  if (f.kind !== "" && String(d.kind) !== f.kind) return false;
  if (needle === "") return true;
  return (
    normalizeSearch(String(d.name)).includes(needle) ||
    normalizeSearch(String(d.id)).includes(needle) ||
    normalizeSearch(String(d.kind)).includes(needle)
  );
}

/** Whether a device passes the search box and the status and kind filters. */
export function deviceMatches(e: DeviceEntry, f: DeviceFilter): boolean {
  return deviceMatchesNormalized(e, normalizeSearch(f.search), f);
}

const nameCollator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Order of device statuses when sorting by status: what needs attention first. */
export function deviceStatusRank(status: string): number {
  switch (status) {
    case "fault":
      return 0;
    case "offline":
      return 1;
    case "unknown":
      return 2;
    case "online":
      return 4;
    default:
      return 3; // a status this UI does not know: with the doubtful ones
  }
}

function compareNameThenId(a: DeviceEntry, b: DeviceEntry): number {
  const byName = nameCollator.compare(String(a.device.name), String(b.device.name));
  if (byName !== 0) return byName;
  const ai = a.device.id;
  const bi = b.device.id;
  return ai < bi ? -1 : ai > bi ? 1 : 0;
}

function finiteValue(e: DeviceEntry): number | null {
  const v = e.device.value;
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * Compares two devices for display. The direction applies to the chosen
 * column; ties go by name, then id (always ascending), so that the order is
 * total and stable. Devices without a value come last in either direction.
 * "age" ascending is the most recently received first.
 */
export function compareDevices(a: DeviceEntry, b: DeviceEntry, sort: DeviceSort): number {
  const sign = sort.dir === "asc" ? 1 : -1;
  let primary = 0;
  switch (sort.key) {
    case "name":
      return sign * compareNameThenId(a, b);
    case "kind":
      primary = nameCollator.compare(String(a.device.kind), String(b.device.kind));
      break;
    case "status":
      primary = deviceStatusRank(String(a.device.status)) - deviceStatusRank(String(b.device.status));
      if (primary === 0) primary = nameCollator.compare(String(a.device.status), String(b.device.status));
      break;
    case "value": {
      const av = finiteValue(a);
      const bv = finiteValue(b);
      if (av === null || bv === null) {
        if (av !== bv) return av === null ? 1 : -1;
        primary = 0;
      } else {
        primary = av - bv;
      }
      break;
    }
    case "age":
      primary = b.received_at - a.received_at;
      break;
  }
  if (primary !== 0 && !Number.isNaN(primary)) return sign * (primary < 0 ? -1 : 1);
  return compareNameThenId(a, b);
}

/** The devices that pass the filter, in display order. */
export function queryDevices(entries: Iterable<DeviceEntry>, filter: DeviceFilter, sort: DeviceSort): DeviceEntry[] {
  const needle = normalizeSearch(filter.search);
  const out: DeviceEntry[] = [];
  for (const e of entries) if (deviceMatchesNormalized(e, needle, filter)) out.push(e);
  out.sort((a, b) => compareDevices(a, b, sort));
  return out;
}

/** Above this many changes in one apply, the list is sorted again instead of patched. */
const DEVICE_REBUILD_AT = 256;

export interface DeviceListChange {
  /** Devices entered, left or moved in the displayed order. */
  moved: boolean;
  /** The set of kinds changed (the kind filter's options). */
  kindsChanged: boolean;
}

/**
 * Every device, and those that pass the filter in display order. A batch
 * patches the order (binary search, one splice per device) instead of sorting
 * 10 000 devices again; large batches sort again.
 */
export class DeviceList {
  private readonly all = new Map<string, DeviceEntry>();
  private order: DeviceEntry[] = [];
  private filterValue: DeviceFilter = NO_DEVICE_FILTER;
  private needle = "";
  private sortValue: DeviceSort = DEFAULT_DEVICE_SORT;
  private readonly statusCounts = new Map<string, number>();
  private readonly kindCounts = new Map<string, number>();

  /** Every device known. */
  get total(): number {
    return this.all.size;
  }

  /** Devices that pass the filter. */
  get size(): number {
    return this.order.length;
  }

  get filter(): DeviceFilter {
    return this.filterValue;
  }

  get sort(): DeviceSort {
    return this.sortValue;
  }

  get(id: string): DeviceEntry | undefined {
    return this.all.get(id);
  }

  at(index: number): DeviceEntry | undefined {
    return this.order[index];
  }

  /** The displayed devices in [start, end). */
  slice(start: number, end: number): DeviceEntry[] {
    return this.order.slice(start, end);
  }

  /** How many devices (of all) have this status. */
  countOf(status: string): number {
    return this.statusCounts.get(status) ?? 0;
  }

  /** The kinds of all devices, sorted. */
  kinds(): string[] {
    return [...this.kindCounts.keys()].sort((a, b) => nameCollator.compare(a, b));
  }

  /** Position of a device in the displayed order, or -1 when it is filtered out or unknown. */
  indexOf(id: string): number {
    const e = this.all.get(id);
    if (e === undefined || !this.matches(e)) return -1;
    const i = this.lowerBound(e);
    return this.order[i] === e ? i : this.order.indexOf(e);
  }

  setFilter(filter: DeviceFilter): void {
    this.filterValue = { ...filter };
    this.needle = normalizeSearch(filter.search);
    this.rebuild();
  }

  setSort(sort: DeviceSort): void {
    this.sortValue = { ...sort };
    this.rebuild();
  }

  /** Replaces every device. */
  reset(entries: Iterable<DeviceEntry>): void {
    this.all.clear();
    this.statusCounts.clear();
    this.kindCounts.clear();
    for (const e of entries) {
      const old = this.all.get(e.device.id);
      if (old !== undefined) this.uncount(old);
      this.all.set(e.device.id, e);
      this.count(e);
    }
    this.rebuild();
  }

  /** Upserts (an entry) or removes (undefined) devices by id. */
  apply(changes: Iterable<readonly [string, DeviceEntry | undefined]>): DeviceListChange {
    const list = [...changes];
    const kindsBefore = this.kindCounts.size;
    let kindsChanged = false;
    let moved = false;
    const patch = list.length <= DEVICE_REBUILD_AT;
    for (const [id, next] of list) {
      const old = this.all.get(id);
      if (old !== undefined) {
        kindsChanged = this.uncount(old) || kindsChanged;
        if (patch && this.matches(old)) {
          const i = this.lowerBound(old);
          const at = this.order[i] === old ? i : this.order.indexOf(old);
          if (at >= 0) this.order.splice(at, 1);
          if (next === undefined || !this.matches(next)) {
            moved = true;
          } else {
            const j = this.lowerBound(next);
            this.order.splice(j, 0, next);
            if (j !== at) moved = true;
          }
        } else if (patch && next !== undefined && this.matches(next)) {
          this.order.splice(this.lowerBound(next), 0, next);
          moved = true;
        }
      } else if (patch && next !== undefined && this.matches(next)) {
        this.order.splice(this.lowerBound(next), 0, next);
        moved = true;
      }
      if (next === undefined) {
        this.all.delete(id);
      } else {
        this.all.set(id, next);
        kindsChanged = this.count(next) || kindsChanged;
      }
    }
    if (!patch) {
      this.rebuild();
      moved = true;
    }
    return { moved, kindsChanged: kindsChanged || kindsBefore !== this.kindCounts.size };
  }

  private matches(e: DeviceEntry): boolean {
    return deviceMatchesNormalized(e, this.needle, this.filterValue);
  }

  private rebuild(): void {
    const out: DeviceEntry[] = [];
    for (const e of this.all.values()) if (this.matches(e)) out.push(e);
    const sort = this.sortValue;
    out.sort((a, b) => compareDevices(a, b, sort));
    this.order = out;
  }

  /** First index whose device sorts at or after `e`. */
  private lowerBound(e: DeviceEntry): number {
    let lo = 0;
    let hi = this.order.length;
    const sort = this.sortValue;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.order[mid];
      if (m !== undefined && compareDevices(m, e, sort) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Counts a device's status and kind; true when a new kind appeared. */
  private count(e: DeviceEntry): boolean {
    const status = String(e.device.status);
    this.statusCounts.set(status, (this.statusCounts.get(status) ?? 0) + 1);
    const kind = String(e.device.kind);
    const n = this.kindCounts.get(kind) ?? 0;
    this.kindCounts.set(kind, n + 1);
    return n === 0;
  }

  /** Uncounts a device; true when its kind is gone. */
  private uncount(e: DeviceEntry): boolean {
    const status = String(e.device.status);
    const s = (this.statusCounts.get(status) ?? 0) - 1;
    if (s > 0) this.statusCounts.set(status, s);
    else this.statusCounts.delete(status);
    const kind = String(e.device.kind);
    const k = (this.kindCounts.get(kind) ?? 0) - 1;
    if (k > 0) {
      this.kindCounts.set(kind, k);
      return false;
    }
    this.kindCounts.delete(kind);
    return true;
  }
}

// ---------- journal ----------

/** How many entries the events view asks for. */
export const JOURNAL_LIMIT = 2000;

/** The journal's kind filter: "" for all, or a kind family ("device" finds "device_status"…). */
export const JOURNAL_KIND_FILTERS = ["", "link", "device", "relay", "command", "quality"] as const;
export type JournalKindFilter = (typeof JOURNAL_KIND_FILTERS)[number];

/** The events view's time ranges (seconds back from now). */
export const JOURNAL_RANGES = { hour: 3600, shift: 8 * 3600, day: 86400, week: 7 * 86400 } as const;
export type JournalRange = keyof typeof JOURNAL_RANGES;
export const DEFAULT_JOURNAL_RANGE: JournalRange = "shift";

/** Start of a range that ends now. */
export function rangeSince(range: JournalRange, now: number): number {
  return now - JOURNAL_RANGES[range];
}

/** Whether an entry's kind is `filter` or one of its family ("relay" → "relay_switched"). */
export function journalKindMatches(kind: string, filter: string): boolean {
  return filter === "" || kind === filter || kind.startsWith(`${filter}_`);
}

/** The entries of a kind (family), in the given order. */
export function filterJournal(entries: readonly JournalEntry[], filter: string): JournalEntry[] {
  return filter === "" ? [...entries] : entries.filter((e) => journalKindMatches(String(e.kind), filter));
}

export interface JournalDay {
  /** "2024-05-31" (local date). */
  key: string;
  /** Local midnight that starts the day (Unix seconds). */
  start: number;
  /** Newest first. */
  entries: JournalEntry[];
}

/** The local day of a Unix time as "YYYY-MM-DD". */
export function localDayKey(t: number): string {
  const d = new Date(t * 1000);
  const m = d.getMonth() + 1;
  const day = d.getDate();
  return `${d.getFullYear()}-${m < 10 ? "0" : ""}${m}-${day < 10 ? "0" : ""}${day}`;
}

/** Entries (any order) grouped by local day: newest day first, newest entry first in each. */
export function groupJournalByDay(entries: readonly JournalEntry[]): JournalDay[] {
  const sorted = [...entries].sort((a, b) => b.at - a.at || b.id - a.id);
  const days: JournalDay[] = [];
  let current: JournalDay | undefined;
  for (const e of sorted) {
    const key = localDayKey(e.at);
    if (current === undefined || current.key !== key) {
      const d = new Date(e.at * 1000);
      current = { key, start: new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() / 1000, entries: [] };
      days.push(current);
    }
    current.entries.push(e);
  }
  return days;
}

// ---------- trends and diagnostics ----------

/** The system stats trend's ranges (seconds back from now). */
export const STATS_RANGES = { hour: 3600, day: 86400 } as const;
export type StatsRange = keyof typeof STATS_RANGES;

/** How far back a device's trend reaches (seconds). */
export const DEVICE_TREND_S = 3600;

const MODE_ORDER: readonly string[] = ["realtime", "fallback", "stale", "offline", "connecting", "unauthorized"];

export interface ModeShare {
  mode: string;
  seconds: number;
  /** Part of the total time, 0…1 (0 when the total is 0). */
  share: number;
}

/** Time in each link mode, in a fixed order (live modes first), with each one's share. */
export function modeShares(timeInModes: readonly (readonly [string, number])[]): ModeShare[] {
  const byMode = new Map<string, number>();
  for (const [mode, seconds] of timeInModes) {
    const s = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
    byMode.set(String(mode), (byMode.get(String(mode)) ?? 0) + s);
  }
  let total = 0;
  for (const s of byMode.values()) total += s;
  const rank = (m: string) => {
    const i = MODE_ORDER.indexOf(m);
    return i < 0 ? MODE_ORDER.length : i;
  };
  return [...byMode.entries()]
    .sort((a, b) => rank(a[0]) - rank(b[0]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([mode, seconds]) => ({ mode, seconds, share: total > 0 ? seconds / total : 0 }));
}
