// Diagnostics view: section id="diagnostics". The link (#diag-link[data-mode],
// #diag-link-since, #diag-last-message, #diag-rtt, #diag-rate, #diag-messages,
// #diag-reconnects, #diag-dropped-frames, #diag-alerts-dropped), the time in
// each link mode (table#diag-modes, tr[data-mode]), the recent link changes
// from the journal (ol#diag-link-changes), a test notification
// (button#test-notification, its result in #test-notification-result[data-result])
// and the data and log folders as selectable text (#diag-data-dir, #diag-log-dir).

import {
  formatAgeSince,
  formatClockOffset,
  formatCount,
  formatDateTime,
  formatPercent,
  formatRate,
  formatRtt,
  formatTimeOfDayOrDate,
  formatUptime,
  failoversText,
  linkLabel,
  linkModeName,
} from "../lib/format";
import { modeShares } from "../state";
import { strings } from "../strings";
import type { Diagnostics, JournalEntry } from "../types";
import { onLanguage, LabelText } from "./bind";
import { colHeading, dataTable, el, setAttr, setText, tableHead, type Label } from "./dom";
import { journalText } from "./journal";
import "./diagnostics.css";

interface Figure {
  readonly dd: HTMLElement;
  readonly text: Text;
}

export class DiagnosticsView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly link: Figure;
  private readonly since: Figure;
  private readonly lastMessage: Figure;
  private readonly rtt: Figure;
  private readonly rate: Figure;
  private readonly messages: Figure;
  private readonly reconnects: Figure;
  private readonly droppedFrames: Figure;
  private readonly alertsDropped: Figure;
  private readonly plant: Figure;
  private readonly address: Figure;
  private readonly failovers: Figure;
  private readonly clockOffset: Figure;
  private readonly unusableFrames: Figure;
  private readonly unusableItems: Figure;
  private readonly unusableValues: Figure;
  private readonly modesBody: HTMLTableSectionElement;
  private readonly changes: HTMLOListElement;
  private readonly noChanges: HTMLParagraphElement;
  private readonly testButton: HTMLButtonElement;
  private readonly testResult: HTMLSpanElement;
  private readonly testResultText: Text;
  private readonly dataDirText: Text;
  private readonly logDirText: Text;
  private readonly errorBox: HTMLParagraphElement;
  private readonly errorText: LabelText;
  private readonly waiting: HTMLParagraphElement;
  private readonly linkList: HTMLDListElement;
  private diagnostics: Diagnostics | null = null;
  private onTest: () => void = () => {};
  private readonly figures: readonly Figure[];
  private linkChanges: readonly JournalEntry[] | null = null;
  private now = 0;
  /** The test notification's last result: sending, sent (null), failed (its error), none (undefined). */
  private testResultState: string | null | undefined = undefined;

  constructor(doc: Document) {
    this.doc = doc;
    const D = () => strings.diagnostics;
    const linkList = el(doc, "dl", { class: "diag-figures" });
    this.linkList = linkList;
    const figures: Figure[] = [];
    this.figures = figures;
    const figure = (id: string, label: Label): Figure => {
      const text = doc.createTextNode(strings.missing);
      const dd = el(doc, "dd", { id }, text);
      linkList.appendChild(el(doc, "div", { class: "diag-figure" }, el(doc, "dt", {}, label), dd));
      const f = { dd, text };
      figures.push(f);
      return f;
    };
    this.link = figure("diag-link", () => D().link);
    this.since = figure("diag-link-since", () => D().since);
    this.lastMessage = figure("diag-last-message", () => D().lastMessage);
    this.rtt = figure("diag-rtt", () => D().rtt);
    this.rate = figure("diag-rate", () => D().rate);
    this.messages = figure("diag-messages", () => D().messages);
    this.reconnects = figure("diag-reconnects", () => D().reconnects);
    this.droppedFrames = figure("diag-dropped-frames", () => D().droppedFrames);
    this.alertsDropped = figure("diag-alerts-dropped", () => D().alertsDropped);
    this.plant = figure("diag-plant", () => D().plant);
    this.address = figure("diag-address", () => D().address);
    this.failovers = figure("diag-failovers", () => D().failovers);
    this.clockOffset = figure("diag-clock-offset", () => D().clockOffset);
    const Q = () => strings.quality;
    this.unusableFrames = figure("diag-unusable-frames", () => Q().unusableFrames);
    this.unusableItems = figure("diag-unusable-items", () => Q().unusableItems);
    this.unusableValues = figure("diag-unusable-values", () => Q().unusableValues);

    this.modesBody = el(doc, "tbody");
    const modes = dataTable(doc, {
      table: { id: "diag-modes", class: "data-table diag-modes" },
      caption: () => D().modes,
      head: tableHead(doc, [() => D().mode, colHeading(doc, () => D().time, "num"), colHeading(doc, () => D().share, "num")]),
      body: this.modesBody,
    });

    this.changes = el(doc, "ol", { id: "diag-link-changes", class: "diag-changes" });
    this.noChanges = el(doc, "p", { class: "empty", id: "diag-no-changes" }, () => D().noChanges);

    this.testButton = el(
      doc,
      "button",
      { id: "test-notification", class: "button button-action", attrs: { type: "button" } },
      () => D().testNotification,
    );
    this.testResultText = doc.createTextNode("");
    this.testResult = el(
      doc,
      "span",
      { id: "test-notification-result", class: "test-result", attrs: { role: "status" } },
      this.testResultText,
    );
    this.testButton.addEventListener("click", () => {
      if (this.testButton.disabled) return;
      this.testButton.disabled = true;
      this.testResultState = "sending";
      setText(this.testResultText, D().testSending);
      setAttr(this.testResult, "data-result", "sending");
      this.onTest();
    });

    this.dataDirText = doc.createTextNode(strings.missing);
    this.logDirText = doc.createTextNode(strings.missing);
    this.errorText = new LabelText(doc);
    this.errorBox = el(doc, "p", { id: "diagnostics-error", class: "panel-error", attrs: { role: "alert" } }, this.errorText.node);
    this.errorBox.hidden = true;
    this.waiting = el(doc, "p", { class: "empty", id: "diagnostics-waiting" }, () => D().waiting);

    const card = (id: string, title: Label, ...children: (Node | null)[]) =>
      el(
        doc,
        "section",
        { class: "diag-card", attrs: { "aria-labelledby": id } },
        el(doc, "h3", { id }, title),
        ...children,
      );
    const headingId = "diagnostics-heading";
    this.element = el(
      doc,
      "section",
      { id: "diagnostics", class: "panel diagnostics-panel", attrs: { "aria-labelledby": headingId } },
      el(doc, "div", { class: "panel-head" }, el(doc, "h2", { id: headingId }, () => D().heading)),
      this.errorBox,
      el(
        doc,
        "div",
        { class: "diag-grid" },
        card("diag-link-heading", () => D().linkHeading, this.waiting, linkList),
        card("diag-modes-heading", () => D().modes, modes),
        card("diag-changes-heading", () => D().changes, this.changes, this.noChanges),
        card(
          "diag-notify-heading",
          () => D().notifications,
          el(doc, "p", { class: "diag-help" }, () => D().notificationsHelp),
          el(doc, "p", { class: "diag-actions" }, this.testButton, " ", this.testResult),
        ),
        card(
          "diag-folders-heading",
          () => D().folders,
          el(
            doc,
            "dl",
            { class: "diag-paths" },
            el(
              doc,
              "div",
              { class: "diag-path" },
              el(doc, "dt", {}, () => D().dataDir),
              el(doc, "dd", {}, el(doc, "code", { id: "diag-data-dir", class: "path", attrs: { dir: "ltr" } }, this.dataDirText)),
            ),
            el(
              doc,
              "div",
              { class: "diag-path" },
              el(doc, "dt", {}, () => D().logDir),
              el(doc, "dd", {}, el(doc, "code", { id: "diag-log-dir", class: "path", attrs: { dir: "ltr" } }, this.logDirText)),
            ),
          ),
        ),
      ),
    );
    linkList.hidden = true;
    onLanguage(() => this.relabel());
  }

  /** Draws the figures, the modes and the link changes again in the current language. */
  private relabel(): void {
    const now = this.now;
    const d = this.diagnostics;
    if (d !== null) this.render(d, now);
    else for (const text of [...this.figures.map((f) => f.text), this.dataDirText, this.logDirText]) setText(text, strings.missing);
    if (this.linkChanges !== null) this.setLinkChanges(this.linkChanges, now);
    const result = this.testResultState;
    if (result === "sending") setText(this.testResultText, strings.diagnostics.testSending);
    else if (result !== undefined) this.testSettled(result);
  }

  /** Called when the operator presses "Send test notification". */
  setTestHandler(handler: () => void): void {
    this.onTest = handler;
  }

  /** The test notification was answered: "Sent", or why not. */
  testSettled(error: string | null): void {
    this.testButton.disabled = false;
    this.testResultState = error;
    setText(this.testResultText, error === null ? strings.diagnostics.testSent : strings.diagnostics.testFailed(error));
    setAttr(this.testResult, "data-result", error === null ? "sent" : "failed");
    this.testResult.classList.toggle("failed", error !== null);
  }

  showError(message: Label | null): void {
    this.errorText.set(message ?? "");
    this.errorBox.hidden = message === null;
  }

  render(d: Diagnostics, now: number): void {
    this.now = now;
    this.diagnostics = d;
    this.waiting.hidden = true;
    this.linkList.hidden = false;
    const label = linkLabel(d.link, now);
    setText(this.link.text, label.text);
    setAttr(this.link.dd, "data-mode", String(d.link.mode));
    const cls = `link-status-text tone-text-${label.tone}`;
    if (this.link.dd.className !== cls) this.link.dd.className = cls;
    setText(this.rtt.text, formatRtt(d.rtt_ms));
    setText(this.rate.text, formatRate(d.messages_per_second));
    setText(this.messages.text, formatCount(d.messages));
    setText(this.reconnects.text, formatCount(d.reconnects));
    setText(this.droppedFrames.text, formatCount(d.dropped_frames));
    setText(this.alertsDropped.text, formatCount(d.alerts_dropped));
    setText(this.dataDirText, String(d.data_dir));
    setText(this.logDirText, String(d.log_dir));
    this.renderPlantClock(d);
    this.renderAddress(d, now);
    this.renderUnusable(d);
    this.renderModes(d);
    this.tick(now);
  }

  /** The plant's name and its clock's offset; a large offset shows as a warning. */
  private renderPlantClock(d: Diagnostics): void {
    setText(this.plant.text, typeof d.plant === "string" ? d.plant : strings.missing);
    const offset = typeof d.clock_offset_s === "number" ? d.clock_offset_s : null;
    const warning = typeof d.clock_offset_warning === "string" ? d.clock_offset_warning : null;
    setText(this.clockOffset.text, warning === null ? formatClockOffset(offset) : `${formatClockOffset(offset)} — ${warning}`);
    this.clockOffset.dd.classList.toggle("tone-text-warn", warning !== null);
    setAttr(this.clockOffset.dd, "data-warning", warning === null ? "no" : "yes");
  }

  /** The plant address the link is on (with its role) and the failovers so far. */
  private renderAddress(d: Diagnostics, now: number): void {
    const link = d.link;
    const address = typeof link.address === "string" && link.address !== "" ? link.address : null;
    setText(
      this.address.text,
      address === null ? strings.missing : strings.link.onAddress(address, link.address_role === "standby"),
    );
    setText(this.failovers.text, failoversText(link, now));
    setAttr(this.failovers.dd, "data-failovers", String(link.failovers ?? 0));
  }

  /** What the plant sent that the console could not use, this session and in total. */
  private renderUnusable(d: Diagnostics): void {
    const u = d.link.unusable;
    const Q = strings.quality;
    const figures: [Figure, number | undefined, number | undefined][] = [
      [this.unusableFrames, u?.session_frames, u?.frames],
      [this.unusableItems, u?.session_items_dropped, u?.items_dropped],
      [this.unusableValues, u?.session_items_unreadable, u?.items_unreadable],
    ];
    for (const [f, session, total] of figures) {
      setText(f.text, Q.unusableCounts(formatCount(session ?? 0), formatCount(total ?? 0)));
      f.dd.classList.toggle("tone-text-warn", (total ?? 0) > 0);
    }
  }

  private renderModes(d: Diagnostics): void {
    const doc = this.doc;
    const rows = modeShares(Array.isArray(d.time_in_modes) ? d.time_in_modes : []).map((m) =>
      el(
        doc,
        "tr",
        { attrs: { "data-mode": m.mode } },
        el(doc, "th", { attrs: { scope: "row" } }, linkModeName(m.mode)),
        el(doc, "td", { class: "num" }, formatUptime(m.seconds)),
        el(doc, "td", { class: "num" }, formatPercent(m.share * 100)),
      ),
    );
    this.modesBody.replaceChildren(...rows);
  }

  /** The recent link changes (journal entries of kind "link", any order): newest first. */
  setLinkChanges(entries: readonly JournalEntry[], now: number): void {
    this.linkChanges = entries;
    this.now = now;
    const doc = this.doc;
    const sorted = [...entries].sort((a, b) => b.at - a.at || b.id - a.id);
    this.changes.replaceChildren(
      ...sorted.map((e) => {
        const time = el(doc, "time", { class: "journal-time" }, formatTimeOfDayOrDate(e.at, now));
        time.setAttribute("title", formatDateTime(e.at));
        return el(
          doc,
          "li",
          { attrs: { "data-journal-id": String(e.id) } },
          time,
          " ",
          el(doc, "span", { class: "journal-text", attrs: { dir: "auto" } }, journalText(e)),
        );
      }),
    );
    this.noChanges.hidden = sorted.length > 0;
  }

  /** Ages ("since", "last message") once a second. */
  tick(now: number): void {
    this.now = now;
    const d = this.diagnostics;
    if (d === null) return;
    setText(
      this.since.text,
      `${formatTimeOfDayOrDate(d.link.since, now)} (${strings.stats.ageValue(formatAgeSince(d.link.since, now))})`,
    );
    const last = d.link.last_message_at;
    setText(
      this.lastMessage.text,
      last === null ? strings.link.noMessage : strings.stats.ageValue(formatAgeSince(last, now)),
    );
  }
}
