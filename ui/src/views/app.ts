// The whole window. Renders a ConsoleStore: each region is an effect subscribed to the
// store's signals it reads (state/signals.ts), so it runs only when those change.
//
// Layout: the header and the alarm banner (always visible) and a tab list
// (div#view-tabs) with these views:
//   #view-overview     the Level-1 plant overview (views/overview.ts), the first view
//   #view-alarms       the alarm summary (+ the history of one) above the alarm journal
//   #view-plant        devices (+ the details of one), outbox | system stats, relays
//   #view-alerts       the alert list | the journal
//   #view-diagnostics  the link's figures, test notification, folders, the alarm KPIs
//   #view-settings     the settings form
// The global keys (views/keys.ts: the alarm keys, Alt+1… for the tabs, F1 for the key
// help) work in every view; the key help (#key-help) lists every key.
// A window of one view (`?window=alarms|overview|trend`, lib/window-role.ts) shows that
// view alone, without the tab list, with the header's link status and the alarm banner
// kept, so that no window shows a value without its link state.
// The window is built once: a language change changes its texts in place
// (views/bind.ts), and the regions that draw formatted text read the language.

import { effect } from "../lib/signals";
import { formatCount, formatHourMinute } from "../lib/format";
import { capsNotice } from "../state/caps";
import { UnusableWatch, unusableTotal } from "../state/quality";
import { activeShelves, type ChangeSet, type ConsoleStore, type JournalRange, type StatsRange } from "../state";
import { currentLanguage, strings, type Language } from "../strings";
import type { AlarmKpis, AlarmTransition, AlertPrefs, DeviceTrend, Diagnostics, JournalEntry, SettingsInput, StatsTrend } from "../types";
import type { OperatorSession, WindowInfo, WindowView } from "../types";
import { SECONDARY_ROLES, type SecondaryRole, type WindowRole } from "../lib/window-role";
import { AlarmBannerView } from "./alarm-banner";
import { AlarmJournalView } from "./alarm-journal";
import { AlarmKpisView } from "./alarm-kpis";
import { ShelveDialog } from "./alarm-shelve";
import { AlarmSummaryView } from "./alarms";
import { AlertsView } from "./alerts";
import { Annunciator, type PlayerFactory } from "./annunciator";
import { ConfirmDialog } from "./confirm";
import { ReauthDialog } from "./reauth";
import { SignInDialog } from "./sign-in";
import { DeviceDetailsView } from "./device-details";
import { DevicesView } from "./devices";
import { DiagnosticsView } from "./diagnostics";
import { bindDocumentLanguage, bindText, owned, LabelText } from "./bind";
import { el, setText, type Label } from "./dom";
import { HeaderView } from "./header";
import { JournalView } from "./journal";
import { OverviewView } from "./overview";
import { DisplaySettingsView } from "./display-settings";
import { Splitter } from "./splitter";
import { PANES } from "../lib/prefs";
import { summarizeAreas } from "../state/areas";
import { KeyHelpView } from "./key-help";
import { globalKeyOf, isTyping, type GlobalAction } from "./keys";
import { OutboxView } from "./outbox";
import { RelaysView } from "./relays";
import { SettingsFormView } from "./settings";
import { StatsView } from "./stats";
import { TrendsView } from "./trends";
import { isTabId, TabsView, type TabId } from "./tabs";
import { applyWindowRole, openWindowButton, placeOpenWindowButton, ROLE_TABS } from "./windows";
import { whyNot } from "./session-text";

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
  /** "Open in new window": the view in a window of its own (the console opens it). */
  openWindow?(view: WindowView): void;
  /** Tiles of the overview came on screen (their sparklines are wanted). */
  overviewShown?(): void;
  /** The header's Sign in (with the button) and Sign out, and the sign-in dialog's submit. */
  openSignIn?(opener: HTMLElement): void;
  signOut?(): void;
  signIn?(name: string, password: string): void;
  /** A key or the pointer in the window (the console's idle sign-out waits). */
  activity?(): void;
}

/** Where an alarm action was asked: the banner (or a key standing for it), or the summary. */
export type AlarmActionSource = "banner" | "summary";

