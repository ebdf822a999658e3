// Texts bound to the language signal: a bound text node (or attribute) is an
// effect on `currentLanguage`, so that switching the language changes it in
// place, the same node before and after. The effects made while a view is
// built belong to the scope it is built in (`owned`), and end with it.
//
// Texts a view draws from data (formatted numbers, dates, quality words, the
// labels of rows) are drawn again by `onLanguage`, or by a region effect of
// the window that reads `currentLanguage`.

import { effect, untracked } from "../lib/signals";
import { currentLanguage } from "../strings";
import { applyDocumentLanguage, setAttr, setText, type Label } from "./dom";

/** Where the effects made now are collected (null: nobody ends them). */
let owner: (() => void)[] | null = null;

/** Builds with `build`, collecting the bindings it makes into `into` (call each to end it). */
export function owned<T>(into: (() => void)[], build: () => T): T {
  const previous = owner;
  owner = into;
  try {
    return build();
  } finally {
    owner = previous;
  }
}

function keep(dispose: () => void): void {
  owner?.push(dispose);
}

/** A text node that shows `read()` and follows the language. */
export function bindText(doc: Document, read: () => string): Text {
  const node = doc.createTextNode("");
  keep(
    effect(() => {
      currentLanguage.value;
      setText(node, read());
    }),
  );
  return node;
}

/** Keeps an attribute at `read()` as the language changes. */
export function bindAttr(node: Element, name: string, read: () => string): void {
  keep(
    effect(() => {
      currentLanguage.value;
      setAttr(node, name, read());
    }),
  );
}

/** Keeps `<html lang dir>` at the current language (`dir="rtl"` for Persian). */
export function bindDocumentLanguage(doc: Document): void {
  keep(effect(() => applyDocumentLanguage(doc, currentLanguage.value)));
}

/**
 * Calls `redraw` after each change of the language (not at once): for the texts
 * a view draws from what it holds. It reads no signal for the binding: what it
 * reads is not subscribed.
 */
export function onLanguage(redraw: () => void): void {
  let first = true;
  keep(
    effect(() => {
      currentLanguage.value;
      if (first) {
        first = false;
        return;
      }
      untracked(redraw);
    }),
  );
}

/** A label's text now: a function is read (in the current language), a string is as it is. */
export function labelString(label: Label): string {
  return typeof label === "function" ? label() : label;
}

/**
 * A text node that shows a label given later (a message: `set`), and shows it
 * again in the new language when it is a function (`() => strings.errors.x(detail)`);
 * a string (a server's own text) stays as it is. Make it while a view is built.
 */
export class LabelText {
  readonly node: Text;
  private source: Label = "";

  constructor(doc: Document) {
    this.node = doc.createTextNode("");
    onLanguage(() => this.draw());
  }

  set(label: Label): void {
    this.source = label;
    this.draw();
  }

  private draw(): void {
    setText(this.node, labelString(this.source));
  }
}
