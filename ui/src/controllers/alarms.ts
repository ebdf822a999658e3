// Alarms: the summary (loaded at start and after a new snapshot; batches keep it
// up to date in between), the operator's actions on alarms, one alarm's history,
// the alarm journal and its export, and the KPIs, each loaded when its view is
// shown and again when batches bring alarm changes while it is.

import { NO_BACKEND, toUiError } from "../ipc";
import { alarmActionRight, ALARM_JOURNAL_LIMIT, ALARM_KPI_HOURS, rangeSince, type ChangeSet, type JournalRange } from "../state";
import { strings } from "../strings";
import type { AlarmAction, Challenge } from "../types";
import { whyNot } from "../views/session-text";
import type { AlarmActionSource } from "../views/app";
import type { TabId } from "../views/tabs";
import type { Challenged, ControllerContext } from "./context";
import { Loader } from "./loader";

/** The file name the save dialog proposes for the alarm journal. */
export const ALARM_JOURNAL_FILE = "alarm-journal.csv";

export interface AlarmsOptions {
  /** Least time between two loads of the journal, the history or the KPIs that batches ask for (ms). */
  alarmReloadMs: number;
}

export class AlarmsController {
  private readonly listLoader: Loader;
  private readonly historyLoader: Loader;
  private readonly journalLoader: Loader;
  private readonly kpisLoader: Loader;
  private listDelay: number;
  private listTimer: ReturnType<typeof setTimeout> | null = null;
  /** The alarm whose history is open. */
  private historyId: number | null = null;
  /** Alarms changed since the journal was last loaded while hidden. */
  private journalDirty = true;
  private exporting = false;

  constructor(
    private readonly ctx: ControllerContext,
    opts: AlarmsOptions,
  ) {
    this.listDelay = ctx.retryMinMs;
    this.listLoader = new Loader(() => this.loadAlarms(), 0);
    this.historyLoader = new Loader(() => this.loadHistory(), opts.alarmReloadMs);
    this.journalLoader = new Loader(() => this.loadJournal(), opts.alarmReloadMs);
    this.kpisLoader = new Loader(() => this.loadKpis(), opts.alarmReloadMs);
  }

  stop(): void {
    if (this.listTimer !== null) clearTimeout(this.listTimer);
    this.listTimer = null;
    for (const loader of [this.listLoader, this.historyLoader, this.journalLoader, this.kpisLoader]) loader.stop();
  }

  /** Loads the summary now (after the load in flight, if any). */
  requestAlarms(): void {
    this.listLoader.now();
  }

  /** Loads the alarm summary (merged with what batches brought meanwhile); retried on failure. */
  async loadAlarms(): Promise<void> {
    if (this.ctx.stopped()) return;
    if (this.listTimer !== null) {
      clearTimeout(this.listTimer);
      this.listTimer = null;
    }
    const mark = this.ctx.store.alarms.mark();
    try {
      const list = await this.ctx.ipc.alarms();
      if (this.ctx.stopped()) return;
      this.ctx.schedule(this.ctx.store.applyAlarmList(list, mark));
      this.listDelay = this.ctx.retryMinMs;
      this.ctx.view.alarmSummary.showError(null);
    } catch (err) {
      if (this.ctx.stopped()) return;
      const e = toUiError(err);
      this.ctx.view.alarmSummary.showError(e.code === NO_BACKEND ? e.message : () => strings.errors.alarmsFailed(e.message));
      if (e.code !== NO_BACKEND) {
        this.listTimer = setTimeout(() => {
          this.listTimer = null;
          this.listLoader.now();
        }, this.listDelay);
        this.listDelay = Math.min(this.listDelay * 2, this.ctx.retryMaxMs);
      }
    }
  }

  /**
   * Sends one alarm action, through the re-authentication when the console's policy
   * wants it (ctx.challenged: a cancel sends nothing). An action the role may not
   * take is not sent at all: why is said where it was asked (`from`), as for a key.
   * The buttons of `ids` wait for the answer; a refusal is shown where it was asked.
   * The summary is loaded again after a sent action: batches bring the changes too,
   * but an answer is the surer word.
   */
  private async act(action: AlarmAction, ids: readonly number[], from: AlarmActionSource): Promise<void> {
    if (this.ctx.stopped()) return;
    const sent = await this.send(action, from);
    if (this.ctx.stopped()) return;
    this.ctx.view.alarmActionSettled(ids, from, sent === "sent");
    if (sent !== "blocked" && sent !== "cancelled") this.requestAlarms();
  }

  /**
   * The one path of every alarm action to the console: refused here when the session
   * says the role may not take it, challenged when it asks for the password again.
   */
  private async send(action: AlarmAction, from: AlarmActionSource): Promise<"sent" | "failed" | "cancelled" | "blocked"> {
    const right = alarmActionRight(action);
    if (this.ctx.store.sessionBlock(right) !== null) {
      this.ctx.view.showAlarmActionError(from, () => whyNot(this.ctx.store.session, right) ?? "");
      return "blocked";
    }
    const outcome: Challenged<number> = await this.ctx.challenged({ action: right }, (challenge: Challenge | null) =>
      challenge === null ? this.ctx.ipc.alarmAction(action) : this.ctx.ipc.alarmAction(action, challenge),
    );
    if (this.ctx.stopped()) return outcome.kind === "sent" ? "sent" : "failed";
    switch (outcome.kind) {
      case "sent":
        this.ctx.view.showAlarmActionError(null, null);
        return "sent";
      case "cancelled":
        return "cancelled";
      case "failed": {
        const message = toUiError(outcome.error).message;
        this.ctx.view.showAlarmActionError(from, () => strings.errors.alarmActionFailed(message));
        return "failed";
      }
    }
  }

