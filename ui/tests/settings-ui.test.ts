// @vitest-environment jsdom
// The settings view, driven through the controller: filled from get_settings,
// checked here before anything is sent, refused values shown next to their
// fields, the console's strings shown as text, the language applied on save.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller } from "../src/controllers";
import { LANGUAGE_KEY } from "../src/lib/prefs";
import { language, setLanguage } from "../src/strings";
import type { ConsoleSnapshot, SettingsInput, SettingsView } from "../src/types";
import { AppView } from "../src/views/app";
import { applyDocumentLanguage } from "../src/views/dom";
import { fakeIpc, settingsFixture, type FakeIpc } from "./fake-ipc";
import { $, snapshot, text } from "./fixtures";
import { DEFAULT_ALARM_PREFS } from "./fixtures";

const HOSTILE = '<img src=x onerror="window.__pwned = 1">';

let view: AppView;
let ipc: FakeIpc;
let controller: Controller;
let saved: Map<string, string>;

function input(selector: string): HTMLInputElement {
  return $(selector) as HTMLInputElement;
}

/** Types into a field as an operator would (the form listens to input events). */
function type(selector: string, value: string): void {
  const node = input(selector);
  node.value = value;
  node.dispatchEvent(new Event("input", { bubbles: true }));
}

function choose(selector: string, value: string): void {
  const node = $(selector) as HTMLSelectElement;
  node.value = value;
  node.dispatchEvent(new Event("change", { bubbles: true }));
}

function check(selector: string, on: boolean): void {
  const node = input(selector);
  node.checked = on;
  node.dispatchEvent(new Event("change", { bubbles: true }));
}

/** Ids in an element's aria-describedby. */
function describedBy(selector: string): string[] {
  return ($(selector).getAttribute("aria-describedby") ?? "").split(" ").filter((s) => s !== "");
}

async function start(answer: SettingsView = settingsFixture(), snap: ConsoleSnapshot = snapshot()): Promise<void> {
  ipc.getSettingsAnswer = () => Promise.resolve(answer);
  controller = new Controller({
    ipc,
    view,
    now: () => 1000,
    scheduleFrame: (cb) => cb(),
    retryMinMs: 10,
    alertReloadMs: 0,
    storage: { setItem: (k, v) => void saved.set(k, v) },
  });
  const started = controller.start();
  await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
  ipc.resolveSnapshot(snap);
  await started;
  $("#tab-settings").click();
  await vi.waitFor(() => expect(ipc.getSettingsCalls).toBe(2));
  await vi.waitFor(() => expect($("#settings-form").hidden).toBe(false));
}

/** Presses Apply and waits for the save to be answered. */
async function apply(): Promise<void> {
  $("#settings-apply").click();
  await vi.waitFor(() => expect(($("#settings-apply") as HTMLButtonElement).disabled).toBe(false));
}

function lastInput(): SettingsInput {
  const last = ipc.saveSettingsCalls[ipc.saveSettingsCalls.length - 1];
  if (last === undefined) throw new Error("nothing was saved");
  return last;
}

beforeEach(() => {
  setLanguage("en");
  applyDocumentLanguage(document, "en");
  document.body.replaceChildren();
  view = new AppView(document);
  view.mount(document.body);
  ipc = fakeIpc();
  saved = new Map();
});

afterEach(() => {
  controller?.stop();
  setLanguage("en");
  applyDocumentLanguage(document, "en");
  vi.useRealTimers();
});

