//! The console's SQLite cache: schema, connection set-up and the batched write path.
//!
//! SQL lives only in the per-table modules below; this module owns the migration list,
//! the per-connection PRAGMAs and the writer thread. Writes are coalesced while the
//! writer is busy, so a burst from the plant costs at most one row per device per
//! transaction and never makes the link wait for the disk. History keeps at most one
//! sample per device per second (`record.rs`); maintenance thins it (`retention.rs`).

pub(crate) mod alerts;
pub(crate) mod anchor;
pub(crate) mod audit;
mod devices;
mod gaps;
mod history;
mod journal;
mod meta;
pub(crate) mod outbox;
pub mod plants;
mod record;
mod recovery;
mod relays;
mod retention;
mod stats;
#[cfg(test)]
mod testutil;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use plant_protocol::UnixSeconds;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{Migrations, M};
use serde::Serialize;
use thiserror::Error;

use crate::state::{Change, DeviceEntry, RelayEntry, StatsEntry};
use plant_link::link::LinkState;

pub use gaps::{gaps, Gap};
pub use history::{device_history, stats_history, StatsSample};
pub use journal::{
    append_journal, journal, journal_of_kind, kind as journal_kind, Appearances, JournalEntry,
    NewJournalEntry,
};
pub use plants::{resolve as resolve_plant, PlantCache, PlantChoiceError};
pub use retention::DEFAULT_RETENTION as DEFAULT_HISTORY_RETENTION;

/// The cache file's name inside the console's data folder.
pub const DB_FILE: &str = "console.db";

/// The lock file that serializes opening (and migrating) the cache across processes.
const LOCK_FILE: &str = "console.db.lock";

/// Errors of the store layer.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("schema migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error(
        "the cache {path} was written by a newer Plant Console (schema {found}, this one knows {supported}); \
         it was left untouched: use the newer console or move the file away"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "the cache {path} is from an older Plant Console (schema {found}, this one knows {supported}); \
         start the console once to bring it up to date"
    )]
    OlderSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("stored JSON is unreadable: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("the cache {path} is damaged: {problem}")]
    Corrupt { path: PathBuf, problem: String },
    #[error("cannot move the damaged cache {path} aside: {source}")]
    SetAside {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("a store task failed: {0}")]
    Io(String),
    #[error("the last changes could not be saved to the cache: {0}")]
    Unsaved(String),
}

/// Every schema change, in order. Append only: a released migration is never edited,
/// because consoles in the field have already applied it.
fn migration_list() -> Vec<M<'static>> {
    vec![
        M::up(meta::CREATE),
        M::up(devices::CREATE),
        M::up(relays::CREATE),
        M::up(stats::CREATE),
        M::up(outbox::CREATE),
        M::up(audit::CREATE),
        M::up(history::CREATE),
        M::up(gaps::CREATE),
        M::up(journal::CREATE),
        M::up(alerts::CREATE),
        M::up(outbox::ADD_PLANT),
        M::up(devices::ADD_UNREADABLE),
        M::up(relays::ADD_UNREADABLE),
        M::up(stats::ADD_UNREADABLE),
    ]
}

fn migrations() -> Migrations<'static> {
    Migrations::new(migration_list())
}

/// The schema version this build writes: rusqlite_migration numbers the schema by the
/// count of applied migrations (in `user_version`).
fn supported_version() -> i64 {
    i64::try_from(migration_list().len()).expect("fewer than 2^63 migrations")
}

/// Per-connection settings. They are not migrations: PRAGMAs like these belong to a
/// connection, not to the schema, and must be set on every open.
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // NORMAL is durable across application crashes in WAL mode; only an OS crash may
    // lose the last transactions of the cache, which the next snapshot restores.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Opens (creating if needed) the cache in `data_dir` and brings its schema up to date.
/// A cache from a newer console is refused and left exactly as it was; a damaged one is
/// set aside and replaced, as [`open_reporting`] says (use it to learn that it was).
pub fn open(data_dir: &Path) -> Result<Connection, StoreError> {
    open_reporting(data_dir).map(|opened| opened.conn)
}

/// Checks the whole cache, history included, on a thread of its own; damage is logged and
/// the next start sets the cache aside. The console calls it once, after its start.
pub fn check_all_later(data_dir: &Path) {
    recovery::check_history_later(&data_dir.join(DB_FILE));
}

