// The whole window. Renders a ConsoleStore: each region is an effect subscribed to the
// store's signals it reads (state/signals.ts), so it runs only when those change.
//
// Layout: the header and the alarm banner (always visible) and a tab list
// (div#view-tabs) with five views:
//   #view-alarms       the alarm summary (+ the history of one) above the alarm journal
//   #view-plant        devices (+ the details of one), outbox | system stats, relays
//   #view-alerts       the alert list | the journal
//   #view-diagnostics  the link's figures, test notification, folders, the alarm KPIs
//   #view-settings     the settings form
// The alarm keys (views/keys.ts) work in every view.
// The window is built once: a language change changes its texts in place
// (views/bind.ts), and the regions that draw formatted text read the language.

import { effect } from "../lib/signals";
import { formatCount, formatHourMinute } from "../lib/format";
import { capsNotice } from "../state/caps";
import { UnusableWatch, unusableTotal } from "../state/quality";
import { activeShelves, type ChangeSet, type ConsoleStore, type JournalRange, type StatsRange } from "../state";
import { currentLanguage, strings, type Language } from "../strings";
import type { AlarmKpis, AlarmTransition, AlertPrefs, DeviceTrend, Diagnostics, JournalEntry, SettingsInput, StatsTrend } from "../types";
import { AlarmBannerView } from "./alarm-banner";
import { AlarmJournalView } from "./alarm-journal";
import { AlarmKpisView } from "./alarm-kpis";
import { ShelveDialog } from "./alarm-shelve";
import { AlarmSummaryView } from "./alarms";
import { AlertsView } from "./alerts";
import { Annunciator, type PlayerFactory } from "./annunciator";
import { ConfirmDialog } from "./confirm";
import { DeviceDetailsView } from "./device-details";
import { DevicesView } from "./devices";
import { DiagnosticsView } from "./diagnostics";
import { bindDocumentLanguage, bindText, owned, LabelText } from "./bind";
import { el, setText, type Label } from "./dom";
import { HeaderView } from "./header";
import { JournalView } from "./journal";
import { alarmKeyOf } from "./keys";
import { OutboxView } from "./outbox";
import { RelaysView } from "./relays";
import { SettingsFormView } from "./settings";
import { StatsView } from "./stats";
import { TrendsView } from "./trends";
import { TabsView, type TabId } from "./tabs";

/** What the operator can ask for; the controller answers (the view never calls IPC). */
export interface ViewActions {
  switchRelay(relayId: string, opener: HTMLElement): void;
  cancelCommand(requestId: string): void;
  /** One alert, or every alert (undefined). */
  acknowledgeAlerts(id: number | undefined): void;
  /** `unmute`: the toggle said "Muted … — Unmute". */
  toggleMute(unmute: boolean): void;
  shelveDevice(deviceId: string): void;
  /** A device's details were opened (its trend is wanted), or closed (null). */
  openDevice?(deviceId: string | null): void;
  /** Another view (tab) is shown. */
  tabChanged?(tab: TabId): void;
  statsRangeChanged?(range: StatsRange): void;
  journalRangeChanged?(range: JournalRange): void;
  testNotification?(): void;
  setLanguage?(lang: Language): void;
  /** Apply in the settings view, with values that passed the checks made here. */
  saveSettings?(input: SettingsInput): void;
  /** "Load again" after the settings could not be loaded. */
  reloadSettings?(): void;
  /** The start-at-sign-in box was ticked or cleared. */
  setAutostart?(enabled: boolean): void;
  /** Acknowledge these alarms; `from` is where it was asked (its buttons wait for the answer). */
  acknowledgeAlarms(ids: number[], from: AlarmActionSource): void;
  /** Silence the alarm sound until a new alarm sounds. */
  silenceAlarms(): void;
  shelveAlarm(id: number, minutes: number, reason: string): void;
  unshelveAlarm(id: number): void;
  resetAlarm(id: number): void;
  /** An alarm's history was opened (it is wanted), or closed (null). */
  openAlarmHistory?(id: number | null): void;
  alarmJournalRangeChanged?(range: JournalRange): void;
  /** "Export CSV" in the alarm journal, for the period shown. */
  exportAlarmJournal?(range: JournalRange): void;
}

