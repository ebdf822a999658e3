//! The console runtime: wires link → plant state → {store, UI batches} and owns their
//! lifetimes. The shell (window or headless) starts one [`Console`] and stops it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
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
use crate::notify::DesktopNotifications;
use crate::offset::ClockOffset;
use crate::outbox::{Command, Outbox, OutboxError, Runner, RunnerConfig};
use crate::state::PlantState;
use crate::store::{self, Appearances, PendingWrites, StoreError, StoreWriter};
use crate::view::{Batcher, ConsoleSnapshot, LinkStatus, UpdateBatch};
use plant_link::clock::WallClock;
use plant_link::config::{LinkConfig, PlantId};
use plant_link::link::LinkMode;
use plant_link::link::{self, LinkEvent, LinkHandle, LinkState, Telemetry};
use plant_link::session::Inbound;

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

/// Another plant's cache, opened and ready for the runtime to switch to.
struct NextCache {
    dir: PathBuf,
    writer: rusqlite::Connection,
    alerts: rusqlite::Connection,
    stored: store::StoredState,
    recovered_from: Option<PathBuf>,
}

/// Opens `plant`'s cache in `data_dir` for a console (adopting a legacy cache, recording
/// the plant), for [`Console::start`] and a move to another plant.
fn open_plant_cache(
    data_dir: &Path,
    plant: &PlantId,
    address: &str,
) -> Result<(PathBuf, store::Opened, store::StoredState), StoreError> {
    let dir = store::plants::prepare(data_dir, plant, address)?;
    let opened = store::open_reporting(&dir)?;
    // The start checked all but the history; the history is checked meanwhile.
    store::check_all_later(&dir);
    let stored = store::load_state(&opened.conn)?;
    Ok((dir, opened, stored))
}

