// The Settings view's logic, without the DOM: the form's values (a draft, kept
// as the operator typed them) to and from Settings, the checks the console
// makes too (so the operator sees a message without a round trip; the console
// stays the judge), where each refused value is shown, and whether a save makes
// the console connect again.

import { isLanguage, strings, type Language } from "../strings";
import type {
  AlertKind,
  AlertSeverity,
  FieldError,
  Limit,
  FailoverPolicy,
  Settings,
  SettingsInput,
  SettingsView,
  TokenChange,
  TokenInfo,
} from "../types";

/** Every kind of alert, in the order the console lists them. */
export const ALERT_KINDS: readonly AlertKind[] = [
  "relay_switched",
  "device_offline",
  "device_fault",
  "device_recovered",
  "device_appeared",
  "device_removed",
  "limit_high",
  "limit_low",
  "limit_cleared",
  "link_lost",
  "link_restored",
  "command_failed",
  "command_expired",
  "bad_value",
];

/** The severities, lowest first. */
export const SEVERITIES: readonly AlertSeverity[] = ["info", "low", "high", "critical"];

/**
 * Bounds of the link-loss delay (seconds), as the console checks them: under a
 * second every reconnect would alert, over an hour an outage would go unnoticed.
 */
export const LINK_LOSS_MIN_S = 1;
export const LINK_LOSS_MAX_S = 3600;

/** The most addresses one plant may have (the primary and its standbys), as the console checks. */
export const MAX_ADDRESSES = 8;

/** The longest prefer-primary hold the console accepts (seconds). */
export const PREFER_PRIMARY_MAX_S = 3600;

/** The most limits the console accepts. */
export const MAX_LIMITS = 1000;

/** The schemes the console connects with (ws / wss are the same server as http / https). */
export const PLANT_URL_SCHEMES: readonly string[] = ["http", "https", "ws", "wss"];

/** The code of a save_settings refusal that lists the refused values (UiError.fields). */
export const INVALID_SETTINGS = "invalid_settings";

/** An example address, shown in the empty field (not a text to translate). */
export const PLANT_URL_PLACEHOLDER = "http://plant-server:5000";

export function isAlertKind(value: unknown): value is AlertKind {
  return typeof value === "string" && (ALERT_KINDS as readonly string[]).includes(value);
}

export function isSeverity(value: unknown): value is AlertSeverity {
  return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value);
}

// ---------- the draft: the form's values as typed ----------

/** Whether a limit names one device (by id) or every device of a kind. */
export type LimitTarget = "device_id" | "device_kind";

/** One row of the limits editor; numbers stay text until they are checked. */
export interface LimitDraft {
  target: LimitTarget;
  /** The device id or the device kind. */
  subject: string;
  /** Empty: no low limit. */
  low: string;
  /** Empty: no high limit. */
  high: string;
  /** Empty: 0. */
  deadband: string;
}

/** The values of the settings form. */
export interface SettingsDraft {
  /** Empty: the address from the command line (or the demo plant). */
  plantUrl: string;
  /** The plant's further addresses (standbys), one a line, in order. */
  standbyUrls: string;
  /** primary: go back to the first address once healthy; equal: no preference. */
  failover: FailoverPolicy;
  /** Seconds the primary must stay healthy before the console returns to it, as typed. */
  preferPrimaryAfter: string;
  /** Empty: no site CA. */
  siteCa: string;
  /** A new token; empty keeps the stored one. Never filled from the console. */
  token: string;
  /** "Remove the stored token". */
  clearToken: boolean;
  readOnly: boolean;
  language: Language;
  notifyFrom: AlertSeverity;
  /** Each kind's severity; "" is its default. */
  severities: Record<AlertKind, AlertSeverity | "">;
  limits: LimitDraft[];
  /** Seconds, as typed. */
  linkLoss: string;
  /** Unacknowledged critical and high alarms sound. */
  alarmSound: boolean;
}

/** A number as a form shows it ("" for none). */
function numberText(value: number | null | undefined): string {
  return typeof value === "number" && Number.isFinite(value) ? String(value) : "";
}

/** A new, empty row of the limits editor. */
export function emptyLimit(): LimitDraft {
  return { target: "device_kind", subject: "", low: "", high: "", deadband: "" };
}

