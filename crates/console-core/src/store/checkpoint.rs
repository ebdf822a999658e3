//! Keeping the WAL small: a checkpointer thread beside the writer, the writer's own
//! restart of the WAL, and its truncation of a WAL past its limit as the last resort.

use std::cell::Cell;
use std::ffi::c_int;
use std::path::Path;
use std::sync::mpsc::{self, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::hooks::Wal;
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

/// Frames (pages) in the WAL past which the writer makes it start over: 8 MiB at SQLite's
/// 4 KiB pages, a few seconds of a plant sending 1 000 updates a second.
pub(super) const RESTART_AFTER_FRAMES: u32 = 2048;

/// When a reader kept the writer from starting the WAL over, it tries again after this many
/// more frames rather than after every transaction.
const RESTART_RETRY_FRAMES: u32 = 256;

/// `journal_size_limit`: a WAL file that did grow past this (a reader held it for long) is
/// cut back to it the next time the WAL starts over, so the file does not keep its largest
/// size for ever.
pub(super) const WAL_FILE_LIMIT_BYTES: i64 = 16 * 1024 * 1024;

thread_local! {
    /// Frames in the WAL after the writer thread's last commit, as SQLite's WAL hook says.
    /// Thread-local because the hook is a plain function and only the writer thread's own
    /// connection installs it.
    static WAL_FRAMES: Cell<u32> = const { Cell::new(0) };
}

fn note_wal_frames(_: &Wal, frames: c_int) -> rusqlite::Result<()> {
    WAL_FRAMES.set(u32::try_from(frames).unwrap_or(0));
    Ok(())
}

/// Starts the WAL over without stalling the writer.
///
/// A passive checkpoint copies the WAL into the database, but SQLite starts the WAL over
/// only when a write transaction begins on a WAL that is copied to its end, and under a
/// steady stream of updates the writer always appended again before the checkpointer
/// finished: the WAL grew without end. Truncating it from the writer past 64 MiB bounded it,
/// but each truncation held the writer for tens of milliseconds (checkpoint, `ftruncate` of
/// a large file, syncs) and every update behind it waited: the latency benchmark's max.
///
/// Instead, once the WAL holds [`RESTART_AFTER_FRAMES`], the writer runs a passive
/// checkpoint itself between two transactions. The checkpointer thread has already copied
/// almost all of it, so this copies only the last few frames; then the WAL is copied to its
/// end and the writer's next transaction starts it over from its first frame, reusing the
/// file instead of growing or truncating it.
pub(super) struct WalRestarter {
    restart_after: u32,
    next_at: u32,
}

impl WalRestarter {
    /// Installs the WAL hook on the writer's connection. Call it after setting
    /// `wal_autocheckpoint`, which replaces the hook.
    pub(super) fn install(conn: &Connection, restart_after: u32) -> WalRestarter {
        conn.wal_hook(Some(note_wal_frames));
        if let Err(error) = conn.pragma_update(None, "journal_size_limit", WAL_FILE_LIMIT_BYTES) {
            tracing::warn!(%error, "cannot set the WAL's size limit");
        }
        WalRestarter {
            restart_after,
            next_at: restart_after,
        }
    }

    /// Called by the writer between transactions.
    pub(super) fn after_commit(&mut self, conn: &Connection) {
        let frames = WAL_FRAMES.get();
        if frames < self.restart_after {
            // The WAL started over since the last try.
            self.next_at = self.restart_after;
            return;
        }
        if frames < self.next_at {
            return;
        }
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
        }) {
            Ok((log, copied)) if log == copied => {
                tracing::trace!(
                    frames = log,
                    "WAL copied to its end: the next write starts it over"
                );
                self.next_at = self.restart_after;
            }
            Ok((log, copied)) => {
                // A reader still reads frames the checkpoint may not overwrite yet.
                tracing::debug!(
                    frames = log,
                    copied,
                    "WAL not copied to its end: a reader holds it"
                );
                self.next_at = frames.saturating_add(RESTART_RETRY_FRAMES);
            }
            Err(error) => {
                tracing::warn!(%error, "WAL checkpoint by the writer failed");
                self.next_at = frames.saturating_add(RESTART_RETRY_FRAMES);
            }
        }
    }
}

/// The WAL's size past which the writer truncates it itself: the last resort, when readers
/// kept [`WalRestarter`] from starting the WAL over for a long time.
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
