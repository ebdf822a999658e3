// @vitest-environment jsdom
// The keyboard and the windows, through the controller with the fake IPC: the one table
// of keys, the global keys (and their silence while the operator types), the key help
// overlay, a window of one view, the kiosk badge, the sound in the main window only,
// and the language the windows share.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller } from "../src/controllers";
import { LANGUAGE_KEY } from "../src/lib/prefs";
import type { WindowRole } from "../src/lib/window-role";
import { language, setLanguage, STRINGS } from "../src/strings";
import type { AlarmStatus, AlarmView } from "../src/types";
import { AppView } from "../src/views/app";
import type { SoundPlayer, Tone } from "../src/views/annunciator";
import { ALARM_KEYS, GLOBAL_KEYS, KEY_GROUPS, keysFor, LOCAL_KEYS } from "../src/views/keys";
import { TAB_IDS } from "../src/views/tabs";
import { fakeIpc, settingsFixture, type FakeIpc } from "./fake-ipc";
import { $, alarm, alarmStatus, snapshot, text } from "./fixtures";

let view: AppView;
let ipc: FakeIpc;
let controller: Controller;
let sounds: string[];
let saved: [string, string][];

function player(tone: Tone): SoundPlayer {
  return {
    play: () => {
      sounds.push(`play ${tone}`);
      return Promise.resolve();
    },
    pause: () => {
      sounds.push(`pause ${tone}`);
    },
  };
}

/** A window of `role`, mounted, with its controller (not started). */
function open(role: WindowRole = "main"): void {
  controller?.stop();
  view?.dispose();
  document.body.replaceChildren();
  document.documentElement.removeAttribute("data-window-role");
  view = new AppView(document, { role, playerFactory: (tone) => player(tone) });
  view.mount(document.body);
  controller = new Controller({
    ipc,
    view,
    now: () => 100_000,
    scheduleFrame: (cb) => cb(),
    retryMinMs: 10,
    alertReloadMs: 0,
    alarmReloadMs: 0,
    storage: { setItem: (k: string, v: string) => void saved.push([k, v]) },
    storageEvents: window,
  });
}

async function start(status: AlarmStatus | null = null, alarms: AlarmView[] = []): Promise<void> {
  ipc.alarmsAnswer = alarms;
  const started = controller.start();
  await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
  ipc.resolveSnapshot(snapshot(status === null ? {} : { alarm_status: status }));
  await started;
  await vi.waitFor(() => expect(ipc.getSettingsCalls).toBeGreaterThan(0));
}

/** A keydown of a physical key with exactly these modifiers, where the focus is (or on `target`). */
function key(code: string, mods: { ctrl?: boolean; shift?: boolean; alt?: boolean; key?: string } = {}, target?: EventTarget): KeyboardEvent {
  const ev = new KeyboardEvent("keydown", {
    code,
    key: mods.key ?? code,
    ctrlKey: mods.ctrl === true,
    shiftKey: mods.shift === true,
    altKey: mods.alt === true,
    bubbles: true,
    cancelable: true,
  });
  (target ?? document.activeElement ?? document.body).dispatchEvent(ev);
  return ev;
}

function chordName(c: { code: string; ctrl: boolean; shift: boolean; alt: boolean }): string {
  return `${c.ctrl ? "Ctrl+" : ""}${c.alt ? "Alt+" : ""}${c.shift ? "Shift+" : ""}${c.code}`;
}

beforeEach(() => {
  sounds = [];
  saved = [];
  ipc = fakeIpc();
  open("main");
});

afterEach(() => {
  controller.stop();
  view.dispose();
  setLanguage("en");
  document.documentElement.removeAttribute("data-window-role");
});