/** Where an alarm action was asked: the banner (or a key standing for it), or the summary. */
export type AlarmActionSource = "banner" | "summary";

export interface AppViewOptions {
  /** What plays the alarm tones (the webview's audio element unless a test gives another). */
  playerFactory?: PlayerFactory;
}

export class AppView {
  element!: HTMLElement;
  header!: HeaderView;
  tabs!: TabsView;
  devices!: DevicesView;
  details!: DeviceDetailsView;
  relays!: RelaysView;
  stats!: StatsView;
  trends!: TrendsView;
  outbox!: OutboxView;
  alerts!: AlertsView;
  journal!: JournalView;
  diagnostics!: DiagnosticsView;
  settings!: SettingsFormView;
  confirm!: ConfirmDialog;
  alarmBanner!: AlarmBannerView;
  alarmSummary!: AlarmSummaryView;
  alarmJournal!: AlarmJournalView;
  alarmKpis!: AlarmKpisView;
  shelveDialog!: ShelveDialog;
  readonly annunciator: Annunciator;
  private readonly doc: Document;
  private staleWarning!: HTMLDivElement;
  /** Shown while the count of plant data the console could not use grows. */
  private unusableWarning!: HTMLDivElement;
  private unusableText!: Text;
  private readonly unusable = new UnusableWatch();
  private cacheRecovered!: HTMLDivElement;
  private cacheRecoveredText!: Text;
  private cacheUnsaved!: HTMLDivElement;
  private cacheUnsavedText!: Text;
  private capsReached!: HTMLDivElement;
  private capsReachedText!: Text;
  private errorBox!: HTMLDivElement;
  private errorText!: LabelText;
  private actions: ViewActions | null = null;
  /** The store the regions are subscribed to (null: none yet). */
  private bound: ConsoleStore | null = null;
  /** Ends each region's subscription. */
  private disposers: (() => void)[] = [];
  private now = 0;

  /** Ends the language bindings made while the window was built. */
  private readonly bindings: (() => void)[] = [];

  constructor(doc: Document, opts: AppViewOptions = {}) {
    this.doc = doc;
    this.annunciator = new Annunciator(opts.playerFactory);
    owned(this.bindings, () => this.build());
    this.listenForKeys();
  }

  /** Ends the window's language bindings and regions (a window that is thrown away, in tests). */
  dispose(): void {
    this.unbind();
    for (const dispose of this.bindings) dispose();
    this.bindings.length = 0;
    this.annunciator.dispose();
  }

  /**
   * The alarm keys, in every view (on the document, so that they work wherever the
   * focus is), and the operator's gestures, at which a sound the webview refused to
   * start is tried again.
   */
  private listenForKeys(): void {
    const onKey = (ev: KeyboardEvent) => {
      this.annunciator.retry();
      const action = alarmKeyOf(ev);
      // A dialog asks something first: the keys wait for its answer.
      if (action === null || this.confirm.isOpen || this.shelveDialog.isOpen) return;
      ev.preventDefault();
      if (action === "acknowledge") this.acknowledgeByKey();
      else if (action === "silence") this.actions?.silenceAlarms();
      else this.openAlarmSummary();
    };
    const onPointer = () => this.annunciator.retry();
    this.doc.addEventListener("keydown", onKey);
    this.doc.addEventListener("pointerdown", onPointer);
    this.bindings.push(() => {
      this.doc.removeEventListener("keydown", onKey);
      this.doc.removeEventListener("pointerdown", onPointer);
    });
  }

