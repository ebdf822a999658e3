//! The console runtime: wires link → plant state → {store, UI batches} and owns their
//! lifetimes. The shell (window or headless) starts one [`Console`] and stops it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, Instant};

use crate::alerts::{
    self, AlertError, AlertFeed, AlertHandle, AlertSettings, AlertStatus, AlertView, ChangeFeed,
    NotificationSink,
};
use crate::audit::Actor;
use crate::config::LinkConfig;
use crate::link::LinkMode;
use crate::link::{self, LinkEvent, LinkHandle, LinkState, Telemetry};
use crate::notify::DesktopNotifications;
use crate::outbox::{Command, Outbox, OutboxError, Runner, RunnerConfig};
use crate::session::Inbound;
use crate::state::PlantState;
use crate::store::{self, Appearances, PendingWrites, StoreError, StoreWriter};
use crate::view::{Batcher, ConsoleSnapshot, LinkStatus, UpdateBatch};

/// Everything a console needs to start.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    pub link: LinkConfig,
    pub data_dir: PathBuf,
    /// Whether the plant is the embedded demo plant (the UI says so everywhere).
    pub demo: bool,
    /// Shortest time between two UI batches: about one animation frame.
    pub ui_batch_interval: Duration,
    /// How long an operator command may wait before it expires unsent.
    pub command_ttl: Duration,
    /// How the outbox sends commands.
    pub runner: RunnerConfig,
    /// A read-only console shows the plant but sends no commands.
    pub read_only: bool,
    /// How long device history, system-stats history, link gaps and the journal are kept.
    pub history_retention: Duration,
    /// Alert severities, limits, link-loss threshold and flood control.
    pub alerts: AlertSettings,
    /// Where alert notifications go: the desktop's by default; tests record them.
    pub notifications: Arc<dyn NotificationSink>,
    /// Follows each plant message into the state and the store, for benchmarks; `None`
    /// (the default) costs nothing.
    pub progress: Option<Arc<dyn Progress>>,
}

/// Follows the runtime through the plant's messages, for benchmarks (`crates/bench`):
/// when each one is in the plant state, and when it is committed to the store. Both
/// calls come from the console's own threads, so an implementation must be quick.
pub trait Progress: Send + Sync + std::fmt::Debug {
    /// Plant message `seq` (the first since start is 1) has been applied to the plant
    /// state; `stamp` is the `server_time` it carried, if any.
    fn applied(&self, seq: u64, stamp: Option<f64>);
    /// Every plant message up to `seq` is committed to the store. Called on the store's
    /// writer thread.
    fn persisted(&self, seq: u64);
}

impl ConsoleConfig {
    pub fn new(link: LinkConfig, data_dir: PathBuf) -> Self {
        ConsoleConfig {
            link,
            data_dir,
            demo: false,
            ui_batch_interval: Duration::from_millis(50),
            command_ttl: Duration::from_secs(120),
            runner: RunnerConfig::default(),
            read_only: false,
            history_retention: store::DEFAULT_HISTORY_RETENTION,
            alerts: AlertSettings::default(),
            notifications: Arc::new(DesktopNotifications::default()),
            progress: None,
        }
    }
}

/// Errors of starting or stopping the console.
#[derive(Debug, Error)]
pub enum ConsoleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the console's store task failed: {0}")]
    Task(String),
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    #[error(transparent)]
    Alerts(#[from] AlertError),
}

/// Why an operator command was not accepted. Each has a stable code for the UI.
#[derive(Debug, Error)]
pub enum CommandError {
    #[error("the plant is unreachable; confirm to queue the command until {until:.0} (Unix time)")]
    LinkDown { until: f64 },
    #[error("this console is read-only")]
    ReadOnly,
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    #[error("the console is stopping")]
    Stopped,
}

impl CommandError {
    /// The stable code the UI switches on.
    pub fn code(&self) -> &'static str {
        match self {
            CommandError::LinkDown { .. } => "link_down",
            CommandError::ReadOnly => "read_only",
            CommandError::Outbox(OutboxError::NotCancellable(_)) => "not_cancellable",
            CommandError::Outbox(OutboxError::Unknown(_)) => "unknown_command",
            CommandError::Outbox(_) => "outbox",
            CommandError::Stopped => "stopped",
        }
    }
}