/// A cache opened for writing.
#[derive(Debug)]
pub struct Opened {
    pub conn: Connection,
    /// Where a damaged cache found at the start was moved to; a fresh one replaced it.
    pub recovered_from: Option<PathBuf>,
}

/// As [`open`], and says whether the cache had to be replaced. A file that is not a
/// database, or fails SQLite's structural check, is moved aside (see
/// [`Opened::recovered_from`]) and a fresh cache is started: the cache only copies the
/// plant, so refusing to start over a damaged copy would help nobody.
pub fn open_reporting(data_dir: &Path) -> Result<Opened, StoreError> {
    std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
        path: data_dir.to_owned(),
        source,
    })?;
    // Two programs on one data folder (the console and a CLI command) must not migrate
    // at the same time: SQLite's own locking does not cover "read the version, then
    // create tables", so an OS file lock serializes the whole open.
    let _lock = lock_data_dir(data_dir)?;
    let path = data_dir.join(DB_FILE);
    match open_file(&path) {
        Ok(conn) => Ok(Opened {
            conn,
            recovered_from: None,
        }),
        Err(error) if recovery::is_corruption(&error) => {
            tracing::warn!(path = %path.display(), %error, "the cache is damaged; setting it aside");
            let kept = recovery::set_aside(&path, plant_link::clock::unix_now())?;
            Ok(Opened {
                conn: open_file(&path)?,
                recovered_from: Some(kept),
            })
        }
        Err(error) => Err(error),
    }
}

/// Opens the cache file at `path`, checks it and migrates it; the caller holds the lock.
fn open_file(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path)?;
    // Until the file has passed the checks, closing must not checkpoint a WAL into it
    // (or delete the WAL): a damaged cache is kept exactly as it was found.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let found = user_version(&conn)?;
    let supported = supported_version();
    if found > supported {
        return Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found,
            supported,
        });
    }
    if let Some(problem) = recovery::quick_check(&conn, path)? {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            problem,
        });
    }
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
    configure(&conn)?;
    migrations().to_latest(&mut conn)?;
    // A chain from before the anchor file existed is anchored from now on.
    anchor::anchor(&conn);
    Ok(conn)
}

/// Another connection to a cache this process has just opened with [`open_reporting`]
/// (checked, set aside if damaged, migrated): the console's alert engine and outbox use
/// their own connections, and checking the file once is enough.
pub fn open_again(data_dir: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        data_dir.join(DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    configure(&conn)?;
    Ok(conn)
}

/// A cache opened by [`open_read_only`]: a connection that cannot write, with the shared
/// open lock it may need held for as long as it lives. Use it as a `Connection`.
#[derive(Debug)]
pub struct ReadOnly {
    conn: Connection,
    _lock: Option<std::fs::File>,
}

impl std::ops::Deref for ReadOnly {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.conn
    }
}

