// The page's own language tag (navigator.language) made usable where the system's is
// not a BCP 47 tag. WebKitGTK takes it from the process locale, so a control-room
// machine with LANG=C or POSIX (a kiosk image, a service account) gives the page "C",
// and every `Intl` formatter built from it throws a RangeError: uPlot builds one when
// it loads, so the Trends chart never drew. The console words everything in its own
// language (strings/), so the system tag only ever reaches libraries that read it.

/** The tag libraries get when the system's is not one: the formats uPlot's own default. */
export const FALLBACK_TAG = "en-US";

/** Whether `tag` is a language tag `Intl` accepts. */
export function usableTag(tag: unknown): boolean {
  if (typeof tag !== "string" || tag === "") return false;
  try {
    Intl.getCanonicalLocales(tag);
    return true;
  } catch {
    return false;
  }
}

/**
 * Replaces `nav.language` (and `nav.languages`) by FALLBACK_TAG when it is not a tag
 * `Intl` accepts; returns whether it did. The usable tags of `languages` are kept.
 */
export function guardNavigatorLanguage(nav: Navigator): boolean {
  if (usableTag(nav.language)) return false;
  const kept = Array.from(nav.languages ?? []).filter(usableTag);
  const languages = Object.freeze(kept.length > 0 ? kept : [FALLBACK_TAG]);
  const language = languages[0];
  try {
    Object.defineProperty(nav, "language", { configurable: true, get: () => language });
    Object.defineProperty(nav, "languages", { configurable: true, get: () => languages });
  } catch {
    return false;
  }
  return true;
}
