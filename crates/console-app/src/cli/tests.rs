//! Tests of the command line's parsing and of the reports.

use super::*;
use console_core::store::{JournalEntry, StoredState};
use plant_link::items::Unreadable;
use serde_json::json;

#[test]
fn ages_are_rounded_down_to_their_unit() {
    assert_eq!(format_age(-1.0), "0 s");
    assert_eq!(format_age(59.4), "59 s");
    assert_eq!(format_age(119.0), "1 min");
    assert_eq!(format_age(7200.0), "2 h");
    assert_eq!(format_age(200_000.0), "2 d");
}

#[test]
fn times_are_read_as_unix_seconds_or_rfc_3339_with_an_offset() {
    assert_eq!(parse_time("1767225600"), Ok(1_767_225_600.0));
    assert_eq!(parse_time("1767225600.25"), Ok(1_767_225_600.25));
    assert_eq!(parse_time("2026-01-01T00:00:00Z"), Ok(1_767_225_600.0));
    assert_eq!(
        parse_time("2026-01-01T01:00:00.5+01:00"),
        Ok(1_767_225_600.5)
    );
    assert!(parse_time("yesterday").unwrap_err().contains("RFC 3339"));
    assert!(parse_time("2026-01-01 00:00").is_err());
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_as_formulas_are_defused() {
    assert_eq!(
        csv_cell("=HYPERLINK(\"http://evil\")"),
        "\"'=HYPERLINK(\"\"http://evil\"\")\""
    );
    assert_eq!(
        csv_cell("+1+cmd|' /C calc'!A0"),
        "\"'+1+cmd|' /C calc'!A0\""
    );
    assert_eq!(csv_cell("-2+3"), "\"'-2+3\"");
    assert_eq!(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
    assert_eq!(csv_cell("\tx"), "\\tx", "a tab is written as an escape");
    assert_eq!(csv_cell("Pump 3"), "Pump 3");
    assert_eq!(csv_cell("a=b"), "a=b", "only a leading sign is a formula");
}

#[test]
fn a_device_the_plant_sent_unreadably_is_reported_bad_in_text_and_json() {
    use console_core::state::DeviceEntry;
    use plant_protocol::{Device, DeviceStatus};
    let device = |id: &str, value: Option<f64>| Device {
        id: id.into(),
        name: format!("Pump {id}"),
        kind: "flow".into(),
        status: DeviceStatus::Fault,
        value,
        unit: Some("l/s".into()),
        last_seen: 1.0,
        extra: Default::default(),
    };
    let state = StoredState {
        devices: vec![
            DeviceEntry::restored(device("d1", Some(3.5)).into(), 1.0, Unreadable::default()),
            DeviceEntry::restored(
                device("d2", None).into(),
                1.0,
                Unreadable::from_names(["value"]),
            ),
        ],
        ..StoredState::default()
    };
    let json = state_json(&state);
    assert_eq!(json["devices"][1]["quality"]["level"], "bad");
    assert_eq!(json["devices"][1]["quality"]["reason"], "unreadable");
    assert_eq!(json["devices"][1]["unreadable"], json!(["value"]));
    assert_eq!(
        json["devices"][1]["quality_text"],
        "bad value from the plant"
    );
    assert_eq!(json["devices"][0]["quality"]["level"], "uncertain");
    assert_eq!(json["devices"][0]["unreadable"], json!([]));
    let text = state_text(&state, 2.0);
    assert!(text.contains("BAD VALUE"), "{text}");
    assert!(
        text.contains("bad value from the plant: value could not be read"),
        "{text}"
    );
    assert!(text.contains("fault"), "its status still shows: {text}");
}

#[test]
fn server_text_in_the_reports_reaches_the_terminal_escaped() {
    use plant_protocol::{Device, DeviceStatus};
    let evil = "Pump\u{1b}]0;owned\u{7}\u{1b}[2J\r\nFAKE";
    let device = Device {
        id: "d\u{1b}[31m".into(),
        name: evil.into(),
        kind: "level".into(),
        status: DeviceStatus::Online,
        value: Some(1.0),
        unit: Some("\u{9b}1m".into()),
        last_seen: 1.0,
        extra: Default::default(),
    };
    let state = StoredState {
        devices: vec![console_core::state::DeviceEntry::new(device.into(), 1.0)],
        ..StoredState::default()
    };
    let entry = JournalEntry {
        id: 1,
        at: 1.0,
        kind: "device_status".into(),
        subject: "d1".into(),
        text: format!("Device {evil} changed from online to fault"),
        data: json!({}),
        message: Some(
            console_i18n::Message::new("journal-device-status")
                .text("name", evil)
                .text("from", "online")
                .text("status", "fault"),
        ),
    };
    for report in [
        state_text(&state, 2.0),
        journal_text(std::slice::from_ref(&entry), console_i18n::Language::En),
        journal_csv(std::slice::from_ref(&entry), console_i18n::Language::En),
    ] {
        let bad: Vec<char> = report
            .chars()
            .filter(|c| c.is_control() && !matches!(c, '\n' | '\r'))
            .collect();
        assert!(bad.is_empty(), "{bad:?} in {report:?}");
        assert!(
            !report.contains("\nFAKE") && !report.contains("\r\nFAKE"),
            "{report:?}"
        );
        assert!(report.contains("\\u{1b}"), "{report:?}");
    }
}

#[test]
fn csv_quotes_fields_that_need_it() {
    let entry = JournalEntry {
        id: 7,
        at: 1_767_225_600.0,
        kind: "relay_switched".into(),
        subject: "r1".into(),
        text: "Relay \"Main, east\" switched ON".into(),
        data: json!({"to": true}),
        message: None,
    };
    let csv = journal_csv(&[entry], console_i18n::Language::En);
    let mut lines = csv.split("\r\n");
    assert_eq!(lines.next(), Some("id,at,time,kind,subject,text,data"));
    let row = lines.next().unwrap();
    assert!(row.starts_with("7,1767225600,"), "{row}");
    assert!(
        row.ends_with(
            ",relay_switched,r1,\"Relay \"\"Main, east\"\" switched ON\",\"{\"\"to\"\":true}\""
        ),
        "{row}"
    );
}

#[test]
fn empty_cache_reports_no_contact_and_empty_lists() {
    let value = state_json(&StoredState::default());
    assert_eq!(
        value,
        json!({"devices": [], "relays": [], "system_stats": null, "last_contact": null})
    );
}

#[test]
fn servers_are_repeated_or_comma_separated_and_the_failover_options_are_read() {
    use clap::Parser;
    let cli = Cli::try_parse_from([
        "plant-console",
        "--server",
        "http://a:5000",
        "--server",
        "http://b:5000,http://c:5000",
        "--failover",
        "equal",
        "--prefer-primary-after",
        "5",
    ])
    .unwrap();
    assert_eq!(
        cli.run.server,
        ["http://a:5000", "http://b:5000", "http://c:5000"]
    );
    assert_eq!(cli.run.failover, Some(console_core::FailoverPolicy::Equal));
    assert_eq!(cli.run.prefer_primary_after, Some(5));
    let refused = Cli::try_parse_from(["plant-console", "--failover", "both"]).unwrap_err();
    assert!(refused.to_string().contains("primary"), "{refused}");
}
