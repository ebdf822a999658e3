// @vitest-environment jsdom
// Relay switching end to end in the page: switch → confirmation dialog →
// set_relay (fake IPC) → lifecycle events → relay row badge and outbox.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller } from "../src/controllers";
import type { ConsoleSnapshot } from "../src/types";
import { AppView } from "../src/views/app";
import { fakeIpc, type FakeIpc } from "./fake-ipc";
import { $, command, device, HOSTILE, linkStatus, relay, snapshot, text } from "./fixtures";

/** 2024-05-31 14:03:09 local time. */
const NOW = new Date(2024, 4, 31, 14, 3, 9).getTime() / 1000;

let view: AppView;
let ipc: FakeIpc;
let controller: Controller;
let clock = NOW;

function switchOf(relayId: string): HTMLButtonElement {
  return $(`#relays tr[data-relay-id="${relayId}"] button.relay-switch`) as HTMLButtonElement;
}

function dialog(): HTMLDialogElement {
  return $("#confirm-dialog") as HTMLDialogElement;
}

function dialogOpen(): boolean {
  return dialog().hasAttribute("open");
}

function visible(selector: string): boolean {
  const node = document.querySelector<HTMLElement>(selector);
  return node !== null && !node.hidden;
}

async function start(snap: ConsoleSnapshot): Promise<void> {
  const started = controller.start();
  await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
  ipc.resolveSnapshot(snap);
  await started;
}

const pump = (fields = {}) => relay("p3", { name: "Pump 3", state: true, ...fields });

beforeEach(() => {
  document.body.replaceChildren();
  view = new AppView(document);
  view.mount(document.body);
  ipc = fakeIpc();
  clock = NOW;
  controller = new Controller({ ipc, view, now: () => clock, scheduleFrame: (cb) => cb(), retryMinMs: 10 });
});

afterEach(() => {
  controller.stop();
});

