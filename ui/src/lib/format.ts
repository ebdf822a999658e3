// Pure formatting helpers: no DOM, no IPC, no clock (callers pass `now`).

import { MUTE_MINUTES, muteState } from "../state";
import { language, languageLocale, strings, type Language } from "../strings";
import { wordIn } from "../strings/catalog";
import type { AlertStatus, AlertView, LinkStatus } from "../types";

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// ---------- numbers and times for the current language ----------
//
// English keeps ASCII digits, 24-hour times and ISO-like dates ("2024-05-31
// 14:03:09"). Persian uses Intl's fa-IR: Persian digits, the Persian decimal
// separator and the Solar Hijri calendar for dates.

const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(lang: Language, decimals: number): Intl.NumberFormat {
  const key = `n:${lang}:${decimals}`;
  let f = formatters.get(key) as Intl.NumberFormat | undefined;
  if (f === undefined) {
    f = new Intl.NumberFormat(languageLocale(lang), {
      useGrouping: false,
      minimumFractionDigits: 0,
      maximumFractionDigits: decimals,
    });
    formatters.set(key, f);
  }
  return f;
}

function dateFormat(lang: Language, kind: "hms" | "hm" | "date" | "day"): Intl.DateTimeFormat {
  const key = `d:${lang}:${kind}`;
  let f = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (f === undefined) {
    const opts: Intl.DateTimeFormatOptions =
      kind === "hms"
        ? { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }
        : kind === "hm"
          ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
          : kind === "date"
            ? { year: "numeric", month: "2-digit", day: "2-digit" }
            : { weekday: "long", year: "numeric", month: "long", day: "numeric" };
    f = new Intl.DateTimeFormat(languageLocale(lang), opts);
    formatters.set(key, f);
  }
  return f;
}

/** A whole count ("12"; "۱۲" in Persian). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return strings.missing;
  const lang = language();
  return lang === "en" ? String(n) : numberFormat(lang, 0).format(n);
}

/** "14:03:09" of a Date in the current language. */
function hms(d: Date): string {
  const lang = language();
  if (lang === "en") return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return dateFormat(lang, "hms").format(d);
}

/** "14:03" of a Date in the current language. */
function hm(d: Date): string {
  const lang = language();
  if (lang === "en") return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return dateFormat(lang, "hm").format(d);
}

/** "2024-05-31" of a Date in the current language ("۱۴۰۳/۰۳/۱۱" in Persian). */
function ymd(d: Date): string {
  const lang = language();
  if (lang === "en") return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  return dateFormat(lang, "date").format(d);
}

/** A day as a heading: "Friday 31 May 2024" (Persian: "جمعه ۱۱ خرداد ۱۴۰۳"). */
export function formatDay(t: number): string {
  if (!Number.isFinite(t)) return strings.missing;
  return dateFormat(language(), "day").format(new Date(t * 1000));
}

/** Local "HH:MM" of a Unix time. */
export function formatHourMinute(t: number): string {
  if (!Number.isFinite(t)) return strings.missing;
  return hm(new Date(t * 1000));
}

/**
 * A duration in seconds as a short age: "3 s", "2 min", "1 h", "4 d".
 * Rounds down; negative durations (clock skew) count as 0.
 */
export function formatAge(seconds: number): string {
  if (!Number.isFinite(seconds)) return strings.missing;
  const U = strings.units;
  const n = formatCount;
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${n(s)} ${U.second}`;
  if (s < 3600) return `${n(Math.floor(s / 60))} ${U.minute}`;
  if (s < 86400) return `${n(Math.floor(s / 3600))} ${U.hour}`;
  return `${n(Math.floor(s / 86400))} ${U.day}`;
}

/** Age of something that happened at Unix time `t`, seen at Unix time `now`. */
export function formatAgeSince(t: number, now: number): string {
  return formatAge(now - t);
}

/**
 * A server uptime in seconds: "45 s", "12 min", "3 h 12 min", "2 d 5 h".
 * Two units at most, rounded down.
 */
export function formatUptime(seconds: number): string {
  if (!Number.isFinite(seconds)) return strings.missing;
  const U = strings.units;
  const n = formatCount;
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${n(s)} ${U.second}`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${n(min)} ${U.minute}`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${n(h)} ${U.hour} ${n(min % 60)} ${U.minute}`;
  return `${n(Math.floor(h / 24))} ${U.day} ${n(h % 24)} ${U.hour}`;
}

