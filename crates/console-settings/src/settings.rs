//! The operator's settings (plant address, site CA, alert limits and severities, read-only
//! mode, language): kept as `settings.json` in the data folder, validated field by field
//! before anything is saved or applied.
//!
//! The token is not among them: it lives in the OS keyring or a private file
//! ([`crate::credentials`]), never in this file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use console_core::alarms::book::AlarmConfig;
use console_core::alarms::{AlarmCondition, Priority};
use console_core::alerts::{AlertKind, AlertSettings, Limit, Severity};
use plant_link::config::{FailoverPolicy, PlantAddresses, PlantUrl, MAX_ADDRESSES};

/// The file's name in the data folder.
pub const SETTINGS_FILE: &str = "settings.json";

/// The languages the window speaks.
pub const LANGUAGES: [&str; 2] = ["en", "fa"];

/// Bounds of the prefer-primary hold: zero goes back at the first healthy probe; more
/// than an hour would leave a control room on its standby for a shift.
const PREFER_PRIMARY_SECONDS: (f64, f64) = (0.0, 3600.0);

/// Bounds of the link-loss alert's delay: under a second every reconnect would alert;
/// over an hour an outage would go unnoticed for a shift.
const LINK_LOSS_SECONDS: (f64, f64) = (1.0, 3600.0);

/// The most limits a site may set; far more than a control room writes by hand, few
/// enough that checking them per update stays cheap.
const MAX_LIMITS: usize = 1000;

/// Everything the operator can change in the Settings view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The plant server's address; `None` means the one given on the command line (or
    /// the demo plant).
    pub plant_url: Option<String>,
    /// Further addresses of the same plant (its standbys, or its other equal instances),
    /// tried in this order after `plant_url` when it cannot be reached. Files saved before
    /// failover have none, and mean the one address they name.
    pub standby_urls: Vec<String>,
    /// `primary`: the first address is preferred and returned to; `equal`: no preference.
    pub failover: FailoverPolicy,
    /// How long the primary must stay healthy before the console leaves a standby for it.
    pub prefer_primary_after_seconds: f64,
    /// A PEM file with the site's own CA, trusted for https besides the system roots.
    pub site_ca: Option<String>,
    /// A read-only console shows everything and switches nothing.
    pub read_only: bool,
    /// `en` or `fa`; the OS user's language until the operator picks one.
    pub language: String,
    pub alerts: AlertPrefs,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            plant_url: None,
            standby_urls: Vec::new(),
            failover: FailoverPolicy::Primary,
            prefer_primary_after_seconds: 30.0,
            site_ca: None,
            read_only: false,
            // Until the operator picks one, the OS user's language (LANG/LC_MESSAGES on
            // Linux, the UI language on Windows), where the console speaks it.
            language: console_i18n::os_language().as_str().into(),
            alerts: AlertPrefs::default(),
        }
    }
}

/// The alert settings an operator edits: limits, severities, and when to notify.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct AlertPrefs {
    /// Alerts below this severity are recorded but not notified.
    pub notify_from: Severity,
    /// Severities that differ from each kind's default.
    pub severities: BTreeMap<AlertKind, Severity>,
    pub limits: Vec<Limit>,
    /// Seconds without data from the plant before that is an alert.
    pub link_loss_after_seconds: f64,
    /// Whether unacknowledged critical and high alarms sound until silenced or
    /// acknowledged. Off unless a site turns it on: a console that beeps at a demo, or
    /// in an office beside the control room, teaches people to ignore the sound.
    pub alarm_sound: bool,
    /// How alarms are run: priorities, latching, shelving, first-out and chattering. The
    /// site's engineer sets these in `settings.json`; the window keeps them as they are.
    pub alarms: AlarmPrefs,
}

