// @vitest-environment jsdom
// Alarms in the page, driven through the controller with the fake IPC: the
// banner in every view, the summary (order, filters, acknowledging, shelving,
// resetting, an alarm's history), the keys, the sound, the journal and its
// export, the KPIs, and the plant's words shown as text.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller } from "../src/controllers";
import { setLanguage } from "../src/strings";
import type { AlarmStatus, AlarmView, ConsoleSnapshot } from "../src/types";
import { AppView } from "../src/views/app";
import type { SoundPlayer, Tone } from "../src/views/annunciator";
import { alarmKpisFixture, fakeIpc, settingsFixture, type FakeIpc } from "./fake-ipc";
import { $, alarm, alarmStatus, batch, DEFAULT_ALARM_PREFS, HOSTILE, snapshot, text, transition } from "./fixtures";

/** 2024-05-31 14:03:09 local time. */
const NOW = new Date(2024, 4, 31, 14, 3, 9).getTime() / 1000;

let view: AppView;
let ipc: FakeIpc;
let controller: Controller;
/** What each tone's player was asked, in order ("play critical", "pause critical"…). */
let sounds: string[];
/** Makes the players fail the way a machine without an audio device does. */
let playFails: "no" | "rejects" | "throws";

function player(tone: Tone): SoundPlayer {
  return {
    play: () => {
      sounds.push(`play ${tone}`);
      if (playFails === "throws") throw new Error("no audio device");
      return playFails === "rejects" ? Promise.reject(new Error("NotAllowedError")) : Promise.resolve();
    },
    pause: () => {
      sounds.push(`pause ${tone}`);
    },
  };
}

function button(selector: string): HTMLButtonElement {
  return $(selector) as HTMLButtonElement;
}

function input(selector: string): HTMLInputElement {
  return $(selector) as HTMLInputElement;
}

function rowIds(): number[] {
  return [...document.querySelectorAll("#alarms tbody tr")].map((tr) => Number(tr.getAttribute("data-alarm-id")));
}

function row(id: number): HTMLElement {
  return $(`#alarms tr[data-alarm-id="${id}"]`);
}

/** A status with these unacknowledged counts and top alarm. */
function status(top: AlarmView | null, counts: Partial<AlarmStatus["unacknowledged"]> = {}, sounding: AlarmStatus["sounding"] = null): AlarmStatus {
  const unacknowledged = { critical: 0, high: 0, medium: 0, low: 0, ...counts };
  return alarmStatus({ unacknowledged, active: unacknowledged, top, sounding });
}

async function start(snap: ConsoleSnapshot, alarms: AlarmView[] = []): Promise<void> {
  ipc.alarmsAnswer = alarms;
  const started = controller.start();
  await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
  ipc.resolveSnapshot(snap);
  await started;
  await vi.waitFor(() => expect(ipc.alarmsCalls).toBeGreaterThan(0));
}

/** Ctrl+Shift and a physical key, as the keyboard sends it (wherever the focus is). */
function press(code: string, target: EventTarget = document.body): KeyboardEvent {
  const ev = new KeyboardEvent("keydown", { code, key: code.slice(-1).toLowerCase(), ctrlKey: true, shiftKey: true, bubbles: true, cancelable: true });
  target.dispatchEvent(ev);
  return ev;
}

