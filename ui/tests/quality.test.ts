// @vitest-environment jsdom
// Value quality (good / uncertain / bad, computed by the core) in the window: a bad
// value from the plant is shown as such, with a shape and words, never as the number it
// replaced; a relay state that could not be read is not shown as ON or OFF; the count
// of data the console could not use shows in a banner while it grows, and in
// Diagnostics.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  qualityLabel,
  qualityMark,
  shownQuality,
  UNUSABLE_BANNER_S,
  UnusableWatch,
  unusableTotal,
  worstQuality,
  noUnusable,
} from "../src/state/quality";
import { ConsoleStore } from "../src/state";
import type { Quality } from "../src/types";
import { AppView } from "../src/views/app";
import { diagnosticsFixture } from "./fake-ipc";
import { $, batch, device, linkStatus, relay, renderBatch, renderSnapshot, snapshot, stats } from "./fixtures";

const NOW = 10_000;
const BAD: Quality = { level: "bad", reason: "unreadable" };
const GOOD: Quality = { level: "good", reason: null };

describe("quality, pure", () => {
  it("takes the worse of the entry's own quality, the link's and the age", () => {
    const live = linkStatus("realtime");
    expect(shownQuality(GOOD, live, false)).toEqual(GOOD);
    expect(shownQuality(BAD, linkStatus("offline"), true)).toEqual(BAD);
    expect(shownQuality(GOOD, linkStatus("stale"), false)).toEqual({ level: "uncertain", reason: "stale" });
    expect(shownQuality(GOOD, live, true)).toEqual({ level: "uncertain", reason: "old" });
    expect(shownQuality({ level: "uncertain", reason: "unconfirmed" }, linkStatus("offline"), false)).toEqual({
      level: "uncertain",
      reason: "link_down",
    });
    expect(worstQuality(GOOD, BAD)).toEqual(BAD);
  });

  it("says each level with a shape and words, not colour alone", () => {
    expect(qualityMark(BAD)).toBe("✖");
    expect(qualityMark({ level: "uncertain", reason: "stale" })).toBe("◆");
    expect(qualityMark(GOOD)).toBe("●");
    expect(qualityLabel(BAD, ["value"])).toBe("✖ Bad value from the plant: value could not be read");
    expect(qualityLabel({ level: "uncertain", reason: "unconfirmed" })).toBe(
      "◆ Uncertain: from the cache, not yet confirmed by the plant",
    );
  });

  it("shows the banner while the count of unusable data grows, then hides it", () => {
    const watch = new UnusableWatch();
    expect(watch.observe(noUnusable(), 100)).toBe(false);
    expect(watch.showing(100)).toBe(false);
    const grown = { ...noUnusable(), items_unreadable: 3, session_items_unreadable: 3 };
    expect(unusableTotal(grown)).toBe(3);
    expect(watch.observe(grown, 110)).toBe(true);
    expect(watch.showing(110 + UNUSABLE_BANNER_S)).toBe(true);
    expect(watch.observe(grown, 120)).toBe(false);
    expect(watch.showing(110 + UNUSABLE_BANNER_S + 1)).toBe(false);
  });
});

