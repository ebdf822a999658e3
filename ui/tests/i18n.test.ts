// @vitest-environment jsdom
// Languages: both tables complete, Persian formats, the language switch lays
// the window out right to left and is remembered.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller } from "../src/controllers";
import {
  formatAge,
  formatCount,
  formatDateTime,
  formatNumber,
  formatPercent,
  formatTimeOfDay,
  formatUptime,
  formatValue,
  linkLabel,
} from "../src/lib/format";
import { DEFAULT_LANGUAGE, LANGUAGE_KEY, loadLanguage, saveLanguage } from "../src/lib/prefs";
import { language, languageDirection, LANGUAGES, setLanguage, strings, STRINGS } from "../src/strings";
import { AppView } from "../src/views/app";
import { applyDocumentLanguage } from "../src/views/dom";
import { fakeIpc } from "./fake-ipc";
import { device, linkStatus, snapshot } from "./fixtures";

/** Every leaf of a table: "a.b.c" → string or function. */
function leaves(obj: unknown, prefix = ""): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const path = prefix === "" ? k : `${prefix}.${k}`;
    if (typeof v === "object" && v !== null) for (const [p, leaf] of leaves(v, path)) out.set(p, leaf);
    else out.set(path, v);
  }
  return out;
}

afterEach(() => {
  setLanguage("en");
  applyDocumentLanguage(document, "en");
});

describe("language tables", () => {
  it("have exactly the same keys in every language", () => {
    const en = [...leaves(STRINGS.en).keys()].sort();
    for (const lang of LANGUAGES) {
      expect([...leaves(STRINGS[lang]).keys()].sort()).toEqual(en);
    }
    expect(en.length).toBeGreaterThan(200);
  });

  it("have no empty text, and every text function says something", () => {
    for (const lang of LANGUAGES) {
      for (const [path, leaf] of leaves(STRINGS[lang])) {
        if (typeof leaf === "string") {
          expect(leaf.trim(), `${lang}:${path}`).not.toBe("");
        } else {
          expect(typeof leaf, `${lang}:${path}`).toBe("function");
          const fn = leaf as (...args: unknown[]) => unknown;
          const args = Array.from({ length: fn.length }, (_, i) => (i % 2 === 0 ? 3 : "x"));
          const text = fn(...args.map((a) => (typeof a === "number" ? 3 : "x")));
          expect(typeof text, `${lang}:${path}`).toBe("string");
          expect(String(text).trim(), `${lang}:${path}`).not.toBe("");
        }
      }
    }
  });

  it("translate every text into Persian (only names, marks and protocol words stay the same)", () => {
    const en = leaves(STRINGS.en);
    const same: string[] = [];
    for (const [path, leaf] of leaves(STRINGS.fa)) {
      if (typeof leaf === "string" && leaf === en.get(path)) same.push(path);
    }
    expect(same.sort()).toEqual([
      "language.names.en",
      "language.names.fa",
      "missing",
      "quality.badMark",
      "quality.goodMark",
      "quality.uncertainMark",
      "unconfirmedMark",
    ]);
    expect(STRINGS.fa.link.realtime).toBe("بلادرنگ");
    expect(STRINGS.fa.status.offline).toBe("خارج از دسترس");
  });

  it("name each language in itself", () => {
    expect(STRINGS.en.language.names).toEqual({ en: "English", fa: "فارسی" });
    expect(STRINGS.fa.language.names).toEqual(STRINGS.en.language.names);
  });
});

describe("Persian formats", () => {
  beforeEach(() => setLanguage("fa"));

  it("writes numbers with Persian digits and the Persian decimal separator", () => {
    expect(formatNumber(71.5)).toBe("۷۱٫۵");
    expect(formatNumber(3)).toBe("۳");
    expect(formatNumber(0.12345)).toBe("۰٫۱۲۳");
    expect(formatNumber(-0.0001)).toBe("۰");
    expect(formatCount(10000)).toBe("۱۰۰۰۰");
    expect(formatValue(71.5, "°C")).toBe("۷۱٫۵ °C");
    expect(formatPercent(12.34)).toBe("۱۲٫۳٪");
  });

  it("writes ages and durations in Persian words", () => {
    expect(formatAge(3.9)).toBe("۳ ثانیه");
    expect(formatAge(150)).toBe("۲ دقیقه");
    expect(formatUptime(3 * 3600 + 12 * 60)).toBe("۳ ساعت ۱۲ دقیقه");
  });

  it("writes times with Persian digits, dates in the Persian calendar", () => {
    const t = new Date(2024, 4, 31, 14, 3, 9).getTime() / 1000;
    expect(formatTimeOfDay(t)).toBe("۱۴:۰۳:۰۹");
    // 31 May 2024 is 11 Khordad 1403.
    expect(formatDateTime(t)).toBe("۱۴۰۳/۰۳/۱۱ ۱۴:۰۳:۰۹");
  });

  it("says the link status in Persian", () => {
    expect(linkLabel(linkStatus("realtime"), 1000).text).toBe("بلادرنگ");
    expect(linkLabel(linkStatus("stale", { last_message_at: 990 }), 1000).text).toBe("کهنه — آخرین پیام ۱۰ ثانیه پیش");
  });

  it("keeps English as it was", () => {
    setLanguage("en");
    expect(formatNumber(71.5)).toBe("71.5");
    expect(formatPercent(12.34)).toBe("12.3 %");
    expect(formatTimeOfDay(new Date(2024, 4, 31, 14, 3, 9).getTime() / 1000)).toBe("14:03:09");
  });
});

