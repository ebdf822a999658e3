// The exact command names, argument names and event name the Rust side expects
// (Tauri maps the camelCase argument names to its snake_case parameters).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_ALARM_PREFS } from "./fixtures";

const invoke = vi.fn();
const listen = vi.fn();
const save = vi.fn();

vi.mock("@tauri-apps/api/core", () => ({
  isTauri: () => true,
  invoke: (...args: unknown[]) => invoke(...args),
}));
vi.mock("@tauri-apps/api/event", () => ({
  listen: (...args: unknown[]) => listen(...args),
}));
vi.mock("@tauri-apps/plugin-dialog", () => ({
  save: (...args: unknown[]) => save(...args),
}));

const {
  acknowledgeAlerts,
  alarmAction,
  alarmHistory,
  alarmJournal,
  alarmKpis,
  alarms,
  alerts,
  chooseSavePath,
  cancelCommand,
  COMMAND_EVENT,
  deviceTrend,
  diagnostics,
  exportAlarmJournal,
  getSettings,
  journal,
  muteAlerts,
  onCommand,
  outbox,
  saveSettings,
  setRelay,
  operatorSession,
  signIn,
  signOut,
  operatorActivity,
  shelveDevice,
  statsTrend,
  testNotification,
  unmuteAlerts,
} = await import("../src/ipc");

beforeEach(() => {
  invoke.mockReset();
  listen.mockReset();
  save.mockReset();
});

describe("command IPC inside Tauri", () => {
  it("set_relay with relayId, state and queueIfOffline", async () => {
    invoke.mockResolvedValue({ request_id: "q1" });
    await expect(setRelay("pump-3", false, true)).resolves.toEqual({ request_id: "q1" });
    expect(invoke).toHaveBeenCalledWith("set_relay", { relayId: "pump-3", state: false, queueIfOffline: true });
  });

  it("set_relay with the re-authentication when one was asked", async () => {
    invoke.mockResolvedValue({ request_id: "q2" });
    await setRelay("pump-3", true, false, { password: "pw", reason: "flush" });
    expect(invoke).toHaveBeenCalledWith("set_relay", {
      relayId: "pump-3",
      state: true,
      queueIfOffline: false,
      challenge: { password: "pw", reason: "flush" },
    });
  });

  it("the operator session's commands, and a lock-out's end kept with its error", async () => {
    invoke.mockResolvedValue({ sign_in: true });
    await operatorSession();
    expect(invoke).toHaveBeenLastCalledWith("operator_session");
    await signIn("ana", "pw");
    expect(invoke).toHaveBeenLastCalledWith("sign_in", { name: "ana", password: "pw" });
    await signOut();
    expect(invoke).toHaveBeenLastCalledWith("sign_out");
    await operatorActivity();
    expect(invoke).toHaveBeenLastCalledWith("operator_activity");
    invoke.mockRejectedValue({ code: "locked_out", message: "locked", until: 1_700_000_300 });
    await expect(signIn("ana", "x")).rejects.toEqual({ code: "locked_out", message: "locked", until: 1_700_000_300 });
  });

  it("passes a rejection on as a UiError", async () => {
    invoke.mockRejectedValue({ code: "link_down", message: "plant not reachable" });
    await expect(setRelay("pump-3", true, false)).rejects.toEqual({ code: "link_down", message: "plant not reachable" });
  });

  it("outbox without arguments", async () => {
    invoke.mockResolvedValue([]);
    await expect(outbox()).resolves.toEqual([]);
    expect(invoke).toHaveBeenCalledWith("outbox");
  });

  it("cancel_command with requestId", async () => {
    invoke.mockResolvedValue({ request_id: "q1", status: "cancelled" });
    await cancelCommand("q1");
    expect(invoke).toHaveBeenCalledWith("cancel_command", { requestId: "q1" });
  });

  it("listens to console://command and hands over the payload", async () => {
    const unlisten = () => {};
    listen.mockResolvedValue(unlisten);
    const seen: unknown[] = [];
    await expect(onCommand((c) => seen.push(c))).resolves.toBe(unlisten);
    expect(COMMAND_EVENT).toBe("console://command");
    expect(listen.mock.calls[0]?.[0]).toBe("console://command");
    const handler = listen.mock.calls[0]?.[1] as (e: { payload: unknown }) => void;
    handler({ payload: { request_id: "q1" } });
    expect(seen).toEqual([{ request_id: "q1" }]);
  });
});

