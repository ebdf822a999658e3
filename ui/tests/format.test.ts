import { describe, expect, it } from "vitest";
import {
  formatAge,
  formatAgeSince,
  formatDateTime,
  formatNumber,
  formatPercent,
  formatTimeOfDay,
  formatTimeOfDayOrDate,
  formatUptime,
  formatValue,
  failoversText,
  linkAddressText,
  linkLabel,
} from "../src/lib/format";
import { noLinkAddress, noUnusable } from "../src/state/quality";
import type { LinkStatus } from "../src/types";
import { local } from "./fixtures";

function link(partial: Partial<LinkStatus>): LinkStatus {
  return {
    mode: "realtime",
    since: 0,
    last_message_at: null,
    last_contact: null,
    detail: null,
    quality: { level: "good", reason: null },
    unusable: noUnusable(),
    ...noLinkAddress(),
    ...partial,
  };
}

describe("formatAge", () => {
  it("shows ages under a minute in seconds, rounded down", () => {
    expect(formatAge(0)).toBe("0 s");
    expect(formatAge(3.9)).toBe("3 s");
    expect(formatAge(59.99)).toBe("59 s");
  });

  it("shows ages under an hour in whole minutes", () => {
    expect(formatAge(60)).toBe("1 min");
    expect(formatAge(150)).toBe("2 min");
    expect(formatAge(3599)).toBe("59 min");
  });

  it("shows ages under a day in whole hours and longer ones in days", () => {
    expect(formatAge(3600)).toBe("1 h");
    expect(formatAge(86399)).toBe("23 h");
    expect(formatAge(2 * 86400 + 5)).toBe("2 d");
  });

  it("treats a negative age from clock skew as zero", () => {
    expect(formatAge(-5)).toBe("0 s");
  });

  it("shows a dash for an age that is not a number", () => {
    expect(formatAge(Number.NaN)).toBe("—");
  });

  it("computes an age from a timestamp and the current time", () => {
    expect(formatAgeSince(1000, 1003.5)).toBe("3 s");
  });
});

describe("formatUptime", () => {
  it("shows short uptimes in a single unit", () => {
    expect(formatUptime(45)).toBe("45 s");
    expect(formatUptime(12 * 60 + 30)).toBe("12 min");
  });

  it("shows hours with minutes", () => {
    expect(formatUptime(3 * 3600 + 12 * 60 + 59)).toBe("3 h 12 min");
    expect(formatUptime(3600)).toBe("1 h 0 min");
  });

  it("shows days with hours", () => {
    expect(formatUptime(2 * 86400 + 5 * 3600 + 600)).toBe("2 d 5 h");
  });
});

describe("formatValue", () => {
  it("joins a value and its unit with a space", () => {
    expect(formatValue(71.5, "°C")).toBe("71.5 °C");
    expect(formatValue(12, "bar")).toBe("12 bar");
  });

  it("shows a dash when there is no value", () => {
    expect(formatValue(null, "°C")).toBe("—");
    expect(formatValue(null, null)).toBe("—");
  });

  it("shows the bare number when there is no unit", () => {
    expect(formatValue(3, null)).toBe("3");
    expect(formatValue(3, "")).toBe("3");
  });

  it("keeps zero and negative values", () => {
    expect(formatValue(0, "A")).toBe("0 A");
    expect(formatValue(-4.25, "°C")).toBe("-4.25 °C");
  });

  it("rounds long decimals to a readable precision and drops trailing zeros", () => {
    expect(formatNumber(71.53333)).toBe("71.53");
    expect(formatNumber(1234.567)).toBe("1234.6");
    expect(formatNumber(0.012345)).toBe("0.012");
    expect(formatNumber(2.5)).toBe("2.5");
    expect(formatNumber(-0.0001)).toBe("0");
  });
});

describe("formatPercent", () => {
  it("shows one decimal at most", () => {
    expect(formatPercent(12.345)).toBe("12.3 %");
    expect(formatPercent(50)).toBe("50 %");
  });
});

