// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { applyDisplay } from "../src/lib/prefs";

describe("the window's theme and density on the page", () => {
  it("sets data-theme, data-density and the color-scheme meta on the document", () => {
    applyDisplay(document, "light", "compact");
    expect(document.documentElement.getAttribute("data-theme")).toBe("light");
    expect(document.documentElement.getAttribute("data-density")).toBe("compact");
    expect(document.querySelector('meta[name="color-scheme"]')?.getAttribute("content")).toBe("light");
    applyDisplay(document, "dark", "comfortable");
    expect(document.querySelectorAll('meta[name="color-scheme"]')).toHaveLength(1);
    expect(document.querySelector('meta[name="color-scheme"]')?.getAttribute("content")).toBe("dark");
    expect(document.documentElement.getAttribute("data-density")).toBe("comfortable");
  });
});
