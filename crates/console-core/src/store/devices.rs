//! The `device` table: the last-known state of every device.

use rusqlite::{params, Connection, Transaction};

use super::StoreError;
use crate::state::DeviceEntry;
use plant_link::items::Unreadable;

/// Version 1 of the table. The whole contract object (with its extra fields) is kept as
/// JSON because a client must show fields it does not know; the times are columns so
/// they can be queried.
pub(super) const CREATE: &str = "
CREATE TABLE device (
    id          TEXT PRIMARY KEY NOT NULL,
    body        TEXT NOT NULL,
    last_seen   REAL NOT NULL,
    received_at REAL NOT NULL
);";

/// Version 2: the fields the plant last sent that could not be read, as a JSON list of
/// names (`NULL` when every field was read), so a restarted console still shows the
/// item as a bad value from the plant rather than its placeholder as a good one.
pub(super) const ADD_UNREADABLE: &str = "ALTER TABLE device ADD COLUMN unreadable TEXT;";

pub(super) fn upsert(tx: &Transaction<'_>, entry: &DeviceEntry) -> Result<(), StoreError> {
    let body = serde_json::to_string(&entry.device)?;
    tx.prepare_cached(
        "INSERT INTO device (id, body, last_seen, received_at, unreadable)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, last_seen = excluded.last_seen,
                                       received_at = excluded.received_at,
                                       unreadable = excluded.unreadable",
    )?
    .execute(params![
        entry.device.id,
        body,
        entry.device.last_seen,
        entry.received_at,
        marks_text(&entry.unreadable)?
    ])?;
    Ok(())
}

pub(super) fn remove(tx: &Transaction<'_>, id: &str) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM device WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub(super) fn all(conn: &Connection) -> Result<Vec<DeviceEntry>, StoreError> {
    let mut statement =
        conn.prepare("SELECT body, received_at, unreadable FROM device ORDER BY id")?;
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
        // The cache's copy: uncertain until the plant confirms it (or bad, as it was).
        entries.push(DeviceEntry::restored(
            std::sync::Arc::new(serde_json::from_str(&body)?),
            received_at,
            marks_from(unreadable)?,
        ));
    }
    Ok(entries)
}

/// The marks as the column holds them: `NULL` for none.
pub(super) fn marks_text(marks: &Unreadable) -> Result<Option<String>, StoreError> {
    if marks.is_empty() {
        Ok(None)
    } else {
        Ok(Some(serde_json::to_string(marks)?))
    }
}

pub(super) fn marks_from(text: Option<String>) -> Result<Unreadable, StoreError> {
    match text {
        Some(text) => Ok(serde_json::from_str(&text)?),
        None => Ok(Unreadable::default()),
    }
}
