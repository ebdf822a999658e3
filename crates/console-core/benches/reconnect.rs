//! Benchmark: time from a restarted plant server listening again to the console being
//! live and resynced, over repeated restarts. Prints its figures; asserts nothing.
//!
//! Run with `cargo bench -p console-core --bench reconnect [-- RESTARTS]`.

use std::time::{Duration, Instant};

use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use plant_server::ServerConfig;
use tokio::net::TcpListener;

const DEVICES: usize = 12;
const STABLE_AFTER: Duration = Duration::from_secs(1);

fn server_config() -> ServerConfig {
    ServerConfig {
        sim_interval: None,
        devices: DEVICES,
        ..ServerConfig::default()
    }
}

async fn wait_until(console: &Console, check: impl Fn(&Console) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check(console) {
        assert!(
            Instant::now() < deadline,
            "the console did not get there within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn synced(console: &Console) -> bool {
    let snapshot = console.snapshot();
    snapshot.link.mode == LinkMode::Realtime
        && snapshot.devices.len() == DEVICES
        && snapshot.relays.len() == 6
}

#[tokio::main]
async fn main() {
    let restarts: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut server = plant_server::start(listener, server_config())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The shipped backoff (0.5 s doubling to 5 s, ±50 %), but a connection counts as
    // stable after 1 s instead of 30 s: each server below stays up past that before it is
    // restarted, as a real plant server does, so every restart is measured from a
    // stable link rather than as a flapping server (which is meant to back off).
    let mut link = LinkConfig::new(PlantUrl::parse(&format!("http://{address}")).unwrap());
    link.stable_after = STABLE_AFTER;
    let (console, mut batches) = Console::start(ConsoleConfig::new(link, dir.path().to_owned()))
        .await
        .unwrap();
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    wait_until(&console, synced).await;

    let mut times = Vec::with_capacity(restarts);
    for _ in 0..restarts {
        tokio::time::sleep(STABLE_AFTER + Duration::from_millis(200)).await;
        server.shutdown().await;
        wait_until(&console, |c| c.snapshot().link.mode == LinkMode::Offline).await;
        let listener = TcpListener::bind(address).await.unwrap();
        let listening = Instant::now();
        server = plant_server::start(listener, server_config())
            .await
            .unwrap();
        wait_until(&console, synced).await;
        times.push(listening.elapsed());
    }
    console.shutdown().await.unwrap();
    server.shutdown().await;

    times.sort();
    let median = times[times.len() / 2];
    let max = times[times.len() - 1];
    let min = times[0];
    println!(
        "reconnect: {restarts} server restarts (each after {} s up), time from listening to live and resynced",
        STABLE_AFTER.as_secs_f64() + 0.2
    );
    println!(
        "reconnect: min {:.0} ms, median {:.0} ms, max {:.0} ms",
        ms(min),
        ms(median),
        ms(max)
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
