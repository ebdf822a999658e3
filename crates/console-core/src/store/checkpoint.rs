//! Keeping the WAL small: a checkpointer thread beside the writer, and the writer's own
//! truncation of a WAL past its limit.

use std::path::Path;
use std::sync::mpsc::{self, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

/// Rows written after which the checkpointer is woken: SQLite's own automatic checkpoint
/// comes after 1000 pages, and counting rows instead overcounts pages, so the WAL stays
/// at most about as large as it would.
pub(super) const CHECKPOINT_AFTER_ROWS: u64 = 1000;

/// A WAL with anything in it is checkpointed at least this often, so a quiet plant's few
/// writes reach the database file too.
pub(super) const CHECKPOINT_AT_LEAST_EVERY: Duration = Duration::from_secs(60);

/// Copies the WAL into the database file on a thread and connection of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, and a
/// checkpoint ends with fsyncs: every few hundred updates one commit took milliseconds
/// longer and every update behind it waited (the latency benchmark's p99). A passive
/// checkpoint from another connection runs beside the writer's commits instead.
pub(super) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// `None` when the database has no file (in memory) or a second connection fails;
    /// the writer then keeps SQLite's automatic checkpoints.
    pub(super) fn spawn(conn: &Connection) -> Option<Checkpointer> {
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
    pub(super) fn wake(&self) {
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
pub(super) const WAL_LIMIT_BYTES: u64 = 64 * 1024 * 1024;

/// A passive checkpoint copies the WAL into the database but never starts the WAL over
/// while the writer keeps appending to it: under a steady stream of updates the WAL grew by
/// a gigabyte a minute. Past `limit` ([`WAL_LIMIT_BYTES`]) the writer, between two of its own
/// transactions, checkpoints what is left (little: the checkpointer has copied most of
/// it) and truncates the file. It may wait for a reader to finish; that costs the writer
/// a few milliseconds once per tens of megabytes written.
pub(super) fn truncate_wal_if_large(conn: &Connection, wal: &Path, limit: u64) {
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
