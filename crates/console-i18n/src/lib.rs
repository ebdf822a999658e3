//! The console's words: a [`Message`] is what the core says happened (a catalog id and
//! its arguments), and the catalog of each [`Language`] words it.
//!
//! The core never makes sentences. It hands kinds and parameters up, and the edges (the
//! window, native notifications, the tray, the CLI) word them from the same catalog file
//! per language (`locales/<lang>.ftl`), so the window and Rust cannot drift apart.

use serde::{Deserialize, Serialize};

mod args;
mod catalog;
mod format;
mod locale;

pub use args::Args;
pub use catalog::word;
pub use format::{format_number, localize_digits, notification_text};
pub use locale::{from_locale, os_language};

/// The languages the console speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Language {
    En,
    Fa,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::Fa];

    /// The code the settings, the CLI's `--lang` and the window use.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fa => "fa",
        }
    }

    pub fn parse(text: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.as_str() == text)
    }

    /// Whether the language is written right to left.
    pub fn is_rtl(self) -> bool {
        self == Language::Fa
    }
}

/// One argument of a message: text (an id, a name, an operator) or a number (a value, a
/// count, seconds), which each language formats its own way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum Arg {
    Number(f64),
    Text(String),
    /// A length of time in seconds, worded by the catalog's `duration-*` messages
    /// before the message that holds it.
    Duration {
        duration: f64,
    },
}

/// What happened, without its words: a catalog message id and its named arguments.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Message {
    pub id: String,
    // Serialized as a JSON object by name, as a map would be.
    #[cfg_attr(feature = "ts", ts(as = "std::collections::BTreeMap<String, Arg>"))]
    pub args: Args,
}

impl Message {
    pub fn new(id: impl Into<String>) -> Self {
        Message {
            id: id.into(),
            args: Args::default(),
        }
    }

    /// Adds a text argument.
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.insert(name, Arg::Text(value.into()));
        self
    }

    /// Adds a number argument.
    pub fn number(mut self, name: &'static str, value: f64) -> Self {
        self.args.insert(name, Arg::Number(value));
        self
    }

    /// Adds a length of time, in seconds.
    pub fn duration(mut self, name: &'static str, seconds: f64) -> Self {
        self.args.insert(name, Arg::Duration { duration: seconds });
        self
    }

    /// The text argument `name`, if it is one.
    pub fn text_arg(&self, name: &str) -> Option<&str> {
        match self.args.get(name) {
            Some(Arg::Text(text)) => Some(text),
            _ => None,
        }
    }
}
