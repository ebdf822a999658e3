// What an apply to the store changed (a ChangeSet), so that the views update only that.

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
  /** The alarm summary changed. */
  alarms: boolean;
  /** The alarm banner's status (counts, the top alarm, what sounds) changed. */
  alarmStatus: boolean;
  /** The operator session (who is signed in, what they may do) changed. */
  session: boolean;
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
    alarms: false,
    alarmStatus: false,
    session: false,
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
  into.alarms ||= from.alarms;
  into.alarmStatus ||= from.alarmStatus;
  into.session ||= from.session;
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
    c.alertStatus ||
    c.alarms ||
    c.alarmStatus ||
    c.session
  );
}
