// @vitest-environment jsdom
// Switching the language changes the window in place: the same nodes, the
// other language's texts. And a window switched to Persian shows exactly what
// a window built in Persian shows (a text left unbound would stay English).
import { afterEach, describe, expect, it } from "vitest";
import { ConsoleStore } from "../src/state";
import { setLanguage, strings, STRINGS, type Language } from "../src/strings";
import { AppView } from "../src/views/app";
import { alarmKpisFixture, diagnosticsFixture, settingsFixture } from "./fake-ipc";
import {
  $,
  alarm,
  alarmStatus,
  alert,
  alertStatus,
  command,
  device,
  linkStatus,
  relay,
  renderSnapshot,
  snapshot,
  stats,
  transition,
} from "./fixtures";

const NOW = 1005;

/** The attributes that carry texts for the operator (or a screen reader). */
const TEXT_ATTRIBUTES = ["title", "aria-label", "placeholder"] as const;

let views: AppView[] = [];

afterEach(() => {
  for (const view of views) view.dispose();
  views = [];
  setLanguage("en");
  document.body.replaceChildren();
});

/**
 * What the window shows in the guard tests: nothing yet (the texts before any
 * answer), something in every view, or the rarer states (the demo, a mute, a
 * shelf, a token in a file, a limit, refused values, a failed test notification).
 */
type Variant = "empty" | "full" | "rare";

