//! The `alert` table: every alert the console raised, whether it was shown as a
//! notification (and if not, why), and who acknowledged it when.

use plant_protocol::UnixSeconds;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::StoreError;
use console_i18n::Message;

// The alert types the table stores live here, below the store, and `alerts` re-exports
// them: the store reads and writes them without importing the alerts feature.

/// How urgent an alert is. Ordered from least to most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "AlertSeverity"))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Low,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What an alert is about. Each kind has a default severity ([`AlertKind::default_severity`])
/// that [`AlertSettings::severities`] can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A relay changed state, switched by anyone (the plant says who).
    RelaySwitched,
    DeviceOffline,
    DeviceFault,
    /// A device that was offline or in fault is online again.
    DeviceRecovered,
    /// A device appeared in a plant the console already knew.
    DeviceAppeared,
    /// A device is no longer listed by the plant.
    DeviceRemoved,
    LimitHigh,
    LimitLow,
    /// A value came back inside its limits (past the deadband).
    LimitCleared,
    /// No data from the plant for longer than the threshold.
    LinkLost,
    /// Data flows again after a [`AlertKind::LinkLost`].
    LinkRestored,
    /// An operator's relay command failed.
    CommandFailed,
    /// An operator's relay command expired before it took effect.
    CommandExpired,
    /// The plant sent a device's or relay's value in a form the console cannot read
    /// (`NaN`, a wrong type, a missing field): its quality is bad.
    BadValue,
}

impl AlertKind {
    pub const ALL: [AlertKind; 14] = [
        AlertKind::RelaySwitched,
        AlertKind::DeviceOffline,
        AlertKind::DeviceFault,
        AlertKind::DeviceRecovered,
        AlertKind::DeviceAppeared,
        AlertKind::DeviceRemoved,
        AlertKind::LimitHigh,
        AlertKind::LimitLow,
        AlertKind::LimitCleared,
        AlertKind::LinkLost,
        AlertKind::LinkRestored,
        AlertKind::CommandFailed,
        AlertKind::CommandExpired,
        AlertKind::BadValue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::RelaySwitched => "relay_switched",
            AlertKind::DeviceOffline => "device_offline",
            AlertKind::DeviceFault => "device_fault",
            AlertKind::DeviceRecovered => "device_recovered",
            AlertKind::DeviceAppeared => "device_appeared",
            AlertKind::DeviceRemoved => "device_removed",
            AlertKind::LimitHigh => "limit_high",
            AlertKind::LimitLow => "limit_low",
            AlertKind::LimitCleared => "limit_cleared",
            AlertKind::LinkLost => "link_lost",
            AlertKind::LinkRestored => "link_restored",
            AlertKind::CommandFailed => "command_failed",
            AlertKind::CommandExpired => "command_expired",
            AlertKind::BadValue => "bad_value",
        }
    }

    pub fn parse(text: &str) -> Option<AlertKind> {
        AlertKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One alert as the rules make it, before it is decided on and stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// When it happened (local Unix seconds): the receive time of the change.
    pub at: UnixSeconds,
    pub kind: AlertKind,
    pub severity: Severity,
    /// What it is about: a device or relay id, `"link"` for the link.
    pub subject: String,
    /// The device it concerns, for shelving: the device itself, or a relay's device.
    pub device: Option<String>,
    /// What counts as "the same alert again" for flapping: kind, subject and direction
    /// (a relay switched ON is not the same alert as it switched OFF).
    pub key: String,
    /// What happened, and to what: "Relay Pump 3 switched OFF by operator-2".
    pub title: String,
    /// Where and the detail: ids, location, the value before.
    pub body: String,
    /// The title and the body as catalog messages, which each language words (the
    /// English `title` and `body` are these in English).
    pub title_message: Message,
    pub body_message: Message,
}

/// What became of an alert: notified, or why not. Every alert is recorded either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Notified,
    /// The operator muted all notifications.
    Muted,
    /// The operator shelved its device.
    Shelved,
    /// Beyond the flood limit: counted in the next summary instead.
    Flood,
    /// The same alert again within the flapping window: counted in the summary.
    Flapping,
    /// Below the alert settings' `notify_from`.
    Quiet,
}

impl Outcome {
    /// Why it was not notified, as stored; `None` when it was.
    pub fn reason(self) -> Option<&'static str> {
        match self {
            Outcome::Notified => None,
            Outcome::Muted => Some("muted"),
            Outcome::Shelved => Some("shelved"),
            Outcome::Flood => Some("flood"),
            Outcome::Flapping => Some("flapping"),
            Outcome::Quiet => Some("quiet"),
        }
    }
}

