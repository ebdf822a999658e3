// @vitest-environment jsdom
// Alerts in the page: the list, acknowledging, the header's count, mute and
// shelving, driven through the controller with the fake IPC.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller } from "../src/controllers";
import { setLanguage } from "../src/strings";
import type { AlertStatus, AlertView, ConsoleSnapshot } from "../src/types";
import { AppView } from "../src/views/app";
import { fakeIpc, type FakeIpc } from "./fake-ipc";
import { $, alert, alertStatus, batch, device, HOSTILE, snapshot, text } from "./fixtures";

/** 2024-05-31 14:03:09 local time. */
const NOW = new Date(2024, 4, 31, 14, 3, 9).getTime() / 1000;

let view: AppView;
let ipc: FakeIpc;
let controller: Controller;

function button(selector: string): HTMLButtonElement {
  return $(selector) as HTMLButtonElement;
}

function rowIds(): string[] {
  return [...document.querySelectorAll("#alerts tbody tr")].map((tr) => tr.getAttribute("data-alert-id") ?? "");
}

async function start(snap: ConsoleSnapshot, alerts: AlertView[] = []): Promise<void> {
  ipc.alertsAnswer = alerts;
  const started = controller.start();
  await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
  ipc.resolveSnapshot(snap);
  await started;
}

/** An answer the test settles by hand. */
function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

beforeEach(() => {
  document.body.replaceChildren();
  view = new AppView(document);
  view.mount(document.body);
  ipc = fakeIpc();
  controller = new Controller({
    ipc,
    view,
    now: () => NOW,
    scheduleFrame: (cb) => cb(),
    retryMinMs: 10,
    alertReloadMs: 0,
  });
});

afterEach(() => {
  controller.stop();
});