/// Ends the open commands in every other plant's cache of the data folder: the folder's
/// console is now on `plant`, so none of them may go out later by surprise. A cache that
/// cannot be opened is logged and left for its own plant's console.
fn end_other_plants_commands(data_dir: &Path, plant: &PlantId, now: f64) {
    let caches = match store::plants::known(data_dir) {
        Ok(caches) => caches,
        Err(error) => {
            tracing::warn!(%error, "cannot look for other plants' commands");
            return;
        }
    };
    for cache in caches {
        if cache.plant.as_ref() == Some(plant) || !cache.dir.join(store::DB_FILE).exists() {
            continue;
        }
        let ended = Outbox::open(&cache.dir)
            .and_then(|outbox| outbox.end_for_plant_change(None, plant.as_str(), now));
        match ended {
            Ok(ended) => {
                for command in ended {
                    tracing::warn!(
                        request_id = %command.request_id,
                        relay_id = %command.relay_id,
                        meant_for = ?command.plant,
                        now_on = %plant,
                        "a command for another plant was ended: plant changed"
                    );
                }
            }
            Err(error) => {
                tracing::warn!(dir = %cache.dir.display(), %error, "cannot end another plant's commands")
            }
        }
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
    command_updates: Mutex<Option<mpsc::Receiver<Command>>>,
    command_ttl: Duration,
    read_only: Arc<AtomicBool>,
    /// The outbox runner's updates, for commands the console itself ends.
    updates: mpsc::Sender<Command>,
    alerts: AlertHandle,
    alert_task: Option<JoinHandle<()>>,
    /// What the read-side views (history, journal, diagnostics) need.
    pub(crate) insight: crate::insight::Insight,
    /// The data folder (each plant's cache is in `plants/`).
    data_dir: PathBuf,
    /// "Queue until HH:MM?" offers made while the plant was unreachable, per (relay,
    /// state): the deadline the operator is asked to confirm, on the monotonic clock.
    offers: Mutex<HashMap<(String, bool), Instant>>,
}

impl Console {
    /// Opens the store, restores the last-known state and starts the link. Must be
    /// called inside a tokio runtime. The receiver yields the UI's update batches.
    pub async fn start(
        config: ConsoleConfig,
    ) -> Result<(Console, mpsc::Receiver<UpdateBatch>), ConsoleError> {
        let data_dir = config.data_dir.clone();
        let plant = config.link.plant.clone();
        let address = config.link.server.to_string();
        let clock = config.link.wall_clock.clone();
        let now = clock.now();
        let (cache_dir, opened, stored) = tokio::task::spawn_blocking(move || {
            let opened = open_plant_cache(&data_dir, &plant, &address)?;
            end_other_plants_commands(&data_dir, &plant, now);
            Ok::<_, StoreError>(opened)
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
            plant = %config.link.plant,
            cache = %cache_dir.display(),
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
            stored_last_contact: Mutex::new(stored.last_contact),
            recovered_from: Mutex::new(
                opened
                    .recovered_from
                    .as_ref()
                    .map(|kept| kept.display().to_string()),
            ),
            demo: config.demo,
            server_url: Mutex::new(config.link.server.to_string()),
            plant: Arc::new(RwLock::new(config.link.plant.clone())),
            cache_dir: Arc::new(Mutex::new(cache_dir.clone())),
            next_cache: Mutex::new(None),
            offset: Arc::default(),
            clock,
            caps: crate::bounds::Caps::new(config.limits),
            cache: Mutex::default(),
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
                data_dir: cache_dir.clone(),
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
            retention: config.history_retention,
            journal_cap: crate::bounds::JournalCap::default(),
        };
        let runtime = tokio::spawn(runtime.run(stop_rx));

        let outbox_dir = cache_dir.clone();
        let outbox = tokio::task::spawn_blocking(move || Outbox::open_again(&outbox_dir))
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
            shared.plant.clone(),
        )
        .with_clock(shared.clock.clone())
        .with_offset(shared.offset.clone());
        // A read-only console never sends: its outbox is only shown (and its commands
        // still expire). The switch can change while the console runs.
        let read_only = Arc::new(AtomicBool::new(config.read_only));
        let runner = runner.hold_while(read_only.clone());
        let outbox_task = Some(tokio::spawn(runner.run(async move {
            let _ = outbox_stop_rx.await;
        })));
        let insight = crate::insight::Insight::new(
            config.data_dir.clone(),
            shared.cache_dir.clone(),
            config.notifications.clone(),
        );
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
                insight,
                data_dir: config.data_dir.clone(),
                offers: Mutex::new(HashMap::new()),
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
        let now = self.shared.clock.now();
        let mode = self.link.state().borrow().mode;
        let reachable = matches!(
            mode,
            LinkMode::Realtime | LinkMode::Fallback | LinkMode::Stale
        );
        let key = (relay_id.to_owned(), state);
        let mut ttl = self.command_ttl;
        if !reachable {
            let mut offers = self
                .offers
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let offered = offers.remove(&key);
            // The operator confirms the "until" they were shown: the command lives until
            // then on the monotonic clock, not a TTL counted again from the confirmation.
            let left = offered.map(|deadline| deadline.saturating_duration_since(Instant::now()));
            match left {
                Some(left) if queue_if_offline && left >= Duration::from_secs(1) => ttl = left,
                None if queue_if_offline => {}
                _ => {
                    offers.insert(key, Instant::now() + self.command_ttl);
                    return Err(CommandError::LinkDown {
                        until: now + self.command_ttl.as_secs_f64(),
                    });
                }
            }
        }
        let plant = self.shared.plant();
        let (outbox, relay_id) = (self.outbox.clone(), relay_id.to_owned());
        let command = tokio::task::spawn_blocking(move || {
            outbox.enqueue(&plant, &relay_id, state, ttl, &Actor::current(), now)
        })
        .await
        .map_err(|e| CommandError::Outbox(OutboxError::Store(StoreError::Io(e.to_string()))))??;
        self.outbox_wake.notify_one();
        Ok(command)
    }

    /// Cancels a command that has not been sent yet.
    pub async fn cancel_command(&self, request_id: &str) -> Result<Command, CommandError> {
        let (outbox, id) = (self.outbox.clone(), request_id.to_owned());
        let now = self.shared.clock.now();
        let command =
            tokio::task::spawn_blocking(move || outbox.cancel(&id, &Actor::current(), now))
                .await
                .map_err(|e| {
                    CommandError::Outbox(OutboxError::Store(StoreError::Io(e.to_string())))
                })??;
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

    /// Connects to the plant with new link settings (address, token, site CA). When they
    /// lead to another plant (`link.plant`), every command not yet final ends as "plant
    /// changed" first and none is sent to the new plant (its relay ids may name other
    /// relays); the console then moves to the new plant's own cache, so the window shows
    /// what is known of that plant and nothing of the old one. Returns the commands it
    /// ended.
    pub async fn reconfigure_link(&self, link: LinkConfig) -> Result<Vec<Command>, CommandError> {
        let url = link.server.to_string();
        let to = link.plant.clone();
        let from = self.shared.plant();
        let mut ended = Vec::new();
        let mut next_dir = None;
        if to != from {
            let (outbox, now, name) = (self.outbox.clone(), self.shared.clock.now(), to.clone());
            ended = tokio::task::spawn_blocking(move || {
                outbox.end_for_plant_change(Some(&name), name.as_str(), now)
            })
            .await
            .map_err(|e| {
                CommandError::Outbox(OutboxError::Store(StoreError::Io(e.to_string())))
            })??;
            // From here on the runner sends nothing of the old plant, and ends whatever
            // of it was queued since.
            *self
                .shared
                .plant
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = to.clone();
            for command in &ended {
                let _ = self.updates.try_send(command.clone());
            }
            let (data_dir, plant, address) = (self.data_dir.clone(), to.clone(), url.clone());
            let next = tokio::task::spawn_blocking(move || {
                let (dir, opened, stored) = open_plant_cache(&data_dir, &plant, &address)?;
                let alerts = store::open_again(&dir)?;
                Ok::<_, StoreError>(NextCache {
                    dir,
                    writer: opened.conn,
                    alerts,
                    stored,
                    recovered_from: opened.recovered_from,
                })
            })
            .await
            .map_err(|e| CommandError::Outbox(OutboxError::Store(StoreError::Io(e.to_string()))))?
            .map_err(|e| CommandError::Outbox(OutboxError::Store(e)))?;
            next_dir = Some(next.dir.clone());
            *self
                .shared
                .next_cache
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(next);
            // Another plant has another clock.
            self.shared.offset.reset();
            tracing::info!(%from, %to, "moving to another plant");
        }
        *self
            .shared
            .server_url
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = url;
        self.link
            .reconfigure(link)
            .await
            .map_err(|_| CommandError::Stopped)?;
        if let Some(dir) = next_dir {
            // The link takes the new settings before any command it is handed after
            // this: a command of the new plant that reaches it while it still leads to
            // the old one is refused there and sent later.
            let outbox = self.outbox.clone();
            let switch_dir = dir.clone();
            tokio::task::spawn_blocking(move || outbox.switch_to(&switch_dir))
                .await
                .map_err(|e| {
                    CommandError::Outbox(OutboxError::Store(StoreError::Io(e.to_string())))
                })??;
            *self
                .shared
                .cache_dir
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = dir;
            self.outbox_wake.notify_one();
        }
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
        let (outbox, now) = (self.outbox.clone(), self.shared.clock.now());
        let ended = tokio::task::spawn_blocking(move || outbox.abandon_open(reason, sent_too, now))
            .await
            .map_err(|e| {
                CommandError::Outbox(OutboxError::Store(StoreError::Io(e.to_string())))
            })??;
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
    /// History retention, for the writer of a plant moved to.
    retention: Duration,
    /// The journal's rows per device or relay per minute (`bounds`).
    journal_cap: crate::bounds::JournalCap,
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
        let started_at = plant_link::clock::unix_now();
        let mut link_seen = LinkState {
            mode: LinkMode::Connecting,
            since: started_at,
            detail: None,
        };
        pending.link_started(started_at, self.shared.stored_last_contact());
        let mut last_data = self.shared.stored_last_contact();
        let mut writer_idle = self.writer.idle();
        loop {
            tokio::select! {
                event = self.events.recv() => {
                    let Some(event) = event else { break };
                    if let LinkEvent::Inbound { at, .. } = &event {
                        last_data = Some(*at);
                    }
                    if let LinkEvent::PlantChanged { from, to } = &event {
                        let at = plant_link::clock::unix_now();
                        let next = self
                            .shared
                            .next_cache
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .take();
                        match next {
                            Some(next) => {
                                last_data = self
                                    .move_to_plant(from, to, at, next, &mut pending, &mut batcher)
                                    .await?;
                                writer_idle = self.writer.idle();
                            }
                            None => {
                                self.forget_plant(from.as_str(), to.as_str(), at, &mut pending, &mut batcher);
                                // In the engine's queue after every change of the old plant.
                                self.alerts.forget_plant(at).await;
                            }
                        }
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
                    let status = LinkStatus::new(&state, &self.telemetry, self.shared.stored_last_contact());
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
                status = self.writer.status_changed() => {
                    *self
                        .shared
                        .cache
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()) = status.clone();
                    batcher.cache(status);
                }
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
        // The journal says how many rows its cap left out, even of the last minute.
        for row in self
            .journal_cap
            .summaries(plant_link::clock::unix_now(), true)
        {
            pending.journal(row);
        }
        let writer = self.writer;
        tokio::task::spawn_blocking(move || writer.close(pending))
            .await
            .map_err(|_| StoreError::WriterGone)?
    }

    /// The link now leads to another plant, whose cache `next` was opened for: what is
    /// pending goes into the old plant's cache (with a journal entry saying the console
    /// left), its writer closes, and the new plant's cache, last-known state and alerts
    /// take their place; the window swaps one picture for the other. Returns the new
    /// cache's last contact.
    async fn move_to_plant(
        &mut self,
        from: &PlantId,
        to: &PlantId,
        at: plant_protocol::UnixSeconds,
        next: NextCache,
        pending: &mut PendingWrites,
        batcher: &mut Batcher,
    ) -> Result<Option<f64>, StoreError> {
        pending.journal(store::NewJournalEntry {
            at,
            kind: store::journal_kind::LINK.into(),
            subject: to.to_string(),
            text: format!("The console left plant {from} for plant {to}"),
            data: serde_json::json!({ "from": from, "to": to }),
        });
        let committed = self.progress.clone().map(|progress| {
            Box::new(move |seq| progress.persisted(seq)) as Box<dyn Fn(u64) + Send>
        });
        let old = std::mem::replace(
            &mut self.writer,
            StoreWriter::spawn_observed(next.writer, self.retention, committed),
        );
        let leaving = std::mem::take(pending);
        tokio::task::spawn_blocking(move || old.close(leaving))
            .await
            .map_err(|_| StoreError::WriterGone)??;

        let stored = next.stored;
        let picture = PlantState::from_parts(stored.devices, stored.relays, stored.system_stats);
        let old = std::mem::replace(
            &mut *self
                .shared
                .state
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
            picture.clone(),
        );
        // Only the window learns of the swap: neither cache changes because of it.
        for entry in old.devices() {
            batcher.push(&crate::state::Change::DeviceRemoved(entry.device.clone()));
        }
        for entry in old.relays() {
            batcher.push(&crate::state::Change::RelayRemoved(entry.relay.clone()));
        }
        for entry in picture.devices() {
            batcher.push(&crate::state::Change::Device {
                before: None,
                after: entry.clone(),
            });
        }
        for entry in picture.relays() {
            batcher.push(&crate::state::Change::Relay {
                before: None,
                after: entry.clone(),
            });
        }
        if let Some(stats) = picture.stats() {
            batcher.push(&crate::state::Change::Stats(stats.clone()));
        }
        *self
            .shared
            .stored_last_contact
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = stored.last_contact;
        *self
            .shared
            .recovered_from
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            next.recovered_from.map(|kept| kept.display().to_string());
        pending.link_started(at, stored.last_contact);
        pending.journal(store::NewJournalEntry {
            at,
            kind: store::journal_kind::LINK.into(),
            subject: to.to_string(),
            text: format!("The console moved here from plant {from}"),
            data: serde_json::json!({ "from": from, "to": to }),
        });
        // In the engine's queue after every change of the old plant.
        self.alerts
            .move_to(at, Some(alerts::StoreSwitch::new(next.alerts)))
            .await;
        tracing::info!(%from, %to, cache = %next.dir.display(), "moved to another plant's cache");
        Ok(stored.last_contact)
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
        let (at, message) = match event {
            LinkEvent::Inbound { at, message } => (at, message),
            // The count of what could not be used grew: the window's banner and
            // diagnostics learn it with the next batch, even if no value changed.
            LinkEvent::Unusable => {
                batcher.link(self.link_status());
                return;
            }
            _ => return,
        };
        let server_time = match &message {
            Inbound::Devices(read) => Some(read.value.server_time),
            Inbound::Relays(read) => Some(read.value.server_time),
            Inbound::Stats(read) => Some(read.value.server_time),
            Inbound::RelayResult { .. } | Inbound::RoundTrip(_) => None,
        };
        // A stamp of 0 or less is a plant that does not say its time, not a clock.
        if let Some(server_time) = server_time.filter(|t| *t > 0.0) {
            self.shared.offset.sample(server_time, at);
        }
        let stamp = self.progress.as_ref().and(match &message {
            Inbound::Devices(read) => Some(read.value.server_time),
            Inbound::Relays(read) => Some(read.value.server_time),
            Inbound::Stats(read) => Some(read.value.server_time),
            Inbound::RelayResult { .. } | Inbound::RoundTrip(_) => None,
        });
        let unclean = match &message {
            Inbound::Devices(read) => !read.marks.is_clean(),
            Inbound::Relays(read) => !read.marks.is_clean(),
            Inbound::Stats(read) => !read.marks.is_clean(),
            Inbound::RelayResult { .. } | Inbound::RoundTrip(_) => false,
        };
        let mut capped = false;
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
            // The caps run between reading and applying: the state never holds more than
            // they allow, so neither do the store, the window and the alerts.
            match message {
                Inbound::Devices(mut read) => {
                    capped = self.shared.caps.devices(&mut read, &state);
                    state.apply_devices_read(read.value, &read.marks, at, changes)
                }
                Inbound::Relays(mut read) => {
                    capped = self.shared.caps.relays(&mut read, &state);
                    state.apply_relays_read(read.value, &read.marks, at, changes)
                }
                Inbound::Stats(read) => {
                    let unreadable = read.marks.of(0).cloned().unwrap_or_default();
                    state.apply_stats_read(read.value, unreadable, at, changes)
                }
                Inbound::RelayResult { .. } | Inbound::RoundTrip(_) => {}
            }
            appearances
        };
        for row in self.journal_cap.summaries(at, false) {
            pending.journal(row);
        }
        let mut journal_left_out = 0;
        for change in changes.iter() {
            if pending.record_capped(change, at, appearances, &mut self.journal_cap) {
                journal_left_out += 1;
            }
            batcher.push(change);
        }
        if capped || journal_left_out > 0 {
            self.shared.caps.journal_rows_left_out(journal_left_out);
            batcher.caps(self.shared.caps.reached());
        }
        // The alert engine is the changes' last reader: it takes them.
        self.alerts
            .offer_owned(std::mem::take(changes), at, appearances);
        pending.contact(at);
        if unclean {
            batcher.link(self.link_status());
        }
        if let Some(progress) = &self.progress {
            self.applied += 1;
            progress.applied(self.applied, stamp);
            pending.include_message(self.applied);
        }
    }

    fn link_status(&self) -> LinkStatus {
        LinkStatus::new(
            &self.link_state.borrow(),
            &self.telemetry,
            self.shared.stored_last_contact(),
        )
    }

    fn flush_ui(&self, batcher: &mut Batcher) {
        if batcher.is_empty() {
            return;
        }
        // The link's figures (last message age) ride along with every batch.
        let status = LinkStatus::new(
            &self.link_state.borrow(),
            &self.telemetry,
            self.shared.stored_last_contact(),
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
