//! Tests of the catalogs: both parse, have the same messages with the same arguments,
//! and word the shared samples (`samples.json`, which the window's tests read too) the
//! way that file says.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
use fluent_syntax::parser;

use super::*;

/// Each message's variables, and the messages it refers to.
type Shape = BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>;

fn shape(lang: Language) -> Shape {
    let ast = parser::parse(source(lang)).unwrap_or_else(|(_, errors)| {
        panic!("{} catalog does not parse: {errors:?}", lang.as_str())
    });
    let mut out = Shape::new();
    for entry in ast.body {
        if let Entry::Message(m) = entry {
            let mut vars = BTreeSet::new();
            let mut refs = BTreeSet::new();
            if let Some(value) = &m.value {
                pattern(value, &mut vars, &mut refs);
            }
            out.insert(m.id.name.to_owned(), (vars, refs));
        }
    }
    out
}

fn pattern(p: &Pattern<&str>, vars: &mut BTreeSet<String>, refs: &mut BTreeSet<String>) {
    for element in &p.elements {
        if let PatternElement::Placeable { expression } = element {
            expr(expression, vars, refs);
        }
    }
}

fn expr(e: &Expression<&str>, vars: &mut BTreeSet<String>, refs: &mut BTreeSet<String>) {
    match e {
        Expression::Select { selector, variants } => {
            inline(selector, vars, refs);
            for v in variants {
                pattern(&v.value, vars, refs);
            }
        }
        Expression::Inline(i) => inline(i, vars, refs),
    }
}

fn inline(i: &InlineExpression<&str>, vars: &mut BTreeSet<String>, refs: &mut BTreeSet<String>) {
    match i {
        InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        InlineExpression::MessageReference { id, .. } => {
            refs.insert(id.name.to_owned());
        }
        InlineExpression::Placeable { expression } => expr(expression, vars, refs),
        _ => {}
    }
}

#[test]
fn every_language_has_the_same_messages_with_the_same_arguments() {
    let english = shape(Language::En);
    let persian = shape(Language::Fa);
    let missing: Vec<_> = english
        .keys()
        .filter(|id| !persian.contains_key(*id))
        .collect();
    let extra: Vec<_> = persian
        .keys()
        .filter(|id| !english.contains_key(*id))
        .collect();
    assert!(missing.is_empty(), "missing in fa.ftl: {missing:?}");
    assert!(extra.is_empty(), "only in fa.ftl: {extra:?}");
    for (id, (vars, refs)) in &english {
        let (fa_vars, fa_refs) = &persian[id];
        assert_eq!(vars, fa_vars, "arguments of {id}");
        assert_eq!(refs, fa_refs, "messages referred to by {id}");
        // fluent-rs leaves a message reference unisolated in a right-to-left sentence
        // and fluent.js isolates it, so a reference would read differently in the
        // window and in a notification: shared words are written out in place.
        assert!(refs.is_empty(), "{id} refers to {refs:?}");
    }
    // And the bundles Rust words from hold every message the files have.
    for lang in Language::ALL {
        for id in english.keys() {
            assert!(
                catalog(lang).bundle.has_message(id),
                "{}: {id}",
                lang.as_str()
            );
        }
    }
}

#[test]
fn the_catalogs_parse_without_errors_as_fluent_reads_them() {
    for (lang, text) in CATALOG_SOURCES {
        assert!(
            FluentResource::try_new(text.to_owned()).is_ok(),
            "{} catalog",
            lang.as_str()
        );
    }
}

#[test]
fn persian_isolates_each_argument_and_english_adds_no_marks() {
    let message = Message::new("alarm-device_fault").text("name", "Pump 3");
    assert_eq!(word(Language::En, &message), "Pump 3 reports a fault");
    assert_eq!(
        word(Language::Fa, &message),
        "\u{2068}Pump 3\u{2069} خطا گزارش می‌دهد"
    );
}

#[test]
fn numbers_and_lengths_of_time_are_worded_in_each_language() {
    let message = Message::new("alert-limit-high-title")
        .text("name", "Boiler")
        .number("value", 81.256)
        .text("unit", " °C");
    assert_eq!(
        word(Language::En, &message),
        "Boiler is above its high limit: 81.26 °C"
    );
    assert!(word(Language::Fa, &message).contains("۸۱٫۲۶"));

    let restored = Message::new("alert-link-restored-title").duration("duration", 72.0);
    assert_eq!(
        word(Language::En, &restored),
        "Plant link restored after 1 min 12 s"
    );
    let persian: String = word(Language::Fa, &restored)
        .chars()
        .filter(|c| !matches!(c, '\u{2068}' | '\u{2069}'))
        .collect();
    assert!(persian.contains("۱ دقیقه و ۱۲ ثانیه"), "{persian}");
}

