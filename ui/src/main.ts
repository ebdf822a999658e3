// Entry point. Outside the Tauri app (plain `vite dev`) the window stays empty
// and says why: no data is made up.

// The shared styles first: each view's own styles (imported by the view) come after them.
import "./styles/base.css";
import { Controller } from "./controllers";
import * as ipc from "./ipc";
import { loadLanguage } from "./lib/prefs";
import { setLanguage } from "./strings";
import { AppView } from "./views/app";
import { applyDocumentLanguage } from "./views/dom";

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const lang = loadLanguage(storage());
setLanguage(lang);
applyDocumentLanguage(document, lang);

const view = new AppView(document);
view.mount(document.getElementById("app") ?? document.body);

const controller = new Controller({
  // The typed client, every command and event of it (the Controller's ConsoleIpc).
  ipc,
  view,
  storage: storage(),
});
window.addEventListener("pagehide", () => controller.stop());
void controller.start();
