// The outbox slice: recent commands by request id, and how a relay row shows its latest.

import type { CommandView } from "../types";

/** Statuses of a command that is not finished yet (counted in the outbox depth). */
export function isOpenStatus(status: string): boolean {
  return status === "queued" || status === "sent" || status === "acked";
}

const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  "confirmed",
  "failed",
  "expired",
  "cancelled",
  "superseded",
  "plant_changed",
]);

export function isTerminalStatus(status: string): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Seconds after its last update that a finished command's badge disappears from its relay row. */
export const COMMAND_FADE_AFTER_S = 10;
/** Seconds before it disappears that the badge starts fading. */
export const COMMAND_FADE_LEAD_S = 2;

export type BadgePhase = "shown" | "fading" | "hidden";

/** How a relay row shows its latest command at time `now`. Open (and unknown) statuses never fade. */
export function commandBadgePhase(cmd: Pick<CommandView, "status" | "updated_at">, now: number): BadgePhase {
  if (!isTerminalStatus(cmd.status)) return "shown";
  const age = now - cmd.updated_at;
  if (!(age < COMMAND_FADE_AFTER_S)) return "hidden";
  return age < COMMAND_FADE_AFTER_S - COMMAND_FADE_LEAD_S ? "shown" : "fading";
}

/** Order of lifecycle steps, to break ties between two versions with the same updated_at. */
function statusRank(status: string): number {
  switch (status) {
    case "queued":
      return 0;
    case "sent":
      return 1;
    case "acked":
      return 2;
    default:
      return 3;
  }
}

function sameCommand(a: CommandView, b: CommandView): boolean {
  return (
    a.request_id === b.request_id &&
    a.relay_id === b.relay_id &&
    a.state === b.state &&
    a.status === b.status &&
    a.issued_at === b.issued_at &&
    a.expires_at === b.expires_at &&
    a.updated_at === b.updated_at &&
    a.attempts === b.attempts &&
    a.error === b.error &&
    a.operator === b.operator
  );
}

/** Most commands the console keeps (as many as `outbox` returns). */
export const COMMAND_LIMIT = 200;

interface CommandSlot {
  cmd: CommandView;
  /** Increases with every new request id: breaks ties of issued_at. */
  arrival: number;
}

/**
 * Recent commands by request id. Versions of a command may arrive out of order
 * (an event racing the `outbox` answer): an older version (by updated_at, then
 * lifecycle step) never replaces a newer one.
 */
export class CommandLog {
  private readonly slots = new Map<string, CommandSlot>();
  private arrivals = 0;
  private sorted: CommandView[] | null = null;

  constructor(private readonly limit = COMMAND_LIMIT) {}

  get size(): number {
    return this.slots.size;
  }

  get(requestId: string): CommandView | undefined {
    return this.slots.get(requestId)?.cmd;
  }

  /**
   * Merges one version of a command. Returns the relay ids whose commands
   * changed (empty when nothing did).
   */
  upsert(cmd: CommandView): string[] {
    const slot = this.slots.get(cmd.request_id);
    const touched: string[] = [];
    if (slot === undefined) {
      this.slots.set(cmd.request_id, { cmd, arrival: ++this.arrivals });
      touched.push(cmd.relay_id);
    } else {
      const old = slot.cmd;
      if (cmd.updated_at < old.updated_at) return [];
      if (cmd.updated_at === old.updated_at && statusRank(cmd.status) < statusRank(old.status)) return [];
      if (sameCommand(old, cmd)) return [];
      slot.cmd = cmd;
      touched.push(cmd.relay_id);
      if (old.relay_id !== cmd.relay_id) touched.push(old.relay_id);
    }
    this.sorted = null;
    while (this.slots.size > this.limit) {
      const dropped = this.dropOldest();
      if (dropped === undefined) break;
      touched.push(dropped.relay_id);
    }
    return touched;
  }

  /** Drops the oldest finished command (the oldest of all when none is finished). */
  private dropOldest(): CommandView | undefined {
    const list = this.list();
    let victim: CommandView | undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i];
      if (c !== undefined && !isOpenStatus(c.status)) {
        victim = c;
        break;
      }
    }
    victim ??= list[list.length - 1];
    if (victim !== undefined) {
      this.slots.delete(victim.request_id);
      this.sorted = null;
    }
    return victim;
  }

  /** Newest first: by issued_at, then by arrival. */
  list(): readonly CommandView[] {
    if (this.sorted === null) {
      const slots = [...this.slots.values()];
      slots.sort((a, b) => b.cmd.issued_at - a.cmd.issued_at || b.arrival - a.arrival);
      this.sorted = slots.map((s) => s.cmd);
    }
    return this.sorted;
  }

  /** Commands not finished yet (queued, sent, acked). */
  openCount(): number {
    let n = 0;
    for (const s of this.slots.values()) if (isOpenStatus(s.cmd.status)) n++;
    return n;
  }

  /** The newest command for a relay. */
  latestFor(relayId: string): CommandView | undefined {
    return this.list().find((c) => c.relay_id === relayId);
  }
}
