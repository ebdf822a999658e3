// Every key of the window, in one table: the keys that work wherever the focus is
// (GLOBAL_KEYS, matched here and acted on by app.ts) and the keys that a part of the
// window handles itself (LOCAL_KEYS: the tab list, the tables, the dialogs). The key
// help overlay (key-help.ts) lists this table, and the buttons' titles name their keys
// from it, so that what the window says about its keys cannot drift from what it does.
//
// The global keys are physical keys (KeyboardEvent.code), so that they are the same
// keys on a Persian keyboard, where "A" types "ش"; and their names are the same in
// both languages (the keycaps say them), so they are not in the string tables. What
// each key does is, in both tables. README.md's operator section lists the alarm keys.

import type { Strings } from "../strings";
import type { WindowRole } from "../lib/window-role";
import { TAB_IDS, type TabId } from "./tabs";

/** One way of pressing a key: the physical key and the modifiers held, exactly. */
export interface Chord {
  /** KeyboardEvent.code. */
  readonly code: string;
  readonly ctrl: boolean;
  readonly shift: boolean;
  readonly alt: boolean;
  /**
   * Whether it works while the focus is in a text field. There the keys belong to the
   * field (Shift+? types a "?", Alt with a digit is the field's too), except the
   * alarm keys, which must work wherever the operator is and which no field uses, and
   * F1, which types nothing.
   */
  readonly whileTyping: boolean;
}

/** What a global key asks for. */
export type GlobalAction =
  | { readonly kind: "acknowledge" }
  | { readonly kind: "silence" }
  | { readonly kind: "summary" }
  | { readonly kind: "help" }
  | { readonly kind: "tab"; readonly tab: TabId };

/** Where the overlay lists a key. */
export type KeyGroup = "everywhere" | "tabs" | "tables" | "chart" | "panes" | "dialogs";

export const KEY_GROUPS: readonly KeyGroup[] = ["everywhere", "tabs", "tables", "chart", "panes", "dialogs"];

/** What every key of the table has: a name for the overlay, what it does, and where it is listed. */
export interface KeyEntry {
  /** Stable, for tests and the overlay's rows (`tr[data-key-id]`). */
  readonly id: string;
  /** The keycaps, as the overlay and the buttons' titles show them ("Ctrl+Shift+A"). */
  readonly label: string;
  readonly group: KeyGroup;
  /** What it does, in the current table's words. */
  readonly describe: (s: Strings) => string;
  /** Only the main window has it (the extra windows have no tab list). */
  readonly mainOnly: boolean;
}

export interface GlobalKey extends KeyEntry {
  readonly chords: readonly Chord[];
  readonly action: GlobalAction;
}

function chord(code: string, mods: { ctrl?: boolean; shift?: boolean; alt?: boolean; whileTyping?: boolean } = {}): Chord {
  return {
    code,
    ctrl: mods.ctrl === true,
    shift: mods.shift === true,
    alt: mods.alt === true,
    whileTyping: mods.whileTyping === true,
  };
}

/** The digit keys' codes, for Alt+1 … Alt+9 (the number row: Persian keyboards have it too). */
function digitCode(n: number): string {
  return `Digit${n}`;
}

/** The tab keys: Alt+1 for the first tab, and so on, in the tab list's order. */
function tabKeys(): GlobalKey[] {
  return TAB_IDS.slice(0, 9).map((tab, i) => ({
    id: `tab-${tab}`,
    label: `Alt+${i + 1}`,
    group: "tabs",
    describe: (s: Strings) => s.keys.goToTab(s.tabs[tab]),
    mainOnly: true,
    chords: [chord(digitCode(i + 1), { alt: true })],
    action: { kind: "tab", tab },
  }));
}

/** The keys that work wherever the focus is, each with what it does. */
export const GLOBAL_KEYS: readonly GlobalKey[] = [
  {
    id: "acknowledge",
    label: "Ctrl+Shift+A",
    group: "everywhere",
    describe: (s) => s.keys.acknowledge,
    mainOnly: false,
    chords: [chord("KeyA", { ctrl: true, shift: true, whileTyping: true })],
    action: { kind: "acknowledge" },
  },
  {
    id: "silence",
    label: "Ctrl+Shift+S",
    group: "everywhere",
    describe: (s) => s.keys.silence,
    mainOnly: false,
    chords: [chord("KeyS", { ctrl: true, shift: true, whileTyping: true })],
    action: { kind: "silence" },
  },
  {
    id: "summary",
    label: "Ctrl+Shift+L",
    group: "everywhere",
    describe: (s) => s.keys.summary,
    mainOnly: false,
    chords: [chord("KeyL", { ctrl: true, shift: true, whileTyping: true })],
    action: { kind: "summary" },
  },
  {
    id: "help",
    label: "F1 / Shift+?",
    group: "everywhere",
    describe: (s) => s.keys.help,
    mainOnly: false,
    // Shift+Slash is "?" on an English keyboard and "؟" on a Persian one: the same key.
    chords: [chord("F1", { whileTyping: true }), chord("Slash", { shift: true })],
    action: { kind: "help" },
  },
  ...tabKeys(),
];

/**
 * The keys a part of the window handles itself, listed so that the overlay says
 * everything a keyboard can do. Their handlers are in the views named beside them.
 */
