// @vitest-environment jsdom
// The operator session in the page: the header (who is signed in, Sign in / Sign
// out), the sign-in dialog (Enter submits, the refusal as text, a lock-out with its
// end), the relay switch a viewer may not use (disabled, the tooltip says why), the
// re-authentication before switching (a reason for a critical relay, a wrong password
// tried again), the idle sign-out closing the dialogs, and activity reported throttled.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller } from "../src/controllers";
import { ActivityThrottle, challengeNeed, challengeProblems, sessionBlock, SIGN_IN_OFF } from "../src/state";
import type { ConsoleSnapshot, OperatorSession, Role } from "../src/types";
import { AppView } from "../src/views/app";
import { fakeIpc, type FakeIpc } from "./fake-ipc";
import { $, command, relay, snapshot, text } from "./fixtures";

const NOW = new Date(2024, 4, 31, 14, 3, 9).getTime() / 1000;

let view: AppView;
let ipc: FakeIpc;
let controller: Controller;

function session(fields: Partial<OperatorSession> = {}): OperatorSession {
  return {
    sign_in: true,
    refused: null,
    operator: null,
    may: [],
    idle_sign_out_seconds: 900,
    reauthenticate: false,
    critical_relays: [],
    ...fields,
  };
}

const MAY: Record<Role, OperatorSession["may"]> = {
  viewer: [],
  operator: ["switch_relay", "acknowledge", "shelve", "silence", "reset_latched"],
  engineer: [...SIGN_IN_OFF.may],
};

function signedIn(name: string, role: Role, fields: Partial<OperatorSession> = {}): OperatorSession {
  return session({ operator: { name, role }, may: MAY[role], ...fields });
}

function switchOf(relayId: string): HTMLButtonElement {
  return $(`#relays tr[data-relay-id="${relayId}"] button.relay-switch`) as HTMLButtonElement;
}

function open(selector: string): boolean {
  return $(selector).hasAttribute("open");
}

function type(selector: string, value: string): void {
  ($(selector) as HTMLInputElement).value = value;
}

function enter(selector: string): void {
  const form = ($(selector) as HTMLInputElement).form;
  form?.requestSubmit();
}

async function start(snap: ConsoleSnapshot, first: OperatorSession): Promise<void> {
  ipc.sessionAnswer = () => Promise.resolve(first);
  const started = controller.start();
  await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
  ipc.resolveSnapshot(snap);
  await started;
}

const pump = () => relay("p3", { name: "Pump 3", state: true });

beforeEach(() => {
  document.body.replaceChildren();
  view = new AppView(document);
  view.mount(document.body);
  ipc = fakeIpc();
  controller = new Controller({ ipc, view, now: () => NOW, scheduleFrame: (cb) => cb(), retryMinMs: 10, activityMs: 15_000 });
});

afterEach(() => {
  controller.stop();
});

describe("the session slice", () => {
  it("says why an action is refused, and what a control asks first", () => {
    expect(sessionBlock(SIGN_IN_OFF, "settings")).toBeNull();
    expect(sessionBlock(session(), "switch_relay")).toBe("not_signed_in");
    expect(sessionBlock(signedIn("vi", "viewer"), "switch_relay")).toBe("forbidden");
    expect(sessionBlock(signedIn("op", "operator"), "switch_relay")).toBeNull();
    expect(sessionBlock(signedIn("op", "operator"), "settings")).toBe("forbidden");
    expect(sessionBlock(session({ refused: "others may write to it" }), "switch_relay")).toBe("operators_refused");

    const policy = signedIn("op", "operator", { reauthenticate: true, critical_relays: ["p3"] });
    expect(challengeNeed(policy, "p3")).toEqual({ password: true, reason: true });
    expect(challengeNeed(policy, "f1")).toEqual({ password: true, reason: false });
    expect(challengeNeed(SIGN_IN_OFF, "p3")).toEqual({ password: false, reason: false });
    expect(challengeProblems({ password: true, reason: true }, "", "  ")).toEqual({ password: "required", reason: "required" });
  });

  it("lets activity through at most once per period", () => {
    const throttle = new ActivityThrottle(15_000);
    expect(throttle.take(0)).toBe(true);
    expect(throttle.take(14_999)).toBe(false);
    expect(throttle.take(15_000)).toBe(true);
    throttle.reset();
    expect(throttle.take(15_001)).toBe(true);
  });
});