export interface AppViewOptions {
  /** What plays the alarm tones (the webview's audio element unless a test gives another). */
  playerFactory?: PlayerFactory;
  /** Where the pane sizes, the theme and the density are remembered (localStorage in the app; none: the defaults). */
  storage?: Pick<Storage, "getItem" | "setItem"> | null;
  /** The window this page is in (lib/window-role.ts): the main window unless said. */
  role?: WindowRole;
  /** The view's own query in a window of one view (a trend's `pens=…&since=…&until=…`). */
  windowQuery?: string | null;
  /** A trend window's new state as a query (the app puts it in the page's address). */
  onWindowQuery?: (query: string) => void;
}

/**
 * The role a window can have: a window of one view whose tab does not exist (a newer
 * console's view in an older page) is the main window, showing everything.
 */
function usableRole(role: WindowRole | undefined): WindowRole {
  if (role === undefined || role === "main") return "main";
  return isTabId(ROLE_TABS[role]) ? role : "main";
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
  /** The quick sign-in and the re-authentication before a control action. */
  signIn!: SignInDialog;
  reauth!: ReauthDialog;
  alarmBanner!: AlarmBannerView;
  alarmSummary!: AlarmSummaryView;
  alarmJournal!: AlarmJournalView;
  alarmKpis!: AlarmKpisView;
  shelveDialog!: ShelveDialog;
  keyHelp!: KeyHelpView;
  overview!: OverviewView;
  /** The theme and density (in the Settings view, applied at once). */
  display!: DisplaySettingsView;
  /** The drag handles between the plant view's columns and the alarm view's panes. */
  plantSplit!: Splitter;
  alarmsSplit!: Splitter;
  /** The areas changed while the overview was hidden: drawn when it is shown. */
  private overviewDirty = true;
  private paneStorage: Pick<Storage, "getItem" | "setItem"> | null = null;
  readonly annunciator: Annunciator;
  /** The window this page is in: "main", or the one view an extra window shows. */
  readonly role: WindowRole;
  /** The query its view was opened with (a trend window's pens and range; null: none). */
  readonly windowQuery: string | null;
  private readonly onWindowQuery: (query: string) => void;
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
    this.role = usableRole(opts.role);
    this.windowQuery = this.role === "main" ? null : (opts.windowQuery ?? null);
    this.onWindowQuery = opts.onWindowQuery ?? (() => {});
    applyWindowRole(doc, this.role);
    this.annunciator = new Annunciator(opts.playerFactory);
    this.paneStorage = opts.storage ?? null;
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
   * The global keys, in every view (on the document, so that they work wherever the
   * focus is; in a text field only those that type nothing), and the operator's
   * gestures, at which a sound the webview refused to start is tried again.
   */
  private listenForKeys(): void {
    const onKey = (ev: KeyboardEvent) => {
      this.annunciator.retry();
      const key = globalKeyOf(ev, { typing: isTyping(ev.target), role: this.role });
      // A dialog asks something first: the keys wait for its answer.
      if (key === null || this.confirm.isOpen || this.shelveDialog.isOpen) return;
      ev.preventDefault();
      this.runKey(key.action);
    };
    const onPointer = () => this.annunciator.retry();
    this.doc.addEventListener("keydown", onKey);
    this.doc.addEventListener("pointerdown", onPointer);
    this.bindings.push(() => {
      this.doc.removeEventListener("keydown", onKey);
      this.doc.removeEventListener("pointerdown", onPointer);
    });
  }

  private runKey(action: GlobalAction): void {
    if (action.kind === "help") return this.keyHelp.toggle();
    // The key help is only a list: a key it lists closes it and does what it says.
    this.keyHelp.close();
    switch (action.kind) {
      case "acknowledge":
        return this.acknowledgeByKey();
      case "silence":
        return this.actions?.silenceAlarms();
      case "summary":
        return this.openAlarmSummary();
      case "tab":
        return this.tabs.select(action.tab, true);
    }
  }

  /** Ctrl+Shift+A: the alarms ticked in the summary (while it is shown), otherwise the banner's. */
  private acknowledgeByKey(): void {
    if (this.activeTab === "alarms" && this.alarmSummary.acknowledgeSelected()) return;
    this.alarmBanner.acknowledge();
  }

  /**
   * Shows the alarm summary with the focus on it (the banner's button, Ctrl+Shift+L).
   * A window of another single view has no summary to show: the summary's own window
   * is opened (or brought forward) instead.
   */
  openAlarmSummary(): void {
    if (this.role !== "main" && this.role !== "alarms") {
      this.actions?.openWindow?.({ kind: "alarms", query: null });
      return;
    }
    this.tabs.select("alarms");
    this.alarmSummary.focus();
  }

  /**
   * Whether unacknowledged critical and high alarms sound (the operator's setting). Only
   * the main window sounds: every window hears the same alarms, and one horn is enough.
   */
  setAlarmSound(enabled: boolean): void {
    this.annunciator.setEnabled(enabled && this.role === "main");
  }

  /** What the console says about this window: in kiosk mode the header says so and the key help says how to leave it. */
  setWindowInfo(info: WindowInfo): void {
    this.header.setKiosk(info.kiosk);
    this.keyHelp.setKiosk(info.kiosk);
  }

  /** The view shown in a window of one view (null: the main window, with its tabs). */
  get windowRole(): SecondaryRole | null {
    return this.role === "main" ? null : this.role;
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
    // The analog bars are drawn against the site's limits (none set: the values seen).
    this.devices.setLimits(Array.isArray(alerts.limits) ? alerts.limits : []);
    // The trends draw them as lines on each device pen's axis.
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
    // A trend's window shows the pens and the range its address asks for.
    this.trends = this.role === "trend" && this.windowQuery !== null ? TrendsView.fromQuery(doc, this.windowQuery) : new TrendsView(doc);
    this.outbox = new OutboxView(doc);
    this.alerts = new AlertsView(doc);
    this.journal = new JournalView(doc);
    this.diagnostics = new DiagnosticsView(doc);
    this.settings = new SettingsFormView(doc);
    this.confirm = new ConfirmDialog(doc);
    this.signIn = new SignInDialog(doc);
    this.reauth = new ReauthDialog(doc);
    this.alarmBanner = new AlarmBannerView(doc);
    this.alarmSummary = new AlarmSummaryView(doc);
    this.alarmJournal = new AlarmJournalView(doc);
    this.alarmKpis = new AlarmKpisView(doc);
    this.shelveDialog = new ShelveDialog(doc);
    this.keyHelp = new KeyHelpView(doc, this.role);
    this.header.setKeyHelpHandler((opener) => this.keyHelp.open(opener));
    this.header.setAlertCountHandler(() => {
      // A window of one view has no alert list: the count says how many, the main window shows them.
      if (this.role !== "main") return;
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

    this.overview = new OverviewView(doc);
    this.overview.setOpenHandler((area) => this.openArea(area));
    const overview = el(doc, "section", { class: "view overview-view" }, this.overview.element);
    const plant = el(doc, "section", { class: "view plant-view" });
    this.plantSplit = new Splitter(doc, {
      container: plant,
      name: "plant",
      bounds: PANES.plant,
      axis: "columns",
      label: () => strings.hmi.plantSplit,
      storage: this.paneStorage,
    });
    plant.append(
      el(doc, "div", { class: "primary" }, this.devices.element, this.details.element, this.outbox.element),
      this.plantSplit.element,
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
    // The display card sits with the settings' cards, though it is not part of the form's
    // values: it is applied at once and kept on this computer.
    this.display = new DisplaySettingsView(doc, this.paneStorage);
    settings.querySelector(".settings-grid")?.appendChild(this.display.element);
    const alarms = el(doc, "section", { class: "view alarms-view" });
    this.alarmsSplit = new Splitter(doc, {
      container: alarms,
      name: "alarms",
      bounds: PANES.alarms,
      axis: "rows",
      label: () => strings.hmi.alarmsSplit,
      storage: this.paneStorage,
    });
    alarms.append(this.alarmSummary.element, this.alarmsSplit.element, this.alarmJournal.element);
    this.tabs = new TabsView(doc, { overview, alarms, plant, trends, alerts: events, diagnostics, settings });
    this.tabs.setChangeHandler((tab) => {
      if (tab === "plant") this.devices.refreshWindow();
      if (tab === "overview") this.refreshOverview();
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
      el(doc, "main", { class: "app-main" }, overview, alarms, plant, trends, events, diagnostics, settings),
      this.confirm.element,
      this.shelveDialog.element,
      this.reauth.element,
      this.signIn.element,
      this.keyHelp.element,
    );
    this.arrangeWindow();
  }

  /**
   * The main window: the tab list, and "Open in new window" on the views that can have
   * one. A window of one view: that view's tab shown, and no tab list.
   */
  private arrangeWindow(): void {
    const role = this.role;
    if (role === "main") {
      this.header.setTabs(this.tabs.element);
      for (const kind of SECONDARY_ROLES) {
        const view = this.element.querySelector(`#view-${ROLE_TABS[kind]}`);
        if (!(view instanceof HTMLElement)) continue;
        const button = openWindowButton(this.doc, kind, (k) => this.actions?.openWindow?.({ kind: k, query: this.queryFor(k) }));
        placeOpenWindowButton(view, button);
      }
      return;
    }
    this.element.classList.add("one-view");
    const tab = ROLE_TABS[role];
    if (isTabId(tab)) this.tabs.select(tab);
    // A trend window's address follows what it shows, so that the console reopens it
    // at the same pens and range (it keeps the open windows' addresses).
    if (role === "trend") this.trends.setStateHandler(() => this.onWindowQuery(this.trends.toQuery()));
  }

  /** The query a view's own window opens with (its state; none for the alarm summary and the overview). */
  private queryFor(kind: SecondaryRole): string | null {
    // A trend's window opens with the pens and the range shown here.
    return kind === "trend" ? this.trends.toQuery() : null;
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
    this.overview.setShownHandler(() => actions.overviewShown?.());
    this.alarmJournal.setExportHandler((range) => actions.exportAlarmJournal?.(range));
    this.header.setSessionHandlers(
      (opener) => actions.openSignIn?.(opener),
      () => actions.signOut?.(),
    );
    this.signIn.setSubmitHandler((name, password) => actions.signIn?.(name, password));
    // Activity holds off the idle sign-out (the controller throttles what it sends).
    const activity = () => actions.activity?.();
    this.doc.addEventListener("keydown", activity, { capture: true, passive: true });
    this.doc.addEventListener("pointerdown", activity, { capture: true, passive: true });
  }

  /**
   * The operator was signed out (idle, or in another window): every dialog that was
   * about to act in their name closes without sending anything, back to viewing.
   */
  closeControlDialogs(): void {
    this.reauth.cancel();
    this.confirm.cancel();
    if (this.shelveDialog.isOpen) this.shelveDialog.close();
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
    let controls: readonly unknown[] | null = [s.link.peek(), s.meta.peek(), s.devices.peek(), s.session.peek()];
    let commandRelays = s.commandRelays.peek();
    this.region(() => {
      const l = s.link.value;
      const r = s.relays.value;
      const c = [l, s.meta.value, s.devices.value, s.session.value];
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

    // The controls a role may not use (session, language): disabled, the reason their
    // title. The relay switches follow in their own region; the header is told by the
    // session controller.
    let controlSession = since(s.session);
    let controlLanguage = currentLanguage.peek();
    this.region(() => {
      const v = s.session.value;
      const lang = currentLanguage.value;
      if (v === controlSession && lang === controlLanguage) return;
      controlSession = v;
      controlLanguage = lang;
      this.applySession(store.session);
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

    // The overview's areas (devices, alarms): drawn while it is shown, else when it is
    // shown next (grouping 10 000 devices per batch for a hidden view is wasted work).
    let areaDevices = since(s.devices);
    let areaAlarms = since(s.alarms);
    this.region(() => {
      const d = s.devices.value;
      const a = s.alarms.value;
      if (d === areaDevices && a === areaAlarms) return;
      areaDevices = d;
      areaAlarms = a;
      this.overviewDirty = true;
      if (this.activeTab === "overview") this.refreshOverview();
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

  /** What the role at the screen may do, to every view with controls it may not use. */
  private applySession(session: OperatorSession): void {
    this.alarmBanner.setSession(session);
    this.alarmSummary.setSession(session);
    this.alerts.setSession(session);
    this.settings.setSession(session);
    // Shelving a device's alerts is the role's `shelve` too.
    const shelve = whyNot(session, "shelve");
    this.devices.setShelveBlock(shelve);
    this.details.setShelveBlock(shelve);
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

  // ---------- the overview ----------

  /** Draws the overview's areas again, when they changed since it was last drawn. */
  private refreshOverview(): void {
    const store = this.bound;
    if (!this.overviewDirty || store === null) return;
    this.overviewDirty = false;
    this.overview.render(summarizeAreas(store.devices.values(), store.alarms.list()));
  }

  /** Opens the plant view on one area's devices (a click or Enter on its tile). */
  openArea(area: string): void {
    this.devices.setArea(area);
    this.tabs.select("plant");
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
