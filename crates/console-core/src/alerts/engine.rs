//! The alert engine as a task: it takes the runtime's changes, the link's state and the
//! outbox's command updates, runs them through [`AlertCore`], records every alert in
//! the store, hands notifications to the notifier thread and publishes the
//! [`AlertStatus`] the tray follows.
//!
//! Nothing here can hold up the plant link: the runtime offers changes with `try_send`
//! (and counts what did not fit), store work runs on blocking threads, and the
//! notification sink runs on a thread of its own.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use plant_protocol::UnixSeconds;
use rusqlite::Connection;
use thiserror::Error;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, Instant};

use super::sink::Notifier;
use super::{
    AlertCore, AlertSettings, AlertStatus, AlertView, Decided, Mute, Notice, NotificationSink,
    Outcome,
};
use crate::outbox::QueuedCommand;
use crate::state::{Change, PlantState};
use crate::store::{self, Appearances, StoreError};
use plant_link::clock::WallClock;
use plant_link::link::LinkState;
use plant_link::lograte::RepeatLimiter;
use plant_link::text::log_text;

/// How many plant messages' changes may wait for the engine. A snapshot is one message,
/// so this is a lot of plant; beyond it changes are dropped and counted.
pub const CHANGE_QUEUE: usize = 1024;

/// How often acknowledged alerts past the retention are deleted.
const PRUNE_EVERY: f64 = 3600.0;

/// Errors of the alert engine and its handle.
#[derive(Debug, Error)]
pub enum AlertError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no alert with id {0}")]
    Unknown(i64),
    #[error("the alert engine has stopped")]
    Stopped,
}

/// The changes one plant message made, as the runtime hands them over.
#[derive(Debug, Clone)]
pub struct ChangeBatch {
    /// When the message arrived (local Unix seconds).
    pub at: UnixSeconds,
    pub appearances: Appearances,
    pub changes: Vec<Change>,
    /// The plant changed: forget every device and relay learnt so far (before `changes`).
    pub forget: bool,
    /// With `forget`: the new plant's cache, where alerts are recorded from now on.
    pub new_store: Option<StoreSwitch>,
}

/// A connection to another plant's cache, handed to the engine in the change stream so
/// that every alert of the old plant is recorded before it and none after.
#[derive(Debug, Clone)]
pub struct StoreSwitch(Arc<Mutex<Option<Connection>>>);

impl StoreSwitch {
    pub fn new(conn: Connection) -> Self {
        StoreSwitch(Arc::new(Mutex::new(Some(conn))))
    }

    fn take(&self) -> Option<Connection> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

/// The runtime's end of the change channel. [`ChangeFeed::offer`] never waits.
#[derive(Debug, Clone)]
pub struct ChangeFeed {
    tx: mpsc::Sender<ChangeBatch>,
    dropped: Arc<AtomicU64>,
}

impl ChangeFeed {
    /// Offers the changes of one message received at `at`. A full queue drops them (the
    /// alerts they would have raised are lost, the store and the window still get them)
    /// rather than making the runtime wait. The console hands its changes over with
    /// [`ChangeFeed::offer_owned`]; this copying form is for tests.
    #[cfg(test)]
    pub fn offer(&self, changes: &[Change], at: UnixSeconds, appearances: Appearances) {
        let relevant = changes
            .iter()
            .filter(|c| !matches!(c, Change::Stats(_)))
            .cloned()
            .collect();
        self.offer_owned(relevant, at, appearances);
    }

    /// The plant changed: the engine forgets the old one's devices and relays, so the new
    /// one's first snapshot is learnt quietly, not compared with the old. Waits for room
    /// (it must not be dropped); it happens once per change of address.
    pub async fn forget_plant(&self, at: UnixSeconds) {
        self.move_to(at, None).await;
    }

    /// As [`ChangeFeed::forget_plant`], and the engine records alerts in `store` (the new
    /// plant's cache) from then on.
    pub async fn move_to(&self, at: UnixSeconds, store: Option<StoreSwitch>) {
        let batch = ChangeBatch {
            at,
            appearances: Appearances::Quiet,
            changes: Vec::new(),
            forget: true,
            new_store: store,
        };
        let _ = self.tx.send(batch).await;
    }

