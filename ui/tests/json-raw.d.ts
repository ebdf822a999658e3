// Vite's `?raw` import of a JSON file: its text.
declare module "*.json?raw" {
  const text: string;
  export default text;
}