/// The site's alarm rules (ISA-18.2's alarm philosophy, as far as a console applies it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct AlarmPrefs {
    /// Priorities that differ from the one the alert's severity gives, per condition…
    pub priorities: BTreeMap<AlarmCondition, Priority>,
    /// …and per device id, which wins over the condition's.
    pub device_priorities: BTreeMap<String, Priority>,
    /// Conditions whose alarms latch everywhere: they stay until reset after return.
    pub latching: Vec<AlarmCondition>,
    /// Devices whose alarms all latch.
    pub latching_devices: Vec<String>,
    /// How long a shelf lasts when the operator does not say.
    pub default_shelve_minutes: u32,
    /// The longest shelf an operator may ask for.
    pub max_shelve_minutes: u32,
    /// Alarms closer together than this are one burst, whose first is first-out.
    pub first_out_window_seconds: f64,
    /// An alarm going active more than this many times within the window chatters.
    pub chatter_count: u32,
    pub chatter_window_minutes: f64,
}

impl Default for AlarmPrefs {
    fn default() -> Self {
        let defaults = AlarmConfig::default();
        AlarmPrefs {
            priorities: BTreeMap::new(),
            device_priorities: BTreeMap::new(),
            latching: Vec::new(),
            latching_devices: Vec::new(),
            default_shelve_minutes: (defaults.default_shelve.as_secs() / 60) as u32,
            max_shelve_minutes: (defaults.max_shelve.as_secs() / 60) as u32,
            first_out_window_seconds: defaults.first_out_window.as_secs_f64(),
            chatter_count: defaults.chatter_count,
            chatter_window_minutes: defaults.chatter_window.as_secs_f64() / 60.0,
        }
    }
}

/// Bounds of the alarm rules: a shelf of a week at most (a longer one is an alarm out
/// of service, which an engineer decides), bursts and chatter windows a site can mean.
const MAX_SHELVE_MINUTES: u32 = 7 * 24 * 60;
const FIRST_OUT_SECONDS: (f64, f64) = (0.1, 600.0);
const CHATTER_MINUTES: (f64, f64) = (0.1, 1440.0);
const MAX_CHATTER_COUNT: u32 = 1000;
/// As many per-device entries as limits: far more than anyone writes by hand.
const MAX_ALARM_DEVICES: usize = 1000;

impl AlarmPrefs {
    fn to_config(&self) -> AlarmConfig {
        AlarmConfig {
            first_out_window: Duration::try_from_secs_f64(self.first_out_window_seconds)
                .unwrap_or(AlarmConfig::default().first_out_window),
            chatter_count: self.chatter_count,
            chatter_window: Duration::try_from_secs_f64(self.chatter_window_minutes * 60.0)
                .unwrap_or(AlarmConfig::default().chatter_window),
            default_shelve: Duration::from_secs(u64::from(self.default_shelve_minutes) * 60),
            max_shelve: Duration::from_secs(u64::from(self.max_shelve_minutes) * 60),
            latching: self.latching.iter().copied().collect(),
            latching_devices: self.latching_devices.iter().cloned().collect(),
            priorities: self.priorities.iter().map(|(c, p)| (*c, *p)).collect(),
            device_priorities: self
                .device_priorities
                .iter()
                .map(|(d, p)| (d.clone(), *p))
                .collect(),
        }
    }