function type(selector: string, value: string): void {
  const field = $(selector) as HTMLInputElement | HTMLTextAreaElement;
  field.value = value;
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

function choose(selector: string, value: string): void {
  const select = $(selector) as HTMLSelectElement;
  select.value = value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

function tick(selector: string, checked = true): void {
  const box = input(selector);
  box.checked = checked;
  box.dispatchEvent(new Event("change", { bubbles: true }));
}

beforeEach(() => {
  document.body.replaceChildren();
  sounds = [];
  playFails = "no";
  view = new AppView(document, { playerFactory: (tone) => player(tone) });
  view.mount(document.body);
  ipc = fakeIpc();
  controller = new Controller({
    ipc,
    view,
    now: () => NOW,
    scheduleFrame: (cb) => cb(),
    retryMinMs: 10,
    alertReloadMs: 0,
    alarmReloadMs: 0,
  });
});

afterEach(() => {
  controller.stop();
  view.dispose();
  setLanguage("en");
});

describe("the alarm banner", () => {
  it("shows the newest highest-priority unacknowledged alarm and the counts per priority, in every view", async () => {
    const top = alarm(7, { priority: "critical", source: "boiler-1", activated_at: new Date(2024, 4, 31, 14, 1, 2).getTime() / 1000 });
    await start(snapshot({ alarm_status: status(top, { critical: 1, high: 3, low: 2 }) }), [top]);
    const banner = $("#alarm-banner");
    expect(banner.closest('[role="tabpanel"]')).toBeNull();
    expect(banner.getAttribute("data-priority")).toBe("critical");
    expect($("#alarm-banner-top").hidden).toBe(false);
    expect(text("#alarm-banner-top .priority")).toBe("Critical");
    expect(text("#alarm-banner-time")).toBe("14:01:02");
    expect(text("#alarm-banner-source")).toBe("boiler-1");
    expect(text("#alarm-banner-message")).toBe("boiler-1 reports a fault");
    const counts = [...document.querySelectorAll("#alarm-banner-counts .alarm-count")].map((c) => [
      c.getAttribute("data-priority"),
      c.getAttribute("data-count"),
      c.textContent,
    ]);
    expect(counts).toEqual([
      ["critical", "1", "Critical 1"],
      ["high", "3", "High 3"],
      ["medium", "0", "Medium 0"],
      ["low", "2", "Low 2"],
    ]);
    expect($('#alarm-banner-counts [data-priority="high"]').getAttribute("title")).toBe("Unacknowledged alarms of priority High: 3");
    // The same banner whatever the view.
    $("#tab-settings").click();
    expect($("#alarm-banner").hidden).toBe(false);
  });

  it("acknowledges the alarm it shows, once, and names its keys in its buttons' titles", async () => {
    const top = alarm(7, { priority: "critical" });
    await start(snapshot({ alarm_status: status(top, { critical: 1 }) }), [top]);
    expect(button("#alarm-banner-ack").title).toBe("Acknowledge the alarm shown (Ctrl+Shift+A)");
    expect(button("#alarm-banner-silence").title).toBe("Silence the alarm sound until a new alarm sounds (Ctrl+Shift+S)");
    expect(button("#alarm-banner-summary").title).toBe("Open the alarm summary (Ctrl+Shift+L)");
    let answer!: (n: number) => void;
    ipc.alarmActionAnswer = () => new Promise((resolve) => (answer = resolve));
    button("#alarm-banner-ack").click();
    button("#alarm-banner-ack").click();
    expect(ipc.alarmActionCalls).toEqual([{ action: "acknowledge", args: [7] }]);
    expect(button("#alarm-banner-ack").disabled).toBe(true);
    answer(1);
    await vi.waitFor(() => expect(button("#alarm-banner-ack").disabled).toBe(false));
    // The console's next status has no unacknowledged alarm left.
    ipc.emit(batch({ alarm_status: status(null), alarms: [alarm(7, { priority: "critical", state: "ack_active", changed_at: 2000 })] }));
    expect($("#alarm-banner-top").hidden).toBe(true);
    expect(text("#alarm-banner-none")).toBe("No unacknowledged alarm.");
    expect($("#alarm-banner").getAttribute("data-priority")).toBe("none");
    expect(button("#alarm-banner-ack").disabled).toBe(true);
  });

  it("says where an acknowledgement from it failed, and lets it be tried again", async () => {
    const top = alarm(7);
    await start(snapshot({ alarm_status: status(top, { high: 1 }) }), [top]);
    ipc.alarmActionAnswer = () => Promise.reject({ code: "unknown_alarm", message: "no alarm with id 7" });
    button("#alarm-banner-ack").click();
    await vi.waitFor(() => expect($("#alarm-banner-error").hidden).toBe(false));
    expect(text("#alarm-banner-error")).toBe("The alarm action was not done: no alarm with id 7");
    expect(button("#alarm-banner-ack").disabled).toBe(false);
  });

  it("leads to the alarm summary, with the focus on it", async () => {
    await start(snapshot());
    expect($("#view-alarms").hidden).toBe(true);
    button("#alarm-banner-summary").click();
    expect($("#tab-alarms").getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement?.id).toBe("alarms-region");
  });
});

describe("the alarm summary", () => {
  const list = [
    alarm(1, { priority: "low", source: "fan-1", changed_at: 1900 }),
    alarm(2, { priority: "critical", source: "boiler-1", changed_at: 1100, first_out: true }),
    alarm(3, { priority: "high", source: "pump-3", changed_at: 1500, state: "ack_active", acknowledged: true, chattering: true }),
    alarm(4, { priority: "high", source: "valve-4", changed_at: 1600 }),
    alarm(5, { priority: "medium", source: "tank-5", state: "latched", active: false, acknowledged: true, latching: true }),
  ];

  it("lists the alarms by priority then newest, with priority, state, time, source, message and marks", async () => {
    // Out of order, as a careless answer could be: the view keeps the console's order.
    await start(snapshot(), [...list].reverse());
    expect(rowIds()).toEqual([2, 4, 3, 5, 1]);
    expect(text('#alarms tr[data-alarm-id="2"] .priority')).toBe("Critical");
    expect(text('#alarms tr[data-alarm-id="2"] .alarm-state')).toBe("Active, unacknowledged");
    expect(text('#alarms tr[data-alarm-id="5"] .alarm-state')).toBe("Latched, to reset");
    expect(text('#alarms tr[data-alarm-id="2"] .alarm-source')).toBe("boiler-1");
    expect(text('#alarms tr[data-alarm-id="2"] .alarm-message')).toBe("boiler-1 reports a fault");
    expect(row(2).querySelector(".mark-first-out")?.textContent).toBe("First out");
    expect(row(3).querySelector(".mark-chattering")?.textContent).toBe("Chattering");
    expect(row(4).querySelector(".mark")).toBeNull();
    expect(text("#alarms-summary")).toBe("5 of 5 alarms shown");
    expect(row(2).getAttribute("data-state")).toBe("unack_active");
  });

  it("filters by priority, state, text and first-out", async () => {
    await start(snapshot(), list);
    choose("#alarm-priority-filter", "high");
    expect(rowIds()).toEqual([4, 3]);
    choose("#alarm-priority-filter", "");
    choose("#alarm-state-filter", "latched");
    expect(rowIds()).toEqual([5]);
    choose("#alarm-state-filter", "");
    type("#alarm-text-filter", "PUMP");
    expect(rowIds()).toEqual([3]);
    type("#alarm-text-filter", "reports a fault");
    expect(rowIds()).toEqual([2, 4, 3, 5, 1]);
    type("#alarm-text-filter", "nothing like it");
    expect(rowIds()).toEqual([]);
    expect(text("#alarms-empty")).toBe("No alarm matches the filters.");
    type("#alarm-text-filter", "");
    tick("#alarm-first-out");
    expect(rowIds()).toEqual([2]);
    expect(text("#alarms-summary")).toBe("1 of 5 alarms shown");
  });

  it("acknowledges one alarm, the ticked ones, or every unacknowledged one shown", async () => {
    await start(snapshot(), list);
    // Only unacknowledged alarms have the button.
    expect(row(3).querySelector(".alarm-ack")).toBeNull();
    expect(row(5).querySelector(".alarm-ack")).toBeNull();
    (row(4).querySelector(".alarm-ack") as HTMLButtonElement).click();
    expect(ipc.alarmActionCalls.at(-1)).toEqual({ action: "acknowledge", args: [4] });

    expect(button("#alarm-ack-selected").disabled).toBe(true);
    tick('#alarms tr[data-alarm-id="2"] .alarm-select');
    tick('#alarms tr[data-alarm-id="1"] .alarm-select');
    // Ticked but acknowledged already: not sent.
    tick('#alarms tr[data-alarm-id="3"] .alarm-select');
    expect(text("#alarm-ack-selected")).toBe("Acknowledge selected (2)");
    button("#alarm-ack-selected").click();
    expect(ipc.alarmActionCalls.at(-1)).toEqual({ action: "acknowledge", args: [2, 1] });
    await vi.waitFor(() => expect(input('#alarms tr[data-alarm-id="2"] .alarm-select').checked).toBe(false));

    // "All shown" is what the filters show.
    choose("#alarm-priority-filter", "high");
    button("#alarm-ack-page").click();
    expect(ipc.alarmActionCalls.at(-1)).toEqual({ action: "acknowledge", args: [4] });
  });

  it("ticks every alarm shown with the heading's box", async () => {
    await start(snapshot(), list);
    tick("#alarm-select-all");
    expect([...document.querySelectorAll<HTMLInputElement>("#alarms tbody .alarm-select")].every((b) => b.checked)).toBe(true);
    button("#alarm-ack-selected").click();
    expect(ipc.alarmActionCalls.at(-1)).toEqual({ action: "acknowledge", args: [2, 4, 1] });
  });

  it("shelves with a reason only: the dialog refuses an empty one and sends nothing", async () => {
    await start(snapshot(), list);
    const shelve = row(4).querySelector(".alarm-shelve") as HTMLButtonElement;
    expect(shelve.getAttribute("aria-label")).toBe("Shelve the alarm: valve-4 reports a fault");
    shelve.click();
    const dialog = $("#alarm-shelve-dialog") as HTMLDialogElement;
    expect(dialog.hasAttribute("open")).toBe(true);
    expect(text("#alarm-shelve-title")).toBe("Shelve: valve-4 reports a fault");
    expect(input("#alarm-shelve-minutes").value).toBe("15");
    expect(document.activeElement?.id).toBe("alarm-shelve-cancel");
    $("#alarm-shelve-form").dispatchEvent(new Event("submit", { cancelable: true }));
    expect(ipc.alarmActionCalls).toEqual([]);
    expect($("#alarm-shelve-reason-error").hidden).toBe(false);
    expect(text("#alarm-shelve-reason-error")).toBe("A reason is required.");
    expect($("#alarm-shelve-reason").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement?.id).toBe("alarm-shelve-reason");
    type("#alarm-shelve-reason", "   ");
    $("#alarm-shelve-form").dispatchEvent(new Event("submit", { cancelable: true }));
    expect(ipc.alarmActionCalls).toEqual([]);

    type("#alarm-shelve-minutes", "30");
    type("#alarm-shelve-reason", "  sensor being replaced ");
    $("#alarm-shelve-form").dispatchEvent(new Event("submit", { cancelable: true }));
    expect(ipc.alarmActionCalls).toEqual([{ action: "shelve", args: { id: 4, minutes: 30, reason: "sensor being replaced" } }]);
    expect(dialog.hasAttribute("open")).toBe(false);
  });

  it("proposes the site's shelf and holds to its longest one, once the settings say them", async () => {
    const answer = settingsFixture();
    ipc.getSettingsAnswer = () =>
      Promise.resolve({
        ...answer,
        settings: {
          ...answer.settings,
          alerts: { ...answer.settings.alerts, alarms: { ...DEFAULT_ALARM_PREFS, default_shelve_minutes: 30, max_shelve_minutes: 60 } },
        },
      });
    await start(snapshot(), list);
    await vi.waitFor(() => expect(ipc.getSettingsCalls).toBeGreaterThan(0));
    await vi.waitFor(() => expect(text("#alarm-shelve-minutes-help")).toBe("From 1 to 60 minutes."));
    (row(4).querySelector(".alarm-shelve") as HTMLButtonElement).click();
    expect(input("#alarm-shelve-minutes").value).toBe("30");
    type("#alarm-shelve-minutes", "90");
    type("#alarm-shelve-reason", "maintenance");
    $("#alarm-shelve-form").dispatchEvent(new Event("submit", { cancelable: true }));
    expect(ipc.alarmActionCalls).toEqual([]);
    expect(text("#alarm-shelve-minutes-error")).toBe("Give a whole number of minutes from 1 to 60.");
    type("#alarm-shelve-minutes", "60");
    $("#alarm-shelve-form").dispatchEvent(new Event("submit", { cancelable: true }));
    expect(ipc.alarmActionCalls).toEqual([{ action: "shelve", args: { id: 4, minutes: 60, reason: "maintenance" } }]);
  });

  it("cancels a shelving with Cancel, and says why the console refused one", async () => {
    await start(snapshot(), list);
    (row(4).querySelector(".alarm-shelve") as HTMLButtonElement).click();
    button("#alarm-shelve-cancel").click();
    expect($("#alarm-shelve-dialog").hasAttribute("open")).toBe(false);
    expect(ipc.alarmActionCalls).toEqual([]);

    ipc.alarmActionAnswer = () => Promise.reject({ code: "alarm_refused", message: "alarms can be shelved for at most 480 minutes" });
    (row(4).querySelector(".alarm-shelve") as HTMLButtonElement).click();
    type("#alarm-shelve-reason", "maintenance");
    $("#alarm-shelve-form").dispatchEvent(new Event("submit", { cancelable: true }));
    await vi.waitFor(() => expect($("#alarms-action-error").hidden).toBe(false));
    expect(text("#alarms-action-error")).toBe("The alarm action was not done: alarms can be shelved for at most 480 minutes");
  });

  it("offers Reset for a latched alarm only, and Unshelve for a shelved one", async () => {
    await start(snapshot(), [
      ...list,
      alarm(6, { state: "shelved", shelved_until: NOW + 600, reason: "maintenance", priority: "low", changed_at: 100 }),
    ]);
    expect([...document.querySelectorAll("#alarms .alarm-reset")].map((b) => b.closest("tr")?.getAttribute("data-alarm-id"))).toEqual(["5"]);
    expect([...document.querySelectorAll("#alarms .alarm-unshelve")].map((b) => b.closest("tr")?.getAttribute("data-alarm-id"))).toEqual(["6"]);
    expect(row(6).querySelector(".alarm-shelve")).toBeNull();
    expect(row(6).querySelector(".alarm-shelved-until")?.textContent).toBe("until 14:14");
    (row(5).querySelector(".alarm-reset") as HTMLButtonElement).click();
    expect(ipc.alarmActionCalls.at(-1)).toEqual({ action: "reset", args: 5 });
    (row(6).querySelector(".alarm-unshelve") as HTMLButtonElement).click();
    expect(ipc.alarmActionCalls.at(-1)).toEqual({ action: "unshelve", args: 6 });
  });

  it("moves a row that a batch upserts to its new place, and drops one that returned to normal", async () => {
    await start(snapshot(), list);
    const moved = row(1);
    expect(rowIds()).toEqual([2, 4, 3, 5, 1]);
    ipc.emit(batch({ alarms: [alarm(1, { priority: "critical", source: "fan-1", changed_at: 3000 })] }));
    expect(rowIds()).toEqual([1, 2, 4, 3, 5]);
    // The same row, moved: not drawn anew.
    expect(row(1)).toBe(moved);
    expect(text('#alarms tr[data-alarm-id="1"] .priority')).toBe("Critical");
    ipc.emit(batch({ alarms: [alarm(4, { state: "normal", active: false, changed_at: 3100 })] }));
    expect(rowIds()).toEqual([1, 2, 3, 5]);
    // A new alarm lands in its place.
    ipc.emit(batch({ alarms: [alarm(9, { priority: "high", changed_at: 3200 })] }));
    expect(rowIds()).toEqual([1, 2, 9, 3, 5]);
  });

  it("opens an alarm's history under the list when its row is chosen", async () => {
    await start(snapshot(), list);
    ipc.alarmHistoryAnswer = (id) =>
      Promise.resolve([
        transition(10, { alarm_id: id, at: NOW - 120 }),
        transition(11, { alarm_id: id, at: NOW - 60, event: "acknowledge", from: "unack_active", to: "ack_active", by: "operator-1" }),
        transition(12, { alarm_id: id, at: NOW - 30, event: "shelve", from: "ack_active", to: "shelved", by: "operator-1", reason: HOSTILE }),
      ]);
    expect($("#alarm-history").hidden).toBe(true);
    (row(3).querySelector(".alarm-message") as HTMLElement).click();
    expect(ipc.alarmHistoryCalls).toEqual([3]);
    expect($("#alarm-history").hidden).toBe(false);
    expect(text("#alarm-history-heading")).toBe("History: pump-3 reports a fault");
    await vi.waitFor(() => expect(document.querySelectorAll("#alarm-history-table tbody tr")).toHaveLength(3));
    const rows = [...document.querySelectorAll("#alarm-history-table tbody tr")].map((tr) =>
      [...tr.children].map((td) => td.textContent),
    );
    expect(rows[0]).toEqual(["14:02:39", "Shelved", "Active, acknowledged → Shelved", "operator-1", HOSTILE]);
    expect(rows[2]).toEqual(["14:01:09", "Activated", "Normal → Active, unacknowledged", "the plant", "—"]);
    expect(document.querySelector("#alarm-history-table img")).toBeNull();
    expect(row(3).getAttribute("aria-selected")).toBe("true");
    // Enter on another row opens its history instead.
    row(2).dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(ipc.alarmHistoryCalls).toEqual([3, 2]);
    button("#alarm-history-close").click();
    expect($("#alarm-history").hidden).toBe(true);
  });

  it("shows no rows and says so until the console has answered, and why it could not load", async () => {
    ipc.alarmsAnswer = new Error("database is locked");
    const started = controller.start();
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
    ipc.resolveSnapshot(snapshot());
    await started;
    expect(text("#alarms-empty")).toBe("Loading the alarms…");
    await vi.waitFor(() => expect($("#alarms-error").hidden).toBe(false));
    expect(text("#alarms-error")).toBe("Could not load the alarms: database is locked");
    ipc.alarmsAnswer = [];
    await vi.waitFor(() => expect(text("#alarms-empty")).toBe("No alarm is active or waiting for an acknowledgement."));
    expect($("#alarms-error").hidden).toBe(true);
  });
});

describe("the alarm keys", () => {
  it("acknowledge the top alarm, silence, and open the summary, by physical key", async () => {
    const top = alarm(2, { priority: "critical" });
    await start(snapshot({ alarm_status: status(top, { critical: 1 }, "critical") }), [top, alarm(4)]);
    const ack = press("KeyA");
    expect(ack.defaultPrevented).toBe(true);
    expect(ipc.alarmActionCalls).toEqual([{ action: "acknowledge", args: [2] }]);
    press("KeyS");
    expect(ipc.alarmActionCalls.at(-1)).toEqual({ action: "silence" });
    press("KeyL", $("#tab-plant"));
    expect($("#tab-alarms").getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement?.id).toBe("alarms-region");
  });

  it("acknowledge the ticked alarms while the summary is shown, the top one otherwise", async () => {
    const top = alarm(2, { priority: "critical" });
    await start(snapshot({ alarm_status: status(top, { critical: 1, high: 1 }) }), [top, alarm(4)]);
    $("#tab-alarms").click();
    tick('#alarms tr[data-alarm-id="4"] .alarm-select');
    press("KeyA");
    expect(ipc.alarmActionCalls.at(-1)).toEqual({ action: "acknowledge", args: [4] });
    await vi.waitFor(() => expect(input('#alarms tr[data-alarm-id="4"] .alarm-select').checked).toBe(false));
    tick('#alarms tr[data-alarm-id="4"] .alarm-select');
    $("#tab-plant").click();
    press("KeyA");
    expect(ipc.alarmActionCalls.at(-1)).toEqual({ action: "acknowledge", args: [2] });
  });

  it("are the same keys in Persian, where the letters differ, and want Ctrl and Shift both", async () => {
    const top = alarm(2, { priority: "critical" });
    await start(snapshot({ alarm_status: status(top, { critical: 1 }) }), [top]);
    await vi.waitFor(() => expect(ipc.getSettingsCalls).toBeGreaterThan(0));
    setLanguage("fa");
    document.body.dispatchEvent(new KeyboardEvent("keydown", { code: "KeyA", key: "ش", ctrlKey: true, shiftKey: true, bubbles: true }));
    expect(ipc.alarmActionCalls).toEqual([{ action: "acknowledge", args: [2] }]);
    document.body.dispatchEvent(new KeyboardEvent("keydown", { code: "KeyS", key: "s", ctrlKey: true, bubbles: true }));
    document.body.dispatchEvent(new KeyboardEvent("keydown", { code: "KeyS", key: "S", shiftKey: true, bubbles: true }));
    expect(ipc.alarmActionCalls).toHaveLength(1);
    expect(button("#alarm-banner-ack").title).toBe("تصدیق آلارم نشان‌داده‌شده (Ctrl+Shift+A)");
  });

  it("wait while the shelving dialog asks its question", async () => {
    const top = alarm(2, { priority: "critical" });
    await start(snapshot({ alarm_status: status(top, { critical: 1 }) }), [top]);
    (row(2).querySelector(".alarm-shelve") as HTMLButtonElement).click();
    press("KeyA", $("#alarm-shelve-reason"));
    expect(ipc.alarmActionCalls).toEqual([]);
  });
});

describe("the alarm sound", () => {
  async function startWithSound(on: boolean, sounding: AlarmStatus["sounding"]): Promise<void> {
    const answer = settingsFixture();
    ipc.getSettingsAnswer = () =>
      Promise.resolve({ ...answer, settings: { ...answer.settings, alerts: { ...answer.settings.alerts, alarm_sound: on } } });
    const top = alarm(2, { priority: sounding === "high" ? "high" : "critical" });
    await start(snapshot({ alarm_status: status(top, { critical: 1 }, sounding) }), [top]);
    await vi.waitFor(() => expect(ipc.getSettingsCalls).toBeGreaterThan(0));
  }

  it("loops the critical tone while a critical alarm sounds and the setting is on, and stops when silenced", async () => {
    await startWithSound(true, "critical");
    await vi.waitFor(() => expect(sounds).toEqual(["play critical"]));
    expect(view.annunciator.tone).toBe("critical");
    // The console says nothing sounds any more (silenced or acknowledged).
    ipc.emit(batch({ alarm_status: status(alarm(2, { priority: "critical" }), { critical: 1 }, null) }));
    expect(sounds).toEqual(["play critical", "pause critical"]);
    expect(view.annunciator.tone).toBeNull();
  });

  it("plays the high tone for a high alarm, and switches to the critical one when a critical alarm comes", async () => {
    await startWithSound(true, "high");
    await vi.waitFor(() => expect(sounds).toEqual(["play high"]));
    ipc.emit(batch({ alarm_status: status(alarm(3, { priority: "critical" }), { critical: 1, high: 1 }, "critical") }));
    expect(sounds).toEqual(["play high", "pause high", "play critical"]);
  });

  it("stays silent while the setting is off, whatever sounds", async () => {
    await startWithSound(false, "critical");
    await vi.waitFor(() => expect($("#alarm-banner").getAttribute("data-priority")).toBe("critical"));
    expect(sounds).toEqual([]);
    expect(view.annunciator.tone).toBeNull();
  });

  it("stays silent with the setting on while nothing sounds", async () => {
    await startWithSound(true, null);
    expect(sounds).toEqual([]);
  });

  it("goes on without a sound when the machine cannot play one, and tries again at the next key", async () => {
    playFails = "throws";
    await startWithSound(true, "critical");
    await vi.waitFor(() => expect(sounds).toEqual(["play critical"]));
    // The window still works.
    button("#alarm-banner-ack").click();
    expect(ipc.alarmActionCalls).toEqual([{ action: "acknowledge", args: [2] }]);
    playFails = "rejects";
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "x", bubbles: true }));
    expect(sounds).toEqual(["play critical", "play critical"]);
    // A rejected play is swallowed too.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(view.annunciator.tone).toBe("critical");
  });

  it("is set in the Settings view's alert section, off unless ticked", async () => {
    await startWithSound(false, null);
    $("#tab-settings").click();
    await vi.waitFor(() => expect(document.querySelector("#settings-alarm-sound")).not.toBeNull());
    const box = input("#settings-alarm-sound");
    await vi.waitFor(() => expect(box.disabled).toBe(false));
    expect(box.checked).toBe(false);
    expect(box.closest("fieldset")?.querySelector("legend")?.id).toBe("settings-alerts-heading");
    expect(text("#settings-alarm-sound-help")).toContain("(Ctrl+Shift+S)");
    tick("#settings-alarm-sound");
    $("#settings-form").dispatchEvent(new Event("submit", { cancelable: true }));
    await vi.waitFor(() => expect(ipc.saveSettingsCalls).toHaveLength(1));
    expect(ipc.saveSettingsCalls[0]?.settings.alerts.alarm_sound).toBe(true);
  });
});

