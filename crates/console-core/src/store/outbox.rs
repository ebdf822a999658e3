//! The `outbox` and `outbox_event` tables: operator relay commands and every step of
//! their lifecycle.

use plant_protocol::UnixSeconds;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::StoreError;
use plant_link::config::PlantId;

// The command types the tables store live here, below the store, and `outbox`
// re-exports them: the store reads and writes them without importing the outbox.

/// Where a command is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "CommandStatus"))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Stored, not yet sent.
    Queued,
    /// Sent at least once; waiting for the server's answer (retried with the same id).
    Sent,
    /// The server applied it; waiting to see the relay report the requested state.
    Acked,
    /// The relay's reported state equals the request.
    Confirmed,
    /// The server refused it, or the relay never reported the requested state.
    Failed,
    /// Its time-to-live ran out before it could be sent or answered.
    Expired,
    /// The operator cancelled it before it was sent.
    Cancelled,
    /// A newer command to the same relay replaced it before it was sent.
    Superseded,
    /// The console was started for, or moved to, another plant than the one the command
    /// was issued for: it is never sent (again). Its detail says whether it had left.
    PlantChanged,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sent => "sent",
            Status::Acked => "acked",
            Status::Confirmed => "confirmed",
            Status::Failed => "failed",
            Status::Expired => "expired",
            Status::Cancelled => "cancelled",
            Status::Superseded => "superseded",
            Status::PlantChanged => "plant_changed",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        [
            Status::Queued,
            Status::Sent,
            Status::Acked,
            Status::Confirmed,
            Status::Failed,
            Status::Expired,
            Status::Cancelled,
            Status::Superseded,
            Status::PlantChanged,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    /// Whether nothing more will happen to the command.
    pub fn is_final(self) -> bool {
        !matches!(self, Status::Queued | Status::Sent | Status::Acked)
    }
}

/// One operator command as stored (and as the UI shows it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "CommandView"))]
pub struct QueuedCommand {
    #[serde(skip)]
    pub seq: i64,
    pub request_id: String,
    pub relay_id: String,
    pub state: bool,
    pub issued_at: UnixSeconds,
    pub expires_at: UnixSeconds,
    pub status: Status,
    pub attempts: u32,
    pub error: Option<String>,
    // The OS user who issued it. (Plain comments here: ts-rs copies doc comments into
    // the generated CommandView.)
    pub operator: String,
    #[serde(skip)]
    pub host: String,
    // The operator signed in when it was issued, and their role; `None` with sign-in
    // off (and for commands stored before sign-in existed).
    pub signed_in: Option<String>,
    pub signed_in_role: Option<String>,
    pub updated_at: UnixSeconds,
    /// The plant the command was issued for; `None` for a command stored before commands
    /// recorded their plant, which is never sent.
    pub plant: Option<PlantId>,
}

impl QueuedCommand {
    /// Whether the command was issued for `plant`.
    pub fn is_for(&self, plant: &PlantId) -> bool {
        self.plant.as_ref() == Some(plant)
    }
}

/// Version 1. `seq` orders commands as the operator issued them; `request_id` is the
/// idempotency key the server deduplicates on, made once and never changed.
pub(super) const CREATE: &str = "
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  TEXT NOT NULL UNIQUE,
    relay_id    TEXT NOT NULL,
    state       INTEGER NOT NULL,
    issued_at   REAL NOT NULL,
    expires_at  REAL NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    operator    TEXT NOT NULL,
    host        TEXT NOT NULL,
    updated_at  REAL NOT NULL
);
CREATE INDEX outbox_open ON outbox (status, seq);
CREATE TABLE outbox_event (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  TEXT NOT NULL REFERENCES outbox (request_id),
    status      TEXT NOT NULL,
    at          REAL NOT NULL,
    detail      TEXT
);
CREATE INDEX outbox_event_by_request ON outbox_event (request_id, id);";