    /// As [`ChangeFeed::offer`], taking the changes: the runtime hands over the ones it
    /// is done with instead of copying every device twice more per update.
    pub fn offer_owned(&self, mut changes: Vec<Change>, at: UnixSeconds, appearances: Appearances) {
        // Stats arrive every couple of seconds and raise no alert: leaving them out keeps
        // the queue for changes that may.
        changes.retain(|c| !matches!(c, Change::Stats(_)));
        if changes.is_empty() {
            return;
        }
        let batch = ChangeBatch {
            at,
            appearances,
            changes,
            forget: false,
            new_store: None,
        };
        match self.tx.try_send(batch) {
            Ok(()) | Err(TrySendError::Closed(_)) => {}
            Err(TrySendError::Full(_)) => {
                let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if dropped == 1 || dropped.is_multiple_of(100) {
                    tracing::warn!(
                        dropped,
                        "the alert engine is behind; plant changes were not checked for alerts"
                    );
                }
            }
        }
    }
}

/// What the engine tells the window through the UI batches.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertFeed {
    Alert(AlertView),
    Status(AlertStatus),
}

/// Everything the engine needs to start.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub settings: AlertSettings,
    /// How link alerts name the plant.
    pub server: String,
    pub data_dir: PathBuf,
    /// Acknowledged alerts older than this are deleted.
    pub retention: Duration,
    pub sink: Arc<dyn NotificationSink>,
    /// The wall clock alerts are dated by and link loss is timed on: the console's, or a
    /// test's that follows tokio's paused clock.
    pub clock: WallClock,
}

/// A started engine: the handle, the task, and the ends the console wires up.
#[derive(Debug)]
pub struct Started {
    pub handle: AlertHandle,
    pub task: JoinHandle<()>,
    /// For the runtime: changes go in here.
    pub changes: ChangeFeed,
    /// For the runtime: new alerts and status come out here, for the UI batches.
    pub feed: mpsc::Receiver<AlertFeed>,
    /// For [`fan_out`]: the outbox's command updates go in here.
    pub commands: mpsc::Sender<QueuedCommand>,
}

/// The engine's connection to the cache.
#[derive(Debug)]
struct Db(Mutex<Connection>);

impl Db {
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn blocking<T: Send + 'static>(
    db: &Arc<Db>,
    work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, AlertError> {
    let db = db.clone();
    store::blocking(move || work(&mut db.lock()))
        .await
        .map_err(AlertError::from)
}

enum Request {
    Ack {
        id: Option<i64>,
        by: String,
        reply: oneshot::Sender<Result<u32, AlertError>>,
    },
    Mute {
        duration: Option<Duration>,
        reply: oneshot::Sender<AlertStatus>,
    },
    Unmute {
        reply: oneshot::Sender<AlertStatus>,
    },
    Shelve {
        subject: String,
        duration: Option<Duration>,
        reply: oneshot::Sender<AlertStatus>,
    },
    Configure {
        settings: Box<AlertSettings>,
        server: String,
        reply: oneshot::Sender<()>,
    },
}

/// A cloneable handle on the alert engine.
#[derive(Debug, Clone)]
pub struct AlertHandle {
    requests: mpsc::Sender<Request>,
    status: watch::Receiver<AlertStatus>,
    db: Arc<Db>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Request")
    }
}

