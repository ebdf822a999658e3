//! The console's SQLite cache: schema, connection set-up and the batched write path.
//!
//! SQL lives only in the per-table modules below; this module owns the migration list,
//! the per-connection PRAGMAs and the writer thread. Writes are coalesced while the
//! writer is busy, so a burst from the plant costs at most one row per device per
//! transaction and never makes the link wait for the disk. History keeps at most one
//! sample per device per second (`record.rs`); maintenance thins it (`retention.rs`).

pub(crate) mod alerts;
pub(crate) mod audit;
mod devices;
mod gaps;
mod history;
mod journal;
mod meta;
pub(crate) mod outbox;
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

use crate::link::LinkState;
use crate::state::{Change, DeviceEntry, RelayEntry, StatsEntry};

pub use gaps::{gaps, Gap};
pub use history::{device_history, stats_history, StatsSample};
pub use journal::{
    append_journal, journal, journal_of_kind, kind as journal_kind, Appearances, JournalEntry,
    NewJournalEntry,
};
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
    let path = data_dir.join(DB_FILE);
    match open_file(&path) {
        Ok(conn) => Ok(Opened {
            conn,
            recovered_from: None,
        }),
        Err(error) if recovery::is_corruption(&error) => {
            tracing::warn!(path = %path.display(), %error, "the cache is damaged; setting it aside");
            let kept = recovery::set_aside(&path, crate::link::unix_now())?;
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

/// Opens the cache for reading only, for commands that must never change it. A folder
/// without a cache reads as empty.
pub fn open_read_only(data_dir: &Path) -> Result<Option<Connection>, StoreError> {
    let path = data_dir.join(DB_FILE);
    // The shared lock waits out a writer that is creating or migrating the cache.
    let lock_path = data_dir.join(LOCK_FILE);
    let _lock = match std::fs::File::open(&lock_path) {
        Ok(file) => {
            file.lock_shared().map_err(|source| StoreError::DataDir {
                path: lock_path,
                source,
            })?;
            Some(file)
        }
        Err(_) => None,
    };
    if !path.exists() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
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
    Ok(Some(conn))
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
    /// [`crate::console::Progress`]; 0 when nobody counts.
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

    fn write(self, conn: &mut Connection) -> Result<(), StoreError> {
        let tx = conn.transaction()?;
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
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer_loop(conn, rx, retention, committed, writer_idle))
            .expect("the store writer thread starts");
        StoreWriter {
            tx: Some(tx),
            thread: Some(thread),
            idle,
        }
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

    /// Flushes and stops the writer, closing the database.
    pub fn close(mut self, pending: PendingWrites) -> Result<(), StoreError> {
        let result = self.flush(pending);
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
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

fn writer_loop(
    mut conn: Connection,
    rx: Receiver<WriterMsg>,
    retention: Duration,
    committed: Option<Box<dyn Fn(u64) + Send>>,
    idle: Arc<tokio::sync::Notify>,
) {
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
    loop {
        match rx.recv_timeout(maintain_at.saturating_duration_since(Instant::now())) {
            Ok(WriterMsg::Write(pending)) => {
                let through = pending.through;
                let began = Instant::now();
                match pending.write(&mut conn) {
                    Ok(()) => {
                        if let (Some(committed), 1..) = (&committed, through) {
                            committed(through);
                        }
                    }
                    // The cache is a copy of the plant's state: a failed write is logged
                    // and the next snapshot rewrites it, rather than stopping the console.
                    Err(error) => tracing::error!(%error, "store write failed"),
                }
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
                idle.notify_one();
            }
            Ok(WriterMsg::Flush(done)) => {
                let _ = done.send(());
            }
            Err(RecvTimeoutError::Timeout) => {}
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
            let now = crate::link::unix_now();
            match retention::run(&mut conn, now, retention, retention::RUN_BUDGET) {
                Ok(report) => tracing::debug!(?report, "store maintenance"),
                // Old rows staying a little longer harm nobody; the next run tries again.
                Err(error) => tracing::error!(%error, "store maintenance failed"),
            }
            maintain_at = Instant::now() + retention::RUN_EVERY;
        }
    }
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
        }));
        pending.contact(151.0);
        writer.close(pending).unwrap();

        let state = load_state(&open(dir.path()).unwrap()).unwrap();
        assert_eq!(state.devices, vec![device("a", 1.0)]);
        assert_eq!(state.system_stats.unwrap().stats.clients, 2);
        assert_eq!(state.last_contact, Some(151.0));
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