#[test]
fn a_message_the_catalog_lacks_shows_its_id_and_arguments() {
    let message = Message::new("from-a-newer-console").text("x", "1");
    assert_eq!(word(Language::En, &message), "from-a-newer-console (x=1)");
}

/// The shared samples: each message with the words each language must give it.
#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
struct Sample {
    message: Message,
    en: String,
    fa: String,
}

fn samples_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples.json")
}

/// Messages that exercise every kind of argument: text, numbers, durations, selectors
/// and plurals, right-to-left isolation of Latin ids.
fn sample_messages() -> Vec<Message> {
    vec![
        Message::new("alarm-device_offline")
            .text("name", "Pump 3")
            .text("source", "dev-003"),
        Message::new("alarm-limit_high")
            .text("name", "Boiler 1")
            .text("source", "dev-001"),
        Message::new("alarm-link_lost"),
        Message::new("alert-relay-switched-by-title")
            .text("name", "Fan")
            .text("state", "on")
            .text("by", "operator-2"),
        Message::new("alert-relay-switched-body")
            .text("place", "relay-03 · Boiler 1 · Hall 2")
            .text("was", "off"),
        Message::new("alert-device-status-last-body")
            .text("place", "dev-002")
            .text("was", "online")
            .number("value", 21.5)
            .text("unit", " °C"),
        Message::new("alert-limit-low-title")
            .text("name", "Tank")
            .number("value", -3.0)
            .text("unit", " bar"),
        Message::new("alert-link-lost-title").duration("duration", 3725.0),
        Message::new("alert-link-lost-detail-body")
            .text("server", "http://10.0.0.5:5000")
            .text("mode", "offline")
            .text("detail", "connection refused"),
        Message::new("alert-command-expired-title")
            .text("name", "Pump 3")
            .text("state", "off"),
        Message::new("notify-summary-title").number("count", 1.0),
        Message::new("notify-summary-title").number("count", 12.0),
        Message::new("tray-tooltip")
            .text("mode", "realtime")
            .number("devices", 8.0)
            .number("alarms", 1.0),
        Message::new("tray-tooltip")
            .text("mode", "stale")
            .number("devices", 8.0)
            .number("alarms", 0.0),
        Message::new("journal-link-detail")
            .text("from", "realtime")
            .text("mode", "fallback")
            .text("detail", "timeout"),
        Message::new("journal-bad-value")
            .text("what", "relay")
            .text("name", "Fan")
            .text("fields", "state"),
        Message::new("alarm-event").text("event", "unshelve"),
        Message::new("alert-count")
            .text("kind", "device_offline")
            .number("count", 1.0),
        Message::new("alert-count")
            .text("kind", "device_offline")
            .number("count", 3.0),
        Message::new("journal-command-detail")
            .text("relay", "relay-03")
            .text("state", "on")
            .text("operator", "op-1")
            .text("status", "failed")
            .text("detail", "server said no"),
        Message::new("alarm-state").text("state", "unack_returned"),
        Message::new("alarm-notification-title").text("priority", "critical"),
    ]
}

#[test]
fn the_shared_samples_are_worded_as_samples_json_says() {
    let worded: Vec<Sample> = sample_messages()
        .into_iter()
        .map(|message| Sample {
            en: word(Language::En, &message),
            fa: word(Language::Fa, &message),
            message,
        })
        .collect();
    let path = samples_file();
    if std::env::var_os("CATALOG_SAMPLES_WRITE").is_some() {
        let text = serde_json::to_string_pretty(&worded).expect("samples serialize");
        std::fs::write(&path, text + "\n").expect("samples.json is writable");
        return;
    }
    let text = std::fs::read_to_string(&path).expect("samples.json is there");
    let expected: Vec<Sample> = serde_json::from_str(&text).expect("samples.json parses");
    assert_eq!(
        worded, expected,
        "the catalog's words changed: check them, then run `cargo xtask ipc-types` \
         (CATALOG_SAMPLES_WRITE=1 cargo test -p console-i18n)"
    );
}
