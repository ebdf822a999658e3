//! The alarm journal as CSV, for the window's export: one row per transition, its
//! words in the operator's language, every cell of plant or operator text made safe for
//! spreadsheets (see `plant_link::text::csv_cell`).

use console_i18n::{word, Language, Message};
use plant_link::text::csv_cell;

use super::AlarmTransition;

/// The header and one row per transition, in the order given, lines ended by CRLF as
/// RFC 4180 has them. Times are Unix seconds and UTC, so the file reads the
/// same wherever it is opened.
pub fn journal_csv(rows: &[AlarmTransition], lang: Language) -> String {
    let mut out = String::from(
        "id,alarm_id,at,time,priority,condition,source,from,to,event,by,reason,text\r\n",
    );
    for t in rows {
        let time = crate::store::utc_text(t.at);
        let event = word(
            lang,
            &Message::new("alarm-event").text("event", t.event.as_str()),
        );
        let cells = [
            t.id.to_string(),
            t.alarm_id.to_string(),
            t.at.to_string(),
            time,
            t.priority.as_str().to_owned(),
            t.condition.as_str().to_owned(),
            csv_cell(&t.source),
            t.from.as_str().to_owned(),
            t.to.as_str().to_owned(),
            csv_cell(&event),
            csv_cell(t.by.as_deref().unwrap_or_default()),
            csv_cell(t.reason.as_deref().unwrap_or_default()),
            csv_cell(&word(lang, &t.message)),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarms::{AlarmCondition, AlarmEvent, AlarmState, Priority};

    #[test]
    fn a_hostile_reason_cannot_become_a_spreadsheet_formula_or_a_new_row() {
        let row = AlarmTransition {
            id: 7,
            alarm_id: 3,
            at: 1_700_000_000.0,
            from: AlarmState::UnackActive,
            to: AlarmState::Shelved,
            event: AlarmEvent::Shelve,
            by: Some("op-1".into()),
            reason: Some("=HYPERLINK(\"http://x\")\nforged,row".into()),
            condition: AlarmCondition::DeviceFault,
            source: "dev-003".into(),
            priority: Priority::High,
            message: Message::new("alarm-device_fault").text("name", "Pump 3"),
        };
        let csv = journal_csv(&[row], Language::En);
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 2, "a header and one row: {csv}");
        assert!(
            lines[1].contains("\"'=HYPERLINK(\"\"http://x\"\")\\nforged,row\""),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with(",Pump 3 reports a fault"));
        assert!(lines[1].contains("2023-11-14 22:13:20 UTC"));
    }
}