describe("the settings tab", () => {
  it("is the fourth tab, loads the settings at start and again when first shown", async () => {
    await start();
    expect($("#tab-settings").getAttribute("aria-controls")).toBe("view-settings");
    expect($("#view-settings").hidden).toBe(false);
    expect(ipc.getSettingsCalls).toBe(2);
    $("#tab-plant").click();
    $("#tab-settings").click();
    expect(ipc.getSettingsCalls).toBe(2);
  });

  it("labels every control of the form", async () => {
    await start(settingsFixture({ settings: { ...settingsFixture().settings, alerts: { ...settingsFixture().settings.alerts, limits: [{ device_id: "b1", device_kind: null, high: 5, low: null, deadband: 0 }] } } }));
    const controls = [...document.querySelectorAll<HTMLElement>("#settings-form input, #settings-form select")];
    expect(controls.length).toBeGreaterThan(20);
    for (const control of controls) {
      expect(control.id, control.outerHTML).not.toBe("");
      const label = document.querySelector(`label[for="${control.id}"]`);
      expect(label?.textContent?.trim(), control.id).toBeTruthy();
    }
  });

  it("fills the form from the console's answer, never the token", async () => {
    await start(
      settingsFixture({
        settings: {
          plant_url: "http://plant.example:5000",
          standby_urls: [],
          failover: "primary",
          prefer_primary_after_seconds: 30,
          site_ca: "/etc/ca.pem",
          read_only: true,
          language: "en",
          alerts: {
            notify_from: "high",
            severities: { relay_switched: "critical" },
            limits: [{ device_id: null, device_kind: "temperature", high: 80, low: 10, deadband: 1 }],
            link_loss_after_seconds: 30,
            alarm_sound: false,
            alarms: DEFAULT_ALARM_PREFS,
          },
        },
      }),
    );
    expect(input("#settings-plant-url").value).toBe("http://plant.example:5000");
    expect(input("#settings-plant-url").placeholder).toBe("http://plant-server:5000");
    expect(input("#settings-plant-url").disabled).toBe(false);
    expect(text("#settings-plant-url-in-use")).toBe("In use now: http://plant.local:5000");
    expect(input("#settings-site-ca").value).toBe("/etc/ca.pem");
    expect(input("#settings-token").type).toBe("password");
    expect(input("#settings-token").value).toBe("");
    expect(input("#settings-token").disabled).toBe(false);
    expect(text("#settings-token-present")).toBe("A token is stored.");
    expect(input("#settings-token-clear").checked).toBe(false);
    expect(input("#settings-read-only").checked).toBe(true);
    expect(input("#settings-language").value).toBe("en");
    expect(input("#settings-notify-from").value).toBe("high");
    expect(input("#settings-link-loss").value).toBe("30");
    const relay = $("#settings-severity-relay_switched") as HTMLSelectElement;
    expect(relay.value).toBe("critical");
    expect([...relay.options].map((o) => o.textContent)).toEqual(["default (Low)", "Info", "Low", "High", "Critical"]);
    expect(($("#settings-severity-link_lost") as HTMLSelectElement).value).toBe("");
    expect(($("#settings-severity-link_lost") as HTMLSelectElement).selectedOptions[0]?.textContent).toBe("default (Critical)");
    expect(document.querySelectorAll("#settings-severities tbody tr")).toHaveLength(14);
    expect(document.querySelectorAll(".limit-row")).toHaveLength(1);
    expect(input("#settings-limit-0-target").value).toBe("device_kind");
    expect(input("#settings-limit-0-subject").value).toBe("temperature");
    expect(text('label[for="settings-limit-0-subject"]')).toBe("Device kind");
    expect(input("#settings-limit-0-low").value).toBe("10");
    expect(input("#settings-limit-0-high").value).toBe("80");
    expect(input("#settings-limit-0-deadband").value).toBe("1");
    expect(text("#settings-path")).toBe("/home/op/.local/share/plant-console/settings.json");
    expect(text("#settings-status")).toBe("");
  });

  it("says the token is kept in the OS keyring", async () => {
    await start();
    expect($("#settings-token-storage").getAttribute("data-storage")).toBe("keyring");
    expect(text("#settings-token-storage")).toBe("Kept in the OS keyring.");
    expect(describedBy("#settings-token")).toContain("settings-token-storage");
  });

  it("says which file keeps the token and why there is no keyring", async () => {
    const answer = settingsFixture({
      token: {
        present: false,
        storage: "file",
        file_path: "/home/op/.local/share/plant-console/token",
        keyring_problem: "no Secret Service on the session bus",
        from_command_line: false,
      },
    });
    await start(answer);
    expect($("#settings-token-storage").getAttribute("data-storage")).toBe("file");
    expect(text("#settings-token-storage")).toBe(
      "Kept in the file \u2068/home/op/.local/share/plant-console/token\u2069 (readable only by you): " +
        "no OS keyring here (\u2068no Secret Service on the session bus\u2069).",
    );
    expect(text("#settings-token-present")).toBe("No token stored.");
    // Nothing stored: nothing to remove.
    expect(input("#settings-token-clear").disabled).toBe(true);
  });

  it("shows hostile paths and keyring problems as text", async () => {
    const answer = settingsFixture({
      token: { present: true, storage: "file", file_path: HOSTILE, keyring_problem: `<b>${HOSTILE}</b>`, from_command_line: false },
      settings_path: HOSTILE,
      plant_url_in_use: HOSTILE,
    });
    await start(answer);
    expect(text("#settings-path")).toBe(HOSTILE);
    expect(text("#settings-token-storage")).toContain(HOSTILE);
    expect(text("#settings-token-storage")).toContain(`<b>${HOSTILE}</b>`);
    expect(text("#settings-plant-url-in-use")).toContain(HOSTILE);
    expect(document.querySelector("#settings img, #settings b")).toBeNull();
    expect((window as unknown as Record<string, unknown>)["__pwned"]).toBeUndefined();
  });

  it("disables the plant address of the demo plant and says why", async () => {
    await start(
      settingsFixture({ plant_url_fixed: true, plant_url_in_use: "http://127.0.0.1:43117" }),
      snapshot({ demo: true, server_url: "http://127.0.0.1:43117" }),
    );
    expect(input("#settings-plant-url").disabled).toBe(true);
    expect($("#settings-plant-url-fixed").hidden).toBe(false);
    expect(text("#settings-plant-url-fixed")).toBe("This is the demo plant: its address cannot be changed here.");
    expect(describedBy("#settings-plant-url")).toContain("settings-plant-url-fixed");
    expect(text("#settings-plant-url-in-use")).toBe("In use now: http://127.0.0.1:43117");
    await apply();
    expect(lastInput().settings.plant_url).toBeNull();
  });

  it("says an address fixed by the command line was given there", async () => {
    await start(settingsFixture({ plant_url_fixed: true }));
    expect(input("#settings-plant-url").disabled).toBe(true);
    expect(text("#settings-plant-url-fixed")).toContain("command line");
  });

  it("disables the site CA field given on the command line and sends the saved one back", async () => {
    await start(
      settingsFixture({
        site_ca_fixed: true,
        settings: { ...settingsFixture().settings, site_ca: "/etc/plant/saved-ca.pem" },
      }),
    );
    expect(input("#settings-site-ca").disabled).toBe(true);
    expect(text("#settings-site-ca-fixed")).toContain("--site-ca");
    await apply();
    expect(lastInput().settings.site_ca).toBe("/etc/plant/saved-ca.pem");
  });

  it("disables the token field when the token comes from the command line", async () => {
    await start(settingsFixture({ token: { ...settingsFixture().token, from_command_line: true } }));
    expect(input("#settings-token").disabled).toBe(true);
    expect(input("#settings-token-clear").disabled).toBe(true);
    expect(text("#settings-token-help")).toContain("command line");
    expect(describedBy("#settings-token")).toContain("settings-token-help");
  });
});

