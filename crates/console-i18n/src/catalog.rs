//! The catalogs: one Fluent file per language (`locales/<lang>.ftl`), compiled into the
//! binary and read by [`word`]. The window reads the very same files (ui/src/strings/
//! catalog.ts imports them), so a message cannot say one thing in a notification and
//! another in the window.

use std::borrow::Cow;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::format::{format_number, hms};
use crate::{Arg, Language, Message};

/// Each language's catalog source (the window imports the same files).
pub(crate) const CATALOG_SOURCES: [(Language, &str); 2] = [
    (Language::En, include_str!("../locales/en.ftl")),
    (Language::Fa, include_str!("../locales/fa.ftl")),
];

struct Catalog {
    bundle: FluentBundle<FluentResource>,
}

fn source(lang: Language) -> &'static str {
    CATALOG_SOURCES
        .iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, s)| *s)
        .unwrap_or_default()
}

/// Numbers in messages, the console's way for each language (see [`format_number`]).
fn number_en<M>(value: &FluentValue<'_>, _: &M) -> Option<String> {
    match value {
        FluentValue::Number(n) => Some(format_number(Language::En, n.value)),
        _ => None,
    }
}

fn number_fa<M>(value: &FluentValue<'_>, _: &M) -> Option<String> {
    match value {
        FluentValue::Number(n) => Some(format_number(Language::Fa, n.value)),
        _ => None,
    }
}

impl Catalog {
    fn build(lang: Language) -> Catalog {
        let id: LanguageIdentifier = lang
            .as_str()
            .parse()
            .unwrap_or_else(|_| LanguageIdentifier::default());
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // The catalogs are part of the binary and a test parses them without error, so
        // a resource error here cannot happen in a build that passed its tests; a
        // broken entry still leaves the others usable (Fluent skips it).
        let resource = FluentResource::try_new(source(lang).to_owned())
            .unwrap_or_else(|(partial, _errors)| partial);
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::warn!(lang = lang.as_str(), ?errors, "catalog has errors");
        }
        // Bidirectional isolation (FSI … PDI around each argument) only where it is
        // needed: in a right-to-left sentence a Latin id such as "relay-03" or a
        // number with a unit must keep its own order. In English the marks would only
        // be noise in logs, CSV files and terminals.
        bundle.set_use_isolating(lang.is_rtl());
        bundle.set_formatter(Some(match lang {
            Language::En => number_en,
            Language::Fa => number_fa,
        }));
        Catalog { bundle }
    }

    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
        let message = self.bundle.get_message(id)?;
        let pattern = message.value()?;
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::debug!(id, ?errors, "message worded with errors");
        }
        Some(text.into_owned())
    }

    fn duration(&self, seconds: f64) -> String {
        let (h, m, s) = hms(seconds);
        let (id, args): (&str, &[(&str, u64)]) = match (h, m, s) {
            (0, 0, s) => ("duration-seconds", &[("s", s)]),
            (0, m, 0) => ("duration-minutes", &[("m", m)]),
            (0, m, s) => ("duration-minutes-seconds", &[("m", m), ("s", s)]),
            (h, 0, _) => ("duration-hours", &[("h", h)]),
            (h, m, _) => ("duration-hours-minutes", &[("h", h), ("m", m)]),
        };
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, FluentValue::from(*value as f64));
        }
        self.format(id, Some(&fluent))
            .unwrap_or_else(|| format!("{seconds} s"))
    }
}

fn catalog(lang: Language) -> &'static Catalog {
    static CATALOGS: OnceLock<[Catalog; 2]> = OnceLock::new();
    let all = CATALOGS.get_or_init(|| [Catalog::build(Language::En), Catalog::build(Language::Fa)]);
    match lang {
        Language::En => &all[0],
        Language::Fa => &all[1],
    }
}

/// `message` in `lang`. A message the catalog does not have (a newer console's entry
/// read by an older one) is shown as its id and arguments rather than as nothing.
pub fn word(lang: Language, message: &Message) -> String {
    let catalog = catalog(lang);
    let mut args = FluentArgs::new();
    for (name, arg) in message.args.iter() {
        let value = match arg {
            Arg::Number(n) => FluentValue::from(*n),
            Arg::Text(text) => FluentValue::String(Cow::Borrowed(text.as_str())),
            Arg::Duration { duration } => FluentValue::from(catalog.duration(*duration)),
        };
        args.set(name, value);
    }
    catalog
        .format(&message.id, Some(&args))
        .unwrap_or_else(|| fallback(message))
}

fn fallback(message: &Message) -> String {
    let args: Vec<String> = message
        .args
        .iter()
        .map(|(name, arg)| match arg {
            Arg::Number(n) => format!("{name}={n}"),
            Arg::Text(t) => format!("{name}={t}"),
            Arg::Duration { duration } => format!("{name}={duration}s"),
        })
        .collect();
    if args.is_empty() {
        message.id.clone()
    } else {
        format!("{} ({})", message.id, args.join(", "))
    }
}

#[cfg(test)]
mod tests;
