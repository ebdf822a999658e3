//! The failed sign-ins per name, kept where every process of a data folder sees them:
//! the window and each CLI run count against the same lock-out.
//!
//! Where it persists: a small JSON file in the data folder (`sign-in-failures.json`,
//! mode 0600), changed under an OS file lock (`sign-in-failures.lock`). Not the cache:
//! a cache belongs to one plant while operators belong to the console, the CLI opens
//! caches read-only while a console runs, and this crate links no SQLite.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The failure log's file name in the data folder.
pub const FILE_NAME: &str = "sign-in-failures.json";
/// The most names the file keeps: failures for names that do not exist are counted too
/// (so that lock-out does not tell names apart), and this bounds what a guesser can grow.
const MAX_NAMES: usize = 1000;
/// The largest failure log read; a larger one is started afresh (a lost count only
/// ever shortens one lock-out window).
const MAX_BYTES: u64 = 1024 * 1024;

/// One name's failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRecord {
    /// Failures since `first_at`.
    pub count: u32,
    /// The first failure of the current window (Unix seconds).
    pub first_at: u64,
    /// While locked out: until when (Unix seconds).
    pub locked_until: Option<u64>,
    /// When this record no longer matters (the window and any lock-out are over), so the
    /// log can forget it.
    pub expires_at: u64,
}

/// Where the failure records are kept. `update` is one atomic read-modify-write, so two
/// processes failing at once both count.
pub trait FailureLog: Send {
    /// The record for `name`, if any.
    fn get(&mut self, name: &str, now: u64) -> std::io::Result<Option<FailureRecord>>;
    /// Replaces the record of `name` by what `change` makes of it (None: forget it), as
    /// one step; returns the new record.
    fn update(
        &mut self,
        name: &str,
        now: u64,
        change: &mut dyn FnMut(Option<FailureRecord>) -> Option<FailureRecord>,
    ) -> std::io::Result<Option<FailureRecord>>;
}

/// A failure log in memory: for tests, and a process alone on its data folder.
#[derive(Debug, Default)]
pub struct MemoryFailureLog {
    records: BTreeMap<String, FailureRecord>,
}

impl FailureLog for MemoryFailureLog {
    fn get(&mut self, name: &str, _now: u64) -> std::io::Result<Option<FailureRecord>> {
        Ok(self.records.get(name).copied())
    }

    fn update(
        &mut self,
        name: &str,
        now: u64,
        change: &mut dyn FnMut(Option<FailureRecord>) -> Option<FailureRecord>,
    ) -> std::io::Result<Option<FailureRecord>> {
        let next = change(self.records.get(name).copied());
        apply(&mut self.records, name, next, now);
        Ok(next)
    }
}

fn apply(
    records: &mut BTreeMap<String, FailureRecord>,
    name: &str,
    next: Option<FailureRecord>,
    now: u64,
) {
    match next {
        Some(record) => {
            records.insert(name.to_string(), record);
        }
        None => {
            records.remove(name);
        }
    }
    records.retain(|_, r| r.expires_at > now);
    while records.len() > MAX_NAMES {
        // The oldest window goes first: it is the nearest to expiring anyway.
        let oldest = records
            .iter()
            .min_by_key(|(_, r)| r.first_at)
            .map(|(n, _)| n.clone())
            .expect("the map is not empty");
        records.remove(&oldest);
    }
}

/// The failure log in a data folder, shared by every process that uses the folder.
#[derive(Debug)]
pub struct FileFailureLog {
    path: PathBuf,
    lock: PathBuf,
}

impl FileFailureLog {
    /// The log of the data folder `data_dir` (created on the first failure).
    pub fn in_data_dir(data_dir: &Path) -> FileFailureLog {
        FileFailureLog {
            path: data_dir.join(FILE_NAME),
            lock: data_dir.join("sign-in-failures.lock"),
        }
    }

