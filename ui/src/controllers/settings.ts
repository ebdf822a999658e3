// The settings and the language: loads and saves one after the other, the
// language chosen in the header saved into the settings.

import { NO_BACKEND, toUiError } from "../ipc";
import { saveLanguage } from "../lib/prefs";
import { INVALID_SETTINGS, savedMessage } from "../state/settings";
import { isLanguage, language, setLanguage, strings, type Language } from "../strings";
import type { SettingsInput, SettingsView } from "../types";
import type { ControllerContext } from "./context";

export class SettingsController {
  /** The settings as the console last reported them. */
  private settings: SettingsView | null = null;
  /** Whether the console starts at sign-in, as the system last said; null: not known. */
  private autostart: boolean | null = null;
  /**
   * Loads and saves of the settings, one after the other: an older answer
   * never overwrites a newer one.
   */
  private settingsQueue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly storage: Pick<Storage, "setItem"> | null,
  ) {}

  /**
   * The header's language selector: the window's texts switch to it in place, and the
   * choice is saved here and in the settings (which decide the language at the
   * next start).
   */
  setLanguage(lang: Language): void {
    if (this.ctx.stopped()) return;
    this.applyLanguage(lang);
    this.ctx.view.settings.languageChosen(lang);
    void this.settingsTask(() => this.saveLanguageSetting(lang));
  }

  /**
   * Uses a language: remembered here (so that the window opens in it before the
   * settings are read) and, when it is not the current one, switched to: the
   * window's texts change in place. True when the language changed.
   */
  applyLanguage(lang: string): boolean {
    if (!isLanguage(lang)) return false;
    saveLanguage(this.storage, lang);
    if (lang === language()) return false;
    setLanguage(lang);
    return true;
  }

  // ---------- settings ----------

  /** Runs a load or save of the settings after those already asked for. */
  private settingsTask(task: () => Promise<void>): Promise<void> {
    const run = this.settingsQueue.then(task).catch(() => {
      // Each task reports its own errors.
    });
    this.settingsQueue = run;
    return run;
  }

  /** Loads the settings; their language wins over the one remembered here. */
  loadSettings(): Promise<void> {
    return this.settingsTask(async () => {
      if (this.ctx.stopped()) return;
      try {
        const answer = await this.ctx.ipc.getSettings();
        if (this.ctx.stopped()) return;
        this.settings = answer;
        this.ctx.view.settings.showSettings(answer, false);
        this.ctx.view.useAlarmSettings(answer.settings.alerts);
        this.applyLanguage(answer.settings.language);
      } catch (err) {
        if (this.ctx.stopped()) return;
        const e = toUiError(err);
        this.ctx.view.settings.showLoadError(e.code === NO_BACKEND ? e.message : () => strings.settings.loadFailed(e.code, e.message));
        return;
      }
      await this.loadAutostart();
    });
  }

  /** Reads whether the console starts at sign-in (kept by the system, apart from the settings). */
  private async loadAutostart(): Promise<void> {
    try {
      const enabled = await this.ctx.ipc.getAutostart();
      if (this.ctx.stopped()) return;
      this.autostart = enabled;
      this.ctx.view.settings.showAutostart(enabled);
    } catch (err) {
      if (this.ctx.stopped()) return;
      const e = toUiError(err);
      this.ctx.view.settings.autostartFailed(() => strings.settings.autostartLoadFailed(e.code, e.message), this.autostart);
    }
  }

  /**
   * The start-at-sign-in box: applied at once (not by Apply). The box then shows what
   * the system says; when the change fails it goes back and the reason is shown.
   */
  setAutostart(enabled: boolean): Promise<void> {
    return this.settingsTask(async () => {
      if (this.ctx.stopped()) return;
      this.ctx.view.settings.autostartBusy();
      try {
        const now = await this.ctx.ipc.setAutostart(enabled);
        if (this.ctx.stopped()) return;
        this.autostart = now;
        this.ctx.view.settings.autostartChanged(now);
      } catch (err) {
        if (this.ctx.stopped()) return;
        const e = toUiError(err);
        this.ctx.view.settings.autostartFailed(() => strings.settings.autostartFailed(e.code, e.message), this.autostart);
      }
    });
  }

  /**
   * Apply in the settings view. Once saved: the form shows what the console now
   * uses, the language is applied, and the snapshot is read again (the server
   * address in the header, read-only relays).
   */
  saveSettings(input: SettingsInput): Promise<void> {
    return this.settingsTask(async () => {
      if (this.ctx.stopped()) return;
      const before = this.settings?.settings ?? null;
      try {
        const answer = await this.ctx.ipc.saveSettings(input);
        if (this.ctx.stopped()) return;
        this.settings = answer;
        this.ctx.view.settings.showSettings(answer, true);
        this.ctx.view.useAlarmSettings(answer.settings.alerts);
        // Before applyLanguage, so that Apply is enabled again when it gets the focus back
        // (it was disabled while saving); the message follows the language.
        this.ctx.view.settings.saved(() => savedMessage(before, input, answer));
        if (this.applyLanguage(answer.settings.language)) this.ctx.view.settings.focusApply();
        this.ctx.refreshSoon();
      } catch (err) {
        if (this.ctx.stopped()) return;
        const e = toUiError(err);
        this.ctx.view.settings.saveFailed(e);
        // A file or keyring failure may have left part of it applied: show what the console now has
        // (the operator's edits stay in the form).
        if (e.code !== INVALID_SETTINGS) void this.loadSettings();
      }
    });
  }

  /** Saves a language chosen in the header into the settings (nothing else changes). */
  private async saveLanguageSetting(lang: Language): Promise<void> {
    const current = this.settings;
    if (this.ctx.stopped() || current === null || current.settings.language === lang) return;
    try {
      const answer = await this.ctx.ipc.saveSettings({
        settings: { ...current.settings, language: lang },
        token: { action: "keep" },
      });
      if (this.ctx.stopped()) return;
      this.settings = answer;
      this.ctx.view.settings.showSettings(answer, false);
      this.ctx.view.useAlarmSettings(answer.settings.alerts);
    } catch (err) {
      if (this.ctx.stopped()) return;
      const e = toUiError(err);
      this.ctx.view.settings.showStatusError(() => strings.settings.saveFailed(e.code, e.message));
    }
  }
}
