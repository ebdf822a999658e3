//! The reference plant server: protocol v1 (`shared/plant-protocol.md`) over a simulated fleet.
//!
//! It serves Socket.IO v5 at `/socket.io/` and the HTTP/JSON API at `/api/…` on one port, the
//! way the plant's Flask-SocketIO server does, so that the console can be demonstrated and
//! tested without a plant. [`run`] serves until a shutdown future resolves; [`start`] spawns the
//! server on the current runtime and returns a [`RunningServer`] with a [`PlantHandle`] for
//! making plant-side changes.
//!
//! Layout, each module using only those below it:
//! - this file — [`ServerConfig`], [`ServerError`], [`run`] and [`start`]: builds the plant,
//!   serves HTTP and Socket.IO, starts the background tasks and shuts it all down;
//! - `http`, `socket` — the two transports of the contract, thin over the plant;
//! - `tasks` — the periodic work (stats broadcast, tick simulation, update stream), each a
//!   loop on the one `ticker::Ticker`;
//! - `plant` — the shared state under one lock, the relay command path, [`PlantHandle`];
//! - `broadcast` — the single ordered queue from a change to every client, and the
//!   Socket.IO instance on either adapter;
//! - `shared` — `--redis` mode: the plant's state, the dedupe table and the simulation
//!   lease in Redis, each change one atomic script, and the adapter's pub/sub driver;
//! - `command`, `dedupe`, `fleet` — a command's checks, the request-id table, the
//!   simulated fleet: pure, no I/O;
//! - `stats` — the host's own figures (sysinfo); `ticker` — the periodic tick.
//!
//! Only what other crates use is public: the configuration, the two entry points, the
//! running server and the plant handle.

mod broadcast;
mod command;
mod dedupe;
mod fleet;
mod http;
mod plant;
mod shared;
mod socket;
mod stats;
mod tasks;
mod ticker;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use socketioxide::SocketIo;
use socketioxide_redis::{RedisAdapterConfig, RedisAdapterCtr};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

pub use crate::plant::PlantHandle;
pub use crate::shared::SharedError;

use crate::broadcast::{Inbox, SharedAdapter, Sockets};
use crate::plant::{unix_now, Plant};
use crate::shared::{ManagedDriver, SharedStore};
use crate::stats::HostSampler;

/// How long shutdown waits for Socket.IO clients to be closed cleanly.
const CLOSE_GRACE: Duration = Duration::from_secs(3);

/// How the server is set up. [`ServerConfig::default`] is a small simulated plant (12 devices,
/// 6 relays, simulation on at 1 s) without a token.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// The site's token; `None` lets every client in.
    pub token: Option<String>,
    /// Number of simulated devices.
    pub devices: usize,
    /// Number of simulated relays; every fifth one is locked (`"locked": true`).
    pub relays: usize,
    /// Period of the `system_stats_update` broadcast.
    pub stats_interval: Duration,
    /// Period of the simulation tick; `None` freezes the fleet (changes come only from
    /// commands and the [`PlantHandle`]).
    pub sim_interval: Option<Duration>,
    /// Seed for the fleet and the simulation; the same seed gives the same fleet and the
    /// same sequence of changes. `None` seeds from the OS.
    pub seed: Option<u64>,
    /// Relay commands whose `issued_at` is older than this are refused with `expired`.
    pub command_max_age: Duration,
    /// A steady stream of this many one-device updates per second instead of the tick
    /// simulation (`sim_interval` is then unused): each drifts the next device in id
    /// order and goes out as its own `devices_update`. For benchmarks; `None` by default.
    pub updates_per_second: Option<u32>,
    /// Seconds the plant's clock runs ahead of the machine's (negative: behind): its
    /// `server_time` stamps, its relays' `changed_at` and its command age check all use
    /// the skewed clock. For tests of a console whose clock disagrees with the plant's.
    pub clock_offset_s: f64,
    /// `redis://HOST:PORT/DB` of the Redis that several instances share the plant through
    /// (its state, the command dedupe, the simulation lease and the broadcasts); `None` runs
    /// a plant of its own in memory. Needs Redis 7 (RESP3).
    pub redis: Option<String>,
    /// This instance's name in logs, `/api/health` and Redis; `None` is the host name and
    /// the port it listens on.
    pub instance: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            token: None,
            devices: 12,
            relays: 6,
            stats_interval: Duration::from_secs(2),
            sim_interval: Some(Duration::from_secs(1)),
            seed: None,
            command_max_age: Duration::from_secs(60),
            updates_per_second: None,
            clock_offset_s: 0.0,
            redis: None,
            instance: None,
        }
    }
}

