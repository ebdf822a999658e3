//! The `audit` table: an append-only, hash-chained record of every operator command.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::StoreError;

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: f64,
    pub user: String,
    pub host: String,
    /// What happened, e.g. `command.requested`, `command.confirmed`, `command.cancelled`.
    pub action: String,
    /// What it happened to, e.g. the relay id.
    pub target: String,
    pub request_id: String,
    /// The request or outcome in JSON.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
    /// The operator signed in (sign-in on) and their role; `None` when sign-in is off
    /// and for every entry written before the console had sign-in.
    pub signed_in: Option<String>,
    pub signed_in_role: Option<String>,
}

/// Version 1. Each row carries the hash of the previous row and its own, so an edited or
/// deleted row breaks the chain; the triggers refuse updates and deletes outright.
pub(super) const CREATE: &str = "
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    at          REAL NOT NULL,
    user        TEXT NOT NULL,
    host        TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

/// Version 19. The operator signed in and their role, beside the OS user and host; NULL
/// for entries without one (sign-in off, or written before it existed), whose hashes
/// are unchanged.
pub(super) const ADD_SIGNED_IN: &str = "
ALTER TABLE audit ADD COLUMN signed_in TEXT;
ALTER TABLE audit ADD COLUMN signed_in_role TEXT;";

pub(crate) fn last(conn: &Connection) -> Result<Option<(i64, String)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}

pub(crate) fn append(conn: &Connection, entry: &Entry) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit (seq, at, user, host, action, target, request_id, detail, prev_hash, hash, signed_in, signed_in_role)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        entry.seq,
        entry.at,
        entry.user,
        entry.host,
        entry.action,
        entry.target,
        entry.request_id,
        entry.detail,
        entry.prev_hash,
        entry.hash,
        entry.signed_in,
        entry.signed_in_role,
    ])?;
    Ok(())
}

pub(crate) fn all(conn: &Connection) -> Result<Vec<Entry>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT seq, at, user, host, action, target, request_id, detail, prev_hash, hash, signed_in, signed_in_role FROM audit ORDER BY seq",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(Entry {
            seq: row.get(0)?,
            at: row.get(1)?,
            user: row.get(2)?,
            host: row.get(3)?,
            action: row.get(4)?,
            target: row.get(5)?,
            request_id: row.get(6)?,
            detail: row.get(7)?,
            prev_hash: row.get(8)?,
            hash: row.get(9)?,
            signed_in: row.get(10)?,
            signed_in_role: row.get(11)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
