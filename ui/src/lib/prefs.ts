// The operator's preferences kept in the webview's localStorage (only the
// language for now). Storage is passed in; a missing or failing storage means
// the defaults.

import { isLanguage, type Language } from "../strings";

export const LANGUAGE_KEY = "plant-console.language";
export const DEFAULT_LANGUAGE: Language = "en";

/** The saved language, or English. */
export function loadLanguage(storage: Pick<Storage, "getItem"> | null | undefined): Language {
  try {
    const saved = storage?.getItem(LANGUAGE_KEY);
    return isLanguage(saved) ? saved : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE;
  }
}

/** Saves the language; false when it could not be saved (the choice still applies now). */
export function saveLanguage(storage: Pick<Storage, "setItem"> | null | undefined, lang: Language): boolean {
  try {
    if (storage === null || storage === undefined) return false;
    storage.setItem(LANGUAGE_KEY, lang);
    return true;
  } catch {
    return false;
  }
}
