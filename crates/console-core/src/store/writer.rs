//! The store's single writer thread: it takes merged pending writes, saves them in one
//! transaction, keeps failed writes to try again (a full disk) and reports the cache's
//! status to the window.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use plant_protocol::UnixSeconds;
use rusqlite::Connection;
use serde::Serialize;

use super::checkpoint::{
    truncate_wal_if_large, Checkpointer, WalKeeper, RESTART_AFTER_FRAMES, WAL_LIMIT_BYTES,
};
use super::journal::{self, NewJournalEntry};
use super::{retention, utc_text, PendingWrites, StoreError, DEFAULT_HISTORY_RETENTION};

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
    pub(crate) fn spawn_with_retention(conn: Connection, retention: Duration) -> Self {
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
        Self::spawn_with_hooks(conn, retention, committed, RESTART_AFTER_FRAMES)
    }

    /// A writer that starts the WAL over after `frames` instead of [`RESTART_AFTER_FRAMES`].
    #[cfg(test)]
    pub(crate) fn spawn_restarting_wal_after(conn: Connection, frames: u32) -> Self {
        Self::spawn_with_hooks(conn, DEFAULT_HISTORY_RETENTION, None, frames)
    }

    fn spawn_with_hooks(
        conn: Connection,
        retention: Duration,
        committed: Option<Box<dyn Fn(u64) + Send>>,
        restart_wal_after_frames: u32,
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
                        restart_wal_after_frames,
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

/// Only a transaction that took at least this long is followed by a rest (see [`Duty`]).
const REST_AFTER: Duration = Duration::from_millis(2);

/// The longest rest, so that a flush or close never waits long behind one.
const MAX_REST: Duration = Duration::from_millis(100);

/// How far back [`Duty`] looks: the time constant of its average.
const DUTY_WINDOW: Duration = Duration::from_millis(250);

/// The share of the time in transactions past which the writer rests.
const DUTY_LIMIT: f64 = 0.5;

/// The writer's share of the recent time spent in transactions, and the rest it takes.
///
/// Under a flood of updates the writer would commit back to back and take a whole core
/// from the live path (link, state, window). Resting as long as a long transaction took
/// caps it at about half a core, and the next transaction, holding everything merged
/// meanwhile, covers more updates for about the same work. But it rests only when it has
/// been busy for more than half of the last quarter second: a steady plant keeps it
/// busy far less than that, and resting after the odd slow transaction amid a steady
/// stream made the updates behind it wait twice as long.
#[derive(Debug, Clone, Copy)]
struct Duty {
    /// The average share of time in transactions, decayed up to `at`.
    share: f64,
    at: Instant,
}

impl Duty {
    fn new(now: Instant) -> Duty {
        Duty {
            share: 0.0,
            at: now,
        }
    }

    /// Notes a transaction that ended at `end` after `took`, and returns how long the
    /// writer rests before the next.
    fn rest_after(&mut self, end: Instant, took: Duration) -> Duration {
        let window = DUTY_WINDOW.as_secs_f64();
        let elapsed = end.saturating_duration_since(self.at).as_secs_f64();
        // An exponential average: the time since the last look decays the share, and
        // the transaction adds its own length.
        self.share =
            (self.share * (-elapsed / window).exp() + took.as_secs_f64() / window).min(1.0);
        self.at = end;
        if took >= REST_AFTER && self.share > DUTY_LIMIT {
            took.min(MAX_REST)
        } else {
            Duration::ZERO
        }
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
    /// WAL frames after which the writer starts the WAL over ([`RESTART_AFTER_FRAMES`];
    /// fewer in tests, so that they need write less to see it start over).
    restart_wal_after_frames: u32,
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
        message: None,
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
    let mut keeper = Checkpointer::spawn(&conn).map(|checkpointer| {
        if let Err(error) = conn.pragma_update(None, "wal_autocheckpoint", 0) {
            tracing::warn!(%error, "cannot turn SQLite's automatic checkpoint off");
        }
        WalKeeper::install(
            &conn,
            checkpointer,
            hooks.restart_wal_after_frames,
            Instant::now(),
        )
    });
    let wal = conn
        .path()
        .map(|path| PathBuf::from(format!("{path}-wal")))
        .unwrap_or_default();
    // The first run waits a minute too: at start-up the first snapshots matter more.
    let mut maintain_at = Instant::now() + retention::RUN_EVERY;
    let mut unsaved: Option<Unsaved> = None;
    let mut last_saved: Option<UnixSeconds> = None;
    let mut retry_at = Instant::now();
    let mut duty = Duty::new(Instant::now());
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
                let end = Instant::now();
                retry_at = end + RETRY_EVERY;
                let rest = duty.rest_after(end, end - began);
                if !rest.is_zero() {
                    std::thread::sleep(rest);
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
        if let Some(keeper) = &mut keeper {
            keeper.after_commit(&conn, Instant::now());
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Transactions of `took_ms` every `every_ms` from a quiet start; the rests the writer
    /// takes after each.
    fn rests(took_ms: u64, every_ms: u64, count: u64) -> Vec<u64> {
        let start = Instant::now();
        let mut duty = Duty::new(start);
        (1..=count)
            .map(|n| {
                let end = start + Duration::from_millis(n * every_ms);
                let rest = duty.rest_after(end, Duration::from_millis(took_ms));
                u64::try_from(rest.as_millis()).unwrap()
            })
            .collect()
    }

    #[test]
    fn the_writer_rests_only_when_it_has_been_busy_most_of_the_last_quarter_second() {
        // A steady plant: a short transaction every millisecond never rests.
        assert!(rests(0, 1, 2_000).iter().all(|&r| r == 0));
        // A transaction that waited for the disk, amid a steady stream, rests not at all:
        // the updates behind it would wait twice.
        let start = Instant::now();
        let mut duty = Duty::new(start);
        for n in 1..=1_000 {
            duty.rest_after(start + Duration::from_millis(n), Duration::from_micros(100));
        }
        let stalled = duty.rest_after(
            start + Duration::from_millis(1_030),
            Duration::from_millis(30),
        );
        assert_eq!(stalled, Duration::ZERO);
        // A flood: transactions of 20 ms back to back. The writer starts to rest once it
        // has been busy for most of the window, then rests as long as each takes.
        let flood = rests(20, 20, 40);
        let first = flood.iter().position(|&r| r > 0).unwrap();
        assert!(
            (5..=12).contains(&first),
            "first rest after {first}: {flood:?}"
        );
        assert!(flood[first..].iter().all(|&r| r == 20), "{flood:?}");
        // Rests are capped, so a flush never waits long behind one.
        assert!(rests(400, 400, 5).iter().all(|&r| r <= 100));
    }
}