describe("checks before sending", () => {
  it("shows each message next to its field, marks it invalid and focuses the first one", async () => {
    await start();
    type("#settings-plant-url", "ftp://plant");
    type("#settings-link-loss", "0");
    $("#settings-add-limit").click();
    expect(document.activeElement?.id).toBe("settings-limit-0-target");
    type("#settings-limit-0-low", "abc");
    await apply();

    expect(ipc.saveSettingsCalls).toHaveLength(0);
    expect(text("#settings-error-plant_url")).toBe("The address must start with http://, https://, ws:// or wss://.");
    expect(input("#settings-plant-url").getAttribute("aria-invalid")).toBe("true");
    expect(describedBy("#settings-plant-url")).toContain("settings-error-plant_url");
    expect($("#settings-error-plant_url").closest(".settings-field")?.contains(input("#settings-plant-url"))).toBe(true);

    expect(text("#settings-error-alerts-link_loss_after_seconds")).toBe("Must be a number of seconds from 1 to 3600.");
    expect(input("#settings-link-loss").getAttribute("aria-invalid")).toBe("true");

    // The row's own messages go to the row; the input's to the input.
    expect(text("#settings-error-alerts-limits-0")).toBe("Name the device id or the device kind the limit applies to.");
    expect($("#settings-error-alerts-limits-0").closest(".limit-row")?.getAttribute("data-index")).toBe("0");
    expect($(".limit-row").classList.contains("invalid")).toBe(true);
    expect(describedBy("#settings-limit-0-high")).toContain("settings-error-alerts-limits-0");
    expect(text("#settings-error-alerts-limits-0-low")).toBe("Must be a number.");
    expect(input("#settings-limit-0-low").getAttribute("aria-invalid")).toBe("true");
    expect(describedBy("#settings-limit-0-low")).toEqual(
      expect.arrayContaining(["settings-error-alerts-limits-0-low", "settings-error-alerts-limits-0"]),
    );
    expect(input("#settings-limit-0-high").getAttribute("aria-invalid")).toBeNull();

    expect(document.activeElement?.id).toBe("settings-plant-url");
    expect($("#settings-error-summary").hidden).toBe(false);
    expect([...document.querySelectorAll("#settings-error-summary li")].map((li) => li.textContent)).toEqual([
      "Plant server address: The address must start with http://, https://, ws:// or wss://.",
      "Link-loss alert: Must be a number of seconds from 1 to 3600.",
      "Limit 1: Name the device id or the device kind the limit applies to.",
      "Limit 1, Low: Must be a number.",
    ]);
    expect($("#settings-status").getAttribute("role")).toBe("alert");
    expect(text("#settings-status")).toBe("Not saved: 4 values need correcting.");

    // The summary leads to the field.
    ($("#settings-error-summary li:nth-child(4) button") as HTMLButtonElement).click();
    expect(document.activeElement?.id).toBe("settings-limit-0-low");
  });

  it("sends once the values are corrected, and clears the messages", async () => {
    await start();
    type("#settings-link-loss", "99999");
    await apply();
    expect(ipc.saveSettingsCalls).toHaveLength(0);
    type("#settings-link-loss", "60");
    await apply();
    expect(ipc.saveSettingsCalls).toHaveLength(1);
    expect(lastInput().settings.alerts.link_loss_after_seconds).toBe(60);
    expect(document.querySelector("#settings-error-alerts-link_loss_after_seconds")).toBeNull();
    expect(input("#settings-link-loss").getAttribute("aria-invalid")).toBeNull();
    expect($("#settings-error-summary").hidden).toBe(true);
  });
});