/**
 * A measured number, with few enough decimals to read at a glance:
 * 1 decimal from 100 up, 2 from 1 up, 3 below 1; trailing zeros dropped.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return strings.missing;
  const lang = language();
  const abs = Math.abs(value);
  const decimals = Number.isInteger(value) ? 0 : abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  if (lang !== "en") {
    const text = numberFormat(lang, decimals).format(value);
    // No "-0" (a tiny negative number rounded to zero).
    return /^[^1-9\u06f1-\u06f9\u0661-\u0669]*$/.test(text) ? numberFormat(lang, 0).format(0) : text;
  }
  if (Number.isInteger(value)) return String(value);
  let text = value.toFixed(decimals);
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  if (text === "-0") text = "0";
  return text;
}

/** A device value with its unit: "71.5 °C", "3" (no unit), "—" (no value). */
export function formatValue(value: number | null, unit: string | null): string {
  if (value === null || !Number.isFinite(value)) return strings.missing;
  const n = formatNumber(value);
  return unit ? `${n} ${unit}` : n;
}

/** A percentage with one decimal at most: "12.3 %". */
export function formatPercent(value: number): string {
  if (!Number.isFinite(value)) return strings.missing;
  const rounded = Math.round(value * 10) / 10;
  return strings.units.percent(formatNumber(rounded));
}

/** Local time of day of a Unix time: "14:03:09". */
export function formatTimeOfDay(t: number): string {
  if (!Number.isFinite(t)) return strings.missing;
  return hms(new Date(t * 1000));
}

/** Local date and time of a Unix time: "2024-05-31 14:03:09". */
export function formatDateTime(t: number): string {
  if (!Number.isFinite(t)) return strings.missing;
  const d = new Date(t * 1000);
  return `${ymd(d)} ${hms(d)}`;
}

/** Time of day when `t` is on the same local day as `now`, date and time otherwise. */
export function formatTimeOfDayOrDate(t: number, now: number): string {
  if (!Number.isFinite(t)) return strings.missing;
  const a = new Date(t * 1000);
  const b = new Date(now * 1000);
  const sameDay =
    a.getFullYear() === b.getFullYear() &&
    a.getMonth() === b.getMonth() &&
    a.getDate() === b.getDate();
  return sameDay ? formatTimeOfDay(t) : formatDateTime(t);
}

/**
 * Local "HH:MM" of the deadline `now + ttlS` (with the date when it falls on
 * another day). Rounded UP to the minute: a command queued "until 14:06" can
 * never go out after 14:06.
 */
export function formatQueueUntil(now: number, ttlS: number): string {
  return formatUntil(now + ttlS, now);
}

/**
 * Local "HH:MM" of a deadline `t` seen at `now`, with the date in front when it
 * falls on another day. Rounded UP to the minute, so that what the time shown
 * promises holds until then: a command queued "until 14:06" never goes out
 * after 14:06, a mute "until 14:18" is never still on after 14:18.
 */
export function formatUntil(t: number, now: number): string {
  if (!Number.isFinite(t) || !Number.isFinite(now)) return strings.missing;
  const d = new Date(Math.ceil(t * 1000));
  if (d.getSeconds() !== 0 || d.getMilliseconds() !== 0) {
    d.setSeconds(60, 0); // the next whole minute (setSeconds carries into minutes, hours, days)
  }
  const time = hm(d);
  const b = new Date(now * 1000);
  const sameDay =
    d.getFullYear() === b.getFullYear() && d.getMonth() === b.getMonth() && d.getDate() === b.getDate();
  return sameDay ? time : `${ymd(d)} ${time}`;
}

/** Text of a command's status: "Queued", "Failed: relay jammed"… (an unknown status shows as it is). */
export function commandStatusText(status: string, error: string | null): string {
  const S = strings.commandStatus;
  switch (status) {
    case "queued":
      return S.queued;
    case "sent":
      return S.sent;
    case "acked":
      return S.acked;
    case "confirmed":
      return S.confirmed;
    case "failed":
      return error === null || error === "" ? S.failed : S.failedWithError(error);
    case "expired":
      return S.expired;
    case "cancelled":
      return S.cancelled;
    case "superseded":
      return S.superseded;
    case "plant_changed":
      return error === null || error === "" ? S.plantChanged : S.plantChangedWithError(error);
    default:
      return status === "" ? strings.status.unknown : status;
  }
}

/** Visual tone of the connection status. */
export type LinkTone = "ok" | "warn" | "alert" | "neutral";

export interface LinkLabel {
  text: string;
  tone: LinkTone;
}

/** A contact time: the time of day, with the date in front when it is not within the last 12 hours. */
export function formatContactTime(at: number, now: number): string {
  const time = formatTimeOfDay(at);
  if (now - at < 12 * 3600) {
    return time;
  }
  return `${ymd(new Date(at * 1000))} ${time}`;
}