describe("the alarm journal", () => {
  it("lists the period's transitions, filters them, and loads another period when asked", async () => {
    ipc.alarmJournalAnswer = () =>
      Promise.resolve([
        transition(3, { at: NOW - 30, event: "acknowledge", from: "unack_active", to: "ack_active", by: "operator-1", source: "pump-3" }),
        transition(2, { at: NOW - 60, priority: "critical", source: "boiler-1" }),
        transition(1, { at: NOW - 90, source: "pump-3" }),
      ]);
    await start(snapshot());
    $("#tab-alarms").click();
    await vi.waitFor(() => expect(document.querySelectorAll("#alarm-journal tbody tr")).toHaveLength(3));
    expect(ipc.alarmJournalCalls.at(-1)).toEqual({ since: NOW - 8 * 3600, limit: 1000 });
    expect([...$("#alarm-journal tbody tr").children].map((td) => td.textContent)).toEqual([
      "14:02:39",
      "High",
      "pump-3",
      "pump-3 reports a fault",
      "Acknowledged",
      "Active, unacknowledged → Active, acknowledged",
      "operator-1",
      "—",
    ]);
    choose("#alarm-journal-event", "activate");
    expect(view.alarmJournal.shownIds).toEqual([2, 1]);
    choose("#alarm-journal-priority", "critical");
    expect(view.alarmJournal.shownIds).toEqual([2]);
    choose("#alarm-journal-priority", "");
    choose("#alarm-journal-event", "");
    type("#alarm-journal-text", "operator-1");
    expect(view.alarmJournal.shownIds).toEqual([3]);
    choose("#alarm-journal-range", "day");
    await vi.waitFor(() => expect(ipc.alarmJournalCalls.at(-1)).toEqual({ since: NOW - 86400, limit: 1000 }));
  });

  it("exports: the save dialog first, then the console writes the file the operator chose", async () => {
    await start(snapshot());
    $("#tab-alarms").click();
    button("#alarm-journal-export").click();
    expect(text("#alarm-journal-export-status")).toBe("Exporting…");
    expect(button("#alarm-journal-export").disabled).toBe(true);
    await vi.waitFor(() => expect(ipc.exportCalls).toHaveLength(1));
    expect(ipc.saveDialogCalls).toEqual([{ defaultPath: "alarm-journal.csv", filters: [{ name: "CSV files", extensions: ["csv"] }] }]);
    expect(ipc.exportCalls[0]).toEqual({ path: "/home/op/alarm-journal.csv", since: NOW - 8 * 3600, until: NOW });
    await vi.waitFor(() => expect(text("#alarm-journal-export-status")).toBe("3 transitions saved to \u2068/home/op/alarm-journal.csv\u2069."));
    expect(button("#alarm-journal-export").disabled).toBe(false);
  });

  it("writes nothing when the operator cancels the dialog, and says why the console could not", async () => {
    await start(snapshot());
    ipc.saveDialogAnswer = () => Promise.resolve(null);
    button("#alarm-journal-export").click();
    await vi.waitFor(() => expect(ipc.saveDialogCalls).toHaveLength(1));
    await vi.waitFor(() => expect($("#alarm-journal-export-status").hidden).toBe(true));
    expect(ipc.exportCalls).toEqual([]);
    ipc.saveDialogAnswer = () => Promise.resolve("/home/op/alarms.txt");
    ipc.exportAnswer = () => Promise.reject({ code: "export_path", message: "the alarm journal is exported only to a file ending in .csv" });
    button("#alarm-journal-export").click();
    await vi.waitFor(() =>
      expect(text("#alarm-journal-export-status")).toBe(
        "The alarm journal was not exported: the alarm journal is exported only to a file ending in .csv",
      ),
    );
  });
});

