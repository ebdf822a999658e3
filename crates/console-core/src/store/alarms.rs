//! The `alarm` and `alarm_transition` tables: each alarm's current state (so a restarted
//! console, and the CLI, see the alarms as they were) and every transition of every
//! alarm, with its time, who and why (each alarm's history and the plant's alarm journal).

use plant_protocol::UnixSeconds;
use rusqlite::{params, Connection, Row, Transaction};

use super::StoreError;
use crate::alarms::{AlarmCondition, AlarmEvent, AlarmState, AlarmTransition, AlarmView, Priority};

/// Version 15. The message is kept as JSON (its catalog id and arguments).
pub(super) const CREATE: &str = "
CREATE TABLE alarm (
    id           INTEGER PRIMARY KEY,
    condition    TEXT NOT NULL,
    source       TEXT NOT NULL,
    device       TEXT,
    priority     TEXT NOT NULL,
    state        TEXT NOT NULL,
    active       INTEGER NOT NULL,
    acknowledged INTEGER NOT NULL,
    latching     INTEGER NOT NULL,
    first_out    INTEGER NOT NULL,
    chattering   INTEGER NOT NULL,
    activated_at REAL,
    changed_at   REAL NOT NULL,
    shelved_until REAL,
    reason       TEXT,
    message      TEXT NOT NULL,
    UNIQUE (condition, source)
);
CREATE TABLE alarm_transition (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    alarm_id  INTEGER NOT NULL,
    at        REAL NOT NULL,
    from_state TEXT NOT NULL,
    to_state  TEXT NOT NULL,
    event     TEXT NOT NULL,
    by        TEXT,
    reason    TEXT,
    condition TEXT NOT NULL,
    source    TEXT NOT NULL,
    priority  TEXT NOT NULL,
    message   TEXT NOT NULL
);
CREATE INDEX alarm_transition_by_alarm ON alarm_transition (alarm_id, at);
CREATE INDEX alarm_transition_by_at ON alarm_transition (at);";

fn bad(column: &str, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{column}: unknown value {text:?}").into(),
    )
}

fn parsed<T>(row: &Row<'_>, column: &str, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(column)?;
    parse(&text).ok_or_else(|| bad(column, &text))
}

fn message(row: &Row<'_>) -> rusqlite::Result<console_i18n::Message> {
    let text: String = row.get("message")?;
    Ok(serde_json::from_str(&text).unwrap_or_else(|_| console_i18n::Message::new(text)))
}

fn to_json(message: &console_i18n::Message) -> String {
    serde_json::to_string(message).unwrap_or_default()
}