/** What the header shows for a link status at time `now`. */
/**
 * Where the link is, for a plant with several addresses: "on standby http://b:5000",
 * and the failovers so far with the last one's time. Empty for a plant with one
 * address that never failed over (the header shows its address already).
 */
export function linkAddressText(link: LinkStatus, now: number): string {
  const L = strings.link;
  const address = typeof link.address === "string" ? link.address : "";
  const count = typeof link.failovers === "number" && Number.isFinite(link.failovers) ? link.failovers : 0;
  if (address === "" || ((link.addresses ?? 0) <= 1 && count === 0)) return "";
  const where = L.onAddress(address, link.address_role === "standby");
  const at = link.last_failover_at;
  if (count === 0 || typeof at !== "number") return where;
  return `${where} · ${L.failovers(count, formatTimeOfDayOrDate(at, now))}`;
}

/** The failover count and the last one's time, for Diagnostics ("none" before the first). */
export function failoversText(link: LinkStatus, now: number): string {
  const count = typeof link.failovers === "number" && Number.isFinite(link.failovers) ? link.failovers : 0;
  const at = link.last_failover_at;
  if (count === 0 || typeof at !== "number") return strings.diagnostics.noFailover;
  return strings.link.failovers(count, formatTimeOfDayOrDate(at, now));
}

export function linkLabel(link: LinkStatus, now: number): LinkLabel {
  const L = strings.link;
  switch (link.mode) {
    case "realtime":
      return { text: L.realtime, tone: "ok" };
    case "fallback":
      return { text: L.fallback, tone: "warn" };
    case "connecting":
      return { text: L.connecting, tone: "neutral" };
    case "stale":
      return {
        text:
          link.last_message_at === null
            ? L.staleNoMessage
            : L.staleWithAge(formatAgeSince(link.last_message_at, now)),
        tone: "alert",
      };
    case "offline":
      // What the operator needs is how old the screen is: the last time anything was
      // heard from the plant, which may be long before this offline spell began.
      return {
        text:
          link.last_contact === null ? L.offlineNeverContacted : L.offlineLastContact(formatContactTime(link.last_contact, now)),
        tone: "alert",
      };
    case "unauthorized":
      return { text: L.unauthorized, tone: "alert" };
    default: {
      // A mode this UI does not know yet: never look healthy.
      const mode: string = link.mode;
      return { text: L.unknown(mode), tone: "alert" };
    }
  }
}

// ---------- alerts ----------

const SEVERITIES = new Set(["critical", "high", "low", "info"]);

/** CSS class suffix and label of an alert severity (an unknown one stays visible as text). */
export function severityPresentation(severity: string): { cls: string; label: string } {
  if (SEVERITIES.has(severity)) {
    return { cls: severity, label: strings.alerts.severities[severity as keyof typeof strings.alerts.severities] };
  }
  return { cls: "unknown", label: severity === "" ? strings.status.unknown : severity };
}

export interface NotificationText {
  /** "notified", a suppressed reason, or "" when not notified for no stated reason. */
  reason: string;
  text: string;
  title: string;
}

/** Whether an alert was notified, or why not, for people. */
export function notificationText(notified: boolean, suppressed: string | null): NotificationText {
  const A = strings.alerts;
  if (notified === true) return { reason: "notified", text: A.notified, title: A.notifiedTitle };
  if (suppressed === null || suppressed === undefined || suppressed === "") {
    return { reason: "", text: A.notNotified, title: A.notNotified };
  }
  if (Object.prototype.hasOwnProperty.call(A.suppressed, suppressed)) {
    const known = A.suppressed[suppressed as keyof typeof A.suppressed];
    return { reason: suppressed, text: known.text, title: known.title };
  }
  const text = A.suppressedUnknown(suppressed);
  return { reason: suppressed, text, title: text };
}

/** Who acknowledged an alert and when ("operator-1, 14:05:12"), or null when it is not acknowledged. */
export function ackedText(alert: Pick<AlertView, "acked_at" | "acked_by">, now: number): string | null {
  if (alert.acked_at === null || alert.acked_at === undefined) return null;
  const at = formatTimeOfDayOrDate(alert.acked_at, now);
  const by = alert.acked_by;
  return by === null || by === undefined || by === "" ? strings.alerts.ackedAt(at) : strings.alerts.ackedBy(by, at);
}

export interface MuteLabel {
  muted: boolean;
  text: string;
  title: string;
}