describe("the table of keys", () => {
  it("has no two actions on one key", () => {
    const seen = new Map<string, string>();
    for (const k of GLOBAL_KEYS) {
      for (const c of k.chords) {
        const name = chordName(c);
        expect(seen.get(name), `${name} is ${seen.get(name)} and ${k.id}`).toBeUndefined();
        seen.set(name, k.id);
      }
    }
    const ids = [...GLOBAL_KEYS, ...LOCAL_KEYS].map((k) => k.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("has a key for every tab, Alt+1 for the first, in the tab list's order", () => {
    const tabKeys = GLOBAL_KEYS.filter((k) => k.action.kind === "tab");
    expect(tabKeys.map((k) => (k.action.kind === "tab" ? k.action.tab : null))).toEqual(TAB_IDS.slice(0, 9));
    expect(tabKeys.map((k) => k.label)).toEqual(TAB_IDS.slice(0, 9).map((_, i) => `Alt+${i + 1}`));
  });

  it("says what every key does in both languages, and in other words in each", () => {
    for (const k of [...GLOBAL_KEYS, ...LOCAL_KEYS]) {
      const en = k.describe(STRINGS.en);
      const fa = k.describe(STRINGS.fa);
      expect(en.trim(), k.id).not.toBe("");
      expect(fa.trim(), k.id).not.toBe("");
      expect(fa, k.id).not.toBe(en);
      expect(/[\u0600-\u06ff]/.test(fa), `${k.id} in Persian: ${fa}`).toBe(true);
    }
  });

  it("gives the alarm buttons' titles the same names as the keys", () => {
    expect(ALARM_KEYS.acknowledge).toEqual({ code: "KeyA", label: "Ctrl+Shift+A" });
    expect(ALARM_KEYS.silence).toEqual({ code: "KeyS", label: "Ctrl+Shift+S" });
    expect(ALARM_KEYS.summary).toEqual({ code: "KeyL", label: "Ctrl+Shift+L" });
    expect(($("#alarm-banner-ack") as HTMLButtonElement).title).toContain(ALARM_KEYS.acknowledge.label);
    expect(($("#key-help-open") as HTMLButtonElement).title).toBe("Every key of the console (F1 / Shift+?)");
  });
});

describe("the key help", () => {
  it("lists every key of the table with what it does, in English and then in Persian, right to left", async () => {
    await start();
    const rows = () => [...document.querySelectorAll<HTMLTableRowElement>("#key-help tr[data-key-id]")];
    expect(rows().map((r) => r.getAttribute("data-key-id"))).toEqual(
      KEY_GROUPS.flatMap((g) => keysFor("main").filter((k) => k.group === g).map((k) => k.id)),
    );
    for (const lang of ["en", "fa"] as const) {
      setLanguage(lang);
      for (const k of keysFor("main")) {
        const row = $(`#key-help tr[data-key-id="${k.id}"]`);
        expect(row.querySelector(".key-help-key")?.textContent, k.id).toBe(k.label);
        expect(row.querySelector(".key-help-action")?.textContent, `${k.id} in ${lang}`).toBe(k.describe(STRINGS[lang]));
      }
      expect(text("#key-help-title")).toBe(STRINGS[lang].keys.heading);
      expect(text("#key-help-open")).toBe(STRINGS[lang].keys.open);
    }
    expect(document.documentElement.getAttribute("dir")).toBe("rtl");
    expect($("#key-help .key-caps").getAttribute("dir")).toBe("ltr");
  });

  it("is a labelled modal dialog, hidden until the header's Keys button opens it, and gives the focus back on Escape", async () => {
    await start();
    const help = $("#key-help");
    expect(help.getAttribute("role")).toBe("dialog");
    expect(help.getAttribute("aria-modal")).toBe("true");
    expect(text(`#${help.getAttribute("aria-labelledby")}`)).toBe("Keys");
    expect(help.hidden).toBe(true);
    const opener = $("#key-help-open");
    opener.focus();
    opener.click();
    expect(help.hidden).toBe(false);
    expect(document.activeElement?.id).toBe("key-help-close");
    key("Escape", { key: "Escape" });
    expect(help.hidden).toBe(true);
    expect(document.activeElement).toBe(opener);
  });

  it("opens with F1 or Shift+? wherever the focus is, keeps the focus inside, and closes with its button", async () => {
    await start();
    const tab = $("#tab-plant");
    tab.focus();
    expect(key("F1", { key: "F1" }).defaultPrevented).toBe(true);
    expect($("#key-help").hidden).toBe(false);
    // Tab from the last control comes back to the first, Shift+Tab from the first goes to the last.
    const list = $("#key-help-list");
    list.focus();
    key("Tab", { key: "Tab" });
    expect(document.activeElement?.id).toBe("key-help-close");
    key("Tab", { key: "Tab", shift: true });
    expect(document.activeElement?.id).toBe("key-help-list");
    $("#key-help-close").click();
    expect($("#key-help").hidden).toBe(true);
    expect(document.activeElement).toBe(tab);
    // Shift+? on a Persian keyboard is the same key, typing "؟".
    key("Slash", { shift: true, key: "؟" });
    expect($("#key-help").hidden).toBe(false);
    key("F1", { key: "F1" });
    expect($("#key-help").hidden).toBe(true);
  });

  it("is closed by a key it lists, which then does what it says", async () => {
    await start();
    key("F1", { key: "F1" });
    key("Digit2", { alt: true, key: "2" });
    expect($("#key-help").hidden).toBe(true);
    expect($(`#tab-${TAB_IDS[1]}`).getAttribute("aria-selected")).toBe("true");
  });
});

describe("the global keys", () => {
  it("go to each tab in order with Alt and its number, the focus on the tab", async () => {
    await start();
    TAB_IDS.slice(0, 9).forEach((tab, i) => {
      const ev = key(`Digit${i + 1}`, { alt: true, key: String(i + 1) }, document.body);
      expect(ev.defaultPrevented).toBe(true);
      expect($(`#tab-${tab}`).getAttribute("aria-selected"), tab).toBe("true");
      expect(document.activeElement?.id).toBe(`tab-${tab}`);
    });
    // Ctrl+Alt is AltGr on Windows: a character, not a tab.
    key("Digit1", { alt: true, ctrl: true, key: "1" }, document.body);
    expect($(`#tab-${TAB_IDS.at(-1)}`).getAttribute("aria-selected")).toBe("true");
  });

  it("do not fire while the operator types in a text field, but the alarm keys and F1 still do", async () => {
    const top = alarm(2, { priority: "critical" });
    const counts = { critical: 1, high: 0, medium: 0, low: 0 };
    await start(alarmStatus({ unacknowledged: counts, active: counts, top }), [top]);
    $("#tab-alarms").click();
    const field = $("#alarm-text-filter") as HTMLInputElement;
    field.focus();
    const before = view.activeTab;
    expect(key("Slash", { shift: true, key: "?" }, field).defaultPrevented).toBe(false);
    expect($("#key-help").hidden).toBe(true);
    expect(key("Digit3", { alt: true, key: "3" }, field).defaultPrevented).toBe(false);
    expect(view.activeTab).toBe(before);
    expect(document.activeElement).toBe(field);
    key("KeyA", { ctrl: true, shift: true, key: "A" }, field);
    expect(ipc.alarmActionCalls).toEqual([{ action: "acknowledge", args: [2] }]);
    key("F1", { key: "F1" }, field);
    expect($("#key-help").hidden).toBe(false);
    key("Escape", { key: "Escape" });
    expect(document.activeElement).toBe(field);
  });

  it("wait while a dialog asks its question", async () => {
    const top = alarm(2, { priority: "critical" });
    await start(null, [top]);
    $("#tab-alarms").click();
    ($('#alarms tr[data-alarm-id="2"] .alarm-shelve') as HTMLButtonElement).click();
    key("F1", { key: "F1" });
    key("Digit1", { alt: true, key: "1" });
    expect($("#key-help").hidden).toBe(true);
    expect(view.activeTab).toBe("alarms");
  });
});

describe("the alarm summary's rows", () => {
  it("take the focus in turn, move with the arrows and Home / End, and open the history with Enter", async () => {
    await start(null, [alarm(1, { priority: "critical" }), alarm(2), alarm(3)]);
    $("#tab-alarms").click();
    const rows = () => [...document.querySelectorAll<HTMLElement>("#alarms tbody tr[data-alarm-id]")];
    const order = rows().map((r) => r.getAttribute("data-alarm-id"));
    expect(order).toHaveLength(3);
    const focusable = () => rows().filter((r) => r.getAttribute("tabindex") === "0").map((r) => r.getAttribute("data-alarm-id"));
    const focused = () => document.activeElement?.getAttribute("data-alarm-id");
    expect(focusable()).toEqual([order[0]]);
    rows()[0]?.focus();
    key("ArrowDown", { key: "ArrowDown" });
    expect(focused()).toBe(order[1]);
    expect(focusable()).toEqual([order[1]]);
    key("End", { key: "End" });
    expect(focused()).toBe(order[2]);
    key("ArrowDown", { key: "ArrowDown" });
    expect(focused()).toBe(order[2]);
    key("ArrowUp", { key: "ArrowUp" });
    expect(focused()).toBe(order[1]);
    key("Home", { key: "Home" });
    expect(focused()).toBe(order[0]);
    key("Enter", { key: "Enter" });
    expect($("#alarm-history").hidden).toBe(false);
    await vi.waitFor(() => expect(ipc.alarmHistoryCalls).toEqual([Number(order[0])]));
  });
});

describe("the dialogs", () => {
  it("keep the focus inside and close with Escape, the focus back on the button that opened them", async () => {
    const top = alarm(2, { priority: "critical" });
    await start(null, [top]);
    $("#tab-alarms").click();
    const opener = $('#alarms tr[data-alarm-id="2"] .alarm-shelve') as HTMLButtonElement;
    opener.focus();
    opener.click();
    const dialog = $("#alarm-shelve-dialog");
    const controls = [...dialog.querySelectorAll<HTMLElement>("input, textarea, button")].filter((n) => n.closest("[hidden]") === null);
    controls.at(-1)?.focus();
    key("Tab", { key: "Tab" });
    expect(document.activeElement).toBe(controls[0]);
    key("Tab", { key: "Tab", shift: true });
    expect(document.activeElement).toBe(controls.at(-1));
    key("Escape", { key: "Escape" });
    expect(document.activeElement).toBe(opener);
  });
});

describe("a window of one view", () => {
  it("is the main window with its tab list and the Open in new window buttons when the address names none", async () => {
    await start();
    expect(document.documentElement.getAttribute("data-window-role")).toBe("main");
    expect(document.querySelector("#view-tabs")).not.toBeNull();
    const alarmsButton = $('[data-open-window="alarms"]');
    expect(alarmsButton.closest("#view-alarms")).not.toBeNull();
    expect(alarmsButton.textContent).toBe("Open in new window");
    alarmsButton.click();
    await vi.waitFor(() => expect(ipc.openWindowCalls).toEqual([{ kind: "alarms", query: null }]));
    if (TAB_IDS.includes("overview" as never)) {
      $('[data-open-window="overview"]').click();
      await vi.waitFor(() => expect(ipc.openWindowCalls.at(-1)).toEqual({ kind: "overview", query: null }));
    }
  });

  it("shows only the alarm summary, without tabs, with the link status and the alarm banner", async () => {
    open("alarms");
    const top = alarm(7, { priority: "critical", source: "boiler-1" });
    const counts = { critical: 1, high: 0, medium: 0, low: 0 };
    await start(alarmStatus({ unacknowledged: counts, active: counts, top }), [top]);
    expect(document.documentElement.getAttribute("data-window-role")).toBe("alarms");
    expect(document.querySelector("#view-tabs")).toBeNull();
    expect(document.querySelector('[role="tab"]')).toBeNull();
    expect(document.querySelector("[data-open-window]")).toBeNull();
    expect($("#view-alarms").hidden).toBe(false);
    for (const tab of TAB_IDS.filter((t) => t !== "alarms")) expect($(`#view-${tab}`).hidden, tab).toBe(true);
    expect($("#link-status").getAttribute("data-mode")).toBe("realtime");
    expect($("#link-status").closest('[role="tabpanel"]')).toBeNull();
    expect($("#alarm-banner").closest('[role="tabpanel"]')).toBeNull();
    expect(text("#alarm-banner-source")).toBe("boiler-1");
    expect(document.querySelector('#alarms tr[data-alarm-id="7"]')).not.toBeNull();
    // No tab keys here, and the key help does not list them.
    key("Digit3", { alt: true, key: "3" }, document.body);
    expect($("#view-alarms").hidden).toBe(false);
    expect(document.querySelector('#key-help tr[data-key-id^="tab-"]')).toBeNull();
    expect(document.querySelector('#key-help tr[data-key-id="acknowledge"]')).not.toBeNull();
  });

  it("shows only the overview in the overview's window, and opens the alarm summary's window for Ctrl+Shift+L", async () => {
    if (!TAB_IDS.includes("overview" as never)) return;
    open("overview");
    await start();
    expect(document.documentElement.getAttribute("data-window-role")).toBe("overview");
    expect(document.querySelector("#view-tabs")).toBeNull();
    expect($("#view-overview").hidden).toBe(false);
    expect($("#view-alarms").hidden).toBe(true);
    key("KeyL", { ctrl: true, shift: true, key: "L" }, document.body);
    expect($("#view-overview").hidden).toBe(false);
    await vi.waitFor(() => expect(ipc.openWindowCalls).toEqual([{ kind: "alarms", query: null }]));
  });

  it("does not sound the alarms: the main window does", async () => {
    const answer = settingsFixture();
    ipc.getSettingsAnswer = () =>
      Promise.resolve({ ...answer, settings: { ...answer.settings, alerts: { ...answer.settings.alerts, alarm_sound: true } } });
    const top = alarm(2, { priority: "critical" });
    const counts = { critical: 1, high: 0, medium: 0, low: 0 };
    const sounding = alarmStatus({ unacknowledged: counts, active: counts, top, sounding: "critical" });
    open("alarms");
    await start(sounding, [top]);
    await new Promise((r) => setTimeout(r, 20));
    expect(sounds).toEqual([]);
    open("main");
    ipc = Object.assign(ipc, { snapshotCalls: 0 });
    await start(sounding, [top]);
    await vi.waitFor(() => expect(sounds).toEqual(["play critical"]));
  });
});

describe("kiosk mode", () => {
  it("shows the Kiosk badge in words and says in the key help how the engineer leaves it, in both languages", async () => {
    ipc.windowInfoAnswer = () => Promise.resolve({ label: "main", kiosk: true });
    expect($("#kiosk-badge").hidden).toBe(true);
    await start();
    await vi.waitFor(() => expect($("#kiosk-badge").hidden).toBe(false));
    expect(text("#kiosk-badge")).toBe("Kiosk");
    expect($("#key-help-kiosk").hidden).toBe(false);
    expect(text("#key-help-kiosk")).toBe("The engineer leaves kiosk mode with \u2068plant-console --leave-kiosk\u2069 on this machine.");
    setLanguage("fa");
    expect(text("#kiosk-badge")).toBe("کیوسک");
    expect(text("#key-help-kiosk")).toContain("plant-console --leave-kiosk");
    expect(text("#key-help-kiosk")).toContain("کیوسک");
  });

  it("offers nothing that closes the window", async () => {
    ipc.windowInfoAnswer = () => Promise.resolve({ label: "main", kiosk: true });
    await start();
    await vi.waitFor(() => expect($("#kiosk-badge").hidden).toBe(false));
    const words = [...document.querySelectorAll("button")].map((b) => `${b.id} ${b.textContent ?? ""} ${b.title}`.toLowerCase());
    expect(words.filter((w) => /close (the )?window|quit|exit/.test(w))).toEqual([]);
  });

  it("hides the badge when the console says kiosk mode was left", async () => {
    ipc.windowInfoAnswer = () => Promise.resolve({ label: "main", kiosk: true });
    await start();
    await vi.waitFor(() => expect($("#kiosk-badge").hidden).toBe(false));
    ipc.emitWindow({ label: "main", kiosk: false });
    expect($("#kiosk-badge").hidden).toBe(true);
    expect($("#key-help-kiosk").hidden).toBe(true);
  });

  it("is not shown when the console cannot say", async () => {
    ipc.windowInfoAnswer = () => Promise.reject({ code: "internal", message: "no such command" });
    await start();
    await vi.waitFor(() => expect(ipc.windowInfoCalls).toBe(1));
    expect($("#kiosk-badge").hidden).toBe(true);
    expect($("#app-error").hidden).toBe(true);
  });
});

describe("the language the windows share", () => {
  function chosenElsewhere(lang: string): void {
    window.dispatchEvent(new StorageEvent("storage", { key: LANGUAGE_KEY, newValue: lang }));
  }

  it("reaches an extra window from another window's choice, which it only follows", async () => {
    open("alarms");
    await start();
    chosenElsewhere("fa");
    expect(language()).toBe("fa");
    expect(document.documentElement.getAttribute("dir")).toBe("rtl");
    expect(text("#key-help-title")).toBe("کلیدها");
    await new Promise((r) => setTimeout(r, 10));
    expect(ipc.saveSettingsCalls).toEqual([]);
  });

  it("is saved into the settings by the main window when an extra window chose it", async () => {
    await start();
    await vi.waitFor(() => expect($("#settings").getAttribute("aria-busy")).not.toBe("true"));
    await new Promise((r) => setTimeout(r, 10));
    chosenElsewhere("fa");
    expect(language()).toBe("fa");
    await vi.waitFor(() => expect(ipc.saveSettingsCalls.map((c) => c.settings.language)).toEqual(["fa"]));
  });

  it("chosen in an extra window's header is kept for the other windows, and not saved into the settings there", async () => {
    open("alarms");
    await start();
    const select = $("#language") as HTMLSelectElement;
    select.value = "fa";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    expect(language()).toBe("fa");
    expect(saved).toContainEqual([LANGUAGE_KEY, "fa"]);
    await new Promise((r) => setTimeout(r, 10));
    expect(ipc.saveSettingsCalls).toEqual([]);
  });

  it("ignores other keys and values that are no language", async () => {
    open("alarms");
    await start();
    window.dispatchEvent(new StorageEvent("storage", { key: "plant-console.theme", newValue: "fa" }));
    chosenElsewhere("de");
    window.dispatchEvent(new StorageEvent("storage", { key: LANGUAGE_KEY, newValue: null }));
    expect(language()).toBe("en");
  });
});