  /** Ctrl+Shift+A: the alarms ticked in the summary (while it is shown), otherwise the banner's. */
  private acknowledgeByKey(): void {
    if (this.activeTab === "alarms" && this.alarmSummary.acknowledgeSelected()) return;
    this.alarmBanner.acknowledge();
  }

  /** Shows the alarm summary with the focus on it (the banner's button, Ctrl+Shift+L). */
  openAlarmSummary(): void {
    this.tabs.select("alarms");
    this.alarmSummary.focus();
  }

  /** Whether unacknowledged critical and high alarms sound (the operator's setting). */
  setAlarmSound(enabled: boolean): void {
    this.annunciator.setEnabled(enabled);
  }

  /**
   * What the settings say about alarms: whether they sound, and the site's shelf
   * lengths, which the shelving dialog proposes and holds to (a console older than
   * these settings sends none: the console's own defaults then).
   */
  useAlarmSettings(alerts: AlertPrefs): void {
    this.setAlarmSound(alerts.alarm_sound === true);
    const prefs = alerts.alarms;
    if (prefs !== undefined && prefs !== null) this.shelveDialog.setLimits(prefs.default_shelve_minutes, prefs.max_shelve_minutes);
    // The trends draw the site's limits as lines on each device pen's axis.
    this.trends.setLimits(alerts.limits);
  }