/// One stored alert, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertView {
    pub id: i64,
    pub at: UnixSeconds,
    pub kind: AlertKind,
    pub severity: Severity,
    pub subject: String,
    /// In English, as stored (and as an alert from before the catalog has it).
    pub title: String,
    pub body: String,
    /// The title and body as catalog messages; `None` for an alert stored before the
    /// console kept them, which the window shows in its stored English.
    pub title_message: Option<Message>,
    pub body_message: Option<Message>,
    /// Whether it was shown as a notification.
    pub notified: bool,
    /// Why not: `muted`, `shelved`, `flood`, `flapping` or `quiet`.
    pub suppressed: Option<String>,
    pub acked_at: Option<UnixSeconds>,
    /// The OS user who acknowledged it.
    pub acked_by: Option<String>,
}

/// Version 1. `suppressed` says why an alert was not notified (muted, shelved, flood,
/// flapping, quiet). The partial index serves the unacknowledged count the tray shows
/// on every change without reading acknowledged history.
pub(super) const CREATE: &str = "
CREATE TABLE alert (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          REAL NOT NULL,
    kind        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    notified    INTEGER NOT NULL,
    suppressed  TEXT,
    acked_at    REAL,
    acked_by    TEXT
);
CREATE INDEX alert_by_at ON alert (at);
CREATE INDEX alert_unacked ON alert (severity) WHERE acked_at IS NULL;";

/// Version 16: the title and body as catalog messages (JSON), so that the window words
/// an alert in the operator's language, and words it again when the language changes.
pub(super) const ADD_MESSAGES: &str = "
ALTER TABLE alert ADD COLUMN title_message TEXT;
ALTER TABLE alert ADD COLUMN body_message TEXT;";

const COLUMNS: &str = "id, at, kind, severity, subject, title, body, notified, suppressed, \
     acked_at, acked_by, title_message, body_message";

/// A stored message; one that does not parse (written by a newer console) reads as
/// none, and the stored English stands in.
pub(super) fn message_column(row: &Row<'_>, column: usize) -> rusqlite::Result<Option<Message>> {
    let text: Option<String> = row.get(column)?;
    Ok(text.and_then(|text| serde_json::from_str(&text).ok()))
}

pub(super) fn message_text(message: &Message) -> String {
    // A Message is a string and a map of strings and numbers: it always serializes.
    serde_json::to_string(message).unwrap_or_default()
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<AlertView> {
    let kind: String = row.get(2)?;
    let severity: String = row.get(3)?;
    Ok(AlertView {
        id: row.get(0)?,
        at: row.get(1)?,
        // A kind or severity from a newer console reads as the closest thing this one
        // knows rather than hiding the alert.
        kind: AlertKind::parse(&kind).unwrap_or(AlertKind::DeviceFault),
        severity: Severity::parse(&severity).unwrap_or(Severity::High),
        subject: row.get(4)?,
        title: row.get(5)?,
        body: row.get(6)?,
        notified: row.get(7)?,
        suppressed: row.get(8)?,
        acked_at: row.get(9)?,
        acked_by: row.get(10)?,
        title_message: message_column(row, 11)?,
        body_message: message_column(row, 12)?,
    })
}

/// Stores one alert and returns its id.
pub(crate) fn insert(
    conn: &Connection,
    alert: &Alert,
    outcome: Outcome,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO alert (at, kind, severity, subject, title, body, notified, suppressed,
                            title_message, body_message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        alert.at,
        alert.kind.as_str(),
        alert.severity.as_str(),
        alert.subject,
        alert.title,
        alert.body,
        outcome == Outcome::Notified,
        outcome.reason(),
        message_text(&alert.title_message),
        message_text(&alert.body_message),
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The latest `limit` alerts, newest first (in the order they were raised).
pub(crate) fn recent(conn: &Connection, limit: u32) -> Result<Vec<AlertView>, StoreError> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM alert ORDER BY id DESC LIMIT ?1"
        ))?
        .query_map(params![limit], from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub(crate) fn get(conn: &Connection, id: i64) -> Result<Option<AlertView>, StoreError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM alert WHERE id = ?1"))?
        .query_row(params![id], from_row)
        .optional()?)
}

/// Unacknowledged alerts: (all, critical).
pub(crate) fn unacked(conn: &Connection) -> Result<(u32, u32), StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE severity = 'critical')
             FROM alert WHERE acked_at IS NULL",
        )?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?)
}

/// Acknowledges one alert. `None` if there is no such alert; `Some(false)` if it was
/// already acknowledged, which keeps the first acknowledgement's who and when.
pub(crate) fn ack(
    conn: &Connection,
    id: i64,
    at: UnixSeconds,
    by: &str,
) -> Result<Option<bool>, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE alert SET acked_at = ?2, acked_by = ?3 WHERE id = ?1 AND acked_at IS NULL",
        )?
        .execute(params![id, at, by])?;
    if changed == 1 {
        return Ok(Some(true));
    }
    Ok(get(conn, id)?.map(|_| false))
}