/// Why the server could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    #[error("cannot read the listener's local address: {0}")]
    LocalAddr(#[source] std::io::Error),
    #[error("HTTP server failed: {0}")]
    Serve(#[source] std::io::Error),
    #[error("a server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("the shared plant in Redis: {0}")]
    Shared(#[from] SharedError),
    #[error("the Socket.IO Redis adapter did not start: {0}")]
    Adapter(String),
}

/// Serves `listener` with `config` until `shutdown` resolves, then shuts down gracefully:
/// stops the background tasks, disconnects every Socket.IO client, finishes the HTTP requests
/// in flight, and returns.
pub async fn run(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    Server::build(listener, config).await?.serve(shutdown).await
}

/// Starts the server on the current tokio runtime and returns once it accepts connections.
pub async fn start(
    listener: TcpListener,
    config: ServerConfig,
) -> Result<RunningServer, ServerError> {
    let server = Server::build(listener, config).await?;
    let local_addr = server.local_addr;
    let handle = server.handle.clone();
    let (trigger, triggered) = oneshot::channel::<()>();
    // Dropping the RunningServer drops `trigger`, which also resolves `triggered`: a server
    // nobody holds any more shuts itself down instead of running on unseen.
    let task = tokio::spawn(server.serve(async move {
        let _ = triggered.await;
    }));
    Ok(RunningServer {
        local_addr,
        handle,
        trigger,
        task,
    })
}

/// A server started with [`start`]. Dropping it shuts the server down in the background;
/// [`RunningServer::shutdown`] does so and waits for it.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    handle: PlantHandle,
    trigger: oneshot::Sender<()>,
    task: JoinHandle<Result<(), ServerError>>,
}

impl RunningServer {
    /// The address the server listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle on the plant, for plant-side changes and for reading its state.
    pub fn plant(&self) -> PlantHandle {
        self.handle.clone()
    }

    /// Shuts the server down gracefully and waits until it has stopped.
    pub async fn shutdown(self) {
        // The server may already have stopped on its own, in which case nobody is listening.
        let _ = self.trigger.send(());
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "plant server stopped with an error"),
            Err(error) => tracing::error!(%error, "plant server task failed"),
        }
    }
}

/// A server that is set up but not yet serving.
struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    config: ServerConfig,
    handle: PlantHandle,
    app: axum::Router,
    inbox: Inbox,
    sampler: HostSampler,
    rng: StdRng,
    /// The adapter's pub/sub connection in `--redis` mode, which the Redis watch keeps alive.
    driver: Option<ManagedDriver>,
}

impl Server {
    async fn build(listener: TcpListener, config: ServerConfig) -> Result<Self, ServerError> {
        validate(&config)?;
        let local_addr = listener.local_addr().map_err(ServerError::LocalAddr)?;

        let mut rng = fleet::rng_for(config.seed);
        let now = unix_now() + config.clock_offset_s;
        let devices = fleet::generate_devices(config.devices, &mut rng, now);
        let relays = fleet::generate_relays(config.relays, &devices, &mut rng, now);
        // The first host sample is taken before serving so that the very first stats answer
        // already carries real memory and disk figures.
        let (sampler, host) = tokio::task::spawn_blocking(HostSampler::new_sampled).await?;

        let instance = config
            .instance
            .clone()
            .unwrap_or_else(|| default_instance(local_addr));
        // In --redis mode the first instance to start seeds the shared plant with its fleet
        // and every instance serves what Redis holds, so all of them serve the same plant.
        let (shared, devices, relays, driver) = match &config.redis {
            None => (None, devices, relays, None),
            Some(url) => {
                let client = shared::client(url)?;
                let store = SharedStore::connect(&client, instance.clone()).await?;
                let seeded = store.seed(&devices, &relays).await?;
                let (devices, relays) = (store.devices().await?, store.relays().await?);
                tracing::info!(%instance, seeded, devices = devices.len(), relays = relays.len(),
                    "shared plant in Redis {}", if seeded { "seeded" } else { "joined" });
                let driver = ManagedDriver::connect(&client, shared::connection_config())
                    .await
                    .map_err(SharedError::from)?;
                (Some(Arc::new(store)), devices, relays, Some(driver))
            }
        };

        let (outbox, inbox) = broadcast::channel();
        let mut plant = Plant::new(
            devices,
            relays,
            outbox,
            config.token.clone(),
            config.command_max_age,
            host,
        )
        .with_clock_offset(config.clock_offset_s)
        .with_instance(instance);
        if let Some(shared) = shared {
            plant = plant.with_shared(shared);
        }
        let plant = Arc::new(plant);
        let watched_driver = driver.clone();
        let (handle, app) = match driver {
            None => {
                let (layer, io) = SocketIo::builder().with_state(plant.clone()).build_layer();
                // The local adapter's initialisation cannot fail and has nothing to wait for.
                socket::register!(io, socketioxide::adapter::LocalAdapter);
                let handle = PlantHandle {
                    plant,
                    io: Sockets::Local(io),
                };
                (handle.clone(), http::router(handle).layer(layer))
            }
            Some(driver) => {
                let adapter = RedisAdapterCtr::new_with_driver(
                    driver,
                    RedisAdapterConfig::default()
                        .with_prefix(format!("{}socket.io", shared::PREFIX)),
                );
                let (layer, io) = SocketIo::builder()
                    .with_state(plant.clone())
                    .with_adapter::<SharedAdapter>(adapter)
                    .build_layer();
                socket::register!(io, SharedAdapter)
                    .await
                    .map_err(|error| ServerError::Adapter(error.to_string()))?;
                let handle = PlantHandle {
                    plant,
                    io: Sockets::Shared(io),
                };
                (handle.clone(), http::router(handle).layer(layer))
            }
        };

        Ok(Self {
            listener,
            local_addr,
            config,
            handle,
            app,
            inbox,
            sampler,
            rng,
            driver: watched_driver,
        })
    }

