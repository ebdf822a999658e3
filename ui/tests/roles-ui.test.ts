// @vitest-environment jsdom
// What each role may do, in the page (issue #18): the alarm banner's and the
// summary's buttons, the alert list's acknowledgement, the header's mute and the
// Settings form's Apply are disabled for a role that may not use them, the reason
// as their title, and follow the session as it changes; the alarm keys send
// nothing a role may not take (the banner says why); every alarm action goes
// through the re-authentication when the policy wants it (a cancel sends nothing);
// with sign-in off (the fake console's default) everything works as before.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller } from "../src/controllers";
import { SIGN_IN_OFF } from "../src/state";
import { setLanguage } from "../src/strings";
import type { AlarmStatus, AlarmView, ConsoleSnapshot, OperatorSession, Role } from "../src/types";
import { AppView } from "../src/views/app";
import { fakeIpc, type FakeIpc } from "./fake-ipc";
import { $, alarm, alarmStatus, alert, alertStatus, device, snapshot, text } from "./fixtures";

const NOW = new Date(2024, 4, 31, 14, 3, 9).getTime() / 1000;

let view: AppView;
let ipc: FakeIpc;
let controller: Controller;

const MAY: Record<Role, OperatorSession["may"]> = {
  viewer: [],
  operator: ["switch_relay", "acknowledge", "shelve", "silence", "reset_latched"],
  engineer: [...SIGN_IN_OFF.may],
};

function signedIn(name: string, role: Role, fields: Partial<OperatorSession> = {}): OperatorSession {
  return {
    sign_in: true,
    refused: null,
    operator: { name, role },
    may: MAY[role],
    idle_sign_out_seconds: 900,
    reauthenticate: false,
    critical_relays: [],
    ...fields,
  };
}

function button(selector: string): HTMLButtonElement {
  return $(selector) as HTMLButtonElement;
}

function rowButton(id: number, cls: string): HTMLButtonElement {
  return $(`#alarms tr[data-alarm-id="${id}"] button.${cls}`) as HTMLButtonElement;
}

function open(selector: string): boolean {
  return $(selector).hasAttribute("open");
}

function press(code: string): void {
  document.body.dispatchEvent(
    new KeyboardEvent("keydown", { code, key: code.slice(-1).toLowerCase(), ctrlKey: true, shiftKey: true, bubbles: true, cancelable: true }),
  );
}

const TOP = alarm(7, { priority: "critical" });
const LATCHED = alarm(5, { state: "latched", active: false, acknowledged: true, latching: true });

function status(): AlarmStatus {
  const unacknowledged = { critical: 1, high: 0, medium: 0, low: 0 };
  return alarmStatus({ unacknowledged, active: unacknowledged, top: TOP, sounding: "critical" });
}

function plant(): ConsoleSnapshot {
  return snapshot({ alarm_status: status(), alert_status: alertStatus({ unacked: 1 }), devices: [device("pump-1")] });
}

async function start(first: OperatorSession, alarms: AlarmView[] = [TOP, LATCHED]): Promise<void> {
  ipc.sessionAnswer = () => Promise.resolve(first);
  ipc.alarmsAnswer = alarms;
  ipc.alertsAnswer = [alert(1)];
  const started = controller.start();
  await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
  ipc.resolveSnapshot(plant());
  await started;
  await vi.waitFor(() => expect($('#alarms tr[data-alarm-id="7"]')).toBeTruthy());
  await vi.waitFor(() => expect($('#alerts tr[data-alert-id="1"] button.ack-alert')).toBeTruthy());
  await vi.waitFor(() => expect($("#settings-language").closest("form")?.hidden).toBe(false));
}

/** Every control of the issue, as [disabled, title]. */
type ControlName =
  | "bannerAck"
  | "silence"
  | "rowAck"
  | "rowShelve"
  | "rowReset"
  | "ackPage"
  | "alertAck"
  | "ackAll"
  | "mute"
  | "apply"
  | "deviceShelve";