/// Version 11. The plant each command was issued for (a [`plant_link::config::PlantId`]);
/// commands stored before it record none and are never sent.
pub(super) const ADD_PLANT: &str = "ALTER TABLE outbox ADD COLUMN plant TEXT;";

/// Version 20. The operator signed in when the command was issued, and their role,
/// beside the OS user (`operator`) and host; NULL with sign-in off.
pub(super) const ADD_SIGNED_IN: &str = "
ALTER TABLE outbox ADD COLUMN signed_in TEXT;
ALTER TABLE outbox ADD COLUMN signed_in_role TEXT;";

const COLUMNS: &str =
    "seq, request_id, relay_id, state, issued_at, expires_at, status, attempts, error, operator, host, updated_at, plant, signed_in, signed_in_role";

fn from_row(row: &Row<'_>) -> rusqlite::Result<QueuedCommand> {
    let status: String = row.get(6)?;
    Ok(QueuedCommand {
        seq: row.get(0)?,
        request_id: row.get(1)?,
        relay_id: row.get(2)?,
        state: row.get(3)?,
        issued_at: row.get(4)?,
        expires_at: row.get(5)?,
        status: Status::parse(&status).unwrap_or(Status::Failed),
        attempts: row.get(7)?,
        error: row.get(8)?,
        operator: row.get(9)?,
        host: row.get(10)?,
        updated_at: row.get(11)?,
        plant: row
            .get::<_, Option<String>>(12)?
            .map(|id| PlantId::from_stored(&id)),
        signed_in: row.get(13)?,
        signed_in_role: row.get(14)?,
    })
}

pub(crate) fn insert(conn: &Connection, command: &QueuedCommand) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO outbox (request_id, relay_id, state, issued_at, expires_at, status, attempts, error, operator, host, updated_at, plant, signed_in, signed_in_role)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        command.request_id,
        command.relay_id,
        command.state,
        command.issued_at,
        command.expires_at,
        command.status.as_str(),
        command.attempts,
        command.error,
        command.operator,
        command.host,
        command.updated_at,
        command.plant.as_ref().map(|id| id.as_str()),
        command.signed_in,
        command.signed_in_role,
    ])?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn set_status(
    conn: &Connection,
    request_id: &str,
    status: Status,
    attempts: u32,
    error: Option<&str>,
    at: f64,
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE outbox SET status = ?2, attempts = ?3, error = ?4, updated_at = ?5 WHERE request_id = ?1")?
        .execute(params![request_id, status.as_str(), attempts, error, at])?;
    Ok(())
}

pub(crate) fn add_event(
    conn: &Connection,
    request_id: &str,
    status: Status,
    at: f64,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO outbox_event (request_id, status, at, detail) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![request_id, status.as_str(), at, detail])?;
    Ok(())
}

pub(crate) fn get(
    conn: &Connection,
    request_id: &str,
) -> Result<Option<QueuedCommand>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM outbox WHERE request_id = ?1"),
            [request_id],
            from_row,
        )
        .optional()?)
}

/// Commands not yet in a final state, oldest first.
pub(crate) fn open(conn: &Connection) -> Result<Vec<QueuedCommand>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE status IN ('queued', 'sent', 'acked') ORDER BY seq"
    ))?;
    let rows = statement.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The most recent `limit` commands, newest first.
pub(crate) fn recent(conn: &Connection, limit: u32) -> Result<Vec<QueuedCommand>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox ORDER BY seq DESC LIMIT ?1"
    ))?;
    let rows = statement.query_map([limit], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every step of one command, oldest first: (status, at, detail).
pub(crate) fn events(
    conn: &Connection,
    request_id: &str,
) -> Result<Vec<(Status, f64, Option<String>)>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT status, at, detail FROM outbox_event WHERE request_id = ?1 ORDER BY id",
    )?;
    let rows = statement.query_map([request_id], |row| {
        let status: String = row.get(0)?;
        Ok((
            Status::parse(&status).unwrap_or(Status::Failed),
            row.get(1)?,
            row.get(2)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
