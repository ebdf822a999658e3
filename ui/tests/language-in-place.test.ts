// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setLanguage, STRINGS } from "../src/strings";
import { AppView } from "../src/views/app";
import { $ } from "./fixtures";

let view: AppView;

beforeEach(() => {
  setLanguage("en");
  document.body.replaceChildren();
  const root = document.createElement("div");
  root.id = "app";
  document.body.appendChild(root);
  view = new AppView(document);
  view.mount(root);
});

afterEach(() => setLanguage("en"));

describe("texts bound to the language", () => {
  it("change in place: the same tab and warning text nodes show the Persian texts", () => {
    const tab = $("#tab-plant");
    const tabText = tab.firstChild;
    const warning = $("#stale-warning");
    const warningNodes = [...warning.childNodes];
    expect(tab.textContent).toBe(STRINGS.en.tabs.plant);
    expect($("#view-tabs").getAttribute("aria-label")).toBe(STRINGS.en.tabs.label);

    setLanguage("fa");

    expect($("#tab-plant")).toBe(tab);
    expect(tab.firstChild).toBe(tabText);
    expect(tab.textContent).toBe(STRINGS.fa.tabs.plant);
    expect($("#view-tabs").getAttribute("aria-label")).toBe(STRINGS.fa.tabs.label);
    expect([...warning.childNodes]).toEqual(warningNodes);
    expect(warning.textContent).toContain(STRINGS.fa.staleWarning);
  });

  it("change the header's labels and titles in place", () => {
    const title = document.querySelector(".app-title");
    const titleText = title?.firstChild;
    const label = document.querySelector(".language-label")?.firstChild;
    setLanguage("fa");
    expect(document.querySelector(".app-title")).toBe(title);
    expect(title?.firstChild).toBe(titleText);
    expect(title?.textContent).toBe(STRINGS.fa.appTitle);
    expect(document.querySelector(".language-label")?.firstChild).toBe(label);
    expect(label?.textContent).toBe(STRINGS.fa.language.label);
    expect($("#alert-count").getAttribute("title")).toBe(STRINGS.fa.alerts.countTitle);
    expect($("#link-rtt").getAttribute("title")).toBe(STRINGS.fa.link.rttTitle);
    expect($("#link-age").getAttribute("title")).toBe(STRINGS.fa.link.lastMessageTitle);
    expect($("#outbox-depth").getAttribute("title")).toBe(STRINGS.fa.outbox.depthTitle);
  });

  it("lay the window out right to left for Persian and back", () => {
    setLanguage("fa");
    expect(document.documentElement.getAttribute("dir")).toBe("rtl");
    expect(document.documentElement.getAttribute("lang")).toBe("fa");
    setLanguage("en");
    expect(document.documentElement.getAttribute("dir")).toBe("ltr");
  });
});
