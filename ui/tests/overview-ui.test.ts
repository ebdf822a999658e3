// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from "vitest";
import { ConsoleStore } from "../src/state";
import type { ConsoleSnapshot, Limit } from "../src/types";
import { AppView } from "../src/views/app";
import { OverviewView } from "../src/views/overview";
import { Sparkline } from "../src/views/sparkline";
import { paneKey, PANES } from "../src/lib/prefs";
import { $, alarm, device, relay, renderSnapshot, snapshot, stats } from "./fixtures";

const NOW = 1005;

let store: ConsoleStore;
let view: AppView;

function memoryStorage(initial: Record<string, string> = {}): Pick<Storage, "getItem" | "setItem"> & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

function mount(storage: Pick<Storage, "getItem" | "setItem"> | null = null): void {
  document.body.replaceChildren();
  const root = document.createElement("div");
  root.id = "app";
  document.body.appendChild(root);
  store = new ConsoleStore(1000);
  view = new AppView(document, { storage });
  view.mount(root);
}

function load(snap: ConsoleSnapshot): void {
  renderSnapshot(store, view, snap, NOW);
}

function plant(): ConsoleSnapshot {
  return snapshot({
    devices: [
      device("b1", { name: "Boiler feed pump", zone: "Boiler house", status: "fault" }),
      device("b2", { name: "Boiler drum level", zone: "Boiler house" }),
      device("c1", { name: "Compressor", location: "Compressor room", zone: "Boiler house" }),
      device("k1", { name: "Spare sensor", kind: "sensor" }),
    ],
    relays: [relay("r1", { name: "Compressor", state: true }), relay("r2", { name: "Conveyor A Motor", state: false })],
    system_stats: stats(),
  });
}

function visibleDeviceIds(): string[] {
  return [...document.querySelectorAll("#devices tr[data-device-id]")].map((tr) => tr.getAttribute("data-device-id") ?? "");
}

beforeEach(() => mount());

describe("the plant overview", () => {
  it("is the first tab and the one a fresh window opens on", () => {
    const tabs = [...document.querySelectorAll("#view-tabs [role=tab]")].map((t) => t.id);
    expect(tabs[0]).toBe("tab-overview");
    expect(view.activeTab).toBe("overview");
    expect($("#tab-overview").getAttribute("aria-selected")).toBe("true");
    expect($("#view-overview").hidden).toBe(false);
    expect($("#view-plant").hidden).toBe(true);
  });

  it("shows one tile per area with its device count, abnormal count, worst priority and a sparkline", () => {
    load(plant());
    const areas = [...document.querySelectorAll("#overview [data-area]")].map((a) => a.getAttribute("data-area"));
    expect(areas).toEqual(["Boiler house", "Compressor room", "sensor"]);
    const boiler = $('#overview [data-area="Boiler house"]');
    expect(boiler.querySelector(".area-count")?.textContent).toBe("2 devices");
    expect(boiler.querySelector(".area-abnormal")?.textContent).toBe("1 abnormal");
    expect(boiler.querySelector(".area-abnormal")?.getAttribute("data-abnormal")).toBe("true");
    expect(boiler.querySelector(".area-priority")?.textContent).toBe("No alarm");
    expect(boiler.querySelector(".area-priority")?.getAttribute("data-abnormal")).toBe("false");
    expect(boiler.querySelector("svg.sparkline")).not.toBeNull();
    expect($('#overview [data-area="sensor"] .area-abnormal').getAttribute("data-abnormal")).toBe("false");
  });

  it("gives an area the worst priority of the alarms standing on its devices", () => {
    load(plant());
    renderSnapshot(store, view, plant(), NOW);
    const changes = store.applyAlarmList(
      [alarm(1, { source: "b2", priority: "medium" }), alarm(2, { source: "b1", priority: "critical" })],
      store.alarms.mark(),
    );
    view.render(store, changes, NOW);
    const chip = $('#overview [data-area="Boiler house"] .area-priority');
    expect(chip.textContent).not.toBe("No alarm");
    expect(chip.getAttribute("data-priority")).toBe("critical");
    expect(chip.getAttribute("data-state-indicator")).not.toBeNull();
    expect(chip.getAttribute("data-abnormal")).toBe("true");
  });

  it("opens the plant view on an area's devices, with a chip that clears the filter", () => {
    load(plant());
    ($('#overview [data-area="Boiler house"]') as HTMLButtonElement).click();
    expect(view.activeTab).toBe("plant");
    expect($("#tab-plant").getAttribute("aria-selected")).toBe("true");
    expect(visibleDeviceIds().sort()).toEqual(["b1", "b2"]);
    const chip = $("#device-area-chip") as HTMLButtonElement;
    expect(chip.hidden).toBe(false);
    expect(chip.getAttribute("data-area")).toBe("Boiler house");
    expect(chip.textContent).toContain("Boiler house");
    chip.click();
    expect(chip.hidden).toBe(true);
    expect(visibleDeviceIds().sort()).toEqual(["b1", "b2", "c1", "k1"]);
  });

  it("names the area of devices that name none and have no kind 'No area', and filters to it", () => {
    load(snapshot({ devices: [device("x", { kind: "" }), device("y", { zone: "North" })] }));
    const none = $('#overview [data-area=""]');
    expect(none.querySelector(".area-name")?.textContent).toBe("No area");
    (none as HTMLButtonElement).click();
    expect(visibleDeviceIds()).toEqual(["x"]);
  });

  it("loads nothing for a hidden overview and draws the areas when it is shown again", () => {
    load(plant());
    view.tabs.select("plant");
    renderSnapshot(store, view, snapshot({ devices: [device("n", { zone: "New area" })] }), NOW);
    expect(document.querySelector('#overview [data-area="New area"]')).toBeNull();
    view.tabs.select("overview");
    expect(document.querySelector('#overview [data-area="New area"]')).not.toBeNull();
  });
});

