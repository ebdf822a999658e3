// Keeps the rows of a <tbody> keyed by id and sorted by name, updating rows in
// place: a batch touches only the rows it changes, never the whole table.
// (Virtualization and filters can later replace this class behind the same API.)
// placeRows does the same for lists that come already in the order to show
// (alerts and commands, newest first).

export interface RowHandle {
  readonly tr: HTMLTableRowElement;
}

export interface RowAdapter<T, R extends RowHandle> {
  id(item: T): string;
  name(item: T): string;
  create(item: T): R;
  update(row: R, item: T): void;
  /** Called after a row left the table. */
  removed?(row: R): void;
}

interface Slot<R> {
  id: string;
  name: string;
  row: R;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

function compareSlots(aName: string, aId: string, b: { name: string; id: string }): number {
  const byName = collator.compare(aName, b.name);
  if (byName !== 0) return byName;
  return aId < b.id ? -1 : aId > b.id ? 1 : 0;
}

export class SortedRows<T, R extends RowHandle> {
  private readonly slots = new Map<string, Slot<R>>();
  /** Slots sorted by (name, id); same order as the rows in the tbody. */
  private order: Slot<R>[] = [];

  constructor(
    private readonly tbody: HTMLTableSectionElement,
    private readonly adapter: RowAdapter<T, R>,
  ) {}

  get size(): number {
    return this.order.length;
  }

  get(id: string): R | undefined {
    return this.slots.get(id)?.row;
  }

  /** Rows in display order. */
  *rows(): IterableIterator<R> {
    for (const s of this.order) yield s.row;
  }

  /** First index whose slot sorts at or after (name, id). */
  private lowerBound(name: string, id: string): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const slot = this.order[mid];
      if (slot !== undefined && compareSlots(name, id, slot) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertSlot(slot: Slot<R>): void {
    const idx = this.lowerBound(slot.name, slot.id);
    const next = this.order[idx];
    this.order.splice(idx, 0, slot);
    this.tbody.insertBefore(slot.row.tr, next !== undefined ? next.row.tr : null);
  }

  private detachSlot(slot: Slot<R>): void {
    const idx = this.lowerBound(slot.name, slot.id);
    if (this.order[idx] === slot) {
      this.order.splice(idx, 1);
    } else {
      // Cannot happen while the order is consistent; stay correct anyway.
      const i = this.order.indexOf(slot);
      if (i >= 0) this.order.splice(i, 1);
    }
  }

  upsert(item: T): void {
    const id = this.adapter.id(item);
    const name = this.adapter.name(item);
    const slot = this.slots.get(id);
    if (slot === undefined) {
      const created: Slot<R> = { id, name, row: this.adapter.create(item) };
      this.adapter.update(created.row, item);
      this.slots.set(id, created);
      this.insertSlot(created);
      return;
    }
    this.adapter.update(slot.row, item);
    if (slot.name !== name) {
      this.detachSlot(slot);
      slot.name = name;
      this.insertSlot(slot);
    }
  }

  remove(id: string): void {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    this.detachSlot(slot);
    this.slots.delete(id);
    slot.row.tr.remove();
    this.adapter.removed?.(slot.row);
  }

  /** Replaces all rows, reusing the rows of ids that stay. */
  reset(items: Iterable<T>): void {
    const next = new Map<string, Slot<R>>();
    for (const item of items) {
      const id = this.adapter.id(item);
      const name = this.adapter.name(item);
      let slot = this.slots.get(id) ?? next.get(id);
      if (slot === undefined) {
        slot = { id, name, row: this.adapter.create(item) };
      } else {
        slot.name = name;
      }
      this.adapter.update(slot.row, item);
      next.set(id, slot);
    }
    for (const [id, slot] of this.slots) {
      if (!next.has(id)) {
        slot.row.tr.remove();
        this.adapter.removed?.(slot.row);
      }
    }
    const order = [...next.values()];
    order.sort((a, b) => compareSlots(a.name, a.id, b));
    // Move only the rows that are out of place (usually none on a refresh).
    let cursor: ChildNode | null = this.tbody.firstChild;
    for (const slot of order) {
      const tr = slot.row.tr;
      if (tr === cursor) cursor = cursor.nextSibling;
      else this.tbody.insertBefore(tr, cursor);
    }
    this.slots.clear();
    for (const [id, slot] of next) this.slots.set(id, slot);
    this.order = order;
  }
}

/** How placeRows makes, refreshes and forgets the rows of a list shown in the order given. */
export interface KeyedRowAdapter<K, T, R extends RowHandle> {
  key(item: T): K;
  create(item: T): R;
  update(row: R, item: T): void;
  /** Called after a row left the table. */
  removed?(key: K, row: R): void;
}

/**
 * Shows one row per item in `tbody`, in the items' order, updating rows in
 * place: `rows` keeps them by key from one call to the next. Only the rows that
 * are out of place are moved (a refresh usually moves none: moving a row costs
 * layout and drops the focus inside it); rows whose item is gone are removed.
 */
export function placeRows<K, T, R extends RowHandle>(
  tbody: HTMLTableSectionElement,
  rows: Map<K, R>,
  items: Iterable<T>,
  adapter: KeyedRowAdapter<K, T, R>,
): void {
  const keep = new Set<K>();
  let cursor: ChildNode | null = tbody.firstChild;
  for (const item of items) {
    const key = adapter.key(item);
    keep.add(key);
    let row = rows.get(key);
    if (row === undefined) {
      row = adapter.create(item);
      rows.set(key, row);
    }
    adapter.update(row, item);
    if (row.tr === cursor) cursor = cursor.nextSibling;
    else tbody.insertBefore(row.tr, cursor);
  }
  for (const [key, row] of rows) {
    if (!keep.has(key)) {
      row.tr.remove();
      rows.delete(key);
      adapter.removed?.(key, row);
    }
  }
}
