// Vite's `?raw` imports: a catalog file (`.ftl`) as its text.
declare module "*.ftl?raw" {
  const text: string;
  export default text;
}
