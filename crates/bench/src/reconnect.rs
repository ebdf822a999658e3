//! Benchmark 3, reconnect: the reference server restarted repeatedly on the same port;
//! the time from it listening again to the console being live and resynced. Adapted
//! from `crates/console-core/benches/reconnect.rs` (same procedure) to report here.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use plant_server::ServerConfig;
use tokio::net::TcpListener;

use crate::probe::NoNotifications;
use crate::report::{ms, Report};

const DEVICES: usize = 12;
const RELAYS: usize = 6;
const STABLE_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How many times the server is restarted.
    #[arg(long, default_value_t = 20)]
    pub restarts: usize,
}

fn server_config() -> ServerConfig {
    ServerConfig {
        sim_interval: None,
        devices: DEVICES,
        relays: RELAYS,
        ..ServerConfig::default()
    }
}

async fn wait_until(console: &Console, check: impl Fn(&Console) -> bool) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check(console) {
        if Instant::now() > deadline {
            bail!("the console did not get there within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

fn synced(console: &Console) -> bool {
    let snapshot = console.snapshot();
    snapshot.link.mode == LinkMode::Realtime
        && snapshot.devices.len() == DEVICES
        && snapshot.relays.len() == RELAYS
}

pub async fn run(args: Args) -> Result<Report> {
    let mut report = Report::new(
        "reconnect",
        "3. Reconnect",
        format!(
            "The reference plant server (in-process, {DEVICES} devices, {RELAYS} relays) is shut down \
             {} times, each after {:.1} s up; as soon as the console shows Offline it is started \
             again on the same port. Measured: from the new server listening to the console's \
             snapshot showing Realtime with every device and relay (polled every 1 ms). The \
             console uses the shipped backoff (0.5 s doubling to 5 s, ±50 %) with `stable_after` \
             1 s, so each restart is met as a stable link's first loss.",
            args.restarts,
            STABLE_AFTER.as_secs_f64() + 0.2
        ),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let mut server = plant_server::start(listener, server_config()).await?;
    let dir = tempfile::tempdir()?;
    let mut link = LinkConfig::new(PlantUrl::parse(&format!("http://{address}"))?);
    link.stable_after = STABLE_AFTER;
    let mut config = ConsoleConfig::new(link, dir.path().to_owned());
    config.notifications = std::sync::Arc::new(NoNotifications);
    let (console, mut batches) = Console::start(config).await?;
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    wait_until(&console, synced).await?;

    let mut times = Vec::with_capacity(args.restarts);
    for _ in 0..args.restarts {
        tokio::time::sleep(STABLE_AFTER + Duration::from_millis(200)).await;
        server.shutdown().await;
        wait_until(&console, |c| c.snapshot().link.mode == LinkMode::Offline).await?;
        let listener = TcpListener::bind(address).await?;
        let listening = Instant::now();
        server = plant_server::start(listener, server_config()).await?;
        wait_until(&console, synced).await?;
        times.push(ms(listening.elapsed()));
    }
    console.shutdown().await?;
    server.shutdown().await;

    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let max = times[times.len() - 1];
    report.figure(
        "listening → live and resynced",
        format!(
            "min {:.0} ms, median {median:.0} ms, max {max:.0} ms ({} restarts)",
            times[0], args.restarts
        ),
    );
    report.target(
        "reconnect median",
        "≤ 1.5 s",
        format!("{median:.0} ms"),
        median <= 1500.0,
        "the first backoff step after a stable link's loss is 0.5 s ±50 % and the next \
         doubles it: a restart slower than the first attempt waits for the second, \
         then the session handshake and the three snapshots follow",
    );
    Ok(report)
}
