//! The command line: options, subcommands, and the offline `state` and `journal` reports.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Local};
use clap::{Args, Parser, Subcommand};
use console_core::quality::Quality;
use console_core::store::{self, JournalEntry, StoredState};
use plant_link::items::Unreadable;
// Server text (names, ids, refusals) reaches a terminal escaped: see `text`.
use plant_link::text::escape_control as esc;
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
    /// The plant's name, its identity for this console: its cache and its commands
    /// belong to it whatever address reaches it (default: the address itself; "demo" for
    /// the demo plant).
    #[arg(long = "plant", value_name = "NAME")]
    pub plant: Option<String>,
    /// Internal: bring the window of the console running on the data folder to the front.
    #[arg(long, hide = true, conflicts_with = "headless")]
    pub raise_window: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the last-known plant state from the cache; needs no server and changes
    /// nothing.
    State {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        #[command(flatten)]
        plant: PlantChoice,
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
    /// List the operator commands in the outbox with their state; changes nothing.
    Outbox {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        #[command(flatten)]
        plant: PlantChoice,
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
        #[command(flatten)]
        plant: PlantChoice,
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
        /// The plant the command is for, by name or address; needed when the data folder
        /// holds the caches of several plants. A console on another plant never sends it.
        #[command(flatten)]
        plant: PlantChoice,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Check the hash chain against its anchor beside the cache; exits non-zero when an
    /// entry was edited or removed, or when the cache cannot be read. Changes nothing.
    Verify {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        #[command(flatten)]
        plant: PlantChoice,
    },
}

/// Which plant's cache a reading command reads.
#[derive(Debug, Args, Clone)]
pub struct PlantChoice {
    /// The plant, by name or address; needed when the data folder holds several plants.
    #[arg(long = "plant", value_name = "NAME")]
    pub name: Option<String>,
}

/// Why a reading command could not read the cache.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Choice(#[from] store::PlantChoiceError),
    #[error(
        "there is no cache in {0}: no console has run on this data folder yet (or pass \
         --data-dir for another one)"
    )]
    NoCache(PathBuf),
    #[error("cannot read the cache in {dir}: {problem}")]
    Store {
        dir: PathBuf,
        problem: store::StoreError,
    },
}

/// Opens the cache a reading command reads (`state`, `journal`, `outbox`, `audit
/// verify`), read-only: the plant's (see [`store::resolve_plant`]), never created,
/// migrated, renamed or set aside. A missing cache is an error, not an empty report: an
/// empty answer would read as "the plant has nothing".
pub fn open_for_reading(
    data_dir: &Path,
    plant: &PlantChoice,
) -> Result<store::ReadOnly, ReadError> {
    let Some(cache) = store::resolve_plant(data_dir, plant.name.as_deref())? else {
        return Err(ReadError::NoCache(data_dir.to_owned()));
    };
    match store::open_read_only(&cache.dir) {
        Ok(Some(conn)) => Ok(conn),
        Ok(None) => Err(ReadError::NoCache(cache.dir)),
        Err(problem) => Err(ReadError::Store {
            dir: cache.dir,
            problem,
        }),
    }
}

/// The plant and cache folder `relay set` queues into: the named plant's, else the data
/// folder's only one. Several plants without a name, a name the folder does not know, a
/// folder without a plant, and a cache from before commands recorded their plant are all
/// refused with a message that says what to do.
pub fn relay_target(
    data_dir: &Path,
    plant: &PlantChoice,
) -> Result<(console_core::PlantId, PathBuf), store::PlantChoiceError> {
    match store::resolve_plant(data_dir, plant.name.as_deref())? {
        Some(store::PlantCache {
            plant: Some(id),
            dir,
            ..
        }) => Ok((id, dir)),
        Some(store::PlantCache { plant: None, .. }) => Err(store::PlantChoiceError::Legacy {
            data_dir: data_dir.to_owned(),
        }),
        None => Err(store::PlantChoiceError::None {
            data_dir: data_dir.to_owned(),
        }),
    }
}

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

/// Reads journal entries from the plant's cache in `data_dir` without changing it.
pub fn read_journal(
    data_dir: &Path,
    plant: &PlantChoice,
    kind: Option<&str>,
    since: Option<f64>,
    until: Option<f64>,
    limit: u32,
) -> Result<Vec<JournalEntry>, ReadError> {
    let conn = open_for_reading(data_dir, plant)?;
    let read = match kind {
        Some(kind) => store::journal_of_kind(&conn, kind, since, until, limit),
        None => store::journal(&conn, since, until, limit),
    };
    read.map_err(|problem| ReadError::Store {
        dir: data_dir.to_owned(),
        problem,
    })
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
        writeln!(
            out,
            "{time}  {:<14}  {}",
            esc(&entry.kind),
            esc(&entry.text)
        )
        .ok();
    }
    out
}

/// One CSV cell of server text. Control characters are escaped (a CSV file is also read
/// in a terminal); a cell that starts with `=`, `+`, `-` or `@` gets a `'` in front, so a spreadsheet shows it as text instead of running it
/// as a formula ("CSV injection"); and the cell is quoted per RFC 4180 when it needs it.
pub fn csv_cell(text: &str) -> String {
    let text = esc(text);
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

/// The `journal --csv` report: a header row, then one row per entry, quoted per RFC 4180.
pub fn journal_csv(entries: &[JournalEntry]) -> String {
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

/// Reads the last-known state from the plant's cache in `data_dir` without changing it.
pub fn read_state(data_dir: &Path, plant: &PlantChoice) -> Result<StoredState, ReadError> {
    let conn = open_for_reading(data_dir, plant)?;
    store::load_state(&conn).map_err(|problem| ReadError::Store {
        dir: data_dir.to_owned(),
        problem,
    })
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
            extra: serde_json::Map::new(),
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
            extra: serde_json::Map::new(),
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
        };
        for report in [
            state_text(&state, 2.0),
            journal_text(std::slice::from_ref(&entry)),
            journal_csv(std::slice::from_ref(&entry)),
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
