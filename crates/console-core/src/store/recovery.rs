//! Recovery from a damaged cache: telling corruption from other failures, and moving a
//! damaged file (with its WAL, shared-memory and journal files) aside under a dated name.
//!
//! The cache is a copy of the plant's state, so a fresh one costs nothing the next
//! snapshot cannot restore; the damaged file is kept rather than deleted because its
//! history and journal may still matter to someone investigating what happened.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::StoreError;

/// Files SQLite keeps beside a database. A leftover rollback journal next to a fresh
/// database would be replayed into it, so every one of them moves with the main file. So
/// does the audit anchor (`audit.rs`): it vouches for the old file's chain, and beside a
/// fresh cache it would make that one's chain look cut short.
const COMPANIONS: [&str; 4] = ["-wal", "-shm", "-journal", super::anchor::ANCHOR_SUFFIX];

/// Whether an error says the file itself is damaged (not a database at all, or a
/// database whose pages are inconsistent), as opposed to busy, locked or unreadable.
pub(super) fn is_corruption(error: &StoreError) -> bool {
    let sqlite = match error {
        StoreError::Corrupt { .. } => return true,
        StoreError::Sqlite(error)
        | StoreError::Migration(rusqlite_migration::Error::RusqliteError { err: error, .. }) => {
            error
        }
        _ => return false,
    };
    matches!(
        sqlite.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// The history tables: nearly every page of a cache that has run for a day (a gigabyte
/// for 10 000 devices). They are checked after the start, not before it.
const HISTORY_TABLES: [&str; 2] = ["device_sample", "stats_sample"];

/// How long after the start the full check begins.
const CHECK_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Beside the cache, a note that the check after start found damage: the next open sets
/// the cache aside, as if the damage had been found then.
pub(super) const DAMAGED_NOTE: &str = "console.db.damaged";

/// Runs SQLite's structural check (`PRAGMA quick_check`) on every table but history:
/// `Ok(None)` when they are sound, `Ok(Some(first problem))` when not. That is what the
/// console needs to start (the last-known state, the outbox, the journal, the alerts), in
/// milliseconds even on a cache of a gigabyte; [`check_history_later`] covers the rest. A
/// note left by an earlier later-check counts as damage found now.
pub(super) fn quick_check(conn: &Connection, db: &Path) -> Result<Option<String>, StoreError> {
    if let Ok(problem) = std::fs::read_to_string(damaged_note(db)) {
        return Ok(Some(format!(
            "found after an earlier start: {}",
            problem.trim()
        )));
    }
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for table in tables
        .iter()
        .filter(|t| !HISTORY_TABLES.contains(&t.as_str()))
    {
        // The names come from the cache's own schema; quoting keeps them names.
        let first: String = conn.query_row(
            &format!("PRAGMA quick_check('{}')", table.replace('\'', "''")),
            [],
            |row| row.get(0),
        )?;
        if first != "ok" {
            return Ok(Some(format!("{table}: {first}")));
        }
    }
    Ok(None)
}

fn damaged_note(db: &Path) -> PathBuf {
    db.with_file_name(DAMAGED_NOTE)
}

/// Checks the whole cache (history included) on a thread and connection of its own, which
/// in WAL mode holds up no writer. Damage is logged and noted beside the cache, so the
/// next start sets it aside; until then the console runs on, its last-known state having
/// passed the check at start.
pub(super) fn check_history_later(db: &Path) {
    let db = db.to_owned();
    let spawned = std::thread::Builder::new()
        .name("store-check".into())
        .spawn(move || {
            // The check reads every page of what may be a gigabyte: it waits until the
            // console has started and drawn its window, so it does not slow either.
            std::thread::sleep(CHECK_AFTER);
            check_whole(&db);
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "the cache's full check could not start");
    }
}

/// The full check itself; notes damage beside the cache.
fn check_whole(db: &Path) {
    let result = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|conn| conn.query_row("PRAGMA quick_check", [], |row| row.get::<_, String>(0)));
    match result {
        Ok(first) if first == "ok" => tracing::debug!(db = %db.display(), "cache checked"),
        Ok(problem) => note_damage(db, &problem),
        Err(error) => {
            let error = StoreError::Sqlite(error);
            if is_corruption(&error) {
                note_damage(db, &error.to_string());
            } else {
                tracing::warn!(%error, "the cache's full check could not run");
            }
        }
    }
}

fn note_damage(db: &Path, problem: &str) {
    tracing::error!(
        db = %db.display(),
        %problem,
        "the cache's history is damaged; it will be set aside at the next start"
    );
    if let Err(error) = std::fs::write(damaged_note(db), problem) {
        tracing::error!(%error, "cannot note the damage beside the cache");
    }
}

/// Moves `db` and its companion files aside as `<db>.corrupt-<UTC time>` (and
/// `<that>-wal`, …, so SQLite still pairs them if someone opens the kept copy), and
/// returns the new path of the main file. `now` is Unix seconds.
pub(super) fn set_aside(db: &Path, now: f64) -> Result<PathBuf, StoreError> {
    let stamp = utc_stamp(now);
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Two recoveries within one second must not overwrite the first one's file.
    let mut target = db.with_file_name(format!("{name}.corrupt-{stamp}"));
    let mut n = 2;
    while target.exists() {
        target = db.with_file_name(format!("{name}.corrupt-{stamp}-{n}"));
        n += 1;
    }
    let mv = |from: &Path, to: &Path| {
        std::fs::rename(from, to).map_err(|source| StoreError::SetAside {
            path: from.to_owned(),
            source,
        })
    };
    mv(db, &target)?;
    // The note (if any) has done its work: the fresh cache starts without it.
    let _ = std::fs::remove_file(damaged_note(db));
    for suffix in COMPANIONS {
        let companion = with_suffix(db, suffix);
        if companion.exists() {
            mv(&companion, &with_suffix(&target, suffix))?;
        }
    }
    Ok(target)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `YYYYMMDDTHHMMSSZ` for Unix seconds `at`: sortable, and free of characters that some
/// file systems refuse (no colons).
pub(super) fn utc_stamp(at: f64) -> String {
    // Times before 1970 cannot occur for a file written by this console; clamp them
    // rather than print a nonsense date.
    let secs = at.max(0.0).floor() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), so the store needs no date library for one file name.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Unix seconds `at` as `YYYY-MM-DD HH:MM:SS UTC`, for messages that name a moment
/// without depending on this machine's time zone.
pub(crate) fn utc_text(at: f64) -> String {
    let secs = at.max(0.0).floor() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::super::testutil::reading;
    use super::super::{load_state, open, open_reporting, PendingWrites, StoreWriter, DB_FILE};
    use super::*;

    fn kept_files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".corrupt-"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn garbage_in_the_cache_file_is_kept_aside_and_a_fresh_cache_started() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = b"this is not a database, just bytes ".repeat(200);
        std::fs::write(dir.path().join(DB_FILE), &garbage).unwrap();
        std::fs::write(dir.path().join("console.db-wal"), b"stray wal").unwrap();

        let opened = open_reporting(dir.path()).unwrap();
        let kept = opened
            .recovered_from
            .clone()
            .expect("the recovery is reported");
        assert!(load_state(&opened.conn).unwrap().devices.is_empty());
        assert_eq!(std::fs::read(&kept).unwrap(), garbage);
        let name = kept.file_name().unwrap().to_string_lossy().into_owned();
        let stamp = name.strip_prefix("console.db.corrupt-").unwrap();
        assert!(
            stamp.len() == 16 && stamp.ends_with('Z') && stamp.as_bytes()[8] == b'T',
            "{name}"
        );
        // The WAL moves with it, untouched (SQLite may have added a -shm, which moves too).
        assert_eq!(
            std::fs::read(dir.path().join(format!("{name}-wal"))).unwrap(),
            b"stray wal"
        );
        assert!(kept_files(dir.path()).iter().all(|n| n.starts_with(&name)));

        // The fresh cache works and is not recovered again.
        let writer = StoreWriter::spawn(opened.conn);
        let mut pending = PendingWrites::default();
        pending.push(&reading("d", 1.0, 10.0));
        writer.close(pending).unwrap();
        let reopened = open_reporting(dir.path()).unwrap();
        assert_eq!(reopened.recovered_from, None);
        assert_eq!(load_state(&reopened.conn).unwrap().devices.len(), 1);
    }

    #[test]
    fn a_cache_with_damaged_pages_fails_the_check_and_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let writer = StoreWriter::spawn(open(dir.path()).unwrap());
        let mut pending = PendingWrites::default();
        for i in 0..500 {
            pending.push(&reading(&format!("device-{i:04}"), f64::from(i), 10.0));
        }
        writer.close(pending).unwrap();
        // Keep the header (page 1) and overwrite every later page with noise.
        let path = dir.path().join(DB_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        assert!(
            bytes.len() > 3 * 4096,
            "the test needs a cache of several pages"
        );
        for (i, byte) in bytes.iter_mut().enumerate().skip(4096) {
            *byte = (i * 7 % 251) as u8;
        }
        std::fs::write(&path, &bytes).unwrap();

        let opened = open_reporting(dir.path()).unwrap();
        let kept = opened.recovered_from.expect("the damage is found");
        assert_eq!(std::fs::read(kept).unwrap(), bytes);
        assert!(load_state(&opened.conn).unwrap().devices.is_empty());
    }

    #[test]
    fn damaged_history_passes_the_start_and_is_set_aside_at_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let writer = StoreWriter::spawn(open(dir.path()).unwrap());
        let mut pending = PendingWrites::default();
        for i in 0..500 {
            pending.push(&reading(&format!("device-{i:04}"), f64::from(i), 10.0));
        }
        writer.close(pending).unwrap();
        let path = dir.path().join(DB_FILE);
        let (page_size, root): (usize, usize) = {
            let conn = Connection::open(&path).unwrap();
            let size: i64 = conn
                .query_row("PRAGMA page_size", [], |r| r.get(0))
                .unwrap();
            let root: i64 = conn
                .query_row(
                    "SELECT rootpage FROM sqlite_schema WHERE name = 'device_sample'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            (size as usize, root as usize)
        };
        // Noise over the history table's root page only.
        let mut bytes = std::fs::read(&path).unwrap();
        for (i, byte) in bytes[(root - 1) * page_size..root * page_size]
            .iter_mut()
            .enumerate()
        {
            *byte = (i * 7 % 251) as u8;
        }
        std::fs::write(&path, &bytes).unwrap();

        // The start checks what it needs, which is sound: the state is there.
        let opened = open_reporting(dir.path()).unwrap();
        assert_eq!(opened.recovered_from, None);
        assert_eq!(load_state(&opened.conn).unwrap().devices.len(), 500);
        drop(opened);
        check_whole(&path);
        assert!(
            dir.path().join(DAMAGED_NOTE).exists(),
            "the damage is noted"
        );

        let reopened = open_reporting(dir.path()).unwrap();
        assert!(
            reopened.recovered_from.is_some(),
            "the next start sets it aside"
        );
        assert!(!dir.path().join(DAMAGED_NOTE).exists());
        assert!(load_state(&reopened.conn).unwrap().devices.is_empty());
    }

    #[test]
    fn a_sound_cache_opens_without_recovery() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(open_reporting(dir.path()).unwrap().recovered_from, None);
        assert_eq!(open_reporting(dir.path()).unwrap().recovered_from, None);
        assert!(kept_files(dir.path()).is_empty());
    }

    #[test]
    fn stamps_are_utc_calendar_times_without_colons() {
        assert_eq!(utc_stamp(0.0), "19700101T000000Z");
        assert_eq!(utc_stamp(951_782_400.0), "20000229T000000Z");
        assert_eq!(utc_stamp(1_795_347_834.9), "20261122T114354Z");
        assert_eq!(utc_stamp(-5.0), "19700101T000000Z");
    }

    #[test]
    fn setting_aside_moves_the_companions_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("console.db");
        for (path, text) in [(db.clone(), "one"), (with_suffix(&db, "-wal"), "wal")] {
            std::fs::write(path, text).unwrap();
        }
        let first = set_aside(&db, 0.0).unwrap();
        assert_eq!(
            first,
            dir.path().join("console.db.corrupt-19700101T000000Z")
        );
        assert_eq!(
            std::fs::read_to_string(with_suffix(&first, "-wal")).unwrap(),
            "wal"
        );
        assert!(!db.exists() && !with_suffix(&db, "-wal").exists());

        std::fs::write(&db, "two").unwrap();
        let second = set_aside(&db, 0.5).unwrap();
        assert_ne!(first, second);
        assert_eq!(std::fs::read_to_string(first).unwrap(), "one");
        assert_eq!(std::fs::read_to_string(second).unwrap(), "two");
    }
}
