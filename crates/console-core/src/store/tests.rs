//! Tests of the store as a whole: open, write, read back, read only.

use std::path::Path;

use rusqlite::Connection;

use super::checkpoint::truncate_wal_if_large;
use super::*;
use crate::state::{Change, DeviceEntry, StatsEntry};
use plant_protocol::{Device, DeviceStatus, SystemStats};
use serde_json::Map;

#[test]
fn a_wal_past_its_limit_is_truncated_between_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = open(dir.path()).unwrap();
    // As in the writer: SQLite's own checkpoint is off.
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    let wal = dir.path().join(format!("{DB_FILE}-wal"));
    let mut value = 0.0;
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 1024 * 1024 {
        let mut pending = PendingWrites::default();
        for i in 0..200 {
            value += 1.0;
            pending.push(&Change::Device {
                before: None,
                after: device(&format!("d{i}"), value),
            });
        }
        pending.write(&mut conn).unwrap();
    }
    truncate_wal_if_large(&conn, &wal, 2 * 1024 * 1024);
    assert!(
        std::fs::metadata(&wal).unwrap().len() >= 1024 * 1024,
        "under the limit: kept"
    );
    truncate_wal_if_large(&conn, &wal, 1024 * 1024);
    assert_eq!(
        std::fs::metadata(&wal).unwrap().len(),
        0,
        "past the limit: truncated"
    );
    assert_eq!(load_state(&conn).unwrap().devices.len(), 200);
}

fn device(id: &str, value: f64) -> DeviceEntry {
    DeviceEntry {
        device: std::sync::Arc::new(Device {
            id: id.into(),
            name: format!("Device {id}"),
            kind: "flow".into(),
            status: DeviceStatus::Online,
            value: Some(value),
            unit: Some("m\u{b3}/h".into()),
            last_seen: 100.0,
            extra: Map::from_iter([("firmware".to_owned(), "2.4.1".into())]).into(),
        }),
        received_at: 200.0,
        unreadable: Default::default(),
        quality: Default::default(),
    }
}

#[test]
fn state_written_is_read_back_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let writer = StoreWriter::spawn(open(dir.path()).unwrap());
    let mut pending = PendingWrites::default();
    pending.push(&Change::Device {
        before: None,
        after: device("a", 1.0),
    });
    pending.push(&Change::Device {
        before: None,
        after: device("b", 2.0),
    });
    pending.push(&Change::DeviceRemoved(device("b", 2.0).device));
    pending.push(&Change::Stats(StatsEntry {
        stats: SystemStats {
            cpu_percent: 12.5,
            memory_percent: 40.0,
            disk_percent: 70.0,
            uptime_s: 3600.0,
            clients: 2,
            server_time: 150.0,
            extra: Map::new(),
        },
        received_at: 151.0,
        unreadable: Default::default(),
        quality: Default::default(),
    }));
    pending.contact(151.0);
    writer.close(pending).unwrap();

    let state = load_state(&open(dir.path()).unwrap()).unwrap();
    let a = device("a", 1.0);
    // The cache's copy is read back as such: uncertain until the plant confirms it.
    assert_eq!(
        state.devices,
        vec![DeviceEntry::restored(a.device, a.received_at, a.unreadable)]
    );
    assert_eq!(state.system_stats.unwrap().stats.clients, 2);
    assert_eq!(state.last_contact, Some(151.0));
}

#[test]
fn unreadable_marks_are_kept_in_the_cache_so_a_restart_still_shows_a_bad_value() {
    use crate::quality::Quality;
    use plant_link::items::Unreadable;
    let dir = tempfile::tempdir().unwrap();
    let writer = StoreWriter::spawn(open(dir.path()).unwrap());
    let mut pending = PendingWrites::default();
    let good = device("a", 1.0);
    let mut bad = device("b", 0.0);
    bad = DeviceEntry::read(
        bad.device,
        bad.received_at,
        Unreadable::from_names(["value"]),
    );
    for after in [good, bad] {
        pending.push(&Change::Device {
            before: None,
            after,
        });
    }
    writer.close(pending).unwrap();

    let state = load_state(&open(dir.path()).unwrap()).unwrap();
    let b = state.devices.iter().find(|e| e.device.id == "b").unwrap();
    assert_eq!(b.unreadable.fields(), ["value"]);
    assert_eq!(b.quality, Quality::BAD_VALUE);
    let a = state.devices.iter().find(|e| e.device.id == "a").unwrap();
    assert!(a.unreadable.is_empty());
    assert!(
        !a.quality.is_good(),
        "the cache's copy is not confirmed: {:?}",
        a.quality
    );
    assert!(!a.quality.is_bad());
}

#[test]
fn many_openers_of_a_new_cache_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let path = dir.path().to_owned();
            std::thread::spawn(move || open(&path).map(drop))
        })
        .collect();
    for thread in threads {
        thread.join().unwrap().unwrap();
    }
}

#[test]
fn read_only_open_of_a_missing_cache_is_none_and_of_a_current_one_reads() {
    let dir = tempfile::tempdir().unwrap();
    assert!(open_read_only(dir.path()).unwrap().is_none());
    assert!(
        !dir.path().join(DB_FILE).exists(),
        "reading must not create the cache"
    );
    drop(open(dir.path()).unwrap());
    let conn = open_read_only(dir.path()).unwrap().unwrap();
    assert!(load_state(&conn).unwrap().devices.is_empty());
}

