// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from "vitest";
import { capsNotice, noCaps } from "../src/state/caps";
import { ConsoleStore } from "../src/state";
import { setLanguage } from "../src/strings";
import { AppView } from "../src/views/app";
import { $, batch, renderBatch, renderSnapshot, snapshot } from "./fixtures";

const NOW = 1005;

let store: ConsoleStore;
let view: AppView;

beforeEach(() => {
  setLanguage("en");
  document.body.replaceChildren();
  const root = document.createElement("div");
  root.id = "app";
  document.body.appendChild(root);
  store = new ConsoleStore(1000);
  view = new AppView(document);
  view.mount(root);
});

describe("caps notice", () => {
  it("says nothing while no cap was reached", () => {
    expect(capsNotice(noCaps())).toBeNull();
    renderSnapshot(store, view, snapshot(), NOW);
    expect($("#caps-reached").hidden).toBe(true);
  });

  it("names each cap the plant went past, from the snapshot and from a batch", () => {
    renderSnapshot(store, view, snapshot({ caps: { ...noCaps(), ids_too_long: 2 } }), NOW);
    expect($("#caps-reached").hidden).toBe(false);
    expect($("#caps-reached").textContent).toBe(
      "⚠ The plant sent more than the console keeps: 2 devices or relays left out for an id over 256 bytes. " +
        "The console goes on with the rest; see the log.",
    );
    renderBatch(store, view, batch({ caps: { ...noCaps(), ids_too_long: 2, devices_left_out: 5, names_cut: 1 } }), NOW);
    const text = $("#caps-reached").textContent ?? "";
    expect(text).toContain("5 devices left out past the cap of 100,000");
    expect(text).toContain("1 names cut to 256 characters");
    // A batch without caps changes nothing.
    renderBatch(store, view, batch(), NOW);
    expect($("#caps-reached").textContent).toBe(text);
  });

  it("has the same parts in Persian", () => {
    setLanguage("fa");
    const notice = capsNotice({ ...noCaps(), journal_rows_left_out: 3, relays_left_out: 1 }) ?? "";
    expect(notice).toContain("رله");
    expect(notice).toContain("رویدادنامه");
    setLanguage("en");
  });
});
