// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller, type ConsoleIpc } from "../src/controllers";
import { NO_BACKEND } from "../src/ipc";
import { AppView } from "../src/views/app";
import { fakeIpc } from "./fake-ipc";
import { batch, device, linkStatus, snapshot, text } from "./fixtures";

let view: AppView;
let controller: Controller | null = null;

function make(ipc: ConsoleIpc): Controller {
  controller = new Controller({
    ipc,
    view,
    now: () => 1000,
    scheduleFrame: (cb) => cb(),
    retryMinMs: 10,
  });
  return controller;
}

beforeEach(() => {
  document.body.replaceChildren();
  view = new AppView(document);
  view.mount(document.body);
});

afterEach(() => {
  controller?.stop();
  controller = null;
  vi.useRealTimers();
});

describe("Controller", () => {
  it("renders the snapshot, then the batches that follow", async () => {
    const ipc = fakeIpc();
    const started = make(ipc).start();
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
    ipc.resolveSnapshot(snapshot({ devices: [device("a", { value: 1 })] }));
    await started;
    expect(text('#devices tr[data-device-id="a"] .value-text')).toBe("1 °C");

    ipc.emit(batch({ devices: [device("a", { value: 2 }, 1001)], link: linkStatus("stale") }));
    expect(text('#devices tr[data-device-id="a"] .value-text')).toBe("2 °C");
    expect(document.getElementById("link-status")?.getAttribute("data-mode")).toBe("stale");
  });

  it("keeps batches that arrive during the snapshot and applies only what is newer", async () => {
    const ipc = fakeIpc();
    const started = make(ipc).start();
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
    ipc.emit(batch({ devices: [device("a", { value: 1 }, 999), device("b", { value: 7 }, 1002)] }));
    expect(document.querySelectorAll("#devices tbody tr[data-device-id]")).toHaveLength(0);
    ipc.resolveSnapshot(snapshot({ devices: [device("a", { value: 5 }, 1000), device("b", { value: 6 }, 1000)] }));
    await started;
    expect(text('#devices tr[data-device-id="a"] .value-text')).toBe("5 °C");
    expect(text('#devices tr[data-device-id="b"] .value-text')).toBe("7 °C");
  });

  it("shows a failed snapshot as an error and retries", async () => {
    const ipc = fakeIpc();
    const started = make(ipc).start();
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
    ipc.rejectSnapshot({ code: "not_ready", message: "backend <b>starting</b>" });
    await started;
    expect(document.getElementById("app-error")?.hidden).toBe(false);
    expect(text("#app-error")).toBe("Could not load the console state: backend <b>starting</b>");
    expect(document.querySelector("#app-error b")).toBeNull();

    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(2));
    ipc.resolveSnapshot(snapshot());
    await vi.waitFor(() => expect(document.getElementById("app-error")?.hidden).toBe(true));
  });

  it("says there is no backend outside Tauri and shows no data", async () => {
    const ipc: ConsoleIpc = {
      hasBackend: () => false,
      getSnapshot: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      onBatch: async () => () => {},
      setRelay: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      outbox: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      cancelCommand: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      onCommand: async () => () => {},
      alerts: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      acknowledgeAlerts: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      muteAlerts: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      unmuteAlerts: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      shelveDevice: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      deviceTrend: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      trend: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      exportTrend: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      exportTrendPng: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      areaTrend: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      statsTrend: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      journal: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      diagnostics: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      testNotification: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      getSettings: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      saveSettings: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      getAutostart: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      setAutostart: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      alarms: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      alarmAction: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      alarmHistory: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      alarmJournal: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      alarmKpis: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      exportAlarmJournal: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      chooseSavePath: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      openWindow: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      windowInfo: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      onWindow: async () => () => {},
      operatorSession: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      signIn: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      signOut: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      operatorActivity: () => Promise.reject({ code: NO_BACKEND, message: "No backend here." }),
      onSession: async () => () => {},
    };
    await make(ipc).start();
    expect(text("#app-error")).toBe("No backend here.");
    expect(document.getElementById("link-status")?.getAttribute("data-mode")).toBe("connecting");
    expect(document.querySelectorAll("#devices tbody tr[data-device-id]")).toHaveLength(0);
  });
});
