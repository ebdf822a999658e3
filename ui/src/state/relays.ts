// The relays slice: whether a relay may be switched from this console now.

import type { DeviceStatus, LinkMode, OperatorSession, Relay } from "../types";
import { sessionBlock, type SessionBlock } from "./session";

/** Why a relay cannot be switched from this console now (most fundamental first). */
export type SwitchBlock = "read_only" | SessionBlock | "locked" | "device_offline" | "stale";

export interface SwitchContext {
  linkMode: LinkMode;
  readOnly: boolean;
  /** The operator session; left out: no one's role is checked (sign-in off). */
  session?: OperatorSession;
  /** Status of a device by id (undefined: not known to the console). */
  deviceStatus(id: string): DeviceStatus | undefined;
}

/**
 * Modes in which a switch stays enabled. In the live modes the command goes out
 * at once; while the plant is unreachable (offline / connecting / unauthorized)
 * the server answers `link_down` and the operator is asked whether to queue it.
 * Stale, and any mode this UI does not know, block switching: values unconfirmed.
 */
const SWITCHABLE_MODES: ReadonlySet<string> = new Set([
  "realtime",
  "fallback",
  "offline",
  "connecting",
  "unauthorized",
]);

/** The reason a relay's switch is disabled, or null when it may be used. */
export function switchBlock(relay: Relay, ctx: SwitchContext): SwitchBlock | null {
  if (ctx.readOnly) return "read_only";
  if (ctx.session !== undefined) {
    const who = sessionBlock(ctx.session, "switch_relay");
    if (who !== null) return who;
  }
  if (relay.locked === true) return "locked";
  if (relay.device_id !== null && relay.device_id !== undefined) {
    const status = ctx.deviceStatus(String(relay.device_id));
    if (status === "offline" || status === "fault") return "device_offline";
  }
  if (!SWITCHABLE_MODES.has(String(ctx.linkMode))) return "stale";
  return null;
}

/** Default lifetime of a queued command when the snapshot does not say (seconds). */
export const DEFAULT_COMMAND_TTL_S = 120;

/** The snapshot's command TTL, or the default when missing or not a positive number. */
export function commandTtl(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : DEFAULT_COMMAND_TTL_S;
}