describe("relay switch and confirmation dialog", () => {
  it("opens a dialog saying exactly what will happen, focused on Cancel", async () => {
    await start(snapshot({ relays: [pump(), relay("f1", { name: "Fan 1", state: false })] }));
    expect(switchOf("p3").textContent).toBe("Switch OFF");
    expect(switchOf("p3").getAttribute("data-target")).toBe("off");
    expect(switchOf("f1").textContent).toBe("Switch ON");
    expect(dialogOpen()).toBe(false);

    switchOf("p3").click();
    expect(dialogOpen()).toBe(true);
    expect(dialog().tagName).toBe("DIALOG");
    expect(text("#confirm-title")).toBe("Switch relay Pump 3 OFF?");
    expect(dialog().getAttribute("aria-labelledby")).toBe("confirm-title");
    expect(text("#confirm-ok")).toBe("Switch OFF");
    expect(visible("#confirm-ok")).toBe(true);
    expect(visible("#confirm-queue")).toBe(false);
    expect(document.activeElement).toBe($("#confirm-cancel"));
    expect(text("#confirm-cancel")).toBe("Cancel");
  });

  it("sends nothing on Cancel and gives the focus back to the switch", async () => {
    await start(snapshot({ relays: [pump()] }));
    switchOf("p3").focus();
    switchOf("p3").click();
    $("#confirm-cancel").click();
    expect(dialogOpen()).toBe(false);
    await Promise.resolve();
    expect(ipc.setRelayCalls).toHaveLength(0);
    expect(document.activeElement).toBe(switchOf("p3"));
  });

  it("sends nothing on Escape", async () => {
    await start(snapshot({ relays: [pump()] }));
    switchOf("p3").click();
    $("#confirm-cancel").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    expect(dialogOpen()).toBe(false);
    // The browser's own Escape handling of a modal dialog (the "cancel" event) does the same.
    switchOf("p3").click();
    dialog().dispatchEvent(new Event("cancel", { cancelable: true }));
    expect(dialogOpen()).toBe(false);
    await Promise.resolve();
    expect(ipc.setRelayCalls).toHaveLength(0);
  });

  it("calls set_relay with the relay, the requested state and no queueing on Confirm", async () => {
    await start(snapshot({ relays: [pump()] }));
    switchOf("p3").click();
    $("#confirm-ok").click();
    await vi.waitFor(() => expect(ipc.setRelayCalls).toHaveLength(1));
    const call = ipc.setRelayCalls[0]!;
    expect({ relayId: call.relayId, state: call.state, queueIfOffline: call.queueIfOffline }).toEqual({
      relayId: "p3",
      state: false,
      queueIfOffline: false,
    });
    // In flight: no second command from a double click.
    expect(dialog().getAttribute("data-step")).toBe("busy");
    expect(($("#confirm-ok") as HTMLButtonElement).disabled).toBe(true);
    expect(visible("#confirm-busy")).toBe(true);

    call.resolve(command("q1", { relay_id: "p3", state: false, status: "sent", attempts: 1, issued_at: NOW, updated_at: NOW }));
    await vi.waitFor(() => expect(dialogOpen()).toBe(false));
    const badge = $('#relays tr[data-relay-id="p3"] .command-status');
    expect(badge.textContent).toBe("Sent");
    expect(badge.getAttribute("data-status")).toBe("sent");
    expect(badge.hidden).toBe(false);
    expect($("#outbox-depth").textContent).toBe("Outbox 1");
    expect(ipc.setRelayCalls).toHaveLength(1);
  });

  it("asks the queue question after link_down, and queues only on an explicit yes", async () => {
    await start(snapshot({ relays: [pump()], command_ttl_s: 120 }));
    switchOf("p3").click();
    $("#confirm-ok").click();
    await vi.waitFor(() => expect(ipc.setRelayCalls).toHaveLength(1));
    ipc.setRelayCalls[0]!.reject({ code: "link_down", message: "the plant is not reachable" });

    await vi.waitFor(() => expect(dialog().getAttribute("data-step")).toBe("queue"));
    expect(dialogOpen()).toBe(true);
    // 14:03:09 + 120 s = 14:05:09, shown rounded up.
    expect(text("#confirm-queue-question")).toBe("Plant unreachable — send when the link returns, until 14:06?");
    expect(visible("#confirm-queue-question")).toBe(true);
    expect(text("#confirm-queue")).toBe("Queue until 14:06");
    expect(visible("#confirm-queue")).toBe(true);
    expect(visible("#confirm-ok")).toBe(false);
    expect(document.activeElement).toBe($("#confirm-cancel"));
    expect(ipc.setRelayCalls).toHaveLength(1);

    $("#confirm-queue").click();
    await vi.waitFor(() => expect(ipc.setRelayCalls).toHaveLength(2));
    const second = ipc.setRelayCalls[1]!;
    expect([second.relayId, second.state, second.queueIfOffline]).toEqual(["p3", false, true]);
    second.resolve(command("q1", { relay_id: "p3", state: false, status: "queued", issued_at: NOW, updated_at: NOW }));
    await vi.waitFor(() => expect(dialogOpen()).toBe(false));
    expect(text('#relays tr[data-relay-id="p3"] .command-status')).toBe("Queued");
  });

  it("queues nothing when the operator cancels the queue question", async () => {
    await start(snapshot({ link: linkStatus("offline"), relays: [pump()] }));
    // Link down: the switch stays enabled and leads to the queue question.
    expect(switchOf("p3").disabled).toBe(false);
    switchOf("p3").click();
    $("#confirm-ok").click();
    await vi.waitFor(() => expect(ipc.setRelayCalls).toHaveLength(1));
    ipc.setRelayCalls[0]!.reject({ code: "link_down", message: "not reachable" });
    await vi.waitFor(() => expect(dialog().getAttribute("data-step")).toBe("queue"));
    $("#confirm-cancel").click();
    expect(dialogOpen()).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(ipc.setRelayCalls).toHaveLength(1);
  });

  it("shows the server's message when the command is refused", async () => {
    await start(snapshot({ relays: [pump()] }));
    switchOf("p3").click();
    $("#confirm-ok").click();
    await vi.waitFor(() => expect(ipc.setRelayCalls).toHaveLength(1));
    ipc.setRelayCalls[0]!.reject({ code: "forbidden", message: `relay ${HOSTILE} is locked` });
    await vi.waitFor(() => expect(visible("#confirm-error")).toBe(true));
    expect(text("#confirm-error")).toBe(`Not sent: relay ${HOSTILE} is locked`);
    expect(text("#confirm-cancel")).toBe("Close");
    expect(visible("#confirm-ok")).toBe(false);
    expect(document.querySelector("img")).toBeNull();
    $("#confirm-cancel").click();
    expect(dialogOpen()).toBe(false);
  });

  it("disables every switch with its reason after a read_only refusal", async () => {
    await start(snapshot({ relays: [pump(), relay("f1")] }));
    switchOf("p3").click();
    $("#confirm-ok").click();
    await vi.waitFor(() => expect(ipc.setRelayCalls).toHaveLength(1));
    ipc.setRelayCalls[0]!.reject({ code: "read_only", message: "read-only" });
    await vi.waitFor(() => expect(visible("#confirm-error")).toBe(true));
    expect(text("#confirm-error")).toBe("This console is read-only: it cannot send commands.");
    expect(switchOf("f1").disabled).toBe(true);
    expect(text('#relays tr[data-relay-id="f1"] .switch-reason')).toBe("Read-only console");
  });

  it("shows a hostile relay name literally in the dialog", async () => {
    await start(snapshot({ relays: [relay("evil", { name: HOSTILE, state: false })] }));
    switchOf("evil").click();
    expect(text("#confirm-title")).toBe(`Switch relay ${HOSTILE} ON?`);
    expect($("#confirm-title").children).toHaveLength(0);
    expect(switchOf("evil").getAttribute("aria-label")).toBe(`Switch ON: ${HOSTILE}`);
    expect(document.querySelector("img")).toBeNull();
  });
});

