//! The command line: options and subcommands (clap), and the data folder they name.
//!
//! `read` opens the caches the reading commands read (read-only) and `report` turns what
//! they read into the `state`, `journal` and `outbox` reports for people and programs.

use std::path::PathBuf;

use chrono::DateTime;
use clap::{Args, Parser, Subcommand};
// Server text (names, ids, refusals) reaches a terminal escaped: see `text`.

mod alarms;
mod operators;
mod read;
mod report;
#[cfg(test)]
mod tests;

pub use alarms::*;
pub use operators::*;
pub use read::*;
pub use report::*;

use console_core::alarms::AlarmState;
use console_i18n::Language;

/// Plant Console: the control console for a factory's plant server.
#[derive(Debug, Parser)]
#[command(name = "plant-console", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(subcommand)]
    pub command: Option<CliCommand>,
}

/// Options of the console itself (window or headless).
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Start the embedded demo plant on a loopback port and connect to it.
    #[arg(long, conflicts_with = "server")]
    pub demo: bool,
    /// The plant server's URL, e.g. http://plant-server:5000. Repeat it for a plant with
    /// a backup server (primary first); PLANT_SERVER may hold a comma-separated list.
    #[arg(long, value_name = "URL", env = "PLANT_SERVER", value_delimiter = ',')]
    pub server: Vec<String>,
    /// How a plant with several addresses is used: `primary` (the first is preferred and
    /// returned to once healthy) or `equal` (no preference; stay while it works).
    #[arg(long, value_name = "POLICY", value_parser = parse_failover)]
    pub failover: Option<console_core::FailoverPolicy>,
    /// Seconds the primary must stay healthy before the console leaves a standby for it
    /// (default 30).
    #[arg(long, value_name = "SECONDS")]
    pub prefer_primary_after: Option<u64>,
    /// A file holding the plant's access token (the PLANT_TOKEN variable also works).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// A PEM file with the site's own CA, trusted for https/wss besides the system roots.
    #[arg(long, value_name = "PATH")]
    pub site_ca: Option<PathBuf>,
    /// Where the console keeps its cache (default: the OS data folder).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Run the link and the store without a window until stopped: SIGINT or SIGTERM on
    /// Unix; Ctrl+C, Ctrl+Break, closing its console window, logoff or shutdown on Windows.
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
    /// Kiosk mode for a control-room screen: the window is full screen without
    /// decorations, and neither its close nor the tray's Quit ends it; the engineer leaves
    /// kiosk mode with --leave-kiosk.
    #[arg(long, conflicts_with = "headless")]
    pub kiosk: bool,
    /// The engineer's way out of kiosk mode: tells the console window running on the data
    /// folder to leave it (its window gets its decorations and its close back), then exits.
    /// With sign-in on, the window obeys only while an engineer is signed in at it.
    #[arg(long, conflicts_with_all = ["headless", "kiosk", "raise_window"])]
    pub leave_kiosk: bool,
    /// The operators file (names, roles, Argon2id hashes, the sign-in policy). Without
    /// it the site file (/etc/plant-console/operators.json, %ProgramData%\plant-console\
    /// operators.json) or the data folder's operators.json is used; with none at all,
    /// sign-in is off and the console runs as the OS user.
    #[arg(long, value_name = "FILE")]
    pub operators: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
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
    /// The operators who sign in (the operators file): add, passwd, remove, list.
    Operators {
        #[command(subcommand)]
        action: OperatorsAction,
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
        /// The language of the sentences: en or fa (default: the console's, else the
        /// OS's).
        #[arg(long, value_name = "LANG", value_parser = parse_lang)]
        lang: Option<Language>,
    },
    /// The alarms and their states from the cache (every alarm not normal unless
    /// --state says which); `alarms ack` and `alarms shelve` ask the console running on
    /// the same data folder to act on them.
    #[command(args_conflicts_with_subcommands = true)]
    Alarms {
        #[command(subcommand)]
        action: Option<AlarmsAction>,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        #[command(flatten)]
        plant: PlantChoice,
        /// Only alarms in this state (normal, unack_active, ack_active, unack_returned,
        /// latched, shelved, out_of_service, suppressed); may be repeated.
        #[arg(long, value_name = "STATE", value_parser = parse_alarm_state)]
        state: Vec<AlarmState>,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
        /// The language of the alarm texts: en or fa (default: the console's, else the
        /// OS's).
        #[arg(long, value_name = "LANG", value_parser = parse_lang)]
        lang: Option<Language>,
    },
}

