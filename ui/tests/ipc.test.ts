import { describe, expect, it } from "vitest";
import {
  acknowledgeAlerts,
  alerts,
  cancelCommand,
  deviceTrend,
  diagnostics,
  getSettings,
  getSnapshot,
  hasBackend,
  journal,
  muteAlerts,
  NO_BACKEND,
  onBatch,
  onCommand,
  outbox,
  saveSettings,
  setRelay,
  shelveDevice,
  statsTrend,
  testNotification,
  toUiError,
  unmuteAlerts,
} from "../src/ipc";
import { DEFAULT_ALARM_PREFS } from "./fixtures";

describe("toUiError", () => {
  it("keeps a UiError as it is", () => {
    expect(toUiError({ code: "unauthorized", message: "bad token", extra: 1 })).toEqual({
      code: "unauthorized",
      message: "bad token",
    });
  });

  it("keeps the refused values of a settings refusal", () => {
    const fields = [
      { field: "plant_url", message: "must start with http://" },
      { field: "alerts.limits[0].high", message: "must be a number" },
    ];
    expect(toUiError({ code: "invalid_settings", message: "not valid", fields })).toEqual({
      code: "invalid_settings",
      message: "not valid",
      fields,
    });
    expect(toUiError({ code: "invalid_settings", message: "not valid", fields: [] })).toEqual({
      code: "invalid_settings",
      message: "not valid",
      fields: [],
    });
  });

  it("keeps only the field and message of each refused value", () => {
    const e = toUiError({ code: "invalid_settings", message: "m", fields: [{ field: "site_ca", message: "no file", extra: 1 }] });
    expect(e.fields).toEqual([{ field: "site_ca", message: "no file" }]);
  });

  it("drops refused values that are not a list of fields and messages", () => {
    for (const fields of [
      "plant_url",
      { field: "plant_url", message: "x" },
      [{ field: "plant_url" }],
      [{ field: 1, message: "x" }],
      [{ field: "plant_url", message: "x" }, null],
      [["plant_url", "x"]],
      null,
    ]) {
      const e = toUiError({ code: "invalid_settings", message: "m", fields });
      expect(e, JSON.stringify(fields)).toEqual({ code: "invalid_settings", message: "m" });
      expect("fields" in e).toBe(false);
    }
  });

  it("turns an Error, a string or anything else into an internal UiError", () => {
    expect(toUiError(new Error("boom"))).toEqual({ code: "internal", message: "boom" });
    expect(toUiError("plain")).toEqual({ code: "internal", message: "plain" });
    expect(toUiError(42)).toEqual({ code: "internal", message: "42" });
  });
});

describe("outside Tauri", () => {
  it("reports that there is no backend instead of inventing data", async () => {
    expect(hasBackend()).toBe(false);
    await expect(getSnapshot()).rejects.toMatchObject({ code: NO_BACKEND });
  });

  it("reads no trend, journal or diagnostics and shows no notification", async () => {
    await expect(deviceTrend("d", 0, 1)).rejects.toMatchObject({ code: NO_BACKEND });
    await expect(statsTrend(0, 1)).rejects.toMatchObject({ code: NO_BACKEND });
    await expect(journal({})).rejects.toMatchObject({ code: NO_BACKEND });
    await expect(diagnostics()).rejects.toMatchObject({ code: NO_BACKEND });
    await expect(testNotification()).rejects.toMatchObject({ code: NO_BACKEND });
  });

  it("subscribes to nothing", async () => {
    const unlisten = await onBatch(() => {});
    expect(typeof unlisten).toBe("function");
    unlisten();
  });
});

describe("commands outside Tauri", () => {
  it("sends, lists and cancels nothing", async () => {
    await expect(setRelay("r1", true, false)).rejects.toMatchObject({ code: NO_BACKEND });
    await expect(outbox()).rejects.toMatchObject({ code: NO_BACKEND });
    await expect(cancelCommand("q1")).rejects.toMatchObject({ code: NO_BACKEND });
  });

  it("subscribes to no command events", async () => {
    const unlisten = await onCommand(() => {});
    expect(typeof unlisten).toBe("function");
    unlisten();
  });
});

describe("settings outside Tauri", () => {
  it("reads and saves no settings", async () => {
    await expect(getSettings()).rejects.toMatchObject({ code: NO_BACKEND });
    await expect(
      saveSettings({
        settings: {
          plant_url: null,
          standby_urls: [],
          failover: "primary",
          prefer_primary_after_seconds: 30,
          site_ca: null,
          read_only: false,
          language: "en",
          alerts: { notify_from: "info", severities: {}, limits: [], link_loss_after_seconds: 10, alarm_sound: false, alarms: DEFAULT_ALARM_PREFS },
        },
        token: { action: "keep" },
      }),
    ).rejects.toMatchObject({ code: NO_BACKEND });
  });
});

describe("alerts outside Tauri", () => {
  it("lists, acknowledges, mutes and shelves nothing", async () => {
    await expect(alerts()).rejects.toMatchObject({ code: NO_BACKEND });
    await expect(acknowledgeAlerts()).rejects.toMatchObject({ code: NO_BACKEND });
    await expect(acknowledgeAlerts(1)).rejects.toMatchObject({ code: NO_BACKEND });
    await expect(muteAlerts(15)).rejects.toMatchObject({ code: NO_BACKEND });
    await expect(unmuteAlerts()).rejects.toMatchObject({ code: NO_BACKEND });
    await expect(shelveDevice("d1", 15)).rejects.toMatchObject({ code: NO_BACKEND });
  });
});