describe("the overview's sparklines", () => {
  it("draws an area's trend on its tile, labelled with the count now and the peak", () => {
    const overview = new OverviewView(document);
    document.body.appendChild(overview.element);
    overview.render([{ name: "North", deviceIds: ["a"], count: 1, abnormal: 0, worst: null }]);
    expect(overview.visibleAreas().map((a) => a.name)).toEqual(["North"]);
    overview.showTrend(
      "North",
      [
        [0, 3],
        [1800, 1],
      ],
      0,
      3600,
    );
    const svg = $('#overview [data-area="North"] svg.sparkline');
    expect(svg.querySelector("path")?.getAttribute("d")).not.toBe("");
    expect(svg.getAttribute("aria-label")).toBe("Abnormal devices over the last hour: now 1, at most 3");
  });

  it("says there is no history before a trend arrives", () => {
    const spark = new Sparkline(document);
    expect(spark.element.getAttribute("aria-label")).toBe("Abnormal devices over the last hour: no history yet");
    expect(spark.element.getAttribute("class")).toBe("sparkline");
  });
});

describe("normal and abnormal states", () => {
  it("marks normal device badges and relay ON and OFF as not abnormal, and faults as abnormal", () => {
    load(plant());
    view.tabs.select("plant");
    const badge = (id: string) => $(`#devices tr[data-device-id="${id}"] .badge`);
    expect(badge("b2").getAttribute("data-state-indicator")).toBe("device-status");
    expect(badge("b2").getAttribute("data-abnormal")).toBe("false");
    expect(badge("b2").className).not.toMatch(/fault|offline|unknown|alert|warn/);
    expect(badge("b1").getAttribute("data-abnormal")).toBe("true");
    const on = $('#relays tr[data-relay-id="r1"] .badge');
    const off = $('#relays tr[data-relay-id="r2"] .badge');
    for (const b of [on, off]) {
      expect(b.getAttribute("data-state-indicator")).toBe("relay-state");
      expect(b.getAttribute("data-abnormal")).toBe("false");
      expect(b.className).not.toMatch(/quality-bad|alert|warn/);
    }
  });

  it("marks every alarm priority chip as abnormal", () => {
    load(plant());
    const changes = store.applyAlarmList([alarm(1, { source: "b1", priority: "low" })], store.alarms.mark());
    view.render(store, changes, NOW);
    const chips = [...document.querySelectorAll("#alarms .badge.priority")];
    expect(chips.length).toBeGreaterThan(0);
    for (const c of chips) expect(c.getAttribute("data-abnormal")).toBe("true");
  });

  it("gives long relay and device names their whole text as the cell's title", () => {
    load(plant());
    expect($('#relays tr[data-relay-id="r2"] th').getAttribute("title")).toBe("Conveyor A Motor");
    expect($('#devices tr[data-device-id="b1"] th').getAttribute("title")).toBe("Boiler feed pump");
  });
});