function controls(): Record<ControlName, [boolean, string | null]> {
  const of = (b: HTMLButtonElement): [boolean, string | null] => [b.disabled, b.getAttribute("title")];
  return {
    bannerAck: of(button("#alarm-banner-ack")),
    silence: of(button("#alarm-banner-silence")),
    rowAck: of(rowButton(7, "alarm-ack")),
    rowShelve: of(rowButton(7, "alarm-shelve")),
    rowReset: of(rowButton(5, "alarm-reset")),
    ackPage: of(button("#alarm-ack-page")),
    alertAck: of($('#alerts tr[data-alert-id="1"] button.ack-alert') as HTMLButtonElement),
    ackAll: of(button("#ack-all")),
    mute: of(button("#mute-toggle")),
    apply: of(button("#settings-apply")),
    deviceShelve: of(button('#devices tr[data-device-id="pump-1"] button.shelve-device')),
  };
}

beforeEach(() => {
  setLanguage("en");
  document.body.replaceChildren();
  view = new AppView(document);
  view.mount(document.body);
  ipc = fakeIpc();
  controller = new Controller({ ipc, view, now: () => NOW, scheduleFrame: (cb) => cb(), retryMinMs: 10, activityMs: 15_000 });
});

afterEach(() => {
  controller.stop();
  setLanguage("en");
});

describe("the controls a role may not use", () => {
  it("are all disabled for a viewer, the reason as their title", async () => {
    await start(signedIn("vi", "viewer"));
    const c = controls();
    expect(c.bannerAck).toEqual([true, "An operator signed in as viewer may not acknowledge alarms"]);
    expect(c.silence).toEqual([true, "An operator signed in as viewer may not silence alarms"]);
    expect(c.rowAck).toEqual([true, "An operator signed in as viewer may not acknowledge alarms"]);
    expect(c.rowShelve).toEqual([true, "An operator signed in as viewer may not shelve alarms"]);
    expect(c.rowReset).toEqual([true, "An operator signed in as viewer may not reset latched alarms"]);
    expect(c.ackPage).toEqual([true, "An operator signed in as viewer may not acknowledge alarms"]);
    expect(c.alertAck).toEqual([true, "An operator signed in as viewer may not acknowledge alarms"]);
    expect(c.ackAll).toEqual([true, "An operator signed in as viewer may not acknowledge alarms"]);
    expect(c.mute).toEqual([true, "An operator signed in as viewer may not silence alarms"]);
    expect(c.apply).toEqual([true, "An operator signed in as viewer may not change the settings"]);
    expect(c.deviceShelve).toEqual([true, "An operator signed in as viewer may not shelve alarms"]);
  });

  it("are disabled with nobody signed in, saying to sign in", async () => {
    await start({ ...signedIn("x", "viewer"), operator: null });
    expect(controls().bannerAck).toEqual([true, "Sign in to acknowledge alarms"]);
    expect(controls().mute).toEqual([true, "Sign in to silence alarms"]);
  });

  it("leave an operator the alarm actions and the mute, not the settings", async () => {
    await start(signedIn("op", "operator"));
    const c = controls();
    for (const key of ["bannerAck", "silence", "rowAck", "rowShelve", "rowReset", "ackPage", "alertAck", "ackAll", "mute", "deviceShelve"] as const) {
      expect(c[key][0], key).toBe(false);
    }
    expect(c.bannerAck[1]).toBe("Acknowledge the alarm shown (Ctrl+Shift+A)");
    expect(c.rowAck[1]).toBeNull();
    expect(c.apply).toEqual([true, "An operator signed in as operator may not change the settings"]);
  });

  it("are all enabled for an engineer, and with sign-in off", async () => {
    await start(signedIn("en", "engineer"));
    for (const [key, [disabled, title]] of Object.entries(controls())) {
      expect(disabled, key).toBe(false);
      expect(title ?? "", key).not.toMatch(/may not|Sign in/);
    }
    ipc.emitSession({ session: SIGN_IN_OFF, idle_signed_out: null });
    for (const [key, [disabled]] of Object.entries(controls())) expect(disabled, key).toBe(false);
  });

  it("follow the session as it changes, and the language", async () => {
    await start(signedIn("vi", "viewer"));
    expect(controls().rowAck[0]).toBe(true);
    ipc.emitSession({ session: signedIn("en", "engineer"), idle_signed_out: null });
    expect(controls().rowAck).toEqual([false, null]);
    expect(controls().apply).toEqual([false, null]);
    ipc.emitSession({ session: signedIn("op", "operator"), idle_signed_out: null });
    expect(controls().apply[0]).toBe(true);
    expect(controls().rowShelve[0]).toBe(false);
    ipc.emitSession({ session: signedIn("vi", "viewer"), idle_signed_out: null });
    setLanguage("fa");
    const title = controls().bannerAck[1];
    expect(title).not.toBe("An operator signed in as viewer may not acknowledge alarms");
    expect(title).not.toBeNull();
  });

  it("keeps the language selector usable for a viewer: a language-only change may be applied", async () => {
    await start(signedIn("vi", "viewer"));
    const select = $("#settings-language") as HTMLSelectElement;
    expect(select.disabled).toBe(false);
    select.value = "fa";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    expect(controls().apply).toEqual([false, null]);
    // Another change too: the settings right is needed again.
    const linkLoss = $("#settings-link-loss") as HTMLInputElement;
    linkLoss.value = "42";
    linkLoss.dispatchEvent(new Event("input", { bubbles: true }));
    expect(controls().apply[0]).toBe(true);
    linkLoss.value = String(10);
    linkLoss.dispatchEvent(new Event("input", { bubbles: true }));
    expect(controls().apply[0]).toBe(false);
    button("#settings-apply").click();
    await vi.waitFor(() => expect(ipc.saveSettingsCalls).toHaveLength(1));
    expect(ipc.saveSettingsCalls[0]?.settings.language).toBe("fa");
  });
});

