// Minimal DOM helpers. Text is always inserted as text nodes: no HTML parsing
// of any string, ever (no innerHTML / insertAdjacentHTML / outerHTML).

import { languageDirection, type Language } from "../strings";
import { bindAttr, bindText } from "./bind";

/**
 * A text of the catalog: a function that reads it from `strings` is bound to
 * the language (it changes in place when the language does); a plain string
 * is shown as it is. Pass functions only while a view is built (in its
 * constructor): the binding lives as long as the window.
 */
export type Label = string | (() => string);

export type Child = Node | Label | null | undefined | false;

export interface ElOptions {
  class?: string;
  id?: string;
  /** Attributes, set with setAttribute (values are never parsed as HTML). */
  attrs?: Record<string, Label>;
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
    for (const [k, v] of Object.entries(opts.attrs)) {
      if (typeof v === "function") bindAttr(node, k, v);
      else node.setAttribute(k, v);
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (typeof child === "string") node.appendChild(doc.createTextNode(child));
    else if (typeof child === "function") node.appendChild(bindText(doc, child));
    else node.appendChild(child);
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
  options: readonly (readonly [string, Label])[],
  selected: string,
): HTMLSelectElement {
  const select = el(doc, "select", opts);
  setOptions(select, options, selected);
  return select;
}

/** Replaces a select's options, keeping `selected` when it is among them. */
export function setOptions(select: HTMLSelectElement, options: readonly (readonly [string, Label])[], selected: string): void {
  const doc = select.ownerDocument;
  select.replaceChildren(...options.map(([value, label]) => el(doc, "option", { attrs: { value } }, label)));
  select.value = options.some(([v]) => v === selected) ? selected : (options[0]?.[0] ?? "");
}

/**
 * A column heading, `<th scope="col">`: the scope lets screen readers announce
 * it with every cell below. `cls` is for the headings that need a class, e.g.
 * "num" so that the heading lines up with the figures under it.
 */
export function colHeading(doc: Document, content: Child, cls?: string): HTMLTableCellElement {
  return el(doc, "th", cls === undefined ? { attrs: { scope: "col" } } : { class: cls, attrs: { scope: "col" } }, content);
}

/**
 * A table's `<thead>`: one row of column headings, in order. A string becomes a
 * plain heading with that text; a heading made with colHeading (a class, a
 * button, hidden text) is taken as it is.
 */
export function tableHead(doc: Document, headings: readonly (Label | HTMLTableCellElement)[]): HTMLTableSectionElement {
  const cells = headings.map((h) => (typeof h === "string" || typeof h === "function" ? colHeading(doc, h) : h));
  return el(doc, "thead", {}, el(doc, "tr", {}, ...cells));
}

/** What a data table is made of (see dataTable). */
export interface DataTableParts {
  /** The table's id and classes ("data-table" and its own, which the stylesheet sizes it by). */
  readonly table: ElOptions;
  /** The table's name for screen readers only: the panel's visible heading already shows it. */
  readonly caption: Label;
  /**
   * One class a column, in order: the stylesheet gives each column its width
   * through them, since a fixed table layout takes its widths from the columns,
   * not from what the cells hold. Left out: the columns size themselves.
   */
  readonly columns?: readonly string[];
  readonly head: HTMLTableSectionElement;
  readonly body: HTMLTableSectionElement;
}

/** A panel's data table: `<table>` with a hidden caption, the column classes, the head and the body. */
export function dataTable(doc: Document, parts: DataTableParts): HTMLTableElement {
  return el(
    doc,
    "table",
    parts.table,
    el(doc, "caption", { class: "visually-hidden" }, parts.caption),
    parts.columns === undefined ? null : el(doc, "colgroup", {}, ...parts.columns.map((c) => el(doc, "col", { class: c }))),
    parts.head,
    parts.body,
  );
}

/**
 * Marks an element as showing a state (docs/hmi-style.md): `data-state-indicator`
 * names what it shows, `data-abnormal` whether that state is abnormal. The stylesheet
 * gives only abnormal states a colour, and the tests hold it to that.
 */
export function setIndicator(node: Element, kind: string, abnormal: boolean): void {
  setAttr(node, "data-state-indicator", kind);
  setAttr(node, "data-abnormal", abnormal ? "true" : "false");
}

/** The attributes of an alarm priority chip: an alarm is abnormal by definition. */
export const PRIORITY_INDICATOR: Readonly<Record<string, string>> = {
  "data-state-indicator": "priority",
  "data-abnormal": "true",
};
