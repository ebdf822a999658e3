//! The `alarm_request` table: alarm actions asked for by the command line
//! (`plant-console alarms ack …`, `alarms shelve …`) for the console running on the same
//! cache, which applies each once and writes down what came of it.
//!
//! The action is kept as the JSON the console reads (`AlarmAction`); the store neither
//! knows nor checks it. A request is `pending` until the console marks it `applied` or
//! `refused`, in the same transaction as the alarm transitions it caused, so a crash
//! between the two can neither lose nor repeat its effect.

use plant_protocol::UnixSeconds;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::StoreError;

/// Version 18.
pub(super) const CREATE: &str = "
CREATE TABLE alarm_request (
    request_id TEXT PRIMARY KEY,
    at         REAL NOT NULL,
    action     TEXT NOT NULL,
    user       TEXT NOT NULL,
    host       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending',
    result     TEXT,
    done_at    REAL
);
CREATE INDEX alarm_request_pending ON alarm_request (at) WHERE status = 'pending';";

/// Version 21. The operator signed in at the command line (`--operator NAME`) and their
/// role; NULL with sign-in off.
pub(super) const ADD_SIGNED_IN: &str = "
ALTER TABLE alarm_request ADD COLUMN signed_in TEXT;
ALTER TABLE alarm_request ADD COLUMN signed_in_role TEXT;";

/// One request as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmRequest {
    pub request_id: String,
    pub at: UnixSeconds,
    /// The action, as JSON.
    pub action: String,
    pub user: String,
    pub host: String,
    /// The operator signed in at the command line and their role (sign-in on).
    pub signed_in: Option<String>,
    pub signed_in_role: Option<String>,
    /// `pending`, `applied` or `refused`.
    pub status: String,
    /// What came of it: how many alarms changed, or why it was refused.
    pub result: Option<String>,
    pub done_at: Option<UnixSeconds>,
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<AlarmRequest> {
    Ok(AlarmRequest {
        request_id: row.get("request_id")?,
        at: row.get("at")?,
        action: row.get("action")?,
        user: row.get("user")?,
        host: row.get("host")?,
        signed_in: row.get("signed_in")?,
        signed_in_role: row.get("signed_in_role")?,
        status: row.get("status")?,
        result: row.get("result")?,
        done_at: row.get("done_at")?,
    })
}

/// Queues a request.
pub fn enqueue(
    conn: &Connection,
    request_id: &str,
    at: UnixSeconds,
    action: &str,
    user: &str,
    host: &str,
    signed_in: Option<(&str, &str)>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO alarm_request (request_id, at, action, user, host, signed_in, signed_in_role)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            request_id,
            at,
            action,
            user,
            host,
            signed_in.map(|(name, _)| name),
            signed_in.map(|(_, role)| role)
        ],
    )?;
    Ok(())
}

/// The pending requests, oldest first, at most `limit`.
pub fn pending(conn: &Connection, limit: u32) -> Result<Vec<AlarmRequest>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM alarm_request WHERE status = 'pending' ORDER BY at, request_id LIMIT ?1",
    )?;
    let rows = stmt.query_map([i64::from(limit)], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Marks a pending request done; false when it was no longer pending. Only one console
/// runs on a data folder (`instance.rs`), and it marks a request in the transaction that
/// records its effect, so false means the request was already done and is not marked
/// again.
pub fn finish(
    conn: &Connection,
    request_id: &str,
    status: &str,
    result: &str,
    at: UnixSeconds,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE alarm_request SET status = ?2, result = ?3, done_at = ?4
         WHERE request_id = ?1 AND status = 'pending'",
        params![request_id, status, result, at],
    )? == 1)
}

pub fn get(conn: &Connection, request_id: &str) -> Result<Option<AlarmRequest>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT * FROM alarm_request WHERE request_id = ?1",
            [request_id],
            from_row,
        )
        .optional()?)
}

/// Deletes at most `limit` finished requests older than `before` (the cache's
/// retention); a pending one is kept for the console to refuse as expired.
pub fn prune(conn: &Connection, before: UnixSeconds, limit: u32) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM alarm_request WHERE request_id IN
             (SELECT request_id FROM alarm_request
              WHERE at < ?1 AND status != 'pending' ORDER BY at LIMIT ?2)",
        params![before, i64::from(limit)],
    )?)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fresh;
    use super::*;

    #[test]
    fn a_request_is_finished_once() {
        let (_dir, conn) = fresh();
        enqueue(
            &conn,
            "r1",
            10.0,
            r#"{"action":"acknowledge_all"}"#,
            "op",
            "host",
            None,
        )
        .unwrap();
        assert_eq!(pending(&conn, 10).unwrap().len(), 1);
        assert!(finish(&conn, "r1", "applied", "2 alarms changed", 11.0).unwrap());
        assert!(
            !finish(&conn, "r1", "applied", "again", 12.0).unwrap(),
            "a finished request is not finished again"
        );
        let done = get(&conn, "r1").unwrap().unwrap();
        assert_eq!(
            (done.status.as_str(), done.result.as_deref()),
            ("applied", Some("2 alarms changed"))
        );
        assert!(pending(&conn, 10).unwrap().is_empty());
    }

    #[test]
    fn pruning_keeps_pending_requests_and_recent_ones() {
        let (_dir, conn) = fresh();
        enqueue(&conn, "old-done", 10.0, "{}", "op", "h", None).unwrap();
        finish(&conn, "old-done", "applied", "1", 11.0).unwrap();
        enqueue(&conn, "old-pending", 10.0, "{}", "op", "h", None).unwrap();
        enqueue(&conn, "new-done", 500.0, "{}", "op", "h", None).unwrap();
        finish(&conn, "new-done", "refused", "no", 501.0).unwrap();
        assert_eq!(prune(&conn, 100.0, 10).unwrap(), 1);
        assert!(get(&conn, "old-done").unwrap().is_none());
        assert!(get(&conn, "old-pending").unwrap().is_some());
        assert!(get(&conn, "new-done").unwrap().is_some());
    }
}