describe("saved language", () => {
  it("loads the saved language, English when none or unknown", () => {
    const storage = new Map<string, string>();
    const s = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) };
    expect(loadLanguage(s)).toBe(DEFAULT_LANGUAGE);
    expect(saveLanguage(s, "fa")).toBe(true);
    expect(storage.get(LANGUAGE_KEY)).toBe("fa");
    expect(loadLanguage(s)).toBe("fa");
    storage.set(LANGUAGE_KEY, "xx");
    expect(loadLanguage(s)).toBe("en");
    expect(loadLanguage(null)).toBe("en");
    expect(loadLanguage({ getItem: () => { throw new Error("denied"); } })).toBe("en");
    expect(saveLanguage({ setItem: () => { throw new Error("full"); } }, "fa")).toBe(false);
  });
});

describe("switching the language", () => {
  it("sets lang and dir on <html>", () => {
    applyDocumentLanguage(document, "fa");
    expect(document.documentElement.getAttribute("lang")).toBe("fa");
    expect(document.documentElement.getAttribute("dir")).toBe("rtl");
    applyDocumentLanguage(document, "en");
    expect(document.documentElement.getAttribute("lang")).toBe("en");
    expect(document.documentElement.getAttribute("dir")).toBe("ltr");
    expect(languageDirection("fa")).toBe("rtl");
  });

  it("switches the same window to Persian from the header's selector, keeps the state and saves the choice", async () => {
    document.body.replaceChildren();
    const view = new AppView(document);
    view.mount(document.body);
    const ipc = fakeIpc();
    const saved = new Map<string, string>();
    const controller = new Controller({
      ipc,
      view,
      now: () => 1000,
      scheduleFrame: (cb) => cb(),
      storage: { setItem: (k, v) => void saved.set(k, v) },
    });
    const started = controller.start();
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
    ipc.resolveSnapshot(
      snapshot({ link: linkStatus("offline", { last_contact: 990 }), devices: [device("d1", { name: "Boiler", value: 71.5 }, 995)] }),
    );
    await started;
    view.tabs.select("diagnostics");

    const select = document.getElementById("language") as HTMLSelectElement;
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ["en", "English"],
      ["fa", "فارسی"],
    ]);
    const table = document.getElementById("devices");
    // The operator's select has the focus, and keeps it: the window is not built again.
    select.focus();
    select.value = "fa";
    select.dispatchEvent(new Event("change"));

    expect(language()).toBe("fa");
    expect(saved.get(LANGUAGE_KEY)).toBe("fa");
    expect(document.documentElement.getAttribute("lang")).toBe("fa");
    expect(document.documentElement.getAttribute("dir")).toBe("rtl");
    expect(document.getElementById("tab-plant")?.textContent).toBe("کارخانه");
    expect(document.getElementById("tab-diagnostics")?.getAttribute("aria-selected")).toBe("true");
    expect(document.getElementById("link-status")?.getAttribute("data-mode")).toBe("offline");
    expect(document.getElementById("link-status")?.textContent).toContain("خارج از دسترس");
    const row = document.querySelector('#devices tr[data-device-id="d1"]');
    expect(row?.querySelector("th")?.textContent).toBe("Boiler");
    expect(row?.querySelector(".value-text")?.textContent).toBe("۷۱٫۵ °C");
    expect(row?.querySelector(".badge")?.textContent).toBe(strings.status.online);
    expect((document.getElementById("language") as HTMLSelectElement).value).toBe("fa");
    expect(document.activeElement?.id).toBe("language");
    // One window, not two: the same one.
    expect(document.getElementById("devices")).toBe(table);
    expect(document.getElementById("language")).toBe(select);
    expect(document.querySelectorAll("#devices")).toHaveLength(1);
    expect(document.querySelectorAll("#view-tabs")).toHaveLength(1);
    controller.stop();
  });
});