describe("the console's answer to Apply", () => {
  it("shows refused values next to their fields, a row's own messages on the row, unknown ones in the summary", async () => {
    await start(
      settingsFixture({
        settings: {
          ...settingsFixture().settings,
          alerts: {
            ...settingsFixture().settings.alerts,
            limits: [
              { device_id: null, device_kind: "temperature", high: 80, low: 10, deadband: 1 },
              { device_id: "pump-1", device_kind: null, high: 5, low: null, deadband: 0 },
            ],
          },
        },
      }),
    );
    ipc.saveSettingsAnswer = () =>
      Promise.reject({
        code: "invalid_settings",
        message: "some settings are not valid",
        fields: [
          { field: "alerts.limits[1].high", message: `high ${HOSTILE}` },
          { field: "site_ca", message: "cannot read /etc/ca.pem: no such file" },
          { field: "alerts.limits[0]", message: "a limit applies to one device or to one kind, not both" },
          { field: "colour", message: "unknown field" },
        ],
      });
    await apply();
    expect(text("#settings-error-site_ca")).toBe("cannot read /etc/ca.pem: no such file");
    expect(input("#settings-site-ca").getAttribute("aria-invalid")).toBe("true");
    expect(describedBy("#settings-site-ca")).toContain("settings-error-site_ca");
    expect(text("#settings-error-alerts-limits-1-high")).toBe(`high ${HOSTILE}`);
    expect(input("#settings-limit-1-high").getAttribute("aria-invalid")).toBe("true");
    expect($("#settings-error-alerts-limits-1-high").closest(".limit-row")?.getAttribute("data-index")).toBe("1");
    expect(text("#settings-error-alerts-limits-0")).toBe("a limit applies to one device or to one kind, not both");
    expect(input("#settings-limit-0-subject").getAttribute("aria-invalid")).toBe("true");
    expect(document.querySelector("#settings-error-colour")).toBeNull();
    expect(text("#settings-error-summary")).toContain("colour: unknown field");
    expect(document.querySelector("#settings img")).toBeNull();
    // The first in the form, not the first in the list.
    expect(document.activeElement?.id).toBe("settings-site-ca");
    expect(text("#settings-status")).toBe("Not saved: 4 values need correcting.");
    expect($("#settings-status").getAttribute("role")).toBe("alert");
  });

  it("says any other failure with its code, and loads what the console now has", async () => {
    await start();
    ipc.saveSettingsAnswer = () => Promise.reject({ code: "token_store", message: "the keyring is locked" });
    type("#settings-token", "new-token");
    await apply();
    expect(text("#settings-status")).toBe("Not saved (token_store): the keyring is locked");
    expect($("#settings-status").getAttribute("role")).toBe("alert");
    await vi.waitFor(() => expect(ipc.getSettingsCalls).toBe(3));
    // The edit is still there.
    expect(input("#settings-token").value).toBe("new-token");
  });

  it("disables Apply while saving", async () => {
    await start();
    let answer: (v: SettingsView) => void = () => {};
    ipc.saveSettingsAnswer = () => new Promise((resolve) => (answer = resolve));
    $("#settings-apply").click();
    const applyButton = $("#settings-apply") as HTMLButtonElement;
    expect(applyButton.disabled).toBe(true);
    expect(text("#settings-status")).toBe("Saving…");
    applyButton.click();
    await vi.waitFor(() => expect(ipc.saveSettingsCalls).toHaveLength(1));
    answer(settingsFixture());
    await vi.waitFor(() => expect(applyButton.disabled).toBe(false));
    expect(ipc.saveSettingsCalls).toHaveLength(1);
    expect(text("#settings-status")).toBe("Saved.");
    expect($("#settings-status").getAttribute("role")).toBe("status");
  });

  it("says it reconnects when the address changed, and reads the snapshot again", async () => {
    await start();
    type("#settings-plant-url", " https://plant-2.example:5000 ");
    $("#settings-apply").click();
    await vi.waitFor(() => expect(text("#settings-status")).toBe("Saved. Reconnecting to \u2068https://plant-2.example:5000\u2069…"));
    expect(lastInput()).toEqual({
      settings: { ...settingsFixture().settings, plant_url: "https://plant-2.example:5000" },
      token: { action: "keep" },
    });
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(2));
    ipc.resolveSnapshot(snapshot({ server_url: "https://plant-2.example:5000", read_only: true }));
    await vi.waitFor(() => expect(text("#server-url")).toBe("https://plant-2.example:5000"));
  });

  it("reads the snapshot once more when one was already in flight during the save", async () => {
    await start();
    let answer: (v: SettingsView) => void = () => {};
    ipc.saveSettingsAnswer = () => new Promise((resolve) => (answer = resolve));
    check("#settings-read-only", true);
    $("#settings-apply").click();
    await vi.waitFor(() => expect(ipc.saveSettingsCalls).toHaveLength(1));
    const inFlight = controller.refresh();
    expect(ipc.snapshotCalls).toBe(2);
    answer(settingsFixture({ settings: { ...settingsFixture().settings, read_only: true } }));
    await vi.waitFor(() => expect(text("#settings-status")).toBe("Saved."));
    // The snapshot in flight may predate the save: another one follows it.
    expect(ipc.snapshotCalls).toBe(2);
    ipc.resolveSnapshot(snapshot());
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(3));
    ipc.resolveSnapshot(snapshot({ read_only: true }));
    await inFlight;
  });

  it("says Saved when nothing about the connection changed", async () => {
    await start();
    check("#settings-read-only", true);
    choose("#settings-notify-from", "critical");
    choose("#settings-severity-device_appeared", "high");
    await apply();
    expect(text("#settings-status")).toBe("Saved.");
    const sent = lastInput().settings;
    expect(sent.read_only).toBe(true);
    expect(sent.alerts.notify_from).toBe("critical");
    expect(sent.alerts.severities).toEqual({ device_appeared: "high" });
  });

  it("sends a typed token, or asks to remove the stored one", async () => {
    await start();
    type("#settings-token", "  s3cret  ");
    await apply();
    expect(lastInput().token).toEqual({ action: "set", token: "s3cret" });
    expect(input("#settings-token").value).toBe("");
    expect(text("#settings-status")).toBe("Saved. Reconnecting to \u2068http://plant.local:5000\u2069…");

    type("#settings-token", "typed");
    check("#settings-token-clear", true);
    expect(input("#settings-token").disabled).toBe(true);
    expect(input("#settings-token").value).toBe("");
    await apply();
    expect(lastInput().token).toEqual({ action: "clear" });
    // The fake says none is stored now.
    expect(text("#settings-token-present")).toBe("No token stored.");
    expect(input("#settings-token-clear").checked).toBe(false);
  });

  it("adds, edits and removes limits, keeping the keyboard focus in place", async () => {
    await start();
    expect($("#settings-no-limits").hidden).toBe(false);
    $("#settings-add-limit").click();
    $("#settings-add-limit").click();
    $("#settings-add-limit").click();
    expect(document.querySelectorAll(".limit-row")).toHaveLength(3);
    expect(document.activeElement?.id).toBe("settings-limit-2-target");
    choose("#settings-limit-0-target", "device_id");
    expect(text('label[for="settings-limit-0-subject"]')).toBe("Device id");
    type("#settings-limit-0-subject", "boiler-1");
    type("#settings-limit-0-high", "95");
    type("#settings-limit-1-subject", "first to go");
    type("#settings-limit-1-high", "1");
    type("#settings-limit-2-subject", "pressure");
    type("#settings-limit-2-low", "۱٫۵");
    type("#settings-limit-2-high", "9");
    type("#settings-limit-2-deadband", "0.5");

    ($(".limit-row[data-index='1'] .limit-remove") as HTMLButtonElement).click();
    expect(document.querySelectorAll(".limit-row")).toHaveLength(2);
    // The next row moved into its place; its Remove has the focus.
    expect(input("#settings-limit-1-subject").value).toBe("pressure");
    expect(document.activeElement).toBe($(".limit-row[data-index='1'] .limit-remove"));
    expect($(".limit-row[data-index='1'] .limit-remove").getAttribute("aria-label")).toBe("Remove limit 2");

    await apply();
    expect(lastInput().settings.alerts.limits).toEqual([
      { device_id: "boiler-1", device_kind: null, high: 95, low: null, deadband: 0 },
      { device_id: null, device_kind: "pressure", high: 9, low: 1.5, deadband: 0.5 },
    ]);

    ($(".limit-row[data-index='1'] .limit-remove") as HTMLButtonElement).click();
    ($(".limit-row[data-index='0'] .limit-remove") as HTMLButtonElement).click();
    expect(document.activeElement?.id).toBe("settings-add-limit");
    expect($("#settings-no-limits").hidden).toBe(false);
  });

  it("reverts to the settings as the console has them", async () => {
    await start();
    type("#settings-plant-url", "http://elsewhere:5000");
    type("#settings-token", "x");
    check("#settings-read-only", true);
    $("#settings-add-limit").click();
    type("#settings-link-loss", "0");
    await apply();
    expect(document.querySelector("#settings-error-alerts-link_loss_after_seconds")).not.toBeNull();
    $("#settings-revert").click();
    expect(input("#settings-plant-url").value).toBe("");
    expect(input("#settings-token").value).toBe("");
    expect(input("#settings-read-only").checked).toBe(false);
    expect(input("#settings-link-loss").value).toBe("10");
    expect(document.querySelectorAll(".limit-row")).toHaveLength(0);
    expect(document.querySelector("#settings-error-alerts-link_loss_after_seconds")).toBeNull();
    expect(input("#settings-link-loss").getAttribute("aria-invalid")).toBeNull();
    expect(text("#settings-status")).toBe("Edits discarded.");
    expect(ipc.saveSettingsCalls).toHaveLength(0);
  });
});

