// The store kept in step with the console: the snapshot (retried, with a timeout),
// the batches and command events, and the frames that render what they changed.

import { NO_BACKEND, toUiError } from "../ipc";
import { alertReloadNeeded, emptyChanges, hasChanges, mergeChanges, type BatchOptions, type ChangeSet } from "../state";
import { mark, markLayout } from "../lib/timing";
import { strings } from "../strings";
import type { ConsoleSnapshot, UpdateBatch } from "../types";
import type { ControllerContext } from "./context";

export interface SyncOptions {
  /** Schedules a render (requestAnimationFrame in the app). */
  scheduleFrame: (cb: () => void) => void;
  snapshotTimeoutMs: number;
}

export class SyncController {
  private readonly scheduleFrame: (cb: () => void) => void;
  private readonly snapshotTimeoutMs: number;
  private pending: ChangeSet = emptyChanges();
  private framePending = false;
  /** Whether the first picture (the first snapshot) has been drawn. */
  private drawnOnce = false;
  /** Batches that arrived while a snapshot was being fetched. */
  private queued: UpdateBatch[] = [];
  private snapshotInFlight = false;
  /** Another snapshot was asked for while one was in flight (it may predate what changed). */
  private snapshotAgain = false;
  private retryDelay: number;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private unlisten: (() => void) | null = null;
  private unlistenCommands: (() => void) | null = null;

  constructor(
    private readonly ctx: ControllerContext,
    opts: SyncOptions,
  ) {
    this.scheduleFrame = opts.scheduleFrame;
    this.snapshotTimeoutMs = opts.snapshotTimeoutMs;
    this.retryDelay = ctx.retryMinMs;
  }

  stop(): void {
    this.unlisten?.();
    this.unlisten = null;
    this.unlistenCommands?.();
    this.unlistenCommands = null;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Renders what changed since the last frame (also called by the frame callback). */
  flush(): void {
    this.framePending = false;
    const changes = this.pending;
    this.pending = emptyChanges();
    if (hasChanges(changes)) {
      this.ctx.view.render(this.ctx.store, changes, this.ctx.now());
      if (!this.drawnOnce) {
        this.drawnOnce = true;
        mark("rendered");
        if (typeof document !== "undefined") markLayout(document);
        // The frame that follows puts those rows on the screen.
        this.scheduleFrame(() => mark("painted"));
      }
    }
  }

  schedule(changes: ChangeSet): void {
    this.ctx.noteActivity(changes);
    mergeChanges(this.pending, changes);
    if (!this.framePending) {
      this.framePending = true;
      this.scheduleFrame(() => this.flush());
    }
  }

  handleBatch(batch: UpdateBatch): void {
    if (this.ctx.stopped()) return;
    if (this.snapshotInFlight) {
      this.queued.push(batch);
      return;
    }
    this.schedule(this.applyBatch(batch));
  }

  /** Applies a batch; asks for the alert list again when the batch leaves it unreliable. */
  private applyBatch(batch: UpdateBatch, opts: BatchOptions = {}): ChangeSet {
    if (alertReloadNeeded(batch, this.ctx.store.alertStatus, (id) => this.ctx.store.alerts.has(id))) {
      this.ctx.requestAlerts(false);
    }
    return this.ctx.store.applyBatch(batch, opts);
  }

  async subscribe(): Promise<void> {
    this.unlisten = await this.listenWithRetry(() => this.ctx.ipc.onBatch((b) => this.handleBatch(b)));
    this.unlistenCommands = await this.listenWithRetry(() => this.ctx.ipc.onCommand((c) => this.ctx.handleCommand(c)));
  }

  private async listenWithRetry(listen: () => Promise<() => void>): Promise<(() => void) | null> {
    for (let delay = this.ctx.retryMinMs; !this.ctx.stopped(); delay = Math.min(delay * 2, this.ctx.retryMaxMs)) {
      try {
        const unlisten = await listen();
        if (this.ctx.stopped()) {
          unlisten();
          return null;
        }
        return unlisten;
      } catch (err) {
        this.ctx.view.showError(() => strings.errors.listenFailed(toUiError(err).message));
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    return null;
  }

  /** Reads the snapshot again: now, or after the one in flight (which may predate a change). */
  refreshSoon(): void {
    if (this.snapshotInFlight) this.snapshotAgain = true;
    else void this.refresh();
  }

  /** getSnapshot, rejected with a UiError when the backend does not answer in time. */
  private async snapshotInTime(): Promise<ConsoleSnapshot> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject({ code: "timeout", message: strings.errors.timeout }),
        this.snapshotTimeoutMs,
      );
    });
    try {
      // A late answer after the timeout is simply never looked at.
      return await Promise.race([this.ctx.ipc.getSnapshot(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Fetches the full state and replaces the store's with it. */
  async refresh(): Promise<void> {
    if (this.snapshotInFlight || this.ctx.stopped()) return;
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.snapshotInFlight = true;
    try {
      mark("snapshot-requested");
      const snap = await this.snapshotInTime();
      mark("snapshot-received");
      const changes = this.ctx.store.applySnapshot(snap);
      // A batch queued meanwhile may predate the snapshot: apply only what is newer.
      for (const b of this.queued) mergeChanges(changes, this.applyBatch(b, { onlyNewer: true }));
      this.queued = [];
      this.retryDelay = this.ctx.retryMinMs;
      this.ctx.view.showError(null);
      if (this.drawnOnce) {
        this.schedule(changes);
      } else {
        // The first picture is drawn at once: WebKitGTK may not run a frame callback for
        // most of a second after the page loads, and there is nothing to coalesce yet.
        this.ctx.noteActivity(changes);
        mergeChanges(this.pending, changes);
        this.flush();
      }
    } catch (err) {
      const e = toUiError(err);
      const changes = emptyChanges();
      for (const b of this.queued) mergeChanges(changes, this.applyBatch(b));
      this.queued = [];
      this.schedule(changes);
      this.ctx.view.showError(e.code === NO_BACKEND ? e.message : () => strings.errors.snapshotFailed(e.message));
      if (e.code !== NO_BACKEND && !this.ctx.stopped()) {
        this.retryTimer = setTimeout(() => void this.refresh(), this.retryDelay);
        this.retryDelay = Math.min(this.retryDelay * 2, this.ctx.retryMaxMs);
      }
    } finally {
      this.snapshotInFlight = false;
    }
    if (this.snapshotAgain && !this.ctx.stopped()) {
      this.snapshotAgain = false;
      await this.refresh();
    }
  }
}