/// Every file in `dir` with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn reading_a_closed_cache_creates_and_changes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let writer = StoreWriter::spawn(open(dir.path()).unwrap());
    let mut pending = PendingWrites::default();
    pending.push(&Change::Device {
        before: None,
        after: device("a", 1.0),
    });
    writer.close(pending).unwrap();
    let before = files(dir.path());
    assert!(
        before.iter().all(|(name, _)| !name.ends_with("-wal")),
        "{before:?}"
    );
    let conn = open_read_only(dir.path()).unwrap().unwrap();
    assert_eq!(load_state(&conn).unwrap().devices.len(), 1);
    drop(conn);
    assert_eq!(
        files(dir.path()),
        before,
        "SQLite must not add a -wal or -shm"
    );
}

#[test]
fn reading_an_open_cache_sees_its_latest_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = open(dir.path()).unwrap();
    let mut pending = PendingWrites::default();
    pending.push(&Change::Device {
        before: None,
        after: device("a", 1.0),
    });
    pending.write(&mut conn).unwrap();
    // The writer's connection is open: the WAL holds the write.
    let reader = open_read_only(dir.path()).unwrap().unwrap();
    assert_eq!(load_state(&reader).unwrap().devices.len(), 1);
}

#[test]
fn reading_refuses_a_newer_cache_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()).unwrap());
    Connection::open(dir.path().join(DB_FILE))
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let before = files(dir.path());
    let error = open_read_only(dir.path()).unwrap_err();
    assert!(
        matches!(error, StoreError::NewerSchema { found: 999, .. }),
        "{error}"
    );
    assert_eq!(files(dir.path()), before);
}

#[test]
fn pending_writes_keep_only_the_latest_value_of_a_row() {
    let mut pending = PendingWrites::default();
    for value in 0..1000 {
        pending.push(&Change::Device {
            before: None,
            after: device("a", f64::from(value)),
        });
    }
    assert_eq!(pending.devices.len(), 1);
    assert_eq!(
        pending.devices["a"].as_ref().unwrap().device.value,
        Some(999.0)
    );
}

#[test]
fn cache_from_a_newer_console_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()).unwrap());
    let path = dir.path().join(DB_FILE);
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let error = open(dir.path()).unwrap_err();
    assert!(
        matches!(error, StoreError::NewerSchema { found: 999, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("newer Plant Console"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_steady_stream_of_writes_keeps_the_wal_small_without_truncating_it() {
    // A quarter of a MiB, so that the test writes little to see the WAL start over many
    // times; the console's writer uses 16 MiB.
    let restart_after_frames = 64;
    let dir = tempfile::tempdir().unwrap();
    let conn = open(dir.path()).unwrap();
    let writer = StoreWriter::spawn_restarting_wal_after(conn, restart_after_frames);
    let wal = dir.path().join(format!("{DB_FILE}-wal"));
    let wal_len = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    let mut value = 0.0;
    let mut write = || {
        let mut pending = PendingWrites::default();
        for i in 0..20 {
            value += 1.0;
            pending.push(&Change::Device {
                before: None,
                after: device(&format!("d{i}"), value),
            });
        }
        writer.flush(pending).unwrap();
    };
    // What one transaction appends, from the first ones (the WAL only grows then: they stay
    // below the frames after which it starts over).
    write();
    let first = wal_len();
    for _ in 0..5 {
        write();
    }
    let per_transaction = (wal_len() - first) / 5;
    assert!(per_transaction > 0);
    // Then forty times the bound, back to back as a plant streaming updates would.
    let bound = u64::from(restart_after_frames) * 4096 * 2;
    let transactions = 40 * bound / per_transaction;
    let mut largest = 0;
    for _ in 0..transactions {
        write();
        largest = largest.max(wal_len());
    }
    // The WAL starts over only if no other connection holds a read lock at the instant the
    // writer's next transaction begins. The checkpointer thread takes one while it copies,
    // and on a loaded machine it can be mid-copy at several restarts in a row; each miss
    // lets the WAL run on for one more round (the console's last resort past that is the
    // truncation at 64 MiB). So the bound allows ten rounds: a quarter of the forty rounds
    // this test writes, all of which stay in the WAL of a writer that never starts it over.
    let limit = 10 * bound;
    assert!(
        largest < limit,
        "the WAL grew to {largest} bytes, past {limit}, over {transactions} transactions of about {per_transaction} bytes"
    );
    writer.close(PendingWrites::default()).unwrap();
}

#[test]
fn a_second_connection_keeps_a_small_page_cache_and_the_writers_keeps_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let writer = open(dir.path()).unwrap();
    let again = open_again(dir.path()).unwrap();
    let cache = |conn: &Connection| -> i64 {
        conn.query_row("PRAGMA cache_size", [], |row| row.get(0))
            .unwrap()
    };
    assert_eq!(cache(&again), -256);
    assert_eq!(cache(&writer), -2000);
}
