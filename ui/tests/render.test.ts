// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from "vitest";
import { ConsoleStore, type ChangeSet } from "../src/state";
import type { ConsoleSnapshot, UpdateBatch } from "../src/types";
import { AppView } from "../src/views/app";
import { diagnosticsFixture } from "./fake-ipc";
import { $, batch, device, HOSTILE, linkStatus, relay, renderBatch, renderSnapshot, snapshot, stats } from "./fixtures";

const NOW = 1005;

let store: ConsoleStore;
let view: AppView;

function load(snap: ConsoleSnapshot, now = NOW): ChangeSet {
  return renderSnapshot(store, view, snap, now);
}

function update(b: UpdateBatch, now = NOW): void {
  renderBatch(store, view, b, now);
}

function deviceNames(): string[] {
  return [...document.querySelectorAll("#devices tbody tr[data-device-id]")].map((tr) => tr.querySelector("th")?.textContent ?? "");
}

beforeEach(() => {
  document.body.replaceChildren();
  const root = document.createElement("div");
  root.id = "app";
  document.body.appendChild(root);
  store = new ConsoleStore(1000);
  view = new AppView(document);
  view.mount(root);
});

describe("rendering hostile strings", () => {
  it("shows a device named like an HTML tag literally and creates no element from it", () => {
    load(snapshot({ devices: [device("evil", { name: HOSTILE })] }));
    const cell = $('#devices tr[data-device-id="evil"] th');
    expect(cell.textContent).toBe(HOSTILE);
    expect(document.querySelector("img")).toBeNull();
    expect(document.querySelectorAll("#devices tbody tr[data-device-id]")).toHaveLength(1);
  });

  it("shows every other server string literally too", () => {
    load(
      snapshot({
        server_url: HOSTILE,
        link: linkStatus("offline", { detail: HOSTILE }),
        devices: [device(HOSTILE, { kind: HOSTILE, unit: HOSTILE, status: HOSTILE as "online", extra: HOSTILE })],
        relays: [relay("r", { name: HOSTILE, changed_by: HOSTILE })],
      }),
    );
    expect($("#server-url").textContent).toBe(HOSTILE);
    expect($("#link-detail").textContent).toBe(HOSTILE);
    const row = $("#devices tbody tr[data-device-id]");
    expect(row.getAttribute("data-device-id")).toBe(HOSTILE);
    expect(row.querySelector(".kind")?.textContent).toBe(HOSTILE);
    expect(row.querySelector(".value-text")?.textContent).toBe(`1 ${HOSTILE}`);
    expect(row.querySelector(".badge")?.textContent).toBe(HOSTILE);
    expect($('#relays tr[data-relay-id="r"] th').textContent).toBe(HOSTILE);
    expect($('#relays tr[data-relay-id="r"] .changed-by').textContent).toBe(HOSTILE);
    expect(document.querySelector("img")).toBeNull();
  });
});

describe("the address the link is on", () => {
  const standby = {
    address: "http://plant-b:5000",
    address_index: 1,
    address_role: "standby" as const,
    addresses: 2,
    failovers: 1,
    last_failover_at: 990,
    last_failover_from: "http://plant-a:5000",
  };

  it("shows the standby and the failover in the link banner, as text", () => {
    load(snapshot({ link: linkStatus("realtime") }));
    expect($("#link-address").hidden).toBe(true);
    update(batch({ link: linkStatus("realtime", standby) }));
    const shown = $("#link-address");
    expect(shown.hidden).toBe(false);
    expect(shown.textContent).toContain("on standby");
    expect(shown.textContent).toContain("http://plant-b:5000");
    expect(shown.textContent).toContain("1 failover");
    expect(shown.getAttribute("data-failovers")).toBe("1");
    update(batch({ link: linkStatus("realtime", { ...standby, address: HOSTILE }) }));
    expect($("#link-address").textContent).toContain(HOSTILE);
    expect(document.querySelector("img")).toBeNull();
  });

  it("shows the address and the failovers in Diagnostics", () => {
    load(snapshot());
    view.showDiagnostics(diagnosticsFixture({ link: linkStatus("realtime", standby) }), NOW);
    expect($("#diag-address").textContent).toContain("http://plant-b:5000");
    expect($("#diag-failovers").textContent).toContain("1 failover");
    view.showDiagnostics(diagnosticsFixture({ link: linkStatus("realtime") }), NOW);
    expect($("#diag-failovers").textContent).toBe("none");
  });
});