struct Shared {
    state: Arc<RwLock<PlantState>>,
    stored_last_contact: Option<f64>,
    /// Where a damaged cache was moved at start-up, for the window to say so.
    recovered_from: Option<String>,
    demo: bool,
    /// Changes when the operator applies another plant address.
    server_url: Mutex<String>,
}

/// A running console core.
pub struct Console {
    shared: Arc<Shared>,
    link: LinkHandle,
    link_task: JoinHandle<()>,
    runtime: JoinHandle<Result<(), StoreError>>,
    stop: Option<oneshot::Sender<()>>,
    outbox: Arc<Outbox>,
    outbox_wake: Arc<Notify>,
    outbox_stop: Option<oneshot::Sender<()>>,
    outbox_task: Option<JoinHandle<()>>,
    command_updates: Mutex<Option<mpsc::Receiver<Command>>>,
    command_ttl: Duration,
    read_only: Arc<AtomicBool>,
    /// The outbox runner's updates, for commands the console itself ends.
    updates: mpsc::Sender<Command>,
    alerts: AlertHandle,
    alert_task: Option<JoinHandle<()>>,
    /// What the read-side views (history, journal, diagnostics) need.
    pub(crate) insight: crate::insight::Insight,
}

impl Console {
    /// Opens the store, restores the last-known state and starts the link. Must be
    /// called inside a tokio runtime. The receiver yields the UI's update batches.
    pub async fn start(
        config: ConsoleConfig,
    ) -> Result<(Console, mpsc::Receiver<UpdateBatch>), ConsoleError> {
        let data_dir = config.data_dir.clone();
        let (opened, stored) = tokio::task::spawn_blocking(move || {
            let opened = store::open_reporting(&data_dir)?;
            // The start checked all but the history; the history is checked meanwhile.
            store::check_all_later(&data_dir);
            let stored = store::load_state(&opened.conn)?;
            Ok::<_, StoreError>((opened, stored))
        })
        .await
        .map_err(|e| ConsoleError::Task(e.to_string()))??;
        if let Some(kept) = &opened.recovered_from {
            tracing::error!(
                kept = %kept.display(),
                "the local cache was damaged and has been set aside; a fresh cache was started"
            );
        }
        tracing::info!(
            data_dir = %config.data_dir.display(),
            devices = stored.devices.len(),
            relays = stored.relays.len(),
            "last-known state restored"
        );
        let shared = Arc::new(Shared {
            state: Arc::new(RwLock::new(PlantState::from_parts(
                stored.devices,
                stored.relays,
                stored.system_stats,
            ))),
            stored_last_contact: stored.last_contact,
            recovered_from: opened
                .recovered_from
                .as_ref()
                .map(|kept| kept.display().to_string()),
            demo: config.demo,
            server_url: Mutex::new(config.link.server.to_string()),
        });
        let committed = config.progress.clone().map(|progress| {
            Box::new(move |seq| progress.persisted(seq)) as Box<dyn Fn(u64) + Send>
        });
        let writer = StoreWriter::spawn_observed(opened.conn, config.history_retention, committed);
        let (events_tx, events_rx) = mpsc::channel(1024);
        let server_name = config.link.server.to_string();
        let (link, link_task) = link::spawn(config.link, events_tx);
        let (ui_tx, ui_rx) = mpsc::channel(4);
        let (stop_tx, stop_rx) = oneshot::channel();
        // The engine learns the restored picture before the runtime applies anything, so
        // every later change reaches it as a change.
        let alert_engine = alerts::start(
            alerts::EngineConfig {
                settings: config.alerts.clone(),
                server: server_name,
                data_dir: config.data_dir.clone(),
                retention: config.history_retention,
                sink: config.notifications.clone(),
            },
            &shared.state,
            link.state(),
        )
        .await?;
        let runtime = Runtime {
            shared: shared.clone(),
            events: events_rx,
            link_state: link.state(),
            telemetry: link.telemetry().clone(),
            writer,
            ui: ui_tx,
            interval: config.ui_batch_interval,
            alerts: alert_engine.changes,
            alert_feed: alert_engine.feed,
            progress: config.progress.clone(),
            applied: 0,
        };
        let runtime = tokio::spawn(runtime.run(stop_rx));

        let data_dir = config.data_dir.clone();
        let outbox = tokio::task::spawn_blocking(move || Outbox::open_again(&data_dir))
            .await
            .map_err(|e| ConsoleError::Task(e.to_string()))??;
        let outbox = Arc::new(outbox);
        let outbox_wake = Arc::new(Notify::new());
        let (updates_tx, updates_rx) = mpsc::channel(256);
        let (outbox_stop, outbox_stop_rx) = oneshot::channel::<()>();
        let runner = Runner::new(
            outbox.clone(),
            link.clone(),
            shared.state.clone(),
            config.runner.clone(),
            outbox_wake.clone(),
            updates_tx.clone(),
        );
        // A read-only console never sends: its outbox is only shown (and its commands
        // still expire). The switch can change while the console runs.
        let read_only = Arc::new(AtomicBool::new(config.read_only));
        let runner = runner.hold_while(read_only.clone());
        let outbox_task = Some(tokio::spawn(runner.run(async move {
            let _ = outbox_stop_rx.await;
        })));
        Ok((
            Console {
                shared,
                link,
                link_task,
                runtime,
                stop: Some(stop_tx),
                outbox,
                outbox_wake,
                outbox_stop: Some(outbox_stop),
                outbox_task,
                // The alert engine and the window both get every command update.
                command_updates: Mutex::new(Some(alerts::fan_out(
                    updates_rx,
                    alert_engine.commands,
                ))),
                command_ttl: config.command_ttl,
                read_only,
                updates: updates_tx,
                alerts: alert_engine.handle,
                alert_task: Some(alert_engine.task),
                insight: crate::insight::Insight::new(
                    config.data_dir.clone(),
                    config.notifications.clone(),
                ),
            },
            ui_rx,
        ))
    }

