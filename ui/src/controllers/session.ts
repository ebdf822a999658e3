// The operator session: who is signed in (the header), signing in and out, the
// activity that holds off the idle sign-out (reported at most every 15 s), and the
// re-authentication before a control action. The console decides everything (the
// idle sign-out runs on its clock and every command is checked in Rust); this part
// shows what it says and asks what it will ask.

import { toUiError } from "../ipc";
import { ActivityThrottle, ACTIVITY_REPORT_MS, challengeNeed, UNKNOWN_SESSION } from "../state";
import { word } from "../strings/catalog";
import { formatTimeOfDay } from "../lib/format";
import type { Challenge, SessionChange } from "../types";
import type { ReauthAnswer } from "../views/reauth";
import type { Challenged, ChallengeRequest, ControllerContext } from "./context";

/** UiError codes the re-authentication dialog shows and lets the operator try again. */
const RETRY_CODES: ReadonlySet<string> = new Set(["bad_credentials", "reason_required", "reason_invalid"]);

export interface SessionOptions {
  /** A monotonic clock in ms (performance.now in the app). */
  monotonicMs?: () => number;
  activityMs?: number;
}

export class SessionController {
  private readonly throttle: ActivityThrottle;
  private readonly monotonicMs: () => number;
  private retryDelay: number;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private unlisten: (() => void) | null = null;

  constructor(
    private readonly ctx: ControllerContext,
    opts: SessionOptions = {},
  ) {
    this.throttle = new ActivityThrottle(opts.activityMs ?? ACTIVITY_REPORT_MS);
    this.monotonicMs = opts.monotonicMs ?? (() => performance.now());
    this.retryDelay = ctx.retryMinMs;
  }

  /** Subscribes to the session event, then reads the session (controls stay off until it answers). */
  async start(): Promise<void> {
    this.ctx.schedule(this.ctx.store.setSession(UNKNOWN_SESSION));
    this.ctx.view.header.setSession(UNKNOWN_SESSION);
    try {
      this.unlisten = await this.ctx.ipc.onSession((change) => this.handleChange(change));
    } catch {
      // The answer below still tells; the next start subscribes again.
    }
    await this.load();
  }

  stop(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.unlisten?.();
    this.unlisten = null;
  }

  /** Reads the session; retried while the console does not answer. */
  async load(): Promise<void> {
    if (this.ctx.stopped()) return;
    try {
      const session = await this.ctx.ipc.operatorSession();
      if (this.ctx.stopped()) return;
      this.retryDelay = this.ctx.retryMinMs;
      this.handleChange({ session, idle_signed_out: null });
    } catch {
      if (this.ctx.stopped()) return;
      this.retryTimer = setTimeout(() => void this.load(), this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, this.ctx.retryMaxMs);
    }
  }

  /** The console's session, from an answer or the event. */
  handleChange(change: SessionChange): void {
    if (this.ctx.stopped()) return;
    const before = this.ctx.store.session.operator;
    const after = change.session.operator;
    this.ctx.schedule(this.ctx.store.setSession(change.session));
    this.ctx.view.header.setSession(change.session);
    if (change.idle_signed_out !== null) {
      this.ctx.view.header.noteIdleSignOut(change.idle_signed_out.name, change.session.idle_sign_out_seconds ?? 0);
    }
    // Signed out (idle, or in another window), or someone else signed in: whatever a
    // dialog was about to do in the former operator's name is dropped, back to viewing.
    if (before !== null && (after === null || after.name !== before.name)) this.ctx.view.closeControlDialogs();
    if (after !== null && after.name !== before?.name) {
      this.throttle.reset();
      this.ctx.view.signIn.close();
    }
  }

  /** A key or the pointer in the window: told to the console at most every 15 s, only while someone is signed in. */
  activity(): void {
    if (this.ctx.stopped() || this.ctx.store.session.operator === null) return;
    if (!this.throttle.take(this.monotonicMs())) return;
    this.ctx.ipc.operatorActivity().catch(() => {});
  }

  openSignIn(opener: HTMLElement | null): void {
    if (this.ctx.stopped()) return;
    this.ctx.view.signIn.open(opener);
  }

  async signIn(name: string, password: string): Promise<void> {
    if (this.ctx.stopped()) return;
    try {
      const session = await this.ctx.ipc.signIn(name, password);
      this.handleChange({ session, idle_signed_out: null });
      this.ctx.view.signIn.close();
    } catch (err) {
      if (this.ctx.stopped()) return;
      const e = toUiError(err);
      const until = e.until;
      this.ctx.view.signIn.showError(() => {
        if (e.code === "bad_credentials") return word({ id: "signin-bad-credentials", args: {} });
        if (e.code === "locked_out" && until !== undefined && until !== null) {
          return word({ id: "signin-locked-out", args: { name, until: formatTimeOfDay(until) } });
        }
        return word({ id: "signin-failed", args: { message: e.message } });
      });
    }
  }

  async signOut(): Promise<void> {
    if (this.ctx.stopped()) return;
    try {
      const session = await this.ctx.ipc.signOut();
      this.handleChange({ session, idle_signed_out: null });
    } catch {
      await this.load();
    }
  }

  /**
   * Runs a control action, asking for the password again first when the console's
   * policy wants it (and a reason for a critical relay). A wrong password is said in
   * the dialog, which stays open; any other outcome closes it and is handed back.
   */
  async challenged<T>(request: ChallengeRequest, send: (challenge: Challenge | null) => Promise<T>): Promise<Challenged<T>> {
    const session = this.ctx.store.session;
    const need = challengeNeed(session, request.relay?.id ?? null);
    const operator = session.operator;
    if ((!need.password && !need.reason) || operator === null) {
      try {
        return { kind: "sent", value: await send(null) };
      } catch (error) {
        return { kind: "failed", error };
      }
    }
    let outcome: Challenged<T> = { kind: "cancelled" };
    const done = await this.ctx.view.reauth.ask(
      { name: operator.name, action: request.action, ...(request.relay === undefined ? {} : { relay: request.relay }), need },
      async (challenge): Promise<ReauthAnswer> => {
        try {
          outcome = { kind: "sent", value: await send(challenge) };
        } catch (error) {
          const e = toUiError(error);
          if (RETRY_CODES.has(e.code)) {
            const id = e.code === "bad_credentials" ? "reauth-wrong-password" : e.code === "reason_required" ? "reauth-reason-required" : "reauth-failed";
            return { kind: "retry", message: () => word({ id, args: { message: e.message } }) };
          }
          outcome = { kind: "failed", error };
        }
        return { kind: "done" };
      },
    );
    return done ? outcome : { kind: "cancelled" };
  }
}