describe("the alarm keys for a role that may not", () => {
  it("send nothing, and the banner says why", async () => {
    await start(signedIn("vi", "viewer"));
    press("KeyA");
    expect(text("#alarm-banner-error")).toBe("An operator signed in as viewer may not acknowledge alarms");
    expect($("#alarm-banner-error").hidden).toBe(false);
    press("KeyS");
    await Promise.resolve();
    expect(text("#alarm-banner-error")).toBe("An operator signed in as viewer may not silence alarms");
    expect(ipc.alarmActionCalls).toEqual([]);
  });

  it("send for an operator", async () => {
    await start(signedIn("op", "operator"));
    press("KeyA");
    await vi.waitFor(() => expect(ipc.alarmActionCalls).toEqual([{ action: "acknowledge", args: [7] }]));
    press("KeyS");
    await vi.waitFor(() => expect(ipc.alarmActionCalls.at(-1)).toEqual({ action: "silence" }));
    expect(ipc.alarmChallenges).toEqual([null, null]);
  });
});

describe("re-authentication before the alert list's acknowledgement, the mute and a device shelve", () => {
  /** Answers the open re-authentication dialog with `password`. */
  async function answer(password: string): Promise<void> {
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(true));
    ($("#reauth-password") as HTMLInputElement).value = password;
    ($("#reauth-password") as HTMLInputElement).form?.requestSubmit();
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(false));
  }

  it("asks the password before each, and sends it with the command", async () => {
    await start(signedIn("ana", "operator", { reauthenticate: true }));

    button('#alerts tr[data-alert-id="1"] button.ack-alert').click();
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(true));
    expect(text("#reauth-help")).toBe("ana, enter your password again to acknowledge alarms.");
    expect(ipc.ackCalls).toEqual([]);
    await answer("pw-ack");
    await vi.waitFor(() => expect(ipc.ackCalls).toEqual([1]));

    button("#mute-toggle").click();
    await answer("pw-mute");
    await vi.waitFor(() => expect(ipc.muteCalls).toHaveLength(1));

    button('#devices tr[data-device-id="pump-1"] button.shelve-device').click();
    await answer("pw-shelve");
    await vi.waitFor(() => expect(ipc.shelveCalls).toHaveLength(1));

    expect(ipc.alertChallenges).toEqual([
      { command: "acknowledge_alerts", challenge: { password: "pw-ack", reason: null } },
      { command: "mute_alerts", challenge: { password: "pw-mute", reason: null } },
      { command: "shelve_device", challenge: { password: "pw-shelve", reason: null } },
    ]);
  });

  it("sends nothing when cancelled, and the buttons may be pressed again", async () => {
    await start(signedIn("ana", "operator", { reauthenticate: true }));
    for (const selector of ["#ack-all", "#mute-toggle", '#devices tr[data-device-id="pump-1"] button.shelve-device']) {
      button(selector).click();
      await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(true));
      button("#reauth-cancel").click();
      await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(false));
      await vi.waitFor(() => expect(button(selector).disabled).toBe(false));
    }
    expect(ipc.ackCalls).toEqual([]);
    expect(ipc.muteCalls).toEqual([]);
    expect(ipc.shelveCalls).toEqual([]);
  });

  it("asks nothing without the policy, as before", async () => {
    await start(signedIn("op", "operator"));
    button("#ack-all").click();
    await vi.waitFor(() => expect(ipc.ackCalls).toEqual([undefined]));
    button("#mute-toggle").click();
    await vi.waitFor(() => expect(ipc.muteCalls).toHaveLength(1));
    expect(open("#reauth-dialog")).toBe(false);
    expect(ipc.alertChallenges.map((c) => c.challenge)).toEqual([null, null]);
  });
});