describe("header", () => {
  it("shows the link mode in data-mode and as text", () => {
    load(snapshot({ link: linkStatus("realtime") }));
    expect($("#link-status").getAttribute("data-mode")).toBe("realtime");
    expect($("#link-status").textContent).toBe("Real-time");

    update(batch({ link: linkStatus("fallback") }));
    expect($("#link-status").getAttribute("data-mode")).toBe("fallback");
    expect($("#link-status").textContent).toBe("HTTP fallback");
  });

  it("counts the seconds since the last message while stale", () => {
    load(snapshot({ link: linkStatus("stale", { last_message_at: 990 }) }), 1000);
    expect($("#link-status").textContent).toBe("Stale — last message 10 s ago");
    view.tick(1003);
    expect($("#link-status").textContent).toBe("Stale — last message 13 s ago");
  });

  it("shows Connecting… before any snapshot", () => {
    expect($("#link-status").getAttribute("data-mode")).toBe("connecting");
    expect($("#link-status").textContent).toBe("Connecting…");
  });

  it("shows the demo banner only for a demo plant", () => {
    load(snapshot({ demo: false }));
    expect(document.getElementById("demo-banner")).toBeNull();
    load(snapshot({ demo: true }));
    expect($("#demo-banner").textContent).toBe("DEMO PLANT — simulated devices, not a real plant");
    load(snapshot({ demo: false }));
    expect(document.getElementById("demo-banner")).toBeNull();
  });

  it("warns for the whole session when the local cache was damaged and set aside", () => {
    load(snapshot());
    expect($("#cache-recovered").hidden).toBe(true);
    const path = "/home/op/.local/share/plant-console/console.db.corrupt-20260301T081500Z";
    load(snapshot({ recovered_from: path }));
    expect($("#cache-recovered").hidden).toBe(false);
    expect($("#cache-recovered").textContent).toBe(
      `⚠ The local cache was damaged and has been set aside (${path}); a fresh cache was started.`,
    );
    expect($("#cache-recovered").querySelector("button")).toBeNull();
    load(snapshot({ recovered_from: HOSTILE }));
    expect($("#cache-recovered").textContent).toContain(HOSTILE);
    expect(document.querySelector("img")).toBeNull();
  });

  it("says since when the cache is not saved while the disk is full, and clears it once saved", () => {
    load(snapshot());
    expect($("#cache-unsaved").hidden).toBe(true);
    const since = new Date(2026, 2, 1, 8, 15, 0).getTime() / 1000;
    update(batch({ cache: { unsaved_since: since, problem: "database or disk is full" } }));
    expect($("#cache-unsaved").hidden).toBe(false);
    expect($("#cache-unsaved").textContent).toBe(
      "⚠ Cache not saved since 08:15: database or disk is full. Nothing is lost yet: the changes are kept and saved as soon as the disk has room.",
    );
    update(batch({ cache: { unsaved_since: since, problem: HOSTILE } }));
    expect($("#cache-unsaved").textContent).toContain(HOSTILE);
    expect(document.querySelector("img")).toBeNull();
    // A batch without a cache status leaves the notice as it is.
    update(batch({ devices: [device("d1")] }));
    expect($("#cache-unsaved").hidden).toBe(false);
    update(batch({ cache: { unsaved_since: null, problem: null } }));
    expect($("#cache-unsaved").hidden).toBe(true);
  });

  it("shows the server URL", () => {
    load(snapshot({ server_url: "https://10.0.0.5:5000" }));
    expect($("#server-url").textContent).toBe("https://10.0.0.5:5000");
  });
});

