//! The `device` table: the last-known state of every device.

use rusqlite::{params, Connection, Transaction};

use super::StoreError;
use crate::state::DeviceEntry;

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

pub(super) fn upsert(tx: &Transaction<'_>, entry: &DeviceEntry) -> Result<(), StoreError> {
    let body = serde_json::to_string(&entry.device)?;
    tx.prepare_cached(
        "INSERT INTO device (id, body, last_seen, received_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, last_seen = excluded.last_seen,
                                       received_at = excluded.received_at",
    )?
    .execute(params![
        entry.device.id,
        body,
        entry.device.last_seen,
        entry.received_at
    ])?;
    Ok(())
}

pub(super) fn remove(tx: &Transaction<'_>, id: &str) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM device WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub(super) fn all(conn: &Connection) -> Result<Vec<DeviceEntry>, StoreError> {
    let mut statement = conn.prepare("SELECT body, received_at FROM device ORDER BY id")?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, f64>(1)?))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (body, received_at) = row?;
        entries.push(DeviceEntry {
            device: std::sync::Arc::new(serde_json::from_str(&body)?),
            received_at,
        });
    }
    Ok(entries)
}