describe("the header and the sign-in dialog", () => {
  it("draws no session box until the console has answered, so the header does not move under the pointer", async () => {
    const pending: { answer?: (s: OperatorSession) => void } = {};
    ipc.sessionAnswer = () => new Promise((resolve) => (pending.answer = resolve));
    const started = controller.start();
    await vi.waitFor(() => expect(pending.answer).toBeDefined());
    // Not known yet: no box (the header keeps the shape it has with sign-in off).
    expect($("#session").hidden).toBe(true);
    pending.answer?.(SIGN_IN_OFF);
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
    ipc.resolveSnapshot(snapshot({ relays: [pump()] }));
    await started;
    await vi.waitFor(() => expect(switchOf("p3").disabled).toBe(false));
    expect($("#session").hidden).toBe(true);
  });

  it("says nobody is signed in, and hides itself with sign-in off", async () => {
    await start(snapshot({ relays: [pump()] }), session());
    expect($("#session").hidden).toBe(false);
    expect(text("#session-who")).toBe("Nobody signed in — viewing");
    expect(text("#session-toggle")).toBe("Sign in");
    expect(switchOf("p3").disabled).toBe(true);
    expect(switchOf("p3").getAttribute("title")).toBe("Sign in to switch relays");

    ipc.emitSession({ session: SIGN_IN_OFF, idle_signed_out: null });
    expect($("#session").hidden).toBe(true);
    expect(switchOf("p3").disabled).toBe(false);
  });

  it("signs in with Enter, shows the refusal as text and a lock-out with its end", async () => {
    await start(snapshot({ relays: [pump()] }), session());
    ($("#session-toggle") as HTMLButtonElement).click();
    expect(open("#sign-in-dialog")).toBe(true);

    type("#sign-in-name", "ana");
    type("#sign-in-password", "wrong");
    enter("#sign-in-password");
    await vi.waitFor(() => expect(text("#sign-in-error")).toBe("Wrong name or password."));
    expect(ipc.signInCalls).toEqual([{ name: "ana", password: "wrong" }]);
    expect(($("#sign-in-password") as HTMLInputElement).value).toBe("");

    const until = new Date(2024, 4, 31, 14, 8, 9).getTime() / 1000;
    ipc.signInAnswer = () => Promise.reject({ code: "locked_out", message: "<b>locked</b>", until });
    type("#sign-in-password", "again");
    enter("#sign-in-password");
    await vi.waitFor(() => expect(text("#sign-in-error")).toBe("Too many failed attempts: signing in as ana is locked until 14:08:09."));

    ipc.signInAnswer = () => Promise.reject({ code: "io", message: "<b>disk</b> full" });
    type("#sign-in-password", "again");
    enter("#sign-in-password");
    await vi.waitFor(() => expect(text("#sign-in-error")).toBe("Could not sign in: <b>disk</b> full"));
    expect(document.querySelector("#sign-in-error b")).toBeNull();

    ipc.signInAnswer = () => Promise.resolve(signedIn("ana", "operator"));
    type("#sign-in-password", "right");
    enter("#sign-in-password");
    await vi.waitFor(() => expect(open("#sign-in-dialog")).toBe(false));
    expect(text("#session-who")).toBe("ana (operator)");
    expect(text("#session-toggle")).toBe("Sign out");
    expect(switchOf("p3").disabled).toBe(false);

    ipc.sessionAnswer = () => Promise.resolve(session());
    ($("#session-toggle") as HTMLButtonElement).click();
    await vi.waitFor(() => expect(text("#session-who")).toBe("Nobody signed in — viewing"));
    expect(ipc.signOutCalls).toBe(1);
  });

  it("disables a viewer's switch with the reason as its tooltip", async () => {
    await start(snapshot({ relays: [pump()] }), signedIn("vi", "viewer"));
    expect(text("#session-who")).toBe("vi (viewer)");
    expect(switchOf("p3").disabled).toBe(true);
    expect(switchOf("p3").getAttribute("title")).toBe("An operator signed in as viewer may not switch relays");
  });

  it("shows a refused operators file as a banner, and lets nobody sign in", async () => {
    await start(snapshot({ relays: [pump()] }), session({ refused: "others may write to /etc/plant-console/operators.json." }));
    expect($("#session-refused").hidden).toBe(false);
    expect(text("#session-refused")).toContain("others may write to /etc/plant-console/operators.json.");
    expect(($("#session-toggle") as HTMLButtonElement).disabled).toBe(true);
    expect(switchOf("p3").disabled).toBe(true);
  });
});