  acknowledge(ids: readonly number[], from: AlarmActionSource): Promise<void> {
    return this.act({ action: "acknowledge", args: [...ids] }, ids, from);
  }

  /** Silences the sound until a new alarm sounds (the banner's button, Ctrl+Shift+S). */
  async silence(): Promise<void> {
    if (this.ctx.stopped()) return;
    await this.send({ action: "silence" }, "banner");
    if (!this.ctx.stopped()) this.ctx.view.alarmBanner.silenceSettled();
  }

  shelve(id: number, minutes: number, reason: string): Promise<void> {
    return this.act({ action: "shelve", args: { id, minutes, reason } }, [id], "summary");
  }

  unshelve(id: number): Promise<void> {
    return this.act({ action: "unshelve", args: id }, [id], "summary");
  }

  reset(id: number): Promise<void> {
    return this.act({ action: "reset", args: id }, [id], "summary");
  }

  // ---------- one alarm's history ----------

  /** An alarm's history was opened (load it) or closed (null). */
  openHistory(id: number | null): void {
    this.historyId = id;
    if (id !== null) this.historyLoader.now();
  }

  async loadHistory(): Promise<void> {
    const id = this.historyId;
    if (this.ctx.stopped() || id === null) return;
    try {
      const transitions = await this.ctx.ipc.alarmHistory(id);
      if (this.ctx.stopped() || this.historyId !== id) return;
      this.ctx.view.showAlarmHistory(id, transitions);
    } catch (err) {
      if (this.ctx.stopped()) return;
      const message = toUiError(err).message;
      this.ctx.view.alarmSummary.showHistoryError(id, () => strings.errors.alarmHistoryFailed(message));
    }
  }

  // ---------- the journal and its export ----------

  /** A journal period was chosen. */
  journalRangeChanged(): void {
    this.journalLoader.now();
  }

  /** Loads the journal of the period the view shows (its newest ALARM_JOURNAL_LIMIT transitions). */
  async loadJournal(): Promise<void> {
    if (this.ctx.stopped()) return;
    const range = this.ctx.view.alarmJournal.range;
    this.journalDirty = false;
    const now = this.ctx.now();
    try {
      const transitions = await this.ctx.ipc.alarmJournal({ since: rangeSince(range, now), limit: ALARM_JOURNAL_LIMIT });
      if (this.ctx.stopped() || this.ctx.view.alarmJournal.range !== range) return;
      this.ctx.view.showAlarmJournal(transitions, ALARM_JOURNAL_LIMIT, this.ctx.now());
    } catch (err) {
      if (this.ctx.stopped()) return;
      this.journalDirty = true;
      const message = toUiError(err).message;
      this.ctx.view.alarmJournal.showError(() => strings.errors.alarmJournalFailed(message));
    }
  }

  /**
   * "Export CSV": the operator picks the file in the native save dialog, then the
   * console writes the period's whole journal there (worded in its language). A
   * cancelled dialog writes nothing and says nothing.
   */
  async exportJournal(range: JournalRange): Promise<void> {
    if (this.ctx.stopped() || this.exporting) return;
    this.exporting = true;
    const view = this.ctx.view.alarmJournal;
    try {
      const path = await this.ctx.ipc.chooseSavePath({
        defaultPath: ALARM_JOURNAL_FILE,
        filters: [{ name: strings.alarms.exportFilter, extensions: ["csv"] }],
      });
      if (this.ctx.stopped()) return;
      if (path === null) {
        view.exportFailed(null);
        return;
      }
      const until = this.ctx.now();
      const rows = await this.ctx.ipc.exportAlarmJournal(path, rangeSince(range, until), until);
      if (this.ctx.stopped()) return;
      view.exported(rows, path);
    } catch (err) {
      if (this.ctx.stopped()) return;
      const message = toUiError(err).message;
      view.exportFailed(() => strings.errors.alarmExportFailed(message));
    } finally {
      this.exporting = false;
    }
  }

  // ---------- the KPIs ----------

  async loadKpis(): Promise<void> {
    if (this.ctx.stopped()) return;
    try {
      const kpis = await this.ctx.ipc.alarmKpis(ALARM_KPI_HOURS);
      if (this.ctx.stopped()) return;
      this.ctx.view.showAlarmKpis(kpis);
    } catch (err) {
      if (this.ctx.stopped()) return;
      const message = toUiError(err).message;
      this.ctx.view.alarmKpis.showError(() => strings.errors.alarmKpisFailed(message));
    }
  }

  // ---------- what batches and views ask for ----------

  /**
   * Batches that change alarms make the journal, the open history and the KPIs
   * out of date: loaded again now when shown (the journal when next shown otherwise;
   * the KPIs are read at every visit anyway). A new
   * snapshot (a reconnect, another plant) loads the summary again.
   */
  noteActivity(c: ChangeSet): void {
    if (!this.ctx.ipc.hasBackend()) return;
    if (c.devicesReset && this.ctx.store.alarmsLoaded) this.requestAlarms();
    if (!c.alarms && !c.alarmStatus) return;
    const tab = this.ctx.view.activeTab;
    if (tab === "alarms") this.journalLoader.request();
    else this.journalDirty = true;
    if (this.historyId !== null) this.historyLoader.request();
    if (tab === "diagnostics") this.kpisLoader.request();
  }

  /** Another view is shown: load what it shows if it is out of date. */
  tabChanged(tab: TabId): void {
    if (this.ctx.stopped() || !this.ctx.ipc.hasBackend()) return;
    if (tab === "alarms" && this.journalDirty) this.journalLoader.now();
    // The KPIs cover the last 24 hours, which move on without any alarm: read at each visit.
    if (tab === "diagnostics") this.kpisLoader.request();
  }
}
