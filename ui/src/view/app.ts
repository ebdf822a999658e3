// The whole window. Renders a ConsoleStore, touching only what a ChangeSet names.

import { strings } from "../strings";
import { activeShelves, type ChangeSet, type ConsoleStore } from "../state";
import { AlertsView } from "./alerts";
import { ConfirmDialog } from "./confirm";
import { DevicesView } from "./devices";
import { el, setText } from "./dom";
import { HeaderView } from "./header";
import { OutboxView } from "./outbox";
import { RelaysView } from "./relays";
import { StatsView } from "./stats";

/** What the operator can ask for; the controller answers (the view never calls IPC). */
export interface ViewActions {
  switchRelay(relayId: string, opener: HTMLElement): void;
  cancelCommand(requestId: string): void;
  /** One alert, or every alert (undefined). */
  acknowledgeAlerts(id: number | undefined): void;
  /** `unmute`: the toggle said "Muted … — Unmute". */
  toggleMute(unmute: boolean): void;
  shelveDevice(deviceId: string): void;
}

export class AppView {
  readonly element: HTMLElement;
  readonly header: HeaderView;
  readonly devices: DevicesView;
  readonly relays: RelaysView;
  readonly stats: StatsView;
  readonly outbox: OutboxView;
  readonly alerts: AlertsView;
  readonly confirm: ConfirmDialog;
  private readonly staleWarning: HTMLDivElement;
  private readonly cacheRecovered: HTMLDivElement;
  private readonly cacheRecoveredText: Text;
  private readonly errorBox: HTMLDivElement;
  private readonly errorText: Text;

  constructor(doc: Document) {
    this.header = new HeaderView(doc);
    this.devices = new DevicesView(doc);
    this.relays = new RelaysView(doc);
    this.stats = new StatsView(doc);
    this.outbox = new OutboxView(doc);
    this.alerts = new AlertsView(doc);
    this.confirm = new ConfirmDialog(doc);
    this.header.setAlertCountHandler(() => this.alerts.focus());
    this.staleWarning = el(
      doc,
      "div",
      { id: "stale-warning", class: "stale-warning" },
      el(doc, "span", { attrs: { "aria-hidden": "true" } }, `${strings.unconfirmedMark} `),
      strings.staleWarning,
    );
    this.staleWarning.hidden = true;
    // Shown for the whole session: the operator should know that history and journal
    // from before this start are in the set-aside file, not in the console.
    this.cacheRecoveredText = doc.createTextNode("");
    this.cacheRecovered = el(
      doc,
      "div",
      { id: "cache-recovered", class: "cache-recovered", attrs: { role: "status" } },
      el(doc, "span", { attrs: { "aria-hidden": "true" } }, `${strings.unconfirmedMark} `),
      this.cacheRecoveredText,
    );
    this.cacheRecovered.hidden = true;
    this.errorText = doc.createTextNode("");
    this.errorBox = el(doc, "div", { id: "app-error", class: "app-error", attrs: { role: "alert" } }, this.errorText);
    this.errorBox.hidden = true;

    this.element = el(
      doc,
      "div",
      { class: "app" },
      this.header.element,
      this.errorBox,
      this.cacheRecovered,
      this.staleWarning,
      el(
        doc,
        "main",
        { class: "app-main" },
        el(doc, "div", { class: "primary" }, this.devices.element, this.alerts.element),
        el(doc, "div", { class: "side" }, this.stats.element, this.relays.element, this.outbox.element),
      ),
      this.confirm.element,
    );
  }

  setActions(actions: ViewActions): void {
    this.relays.setSwitchHandler((id, opener) => actions.switchRelay(id, opener));
    this.outbox.setCancelHandler((id) => actions.cancelCommand(id));
    this.alerts.setAckHandler((id) => actions.acknowledgeAlerts(id));
    this.header.setMuteHandler((unmute) => actions.toggleMute(unmute));
    this.devices.setShelveHandler((id) => actions.shelveDevice(id));
  }

  mount(parent: HTMLElement): void {
    parent.replaceChildren(this.element);
  }

  /** Shows (or clears, with null) an application error. */
  showError(message: string | null): void {
    setText(this.errorText, message ?? "");
    this.errorBox.hidden = message === null;
  }

  render(store: ConsoleStore, changes: ChangeSet, now: number): void {
    this.relays.setContext(store);
    if (changes.meta) {
      this.header.setMeta(store.demo, store.serverUrl);
      const kept = store.recoveredFrom;
      setText(this.cacheRecoveredText, kept === null ? "" : strings.cacheRecovered(kept));
      this.cacheRecovered.hidden = kept === null;
    }
    if (changes.link) {
      this.header.setLink(store.link, now);
      const stale = store.valuesStale;
      this.devices.setStale(stale);
      this.relays.setStale(stale);
      this.stats.setStale(stale);
    }
    if (changes.devicesReset) this.devices.reset(store.devices.values(), now);
    else if (changes.devices.size > 0) this.devices.apply(changes.devices, (id) => store.devices.get(id), now);
    if (changes.relaysReset) this.relays.reset(store.relays.values(), now);
    else if (changes.relays.size > 0) this.relays.apply(changes.relays, (id) => store.relays.get(id), now);
    // Switches depend on the link, the relay's device and the read-only flag.
    if (changes.link || changes.meta || changes.devicesReset || changes.devices.size > 0) {
      this.relays.refreshControls();
    }
    if (changes.commandRelays.size > 0) this.relays.refreshCommands(changes.commandRelays, now);
    if (changes.commands || changes.relaysReset || changes.relays.size > 0) {
      this.outbox.render(
        store.commands.list(),
        (id) => {
          const relay = store.relays.get(id)?.relay;
          return relay === undefined ? id : String(relay.name);
        },
        store.outboxLoaded,
      );
      this.header.setOutboxDepth(store.outboxLoaded ? store.commands.openCount() : null);
    }
    if (changes.stats) this.stats.render(store.stats, now);
    if (changes.alertStatus) {
      this.header.setAlertStatus(store.alertStatus, now);
      this.alerts.setStatus(store.alertStatus);
      this.devices.setShelves(activeShelves(store.alertStatus, now), now);
    }
    if (changes.alerts) this.alerts.render(store.alerts.list(), store.alertsLoaded, now);

    const hasValues = store.devices.size > 0 || store.relays.size > 0 || store.stats !== null;
    this.staleWarning.hidden = !(store.valuesStale && hasValues);
  }

  /** Time-dependent texts, once a second. */
  tick(now: number): void {
    this.header.tick(now);
    this.devices.tick(now);
    this.relays.tick(now);
    this.stats.tick(now);
    this.alerts.tick(now);
  }
}
