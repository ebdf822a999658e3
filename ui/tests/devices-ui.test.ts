// @vitest-environment jsdom
// The devices view in the page: virtualization with 10 000 devices, search,
// filters, sorting, keyboard, stale-by-age and the details panel.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller } from "../src/controllers";
import { ConsoleStore, type ChangeSet } from "../src/state";
import type { ConsoleSnapshot, UpdateBatch } from "../src/types";
import { AppView } from "../src/views/app";
import { OVERSCAN, ROW_HEIGHT } from "../src/views/devices";
import { fakeIpc, type FakeIpc } from "./fake-ipc";
import { $, alertStatus, batch, device, HOSTILE, linkStatus, renderBatch, renderSnapshot, snapshot } from "./fixtures";

const NOW = 10_000;

let store: ConsoleStore;
let view: AppView;

function load(snap: ConsoleSnapshot, now = NOW): ChangeSet {
  return renderSnapshot(store, view, snap, now);
}

function update(b: UpdateBatch, now = NOW): void {
  renderBatch(store, view, b, now);
}

function rows(): HTMLTableRowElement[] {
  return [...document.querySelectorAll<HTMLTableRowElement>("#devices tbody tr[data-device-id]")];
}

function rowIds(): string[] {
  return rows().map((tr) => tr.getAttribute("data-device-id") ?? "");
}

function manyDevices(n: number) {
  return Array.from({ length: n }, (_, i) =>
    device(`d${i}`, { name: `Sensor ${i}`, kind: i % 2 === 0 ? "temperature" : "pressure", value: i, status: i % 10 === 0 ? "fault" : "online" }, NOW - 1),
  );
}

function scrollTo(top: number): void {
  const scroller = $("#devices-scroll");
  scroller.scrollTop = top;
  scroller.dispatchEvent(new Event("scroll"));
}

function type(selector: string, value: string, event = "input"): void {
  const input = $(selector) as HTMLInputElement | HTMLSelectElement;
  input.value = value;
  input.dispatchEvent(new Event(event));
}

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

describe("virtualized device rows", () => {
  it("renders 10 000 devices with fewer than 100 rows in the DOM, and a spacer for the rest", { timeout: 30_000 }, () => {
    load(snapshot({ devices: manyDevices(10_000) }));
    expect(rows().length).toBeGreaterThan(10);
    expect(rows().length).toBeLessThan(100);
    expect(rowIds().slice(0, 3)).toEqual(["d0", "d1", "d2"]);
    expect($("#devices-summary").textContent).toBe("10000 total · 1000 fault · 0 offline");
    const after = $("#devices tr.virtual-after td");
    expect(after.style.height).toBe(`${(10_000 - rows().length) * ROW_HEIGHT}px`);
    expect($("#devices tr.virtual-before").hidden).toBe(true);
    // Every rendered row keeps its cells and classes.
    const row = $('#devices tr[data-device-id="d1"]');
    expect(row.querySelector("td.value .value-text")?.textContent).toBe("1 °C");
    expect(row.querySelector("td.age")?.textContent).toBe("1 s");
    expect(row.querySelector("button.shelve-device")).not.toBeNull();
  });

  it("shows the rows of the scroll position and drops the others", { timeout: 30_000 }, () => {
    load(snapshot({ devices: manyDevices(10_000) }));
    scrollTo(5_000 * ROW_HEIGHT);
    const ids = rowIds();
    expect(ids.length).toBeLessThan(100);
    expect(ids[0]).toBe(`d${5_000 - OVERSCAN}`);
    expect(ids).toContain("d5000");
    expect(document.querySelector('#devices tr[data-device-id="d0"]')).toBeNull();
    expect($("#devices tr.virtual-before td").style.height).toBe(`${(5_000 - OVERSCAN) * ROW_HEIGHT}px`);
    // Sorted by name, numbers in numeric order: the rows are consecutive.
    const n = ids.map((id) => Number(id.slice(1)));
    expect(n).toEqual(n.map((_, i) => (n[0] ?? 0) + i));
  });

  it("updates a visible row in place and moves only what changed place", () => {
    load(snapshot({ devices: manyDevices(500) }));
    const d3 = $('#devices tr[data-device-id="d3"]');
    update(batch({ devices: [device("d3", { name: "Sensor 3", value: 42 }, NOW)] }));
    expect($('#devices tr[data-device-id="d3"]')).toBe(d3);
    expect(d3.querySelector(".value-text")?.textContent).toBe("42 °C");
    // Renamed to the top: the same element moves.
    update(batch({ devices: [device("d3", { name: "AAA first", value: 42 }, NOW)] }));
    expect(rowIds()[0]).toBe("d3");
    expect($('#devices tr[data-device-id="d3"]')).toBe(d3);
    update(batch({ removed_devices: ["d3"] }));
    expect(document.querySelector('#devices tr[data-device-id="d3"]')).toBeNull();
    expect($("#devices-summary").textContent).toBe("499 total · 50 fault · 0 offline");
  });
});

