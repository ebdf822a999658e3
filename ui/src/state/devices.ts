// The devices slice: search, filters and sorting, and the displayed order of
// 10 000 devices patched per batch (DeviceList).

import type { DeviceEntry } from "../types";
import { areaOf } from "./areas";

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
  /**
   * An area of the overview (state/areas.ts), or absent for every area. Undefined and
   * not "": the devices that name no area form an area of their own, named "".
   */
  area?: string;
}

export const NO_DEVICE_FILTER: DeviceFilter = { search: "", status: "", kind: "" };
export const DEFAULT_DEVICE_SORT: DeviceSort = { key: "name", dir: "asc" };

/** Whether a filter lets every device through. */
export function isFilterEmpty(f: DeviceFilter): boolean {
  return normalizeSearch(f.search) === "" && f.status === "" && f.kind === "" && f.area === undefined;
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
  if (f.area !== undefined && areaOf(d) !== f.area) return false;
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