/// Acknowledges every unacknowledged alert; returns how many.
pub(crate) fn ack_all(conn: &Connection, at: UnixSeconds, by: &str) -> Result<usize, StoreError> {
    Ok(conn
        .prepare_cached("UPDATE alert SET acked_at = ?1, acked_by = ?2 WHERE acked_at IS NULL")?
        .execute(params![at, by])?)
}

/// Deletes up to `budget` acknowledged alerts older than `cutoff`, oldest first. An
/// unacknowledged alert is kept however old: nobody has seen it yet.
pub(crate) fn prune(
    conn: &Connection,
    cutoff: UnixSeconds,
    budget: usize,
) -> Result<usize, StoreError> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM alert WHERE id IN (
                 SELECT id FROM alert WHERE at < ?1 AND acked_at IS NOT NULL ORDER BY at LIMIT ?2)",
        )?
        .execute(params![cutoff, i64::try_from(budget).unwrap_or(i64::MAX)])?)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fresh;
    use super::*;

    fn alert(at: f64, severity: Severity) -> Alert {
        Alert {
            at,
            kind: AlertKind::DeviceOffline,
            severity,
            subject: "dev-001".into(),
            device: Some("dev-001".into()),
            key: "device_offline:dev-001".into(),
            title: "Device Boiler 1 went offline".into(),
            body: "dev-001 · Hall 2".into(),
            title_message: Message::new("alert-device-offline-title").text("name", "Boiler 1"),
            body_message: Message::new("alert-device-status-body")
                .text("place", "dev-001 · Hall 2")
                .text("was", "online"),
        }
    }

    #[test]
    fn alerts_are_listed_newest_first_with_their_outcome() {
        let (_dir, conn) = fresh();
        insert(&conn, &alert(1.0, Severity::High), Outcome::Notified).unwrap();
        let id = insert(&conn, &alert(2.0, Severity::Critical), Outcome::Muted).unwrap();
        let list = recent(&conn, 10).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].id, id);
        assert_eq!(
            (list[0].notified, list[0].suppressed.as_deref()),
            (false, Some("muted"))
        );
        assert_eq!(
            (list[1].notified, list[1].suppressed.as_deref()),
            (true, None)
        );
        assert_eq!(list[1].title, "Device Boiler 1 went offline");
        assert_eq!(recent(&conn, 1).unwrap().len(), 1);
    }

    #[test]
    fn acknowledging_one_or_all_records_who_and_when_once() {
        let (_dir, conn) = fresh();
        let first = insert(&conn, &alert(1.0, Severity::Critical), Outcome::Notified).unwrap();
        insert(&conn, &alert(2.0, Severity::High), Outcome::Notified).unwrap();
        insert(&conn, &alert(3.0, Severity::Critical), Outcome::Flood).unwrap();
        assert_eq!(unacked(&conn).unwrap(), (3, 2));

        assert_eq!(ack(&conn, first, 10.0, "operator-1").unwrap(), Some(true));
        assert_eq!(ack(&conn, first, 11.0, "operator-2").unwrap(), Some(false));
        assert_eq!(ack(&conn, 999, 11.0, "operator-2").unwrap(), None);
        assert_eq!(unacked(&conn).unwrap(), (2, 1));
        let acked = get(&conn, first).unwrap().unwrap();
        assert_eq!(
            (acked.acked_at, acked.acked_by.as_deref()),
            (Some(10.0), Some("operator-1"))
        );

        assert_eq!(ack_all(&conn, 20.0, "operator-3").unwrap(), 2);
        assert_eq!(unacked(&conn).unwrap(), (0, 0));
        let list = recent(&conn, 10).unwrap();
        assert_eq!(list[0].acked_by.as_deref(), Some("operator-3"));
        assert_eq!(list[2].acked_by.as_deref(), Some("operator-1"));
    }

    #[test]
    fn pruning_removes_only_old_acknowledged_alerts() {
        let (_dir, conn) = fresh();
        let old_acked = insert(&conn, &alert(1.0, Severity::High), Outcome::Notified).unwrap();
        insert(&conn, &alert(2.0, Severity::High), Outcome::Notified).unwrap();
        let new_acked = insert(&conn, &alert(100.0, Severity::High), Outcome::Notified).unwrap();
        ack(&conn, old_acked, 5.0, "op").unwrap();
        ack(&conn, new_acked, 105.0, "op").unwrap();
        assert_eq!(prune(&conn, 50.0, 100).unwrap(), 1);
        let left: Vec<f64> = recent(&conn, 10).unwrap().iter().map(|a| a.at).collect();
        assert_eq!(left, vec![100.0, 2.0]);
    }
}
