// The cold-start benchmark's blank page: one line of text and the same start-up marks as
// the console's page (`script-start`, `first-frame`, `rendered`, `painted`), so the
// window's own start (process, GTK, WebKit, its first frame) is measured apart from the
// UI's work. The app opens it instead of the console's page only when started for that
// benchmark (PLANT_CONSOLE_BENCH_PAGE=blank). It imports nothing, so that the console's
// page stays one script.

performance.mark("script-start");
requestAnimationFrame(() => performance.mark("first-frame"));
const line = document.createElement("p");
line.textContent = "Plant Console";
document.body.append(line);
performance.mark("rendered");
requestAnimationFrame(() => performance.mark("painted"));