    pub fn link(&self) -> &LinkHandle {
        &self.link
    }

    /// Every lifecycle step of every command, for the one caller that shows them.
    pub fn take_command_updates(&self) -> Option<mpsc::Receiver<Command>> {
        self.command_updates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    /// Queues an operator's relay command. While the plant is unreachable the operator
    /// must have confirmed queuing it (`queue_if_offline`), knowing it will be sent when
    /// the link returns, until it expires.
    pub async fn set_relay(
        &self,
        relay_id: &str,
        state: bool,
        queue_if_offline: bool,
    ) -> Result<Command, CommandError> {
        if self.is_read_only() {
            return Err(CommandError::ReadOnly);
        }
        let now = crate::link::unix_now();
        let mode = self.link.state().borrow().mode;
        let reachable = matches!(
            mode,
            LinkMode::Realtime | LinkMode::Fallback | LinkMode::Stale
        );
        if !reachable && !queue_if_offline {
            return Err(CommandError::LinkDown {
                until: now + self.command_ttl.as_secs_f64(),
            });
        }
        let (outbox, relay_id, ttl) = (self.outbox.clone(), relay_id.to_owned(), self.command_ttl);
        let command = tokio::task::spawn_blocking(move || {
            outbox.enqueue(&relay_id, state, ttl, &Actor::current(), now)
        })
        .await
        .map_err(|e| CommandError::Outbox(OutboxError::Store(StoreError::Io(e.to_string()))))??;
        self.outbox_wake.notify_one();
        Ok(command)
    }

    /// Cancels a command that has not been sent yet.
    pub async fn cancel_command(&self, request_id: &str) -> Result<Command, CommandError> {
        let (outbox, id) = (self.outbox.clone(), request_id.to_owned());
        let command = tokio::task::spawn_blocking(move || {
            outbox.cancel(&id, &Actor::current(), crate::link::unix_now())
        })
        .await
        .map_err(|e| CommandError::Outbox(OutboxError::Store(StoreError::Io(e.to_string()))))??;
        Ok(command)
    }

    /// The latest commands, newest first.
    pub async fn outbox(&self, limit: u32) -> Result<Vec<Command>, CommandError> {
        let outbox = self.outbox.clone();
        let commands = tokio::task::spawn_blocking(move || outbox.recent(limit))
            .await
            .map_err(|e| {
                CommandError::Outbox(OutboxError::Store(StoreError::Io(e.to_string())))
            })??;
        Ok(commands)
    }

    pub fn link_status(&self) -> LinkStatus {
        LinkStatus::new(
            &self.link.state().borrow(),
            self.link.telemetry(),
            self.shared.stored_last_contact,
        )
    }

    /// The whole current picture, for a window that is drawing itself from nothing.
    pub fn snapshot(&self) -> ConsoleSnapshot {
        let state = self
            .shared
            .state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        ConsoleSnapshot {
            demo: self.shared.demo,
            server_url: self.server_url(),
            link: self.link_status(),
            devices: state.devices().cloned().collect(),
            relays: state.relays().cloned().collect(),
            system_stats: state.stats().cloned(),
            command_ttl_s: self.command_ttl.as_secs_f64(),
            read_only: self.is_read_only(),
            recovered_from: self.shared.recovered_from.clone(),
            alert_status: self.alerts.status(),
        }
    }

    /// The plant address the link uses now.
    pub fn server_url(&self) -> String {
        self.shared
            .server_url
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only.load(Ordering::SeqCst)
    }

    /// Turns read-only mode on or off while the console runs. Turning it on cancels the
    /// commands still queued: an operator who makes a console read-only expects nothing
    /// more to leave it. Returns the commands it ended.
    pub async fn set_read_only(&self, on: bool) -> Result<Vec<Command>, CommandError> {
        let was = self.read_only.swap(on, Ordering::SeqCst);
        if was != on {
            tracing::info!(read_only = on, "read-only mode changed");
        }
        let ended = if on && !was {
            self.abandon("not sent: the console was made read-only", false)
                .await?
        } else {
            Vec::new()
        };
        self.outbox_wake.notify_one();
        Ok(ended)
    }

    /// Connects to the plant with new link settings (address, token, site CA). When the
    /// address changes, every command not yet final is ended first, none is sent to the
    /// new plant: its relay ids may name other relays. Returns the commands it ended.
    pub async fn reconfigure_link(&self, link: LinkConfig) -> Result<Vec<Command>, CommandError> {
        let url = link.server.to_string();
        let ended = if url != self.server_url() {
            self.abandon("not sent: the plant address changed", true)
                .await?
        } else {
            Vec::new()
        };
        *self
            .shared
            .server_url
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = url;
        self.link
            .reconfigure(link)
            .await
            .map_err(|_| CommandError::Stopped)?;
        Ok(ended)
    }

    /// New alert settings, from the next plant change on.
    pub async fn configure_alerts(&self, settings: AlertSettings) -> Result<(), AlertError> {
        self.alerts.configure(settings, self.server_url()).await
    }

    async fn abandon(
        &self,
        reason: &'static str,
        sent_too: bool,
    ) -> Result<Vec<Command>, CommandError> {
        let outbox = self.outbox.clone();
        let ended = tokio::task::spawn_blocking(move || {
            outbox.abandon_open(reason, sent_too, crate::link::unix_now())
        })
        .await
        .map_err(|e| CommandError::Outbox(OutboxError::Store(StoreError::Io(e.to_string()))))??;
        for command in &ended {
            // The window and the alert engine learn of it as of any other step.
            let _ = self.updates.try_send(command.clone());
        }
        Ok(ended)
    }

    /// The latest `limit` alerts, newest first.
    pub async fn alerts(&self, limit: u32) -> Result<Vec<AlertView>, AlertError> {
        self.alerts.list(limit).await
    }

    /// Acknowledges one alert (`Some(id)`) or every alert (`None`) as the OS user;
    /// returns how many were acknowledged now.
    pub async fn acknowledge(&self, id: Option<i64>) -> Result<u32, AlertError> {
        self.alerts.acknowledge(id, &Actor::current().user).await
    }

    /// Mutes every notification for `duration`, or until [`Console::unmute`] (`None`).
    /// Alerts are still recorded and counted.
    pub async fn mute(&self, duration: Option<Duration>) -> Result<AlertStatus, AlertError> {
        self.alerts.mute(duration).await
    }

    pub async fn unmute(&self) -> Result<AlertStatus, AlertError> {
        self.alerts.unmute().await
    }

    /// Stops notifying alerts about one device (or relay) for `duration`; they are still
    /// recorded.
    pub async fn shelve(
        &self,
        device_id: &str,
        duration: Duration,
    ) -> Result<AlertStatus, AlertError> {
        self.alerts.shelve(device_id, Some(duration)).await
    }

    /// Ends a device's shelf early.
    pub async fn unshelve(&self, device_id: &str) -> Result<AlertStatus, AlertError> {
        self.alerts.shelve(device_id, None).await
    }

    pub fn alert_status(&self) -> AlertStatus {
        self.alerts.status()
    }

    /// The alert status as it changes, for the tray.
    pub fn alert_status_watch(&self) -> watch::Receiver<AlertStatus> {
        self.alerts.watch()
    }

    /// Plant messages whose changes were not checked for alerts because the engine was
    /// behind (for diagnostics; it should stay 0).
    pub fn alerts_dropped(&self) -> u64 {
        self.alerts.dropped_changes()
    }

    /// Stops the link, writes everything still pending and closes the store.
    pub async fn shutdown(mut self) -> Result<(), ConsoleError> {
        // The outbox stops first, so nothing new is sent while the link goes down; a
        // command in flight stays `sent` and is retried with its id after a restart.
        if let Some(stop) = self.outbox_stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.outbox_task.take() {
            let _ = task.await;
        }
        self.link.shutdown().await;
        let _ = self.link_task.await;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.runtime
            .await
            .map_err(|e| ConsoleError::Task(e.to_string()))??;
        // The runtime's end closes the engine's change channel, which ends the engine.
        if let Some(task) = self.alert_task.take() {
            let _ = task.await;
        }
        Ok(())
    }
}

struct Runtime {
    shared: Arc<Shared>,
    events: mpsc::Receiver<LinkEvent>,
    link_state: watch::Receiver<LinkState>,
    telemetry: Arc<Telemetry>,
    writer: StoreWriter,
    ui: mpsc::Sender<UpdateBatch>,
    interval: Duration,
    alerts: ChangeFeed,
    alert_feed: mpsc::Receiver<AlertFeed>,
    progress: Option<Arc<dyn Progress>>,
    /// Plant messages applied so far, counted only for `progress`.
    applied: u64,
}

impl Runtime {
    async fn run(mut self, mut stop: oneshot::Receiver<()>) -> Result<(), StoreError> {
        let mut pending = PendingWrites::default();
        let mut batcher = Batcher::default();
        let mut changes = Vec::new();
        let mut flush_at: Option<Instant> = None;
        // The link state last seen, to journal each change as from → to and to mark link
        // gaps. Every link starts Connecting (`link::spawn`) and this receiver has marked
        // nothing seen, so its first `changed()` brings whatever the link reached since.
        let started_at = link::unix_now();
        let mut link_seen = LinkState {
            mode: LinkMode::Connecting,
            since: started_at,
            detail: None,
        };
        pending.link_started(started_at, self.shared.stored_last_contact);
        let mut last_data = self.shared.stored_last_contact;
        let writer_idle = self.writer.idle();
        loop {
            tokio::select! {
                event = self.events.recv() => {
                    let Some(event) = event else { break };
                    if let LinkEvent::Inbound { at, .. } = &event {
                        last_data = Some(*at);
                    }
                    if let LinkEvent::PlantChanged { from, to } = &event {
                        let at = link::unix_now();
                        self.forget_plant(from, to, at, &mut pending, &mut batcher);
                        // In the engine's queue after every change of the old plant.
                        self.alerts.forget_plant(at).await;
                    } else {
                        self.apply(event, &mut changes, &mut pending, &mut batcher);
                    }
                    self.writer.offer(&mut pending)?;
                }
                changed = self.link_state.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let state = self.link_state.borrow_and_update().clone();
                    pending.link_changed(&link_seen, &state, last_data);
                    let status = LinkStatus::new(&state, &self.telemetry, self.shared.stored_last_contact);
                    batcher.link(status);
                    link_seen = state;
                    self.writer.offer(&mut pending)?;
                }
                _ = async { sleep_until(flush_at.unwrap_or_else(Instant::now)).await }, if flush_at.is_some() => {
                    flush_at = None;
                    self.flush_ui(&mut batcher);
                    self.writer.offer(&mut pending)?;
                }
                Some(feed) = self.alert_feed.recv() => batcher.alert(feed),
                // Writes the writer was too busy to take go as soon as it is free, not
                // with the next plant message, which may be seconds away.
                _ = writer_idle.notified(), if !pending.is_empty() => {
                    self.writer.offer(&mut pending)?;
                }
                _ = &mut stop => break,
            }
            if !batcher.is_empty() && flush_at.is_none() {
                flush_at = Some(Instant::now() + self.interval);
            }
        }
        // Events already received are applied before the store closes, so nothing the
        // console has seen is lost on a clean exit.
        while let Ok(event) = self.events.try_recv() {
            self.apply(event, &mut changes, &mut pending, &mut Batcher::default());
        }
        let writer = self.writer;
        tokio::task::spawn_blocking(move || writer.close(pending))
            .await
            .map_err(|_| StoreError::WriterGone)?
    }

