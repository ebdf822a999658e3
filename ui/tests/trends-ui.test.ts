// @vitest-environment jsdom
// The Trends view in the page: built standalone with a fake source and a fake plot
// (jsdom has no canvas), and inside the whole window through the controller with the
// fake IPC: presets, zoom and pan by button, key, wheel and drag (data-since /
// data-until follow), the pen picker and its limit of eight, limits on the pens, the
// read-out, the exports through the save dialog, and "Open in Trends".

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller } from "../src/controllers";
import type { JoinedSeries } from "../src/lib/trend-pens";
import type { TimeRange } from "../src/lib/trend-range";
import { setLanguage } from "../src/strings";
import type { DeviceEntry, Gap, SaveDialogOptions, TrendData, TrendPen } from "../src/types";
import { AppView } from "../src/views/app";
import type { PlotEvents, PlotPen, TrendPlot } from "../src/views/trends-chart";
import { TrendsView, type TrendsSource } from "../src/views/trends";
import { fakeIpc } from "./fake-ipc";
import { device, snapshot } from "./fixtures";

const NOW = 1_764_750_000;

/** A plot that records what it was asked and lets the test play the pointer. */
class FakePlot implements TrendPlot {
  pens: readonly PlotPen[] = [];
  data: JoinedSeries | null = null;
  ranges: TimeRange[] = [];
  pngCalls = 0;
  constructor(readonly events: PlotEvents) {}
  setPens(pens: readonly PlotPen[]): void {
    this.pens = pens;
  }
  setData(data: JoinedSeries, _gaps: readonly Gap[], range: TimeRange): void {
    this.data = data;
    this.ranges.push(range);
  }
  setRange(range: TimeRange): void {
    this.ranges.push(range);
  }
  setSize(): void {}
  toPng(): string {
    this.pngCalls += 1;
    return "data:image/png;base64,iVBORw0KGgo=";
  }
  destroy(): void {}
}

interface Recorded {
  loads: { pens: readonly TrendPen[]; since: number; until: number; pixels: number }[];
  csv: { path: string; pens: readonly TrendPen[]; since: number; until: number }[];
  png: { path: string; png: string }[];
  dialogs: SaveDialogOptions[];
}

function source(rec: Recorded, answer: (pens: readonly TrendPen[]) => TrendData, path: string | null = "/home/op/trend.csv"): TrendsSource {
  return {
    load: (pens, since, until, pixels) => {
      rec.loads.push({ pens, since, until, pixels });
      return Promise.resolve(answer(pens));
    },
    exportCsv: (p, pens, since, until) => {
      rec.csv.push({ path: p, pens, since, until });
      return Promise.resolve(42);
    },
    exportPng: (p, png) => {
      rec.png.push({ path: p, png });
      return Promise.resolve(png.length);
    },
    chooseSavePath: (options) => {
      rec.dialogs.push(options);
      return Promise.resolve(path);
    },
  };
}

function entries(...list: DeviceEntry[]): Map<string, DeviceEntry> {
  return new Map(list.map((e) => [e.device.id, e]));
}

let plot: FakePlot | null;
let rec: Recorded;

function make(opts: { path?: string | null; answer?: (pens: readonly TrendPen[]) => TrendData } = {}): TrendsView {
  rec = { loads: [], csv: [], png: [], dialogs: [] };
  plot = null;
  const view = new TrendsView(document, {
    now: () => NOW,
    loadDelayMs: 0,
    plotFactory: (_host, events) => (plot = new FakePlot(events)),
  });
  const answer = opts.answer ?? ((pens) => ({ series: pens.map((pen) => ({ pen, points: [[NOW - 10, 5]] as [number, number | null][], reduced: false })), gaps: [] }));
  view.setSource(source(rec, answer, opts.path === undefined ? "/home/op/trend.csv" : opts.path));
  view.setDevices(entries(device("dev-01", { name: "Boiler 1", unit: "°C", kind: "temperature" }), device("dev-02", { name: "Pump 2" })));
  document.body.replaceChildren(view.element);
  view.show();
  return view;
}

const chart = () => document.getElementById("trend-chart")!;
const click = (selector: string) => (document.querySelector(selector) as HTMLButtonElement).click();
const since = () => Number(chart().getAttribute("data-since"));
const until = () => Number(chart().getAttribute("data-until"));
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(() => setLanguage("en"));
afterEach(() => document.body.replaceChildren());