/** One limit as a row of the editor (a device id wins over a kind, as in the console). */
export function limitDraft(limit: Limit): LimitDraft {
  const id = limit.device_id ?? "";
  const byId = id.trim() !== "" || (limit.device_kind ?? "").trim() === "";
  return {
    target: byId ? "device_id" : "device_kind",
    subject: byId ? id : (limit.device_kind ?? ""),
    low: numberText(limit.low),
    high: numberText(limit.high),
    deadband: numberText(limit.deadband),
  };
}

/** The form's values for settings as the console keeps them; the token field starts empty. */
export function draftFromSettings(settings: Settings): SettingsDraft {
  const alerts = settings.alerts;
  const severities = {} as Record<AlertKind, AlertSeverity | "">;
  for (const kind of ALERT_KINDS) {
    const chosen = alerts.severities[kind];
    severities[kind] = isSeverity(chosen) ? chosen : "";
  }
  return {
    plantUrl: settings.plant_url ?? "",
    standbyUrls: (Array.isArray(settings.standby_urls) ? settings.standby_urls : []).join("\n"),
    failover: settings.failover === "equal" ? "equal" : "primary",
    preferPrimaryAfter: numberText(settings.prefer_primary_after_seconds ?? 30),
    siteCa: settings.site_ca ?? "",
    token: "",
    clearToken: false,
    readOnly: settings.read_only === true,
    language: isLanguage(settings.language) ? settings.language : "en",
    notifyFrom: isSeverity(alerts.notify_from) ? alerts.notify_from : "info",
    severities,
    limits: (Array.isArray(alerts.limits) ? alerts.limits : []).map(limitDraft),
    linkLoss: numberText(alerts.link_loss_after_seconds),
    // A console older than the setting sends none: it stays off.
    alarmSound: alerts.alarm_sound === true,
  };
}

/** A deep copy, so that edits to one draft never show in another. */
export function copyDraft(draft: SettingsDraft): SettingsDraft {
  return { ...draft, severities: { ...draft.severities }, limits: draft.limits.map((l) => ({ ...l })) };
}

/** Whether two drafts hold the same values (a typed token counts as an edit). */
export function draftsEqual(a: SettingsDraft, b: SettingsDraft): boolean {
  const same =
    a.plantUrl === b.plantUrl &&
    a.standbyUrls === b.standbyUrls &&
    a.failover === b.failover &&
    a.preferPrimaryAfter === b.preferPrimaryAfter &&
    a.siteCa === b.siteCa &&
    a.token === b.token &&
    a.clearToken === b.clearToken &&
    a.readOnly === b.readOnly &&
    a.language === b.language &&
    a.notifyFrom === b.notifyFrom &&
    a.linkLoss === b.linkLoss &&
    a.alarmSound === b.alarmSound &&
    a.limits.length === b.limits.length &&
    ALERT_KINDS.every((k) => a.severities[k] === b.severities[k]);
  return (
    same &&
    a.limits.every((l, i) => {
      const m = b.limits[i];
      return (
        m !== undefined &&
        l.target === m.target &&
        l.subject === m.subject &&
        l.low === m.low &&
        l.high === m.high &&
        l.deadband === m.deadband
      );
    })
  );
}

// ---------- numbers and addresses ----------

const DIGITS: Readonly<Record<string, string>> = (() => {
  const map: Record<string, string> = {};
  for (let d = 0; d <= 9; d++) {
    map[String.fromCharCode(0x06f0 + d)] = String(d); // Persian ۰–۹
    map[String.fromCharCode(0x0660 + d)] = String(d); // Arabic-Indic ٠–٩
  }
  map["\u066b"] = "."; // Arabic decimal separator ٫
  map["\u2212"] = "-"; // minus sign −
  return map;
})();

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A number typed by the operator: null when the text is empty, NaN when it is
 * not a (finite) number. Persian and Arabic digits are read as digits, since a
 * Persian keyboard types them.
 */
