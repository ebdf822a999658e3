import { describe, expect, it } from "vitest";
import { commandStatusText, formatQueueUntil } from "../src/lib/format";
import {
  COMMAND_FADE_AFTER_S,
  CommandLog,
  commandBadgePhase,
  commandTtl,
  ConsoleStore,
  emptyChanges,
  hasChanges,
  isOpenStatus,
  mergeChanges,
  switchBlock,
  type SwitchBlock,
  type SwitchContext,
} from "../src/state";
import type { CommandStatus, DeviceStatus, LinkMode, Relay } from "../src/types";
import { command, device, linkStatus, relay, snapshot } from "./fixtures";

function ctx(linkMode: LinkMode, readOnly = false, devices: Record<string, DeviceStatus> = {}): SwitchContext {
  return { linkMode, readOnly, deviceStatus: (id) => devices[id] };
}

function r(fields: Partial<Relay> = {}): Relay {
  return relay("r1", fields).relay;
}

describe("switchBlock: why a relay's switch is disabled", () => {
  const cases: [string, Relay, SwitchContext, SwitchBlock | null][] = [
    ["live link, no device", r(), ctx("realtime"), null],
    ["HTTP fallback", r(), ctx("fallback"), null],
    ["device online", r({ device_id: "d1" }), ctx("realtime", false, { d1: "online" }), null],
    ["device unknown status", r({ device_id: "d1" }), ctx("realtime", false, { d1: "unknown" }), null],
    ["device not known to the console", r({ device_id: "d9" }), ctx("realtime"), null],
    ["device offline", r({ device_id: "d1" }), ctx("realtime", false, { d1: "offline" }), "device_offline"],
    ["device in fault", r({ device_id: "d1" }), ctx("realtime", false, { d1: "fault" }), "device_offline"],
    ["link stale", r(), ctx("stale"), "stale"],
    ["link mode unknown to this UI", r(), ctx("warp" as LinkMode), "stale"],
    ["link offline: enabled, leads to the queue question", r(), ctx("offline"), null],
    ["link connecting: enabled", r(), ctx("connecting"), null],
    ["link unauthorized: enabled", r(), ctx("unauthorized"), null],
    ["locked relay", r({ locked: true }), ctx("realtime"), "locked"],
    ["locked: false is not locked", r({ locked: false }), ctx("realtime"), null],
    ["locked as a string is not locked", r({ locked: "yes" } as unknown as Partial<Relay>), ctx("realtime"), null],
    ["read-only console", r(), ctx("realtime", true), "read_only"],
    // Several reasons: the most fundamental one is shown.
    ["read-only beats everything", r({ locked: true, device_id: "d1" }), ctx("stale", true, { d1: "offline" }), "read_only"],
    ["locked beats device offline and stale", r({ locked: true, device_id: "d1" }), ctx("stale", false, { d1: "offline" }), "locked"],
    ["device offline beats stale", r({ device_id: "d1" }), ctx("stale", false, { d1: "fault" }), "device_offline"],
    ["device offline while the link is offline", r({ device_id: "d1" }), ctx("offline", false, { d1: "offline" }), "device_offline"],
  ];

  it.each(cases)("%s", (_name, relayObj, context, expected) => {
    expect(switchBlock(relayObj, context)).toBe(expected);
  });

  it("is what the store answers for its relays, from its link, devices and read-only flag", () => {
    const store = new ConsoleStore(0);
    store.applySnapshot(
      snapshot({
        link: linkStatus("realtime"),
        devices: [device("d1", { status: "offline" })],
        relays: [relay("a", { device_id: "d1" }), relay("b")],
      }),
    );
    expect(store.switchBlock(store.relays.get("a")!.relay)).toBe("device_offline");
    expect(store.switchBlock(store.relays.get("b")!.relay)).toBeNull();
    store.setReadOnly(true);
    expect(store.switchBlock(store.relays.get("b")!.relay)).toBe("read_only");
  });
});

describe("command TTL and read-only flag from the snapshot", () => {
  it("takes them from the snapshot", () => {
    const store = new ConsoleStore(0);
    store.applySnapshot(snapshot({ command_ttl_s: 300, read_only: true }));
    expect(store.commandTtlS).toBe(300);
    expect(store.readOnly).toBe(true);
  });

  it.each([undefined, null, 0, -5, Number.NaN, "120"])("falls back to 120 s for %s", (v) => {
    expect(commandTtl(v)).toBe(120);
  });

  it("reports a read-only change as meta, and no change when it stays", () => {
    const store = new ConsoleStore(0);
    expect(store.setReadOnly(true).meta).toBe(true);
    expect(hasChanges(store.setReadOnly(true))).toBe(false);
  });
});

