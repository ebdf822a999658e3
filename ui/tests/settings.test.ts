// The settings form's logic: the draft to and from Settings, the checks the
// console makes too (same field names, same order), where each refused value
// is shown, and whether a save makes the console connect again.
import { afterEach, describe, expect, it } from "vitest";
import {
  ALERT_KINDS,
  checkDraft,
  copyDraft,
  draftFromSettings,
  draftsEqual,
  emptyLimit,
  errorElementId,
  fieldLabel,
  groupErrors,
  limitDraft,
  MAX_LIMITS,
  parseNumber,
  placeOf,
  planSave,
  plantUrlProblem,
  reconnects,
  savedMessage,
  settingsFromDraft,
  tokenChange,
  type LimitDraft,
  type SettingsDraft,
} from "../src/state/settings";
import { setLanguage, STRINGS } from "../src/strings";
import type { Settings, SettingsView } from "../src/types";
import { settingsFixture } from "./fake-ipc";
import { DEFAULT_ALARM_PREFS } from "./fixtures";

const E = STRINGS.en.settings.errors;

function settings(fields: Partial<Settings> = {}): Settings {
  return { ...settingsFixture().settings, ...fields };
}

function draft(fields: Partial<SettingsDraft> = {}): SettingsDraft {
  return { ...draftFromSettings(settings()), ...fields };
}

function limit(fields: Partial<LimitDraft> = {}): LimitDraft {
  return { target: "device_kind", subject: "temperature", low: "10", high: "80", deadband: "1", ...fields };
}

function fields(d: SettingsDraft, plantUrlFixed = false): string[] {
  return checkDraft(d, { plantUrlFixed }).map((e) => e.field);
}

afterEach(() => setLanguage("en"));

describe("the draft from the console's settings", () => {
  it("fills every field, leaves the token empty and shows defaults as the empty choice", () => {
    const d = draftFromSettings(
      settings({
        plant_url: "https://plant.example:5000",
        site_ca: "/etc/site-ca.pem",
        read_only: true,
        language: "fa",
        alerts: {
          notify_from: "high",
          severities: { relay_switched: "critical" },
          limits: [{ device_id: null, device_kind: "temperature", high: 80, low: 10.5, deadband: 0.5 }],
          link_loss_after_seconds: 30,
          alarm_sound: true,
          alarms: DEFAULT_ALARM_PREFS,
        },
      }),
    );
    expect(d).toEqual({
      plantUrl: "https://plant.example:5000",
      standbyUrls: "",
      failover: "primary",
      preferPrimaryAfter: "30",
      siteCa: "/etc/site-ca.pem",
      token: "",
      clearToken: false,
      readOnly: true,
      language: "fa",
      notifyFrom: "high",
      severities: { ...Object.fromEntries(ALERT_KINDS.map((k) => [k, ""])), relay_switched: "critical" },
      limits: [{ target: "device_kind", subject: "temperature", low: "10.5", high: "80", deadband: "0.5" }],
      linkLoss: "30",
      alarmSound: true,
    });
  });

  it("shows no plant address or CA as empty fields", () => {
    const d = draftFromSettings(settings());
    expect(d.plantUrl).toBe("");
    expect(d.siteCa).toBe("");
  });

  it("reads a limit for one device by its id, which wins over a kind as in the console", () => {
    expect(limitDraft({ device_id: "boiler-1", device_kind: null, high: null, low: 3, deadband: 0 })).toEqual({
      target: "device_id",
      subject: "boiler-1",
      low: "3",
      high: "",
      deadband: "0",
    });
    expect(limitDraft({ device_id: "boiler-1", device_kind: "temperature", high: 1, low: null, deadband: 0 }).target).toBe(
      "device_id",
    );
  });

  it("starts a new limit empty, for a kind", () => {
    expect(emptyLimit()).toEqual({ target: "device_kind", subject: "", low: "", high: "", deadband: "" });
  });

  it("copies deeply, and compares drafts value by value", () => {
    const a = draft({ limits: [limit()] });
    const b = copyDraft(a);
    expect(draftsEqual(a, b)).toBe(true);
    b.limits[0]!.high = "81";
    expect(a.limits[0]!.high).toBe("80");
    expect(draftsEqual(a, b)).toBe(false);
    const c = copyDraft(a);
    c.severities.link_lost = "high";
    expect(draftsEqual(a, c)).toBe(false);
    expect(draftsEqual(a, { ...copyDraft(a), token: "secret" })).toBe(false);
    expect(draftsEqual(a, { ...copyDraft(a), limits: [] })).toBe(false);
  });
});