describe("the analog bars", () => {
  const limits: Limit[] = [{ device_id: null, device_kind: "sensor", high: 50, low: 10, deadband: 0 }];

  it("draws each device's value against the site's limits, with HI beyond the high one", () => {
    load(snapshot({ devices: [device("t", { value: 80 }), device("u", { value: 30 })] }));
    view.useAlarmSettings({ limits } as never);
    view.tabs.select("plant");
    const meter = $('#devices tr[data-device-id="t"] [role="meter"]');
    expect(meter.hidden).toBe(false);
    expect(meter.getAttribute("data-basis")).toBe("limits");
    expect(meter.getAttribute("aria-label")).toContain("high limit 50");
    expect(meter.querySelector(".meter-flag")?.textContent).toBe("HI");
    const marker = meter.querySelector(".meter-marker");
    expect(marker?.getAttribute("data-abnormal")).toBe("true");
    expect(marker?.getAttribute("data-beyond")).toBe("high");
    const normal = $('#devices tr[data-device-id="u"] .meter-marker');
    expect(normal.getAttribute("data-abnormal")).toBe("false");
    expect(($('#devices tr[data-device-id="u"] .meter-flag') as HTMLElement).hidden).toBe(true);
  });

  it("draws a device without limits against the values seen, and says so", () => {
    load(snapshot({ devices: [device("t", { value: 5 })] }));
    renderSnapshot(store, view, snapshot({ devices: [device("t", { value: 15 })] }), NOW);
    const meter = $('#devices tr[data-device-id="t"] [role="meter"]');
    expect(meter.getAttribute("data-basis")).toBe("observed");
    expect(meter.querySelectorAll(".meter-limit:not([hidden])")).toHaveLength(0);
    expect(meter.getAttribute("aria-label")).toContain("no limits set");
  });

  it("draws no bar for a device without a value", () => {
    load(snapshot({ devices: [device("t", { value: null })] }));
    expect(($('#devices tr[data-device-id="t"] [role="meter"]') as HTMLElement).hidden).toBe(true);
  });
});

describe("the resizable panes", () => {
  it("are separators that the arrow keys move and that remember their size", () => {
    const storage = memoryStorage();
    mount(storage);
    const handle = $("#splitter-plant");
    expect(handle.getAttribute("role")).toBe("separator");
    expect(handle.getAttribute("aria-valuenow")).toBe(String(PANES.plant.initial));
    handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    expect(handle.getAttribute("aria-valuenow")).toBe(String(PANES.plant.initial + 2));
    expect(storage.data.get(paneKey("plant"))).toBe(String(PANES.plant.initial + 2));
    expect($("#view-plant").style.getPropertyValue("--pane-plant")).toBe(`${PANES.plant.initial + 2}%`);
    handle.dispatchEvent(new KeyboardEvent("keydown", { key: "End", bubbles: true }));
    expect(handle.getAttribute("aria-valuenow")).toBe(String(PANES.plant.max));
    mount(storage);
    expect($("#splitter-plant").getAttribute("aria-valuenow")).toBe(String(PANES.plant.max));
  });

  it("mirror the arrow keys in right-to-left, and move the alarm split with up and down", () => {
    mount(memoryStorage());
    document.documentElement.setAttribute("dir", "rtl");
    try {
      const handle = $("#splitter-plant");
      handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
      expect(handle.getAttribute("aria-valuenow")).toBe(String(PANES.plant.initial - 2));
    } finally {
      document.documentElement.setAttribute("dir", "ltr");
    }
    const alarms = $("#splitter-alarms");
    expect(alarms.getAttribute("aria-orientation")).toBe("horizontal");
    alarms.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    expect(alarms.getAttribute("aria-valuenow")).toBe(String(PANES.alarms.initial - 2));
  });

  it("start at their initial size when the stored one is not a number", () => {
    mount(memoryStorage({ [paneKey("plant")]: "wide", [paneKey("alarms")]: "9000" }));
    expect($("#splitter-plant").getAttribute("aria-valuenow")).toBe(String(PANES.plant.initial));
    expect($("#splitter-alarms").getAttribute("aria-valuenow")).toBe(String(PANES.alarms.max));
  });
});

describe("the display settings", () => {
  it("apply the theme and density chosen at once and remember them", () => {
    const storage = memoryStorage();
    mount(storage);
    expect(document.documentElement.getAttribute("data-theme")).toBe("dark");
    const theme = $("#settings-theme") as HTMLSelectElement;
    theme.value = "light";
    theme.dispatchEvent(new Event("change"));
    const density = $("#settings-density") as HTMLSelectElement;
    density.value = "compact";
    density.dispatchEvent(new Event("change"));
    expect(document.documentElement.getAttribute("data-theme")).toBe("light");
    expect(document.documentElement.getAttribute("data-density")).toBe("compact");
    expect(storage.data.get("plant-console.theme")).toBe("light");
    mount(storage);
    expect(($("#settings-theme") as HTMLSelectElement).value).toBe("light");
    expect(($("#settings-density") as HTMLSelectElement).value).toBe("compact");
    mount(null);
    expect(document.documentElement.getAttribute("data-theme")).toBe("dark");
  });
});