describe("devices table", () => {
  it("renders name, kind, status, value with unit and age", () => {
    load(snapshot({ devices: [device("t1", { name: "Boiler", kind: "temperature", value: 71.5, unit: "°C" }, 1000)] }), 1003);
    const row = $('#devices tr[data-device-id="t1"]');
    expect(row.querySelector("th")?.getAttribute("scope")).toBe("row");
    expect(row.querySelector("th")?.textContent).toBe("Boiler");
    expect(row.querySelector(".kind")?.textContent).toBe("temperature");
    expect(row.querySelector(".badge")?.textContent).toBe("Online");
    expect(row.querySelector(".badge")?.classList.contains("status-online")).toBe(true);
    expect(row.getAttribute("data-status")).toBe("online");
    expect(row.querySelector(".value-text")?.textContent).toBe("71.5 °C");
    expect(row.querySelector(".age")?.textContent).toBe("3 s");
  });

  it("shows a dash for a missing value", () => {
    load(snapshot({ devices: [device("x", { value: null })] }));
    expect($('#devices tr[data-device-id="x"] .value-text').textContent).toBe("—");
  });

  it("refreshes the ages every tick", () => {
    load(snapshot({ devices: [device("x", {}, 1000)] }), 1000);
    view.tick(1125);
    expect($('#devices tr[data-device-id="x"] .age').textContent).toBe("2 min");
  });

  it("sorts rows by name, numbers in names in numeric order", () => {
    load(
      snapshot({
        devices: [
          device("1", { name: "Pump 10" }),
          device("2", { name: "pump 2" }),
          device("3", { name: "Boiler" }),
        ],
      }),
    );
    expect(deviceNames()).toEqual(["Boiler", "pump 2", "Pump 10"]);
    update(batch({ devices: [device("4", { name: "Conveyor" }), device("3", { name: "Valve" })] }));
    expect(deviceNames()).toEqual(["Conveyor", "pump 2", "Pump 10", "Valve"]);
  });

  it("updates a row in place instead of re-creating it", () => {
    load(snapshot({ devices: [device("a", { value: 1 }), device("b")] }));
    const before = $('#devices tr[data-device-id="a"]');
    const other = $('#devices tr[data-device-id="b"]');
    update(batch({ devices: [device("a", { value: 2, status: "fault" }, 1004)] }));
    const after = $('#devices tr[data-device-id="a"]');
    expect(after).toBe(before);
    expect($('#devices tr[data-device-id="b"]')).toBe(other);
    expect(after.querySelector(".value-text")?.textContent).toBe("2 °C");
    expect(after.querySelector(".badge")?.textContent).toBe("Fault");
    expect(after.querySelector(".badge")?.classList.contains("status-fault")).toBe(true);
  });

  it("keeps rows across a new snapshot and drops the ones it lacks", () => {
    load(snapshot({ devices: [device("a"), device("b")] }));
    const a = $('#devices tr[data-device-id="a"]');
    load(snapshot({ devices: [device("a"), device("c")] }));
    expect($('#devices tr[data-device-id="a"]')).toBe(a);
    expect(document.querySelector('#devices tr[data-device-id="b"]')).toBeNull();
    expect(document.querySelectorAll("#devices tbody tr[data-device-id]")).toHaveLength(2);
  });

  it("removes rows of removed devices", () => {
    load(snapshot({ devices: [device("a"), device("b")] }));
    update(batch({ removed_devices: ["a"] }));
    expect(document.querySelector('#devices tr[data-device-id="a"]')).toBeNull();
    expect(document.querySelectorAll("#devices tbody tr[data-device-id]")).toHaveLength(1);
  });

  it("summarizes totals, faults and offline devices", () => {
    load(
      snapshot({
        devices: [device("a", { status: "fault" }), device("b", { status: "offline" }), device("c")],
      }),
    );
    expect($("#devices-summary").textContent).toBe("3 total · 1 fault · 1 offline");
    update(batch({ devices: [device("a", { status: "online" })], removed_devices: ["b"] }));
    expect($("#devices-summary").textContent).toBe("2 total · 0 fault · 0 offline");
  });

  it("uses column headers with scope", () => {
    load(snapshot());
    const headers = [...document.querySelectorAll("#devices thead th")];
    expect(headers.map((th) => th.textContent)).toEqual(["Name", "Kind", "Status", "Value", "Range", "Age", "Alerts"]);
    expect(headers.every((th) => th.getAttribute("scope") === "col")).toBe(true);
  });
});