describe("the alarm KPIs in Diagnostics", () => {
  it("show the rates, the time in flood, the most frequent and chattering alarms and the priorities", async () => {
    ipc.alarmKpisAnswer = () =>
      Promise.resolve(
        alarmKpisFixture({
          per_10_minutes: 2.46,
          per_hour: 14.75,
          peak_10_minutes: 12,
          flood_percent: 4.17,
          top: [
            { alarm_id: 3, message: { id: "alarm-device_fault", args: { name: "pump-3" } }, activations: 30, share: 0.5 },
            { alarm_id: 1, message: { id: "alarm-device_offline", args: { name: HOSTILE } }, activations: 6, share: 0.1 },
          ],
          chattering: [alarm(3, { source: "pump-3", chattering: true })],
          priorities: { critical: 6, high: 30, medium: 0, low: 24 },
        }),
      );
    await start(snapshot());
    $("#tab-diagnostics").click();
    await vi.waitFor(() => expect($("#alarm-kpis .diag-grid").hidden).toBe(false));
    expect(ipc.alarmKpisCalls).toEqual([24]);
    expect(text("#kpi-per-10-minutes")).toBe("2.5");
    expect(text("#kpi-per-hour")).toBe("14.8");
    expect(text("#kpi-peak-10-minutes")).toBe("12");
    expect(text("#kpi-flood")).toBe("4.2 %");
    const top = [...document.querySelectorAll("#kpi-top tbody tr")].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(top).toEqual([
      ["pump-3 reports a fault", "30", "50 %"],
      [`${HOSTILE} is offline`, "6", "10 %"],
    ]);
    expect(document.querySelector("#kpi-top img")).toBeNull();
    expect(text('#kpi-chattering li[data-alarm-id="3"]')).toBe("pump-3 pump-3 reports a fault");
    const priorities = [...document.querySelectorAll("#kpi-priorities tbody tr")].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(priorities).toEqual([
      ["Critical", "6", "10 %"],
      ["High", "30", "50 %"],
      ["Medium", "0", "0 %"],
      ["Low", "24", "40 %"],
    ]);
  });

  it("say when there is nothing to list", async () => {
    await start(snapshot());
    $("#tab-diagnostics").click();
    await vi.waitFor(() => expect($("#alarm-kpis .diag-grid").hidden).toBe(false));
    expect($("#kpi-top-empty").hidden).toBe(false);
    expect($("#kpi-chattering-empty").hidden).toBe(false);
    expect(text("#kpi-flood")).toBe("0 %");
  });
});

