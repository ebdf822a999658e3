// System stats panel: id="system-stats".

import { formatAgeSince, formatPercent, formatUptime } from "../format";
import { strings } from "../strings";
import type { StatsEntry } from "../types";
import { el, setAttr, setText } from "./dom";

const S = strings.stats;

interface Meter {
  readonly text: Text;
  readonly fill: HTMLDivElement | null;
  readonly bar: HTMLDivElement | null;
}

export class StatsView {
  readonly element: HTMLElement;
  private readonly doc: Document;
  private readonly cpu: Meter;
  private readonly memory: Meter;
  private readonly disk: Meter;
  private readonly uptime: Meter;
  private readonly clients: Meter;
  private readonly age: Meter;
  private readonly list: HTMLDListElement;
  private readonly none: HTMLParagraphElement;
  private entry: StatsEntry | null = null;

  constructor(doc: Document) {
    this.doc = doc;
    this.list = el(doc, "dl", { class: "stats-list" });
    this.cpu = this.addItem("stat-cpu", S.cpu, true);
    this.memory = this.addItem("stat-memory", S.memory, true);
    this.disk = this.addItem("stat-disk", S.disk, true);
    this.uptime = this.addItem("stat-uptime", S.uptime, false);
    this.clients = this.addItem("stat-clients", S.clients, false);
    this.age = this.addItem("stat-age", S.age, false);
    this.none = el(doc, "p", { class: "empty", id: "system-stats-empty" }, S.none);
    const headingId = "system-stats-heading";
    this.element = el(
      doc,
      "section",
      {
        id: "system-stats",
        class: "panel stats-panel",
        attrs: { "aria-labelledby": headingId },
      },
      el(doc, "div", { class: "panel-head" }, el(doc, "h2", { id: headingId }, S.heading)),
      this.list,
      this.none,
    );
    this.render(null, 0);
  }

  private addItem(id: string, label: string, withBar: boolean): Meter {
    const doc = this.doc;
    const text = doc.createTextNode(strings.missing);
    let bar: HTMLDivElement | null = null;
    let fill: HTMLDivElement | null = null;
    if (withBar) {
      fill = el(doc, "div", { class: "bar-fill" });
      bar = el(doc, "div", { class: "bar", attrs: { "aria-hidden": "true" } }, fill);
    }
    this.list.appendChild(
      el(
        doc,
        "div",
        { class: "stat" },
        el(doc, "dt", {}, label),
        el(doc, "dd", { id }, el(doc, "span", { class: "stat-value" }, text), bar),
      ),
    );
    return { text, fill, bar };
  }

  private setPercent(m: Meter, value: number | null): void {
    setText(m.text, value === null ? strings.missing : formatPercent(value));
    if (m.fill !== null && m.bar !== null) {
      const pct = value === null || !Number.isFinite(value) ? 0 : Math.min(100, Math.max(0, value));
      m.fill.style.setProperty("width", `${pct}%`);
      m.bar.classList.toggle("high", pct >= 90);
    }
  }

  setStale(stale: boolean): void {
    this.element.classList.toggle("stale", stale);
    setAttr(this.element, "title", stale ? strings.unconfirmedTitle : null);
  }

  render(entry: StatsEntry | null, now: number): void {
    this.entry = entry;
    this.none.hidden = entry !== null;
    this.list.hidden = entry === null;
    if (entry === null) {
      for (const m of [this.cpu, this.memory, this.disk]) this.setPercent(m, null);
      setText(this.uptime.text, strings.missing);
      setText(this.clients.text, strings.missing);
      setText(this.age.text, strings.missing);
      return;
    }
    const s = entry.stats;
    this.setPercent(this.cpu, s.cpu_percent);
    this.setPercent(this.memory, s.memory_percent);
    this.setPercent(this.disk, s.disk_percent);
    setText(this.uptime.text, formatUptime(s.uptime_s));
    setText(this.clients.text, String(s.clients));
    this.tick(now);
  }

  tick(now: number): void {
    if (this.entry === null) return;
    setText(this.age.text, S.ageValue(formatAgeSince(this.entry.received_at, now)));
  }
}
