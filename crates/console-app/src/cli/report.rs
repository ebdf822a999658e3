//! The offline reports: `state` (JSON and text, each value with its age and quality),
//! `journal` (text, JSON, CSV) and `outbox`, with server text escaped for the terminal.

use chrono::{DateTime, Local};
use console_core::quality::Quality;
use console_core::store::{JournalEntry, StoredState};
use console_i18n::Language;
use plant_link::items::Unreadable;
// Server text (names, ids, refusals) reaches a terminal escaped: see `text`.
use plant_link::text::escape_control as esc;
use serde_json::{json, Map, Value};

/// The outbox report for people: one line per command, newest first.
pub fn outbox_text(commands: &[console_core::outbox::QueuedCommand]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    writeln!(
        out,
        "{:<36}  {:<12} {:<3}  {:<10} {:>8}  error",
        "request id", "relay", "to", "status", "attempts"
    )
    .ok();
    for c in commands {
        writeln!(
            out,
            "{:<36}  {:<12} {:<3}  {:<10} {:>8}  {}",
            c.request_id,
            esc(&c.relay_id),
            if c.state { "ON" } else { "OFF" },
            c.status.as_str(),
            c.attempts,
            esc(c.error.as_deref().unwrap_or(""))
        )
        .ok();
    }
    out
}

/// Unix seconds as this machine's local time, for people.
fn local_time(at: f64) -> Option<DateTime<Local>> {
    let nanos = ((at - at.floor()) * 1e9) as u32;
    DateTime::from_timestamp(at.floor() as i64, nanos).map(|t| t.with_timezone(&Local))
}

/// `at` as this machine's local date and time, as the reports for people print it.
pub(super) fn local_text(at: f64) -> String {
    local_time(at)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| at.to_string())
}

/// The `journal` report for people: local time, kind, sentence; one line per entry.
pub fn journal_text(entries: &[JournalEntry], lang: Language) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for entry in entries {
        let time = local_text(entry.at);
        writeln!(
            out,
            "{time}  {:<14}  {}",
            esc(&entry.kind),
            esc(&entry.worded(lang))
        )
        .ok();
    }
    out
}

/// One CSV cell of server text (see `plant_link::text::csv_cell`).
pub use plant_link::text::csv_cell;