export function parseNumber(text: string): number | null {
  const t = [...text.trim()].map((c) => DIGITS[c] ?? c).join("");
  if (t === "") return null;
  if (!NUMBER.test(t)) return Number.NaN;
  const n = Number(t);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** Why a plant address is refused (the console's rules), or null when it is fine or empty. */
export function plantUrlProblem(text: string): string | null {
  const E = strings.settings.errors;
  const t = text.trim();
  if (t === "") return null;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(t)?.[1]?.toLowerCase();
  if (scheme === undefined || !PLANT_URL_SCHEMES.includes(scheme)) return E.urlScheme;
  // The authority: after the scheme and its slashes, up to a path, without user and port.
  const authority = t.slice(scheme.length + 1).replace(/^[/\\]+/, "").split(/[/\\?#]/, 1)[0] ?? "";
  const host = authority.slice(authority.lastIndexOf("@") + 1).replace(/:\d*$/, "");
  if (host === "") return E.urlHost;
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    return E.urlInvalid;
  }
  return url.hostname === "" ? E.urlHost : null;
}

/** The standby addresses as typed, one a line; blank lines are dropped. */
export function standbyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

// ---------- checks ----------

/** The path of a limit's field, as the console names it. */
export function limitField(index: number, part?: "low" | "high" | "deadband"): string {
  return part === undefined ? `alerts.limits[${index}]` : `alerts.limits[${index}].${part}`;
}

function checkLimit(index: number, limit: LimitDraft, errors: FieldError[]): void {
  const E = strings.settings.errors;
  const row = limitField(index);
  if (limit.subject.trim() === "") errors.push({ field: row, message: E.limitSubject });
  const high = parseNumber(limit.high);
  const low = parseNumber(limit.low);
  const deadband = parseNumber(limit.deadband) ?? 0;
  if (high === null && low === null) errors.push({ field: row, message: E.limitBounds });
  if (high !== null && Number.isNaN(high)) errors.push({ field: limitField(index, "high"), message: E.number });
  if (low !== null && Number.isNaN(low)) errors.push({ field: limitField(index, "low"), message: E.number });
  if (high !== null && low !== null && !Number.isNaN(high) && !Number.isNaN(low)) {
    if (low >= high) {
      errors.push({ field: limitField(index, "low"), message: E.lowBelowHigh });
    } else if (deadband * 2 >= high - low) {
      // With a deadband this wide a value could clear one alarm straight into the other.
      errors.push({ field: limitField(index, "deadband"), message: E.deadbandWidth });
    }
  }
  if (Number.isNaN(deadband) || deadband < 0) {
    errors.push({ field: limitField(index, "deadband"), message: E.deadbandNegative });
  }
}

/**
 * Every problem with the form's values, named by field as the console names
 * them, in the console's order. The site CA file cannot be read from here: the
 * console checks it. A fixed plant address (demo) is not the operator's to fix.
 */
export function checkDraft(draft: SettingsDraft, opts: { plantUrlFixed: boolean }): FieldError[] {
  const E = strings.settings.errors;
  const errors: FieldError[] = [];
  if (!opts.plantUrlFixed) {
    const problem = plantUrlProblem(draft.plantUrl);
    if (problem !== null) errors.push({ field: "plant_url", message: problem });
    const standbys = standbyLines(draft.standbyUrls);
    if (standbys.length > 0 && draft.plantUrl.trim() === "") {
      errors.push({ field: "standby_urls", message: E.standbyWithoutPrimary });
    }
    if (standbys.length + 1 > MAX_ADDRESSES) {
      errors.push({ field: "standby_urls", message: E.tooManyStandbys(MAX_ADDRESSES - 1) });
    }
    standbys.forEach((line, i) => {
      const bad = plantUrlProblem(line);
      if (bad !== null) errors.push({ field: `standby_urls[${i}]`, message: bad });
    });
  }
  const hold = parseNumber(draft.preferPrimaryAfter);
  if (hold === null || Number.isNaN(hold) || hold < 0 || hold > PREFER_PRIMARY_MAX_S) {
    errors.push({ field: "prefer_primary_after_seconds", message: E.preferPrimaryAfter });
  }
  const seconds = parseNumber(draft.linkLoss);
  if (seconds === null || Number.isNaN(seconds) || seconds < LINK_LOSS_MIN_S || seconds > LINK_LOSS_MAX_S) {
    errors.push({ field: "alerts.link_loss_after_seconds", message: E.linkLoss });
  }
  if (draft.limits.length > MAX_LIMITS) {
    errors.push({ field: "alerts.limits", message: E.tooManyLimits(MAX_LIMITS) });
  }
  draft.limits.forEach((limit, i) => checkLimit(i, limit, errors));
  return errors;
}

// ---------- the draft to what is sent ----------

function textOrNull(text: string): string | null {
  const t = text.trim();
  return t === "" ? null : t;
}

function limitFromDraft(limit: LimitDraft): Limit {
  const subject = textOrNull(limit.subject);
  return {
    device_id: limit.target === "device_id" ? subject : null,
    device_kind: limit.target === "device_kind" ? subject : null,
    high: parseNumber(limit.high),
    low: parseNumber(limit.low),
    deadband: parseNumber(limit.deadband) ?? 0,
  };
}

/**
 * The settings of a checked draft (see checkDraft: a number that is not one
 * would be sent as null). Only severities that differ from their kind's
 * default are kept; a fixed plant address stays as the console had it.
 */
export function settingsFromDraft(draft: SettingsDraft, base: SettingsView): Settings {
  const severities: Partial<Record<AlertKind, AlertSeverity>> = {};
  for (const kind of ALERT_KINDS) {
    const chosen = draft.severities[kind];
    if (chosen !== "" && chosen !== base.default_severities[kind]) severities[kind] = chosen;
  }
  return {
    plant_url: base.plant_url_fixed ? base.settings.plant_url : textOrNull(draft.plantUrl),
    standby_urls: base.plant_url_fixed ? base.settings.standby_urls : standbyLines(draft.standbyUrls),
    failover: draft.failover,
    prefer_primary_after_seconds: parseNumber(draft.preferPrimaryAfter) ?? 30,
    site_ca: base.site_ca_fixed ? base.settings.site_ca : textOrNull(draft.siteCa),
    read_only: draft.readOnly,
    language: draft.language,
    alerts: {
      notify_from: draft.notifyFrom,
      severities,
      limits: draft.limits.map(limitFromDraft),
      link_loss_after_seconds: parseNumber(draft.linkLoss) ?? 0,
      alarm_sound: draft.alarmSound,
      // The site's alarm rules are the engineer's, set in settings.json: the window
      // shows no field for them, so a save keeps them exactly as loaded.
      alarms: base.settings.alerts.alarms,
    },
  };
}

/**
 * What to do with the stored token: nothing when it comes from the command line;
 * remove it when asked; replace it with a typed one (spaces around a pasted
 * token dropped); otherwise keep it.
 */
export function tokenChange(draft: SettingsDraft, token: TokenInfo): TokenChange {
  if (token.from_command_line) return { action: "keep" };
  if (draft.clearToken) return { action: "clear" };
  const typed = draft.token.trim();
  return typed === "" ? { action: "keep" } : { action: "set", token: typed };
}

/** What Apply sends, or the problems that keep it from being sent. */
export type SavePlan = { ok: true; input: SettingsInput } | { ok: false; errors: FieldError[] };

export function planSave(draft: SettingsDraft, base: SettingsView): SavePlan {
  const errors = checkDraft(draft, { plantUrlFixed: base.plant_url_fixed });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, input: { settings: settingsFromDraft(draft, base), token: tokenChange(draft, base.token) } };
}

// ---------- after a save ----------

function sameText(a: string | null, b: string | null): boolean {
  return (a ?? "").trim() === (b ?? "").trim();
}

/** Whether saving makes the console connect again: another address, CA or token. */
export function reconnects(before: Settings, after: Settings, token: TokenChange): boolean {
  const list = (s: Settings) => (Array.isArray(s.standby_urls) ? s.standby_urls : []).join("\n");
  return (
    !sameText(before.plant_url, after.plant_url) ||
    list(before) !== list(after) ||
    before.failover !== after.failover ||
    before.prefer_primary_after_seconds !== after.prefer_primary_after_seconds ||
    !sameText(before.site_ca, after.site_ca) ||
    token.action !== "keep"
  );
}

/** The status line after a save: "Saved.", or "Saved. Reconnecting to …" when it connects again. */
export function savedMessage(before: Settings | null, input: SettingsInput, answer: SettingsView): string {
  const again = before === null || reconnects(before, input.settings, input.token);
  return again ? strings.settings.savedReconnecting(answer.plant_url_in_use) : strings.settings.saved;
}

// ---------- where a refused value is shown ----------

/** A field of the form that is not part of a limit. */
export type FormField =
  | "plantUrl"
  | "standbyUrls"
  | "failover"
  | "preferPrimaryAfter"
  | "siteCa"
  | "token"
  | "language"
  | "readOnly"
  | "notifyFrom"
  | "linkLoss"
  | "alarmSound"
  | "limits";

/** A part of a limit's row; null is the row as a whole. */
export type LimitPart = "subject" | "low" | "high" | "deadband";

/** Where a refused value belongs in the form. */
export type FieldPlace =
  | { kind: "field"; field: FormField }
  | { kind: "severity"; alertKind: AlertKind }
  | { kind: "limit"; index: number; part: LimitPart | null }
  | { kind: "unknown" };

const FORM_FIELDS: Readonly<Record<string, FormField>> = {
  plant_url: "plantUrl",
  standby_urls: "standbyUrls",
  failover: "failover",
  prefer_primary_after_seconds: "preferPrimaryAfter",
  site_ca: "siteCa",
  token: "token",
  language: "language",
  read_only: "readOnly",
  "alerts.notify_from": "notifyFrom",
  "alerts.link_loss_after_seconds": "linkLoss",
  "alerts.alarm_sound": "alarmSound",
  "alerts.limits": "limits",
};

const LIMIT_PARTS: Readonly<Record<string, LimitPart>> = {
  low: "low",
  high: "high",
  deadband: "deadband",
  device_id: "subject",
  device_kind: "subject",
};

/**
 * Where the console's field path points: "alerts.limits[2].high" is the high
 * input of the third row, "alerts.limits[2]" the row itself. A path the form
 * does not know is shown in the summary only.
 */
export function placeOf(field: string): FieldPlace {
  if (Object.prototype.hasOwnProperty.call(FORM_FIELDS, field)) {
    const f = FORM_FIELDS[field];
    if (f !== undefined) return { kind: "field", field: f };
  }
  // One standby address of the list is shown at the list's field.
  if (/^standby_urls\[\d+\]$/.test(field)) return { kind: "field", field: "standbyUrls" };
  const limit = /^alerts\.limits\[(\d+)\](?:\.([a-z_]+))?$/.exec(field);
  if (limit !== null) {
    const index = Number(limit[1]);
    const name = limit[2];
    if (name === undefined) return { kind: "limit", index, part: null };
    const part = Object.prototype.hasOwnProperty.call(LIMIT_PARTS, name) ? LIMIT_PARTS[name] : undefined;
    return part === undefined ? { kind: "unknown" } : { kind: "limit", index, part };
  }
  const severity = /^alerts\.severities(?:\.([a-z_]+)|\["?([a-z_]+)"?\])$/.exec(field);
  const kind = severity?.[1] ?? severity?.[2];
  if (isAlertKind(kind)) return { kind: "severity", alertKind: kind };
  return { kind: "unknown" };
}

/**
 * The id of the element that shows a field's messages: "settings-error-" and
 * the path with each run of "[", "]", "." (or anything else an id should not
 * hold) made one "-" ("alerts.limits[0].high" → settings-error-alerts-limits-0-high).
 */
export function errorElementId(field: string): string {
  const slug = field.replace(/[^A-Za-z0-9_]+/g, "-").replace(/^-+|-+$/g, "");
  return `settings-error-${slug}`;
}

/** The messages of each field, in the order they came (a field may have several). */
export function groupErrors(errors: readonly FieldError[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of errors) {
    const list = out.get(e.field);
    if (list === undefined) out.set(e.field, [e.message]);
    else if (!list.includes(e.message)) list.push(e.message);
  }
  return out;
}

/** A field's name in the list of refused values ("Limit 3, High"); an unknown path as it is. */
export function fieldLabel(field: string): string {
  const S = strings.settings;
  const place = placeOf(field);
  switch (place.kind) {
    case "field": {
      const labels: Record<FormField, string> = {
        plantUrl: S.fields.plant_url,
        standbyUrls: S.fields.standby_urls,
        failover: S.fields.failover,
        preferPrimaryAfter: S.fields.prefer_primary_after,
        siteCa: S.fields.site_ca,
        token: S.fields.token,
        language: S.fields.language,
        readOnly: S.fields.read_only,
        notifyFrom: S.fields.notify_from,
        linkLoss: S.fields.link_loss,
        alarmSound: S.fields.alarm_sound,
        limits: S.fields.limits,
      };
      return labels[place.field];
    }
    case "severity":
      return S.fields.severity(S.kinds[place.alertKind]);
    case "limit":
      return place.part === null ? S.limit(place.index + 1) : S.fields.limitPart(place.index + 1, S[place.part]);
    case "unknown":
      return field;
  }
}