describe("numbers typed by the operator", () => {
  it("are null when empty and NaN when not a finite number", () => {
    expect(parseNumber("")).toBeNull();
    expect(parseNumber("   ")).toBeNull();
    expect(parseNumber("12.5")).toBe(12.5);
    expect(parseNumber(" -3 ")).toBe(-3);
    expect(parseNumber(".5")).toBe(0.5);
    expect(parseNumber("1e3")).toBe(1000);
    for (const bad of ["abc", "1e", "1,5", "Infinity", "NaN", "0x10", "1e400", "--1", "1 2"]) {
      expect(parseNumber(bad), bad).toBeNaN();
    }
  });

  it("read Persian and Arabic digits, the Arabic decimal separator and the minus sign", () => {
    expect(parseNumber("۱۲٫۵")).toBe(12.5);
    expect(parseNumber("٣٠")).toBe(30);
    expect(parseNumber("−۴")).toBe(-4);
  });
});

describe("the plant address", () => {
  it("accepts http, https, ws and wss with a host, and an empty field", () => {
    for (const ok of [
      "http://plant-server:5000",
      "https://plant.example",
      "ws://10.0.0.5:5000/",
      "WSS://[::1]:8443",
      "  http://plant:5000  ",
      "",
    ]) {
      expect(plantUrlProblem(ok), ok).toBeNull();
    }
  });

  it("refuses another scheme, or none, saying which schemes work", () => {
    expect(plantUrlProblem("ftp://plant")).toBe(E.urlScheme);
    expect(plantUrlProblem("plant-server:5000")).toBe(E.urlScheme);
    expect(plantUrlProblem("plant-server")).toBe(E.urlScheme);
    expect(plantUrlProblem("//plant:5000")).toBe(E.urlScheme);
    expect(E.urlScheme).toContain("http://");
    expect(E.urlScheme).toContain("wss://");
  });

  it("refuses an address without a host", () => {
    expect(plantUrlProblem("http://")).toBe(E.urlHost);
    expect(plantUrlProblem("https://:5000")).toBe(E.urlHost);
    expect(plantUrlProblem("wss://?x")).toBe(E.urlHost);
    expect(plantUrlProblem("http://user@")).toBe(E.urlHost);
  });

  it("refuses what is not an address at all", () => {
    expect(plantUrlProblem("http://plant server:5000")).toBe(E.urlInvalid);
    expect(plantUrlProblem("http://plant:99999")).toBe(E.urlInvalid);
  });
});

