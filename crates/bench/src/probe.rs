//! The console core under test: a [`Console`] started on a temporary cache with a
//! [`Progress`] probe that notes when each plant message is applied and stored.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use console_core::alerts::{Notice, SinkError};
use console_core::{
    Console, ConsoleConfig, LinkConfig, LinkMode, NotificationSink, PlantUrl, Progress,
};
use tokio::sync::Notify;

/// Shows no notification: a benchmark must not depend on a desktop's notification daemon.
#[derive(Debug)]
pub struct NoNotifications;

impl NotificationSink for NoNotifications {
    fn show(&self, _notice: &Notice) -> Result<(), SinkError> {
        Ok(())
    }
}

/// When a plant message was applied (its stamp, and the wall clock then).
#[derive(Debug, Clone, Copy)]
pub struct Applied {
    pub seq: u64,
    pub stamp: Option<f64>,
    pub at: f64,
}

/// The console's progress through the plant's messages.
#[derive(Debug)]
pub struct Probe {
    applied: AtomicU64,
    persisted: AtomicU64,
    /// Every message's `Applied` and every commit `(seq, wall clock)`, when recording.
    record: bool,
    applied_log: Mutex<Vec<Applied>>,
    persisted_log: Mutex<Vec<(u64, f64)>>,
    /// When message `mark_first` was applied and `mark_last` committed, if set.
    marks: Mutex<Marks>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct Marks {
    first: u64,
    last: u64,
    first_applied: Option<Instant>,
    last_persisted: Option<Instant>,
}

impl Probe {
    pub fn new(record: bool) -> Arc<Probe> {
        Arc::new(Probe {
            applied: AtomicU64::new(0),
            persisted: AtomicU64::new(0),
            record,
            applied_log: Mutex::new(Vec::new()),
            persisted_log: Mutex::new(Vec::new()),
            marks: Mutex::new(Marks::default()),
            changed: Notify::new(),
        })
    }

    pub fn applied(&self) -> u64 {
        self.applied.load(Ordering::Acquire)
    }

    pub fn persisted(&self) -> u64 {
        self.persisted.load(Ordering::Acquire)
    }

    /// Times the span from message `first` applied to message `last` committed.
    pub fn mark(&self, first: u64, last: u64) {
        let mut marks = self.marks.lock().unwrap();
        *marks = Marks {
            first,
            last,
            ..Marks::default()
        };
    }

    /// The marked span, once both ends happened.
    pub fn marked_span(&self) -> Option<Duration> {
        let marks = self.marks.lock().unwrap();
        Some(marks.last_persisted? - marks.first_applied?)
    }

    /// Waits until `check` holds, checking whenever the console makes progress.
    pub async fn wait(&self, limit: Duration, what: &str, check: impl Fn(&Probe) -> bool) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.changed.notified();
            if check(self) {
                return;
            }
            // Woken by progress, or every 100 ms for checks on other things.
            let wake = deadline.min(tokio::time::Instant::now() + Duration::from_millis(100));
            if tokio::time::timeout_at(wake, notified).await.is_err()
                && tokio::time::Instant::now() >= deadline
            {
                panic!("timed out after {limit:?} waiting for {what}");
            }
        }
    }

    pub fn take_logs(&self) -> (Vec<Applied>, Vec<(u64, f64)>) {
        (
            std::mem::take(&mut self.applied_log.lock().unwrap()),
            std::mem::take(&mut self.persisted_log.lock().unwrap()),
        )
    }
}

impl Progress for Probe {
    fn applied(&self, seq: u64, stamp: Option<f64>) {
        if self.record {
            let at = plant_link::clock::unix_now();
            self.applied_log
                .lock()
                .unwrap()
                .push(Applied { seq, stamp, at });
        }
        self.applied.store(seq, Ordering::Release);
        let mut marks = self.marks.lock().unwrap();
        if seq == marks.first && marks.first != 0 {
            marks.first_applied = Some(Instant::now());
        }
        drop(marks);
        self.changed.notify_waiters();
    }

    fn persisted(&self, seq: u64) {
        if self.record {
            let at = plant_link::clock::unix_now();
            self.persisted_log.lock().unwrap().push((seq, at));
        }
        self.persisted.store(seq, Ordering::Release);
        let mut marks = self.marks.lock().unwrap();
        if marks.last != 0 && seq >= marks.last && marks.last_persisted.is_none() {
            marks.last_persisted = Some(Instant::now());
        }
        drop(marks);
        self.changed.notify_waiters();
    }
}

/// A console on `url` with a fresh cache in `data_dir`, its UI batches drained as a
/// window would take them.
pub async fn start_console(url: &str, data_dir: &Path, probe: Arc<Probe>) -> Result<Console> {
    let link = LinkConfig::new(PlantUrl::parse(url)?);
    let mut config = ConsoleConfig::new(link, data_dir.to_owned());
    config.notifications = Arc::new(NoNotifications);
    config.progress = Some(probe);
    let (console, mut batches) = Console::start(config).await?;
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    Ok(console)
}

/// Waits until the console is live and has applied the three snapshots.
pub async fn wait_live(console: &Console, probe: &Probe) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(console.link().state().borrow().mode == LinkMode::Realtime && probe.applied() >= 3) {
        if Instant::now() > deadline {
            bail!("the console did not go live and resync within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}
