// The operator session slice: who is signed in, what they may do, and what a
// control action needs before it is sent (the password again, a reason). Pure:
// the console decides (Rust checks every command); this only mirrors what its
// session says, to disable what would be refused and to ask what it will ask.

import type { Action, AlarmAction, OperatorSession, Role } from "../types";

/** Why a control is not usable by the one at the screen (null: it is). */
export type SessionBlock = "operators_refused" | "not_signed_in" | "forbidden";

/** Every action, as the console lists them. */
export const ALL_ACTIONS: readonly Action[] = [
  "switch_relay",
  "acknowledge",
  "shelve",
  "silence",
  "reset_latched",
  "out_of_service",
  "settings",
  "alarm_config",
  "manage_operators",
];

/** The right an alarm action needs (as the console checks it in Rust). */
export function alarmActionRight(action: AlarmAction): Action {
  switch (action.action) {
    case "acknowledge":
    case "acknowledge_all":
      return "acknowledge";
    case "shelve":
    case "unshelve":
      return "shelve";
    case "reset":
      return "reset_latched";
    case "remove_from_service":
    case "return_to_service":
      return "out_of_service";
    case "silence":
      return "silence";
  }
}

/** Sign-in off: the console runs as the OS user, as before operators existed (the store's start). */
export const SIGN_IN_OFF: OperatorSession = {
  sign_in: false,
  refused: null,
  operator: null,
  may: [...ALL_ACTIONS],
  idle_sign_out_seconds: null,
  reauthenticate: false,
  critical_relays: [],
};

/** What the console says while it has not answered yet: controls stay off until it does. */
export const UNKNOWN_SESSION: OperatorSession = {
  sign_in: true,
  refused: null,
  operator: null,
  may: [],
  idle_sign_out_seconds: null,
  reauthenticate: false,
  critical_relays: [],
};

/** Why `action` is not usable now, or null. The console's `may` list is the judge. */
export function sessionBlock(session: OperatorSession, action: Action): SessionBlock | null {
  if (session.refused !== null) return "operators_refused";
  if (session.may.includes(action)) return null;
  if (session.sign_in && session.operator === null) return "not_signed_in";
  return "forbidden";
}

/** A block as a catalog message (worded by the view): the action and the role say why. */
export function sessionBlockMessage(
  block: SessionBlock,
  action: Action,
  role: Role | null,
): { id: string; args: Record<string, string> } {
  switch (block) {
    case "operators_refused":
      return { id: "session-block-refused", args: {} };
    case "not_signed_in":
      return { id: "session-block-not-signed-in", args: { action } };
    case "forbidden":
      return { id: "session-block-forbidden", args: { action, role: role ?? "viewer" } };
  }
}

/** What a control action must ask before it goes out: nothing, or the password (and a reason). */
export interface ChallengeNeed {
  password: boolean;
  reason: boolean;
}

/**
 * Whether the console will want the password again for a control action, and a
 * reason (a critical relay). With sign-in off nothing is asked.
 */
export function challengeNeed(session: OperatorSession, relayId: string | null = null): ChallengeNeed {
  const on = session.sign_in && session.refused === null && session.operator !== null && session.reauthenticate;
  const critical = relayId !== null && session.critical_relays.includes(relayId);
  return { password: on, reason: on && critical };
}

/** Whether two sessions differ in anything a view shows. */
export function sameSession(a: OperatorSession, b: OperatorSession): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Problems of a re-authentication's answers, before anything is sent. */
export interface ChallengeProblems {
  password: "required" | null;
  reason: "required" | null;
}

export function challengeProblems(need: ChallengeNeed, password: string, reason: string): ChallengeProblems {
  return {
    password: need.password && password === "" ? "required" : null,
    reason: need.reason && reason.trim() === "" ? "required" : null,
  };
}

/** How often operator activity is reported to the console at most (ms): enough to hold off any idle sign-out. */
export const ACTIVITY_REPORT_MS = 15_000;

/** A throttle for activity reports: true when one should go out now. */
export class ActivityThrottle {
  private last = Number.NEGATIVE_INFINITY;
  constructor(private readonly everyMs: number = ACTIVITY_REPORT_MS) {}

  /** `nowMs`: a monotonic time in ms. */
  take(nowMs: number): boolean {
    if (nowMs - this.last < this.everyMs) return false;
    this.last = nowMs;
    return true;
  }

  /** After a sign-in the next activity counts at once. */
  reset(): void {
    this.last = Number.NEGATIVE_INFINITY;
  }
}
