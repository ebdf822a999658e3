//! The console: the handle the shell (window or headless) starts, asks and stops. It wires
//! link → plant state → {store, alerts, UI batches} ([`start`](Console::start)) and owns
//! their lifetimes; the runtime pump that carries each plant message through them is in
//! `pump.rs`, the commands in `commands.rs`, the alerts' forwarders in `alerting.rs` and
//! the window's read-side views in `insight.rs` (the Trends view's checks, reduction and
//! CSV in `trends.rs`).

mod alerting;
mod cache;
mod commands;
mod insight;
mod pump;
mod start;
pub mod trends;

use console_i18n::Language;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::alerts::{AlertError, AlertHandle, AlertSettings, NotificationSink};
use crate::notify::DesktopNotifications;
use crate::offset::ClockOffset;
use crate::outbox::{Outbox, OutboxError, QueuedCommand, RunnerConfig};
use crate::state::PlantState;
use crate::store::{self, StoreError};
use crate::view::{ConsoleSnapshot, LinkStatus};
use plant_link::clock::WallClock;
use plant_link::config::{LinkConfig, PlantId};
use plant_link::link::LinkHandle;

use cache::NextCache;
pub use insight::{log_dir, DeviceTrend, Diagnostics, StatsTrend};
pub use trends::{PenSeries, StatsFigure, TrendData, TrendError, TrendPen};

/// Everything a console needs to start.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// The plant's address, and its identity (`link.plant`), which chooses the cache.
    pub link: LinkConfig,
    /// The data folder: settings, tokens, logs and one cache per plant (`plants/`).
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
    /// The most devices and relays the console holds (`bounds::MAX_DEVICES`,
    /// `bounds::MAX_RELAYS` unless a test sets lower ones).
    pub limits: crate::bounds::Limits,
    /// The language notifications (and whatever else Rust words) speak at start; the
    /// console's owner changes it when the operator picks another
    /// (`Console::set_language`).
    pub language: Language,
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
            limits: crate::bounds::Limits::default(),
            language: Language::En,
        }
    }

    /// The folder of the cache of the plant this configuration points at.
    pub fn cache_dir(&self) -> PathBuf {
        store::plants::cache_dir(&self.data_dir, &self.link.plant)
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
    /// The window asked a trend query beyond its bounds.
    #[error(transparent)]
    Trend(#[from] TrendError),
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

/// The store writer's commit hook for a benchmark's [`Progress`], if any.
fn persisted_hook(progress: &Option<Arc<dyn Progress>>) -> Option<Box<dyn Fn(u64) + Send>> {
    progress
        .clone()
        .map(|progress| Box::new(move |seq| progress.persisted(seq)) as Box<dyn Fn(u64) + Send>)
}

/// What the console's tasks (the handle, the pump, the outbox runner) share.
struct Shared {
    state: Arc<RwLock<PlantState>>,
    /// The last contact the current plant's cache remembered when it was opened.
    stored_last_contact: Mutex<Option<f64>>,
    /// Where a damaged cache was moved at start-up, for the window to say so.
    recovered_from: Mutex<Option<String>>,
    demo: bool,
    /// Changes when the operator applies another plant address.
    server_url: Mutex<String>,
    /// The plant the console is on; the outbox runner sends only commands issued for it.
    plant: Arc<RwLock<PlantId>>,
    /// The folder of the current plant's cache (the views read it).
    cache_dir: Arc<Mutex<PathBuf>>,
    /// The next plant's cache, opened by `reconfigure_link`, taken by the runtime at the
    /// link's `PlantChanged`: everything before that event belongs to the old cache.
    next_cache: Mutex<Option<NextCache>>,
    /// The server clock's offset from this machine's.
    offset: Arc<ClockOffset>,
    /// The wall clock commands are stamped with (tests replace it).
    clock: WallClock,
    /// How often the plant went past the console's caps (`bounds`), for the window.
    caps: crate::bounds::Caps,
    /// Whether the cache keeps up (a full disk), for the window.
    cache: Mutex<store::CacheStatus>,
}

impl Shared {
    fn stored_last_contact(&self) -> Option<f64> {
        *self
            .stored_last_contact
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn plant(&self) -> PlantId {
        self.plant
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
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
    command_updates: Mutex<Option<mpsc::Receiver<QueuedCommand>>>,
    command_ttl: Duration,
    read_only: Arc<AtomicBool>,
    /// The outbox runner's updates, for commands the console itself ends.
    updates: mpsc::Sender<QueuedCommand>,
    alerts: AlertHandle,
    alert_task: Option<JoinHandle<()>>,
    /// What the read-side views (history, journal, diagnostics) need.
    insight: insight::Insight,
    /// The data folder (each plant's cache is in `plants/`).
    data_dir: PathBuf,
    /// "Queue until HH:MM?" offers made while the plant was unreachable, per (relay,
    /// state): the deadline the operator is asked to confirm, on the monotonic clock.
    offers: Mutex<HashMap<(String, bool), Instant>>,
    /// The language in use: the alert engine words notifications in it, the tray words
    /// itself again when it changes.
    language: watch::Sender<Language>,
}

impl Console {
    /// The language notifications are worded in from now on.
    pub fn set_language(&self, lang: Language) {
        let changed = self.language.send_if_modified(|current| {
            let changed = *current != lang;
            *current = lang;
            changed
        });
        if changed {
            tracing::info!(lang = lang.as_str(), "notifications now in this language");
        }
    }

    pub fn language(&self) -> Language {
        *self.language.borrow()
    }

    /// The language as it changes.
    pub fn language_watch(&self) -> watch::Receiver<Language> {
        self.language.subscribe()
    }

    pub fn link(&self) -> &LinkHandle {
        &self.link
    }

    pub fn link_status(&self) -> LinkStatus {
        LinkStatus::new(
            &self.link.state().borrow(),
            self.link.telemetry(),
            self.shared.stored_last_contact(),
        )
    }

    /// The plant the console is on.
    pub fn plant(&self) -> PlantId {
        self.shared.plant()
    }

    /// The folder of the current plant's cache.
    pub fn cache_dir(&self) -> PathBuf {
        self.shared
            .cache_dir
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The server clock's estimated offset from this machine's clock (seconds ahead).
    pub fn clock_offset(&self) -> &ClockOffset {
        &self.shared.offset
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
            plant: self.shared.plant().to_string(),
            link: self.link_status(),
            devices: state.devices().cloned().collect(),
            relays: state.relays().cloned().collect(),
            system_stats: state.stats().cloned(),
            command_ttl_s: self.command_ttl.as_secs_f64(),
            read_only: self.is_read_only(),
            caps: self.shared.caps.reached(),
            recovered_from: self
                .shared
                .recovered_from
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone(),
            alert_status: self.alerts.status(),
            alarm_status: self.alerts.alarm_status(),
            cache: self
                .shared
                .cache
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone(),
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
