import { defineConfig } from "vite";

// Tauri v2 front end: relative asset paths (the app is served from the
// tauri:// custom protocol), a fixed dev port, no remote assets.
export default defineConfig({
  base: "./",
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    host: "127.0.0.1",
    // The core's catalogs live with the Rust crate that reads them too
    // (src/strings/catalog.ts imports them).
    fs: { allow: [".", "../crates/console-i18n/locales"] },
  },
  envPrefix: ["VITE_", "TAURI_ENV_"],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebView2 (Chromium) on Windows, WKWebView / WebKitGTK elsewhere.
    target: ["es2022", "chrome105", "safari15"],
    sourcemap: false,
    // Keep every asset a real file: no data: URLs (the CSP need not allow them).
    assetsInlineLimit: 0,
    // No polyfill: with two pages it would become a chunk of its own that the console's
    // page loads first, and the webviews the console runs in preload modules natively.
    modulePreload: { polyfill: false },
    // The console's page, and the blank page the cold-start benchmark opens to measure
    // the window's own start apart from the UI's.
    rolldownOptions: {
      input: { main: "index.html", blank: "blank.html" },
    },
  },
});