describe("the checks made before sending", () => {
  it("pass the console's defaults", () => {
    expect(checkDraft(draftFromSettings(settings()), { plantUrlFixed: false })).toEqual([]);
  });

  it("name each refused value by the console's field path, in the console's order", () => {
    const d = draft({
      plantUrl: "ftp://plant",
      linkLoss: "0.1",
      limits: [
        limit({ low: "80", high: "20", deadband: "0" }),
        limit({ subject: "  ", low: "", high: "", deadband: "-1" }),
        limit({ subject: "pressure", low: "1", high: "2", deadband: "0.6" }),
        limit({ subject: "flow", low: "", high: "x", deadband: "0" }),
      ],
    });
    expect(fields(d)).toEqual([
      "plant_url",
      "alerts.link_loss_after_seconds",
      "alerts.limits[0].low",
      "alerts.limits[1]",
      "alerts.limits[1]",
      "alerts.limits[1].deadband",
      "alerts.limits[2].deadband",
      "alerts.limits[3].high",
    ]);
    expect(checkDraft(d, { plantUrlFixed: false }).map((e) => e.message)).toEqual([
      E.urlScheme,
      E.linkLoss,
      E.lowBelowHigh,
      E.limitSubject,
      E.limitBounds,
      E.deadbandNegative,
      E.deadbandWidth,
      E.number,
    ]);
  });

  it("keep the link-loss delay between 1 and 3600 seconds", () => {
    for (const ok of ["1", "10", "0.5e1", "3600"]) expect(fields(draft({ linkLoss: ok })), ok).toEqual([]);
    for (const bad of ["", "0", "0.99", "3600.5", "-5", "ten"]) {
      expect(fields(draft({ linkLoss: bad })), bad).toEqual(["alerts.link_loss_after_seconds"]);
    }
  });

  it("accept a limit with only a high or only a low value, and an empty deadband as 0", () => {
    expect(fields(draft({ limits: [limit({ low: "", deadband: "" })] }))).toEqual([]);
    expect(fields(draft({ limits: [limit({ high: "", deadband: "5" })] }))).toEqual([]);
  });

  it("refuse a low limit equal to the high one, and a deadband that fills half the band", () => {
    expect(fields(draft({ limits: [limit({ low: "5", high: "5", deadband: "0" })] }))).toEqual(["alerts.limits[0].low"]);
    expect(fields(draft({ limits: [limit({ low: "0", high: "10", deadband: "5" })] }))).toEqual([
      "alerts.limits[0].deadband",
    ]);
    expect(fields(draft({ limits: [limit({ low: "0", high: "10", deadband: "4.99" })] }))).toEqual([]);
  });

  it("do not judge the deadband's width when one of the limits is not a number", () => {
    expect(fields(draft({ limits: [limit({ low: "a", high: "10", deadband: "50" })] }))).toEqual(["alerts.limits[0].low"]);
  });

  it("refuse a deadband that is not a number", () => {
    expect(checkDraft(draft({ limits: [limit({ deadband: "wide" })] }), { plantUrlFixed: false })).toEqual([
      { field: "alerts.limits[0].deadband", message: E.deadbandNegative },
    ]);
  });

  it("refuse more limits than the console keeps", () => {
    const many = Array.from({ length: MAX_LIMITS + 1 }, () => limit());
    expect(fields(draft({ limits: many }))).toEqual(["alerts.limits"]);
  });

  it("leave a fixed plant address (demo) alone", () => {
    expect(fields(draft({ plantUrl: "not an address" }), true)).toEqual([]);
  });

  it("say their messages in Persian when the window is in Persian", () => {
    setLanguage("fa");
    expect(checkDraft(draft({ linkLoss: "0" }), { plantUrlFixed: false })).toEqual([
      { field: "alerts.link_loss_after_seconds", message: STRINGS.fa.settings.errors.linkLoss },
    ]);
  });
});

