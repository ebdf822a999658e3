// @vitest-environment jsdom
// The tabs, the header's round-trip time and message age, system stats trends,
// the journal view and the diagnostics view, driven through the controller.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller, Loader } from "../src/controllers";
import { setLanguage } from "../src/strings";
import type { ConsoleSnapshot, JournalEntry } from "../src/types";
import { AppView } from "../src/views/app";
import { TAB_IDS, type TabId } from "../src/views/tabs";
import { diagnosticsFixture, fakeIpc, type FakeIpc } from "./fake-ipc";
import { $, batch, device, HOSTILE, linkStatus, snapshot, text } from "./fixtures";

let now = 100_000;

let view: AppView;
let ipc: FakeIpc;
let controller: Controller;
let visible = true;

function make(opts: { diagnosticsMs?: number; trendMs?: number; journalMs?: number } = {}): void {
  controller = new Controller({
    ipc,
    view,
    now: () => now,
    scheduleFrame: (cb) => cb(),
    retryMinMs: 10,
    alertReloadMs: 0,
    visible: () => visible,
    storage: null,
    ...opts,
  });
}

async function start(snap: ConsoleSnapshot = snapshot()): Promise<void> {
  const started = controller.start();
  await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
  ipc.resolveSnapshot(snap);
  await started;
}

function key(target: HTMLElement, k: string): void {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
}

beforeEach(() => {
  now = 100_000;
  visible = true;
  document.body.replaceChildren();
  document.documentElement.setAttribute("dir", "ltr");
  view = new AppView(document);
  view.mount(document.body);
  ipc = fakeIpc();
});

afterEach(() => {
  controller?.stop();
  vi.useRealTimers();
});

describe("tabs", () => {
  beforeEach(() => make());

  it("is a real tab list, the overview first and shown first, then the alarms, with the header and the alarm banner outside the tabs", () => {
    const list = $("#view-tabs");
    expect(list.getAttribute("role")).toBe("tablist");
    const tabs = [...list.querySelectorAll('[role="tab"]')];
    expect(tabs.map((t) => t.id)).toEqual(TAB_IDS.map((id) => `tab-${id}`));
    expect(tabs.map((t) => t.id).slice(0, 3)).toEqual(["tab-overview", "tab-alarms", "tab-plant"]);
    expect(tabs.map((t) => t.textContent).slice(0, 3)).toEqual(["Overview", "Alarms", "Plant"]);
    expect($("#tab-overview").getAttribute("aria-selected")).toBe("true");
    expect($("#view-overview").hidden).toBe(false);
    expect($("#overview").closest("#view-overview")).not.toBeNull();
    expect($("#tab-plant").getAttribute("aria-selected")).toBe("false");
    expect($("#tab-plant").getAttribute("aria-controls")).toBe("view-plant");
    expect($("#view-plant").getAttribute("role")).toBe("tabpanel");
    expect($("#view-plant").getAttribute("aria-labelledby")).toBe("tab-plant");
    expect($("#view-plant").hidden).toBe(true);
    expect($("#view-alerts").hidden).toBe(true);
    for (const id of ["devices", "relays", "system-stats", "outbox"]) {
      expect($(`#${id}`).closest("#view-plant")).not.toBeNull();
    }
    expect($("#alerts").closest("#view-alerts")).not.toBeNull();
    expect($("#journal").closest("#view-alerts")).not.toBeNull();
    expect($("#diagnostics").closest("#view-diagnostics")).not.toBeNull();
    expect($("#settings").closest("#view-settings")).not.toBeNull();
    expect($("#alarms").closest("#view-alarms")).not.toBeNull();
    expect($("#alarm-journal").closest("#view-alarms")).not.toBeNull();
    expect($("#alarm-kpis").closest("#view-diagnostics")).not.toBeNull();
    expect($("#view-settings").hidden).toBe(true);
    expect($("#view-alarms").hidden).toBe(true);
    expect($("#alarm-banner").closest('[role="tabpanel"]')).toBeNull();
    for (const id of ["link-status", "link-rtt", "link-age", "alert-count", "mute-toggle", "outbox-depth", "server-url", "language"]) {
      expect($(`#${id}`).closest('[role="tabpanel"]'), id).toBeNull();
      expect($(`#${id}`).closest("header"), id).not.toBeNull();
    }
  });

  it("moves with the arrow keys, Home and End, with one tab in the tab order", () => {
    const next = (id: TabId) => `tab-${TAB_IDS[(TAB_IDS.indexOf(id) + 1) % TAB_IDS.length]}`;
    const plant = $("#tab-plant");
    plant.focus();
    key(plant, "ArrowRight");
    expect(document.activeElement?.id).toBe(next("plant"));
    expect($(`#view-${next("plant").slice(4)}`).hidden).toBe(false);
    expect($("#view-plant").hidden).toBe(true);
    expect($(`#${next("plant")}`).getAttribute("tabindex")).toBe("0");
    expect($("#tab-plant").getAttribute("tabindex")).toBe("-1");
    key($("#tab-settings"), "ArrowRight");
    expect(document.activeElement?.id).toBe("tab-overview");
    expect($("#view-overview").hidden).toBe(false);
    key($("#tab-overview"), "ArrowLeft");
    expect(document.activeElement?.id).toBe("tab-settings");
    key($("#tab-settings"), "Home");
    expect(document.activeElement?.id).toBe("tab-overview");
    key($("#tab-overview"), "End");
    expect(document.activeElement?.id).toBe("tab-settings");
  });

  it("mirrors the arrows right to left", () => {
    document.documentElement.setAttribute("dir", "rtl");
    const after = `tab-${TAB_IDS[TAB_IDS.indexOf("plant") + 1]}`;
    key($("#tab-plant"), "ArrowLeft");
    expect(document.activeElement?.id).toBe(after);
    key($(`#${after}`), "ArrowRight");
    expect(document.activeElement?.id).toBe("tab-plant");
  });

  it("leads from the header's alert count to the alerts view", async () => {
    await start();
    $("#alert-count").click();
    expect($("#tab-alerts").getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement?.id).toBe("alerts-region");
  });
});

