// Which window a page is in, read from its address (lib/window-role.ts): the console
// opens its extra windows at `index.html?window=KIND[&QUERY]`.
import { describe, expect, it } from "vitest";
import { MAIN_WINDOW, parseWindowRole } from "../src/lib/window-role";

describe("the window role", () => {
  it("is the main window for an address without a window", () => {
    expect(parseWindowRole("")).toEqual(MAIN_WINDOW);
    expect(parseWindowRole("?")).toEqual(MAIN_WINDOW);
    expect(parseWindowRole("?range=900")).toEqual(MAIN_WINDOW);
  });

  it("is each known view's window, with or without the leading question mark", () => {
    expect(parseWindowRole("?window=alarms")).toEqual({ role: "alarms", query: null });
    expect(parseWindowRole("window=overview")).toEqual({ role: "overview", query: null });
    expect(parseWindowRole("?window=trend")).toEqual({ role: "trend", query: null });
  });

  it("keeps the view's own query as written, in order, without the window", () => {
    expect(parseWindowRole("?window=trend&pens=device:dev-01,stats:cpu&range=3600")).toEqual({
      role: "trend",
      query: "pens=device:dev-01,stats:cpu&range=3600",
    });
    expect(parseWindowRole("?since=10&window=trend&until=20")).toEqual({ role: "trend", query: "since=10&until=20" });
    expect(parseWindowRole("?window=trend&&pens=a%2Cb&")).toEqual({ role: "trend", query: "pens=a%2Cb" });
  });

  it("is the main window for an unknown, misspelt, empty or decorated kind", () => {
    for (const search of [
      "?window=settings",
      "?window=main",
      "?window=Alarms",
      "?window=alarms%20",
      "?window= alarms",
      "?window=",
      "?window",
      "?window=alarms=1",
      "?windows=alarms",
      "?window=__proto__",
      "?window=constructor",
    ]) {
      expect(parseWindowRole(search), search).toEqual(MAIN_WINDOW);
    }
  });

  it("is the main window when the address names the window twice, even the same one", () => {
    expect(parseWindowRole("?window=alarms&window=trend")).toEqual(MAIN_WINDOW);
    expect(parseWindowRole("?window=alarms&window=alarms")).toEqual(MAIN_WINDOW);
    expect(parseWindowRole("?window=bogus&window=alarms")).toEqual(MAIN_WINDOW);
  });
});