  private build(): void {
    const doc = this.doc;
    bindDocumentLanguage(doc);
    this.header = new HeaderView(doc);
    this.devices = new DevicesView(doc);
    this.details = new DeviceDetailsView(doc);
    this.relays = new RelaysView(doc);
    this.stats = new StatsView(doc);
    this.trends = new TrendsView(doc);
    this.outbox = new OutboxView(doc);
    this.alerts = new AlertsView(doc);
    this.journal = new JournalView(doc);
    this.diagnostics = new DiagnosticsView(doc);
    this.settings = new SettingsFormView(doc);
    this.confirm = new ConfirmDialog(doc);
    this.alarmBanner = new AlarmBannerView(doc);
    this.alarmSummary = new AlarmSummaryView(doc);
    this.alarmJournal = new AlarmJournalView(doc);
    this.alarmKpis = new AlarmKpisView(doc);
    this.shelveDialog = new ShelveDialog(doc);
    this.header.setAlertCountHandler(() => {
      this.tabs.select("alerts");
      this.alerts.focus();
    });
    this.devices.setOpenHandler((id, row) => this.openDevice(id, row));
    this.details.setCloseHandler(() => this.closeDevice());
    this.staleWarning = el(
      doc,
      "div",
      { id: "stale-warning", class: "stale-warning" },
      el(doc, "span", { attrs: { "aria-hidden": "true" } }, bindText(doc, () => `${strings.unconfirmedMark} `)),
      bindText(doc, () => strings.staleWarning),
    );
    this.staleWarning.hidden = true;
    this.unusableText = doc.createTextNode("");
    this.unusableWarning = el(
      doc,
      "div",
      { id: "unusable-warning", class: "stale-warning unusable-warning", attrs: { role: "status" } },
      el(doc, "span", { attrs: { "aria-hidden": "true" } }, () => `${strings.quality.badMark} `),
      this.unusableText,
    );
    this.unusableWarning.hidden = true;
    // Shown for the whole session: the operator should know that history and journal
    // from before this start are in the set-aside file, not in the console.
    this.cacheRecoveredText = doc.createTextNode("");
    this.cacheRecovered = el(
      doc,
      "div",
      { id: "cache-recovered", class: "cache-recovered", attrs: { role: "status" } },
      el(doc, "span", { attrs: { "aria-hidden": "true" } }, () => `${strings.unconfirmedMark} `),
      this.cacheRecoveredText,
    );
    this.cacheRecovered.hidden = true;
    // Shown while the cache cannot be saved (a full disk): what the window shows is
    // still live, but a restart now would lose what is not saved.
    this.cacheUnsavedText = doc.createTextNode("");
    this.cacheUnsaved = el(
      doc,
      "div",
      { id: "cache-unsaved", class: "cache-recovered", attrs: { role: "alert" } },
      el(doc, "span", { attrs: { "aria-hidden": "true" } }, () => `${strings.unconfirmedMark} `),
      this.cacheUnsavedText,
    );
    this.cacheUnsaved.hidden = true;
    // Shown once the plant has gone past one of the console's caps (more devices than it
    // keeps, an id too long): what the window shows is not all the plant sent.
    this.capsReachedText = doc.createTextNode("");
    this.capsReached = el(
      doc,
      "div",
      { id: "caps-reached", class: "cache-recovered", attrs: { role: "status" } },
      el(doc, "span", { attrs: { "aria-hidden": "true" } }, () => `${strings.unconfirmedMark} `),
      this.capsReachedText,
    );
    this.capsReached.hidden = true;
    this.errorText = new LabelText(doc);
    this.errorBox = el(doc, "div", { id: "app-error", class: "app-error", attrs: { role: "alert" } }, this.errorText.node);
    this.errorBox.hidden = true;

    const plant = el(
      doc,
      "section",
      { class: "view plant-view" },
      el(doc, "div", { class: "primary" }, this.devices.element, this.details.element, this.outbox.element),
      el(doc, "div", { class: "side" }, this.stats.element, this.relays.element),
    );
    const trends = el(doc, "section", { class: "view trends-view" }, this.trends.element);
    // "Open in Trends" beside the small trends: the figure or the device as a pen there.
    this.stats.setOpenTrendHandler((figure) => this.openInTrends(`stats:${figure}`));
    this.details.setOpenTrendHandler((deviceId) => this.openInTrends(`device:${deviceId}`));
    const events = el(doc, "section", { class: "view events-view" }, this.alerts.element, this.journal.element);
    const diagnostics = el(
      doc,
      "section",
      { class: "view diagnostics-view" },
      el(doc, "div", { class: "diagnostics-stack" }, this.diagnostics.element, this.alarmKpis.element),
    );
    const settings = el(doc, "section", { class: "view settings-view" }, this.settings.element);
    const alarms = el(doc, "section", { class: "view alarms-view" }, this.alarmSummary.element, this.alarmJournal.element);
    this.tabs = new TabsView(doc, { alarms, plant, trends, alerts: events, diagnostics, settings });
    this.header.setTabs(this.tabs.element);
    this.tabs.setChangeHandler((tab) => {
      if (tab === "plant") this.devices.refreshWindow();
      if (tab === "trends") this.trends.show();
      else this.trends.hide();
      this.actions?.tabChanged?.(tab);
    });

    this.element = el(
      doc,
      "div",
      { class: "app" },
      this.header.element,
      this.alarmBanner.element,
      this.errorBox,
      this.cacheRecovered,
      this.cacheUnsaved,
      this.capsReached,
      this.staleWarning,
      this.unusableWarning,
      el(doc, "main", { class: "app-main" }, alarms, plant, trends, events, diagnostics, settings),
      this.confirm.element,
      this.shelveDialog.element,
    );
  }

  setActions(actions: ViewActions): void {
    this.actions = actions;
    this.wire(actions);
  }

