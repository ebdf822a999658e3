//! Which language to speak on first start: the OS's, until the operator picks one.

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
}
