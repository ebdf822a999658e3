// The console's state: a pure store (no DOM, no IPC, no clock).
// Snapshots and batches are applied here; every apply returns a ChangeSet so
// that the views can update only what changed.

import type {
  AlertStatus,
  AlertView,
  CommandView,
  ConsoleSnapshot,
  DeviceEntry,
  DeviceStatus,
  LinkMode,
  LinkStatus,
  Relay,
  RelayEntry,
  StatsEntry,
  UpdateBatch,
} from "./types";

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