  private wire(actions: ViewActions): void {
    this.relays.setSwitchHandler((id, opener) => actions.switchRelay(id, opener));
    this.outbox.setCancelHandler((id) => actions.cancelCommand(id));
    this.alerts.setAckHandler((id) => actions.acknowledgeAlerts(id));
    this.header.setMuteHandler((unmute) => actions.toggleMute(unmute));
    this.header.setLanguageHandler((lang) => actions.setLanguage?.(lang));
    this.devices.setShelveHandler((id) => actions.shelveDevice(id));
    this.details.setShelveHandler((id) => {
      this.devices.shelvingStarted(id);
      actions.shelveDevice(id);
    });
    this.stats.setRangeHandler((range) => actions.statsRangeChanged?.(range));
    this.journal.setRangeHandler((range) => {
      this.journal.setLoading();
      actions.journalRangeChanged?.(range);
    });
    this.diagnostics.setTestHandler(() => actions.testNotification?.());
    this.settings.setSaveHandler((input) => actions.saveSettings?.(input));
    this.settings.setReloadHandler(() => actions.reloadSettings?.());
    this.settings.setAutostartHandler((enabled) => actions.setAutostart?.(enabled));
    this.alarmBanner.setActions({
      acknowledge: (id) => actions.acknowledgeAlarms([id], "banner"),
      silence: () => actions.silenceAlarms(),
      openSummary: () => this.openAlarmSummary(),
    });
    this.alarmSummary.setActions({
      acknowledge: (ids) => actions.acknowledgeAlarms(ids, "summary"),
      shelve: (id, minutes, reason) => actions.shelveAlarm(id, minutes, reason),
      unshelve: (id) => actions.unshelveAlarm(id),
      reset: (id) => actions.resetAlarm(id),
      askShelve: (alarm, opener) => this.shelveDialog.open(alarm, opener),
      openHistory: (id) => actions.openAlarmHistory?.(id),
    });
    this.shelveDialog.setShelveHandler((id, minutes, reason) => {
      this.alarmSummary.shelveStarted(id);
      actions.shelveAlarm(id, minutes, reason);
    });
    this.alarmJournal.setRangeHandler((range) => actions.alarmJournalRangeChanged?.(range));
    this.alarmJournal.setExportHandler((range) => actions.exportAlarmJournal?.(range));
  }

  mount(parent: HTMLElement): void {
    parent.replaceChildren(this.element);
  }

  /** The view (tab) shown. */
  get activeTab(): TabId {
    return this.tabs.current;
  }

  /** Shows (or clears, with null) an application error. */
  showError(message: Label | null): void {
    this.errorText.set(message ?? "");
    this.errorBox.hidden = message === null;
  }

  /** "Cache not saved since HH:MM" while the cache's writes fail, nothing otherwise. */
  private renderCacheStatus(store: ConsoleStore): void {
    const since = store.cache.unsaved_since;
    const text =
      since === null ? "" : strings.cacheNotSaved(formatHourMinute(since), store.cache.problem ?? strings.missing);
    setText(this.cacheUnsavedText, text);
    this.cacheUnsaved.hidden = since === null;
  }

  /** The caps' notice while any cap was reached, nothing otherwise. */
  private renderCaps(store: ConsoleStore): void {
    const notice = capsNotice(store.caps);
    setText(this.capsReachedText, notice ?? "");
    this.capsReached.hidden = notice === null;
  }

  /**
   * Shows what `changes` changed: they are published into the store's signals,
   * and each region of the window (an effect subscribed to the slices it reads)
   * runs once if one of them changed. The first call binds the regions to the store.
   */
  render(store: ConsoleStore, changes: ChangeSet, now: number): void {
    this.now = now;
    this.relays.setContext(store);
    this.trends.setDevices(store.devices);
    if (this.bound !== store) this.bind(store);
    store.signals.publish(changes);
  }

  /** Ends every region's subscription. */
  private unbind(): void {
    for (const dispose of this.disposers) dispose();
    this.disposers = [];
    this.bound = null;
  }

  /** Runs `fn` now and again whenever a signal it read changes, until unbind(). */
  private region(fn: () => void): void {
    this.disposers.push(effect(fn));
  }