    /// The file the records are kept in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` holding the folder's failure-log lock (an OS lock, released when the
    /// file is closed, also by a process that dies).
    fn locked<T>(&self, work: impl FnOnce() -> std::io::Result<T>) -> std::io::Result<T> {
        if let Some(dir) = self.lock.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let lock = options.open(&self.lock)?;
        lock.lock()?;
        let result = work();
        drop(lock);
        result
    }

    fn read(&self) -> BTreeMap<String, FailureRecord> {
        // An unreadable or damaged log starts afresh rather than locking every name out
        // or failing every sign-in: the worst it does is forget counts.
        let Ok(file) = std::fs::File::open(&self.path) else {
            return BTreeMap::new();
        };
        let mut bytes = Vec::new();
        if file.take(MAX_BYTES).read_to_end(&mut bytes).is_err() {
            return BTreeMap::new();
        }
        serde_json::from_slice(&bytes).unwrap_or_default()
    }

    fn write(&self, records: &BTreeMap<String, FailureRecord>) -> std::io::Result<()> {
        let temporary = self.path.with_extension("json.new");
        let _ = std::fs::remove_file(&temporary);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temporary)?;
        file.write_all(&serde_json::to_vec(records).map_err(std::io::Error::other)?)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, &self.path)
    }
}

impl FailureLog for FileFailureLog {
    fn get(&mut self, name: &str, now: u64) -> std::io::Result<Option<FailureRecord>> {
        Ok(self
            .read()
            .get(name)
            .copied()
            .filter(|r| r.expires_at > now))
    }

    fn update(
        &mut self,
        name: &str,
        now: u64,
        change: &mut dyn FnMut(Option<FailureRecord>) -> Option<FailureRecord>,
    ) -> std::io::Result<Option<FailureRecord>> {
        self.locked(|| {
            let mut records = self.read();
            let current = records.get(name).copied().filter(|r| r.expires_at > now);
            let next = change(current);
            if next.is_none() && current.is_none() {
                // Nothing to forget: no write (a successful sign-in costs no file).
                return Ok(None);
            }
            apply(&mut records, name, next, now);
            self.write(&records)?;
            Ok(next)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(count: u32, at: u64) -> FailureRecord {
        FailureRecord {
            count,
            first_at: at,
            locked_until: None,
            expires_at: at + 300,
        }
    }

    #[test]
    fn two_logs_on_one_data_folder_see_each_others_failures() {
        let dir = tempfile::tempdir().unwrap();
        let mut window = FileFailureLog::in_data_dir(dir.path());
        let mut cli = FileFailureLog::in_data_dir(dir.path());
        window
            .update("ana", 100, &mut |_| Some(record(1, 100)))
            .unwrap();
        let seen = cli
            .update("ana", 101, &mut |r| {
                r.map(|r| FailureRecord {
                    count: r.count + 1,
                    ..r
                })
            })
            .unwrap();
        assert_eq!(seen.unwrap().count, 2);
        assert_eq!(window.get("ana", 102).unwrap().unwrap().count, 2);
        assert_eq!(window.get("ana", 400).unwrap(), None, "expired");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(window.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_log_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "not json").unwrap();
        let mut log = FileFailureLog::in_data_dir(dir.path());
        assert_eq!(log.get("ana", 0).unwrap(), None);
        log.update("ana", 0, &mut |_| Some(record(1, 0))).unwrap();
        assert_eq!(log.get("ana", 1).unwrap().unwrap().count, 1);
    }

    #[test]
    fn the_log_keeps_a_bounded_number_of_names() {
        let mut log = MemoryFailureLog::default();
        for i in 0..(MAX_NAMES as u64 + 5) {
            let long_lived = FailureRecord {
                expires_at: 1_000_000,
                ..record(1, i)
            };
            log.update(&format!("guess{i}"), i, &mut |_| Some(long_lived))
                .unwrap();
        }
        assert_eq!(log.records.len(), MAX_NAMES);
        assert!(!log.records.contains_key("guess0"), "the oldest went first");
    }
}