describe("what Apply sends", () => {
  const base: SettingsView = settingsFixture();

  it("sends empty text fields as null and trims the rest", () => {
    const s = settingsFromDraft(draft({ plantUrl: "  http://plant:5000 ", siteCa: "   " }), base);
    expect(s.plant_url).toBe("http://plant:5000");
    expect(s.site_ca).toBeNull();
    expect(settingsFromDraft(draft({ plantUrl: "" }), base).plant_url).toBeNull();
  });

  it("keeps only the severities that differ from their kind's default", () => {
    const d = draft();
    d.severities.relay_switched = "critical";
    d.severities.device_fault = "critical"; // its default
    d.severities.link_restored = "";
    expect(settingsFromDraft(d, base).alerts.severities).toEqual({ relay_switched: "critical" });
  });

  it("sends each limit for a device id or a kind, numbers as numbers and an empty deadband as 0", () => {
    const s = settingsFromDraft(
      draft({
        limits: [
          limit({ target: "device_id", subject: " boiler-1 ", low: "", high: "۹۰", deadband: "" }),
          limit({ target: "device_kind", subject: "pressure", low: "-1.5", high: "", deadband: "0.25" }),
        ],
      }),
      base,
    );
    expect(s.alerts.limits).toEqual([
      { device_id: "boiler-1", device_kind: null, high: 90, low: null, deadband: 0 },
      { device_id: null, device_kind: "pressure", high: null, low: -1.5, deadband: 0.25 },
    ]);
  });

  it("keeps the site's alarm rules, which the window has no field for, as loaded", () => {
    const engineered: SettingsView = {
      ...base,
      settings: {
        ...base.settings,
        alerts: {
          ...base.settings.alerts,
          alarms: { ...DEFAULT_ALARM_PREFS, device_priorities: { "dev-7": "critical" }, latching: ["device_fault"], max_shelve_minutes: 60 },
        },
      },
    };
    expect(settingsFromDraft(draft(), engineered).alerts.alarms).toEqual(engineered.settings.alerts.alarms);
  });

  it("sends the rest of the form as it is", () => {
    const s = settingsFromDraft(draft({ readOnly: true, language: "fa", notifyFrom: "critical", linkLoss: "45" }), base);
    expect(s.read_only).toBe(true);
    expect(s.language).toBe("fa");
    expect(s.alerts.notify_from).toBe("critical");
    expect(s.alerts.link_loss_after_seconds).toBe(45);
  });

  it("keeps a fixed plant address (demo) as the console has it", () => {
    const demo = settingsFixture({ plant_url_fixed: true, settings: settings({ plant_url: "http://saved:5000" }) });
    expect(settingsFromDraft(draft({ plantUrl: "http://typed:5000" }), demo).plant_url).toBe("http://saved:5000");
  });

  it("keeps the token when the field is empty, sets a typed one trimmed, clears when asked", () => {
    const info = base.token;
    expect(tokenChange(draft(), info)).toEqual({ action: "keep" });
    expect(tokenChange(draft({ token: "   " }), info)).toEqual({ action: "keep" });
    expect(tokenChange(draft({ token: "  s3cret\t" }), info)).toEqual({ action: "set", token: "s3cret" });
    expect(tokenChange(draft({ clearToken: true }), info)).toEqual({ action: "clear" });
    expect(tokenChange(draft({ clearToken: true, token: "x" }), info)).toEqual({ action: "clear" });
  });

  it("never changes a token that comes from the command line", () => {
    const info = { ...base.token, from_command_line: true };
    expect(tokenChange(draft({ token: "other" }), info)).toEqual({ action: "keep" });
    expect(tokenChange(draft({ clearToken: true }), info)).toEqual({ action: "keep" });
  });

  it("is either the input to send or the problems that keep it back", () => {
    expect(planSave(draft({ token: "t" }), base)).toEqual({
      ok: true,
      input: { settings: settingsFromDraft(draft(), base), token: { action: "set", token: "t" } },
    });
    const refused = planSave(draft({ linkLoss: "" }), base);
    expect(refused.ok).toBe(false);
    expect(refused.ok ? [] : refused.errors.map((e) => e.field)).toEqual(["alerts.link_loss_after_seconds"]);
  });
});

