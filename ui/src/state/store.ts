// The console's state: a pure store (no DOM, no IPC, no clock). Snapshots and
// batches are applied here; every apply returns a ChangeSet so that the views
// can update only what changed.

import type {
  AlarmStatus,
  AlarmView,
  AlertStatus,
  AlertView,
  CacheStatus,
  CapsReached,
  CommandView,
  ConsoleSnapshot,
  DeviceEntry,
  LinkStatus,
  Relay,
  RelayEntry,
  StatsEntry,
  UpdateBatch,
  Action,
  OperatorSession,
} from "../types";
import { AlarmBook, emptyAlarmStatus, sameAlarmStatus } from "./alarms";
import { AlertLog, emptyAlertStatus, sameAlertStatus } from "./alerts";
import { noCaps } from "./caps";
import { emptyChanges, mergeChanges, type ChangeSet } from "./changes";
import { valuesAreStale } from "./link";
import { CommandLog } from "./outbox";
import { noLinkAddress, noUnusable } from "./quality";
import { commandTtl, DEFAULT_COMMAND_TTL_S, switchBlock, type SwitchBlock } from "./relays";
import { sameSession, sessionBlock, SIGN_IN_OFF, type SessionBlock } from "./session";
import { StoreSignals } from "./signals";

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
  /** The operator session as the console last said (the controller starts it at UNKNOWN_SESSION). */
  session: OperatorSession = SIGN_IN_OFF;
  commandTtlS = DEFAULT_COMMAND_TTL_S;
  readonly commands = new CommandLog();
  /** True once an `outbox` answer has been applied (until then the outbox depth is unknown). */
  outboxLoaded = false;
  /** Unacknowledged counts, mute and shelves, as the console last said. */
  alertStatus: AlertStatus = emptyAlertStatus();
  readonly alerts = new AlertLog();
  /** True once an `alerts` answer has been applied (until then an empty list means nothing). */
  alertsLoaded = false;
  /** The banner's counts, top alarm and what sounds, as the console last said (null: not yet). */
  alarmStatus: AlarmStatus | null = null;
  /** The alarm summary: every alarm not normal. */
  readonly alarms = new AlarmBook();
  /** True once an `alarms` answer has been applied (until then an empty summary means nothing). */
  alarmsLoaded = false;
  /**
   * One signal per slice, written once per frame with what the applies changed
   * (`signals.publish`); the views subscribe to the slices they show.
   */
  readonly signals = new StoreSignals();

  constructor(now: number) {
    this.link = {
      mode: "connecting",
      since: now,
      last_message_at: null,
      last_contact: null,
      detail: null,
      quality: { level: "uncertain", reason: "link_down" },
      unusable: noUnusable(),
      ...noLinkAddress(),
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
    c.alarmStatus = true;

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
    // Older snapshots (and test fixtures) may lack it: nothing sounds, nothing is counted.
    this.alarmStatus = snap.alarm_status ?? emptyAlarmStatus();
    return c;
  }

  /** Takes an `alarms` answer; `mark` is what `alarms.mark()` was when it was asked for. */
  applyAlarmList(alarms: readonly AlarmView[], mark: number): ChangeSet {
    const c = emptyChanges();
    c.alarms = this.alarms.replace(alarms, mark) || !this.alarmsLoaded;
    this.alarmsLoaded = true;
    return c;
  }

  /** Takes an alarm status (from a batch or a snapshot). */
  setAlarmStatus(status: AlarmStatus): ChangeSet {
    const c = emptyChanges();
    if (this.alarmStatus === null || !sameAlarmStatus(this.alarmStatus, status)) {
      this.alarmStatus = status;
      c.alarmStatus = true;
    }
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
      session: this.session,
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

  /** Takes the operator session (an answer or the session event). */
  setSession(session: OperatorSession): ChangeSet {
    const c = emptyChanges();
    if (!sameSession(this.session, session)) {
      this.session = session;
      c.session = true;
    }
    return c;
  }

  /** Whether `action` may be used now, and why not (see state/session.ts). */
  sessionBlock(action: Action): SessionBlock | null {
    return sessionBlock(this.session, action);
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
    // Each alarm comes whole, as it changed; the later change wins (see AlarmBook).
    if (batch.alarms !== undefined && batch.alarms.length > 0 && this.alarms.upsert(batch.alarms)) c.alarms = true;
    if (batch.alarm_status !== null && batch.alarm_status !== undefined) {
      mergeChanges(c, this.setAlarmStatus(batch.alarm_status));
    }

    return c;
  }
}