describe("formatQueueUntil", () => {
  const at = (h: number, m: number, s: number, day = 31): number => new Date(2024, 4, day, h, m, s).getTime() / 1000;

  it("is now + TTL as HH:MM", () => {
    expect(formatQueueUntil(at(14, 3, 0), 120)).toBe("14:05");
  });

  it("rounds up to the next minute: the command never goes out after the time shown", () => {
    expect(formatQueueUntil(at(14, 3, 9), 120)).toBe("14:06");
    expect(formatQueueUntil(at(14, 3, 0) + 0.25, 120)).toBe("14:06");
    expect(formatQueueUntil(at(9, 59, 30), 15)).toBe("10:00");
  });

  it("pads hours and minutes", () => {
    expect(formatQueueUntil(at(7, 4, 0), 60)).toBe("07:05");
  });

  it("adds the date when the deadline falls on the next day", () => {
    expect(formatQueueUntil(at(23, 59, 10), 120)).toBe("2024-06-01 00:02");
  });

  it("shows a dash for a time that is not finite", () => {
    expect(formatQueueUntil(Number.NaN, 120)).toBe("—");
  });
});

describe("commandStatusText", () => {
  it.each([
    ["queued", null, "Queued"],
    ["sent", null, "Sent"],
    ["acked", null, "Acked"],
    ["confirmed", null, "Confirmed"],
    ["failed", "relay jammed", "Failed: relay jammed"],
    ["failed", null, "Failed"],
    ["failed", "", "Failed"],
    ["expired", null, "Expired"],
    ["cancelled", null, "Cancelled"],
    ["superseded", null, "Superseded"],
    ["teleported", null, "teleported"],
    ["", null, "Unknown"],
  ] as const)("%s (error %s) → %s", (status, error, text) => {
    expect(commandStatusText(status, error)).toBe(text);
  });
});

describe("commandBadgePhase: finished commands fade from the relay row", () => {
  it.each(["queued", "sent", "acked"] as const)("never fades an open command (%s)", (status) => {
    expect(commandBadgePhase({ status, updated_at: 1000 }, 5000)).toBe("shown");
  });

  it.each(["confirmed", "failed", "expired", "cancelled", "superseded"] as const)(
    "shows %s, fades it, then hides it ~10 s after its last update",
    (status) => {
      const cmd = { status, updated_at: 1000 };
      expect(commandBadgePhase(cmd, 1000)).toBe("shown");
      expect(commandBadgePhase(cmd, 1007.9)).toBe("shown");
      expect(commandBadgePhase(cmd, 1008)).toBe("fading");
      expect(commandBadgePhase(cmd, 1000 + COMMAND_FADE_AFTER_S - 0.1)).toBe("fading");
      expect(commandBadgePhase(cmd, 1000 + COMMAND_FADE_AFTER_S)).toBe("hidden");
      expect(commandBadgePhase(cmd, 99999)).toBe("hidden");
    },
  );

  it("keeps showing an update from the future (clock skew)", () => {
    expect(commandBadgePhase({ status: "confirmed", updated_at: 2000 }, 1000)).toBe("shown");
  });

  it("never hides an unknown status", () => {
    expect(commandBadgePhase({ status: "teleported" as CommandStatus, updated_at: 0 }, 1000)).toBe("shown");
  });
});