describe("search, filters and sorting", () => {
  const plant = [
    device("p1", { name: "Pump 1", kind: "motor", status: "online", value: 5 }, NOW - 5),
    device("p2", { name: "Pump 2", kind: "motor", status: "fault", value: 50 }, NOW - 1),
    device("b1", { name: "Boiler", kind: "temperature", status: "offline", value: 71.5 }, NOW - 30),
    device("v1", { name: "Valve", kind: "valve", status: "online", value: null }, NOW - 2),
  ];

  it("searches name, id and kind, ignoring case", () => {
    load(snapshot({ devices: plant }));
    type("#device-search", "PUMP");
    expect(rowIds()).toEqual(["p1", "p2"]);
    expect($("#devices-shown").hidden).toBe(false);
    expect($("#devices-shown").textContent).toBe("Showing 2 of 4");
    type("#device-search", "b1");
    expect(rowIds()).toEqual(["b1"]);
    type("#device-search", "VALV");
    expect(rowIds()).toEqual(["v1"]);
    type("#device-search", "zzz");
    expect(rowIds()).toEqual([]);
    expect($("#devices-no-match").hidden).toBe(false);
    type("#device-search", "");
    expect(rowIds()).toEqual(["b1", "p1", "p2", "v1"]);
    expect($("#devices-shown").hidden).toBe(true);
  });

  it("filters by status and by kind; the kinds come from the data", () => {
    load(snapshot({ devices: plant }));
    const kinds = [...($("#device-kind-filter") as HTMLSelectElement).options].map((o) => o.value);
    expect(kinds).toEqual(["", "motor", "temperature", "valve"]);
    const statuses = [...($("#device-status-filter") as HTMLSelectElement).options].map((o) => o.value);
    expect(statuses).toEqual(["", "online", "offline", "fault", "unknown"]);
    type("#device-status-filter", "online", "change");
    expect(rowIds()).toEqual(["p1", "v1"]);
    type("#device-kind-filter", "motor", "change");
    expect(rowIds()).toEqual(["p1"]);
    // A device that starts to match comes in with the next batch.
    update(batch({ devices: [device("p2", { name: "Pump 2", kind: "motor", status: "online", value: 50 }, NOW)] }));
    expect(rowIds()).toEqual(["p1", "p2"]);
    // A new kind appears among the options; the chosen one stays chosen.
    update(batch({ devices: [device("c1", { name: "Conveyor", kind: "belt" })] }));
    expect([...($("#device-kind-filter") as HTMLSelectElement).options].map((o) => o.value)).toEqual([
      "",
      "belt",
      "motor",
      "temperature",
      "valve",
    ]);
    expect(($("#device-kind-filter") as HTMLSelectElement).value).toBe("motor");
  });

  it("sorts by the column headers, with aria-sort saying how", () => {
    load(snapshot({ devices: plant }));
    const header = (key: string) => $(`#devices th button.sort-button[data-sort-key="${key}"]`);
    const sortOf = (key: string) => header(key).closest("th")?.getAttribute("aria-sort") ?? null;
    expect(sortOf("name")).toBe("ascending");
    header("value").click();
    expect(sortOf("value")).toBe("ascending");
    expect(sortOf("name")).toBeNull();
    expect(rowIds()).toEqual(["p1", "p2", "b1", "v1"]);
    header("value").click();
    expect(sortOf("value")).toBe("descending");
    expect(rowIds()).toEqual(["b1", "p2", "p1", "v1"]);
    header("status").click();
    expect(rowIds()).toEqual(["p2", "b1", "p1", "v1"]);
    header("age").click();
    expect(rowIds()).toEqual(["p2", "v1", "p1", "b1"]);
    header("kind").click();
    expect(rowIds()).toEqual(["p1", "p2", "b1", "v1"]);
    header("name").click();
    expect(rowIds()).toEqual(["b1", "p1", "p2", "v1"]);
    expect(header("name").tagName).toBe("BUTTON");
  });
});

