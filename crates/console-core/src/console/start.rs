//! Starting a console: open the plant's cache, restore the last-known state, then start
//! the store writer, the link, the alert engine, the pump and the outbox runner, in that
//! order, each in its own small step.

use console_i18n::Language;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinHandle;

use super::cache::{end_other_plants_commands, open_plant_cache};
use super::insight::Insight;
use super::pump::Pump;
use super::{persisted_hook, Console, ConsoleConfig, ConsoleError, Shared};
use crate::alerts;
use crate::outbox::{Outbox, QueuedCommand, Runner};
use crate::state::PlantState;
use crate::store::{self, StoreError, StoreWriter};
use crate::view::UpdateBatch;
use plant_link::link::{self, LinkHandle};

/// The outbox and the runner task that sends its commands.
struct OutboxParts {
    outbox: Arc<Outbox>,
    wake: Arc<Notify>,
    updates_tx: mpsc::Sender<QueuedCommand>,
    updates_rx: mpsc::Receiver<QueuedCommand>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    read_only: Arc<AtomicBool>,
}

impl Console {
    /// Opens the store, restores the last-known state and starts the link. Must be
    /// called inside a tokio runtime. The receiver yields the UI's update batches.
    pub async fn start(
        config: ConsoleConfig,
    ) -> Result<(Console, mpsc::Receiver<UpdateBatch>), ConsoleError> {
        let (cache_dir, opened, stored) = open_cache(&config).await?;
        log_restored(&config, &cache_dir, &opened, &stored);
        let shared = Arc::new(Shared::restored(&config, &cache_dir, &opened, stored));
        let writer = StoreWriter::spawn_observed(
            opened.conn,
            config.history_retention,
            persisted_hook(&config.progress),
        );
        let (events_tx, events_rx) = mpsc::channel(1024);
        let server_name = config.link.server().to_string();
        let (link, link_task) = link::spawn(config.link.clone(), events_tx);
        // The engine learns the restored picture before the pump applies anything, so
        // every later change reaches it as a change.
        let language = tokio::sync::watch::channel(config.language).0;
        let alert_engine = start_alerts(
            &config,
            server_name,
            &cache_dir,
            &shared,
            &link,
            language.subscribe(),
        )
        .await?;
        let (ui_tx, ui_rx) = mpsc::channel(4);
        let (stop_tx, stop_rx) = oneshot::channel();
        let pump = Pump {
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
        let runtime = tokio::spawn(pump.run(stop_rx));
        let outbox = start_outbox(&config, &cache_dir, &shared, &link).await?;
        let insight = Insight::new(
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
                outbox: outbox.outbox,
                outbox_wake: outbox.wake,
                outbox_stop: Some(outbox.stop),
                outbox_task: Some(outbox.task),
                // The alert engine and the window both get every command update.
                command_updates: Mutex::new(Some(alerts::fan_out(
                    outbox.updates_rx,
                    alert_engine.commands,
                ))),
                command_ttl: config.command_ttl,
                read_only: outbox.read_only,
                updates: outbox.updates_tx,
                alerts: alert_engine.handle,
                alert_task: Some(alert_engine.task),
                insight,
                data_dir: config.data_dir.clone(),
                offers: Mutex::new(HashMap::new()),
                language,
            },
            ui_rx,
        ))
    }
}

/// Opens the configured plant's cache off the runtime's threads, and ends the commands
/// other plants' caches still hold.
async fn open_cache(
    config: &ConsoleConfig,
) -> Result<(PathBuf, store::Opened, store::StoredState), ConsoleError> {
    let data_dir = config.data_dir.clone();
    let plant = config.link.plant.clone();
    let address = config.link.server().to_string();
    let now = config.link.wall_clock.now();
    store::blocking(move || {
        let opened = open_plant_cache(&data_dir, &plant, &address)?;
        end_other_plants_commands(&data_dir, &plant, now);
        Ok::<_, StoreError>(opened)
    })
    .await
    .map_err(ConsoleError::from)
}

fn log_restored(
    config: &ConsoleConfig,
    cache_dir: &std::path::Path,
    opened: &store::Opened,
    stored: &store::StoredState,
) {
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
}

impl Shared {
    /// The shared state of a console that has just opened `cache_dir` and read `stored`
    /// from it.
    fn restored(
        config: &ConsoleConfig,
        cache_dir: &std::path::Path,
        opened: &store::Opened,
        stored: store::StoredState,
    ) -> Shared {
        Shared {
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
            server_url: Mutex::new(config.link.server().to_string()),
            plant: Arc::new(RwLock::new(config.link.plant.clone())),
            cache_dir: Arc::new(Mutex::new(cache_dir.to_path_buf())),
            next_cache: Mutex::new(None),
            offset: Arc::default(),
            clock: config.link.wall_clock.clone(),
            caps: crate::bounds::Caps::new(config.limits),
            cache: Mutex::default(),
        }
    }
}

async fn start_alerts(
    config: &ConsoleConfig,
    server: String,
    cache_dir: &std::path::Path,
    shared: &Shared,
    link: &LinkHandle,
    language: tokio::sync::watch::Receiver<Language>,
) -> Result<alerts::engine::Started, ConsoleError> {
    let engine = alerts::start(
        alerts::EngineConfig {
            settings: config.alerts.clone(),
            server,
            data_dir: cache_dir.to_path_buf(),
            retention: config.history_retention,
            sink: config.notifications.clone(),
            clock: shared.clock.clone(),
            language,
        },
        &shared.state,
        link.state(),
    )
    .await?;
    Ok(engine)
}

/// Opens the outbox and starts its runner, which sends only the current plant's commands
/// and holds them while the console is read-only.
async fn start_outbox(
    config: &ConsoleConfig,
    cache_dir: &std::path::Path,
    shared: &Shared,
    link: &LinkHandle,
) -> Result<OutboxParts, ConsoleError> {
    let outbox_dir = cache_dir.to_path_buf();
    let outbox = store::blocking(move || Outbox::open_again(&outbox_dir)).await?;
    let outbox = Arc::new(outbox);
    let wake = Arc::new(Notify::new());
    let (updates_tx, updates_rx) = mpsc::channel(256);
    let (stop, stop_rx) = oneshot::channel::<()>();
    let runner = Runner::new(
        outbox.clone(),
        link.clone(),
        shared.state.clone(),
        config.runner.clone(),
        wake.clone(),
        updates_tx.clone(),
        shared.plant.clone(),
    )
    .with_clock(shared.clock.clone())
    .with_offset(shared.offset.clone());
    // A read-only console never sends: its outbox is only shown (and its commands still
    // expire). The switch can change while the console runs.
    let read_only = Arc::new(AtomicBool::new(config.read_only));
    let runner = runner.hold_while(read_only.clone());
    let task = tokio::spawn(runner.run(async move {
        let _ = stop_rx.await;
    }));
    Ok(OutboxParts {
        outbox,
        wake,
        updates_tx,
        updates_rx,
        stop,
        task,
        read_only,
    })
}
