// Signals: a value that effects subscribe to by reading it. An effect runs at
// once, remembers the signals it read, and runs again when one of them is
// written; writes inside `batch` run each effect once, after the batch.
//
// Our own, not @preact/signals-core: that package worked under Vitest but the
// app's WebKitGTK webview never drew the window with it (the end-to-end test
// timed out waiting for rows; bisected to the import). This is the small part
// of it the UI needs: signal, effect, batch, peek.

/** A signal that may only be read. */
export interface ReadonlySignal<T> {
  /** The value; read inside an effect, it subscribes the effect. */
  readonly value: T;
  /** The value, without subscribing. */
  peek(): T;
}

/** The effect running now (the one that a read subscribes). */
let running: Effect | null = null;
let batchDepth = 0;
let flushing = false;
/** Effects to run, in the order they were notified. */
const pending = new Set<Effect>();

/** How many rounds of effects one write may cause before it is taken for a loop. */
const MAX_ROUNDS = 100;

export class Signal<T> implements ReadonlySignal<T> {
  private current: T;
  /** The effects that read this signal in their last run. */
  readonly subscribers = new Set<Effect>();

  constructor(value: T) {
    this.current = value;
  }

  get value(): T {
    if (running !== null) {
      this.subscribers.add(running);
      running.sources.add(this);
    }
    return this.current;
  }

  set value(next: T) {
    if (Object.is(next, this.current)) return;
    this.current = next;
    for (const e of this.subscribers) pending.add(e);
    if (batchDepth === 0) flush();
  }

  peek(): T {
    return this.current;
  }
}

class Effect {
  readonly sources = new Set<Signal<unknown>>();
  private disposed = false;

  constructor(private readonly fn: () => void) {}

  run(): void {
    if (this.disposed) return;
    // Subscriptions are those of the last run: a branch not taken no longer counts.
    this.unsubscribe();
    const outer = running;
    running = this;
    try {
      this.fn();
    } finally {
      running = outer;
    }
  }

  dispose(): void {
    this.disposed = true;
    this.unsubscribe();
    pending.delete(this);
  }

  private unsubscribe(): void {
    for (const s of this.sources) s.subscribers.delete(this);
    this.sources.clear();
  }
}

function flush(): void {
  // A write from inside an effect joins the round in progress.
  if (flushing) return;
  flushing = true;
  try {
    for (let round = 0; pending.size > 0; round++) {
      if (round >= MAX_ROUNDS) {
        pending.clear();
        throw new Error("signals: effects keep writing the signals they read");
      }
      const effects = [...pending];
      pending.clear();
      for (const e of effects) e.run();
    }
  } finally {
    flushing = false;
  }
}

export function signal<T>(value: T): Signal<T> {
  return new Signal(value);
}

/** Runs `fn` now and whenever a signal it read changes; returns what ends it. */
export function effect(fn: () => void): () => void {
  const e = new Effect(fn);
  e.run();
  return () => e.dispose();
}

/** Runs `fn`; effects of the signals it writes run once, after it. */
export function batch<T>(fn: () => T): T {
  batchDepth++;
  try {
    return fn();
  } finally {
    batchDepth--;
    if (batchDepth === 0) flush();
  }
}

/** Runs `fn` without subscribing the running effect to what it reads. */
export function untracked<T>(fn: () => T): T {
  const outer = running;
  running = null;
  try {
    return fn();
  } finally {
    running = outer;
  }
}
