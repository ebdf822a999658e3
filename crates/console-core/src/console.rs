//! The console runtime: wires link → plant state → {store, UI batches} and owns their
//! lifetimes. The shell (window or headless) starts one [`Console`] and stops it.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, Instant};

use crate::config::LinkConfig;
use crate::link::{self, LinkEvent, LinkHandle, LinkState, Telemetry};
use crate::session::Inbound;
use crate::state::PlantState;
use crate::store::{self, PendingWrites, StoreError, StoreWriter};
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
}

impl ConsoleConfig {
    pub fn new(link: LinkConfig, data_dir: PathBuf) -> Self {
        ConsoleConfig {
            link,
            data_dir,
            demo: false,
            ui_batch_interval: Duration::from_millis(50),
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
}

struct Shared {
    state: RwLock<PlantState>,
    stored_last_contact: Option<f64>,
    demo: bool,
    server_url: String,
}

/// A running console core.
pub struct Console {
    shared: Arc<Shared>,
    link: LinkHandle,
    link_task: JoinHandle<()>,
    runtime: JoinHandle<Result<(), StoreError>>,
    stop: Option<oneshot::Sender<()>>,
}

impl Console {
    /// Opens the store, restores the last-known state and starts the link. Must be
    /// called inside a tokio runtime. The receiver yields the UI's update batches.
    pub async fn start(
        config: ConsoleConfig,
    ) -> Result<(Console, mpsc::Receiver<UpdateBatch>), ConsoleError> {
        let data_dir = config.data_dir.clone();
        let (conn, stored) = tokio::task::spawn_blocking(move || {
            let conn = store::open(&data_dir)?;
            let stored = store::load_state(&conn)?;
            Ok::<_, StoreError>((conn, stored))
        })
        .await
        .map_err(|e| ConsoleError::Task(e.to_string()))??;
        tracing::info!(
            data_dir = %config.data_dir.display(),
            devices = stored.devices.len(),
            relays = stored.relays.len(),
            "last-known state restored"
        );
        let shared = Arc::new(Shared {
            state: RwLock::new(PlantState::from_parts(
                stored.devices,
                stored.relays,
                stored.system_stats,
            )),
            stored_last_contact: stored.last_contact,
            demo: config.demo,
            server_url: config.link.server.to_string(),
        });
        let writer = StoreWriter::spawn(conn);
        let (events_tx, events_rx) = mpsc::channel(1024);
        let (link, link_task) = link::spawn(config.link, events_tx);
        let (ui_tx, ui_rx) = mpsc::channel(4);
        let (stop_tx, stop_rx) = oneshot::channel();
        let runtime = Runtime {
            shared: shared.clone(),
            events: events_rx,
            link_state: link.state(),
            telemetry: link.telemetry().clone(),
            writer,
            ui: ui_tx,
            interval: config.ui_batch_interval,
        };
        let runtime = tokio::spawn(runtime.run(stop_rx));
        Ok((
            Console {
                shared,
                link,
                link_task,
                runtime,
                stop: Some(stop_tx),
            },
            ui_rx,
        ))
    }

    pub fn link(&self) -> &LinkHandle {
        &self.link
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
            server_url: self.shared.server_url.clone(),
            link: self.link_status(),
            devices: state.devices().cloned().collect(),
            relays: state.relays().cloned().collect(),
            system_stats: state.stats().cloned(),
        }
    }

    /// Stops the link, writes everything still pending and closes the store.
    pub async fn shutdown(mut self) -> Result<(), ConsoleError> {
        self.link.shutdown().await;
        let _ = self.link_task.await;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.runtime
            .await
            .map_err(|e| ConsoleError::Task(e.to_string()))??;
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
}

impl Runtime {
    async fn run(mut self, mut stop: oneshot::Receiver<()>) -> Result<(), StoreError> {
        let mut pending = PendingWrites::default();
        let mut batcher = Batcher::default();
        let mut changes = Vec::new();
        let mut flush_at: Option<Instant> = None;
        loop {
            tokio::select! {
                event = self.events.recv() => {
                    let Some(event) = event else { break };
                    self.apply(event, &mut changes, &mut pending);
                    for change in changes.drain(..) {
                        batcher.push(&change);
                    }
                    self.writer.offer(&mut pending)?;
                }
                changed = self.link_state.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let status = LinkStatus::new(&self.link_state.borrow_and_update(), &self.telemetry, self.shared.stored_last_contact);
                    batcher.link(status);
                }
                _ = async { sleep_until(flush_at.unwrap_or_else(Instant::now)).await }, if flush_at.is_some() => {
                    flush_at = None;
                    self.flush_ui(&mut batcher);
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
            self.apply(event, &mut changes, &mut pending);
            changes.clear();
        }
        let writer = self.writer;
        tokio::task::spawn_blocking(move || writer.close(pending))
            .await
            .map_err(|_| StoreError::WriterGone)?
    }

    fn apply(
        &self,
        event: LinkEvent,
        changes: &mut Vec<crate::state::Change>,
        pending: &mut PendingWrites,
    ) {
        let LinkEvent::Inbound { at, message } = event else {
            return;
        };
        {
            let mut state = self
                .shared
                .state
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match message {
                Inbound::Devices(update) => state.apply_devices(update, at, changes),
                Inbound::Relays(update) => state.apply_relays(update, at, changes),
                Inbound::Stats(stats) => state.apply_stats(stats, at, changes),
                Inbound::RelayResult { .. } | Inbound::RoundTrip(_) => {}
            }
        }
        for change in changes.iter() {
            pending.push(change);
        }
        pending.contact(at);
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
