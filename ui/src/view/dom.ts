// Minimal DOM helpers. Text is always inserted as text nodes: no HTML parsing
// of any string, ever (no innerHTML / insertAdjacentHTML / outerHTML).

import { languageDirection, type Language } from "../strings";

export type Child = Node | string | null | undefined | false;

export interface ElOptions {
  class?: string;
  id?: string;
  /** Attributes, set with setAttribute (values are never parsed as HTML). */
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  opts: ElOptions = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (opts.class !== undefined) node.className = opts.class;
  if (opts.id !== undefined) node.id = opts.id;
  if (opts.attrs !== undefined) {
    for (const [k, v] of Object.entries(opts.attrs)) node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === "string" ? doc.createTextNode(child) : child);
  }
  return node;
}

/** Sets a text node's data only when it differs (avoids needless layout work). */
export function setText(node: Text, text: string): void {
  if (node.data !== text) node.data = text;
}

/** Sets or removes an attribute only when it differs. */
export function setAttr(node: Element, name: string, value: string | null): void {
  if (value === null) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== value) {
    node.setAttribute(name, value);
  }
}

/** Field names of the protocol; anything else on an object is an "extra" field. */
export function describeExtras(obj: Record<string, unknown>, known: ReadonlySet<string>): string | null {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (known.has(k)) continue;
    lines.push(`${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  return lines.length > 0 ? lines.join("\n") : null;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes (set with setAttribute, never parsed). */
export function svgEl<K extends keyof SVGElementTagNameMap>(
  doc: Document,
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Node[]
): SVGElementTagNameMap[K] {
  const node = doc.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.appendChild(child);
  return node;
}

/** Lays the whole window out for a language: `<html lang="fa" dir="rtl">` for Persian. */
export function applyDocumentLanguage(doc: Document, lang: Language): void {
  const root = doc.documentElement;
  setAttr(root, "lang", lang);
  setAttr(root, "dir", languageDirection(lang));
}

/** A field's value as the server sent it, as text: strings as they are, anything else as JSON. */
export function fieldText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A <select> with options [value, label] (labels as text). */
export function selectEl(
  doc: Document,
  opts: ElOptions,
  options: readonly (readonly [string, string])[],
  selected: string,
): HTMLSelectElement {
  const select = el(doc, "select", opts);
  setOptions(select, options, selected);
  return select;
}

/** Replaces a select's options, keeping `selected` when it is among them. */
export function setOptions(select: HTMLSelectElement, options: readonly (readonly [string, string])[], selected: string): void {
  const doc = select.ownerDocument;
  select.replaceChildren(...options.map(([value, label]) => el(doc, "option", { attrs: { value } }, label)));
  select.value = options.some(([v]) => v === selected) ? selected : (options[0]?.[0] ?? "");
}
