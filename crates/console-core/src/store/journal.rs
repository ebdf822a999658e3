//! The `journal` table: what happened at the plant and on the link, as dated sentences
//! for people (device status changes, relay switches, devices and relays appearing and
//! going, link mode changes, operator commands).
//!
//! Entries are made from `state::Change`s and link-state changes, never from frames, so a
//! repeated snapshot adds nothing. The sentences are made here, next to the table, so
//! that every reader (the CLI, a future journal view) shows the same words.

use plant_protocol::{Device, Relay, UnixSeconds};
use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::alerts::{message_column, message_text};
use super::StoreError;
use crate::state::{Change, Subject};
use console_i18n::{word, Language, Message};
use plant_link::link::{LinkMode, LinkState};

/// Version 1. `data` holds the machine-readable details (ids, before and after) as JSON
/// so that new kinds need no new columns.
pub(super) const CREATE: &str = "
CREATE TABLE journal (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      REAL NOT NULL,
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL,
    text    TEXT NOT NULL,
    data    TEXT NOT NULL
);
CREATE INDEX journal_by_at ON journal (at);";

/// Version 17: what happened as a catalog message (JSON), which each language words.
pub(super) const ADD_MESSAGE: &str = "ALTER TABLE journal ADD COLUMN message TEXT;";

/// The journal's kinds. A query for a family (`"device"`, `"relay"`) also finds its
/// members (`"device_status"`, …): see [`journal_of_kind`].
pub mod kind {
    pub const DEVICE_STATUS: &str = "device_status";
    pub const DEVICE_ADDED: &str = "device_added";
    pub const DEVICE_REMOVED: &str = "device_removed";
    pub const RELAY_SWITCHED: &str = "relay_switched";
    pub const RELAY_ADDED: &str = "relay_added";
    pub const RELAY_REMOVED: &str = "relay_removed";
    pub const LINK: &str = "link";
    /// The cache could not be saved for a while (a full disk) and is saved again.
    pub const CACHE: &str = "cache";
    /// An operator command; written by the outbox through `append_journal`.
    pub const COMMAND: &str = "command";
    /// A device, relay or the stats became unreadable (a bad value from the plant), or
    /// readable again.
    pub const QUALITY: &str = "quality";
    /// One device or relay changed more often in a minute than the journal keeps rows
    /// for (`bounds::MAX_JOURNAL_ROWS_PER_ITEM_PER_MINUTE`): how many were left out.
    pub const JOURNAL_CAPPED: &str = "journal_capped";
    /// The link moved from one of the plant's addresses to another.
    pub const FAILOVER: &str = "failover";
}

/// A journal entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JournalEntry {
    pub id: i64,
    /// Local time of the event (Unix seconds).
    pub at: UnixSeconds,
    pub kind: String,
    /// The device or relay id, or `"link"`.
    pub subject: String,
    /// A sentence in English, e.g. "Relay Pump 3 switched OFF by operator-2" (the
    /// logs' and older entries' words).
    pub text: String,
    pub data: Value,
    /// What happened as a catalog message, which the window words in the operator's
    /// language; `None` for entries written before the catalog, or without one.
    pub message: Option<Message>,
}

impl JournalEntry {
    /// The entry's sentence in `lang`: its message worded, or its stored English.
    pub fn worded(&self, lang: Language) -> String {
        match &self.message {
            Some(message) => word(lang, message),
            None => self.text.clone(),
        }
    }
}

/// A journal entry about to be written (the store assigns the id).
#[derive(Debug, Clone, PartialEq)]
pub struct NewJournalEntry {
    pub at: UnixSeconds,
    pub kind: String,
    pub subject: String,
    pub text: String,
    pub data: Value,
    pub message: Option<Message>,
}

impl NewJournalEntry {
    /// An entry said as a catalog message, with its English words as the text.
    pub fn worded(
        at: UnixSeconds,
        kind: &str,
        subject: &str,
        message: Message,
        data: Value,
    ) -> NewJournalEntry {
        NewJournalEntry {
            at,
            kind: kind.to_owned(),
            subject: subject.to_owned(),
            text: word(Language::En, &message),
            data,
            message: Some(message),
        }
    }
}

