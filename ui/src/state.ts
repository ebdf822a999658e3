// The console's state: a pure store (no DOM, no IPC, no clock).
// Snapshots and batches are applied here; every apply returns a ChangeSet so
// that the views can update only what changed.

import type {
  ConsoleSnapshot,
  DeviceEntry,
  LinkMode,
  LinkStatus,
  RelayEntry,
  StatsEntry,
  UpdateBatch,
} from "./types";

/** What an apply changed. Ids in `devices` / `relays` were upserted or removed. */
export interface ChangeSet {
  meta: boolean;
  link: boolean;
  stats: boolean;
  /** The whole device list was replaced (a snapshot). */
  devicesReset: boolean;
  devices: Set<string>;
  /** The whole relay list was replaced (a snapshot). */
  relaysReset: boolean;
  relays: Set<string>;
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
    c.relays.size > 0
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
  link: LinkStatus;
  stats: StatsEntry | null = null;
  readonly devices = new Map<string, DeviceEntry>();
  readonly relays = new Map<string, RelayEntry>();
  /** True once a snapshot has been applied. */
  hasSnapshot = false;

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
    this.link = snap.link;
    this.stats = snap.system_stats;
    this.devices.clear();
    for (const e of snap.devices) this.devices.set(e.device.id, e);
    this.relays.clear();
    for (const e of snap.relays) this.relays.set(e.relay.id, e);
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