describe("stale values", () => {
  function valueCells(): HTMLElement[] {
    return [...document.querySelectorAll<HTMLElement>("#devices tbody td.value")];
  }

  it.each(["stale", "offline", "unauthorized", "connecting"] as const)(
    "marks every value cell as unconfirmed when the link is %s",
    (mode) => {
      load(snapshot({ link: linkStatus(mode), devices: [device("a"), device("b")], relays: [relay("r")] }));
      expect(valueCells()).toHaveLength(2);
      for (const cell of valueCells()) {
        expect(cell.classList.contains("stale")).toBe(true);
        expect(cell.textContent).toContain("unconfirmed");
        expect(cell.getAttribute("title")).toMatch(/unconfirmed/i);
      }
      expect($('#relays tr[data-relay-id="r"] td.state').classList.contains("stale")).toBe(true);
      expect($("#system-stats").classList.contains("stale")).toBe(true);
      expect($("#stale-warning").hidden).toBe(false);
    },
  );

  it.each(["realtime", "fallback"] as const)("shows values as live when the link is %s", (mode) => {
    load(snapshot({ link: linkStatus(mode), devices: [device("a")] }));
    for (const cell of valueCells()) {
      expect(cell.classList.contains("stale")).toBe(false);
      expect(cell.hasAttribute("title")).toBe(false);
    }
    expect($("#stale-warning").hidden).toBe(true);
  });

  it("marks existing and new rows when the link goes stale, and unmarks them when it recovers", () => {
    load(snapshot({ link: linkStatus("realtime"), devices: [device("a")] }));
    update(batch({ link: linkStatus("stale") }));
    update(batch({ devices: [device("b")] }));
    expect(valueCells().every((c) => c.classList.contains("stale"))).toBe(true);
    update(batch({ link: linkStatus("realtime") }));
    expect(valueCells().some((c) => c.classList.contains("stale"))).toBe(false);
  });
});

describe("relays table", () => {
  it("shows state as ON/OFF text, the time of the change and who made it", () => {
    const changedAt = new Date(2024, 4, 31, 14, 3, 9).getTime() / 1000;
    load(
      snapshot({
        relays: [
          relay("r1", { name: "Pump A", state: true, changed_at: changedAt, changed_by: "operator-1" }),
          relay("r2", { name: "Fan B", state: false, changed_at: changedAt, changed_by: null }),
        ],
      }),
      changedAt + 60,
    );
    const on = $('#relays tr[data-relay-id="r1"]');
    expect(on.querySelector(".badge")?.textContent).toBe("ON");
    expect(on.getAttribute("data-state")).toBe("on");
    expect(on.querySelector(".changed-at")?.textContent).toBe("14:03:09");
    expect(on.querySelector(".changed-by")?.textContent).toBe("operator-1");
    const off = $('#relays tr[data-relay-id="r2"]');
    expect(off.querySelector(".badge")?.textContent).toBe("OFF");
    expect(off.querySelector(".changed-by")?.textContent).toBe("—");
    const names = [...document.querySelectorAll("#relays tbody th")].map((th) => th.textContent);
    expect(names).toEqual(["Fan B", "Pump A"]);
  });

  it("updates and removes relays by id", () => {
    load(snapshot({ relays: [relay("r1"), relay("r2")] }));
    const row = $('#relays tr[data-relay-id="r1"]');
    update(batch({ relays: [relay("r1", { state: true })], removed_relays: ["r2"] }));
    expect($('#relays tr[data-relay-id="r1"]')).toBe(row);
    expect(row.querySelector(".badge")?.textContent).toBe("ON");
    expect(document.querySelector('#relays tr[data-relay-id="r2"]')).toBeNull();
  });
});

