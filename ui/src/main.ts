// Entry point. Outside the Tauri app (plain `vite dev`) the window stays empty
// and says why: no data is made up.

// The shared styles first: each view's own styles (imported by the view) come after them.
import "./styles/base.css";
// The keyboard's focus ring, after the shared styles so that nothing there hides it.
import "./styles/focus.css";
import { Controller } from "./controllers";
import * as ipc from "./ipc";
import { guardNavigatorLanguage } from "./lib/locale-guard";
import { loadLanguage } from "./lib/prefs";
import { parseWindowRole } from "./lib/window-role";
import { markStart } from "./lib/timing";
import { setLanguage } from "./strings";
import { AppView } from "./views/app";
import { applyDocumentLanguage } from "./views/dom";

// The start-up's own marks first, so that the first frame is seen whatever follows.
markStart();
// Before any library reads it: a system locale such as LANG=C is no language tag.
guardNavigatorLanguage(navigator);

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

// The console opens its extra windows at this page with `?window=KIND`: such a window
// shows that one view (an unknown kind is the main window).
const place = parseWindowRole(window.location.search);
const view = new AppView(document, {
  role: place.role,
  windowQuery: place.query,
  // A trend window's address follows its pens and range (replaced, not a new history entry).
  onWindowQuery: (query) => window.history.replaceState(null, "", `?window=${place.role}&${query}`),
  storage: storage(),
});
view.mount(document.getElementById("app") ?? document.body);

const controller = new Controller({
  // The typed client, every command and event of it (the Controller's ConsoleIpc).
  ipc,
  view,
  storage: storage(),
});
window.addEventListener("pagehide", () => controller.stop());
void controller.start();
