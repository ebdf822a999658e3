//! The server's periodic background tasks, each a loop on the one [`Ticker`]: the
//! `system_stats_update` broadcast, the tick simulation and the steady update stream.
//!
//! They sit above the plant, the host sampler and the broadcaster, and drive all three;
//! none of those knows about them.

use std::sync::Arc;
use std::time::Duration;

use plant_protocol::events;
use rand::rngs::StdRng;
use tokio::sync::watch;

use crate::broadcast::Sockets;
use crate::plant::Plant;
use crate::shared::ManagedDriver;
use crate::stats::HostSampler;
use crate::ticker::Ticker;

/// Samples the host and broadcasts `system_stats_update` every `period` until `stop` turns
/// true. The server took a sample while starting and has no clients yet, so the first
/// broadcast is due one period from now.
pub(crate) async fn broadcast_stats(
    io: Sockets,
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
        // Each instance's figures are its own host's, so each tells its own clients only.
        let stats = plant.system_stats(io.connected_clients());
        io.emit_local(events::SYSTEM_STATS_UPDATE, &stats, 1).await;
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
    let shared = plant.shared().cloned();
    let lease = lease_for(period);
    if shared.is_none() {
        plant.simulates_alone();
    }
    while ticker.tick().await {
        let changed = match &shared {
            Some(shared) => plant.simulate_shared(shared, &mut rng, lease).await,
            None => plant.simulate(&mut rng),
        };
        tracing::trace!(changed, "simulation tick");
    }
    if let Some(shared) = &shared {
        // Handing the lease back lets another instance take over at its next tick rather
        // than when the lease runs out.
        if let Err(error) = shared.release_lease().await {
            tracing::debug!(%error, "simulation lease not released; it runs out on its own");
        }
    }
    tracing::debug!("simulation stopped");
}

/// How long the simulation lease lasts without renewal: three ticks, so that one late tick
/// does not hand the simulation over, and at least a second, so that a busy machine does
/// not flip it back and forth.
pub(crate) fn lease_for(period: Duration) -> Duration {
    (period * 3).max(Duration::from_secs(1))
}

/// How often an instance checks Redis in `--redis` mode.
const REDIS_PROBE: Duration = Duration::from_millis(500);

/// Checks Redis every [`REDIS_PROBE`] until `stop` turns true, so that `/api/health` (and the
/// command path) know whether it is reachable, and seeds it again from this instance's last
/// reading when it came back empty (restarted without persistence): the plant goes on where
/// it was rather than with an empty fleet that would answer every command `unknown_relay`.
pub(crate) async fn watch_redis(
    plant: Arc<Plant>,
    driver: Option<ManagedDriver>,
    stop: watch::Receiver<bool>,
) {
    let (Some(shared), Some(driver)) = (plant.shared().cloned(), driver) else {
        return;
    };
    let mut ticker = Ticker::new(REDIS_PROBE, stop);
    while ticker.tick().await {
        let (state, pubsub) = tokio::join!(shared.ping(), driver.ping());
        shared.set_pubsub_reachable(pubsub);
        if state.is_err() || !pubsub {
            continue;
        }
        match shared.is_seeded().await {
            Ok(true) | Err(_) => {}
            Ok(false) => plant.reseed(&shared).await,
        }
    }
    tracing::debug!("Redis watch stopped");
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