  /**
   * Subscribes each region to the slices it reads. A region remembers the
   * version (or change object) of each slice it last drew, and redraws only
   * the parts whose slice changed; its first run only subscribes (the store's
   * first changes are about to be published). The regions that draw texts of
   * their own (the banners) read the language too, and draw them again when
   * it changes; the views draw their own texts again (views/bind.ts).
   */
  private bind(store: ConsoleStore): void {
    this.unbind();
    this.bound = store;
    const s = store.signals;
    const since = <T>(sig: { peek(): T }): T | null => sig.peek();

    // The banners about the cache and the caps, the demo flag and the server (meta, language).
    let meta = since(s.meta);
    let metaLanguage = currentLanguage.peek();
    this.region(() => {
      const m = s.meta.value;
      const lang = currentLanguage.value;
      if (m === meta && lang === metaLanguage) return;
      meta = m;
      metaLanguage = lang;
      this.header.setMeta(store.demo, store.serverUrl);
      this.settings.setDemo(store.demo);
      const kept = store.recoveredFrom;
      setText(this.cacheRecoveredText, kept === null ? "" : strings.cacheRecovered(kept));
      this.cacheRecovered.hidden = kept === null;
      this.renderCacheStatus(store);
      this.renderCaps(store);
    });

    // The header's link status and the unusable-data banner (link, language).
    let link = since(s.link);
    let linkLanguage = currentLanguage.peek();
    this.region(() => {
      const l = s.link.value;
      const lang = currentLanguage.value;
      if (l === link) {
        // Only the language changed: the banner's words (the header draws its own).
        if (lang !== linkLanguage) this.refreshUnusable(this.now);
        linkLanguage = lang;
        return;
      }
      link = l;
      linkLanguage = lang;
      const now = this.now;
      this.unusable.observe(store.link.unusable, now);
      this.refreshUnusable(now);
      this.header.setLink(store.link, now);
    });

    // The device table and the open device's details (link, devices, alert status).
    let devLink = since(s.link);
    let devices = since(s.devices);
    let shelves = since(s.alertStatus);
    this.region(() => {
      const l = s.link.value;
      const d = s.devices.value;
      const a = s.alertStatus.value;
      const now = this.now;
      if (l !== devLink) {
        devLink = l;
        this.devices.setStale(store.valuesStale);
      }
      if (d !== devices) {
        const reset = devices === null || d.reset;
        devices = d;
        if (reset) this.devices.reset(store.devices.values(), now);
        else this.devices.apply(d.ids, (id) => store.devices.get(id), now);
        const open = this.details.deviceId;
        if (open !== null && (reset || d.ids.has(open))) this.details.update(store.devices.get(open), now);
      }
      if (a !== shelves) {
        shelves = a;
        this.devices.setShelves(activeShelves(store.alertStatus, now), now);
        this.refreshDetailsShelf(now);
      }
    });

    // The relay table: rows, switches (link, read-only flag, devices) and command badges.
    let relLink = since(s.link);
    let relays = since(s.relays);
    let controls: readonly unknown[] | null = [s.link.peek(), s.meta.peek(), s.devices.peek()];
    let commandRelays = s.commandRelays.peek();
    this.region(() => {
      const l = s.link.value;
      const r = s.relays.value;
      const c = [l, s.meta.value, s.devices.value];
      const cr = s.commandRelays.value;
      const now = this.now;
      if (l !== relLink) {
        relLink = l;
        this.relays.setStale(store.valuesStale);
      }
      if (r !== relays) {
        const reset = relays === null || r.reset;
        relays = r;
        if (reset) this.relays.reset(store.relays.values(), now);
        else this.relays.apply(r.ids, (id) => store.relays.get(id), now);
      }
      if (controls === null || c.some((v, i) => v !== controls?.[i])) {
        controls = c;
        this.relays.refreshControls();
      }
      if (cr !== commandRelays) {
        commandRelays = cr;
        if (cr.size > 0) this.relays.refreshCommands(cr, now);
      }
    });

    // The outbox and the header's outbox depth (commands, relay names, language).
    let commands = since(s.commands);
    let outboxRelays = since(s.relays);
    let outboxLanguage = currentLanguage.peek();
    this.region(() => {
      const c = s.commands.value;
      const r = s.relays.value;
      const lang = currentLanguage.value;
      if (c === commands && r === outboxRelays && lang === outboxLanguage) return;
      commands = c;
      outboxRelays = r;
      outboxLanguage = lang;
      this.outbox.render(
        store.commands.list(),
        (id) => {
          const relay = store.relays.get(id)?.relay;
          return relay === undefined ? id : String(relay.name);
        },
        store.outboxLoaded,
      );
      this.header.setOutboxDepth(store.outboxLoaded ? store.commands.openCount() : null);
    });

    // The system stats panel (link, stats).
    let statsLink = since(s.link);
    let stats = since(s.stats);
    this.region(() => {
      const l = s.link.value;
      const v = s.stats.value;
      if (l !== statsLink) {
        statsLink = l;
        this.stats.setStale(store.valuesStale);
      }
      if (v !== stats) {
        stats = v;
        this.stats.render(store.stats, this.now);
      }
    });

    // The alert list and the header's alert count and mute toggle (alert status, alerts).
    let alertStatus = since(s.alertStatus);
    let alerts = since(s.alerts);
    this.region(() => {
      const a = s.alertStatus.value;
      const list = s.alerts.value;
      const now = this.now;
      if (a !== alertStatus) {
        alertStatus = a;
        this.header.setAlertStatus(store.alertStatus, now);
        this.alerts.setStatus(store.alertStatus);
      }
      if (list !== alerts) {
        alerts = list;
        this.alerts.render(store.alerts.list(), store.alertsLoaded, now);
      }
    });

    // The alarm banner and what sounds (alarm status).
    let alarmStatus = since(s.alarmStatus);
    this.region(() => {
      const a = s.alarmStatus.value;
      if (a === alarmStatus) return;
      alarmStatus = a;
      this.alarmBanner.setStatus(store.alarmStatus, this.now);
      this.annunciator.setSounding(store.alarmStatus?.sounding ?? null);
    });

    // The alarm summary (alarms).
    let alarmList = since(s.alarms);
    this.region(() => {
      const list = s.alarms.value;
      if (list === alarmList) return;
      alarmList = list;
      this.alarmSummary.render(store.alarms.list(), store.alarmsLoaded, this.now);
    });

    // "Values are NOT live", while there are values to mark (link, devices, relays, stats).
    this.region(() => {
      s.link.value;
      s.devices.value;
      s.relays.value;
      s.stats.value;
      const hasValues = store.devices.size > 0 || store.relays.size > 0 || store.stats !== null;
      this.staleWarning.hidden = !(store.valuesStale && hasValues);
    });
  }

