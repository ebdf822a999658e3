// The page's language tag when the system's is no tag (LANG=C under WebKitGTK): the
// guard gives libraries one that Intl accepts, and leaves a real one alone.

import { describe, expect, it } from "vitest";
import { FALLBACK_TAG, guardNavigatorLanguage, usableTag } from "../src/lib/locale-guard";

function fakeNavigator(language: string, languages: string[]): Navigator {
  // The properties are getters on the prototype, as in a browser.
  const proto = {
    get language() {
      return language;
    },
    get languages() {
      return languages;
    },
  };
  return Object.create(proto) as Navigator;
}

describe("the navigator's language tag", () => {
  it("is refused by Intl when it is a POSIX locale name, which is why the guard exists", () => {
    expect(() => new Intl.NumberFormat("C")).toThrow(RangeError);
    expect(usableTag("C")).toBe(false);
    expect(usableTag("")).toBe(false);
    expect(usableTag(undefined)).toBe(false);
    expect(usableTag("en-GB")).toBe(true);
    expect(usableTag("fa-IR")).toBe(true);
  });

  it("is replaced by one Intl accepts when the system gives C, and formatters can then be built", () => {
    const nav = fakeNavigator("C", ["C"]);
    expect(guardNavigatorLanguage(nav)).toBe(true);
    expect(nav.language).toBe(FALLBACK_TAG);
    expect(nav.languages).toEqual([FALLBACK_TAG]);
    expect(new Intl.NumberFormat(nav.language).format(1.5)).toBe("1.5");
  });

  it("keeps the usable tags of the list when only the first is not one", () => {
    const nav = fakeNavigator("C.UTF-8", ["C.UTF-8", "de-DE", "C"]);
    expect(guardNavigatorLanguage(nav)).toBe(true);
    expect(nav.language).toBe("de-DE");
    expect(nav.languages).toEqual(["de-DE"]);
  });

  it("is left alone when it is a real tag", () => {
    const nav = fakeNavigator("fa-IR", ["fa-IR", "en-US"]);
    expect(guardNavigatorLanguage(nav)).toBe(false);
    expect(nav.language).toBe("fa-IR");
    expect(nav.languages).toEqual(["fa-IR", "en-US"]);
  });
});