describe("alerts panel", () => {
  it("lists the alerts newest first with time, severity, title, body, notification and acknowledgement", async () => {
    const yesterday = new Date(2024, 4, 30, 22, 15, 0).getTime() / 1000;
    await start(snapshot({ alert_status: alertStatus({ unacked: 2, unacked_critical: 1 }) }), [
      alert(7, {
        at: new Date(2024, 4, 31, 14, 1, 2).getTime() / 1000,
        severity: "critical",
        title: "Boiler 1 in fault",
        body: "Hall 1 · was online",
      }),
      alert(6, { severity: "info", notified: false, suppressed: "flood" }),
      alert(5, {
        at: yesterday,
        severity: "low",
        acked_at: new Date(2024, 4, 31, 8, 0, 0).getTime() / 1000,
        acked_by: "operator-2",
      }),
      alert(4, { severity: "high", notified: false, suppressed: "muted" }),
    ]);
    expect(ipc.alertsCalls).toBe(1);
    expect(rowIds()).toEqual(["7", "6", "5", "4"]);

    const row = $('#alerts tr[data-alert-id="7"]');
    expect(row.querySelector(".alert-time")?.textContent).toBe("14:01:02");
    expect(row.getAttribute("data-severity")).toBe("critical");
    expect(row.getAttribute("data-acked")).toBe("false");
    const badge = row.querySelector(".severity");
    expect(badge?.textContent).toBe("Critical");
    expect(badge?.classList.contains("severity-critical")).toBe(true);
    expect(row.querySelector(".alert-title")?.textContent).toBe("Boiler 1 in fault");
    expect(row.querySelector(".alert-body")?.textContent).toBe("Hall 1 · was online");
    expect(row.querySelector(".notification")?.textContent).toBe("Notified");
    expect(row.querySelector("button.ack-alert")?.getAttribute("data-alert-id")).toBe("7");
    expect(row.querySelector("button.ack-alert")?.getAttribute("aria-label")).toBe("Acknowledge alert: Boiler 1 in fault");

    expect(text('#alerts tr[data-alert-id="6"] .notification')).toBe("Flood — in summary");
    expect($('#alerts tr[data-alert-id="6"] .notification').getAttribute("data-reason")).toBe("flood");
    expect(text('#alerts tr[data-alert-id="4"] .notification')).toBe("Muted");
    expect(text('#alerts tr[data-alert-id="6"] .severity')).toBe("Info");

    const acked = $('#alerts tr[data-alert-id="5"]');
    expect(acked.querySelector(".alert-time")?.textContent).toBe("2024-05-30 22:15:00");
    expect(acked.getAttribute("data-acked")).toBe("true");
    expect(acked.querySelector(".acked")?.textContent).toBe("operator-2, 08:00:00");
    expect(acked.querySelector("button.ack-alert")).toBeNull();

    expect(text("#alerts-summary")).toBe("2 unacknowledged · 1 critical");
    expect($("#alerts-empty").hidden).toBe(true);
  });

  it("shows a hostile title and body literally", async () => {
    await start(snapshot({ alert_status: alertStatus({ unacked: 1 }) }), [alert(1, { title: HOSTILE, body: HOSTILE })]);
    expect(text('#alerts tr[data-alert-id="1"] .alert-title')).toBe(HOSTILE);
    expect(text('#alerts tr[data-alert-id="1"] .alert-body')).toBe(HOSTILE);
    expect($('#alerts tr[data-alert-id="1"] button.ack-alert').getAttribute("aria-label")).toBe(
      `Acknowledge alert: ${HOSTILE}`,
    );
    expect(document.querySelector("img")).toBeNull();
  });

  it("words a title and body the console sent as messages in the current language, and keeps the stored English of older alerts", async () => {
    await start(snapshot({ alert_status: alertStatus({ unacked: 2 }) }), [
      alert(2, {
        title: "Device Boiler reports a fault",
        title_message: { id: "alert-device-fault-title", args: { name: "Boiler" } },
        body_message: { id: "alert-device-removed-body", args: { place: "Hall 1" } },
      }),
      alert(1, { title: "Stored before the catalog", body: "in English" }),
    ]);
    const title = document.querySelector('#alerts tr[data-alert-id="2"] .alert-title');
    expect(title?.textContent).toBe("Device Boiler reports a fault");
    expect(text('#alerts tr[data-alert-id="2"] .alert-body')).toBe("Hall 1 · the plant no longer lists it");
    setLanguage("fa");
    try {
      expect(document.querySelector('#alerts tr[data-alert-id="2"] .alert-title')).toBe(title);
      expect(title?.textContent).toBe("دستگاه \u2068Boiler\u2069 خطا گزارش می‌دهد");
      expect(text('#alerts tr[data-alert-id="1"] .alert-title')).toBe("Stored before the catalog");
    } finally {
      setLanguage("en");
    }
  });

  it("says No alerts only once the list has been loaded", async () => {
    const answer = deferred<AlertView[]>();
    ipc.alerts = () => answer.promise;
    const started = controller.start();
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
    ipc.resolveSnapshot(snapshot());
    expect($("#alerts-empty").hidden).toBe(true);
    answer.resolve([]);
    await started;
    expect($("#alerts-empty").hidden).toBe(false);
    expect(text("#alerts-empty")).toBe("No alerts.");
  });

  it("adds the alerts batches bring, newest on top, without loading the list again", async () => {
    await start(snapshot({ alert_status: alertStatus({ unacked: 1 }) }), [alert(1)]);
    ipc.emit(batch({ alerts: [alert(2), alert(3, { title: "Tank 2 offline" })], alert_status: alertStatus({ unacked: 3 }) }));
    expect(rowIds()).toEqual(["3", "2", "1"]);
    expect(text('#alerts tr[data-alert-id="3"] .alert-title')).toBe("Tank 2 offline");
    expect(text("#alert-count")).toBe("Alerts 3");
    expect(ipc.alertsCalls).toBe(1);
  });

  it("loads the whole list again after a full batch (a flood while the window lagged)", async () => {
    await start(snapshot(), []);
    const flood = Array.from({ length: 250 }, (_, i) => alert(i + 1));
    ipc.alertsAnswer = flood.slice().reverse();
    ipc.emit(batch({ alerts: flood.slice(150), alert_status: alertStatus({ unacked: 250 }) }));
    await vi.waitFor(() => expect(ipc.alertsCalls).toBe(2));
    await vi.waitFor(() => expect(rowIds()).toHaveLength(250));
    expect(rowIds()[0]).toBe("250");
    expect(rowIds()[249]).toBe("1");
  });

  it("loads the list again when the counts fall (alerts were acknowledged)", async () => {
    await start(snapshot({ alert_status: alertStatus({ unacked: 1 }) }), [alert(1)]);
    ipc.alertsAnswer = [alert(1, { acked_at: NOW, acked_by: "op" })];
    ipc.emit(batch({ alert_status: alertStatus({ unacked: 0 }) }));
    await vi.waitFor(() => expect($('#alerts tr[data-alert-id="1"]').getAttribute("data-acked")).toBe("true"));
    expect(ipc.alertsCalls).toBe(2);
  });

  it("loads the list at most once per interval in a burst of batches, and never twice at once", async () => {
    controller.stop();
    controller = new Controller({ ipc, view, now: () => NOW, scheduleFrame: (cb) => cb(), retryMinMs: 10, alertReloadMs: 60 });
    await start(snapshot(), []);
    expect(ipc.alertsCalls).toBe(1);
    // Counts the batches do not explain (acknowledged elsewhere, or alerts in another batch).
    for (let i = 1; i <= 5; i++) ipc.emit(batch({ alert_status: alertStatus({ unacked: 10 - i }) }));
    expect(ipc.alertsCalls).toBe(1);
    await vi.waitFor(() => expect(ipc.alertsCalls).toBe(2));

    // While a load is in flight, any number of requests make one more load after it.
    const answer = deferred<AlertView[]>();
    ipc.alerts = () => {
      ipc.alertsCalls++;
      return answer.promise;
    };
    await new Promise((resolve) => setTimeout(resolve, 80)); // past the interval
    const inFlight = controller.loadAlerts();
    const calls = ipc.alertsCalls;
    for (let i = 0; i < 5; i++) ipc.emit(batch({ alert_status: alertStatus({ unacked: 20 + i }) }));
    expect(ipc.alertsCalls).toBe(calls);
    answer.resolve([]);
    await inFlight;
    await vi.waitFor(() => expect(ipc.alertsCalls).toBe(calls + 1));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(ipc.alertsCalls).toBe(calls + 1);
  });

  it("shows a failed load and tries again", async () => {
    ipc.alertsAnswer = new Error("store locked");
    const started = controller.start();
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
    ipc.resolveSnapshot(snapshot());
    await started;
    expect($("#alerts-error").hidden).toBe(false);
    expect(text("#alerts-error")).toBe("Could not load the alerts: store locked");
    ipc.alertsAnswer = [alert(1)];
    await vi.waitFor(() => expect(rowIds()).toEqual(["1"]));
    expect($("#alerts-error").hidden).toBe(true);
  });
});

