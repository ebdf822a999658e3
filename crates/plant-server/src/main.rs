//! `plant-server`: runs the reference plant server from the command line until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Parser;
use plant_server::ServerConfig;
use tracing_subscriber::EnvFilter;

/// The reference plant server (protocol v1): Socket.IO and HTTP over a simulated fleet.
#[derive(Debug, Parser)]
#[command(name = "plant-server", version)]
struct Args {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:5000")]
    bind: SocketAddr,
    /// Token clients must present; without one every client is let in.
    #[arg(long, env = "PLANT_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Number of simulated devices.
    #[arg(long, default_value_t = 12)]
    devices: usize,
    /// Number of simulated relays (every fifth one is locked).
    #[arg(long, default_value_t = 6)]
    relays: usize,
    /// Seconds between system_stats_update broadcasts.
    #[arg(long, default_value_t = 2.0)]
    stats_interval: f64,
    /// Seconds between simulation ticks.
    #[arg(long, default_value_t = 1.0)]
    sim_interval: f64,
    /// Seed for a repeatable fleet and simulation.
    #[arg(long)]
    seed: Option<u64>,
    /// Freeze the fleet: no simulated changes.
    #[arg(long)]
    no_sim: bool,
    /// Seconds after which a relay command is refused as expired.
    #[arg(long, default_value_t = 60.0)]
    command_max_age: f64,
    /// Instead of the tick simulation, send this many one-device updates a second (each
    /// device in turn), as the benchmarks do.
    #[arg(long, conflicts_with = "no_sim")]
    updates_per_second: Option<u32>,
    /// Share the plant with other instances through this Redis (7 or later), e.g.
    /// redis://127.0.0.1:6379/0: its state, the command dedupe, the simulation and the
    /// broadcasts. Without it the server runs a plant of its own.
    #[arg(long, env = "PLANT_REDIS", conflicts_with = "updates_per_second")]
    redis: Option<String>,
    /// This instance's name in logs, /api/health and Redis (default: host name and port).
    #[arg(long)]
    instance: Option<String>,
}

fn seconds(name: &str, value: f64) -> anyhow::Result<Duration> {
    let duration = Duration::try_from_secs_f64(value)
        .with_context(|| format!("--{name} must be a number of seconds, got {value}"))?;
    if duration.is_zero() {
        bail!("--{name} must be longer than zero");
    }
    Ok(duration)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let args = Args::parse();
    let config = ServerConfig {
        // An empty PLANT_TOKEN means "no token", not "the empty token".
        token: args.token.filter(|t| !t.is_empty()),
        devices: args.devices,
        relays: args.relays,
        stats_interval: seconds("stats-interval", args.stats_interval)?,
        sim_interval: if args.no_sim {
            None
        } else {
            Some(seconds("sim-interval", args.sim_interval)?)
        },
        seed: args.seed,
        command_max_age: Duration::try_from_secs_f64(args.command_max_age)
            .context("--command-max-age must be a number of seconds")?,
        updates_per_second: args.updates_per_second,
        clock_offset_s: 0.0,
        redis: args.redis.filter(|url| !url.is_empty()),
        instance: args.instance,
    };

    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    plant_server::run(listener, config, shutdown_signal()).await?;
    Ok(())
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one (service managers and containers send
/// SIGTERM, and the server should close its clients cleanly then too).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}
