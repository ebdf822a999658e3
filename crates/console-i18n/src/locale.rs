//! Which language to speak: the OS's on first start (until the operator picks one), and
//! the one in use now, shared by everything that words things in Rust.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use crate::Language;

/// The language a POSIX locale (`fa_IR.UTF-8`) or a BCP 47 tag (`fa-IR`) names, if
/// the console speaks it.
pub fn from_locale(locale: &str) -> Option<Language> {
    let language = locale
        .split(['_', '-', '.', '@'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    Language::parse(&language)
}

/// The OS user's language, or English when the console does not speak it.
///
/// On Linux that is what gettext would use: `LC_ALL`, then `LC_MESSAGES`, then `LANG`
/// (an empty variable does not count, and `C`/`POSIX` mean English). On Windows it is
/// the user's UI language, as sys-locale reads it.
pub fn os_language() -> Language {
    #[cfg(unix)]
    {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let locale = var("LC_ALL")
            .or_else(|| var("LC_MESSAGES"))
            .or_else(|| var("LANG"));
        if let Some(locale) = locale {
            return from_locale(&locale).unwrap_or(Language::En);
        }
    }
    sys_locale::get_locale()
        .as_deref()
        .and_then(from_locale)
        .unwrap_or(Language::En)
}

/// The language in use now, shared: the settings set it, notifications and the tray
/// read it when they word something, so a change applies to the next one.
#[derive(Debug, Clone)]
pub struct CurrentLanguage(Arc<AtomicU8>);

impl CurrentLanguage {
    pub fn new(lang: Language) -> Self {
        CurrentLanguage(Arc::new(AtomicU8::new(lang as u8)))
    }

    pub fn get(&self) -> Language {
        match self.0.load(Ordering::Relaxed) {
            1 => Language::Fa,
            _ => Language::En,
        }
    }

    pub fn set(&self, lang: Language) {
        self.0.store(lang as u8, Ordering::Relaxed);
    }
}

impl Default for CurrentLanguage {
    fn default() -> Self {
        CurrentLanguage::new(Language::En)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_name_their_language_whatever_their_spelling() {
        let cases = [
            ("fa_IR.UTF-8", Some(Language::Fa)),
            ("fa-IR", Some(Language::Fa)),
            ("FA", Some(Language::Fa)),
            ("en_GB.UTF-8", Some(Language::En)),
            ("en-US", Some(Language::En)),
            ("de_DE@euro", None),
            ("C", None),
            ("", None),
        ];
        for (locale, lang) in cases {
            assert_eq!(from_locale(locale), lang, "{locale:?}");
        }
    }

    #[test]
    fn a_language_set_is_seen_by_every_clone() {
        let current = CurrentLanguage::default();
        let clone = current.clone();
        current.set(Language::Fa);
        assert_eq!(clone.get(), Language::Fa);
    }
}