/// Whether a device or relay that appears is news for the journal.
///
/// When the console fills an empty picture (the first snapshot into an empty cache),
/// every device "appears"; that is the console learning the plant, not an event at the
/// plant, and hundreds of such lines would bury the real ones. So the caller says
/// `Quiet` when it held no device (for a device update) or no relay (for a relay update)
/// before the update, and `Journal` otherwise: a device that shows up in a known plant
/// is news. Removals and status changes are always journaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appearances {
    Journal,
    Quiet,
}

impl Appearances {
    /// `Journal` when the console already knew some of the plant of this kind.
    pub fn news_if(known: bool) -> Self {
        if known {
            Appearances::Journal
        } else {
            Appearances::Quiet
        }
    }
}

fn device_name(device: &Device) -> &str {
    if device.name.is_empty() {
        &device.id
    } else {
        &device.name
    }
}

fn relay_name(relay: &Relay) -> &str {
    if relay.name.is_empty() {
        &relay.id
    } else {
        &relay.name
    }
}

/// A relay state as the catalog's selectors name it.
fn on_off(state: bool) -> &'static str {
    if state {
        "on"
    } else {
        "off"
    }
}

/// The journal entry a state change deserves, if any. `at` dates removals, which carry
/// no time of their own; upserts are dated by their receive time.
pub(super) fn describe_change(
    change: &Change,
    at: UnixSeconds,
    appearances: Appearances,
) -> Option<NewJournalEntry> {
    let entry = NewJournalEntry::worded;
    match change {
        Change::Device {
            before: Some(before),
            after,
        } if before.status != after.device.status => {
            let d = &after.device;
            Some(entry(
                after.received_at,
                kind::DEVICE_STATUS,
                &d.id,
                Message::new("journal-device-status")
                    .text("name", device_name(d))
                    .text("from", before.status.as_str())
                    .text("status", d.status.as_str()),
                json!({"device_id": d.id, "from": before.status, "to": d.status, "value": d.value}),
            ))
        }
        Change::Device {
            before: None,
            after,
        } if appearances == Appearances::Journal => {
            let d = &after.device;
            Some(entry(
                after.received_at,
                kind::DEVICE_ADDED,
                &d.id,
                Message::new("journal-device-added")
                    .text("name", device_name(d))
                    .text("status", d.status.as_str()),
                json!({"device_id": d.id, "status": d.status, "value": d.value}),
            ))
        }
        Change::Device { .. } => None,
        Change::DeviceRemoved(d) => Some(entry(
            at,
            kind::DEVICE_REMOVED,
            &d.id,
            Message::new("journal-device-removed").text("name", device_name(d)),
            json!({"device_id": d.id, "status": d.status}),
        )),
        Change::Relay {
            before: Some(before),
            after,
        } if before.state != after.relay.state => {
            let r = &after.relay;
            let message = match r.changed_by.as_deref() {
                Some(by) => Message::new("journal-relay-switched-by").text("by", by),
                None => Message::new("journal-relay-switched"),
            };
            Some(entry(
                after.received_at,
                kind::RELAY_SWITCHED,
                &r.id,
                message
                    .text("name", relay_name(r))
                    .text("state", on_off(r.state)),
                json!({
                    "relay_id": r.id,
                    "from": before.state,
                    "to": r.state,
                    "changed_by": r.changed_by,
                    "changed_at": r.changed_at,
                }),
            ))
        }
        Change::Relay {
            before: None,
            after,
        } if appearances == Appearances::Journal => {
            let r = &after.relay;
            Some(entry(
                after.received_at,
                kind::RELAY_ADDED,
                &r.id,
                Message::new("journal-relay-added")
                    .text("name", relay_name(r))
                    .text("state", on_off(r.state)),
                json!({"relay_id": r.id, "state": r.state}),
            ))
        }
        Change::Relay { .. } => None,
        Change::RelayRemoved(r) => Some(entry(
            at,
            kind::RELAY_REMOVED,
            &r.id,
            Message::new("journal-relay-removed").text("name", relay_name(r)),
            json!({"relay_id": r.id, "state": r.state}),
        )),
        Change::Stats(_) => None,
        Change::Readability {
            subject,
            id,
            name,
            before,
            after,
            at,
        } => {
            let what = match subject {
                Subject::Device => "device",
                Subject::Relay => "relay",
                Subject::Stats => "stats",
            };
            let message = if after.is_empty() {
                Message::new("journal-readable-again")
            } else if before.is_empty() {
                Message::new("journal-bad-value").text("fields", after.joined())
            } else {
                Message::new("journal-still-bad-value").text("fields", after.joined())
            };
            Some(entry(
                *at,
                kind::QUALITY,
                id,
                message.text("what", what).text("name", name.as_str()),
                json!({"subject": subject, "id": id, "unreadable": after, "was_unreadable": before,
                       "quality": if after.is_empty() { "good" } else { "bad" }}),
            ))
        }
    }
}

