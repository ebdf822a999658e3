// Vite's asset imports: a sound file as the URL it is served at (a file of its own in
// dist/assets, never a data: URL: vite.config.ts sets assetsInlineLimit to 0, so the
// CSP's default-src 'self' covers it).
declare module "*.wav" {
  const url: string;
  export default url;
}