describe("acknowledging", () => {
  it("acknowledges one alert with its id, then shows who acknowledged it", async () => {
    await start(snapshot({ alert_status: alertStatus({ unacked: 2 }) }), [alert(2), alert(1)]);
    const answer = deferred<number>();
    ipc.ackAnswer = () => answer.promise;
    const ack = button('#alerts tr[data-alert-id="1"] button.ack-alert');
    ack.click();
    expect(ipc.ackCalls).toEqual([1]);
    expect(ack.disabled).toBe(true); // no second acknowledgement from a double click
    ack.click();
    expect(ipc.ackCalls).toEqual([1]);

    ipc.alertsAnswer = [alert(2), alert(1, { acked_at: NOW, acked_by: "operator-1" })];
    answer.resolve(1);
    await vi.waitFor(() => expect(text('#alerts tr[data-alert-id="1"] .acked')).toBe("operator-1, 14:03:09"));
    expect(document.querySelector('#alerts tr[data-alert-id="1"] button.ack-alert')).toBeNull();
    expect(ipc.alertsCalls).toBe(2);
  });

  it("acknowledges all with no id", async () => {
    await start(snapshot({ alert_status: alertStatus({ unacked: 2 }) }), [alert(2), alert(1)]);
    const all = button("#ack-all");
    expect(all.textContent).toBe("Acknowledge all");
    expect(all.disabled).toBe(false);
    all.click();
    expect(ipc.ackCalls).toEqual([undefined]);
    expect(all.disabled).toBe(true);
    ipc.alertsAnswer = [alert(2, { acked_at: NOW, acked_by: "op" }), alert(1, { acked_at: NOW, acked_by: "op" })];
    await vi.waitFor(() => expect(document.querySelectorAll("#alerts button.ack-alert")).toHaveLength(0));
    ipc.emit(batch({ alert_status: alertStatus({ unacked: 0 }) }));
    expect(all.disabled).toBe(true); // nothing left to acknowledge
  });

  it("disables Acknowledge all while nothing is unacknowledged", async () => {
    await start(snapshot({ alert_status: alertStatus({ unacked: 0 }) }), [alert(1, { acked_at: NOW, acked_by: "op" })]);
    expect(button("#ack-all").disabled).toBe(true);
  });

  it("says why an acknowledgement failed and lets the operator try again", async () => {
    await start(snapshot({ alert_status: alertStatus({ unacked: 1 }) }), [alert(1)]);
    ipc.ackAnswer = () => Promise.reject({ code: "alerts", message: "database is locked" });
    const ack = button('#alerts tr[data-alert-id="1"] button.ack-alert');
    ack.click();
    await vi.waitFor(() => expect($("#alerts-action-error").hidden).toBe(false));
    expect(text("#alerts-action-error")).toBe("Could not acknowledge: database is locked");
    expect(ack.disabled).toBe(false);
  });

  it("moves the keyboard focus to the next Acknowledge button", async () => {
    await start(snapshot({ alert_status: alertStatus({ unacked: 2 }) }), [alert(2), alert(1)]);
    const first = button('#alerts tr[data-alert-id="2"] button.ack-alert');
    first.focus();
    first.click();
    ipc.alertsAnswer = [alert(2, { acked_at: NOW, acked_by: "op" }), alert(1)];
    await vi.waitFor(() => expect(document.querySelector('#alerts tr[data-alert-id="2"] button.ack-alert')).toBeNull());
    expect(document.activeElement).toBe($('#alerts tr[data-alert-id="1"] button.ack-alert'));
  });
});

