// The store's signals: one per slice, so that each view region subscribes to
// what it reads (an effect) and runs only when that changes. The store's
// applies say what they changed (a ChangeSet); `publish` turns that into
// signal writes once per frame, in one batch, so that a region that reads
// several slices runs once.

import { batch, signal, type ReadonlySignal } from "../lib/signals";
import type { ChangeSet } from "./changes";

/** Devices or relays that changed: every one (`reset`, a snapshot) or the ids upserted or removed. */
export interface IdChanges {
  readonly reset: boolean;
  readonly ids: ReadonlySet<string>;
}

const NO_IDS: IdChanges = { reset: false, ids: new Set() };

export class StoreSignals {
  private readonly metaSig = signal(0);
  private readonly linkSig = signal(0);
  private readonly statsSig = signal(0);
  private readonly devicesSig = signal<IdChanges>(NO_IDS);
  private readonly relaysSig = signal<IdChanges>(NO_IDS);
  private readonly commandsSig = signal(0);
  private readonly commandRelaysSig = signal<ReadonlySet<string>>(new Set());
  private readonly alertsSig = signal(0);
  private readonly alertStatusSig = signal(0);
  private readonly alarmsSig = signal(0);
  private readonly alarmStatusSig = signal(0);
  private readonly sessionSig = signal(0);

  /** Demo flag, server URL, read-only flag, command TTL, cache and caps (a version). */
  readonly meta: ReadonlySignal<number> = this.metaSig;
  /** The link status (a version). */
  readonly link: ReadonlySignal<number> = this.linkSig;
  /** The system stats (a version). */
  readonly stats: ReadonlySignal<number> = this.statsSig;
  /** The devices that changed in the last published frame (a new object each time). */
  readonly devices: ReadonlySignal<IdChanges> = this.devicesSig;
  /** The relays that changed in the last published frame (a new object each time). */
  readonly relays: ReadonlySignal<IdChanges> = this.relaysSig;
  /** The command list (a version). */
  readonly commands: ReadonlySignal<number> = this.commandsSig;
  /** Relays whose latest command may have changed in the last published frame. */
  readonly commandRelays: ReadonlySignal<ReadonlySet<string>> = this.commandRelaysSig;
  /** The alert list (a version). */
  readonly alerts: ReadonlySignal<number> = this.alertsSig;
  /** The alert status: unacknowledged counts, mute, shelves (a version). */
  readonly alertStatus: ReadonlySignal<number> = this.alertStatusSig;
  /** The alarm summary (a version). */
  readonly alarms: ReadonlySignal<number> = this.alarmsSig;
  /** The alarm banner's status: counts, the top alarm, what sounds (a version). */
  readonly alarmStatus: ReadonlySignal<number> = this.alarmStatusSig;
  /** The operator session: who is signed in and what they may do (a version). */
  readonly session: ReadonlySignal<number> = this.sessionSig;

  /** Writes what changed into the signals, at once: each subscribed effect runs once. */
  publish(c: ChangeSet): void {
    batch(() => {
      if (c.meta) this.metaSig.value++;
      if (c.link) this.linkSig.value++;
      if (c.stats) this.statsSig.value++;
      if (c.devicesReset || c.devices.size > 0) {
        this.devicesSig.value = { reset: c.devicesReset, ids: new Set(c.devices) };
      }
      if (c.relaysReset || c.relays.size > 0) {
        this.relaysSig.value = { reset: c.relaysReset, ids: new Set(c.relays) };
      }
      if (c.commands) this.commandsSig.value++;
      if (c.commandRelays.size > 0) this.commandRelaysSig.value = new Set(c.commandRelays);
      if (c.alerts) this.alertsSig.value++;
      if (c.alertStatus) this.alertStatusSig.value++;
      if (c.alarms) this.alarmsSig.value++;
      if (c.alarmStatus) this.alarmStatusSig.value++;
      if (c.session) this.sessionSig.value++;
    });
  }
}