describe("after a save", () => {
  const before = settings({ plant_url: "http://a:5000", site_ca: null });

  it("connects again when the address, the CA or the token changed", () => {
    expect(reconnects(before, { ...before, plant_url: "http://b:5000" }, { action: "keep" })).toBe(true);
    expect(reconnects(before, { ...before, plant_url: null }, { action: "keep" })).toBe(true);
    expect(reconnects(before, { ...before, site_ca: "/ca.pem" }, { action: "keep" })).toBe(true);
    expect(reconnects(before, before, { action: "set", token: "t" })).toBe(true);
    expect(reconnects(before, before, { action: "clear" })).toBe(true);
  });

  it("does not connect again for alerts, read-only or the language, nor for an empty CA written as null", () => {
    const after = { ...before, read_only: true, language: "fa" as const, alerts: { ...before.alerts, notify_from: "critical" as const } };
    expect(reconnects(before, after, { action: "keep" })).toBe(false);
    expect(reconnects({ ...before, site_ca: "" }, before, { action: "keep" })).toBe(false);
  });

  it("says Saved, or that it reconnects to the address now in use", () => {
    const answer = settingsFixture({ plant_url_in_use: "http://b:5000" });
    expect(savedMessage(before, { settings: before, token: { action: "keep" } }, answer)).toBe("Saved.");
    expect(savedMessage(before, { settings: { ...before, plant_url: "http://b:5000" }, token: { action: "keep" } }, answer)).toBe(
      "Saved. Reconnecting to \u2068http://b:5000\u2069…",
    );
    setLanguage("fa");
    expect(savedMessage(before, { settings: before, token: { action: "keep" } }, answer)).toBe("ذخیره شد.");
  });
});

describe("where a refused value is shown", () => {
  it("maps the console's field paths to the form", () => {
    expect(placeOf("plant_url")).toEqual({ kind: "field", field: "plantUrl" });
    expect(placeOf("site_ca")).toEqual({ kind: "field", field: "siteCa" });
    expect(placeOf("token")).toEqual({ kind: "field", field: "token" });
    expect(placeOf("language")).toEqual({ kind: "field", field: "language" });
    expect(placeOf("read_only")).toEqual({ kind: "field", field: "readOnly" });
    expect(placeOf("alerts.notify_from")).toEqual({ kind: "field", field: "notifyFrom" });
    expect(placeOf("alerts.link_loss_after_seconds")).toEqual({ kind: "field", field: "linkLoss" });
    expect(placeOf("alerts.limits")).toEqual({ kind: "field", field: "limits" });
    expect(placeOf("alerts.limits[2]")).toEqual({ kind: "limit", index: 2, part: null });
    expect(placeOf("alerts.limits[2].high")).toEqual({ kind: "limit", index: 2, part: "high" });
    expect(placeOf("alerts.limits[0].low")).toEqual({ kind: "limit", index: 0, part: "low" });
    expect(placeOf("alerts.limits[12].deadband")).toEqual({ kind: "limit", index: 12, part: "deadband" });
    expect(placeOf("alerts.limits[1].device_id")).toEqual({ kind: "limit", index: 1, part: "subject" });
    expect(placeOf("alerts.limits[1].device_kind")).toEqual({ kind: "limit", index: 1, part: "subject" });
    expect(placeOf("alerts.severities.link_lost")).toEqual({ kind: "severity", alertKind: "link_lost" });
    expect(placeOf('alerts.severities["relay_switched"]')).toEqual({ kind: "severity", alertKind: "relay_switched" });
  });

  it("leaves unknown paths to the summary", () => {
    for (const f of ["colour", "alerts.limits[1].colour", "alerts.limits[x]", "alerts.severities.nope", "__proto__", "constructor", ""]) {
      expect(placeOf(f), f).toEqual({ kind: "unknown" });
    }
  });

  it("names the message elements with [ ] and . made one dash", () => {
    expect(errorElementId("plant_url")).toBe("settings-error-plant_url");
    expect(errorElementId("alerts.link_loss_after_seconds")).toBe("settings-error-alerts-link_loss_after_seconds");
    expect(errorElementId("alerts.limits[0].high")).toBe("settings-error-alerts-limits-0-high");
    expect(errorElementId("alerts.limits[2]")).toBe("settings-error-alerts-limits-2");
    expect(errorElementId('"><img src=x>')).toBe("settings-error-img-src-x");
  });

  it("groups the messages of each field, without repeating one", () => {
    const grouped = groupErrors([
      { field: "alerts.limits[1]", message: "a" },
      { field: "plant_url", message: "b" },
      { field: "alerts.limits[1]", message: "c" },
      { field: "alerts.limits[1]", message: "a" },
    ]);
    expect([...grouped]).toEqual([
      ["alerts.limits[1]", ["a", "c"]],
      ["plant_url", ["b"]],
    ]);
  });

  it("labels each field for the summary, counting limits from 1", () => {
    expect(fieldLabel("plant_url")).toBe("Plant server address");
    expect(fieldLabel("alerts.link_loss_after_seconds")).toBe("Link-loss alert");
    expect(fieldLabel("alerts.limits[2]")).toBe("Limit 3");
    expect(fieldLabel("alerts.limits[2].high")).toBe("Limit 3, High");
    expect(fieldLabel("alerts.limits[0].device_kind")).toBe("Limit 1, Id or kind");
    expect(fieldLabel("alerts.severities.link_lost")).toBe("Severity of Link lost");
    expect(fieldLabel("something.else")).toBe("something.else");
    setLanguage("fa");
    expect(fieldLabel("alerts.limits[2].high")).toBe("حد ۳، بالا");
  });
});