    /// Another plant is connected: the old one's devices and relays leave the state, the
    /// cache and the window without counting as removals at the plant (no journal lines,
    /// no alerts); one journal entry says what happened. The new plant's snapshots then
    /// fill an empty picture, quietly, as at a first start.
    fn forget_plant(
        &self,
        from: &str,
        to: &str,
        at: plant_protocol::UnixSeconds,
        pending: &mut PendingWrites,
        batcher: &mut Batcher,
    ) {
        let old = std::mem::take(
            &mut *self
                .shared
                .state
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        let removals = old
            .devices()
            .map(|entry| crate::state::Change::DeviceRemoved(entry.device.clone()))
            .chain(
                old.relays()
                    .map(|entry| crate::state::Change::RelayRemoved(entry.relay.clone())),
            );
        for change in removals {
            pending.push(&change);
            batcher.push(&change);
        }
        pending.journal(store::NewJournalEntry {
            at,
            kind: store::journal_kind::LINK.into(),
            subject: to.to_owned(),
            text: format!(
                "Plant changed from {from} to {to}; what was known of {from} was cleared"
            ),
            data: serde_json::json!({ "from": from, "to": to }),
        });
    }

    fn apply(
        &mut self,
        event: LinkEvent,
        changes: &mut Vec<crate::state::Change>,
        pending: &mut PendingWrites,
        batcher: &mut Batcher,
    ) {
        let LinkEvent::Inbound { at, message } = event else {
            return;
        };
        let stamp = self.progress.as_ref().and(match &message {
            Inbound::Devices(update) => Some(update.server_time),
            Inbound::Relays(update) => Some(update.server_time),
            Inbound::Stats(stats) => Some(stats.server_time),
            Inbound::RelayResult { .. } | Inbound::RoundTrip(_) => None,
        });
        let appearances = {
            let mut state = self
                .shared
                .state
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            // Devices or relays that appear in a picture that held none of their kind are
            // the console learning the plant, not news: see `store::Appearances`.
            let appearances = Appearances::news_if(match &message {
                Inbound::Devices(_) => state.devices().next().is_some(),
                Inbound::Relays(_) => state.relays().next().is_some(),
                _ => true,
            });
            match message {
                Inbound::Devices(update) => state.apply_devices(update, at, changes),
                Inbound::Relays(update) => state.apply_relays(update, at, changes),
                Inbound::Stats(stats) => state.apply_stats(stats, at, changes),
                Inbound::RelayResult { .. } | Inbound::RoundTrip(_) => {}
            }
            appearances
        };
        for change in changes.iter() {
            pending.record(change, at, appearances);
            batcher.push(change);
        }
        // The alert engine is the changes' last reader: it takes them.
        self.alerts
            .offer_owned(std::mem::take(changes), at, appearances);
        pending.contact(at);
        if let Some(progress) = &self.progress {
            self.applied += 1;
            progress.applied(self.applied, stamp);
            pending.include_message(self.applied);
        }
    }

    fn flush_ui(&self, batcher: &mut Batcher) {
        if batcher.is_empty() {
            return;
        }
        // The link's figures (last message age) ride along with every batch.
        let status = LinkStatus::new(
            &self.link_state.borrow(),
            &self.telemetry,
            self.shared.stored_last_contact,
        );
        batcher.link(status);
        match self.ui.try_reserve() {
            Ok(permit) => permit.send(batcher.take()),
            // A UI that is behind keeps the changes merged here until it catches up.
            Err(mpsc::error::TrySendError::Full(())) => {}
            // No UI at all (headless): there is nobody to tell.
            Err(mpsc::error::TrySendError::Closed(())) => drop(batcher.take()),
        }
    }
}
