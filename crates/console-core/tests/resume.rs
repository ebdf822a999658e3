//! Resume from sleep and network changes: the link checks itself at once (a probe with a
//! short deadline) instead of waiting out the heartbeat, which is 45 s on the reference
//! server. The wall clock and the address list are injected; the dead path is a
//! blackholing proxy that closes nothing.

mod common;

// Every wait is bounded by `common::LIMIT` (20 s), well under the reference server's
// heartbeat limit (25 s + 20 s), so only the resume check can explain a reconnect.
use common::wait_for;

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use plant_link::clock::{NetworkProbe, WallClock};
use plant_server::ServerConfig;
use test_support::proxy::Proxy;

struct Rig {
    console: Console,
    proxy: Proxy,
    server: plant_server::RunningServer,
    clock_offset: Arc<AtomicU64>,
    addresses: Arc<Mutex<Vec<IpAddr>>>,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let config = ServerConfig {
        sim_interval: None,
        stats_interval: Duration::from_millis(200),
        ..ServerConfig::default()
    };
    let server = plant_server::start(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        config,
    )
    .await
    .unwrap();
    let proxy = Proxy::start(server.local_addr());
    let clock_offset = Arc::new(AtomicU64::new(0));
    let addresses = Arc::new(Mutex::new(vec!["10.20.30.40".parse().unwrap()]));
    let mut link = LinkConfig::new(PlantUrl::parse(&format!("http://{}", proxy.addr())).unwrap());
    let offset = clock_offset.clone();
    link.wall_clock = WallClock::new(move || {
        plant_link::clock::unix_now() + offset.load(Ordering::Relaxed) as f64
    });
    let list = addresses.clone();
    link.network = NetworkProbe::new(move || list.lock().unwrap().clone());
    link.resume_probe_timeout = Duration::from_secs(1);
    // Stale marking is not what these tests look at; keep it out of the way.
    link.stale_after = Duration::from_secs(60);
    link.fallback_after = Duration::from_secs(60);
    let dir = tempfile::tempdir().unwrap();
    let (console, mut batches) = Console::start(ConsoleConfig::new(link, dir.path().to_owned()))
        .await
        .unwrap();
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    let rig = Rig {
        console,
        proxy,
        server,
        clock_offset,
        addresses,
        _dir: dir,
    };
    wait_for(&rig.console, "first sync", |s| {
        s.link.mode == LinkMode::Realtime && s.devices.len() == 12
    })
    .await;
    rig
}

async fn finish(rig: Rig) {
    rig.console.shutdown().await.unwrap();
    drop(rig.proxy);
    rig.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_resume_from_sleep_a_dead_link_is_dropped_at_once_and_reconnected() {
    let rig = rig().await;
    rig.proxy.blackhole(true);
    rig.clock_offset.store(3600, Ordering::Relaxed);
    let offline = wait_for(&rig.console, "offline after the resume check", |s| {
        s.link.mode == LinkMode::Offline
    })
    .await;
    assert!(
        offline
            .link
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("resumed"),
        "{:?}",
        offline.link
    );
    rig.proxy.blackhole(false);
    wait_for(&rig.console, "live again", |s| {
        s.link.mode == LinkMode::Realtime
    })
    .await;
    assert!(rig.console.link().telemetry().reconnects() >= 1);
    finish(rig).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_network_change_a_dead_link_is_dropped_at_once_and_reconnected() {
    let rig = rig().await;
    rig.proxy.blackhole(true);
    rig.addresses
        .lock()
        .unwrap()
        .push("192.168.50.2".parse().unwrap());
    wait_for(&rig.console, "offline after the network check", |s| {
        s.link.mode == LinkMode::Offline
    })
    .await;
    rig.proxy.blackhole(false);
    wait_for(&rig.console, "live again", |s| {
        s.link.mode == LinkMode::Realtime
    })
    .await;
    finish(rig).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_with_a_healthy_link_keeps_the_connection() {
    let rig = rig().await;
    let jumped_at = plant_link::clock::unix_now();
    rig.clock_offset.store(3600, Ordering::Relaxed);
    // Stats keep arriving for longer than the resume probe's deadline.
    wait_for(&rig.console, "stats well past the probe deadline", |s| {
        s.system_stats
            .as_ref()
            .is_some_and(|e| e.received_at > jumped_at + 2.5)
    })
    .await;
    assert_eq!(rig.console.snapshot().link.mode, LinkMode::Realtime);
    assert_eq!(rig.console.link().telemetry().reconnects(), 0);
    finish(rig).await;
}
