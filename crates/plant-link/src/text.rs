//! Server text made safe to print: control characters escaped and long strings cut short,
//! for log lines and for the command line's reports.
//!
//! Whatever a plant sends (a device name, an event name, a refusal's message) may hold
//! terminal escape sequences, line breaks that forge a log line, or a megabyte of text.
//! The window renders it as text nodes and needs none of this; a terminal or a log file
//! does.

use std::borrow::Cow;
use std::fmt::Write;

/// The most characters of one server string that a log line carries; the rest is
/// replaced by a note of how long the string was.
pub const MAX_LOG_TEXT_CHARS: usize = 200;

/// Whether `c` must not reach a terminal or a log line as it is: C0 and C1 controls and
/// DEL (escape sequences, carriage returns that overwrite a line, line breaks that forge
/// one), the Unicode line and paragraph separators, and the bidirectional controls that
/// make text read differently from what it is ("Trojan Source").
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        other => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(other));
        }
    }
}

/// `text` with every control character written as an escape (`\n`, `\u{1b}`); text
/// without any is returned as it is, without a copy.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Server text for a log line: escaped like [`escape_control`] and cut after
/// [`MAX_LOG_TEXT_CHARS`] characters, with the original length noted.
pub fn log_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_LOG_TEXT_CHARS + 32));
    for (taken, (at, c)) in text.char_indices().enumerate() {
        if taken == MAX_LOG_TEXT_CHARS {
            let _ = write!(out, "… ({} more bytes)", text.len() - at);
            break;
        }
        if needs_escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// One CSV cell of server text. Control characters are escaped (a CSV file is also read
/// in a terminal); a cell that starts with `=`, `+`, `-` or `@` gets a `'` in front, so a spreadsheet shows it as text instead of running it
/// as a formula ("CSV injection"); and the cell is quoted per RFC 4180 when it needs it.
pub fn csv_cell(text: &str) -> String {
    let text = escape_control(text);
    // Tabs and carriage returns, which some spreadsheets also read as a formula's
    // start, are escapes by now.
    let defused = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.into_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) || defused.starts_with('\'') {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_not_copied() {
        assert!(matches!(escape_control("Pump 3 °C"), Cow::Borrowed(_)));
        assert_eq!(
            escape_control("a\u{1b}[2Jb\r\nc\u{7f}\u{9b}"),
            "a\\u{1b}[2Jb\\r\\nc\\u{7f}\\u{9b}"
        );
        assert_eq!(
            escape_control("abc\u{202e}fed\u{2028}"),
            "abc\\u{202e}fed\\u{2028}"
        );
    }

    #[test]
    fn a_log_line_carries_at_most_the_first_characters_of_server_text() {
        let long = "é".repeat(10_000);
        let line = log_text(&long);
        assert!(line.starts_with(&"é".repeat(MAX_LOG_TEXT_CHARS)));
        assert!(line.ends_with(&format!("… ({} more bytes)", (10_000 - 200) * 2)));
        assert!(line.chars().count() < MAX_LOG_TEXT_CHARS + 30);
        assert_eq!(log_text("ok"), "ok");
    }

    #[test]
    fn a_forged_log_line_stays_on_its_own_line() {
        let forged = "dev-1\n2026-12-02T08:00:00Z  INFO plant link live\u{1b}[8m";
        let line = log_text(forged);
        assert!(!line.contains('\n') && !line.contains('\u{1b}'), "{line}");
        assert!(line.contains("\\n2026-12-02") && line.contains("\\u{1b}[8m"));
    }
}