describe("the language", () => {
  it("is applied when saved: the window in Persian, remembered, the focus on Apply", async () => {
    await start();
    type("#settings-site-ca", "/etc/ca.pem");
    choose("#settings-language", "fa");
    await apply();
    await vi.waitFor(() => expect(language()).toBe("fa"));
    expect(lastInput().settings.language).toBe("fa");
    expect(saved.get(LANGUAGE_KEY)).toBe("fa");
    expect(document.documentElement.getAttribute("dir")).toBe("rtl");
    expect(text("#tab-settings")).toBe("تنظیمات");
    expect($("#tab-settings").getAttribute("aria-selected")).toBe("true");
    expect(input("#settings-language").value).toBe("fa");
    expect(input("#settings-site-ca").value).toBe("/etc/ca.pem");
    expect(text("#settings-status")).toBe("ذخیره شد. در حال اتصال دوباره به \u2068http://plant.local:5000\u2069…");
    expect(document.activeElement?.id).toBe("settings-apply");
    expect(document.querySelectorAll("#settings")).toHaveLength(1);
  });

  it("of the settings wins at start over the one remembered here", async () => {
    await start(settingsFixture({ settings: { ...settingsFixture().settings, language: "fa" } }));
    expect(language()).toBe("fa");
    expect(saved.get(LANGUAGE_KEY)).toBe("fa");
    expect(document.documentElement.getAttribute("lang")).toBe("fa");
    expect(text("#settings-heading")).toBe("تنظیمات");
  });

  it("chosen in the header is saved in the settings too, with nothing else changed", async () => {
    await start();
    type("#settings-link-loss", "20");
    // The operator's select has the focus, and keeps it (the window stays).
    (document.getElementById("language") as HTMLSelectElement).focus();
    choose("#language", "fa");
    await vi.waitFor(() => expect(ipc.saveSettingsCalls).toHaveLength(1));
    expect(lastInput()).toEqual({ settings: { ...settingsFixture().settings, language: "fa" }, token: { action: "keep" } });
    expect(document.activeElement?.id).toBe("language");
    // The edit stays, and the form's language follows the header.
    expect(input("#settings-link-loss").value).toBe("20");
    expect(input("#settings-language").value).toBe("fa");
  });

  it("keeps the messages of a check in the new language after a switch", async () => {
    await start();
    type("#settings-link-loss", "0");
    await apply();
    choose("#language", "fa");
    await vi.waitFor(() => expect(language()).toBe("fa"));
    expect(text("#settings-error-alerts-link_loss_after_seconds")).toBe("باید عددی از ۱ تا ۳۶۰۰ ثانیه باشد.");
    expect(input("#settings-link-loss").getAttribute("aria-invalid")).toBe("true");
  });
});