describe("disabled switches show why", () => {
  function reasonOf(relayId: string): { disabled: boolean; text: string | null; title: string | null; code: string | null; shown: boolean } {
    const row = $(`#relays tr[data-relay-id="${relayId}"]`);
    const reason = row.querySelector<HTMLElement>(".switch-reason")!;
    return {
      disabled: switchOf(relayId).disabled,
      text: reason.textContent,
      title: switchOf(relayId).getAttribute("title"),
      code: reason.getAttribute("data-reason"),
      shown: !reason.hidden,
    };
  }

  it("device offline or in fault, locked relay; enabled otherwise", async () => {
    await start(
      snapshot({
        devices: [device("d-off", { status: "offline" }), device("d-fault", { status: "fault" }), device("d-on")],
        relays: [
          relay("a", { device_id: "d-off" }),
          relay("b", { device_id: "d-fault" }),
          relay("c", { locked: true }),
          relay("d", { device_id: "d-on" }),
        ],
      }),
    );
    expect(reasonOf("a")).toEqual({ disabled: true, text: "Device offline", title: "Device offline", code: "device_offline", shown: true });
    expect(reasonOf("b").text).toBe("Device offline");
    expect(reasonOf("c")).toEqual({ disabled: true, text: "Locked by the plant", title: "Locked by the plant", code: "locked", shown: true });
    expect(reasonOf("d")).toEqual({ disabled: false, text: "", title: null, code: null, shown: false });
    expect(switchOf("a").getAttribute("aria-describedby")).toBe($('#relays tr[data-relay-id="a"] .switch-reason').id);

    // A disabled switch opens nothing.
    switchOf("a").click();
    expect(dialogOpen()).toBe(false);
  });

  it("follows the link: stale disables, offline keeps enabled, live re-enables", async () => {
    await start(snapshot({ relays: [relay("a")] }));
    expect(reasonOf("a").disabled).toBe(false);
    ipc.emit({ link: linkStatus("stale"), devices: [], removed_devices: [], relays: [], removed_relays: [], system_stats: null, alerts: [], alert_status: null, alarms: [], alarm_status: null, cache: null, caps: null });
    expect(reasonOf("a")).toMatchObject({ disabled: true, text: "Values unconfirmed", code: "stale" });
    ipc.emit({ link: linkStatus("offline"), devices: [], removed_devices: [], relays: [], removed_relays: [], system_stats: null, alerts: [], alert_status: null, alarms: [], alarm_status: null, cache: null, caps: null });
    expect(reasonOf("a")).toMatchObject({ disabled: false, shown: false });
    ipc.emit({ link: linkStatus("realtime"), devices: [], removed_devices: [], relays: [], removed_relays: [], system_stats: null, alerts: [], alert_status: null, alarms: [], alarm_status: null, cache: null, caps: null });
    expect(reasonOf("a").disabled).toBe(false);
  });

  it("follows the relay's device going offline and back", async () => {
    await start(snapshot({ devices: [device("d1")], relays: [relay("a", { device_id: "d1" })] }));
    expect(reasonOf("a").disabled).toBe(false);
    ipc.emit({ link: null, devices: [device("d1", { status: "offline" }, 1001)], removed_devices: [], relays: [], removed_relays: [], system_stats: null, alerts: [], alert_status: null, alarms: [], alarm_status: null, cache: null, caps: null });
    expect(reasonOf("a").text).toBe("Device offline");
    ipc.emit({ link: null, devices: [device("d1", { status: "online" }, 1002)], removed_devices: [], relays: [], removed_relays: [], system_stats: null, alerts: [], alert_status: null, alarms: [], alarm_status: null, cache: null, caps: null });
    expect(reasonOf("a").disabled).toBe(false);
  });

  it("read-only console", async () => {
    await start(snapshot({ read_only: true, relays: [relay("a", { locked: true })] }));
    expect(reasonOf("a")).toMatchObject({ disabled: true, text: "Read-only console", code: "read_only" });
  });
});