/** A window with something in every view: devices (one bad), relays, stats, outbox, alerts, journal, diagnostics, settings, an open device, alarms. */
function buildWindow(variant: Variant = "full"): AppView {
  document.body.replaceChildren();
  const root = document.createElement("div");
  root.id = "app";
  document.body.appendChild(root);
  const store = new ConsoleStore(1000);
  const view = new AppView(document);
  views.push(view);
  view.mount(root);
  if (variant === "empty") return view;
  const rare = variant === "rare";
  renderSnapshot(
    store,
    view,
    snapshot({
      link: linkStatus("stale", { last_message_at: 990, detail: "no frames" }),
      devices: [
        device("d1", { name: "Boiler", value: 71.5, unit: "°C" }, 995),
        device("d2", { name: "Pump", status: "fault" }, 900),
        { ...device("d3", { name: "Valve" }), quality: { level: "bad", reason: "unreadable" }, unreadable: ["value"] },
      ],
      relays: [relay("r1", { name: "Main", state: true }), relay("r2", { name: "Spare", state: false })],
      system_stats: stats(1000),
      demo: rare,
      recovered_from: "/var/lib/plant-console/cache.db.bad",
      alert_status: rare
        ? alertStatus({ unacked: 2, unacked_critical: 1, muted: true, muted_until: 1900, shelved: [{ subject: "d1", until: 1800 }] })
        : alertStatus({ unacked: 1, unacked_critical: 0 }),
      cache: { unsaved_since: 950, problem: "disk full" },
      caps: { devices_left_out: 2, relays_left_out: 0, ids_too_long: 0, names_cut: 0, journal_rows_left_out: 0 },
      alarm_status: alarmStatus({
        unacknowledged: { critical: 1, high: 1, medium: 0, low: 0 },
        active: { critical: 1, high: 2, medium: 0, low: 0 },
        top: alarm(1, { priority: "critical", source: "d1", first_out: true }),
        sounding: rare ? "critical" : null,
      }),
    }),
    NOW,
  );
  view.render(
    store,
    store.applyAlarmList(
      [
        alarm(1, { priority: "critical", source: "d1", first_out: true }),
        alarm(2, { source: "d2", chattering: true }),
        alarm(3, { source: "d2", state: "ack_active", acknowledged: true }),
        alarm(4, { priority: "medium", source: "d3", state: "latched", active: false, latching: true }),
        alarm(5, { priority: "low", source: "r1", state: "shelved", shelved_until: 1800, reason: "maintenance" }),
      ],
      store.alarms.mark(),
    ),
    NOW,
  );
  view.showAlarmJournal(
    [
      transition(2, { at: 990, event: "acknowledge", from: "unack_active", to: "ack_active", by: "op" }),
      transition(1, { at: 980 }),
    ],
    1000,
    NOW,
  );
  view.showAlarmKpis(
    alarmKpisFixture({
      per_10_minutes: 1.5,
      per_hour: 9,
      peak_10_minutes: 4,
      flood_percent: 2.5,
      top: [{ alarm_id: 2, message: { id: "alarm-device_fault", args: { name: "d2" } }, activations: 6, share: 0.6 }],
      chattering: [alarm(2, { source: "d2", chattering: true })],
      priorities: { critical: 1, high: 6, medium: 2, low: 1 },
    }),
  );
  view.render(store, store.applyOutbox([command("c1"), command("c2", { status: "failed", error: "refused" })]), NOW);
  view.render(
    store,
    store.applyAlertList([alert(1), alert(2, { acked_at: 1003, acked_by: "op" })], null),
    NOW,
  );
  view.showDiagnostics(diagnosticsFixture(), NOW);
  const link = { id: 7, at: 950, kind: "link", subject: "link", text: "link offline", data: null, message: null };
  view.showLinkChanges([link], NOW);
  view.showJournal([link, { id: 8, at: 960, kind: "alert_raised", subject: "d1", text: "raised", data: null, message: null }], 100);
  view.showStatsTrend(
    { samples: [{ at: 100, cpu: 10, memory: 20, disk: 30, clients: 1 }, { at: 900, cpu: 12, memory: 22, disk: 33, clients: 1 }], gaps: [] },
    0,
    NOW,
  );
  view.openDevice("d1");
  view.showDeviceTrend({ device_id: "d1", points: [[900, 70], [990, 71]], gaps: [{ start: 920, end: 930 }] }, NOW);
  if (!rare) {
    view.settings.showSettings(settingsFixture(), false);
    view.tick(NOW);
    return view;
  }
  const answer = settingsFixture();
  view.settings.showSettings(
    {
      ...answer,
      settings: {
        ...answer.settings,
        alerts: {
          ...answer.settings.alerts,
          limits: [{ device_id: null, device_kind: "sensor", high: 80, low: 10, deadband: 1 }],
        },
      },
      token: { present: true, storage: "file", file_path: "/home/op/token", keyring_problem: "no keyring", from_command_line: false },
      plant_url_fixed: true,
    },
    false,
  );
  // A value the checks made here refuse, and Apply: the messages are the form's own.
  const linkLoss = $("#settings-link-loss") as HTMLInputElement;
  linkLoss.value = "0";
  linkLoss.dispatchEvent(new Event("input"));
  $("#settings-form").dispatchEvent(new Event("submit", { cancelable: true }));
  view.testNotificationSettled("no notification daemon");
  // An alarm's history, the shelving dialog with its message, an export, refused actions.
  view.alarmSummary.openHistory(2);
  view.showAlarmHistory(2, [transition(3, { alarm_id: 2, at: 995, event: "shelve", from: "unack_active", to: "shelved", by: "op", reason: "why" })]);
  view.shelveDialog.open(alarm(2, { source: "d2" }));
  $("#alarm-shelve-form").dispatchEvent(new Event("submit", { cancelable: true }));
  view.alarmJournal.exported(12, "/home/op/alarm-journal.csv");
  view.showAlarmActionError("banner", () => strings.errors.alarmActionFailed("timed out"));
  view.showAlarmActionError("summary", () => strings.errors.alarmActionFailed("timed out"));
  // The messages of failed requests: made from the catalog (they follow the language).
  view.showError(() => strings.errors.snapshotFailed("timed out"));
  view.alerts.showError(() => strings.errors.alertsFailed("timed out"));
  view.alerts.showActionError(() => strings.errors.ackFailed("timed out"));
  view.outbox.showError(() => strings.errors.outboxFailed("timed out"));
  view.showDiagnosticsError(() => strings.errors.diagnosticsFailed("timed out"));
  view.showStatsTrendError(() => strings.errors.trendFailed("timed out"));
  view.showJournalError(() => strings.errors.journalFailed("timed out"));
  view.tick(NOW);
  // The rarer states are there to be compared.
  expect($("#settings-error-summary").hidden).toBe(false);
  expect(document.getElementById("demo-banner")).not.toBeNull();
  expect($("#mute-toggle").getAttribute("data-muted")).toBe("true");
  expect($('#devices tr[data-device-id="d1"]').getAttribute("data-shelved-until")).toBe("1800");
  expect(document.querySelectorAll("#settings-limits .limit-row")).toHaveLength(1);
  return view;
}