describe("stale values", () => {
  it("marks a value unconfirmed when it is older than 10 minutes, even on a live link", () => {
    load(snapshot({ link: linkStatus("realtime"), devices: [device("old", {}, NOW - 601), device("new", {}, NOW - 10)] }));
    const old = $('#devices tr[data-device-id="old"] td.value');
    const fresh = $('#devices tr[data-device-id="new"] td.value');
    expect(old.classList.contains("stale")).toBe(true);
    expect(old.getAttribute("data-stale")).toBe("age");
    expect(old.getAttribute("title")).toBe("Unconfirmed: not updated for 10 min, this value may be out of date");
    expect(fresh.classList.contains("stale")).toBe(false);
    view.tick(NOW + 600);
    expect(fresh.classList.contains("stale")).toBe(true);
    update(batch({ devices: [device("old", {}, NOW + 600)] }), NOW + 600);
    expect(old.classList.contains("stale")).toBe(false);
  });

  it("says the link is the reason while it is down", () => {
    load(snapshot({ link: linkStatus("offline"), devices: [device("old", {}, NOW - 601)] }));
    const cell = $('#devices tr[data-device-id="old"] td.value');
    expect(cell.getAttribute("data-stale")).toBe("link");
    expect(cell.getAttribute("title")).toMatch(/link is not live/);
  });
});

describe("keyboard", () => {
  it("moves between rows with the arrows (one row in the tab order) and opens details with Enter", () => {
    load(snapshot({ devices: manyDevices(200) }));
    const first = $('#devices tr[data-device-id="d0"]');
    expect(first.getAttribute("tabindex")).toBe("0");
    expect(rows().filter((tr) => tr.getAttribute("tabindex") === "0")).toHaveLength(1);
    first.focus();
    first.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement?.getAttribute("data-device-id")).toBe("d1");
    expect(rows().filter((tr) => tr.getAttribute("tabindex") === "0").map((tr) => tr.getAttribute("data-device-id"))).toEqual(["d1"]);
    (document.activeElement as HTMLElement).dispatchEvent(new KeyboardEvent("keydown", { key: "End", bubbles: true }));
    expect(document.activeElement?.getAttribute("data-device-id")).toBe("d199");
    expect(rows().length).toBeLessThan(100);
    (document.activeElement as HTMLElement).dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect($("#device-details").hidden).toBe(false);
    expect($("#device-details-heading").textContent).toBe("Device Sensor 199");
    expect(document.activeElement?.getAttribute("data-device-id")).toBe("d199");
  });
});

describe("focus across updates", () => {
  it("keeps the focus on a row that batches move", () => {
    load(snapshot({ devices: manyDevices(50) }));
    $('#devices th button.sort-button[data-sort-key="age"]').click();
    const row = $('#devices tr[data-device-id="d7"]');
    row.focus();
    update(batch({ devices: [device("d7", { name: "Sensor 7", value: 1 }, NOW + 5)] }), NOW + 5);
    expect(rowIds()[0]).toBe("d7");
    update(batch({ devices: [device("d9", { name: "Sensor 9", value: 1 }, NOW + 6)] }), NOW + 6);
    expect(rowIds().slice(0, 2)).toEqual(["d9", "d7"]);
    expect(document.activeElement).toBe(row);
  });

  it("moves the focus to the table when its row leaves the DOM", () => {
    load(snapshot({ devices: manyDevices(50) }));
    $('#devices tr[data-device-id="d3"]').focus();
    update(batch({ removed_devices: ["d3"] }));
    expect(document.activeElement?.id).toBe("devices-scroll");
  });
});