/// Writes the alarms' current states and appends their transitions, in one transaction
/// of the caller's.
pub fn save(
    tx: &Transaction<'_>,
    views: &[AlarmView],
    transitions: &[AlarmTransition],
) -> Result<(), StoreError> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO alarm (id, condition, source, device, priority, state, active, acknowledged,
                latching, first_out, chattering, activated_at, changed_at, shelved_until, reason, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (id) DO UPDATE SET
                priority = excluded.priority, state = excluded.state, active = excluded.active,
                acknowledged = excluded.acknowledged, latching = excluded.latching,
                first_out = excluded.first_out, chattering = excluded.chattering,
                activated_at = excluded.activated_at, changed_at = excluded.changed_at,
                shelved_until = excluded.shelved_until, reason = excluded.reason,
                message = excluded.message",
    )?;
    for v in views {
        upsert.execute(params![
            v.id,
            v.condition.as_str(),
            v.source,
            v.device,
            v.priority.as_str(),
            v.state.as_str(),
            v.active,
            v.acknowledged,
            v.latching,
            v.first_out,
            v.chattering,
            v.activated_at,
            v.changed_at,
            v.shelved_until,
            v.reason,
            to_json(&v.message),
        ])?;
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO alarm_transition (alarm_id, at, from_state, to_state, event, by, reason,
                condition, source, priority, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for t in transitions {
        insert.execute(params![
            t.alarm_id,
            t.at,
            t.from.as_str(),
            t.to.as_str(),
            t.event.as_str(),
            t.by,
            t.reason,
            t.condition.as_str(),
            t.source,
            t.priority.as_str(),
            to_json(&t.message),
        ])?;
    }
    Ok(())
}

fn view(row: &Row<'_>) -> rusqlite::Result<AlarmView> {
    Ok(AlarmView {
        id: row.get("id")?,
        condition: parsed(row, "condition", AlarmCondition::parse)?,
        source: row.get("source")?,
        device: row.get("device")?,
        priority: parsed(row, "priority", Priority::parse)?,
        state: parsed(row, "state", AlarmState::parse)?,
        active: row.get("active")?,
        acknowledged: row.get("acknowledged")?,
        latching: row.get("latching")?,
        first_out: row.get("first_out")?,
        chattering: row.get("chattering")?,
        activated_at: row.get("activated_at")?,
        changed_at: row.get("changed_at")?,
        shelved_until: row.get("shelved_until")?,
        reason: row.get("reason")?,
        message: message(row)?,
    })
}

fn transition(row: &Row<'_>) -> rusqlite::Result<AlarmTransition> {
    Ok(AlarmTransition {
        id: row.get("id")?,
        alarm_id: row.get("alarm_id")?,
        at: row.get("at")?,
        from: parsed(row, "from_state", AlarmState::parse)?,
        to: parsed(row, "to_state", AlarmState::parse)?,
        event: parsed(row, "event", AlarmEvent::parse)?,
        by: row.get("by")?,
        reason: row.get("reason")?,
        condition: parsed(row, "condition", AlarmCondition::parse)?,
        source: row.get("source")?,
        priority: parsed(row, "priority", Priority::parse)?,
        message: message(row)?,
    })
}

/// Every alarm, in id order (what a starting console restores).
pub fn all(conn: &Connection) -> Result<Vec<AlarmView>, StoreError> {
    let mut stmt = conn.prepare("SELECT * FROM alarm ORDER BY id")?;
    let rows = stmt.query_map([], view)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One alarm's transitions, oldest first.
pub fn history(conn: &Connection, alarm_id: i64) -> Result<Vec<AlarmTransition>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT * FROM alarm_transition WHERE alarm_id = ?1 ORDER BY at, id")?;
    let rows = stmt.query_map([alarm_id], transition)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The plant's alarm journal: transitions in `[since, until]`, newest first, at most
/// `limit`.
pub fn journal(
    conn: &Connection,
    since: Option<UnixSeconds>,
    until: Option<UnixSeconds>,
    limit: u32,
) -> Result<Vec<AlarmTransition>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT * FROM alarm_transition
         WHERE at >= ?1 AND at <= ?2 ORDER BY at DESC, id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![
            since.unwrap_or(f64::MIN),
            until.unwrap_or(f64::MAX),
            i64::from(limit)
        ],
        transition,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes at most `limit` transitions older than `before` (the cache's retention).
pub fn prune(tx: &Transaction<'_>, before: UnixSeconds, limit: u32) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "DELETE FROM alarm_transition WHERE id IN
             (SELECT id FROM alarm_transition WHERE at < ?1 ORDER BY at LIMIT ?2)",
        params![before, i64::from(limit)],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarms::book::{AlarmBook, AlarmConfig};
    use crate::store::alerts::{Alert, AlertKind};

    fn fault(subject: &str) -> Alert {
        Alert {
            at: 1.0,
            kind: AlertKind::DeviceFault,
            severity: AlertKind::DeviceFault.default_severity(),
            subject: subject.into(),
            device: Some(subject.into()),
            key: subject.into(),
            title: format!("Device {subject} reports a fault"),
            body: String::new(),
            title_message: console_i18n::Message::new("alarm-device_fault").text("name", subject),
            body_message: console_i18n::Message::default(),
        }
    }

    #[test]
    fn alarms_and_their_history_survive_a_reopen_of_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alarms.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            super::super::migrations::migrations()
                .to_latest(&mut conn)
                .unwrap();
            let mut book = AlarmBook::new(AlarmConfig::default());
            book.on_alert(&fault("pump"), 1.0);
            book.acknowledge(&[1], "ana", 2.0).unwrap();
            let (transitions, views) = book.take_changes();
            let tx = conn.transaction().unwrap();
            save(&tx, &views, &transitions).unwrap();
            tx.commit().unwrap();
        }
        let conn = Connection::open(&path).unwrap();
        let alarms = all(&conn).unwrap();
        assert_eq!(alarms.len(), 1);
        assert_eq!(alarms[0].state, AlarmState::AckActive);
        assert_eq!(alarms[0].message.id, "alarm-device_fault");
        let history = history(&conn, 1).unwrap();
        let steps: Vec<_> = history.iter().map(|t| (t.to, t.by.as_deref())).collect();
        assert_eq!(
            steps,
            vec![
                (AlarmState::UnackActive, None),
                (AlarmState::AckActive, Some("ana"))
            ]
        );
        let newest_first = journal(&conn, None, None, 10).unwrap();
        assert_eq!(newest_first[0].event, AlarmEvent::Acknowledge);
        assert_eq!(journal(&conn, Some(1.5), None, 10).unwrap().len(), 1);
    }

    #[test]
    fn pruning_drops_old_transitions_and_keeps_the_alarm() {
        let (_dir, mut conn) = super::super::testutil::fresh();
        let mut book = AlarmBook::new(AlarmConfig::default());
        book.on_alert(&fault("pump"), 1.0);
        book.acknowledge(&[1], "ana", 1000.0).unwrap();
        let (transitions, views) = book.take_changes();
        let tx = conn.transaction().unwrap();
        save(&tx, &views, &transitions).unwrap();
        assert_eq!(prune(&tx, 500.0, 100).unwrap(), 1);
        tx.commit().unwrap();
        assert_eq!(
            history(&conn, 1).unwrap().len(),
            1,
            "the acknowledgement stays"
        );
        assert_eq!(
            all(&conn).unwrap().len(),
            1,
            "the alarm itself is never pruned"
        );
    }
}
