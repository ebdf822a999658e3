// The plant's areas for the Level-1 overview: devices grouped by the plant's own
// fields (a `location` or `zone` field a device carries, otherwise its kind), each
// with its device count, how many are abnormal and the worst alarm priority standing
// in it. Pure: no DOM, no IPC, no clock.

import type { AlarmPriority, AlarmState, AlarmView, Device, DeviceEntry } from "../types";

/** The extra fields that name a device's area, in the order they are looked at. */
export const AREA_FIELDS: readonly string[] = ["location", "zone"];

/** The area of a device that names none and has no kind: shown as "no area" (its own words). */
export const UNKNOWN_AREA = "";

/** A text field's value when it is a non-empty string (spaces around it trimmed), else null. */
function fieldName(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const t = value.trim();
  return t === "" ? null : t;
}

/** The area a device belongs to: its `location`, else its `zone`, else its kind, else UNKNOWN_AREA. */
export function areaOf(device: Device): string {
  for (const field of AREA_FIELDS) {
    const name = fieldName((device as Record<string, unknown>)[field]);
    if (name !== null) return name;
  }
  return fieldName(device.kind) ?? UNKNOWN_AREA;
}

/**
 * Whether a device is abnormal: its status is anything but `online` (offline, fault,
 * unknown, or a status this window does not know). The same rule as the console's
 * `area_trend`, so that the count and its sparkline agree.
 */
export function isAbnormalDevice(device: Device): boolean {
  return String(device.status) !== "online";
}

/**
 * The alarm states that stand before the operator: an active or unacknowledged alarm.
 * Shelved, suppressed and out-of-service alarms are taken out of the operator's view on
 * purpose, and a normal one is over.
 */
const STANDING: ReadonlySet<AlarmState> = new Set<AlarmState>(["unack_active", "ack_active", "unack_returned", "latched"]);

const RANK: Readonly<Record<AlarmPriority, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/** The more urgent of two priorities (null: none). */
export function worsePriority(a: AlarmPriority | null, b: AlarmPriority | null): AlarmPriority | null {
  if (a === null) return b;
  if (b === null) return a;
  return RANK[b] > RANK[a] ? b : a;
}

export interface AreaSummary {
  /** The area's name (UNKNOWN_AREA for devices that name none). */
  readonly name: string;
  /** Its devices' ids, in the order they were met. */
  readonly deviceIds: readonly string[];
  readonly count: number;
  readonly abnormal: number;
  /** The most urgent priority of the alarms standing on its devices (null: none). */
  readonly worst: AlarmPriority | null;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/**
 * The areas of the plant, by name (the devices that name none last): an overview keeps
 * each area in its place, so that the operator finds it where it was.
 */
export function summarizeAreas(devices: Iterable<DeviceEntry>, alarms: Iterable<AlarmView>): AreaSummary[] {
  const areas = new Map<string, { ids: string[]; abnormal: number; worst: AlarmPriority | null }>();
  const areaOfDevice = new Map<string, string>();
  for (const e of devices) {
    const name = areaOf(e.device);
    let a = areas.get(name);
    if (a === undefined) {
      a = { ids: [], abnormal: 0, worst: null };
      areas.set(name, a);
    }
    a.ids.push(e.device.id);
    if (isAbnormalDevice(e.device)) a.abnormal += 1;
    areaOfDevice.set(e.device.id, name);
  }
  for (const alarm of alarms) {
    if (!STANDING.has(alarm.state) || alarm.device === null) continue;
    const name = areaOfDevice.get(alarm.device);
    const a = name === undefined ? undefined : areas.get(name);
    if (a !== undefined) a.worst = worsePriority(a.worst, alarm.priority);
  }
  const out: AreaSummary[] = [];
  for (const [name, a] of areas) {
    out.push({ name, deviceIds: a.ids, count: a.ids.length, abnormal: a.abnormal, worst: a.worst });
  }
  out.sort((x, y) => {
    if ((x.name === UNKNOWN_AREA) !== (y.name === UNKNOWN_AREA)) return x.name === UNKNOWN_AREA ? 1 : -1;
    return collator.compare(x.name, y.name) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
  });
  return out;
}