    fn validate(&self, errors: &mut Vec<FieldError>) {
        let field = |name: &str| format!("alerts.alarms.{name}");
        if !(1..=MAX_SHELVE_MINUTES).contains(&self.max_shelve_minutes) {
            errors.push(FieldError::new(
                field("max_shelve_minutes"),
                format!("must be between 1 and {MAX_SHELVE_MINUTES} minutes"),
            ));
        }
        if self.default_shelve_minutes == 0 || self.default_shelve_minutes > self.max_shelve_minutes
        {
            errors.push(FieldError::new(
                field("default_shelve_minutes"),
                "must be at least 1 minute and at most the longest shelf",
            ));
        }
        let seconds = self.first_out_window_seconds;
        if !(FIRST_OUT_SECONDS.0..=FIRST_OUT_SECONDS.1).contains(&seconds) {
            errors.push(FieldError::new(
                field("first_out_window_seconds"),
                format!(
                    "must be between {} and {} seconds",
                    FIRST_OUT_SECONDS.0, FIRST_OUT_SECONDS.1
                ),
            ));
        }
        if !(1..=MAX_CHATTER_COUNT).contains(&self.chatter_count) {
            errors.push(FieldError::new(
                field("chatter_count"),
                format!("must be between 1 and {MAX_CHATTER_COUNT}"),
            ));
        }
        let minutes = self.chatter_window_minutes;
        if !(CHATTER_MINUTES.0..=CHATTER_MINUTES.1).contains(&minutes) {
            errors.push(FieldError::new(
                field("chatter_window_minutes"),
                format!(
                    "must be between {} and {} minutes",
                    CHATTER_MINUTES.0, CHATTER_MINUTES.1
                ),
            ));
        }
        if self.device_priorities.len() > MAX_ALARM_DEVICES
            || self.latching_devices.len() > MAX_ALARM_DEVICES
        {
            errors.push(FieldError::new(
                field("device_priorities"),
                format!("at most {MAX_ALARM_DEVICES} devices"),
            ));
        }
        let blank = self
            .device_priorities
            .keys()
            .chain(&self.latching_devices)
            .any(|id| id.trim().is_empty());
        if blank {
            errors.push(FieldError::new(
                field("device_priorities"),
                "a device id cannot be empty",
            ));
        }
    }
}

impl Default for AlertPrefs {
    fn default() -> Self {
        let defaults = AlertSettings::default();
        AlertPrefs {
            notify_from: defaults.notify_from,
            severities: BTreeMap::new(),
            limits: Vec::new(),
            link_loss_after_seconds: defaults.link_loss_after.as_secs_f64(),
            alarm_sound: false,
            alarms: AlarmPrefs::default(),
        }
    }
}

impl AlertPrefs {
    /// The engine's settings: these values over the defaults (flood policy included).
    pub fn to_settings(&self) -> AlertSettings {
        AlertSettings {
            severities: self.severities.iter().map(|(k, s)| (*k, *s)).collect(),
            notify_from: self.notify_from,
            limits: self.limits.clone(),
            link_loss_after: Duration::try_from_secs_f64(self.link_loss_after_seconds)
                .unwrap_or(AlertSettings::default().link_loss_after),
            alarms: self.alarms.to_config(),
            ..AlertSettings::default()
        }
    }
}