describe("header alert count", () => {
  it("shows the unacknowledged count, red with the critical count in words while one is critical", async () => {
    expect(text("#alert-count")).toBe("Alerts —");
    await start(snapshot({ alert_status: alertStatus({ unacked: 3, unacked_critical: 0 }) }));
    const count = $("#alert-count");
    expect(count.textContent).toBe("Alerts 3");
    expect(count.getAttribute("data-unacked")).toBe("3");
    expect(count.getAttribute("data-critical")).toBe("0");
    expect(count.classList.contains("tone-alert")).toBe(false);

    ipc.emit(batch({ alerts: [alert(9, { severity: "critical" })], alert_status: alertStatus({ unacked: 4, unacked_critical: 1 }) }));
    expect(count.textContent).toBe("Alerts 4 (1 critical)");
    expect(count.getAttribute("data-critical")).toBe("1");
    expect(count.classList.contains("tone-alert")).toBe(true);
  });

  it("leads to the alert list", async () => {
    await start(snapshot({ alert_status: alertStatus({ unacked: 1 }) }), [alert(1)]);
    const count = $("#alert-count");
    expect(count.tagName).toBe("BUTTON");
    count.click();
    expect(document.activeElement).toBe($("#alerts-region"));
    expect($("#alerts-region").closest("#alerts-panel")).not.toBeNull();
  });
});

