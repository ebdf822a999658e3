// Alerts: the pure logic (texts, mute and shelf state, the alert list's merging).
import { describe, expect, it } from "vitest";
import {
  ackedText,
  alertCountText,
  alertCountTone,
  formatUntil,
  muteLabel,
  notificationText,
  severityPresentation,
  shelvedText,
} from "../src/lib/format";
import {
  activeShelves,
  ALERT_LIMIT,
  AlertLog,
  alertReloadNeeded,
  BATCH_ALERTS,
  ConsoleStore,
  emptyChanges,
  hasChanges,
  mergeChanges,
  muteState,
  shelvedUntil,
} from "../src/state";
import { alert, alertStatus, batch, local, snapshot } from "./fixtures";

const NOW = local(2024, 5, 31, 14, 3, 9);

describe("severityPresentation: text and class per severity", () => {
  it.each([
    ["critical", "critical", "Critical"],
    ["high", "high", "High"],
    ["low", "low", "Low"],
    ["info", "info", "Info"],
    ["catastrophic", "unknown", "catastrophic"],
    ["", "unknown", "Unknown"],
    ["__proto__", "unknown", "__proto__"],
  ])("%s → class %s, text %s", (severity, cls, label) => {
    expect(severityPresentation(severity)).toEqual({ cls, label });
  });
});

describe("notificationText: notified, or why not", () => {
  it("says Notified", () => {
    expect(notificationText(true, null)).toMatchObject({ reason: "notified", text: "Notified" });
  });

  it.each([
    ["muted", "Muted", /muted/],
    ["shelved", "Shelved", /shelved/],
    ["flood", "Flood — in summary", /too many alerts/],
    ["flapping", "Repeated — in summary", /same alert again/],
    ["quiet", "Below notify level", /below the level/],
  ])("%s → %s", (reason, text, title) => {
    const n = notificationText(false, reason);
    expect(n.reason).toBe(reason);
    expect(n.text).toBe(text);
    expect(n.title).toMatch(title);
  });

  it("shows a reason this UI does not know as it is", () => {
    expect(notificationText(false, "sleeping")).toMatchObject({ reason: "sleeping", text: "Not notified (sleeping)" });
    expect(notificationText(false, "toString").text).toBe("Not notified (toString)");
  });

  it("says Not notified when no reason is given", () => {
    expect(notificationText(false, null)).toMatchObject({ reason: "", text: "Not notified" });
    expect(notificationText(false, "")).toMatchObject({ reason: "", text: "Not notified" });
  });
});

describe("ackedText", () => {
  it("is null while unacknowledged", () => {
    expect(ackedText({ acked_at: null, acked_by: null }, NOW)).toBeNull();
  });

  it("names who and when, with the date when it was not today", () => {
    expect(ackedText({ acked_at: local(2024, 5, 31, 14, 5, 12), acked_by: "operator-1" }, NOW)).toBe(
      "operator-1, 14:05:12",
    );
    expect(ackedText({ acked_at: local(2024, 5, 30, 23, 0, 0), acked_by: "op" }, NOW)).toBe("op, 2024-05-30 23:00:00");
  });

  it("says when, without a user", () => {
    expect(ackedText({ acked_at: local(2024, 5, 31, 14, 5, 12), acked_by: null }, NOW)).toBe("Acknowledged 14:05:12");
  });
});

describe("mute", () => {
  it("offers to mute for 15 minutes when not muted", () => {
    expect(muteLabel(alertStatus(), NOW)).toEqual({
      muted: false,
      text: "Mute 15 min",
      title: "Mute desktop notifications for 15 minutes (alerts are still recorded)",
    });
  });

  it("says until when, rounded up to the minute, and offers to unmute", () => {
    const label = muteLabel(alertStatus({ muted: true, muted_until: NOW + 900 }), NOW);
    expect(label.muted).toBe(true);
    expect(label.text).toBe("Muted until 14:19 — Unmute");
    expect(muteLabel(alertStatus({ muted: true, muted_until: local(2024, 5, 31, 14, 18, 0) }), NOW).text).toBe(
      "Muted until 14:18 — Unmute",
    );
  });

  it("says the date when the mute ends on another day", () => {
    const until = local(2024, 6, 1, 0, 10, 0);
    expect(muteLabel(alertStatus({ muted: true, muted_until: until }), NOW).text).toBe("Muted until 2024-06-01 00:10 — Unmute");
  });

  it("says Muted — Unmute while muted until unmuted", () => {
    expect(muteLabel(alertStatus({ muted: true, muted_until: null }), NOW).text).toBe("Muted — Unmute");
    expect(muteState(alertStatus({ muted: true, muted_until: null }), NOW)).toEqual({ muted: true, until: null });
  });

  it("counts a mute whose end has passed as over", () => {
    const status = alertStatus({ muted: true, muted_until: NOW - 1 });
    expect(muteState(status, NOW)).toEqual({ muted: false, until: null });
    expect(muteLabel(status, NOW).text).toBe("Mute 15 min");
    expect(muteState(alertStatus({ muted: true, muted_until: NOW }), NOW).muted).toBe(false);
  });

  it("ignores an end time when not muted", () => {
    expect(muteState(alertStatus({ muted: false, muted_until: NOW + 60 }), NOW).muted).toBe(false);
  });
});