describe("the Trends view", () => {
  it("shows the chosen preset in data-since and data-until, and every preset has its button", () => {
    make();
    expect(until() - since()).toBe(3600);
    for (const seconds of [900, 3600, 28_800, 86_400, 604_800]) {
      click(`#trend-range-${seconds}`);
      expect(until() - since()).toBe(seconds);
      expect(until()).toBe(NOW);
      expect(document.getElementById(`trend-range-${seconds}`)?.getAttribute("aria-pressed")).toBe("true");
    }
  });

  it("adds pens from the search, asks for them, and refuses a ninth", async () => {
    const view = make();
    const search = document.getElementById("trend-pen-search") as HTMLInputElement;
    search.value = "boiler";
    search.dispatchEvent(new Event("input"));
    click('[data-pen="device:dev-01"]');
    await flush();
    expect(view.pensShown).toEqual(["device:dev-01"]);
    expect(rec.loads.at(-1)?.pens).toEqual([{ kind: "device", device_id: "dev-01" }]);
    expect(rec.loads.at(-1)?.pixels).toBeGreaterThanOrEqual(100);
    for (const figure of ["cpu", "memory", "disk", "clients"]) view.addPen(`stats:${figure}`);
    for (let i = 0; i < 5; i++) view.addPen(`device:extra-${i}`);
    expect(view.pensShown).toHaveLength(8);
    expect(view.addPen("device:one-too-many")).toBe(false);
    expect(document.getElementById("trend-pen-note")?.textContent).toBe("At most 8 pens: remove one first.");
    // Each pen is listed with its marker and its axis; removing one asks again.
    expect(document.querySelectorAll("#trend-pens li")).toHaveLength(8);
    (document.querySelector('[data-remove-pen="stats:cpu"]') as HTMLButtonElement).click();
    expect(view.pensShown).not.toContain("stats:cpu");
  });

  it("zooms and pans with the buttons, the keys, the wheel and a drag, keeping data-since and data-until current", async () => {
    const view = make();
    view.addPen("stats:cpu");
    await flush();
    const width = () => until() - since();
    click("#trend-zoom-in");
    expect(width()).toBe(2400);
    click("#trend-zoom-out");
    expect(width()).toBe(3600);
    const key = (k: string, shiftKey = false) => chart().dispatchEvent(new KeyboardEvent("keydown", { key: k, shiftKey, bubbles: true }));
    key("+");
    expect(width()).toBe(2400);
    const before = since();
    key("ArrowLeft");
    expect(since()).toBe(before - 600);
    key("Home");
    expect([since(), until()]).toEqual([NOW - 3600, NOW]);
    plot!.events.wheel(-100, 1);
    expect(until()).toBe(NOW);
    expect(width()).toBe(2400);
    plot!.events.select(0, 250, 1000);
    expect([since(), until()]).toEqual([NOW - 2400, NOW - 1800]);
    plot!.events.pan(100, 1000);
    expect([since(), until()]).toEqual([NOW - 2460, NOW - 1860]);
    // The plot was moved on every step, before the data came.
    expect(plot!.ranges.length).toBeGreaterThan(8);
    await vi.waitFor(() => expect(rec.loads.at(-1)).toMatchObject({ since: NOW - 2460, until: NOW - 1860 }));
    expect(view.getState()).toEqual({ pens: ["stats:cpu"], since: NOW - 2460, until: NOW - 1860 });
  });

  it("draws a device pen's limits from the settings on its axis, labelled", () => {
    const view = make();
    view.setLimits([
      { device_id: null, device_kind: "temperature", high: 80, low: 20, deadband: 1 },
      { device_id: "dev-02", device_kind: null, high: null, low: 5, deadband: 1 },
    ]);
    view.addPen("device:dev-01");
    view.addPen("device:dev-02");
    view.addPen("stats:cpu");
    expect(plot!.pens.map((p) => p.limits)).toEqual([
      [
        { value: 80, label: "HI 80" },
        { value: 20, label: "LO 20" },
      ],
      [{ value: 5, label: "LO 5" }],
      [],
    ]);
    expect(plot!.pens.map((p) => p.name)).toEqual(["Boiler 1", "Pump 2", "Server CPU"]);
  });

  it("reads each pen's value at the pointer as text", async () => {
    make().addPen("device:dev-01");
    await flush();
    plot!.events.cursor(NOW - 5);
    expect(document.getElementById("trend-readout")?.textContent).toMatch(/● Boiler 1: 5 °C$/);
    plot!.events.cursor(null);
    expect(document.getElementById("trend-readout")?.textContent).toBe("Point at the chart to read each pen's value at that time.");
  });

  it("exports the range shown as CSV and the chart as PNG through the save dialog", async () => {
    const view = make();
    view.addPen("stats:cpu");
    await flush();
    await view.exportCsv();
    expect(rec.dialogs[0]?.filters).toEqual([{ name: "CSV file", extensions: ["csv"] }]);
    expect(rec.csv).toEqual([{ path: "/home/op/trend.csv", pens: [{ kind: "stats", figure: "cpu" }], since: NOW - 3600, until: NOW }]);
    expect(document.getElementById("trend-status")?.textContent).toBe("42 rows saved to \u2068/home/op/trend.csv\u2069");
    click("#trend-export-png");
    await vi.waitFor(() => expect(rec.png).toHaveLength(1));
    expect(rec.png[0]?.png.startsWith("data:image/png;base64,")).toBe(true);
    expect(rec.dialogs[1]?.filters[0]?.extensions).toEqual(["png"]);
  });

  it("writes nothing when the save dialog is cancelled, and says why an export failed", async () => {
    const view = make({ path: null });
    view.addPen("stats:cpu");
    await view.exportCsv();
    expect(rec.csv).toEqual([]);
    view.setSource({
      ...source(rec, () => ({ series: [], gaps: [] })),
      exportPng: () => Promise.reject({ code: "invalid_trend", message: "the chart image is not a PNG" }),
    });
    await view.exportPng();
    expect(document.getElementById("trend-status")?.textContent).toBe("The export failed: the chart image is not a PNG");
  });

  it("says a trend that could not be loaded could not, with the console's words as text", async () => {
    rec = { loads: [], csv: [], png: [], dialogs: [] };
    const view = make();
    view.setSource({ ...source(rec, () => ({ series: [], gaps: [] })), load: () => Promise.reject({ code: "invalid_trend", message: "<b>no</b>" }) });
    view.addPen("stats:disk");
    await flush();
    expect(document.getElementById("trend-status")?.textContent).toBe("The trend could not be loaded: <b>no</b>");
    expect(document.querySelector("#trend-status b")).toBeNull();
  });

  it("is built from a trend window's query and gives its state back as one", () => {
    const view = TrendsView.fromQuery(document, "pens=device:dev-01,stats:cpu&range=900", { now: () => NOW, plotFactory: (_h, e) => new FakePlot(e) });
    expect(view.getState()).toEqual({ pens: ["device:dev-01", "stats:cpu"], since: NOW - 900, until: NOW });
    expect(view.toQuery()).toBe(`pens=device%3Adev-01%2Cstats%3Acpu&since=${NOW - 900}&until=${NOW}`);
  });

  it("labels its controls in Persian too", () => {
    make();
    setLanguage("fa");
    expect(document.getElementById("trend-range-604800")?.textContent).toBe("۷ روز");
    expect(document.getElementById("trend-export-csv")?.textContent).toBe("خروجی CSV");
    expect(document.getElementById("trend-zoom-in")?.getAttribute("aria-label")).toBe("بزرگ‌نمایی");
    setLanguage("en");
    expect(document.getElementById("trend-zoom-in")?.getAttribute("aria-label")).toBe("Zoom in");
  });
});

