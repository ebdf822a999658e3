//! The `meta` table: single values about the cache itself, such as the last contact.

use rusqlite::{params, Connection, OptionalExtension};

use super::StoreError;

/// Version 1: a small key/value table for facts that have no table of their own.
pub(super) const CREATE: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value REAL NOT NULL
);";

/// When the console last heard anything from the plant (Unix seconds, local clock).
pub(super) const LAST_CONTACT: &str = "last_contact";

pub(super) fn put(conn: &Connection, key: &str, value: f64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

pub(super) fn get(conn: &Connection, key: &str) -> Result<Option<f64>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()?)
}

/// The `meta` key holding the audit chain's last sequence number.
pub(crate) const AUDIT_HEAD: &str = "audit_head";

/// Writes one `meta` value (inside the caller's transaction, if any).
pub(crate) fn set_meta(conn: &Connection, key: &str, value: f64) -> Result<(), StoreError> {
    put(conn, key, value)
}

/// Reads one `meta` value.
pub(crate) fn get_meta(conn: &Connection, key: &str) -> Result<Option<f64>, StoreError> {
    get(conn, key)
}