describe("re-authentication before an alarm action", () => {
  it("asks an operator's password before acknowledging, and sends it with the action", async () => {
    await start(signedIn("ana", "operator", { reauthenticate: true }));
    button("#alarm-banner-ack").click();
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(true));
    expect(text("#reauth-help")).toBe("ana, enter your password again to acknowledge alarms.");
    expect(ipc.alarmActionCalls).toHaveLength(0);
    ($("#reauth-password") as HTMLInputElement).value = "secret";
    ($("#reauth-password") as HTMLInputElement).form?.requestSubmit();
    await vi.waitFor(() => expect(ipc.alarmActionCalls).toEqual([{ action: "acknowledge", args: [7] }]));
    expect(ipc.alarmChallenges).toEqual([{ password: "secret", reason: null }]);
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(false));
  });

  it("challenges the summary's shelve, reset and silence too", async () => {
    await start(signedIn("ana", "operator", { reauthenticate: true }));
    rowButton(5, "alarm-reset").click();
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(true));
    expect(text("#reauth-help")).toBe("ana, enter your password again to reset a latched alarm.");
    ($("#reauth-password") as HTMLInputElement).value = "pw";
    ($("#reauth-password") as HTMLInputElement).form?.requestSubmit();
    await vi.waitFor(() => expect(ipc.alarmActionCalls).toEqual([{ action: "reset", args: 5 }]));
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(false));

    button("#alarm-banner-silence").click();
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(true));
    ($("#reauth-password") as HTMLInputElement).value = "pw2";
    ($("#reauth-password") as HTMLInputElement).form?.requestSubmit();
    await vi.waitFor(() => expect(ipc.alarmActionCalls.at(-1)).toEqual({ action: "silence" }));
    expect(ipc.alarmChallenges).toEqual([
      { password: "pw", reason: null },
      { password: "pw2", reason: null },
    ]);
  });

  it("lets a wrong password be tried again", async () => {
    await start(signedIn("ana", "operator", { reauthenticate: true }));
    ipc.alarmActionAnswer = () => Promise.reject({ code: "bad_credentials", message: "wrong name or password" });
    rowButton(7, "alarm-ack").click();
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(true));
    ($("#reauth-password") as HTMLInputElement).value = "wrong";
    ($("#reauth-password") as HTMLInputElement).form?.requestSubmit();
    await vi.waitFor(() => expect(text("#reauth-error")).toBe("Wrong password."));
    expect(open("#reauth-dialog")).toBe(true);
    ipc.alarmActionAnswer = () => Promise.resolve(1);
    ($("#reauth-password") as HTMLInputElement).value = "right";
    ($("#reauth-password") as HTMLInputElement).form?.requestSubmit();
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(false));
    expect(ipc.alarmChallenges.map((c) => c?.password)).toEqual(["wrong", "right"]);
  });

  it("sends nothing when cancelled, and the button may be pressed again", async () => {
    await start(signedIn("ana", "operator", { reauthenticate: true }));
    button("#alarm-banner-ack").click();
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(true));
    button("#reauth-cancel").click();
    await vi.waitFor(() => expect(button("#alarm-banner-ack").disabled).toBe(false));
    expect(open("#reauth-dialog")).toBe(false);
    expect(ipc.alarmActionCalls).toHaveLength(0);

    rowButton(7, "alarm-ack").click();
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(true));
    button("#reauth-cancel").click();
    await vi.waitFor(() => expect(rowButton(7, "alarm-ack").disabled).toBe(false));
    expect(ipc.alarmActionCalls).toHaveLength(0);
  });

  it("asks nothing with sign-in off (the default console)", async () => {
    await start(SIGN_IN_OFF);
    button("#alarm-banner-ack").click();
    await vi.waitFor(() => expect(ipc.alarmActionCalls).toEqual([{ action: "acknowledge", args: [7] }]));
    expect(open("#reauth-dialog")).toBe(false);
    expect(ipc.alarmChallenges).toEqual([null]);
  });
});