/// Opens the cache in `dir` (a plant's cache folder) for reading only, for commands that
/// must never change it: nothing is created, migrated, renamed or set aside. `Ok(None)`
/// when there is no cache (no file, or one that no console finished creating); a cache
/// from a newer console, or one older than this one reads, is refused; a file that is not
/// a database is an error.
///
/// SQLite opens a WAL database read-only by creating its `-wal` and `-shm` files when they
/// are missing, and leaves them behind. They exist while any connection has the cache open
/// (a console runs), and then a plain read-only connection uses them. When they are
/// missing nobody has the cache open, and it is read as an immutable file instead, under
/// the shared open lock held until the connection closes: a console that starts meanwhile
/// waits for that lock before it opens the cache, so the file cannot change under the
/// reader.
pub fn open_read_only(dir: &Path) -> Result<Option<ReadOnly>, StoreError> {
    let path = dir.join(DB_FILE);
    // The shared lock waits out a writer that is creating or migrating the cache.
    let lock_path = dir.join(LOCK_FILE);
    let lock = match std::fs::File::open(&lock_path) {
        Ok(file) => {
            file.lock_shared().map_err(|source| StoreError::DataDir {
                path: lock_path,
                source,
            })?;
            Some(file)
        }
        Err(_) => None,
    };
    if !path.is_file() {
        return Ok(None);
    }
    let in_use = with_suffix(&path, "-wal").exists() || with_suffix(&path, "-shm").exists();
    let (conn, lock) = if in_use {
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        (conn, None)
    } else {
        let conn = Connection::open_with_flags(
            immutable_uri(&path),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        (conn, lock)
    };
    conn.busy_timeout(Duration::from_secs(5))?;
    let found = user_version(&conn)?;
    let supported = supported_version();
    if found > supported {
        return Err(StoreError::NewerSchema {
            path,
            found,
            supported,
        });
    }
    if found == 0 {
        // A file that no console ever finished creating holds nothing to show.
        return Ok(None);
    }
    if found < supported {
        return Err(StoreError::OlderSchema {
            path,
            found,
            supported,
        });
    }
    Ok(Some(ReadOnly { conn, _lock: lock }))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `file:` URI of `path` opened as an immutable file, every byte outside the unreserved
/// set percent-encoded (a path may hold `?`, `#` or `%`).
fn immutable_uri(path: &Path) -> String {
    // A relative path would be read against the URI's root, not the current folder.
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let text = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file:");
    if !text.starts_with('/') {
        // A Windows path (C:/…) is written as an absolute URI path.
        uri.push('/');
    }
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                uri.push(char::from(byte));
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Unix seconds `at` as `YYYY-MM-DD HH:MM:SS UTC`, for messages that name a moment
/// without depending on this machine's time zone.
pub(crate) fn utc_text(at: f64) -> String {
    let secs = at.max(0.0).floor() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = recovery::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The `meta` key holding the audit chain's last sequence number.
pub(crate) const AUDIT_HEAD: &str = "audit_head";

/// Writes one `meta` value (inside the caller's transaction, if any).
pub(crate) fn set_meta(conn: &Connection, key: &str, value: f64) -> Result<(), StoreError> {
    meta::put(conn, key, value)
}

/// Reads one `meta` value.
pub(crate) fn get_meta(conn: &Connection, key: &str) -> Result<Option<f64>, StoreError> {
    meta::get(conn, key)
}

/// Everything the cache knows, as read at start-up or by `plant-console state`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StoredState {
    pub devices: Vec<DeviceEntry>,
    pub relays: Vec<RelayEntry>,
    pub system_stats: Option<StatsEntry>,
    pub last_contact: Option<UnixSeconds>,
}

/// Reads the whole last-known state.
pub fn load_state(conn: &Connection) -> Result<StoredState, StoreError> {
    Ok(StoredState {
        devices: devices::all(conn)?,
        relays: relays::all(conn)?,
        system_stats: stats::get(conn)?,
        last_contact: meta::get(conn, meta::LAST_CONTACT)?,
    })
}

/// Changes waiting for the writer, merged so that only the latest value of each row is
/// written: `None` marks a removal.
#[derive(Debug, Default)]
pub struct PendingWrites {
    devices: HashMap<String, Option<DeviceEntry>>,
    relays: HashMap<String, Option<RelayEntry>>,
    stats: Option<StatsEntry>,
    last_contact: Option<UnixSeconds>,
    /// History samples, journal entries and link gaps: kept, not merged.
    recorded: record::Recorded,
    /// The number of the last plant message these writes include, for a benchmark's
    /// the console's `Progress`; 0 when nobody counts.
    through: u64,
}

impl PendingWrites {
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
            && self.relays.is_empty()
            && self.stats.is_none()
            && self.last_contact.is_none()
            && self.recorded.is_empty()
    }

    /// Merges one state change into the last-known rows and takes its history sample
    /// (at most one per device per second); see [`PendingWrites::record`] for the journal.
    pub fn push(&mut self, change: &Change) {
        self.recorded.sample(change);
        match change {
            Change::Device { after, .. } => {
                self.devices
                    .insert(after.device.id.clone(), Some(after.clone()));
            }
            Change::DeviceRemoved(device) => {
                self.devices.insert(device.id.clone(), None);
            }
            Change::Relay { after, .. } => {
                self.relays
                    .insert(after.relay.id.clone(), Some(after.clone()));
            }
            Change::RelayRemoved(relay) => {
                self.relays.insert(relay.id.clone(), None);
            }
            Change::Stats(entry) => self.stats = Some(entry.clone()),
            Change::Readability { .. } => {}
        }
    }

    /// Notes that these writes include everything of plant message `seq` (counted by the
    /// runtime), so that the writer can report it committed.
    pub(crate) fn include_message(&mut self, seq: u64) {
        self.through = self.through.max(seq);
    }

    /// Records that the plant was heard from at `at`.
    pub fn contact(&mut self, at: UnixSeconds) {
        self.last_contact = Some(at);
    }

    /// As [`PendingWrites::push`], and journals the change if it deserves an entry. `at`
    /// is when the update that made it arrived; `appearances` says whether new devices
    /// and relays are news (see [`Appearances`]).
    pub fn record(&mut self, change: &Change, at: UnixSeconds, appearances: Appearances) {
        self.push(change);
        self.recorded.journal_change(change, at, appearances);
    }

    /// Like [`PendingWrites::record`], but the journal entry goes through `allow` (the
    /// caller's cap: at most so many rows per device or relay a minute, given the entry's
    /// subject and time); true when an entry was left out. The cap is a closure so that
    /// the store needs nothing of the `bounds` that keep it.
    pub fn record_capped(
        &mut self,
        change: &Change,
        at: UnixSeconds,
        appearances: Appearances,
        mut allow: impl FnMut(&str, UnixSeconds) -> bool,
    ) -> bool {
        self.push(change);
        match journal::describe_change(change, at, appearances) {
            Some(entry) if allow(&entry.subject, entry.at) => {
                self.recorded.journal(entry);
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Adds a journal entry that comes from no state change.
    pub fn journal(&mut self, entry: NewJournalEntry) {
        self.recorded.journal(entry);
    }

    /// The console starts at `at` with its link connecting: opens a link gap from the
    /// last contact the cache remembers (or from `at`).
    pub fn link_started(&mut self, at: UnixSeconds, last_contact: Option<UnixSeconds>) {
        self.recorded.link_started(at, last_contact);
    }

    /// The link's state went from `from` to `to`: journals a mode change and opens or
    /// closes a gap. `last_data` is when the last plant message was applied; it dates
    /// the start of an interruption that the watched state did not show.
    pub fn link_changed(
        &mut self,
        from: &LinkState,
        to: &LinkState,
        last_data: Option<UnixSeconds>,
    ) {
        self.recorded.link_changed(from, to, last_data);
    }

    /// Merges writes that came later into these (which the writer could not save yet):
    /// the latest value of each row wins, the recorded past is appended.
    fn merge(&mut self, later: PendingWrites) {
        self.devices.extend(later.devices);
        self.relays.extend(later.relays);
        if later.stats.is_some() {
            self.stats = later.stats;
        }
        if later.last_contact.is_some() {
            self.last_contact = later.last_contact;
        }
        self.recorded.merge(later.recorded);
        self.through = self.through.max(later.through);
    }

    #[cfg(test)]
    fn write(&self, conn: &mut Connection) -> Result<(), StoreError> {
        self.write_noting(conn, None)
    }

    /// Writes everything in one transaction, with `note` (the journal entry that records
    /// a stretch of failed writes) in the same one.
    fn write_noting(
        &self,
        conn: &mut Connection,
        note: Option<&NewJournalEntry>,
    ) -> Result<(), StoreError> {
        let tx = conn.transaction()?;
        if let Some(note) = note {
            journal::insert(&tx, note)?;
        }
        for (id, entry) in &self.devices {
            match entry {
                Some(entry) => devices::upsert(&tx, entry)?,
                None => devices::remove(&tx, id)?,
            }
        }
        for (id, entry) in &self.relays {
            match entry {
                Some(entry) => relays::upsert(&tx, entry)?,
                None => relays::remove(&tx, id)?,
            }
        }
        if let Some(entry) = &self.stats {
            stats::put(&tx, entry)?;
        }
        if let Some(at) = self.last_contact {
            meta::put(&tx, meta::LAST_CONTACT, at)?;
        }
        self.recorded.write(&tx)?;
        tx.commit()?;
        Ok(())
    }
}

/// Whether the cache is keeping up, for the window ("cache not saved since HH:MM") and
/// the log.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CacheStatus {
    /// While writes fail: when the cache was last saved (or, if never in this run, when
    /// the first write failed). `None` while writes succeed.
    pub unsaved_since: Option<UnixSeconds>,
    /// Why the last write failed, while they fail.
    pub problem: Option<String>,
}

/// How often the writer tries again to save writes that failed (a full disk), when no
/// new write comes to try with.
const RETRY_EVERY: Duration = Duration::from_secs(2);

/// History samples kept in memory while the cache cannot be saved; past it, the held
/// samples are thinned (every other one of each device goes, the newest stays), so a disk
/// full for hours costs bounded memory. The last-known state and the journal are kept
/// whole; the journal entry written when saving resumes says how many samples went.
const MAX_UNSAVED_SAMPLES: usize = 1_000_000;

/// The writer's account of writes it could not save yet.
struct Unsaved {
    held: PendingWrites,
    /// When the cache was last saved (or the first write failed).
    since: UnixSeconds,
    failed_at: UnixSeconds,
    attempts: u64,
    samples_dropped: usize,
    problem: String,
}

enum WriterMsg {
    /// Boxed: pending writes are large, and the channel's slot is as large as its
    /// largest message.
    Write(Box<PendingWrites>),
    Flush(mpsc::Sender<()>),
}

/// The store's single writer: a thread that owns the write connection.
///
/// A thread rather than a task because rusqlite blocks; the one-slot channel is what
/// makes callers coalesce while a transaction is in progress.
pub struct StoreWriter {
    tx: Option<SyncSender<WriterMsg>>,
    thread: Option<JoinHandle<()>>,
    /// Woken each time the writer has finished a write and can take the next one.
    idle: Arc<tokio::sync::Notify>,
    status: tokio::sync::watch::Receiver<CacheStatus>,
}

impl StoreWriter {
    /// A writer that keeps history for [`DEFAULT_HISTORY_RETENTION`].
    pub fn spawn(conn: Connection) -> Self {
        Self::spawn_with_retention(conn, DEFAULT_HISTORY_RETENTION)
    }

    /// A writer that also deletes history and journal entries older than `retention`
    /// and thins old samples, at most once a minute.
    pub fn spawn_with_retention(conn: Connection, retention: Duration) -> Self {
        Self::spawn_observed(conn, retention, None)
    }

    /// As [`StoreWriter::spawn_with_retention`]; `committed` is called on the writer's
    /// thread after each commit with the last plant message it included (see
    /// [`PendingWrites::include_message`]), for a benchmark's progress probe.
    pub(crate) fn spawn_observed(
        conn: Connection,
        retention: Duration,
        committed: Option<Box<dyn Fn(u64) + Send>>,
    ) -> Self {
        let (tx, rx) = mpsc::sync_channel(1);
        let idle = Arc::new(tokio::sync::Notify::new());
        let writer_idle = idle.clone();
        let (status_tx, status) = tokio::sync::watch::channel(CacheStatus::default());
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || {
                writer_loop(
                    conn,
                    rx,
                    WriterHooks {
                        retention,
                        committed,
                        idle: writer_idle,
                        status: status_tx,
                        clock: Box::new(plant_link::clock::unix_now),
                    },
                )
            })
            .expect("the store writer thread starts");
        StoreWriter {
            tx: Some(tx),
            thread: Some(thread),
            idle,
            status,
        }
    }

    /// Whether the cache keeps up with the console's writes.
    pub fn status(&self) -> tokio::sync::watch::Receiver<CacheStatus> {
        self.status.clone()
    }

    /// Waits until the cache's status changes and returns it; never returns once the
    /// writer has stopped.
    pub(crate) async fn status_changed(&mut self) -> CacheStatus {
        if self.status.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
        self.status.borrow_and_update().clone()
    }

    /// Notified whenever the writer finishes a write: a caller holding writes that
    /// [`StoreWriter::offer`] gave back offers them again then, instead of waiting for
    /// its next change (which may be seconds away).
    pub(crate) fn idle(&self) -> Arc<tokio::sync::Notify> {
        self.idle.clone()
    }

    /// Hands `pending` to the writer if it is free; otherwise leaves it with the caller
    /// to keep merging. Never blocks.
    pub fn offer(&self, pending: &mut PendingWrites) -> Result<(), StoreError> {
        if pending.is_empty() {
            return Ok(());
        }
        let sender = self.tx.as_ref().ok_or(StoreError::WriterGone)?;
        match sender.try_send(WriterMsg::Write(Box::new(std::mem::take(pending)))) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(WriterMsg::Write(back))) => {
                *pending = *back;
                Ok(())
            }
            Err(TrySendError::Full(WriterMsg::Flush(_))) => unreachable!("offer only sends writes"),
            Err(TrySendError::Disconnected(_)) => Err(StoreError::WriterGone),
        }
    }

    /// Writes `pending` and waits until everything handed over so far is committed.
    pub fn flush(&self, pending: PendingWrites) -> Result<(), StoreError> {
        let sender = self.tx.as_ref().ok_or(StoreError::WriterGone)?;
        if !pending.is_empty() {
            sender
                .send(WriterMsg::Write(Box::new(pending)))
                .map_err(|_| StoreError::WriterGone)?;
        }
        let (done_tx, done_rx) = mpsc::channel();
        sender
            .send(WriterMsg::Flush(done_tx))
            .map_err(|_| StoreError::WriterGone)?;
        done_rx.recv().map_err(|_| StoreError::WriterGone)
    }

    /// Flushes and stops the writer, closing the database. Writes that still cannot be
    /// saved (the disk is still full) are lost then, and said so.
    pub fn close(mut self, pending: PendingWrites) -> Result<(), StoreError> {
        let mut result = self.flush(pending);
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let (Ok(()), Some(problem)) = (&result, self.status.borrow().problem.clone()) {
            result = Err(StoreError::Unsaved(problem));
        }
        result
    }
}

impl Drop for StoreWriter {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Rows written after which the checkpointer is woken: SQLite's own automatic checkpoint
/// comes after 1000 pages, and counting rows instead overcounts pages, so the WAL stays
/// at most about as large as it would.
const CHECKPOINT_AFTER_ROWS: u64 = 1000;

/// A transaction that took at least this long is followed by a rest as long as itself
/// (see `writer_loop`).
const REST_AFTER: Duration = Duration::from_millis(2);

/// The longest rest, so that a flush or close never waits long behind one.
const MAX_REST: Duration = Duration::from_millis(100);

/// A WAL with anything in it is checkpointed at least this often, so a quiet plant's few
/// writes reach the database file too.
const CHECKPOINT_AT_LEAST_EVERY: Duration = Duration::from_secs(60);

/// Copies the WAL into the database file on a thread and connection of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, and a
/// checkpoint ends with fsyncs: every few hundred updates one commit took milliseconds
/// longer and every update behind it waited (the latency benchmark's p99). A passive
/// checkpoint from another connection runs beside the writer's commits instead.
struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// `None` when the database has no file (in memory) or a second connection fails;
    /// the writer then keeps SQLite's automatic checkpoints.
    fn spawn(conn: &Connection) -> Option<Checkpointer> {
        let path = conn.path().filter(|p| !p.is_empty())?.to_owned();
        let own = Connection::open(&path).ok()?;
        own.busy_timeout(Duration::from_secs(5)).ok()?;
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("store-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    if let Err(error) =
                        own.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        // The next wake tries again; until then the WAL just grows a little.
                        tracing::warn!(%error, "store checkpoint failed");
                    }
                }
            })
            .ok()?;
        Some(Checkpointer {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Asks for a checkpoint; one already asked for covers this one too.
    fn wake(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Its connection closes first, so that the writer's is the last one and its close
        // checkpoints and removes the WAL as before.
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The WAL's size past which the writer truncates it itself.
const WAL_LIMIT_BYTES: u64 = 64 * 1024 * 1024;

/// A passive checkpoint copies the WAL into the database but never starts the WAL over
/// while the writer keeps appending to it: under a steady stream of updates the WAL grew by
/// a gigabyte a minute. Past `limit` ([`WAL_LIMIT_BYTES`]) the writer, between two of its own
/// transactions, checkpoints what is left (little: the checkpointer has copied most of
/// it) and truncates the file. It may wait for a reader to finish; that costs the writer
/// a few milliseconds once per tens of megabytes written.
fn truncate_wal_if_large(conn: &Connection, wal: &Path, limit: u64) {
    if std::fs::metadata(wal).map_or(true, |m| m.len() < limit) {
        return;
    }
    match conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
        row.get::<_, i64>(0)
    }) {
        Ok(0) => tracing::debug!("WAL truncated"),
        // Busy: a reader held on past the busy timeout; the next write tries again.
        Ok(_) => tracing::debug!("WAL not truncated: busy"),
        Err(error) => tracing::warn!(%error, "WAL truncation failed"),
    }
}

/// What the writer thread reports to, and reads the time from.
struct WriterHooks {
    retention: Duration,
    committed: Option<Box<dyn Fn(u64) + Send>>,
    idle: Arc<tokio::sync::Notify>,
    status: tokio::sync::watch::Sender<CacheStatus>,
    /// Unix seconds; a test's clock in tests.
    clock: Box<dyn Fn() -> UnixSeconds + Send>,
}

/// Writes `batch`, together with writes held from failed attempts. A failed write is
/// kept and tried again (with the next write, or after [`RETRY_EVERY`]), never dropped:
/// the cache is the console's record of the past (history, journal), which the next
/// snapshot does not restore. When a write succeeds after failures, the same transaction
/// journals the stretch during which nothing could be saved.
fn save(
    conn: &mut Connection,
    batch: Option<PendingWrites>,
    unsaved: &mut Option<Unsaved>,
    last_saved: &mut Option<UnixSeconds>,
    hooks: &WriterHooks,
) {
    let mut batch = match (unsaved.as_mut(), batch) {
        (Some(failed), Some(batch)) => {
            failed.held.merge(batch);
            std::mem::take(&mut failed.held)
        }
        (Some(failed), None) => std::mem::take(&mut failed.held),
        (None, Some(batch)) => batch,
        (None, None) => return,
    };
    let now = (hooks.clock)();
    let note = unsaved.as_ref().map(|failed| unsaved_note(failed, now));
    match batch.write_noting(conn, note.as_ref()) {
        Ok(()) => {
            *last_saved = Some(now);
            if let Some(failed) = unsaved.take() {
                tracing::info!(
                    since = failed.since,
                    attempts = failed.attempts,
                    "the cache is saved again; the writes held meanwhile are in it"
                );
                hooks.status.send_replace(CacheStatus::default());
            }
            if let (Some(committed), 1..) = (&hooks.committed, batch.through) {
                committed(batch.through);
            }
        }
        Err(error) => {
            let problem = error.to_string();
            let failed = unsaved.get_or_insert_with(|| {
                // The first failure is an error for the log; the retries are not news.
                tracing::error!(%error, "store write failed; the writes are kept and retried");
                Unsaved {
                    held: PendingWrites::default(),
                    since: last_saved.unwrap_or(now),
                    failed_at: now,
                    attempts: 0,
                    samples_dropped: 0,
                    problem: problem.clone(),
                }
            });
            failed.attempts += 1;
            failed.samples_dropped += batch.recorded.shed_samples(MAX_UNSAVED_SAMPLES);
            failed.held = batch;
            if failed.problem != problem || failed.attempts == 1 {
                failed.problem = problem.clone();
                hooks.status.send_replace(CacheStatus {
                    unsaved_since: Some(failed.since),
                    problem: Some(problem),
                });
            }
        }
    }
}

/// The journal entry that records a stretch of failed writes, written with the writes
/// that end it.
fn unsaved_note(failed: &Unsaved, now: UnixSeconds) -> NewJournalEntry {
    let dropped = match failed.samples_dropped {
        0 => "nothing was lost".to_owned(),
        n => format!("{n} history samples were thinned out to stay within memory"),
    };
    NewJournalEntry {
        at: now,
        kind: journal::kind::CACHE.into(),
        subject: "cache".into(),
        text: format!(
            "The cache could not be saved from {} to {} ({}); the changes were kept and are saved now, {dropped}",
            utc_text(failed.since),
            utc_text(now),
            failed.problem,
        ),
        data: serde_json::json!({
            "unsaved_since": failed.since,
            "first_failure": failed.failed_at,
            "saved_at": now,
            "attempts": failed.attempts,
            "samples_dropped": failed.samples_dropped,
            "problem": failed.problem,
        }),
    }
}

fn writer_loop(mut conn: Connection, rx: Receiver<WriterMsg>, hooks: WriterHooks) {
    let retention = hooks.retention;
    let checkpointer = Checkpointer::spawn(&conn);
    if checkpointer.is_some() {
        if let Err(error) = conn.pragma_update(None, "wal_autocheckpoint", 0) {
            tracing::warn!(%error, "cannot turn SQLite's automatic checkpoint off");
        }
    }
    let mut checkpointed_rows = conn.total_changes();
    let wal = conn
        .path()
        .map(|path| PathBuf::from(format!("{path}-wal")))
        .unwrap_or_default();
    let mut checkpointed_at = Instant::now();
    // The first run waits a minute too: at start-up the first snapshots matter more.
    let mut maintain_at = Instant::now() + retention::RUN_EVERY;
    let mut unsaved: Option<Unsaved> = None;
    let mut last_saved: Option<UnixSeconds> = None;
    let mut retry_at = Instant::now();
    loop {
        let wake_at = match &unsaved {
            Some(_) => maintain_at.min(retry_at),
            None => maintain_at,
        };
        match rx.recv_timeout(wake_at.saturating_duration_since(Instant::now())) {
            Ok(WriterMsg::Write(pending)) => {
                let began = Instant::now();
                save(
                    &mut conn,
                    Some(*pending),
                    &mut unsaved,
                    &mut last_saved,
                    &hooks,
                );
                retry_at = Instant::now() + RETRY_EVERY;
                // Under a flood of updates the writer would commit back to back and take
                // a whole core from the live path (link, state, window). Resting as long
                // as a long transaction took caps it at about half a core, and the next
                // transaction, holding everything merged meanwhile, covers more updates
                // for about the same work. Ordinary transactions are short and rest not
                // at all, so they add no latency.
                let took = began.elapsed();
                if took >= REST_AFTER {
                    std::thread::sleep(took.min(MAX_REST));
                }
                hooks.idle.notify_one();
            }
            Ok(WriterMsg::Flush(done)) => {
                // A flush (and the close after it) tries what is held once more.
                save(&mut conn, None, &mut unsaved, &mut last_saved, &hooks);
                let _ = done.send(());
            }
            Err(RecvTimeoutError::Timeout) => {
                if unsaved.is_some() && Instant::now() >= retry_at {
                    save(&mut conn, None, &mut unsaved, &mut last_saved, &hooks);
                    retry_at = Instant::now() + RETRY_EVERY;
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if let Some(checkpointer) = &checkpointer {
            let rows = conn.total_changes();
            let written = rows.saturating_sub(checkpointed_rows);
            if written >= CHECKPOINT_AFTER_ROWS
                || (written > 0 && checkpointed_at.elapsed() >= CHECKPOINT_AT_LEAST_EVERY)
            {
                checkpointer.wake();
                checkpointed_rows = rows;
                checkpointed_at = Instant::now();
            }
            truncate_wal_if_large(&conn, &wal, WAL_LIMIT_BYTES);
        }
        if Instant::now() >= maintain_at {
            let now = (hooks.clock)();
            match retention::run(&mut conn, now, retention, retention::RUN_BUDGET) {
                Ok(report) => tracing::debug!(?report, "store maintenance"),
                // Old rows staying a little longer harm nobody; the next run tries again.
                Err(error) => tracing::error!(%error, "store maintenance failed"),
            }
            maintain_at = Instant::now() + retention::RUN_EVERY;
        }
    }
    if let Some(failed) = unsaved {
        tracing::error!(
            since = failed.since,
            problem = %failed.problem,
            "the console stops with changes the cache could not save; they are lost"
        );
    }
}

/// Takes the data folder's migration lock (`LOCK_FILE`), held until the file is dropped:
/// opening, migrating and adopting a cache happen under it, one program at a time.
pub(super) fn lock_data_dir(data_dir: &Path) -> Result<std::fs::File, StoreError> {
    let lock_path = data_dir.join(LOCK_FILE);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| StoreError::DataDir {
            path: lock_path.clone(),
            source,
        })?;
    lock.lock().map_err(|source| StoreError::DataDir {
        path: lock_path,
        source,
    })?;
    Ok(lock)
}

#[cfg(test)]
mod tests {
    use super::*;
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
                extra: Map::from_iter([("firmware".to_owned(), "2.4.1".into())]),
            }),
            received_at: 200.0,
            unreadable: Default::default(),
            quality: Default::default(),
        }
    }

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
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
}
