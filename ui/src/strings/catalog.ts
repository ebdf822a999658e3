// The catalog of the core's messages: the same Fluent files the Rust side words
// notifications, the tray and the command line from
// (crates/console-i18n/locales/<lang>.ftl), imported here as text, so that the
// window and Rust cannot word a message differently. The core sends a message as
// an id and its arguments (a `Message`); `word` makes it a sentence in the
// current language, and `wordIn` in a given one. A test words the shared samples
// (crates/console-i18n/samples.json) and compares them with what Rust wrote there.

import { FluentBundle, FluentNumber, FluentResource, type FluentVariable } from "@fluent/bundle";
import enSource from "../../../crates/console-i18n/locales/en.ftl?raw";
import faSource from "../../../crates/console-i18n/locales/fa.ftl?raw";
import type { Arg } from "../generated/Arg";
import type { Message } from "../generated/Message";
import { currentLanguage, type Language } from "./index";

/** A number the way console-i18n's format_number writes it. */
export function formatCatalogNumber(lang: Language, value: number): string {
  if (!Number.isFinite(value)) return String(value);
  let text = value.toFixed(2);
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  if (text === "-0") text = "0";
  if (lang === "fa") {
    text = text.replace(".", "\u066B").replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
  }
  return text;
}

/** A number argument: it still selects plural forms, and is written the console's way. */
class CatalogNumber extends FluentNumber {
  constructor(
    value: number,
    private readonly lang: Language,
  ) {
    super(value);
  }

  override toString(): string {
    return formatCatalogNumber(this.lang, this.value);
  }
}

function makeBundle(lang: Language, source: string): FluentBundle {
  // Isolation marks only in the right-to-left language, as on the Rust side.
  const bundle = new FluentBundle(lang, { useIsolating: lang === "fa" });
  const errors = bundle.addResource(new FluentResource(source));
  if (errors.length > 0) console.warn(`catalog ${lang}:`, errors);
  return bundle;
}

const BUNDLES: Record<Language, FluentBundle> = {
  en: makeBundle("en", enSource),
  fa: makeBundle("fa", faSource),
};

function format(bundle: FluentBundle, id: string, args: Record<string, FluentVariable>): string | null {
  const message = bundle.getMessage(id);
  if (!message?.value) return null;
  const errors: Error[] = [];
  return bundle.formatPattern(message.value, args, errors);
}

/** A length of time, worded by the catalog's duration messages (as Rust does). */
function duration(lang: Language, seconds: number): string {
  const total = Math.round(Math.max(0, seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor(total / 60) % 60;
  const s = total % 60;
  const n = (v: number) => new CatalogNumber(v, lang);
  const [id, args] =
    h === 0 && m === 0
      ? ["duration-seconds", { s: n(s) }]
      : h === 0 && s === 0
        ? ["duration-minutes", { m: n(m) }]
        : h === 0
          ? ["duration-minutes-seconds", { m: n(m), s: n(s) }]
          : m === 0
            ? ["duration-hours", { h: n(h) }]
            : ["duration-hours-minutes", { h: n(h), m: n(m) }];
  return format(BUNDLES[lang], id, args) ?? `${seconds} s`;
}

function variable(lang: Language, arg: Arg): FluentVariable {
  if (typeof arg === "number") return new CatalogNumber(arg, lang);
  if (typeof arg === "string") return arg;
  return duration(lang, arg.duration);
}

/** `message` in `lang`; a message the catalog lacks shows as its id and arguments. */
export function wordIn(lang: Language, message: Message): string {
  const args: Record<string, FluentVariable> = {};
  const listed: string[] = [];
  for (const [name, arg] of Object.entries(message.args)) {
    if (arg === undefined) continue;
    args[name] = variable(lang, arg);
    listed.push(`${name}=${typeof arg === "object" ? `${arg.duration}s` : String(arg)}`);
  }
  const text = format(BUNDLES[lang], message.id, args);
  if (text !== null) return text;
  return listed.length === 0 ? message.id : `${message.id} (${listed.join(", ")})`;
}

/**
 * `message` in the current language. It reads the language signal, so a text
 * binding that calls it is worded again when the language changes.
 */
export function word(message: Message): string {
  return wordIn(currentLanguage.value, message);
}
