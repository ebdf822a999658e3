// Alerts: the alert list (loaded again when batches leave it unreliable, at
// most once a period), acknowledging, muting, shelving.

import { NO_BACKEND, toUiError } from "../ipc";
import { MUTE_MINUTES, SHELVE_MINUTES } from "../state";
import { strings } from "../strings";
import type { AlertStatus } from "../types";
import type { Challenged, ControllerContext } from "./context";

export class AlertsController {
  private alertsInFlight = false;
  /** Another load of the alert list was asked for while one was in flight (urgently?). */
  private alertsAgain: "no" | "soon" | "now" = "no";
  private alertsTimer: ReturnType<typeof setTimeout> | null = null;
  private alertsDelay: number;
  /** Date.now() when the alert list was last asked for. */
  private alertsAskedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly alertReloadMs: number,
  ) {
    this.alertsDelay = ctx.retryMinMs;
  }

  stop(): void {
    if (this.alertsTimer !== null) clearTimeout(this.alertsTimer);
    this.alertsTimer = null;
  }

  /**
   * Asks for the alert list again: at once when `now`, otherwise no sooner than
   * `alertReloadMs` after the previous load (a flood of batches makes one load
   * a second, not one per batch). Loads never overlap; one asked for meanwhile
   * follows the one in flight.
   */
  requestAlerts(now: boolean): void {
    if (this.ctx.stopped()) return;
    if (this.alertsInFlight) {
      if (now || this.alertsAgain === "no") this.alertsAgain = now ? "now" : "soon";
      return;
    }
    if (this.alertsTimer !== null) {
      if (!now) return; // one is due already
      clearTimeout(this.alertsTimer);
      this.alertsTimer = null;
    }
    const wait = now ? 0 : this.alertsAskedAt + this.alertReloadMs - Date.now();
    if (wait <= 0) {
      void this.loadAlerts();
      return;
    }
    this.alertsTimer = setTimeout(() => {
      this.alertsTimer = null;
      void this.loadAlerts();
    }, wait);
  }

  /** Loads the alert list (merged with the alerts batches brought meanwhile); retried on failure. */
  async loadAlerts(): Promise<void> {
    if (this.ctx.stopped()) return;
    if (this.alertsInFlight) {
      this.alertsAgain = "now";
      return;
    }
    if (this.alertsTimer !== null) {
      clearTimeout(this.alertsTimer);
      this.alertsTimer = null;
    }
    this.alertsInFlight = true;
    this.alertsAskedAt = Date.now();
    const knownBefore = this.ctx.store.alerts.maxId();
    try {
      const list = await this.ctx.ipc.alerts();
      if (this.ctx.stopped()) return;
      this.ctx.schedule(this.ctx.store.applyAlertList(list, knownBefore));
      this.alertsDelay = this.ctx.retryMinMs;
      this.ctx.view.alerts.showError(null);
    } catch (err) {
      if (this.ctx.stopped()) return;
      const e = toUiError(err);
      this.ctx.view.alerts.showError(e.code === NO_BACKEND ? e.message : () => strings.errors.alertsFailed(e.message));
      if (e.code !== NO_BACKEND) {
        this.alertsTimer = setTimeout(() => {
          this.alertsTimer = null;
          void this.loadAlerts();
        }, this.alertsDelay);
        this.alertsDelay = Math.min(this.alertsDelay * 2, this.ctx.retryMaxMs);
      }
    } finally {
      this.alertsInFlight = false;
    }
    const again = this.alertsAgain;
    this.alertsAgain = "no";
    if (again !== "no") this.requestAlerts(again === "now");
  }

  /** Acknowledges one alert, or every alert (`id` undefined); then shows the list as stored. */
  async acknowledgeAlerts(id: number | undefined): Promise<void> {
    if (this.ctx.stopped()) return;
    const outcome = await this.ctx.challenged({ action: "acknowledge" }, (challenge) => this.ctx.ipc.acknowledgeAlerts(id, challenge));
    if (this.ctx.stopped()) return;
    if (outcome.kind === "cancelled") {
      this.ctx.view.alerts.ackSettled(id, false);
      return;
    }
    if (outcome.kind === "sent") {
      this.ctx.view.alerts.ackSettled(id, true);
      this.ctx.view.alerts.showActionError(null);
    } else {
      this.ctx.view.alerts.ackSettled(id, false);
      this.ctx.view.alerts.showActionError(() => strings.errors.ackFailed(toUiError(outcome.error).message));
    }
    // Either way (an unknown alert may have been deleted meanwhile).
    this.requestAlerts(true);
  }

  /** The mute toggle: mutes for MUTE_MINUTES, or unmutes when it said "Unmute". */
  async toggleMute(unmute: boolean): Promise<void> {
    if (this.ctx.stopped()) return;
    this.ctx.view.header.setMutePending(true);
    try {
      // Ending a mute only undoes one and is not challenged; muting is.
      const outcome: Challenged<AlertStatus> = unmute
        ? await this.ctx.ipc.unmuteAlerts().then(
            (value) => ({ kind: "sent" as const, value }),
            (error: unknown) => ({ kind: "failed" as const, error }),
          )
        : await this.ctx.challenged({ action: "silence" }, (challenge) => this.ctx.ipc.muteAlerts(MUTE_MINUTES, challenge));
      if (this.ctx.stopped() || outcome.kind === "cancelled") return;
      if (outcome.kind === "sent") {
        this.ctx.schedule(this.ctx.store.setAlertStatus(outcome.value));
        this.ctx.view.alerts.showActionError(null);
      } else {
        this.ctx.view.alerts.showActionError(() => strings.errors.muteFailed(toUiError(outcome.error).message));
      }
    } finally {
      this.ctx.view.header.setMutePending(false);
    }
  }

  /** Shelves a device's alerts for SHELVE_MINUTES. */
  async shelveDevice(deviceId: string): Promise<void> {
    if (this.ctx.stopped()) return;
    try {
      const outcome = await this.ctx.challenged({ action: "shelve" }, (challenge) =>
        this.ctx.ipc.shelveDevice(deviceId, SHELVE_MINUTES, challenge),
      );
      if (this.ctx.stopped() || outcome.kind === "cancelled") return;
      if (outcome.kind === "sent") {
        this.ctx.schedule(this.ctx.store.setAlertStatus(outcome.value));
        this.ctx.view.alerts.showActionError(null);
      } else {
        const name = this.ctx.store.devices.get(deviceId)?.device.name;
        const message = toUiError(outcome.error).message;
        this.ctx.view.alerts.showActionError(() => strings.errors.shelveFailed(name === undefined ? deviceId : String(name), message));
      }
    } finally {
      this.ctx.view.shelveSettled(deviceId);
    }
  }
}
