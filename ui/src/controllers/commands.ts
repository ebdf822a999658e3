// Commands: the outbox, switching a relay (confirmed, maybe queued), cancelling.

import { toUiError } from "../ipc";
import { formatQueueUntil } from "../lib/format";
import { strings } from "../strings";
import type { Challenge, CommandView } from "../types";
import { switchBlockText } from "../views/session-text";
import type { Challenged, ControllerContext } from "./context";

/** UiError codes of `set_relay` the UI reacts to. */
export const LINK_DOWN = "link_down";
export const READ_ONLY = "read_only";

export class CommandsController {
  private outboxDelay: number;
  private outboxTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly ctx: ControllerContext) {
    this.outboxDelay = ctx.retryMinMs;
  }

  stop(): void {
    if (this.outboxTimer !== null) clearTimeout(this.outboxTimer);
    this.outboxTimer = null;
  }

  handleCommand(cmd: CommandView): void {
    if (this.ctx.stopped()) return;
    // Versions are merged by updated_at: an event may arrive before or after
    // the outbox answer, the newer version wins either way.
    this.ctx.schedule(this.ctx.store.applyCommand(cmd));
  }

  /** Loads the recent commands (merged with the events already received); retried on failure. */
  async loadOutbox(): Promise<void> {
    if (this.ctx.stopped()) return;
    if (this.outboxTimer !== null) {
      clearTimeout(this.outboxTimer);
      this.outboxTimer = null;
    }
    try {
      const list = await this.ctx.ipc.outbox();
      if (this.ctx.stopped()) return;
      this.ctx.schedule(this.ctx.store.applyOutbox(list));
      this.outboxDelay = this.ctx.retryMinMs;
      this.ctx.view.outbox.showError(null);
    } catch (err) {
      if (this.ctx.stopped()) return;
      this.ctx.view.outbox.showError(() => strings.errors.outboxFailed(toUiError(err).message));
      this.outboxTimer = setTimeout(() => void this.loadOutbox(), this.outboxDelay);
      this.outboxDelay = Math.min(this.outboxDelay * 2, this.ctx.retryMaxMs);
    }
  }

  /**
   * The operator pressed a relay's switch: asks for confirmation, sends the
   * command, and when the plant is unreachable asks whether to queue it until
   * now + command TTL. Nothing is sent without an explicit "yes"; nothing is
   * queued without a second explicit "yes".
   */
  async switchRelay(relayId: string, opener: HTMLElement | null = null): Promise<void> {
    if (this.ctx.stopped()) return;
    const entry = this.ctx.store.relays.get(relayId);
    if (entry === undefined || this.ctx.store.switchBlock(entry.relay) !== null) return;
    const W = strings.switching;
    const target = entry.relay.state !== true;
    const stateText = target ? strings.relays.on : strings.relays.off;
    const dialog = this.ctx.view.confirm;
    const { session, answer } = dialog.open(
      W.confirmQuestion(String(entry.relay.name), stateText),
      target ? W.switchOn : W.switchOff,
      opener,
    );
    if (!(await answer)) return;

    let queueIfOffline = false;
    let challenge: Challenge | null = null;
    for (;;) {
      // The situation may have changed while the dialog was open.
      const current = this.ctx.store.relays.get(relayId);
      if (current === undefined) {
        dialog.fail(session, W.relayGone);
        return;
      }
      const block = this.ctx.store.switchBlock(current.relay);
      if (block !== null) {
        dialog.fail(session, W.failed(switchBlockText(block, this.ctx.store.session)));
        return;
      }
      dialog.setBusy(session);
      // The password again (and a reason for a critical relay) when the console asks
      // for it; the answer is kept for this switching only (a queued retry reuses it).
      const send = (answer: Challenge | null) => {
        if (answer !== null) challenge = answer;
        return this.ctx.ipc.setRelay(relayId, target, queueIfOffline, challenge);
      };
      const sent: Challenged<CommandView> =
        challenge === null
          ? await this.ctx.challenged({ action: "switch_relay", relay: { id: relayId, name: String(current.relay.name), state: target } }, send)
          : await send(challenge).then(
              (value) => ({ kind: "sent" as const, value }),
              (error: unknown) => ({ kind: "failed" as const, error }),
            );
      if (sent.kind === "cancelled") {
        dialog.finish(session);
        return;
      }
      if (sent.kind === "sent") {
        this.handleCommand(sent.value);
        dialog.finish(session);
        return;
      }
      {
        const e = toUiError(sent.error);
        if (e.code === READ_ONLY) {
          this.ctx.schedule(this.ctx.store.setReadOnly(true));
          this.switchFailed(session, () => strings.switching.readOnly);
          return;
        }
        if (e.code === LINK_DOWN && !queueIfOffline) {
          if (!dialog.isCurrent(session)) return; // closed meanwhile: nothing was sent, nothing is queued
          const until = formatQueueUntil(this.ctx.now(), this.ctx.store.commandTtlS);
          if (!(await dialog.askQueue(session, W.queueQuestion(until), W.queueAction(until)))) return;
          queueIfOffline = true;
          continue;
        }
        this.switchFailed(session, () => strings.switching.failed(e.message));
        return;
      }
    }
  }

  /** Says why a confirmed command was not sent: in its dialog, or below the outbox if it was closed meanwhile. */
  private switchFailed(session: number, message: () => string): void {
    if (this.ctx.view.confirm.isCurrent(session)) this.ctx.view.confirm.fail(session, message());
    else this.ctx.view.outbox.showError(message);
  }

  /** Cancels a queued command (the outbox's "Cancel"). */
  async cancelCommand(requestId: string): Promise<void> {
    if (this.ctx.stopped()) return;
    try {
      const cmd = await this.ctx.ipc.cancelCommand(requestId);
      this.handleCommand(cmd);
      this.ctx.view.outbox.showError(null);
    } catch (err) {
      if (this.ctx.stopped()) return;
      this.ctx.view.outbox.cancelFailed(requestId);
      this.ctx.view.outbox.showError(() => strings.errors.cancelFailed(toUiError(err).message));
    }
  }
}