describe("re-authentication before switching", () => {
  it("asks the password and a reason for a critical relay, lets a wrong password be tried again, and sends both", async () => {
    await start(snapshot({ relays: [pump()] }), signedIn("ana", "operator", { reauthenticate: true, critical_relays: ["p3"] }));
    switchOf("p3").click();
    ($("#confirm-ok") as HTMLButtonElement).click();
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(true));
    expect(text("#reauth-help")).toBe("ana, enter your password again to switch relay Pump 3 OFF.");
    expect(($("#reauth-reason") as HTMLTextAreaElement).closest("[hidden]")).toBeNull();

    type("#reauth-password", "pw");
    enter("#reauth-password");
    expect(text("#reauth-error")).toBe("A critical relay needs a reason.");
    expect(ipc.setRelayCalls).toHaveLength(0);

    type("#reauth-password", "wrong");
    type("#reauth-reason", "  flush the line ");
    enter("#reauth-password");
    await vi.waitFor(() => expect(ipc.setRelayCalls).toHaveLength(1));
    expect(ipc.setRelayCalls[0]?.challenge).toEqual({ password: "wrong", reason: "flush the line" });
    ipc.setRelayCalls[0]?.reject({ code: "bad_credentials", message: "wrong name or password" });
    await vi.waitFor(() => expect(text("#reauth-error")).toBe("Wrong password."));
    expect(open("#reauth-dialog")).toBe(true);

    type("#reauth-password", "right");
    enter("#reauth-password");
    await vi.waitFor(() => expect(ipc.setRelayCalls).toHaveLength(2));
    expect(ipc.setRelayCalls[1]?.challenge).toEqual({ password: "right", reason: "flush the line" });
    ipc.setRelayCalls[1]?.resolve(command("q1", { relay_id: "p3", status: "queued" }));
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(false));
    expect(open("#confirm-dialog")).toBe(false);
  });

  it("sends nothing when cancelled, and nothing is asked with re-authentication off", async () => {
    await start(snapshot({ relays: [pump()] }), signedIn("ana", "operator", { reauthenticate: true }));
    switchOf("p3").click();
    ($("#confirm-ok") as HTMLButtonElement).click();
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(true));
    expect(($("#reauth-reason") as HTMLTextAreaElement).closest("[hidden]")).not.toBeNull();
    ($("#reauth-cancel") as HTMLButtonElement).click();
    expect(open("#reauth-dialog")).toBe(false);
    await vi.waitFor(() => expect(open("#confirm-dialog")).toBe(false));
    expect(ipc.setRelayCalls).toHaveLength(0);

    ipc.emitSession({ session: signedIn("ana", "operator"), idle_signed_out: null });
    switchOf("p3").click();
    ($("#confirm-ok") as HTMLButtonElement).click();
    await vi.waitFor(() => expect(ipc.setRelayCalls).toHaveLength(1));
    expect(ipc.setRelayCalls[0]?.challenge).toBeNull();
    expect(open("#reauth-dialog")).toBe(false);
  });

  it("closes every dialog at an idle sign-out and says who was signed out", async () => {
    await start(snapshot({ relays: [pump()] }), signedIn("ana", "operator", { reauthenticate: true, idle_sign_out_seconds: 300 }));
    switchOf("p3").click();
    ($("#confirm-ok") as HTMLButtonElement).click();
    await vi.waitFor(() => expect(open("#reauth-dialog")).toBe(true));

    ipc.emitSession({ session: session({ idle_sign_out_seconds: 300 }), idle_signed_out: { name: "ana", role: "operator" } });
    expect(open("#reauth-dialog")).toBe(false);
    expect(open("#confirm-dialog")).toBe(false);
    expect(ipc.setRelayCalls).toHaveLength(0);
    expect(text("#session-who")).toBe("Nobody signed in — viewing");
    expect(text("#session-notice")).toBe("ana was signed out after 5 min without activity.");
    expect(switchOf("p3").disabled).toBe(true);
  });
});

describe("activity", () => {
  it("is reported only while someone is signed in, at most once per period", async () => {
    await start(snapshot({ relays: [pump()] }), session());
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
    expect(ipc.activityCalls).toBe(0);
    ipc.emitSession({ session: signedIn("ana", "operator"), idle_signed_out: null });
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "b" }));
    expect(ipc.activityCalls).toBe(1);
  });
});
