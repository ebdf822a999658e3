// The operator's preferences kept in the webview's localStorage (only the
// language for now). Storage is passed in; a missing or failing storage means
// the defaults.

import { isLanguage, type Language } from "../strings";

export const LANGUAGE_KEY = "plant-console.language";
export const DEFAULT_LANGUAGE: Language = "en";

/** The saved language, or English. */
export function loadLanguage(storage: Pick<Storage, "getItem"> | null | undefined): Language {
  try {
    const saved = storage?.getItem(LANGUAGE_KEY);
    return isLanguage(saved) ? saved : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE;
  }
}

/** Saves the language; false when it could not be saved (the choice still applies now). */
export function saveLanguage(storage: Pick<Storage, "setItem"> | null | undefined, lang: Language): boolean {
  try {
    if (storage === null || storage === undefined) return false;
    storage.setItem(LANGUAGE_KEY, lang);
    return true;
  } catch {
    return false;
  }
}

// ---------- the window's look: theme, density, pane sizes ----------

/** Dark is the default: control rooms are dim, and a bright screen dazzles there. */
export type Theme = "dark" | "light";
export const THEMES: readonly Theme[] = ["dark", "light"];
export const THEME_KEY = "plant-console.theme";
export const DEFAULT_THEME: Theme = "dark";

/** How tightly rows and panels are packed; comfortable is the default. */
export type Density = "comfortable" | "compact";
export const DENSITIES: readonly Density[] = ["comfortable", "compact"];
export const DENSITY_KEY = "plant-console.density";
export const DEFAULT_DENSITY: Density = "comfortable";

/** A saved choice among `allowed`, or `fallback` when none (or another value) is saved. */
function loadChoice<T extends string>(
  storage: Pick<Storage, "getItem"> | null | undefined,
  key: string,
  allowed: readonly T[],
  fallback: T,
): T {
  try {
    const saved = storage?.getItem(key);
    return (allowed as readonly unknown[]).includes(saved) ? (saved as T) : fallback;
  } catch {
    return fallback;
  }
}

/** Saves a value; false when it could not be saved (it still applies now). */
function saveItem(storage: Pick<Storage, "setItem"> | null | undefined, key: string, value: string): boolean {
  try {
    if (storage === null || storage === undefined) return false;
    storage.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}

export function loadTheme(storage: Pick<Storage, "getItem"> | null | undefined): Theme {
  return loadChoice(storage, THEME_KEY, THEMES, DEFAULT_THEME);
}

export function saveTheme(storage: Pick<Storage, "setItem"> | null | undefined, theme: Theme): boolean {
  return saveItem(storage, THEME_KEY, theme);
}

export function loadDensity(storage: Pick<Storage, "getItem"> | null | undefined): Density {
  return loadChoice(storage, DENSITY_KEY, DENSITIES, DEFAULT_DENSITY);
}

export function saveDensity(storage: Pick<Storage, "setItem"> | null | undefined, density: Density): boolean {
  return saveItem(storage, DENSITY_KEY, density);
}

export function isTheme(value: unknown): value is Theme {
  return (THEMES as readonly unknown[]).includes(value);
}

export function isDensity(value: unknown): value is Density {
  return (DENSITIES as readonly unknown[]).includes(value);
}

/**
 * Lays the window out in a theme and density: `<html data-theme data-density>`, which
 * the stylesheet's custom properties follow, and `<meta name="color-scheme">`, so that
 * the webview's own controls (scroll bars, select lists) match.
 */
export function applyDisplay(doc: Document, theme: Theme, density: Density): void {
  const root = doc.documentElement;
  if (root.getAttribute("data-theme") !== theme) root.setAttribute("data-theme", theme);
  if (root.getAttribute("data-density") !== density) root.setAttribute("data-density", density);
  let meta = doc.querySelector('meta[name="color-scheme"]');
  if (meta === null) {
    meta = doc.createElement("meta");
    meta.setAttribute("name", "color-scheme");
    doc.head.appendChild(meta);
  }
  if (meta.getAttribute("content") !== theme) meta.setAttribute("content", theme);
}

/** How far a pane may be made smaller or larger, and its size until the operator drags it (percent). */
export interface PaneBounds {
  readonly min: number;
  readonly max: number;
  readonly initial: number;
}

/** The resizable panes: the share (percent) of the first pane of each split. */
export const PANES = {
  /** The plant view's devices column beside the stats and relays. */
  plant: { min: 40, max: 75, initial: 64 },
  /** The alarm summary above the alarm journal. */
  alarms: { min: 25, max: 80, initial: 58 },
} as const satisfies Record<string, PaneBounds>;

export type PaneName = keyof typeof PANES;

export function paneKey(name: string): string {
  return `plant-console.pane.${name}`;
}

/** A size held to its bounds (a size that is not a number is the initial one). */
export function clampPane(size: number, bounds: PaneBounds): number {
  if (!Number.isFinite(size)) return bounds.initial;
  return Math.min(bounds.max, Math.max(bounds.min, size));
}

/** The saved size of a pane (percent), held to its bounds; the initial size when none was saved or it is not a number. */
export function loadPaneSize(storage: Pick<Storage, "getItem"> | null | undefined, name: string, bounds: PaneBounds): number {
  try {
    const saved = storage?.getItem(paneKey(name));
    if (saved === null || saved === undefined || saved.trim() === "") return bounds.initial;
    const n = Number(saved);
    return Number.isFinite(n) ? clampPane(n, bounds) : bounds.initial;
  } catch {
    return bounds.initial;
  }
}

export function savePaneSize(
  storage: Pick<Storage, "setItem"> | null | undefined,
  name: string,
  size: number,
  bounds: PaneBounds,
): boolean {
  return saveItem(storage, paneKey(name), String(Math.round(clampPane(size, bounds) * 10) / 10));
}