describe("header: round-trip time and age of the last message", () => {
  it("reads the diagnostics every 2 s while visible and ticks the age every second", async () => {
    vi.useFakeTimers();
    ipc.diagnosticsAnswer = () => Promise.resolve(diagnosticsFixture({ rtt_ms: 12.4 }));
    make();
    const started = controller.start();
    await vi.advanceTimersByTimeAsync(0);
    ipc.resolveSnapshot(snapshot({ link: linkStatus("realtime", { last_message_at: now - 5 }) }));
    await started;
    await vi.advanceTimersByTimeAsync(0);
    expect(ipc.diagnosticsCalls).toBe(1);
    expect(text("#link-rtt")).toBe("RTT 12 ms");
    expect(text("#link-age")).toBe("Last message 5 s ago");
    // The diagnostics' time of the last message is newer: it counts.
    ipc.diagnosticsAnswer = () =>
      Promise.resolve(diagnosticsFixture({ rtt_ms: 3.25, link: linkStatus("realtime", { last_message_at: now - 1 }) }));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(ipc.diagnosticsCalls).toBe(2);
    expect(text("#link-rtt")).toBe("RTT 3.3 ms");
    now += 3;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(text("#link-age")).toBe("Last message 4 s ago");
    // Hidden window: no polling.
    visible = false;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ipc.diagnosticsCalls).toBeLessThanOrEqual(4);
    const calls = ipc.diagnosticsCalls;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ipc.diagnosticsCalls).toBe(calls);
    visible = true;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(ipc.diagnosticsCalls).toBe(calls + 1);
  });

  it("shows a dash for an unknown round-trip time or a failed reading", async () => {
    ipc.diagnosticsAnswer = () =>
      Promise.resolve(diagnosticsFixture({ rtt_ms: null, link: linkStatus("realtime", { last_message_at: now - 5 }) }));
    make();
    await start(snapshot({ link: linkStatus("connecting", { last_message_at: null }) }));
    await vi.waitFor(() => expect(text("#link-age")).toBe("Last message 5 s ago"));
    expect(text("#link-rtt")).toBe("RTT —");
    ipc.diagnosticsAnswer = () => Promise.resolve(diagnosticsFixture({ rtt_ms: 7 }));
    await controller.loadDiagnostics();
    expect(text("#link-rtt")).toBe("RTT 7 ms");
    ipc.diagnosticsAnswer = () => Promise.reject({ code: "stopped", message: "the console is shutting down" });
    await controller.loadDiagnostics();
    expect(text("#link-rtt")).toBe("RTT —");
    expect(text("#diagnostics-error")).toBe("Could not read the diagnostics: the console is shutting down");
  });

  it("says no message has arrived yet", () => {
    make();
    expect(text("#link-age")).toBe("No message yet");
    expect(text("#link-rtt")).toBe("RTT —");
  });
});

