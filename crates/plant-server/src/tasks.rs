//! The server's periodic background tasks, each a loop on the one [`Ticker`]: the
//! `system_stats_update` broadcast, the tick simulation and the steady update stream.
//!
//! They sit above the plant, the host sampler and the broadcaster, and drive all three;
//! none of those knows about them.

use std::sync::Arc;
use std::time::Duration;

use plant_protocol::events;
use rand::rngs::StdRng;
use socketioxide::SocketIo;
use tokio::sync::watch;

use crate::broadcast;
use crate::plant::{connected_clients, Plant};
use crate::stats::HostSampler;
use crate::ticker::Ticker;

/// Samples the host and broadcasts `system_stats_update` every `period` until `stop` turns
/// true. The server took a sample while starting and has no clients yet, so the first
/// broadcast is due one period from now.
pub(crate) async fn broadcast_stats(
    io: SocketIo,
    plant: Arc<Plant>,
    mut sampler: HostSampler,
    period: Duration,
    stop: watch::Receiver<bool>,
) {
    let mut ticker = Ticker::new(period, stop);
    while ticker.tick().await {
        // Reading the host can block (see `stats.rs`): on the blocking pool.
        let sampled = tokio::task::spawn_blocking(move || {
            let figures = sampler.sample();
            (sampler, figures)
        })
        .await;
        match sampled {
            Ok((returned, figures)) => {
                sampler = returned;
                plant.set_host_figures(figures);
            }
            Err(error) => {
                // The sampler panicked or the runtime is going away; the broadcast stops too.
                tracing::error!(%error, "host sampling failed; stats broadcast stops");
                break;
            }
        }
        let stats = plant.system_stats(connected_clients(&io));
        broadcast::emit(&io, events::SYSTEM_STATS_UPDATE, &stats, 1).await;
    }
    tracing::debug!("stats broadcaster stopped");
}

/// Ticks the simulation every `period` until `stop` turns true. The fleet was just
/// generated, so the first tick is one period from now.
pub(crate) async fn simulate(
    plant: Arc<Plant>,
    mut rng: StdRng,
    period: Duration,
    stop: watch::Receiver<bool>,
) {
    let mut ticker = Ticker::new(period, stop);
    while ticker.tick().await {
        let changed = plant.simulate(&mut rng);
        tracing::trace!(changed, "simulation tick");
    }
    tracing::debug!("simulation stopped");
}

/// Sends `rate` one-device updates a second, spread over millisecond ticks, until `stop`
/// turns true. The count due is worked out from the start, so a late tick catches up
/// and the rate holds on average.
pub(crate) async fn stream(
    plant: Arc<Plant>,
    mut rng: StdRng,
    rate: u32,
    stop: watch::Receiver<bool>,
) {
    let mut ticker = Ticker::new(Duration::from_millis(1), stop);
    let started = tokio::time::Instant::now();
    let mut sent: u64 = 0;
    let mut cursor = None;
    while ticker.tick().await {
        let due = (started.elapsed().as_secs_f64() * f64::from(rate)) as u64;
        let count = due.saturating_sub(sent);
        if count > 0 {
            plant.stream(
                &mut rng,
                usize::try_from(count).unwrap_or(usize::MAX),
                &mut cursor,
            );
            sent = due;
        }
    }
    tracing::debug!(sent, "update stream stopped");
}