/** What the operator reads: the whole text, and each element's text attributes (in document order). */
function shown(): { text: string; attributes: string[] } {
  const attributes: string[] = [];
  for (const node of document.body.querySelectorAll("*")) {
    for (const name of TEXT_ATTRIBUTES) {
      const value = node.getAttribute(name);
      // Named by tag and class: some ids are numbered as they are made (two windows, other numbers).
      if (value !== null) attributes.push(`${node.tagName.toLowerCase()}.${node.getAttribute("class") ?? ""} ${name}=${value}`);
    }
  }
  return { text: document.body.textContent ?? "", attributes };
}

/** The first place where two texts differ, with some text around it ("" when they are equal). */
function difference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (i === a.length && i === b.length) return "";
  return `at ${i}: …${a.slice(Math.max(0, i - 40), i + 40)}… ≠ …${b.slice(Math.max(0, i - 40), i + 40)}…`;
}

function built(lang: Language, variant: Variant): ReturnType<typeof shown> {
  setLanguage(lang);
  buildWindow(variant);
  return shown();
}

/** One element of each view, and a text node in it, looked up again after each switch. */
const SAMPLES = [
  "#tab-plant",
  ".app-title",
  "#devices-heading",
  "#device-search",
  '#devices tr[data-device-id="d1"] .badge',
  '#devices tr[data-device-id="d1"] button.shelve-device',
  "#device-details-close",
  '#relays tr[data-relay-id="r1"] button.relay-switch',
  "#relays-heading",
  "#system-stats-heading",
  "#stat-cpu",
  '#outbox tr[data-request-id="c1"] button.cancel-command',
  "#outbox-heading",
  "#alerts-heading",
  '#alerts tr[data-alert-id="1"] .badge',
  "#ack-all",
  "#journal-heading",
  '#journal li[data-journal-id="8"] .journal-kind',
  "#diagnostics-heading",
  "#diag-rtt",
  "#test-notification",
  "#settings-heading",
  "#settings-apply",
  "#settings-plant-heading",
  "#confirm-busy",
  "#stats-trend-cpu",
  "#stale-warning",
  "#unusable-warning",
  "#tab-alarms",
  "#alarms-heading",
  '#alarms tr[data-alarm-id="1"] .priority',
  '#alarms tr[data-alarm-id="4"] .alarm-state',
  "#alarm-ack-page",
  "#alarm-banner-ack",
  "#alarm-banner-top .priority",
  "#alarm-journal-heading",
  "#alarm-journal-export",
  "#alarm-kpis-heading",
  "#kpi-flood",
] as const;

