//! Keeping the WAL small: a checkpointer thread beside the writer, the WAL started over
//! once that thread has caught up, and its truncation past its limit as the last resort.

use std::cell::Cell;
use std::ffi::c_int;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::hooks::Wal;
use rusqlite::Connection;

/// Rows written after which the checkpointer is woken: SQLite's own automatic checkpoint
/// comes after 1000 pages, and counting rows instead overcounts pages, so the WAL stays
/// at most about as large as it would.
const CHECKPOINT_AFTER_ROWS: u64 = 1000;

/// A WAL with anything in it is checkpointed at least this often, so a quiet plant's few
/// writes reach the database file too.
const CHECKPOINT_AT_LEAST_EVERY: Duration = Duration::from_secs(60);

/// Copies the WAL into the database file on a thread and connection of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, and a
/// checkpoint ends with fsyncs: every few hundred updates one commit took milliseconds
/// longer and every update behind it waited (the latency benchmark's p99). A passive
/// checkpoint from another connection runs beside the writer's commits instead.
pub(super) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    /// Checkpoints begun and finished, for [`WalKeeper`] to know when one that began after
    /// its request is over.
    counts: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    begun: AtomicU64,
    finished: AtomicU64,
}

impl Checkpointer {
    /// `None` when the database has no file (in memory) or a second connection fails;
    /// the writer then keeps SQLite's automatic checkpoints.
    pub(super) fn spawn(conn: &Connection) -> Option<Checkpointer> {
        let path = conn.path().filter(|p| !p.is_empty())?.to_owned();
        let own = Connection::open(&path).ok()?;
        own.busy_timeout(Duration::from_secs(5)).ok()?;
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        let counts = Arc::new(Counts::default());
        let thread_counts = counts.clone();
        let thread = std::thread::Builder::new()
            .name("store-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    // Counted before it begins, so that a request that reads the count
                    // before this knows this checkpoint copies what it committed.
                    thread_counts.begun.fetch_add(1, Ordering::SeqCst);
                    if let Err(error) =
                        own.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        // The next wake tries again; until then the WAL just grows a little.
                        tracing::warn!(%error, "store checkpoint failed");
                    }
                    thread_counts.finished.fetch_add(1, Ordering::SeqCst);
                }
            })
            .ok()?;
        Some(Checkpointer {
            wake: Some(wake),
            thread: Some(thread),
            counts,
        })
    }

    /// Asks for a checkpoint; one already asked for covers this one too.
    pub(super) fn wake(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.try_send(());
        }
    }

    /// Asks for a checkpoint that begins after everything committed so far, and returns
    /// the count of finished checkpoints at which it is over.
    fn request(&self) -> u64 {
        // Any checkpoint counted after this read begins its copy after it. The one asked
        // for now is at most the next: one waiting in the channel's slot has not begun.
        let next = self.counts.begun.load(Ordering::SeqCst) + 1;
        self.wake();
        next
    }

    fn finished(&self) -> u64 {
        self.counts.finished.load(Ordering::SeqCst)
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

/// Frames (pages) in the WAL past which the writer makes it start over: 16 MiB at SQLite's
/// 4 KiB pages, about a second and a half of a plant sending 1 000 updates a second. Each
/// start over holds the updates behind it for the writer's copy of the last frames (3 to
/// 5 ms): at 8 MiB, twice as many of them made the latency benchmark's p99 about half as
/// long again (11.3 / 8.9 ms against 7.0 / 5.2 ms, in alternating runs on a loaded machine).
pub(super) const RESTART_AFTER_FRAMES: u32 = 4096;

/// When a reader kept the writer from starting the WAL over, it tries again after this many
/// more frames rather than after every transaction.
const RESTART_RETRY_FRAMES: u32 = 256;

/// `journal_size_limit`: a WAL file that did grow past this (a reader held it for long) is
/// cut back to it the next time the WAL starts over, so the file does not keep its largest
/// size for ever.
pub(super) const WAL_FILE_LIMIT_BYTES: i64 = 32 * 1024 * 1024;

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

/// Keeps the WAL small without stalling the writer: it wakes the checkpointer as rows are
/// written, and has the WAL start over once it holds [`RESTART_AFTER_FRAMES`].
///
/// A passive checkpoint copies the WAL into the database, but SQLite starts the WAL over
/// only when a write transaction begins on a WAL that is copied to its end, and under a
/// steady stream of updates the writer always appended again before the checkpointer
/// finished: the WAL grew without end. Truncating it from the writer past 64 MiB bounded it,
/// but each truncation held the writer for tens of milliseconds (checkpoint, `ftruncate` of
/// a large file, syncs) and every update behind it waited.
///
/// So once the WAL holds [`RESTART_AFTER_FRAMES`], the keeper asks the checkpointer for a
/// checkpoint and lets the writer write on meanwhile. When that checkpoint is over, the
/// writer runs a passive checkpoint itself between two transactions: it copies only the
/// frames written during the checkpointer's, a few transactions' worth, and then the WAL
/// is copied to its end and the writer's next transaction starts it over from its first
/// frame, reusing the file instead of growing or truncating it. The writer checkpointing
/// as soon as the WAL was due, before the checkpointer had caught up, had it copy up to
/// half the WAL itself: 5 to 30 ms twice a second at 1 000 updates a second, which every
/// update behind it waited for (the latency benchmark's p99 of 10 ms and more).
pub(super) struct WalKeeper {
    checkpointer: Checkpointer,
    restart_after: u32,
    phase: Phase,
    /// The writer's rows and the time at the last wake of the checkpointer.
    woken_at_rows: u64,
    woken_at: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The WAL is below its restart size, or a reader kept it from starting over and the
    /// keeper tries again at `retry_at` frames.
    Appending { retry_at: u32 },
    /// The WAL is due to start over; the checkpointer's checkpoint that is over when it
    /// has finished `until` is copying it.
    CatchingUp { until: u64 },
    /// The WAL is copied to its end: the writer's next transaction starts it over. The
    /// checkpointer is not woken meanwhile, so that no read lock of its keeps that from
    /// happening.
    Copied,
}

impl WalKeeper {
    /// Installs the WAL hook on the writer's connection. Call it after setting
    /// `wal_autocheckpoint`, which replaces the hook.
    pub(super) fn install(
        conn: &Connection,
        checkpointer: Checkpointer,
        restart_after: u32,
        now: Instant,
    ) -> WalKeeper {
        conn.wal_hook(Some(note_wal_frames));
        if let Err(error) = conn.pragma_update(None, "journal_size_limit", WAL_FILE_LIMIT_BYTES) {
            tracing::warn!(%error, "cannot set the WAL's size limit");
        }
        WalKeeper {
            checkpointer,
            restart_after,
            phase: Phase::Appending {
                retry_at: restart_after,
            },
            woken_at_rows: conn.total_changes(),
            woken_at: now,
        }
    }

    /// Called by the writer between transactions.
    pub(super) fn after_commit(&mut self, conn: &Connection, now: Instant) {
        let frames = WAL_FRAMES.get();
        let look = Look {
            frames,
            restart_after: self.restart_after,
            finished: self.checkpointer.finished(),
            rows_since_wake: conn.total_changes().saturating_sub(self.woken_at_rows),
            since_wake: now.saturating_duration_since(self.woken_at),
        };
        let (phase, step) = next_step(self.phase, look);
        self.phase = phase;
        match step {
            Step::Nothing => {}
            Step::Wake => {
                self.checkpointer.wake();
                self.woken(conn, now);
            }
            Step::Request => {
                self.phase = Phase::CatchingUp {
                    until: self.checkpointer.request(),
                };
                self.woken(conn, now);
            }
            Step::CopyToEnd => self.phase = self.copy_to_end(conn, frames),
        }
    }

    fn woken(&mut self, conn: &Connection, now: Instant) {
        self.woken_at_rows = conn.total_changes();
        self.woken_at = now;
    }

    /// The writer's own passive checkpoint of what the checkpointer's left.
    fn copy_to_end(&self, conn: &Connection, frames: u32) -> Phase {
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
        }) {
            Ok((log, copied)) if log == copied => {
                tracing::trace!(
                    frames = log,
                    "WAL copied to its end: the next write starts it over"
                );
                return Phase::Copied;
            }
            // A reader still reads frames the checkpoint may not overwrite yet.
            Ok((log, copied)) => tracing::debug!(
                frames = log,
                copied,
                "WAL not copied to its end: a reader holds it"
            ),
            Err(error) => tracing::warn!(%error, "WAL checkpoint by the writer failed"),
        }
        Phase::Appending {
            retry_at: frames.saturating_add(RESTART_RETRY_FRAMES),
        }
    }
}