describe("alert IPC inside Tauri", () => {
  const status = { unacked: 0, unacked_critical: 0, muted: false, muted_until: null, shelved: [] };

  it("alerts without arguments", async () => {
    invoke.mockResolvedValue([]);
    await expect(alerts()).resolves.toEqual([]);
    expect(invoke).toHaveBeenCalledWith("alerts");
  });

  it("acknowledge_alerts with the id of one alert", async () => {
    invoke.mockResolvedValue(1);
    await expect(acknowledgeAlerts(42)).resolves.toBe(1);
    expect(invoke).toHaveBeenCalledWith("acknowledge_alerts", { id: 42 });
  });

  it("acknowledge_alerts without an id for all", async () => {
    invoke.mockResolvedValue(7);
    await expect(acknowledgeAlerts()).resolves.toBe(7);
    expect(invoke).toHaveBeenCalledWith("acknowledge_alerts", {});
  });

  it("mute_alerts with minutes, or null until unmuted", async () => {
    invoke.mockResolvedValue(status);
    await muteAlerts(15);
    expect(invoke).toHaveBeenCalledWith("mute_alerts", { minutes: 15 });
    await muteAlerts(null);
    expect(invoke).toHaveBeenCalledWith("mute_alerts", { minutes: null });
  });

  it("unmute_alerts without arguments", async () => {
    invoke.mockResolvedValue(status);
    await expect(unmuteAlerts()).resolves.toEqual(status);
    expect(invoke).toHaveBeenCalledWith("unmute_alerts");
  });

  it("shelve_device with deviceId and minutes", async () => {
    invoke.mockResolvedValue(status);
    await shelveDevice("pump-1", 15);
    expect(invoke).toHaveBeenCalledWith("shelve_device", { deviceId: "pump-1", minutes: 15 });
  });

  it("passes a rejection on as a UiError", async () => {
    invoke.mockRejectedValue({ code: "unknown_alert", message: "no alert 9" });
    await expect(acknowledgeAlerts(9)).rejects.toEqual({ code: "unknown_alert", message: "no alert 9" });
  });
});

describe("read-side IPC inside Tauri", () => {
  it("device_trend with deviceId, since and until", async () => {
    const trend = { device_id: "pump-1", points: [[1, 2.5], [2, null]], gaps: [{ start: 1.5, end: null }] };
    invoke.mockResolvedValue(trend);
    await expect(deviceTrend("pump-1", 100, 3700)).resolves.toEqual(trend);
    expect(invoke).toHaveBeenCalledWith("device_trend", { deviceId: "pump-1", since: 100, until: 3700 });
  });

  it("stats_trend with since and until", async () => {
    invoke.mockResolvedValue({ samples: [], gaps: [] });
    await statsTrend(10, 20);
    expect(invoke).toHaveBeenCalledWith("stats_trend", { since: 10, until: 20 });
  });

  it("journal sends only the arguments given", async () => {
    invoke.mockResolvedValue([]);
    await journal({ since: 5, limit: 2000 });
    expect(invoke).toHaveBeenLastCalledWith("journal", { since: 5, limit: 2000 });
    await journal({ since: 1, until: 2, kind: "link", limit: 50 });
    expect(invoke).toHaveBeenLastCalledWith("journal", { since: 1, until: 2, kind: "link", limit: 50 });
    await journal();
    expect(invoke).toHaveBeenLastCalledWith("journal", {});
  });

  it("diagnostics and test_notification without arguments", async () => {
    invoke.mockResolvedValue({ rtt_ms: null });
    await expect(diagnostics()).resolves.toEqual({ rtt_ms: null });
    expect(invoke).toHaveBeenCalledWith("diagnostics");
    invoke.mockResolvedValue(null);
    await expect(testNotification()).resolves.toBeUndefined();
    expect(invoke).toHaveBeenLastCalledWith("test_notification");
  });

  it("passes a rejection on as a UiError", async () => {
    invoke.mockRejectedValue({ code: "console", message: "notification daemon missing" });
    await expect(testNotification()).rejects.toEqual({ code: "console", message: "notification daemon missing" });
    invoke.mockRejectedValue("database is locked");
    await expect(journal({})).rejects.toEqual({ code: "internal", message: "database is locked" });
  });
});