describe("switching the language", () => {
  it("keeps every view's nodes and changes their texts to the other language and back", () => {
    setLanguage("en");
    buildWindow();
    const elements = SAMPLES.map((s) => $(s));
    const texts = elements.map((e) => [...e.childNodes]);
    const english = elements.map((e) => e.textContent);
    const rtt = $("#diag-rtt").textContent;

    setLanguage("fa");
    expect(SAMPLES.map((s) => $(s))).toEqual(elements);
    SAMPLES.forEach((s, i) => expect($(s), s).toBe(elements[i]));
    elements.forEach((e, i) => expect([...e.childNodes], SAMPLES[i]).toEqual(texts[i]));
    expect($("#tab-plant").textContent).toBe(STRINGS.fa.tabs.plant);
    expect($("#devices-heading").textContent).toBe(STRINGS.fa.devices.caption);
    expect($("#device-search").getAttribute("placeholder")).toBe(STRINGS.fa.devices.searchPlaceholder);
    expect($('#devices tr[data-device-id="d1"] .badge').textContent).toBe(STRINGS.fa.status.online);
    expect($('#devices tr[data-device-id="d1"] .value-text').textContent).toBe("۷۱٫۵ °C");
    expect($("#relays-heading").textContent).toBe(STRINGS.fa.relays.caption);
    expect($("#outbox-heading").textContent).toBe(STRINGS.fa.outbox.heading);
    expect($('#outbox tr[data-request-id="c1"] button.cancel-command').textContent).toBe(STRINGS.fa.outbox.cancel);
    expect($("#alerts-heading").textContent).toBe(STRINGS.fa.alerts.heading);
    expect($("#journal-heading").textContent).toBe(STRINGS.fa.journal.heading);
    expect($("#diagnostics-heading").textContent).toBe(STRINGS.fa.diagnostics.heading);
    expect($("#test-notification").textContent).toBe(STRINGS.fa.diagnostics.testNotification);
    expect($("#settings-heading").textContent).toBe(STRINGS.fa.settings.heading);
    expect($("#settings-apply").textContent).toBe(STRINGS.fa.settings.apply);
    expect($("#confirm-busy").textContent).toBe(STRINGS.fa.switching.sending);
    expect($("#diag-rtt").textContent).not.toBe(rtt);
    expect(document.documentElement.getAttribute("lang")).toBe("fa");
    expect(document.documentElement.getAttribute("dir")).toBe("rtl");

    setLanguage("en");
    SAMPLES.forEach((s, i) => expect($(s), s).toBe(elements[i]));
    elements.forEach((e, i) => expect([...e.childNodes], SAMPLES[i]).toEqual(texts[i]));
    expect(elements.map((e) => e.textContent)).toEqual(english);
    expect($("#diag-rtt").textContent).toBe(rtt);
    expect(document.documentElement.getAttribute("dir")).toBe("ltr");
  });

  it("keeps the settings form as it is, typed values, limit rows and messages, in the new language", () => {
    setLanguage("en");
    buildWindow("rare");
    const row = $("#settings-limits .limit-row");
    const legend = row.querySelector("legend");
    const linkLoss = $("#settings-link-loss") as HTMLInputElement;
    setLanguage("fa");
    expect($("#settings-limits .limit-row")).toBe(row);
    expect(row.querySelector("legend")).toBe(legend);
    expect(legend?.textContent).toBe(STRINGS.fa.settings.limit(1));
    expect($("#settings-link-loss")).toBe(linkLoss);
    expect(linkLoss.value).toBe("0");
    expect($("#settings-error-summary").hidden).toBe(false);
    expect($("#settings-status").textContent).toBe(STRINGS.fa.settings.invalid(1));
  });

  it("says a failed request's message in the new language, and a server's own text as it was", () => {
    setLanguage("en");
    const view = buildWindow("empty");
    view.showJournalError(() => strings.errors.journalFailed("timed out"));
    view.outbox.showError("the server's own words");
    const journalError = $("#journal-error").firstChild;
    setLanguage("fa");
    expect($("#journal-error").firstChild).toBe(journalError);
    expect($("#journal-error").textContent).toBe(STRINGS.fa.errors.journalFailed("timed out"));
    expect($("#outbox-error").textContent).toBe("the server's own words");
  });

  it.each(["empty", "full", "rare"] as const)(
    "shows, switched to Persian, exactly what a window built in Persian shows (%s)",
    (variant) => {
      const fresh = built("fa", variant);
      views.pop()?.dispose();
      setLanguage("en");
      buildWindow(variant);
      const english = shown();
      setLanguage("fa");
      const switched = shown();
      // The guard would prove nothing if the switch changed nothing.
      expect(switched.text).not.toBe(english.text);
      expect(switched.attributes).toEqual(fresh.attributes);
      expect(difference(switched.text, fresh.text)).toBe("");
    },
  );

  it.each(["empty", "full", "rare"] as const)(
    "shows, switched back to English, exactly what a window built in English shows (%s)",
    (variant) => {
      const fresh = built("en", variant);
      views.pop()?.dispose();
      setLanguage("fa");
      buildWindow(variant);
      setLanguage("en");
      const switched = shown();
      expect(switched.attributes).toEqual(fresh.attributes);
      expect(difference(switched.text, fresh.text)).toBe("");
    },
  );
});
