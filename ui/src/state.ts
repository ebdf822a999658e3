// The console's state: a pure store (no DOM, no IPC, no clock).
// Snapshots and batches are applied here; every apply returns a ChangeSet so
// that the views can update only what changed.

import type {
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
    c.commandRelays.size > 0
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

    return c;
  }
}
