//! The server as a whole: seeded fleets, periodic broadcasts, scale, and graceful shutdown.

mod support;

use std::time::Duration;

use plant_protocol::{Device, DevicesUpdate, Relay, SystemStats};
use plant_server::{ServerConfig, ServerError};
use support::{quiet_config, start, url, within, Packet, SioClient};
use tokio::net::TcpListener;

/// A device without its timestamps, which depend on when the server started.
fn timeless_device(mut device: Device) -> Device {
    device.last_seen = 0.0;
    device
}

fn timeless_relay(mut relay: Relay) -> Relay {
    relay.changed_at = 0.0;
    relay
}

#[tokio::test]
async fn a_seeded_fleet_is_the_same_on_every_start() {
    let fleet = |seed| async move {
        let server = start(ServerConfig {
            seed: Some(seed),
            ..quiet_config()
        })
        .await;
        let plant = server.plant();
        let devices: Vec<Device> = plant.devices().into_iter().map(timeless_device).collect();
        let relays: Vec<Relay> = plant.relays().into_iter().map(timeless_relay).collect();
        server.shutdown().await;
        (devices, relays)
    };
    let first = fleet(1234).await;
    assert_eq!(first.0.len(), 12);
    assert_eq!(first, fleet(1234).await);
    assert_ne!(first, fleet(4321).await);
}

#[tokio::test]
async fn the_library_default_simulates_a_small_plant() {
    let config = ServerConfig::default();
    assert_eq!((config.devices, config.relays), (12, 6));
    assert_eq!(config.sim_interval, Some(Duration::from_secs(1)));
    assert_eq!(config.stats_interval, Duration::from_secs(2));
    assert_eq!(config.command_max_age, Duration::from_secs(60));
    assert_eq!(config.token, None);
}

#[tokio::test]
async fn the_simulation_broadcasts_changed_devices_only() {
    let server = start(ServerConfig {
        sim_interval: Some(Duration::from_millis(20)),
        ..quiet_config()
    })
    .await;
    let mut client = SioClient::connect(server.local_addr(), None).await;
    let update: DevicesUpdate =
        serde_json::from_value(client.next_event("devices_update").await).unwrap();
    assert!(!update.snapshot);
    assert!(!update.devices.is_empty() && update.devices.len() <= 12);
    let ids: Vec<&str> = update.devices.iter().map(|d| d.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.dedup();
    assert_eq!(ids, sorted, "each device at most once per message");
    server.shutdown().await;
}

#[tokio::test]
async fn stats_are_broadcast_periodically_with_the_client_count() {
    let server = start(ServerConfig {
        stats_interval: Duration::from_millis(50),
        ..quiet_config()
    })
    .await;
    let mut client = SioClient::connect(server.local_addr(), None).await;
    for _ in 0..2 {
        let stats: SystemStats =
            serde_json::from_value(client.next_event("system_stats_update").await).unwrap();
        assert!(stats.clients >= 1);
        assert!(stats.memory_percent > 0.0);
        assert!(stats.server_time > 1.6e9);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn ten_thousand_devices_are_served_and_simulated() {
    let server = start(ServerConfig {
        devices: 10_000,
        relays: 50,
        sim_interval: Some(Duration::from_millis(100)),
        ..quiet_config()
    })
    .await;
    let mut client = SioClient::connect(server.local_addr(), None).await;
    client.emit("request_devices", None).await;
    let snapshot = loop {
        let update: DevicesUpdate =
            serde_json::from_value(client.next_event("devices_update").await).unwrap();
        if update.snapshot {
            break update;
        }
    };
    assert_eq!(snapshot.devices.len(), 10_000);
    let tick: DevicesUpdate =
        serde_json::from_value(client.next_event("devices_update").await).unwrap();
    assert!(!tick.snapshot && tick.devices.len() > 1_000);
    let response = within(reqwest::get(url(&server, "/api/devices")))
        .await
        .unwrap();
    let over_http: DevicesUpdate = response.json().await.unwrap();
    assert_eq!(over_http.devices.len(), 10_000);
    drop(client);
    within(server.shutdown()).await;
}

#[tokio::test]
async fn shutdown_disconnects_clients_and_returns() {
    let server = start(ServerConfig {
        stats_interval: Duration::from_millis(50),
        sim_interval: Some(Duration::from_millis(50)),
        ..quiet_config()
    })
    .await;
    let addr = server.local_addr();
    let plant = server.plant();
    let mut client = SioClient::connect(addr, None).await;
    assert_eq!(plant.connected_clients(), 1);
    within(server.shutdown()).await;
    within(client.until_closed()).await;
    assert_eq!(plant.connected_clients(), 0);
    // The handle outlives the server and still answers.
    assert_eq!(plant.devices().len(), 12);
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting"
    );
}

#[tokio::test]
async fn run_returns_when_its_shutdown_future_resolves() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, triggered) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(plant_server::run(listener, quiet_config(), async move {
        let _ = triggered.await;
    }));
    let mut client = SioClient::connect(addr, None).await;
    client.emit("request_relays", None).await;
    assert!(matches!(client.expect_packet().await, Packet::Event { .. }));
    trigger.send(()).unwrap();
    within(server).await.unwrap().unwrap();
    within(client.until_closed()).await;
}

#[tokio::test]
async fn a_zero_interval_is_rejected_as_invalid_config() {
    for config in [
        ServerConfig {
            stats_interval: Duration::ZERO,
            ..quiet_config()
        },
        ServerConfig {
            sim_interval: Some(Duration::ZERO),
            ..quiet_config()
        },
    ] {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let error = plant_server::start(listener, config).await.err();
        assert!(
            matches!(error, Some(ServerError::InvalidConfig(_))),
            "{error:?}"
        );
    }
}