export const LOCAL_KEYS: readonly KeyEntry[] = [
  // Moving around (the browser's own, listed because an operator without a mouse needs them).
  { id: "tab", label: "Tab / Shift+Tab", group: "everywhere", describe: (s) => s.keys.tabKey, mainOnly: false },
  { id: "press", label: "Enter / Space", group: "everywhere", describe: (s) => s.keys.press, mainOnly: false },
  // tabs.ts
  { id: "tabs-arrows", label: "← / →", group: "tabs", describe: (s) => s.keys.tabArrows, mainOnly: true },
  { id: "tabs-ends", label: "Home / End", group: "tabs", describe: (s) => s.keys.tabEnds, mainOnly: true },
  // devices.ts and alarms.ts
  { id: "rows-arrows", label: "↑ / ↓", group: "tables", describe: (s) => s.keys.rowArrows, mainOnly: false },
  { id: "rows-pages", label: "Page Up / Page Down", group: "tables", describe: (s) => s.keys.rowPages, mainOnly: false },
  { id: "rows-ends", label: "Home / End", group: "tables", describe: (s) => s.keys.rowEnds, mainOnly: false },
  { id: "rows-open", label: "Enter", group: "tables", describe: (s) => s.keys.rowOpen, mainOnly: false },
  // trends.ts (lib/trend-range.ts chartKeyOf), on the focused trend chart
  { id: "chart-zoom", label: "+ / −", group: "chart", describe: (s) => s.keys.chartZoom, mainOnly: false },
  { id: "chart-pan", label: "← / →", group: "chart", describe: (s) => s.keys.chartPan, mainOnly: false },
  { id: "chart-pan-page", label: "Shift+← / Shift+→", group: "chart", describe: (s) => s.keys.chartPanPage, mainOnly: false },
  { id: "chart-home", label: "Home", group: "chart", describe: (s) => s.keys.chartHome, mainOnly: false },
  // splitter.ts, on the focused divider between two panes
  { id: "pane-step", label: "← / → / ↑ / ↓", group: "panes", describe: (s) => s.keys.paneStep, mainOnly: false },
  { id: "pane-page", label: "Page Up / Page Down", group: "panes", describe: (s) => s.keys.panePage, mainOnly: false },
  { id: "pane-ends", label: "Home / End", group: "panes", describe: (s) => s.keys.paneEnds, mainOnly: false },
  // confirm.ts, alarm-shelve.ts, device-details.ts, key-help.ts
  { id: "dialog-close", label: "Escape", group: "dialogs", describe: (s) => s.keys.dialogClose, mainOnly: false },
  { id: "dialog-cycle", label: "Tab / Shift+Tab", group: "dialogs", describe: (s) => s.keys.dialogCycle, mainOnly: false },
];

/** Every key the overlay lists in a window of `role`, global keys first within each group. */
export function keysFor(role: WindowRole): KeyEntry[] {
  const all: KeyEntry[] = [...GLOBAL_KEYS, ...LOCAL_KEYS];
  return all.filter((k) => role === "main" || !k.mainOnly);
}

type KeyEventLike = Pick<KeyboardEvent, "code" | "ctrlKey" | "shiftKey" | "altKey" | "metaKey">;

function matches(c: Chord, ev: KeyEventLike): boolean {
  return c.code === ev.code && c.ctrl === ev.ctrlKey && c.shift === ev.shiftKey && c.alt === ev.altKey && !ev.metaKey;
}

/**
 * The global key a keydown is, or null. The modifiers must be exactly the key's (so
 * Ctrl+Alt, which Windows reports for AltGr, is never Alt+1); while the focus is in a
 * text field only the chords that work there count; in an extra window, only the keys
 * it has.
 */
export function globalKeyOf(ev: KeyEventLike, where: { typing: boolean; role: WindowRole }): GlobalKey | null {
  for (const key of GLOBAL_KEYS) {
    if (key.mainOnly && where.role !== "main") continue;
    for (const c of key.chords) {
      if (!matches(c, ev)) continue;
      if (where.typing && !c.whileTyping) return null;
      return key;
    }
  }
  return null;
}

/** The input types that take typed text (a key pressed there is the operator typing). */
const TEXT_INPUTS = new Set(["text", "search", "number", "email", "password", "tel", "url", "date", "time", "datetime-local", "month", "week", ""]);

/** Whether the focus is somewhere the operator types: a text field, a text area, editable text. */
export function isTyping(target: EventTarget | null): boolean {
  if (target === null || typeof (target as Element).tagName !== "string") return false;
  const node = target as HTMLElement;
  if (node.isContentEditable) return true;
  const tag = node.tagName.toLowerCase();
  if (tag === "textarea") return true;
  if (tag === "input") return TEXT_INPUTS.has(((node as HTMLInputElement).getAttribute("type") ?? "").toLowerCase());
  return false;
}

function globalKey(id: string): GlobalKey {
  const key = GLOBAL_KEYS.find((k) => k.id === id);
  if (key === undefined) throw new Error(`no key ${id}`);
  return key;
}

/** The label of a global key, for the titles of the buttons that do the same. */
export function keyLabel(id: "acknowledge" | "silence" | "summary" | "help"): string {
  return globalKey(id).label;
}

/** The alarm keys, by what they ask for (the buttons' titles name them). */
export type AlarmKeyAction = "acknowledge" | "silence" | "summary";

export interface AlarmKey {
  /** KeyboardEvent.code of the key held with Ctrl and Shift. */
  readonly code: string;
  /** How the buttons' titles name it. */
  readonly label: string;
}

function alarmKey(id: AlarmKeyAction): AlarmKey {
  const key = globalKey(id);
  return { code: key.chords[0]?.code ?? "", label: key.label };
}

export const ALARM_KEYS: Readonly<Record<AlarmKeyAction, AlarmKey>> = {
  acknowledge: alarmKey("acknowledge"),
  silence: alarmKey("silence"),
  summary: alarmKey("summary"),
};
