//! The `relay` table: the last-known state of every relay.

use rusqlite::{params, Connection, Transaction};

use super::devices::{marks_from, marks_text};
use super::StoreError;
use crate::state::RelayEntry;

/// Version 1 of the table; the contract object is kept whole as JSON, as for devices.
pub(super) const CREATE: &str = "
CREATE TABLE relay (
    id          TEXT PRIMARY KEY NOT NULL,
    body        TEXT NOT NULL,
    changed_at  REAL NOT NULL,
    received_at REAL NOT NULL
);";

/// Version 2: the fields the plant last sent that could not be read, as a JSON list of
/// names (`NULL` when every field was read), so a restarted console still shows the
/// item as a bad value from the plant rather than its placeholder as a good one.
pub(super) const ADD_UNREADABLE: &str = "ALTER TABLE relay ADD COLUMN unreadable TEXT;";

pub(super) fn upsert(tx: &Transaction<'_>, entry: &RelayEntry) -> Result<(), StoreError> {
    let body = serde_json::to_string(&entry.relay)?;
    tx.prepare_cached(
        "INSERT INTO relay (id, body, changed_at, received_at, unreadable)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, changed_at = excluded.changed_at,
                                       received_at = excluded.received_at,
                                       unreadable = excluded.unreadable",
    )?
    .execute(params![
        entry.relay.id,
        body,
        entry.relay.changed_at,
        entry.received_at,
        marks_text(&entry.unreadable)?
    ])?;
    Ok(())
}

pub(super) fn remove(tx: &Transaction<'_>, id: &str) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM relay WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub(super) fn all(conn: &Connection) -> Result<Vec<RelayEntry>, StoreError> {
    let mut statement =
        conn.prepare("SELECT body, received_at, unreadable FROM relay ORDER BY id")?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, f64>(1)?,
            row.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (body, received_at, unreadable) = row?;
        entries.push(RelayEntry::restored(
            serde_json::from_str(&body)?,
            received_at,
            marks_from(unreadable)?,
        ));
    }
    Ok(entries)
}