describe("time of day", () => {
  it("shows a local time as HH:MM:SS with leading zeros", () => {
    expect(formatTimeOfDay(local(2024, 1, 2, 3, 4, 5))).toBe("03:04:05");
    expect(formatTimeOfDay(local(2024, 1, 2, 23, 59, 59) + 0.9)).toBe("23:59:59");
  });

  it("shows a full local date and time", () => {
    expect(formatDateTime(local(2024, 5, 31, 14, 3, 9))).toBe("2024-05-31 14:03:09");
  });

  it("adds the date only when the time is not on the current day", () => {
    const now = local(2024, 5, 31, 18, 0, 0);
    expect(formatTimeOfDayOrDate(local(2024, 5, 31, 14, 3, 9), now)).toBe("14:03:09");
    expect(formatTimeOfDayOrDate(local(2024, 5, 30, 14, 3, 9), now)).toBe("2024-05-30 14:03:09");
  });
});

describe("linkLabel", () => {
  it("labels the live modes Real-time (ok) and HTTP fallback (warn)", () => {
    expect(linkLabel(link({ mode: "realtime" }), 0)).toEqual({ text: "Real-time", tone: "ok" });
    expect(linkLabel(link({ mode: "fallback" }), 0)).toEqual({ text: "HTTP fallback", tone: "warn" });
  });

  it("labels connecting as neutral", () => {
    expect(linkLabel(link({ mode: "connecting" }), 0)).toEqual({ text: "Connecting…", tone: "neutral" });
  });

  it("tells how long ago the last message came when the link is stale", () => {
    expect(linkLabel(link({ mode: "stale", last_message_at: 100 }), 142)).toEqual({
      text: "Stale — last message 42 s ago",
      tone: "alert",
    });
  });

  it("says so when a stale link never carried a message", () => {
    expect(linkLabel(link({ mode: "stale" }), 142).text).toBe("Stale — no message received yet");
  });

  it("tells when the plant was last heard from while offline, as a local time of day", () => {
    const contact = local(2024, 1, 2, 9, 8, 7);
    expect(linkLabel(link({ mode: "offline", since: contact + 5, last_contact: contact }), contact + 30)).toEqual({
      text: "Offline — last contact 09:08:07",
      tone: "alert",
    });
  });

  it("adds the date to a last contact older than half a day", () => {
    const contact = local(2024, 1, 2, 9, 8, 7);
    expect(linkLabel(link({ mode: "offline", last_contact: contact }), contact + 2 * 86400).text).toBe(
      "Offline — last contact 2024-01-02 09:08:07",
    );
  });

  it("says so when an offline console never heard from the plant", () => {
    expect(linkLabel(link({ mode: "offline", last_contact: null }), 100).text).toBe("Offline — no contact yet");
  });

  it("labels unauthorized in red", () => {
    expect(linkLabel(link({ mode: "unauthorized" }), 0)).toEqual({ text: "Unauthorized", tone: "alert" });
  });

  it("never shows an unknown mode as healthy", () => {
    const weird = link({ mode: "rebooting" as LinkStatus["mode"] });
    expect(linkLabel(weird, 0).tone).toBe("alert");
  });
});

describe("the address the link is on", () => {
  it("is not repeated for a plant with one address that never failed over", () => {
    expect(linkAddressText(link({ address: "http://a:5000", addresses: 1 }), 0)).toBe("");
    expect(failoversText(link({ address: "http://a:5000", addresses: 1 }), 0)).toBe("none");
  });

  it("names the standby and the failovers, with the last one's time", () => {
    const on = link({
      address: "http://b:5000",
      address_index: 1,
      address_role: "standby",
      addresses: 2,
      failovers: 2,
      last_failover_at: local(2026, 3, 1, 8, 30, 0),
      last_failover_from: "http://a:5000",
    });
    const text = linkAddressText(on, local(2026, 3, 1, 9, 0, 0));
    expect(text).toContain("on standby");
    expect(text).toContain("http://b:5000");
    expect(text).toContain("2 failovers, last at 08:30");
    expect(linkAddressText({ ...on, address_role: "primary", failovers: 0 }, 0)).toContain("on primary");
  });

  it("keeps markup in an address as text", () => {
    const text = linkAddressText(link({ address: "<b>x</b>", addresses: 2 }), 0);
    expect(text).toContain("<b>x</b>");
  });
});