  /** The banner about plant data the console could not use: shown while the count grows. */
  private refreshUnusable(now: number): void {
    const u = this.unusable.counts;
    const n = (value: number) => formatCount(value);
    setText(
      this.unusableText,
      strings.quality.unusableBanner(n(unusableTotal(u)), n(u.frames), n(u.items_dropped), n(u.items_unreadable)),
    );
    this.unusableWarning.hidden = !this.unusable.showing(now);
  }

  /** Time-dependent texts, once a second. */
  tick(now: number): void {
    this.now = now;
    this.refreshUnusable(now);
    this.header.tick(now);
    this.devices.tick(now);
    this.details.tick(now);
    this.relays.tick(now);
    this.stats.tick(now);
    this.trends.tick(now);
    this.alerts.tick(now);
    this.diagnostics.tick(now);
    this.alarmBanner.tick(now);
    this.alarmSummary.tick(now);
    this.alarmJournal.tick(now);
  }

  // ---------- trends ----------

  /** Adds a pen ("device:<id>", "stats:cpu") to the Trends view and shows it, the focus on the chart. */
  openInTrends(pen: string): void {
    this.trends.addPen(pen);
    this.tabs.select("trends");
    this.trends.focusChart();
  }

  // ---------- device details ----------

  /** Opens the details of a device (its row, when given, gets the focus back on close). */
  openDevice(id: string, opener: HTMLElement | null = null): void {
    const entry = this.devices.entry(id);
    if (entry === undefined) return;
    const changed = this.details.deviceId !== id;
    this.details.open(entry, this.now, opener, this.devices.isShelving(id));
    this.devices.setSelected(id);
    this.refreshDetailsShelf(this.now);
    if (changed) this.actions?.openDevice?.(id);
  }