/// Alarm actions for the running console. Each is applied once, by the console on the
/// same data folder, and recorded in the alarm's history and the audit trail as done by
/// this OS user.
#[derive(Debug, Subcommand)]
pub enum AlarmsAction {
    /// Acknowledge alarms by id.
    Ack {
        #[arg(required = true, num_args = 1.., value_name = "ID")]
        ids: Vec<i64>,
        #[command(flatten)]
        target: AlarmTarget,
    },
    /// Shelve an alarm for a while, with a reason; it unshelves on its own.
    Shelve {
        #[arg(value_name = "ID")]
        id: i64,
        /// How long, in minutes (at most the site's limit).
        #[arg(long, value_name = "N")]
        minutes: u32,
        /// Why: kept with the alarm and in its history.
        #[arg(long, value_name = "TEXT")]
        reason: String,
        #[command(flatten)]
        target: AlarmTarget,
    },
    /// Unshelve an alarm before its shelf ends.
    Unshelve {
        #[arg(value_name = "ID")]
        id: i64,
        #[command(flatten)]
        target: AlarmTarget,
    },
    /// Reset a latched alarm whose condition has returned to normal.
    Reset {
        #[arg(value_name = "ID")]
        id: i64,
        #[command(flatten)]
        target: AlarmTarget,
    },
    /// Take a device's alarms out of service (an engineer's act: maintenance, a sensor
    /// removed), with a reason, until `alarms in-service` takes them back.
    OutOfService {
        #[arg(value_name = "DEVICE")]
        device: String,
        /// Why: kept with each alarm and in its history.
        #[arg(long, value_name = "TEXT")]
        reason: String,
        #[command(flatten)]
        target: AlarmTarget,
    },
    /// Return a device's alarms to service.
    InService {
        #[arg(value_name = "DEVICE")]
        device: String,
        #[command(flatten)]
        target: AlarmTarget,
    },
}

/// Where an alarm action goes, and how long to wait for the console's answer.
#[derive(Debug, Args, Clone)]
pub struct AlarmTarget {
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(flatten)]
    pub plant: PlantChoice,
    /// Seconds to wait for the running console to apply it.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub wait: u64,
    /// With sign-in on: the operator asking (the password is read from stdin).
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// The operators file (default: the site file, else DATA/operators.json).
    #[arg(long = "operators", value_name = "FILE")]
    pub operators_file: Option<PathBuf>,
}

/// Reads `--failover`.
pub fn parse_failover(text: &str) -> Result<console_core::FailoverPolicy, String> {
    text.parse()
        .map_err(|e: console_core::ConfigError| e.to_string())
}

/// Reads `--lang`.
pub fn parse_lang(text: &str) -> Result<Language, String> {
    Language::parse(text.trim())
        .ok_or_else(|| format!("{text:?} is not a language of the console (en or fa)"))
}

/// Reads `--state`.
pub fn parse_alarm_state(text: &str) -> Result<AlarmState, String> {
    AlarmState::parse(text.trim()).ok_or_else(|| {
        let names: Vec<&str> = AlarmState::ALL.iter().map(|s| s.as_str()).collect();
        format!("{text:?} is not an alarm state ({})", names.join(", "))
    })
}

/// The language a reading command words things in: `--lang`, else the language the
/// console on this data folder was set to, else the OS's.
pub fn chosen_language(lang: Option<Language>, data_dir: &std::path::Path) -> Language {
    // With no settings file the settings' language is the OS's already.
    lang.or_else(|| {
        console_settings::settings::Settings::load(data_dir)
            .ok()
            .and_then(|s| Language::parse(&s.language))
    })
    .unwrap_or_else(console_i18n::os_language)
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
    /// The plant server's URL (default: the one saved in the settings). A plant's token
    /// is kept for its primary address: of a list (PLANT_SERVER=a,b), the first.
    #[arg(long, value_name = "URL", env = "PLANT_SERVER", value_delimiter = ',')]
    pub server: Vec<String>,
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
        /// With sign-in on: the operator switching it (the password is read from stdin).
        #[arg(long, value_name = "NAME")]
        operator: Option<String>,
        /// The operators file (default: the site file, else DATA/operators.json).
        #[arg(long = "operators", value_name = "FILE")]
        operators_file: Option<PathBuf>,
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

/// The OS data folder of the app (`~/.local/share/plant-console` on Linux,
/// `%LOCALAPPDATA%\plant-console` on Windows). On Windows the local folder, not the
/// roaming `%APPDATA%`: the cache grows to gigabytes and belongs to this machine's plant
/// link, and a roaming profile would copy it at every logon.
pub fn default_data_dir() -> PathBuf {
    dirs::data_local_dir()
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