/// What the keeper sees after a commit.
#[derive(Debug, Clone, Copy)]
struct Look {
    /// Frames in the WAL.
    frames: u32,
    restart_after: u32,
    /// Checkpoints the checkpointer has finished.
    finished: u64,
    rows_since_wake: u64,
    since_wake: Duration,
}

/// What the keeper does after a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Nothing,
    /// Wakes the checkpointer for the rows written.
    Wake,
    /// Asks the checkpointer for a checkpoint to catch up with, before the WAL starts over.
    Request,
    /// The writer's own passive checkpoint of the last few frames.
    CopyToEnd,
}

/// The keeper's decision, as a pure function of its phase and what it sees (so that a
/// table test pins it down).
fn next_step(phase: Phase, look: Look) -> (Phase, Step) {
    let phase = if look.frames < look.restart_after {
        // The WAL started over since the last look (or has not grown to its size yet).
        Phase::Appending {
            retry_at: look.restart_after,
        }
    } else {
        phase
    };
    match phase {
        Phase::Appending { retry_at } if look.frames >= retry_at => (phase, Step::Request),
        Phase::Appending { .. }
            if look.rows_since_wake >= CHECKPOINT_AFTER_ROWS
                || (look.rows_since_wake > 0 && look.since_wake >= CHECKPOINT_AT_LEAST_EVERY) =>
        {
            (phase, Step::Wake)
        }
        Phase::Appending { .. } => (phase, Step::Nothing),
        Phase::CatchingUp { until } if look.finished >= until => (phase, Step::CopyToEnd),
        Phase::CatchingUp { .. } => (phase, Step::Nothing),
        // A transaction since the copy, and the WAL did not start over: a reader (a
        // window's query) held it. Past the frames of a retry, the keeper starts again.
        Phase::Copied => (
            Phase::Appending {
                retry_at: look.frames.saturating_add(RESTART_RETRY_FRAMES),
            },
            Step::Nothing,
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn look(frames: u32, finished: u64, rows_since_wake: u64, since_wake_s: u64) -> Look {
        Look {
            frames,
            restart_after: 100,
            finished,
            rows_since_wake,
            since_wake: Duration::from_secs(since_wake_s),
        }
    }

    const APPENDING: Phase = Phase::Appending { retry_at: 100 };

    #[test]
    fn the_writer_copies_the_wal_itself_only_after_the_checkpointer_has_caught_up() {
        let cases = [
            // A small WAL: the checkpointer is woken by rows, or by time with any row.
            (APPENDING, look(10, 0, 5, 0), APPENDING, Step::Nothing),
            (APPENDING, look(10, 0, 1_000, 0), APPENDING, Step::Wake),
            (APPENDING, look(10, 0, 1, 60), APPENDING, Step::Wake),
            (APPENDING, look(10, 0, 0, 600), APPENDING, Step::Nothing),
            // Due to start over: a checkpoint is asked for, not copied by the writer.
            (APPENDING, look(100, 0, 5, 0), APPENDING, Step::Request),
            // Until that checkpoint is over the writer writes on and wakes nobody, however
            // many rows it writes.
            (
                Phase::CatchingUp { until: 4 },
                look(130, 3, 5_000, 0),
                Phase::CatchingUp { until: 4 },
                Step::Nothing,
            ),
            (
                Phase::CatchingUp { until: 4 },
                look(140, 4, 10, 0),
                Phase::CatchingUp { until: 4 },
                Step::CopyToEnd,
            ),
            // The WAL started over after the copy.
            (Phase::Copied, look(3, 4, 1, 0), APPENDING, Step::Nothing),
            // A reader held it: the keeper tries again a retry's frames on.
            (
                Phase::Copied,
                look(150, 4, 1, 0),
                Phase::Appending { retry_at: 406 },
                Step::Nothing,
            ),
            (
                Phase::Appending { retry_at: 406 },
                look(300, 4, 2, 0),
                Phase::Appending { retry_at: 406 },
                Step::Nothing,
            ),
            (
                Phase::Appending { retry_at: 406 },
                look(406, 4, 2, 0),
                Phase::Appending { retry_at: 406 },
                Step::Request,
            ),
            // A WAL that started over while the keeper waited (another connection's
            // checkpoint) is simply appended to again.
            (
                Phase::CatchingUp { until: 9 },
                look(2, 0, 1, 0),
                APPENDING,
                Step::Nothing,
            ),
        ];
        for (phase, look, want_phase, want_step) in cases {
            assert_eq!(
                next_step(phase, look),
                (want_phase, want_step),
                "from {phase:?} seeing {look:?}"
            );
        }
    }
}
