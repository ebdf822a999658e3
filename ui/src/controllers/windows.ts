// The window's place among the console's windows: which window this page is in and
// whether the console is in kiosk mode (window_info, and the window event when kiosk
// mode is left), opening a view in a window of its own, and the language the windows
// share. Every window runs a controller of its own on the same snapshot and events;
// what must happen once (saving the language into the settings, the alarm sound) is
// the main window's.

import { toUiError } from "../ipc";
import { LANGUAGE_KEY } from "../lib/prefs";
import { isLanguage, strings, type Language } from "../strings";
import type { WindowView } from "../types";
import type { ControllerContext } from "./context";

/** Where the `storage` events of the other windows arrive (the page's window in the app). */
export type StorageEvents = Pick<Window, "addEventListener" | "removeEventListener">;

export class WindowsController {
  private unlistenWindow: (() => void) | null = null;
  private readonly onStorage = (ev: Event) => this.storageChanged(ev);
  private listening = false;
  /** Whether the window's error line shows a failed opening (a later opening that works clears it). */
  private showsOpenError = false;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly events: StorageEvents | null,
    /** Another window chose a language: this one follows it. */
    private readonly languageChosenElsewhere: (lang: Language) => void,
  ) {}

  /**
   * Follows the language the other windows choose. The language is kept in the
   * webview's localStorage, which all the console's windows share, and a change there
   * reaches every other window as a `storage` event (never the window that made it).
   */
  listenForLanguage(): void {
    if (this.events === null || this.listening) return;
    this.events.addEventListener("storage", this.onStorage);
    this.listening = true;
  }

  private storageChanged(ev: Event): void {
    if (this.ctx.stopped()) return;
    const { key, newValue } = ev as StorageEvent;
    if (key !== LANGUAGE_KEY || !isLanguage(newValue)) return;
    this.languageChosenElsewhere(newValue);
  }

  /** Asks which window this is and whether the console is in kiosk mode, and follows kiosk mode being left. */
  async start(): Promise<void> {
    try {
      const unlisten = await this.ctx.ipc.onWindow((info) => {
        // The event carries the main window's info: only its kiosk flag is about this window too.
        if (!this.ctx.stopped()) this.ctx.view.setWindowInfo({ label: info.label, kiosk: info.kiosk });
      });
      if (this.ctx.stopped()) {
        unlisten();
        return;
      }
      this.unlistenWindow = unlisten;
      const info = await this.ctx.ipc.windowInfo();
      if (!this.ctx.stopped()) this.ctx.view.setWindowInfo(info);
    } catch {
      // A console that cannot say is not in kiosk mode as far as the page knows: the
      // badge stays hidden, and nothing else depends on it.
    }
  }

  /** "Open in new window" (or Ctrl+Shift+L in another view's window): the console opens it or brings it forward. */
  async openWindow(view: WindowView): Promise<void> {
    if (this.ctx.stopped()) return;
    try {
      await this.ctx.ipc.openWindow(view);
      if (!this.ctx.stopped() && this.showsOpenError) this.ctx.view.showError(null);
      this.showsOpenError = false;
    } catch (err) {
      if (this.ctx.stopped()) return;
      const e = toUiError(err);
      this.ctx.view.showError(() => strings.windows.openFailed(e.message));
      this.showsOpenError = true;
    }
  }

  stop(): void {
    this.unlistenWindow?.();
    this.unlistenWindow = null;
    if (this.listening) this.events?.removeEventListener("storage", this.onStorage);
    this.listening = false;
  }
}
