//! The link's mode bookkeeping and its HTTP fallback: when the WebSocket has not been
//! live for a while, the plant is polled over HTTP until the WebSocket returns.
//!
//! The WebSocket side and the poller both change the mode, so every change goes through
//! one [`ModeCell`] that decides under a lock: a live WebSocket always wins, and a
//! working poller keeps failed WebSocket attempts from showing the plant as offline.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep, sleep_until, Instant};

use crate::http::{ApiError, PlantApi};
use crate::link::{unix_now, LinkEvent, LinkMode, LinkState, Telemetry};
use crate::session::Inbound;

#[derive(Debug, Default)]
struct Sources {
    ws_live: bool,
    fallback_ok: bool,
}

/// The single writer of the published [`LinkState`].
#[derive(Debug)]
pub(crate) struct ModeCell {
    sources: Mutex<Sources>,
    state: watch::Sender<LinkState>,
    telemetry: Arc<Telemetry>,
}

impl ModeCell {
    pub(crate) fn new(state: watch::Sender<LinkState>, telemetry: Arc<Telemetry>) -> Self {
        ModeCell {
            sources: Mutex::new(Sources::default()),
            state,
            telemetry,
        }
    }

    pub(crate) fn mode(&self) -> LinkMode {
        self.state.borrow().mode
    }

    fn publish(&self, mode: LinkMode, detail: Option<String>) {
        self.state.send_if_modified(|state| {
            if state.mode == mode && state.detail == detail {
                return false;
            }
            if state.mode != mode {
                state.since = unix_now();
                self.telemetry.mode_changed(mode);
            }
            state.mode = mode;
            state.detail = detail;
            true
        });
    }

    fn sources(&self) -> std::sync::MutexGuard<'_, Sources> {
        self.sources
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The WebSocket session went live.
    pub(crate) fn ws_live(&self) {
        let mut sources = self.sources();
        sources.ws_live = true;
        sources.fallback_ok = false;
        self.publish(LinkMode::Realtime, None);
    }

    /// The live WebSocket went quiet (stale) or spoke again.
    pub(crate) fn ws_stale(&self, stale: bool) {
        let sources = self.sources();
        if sources.ws_live {
            self.publish(
                if stale {
                    LinkMode::Stale
                } else {
                    LinkMode::Realtime
                },
                None,
            );
        }
    }

    /// The WebSocket is down (or never came up); shown as Offline unless polling works.
    pub(crate) fn ws_down(&self, detail: String) {
        let mut sources = self.sources();
        sources.ws_live = false;
        if !sources.fallback_ok {
            self.publish(LinkMode::Offline, Some(detail));
        }
    }

    /// The link now leads to another plant (or with other credentials): nothing known
    /// about the old one holds, and the link is Connecting until the new one answers.
    pub(crate) fn reset(&self, detail: String) {
        let mut sources = self.sources();
        sources.ws_live = false;
        sources.fallback_ok = false;
        self.publish(LinkMode::Connecting, Some(detail));
    }

    /// The plant refused the token, on either path.
    pub(crate) fn unauthorized(&self, detail: String) {
        let mut sources = self.sources();
        sources.ws_live = false;
        sources.fallback_ok = false;
        self.publish(LinkMode::Unauthorized, Some(detail));
    }

    /// A poll succeeded.
    fn fallback_ok(&self) {
        let mut sources = self.sources();
        if !sources.ws_live {
            sources.fallback_ok = true;
            self.publish(LinkMode::Fallback, None);
        }
    }

    /// A poll failed.
    fn fallback_failed(&self, detail: String) {
        let mut sources = self.sources();
        if !sources.ws_live {
            sources.fallback_ok = false;
            self.publish(LinkMode::Offline, Some(detail));
        }
    }

    /// Whether relay commands can go by HTTP right now.
    pub(crate) fn fallback_usable(&self) -> bool {
        let sources = self.sources();
        !sources.ws_live && sources.fallback_ok
    }
}

/// Starts a poller that waits `after`, then polls every `every` until it is aborted.
pub(crate) fn spawn_poller(
    api: Arc<PlantApi>,
    mode: Arc<ModeCell>,
    events: mpsc::Sender<LinkEvent>,
    telemetry: Arc<Telemetry>,
    after: Duration,
    every: Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        sleep(after).await;
        tracing::info!("WebSocket not live: polling the plant over HTTP");
        loop {
            let started = Instant::now();
            match tokio::try_join!(api.devices(), api.relays(), api.stats()) {
                Ok((devices, relays, stats)) => {
                    let at = unix_now();
                    telemetry.note_message(at);
                    let marks = [&devices.marks, &relays.marks, &stats.marks];
                    telemetry.note_items(
                        marks.iter().map(|m| u64::from(m.dropped)).sum(),
                        marks.iter().map(|m| m.items.len() as u64).sum(),
                    );
                    mode.fallback_ok();
                    for message in [
                        Inbound::Devices(devices),
                        Inbound::Relays(relays),
                        Inbound::Stats(stats),
                    ] {
                        if events
                            .send(LinkEvent::Inbound { at, message })
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                }
                Err(ApiError::Unauthorized) => {
                    mode.unauthorized("refused: unauthorized (HTTP 401)".into())
                }
                Err(error) => {
                    tracing::debug!(%error, "poll failed");
                    mode.fallback_failed(error.to_string());
                }
            }
            sleep_until(started + every).await;
        }
    })
}
