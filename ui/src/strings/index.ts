// The text catalog: one table per language (en.ts, fa.ts) with the same keys,
// and the current language as a signal. `strings` is the table of the current
// language: read it when a text is needed (never keep a part of it in a
// module-level constant). A view that shows a text binds it with `bindText`
// (views/bind.ts), an effect that reads `currentLanguage`, so that switching
// the language changes the text in place.

import { signal, type ReadonlySignal } from "../lib/signals";
import { english, type Strings } from "./en";
import { persian } from "./fa";

export type { Strings } from "./en";

export type Language = "en" | "fa";

export const LANGUAGES: readonly Language[] = ["en", "fa"];

/** Every language's table, by language. */
export const STRINGS: Readonly<Record<Language, Strings>> = { en: english, fa: persian };

/** The texts of the current language (a live binding: it changes with setLanguage). */
export let strings: Strings = english;

const current = signal<Language>("en");

/** The current language; effects that read it run again when it changes. */
export const currentLanguage: ReadonlySignal<Language> = current;

/**
 * The current language, read without subscribing: formatting inside a view's
 * region must not make the region run again on a language change (a text
 * binding reads `currentLanguage` or `t()` for that).
 */
export function language(): Language {
  return current.peek();
}

/** The current table, read through the signal (inside an effect, it subscribes the effect). */
export function t(): Strings {
  return STRINGS[current.value];
}

export function isLanguage(value: unknown): value is Language {
  return value === "en" || value === "fa";
}

/** Switches every text (and number and time format) to `lang`; bound texts follow at once. */
export function setLanguage(lang: Language): void {
  // The table first: effects that the signal runs read `strings`.
  strings = STRINGS[lang];
  current.value = lang;
}

/** Writing direction of a language. */
export function languageDirection(lang: Language): "ltr" | "rtl" {
  return lang === "fa" ? "rtl" : "ltr";
}

/** The locale the Intl formatters use for a language. */
export function languageLocale(lang: Language): string {
  return lang === "fa" ? "fa-IR" : "en-GB";
}