describe("mute toggle", () => {
  it("mutes for 15 minutes, then offers to unmute until the time shown", async () => {
    await start(snapshot());
    const toggle = button("#mute-toggle");
    expect(toggle.textContent).toBe("Mute 15 min");
    expect(toggle.getAttribute("data-muted")).toBe("false");
    const answer = deferred<AlertStatus>();
    ipc.statusAnswer = () => answer.promise;
    toggle.click();
    expect(ipc.muteCalls).toEqual([15]);
    expect(ipc.unmuteCalls).toBe(0);
    expect(toggle.disabled).toBe(true);
    answer.resolve(alertStatus({ muted: true, muted_until: new Date(2024, 4, 31, 14, 18, 9).getTime() / 1000 }));
    await vi.waitFor(() => expect(toggle.textContent).toBe("Muted until 14:19 — Unmute"));
    expect(toggle.getAttribute("data-muted")).toBe("true");
    expect(toggle.disabled).toBe(false);

    ipc.statusAnswer = () => Promise.resolve(alertStatus());
    toggle.click();
    expect(ipc.unmuteCalls).toBe(1);
    expect(ipc.muteCalls).toEqual([15]);
    await vi.waitFor(() => expect(toggle.textContent).toBe("Mute 15 min"));
  });

  it("says Muted — Unmute while muted until unmuted, from a batch's status", async () => {
    await start(snapshot());
    ipc.emit(batch({ alert_status: alertStatus({ muted: true, muted_until: null }) }));
    expect(text("#mute-toggle")).toBe("Muted — Unmute");
    button("#mute-toggle").click();
    expect(ipc.unmuteCalls).toBe(1);
  });

  it("is unavailable until the console has said whether it is muted", () => {
    expect(button("#mute-toggle").disabled).toBe(true);
  });

  it("says why muting failed", async () => {
    await start(snapshot());
    ipc.statusAnswer = () => Promise.reject({ code: "alerts", message: "engine stopped" });
    button("#mute-toggle").click();
    await vi.waitFor(() => expect(text("#alerts-action-error")).toBe("Could not change the mute: engine stopped"));
    expect(button("#mute-toggle").disabled).toBe(false);
  });
});

describe("shelving a device", () => {
  it("shelves the device of the row for 15 minutes and says until when", async () => {
    await start(snapshot({ devices: [device("pump-1", { name: "Pump 1" }), device("fan-1", { name: "Fan 1" })] }));
    const shelve = button('#devices tr[data-device-id="pump-1"] button.shelve-device');
    expect(shelve.textContent).toBe("Shelve 15 min");
    expect(shelve.getAttribute("data-device-id")).toBe("pump-1");
    expect(shelve.getAttribute("aria-label")).toBe("Shelve the alerts of Pump 1 for 15 minutes");
    expect($('#devices tr[data-device-id="pump-1"] .shelved').hidden).toBe(true);

    const until = new Date(2024, 4, 31, 14, 18, 9).getTime() / 1000;
    ipc.statusAnswer = () => Promise.resolve(alertStatus({ shelved: [{ subject: "pump-1", until }] }));
    shelve.click();
    expect(ipc.shelveCalls).toEqual([{ deviceId: "pump-1", minutes: 15 }]);
    expect(shelve.disabled).toBe(true);
    await vi.waitFor(() => expect($('#devices tr[data-device-id="pump-1"] .shelved').hidden).toBe(false));
    expect(text('#devices tr[data-device-id="pump-1"] .shelved')).toBe("Shelved until 14:19");
    expect($('#devices tr[data-device-id="pump-1"]').getAttribute("data-shelved-until")).toBe(String(until));
    expect(shelve.disabled).toBe(false);
    expect($('#devices tr[data-device-id="fan-1"] .shelved').hidden).toBe(true);
  });

  it("shows shelves from the snapshot and batches, and drops them when they end", async () => {
    await start(
      snapshot({
        devices: [device("a", { name: "A" }), device("b", { name: "B" })],
        alert_status: alertStatus({ shelved: [{ subject: "a", until: NOW + 60 }] }),
      }),
    );
    expect($('#devices tr[data-device-id="a"] .shelved').hidden).toBe(false);
    ipc.emit(batch({ alert_status: alertStatus({ shelved: [{ subject: "b", until: NOW + 600 }] }) }));
    expect($('#devices tr[data-device-id="a"] .shelved').hidden).toBe(true);
    expect($('#devices tr[data-device-id="b"] .shelved').hidden).toBe(false);
    view.tick(NOW + 601);
    expect($('#devices tr[data-device-id="b"] .shelved').hidden).toBe(true);
  });

  it("says why shelving failed and lets the operator try again", async () => {
    await start(snapshot({ devices: [device("pump-1", { name: "Pump 1" })] }));
    ipc.statusAnswer = () => Promise.reject({ code: "alerts", message: "engine stopped" });
    const shelve = button('#devices tr[data-device-id="pump-1"] button.shelve-device');
    shelve.click();
    await vi.waitFor(() => expect(text("#alerts-action-error")).toBe("Could not shelve Pump 1: engine stopped"));
    expect(shelve.disabled).toBe(false);
  });
});
