//! Numbers and lengths of time the way each language writes them, shared by the
//! catalog's arguments and the command line's figures.

use crate::Language;

/// A number as people read it: at most two decimals, no trailing zeros, no grouping
/// (readings and counts, not money); in Persian with Persian digits and the Persian
/// decimal separator. The window's catalog formats numbers with the same rules (a test
/// over shared samples checks that they agree).
pub fn format_number(lang: Language, value: f64) -> String {
    let mut text = if value.is_finite() {
        format!("{value:.2}")
    } else {
        return value.to_string();
    };
    if text.contains('.') {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(trimmed);
    }
    if text == "-0" {
        text = "0".to_owned();
    }
    match lang {
        Language::En => text,
        Language::Fa => localize_digits(lang, &text.replace('.', "\u{066B}")),
    }
}

/// ASCII digits written in the language's own digits (Persian ۰–۹); other characters
/// are kept. For figures the console itself makes (counts, times), never for ids or
/// names from the plant, whose digits are part of the name.
pub fn localize_digits(lang: Language, text: &str) -> String {
    match lang {
        Language::En => text.to_owned(),
        Language::Fa => text
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_u32(0x06F0 + d).unwrap_or(c),
                None => c,
            })
            .collect(),
    }
}

/// A notification's text as the desktop should show it: a Persian text opens with a
/// right-to-left mark, so that a line starting with a Latin id (a device id, a number)
/// is still laid out right to left by notification daemons that take the direction
/// from the first strong character (dunst, Windows toasts).
pub fn notification_text(lang: Language, text: &str) -> String {
    if lang.is_rtl() {
        format!("\u{200F}{text}")
    } else {
        text.to_owned()
    }
}

/// The whole hours, minutes and seconds of a length of time (rounded to the second:
/// "10.000213 s" helps nobody).
pub(crate) fn hms(seconds: f64) -> (u64, u64, u64) {
    let total = seconds.max(0.0).round() as u64;
    (total / 3600, total / 60 % 60, total % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_at_most_two_decimals_and_persian_digits_in_persian() {
        let cases = [
            (12.5, "12.5", "۱۲٫۵"),
            (3.0, "3", "۳"),
            (0.004, "0", "۰"),
            (-0.001, "0", "۰"),
            (1234.567, "1234.57", "۱۲۳۴٫۵۷"),
            (-7.25, "-7.25", "-۷٫۲۵"),
        ];
        for (value, en, fa) in cases {
            assert_eq!(format_number(Language::En, value), en, "{value}");
            assert_eq!(format_number(Language::Fa, value), fa, "{value}");
        }
    }

    #[test]
    fn persian_notifications_open_with_a_right_to_left_mark() {
        assert_eq!(notification_text(Language::Fa, "dev-1"), "\u{200F}dev-1");
        assert_eq!(notification_text(Language::En, "dev-1"), "dev-1");
    }

    #[test]
    fn lengths_of_time_round_to_the_second() {
        assert_eq!(hms(3725.4), (1, 2, 5));
        assert_eq!(hms(-3.0), (0, 0, 0));
    }
}