describe("quality in the window", () => {
  let store: ConsoleStore;
  let view: AppView;

  beforeEach(() => {
    vi.stubGlobal("requestAnimationFrame", (cb: FrameRequestCallback) => {
      cb(0);
      return 0;
    });
    document.body.replaceChildren();
    store = new ConsoleStore(NOW);
    view = new AppView(document);
    view.mount(document.body);
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("shows a device the plant sent unreadably as a bad value, its status still shown, and back when readable", () => {
    renderSnapshot(
      store,
      view,
      snapshot({ devices: [device("a", { value: 71.5, status: "fault" }, NOW - 1), device("b", { value: 3 }, NOW - 1)] }),
      NOW,
    );
    const cell = () => $('#devices tr[data-device-id="a"] td.value');
    expect(cell().textContent).toContain("71.5");
    renderBatch(
      store,
      view,
      batch({
        devices: [
          { ...device("a", { value: null, status: "fault" }, NOW), unreadable: ["value"], quality: BAD },
          device("b", { value: 4 }, NOW),
        ],
      }),
      NOW,
    );
    expect(cell().textContent).toContain("✖ bad value");
    expect(cell().textContent).not.toContain("71.5");
    expect(cell().getAttribute("data-quality")).toBe("bad");
    expect(cell().getAttribute("title")).toBe("Bad value from the plant: value could not be read");
    expect($('#devices tr[data-device-id="a"] td.status').textContent).toContain("Fault");
    expect($('#devices tr[data-device-id="b"] td.value').textContent).toContain("4");
    renderBatch(store, view, batch({ devices: [device("a", { value: 70, status: "online" }, NOW + 1)] }), NOW + 1);
    expect(cell().textContent).toContain("70");
    expect(cell().getAttribute("data-quality")).toBe("good");
  });

  it("marks the cache's copy as unconfirmed even on a live link, until the plant confirms it", () => {
    renderSnapshot(
      store,
      view,
      snapshot({
        link: linkStatus("realtime"),
        devices: [{ ...device("a", { value: 1 }, NOW - 1), quality: { level: "uncertain", reason: "unconfirmed" } }],
      }),
      NOW,
    );
    const cell = $('#devices tr[data-device-id="a"] td.value');
    expect(cell.classList.contains("stale")).toBe(true);
    expect(cell.getAttribute("title")).toBe("Uncertain: from the cache, not yet confirmed by the plant");
    renderBatch(store, view, batch({ devices: [device("a", { value: 1 }, NOW - 1)] }), NOW);
    expect(cell.classList.contains("stale")).toBe(false);
  });

  it("never shows ON or OFF for a relay whose state could not be read", () => {
    renderSnapshot(store, view, snapshot({ relays: [relay("r", { state: true })] }), NOW);
    const state = () => $('#relays tr[data-relay-id="r"] td.state');
    expect(state().textContent).toContain("ON");
    renderBatch(
      store,
      view,
      batch({ relays: [{ ...relay("r", { state: true }), unreadable: ["state"], quality: BAD }] }),
      NOW,
    );
    expect(state().textContent).toContain("✖ state unreadable");
    expect(state().textContent).not.toContain("ON");
    expect($('#relays tr[data-relay-id="r"]').getAttribute("data-quality")).toBe("bad");
  });

  it("shows an unreadable server figure as a bad value", () => {
    renderSnapshot(
      store,
      view,
      snapshot({ system_stats: { ...stats(NOW), unreadable: ["cpu_percent"], quality: BAD } }),
      NOW,
    );
    expect($("#stat-cpu").textContent).toBe("✖ bad value");
    expect($("#stat-memory").textContent).toBe("40 %");
    expect($("#system-stats").getAttribute("data-quality")).toBe("bad");
  });

  it("shows the count of unusable data in a banner while it grows, and in Diagnostics", () => {
    renderSnapshot(store, view, snapshot(), NOW);
    expect($("#unusable-warning").hidden).toBe(true);
    const counts = { ...noUnusable(), frames: 1, items_unreadable: 4, session_items_unreadable: 2 };
    renderBatch(store, view, batch({ link: linkStatus("realtime", { unusable: counts }) }), NOW + 1);
    const banner = $("#unusable-warning");
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toContain("5 so far");
    expect(banner.textContent).toContain("unreadable values 4");
    view.tick(NOW + 1 + UNUSABLE_BANNER_S + 1);
    expect(banner.hidden).toBe(true);

    view.showDiagnostics(diagnosticsFixture({ link: linkStatus("realtime", { unusable: counts }) }), NOW);
    expect($("#diag-unusable-values").textContent).toBe("2 this session, 4 in total");
    expect($("#diag-unusable-frames").textContent).toBe("0 this session, 1 in total");
  });
});