describe("settings IPC inside Tauri", () => {
  const input = {
    settings: {
      plant_url: "http://plant:5000",
      standby_urls: [],
      failover: "primary" as const,
      prefer_primary_after_seconds: 30,
      site_ca: null,
      read_only: false,
      language: "en" as const,
      alerts: { notify_from: "low" as const, severities: {}, limits: [], link_loss_after_seconds: 10, alarm_sound: false, alarms: DEFAULT_ALARM_PREFS },
    },
    token: { action: "set" as const, token: "s3cret" },
  };

  it("get_settings without arguments", async () => {
    invoke.mockResolvedValue({ settings_path: "/x" });
    await expect(getSettings()).resolves.toEqual({ settings_path: "/x" });
    expect(invoke).toHaveBeenCalledWith("get_settings");
  });

  it("save_settings with the input under `input`", async () => {
    invoke.mockResolvedValue({ settings_path: "/x" });
    await saveSettings(input);
    expect(invoke).toHaveBeenCalledWith("save_settings", { input });
  });

  it("passes a refusal on with the refused values", async () => {
    const refusal = {
      code: "invalid_settings",
      message: "some settings are not valid: plant_url: bad",
      fields: [{ field: "plant_url", message: "bad" }],
    };
    invoke.mockRejectedValue(refusal);
    await expect(saveSettings(input)).rejects.toEqual(refusal);
    invoke.mockRejectedValue({ code: "token_store", message: "keyring locked" });
    await expect(saveSettings(input)).rejects.toEqual({ code: "token_store", message: "keyring locked" });
  });
});

describe("alarm IPC inside Tauri", () => {
  it("alarms without arguments, or with the states asked for", async () => {
    invoke.mockResolvedValue([]);
    await expect(alarms()).resolves.toEqual([]);
    expect(invoke).toHaveBeenLastCalledWith("alarms", {});
    await alarms(["latched", "shelved"]);
    expect(invoke).toHaveBeenLastCalledWith("alarms", { states: ["latched", "shelved"] });
  });

  it("alarm_action with the action under `action`, tagged as the console reads it", async () => {
    invoke.mockResolvedValue(2);
    await expect(alarmAction({ action: "acknowledge", args: [3, 4] })).resolves.toBe(2);
    expect(invoke).toHaveBeenLastCalledWith("alarm_action", { action: { action: "acknowledge", args: [3, 4] } });
    await alarmAction({ action: "shelve", args: { id: 3, minutes: 15, reason: "sensor being replaced" } });
    expect(invoke).toHaveBeenLastCalledWith("alarm_action", {
      action: { action: "shelve", args: { id: 3, minutes: 15, reason: "sensor being replaced" } },
    });
    await alarmAction({ action: "silence" });
    expect(invoke).toHaveBeenLastCalledWith("alarm_action", { action: { action: "silence" } });
  });

  it("alarm_history with alarmId", async () => {
    invoke.mockResolvedValue([]);
    await alarmHistory(7);
    expect(invoke).toHaveBeenCalledWith("alarm_history", { alarmId: 7 });
  });

  it("alarm_journal sends only the arguments given", async () => {
    invoke.mockResolvedValue([]);
    await alarmJournal({ since: 5, limit: 1000 });
    expect(invoke).toHaveBeenLastCalledWith("alarm_journal", { since: 5, limit: 1000 });
    await alarmJournal();
    expect(invoke).toHaveBeenLastCalledWith("alarm_journal", {});
  });

  it("alarm_kpis with the hours, or none for the console's 24", async () => {
    invoke.mockResolvedValue({});
    await alarmKpis(24);
    expect(invoke).toHaveBeenLastCalledWith("alarm_kpis", { hours: 24 });
    await alarmKpis();
    expect(invoke).toHaveBeenLastCalledWith("alarm_kpis", {});
  });

  it("export_alarm_journal with the path and the period", async () => {
    invoke.mockResolvedValue(12);
    await expect(exportAlarmJournal("/home/op/alarms.csv", 100, 200)).resolves.toBe(12);
    expect(invoke).toHaveBeenLastCalledWith("export_alarm_journal", { path: "/home/op/alarms.csv", since: 100, until: 200 });
  });

  it("passes a refusal of an alarm action on as a UiError", async () => {
    invoke.mockRejectedValue({ code: "alarm_refused", message: "a reason is required" });
    await expect(alarmAction({ action: "shelve", args: { id: 1, minutes: null, reason: "" } })).rejects.toEqual({
      code: "alarm_refused",
      message: "a reason is required",
    });
  });

  it("asks the save dialog through the plugin and answers its path, or null when cancelled", async () => {
    const options = { defaultPath: "alarm-journal.csv", filters: [{ name: "CSV", extensions: ["csv"] }] };
    save.mockResolvedValue("/home/op/alarm-journal.csv");
    await expect(chooseSavePath(options)).resolves.toBe("/home/op/alarm-journal.csv");
    expect(save).toHaveBeenCalledWith(options);
    save.mockResolvedValue(null);
    await expect(chooseSavePath(options)).resolves.toBeNull();
    save.mockRejectedValue("dialog: not allowed");
    await expect(chooseSavePath(options)).rejects.toEqual({ code: "internal", message: "dialog: not allowed" });
  });
});
