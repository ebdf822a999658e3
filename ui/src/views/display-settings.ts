// The Settings view's "Display" card: the theme (select#settings-theme: dark or light)
// and the density (select#settings-density: comfortable or compact). Kept on this
// computer (localStorage, lib/prefs.ts), not in settings.json, and applied at once,
// not by Apply: how the screen looks is this workstation's, not the site's.

import {
  applyDisplay,
  DENSITIES,
  isDensity,
  isTheme,
  loadDensity,
  loadTheme,
  saveDensity,
  saveTheme,
  THEMES,
  type Density,
  type Theme,
} from "../lib/prefs";
import { strings } from "../strings";
import { el, selectEl } from "./dom";

type DisplayStorage = Pick<Storage, "getItem" | "setItem"> | null;

export class DisplaySettingsView {
  readonly element: HTMLFieldSetElement;
  readonly theme: HTMLSelectElement;
  readonly density: HTMLSelectElement;

  constructor(
    private readonly doc: Document,
    private readonly storage: DisplayStorage,
  ) {
    const H = () => strings.hmi;
    this.theme = selectEl(
      doc,
      { id: "settings-theme", class: "select", attrs: { "aria-describedby": "settings-display-help" } },
      THEMES.map((t) => [t, () => strings.hmi.themes[t]] as const),
      loadTheme(storage),
    );
    this.density = selectEl(
      doc,
      { id: "settings-density", class: "select", attrs: { "aria-describedby": "settings-display-help" } },
      DENSITIES.map((d) => [d, () => strings.hmi.densities[d]] as const),
      loadDensity(storage),
    );
    this.theme.addEventListener("change", () => this.changed());
    this.density.addEventListener("change", () => this.changed());
    const field = (id: string, label: () => string, control: HTMLSelectElement) =>
      el(doc, "div", { class: "settings-field" }, el(doc, "label", { class: "settings-label", attrs: { for: id } }, label), control);
    this.element = el(
      doc,
      "fieldset",
      { id: "settings-display", class: "settings-card" },
      el(doc, "legend", { id: "settings-display-heading" }, () => H().display),
      el(
        doc,
        "div",
        { class: "settings-card-body" },
        field("settings-theme", () => H().theme, this.theme),
        field("settings-density", () => H().density, this.density),
        el(doc, "p", { id: "settings-display-help", class: "settings-help" }, () => H().displayNote),
      ),
    );
    this.apply();
  }

  /** The theme and density chosen now. */
  get value(): { theme: Theme; density: Density } {
    const theme = isTheme(this.theme.value) ? this.theme.value : loadTheme(null);
    const density = isDensity(this.density.value) ? this.density.value : loadDensity(null);
    return { theme, density };
  }

  private changed(): void {
    const { theme, density } = this.value;
    saveTheme(this.storage, theme);
    saveDensity(this.storage, density);
    this.apply();
  }

  private apply(): void {
    const { theme, density } = this.value;
    applyDisplay(this.doc, theme, density);
  }
}