describe("system stats panel", () => {
  it("shows the figures and their age", () => {
    load(snapshot({ system_stats: stats(1000) }), 1004);
    expect($("#stat-cpu").textContent).toBe("12.5 %");
    expect($("#stat-memory").textContent).toBe("40 %");
    expect($("#stat-disk").textContent).toBe("95 %");
    expect($("#stat-uptime").textContent).toBe("3 h 12 min");
    expect($("#stat-clients").textContent).toBe("3");
    expect($("#stat-age").textContent).toBe("4 s ago");
    view.tick(1010);
    expect($("#stat-age").textContent).toBe("10 s ago");
  });

  it("says when no figures have arrived", () => {
    load(snapshot({ system_stats: null }));
    expect($("#system-stats-empty").hidden).toBe(false);
  });
});

describe("large tables", () => {
  it("touches only the changed row when one of thousands of devices changes", { timeout: 30_000 }, () => {
    const devices = Array.from({ length: 3_000 }, (_, i) => device(`d${i}`, { name: `Sensor ${i}`, value: i }, 1000));
    load(snapshot({ devices }), 1000);
    // Virtualized: only the rows in view (and a few more) are in the DOM, in order.
    const rendered = document.querySelectorAll("#devices tbody tr[data-device-id]");
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(100);
    expect(deviceNames().slice(0, 3)).toEqual(["Sensor 0", "Sensor 1", "Sensor 2"]);
    expect($("#devices-summary").textContent).toBe("3000 total · 0 fault · 0 offline");

    const target = $('#devices tr[data-device-id="d2"]');
    const observer = new MutationObserver(() => {});
    observer.observe($("#devices"), { subtree: true, childList: true, characterData: true, attributes: true });
    update(batch({ devices: [device("d2", { name: "Sensor 2", value: 42 }, 1000)] }), 1000);
    const records = observer.takeRecords();
    // A device out of view changes nothing in the DOM.
    update(batch({ devices: [device("d2500", { name: "Sensor 2500", value: 7 }, 1000)] }), 1000);
    const outOfView = observer.takeRecords();
    observer.disconnect();

    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => target.contains(r.target))).toBe(true);
    expect(target.querySelector(".value-text")?.textContent).toBe("42 °C");
    expect(outOfView).toEqual([]);
  });
});

describe("sorted rows on a refresh", () => {
  it("reorders rows whose names changed between two snapshots", () => {
    load(snapshot({ devices: [device("a", { name: "Alpha" }), device("b", { name: "Bravo" }), device("c", { name: "Charlie" })] }));
    load(snapshot({ devices: [device("a", { name: "Zulu" }), device("b", { name: "Bravo" }), device("c", { name: "Charlie" })] }));
    expect(deviceNames()).toEqual(["Bravo", "Charlie", "Zulu"]);
  });

  it("moves a row when a batch renames its device", () => {
    load(snapshot({ devices: [device("a", { name: "Alpha" }), device("b", { name: "Bravo" })] }));
    const row = $('#devices tr[data-device-id="a"]');
    update(batch({ devices: [device("a", { name: "Zulu" })] }));
    expect(deviceNames()).toEqual(["Bravo", "Zulu"]);
    expect($('#devices tr[data-device-id="a"]')).toBe(row);
  });
});