/// The journal entry for the link going from `from` to `to`.
pub(super) fn describe_link(from: LinkMode, to: &LinkState) -> NewJournalEntry {
    let message = match to.detail.as_deref() {
        Some(detail) => Message::new("journal-link-detail").text("detail", detail),
        None => Message::new("journal-link"),
    };
    NewJournalEntry::worded(
        to.since,
        kind::LINK,
        "link",
        message
            .text("from", from.as_str())
            .text("mode", to.mode.as_str()),
        json!({"from": from, "to": to.mode, "detail": to.detail}),
    )
}

/// The journal entry for the link failing over to `to.address.current` (from
/// `to.address.last_failover_from`). Addresses are as the link prints them, without
/// credentials.
pub(crate) fn describe_failover(to: &LinkState) -> NewJournalEntry {
    let from = to.address.last_failover_from.clone().unwrap_or_default();
    let address = &to.address;
    NewJournalEntry::worded(
        address.last_failover_at.unwrap_or(to.since),
        kind::FAILOVER,
        "link",
        Message::new("journal-failover")
            .text("from", from.as_str())
            .text("to", address.current.as_str())
            .text("role", address.role.as_str()),
        json!({"from": from, "to": address.current, "index": address.index,
               "role": address.role, "failovers": address.failovers}),
    )
}

/// The journal entry for a link that left `to.mode` and came back to it unseen.
pub(super) fn describe_interruption(to: &LinkState) -> NewJournalEntry {
    NewJournalEntry::worded(
        to.since,
        kind::LINK,
        "link",
        Message::new("journal-link-interrupted").text("mode", to.mode.as_str()),
        json!({"from": to.mode, "to": to.mode, "interrupted": true, "detail": to.detail}),
    )
}