describe("the plant's words in the alarm views", () => {
  it("are shown as text, never as HTML: a source that looks like markup shows literally", async () => {
    const hostile = alarm(7, { priority: "critical", source: HOSTILE, reason: HOSTILE, message: { id: "alarm-device_fault", args: { name: HOSTILE } } });
    ipc.alarmJournalAnswer = () => Promise.resolve([transition(1, { source: HOSTILE, by: HOSTILE, reason: HOSTILE, message: hostile.message })]);
    await start(snapshot({ alarm_status: status(hostile, { critical: 1 }) }), [hostile]);
    $("#tab-alarms").click();
    await vi.waitFor(() => expect(document.querySelectorAll("#alarm-journal tbody tr")).toHaveLength(1));
    expect(text("#alarm-banner-source")).toBe(HOSTILE);
    expect(text("#alarm-banner-message")).toBe(`${HOSTILE} reports a fault`);
    expect(text('#alarms tr[data-alarm-id="7"] .alarm-source')).toBe(HOSTILE);
    expect(text('#alarms tr[data-alarm-id="7"] .alarm-message')).toBe(`${HOSTILE} reports a fault`);
    expect(text("#alarm-journal tbody .alarm-source")).toBe(HOSTILE);
    expect(text("#alarm-journal tbody .alarm-by")).toBe(HOSTILE);
    (row(7).querySelector(".alarm-shelve") as HTMLButtonElement).click();
    expect(text("#alarm-shelve-title")).toBe(`Shelve: ${HOSTILE} reports a fault`);
    expect(document.querySelector("#alarm-banner img, #alarms img, #alarm-journal img, #alarm-shelve-dialog img")).toBeNull();
  });
});

describe("the alarm views in Persian", () => {
  it("word the states, priorities and counts in Persian, in place", async () => {
    const top = alarm(7, { priority: "critical" });
    await start(snapshot({ alarm_status: status(top, { critical: 1, high: 12 }) }), [top]);
    const badge = $("#alarm-banner-top .priority");
    setLanguage("fa");
    expect($("#alarm-banner-top .priority")).toBe(badge);
    expect(badge.textContent).toBe("بحرانی");
    expect(text('#alarm-banner-counts [data-priority="high"]')).toBe("بالا ۱۲");
    expect(text('#alarms tr[data-alarm-id="7"] .alarm-state')).toBe("فعال، تصدیق‌نشده");
    expect(text("#tab-alarms")).toBe("آلارم‌ها");
    expect(text("#alarm-banner-message")).toBe("\u2068d7\u2069 خطا گزارش می‌دهد");
  });
});