/** What the mute toggle says at `now`: "Mute 15 min", "Muted until 14:18 — Unmute", "Muted — Unmute". */
export function muteLabel(status: AlertStatus, now: number, minutes = MUTE_MINUTES): MuteLabel {
  const A = strings.alerts;
  const mute = muteState(status, now);
  if (!mute.muted) return { muted: false, text: A.mute(minutes), title: A.muteTitle(minutes) };
  const text = mute.until === null ? A.mutedIndefinitely : A.mutedUntil(formatUntil(mute.until, now));
  return { muted: true, text, title: A.unmuteTitle };
}

/** "Shelved until 14:18" (the date in front when the shelf ends on another day). */
export function shelvedText(until: number, now: number): string {
  return strings.alerts.shelvedUntil(formatUntil(until, now));
}

/** Visual tone of the header's alert count: red while a critical alert is unacknowledged. */
export function alertCountTone(status: Pick<AlertStatus, "unacked" | "unacked_critical">): LinkTone {
  if (status.unacked_critical > 0) return "alert";
  return status.unacked > 0 ? "warn" : "neutral";
}

/** The header's alert count: "Alerts 3", "Alerts 3 (1 critical)" (never colour alone). */
export function alertCountText(status: Pick<AlertStatus, "unacked" | "unacked_critical">): string {
  const A = strings.alerts;
  return status.unacked_critical > 0
    ? `${A.count(status.unacked)}${A.countCritical(status.unacked_critical)}`
    : A.count(status.unacked);
}

// ---------- link figures ----------

/** A round-trip time in milliseconds: "12 ms", "0.8 ms", "1250 ms"; a dash when unknown. */
export function formatRtt(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return strings.missing;
  const rounded = ms >= 10 ? Math.round(ms) : Math.round(ms * 10) / 10;
  return `${formatNumber(rounded)} ${strings.units.ms}`;
}

/** The plant clock's offset from this computer's: "plant 3.2 s ahead"; a dash when unknown. */
export function formatClockOffset(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return strings.missing;
  const abs = Math.abs(seconds);
  const rounded = abs >= 10 ? Math.round(abs) : Math.round(abs * 10) / 10;
  return strings.diagnostics.clockOffsetValue(formatNumber(rounded), seconds >= 0);
}

/** A message rate: "12.5 /s" (one decimal at most); a dash when unknown. */
export function formatRate(perSecond: number | null): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return strings.missing;
  return `${formatNumber(Math.round(perSecond * 10) / 10)} ${strings.units.perSecond}`;
}

/** What the header says about the age of the last message: "Last message 3 s ago". */
export function lastMessageText(lastMessageAt: number | null, now: number): string {
  if (lastMessageAt === null || !Number.isFinite(lastMessageAt)) return strings.link.noMessage;
  return strings.link.lastMessage(formatAgeSince(lastMessageAt, now));
}

/** Label of a link mode in the diagnostics (an unknown mode shows as it is). */
export function linkModeName(mode: string): string {
  const modes = strings.link.modes;
  return Object.prototype.hasOwnProperty.call(modes, mode) ? modes[mode as keyof typeof modes] : mode;
}

/** Label of a journal entry's kind (an unknown kind shows as it is). */
export function journalKindLabel(kind: string): string {
  const labels = strings.journal.kindLabels;
  return Object.prototype.hasOwnProperty.call(labels, kind) ? labels[kind as keyof typeof labels] : kind;
}

// ---------- alarms ----------

/** "Critical", "High", "Medium", "Low" (an unknown priority shows as it is). */
export function alarmPriorityLabel(priority: string): string {
  // From the core's catalog, as notifications, the tray and the CLI word it.
  return wordIn(language(), { id: "alarm-priority", args: { priority } });
}

/** The name of an alarm's state: "Active, unacknowledged", "Latched, to reset"… */
export function alarmStateLabel(state: string): string {
  return wordIn(language(), { id: "alarm-state", args: { state } });
}

/** What moved an alarm: "Activated", "Acknowledged"… */
export function alarmEventLabel(event: string): string {
  return wordIn(language(), { id: "alarm-event", args: { event } });
}

/**
 * The time of day when `t` is on the same local day as `now`, the date alone otherwise
 * ("14:03:09" or "2024-05-31"): for narrow columns, which must show their whole text
 * (the cell's title then gives the date and time).
 */
export function formatTimeOrDay(t: number, now: number): string {
  if (!Number.isFinite(t)) return strings.missing;
  const whole = formatTimeOfDayOrDate(t, now);
  const day = formatDateTime(t);
  return whole === day ? day.slice(0, day.indexOf(" ")) : whole;
}