/// One refused value: which field (a path such as `alerts.limits[2].high`) and why, in
/// words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why settings could not be read, saved or accepted.
#[derive(Debug, Error)]
pub enum SettingsError {
    #[error("some settings are not valid: {}", summary(.0))]
    Invalid(Vec<FieldError>),
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("cannot save {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Settings {
    /// These settings with any user name and password typed into the plant URL removed:
    /// the token has its own, protected place, and `settings.json`, the logs and the
    /// window must never show a credential. A URL without credentials is kept as typed.
    pub fn without_credentials(&self) -> Settings {
        let clean_url = |url: &String| {
            if plant_link::config::has_credentials(url) {
                match PlantUrl::parse(url) {
                    Ok(parsed) => parsed.to_string(),
                    Err(_) => plant_link::config::redact_url(url),
                }
            } else {
                url.clone()
            }
        };
        let mut clean = self.clone();
        clean.plant_url = self.plant_url.as_ref().map(clean_url);
        clean.standby_urls = self.standby_urls.iter().map(clean_url).collect();
        clean
    }

    /// The plant's addresses these settings name, primary first; `None` without a
    /// `plant_url`. Only for validated settings (an invalid list is also `None`).
    pub fn plant_addresses(&self) -> Option<PlantAddresses> {
        let primary = self.plant_url.as_deref()?;
        let all = std::iter::once(primary).chain(self.standby_urls.iter().map(String::as_str));
        PlantAddresses::parse(all).ok()
    }

    /// The prefer-primary hold as a duration (the default for a value out of range).
    pub fn prefer_primary_after(&self) -> Duration {
        Duration::try_from_secs_f64(self.prefer_primary_after_seconds)
            .unwrap_or(Duration::from_secs(30))
    }

    /// The problems of the address list: each standby validated as the primary is, none
    /// twice, not too many, and none without a primary.
    fn validate_addresses(&self, errors: &mut Vec<FieldError>) {
        if self.standby_urls.is_empty() {
            return;
        }
        if self.plant_url.is_none() {
            errors.push(FieldError::new(
                "standby_urls",
                "give the plant's primary address (plant_url) before its standbys",
            ));
        }
        if self.standby_urls.len() + 1 > MAX_ADDRESSES {
            errors.push(FieldError::new(
                "standby_urls",
                format!("at most {} standby addresses", MAX_ADDRESSES - 1),
            ));
        }
        let mut seen: Vec<PlantUrl> = self
            .plant_url
            .as_deref()
            .and_then(|url| PlantUrl::parse(url).ok())
            .into_iter()
            .collect();
        for (i, url) in self.standby_urls.iter().enumerate() {
            let field = format!("standby_urls[{i}]");
            match PlantUrl::parse(url) {
                Err(error) => errors.push(FieldError::new(field, error.to_string())),
                Ok(parsed) if seen.contains(&parsed) => errors.push(FieldError::new(
                    field,
                    format!("{parsed} is already in the list"),
                )),
                Ok(parsed) => seen.push(parsed),
            }
        }
    }

    /// Every problem with these settings, or nothing. The site CA file is read and parsed
    /// here, so a file that would fail at connect time is refused when it is entered.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(url) = &self.plant_url {
            if let Err(error) = PlantUrl::parse(url) {
                errors.push(FieldError::new("plant_url", error.to_string()));
            }
        }
        self.validate_addresses(&mut errors);
        let hold = self.prefer_primary_after_seconds;
        if !(PREFER_PRIMARY_SECONDS.0..=PREFER_PRIMARY_SECONDS.1).contains(&hold) {
            errors.push(FieldError::new(
                "prefer_primary_after_seconds",
                format!(
                    "must be between {} and {} seconds",
                    PREFER_PRIMARY_SECONDS.0, PREFER_PRIMARY_SECONDS.1
                ),
            ));
        }
        if let Some(ca) = &self.site_ca {
            if ca.trim().is_empty() {
                errors.push(FieldError::new(
                    "site_ca",
                    "give the path of a PEM file, or leave the field out",
                ));
            } else if let Err(error) = plant_link::tls::client_config(Some(Path::new(ca))) {
                errors.push(FieldError::new("site_ca", error.to_string()));
            }
        }
        if !LANGUAGES.contains(&self.language.as_str()) {
            errors.push(FieldError::new(
                "language",
                format!(
                    "{:?} is not a language of the console (en or fa)",
                    self.language
                ),
            ));
        }
        let seconds = self.alerts.link_loss_after_seconds;
        if !(LINK_LOSS_SECONDS.0..=LINK_LOSS_SECONDS.1).contains(&seconds) {
            errors.push(FieldError::new(
                "alerts.link_loss_after_seconds",
                format!(
                    "must be between {} and {} seconds",
                    LINK_LOSS_SECONDS.0, LINK_LOSS_SECONDS.1
                ),
            ));
        }
        if self.alerts.limits.len() > MAX_LIMITS {
            errors.push(FieldError::new(
                "alerts.limits",
                format!("at most {MAX_LIMITS} limits"),
            ));
        }
        for (i, limit) in self.alerts.limits.iter().enumerate() {
            validate_limit(&format!("alerts.limits[{i}]"), limit, &mut errors);
        }
        self.alerts.alarms.validate(&mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Reads the settings from `data_dir`; a missing file means the defaults. A file that
    /// cannot be parsed is an error, not silently replaced: the engineer who wrote it
    /// needs to know.
    pub fn load(data_dir: &Path) -> Result<Settings, SettingsError> {
        let path = data_dir.join(SETTINGS_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Settings::default())
            }
            Err(error) => {
                return Err(SettingsError::Read {
                    path,
                    message: error.to_string(),
                })
            }
        };
        let settings: Settings =
            serde_json::from_str(&text).map_err(|error| SettingsError::Read {
                path: path.clone(),
                message: error.to_string(),
            })?;
        settings.validate().map_err(SettingsError::Invalid)?;
        Ok(settings.without_credentials())
    }

    /// Validates, then writes the settings to `data_dir` atomically (a new file renamed
    /// over the old), so a crash never leaves half a file.
    pub fn save(&self, data_dir: &Path) -> Result<(), SettingsError> {
        self.validate().map_err(SettingsError::Invalid)?;
        let path = data_dir.join(SETTINGS_FILE);
        let write = |path: &Path| -> std::io::Result<()> {
            std::fs::create_dir_all(data_dir)?;
            let temporary = data_dir.join(format!("{SETTINGS_FILE}.new"));
            let mut file = std::fs::File::create(&temporary)?;
            let text = serde_json::to_string_pretty(&self.without_credentials())
                .map_err(std::io::Error::other)?;
            file.write_all(text.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            std::fs::rename(&temporary, path)
        };
        write(&path).map_err(|source| SettingsError::Write { path, source })
    }
}