describe("system stats trends", () => {
  it("loads the last hour, then the last day when asked, and draws gaps", async () => {
    ipc.statsTrendAnswer = (since, until) =>
      Promise.resolve({
        samples: [
          { at: since + 10, cpu: 10, memory: 20, disk: 30, clients: 1 },
          { at: since + 20, cpu: 15, memory: 20, disk: 30, clients: 1 },
          { at: until - 10, cpu: 90, memory: 25, disk: 30, clients: 2 },
        ],
        gaps: [{ start: since + 100, end: since + 200 }],
      });
    make();
    await start();
    // The window opens on the overview: the stats trend is loaded with the plant view.
    view.tabs.select("plant");
    await vi.waitFor(() => expect(ipc.statsTrendCalls.length).toBeGreaterThan(0));
    expect(ipc.statsTrendCalls[0]).toEqual({ since: now - 3600, until: now });
    await vi.waitFor(() => expect($("#stats-trend-cpu").getAttribute("data-runs")).toBe("2"));
    expect(document.querySelectorAll("#stats-trend-cpu rect.chart-gap")).toHaveLength(1);
    expect($("#stats-trend-cpu").getAttribute("aria-label")).toBe("CPU: last 90 %, lowest 10 %, highest 90 %");
    expect($("#stats-trend-memory path").getAttribute("d")).not.toBe("");
    const range = $("#stats-range") as HTMLSelectElement;
    range.value = "day";
    range.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(ipc.statsTrendCalls.at(-1)).toEqual({ since: now - 86_400, until: now }));
  });

  it("refreshes every 30 s", async () => {
    vi.useFakeTimers();
    make();
    const started = controller.start();
    await vi.advanceTimersByTimeAsync(0);
    ipc.resolveSnapshot(snapshot());
    await started;
    view.tabs.select("plant");
    await vi.advanceTimersByTimeAsync(0);
    const first = ipc.statsTrendCalls.length;
    expect(first).toBe(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(ipc.statsTrendCalls.length).toBe(2);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(ipc.statsTrendCalls.length).toBe(3);
  });
});

