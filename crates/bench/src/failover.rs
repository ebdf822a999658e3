//! Benchmark 9, failover: two reference plant instances sharing one plant through Redis,
//! one console given both addresses; the instance it is on is killed, over and over, and
//! the figure is the time from the kill to the console being live and resynced on the other.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode};
use plant_link::config::{FailoverPolicy, PlantAddresses};
use plant_server::{RunningServer, ServerConfig};
use test_support::redis::{Instance, RedisServer};
use tokio::net::TcpListener;

use crate::probe::{NoNotifications, Probe};
use crate::report::{ms, Report};

const DEVICES: usize = 12;
const RELAYS: usize = 6;
const STABLE_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How many times the instance the console is on is killed.
    #[arg(long, default_value_t = 20)]
    pub kills: usize,
}

fn server_config(redis: &str, name: &str) -> ServerConfig {
    ServerConfig {
        sim_interval: None,
        devices: DEVICES,
        relays: RELAYS,
        // No periodic stats: every plant message the console applies after a failover is
        // then one of the snapshots it asked for (see `synced_on`).
        stats_interval: Duration::from_secs(24 * 3600),
        redis: Some(redis.to_owned()),
        instance: Some(name.to_owned()),
        ..ServerConfig::default()
    }
}

/// An instance on a runtime of its own; what its start returned.
type Plant = Instance<Result<RunningServer>>;

/// Starts an instance on `address` (port 0: any). The port of a killed instance may take a
/// moment to be free again, so binding it is retried, polling with a deadline.
fn instance(address: SocketAddr, redis: &str, name: &str) -> Result<Plant> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let config = server_config(redis, name);
        let started: Plant = Instance::start(move || async move {
            let listener = TcpListener::bind(address).await?;
            plant_server::start(listener, config)
                .await
                .context("starting an instance")
        });
        match started.get() {
            Ok(_) => return Ok(started),
            Err(_) if Instant::now() < deadline => {
                drop(started);
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(error) => bail!("instance {name} did not start on {address}: {error:#}"),
        }
    }
}

fn address_of(plant: &Plant) -> SocketAddr {
    plant
        .get()
        .as_ref()
        .map(RunningServer::local_addr)
        .expect("only started instances are kept")
}

async fn wait_until(console: &Console, check: impl Fn(&Console) -> bool) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check(console) {
        if Instant::now() > deadline {
            let link = console.link().state().borrow().clone();
            bail!(
                "the console did not get there within 30 s: {:?} on {}",
                link.mode,
                link.address.current
            );
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

/// Live on the address at `index` with the three snapshots asked for on going live applied
/// since the probe counted `since` plant messages. The console keeps the last-known values
/// across a loss, so counting devices would not tell a resynced console from one that only
/// reconnected; the servers' periodic stats are off, so only those snapshots count.
fn synced_on(console: &Console, probe: &Probe, index: usize, since: u64) -> bool {
    let link = console.link().state().borrow().clone();
    link.mode == LinkMode::Realtime && link.address.index == index && probe.applied() >= since + 3
}

pub async fn run(args: Args) -> Result<Report> {
    let mut report = Report::new(
        "failover",
        "9. Failover",
        format!(
            "Two reference plant instances (in-process, each on a runtime of its own) share one plant \
             ({DEVICES} devices, {RELAYS} relays) through a Redis server of their own \
             (Debian's redis-server on loopback, no persistence); one console core is given both \
             addresses (equal instances, the shipped backoff, `stable_after` {:.0} s). {} times, \
             once the console has been live on an instance for {:.1} s, that instance is killed \
             (its runtime dropped: its sockets end with no goodbye, as in a crash) and started \
             again on its port as the standby for the next kill. Measured: from the kill to the \
             console's snapshot showing Realtime on the other address having applied the \
             devices, relays and stats snapshots it asks for on going live (polled every 1 ms; \
             the instances send no periodic stats, so nothing else counts).",
            STABLE_AFTER.as_secs_f64(),
            args.kills,
            STABLE_AFTER.as_secs_f64() + 0.2
        ),
    );
    let redis = tokio::task::spawn_blocking(RedisServer::start).await?;
    let url = redis.url();
    let any: SocketAddr = "127.0.0.1:0".parse()?;
    let names = ["east", "west"];
    let mut instances = Vec::new();
    for name in names {
        let (any, url) = (any, url.clone());
        instances.push(tokio::task::spawn_blocking(move || instance(any, &url, name)).await??);
    }
    let addresses: Vec<SocketAddr> = instances.iter().map(address_of).collect();
    let texts: Vec<String> = addresses.iter().map(|a| format!("http://{a}")).collect();
    let mut link =
        LinkConfig::with_servers(PlantAddresses::parse(texts.iter().map(String::as_str))?);
    link.failover = FailoverPolicy::Equal;
    link.stable_after = STABLE_AFTER;
    let dir = tempfile::tempdir()?;
    let mut config = ConsoleConfig::new(link, dir.path().to_owned());
    config.notifications = std::sync::Arc::new(NoNotifications);
    let probe = Probe::new(false);
    config.progress = Some(probe.clone());
    let (console, mut batches) = Console::start(config).await?;
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    wait_until(&console, |c| {
        synced_on(c, &probe, c.link().state().borrow().address.index, 0)
    })
    .await?;

    let mut times = Vec::with_capacity(args.kills);
    for _ in 0..args.kills {
        tokio::time::sleep(STABLE_AFTER + Duration::from_millis(200)).await;
        let on = console.link().state().borrow().address.index;
        let other = 1 - on;
        let killed = Instant::now();
        let before = probe.applied();
        instances[on].kill();
        wait_until(&console, |c| synced_on(c, &probe, other, before)).await?;
        times.push(ms(killed.elapsed()));
        let (address, url, name) = (addresses[on], url.clone(), names[on]);
        instances[on] =
            tokio::task::spawn_blocking(move || instance(address, &url, name)).await??;
    }
    console.shutdown().await?;
    for mut instance in instances {
        instance.kill();
    }
    drop(redis);

    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let max = times[times.len() - 1];
    report.figure(
        "kill → live and resynced on the other instance",
        format!(
            "min {:.0} ms, median {median:.0} ms, max {max:.0} ms ({} kills)",
            times[0], args.kills
        ),
    );
    report.target(
        "failover median",
        "≤ 1.5 s (as a reconnect)",
        format!("{median:.0} ms"),
        median <= 1500.0,
        "the console notices the kill when the TCP stream ends, tries the other address at \
         once, and then the session handshake and the three snapshots follow",
    );
    Ok(report)
}