describe("the plant's standby addresses", () => {
  it("come from the console's list, one a line, and go back as a list without blank lines", () => {
    const base = settingsFixture({
      settings: settings({ plant_url: "http://a:5000", standby_urls: ["http://b:5000", "http://c:5000"] }),
    });
    const d = draftFromSettings(base.settings);
    expect(d.standbyUrls).toBe("http://b:5000\nhttp://c:5000");
    expect(d.failover).toBe("primary");
    expect(d.preferPrimaryAfter).toBe("30");
    const sent = settingsFromDraft({ ...d, standbyUrls: " http://b:5000 \n\nhttp://d:5000\n", failover: "equal" }, base);
    expect(sent.standby_urls).toEqual(["http://b:5000", "http://d:5000"]);
    expect(sent.failover).toBe("equal");
  });

  it("refuse a bad address with its place in the list, a list without a primary and a bad hold", () => {
    expect(fields(draft({ plantUrl: "http://a:5000", standbyUrls: "http://b:5000\nftp://c" }))).toEqual([
      "standby_urls[1]",
    ]);
    expect(fields(draft({ plantUrl: "", standbyUrls: "http://b:5000" }))).toEqual(["standby_urls"]);
    const nine = Array.from({ length: 8 }, (_, i) => `http://s${i}:5000`).join("\n");
    expect(fields(draft({ plantUrl: "http://a:5000", standbyUrls: nine }))).toEqual(["standby_urls"]);
    expect(fields(draft({ preferPrimaryAfter: "-1" }))).toEqual(["prefer_primary_after_seconds"]);
    expect(fields(draft({ preferPrimaryAfter: "soon" }))).toEqual(["prefer_primary_after_seconds"]);
  });

  it("show the console's refusal of one address at the list's field", () => {
    expect(placeOf("standby_urls[2]")).toEqual({ kind: "field", field: "standbyUrls" });
    expect(placeOf("prefer_primary_after_seconds")).toEqual({ kind: "field", field: "preferPrimaryAfter" });
    expect(fieldLabel("standby_urls[0]")).toBe("Standby addresses");
  });

  it("make the console connect again when the list or the policy changes", () => {
    const before = settings({ plant_url: "http://a:5000" });
    const keep = { action: "keep" } as const;
    expect(reconnects(before, { ...before, standby_urls: ["http://b:5000"] }, keep)).toBe(true);
    expect(reconnects(before, { ...before, failover: "equal" }, keep)).toBe(true);
    expect(reconnects(before, { ...before }, keep)).toBe(false);
  });
});