describe("shelves", () => {
  const status = alertStatus({
    shelved: [
      { subject: "pump-1", until: NOW + 600 },
      { subject: "old", until: NOW - 5 },
      { subject: "pump-1", until: NOW + 60 },
      { subject: "fan", until: NOW + 120 },
    ],
  });

  it("finds until when a device is shelved (the latest end)", () => {
    expect(shelvedUntil(status, "pump-1", NOW)).toBe(NOW + 600);
    expect(shelvedUntil(status, "fan", NOW)).toBe(NOW + 120);
  });

  it("answers null for a device not shelved, or whose shelf ran out", () => {
    expect(shelvedUntil(status, "valve", NOW)).toBeNull();
    expect(shelvedUntil(status, "old", NOW)).toBeNull();
    expect(shelvedUntil(status, "fan", NOW + 120)).toBeNull();
  });

  it("lists the running shelves by subject", () => {
    expect([...activeShelves(status, NOW)].sort()).toEqual([
      ["fan", NOW + 120],
      ["pump-1", NOW + 600],
    ]);
  });

  it("says until when, rounded up to the minute", () => {
    expect(shelvedText(NOW + 900, NOW)).toBe("Shelved until 14:19");
    expect(shelvedText(local(2024, 6, 1, 9, 0, 0), NOW)).toBe("Shelved until 2024-06-01 09:00");
  });
});

describe("formatUntil", () => {
  it("rounds up to the minute and adds the date on another day", () => {
    expect(formatUntil(local(2024, 5, 31, 14, 18, 0), NOW)).toBe("14:18");
    expect(formatUntil(local(2024, 5, 31, 14, 18, 1), NOW)).toBe("14:19");
    expect(formatUntil(local(2024, 5, 31, 23, 59, 30), NOW)).toBe("2024-06-01 00:00");
    expect(formatUntil(Number.NaN, NOW)).toBe("—");
  });
});

describe("header alert count", () => {
  it("says the count, and the critical ones in words", () => {
    expect(alertCountText({ unacked: 3, unacked_critical: 0 })).toBe("Alerts 3");
    expect(alertCountText({ unacked: 3, unacked_critical: 1 })).toBe("Alerts 3 (1 critical)");
    expect(alertCountText({ unacked: 0, unacked_critical: 0 })).toBe("Alerts 0");
  });

  it("is red while a critical alert is unacknowledged", () => {
    expect(alertCountTone({ unacked: 3, unacked_critical: 1 })).toBe("alert");
    expect(alertCountTone({ unacked: 3, unacked_critical: 0 })).toBe("warn");
    expect(alertCountTone({ unacked: 0, unacked_critical: 0 })).toBe("neutral");
  });
});

describe("AlertLog: merging alerts by id", () => {
  const ids = (log: AlertLog): number[] => log.list().map((a) => a.id);

  it("lists newest (highest id) first, whatever the order they came in", () => {
    const log = new AlertLog();
    log.upsert([alert(2), alert(5), alert(1)]);
    log.upsert([alert(4), alert(3)]);
    expect(ids(log)).toEqual([5, 4, 3, 2, 1]);
    expect(log.maxId()).toBe(5);
  });

  it("replaces a copy with a newer one, and reports an identical copy as no change", () => {
    const log = new AlertLog();
    log.upsert([alert(1)]);
    expect(log.upsert([alert(1)])).toBe(false);
    expect(log.upsert([alert(1, { acked_at: 2000, acked_by: "op" })])).toBe(true);
    expect(log.get(1)?.acked_by).toBe("op");
    expect(log.size).toBe(1);
  });

  it("never undoes an acknowledgement with an older, unacknowledged copy", () => {
    const log = new AlertLog();
    log.upsert([alert(1, { acked_at: 2000, acked_by: "op" })]);
    expect(log.upsert([alert(1)])).toBe(false);
    expect(log.get(1)?.acked_at).toBe(2000);
  });

  it("keeps at most its limit, dropping the oldest", () => {
    const log = new AlertLog(3);
    log.upsert([alert(1), alert(2), alert(3)]);
    expect(log.upsert([alert(4), alert(5)])).toBe(true);
    expect(ids(log)).toEqual([5, 4, 3]);
    expect(new AlertLog().upsert(Array.from({ length: ALERT_LIMIT + 10 }, (_, i) => alert(i)))).toBe(true);
  });

  it("takes an alerts answer: known alerts it lacks are gone, newer ones from batches stay", () => {
    const log = new AlertLog();
    log.upsert([alert(1), alert(2), alert(3)]);
    const knownBefore = log.maxId();
    log.upsert([alert(4)]); // a batch while the answer was on its way
    const changed = log.replace([alert(3, { acked_at: 2000, acked_by: "op" }), alert(2)], knownBefore);
    expect(changed).toBe(true);
    expect(ids(log)).toEqual([4, 3, 2]);
    expect(log.get(3)?.acked_by).toBe("op");
  });

  it("takes a first answer whole, keeping what batches brought before it", () => {
    const log = new AlertLog();
    log.upsert([alert(9)]);
    log.replace([alert(8), alert(7)], null);
    expect(ids(log)).toEqual([9, 8, 7]);
  });

  it("reports an answer that changes nothing as no change", () => {
    const log = new AlertLog();
    log.upsert([alert(2), alert(1)]);
    expect(log.replace([alert(2), alert(1)], 2)).toBe(false);
  });

  it("ignores an alert without a numeric id", () => {
    const log = new AlertLog();
    expect(log.upsert([alert(Number.NaN)])).toBe(false);
    expect(log.size).toBe(0);
  });
});

