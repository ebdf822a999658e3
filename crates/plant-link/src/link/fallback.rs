//! The link's HTTP fallback: when the WebSocket has not been live for a while, the plant
//! is polled over HTTP until the WebSocket returns. The poller reports through the link's
//! [`ModeCell`], which lets a live WebSocket always win.
//!
//! A plant with several addresses is polled at one of them at a time, starting where the
//! WebSocket side is; a failed poll moves the poller on to the next address, as a failed
//! connection moves the WebSocket side (a refused token does not: it is the same token
//! everywhere).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{sleep, sleep_until, Instant};

use super::mode::ModeCell;
use super::{LinkEvent, Telemetry};
use crate::clock::unix_now;
use crate::http::{ApiError, PlantApi};
use crate::session::Inbound;

/// Starts a poller that waits `after`, then polls every `every` until it is aborted,
/// starting at the address `start` of `apis` (one client per address, in list order).
pub(super) fn spawn_poller(
    apis: Arc<Vec<Arc<PlantApi>>>,
    start: usize,
    mode: Arc<ModeCell>,
    events: mpsc::Sender<LinkEvent>,
    telemetry: Arc<Telemetry>,
    after: Duration,
    every: Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        sleep(after).await;
        tracing::info!("WebSocket not live: polling the plant over HTTP");
        let mut index = start.min(apis.len().saturating_sub(1));
        loop {
            let started = Instant::now();
            let api = &apis[index];
            match tokio::try_join!(api.devices(), api.relays(), api.stats()) {
                Ok((devices, relays, stats)) => {
                    let at = unix_now();
                    telemetry.note_message(at);
                    let marks = [&devices.marks, &relays.marks, &stats.marks];
                    telemetry.note_items(
                        marks.iter().map(|m| u64::from(m.dropped)).sum(),
                        marks.iter().map(|m| m.items.len() as u64).sum(),
                    );
                    mode.fallback_ok(index);
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
                    tracing::debug!(%error, server = %api.server(), "poll failed");
                    index = (index + 1) % apis.len();
                    mode.fallback_failed(error.to_string(), index);
                }
            }
            sleep_until(started + every).await;
        }
    })
}
