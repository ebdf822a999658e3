// Vite's asset imports with `?inline`: a sound file as a data: URL inside the bundle.
// The tones are inlined (vite.config.ts otherwise keeps every asset a file of its own)
// because WebKitGTK cannot load media from the app's custom URI scheme (tauri://),
// so the window decodes them itself (views/annunciator.ts); the CSP needs no data:.
declare module "*.wav?inline" {
  const url: string;
  export default url;
}