describe("alertReloadNeeded", () => {
  const known = (...list: number[]) => (id: number) => list.includes(id);

  it("asks for the list after a full batch: older alerts of the flood may be missing", () => {
    const alerts = Array.from({ length: BATCH_ALERTS }, (_, i) => alert(i + 1));
    expect(alertReloadNeeded(batch({ alerts }), alertStatus(), known())).toBe(true);
  });

  it("needs nothing when the new alerts explain the new counts", () => {
    const b = batch({
      alerts: [alert(1), alert(2, { severity: "critical" })],
      alert_status: alertStatus({ unacked: 3, unacked_critical: 1 }),
    });
    expect(alertReloadNeeded(b, alertStatus({ unacked: 1 }), known())).toBe(false);
  });

  it("needs nothing for a batch without a status, or a status that changes only the mute", () => {
    expect(alertReloadNeeded(batch({ alerts: [alert(1)] }), alertStatus(), known())).toBe(false);
    const muted = batch({ alert_status: alertStatus({ unacked: 2, muted: true }) });
    expect(alertReloadNeeded(muted, alertStatus({ unacked: 2 }), known())).toBe(false);
  });

  it("asks for the list when alerts were acknowledged", () => {
    const b = batch({ alert_status: alertStatus({ unacked: 0 }) });
    expect(alertReloadNeeded(b, alertStatus({ unacked: 2 }), known(1, 2))).toBe(true);
  });

  it("asks for the list when the counts grew by more than the batch brought", () => {
    const b = batch({ alerts: [alert(3)], alert_status: alertStatus({ unacked: 3, unacked_critical: 1 }) });
    expect(alertReloadNeeded(b, alertStatus({ unacked: 2 }), known())).toBe(true);
  });

  it("does not count an alert it knows already", () => {
    const b = batch({ alerts: [alert(1)], alert_status: alertStatus({ unacked: 1 }) });
    expect(alertReloadNeeded(b, alertStatus({ unacked: 1 }), known(1))).toBe(false);
  });
});

describe("alerts in the store", () => {
  it("takes the alert status from the snapshot", () => {
    const store = new ConsoleStore(0);
    const c = store.applySnapshot(snapshot({ alert_status: alertStatus({ unacked: 4, unacked_critical: 1 }) }));
    expect(c.alertStatus).toBe(true);
    expect(store.alertStatus.unacked).toBe(4);
  });

  it("merges a batch's alerts and takes its status", () => {
    const store = new ConsoleStore(0);
    store.applySnapshot(snapshot());
    const c = store.applyBatch(batch({ alerts: [alert(1), alert(2)], alert_status: alertStatus({ unacked: 2 }) }));
    expect(c.alerts).toBe(true);
    expect(c.alertStatus).toBe(true);
    expect(store.alerts.list().map((a) => a.id)).toEqual([2, 1]);
    expect(store.alertStatus.unacked).toBe(2);
    expect(hasChanges(store.applyBatch(batch({ alert_status: alertStatus({ unacked: 2 }) })))).toBe(false);
  });

  it("knows the list once an answer arrived, even an empty one", () => {
    const store = new ConsoleStore(0);
    expect(store.alertsLoaded).toBe(false);
    expect(store.applyAlertList([], null).alerts).toBe(true);
    expect(store.alertsLoaded).toBe(true);
    expect(store.applyAlertList([], null).alerts).toBe(false);
  });

  it("reports a status that did not change as no change", () => {
    const store = new ConsoleStore(0);
    expect(store.setAlertStatus(alertStatus({ shelved: [{ subject: "a", until: 5 }] })).alertStatus).toBe(true);
    expect(hasChanges(store.setAlertStatus(alertStatus({ shelved: [{ subject: "a", until: 5 }] })))).toBe(false);
    expect(store.setAlertStatus(alertStatus({ shelved: [{ subject: "a", until: 6 }] })).alertStatus).toBe(true);
  });

  it("merges alert changes for rendering once per frame", () => {
    const a = emptyChanges();
    const b = emptyChanges();
    b.alerts = true;
    const d = emptyChanges();
    d.alertStatus = true;
    mergeChanges(mergeChanges(a, b), d);
    expect(a.alerts && a.alertStatus).toBe(true);
    expect(hasChanges(d)).toBe(true);
  });
});