impl AlertHandle {
    async fn ask<T>(
        &self,
        request: impl FnOnce(oneshot::Sender<T>) -> Request,
    ) -> Result<T, AlertError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(request(reply))
            .await
            .map_err(|_| AlertError::Stopped)?;
        answer.await.map_err(|_| AlertError::Stopped)
    }

    /// The latest `limit` alerts, newest first.
    pub async fn list(&self, limit: u32) -> Result<Vec<AlertView>, AlertError> {
        blocking(&self.db, move |conn| store::alerts::recent(conn, limit)).await
    }

    /// Acknowledges one alert (`Some(id)`) or all (`None`) as `by`; returns how many
    /// were acknowledged now (an alert already acknowledged keeps its first who and when).
    pub async fn acknowledge(&self, id: Option<i64>, by: &str) -> Result<u32, AlertError> {
        let by = by.to_owned();
        self.ask(|reply| Request::Ack { id, by, reply }).await?
    }

    /// Mutes every notification for `duration`, or until unmuted (`None`). Alerts are
    /// still recorded.
    pub async fn mute(&self, duration: Option<Duration>) -> Result<AlertStatus, AlertError> {
        self.ask(|reply| Request::Mute { duration, reply }).await
    }

    pub async fn unmute(&self) -> Result<AlertStatus, AlertError> {
        self.ask(|reply| Request::Unmute { reply }).await
    }

    /// Shelves a device (or relay) for `duration`; `None` ends its shelf.
    pub async fn shelve(
        &self,
        subject: &str,
        duration: Option<Duration>,
    ) -> Result<AlertStatus, AlertError> {
        let subject = subject.to_owned();
        self.ask(|reply| Request::Shelve {
            subject,
            duration,
            reply,
        })
        .await
    }

    /// Applies new settings (limits, severities, when to notify) from the next change
    /// on; `server` names the plant in link alerts.
    pub async fn configure(
        &self,
        settings: AlertSettings,
        server: String,
    ) -> Result<(), AlertError> {
        self.ask(|reply| Request::Configure {
            settings: Box::new(settings),
            server,
            reply,
        })
        .await
    }

    pub fn status(&self) -> AlertStatus {
        self.status.borrow().clone()
    }

    /// The status as it changes, for the tray.
    pub fn watch(&self) -> watch::Receiver<AlertStatus> {
        self.status.clone()
    }

    /// Plant messages whose changes the engine had no room for since start.
    pub fn dropped_changes(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Opens the engine's store connection, learns the last-known plant from `state`
/// without alerting, and starts the task. Call it before the runtime starts applying
/// plant messages, so that every change after the restored picture reaches the engine.
pub async fn start(
    config: EngineConfig,
    state: &RwLock<PlantState>,
    link: watch::Receiver<LinkState>,
) -> Result<Started, AlertError> {
    let mut core = AlertCore::new(&config.settings, config.server);
    core.seed(
        &state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    let data_dir = config.data_dir.clone();
    let conn = store::blocking(move || store::open_again(&data_dir)).await?;
    let db = Arc::new(Db(Mutex::new(conn)));
    let unacked = blocking(&db, |conn| store::alerts::unacked(conn)).await?;

    let (changes_tx, changes_rx) = mpsc::channel(CHANGE_QUEUE);
    let (feed_tx, feed_rx) = mpsc::channel(64);
    let (commands_tx, commands_rx) = mpsc::channel(256);
    let (requests_tx, requests_rx) = mpsc::channel(16);
    let dropped = Arc::new(AtomicU64::new(0));
    let mut engine = Engine {
        core,
        db: db.clone(),
        notifier: Notifier::spawn(config.sink),
        feed: feed_tx,
        status: watch::channel(AlertStatus::default()).0,
        unacked,
        retention: config.retention,
        prune_at: 0.0,
        quiet_log: RepeatLimiter::new(QUIET_ALERT_LOG_BURST, plant_link::lograte::LOG_WINDOW),
        clock: config.clock,
    };
    let (status_tx, status_rx) = watch::channel(engine.status_now());
    engine.status = status_tx;
    let task = tokio::spawn(engine.run(changes_rx, link, commands_rx, requests_rx));
    Ok(Started {
        handle: AlertHandle {
            requests: requests_tx,
            status: status_rx,
            db,
            dropped: dropped.clone(),
        },
        task,
        changes: ChangeFeed {
            tx: changes_tx,
            dropped,
        },
        feed: feed_rx,
        commands: commands_tx,
    })
}

/// Hands every command update from the outbox runner to the alert engine and to a new
/// receiver for the window (what `Console::take_command_updates` gives out). Neither
/// may hold up the other or the runner, so each gets what fits in its queue.
pub fn fan_out(
    mut updates: mpsc::Receiver<QueuedCommand>,
    alerts: mpsc::Sender<QueuedCommand>,
) -> mpsc::Receiver<QueuedCommand> {
    let (window_tx, window_rx) = mpsc::channel(256);
    tokio::spawn(async move {
        while let Some(command) = updates.recv().await {
            if let Err(TrySendError::Full(command)) = alerts.try_send(command.clone()) {
                tracing::warn!(request_id = %command.request_id, "the alert engine is behind; a command update was not checked");
            }
            let _ = window_tx.try_send(command);
        }
    });
    window_rx
}

struct Engine {
    core: AlertCore,
    db: Arc<Db>,
    notifier: Notifier,
    feed: mpsc::Sender<AlertFeed>,
    status: watch::Sender<AlertStatus>,
    /// Unacknowledged alerts (all, critical), as last counted in the store.
    unacked: (u32, u32),
    retention: Duration,
    prune_at: UnixSeconds,
    /// The rate limit of log lines for alerts that notify nobody (flood, mute, shelf):
    /// they are all in the alert list, and a plant that flaps a thousand devices a second
    /// must not write a thousand log lines a second.
    quiet_log: RepeatLimiter,
    /// The wall clock (see [`EngineConfig::clock`]).
    clock: WallClock,
}

/// How many alerts that notify nobody are logged one by one per minute; the rest are
/// counted in one summary line (every one of them is recorded in the alert list).
pub const QUIET_ALERT_LOG_BURST: u32 = 60;

impl Engine {
    async fn run(
        mut self,
        mut changes: mpsc::Receiver<ChangeBatch>,
        mut link: watch::Receiver<LinkState>,
        mut commands: mpsc::Receiver<QueuedCommand>,
        mut requests: mpsc::Receiver<Request>,
    ) {
        // The link's state now is where the timing of a loss starts: a console that
        // starts without reaching the plant has lost it too.
        let first = link.borrow_and_update().clone();
        let decided = self.core.on_link(&first, self.clock.now());
        self.settle(decided).await;
        let (mut link_open, mut commands_open) = (true, true);
        loop {
            let wake = self.core.next_deadline().map(|at| {
                // Deadlines are wall-clock times; waking at least once a minute keeps a
                // clock that jumps (a resume from sleep) from delaying one for long.
                let wait = (at - self.clock.now()).clamp(0.0, 60.0);
                Instant::now() + Duration::from_secs_f64(wait)
            });
            tokio::select! {
                batch = changes.recv() => {
                    // The runtime has ended: so does the engine.
                    let Some(batch) = batch else { break };
                    if batch.forget {
                        self.core.forget_plant();
                        if let Some(conn) = batch.new_store.as_ref().and_then(StoreSwitch::take) {
                            *self.db.lock() = conn;
                            match blocking(&self.db, |conn| store::alerts::unacked(conn)).await {
                                Ok(unacked) => self.unacked = unacked,
                                Err(error) => tracing::error!(%error, "cannot count the new plant's alerts"),
                            }
                            self.publish().await;
                        }
                    }
                    let decided = self.core.on_changes(&batch.changes, batch.at, batch.appearances, self.clock.now());
                    self.settle(decided).await;
                }
                changed = link.changed(), if link_open => {
                    if changed.is_err() {
                        link_open = false;
                        continue;
                    }
                    let state = link.borrow_and_update().clone();
                    let decided = self.core.on_link(&state, self.clock.now());
                    self.settle(decided).await;
                }
                command = commands.recv(), if commands_open => match command {
                    Some(command) => {
                        let decided = self.core.on_command(&command, self.clock.now());
                        self.settle(decided).await;
                    }
                    None => commands_open = false,
                },
                request = requests.recv() => match request {
                    Some(request) => self.serve(request).await,
                    None => break,
                },
                _ = sleep_until(wake.unwrap_or_else(Instant::now)), if wake.is_some() => {
                    self.tick(self.clock.now()).await;
                }
            }
        }
    }

    fn status_now(&self) -> AlertStatus {
        let (muted, muted_until) = match self.core.mute_state() {
            None => (false, None),
            Some(Mute::Until(until)) => (true, Some(until)),
            Some(Mute::Indefinitely) => (true, None),
        };
        AlertStatus {
            unacked: self.unacked.0,
            unacked_critical: self.unacked.1,
            muted,
            muted_until,
            shelved: self.core.shelves(),
        }
    }

    async fn publish(&mut self) {
        let status = self.status_now();
        if *self.status.borrow() == status {
            return;
        }
        self.status.send_replace(status.clone());
        // The runtime never waits for the engine, so waiting for it here is safe; once it
        // has ended the send fails at once.
        let _ = self.feed.send(AlertFeed::Status(status)).await;
    }

    /// Records decided alerts, notifies those that are to be, and tells the window.
    async fn settle(&mut self, decided: Vec<Decided>) {
        if decided.is_empty() {
            return;
        }
        let now_mono = std::time::Instant::now();
        for Decided { alert, outcome } in &decided {
            if *outcome != Outcome::Notified {
                let verdict = self.quiet_log.hit(now_mono);
                if let Some(left_out) = verdict.summary {
                    tracing::info!(
                        left_out,
                        "more alerts without a notification than are logged one by one; all are in the alert list"
                    );
                }
                if !verdict.log {
                    continue;
                }
            }
            tracing::info!(
                kind = alert.kind.as_str(),
                severity = alert.severity.as_str(),
                subject = %log_text(&alert.subject),
                notified = *outcome == Outcome::Notified,
                suppressed = outcome.reason().unwrap_or(""),
                "alert: {}",
                log_text(&alert.title)
            );
        }
        let rows = decided.clone();
        let now = self.clock.now();
        let prune_before = (now >= self.prune_at).then_some(now - self.retention.as_secs_f64());
        if prune_before.is_some() {
            self.prune_at = now + PRUNE_EVERY;
        }
        let written = blocking(&self.db, move |conn| {
            let tx = conn.transaction()?;
            let mut views = Vec::with_capacity(rows.len());
            for Decided { alert, outcome } in rows {
                let id = store::alerts::insert(&tx, &alert, outcome)?;
                views.push(AlertView {
                    id,
                    at: alert.at,
                    kind: alert.kind,
                    severity: alert.severity,
                    subject: alert.subject,
                    title: alert.title,
                    body: alert.body,
                    notified: outcome == Outcome::Notified,
                    suppressed: outcome.reason().map(str::to_owned),
                    acked_at: None,
                    acked_by: None,
                });
            }
            if let Some(cutoff) = prune_before {
                store::alerts::prune(&tx, cutoff, 10_000)?;
            }
            let unacked = store::alerts::unacked(&tx)?;
            tx.commit()?;
            Ok((views, unacked))
        })
        .await;
        // A notification still goes out when the store fails: the operator must hear of
        // the plant even if the record of it is lost.
        for Decided { alert, outcome } in &decided {
            if *outcome == Outcome::Notified {
                self.notifier.send(Notice {
                    title: alert.title.clone(),
                    body: alert.body.clone(),
                    severity: alert.severity,
                    summary: false,
                });
            }
        }
        match written {
            Ok((views, unacked)) => {
                self.unacked = unacked;
                for view in views {
                    let _ = self.feed.send(AlertFeed::Alert(view)).await;
                }
            }
            Err(error) => tracing::error!(%error, "alerts could not be recorded"),
        }
        self.publish().await;
    }

    async fn tick(&mut self, now: UnixSeconds) {
        let tick = self.core.tick(now);
        self.settle(tick.decided).await;
        if let Some(summary) = tick.summary {
            tracing::info!(
                count = summary.count,
                "alert summary: {}",
                log_text(&summary.title())
            );
            self.notifier.send(Notice {
                title: summary.title(),
                body: summary.body(),
                severity: summary.severity,
                summary: true,
            });
        }
        if tick.status_changed {
            self.publish().await;
        }
    }

    async fn serve(&mut self, request: Request) {
        match request {
            Request::Ack { id, by, reply } => {
                let at = self.clock.now();
                let result = blocking(&self.db, move |conn| {
                    let count = match id {
                        Some(id) => match store::alerts::ack(conn, id, at, &by)? {
                            None => return Ok(Err(id)),
                            Some(now_acked) => u32::from(now_acked),
                        },
                        None => u32::try_from(store::alerts::ack_all(conn, at, &by)?)
                            .unwrap_or(u32::MAX),
                    };
                    Ok(Ok((count, store::alerts::unacked(conn)?)))
                })
                .await;
                let answer = match result {
                    Ok(Ok((count, unacked))) => {
                        self.unacked = unacked;
                        Ok(count)
                    }
                    Ok(Err(id)) => Err(AlertError::Unknown(id)),
                    Err(error) => Err(error),
                };
                self.publish().await;
                let _ = reply.send(answer);
            }
            Request::Mute { duration, reply } => {
                self.core.mute(self.clock.now(), duration);
                tracing::info!(?duration, "notifications muted");
                self.publish().await;
                let _ = reply.send(self.status_now());
            }
            Request::Unmute { reply } => {
                self.core.unmute();
                tracing::info!("notifications unmuted");
                self.publish().await;
                let _ = reply.send(self.status_now());
            }
            Request::Shelve {
                subject,
                duration,
                reply,
            } => {
                match duration {
                    Some(duration) => {
                        tracing::info!(subject = %log_text(&subject), ?duration, "alerts shelved");
                        self.core.shelve(&subject, self.clock.now(), duration);
                    }
                    None => {
                        self.core.unshelve(&subject);
                    }
                }
                self.publish().await;
                let _ = reply.send(self.status_now());
            }
            Request::Configure {
                settings,
                server,
                reply,
            } => {
                tracing::info!(limits = settings.limits.len(), notify_from = ?settings.notify_from, "alert settings applied");
                self.core.configure(&settings, server);
                let _ = reply.send(());
            }
        }
    }
}