fn finite(value: Option<f64>) -> bool {
    value.is_none_or(f64::is_finite)
}

fn validate_limit(field: &str, limit: &Limit, errors: &mut Vec<FieldError>) {
    let blank = |text: &Option<String>| text.as_deref().is_none_or(|t| t.trim().is_empty());
    match (blank(&limit.device_id), blank(&limit.device_kind)) {
        (true, true) => errors.push(FieldError::new(
            field,
            "name a device id or a device kind the limit applies to",
        )),
        (false, false) => errors.push(FieldError::new(
            field,
            "a limit applies to one device or to one kind, not both",
        )),
        _ => {}
    }
    if limit.high.is_none() && limit.low.is_none() {
        errors.push(FieldError::new(
            field,
            "give a high limit, a low limit or both",
        ));
    }
    if !finite(limit.high) {
        errors.push(FieldError::new(format!("{field}.high"), "must be a number"));
    }
    if !finite(limit.low) {
        errors.push(FieldError::new(format!("{field}.low"), "must be a number"));
    }
    if let (Some(high), Some(low)) = (limit.high, limit.low) {
        if low >= high {
            errors.push(FieldError::new(
                format!("{field}.low"),
                format!("the low limit ({low}) must be below the high limit ({high})"),
            ));
        } else if limit.deadband * 2.0 >= high - low {
            // With a deadband this wide a value could clear one alarm straight into the
            // other: the band between the limits must hold both deadbands.
            errors.push(FieldError::new(
                format!("{field}.deadband"),
                "must be less than half the distance between the limits",
            ));
        }
    }
    if !limit.deadband.is_finite() || limit.deadband < 0.0 {
        errors.push(FieldError::new(
            format!("{field}.deadband"),
            "must be zero or a positive number",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(kind: &str, low: Option<f64>, high: Option<f64>, deadband: f64) -> Limit {
        Limit {
            device_id: None,
            device_kind: Some(kind.into()),
            high,
            low,
            deadband,
        }
    }

    fn fields(settings: &Settings) -> Vec<String> {
        settings
            .validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_settings_file_from_before_failover_still_loads_as_one_address() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(SETTINGS_FILE),
            r#"{"plant_url": "http://plant:5000", "read_only": true}"#,
        )
        .unwrap();
        let settings = Settings::load(dir.path()).unwrap();
        assert_eq!(settings.plant_url.as_deref(), Some("http://plant:5000"));
        assert!(settings.standby_urls.is_empty());
        assert_eq!(settings.failover, FailoverPolicy::Primary);
        let addresses = settings.plant_addresses().unwrap();
        assert_eq!(addresses.len(), 1);
        assert_eq!(addresses.primary().to_string(), "http://plant:5000");
    }

    #[test]
    fn a_list_of_addresses_is_saved_and_loaded_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            plant_url: Some("http://a:5000".into()),
            standby_urls: vec!["http://op:pw@b:5000".into(), "https://c".into()],
            failover: FailoverPolicy::Equal,
            prefer_primary_after_seconds: 5.0,
            ..Settings::default()
        };
        settings.save(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(SETTINGS_FILE)).unwrap();
        assert!(!text.contains("pw@"), "credentials saved: {text}");
        let loaded = Settings::load(dir.path()).unwrap();
        assert_eq!(loaded.standby_urls, ["http://b:5000", "https://c"]);
        assert_eq!(loaded.failover, FailoverPolicy::Equal);
        let order: Vec<String> = loaded
            .plant_addresses()
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(order, ["http://a:5000", "http://b:5000", "https://c:443"]);
        assert_eq!(loaded.prefer_primary_after(), Duration::from_secs(5));
    }

    #[test]
    fn a_bad_address_in_the_list_is_refused_with_its_field_named() {
        let with = |standbys: &[&str]| Settings {
            plant_url: Some("http://a:5000".into()),
            standby_urls: standbys.iter().map(|s| s.to_string()).collect(),
            ..Settings::default()
        };
        assert_eq!(
            fields(&with(&["http://b:5000", "ftp://c"])),
            ["standby_urls[1]"]
        );
        assert_eq!(
            fields(&with(&["ws://A:5000/socket.io/"])),
            ["standby_urls[0]"]
        );
        let too_many: Vec<String> = (0..MAX_ADDRESSES).map(|i| format!("http://s{i}")).collect();
        let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
        assert_eq!(fields(&with(&too_many)), ["standby_urls"]);
        let orphan = Settings {
            standby_urls: vec!["http://b:5000".into()],
            ..Settings::default()
        };
        assert_eq!(fields(&orphan), ["standby_urls"]);
        let hold = Settings {
            prefer_primary_after_seconds: -1.0,
            ..Settings::default()
        };
        assert_eq!(fields(&hold), ["prefer_primary_after_seconds"]);
        // Refused on save too: nothing is written.
        let dir = tempfile::tempdir().unwrap();
        assert!(with(&["nope"]).save(dir.path()).is_err());
        assert!(!dir.path().join(SETTINGS_FILE).exists());
    }

    #[test]
    fn default_settings_are_valid() {
        assert_eq!(Settings::default().validate(), Ok(()));
    }

    #[test]
    fn each_bad_value_is_named_by_its_field() {
        let mut settings = Settings {
            plant_url: Some("ftp://plant".into()),
            site_ca: Some("/nonexistent/ca.pem".into()),
            language: "de".into(),
            ..Settings::default()
        };
        settings.alerts.link_loss_after_seconds = 0.1;
        settings.alerts.limits = vec![
            limit("temperature", Some(80.0), Some(20.0), 0.0),
            Limit {
                device_id: None,
                device_kind: None,
                high: None,
                low: None,
                deadband: -1.0,
            },
            limit("pressure", Some(1.0), Some(2.0), 0.6),
            limit("flow", None, Some(f64::NAN), 0.0),
        ];
        assert_eq!(
            fields(&settings),
            [
                "plant_url",
                "site_ca",
                "language",
                "alerts.link_loss_after_seconds",
                "alerts.limits[0].low",
                "alerts.limits[1]",
                "alerts.limits[1]",
                "alerts.limits[1].deadband",
                "alerts.limits[2].deadband",
                "alerts.limits[3].high",
            ]
        );
    }

    #[test]
    fn a_plant_url_message_says_which_schemes_work() {
        let settings = Settings {
            plant_url: Some("ftp://plant".into()),
            ..Settings::default()
        };
        let errors = settings.validate().unwrap_err();
        assert!(errors[0].message.contains("http://"), "{errors:?}");
    }

    #[test]
    fn settings_saved_are_loaded_back_and_no_temporary_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings {
            plant_url: Some("http://plant.example:5000".into()),
            read_only: true,
            language: "fa".into(),
            ..Settings::default()
        };
        settings
            .alerts
            .severities
            .insert(AlertKind::RelaySwitched, Severity::High);
        settings.alerts.limits = vec![limit("temperature", Some(10.0), Some(80.0), 1.0)];
        settings.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), settings);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, [SETTINGS_FILE]);
    }

    #[test]
    fn invalid_settings_are_not_saved() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            language: "xx".into(),
            ..Settings::default()
        };
        assert!(matches!(
            settings.save(dir.path()),
            Err(SettingsError::Invalid(_))
        ));
        assert!(!dir.path().join(SETTINGS_FILE).exists());
    }

    #[test]
    fn a_missing_file_means_the_defaults_and_a_broken_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), Settings::default());
        std::fs::write(dir.path().join(SETTINGS_FILE), "{\"plant_url\": 5").unwrap();
        assert!(matches!(
            Settings::load(dir.path()),
            Err(SettingsError::Read { .. })
        ));
        std::fs::write(dir.path().join(SETTINGS_FILE), "{\"colour\": \"red\"}").unwrap();
        assert!(matches!(
            Settings::load(dir.path()),
            Err(SettingsError::Read { .. })
        ));
    }

    #[test]
    fn alarm_rules_from_settings_json_reach_the_alarm_book_and_bad_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(SETTINGS_FILE),
            r#"{"alerts": {"alarms": {"device_priorities": {"dev-7": "critical"},
                "latching": ["device_fault"], "max_shelve_minutes": 60,
                "default_shelve_minutes": 10}}}"#,
        )
        .unwrap();
        let settings = Settings::load(dir.path()).unwrap();
        let config = settings.alerts.to_settings().alarms;
        assert_eq!(
            config.device_priorities.get("dev-7"),
            Some(&Priority::Critical)
        );
        assert!(config.latching.contains(&AlarmCondition::DeviceFault));
        assert_eq!(config.max_shelve, Duration::from_secs(3600));
        assert_eq!(config.default_shelve, Duration::from_secs(600));
        assert_eq!(config.chatter_count, 3, "the rest keeps its defaults");

        let refused = |alarms: AlarmPrefs| {
            let settings = Settings {
                alerts: AlertPrefs {
                    alarms,
                    ..AlertPrefs::default()
                },
                ..Settings::default()
            };
            settings
                .validate()
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        let base = AlarmPrefs::default;
        assert_eq!(
            refused(AlarmPrefs {
                max_shelve_minutes: 0,
                ..base()
            }),
            vec![
                "alerts.alarms.max_shelve_minutes",
                "alerts.alarms.default_shelve_minutes"
            ]
        );
        assert_eq!(
            refused(AlarmPrefs {
                default_shelve_minutes: 600,
                ..base()
            }),
            vec!["alerts.alarms.default_shelve_minutes"],
            "a default longer than the longest shelf"
        );
        assert_eq!(
            refused(AlarmPrefs {
                first_out_window_seconds: f64::NAN,
                chatter_count: 0,
                chatter_window_minutes: -1.0,
                ..base()
            }),
            vec![
                "alerts.alarms.first_out_window_seconds",
                "alerts.alarms.chatter_count",
                "alerts.alarms.chatter_window_minutes"
            ]
        );
        let mut blank = base();
        blank.device_priorities.insert(" ".into(), Priority::Low);
        assert_eq!(refused(blank), vec!["alerts.alarms.device_priorities"]);
    }

    #[test]
    fn alert_prefs_become_engine_settings() {
        let mut prefs = AlertPrefs {
            notify_from: Severity::High,
            link_loss_after_seconds: 30.0,
            ..AlertPrefs::default()
        };
        prefs
            .severities
            .insert(AlertKind::DeviceAppeared, Severity::Critical);
        let settings = prefs.to_settings();
        assert_eq!(settings.notify_from, Severity::High);
        assert_eq!(settings.link_loss_after, Duration::from_secs(30));
        assert_eq!(
            settings.severity(AlertKind::DeviceAppeared),
            Severity::Critical
        );
    }
}