describe("applying commands to the store", () => {
  it("adds a new command and reports it with its relay", () => {
    const store = new ConsoleStore(0);
    const c = store.applyCommand(command("q1", { relay_id: "pump" }));
    expect(c.commands).toBe(true);
    expect([...c.commandRelays]).toEqual(["pump"]);
    expect(store.commands.get("q1")?.status).toBe("queued");
    expect(store.latestCommandFor("pump")?.request_id).toBe("q1");
    expect(store.commands.openCount()).toBe(1);
  });

  it("updates a command through its lifecycle", () => {
    const store = new ConsoleStore(0);
    store.applyCommand(command("q1"));
    store.applyCommand(command("q1", { status: "sent", attempts: 1, updated_at: 1001 }));
    store.applyCommand(command("q1", { status: "acked", attempts: 1, updated_at: 1002 }));
    expect(store.commands.get("q1")).toMatchObject({ status: "acked", attempts: 1 });
    expect(store.commands.openCount()).toBe(1);
    const c = store.applyCommand(command("q1", { status: "confirmed", attempts: 1, updated_at: 1003 }));
    expect(c.commands).toBe(true);
    expect(store.commands.get("q1")?.status).toBe("confirmed");
    expect(store.commands.openCount()).toBe(0);
    expect(store.commands.size).toBe(1);
  });

  it("ignores an older version that arrives late", () => {
    const store = new ConsoleStore(0);
    store.applyCommand(command("q1", { status: "confirmed", updated_at: 1003 }));
    const c = store.applyCommand(command("q1", { status: "sent", updated_at: 1001 }));
    expect(hasChanges(c)).toBe(false);
    expect(store.commands.get("q1")?.status).toBe("confirmed");
  });

  it("with the same updated_at, a later lifecycle step wins", () => {
    const store = new ConsoleStore(0);
    store.applyCommand(command("q1", { status: "acked", updated_at: 1001 }));
    expect(hasChanges(store.applyCommand(command("q1", { status: "sent", updated_at: 1001 })))).toBe(false);
    store.applyCommand(command("q1", { status: "failed", error: "timeout", updated_at: 1001 }));
    expect(store.commands.get("q1")?.status).toBe("failed");
  });

  it("reports nothing for a repeated identical event", () => {
    const store = new ConsoleStore(0);
    store.applyCommand(command("q1"));
    expect(hasChanges(store.applyCommand(command("q1")))).toBe(false);
  });

  it("keeps the newest first: by issued_at, then by arrival", () => {
    const store = new ConsoleStore(0);
    store.applyCommand(command("b", { issued_at: 1005 }));
    store.applyCommand(command("a", { issued_at: 1001 }));
    store.applyCommand(command("c", { issued_at: 1009 }));
    store.applyCommand(command("c2", { issued_at: 1009 }));
    expect(store.commands.list().map((c) => c.request_id)).toEqual(["c2", "c", "b", "a"]);
  });

  it("merges an outbox answer (newest first) with events received before it", () => {
    const store = new ConsoleStore(0);
    // An event racing the outbox answer: newer than the outbox's version.
    store.applyCommand(command("x", { status: "confirmed", updated_at: 1010, issued_at: 1004 }));
    const c = store.applyCommands([
      command("x", { status: "sent", updated_at: 1005, issued_at: 1004 }),
      command("y", { status: "expired", issued_at: 1002, updated_at: 1122 }),
      command("z", { status: "confirmed", issued_at: 1002, updated_at: 1003 }),
    ]);
    expect(c.commands).toBe(true);
    expect(store.commands.get("x")?.status).toBe("confirmed");
    // Same issued_at: the outbox's order is kept.
    expect(store.commands.list().map((cmd) => cmd.request_id)).toEqual(["x", "y", "z"]);
  });

  it("answers the latest command per relay", () => {
    const store = new ConsoleStore(0);
    store.applyCommand(command("old", { relay_id: "r1", status: "superseded", issued_at: 1000 }));
    store.applyCommand(command("new", { relay_id: "r1", issued_at: 1001 }));
    store.applyCommand(command("other", { relay_id: "r2", issued_at: 1002 }));
    expect(store.latestCommandFor("r1")?.request_id).toBe("new");
    expect(store.latestCommandFor("r2")?.request_id).toBe("other");
    expect(store.latestCommandFor("r3")).toBeUndefined();
  });

  it("keeps at most its limit, dropping the oldest finished command first", () => {
    const log = new CommandLog(3);
    log.upsert(command("open-old", { relay_id: "a", status: "queued", issued_at: 1 }));
    log.upsert(command("done", { relay_id: "b", status: "confirmed", issued_at: 2 }));
    log.upsert(command("n3", { relay_id: "c", issued_at: 3 }));
    const touched = log.upsert(command("n4", { relay_id: "d", issued_at: 4 }));
    expect(log.list().map((c) => c.request_id)).toEqual(["n4", "n3", "open-old"]);
    expect(touched).toEqual(["d", "b"]);
    log.upsert(command("n5", { relay_id: "e", issued_at: 5 }));
    expect(log.list().map((c) => c.request_id)).toEqual(["n5", "n4", "n3"]);
  });

  it("counts open commands: queued, sent and acked", () => {
    const statuses: CommandStatus[] = ["queued", "sent", "acked", "confirmed", "failed", "expired", "cancelled", "superseded"];
    expect(statuses.filter(isOpenStatus)).toEqual(["queued", "sent", "acked"]);
    const store = new ConsoleStore(0);
    store.applyCommands(statuses.map((status, i) => command(`c${i}`, { status, issued_at: 1000 + i })));
    expect(store.commands.openCount()).toBe(3);
  });

  it("knows the outbox once its answer arrived, even an empty one", () => {
    const store = new ConsoleStore(0);
    store.applyCommand(command("early"));
    expect(store.outboxLoaded).toBe(false);
    const c = store.applyOutbox([]);
    expect(store.outboxLoaded).toBe(true);
    expect(c.commands).toBe(true);
    expect(store.commands.size).toBe(1);
  });

  it("merges command changes for rendering once per frame", () => {
    const a = emptyChanges();
    const b = emptyChanges();
    b.commands = true;
    b.commandRelays.add("r1");
    mergeChanges(a, b);
    expect(a.commands).toBe(true);
    expect([...a.commandRelays]).toEqual(["r1"]);
    expect(hasChanges(a)).toBe(true);
  });
});