    async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let Server {
            listener,
            local_addr,
            config,
            handle,
            app,
            inbox,
            sampler,
            rng,
            driver,
        } = self;
        let (stop_tx, stop_rx) = watch::channel(false);
        let io = handle.io.clone();
        let plant = handle.plant.clone();

        let mut tasks = vec![
            tokio::spawn(broadcast::run(io.clone(), inbox, stop_rx.clone())),
            tokio::spawn(tasks::watch_redis(plant.clone(), driver, stop_rx.clone())),
            tokio::spawn(tasks::broadcast_stats(
                io.clone(),
                plant.clone(),
                sampler,
                config.stats_interval,
                stop_rx.clone(),
            )),
        ];
        if let Some(rate) = config.updates_per_second {
            tasks.push(tokio::spawn(tasks::stream(
                plant.clone(),
                rng,
                rate,
                stop_rx,
            )));
        } else if let Some(period) = config.sim_interval {
            tasks.push(tokio::spawn(tasks::simulate(
                plant.clone(),
                rng,
                period,
                stop_rx,
            )));
        }

        tracing::info!(%local_addr, instance = %plant.instance(), devices = config.devices,
            relays = config.relays, token = config.token.is_some(),
            simulation = config.sim_interval.is_some(), redis = config.redis.is_some(),
            "plant server listening");

        let closing_io = io.clone();
        let signal = async move {
            shutdown.await;
            tracing::info!("plant server shutting down");
            // Background tasks stop first so that nothing new is broadcast to sockets that
            // are being closed; then every Socket.IO client is disconnected, which also ends
            // long-polling requests that graceful HTTP shutdown would otherwise wait for.
            let _ = stop_tx.send(true);
            // Closing waits for each client's pending frames to be written, and a client that
            // stopped reading never takes them; past the grace period such a connection is
            // left to die with its TCP stream rather than hold the shutdown hostage.
            if tokio::time::timeout(CLOSE_GRACE, closing_io.close())
                .await
                .is_err()
            {
                tracing::warn!(
                    grace_s = CLOSE_GRACE.as_secs_f64(),
                    "some Socket.IO clients did not close in time; shutting down without them"
                );
            }
        };
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .await
            .map_err(ServerError::Serve);

        for task in tasks {
            if let Err(error) = task.await {
                tracing::error!(%error, "background task failed");
            }
        }
        tracing::info!(%local_addr, instance = %handle.instance(), "plant server stopped");
        served
    }
}

fn validate(config: &ServerConfig) -> Result<(), ServerError> {
    if config.stats_interval.is_zero() {
        return Err(ServerError::InvalidConfig(
            "stats_interval must be longer than zero".into(),
        ));
    }
    if config.sim_interval.is_some_and(|d| d.is_zero()) {
        return Err(ServerError::InvalidConfig(
            "sim_interval must be longer than zero (use None to turn the simulation off)".into(),
        ));
    }
    if config.redis.is_some() && config.updates_per_second.is_some() {
        return Err(ServerError::InvalidConfig(
            "updates_per_second (the benchmarks' stream) runs alone, not with redis".into(),
        ));
    }
    if config
        .instance
        .as_deref()
        .is_some_and(|name| name.trim().is_empty())
    {
        return Err(ServerError::InvalidConfig(
            "instance must be a non-empty name (or None for the default)".into(),
        ));
    }
    if config.updates_per_second == Some(0) {
        return Err(ServerError::InvalidConfig(
            "updates_per_second must be more than zero (use None for the tick simulation)".into(),
        ));
    }
    Ok(())
}

/// An instance's name when none is given: the host's name and the port, which tells the
/// instances of one machine apart as well as those of several.
fn default_instance(local_addr: SocketAddr) -> String {
    let host = sysinfo::System::host_name().unwrap_or_else(|| "plant-server".into());
    format!("{host}:{}", local_addr.port())
}