describe("device details", () => {
  it("opens on a click on a row and shows every field the server sent, as text", () => {
    load(
      snapshot({
        devices: [
          device(
            "evil",
            { name: HOSTILE, kind: HOSTILE, unit: "bar", value: 2.5, firmware: "1.2.3", [HOSTILE]: HOSTILE, nested: { a: [1, "<b>x</b>"] }, flag: true, nothing: null },
            NOW - 3,
          ),
        ],
      }),
    );
    expect($("#device-details").hidden).toBe(true);
    ($('#devices tr[data-device-id="evil"] td.kind') as HTMLElement).click();
    expect($("#device-details").hidden).toBe(false);
    expect($('#devices tr[data-device-id="evil"]').classList.contains("selected")).toBe(true);
    const field = (key: string) =>
      [...document.querySelectorAll("#device-details-fields .field")].find((f) => f.getAttribute("data-field") === key);
    const value = (key: string) => field(key)?.querySelector("dd")?.textContent;
    expect(value("id")).toBe("evil");
    expect(value("name")).toBe(HOSTILE);
    expect(value("kind")).toBe(HOSTILE);
    expect(value("value")).toBe("2.5");
    expect(value("unit")).toBe("bar");
    expect(value("status")).toBe("online");
    expect(value("last_seen")).toBe(String(NOW - 3));
    expect(value("firmware")).toBe("1.2.3");
    expect(value("nested")).toBe('{"a":[1,"<b>x</b>"]}');
    expect(value("flag")).toBe("true");
    expect(value("nothing")).toBe("null");
    expect(field(HOSTILE)?.querySelector("dt")?.textContent).toBe(HOSTILE);
    expect(value(HOSTILE)).toBe(HOSTILE);
    expect(field("firmware")?.classList.contains("extra")).toBe(true);
    expect(field("name")?.classList.contains("extra")).toBe(false);
    expect($("#device-details-heading").textContent).toBe(`Device ${HOSTILE}`);
    expect(document.querySelector("img")).toBeNull();
    expect(document.querySelector("b")).toBeNull();
  });

  it("follows the device's updates and says when it is gone; Close and Escape close it", () => {
    load(snapshot({ devices: [device("a", { name: "Alpha", value: 1 }), device("b", { name: "Bravo" })] }));
    $('#devices tr[data-device-id="a"] th').click();
    update(batch({ devices: [device("a", { name: "Alpha", value: 7, extra_field: "new" })] }));
    const values = [...document.querySelectorAll("#device-details-fields dd")].map((dd) => dd.textContent);
    expect(values).toContain("7");
    expect(values).toContain("new");
    update(batch({ removed_devices: ["a"] }));
    expect($("#device-details-removed").hidden).toBe(false);
    ($("#device-details-close") as HTMLButtonElement).click();
    expect($("#device-details").hidden).toBe(true);
    expect(document.querySelector("#devices tr.selected")).toBeNull();
    $('#devices tr[data-device-id="b"] th').click();
    $("#device-details").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect($("#device-details").hidden).toBe(true);
  });
});

describe("details through the controller", () => {
  let ipc: FakeIpc;
  let controller: Controller;

  beforeEach(async () => {
    ipc = fakeIpc();
    controller = new Controller({ ipc, view, now: () => NOW, scheduleFrame: (cb) => cb(), retryMinMs: 10 });
    const started = controller.start();
    await vi.waitFor(() => expect(ipc.snapshotCalls).toBe(1));
    ipc.resolveSnapshot(snapshot({ devices: [device("pump-1", { name: "Pump 1", value: 3 }, NOW - 1)] }));
    await started;
  });

  afterEach(() => controller.stop());

  it("loads the last hour of the device's values and draws them, broken at nulls and gaps", async () => {
    ipc.deviceTrendAnswer = (id) =>
      Promise.resolve({
        device_id: id,
        points: [
          [NOW - 3000, 1],
          [NOW - 2900, 2],
          [NOW - 2800, null],
          [NOW - 2000, 3],
          [NOW - 1000, 4],
          [NOW - 10, 5],
        ],
        gaps: [{ start: NOW - 1800, end: NOW - 1200 }],
      });
    $('#devices tr[data-device-id="pump-1"] th').click();
    expect(ipc.deviceTrendCalls).toEqual([{ deviceId: "pump-1", since: NOW - 3600, until: NOW }]);
    await vi.waitFor(() => expect($("#device-trend").getAttribute("data-runs")).toBe("3"));
    const path = $("#device-trend path.chart-line").getAttribute("d") ?? "";
    expect(path.split("M").length - 1).toBe(3);
    expect(document.querySelectorAll("#device-trend rect.chart-gap")).toHaveLength(1);
    expect($("#device-trend").getAttribute("aria-label")).toContain("Value over the last hour");
  });

  it("shelves the device from its details", async () => {
    ipc.statusAnswer = () => Promise.resolve(alertStatus({ shelved: [{ subject: "pump-1", until: NOW + 900 }] }));
    $('#devices tr[data-device-id="pump-1"] th').click();
    const shelve = $("#device-details-shelve") as HTMLButtonElement;
    expect(shelve.getAttribute("aria-label")).toBe("Shelve the alerts of Pump 1 for 15 minutes");
    shelve.click();
    expect(ipc.shelveCalls).toEqual([{ deviceId: "pump-1", minutes: 15 }]);
    expect(shelve.disabled).toBe(true);
    await vi.waitFor(() => expect(shelve.disabled).toBe(false));
    expect($("#device-details .shelved").hidden).toBe(false);
    expect($('#devices tr[data-device-id="pump-1"]').getAttribute("data-shelved-until")).toBe(String(NOW + 900));
  });
});
