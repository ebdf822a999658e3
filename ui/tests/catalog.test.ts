// The window's catalog against the Rust side's: both word the shared samples
// (crates/console-i18n/samples.json, written by console-i18n's tests from the
// Rust catalog), and must give the very same text in each language.

import { describe, expect, it } from "vitest";
import samplesText from "../../crates/console-i18n/samples.json?raw";
import { formatCatalogNumber, word, wordIn } from "../src/strings/catalog";
import { setLanguage } from "../src/strings";
import type { Message } from "../src/generated/Message";

type Sample = { message: Message; en: string; fa: string };
const samples = JSON.parse(samplesText) as Sample[];

describe("the window's catalog", () => {
  it("has samples to compare", () => {
    expect(samples.length).toBeGreaterThan(10);
  });

  for (const sample of samples) {
    it(`words ${sample.message.id} as Rust does in English and Persian`, () => {
      expect(wordIn("en", sample.message)).toBe(sample.en);
      expect(wordIn("fa", sample.message)).toBe(sample.fa);
    });
  }

  it("words in the current language and follows a switch", () => {
    const message: Message = { id: "alarm-device_fault", args: { name: "Pump 3", source: "dev-3" } };
    setLanguage("fa");
    expect(word(message)).toBe("\u2068Pump 3\u2069 خطا گزارش می‌دهد");
    setLanguage("en");
    expect(word(message)).toBe("Pump 3 reports a fault");
  });

  it("shows a message it does not know as its id and arguments", () => {
    expect(wordIn("en", { id: "from-a-newer-console", args: { x: "1" } })).toBe("from-a-newer-console (x=1)");
  });

  it("writes numbers with two decimals at most, in Persian digits in Persian", () => {
    expect(formatCatalogNumber("en", 1234.567)).toBe("1234.57");
    expect(formatCatalogNumber("fa", 12.5)).toBe("۱۲٫۵");
    expect(formatCatalogNumber("fa", -0.001)).toBe("۰");
  });
});