/// The `journal --csv` report: a header row, then one row per entry, quoted per RFC 4180.
pub fn journal_csv(entries: &[JournalEntry], lang: Language) -> String {
    let field = csv_cell;
    let mut out = String::from("id,at,time,kind,subject,text,data\r\n");
    for entry in entries {
        let time = local_time(entry.at)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default();
        let row = [
            entry.id.to_string(),
            entry.at.to_string(),
            time,
            field(&entry.kind),
            field(&entry.subject),
            field(&entry.worded(lang)),
            field(&entry.data.to_string()),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The quality of a value read from the cache by a command that runs no link: bad
/// where the plant's value could not be read, otherwise uncertain (the cache's copy).
fn cached_quality(own: Quality) -> Quality {
    Quality::of(own, None, 0.0)
}

/// The `state --json` document: contract fields of each object plus `received_at`,
/// `quality` (`{level, reason}`, as the window shows it) and `unreadable` (the fields
/// the plant last sent that could not be read).
pub fn state_json(state: &StoredState) -> Value {
    fn with_received_at(
        object: Value,
        received_at: f64,
        quality: Quality,
        unreadable: &Unreadable,
    ) -> Value {
        let mut map = match object {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        map.insert("received_at".into(), json!(received_at));
        let quality = cached_quality(quality);
        map.insert("quality".into(), json!(quality));
        map.insert("quality_text".into(), json!(quality.text()));
        map.insert("unreadable".into(), json!(unreadable));
        Value::Object(map)
    }
    let devices: Vec<Value> = state
        .devices
        .iter()
        .map(|e| {
            with_received_at(
                serde_json::to_value(&e.device).unwrap_or_default(),
                e.received_at,
                e.quality,
                &e.unreadable,
            )
        })
        .collect();
    let relays: Vec<Value> = state
        .relays
        .iter()
        .map(|e| {
            with_received_at(
                serde_json::to_value(&e.relay).unwrap_or_default(),
                e.received_at,
                e.quality,
                &e.unreadable,
            )
        })
        .collect();
    let stats = state.system_stats.as_ref().map(|e| {
        with_received_at(
            serde_json::to_value(&e.stats).unwrap_or_default(),
            e.received_at,
            e.quality,
            &e.unreadable,
        )
    });
    json!({
        "devices": devices,
        "relays": relays,
        "system_stats": stats,
        "last_contact": state.last_contact,
    })
}

/// The `state` report for people: one line per device and relay, with ages.
pub fn state_text(state: &StoredState, now: f64) -> String {
    use std::fmt::Write;
    let age = |at: f64| format_age(now - at);
    let mut out = String::new();
    match state.last_contact {
        Some(at) => writeln!(out, "Last contact: {} ago", age(at)),
        None => writeln!(out, "Last contact: never"),
    }
    .ok();
    writeln!(out, "\nDevices ({}):", state.devices.len()).ok();
    for entry in &state.devices {
        let d = &entry.device;
        let value = match (d.value, &d.unit) {
            // Never a placeholder as if it were a reading: the mark says what it is.
            _ if entry.unreadable.contains("value") => "BAD VALUE".into(),
            (Some(v), Some(unit)) => format!("{v} {}", esc(unit)),
            (Some(v), None) => v.to_string(),
            (None, _) => "—".into(),
        };
        writeln!(
            out,
            "  {:<12} {:<32} {:<8} {:>14}  {} ago",
            esc(&d.id),
            esc(&d.name),
            d.status.as_str(),
            value,
            age(entry.received_at)
        )
        .ok();
        if entry.quality.is_bad() {
            writeln!(
                out,
                "  {:<12} ✖ bad value from the plant: {} could not be read",
                "",
                entry.unreadable.joined()
            )
            .ok();
        }
    }
    writeln!(out, "\nRelays ({}):", state.relays.len()).ok();
    for entry in &state.relays {
        let r = &entry.relay;
        let by = esc(r.changed_by.as_deref().unwrap_or("—"));
        writeln!(
            out,
            "  {:<12} {:<24} {:<3}  changed by {by}, {} ago",
            esc(&r.id),
            esc(&r.name),
            match entry.readable_state() {
                Some(true) => "ON",
                Some(false) => "OFF",
                None => "??",
            },
            age(r.changed_at)
        )
        .ok();
        if entry.quality.is_bad() {
            writeln!(
                out,
                "  {:<12} ✖ bad value from the plant: {} could not be read",
                "",
                entry.unreadable.joined()
            )
            .ok();
        }
    }
    if let Some(entry) = &state.system_stats {
        let s = &entry.stats;
        writeln!(
            out,
            "\nServer: CPU {:.0} %, memory {:.0} %, disk {:.0} %, {} clients ({} ago)",
            s.cpu_percent,
            s.memory_percent,
            s.disk_percent,
            s.clients,
            age(entry.received_at)
        )
        .ok();
        if entry.quality.is_bad() {
            writeln!(
                out,
                "  ✖ bad value from the plant: {} could not be read (the last readable figures are shown)",
                entry.unreadable.joined()
            )
            .ok();
        }
    }
    out
}

/// "12 s", "5 min", "3 h", "2 d": precise enough to judge how old a value is.
pub fn format_age(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 60.0 {
        format!("{s:.0} s")
    } else if s < 3600.0 {
        format!("{:.0} min", (s / 60.0).floor())
    } else if s < 86_400.0 {
        format!("{:.0} h", (s / 3600.0).floor())
    } else {
        format!("{:.0} d", (s / 86_400.0).floor())
    }
}
