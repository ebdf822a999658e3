// @vitest-environment jsdom
import { effect } from "../src/lib/signals";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ConsoleStore, emptyChanges } from "../src/state";
import { AppView } from "../src/views/app";
import { $, batch, device, relay, renderBatch, renderSnapshot, snapshot, stats } from "./fixtures";

const NOW = 1005;

let store: ConsoleStore;
let view: AppView;

beforeEach(() => {
  document.body.replaceChildren();
  const root = document.createElement("div");
  root.id = "app";
  document.body.appendChild(root);
  store = new ConsoleStore(1000);
  view = new AppView(document);
  view.mount(root);
});

describe("the store's signals", () => {
  it("run an effect that reads one slice only when that slice is published", () => {
    let runs = 0;
    const dispose = effect(() => {
      store.signals.stats.value;
      runs++;
    });
    expect(runs).toBe(1);
    store.signals.publish(store.applyBatch(batch({ devices: [device("a")] })));
    expect(runs).toBe(1);
    store.signals.publish(store.applyBatch(batch({ system_stats: stats(1001) })));
    expect(runs).toBe(2);
    store.signals.publish(emptyChanges());
    expect(runs).toBe(2);
    dispose();
  });

  it("run an effect that reads several slices once per publish, however many of them changed", () => {
    let runs = 0;
    const dispose = effect(() => {
      store.signals.link.value;
      store.signals.devices.value;
      store.signals.stats.value;
      runs++;
    });
    store.signals.publish(store.applySnapshot(snapshot({ devices: [device("a")], system_stats: stats() })));
    expect(runs).toBe(2);
    dispose();
  });
});

describe("the window's regions", () => {
  it("draw again only the regions whose slices changed", () => {
    renderSnapshot(store, view, snapshot({ devices: [device("a"), device("b")], relays: [relay("r")], system_stats: stats() }), NOW);
    const statsRender = vi.spyOn(view.stats, "render");
    const outboxRender = vi.spyOn(view.outbox, "render");
    const alertsRender = vi.spyOn(view.alerts, "render");
    const devicesApply = vi.spyOn(view.devices, "apply");
    const devicesReset = vi.spyOn(view.devices, "reset");
    const relaysApply = vi.spyOn(view.relays, "apply");
    const headerLink = vi.spyOn(view.header, "setLink");

    renderBatch(store, view, batch({ system_stats: stats(1002) }), NOW);
    expect(statsRender).toHaveBeenCalledTimes(1);
    expect(devicesApply).not.toHaveBeenCalled();
    expect(devicesReset).not.toHaveBeenCalled();
    expect(relaysApply).not.toHaveBeenCalled();
    expect(outboxRender).not.toHaveBeenCalled();
    expect(alertsRender).not.toHaveBeenCalled();
    expect(headerLink).not.toHaveBeenCalled();

    renderBatch(store, view, batch({ devices: [device("b", { value: 7 }, 1003)] }), NOW);
    expect(statsRender).toHaveBeenCalledTimes(1);
    expect(devicesApply).toHaveBeenCalledTimes(1);
    expect([...(devicesApply.mock.calls[0]?.[0] ?? [])]).toEqual(["b"]);
    expect(devicesReset).not.toHaveBeenCalled();
    expect(relaysApply).not.toHaveBeenCalled();
    // The outbox shows relay names: a device changes nothing in it.
    expect(outboxRender).not.toHaveBeenCalled();
  });

  it("patch only the changed device's row: the other rows stay the same nodes", () => {
    renderSnapshot(store, view, snapshot({ devices: [device("a"), device("b"), device("c")] }), NOW);
    const rowA = $('#devices tr[data-device-id="a"]');
    const rowC = $('#devices tr[data-device-id="c"]');
    const textA = rowA.querySelector(".value-text")?.firstChild;
    renderBatch(store, view, batch({ devices: [device("b", { value: 42 }, 1003)] }), NOW);
    expect($('#devices tr[data-device-id="a"]')).toBe(rowA);
    expect($('#devices tr[data-device-id="c"]')).toBe(rowC);
    expect(rowA.querySelector(".value-text")?.firstChild).toBe(textA);
    expect($('#devices tr[data-device-id="b"] .value-text').textContent).toContain("42");
  });
});