describe("alerts & events view: the journal", () => {
  const entries: JournalEntry[] = [
    { id: 1, at: now - 7000, kind: "link", subject: "link", text: "Link changed from Real-time to Offline", data: {}, message: null },
    { id: 2, at: now - 60, kind: "relay_switched", subject: "r1", text: HOSTILE, data: { to: true }, message: null },
  ];

  it("loads the shift when the view is first shown, newest first", async () => {
    ipc.journalAnswer = () => Promise.resolve(entries);
    make();
    await start();
    expect(ipc.journalCalls).toEqual([]);
    $("#tab-alerts").click();
    await vi.waitFor(() => expect(document.querySelectorAll("#journal li.journal-entry")).toHaveLength(2));
    expect(ipc.journalCalls[0]).toEqual({ since: now - 8 * 3600, limit: 2000 });
    const ids = [...document.querySelectorAll("#journal li")].map((li) => li.getAttribute("data-journal-id"));
    expect(ids).toEqual(["2", "1"]);
    expect(text('#journal li[data-journal-id="2"] .journal-text')).toBe(HOSTILE);
    expect(document.querySelector("img")).toBeNull();
    // Another period: loaded at once with its start.
    const range = $("#journal-range") as HTMLSelectElement;
    range.value = "week";
    range.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(ipc.journalCalls.at(-1)).toEqual({ since: now - 7 * 86_400, limit: 2000 }));
  });

  it("words an entry the console sent as a message in the current language, in place", async () => {
    ipc.journalAnswer = () =>
      Promise.resolve([
        { id: 3, at: now - 30, kind: "device_removed", subject: "d1", text: "Device Boiler was removed", data: {}, message: { id: "journal-device-removed", args: { name: "Boiler" } } },
      ]);
    make();
    await start();
    $("#tab-alerts").click();
    await vi.waitFor(() => expect(document.querySelectorAll("#journal li.journal-entry")).toHaveLength(1));
    const sentence = $('#journal li[data-journal-id="3"] .journal-text');
    expect(sentence.textContent).toBe("Device Boiler was removed");
    setLanguage("fa");
    try {
      expect($('#journal li[data-journal-id="3"] .journal-text')).toBe(sentence);
      expect(sentence.textContent).toBe("دستگاه \u2068Boiler\u2069 حذف شد");
    } finally {
      setLanguage("en");
    }
  });

  it("loads again on batches, at most once per 2 s, only while shown", async () => {
    vi.useFakeTimers();
    make();
    const started = controller.start();
    await vi.advanceTimersByTimeAsync(0);
    ipc.resolveSnapshot(snapshot({ devices: [device("a")] }));
    await started;
    await vi.advanceTimersByTimeAsync(0);
    // Hidden view: batches only mark it out of date.
    ipc.emit(batch({ devices: [device("a", { status: "fault" })] }));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(ipc.journalCalls).toHaveLength(0);
    $("#tab-alerts").click();
    await vi.advanceTimersByTimeAsync(0);
    expect(ipc.journalCalls).toHaveLength(1);
    for (let i = 0; i < 20; i++) {
      ipc.emit(batch({ devices: [device("a", { value: i })] }));
      await vi.advanceTimersByTimeAsync(100);
    }
    // 20 batches in 2 s: one load at the start, one 2 s later.
    expect(ipc.journalCalls).toHaveLength(2);
    ipc.emit(batch({ devices: [device("a", { value: 99 })] }));
    await vi.advanceTimersByTimeAsync(100);
    expect(ipc.journalCalls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(ipc.journalCalls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ipc.journalCalls).toHaveLength(3);
    // A command step is journaled too.
    ipc.emitCommand({
      request_id: "q1",
      relay_id: "r1",
      state: true,
      status: "sent",
      issued_at: now,
      expires_at: now + 120,
      updated_at: now,
      attempts: 1,
      error: null,
      operator: "op",
      signed_in: null,
      signed_in_role: null,
      plant: "http://plant.local:5000",
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(ipc.journalCalls).toHaveLength(4);
  });

  it("says why the journal could not be loaded", async () => {
    ipc.journalAnswer = () => Promise.reject({ code: "console", message: "database is locked" });
    make();
    await start();
    $("#tab-alerts").click();
    await vi.waitFor(() => expect(text("#journal-error")).toBe("Could not load the events: database is locked"));
    expect($("#journal-error").hidden).toBe(false);
  });
});

describe("diagnostics view", () => {
  it("shows the link's figures, the time in each mode and the folders as text", async () => {
    ipc.diagnosticsAnswer = () =>
      Promise.resolve(
        diagnosticsFixture({
          link: linkStatus("fallback", { since: now - 90, last_message_at: now - 2 }),
          time_in_modes: [
            ["offline", 600],
            ["realtime", 3000],
            ["fallback", 0],
          ],
          data_dir: HOSTILE,
        }),
      );
    ipc.journalAnswer = (q) =>
      Promise.resolve(
        q.kind === "link"
          ? [
              { id: 4, at: now - 500, kind: "link", subject: "link", text: "Link changed from Offline to Real-time", data: {}, message: null },
              { id: 5, at: now - 90, kind: "link", subject: "link", text: "Link changed from Real-time to HTTP fallback", data: {}, message: null },
            ]
          : [],
      );
    make();
    await start();
    $("#tab-diagnostics").click();
    await vi.waitFor(() => expect(text("#diag-link")).toBe("HTTP fallback"));
    expect($("#diag-link").getAttribute("data-mode")).toBe("fallback");
    expect(text("#diag-rtt")).toBe("12 ms");
    expect(text("#diag-rate")).toBe("5.5 /s");
    expect(text("#diag-messages")).toBe("1234");
    expect(text("#diag-reconnects")).toBe("2");
    expect(text("#diag-dropped-frames")).toBe("0");
    expect(text("#diag-alerts-dropped")).toBe("1");
    expect(text("#diag-last-message")).toBe("2 s ago");
    expect(text("#diag-link-since")).toContain("1 min ago");
    const modes = [...document.querySelectorAll("#diag-modes tbody tr")].map((tr) => [
      tr.getAttribute("data-mode"),
      ...[...tr.children].map((c) => c.textContent),
    ]);
    expect(modes).toEqual([
      ["realtime", "Real-time", "50 min", "83.3 %"],
      ["fallback", "HTTP fallback", "0 s", "0 %"],
      ["offline", "Offline", "10 min", "16.7 %"],
    ]);
    expect(text("#diag-data-dir")).toBe(HOSTILE);
    expect(text("#diag-log-dir")).toBe("/var/lib/plant-console/logs");
    expect(document.querySelector("img")).toBeNull();
    await vi.waitFor(() => expect(document.querySelectorAll("#diag-link-changes li")).toHaveLength(2));
    expect(ipc.journalCalls.find((q) => q.kind === "link")).toEqual({ since: now - 7 * 86_400, kind: "link", limit: 50 });
    expect([...document.querySelectorAll("#diag-link-changes li")].map((li) => li.getAttribute("data-journal-id"))).toEqual(["5", "4"]);
  });

  it("sends a test notification and says Sent, or why not", async () => {
    make();
    await start();
    $("#tab-diagnostics").click();
    const button = $("#test-notification") as HTMLButtonElement;
    button.click();
    expect(ipc.testNotificationCalls).toBe(1);
    await vi.waitFor(() => expect(text("#test-notification-result")).toBe("Sent"));
    expect($("#test-notification-result").getAttribute("data-result")).toBe("sent");
    expect(button.disabled).toBe(false);
    ipc.testNotificationAnswer = () => Promise.reject({ code: "console", message: "no notification daemon" });
    button.click();
    await vi.waitFor(() => expect(text("#test-notification-result")).toBe("Not sent: no notification daemon"));
    expect($("#test-notification-result").getAttribute("data-result")).toBe("failed");
  });
});

describe("Loader", () => {
  it("never runs two loads at once and keeps the minimum interval", async () => {
    vi.useFakeTimers();
    let running = 0;
    let most = 0;
    let runs = 0;
    const loader = new Loader(async () => {
      running++;
      runs++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 500));
      running--;
    }, 2_000);
    loader.request();
    loader.request();
    loader.request();
    await vi.advanceTimersByTimeAsync(600);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(runs).toBe(2);
    loader.now();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(2); // after the one in flight
    await vi.advanceTimersByTimeAsync(3_000);
    expect(runs).toBe(3);
    expect(most).toBe(1);
    loader.stop();
    loader.request();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toBe(3);
  });
});
