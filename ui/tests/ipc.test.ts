import { describe, expect, it } from "vitest";
import {
  acknowledgeAlerts,
  alerts,
  cancelCommand,
  deviceTrend,
  diagnostics,
  getSnapshot,
  hasBackend,
  journal,
  muteAlerts,
  NO_BACKEND,
  onBatch,
  onCommand,
  outbox,
  setRelay,
  shelveDevice,
  statsTrend,
  testNotification,
  toUiError,
  unmuteAlerts,
} from "../src/ipc";

describe("toUiError", () => {
  it("keeps a UiError as it is", () => {
    expect(toUiError({ code: "unauthorized", message: "bad token", extra: 1 })).toEqual({
      code: "unauthorized",
      message: "bad token",
    });
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