describe("command lifecycle and outbox", () => {
  it("follows a command's events on its relay row and in the outbox, then fades it", async () => {
    await start(snapshot({ relays: [pump()] }));
    const base = { relay_id: "p3", state: false, issued_at: NOW, expires_at: NOW + 120 };
    ipc.emitCommand(command("q1", { ...base, status: "queued", updated_at: NOW }));
    const badge = $('#relays tr[data-relay-id="p3"] .command-status');
    expect(badge.textContent).toBe("Queued");
    expect($("#outbox-depth").textContent).toBe("Outbox 1");
    expect($("#outbox-depth").getAttribute("data-depth")).toBe("1");

    ipc.emitCommand(command("q1", { ...base, status: "sent", attempts: 1, updated_at: NOW + 1 }));
    ipc.emitCommand(command("q1", { ...base, status: "acked", attempts: 1, updated_at: NOW + 2 }));
    expect(badge.textContent).toBe("Acked");
    expect($('#outbox tr[data-request-id="q1"]').getAttribute("data-status")).toBe("acked");

    ipc.emitCommand(command("q1", { ...base, status: "failed", attempts: 1, error: "relay jammed", updated_at: NOW + 3 }));
    expect(badge.textContent).toBe("Failed: relay jammed");
    expect(badge.getAttribute("data-status")).toBe("failed");
    expect($("#outbox-depth").textContent).toBe("Outbox 0");
    expect($('#relays tr[data-relay-id="p3"]').getAttribute("data-command-status")).toBe("failed");

    view.tick(NOW + 3 + 8.5);
    expect(badge.hidden).toBe(false);
    expect(badge.classList.contains("fading")).toBe(true);
    view.tick(NOW + 3 + 10);
    expect(badge.hidden).toBe(true);
    // The outbox keeps it.
    expect(text('#outbox tr[data-request-id="q1"] .command-status')).toBe("Failed: relay jammed");
  });

  it("loads the outbox at start: newest first, times, attempts, Cancel only on queued ones", async () => {
    const t = (h: number, m: number, s: number): number => new Date(2024, 4, 31, h, m, s).getTime() / 1000;
    ipc.outboxAnswer = [
      command("new", { relay_id: "p3", state: true, status: "queued", issued_at: t(14, 2, 0), expires_at: t(14, 4, 0), updated_at: t(14, 2, 0) }),
      command("mid", { relay_id: "p3", state: false, status: "sent", attempts: 2, issued_at: t(14, 1, 0), expires_at: t(14, 3, 0), updated_at: t(14, 1, 5) }),
      command("old", { relay_id: "gone", state: false, status: "confirmed", attempts: 1, issued_at: t(9, 5, 7), expires_at: t(9, 7, 7), updated_at: t(9, 5, 8) }),
    ];
    await start(snapshot({ relays: [pump()] }));
    await vi.waitFor(() => expect(document.querySelectorAll("#outbox tbody tr")).toHaveLength(3));
    expect(ipc.outboxCalls).toBe(1);
    const rows = [...document.querySelectorAll<HTMLElement>("#outbox tbody tr")];
    expect(rows.map((tr) => tr.getAttribute("data-request-id"))).toEqual(["new", "mid", "old"]);
    const cells = (tr: HTMLElement) => [...tr.children].map((c) => c.textContent);
    expect(cells(rows[0]!)).toEqual(["Pump 3", "ON", "Queued", "14:02:00", "14:04:00", "0", "Cancel"]);
    expect(cells(rows[1]!)).toEqual(["Pump 3", "OFF", "Sent", "14:01:00", "14:03:00", "2", ""]);
    expect(cells(rows[2]!)).toEqual(["gone", "OFF", "Confirmed", "09:05:07", "09:07:07", "1", ""]);
    expect(document.querySelectorAll("#outbox .cancel-command")).toHaveLength(1);
    expect($("#outbox-depth").textContent).toBe("Outbox 2");
    // The relay row shows its latest command.
    expect(text('#relays tr[data-relay-id="p3"] .command-status')).toBe("Queued");

    // A new command goes on top.
    ipc.emitCommand(command("newest", { relay_id: "p3", status: "queued", issued_at: t(14, 3, 0), updated_at: t(14, 3, 0) }));
    expect(document.querySelector("#outbox tbody tr")?.getAttribute("data-request-id")).toBe("newest");
    expect($("#outbox-depth").textContent).toBe("Outbox 3");
  });

  it("cancels a queued command from the outbox", async () => {
    const queued = command("q1", { relay_id: "p3", status: "queued" });
    ipc.outboxAnswer = [queued];
    ipc.cancelAnswer = async (id) => command(id, { relay_id: "p3", status: "cancelled", updated_at: 1001 });
    await start(snapshot({ relays: [pump()] }));
    await vi.waitFor(() => expect(document.querySelectorAll("#outbox .cancel-command")).toHaveLength(1));
    const button = $('#outbox .cancel-command[data-request-id="q1"]') as HTMLButtonElement;
    button.click();
    expect(ipc.cancelCalls).toEqual(["q1"]);
    await vi.waitFor(() => expect(text('#outbox tr[data-request-id="q1"] .command-status')).toBe("Cancelled"));
    expect(document.querySelector("#outbox .cancel-command")).toBeNull();
    expect($("#outbox-depth").textContent).toBe("Outbox 0");
    expect(text('#relays tr[data-relay-id="p3"] .command-status')).toBe("Cancelled");
  });

  it("says why a cancel failed and lets the operator try again", async () => {
    ipc.outboxAnswer = [command("q1", { relay_id: "p3", status: "queued" })];
    ipc.cancelAnswer = () => Promise.reject({ code: "not_queued", message: "already sent" });
    await start(snapshot({ relays: [pump()] }));
    await vi.waitFor(() => expect(document.querySelectorAll("#outbox .cancel-command")).toHaveLength(1));
    const button = $("#outbox .cancel-command") as HTMLButtonElement;
    button.click();
    expect(button.disabled).toBe(true);
    await vi.waitFor(() => expect(visible("#outbox-error")).toBe(true));
    expect(text("#outbox-error")).toBe("Could not cancel the command: already sent");
    expect(button.disabled).toBe(false);
  });

  it("reports a failed outbox load and retries", async () => {
    ipc.outboxAnswer = new Error("database locked");
    await start(snapshot({ relays: [pump()] }));
    expect(text("#outbox-error")).toBe("Could not load the outbox: database locked");
    // Not known yet: neither a depth of 0 nor "No commands." is claimed.
    expect(text("#outbox-depth")).toBe("Outbox —");
    expect($("#outbox-depth").hasAttribute("data-depth")).toBe(false);
    expect(visible("#outbox-empty")).toBe(false);
    ipc.outboxAnswer = [command("q1", { relay_id: "p3" })];
    await vi.waitFor(() => expect(document.querySelectorAll("#outbox tbody tr")).toHaveLength(1));
    expect(visible("#outbox-error")).toBe(false);
    expect(text("#outbox-depth")).toBe("Outbox 1");
    expect(ipc.outboxCalls).toBeGreaterThanOrEqual(2);
  });
});
