//! The `system_stats` table: the server's last-known system figures (one row).

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::devices::{marks_from, marks_text};
use super::StoreError;
use crate::state::StatsEntry;

/// Version 1: a single row, pinned by a CHECK so there can never be two "latest" ones.
pub(super) const CREATE: &str = "
CREATE TABLE system_stats (
    singleton   INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
    body        TEXT NOT NULL,
    server_time REAL NOT NULL,
    received_at REAL NOT NULL
);";

/// Version 2: the figures last sent that could not be read (see `device`).
pub(super) const ADD_UNREADABLE: &str = "ALTER TABLE system_stats ADD COLUMN unreadable TEXT;";

pub(super) fn put(tx: &Transaction<'_>, entry: &StatsEntry) -> Result<(), StoreError> {
    let body = serde_json::to_string(&entry.stats)?;
    tx.prepare_cached(
        "INSERT INTO system_stats (singleton, body, server_time, received_at, unreadable)
         VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT(singleton) DO UPDATE SET body = excluded.body,
             server_time = excluded.server_time, received_at = excluded.received_at,
             unreadable = excluded.unreadable",
    )?
    .execute(params![
        body,
        entry.stats.server_time,
        entry.received_at,
        marks_text(&entry.unreadable)?
    ])?;
    Ok(())
}

pub(super) fn get(conn: &Connection) -> Result<Option<StatsEntry>, StoreError> {
    let row = conn
        .query_row(
            "SELECT body, received_at, unreadable FROM system_stats WHERE singleton = 1",
            [],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, f64>(1)?,
                    row.get::<_, Option<String>>(2)?,
                ))
            },
        )
        .optional()?;
    match row {
        Some((body, received_at, unreadable)) => Ok(Some(StatsEntry::restored(
            serde_json::from_str(&body)?,
            received_at,
            marks_from(unreadable)?,
        ))),
        None => Ok(None),
    }
}
