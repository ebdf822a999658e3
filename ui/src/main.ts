// Entry point. Outside the Tauri app (plain `vite dev`) the window stays empty
// and says why: no data is made up.

import { Controller } from "./controller";
import {
  acknowledgeAlerts,
  alerts,
  cancelCommand,
  getSnapshot,
  hasBackend,
  muteAlerts,
  onBatch,
  onCommand,
  outbox,
  setRelay,
  shelveDevice,
  unmuteAlerts,
} from "./ipc";
import { AppView } from "./view/app";

const view = new AppView(document);
view.mount(document.getElementById("app") ?? document.body);

const controller = new Controller({
  ipc: {
    hasBackend,
    getSnapshot,
    onBatch,
    setRelay,
    outbox,
    cancelCommand,
    onCommand,
    alerts,
    acknowledgeAlerts,
    muteAlerts,
    unmuteAlerts,
    shelveDevice,
  },
  view,
});
window.addEventListener("pagehide", () => controller.stop());
void controller.start();