describe("without the settings", () => {
  it("says why they could not be loaded, and loads them again on request", async () => {
    ipc.getSettingsAnswer = () => Promise.reject({ code: "settings", message: `cannot read ${HOSTILE}` });
    controller = new Controller({ ipc, view, now: () => 1000, scheduleFrame: (cb) => cb(), storage: null });
    const started = controller.start();
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
    ipc.resolveSnapshot(snapshot());
    await started;
    $("#tab-settings").click();
    await vi.waitFor(() => expect(ipc.getSettingsCalls).toBe(2));
    await vi.waitFor(() => expect(text("#settings-load-error")).toBe(`Could not load the settings (settings): cannot read ${HOSTILE}`));
    expect($("#settings-form").hidden).toBe(true);
    expect(document.querySelector("#settings img")).toBeNull();
    ipc.getSettingsAnswer = () => Promise.resolve(settingsFixture());
    $("#settings-reload").click();
    await vi.waitFor(() => expect($("#settings-form").hidden).toBe(false));
    expect($("#settings-reload").closest("[hidden]")).not.toBeNull();
  });
});

describe("starting at sign-in", () => {
  function box(): HTMLInputElement {
    return input("#settings-autostart");
  }

  async function started(): Promise<void> {
    await start();
    await vi.waitFor(() => expect(box().disabled).toBe(false));
  }

  it("is off unless the system says otherwise, and says what it does", async () => {
    await started();
    expect(box().checked).toBe(false);
    expect(ipc.getAutostartCalls).toBeGreaterThan(0);
    expect(text('label[for="settings-autostart"]')).toBe("Start Plant Console when I sign in");
    expect(describedBy("#settings-autostart")).toEqual(["settings-autostart-help", "settings-autostart-status"]);
    expect(text("#settings-autostart-status")).toBe("");
  });

  it("shows on when the system has it on", async () => {
    ipc.getAutostartAnswer = () => Promise.resolve(true);
    await started();
    expect(box().checked).toBe(true);
  });

  it("is switched at once when ticked, without Apply", async () => {
    await started();
    check("#settings-autostart", true);
    await vi.waitFor(() => expect(text("#settings-autostart-status")).toBe("Plant Console will start when you sign in."));
    expect(ipc.setAutostartCalls).toEqual([true]);
    expect(box().checked).toBe(true);
    expect(ipc.saveSettingsCalls).toEqual([]);
    check("#settings-autostart", false);
    await vi.waitFor(() => expect(text("#settings-autostart-status")).toBe("Plant Console will not start when you sign in."));
    expect(ipc.setAutostartCalls).toEqual([true, false]);
    expect(box().checked).toBe(false);
  });

  it("shows the console's code and message as text when the change fails, and goes back", async () => {
    await started();
    ipc.setAutostartAnswer = () => Promise.reject({ code: "autostart", message: HOSTILE });
    check("#settings-autostart", true);
    await vi.waitFor(() =>
      expect(text("#settings-autostart-status")).toBe(`Could not change the start at sign-in (autostart): ${HOSTILE}`),
    );
    expect($("#settings-autostart-status").getAttribute("role")).toBe("alert");
    expect(document.querySelector("#settings-autostart-status img")).toBeNull();
    expect(box().checked).toBe(false);
    expect(box().disabled).toBe(false);
  });

  it("says why it is not known when the system cannot be asked, in the window's language", async () => {
    ipc.getAutostartAnswer = () => Promise.reject({ code: "autostart", message: "no home folder" });
    await start();
    await vi.waitFor(() =>
      expect(text("#settings-autostart-status")).toBe(
        "Could not read whether Plant Console starts at sign-in (autostart): no home folder",
      ),
    );
    expect(box().disabled).toBe(true);
    setLanguage("fa");
    expect(text('label[for="settings-autostart"]')).toBe("هنگام ورود من به سیستم، کنسول کارخانه اجرا شود");
    expect(text("#settings-autostart-status")).toBe(
      "خواندن اینکه کنسول کارخانه هنگام ورود اجرا می‌شود یا نه ممکن نشد (autostart): no home folder",
    );
  });
});