describe("Open in Trends", () => {
  it("adds the server figure or the open device as a pen and shows the Trends tab", async () => {
    const ipc = fakeIpc();
    const view = new AppView(document);
    view.mount(document.body);
    const controller = new Controller({ ipc, view, now: () => NOW });
    const started = controller.start();
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
    ipc.resolveSnapshot(snapshot({ devices: [device("dev-01", { name: "Boiler 1" })] }));
    await started;
    (document.getElementById("stats-open-trend-cpu") as HTMLButtonElement).click();
    expect(view.activeTab).toBe("trends");
    expect(view.trends.pensShown).toEqual(["stats:cpu"]);
    expect(document.activeElement?.id).toBe("trend-chart");
    // The device table draws its rows on the next frame after the snapshot (and the
    // session's answer before it): open the device once its row is there.
    await vi.waitFor(() => {
      view.openDevice("dev-01");
      expect(view.details.deviceId).toBe("dev-01");
    });
    (document.getElementById("device-open-trend") as HTMLButtonElement).click();
    expect(view.trends.pensShown).toEqual(["stats:cpu", "device:dev-01"]);
    await vi.waitFor(() => expect(ipc.trendCalls.length).toBeGreaterThan(0));
    expect(ipc.trendCalls.at(-1)?.pens).toEqual([
      { kind: "stats", figure: "cpu" },
      { kind: "device", device_id: "dev-01" },
    ]);
    controller.stop();
    view.dispose();
  });
});

describe("a Trends chart whose library fails to load", () => {
  it("says the chart cannot be drawn, and keeps saying it when data comes", async () => {
    const view = make();
    plot!.events.failed("RangeError: invalid language tag: C");
    const status = document.getElementById("trend-status")!;
    expect(status.hidden).toBe(false);
    expect(status.textContent).toBe("The chart cannot be drawn in this window.");
    view.addPen("device:dev-01");
    await flush();
    expect(rec.loads.length).toBeGreaterThan(0);
    expect(status.hidden).toBe(false);
    expect(status.textContent).toBe("The chart cannot be drawn in this window.");
  });
});
