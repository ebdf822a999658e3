//! The command line: options, subcommands, and the offline `state` and `journal` reports.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Local};
use clap::{Args, Parser, Subcommand};
use console_core::store::{self, JournalEntry, StoredState};
use serde_json::{json, Map, Value};

/// Plant Console: the control console for a factory's plant server.
#[derive(Debug, Parser)]
#[command(name = "plant-console", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options of the console itself (window or headless).
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Start the embedded demo plant on a loopback port and connect to it.
    #[arg(long, conflicts_with = "server")]
    pub demo: bool,
    /// The plant server's URL, e.g. http://plant-server:5000.
    #[arg(long, value_name = "URL", env = "PLANT_SERVER")]
    pub server: Option<String>,
    /// A file holding the plant's access token (the PLANT_TOKEN variable also works).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// A PEM file with the site's own CA, trusted for https/wss besides the system roots.
    #[arg(long, value_name = "PATH")]
    pub site_ca: Option<PathBuf>,
    /// Where the console keeps its cache (default: the OS data folder).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Run the link and the store without a window until SIGINT or SIGTERM.
    #[arg(long)]
    pub headless: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the last-known plant state from the cache; needs no server.
    State {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Relay commands, put in the outbox for the console running on the same data folder.
    Relay {
        #[command(subcommand)]
        action: RelayAction,
    },
    /// The plant's access token, kept in the OS keyring: for installers and scripts.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// List the operator commands in the outbox with their state.
    Outbox {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The audit trail of operator commands.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Print the journal (status changes, relay switches, link changes, commands) from
    /// the cache; needs no server and changes nothing.
    Journal {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Only entries at or after T: Unix seconds or RFC 3339 (2026-03-01T08:00:00+01:00).
        #[arg(long, value_name = "T", value_parser = parse_time)]
        since: Option<f64>,
        /// Only entries at or before T: Unix seconds or RFC 3339.
        #[arg(long, value_name = "T", value_parser = parse_time)]
        until: Option<f64>,
        /// Only entries of this kind or family (device, relay, link, command, relay_switched, …).
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// At most this many entries, the most recent ones.
        #[arg(long, value_name = "N", default_value_t = u32::MAX, hide_default_value = true)]
        limit: u32,
        /// Print JSON (an array of entries) instead of lines.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print CSV with a header row instead of lines.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Keep the plant's token, read from the first line of standard input, in the OS
    /// keyring (or, where none answers, a file only this user can read).
    Set {
        #[command(flatten)]
        plant: TokenPlant,
    },
    /// Forget the plant's token.
    Clear {
        #[command(flatten)]
        plant: TokenPlant,
    },
    /// Say where tokens are kept and whether one is kept for the plant; never prints it.
    Status {
        #[command(flatten)]
        plant: TokenPlant,
        /// Print JSON instead of a sentence.
        #[arg(long)]
        json: bool,
    },
}

/// Which plant a token belongs to, and which data folder keeps the settings and the
/// token file.
#[derive(Debug, Args)]
pub struct TokenPlant {
    /// The plant server's URL (default: the one saved in the settings).
    #[arg(long, value_name = "URL", env = "PLANT_SERVER")]
    pub server: Option<String>,
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RelayAction {
    /// Queue a relay command; a running console (`--headless` or windowed) on the same
    /// data folder sends it. Prints the command's request id.
    Set {
        relay_id: String,
        #[arg(value_enum)]
        state: OnOff,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Seconds the command may wait before it expires unsent.
        #[arg(long, value_name = "SECONDS", default_value_t = 120)]
        ttl: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Check the hash chain; exits non-zero when an entry was edited or removed.
    Verify {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

/// The outbox report for people: one line per command, newest first.
pub fn outbox_text(commands: &[console_core::outbox::Command]) -> String {
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
            c.relay_id,
            if c.state { "ON" } else { "OFF" },
            c.status.as_str(),
            c.attempts,
            c.error.as_deref().unwrap_or("")
        )
        .ok();
    }
    out
}

/// Reads a time given on the command line: Unix seconds, or an RFC 3339 date-time with
/// its offset (so the reading never depends on this machine's time zone).
pub fn parse_time(text: &str) -> Result<f64, String> {
    if let Ok(seconds) = text.trim().parse::<f64>() {
        if seconds.is_finite() {
            return Ok(seconds);
        }
    }
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) / 1e9)
        .map_err(|_| {
            format!(
                "{text:?} is neither Unix seconds nor an RFC 3339 time like 2026-03-01T08:00:00Z"
            )
        })
}

/// Reads journal entries from the cache in `data_dir` without changing it; a folder with
/// no cache yet has an empty journal.
pub fn read_journal(
    data_dir: &Path,
    kind: Option<&str>,
    since: Option<f64>,
    until: Option<f64>,
    limit: u32,
) -> Result<Vec<JournalEntry>, store::StoreError> {
    let Some(conn) = store::open_read_only(data_dir)? else {
        return Ok(Vec::new());
    };
    match kind {
        Some(kind) => store::journal_of_kind(&conn, kind, since, until, limit),
        None => store::journal(&conn, since, until, limit),
    }
}

/// Unix seconds as this machine's local time, for people.
fn local_time(at: f64) -> Option<DateTime<Local>> {
    let nanos = ((at - at.floor()) * 1e9) as u32;
    DateTime::from_timestamp(at.floor() as i64, nanos).map(|t| t.with_timezone(&Local))
}

/// The `journal` report for people: local time, kind, sentence; one line per entry.
pub fn journal_text(entries: &[JournalEntry]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for entry in entries {
        let time = local_time(entry.at)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| entry.at.to_string());
        writeln!(out, "{time}  {:<14}  {}", entry.kind, entry.text).ok();
    }
    out
}

/// The `journal --csv` report: a header row, then one row per entry, quoted per RFC 4180.
pub fn journal_csv(entries: &[JournalEntry]) -> String {
    fn field(text: &str) -> String {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_owned()
        }
    }
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
            field(&entry.text),
            field(&entry.data.to_string()),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The OS data folder of the app (`~/.local/share/plant-console` on Linux,
/// `%APPDATA%\plant-console` on Windows).
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("plant-console")
}

/// The data folder a console run uses: `--data-dir`, else the OS data folder, with the
/// demo plant in a folder of its own so a demo never mixes with the real plant's cache.
pub fn run_data_dir(args: &RunArgs) -> PathBuf {
    match (&args.data_dir, args.demo) {
        (Some(dir), _) => dir.clone(),
        (None, true) => default_data_dir().join("demo"),
        (None, false) => default_data_dir(),
    }
}

/// Reads the last-known state from the cache in `data_dir` without changing it; a
/// folder with no cache yet reads as an empty state.
pub fn read_state(data_dir: &Path) -> Result<StoredState, store::StoreError> {
    match store::open_read_only(data_dir)? {
        Some(conn) => store::load_state(&conn),
        None => Ok(StoredState::default()),
    }
}

/// The `state --json` document: contract fields of each object plus `received_at`.
pub fn state_json(state: &StoredState) -> Value {
    fn with_received_at(object: Value, received_at: f64) -> Value {
        let mut map = match object {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        map.insert("received_at".into(), json!(received_at));
        Value::Object(map)
    }
    let devices: Vec<Value> = state
        .devices
        .iter()
        .map(|e| {
            with_received_at(
                serde_json::to_value(&e.device).unwrap_or_default(),
                e.received_at,
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
            )
        })
        .collect();
    let stats = state.system_stats.as_ref().map(|e| {
        with_received_at(
            serde_json::to_value(&e.stats).unwrap_or_default(),
            e.received_at,
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
            (Some(v), Some(unit)) => format!("{v} {unit}"),
            (Some(v), None) => v.to_string(),
            (None, _) => "—".into(),
        };
        writeln!(
            out,
            "  {:<12} {:<32} {:<8} {:>14}  {} ago",
            d.id,
            d.name,
            d.status.as_str(),
            value,
            age(entry.received_at)
        )
        .ok();
    }
    writeln!(out, "\nRelays ({}):", state.relays.len()).ok();
    for entry in &state.relays {
        let r = &entry.relay;
        let by = r.changed_by.as_deref().unwrap_or("—");
        writeln!(
            out,
            "  {:<12} {:<24} {:<3}  changed by {by}, {} ago",
            r.id,
            r.name,
            if r.state { "ON" } else { "OFF" },
            age(r.changed_at)
        )
        .ok();
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn csv_quotes_fields_that_need_it() {
        let entry = JournalEntry {
            id: 7,
            at: 1_767_225_600.0,
            kind: "relay_switched".into(),
            subject: "r1".into(),
            text: "Relay \"Main, east\" switched ON".into(),
            data: json!({"to": true}),
        };
        let csv = journal_csv(&[entry]);
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
}
