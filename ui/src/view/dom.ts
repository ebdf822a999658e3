// Minimal DOM helpers. Text is always inserted as text nodes: no HTML parsing
// of any string, ever (no innerHTML / insertAdjacentHTML / outerHTML).

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