  closeDevice(): void {
    if (this.details.deviceId === null) return;
    this.details.close();
    this.devices.setSelected(null);
    this.actions?.openDevice?.(null);
  }

  private refreshDetailsShelf(now: number): void {
    const id = this.details.deviceId;
    if (id === null) return;
    this.details.setShelvedUntil(this.devices.shelvedUntil(id), now);
  }

  /** A shelving was answered (either way): its buttons may be pressed again. */
  shelveSettled(deviceId: string): void {
    this.devices.shelveSettled(deviceId);
    this.details.shelveSettled(deviceId);
  }

  // ---------- read-side answers (the controller passes them on) ----------

  showDiagnostics(d: Diagnostics, now: number): void {
    this.header.setRtt(d.rtt_ms);
    this.header.setLastMessageAt(d.link.last_message_at, now);
    this.diagnostics.render(d, now);
    this.diagnostics.showError(null);
  }

  showDiagnosticsError(message: Label): void {
    this.header.setRtt(null);
    this.diagnostics.showError(message);
  }

  showStatsTrend(trend: StatsTrend, since: number, until: number): void {
    this.stats.setTrend(trend, since, until);
  }

  showStatsTrendError(message: Label): void {
    this.stats.showTrendError(message);
  }

  showJournal(entries: readonly JournalEntry[], limit: number): void {
    this.journal.setEntries(entries, limit);
    this.journal.showError(null);
  }

  showJournalError(message: Label): void {
    this.journal.showError(message);
  }

  showLinkChanges(entries: readonly JournalEntry[], now: number): void {
    this.diagnostics.setLinkChanges(entries, now);
  }

  showDeviceTrend(trend: DeviceTrend, now: number): void {
    if (trend.device_id !== this.details.deviceId) return;
    this.details.showTrend(trend, now);
  }

  showDeviceTrendError(deviceId: string, message: Label): void {
    if (deviceId === this.details.deviceId) this.details.showTrendError(message);
  }

  testNotificationSettled(error: string | null): void {
    this.diagnostics.testSettled(error);
  }

  // ---------- alarms (the controller passes the answers on) ----------

  /** An alarm action was answered: the buttons that asked may be pressed again. */
  alarmActionSettled(ids: readonly number[], from: AlarmActionSource, ok: boolean): void {
    if (from === "banner") this.alarmBanner.ackSettled();
    this.alarmSummary.actionSettled(ids, ok);
  }

  /** Why an alarm action was not done, where it was asked (null clears both places). */
  showAlarmActionError(from: AlarmActionSource | null, message: Label | null): void {
    if (from === null || from === "banner") this.alarmBanner.showError(from === null ? null : message);
    if (from === null || from === "summary") this.alarmSummary.showActionError(from === null ? null : message);
  }

  showAlarmHistory(id: number, transitions: readonly AlarmTransition[]): void {
    this.alarmSummary.showHistory(id, transitions);
  }

  showAlarmJournal(transitions: readonly AlarmTransition[], limit: number, now: number): void {
    this.alarmJournal.setTransitions(transitions, limit, now);
    this.alarmJournal.showError(null);
  }

  showAlarmKpis(kpis: AlarmKpis): void {
    this.alarmKpis.render(kpis);
    this.alarmKpis.showError(null);
  }
}
