// Wire-up of IPC → store → view, with the IPC and the clock passed in (so that
// it can be tested without Tauri). No data is invented here.

import { NO_BACKEND, toUiError } from "./ipc";
import { ConsoleStore, emptyChanges, hasChanges, mergeChanges, type ChangeSet } from "./state";
import { strings } from "./strings";
import type { ConsoleSnapshot, UpdateBatch } from "./types";
import type { AppView } from "./view/app";

/** The part of ./ipc the controller uses. */
export interface ConsoleIpc {
  hasBackend(): boolean;
  getSnapshot(): Promise<ConsoleSnapshot>;
  onBatch(handler: (batch: UpdateBatch) => void): Promise<() => void>;
}

export interface ControllerOptions {
  ipc: ConsoleIpc;
  view: AppView;
  /** Unix seconds. */
  now?: () => number;
  /** Schedules a render (requestAnimationFrame in the app). */
  scheduleFrame?: (cb: () => void) => void;
  snapshotTimeoutMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  tickMs?: number;
}

export class Controller {
  readonly store: ConsoleStore;
  private readonly ipc: ConsoleIpc;
  private readonly view: AppView;
  private readonly now: () => number;
  private readonly scheduleFrame: (cb: () => void) => void;
  private readonly snapshotTimeoutMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly tickMs: number;

  private pending: ChangeSet = emptyChanges();
  private framePending = false;
  /** Batches that arrived while a snapshot was being fetched. */
  private queued: UpdateBatch[] = [];
  private snapshotInFlight = false;
  private retryDelay: number;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private tickTimer: ReturnType<typeof setInterval> | null = null;
  private unlisten: (() => void) | null = null;
  private stopped = false;

  constructor(opts: ControllerOptions) {
    this.ipc = opts.ipc;
    this.view = opts.view;
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.scheduleFrame = opts.scheduleFrame ?? ((cb) => void requestAnimationFrame(cb));
    this.snapshotTimeoutMs = opts.snapshotTimeoutMs ?? 10_000;
    this.retryMinMs = opts.retryMinMs ?? 1_000;
    this.retryMaxMs = opts.retryMaxMs ?? 15_000;
    this.tickMs = opts.tickMs ?? 1_000;
    this.retryDelay = this.retryMinMs;
    this.store = new ConsoleStore(this.now());
  }

  /** Subscribes to batches first (nothing is lost between the two), then loads the snapshot. */
  async start(): Promise<void> {
    this.tickTimer = setInterval(() => this.view.tick(this.now()), this.tickMs);
    if (!this.ipc.hasBackend()) {
      await this.refresh(); // reports the missing backend
      return;
    }
    await this.subscribe();
    if (!this.stopped) await this.refresh();
  }

  stop(): void {
    this.stopped = true;
    this.unlisten?.();
    this.unlisten = null;
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.tickTimer = null;
    this.retryTimer = null;
  }

  /** Renders what changed since the last frame (also called by the frame callback). */
  flush(): void {
    this.framePending = false;
    const changes = this.pending;
    this.pending = emptyChanges();
    if (hasChanges(changes)) this.view.render(this.store, changes, this.now());
  }

  private schedule(changes: ChangeSet): void {
    mergeChanges(this.pending, changes);
    if (!this.framePending) {
      this.framePending = true;
      this.scheduleFrame(() => this.flush());
    }
  }

  private handleBatch(batch: UpdateBatch): void {
    if (this.stopped) return;
    if (this.snapshotInFlight) {
      this.queued.push(batch);
      return;
    }
    this.schedule(this.store.applyBatch(batch));
  }

  private async subscribe(): Promise<void> {
    for (let delay = this.retryMinMs; !this.stopped; delay = Math.min(delay * 2, this.retryMaxMs)) {
      try {
        this.unlisten = await this.ipc.onBatch((b) => this.handleBatch(b));
        return;
      } catch (err) {
        this.view.showError(strings.errors.listenFailed(toUiError(err).message));
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** getSnapshot, rejected with a UiError when the backend does not answer in time. */
  private async snapshotInTime(): Promise<ConsoleSnapshot> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject({ code: "timeout", message: "the backend did not answer in time" }),
        this.snapshotTimeoutMs,
      );
    });
    try {
      // A late answer after the timeout is simply never looked at.
      return await Promise.race([this.ipc.getSnapshot(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Fetches the full state and replaces the store's with it. */
  async refresh(): Promise<void> {
    if (this.snapshotInFlight || this.stopped) return;
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.snapshotInFlight = true;
    try {
      const snap = await this.snapshotInTime();
      const changes = this.store.applySnapshot(snap);
      // A batch queued meanwhile may predate the snapshot: apply only what is newer.
      for (const b of this.queued) mergeChanges(changes, this.store.applyBatch(b, { onlyNewer: true }));
      this.queued = [];
      this.retryDelay = this.retryMinMs;
      this.view.showError(null);
      this.schedule(changes);
    } catch (err) {
      const e = toUiError(err);
      const changes = emptyChanges();
      for (const b of this.queued) mergeChanges(changes, this.store.applyBatch(b));
      this.queued = [];
      this.schedule(changes);
      this.view.showError(e.code === NO_BACKEND ? e.message : strings.errors.snapshotFailed(e.message));
      if (e.code !== NO_BACKEND && !this.stopped) {
        this.retryTimer = setTimeout(() => void this.refresh(), this.retryDelay);
        this.retryDelay = Math.min(this.retryDelay * 2, this.retryMaxMs);
      }
    } finally {
      this.snapshotInFlight = false;
    }
  }
}