/// Writes one entry and returns its id. For writers outside the batched path, such as
/// the outbox recording an operator command (kind [`kind::COMMAND`]).
pub(crate) fn append_journal(
    conn: &Connection,
    entry: &NewJournalEntry,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO journal (at, kind, subject, text, data, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        entry.at,
        entry.kind,
        entry.subject,
        entry.text,
        serde_json::to_string(&entry.data)?,
        entry.message.as_ref().map(message_text),
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The most recent `limit` entries with `since <= at <= until` (either bound may be
/// absent), returned oldest first.
pub fn journal(
    conn: &Connection,
    since: Option<UnixSeconds>,
    until: Option<UnixSeconds>,
    limit: u32,
) -> Result<Vec<JournalEntry>, StoreError> {
    query(conn, None, since, until, limit)
}

/// As [`journal`], only entries of `kind` or of its family: `"relay"` finds
/// `"relay_switched"`, `"relay_added"` and `"relay_removed"`.
pub fn journal_of_kind(
    conn: &Connection,
    kind: &str,
    since: Option<UnixSeconds>,
    until: Option<UnixSeconds>,
    limit: u32,
) -> Result<Vec<JournalEntry>, StoreError> {
    query(conn, Some(kind), since, until, limit)
}

fn query(
    conn: &Connection,
    kind: Option<&str>,
    since: Option<UnixSeconds>,
    until: Option<UnixSeconds>,
    limit: u32,
) -> Result<Vec<JournalEntry>, StoreError> {
    // Finite stand-ins for "no bound" keep one statement usable with the index on `at`.
    let since = since.unwrap_or(f64::MIN);
    let until = until.unwrap_or(f64::MAX);
    let map = |row: &rusqlite::Row<'_>| {
        Ok((
            JournalEntry {
                id: row.get(0)?,
                at: row.get(1)?,
                kind: row.get(2)?,
                subject: row.get(3)?,
                text: row.get(4)?,
                data: Value::Null,
                message: message_column(row, 6)?,
            },
            row.get::<_, String>(5)?,
        ))
    };
    let rows: Vec<(JournalEntry, String)> = match kind {
        None => conn
            .prepare_cached(
                "SELECT id, at, kind, subject, text, data, message FROM journal
                 WHERE at >= ?1 AND at <= ?2 ORDER BY at DESC, id DESC LIMIT ?3",
            )?
            .query_map(params![since, until, limit], map)?
            .collect::<Result<_, _>>()?,
        Some(kind) => {
            let family = format!(
                "{}\\_%",
                kind.replace('\\', "\\\\")
                    .replace('_', "\\_")
                    .replace('%', "\\%")
            );
            conn.prepare_cached(
                "SELECT id, at, kind, subject, text, data, message FROM journal
                 WHERE at >= ?1 AND at <= ?2 AND (kind = ?3 OR kind LIKE ?4 ESCAPE '\\')
                 ORDER BY at DESC, id DESC LIMIT ?5",
            )?
            .query_map(params![since, until, kind, family, limit], map)?
            .collect::<Result<_, _>>()?
        }
    };
    let mut entries = Vec::with_capacity(rows.len());
    for (mut entry, data) in rows.into_iter().rev() {
        entry.data = serde_json::from_str(&data)?;
        entries.push(entry);
    }
    Ok(entries)
}

pub(super) fn insert(tx: &Transaction<'_>, entry: &NewJournalEntry) -> Result<(), StoreError> {
    append_journal(tx, entry).map(drop)
}

/// Deletes up to `budget` entries older than `cutoff`, oldest first; returns how many.
/// The time of the oldest entry, if any.
pub(super) fn earliest(tx: &Transaction<'_>) -> Result<Option<UnixSeconds>, StoreError> {
    Ok(tx
        .prepare_cached("SELECT min(at) FROM journal")?
        .query_row([], |row| row.get::<_, Option<f64>>(0))?)
}

pub(super) fn prune(
    tx: &Transaction<'_>,
    cutoff: UnixSeconds,
    budget: usize,
) -> Result<usize, StoreError> {
    Ok(tx
        .prepare_cached(
            "DELETE FROM journal WHERE id IN (SELECT id FROM journal WHERE at < ?1 ORDER BY at LIMIT ?2)",
        )?
        .execute(params![cutoff, i64::try_from(budget).unwrap_or(i64::MAX)])?)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{device, fresh, relay, write_batches};
    use super::super::PendingWrites;
    use super::*;
    use plant_protocol::DeviceStatus;

    fn texts(entries: &[JournalEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.text.as_str()).collect()
    }

    #[test]
    fn a_device_becoming_unreadable_and_readable_again_is_journaled() {
        use crate::state::Subject;
        use plant_link::items::Unreadable;
        let change = |before: &[&str], after: &[&str]| Change::Readability {
            subject: Subject::Device,
            id: "d2".into(),
            name: "Pump".into(),
            before: Unreadable::from_names(before.iter().copied()),
            after: Unreadable::from_names(after.iter().copied()),
            at: 7.0,
        };
        let bad = describe_change(&change(&[], &["value"]), 9.0, Appearances::Quiet).unwrap();
        assert_eq!(bad.kind, kind::QUALITY);
        assert_eq!(bad.subject, "d2");
        assert_eq!(bad.at, 7.0);
        assert_eq!(
            bad.text,
            "Device Pump: bad value from the plant (value could not be read)"
        );
        assert_eq!(bad.data["quality"], "bad");
        let good = describe_change(&change(&["value"], &[]), 9.0, Appearances::Quiet).unwrap();
        assert_eq!(
            good.text,
            "Device Pump: readable again (good value from the plant)"
        );
    }

    #[test]
    fn a_relay_switch_reads_as_a_sentence_naming_who_switched_it() {
        let change = Change::Relay {
            before: Some(relay("r3", "Pump 3", true, None, 1.0).relay),
            after: relay("r3", "Pump 3", false, Some("operator-2"), 9.0),
        };
        let entry = describe_change(&change, 10.0, Appearances::Journal).unwrap();
        assert_eq!(entry.text, "Relay Pump 3 switched OFF by operator-2");
        assert_eq!(
            (entry.kind.as_str(), entry.subject.as_str(), entry.at),
            ("relay_switched", "r3", 9.0)
        );
        assert_eq!(entry.data["changed_by"], "operator-2");
        assert_eq!(entry.data["to"], false);
    }

    #[test]
    fn only_changes_that_matter_to_people_are_journaled() {
        let online = device("d1", Some(1.0), DeviceStatus::Online, 5.0);
        let fault = device("d1", Some(1.0), DeviceStatus::Fault, 6.0);
        let status = Change::Device {
            before: Some(online.device.clone()),
            after: fault,
        };
        let value_only = Change::Device {
            before: Some(online.device.clone()),
            after: device("d1", Some(2.0), DeviceStatus::Online, 6.0),
        };
        let appeared = Change::Device {
            before: None,
            after: online.clone(),
        };
        let same_state = Change::Relay {
            before: Some(relay("r", "Fan", true, None, 1.0).relay),
            after: relay("r", "Fan", true, Some("x"), 2.0),
        };
        let describe = |c: &Change, a| describe_change(c, 7.0, a).map(|e| e.text);
        assert_eq!(
            describe(&status, Appearances::Journal).as_deref(),
            Some("Device Boiler d1 changed from online to fault")
        );
        assert_eq!(describe(&value_only, Appearances::Journal), None);
        assert_eq!(describe(&same_state, Appearances::Journal), None);
        assert_eq!(
            describe(&appeared, Appearances::Journal).as_deref(),
            Some("Device Boiler d1 appeared (online)")
        );
        assert_eq!(describe(&appeared, Appearances::Quiet), None);
        let removed = describe_change(
            &Change::DeviceRemoved(online.device),
            7.0,
            Appearances::Quiet,
        )
        .unwrap();
        assert_eq!(
            (removed.text.as_str(), removed.at),
            ("Device Boiler d1 was removed", 7.0)
        );
        let link = describe_link(
            LinkMode::Realtime,
            &LinkState {
                mode: LinkMode::Offline,
                since: 8.0,
                detail: Some("connection reset".into()),
                address: Default::default(),
            },
        );
        assert_eq!(
            link.text,
            "Link changed from Real-time to Offline: connection reset"
        );
        assert_eq!(
            (link.subject.as_str(), link.data["from"].as_str()),
            ("link", Some("realtime"))
        );
    }

    #[test]
    fn the_journal_is_read_by_time_range_kind_and_limit() {
        let mut pending = PendingWrites::default();
        let mut on = false;
        for at in 1..=5 {
            let before = relay("r1", "Pump", on, None, 0.0).relay;
            on = !on;
            pending.record(
                &Change::Relay {
                    before: Some(before),
                    after: relay("r1", "Pump", on, Some("op"), f64::from(at)),
                },
                f64::from(at),
                Appearances::Journal,
            );
        }
        pending.record(
            &Change::DeviceRemoved(device("d9", None, DeviceStatus::Offline, 0.0).device),
            3.5,
            Appearances::Journal,
        );
        let (_dir, conn) = write_batches(vec![pending]);

        let all = journal(&conn, None, None, u32::MAX).unwrap();
        assert_eq!(all.len(), 6);
        assert!(all.windows(2).all(|w| w[0].at <= w[1].at), "oldest first");
        assert_eq!(
            texts(&journal(&conn, Some(2.0), Some(3.5), 100).unwrap()),
            vec![
                "Relay Pump switched OFF by op",
                "Relay Pump switched ON by op",
                "Device Boiler d9 was removed"
            ]
        );
        // The limit keeps the most recent entries.
        let last_two = journal(&conn, None, None, 2).unwrap();
        assert_eq!(
            last_two.iter().map(|e| e.at).collect::<Vec<_>>(),
            vec![4.0, 5.0]
        );
        assert_eq!(
            journal_of_kind(&conn, "relay", None, None, 100)
                .unwrap()
                .len(),
            5
        );
        assert_eq!(
            journal_of_kind(&conn, "relay_switched", None, None, 100)
                .unwrap()
                .len(),
            5
        );
        assert_eq!(
            journal_of_kind(&conn, "device", None, None, 100)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            journal_of_kind(&conn, "rel", None, None, 100)
                .unwrap()
                .len(),
            0
        );
    }

    #[test]
    fn append_journal_writes_an_entry_others_can_read() {
        let (_dir, conn) = fresh();
        let id = append_journal(
            &conn,
            &NewJournalEntry {
                at: 42.0,
                kind: kind::COMMAND.into(),
                subject: "r2".into(),
                text: "operator-1 asked to switch Relay Fan ON".into(),
                data: json!({"request_id": "abc"}),
                message: None,
            },
        )
        .unwrap();
        let entries = journal(&conn, None, None, 10).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].id, id);
        assert_eq!(entries[0].kind, "command");
        assert_eq!(entries[0].data, json!({"request_id": "abc"}));
    }
}
