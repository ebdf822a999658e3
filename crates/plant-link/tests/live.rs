//! The link on its own against the reference plant server: it goes live, passes the
//! three snapshots on, carries a relay command over the WebSocket and leaves
//! cleanly on shutdown.

use std::time::Duration;

use plant_link::clock::unix_now;
use plant_link::link::{self, LinkEvent};
use plant_link::session::Inbound;
use plant_link::{LinkConfig, LinkMode, PlantUrl};
use plant_protocol::{SetRelayRequest, SetRelayResult};
use plant_server::ServerConfig;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::timeout;

/// How long any single wait in these tests may take before it fails.
const LIMIT: Duration = Duration::from_secs(20);

/// The next event, failing after [`LIMIT`].
async fn next(events: &mut mpsc::Receiver<LinkEvent>) -> LinkEvent {
    timeout(LIMIT, events.recv())
        .await
        .expect("an event in time")
        .expect("the link task still runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_goes_live_passes_the_snapshots_on_and_carries_a_relay_command() {
    let server = plant_server::start(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        ServerConfig {
            devices: 3,
            sim_interval: None,
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap();
    let config =
        LinkConfig::new(PlantUrl::parse(&format!("http://{}", server.local_addr())).unwrap());
    let plant = config.plant.clone();
    let (events_tx, mut events) = mpsc::channel(1024);
    let (handle, task) = link::spawn(config, events_tx);

    assert_eq!(next(&mut events).await, LinkEvent::Live);
    assert_eq!(handle.state().borrow().mode, LinkMode::Realtime);
    // The three snapshots come in whatever order the server answers the resync.
    let (mut devices, mut relays, mut stats) = (None, None, None);
    while devices.is_none() || relays.is_none() || stats.is_none() {
        match next(&mut events).await {
            LinkEvent::Inbound {
                message: Inbound::Devices(read),
                ..
            } => devices = Some(read.value),
            LinkEvent::Inbound {
                message: Inbound::Relays(read),
                ..
            } => relays = Some(read.value),
            LinkEvent::Inbound {
                message: Inbound::Stats(read),
                ..
            } => stats = Some(read.value),
            other => panic!("unexpected event {other:?}"),
        }
    }
    let devices = devices.unwrap();
    assert!(devices.snapshot);
    assert_eq!(devices.devices.len(), 3);
    assert_eq!(relays.unwrap().relays, server.plant().relays());

    let relay = server.plant().relays()[0].clone();
    let request = SetRelayRequest {
        relay_id: relay.id.clone(),
        state: !relay.state,
        request_id: "live-1".into(),
        issued_at: unix_now(),
        operator: None,
    };
    let answer = timeout(LIMIT, handle.set_relay(request, &plant))
        .await
        .expect("an answer in time")
        .unwrap();
    assert!(
        matches!(&answer, SetRelayResult::Applied { relay: applied, duplicate: false } if applied.state != relay.state),
        "{answer:?}"
    );
    assert_eq!(server.plant().applied_commands(), 1);

    handle.shutdown().await;
    timeout(LIMIT, task).await.expect("the task ends").unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_updates_a_plant_sends_just_before_it_closes_all_reach_the_console() {
    // Fifty updates and the close frame, written at once: they arrive together, and the
    // link reads them in one round.
    let server = test_support::hostile::HostileServer::start();
    server.on_ws(|conn| {
        conn.handshake_within(LIMIT, 25_000, 20_000);
        for i in 0..50 {
            conn.send(&format!(
                r#"42["devices_update",{{"devices":[{{"id":"d1","name":"Tank","kind":"level","status":"online","value":{i},"unit":"m","last_seen":1}}],"snapshot":false,"server_time":1}}]"#
            ));
        }
        conn.close(1000, "going away");
    });
    let mut config = LinkConfig::new(PlantUrl::parse(&server.url()).unwrap());
    // Not back before the test has counted.
    config.backoff.initial = Duration::from_secs(60);
    config.backoff.max = Duration::from_secs(60);
    let (events_tx, mut events) = mpsc::channel(1024);
    let (handle, task) = link::spawn(config, events_tx);

    assert_eq!(next(&mut events).await, LinkEvent::Live);
    let mut values = Vec::new();
    loop {
        match next(&mut events).await {
            LinkEvent::Inbound {
                message: Inbound::Devices(read),
                ..
            } => values.extend(read.value.devices.iter().filter_map(|d| d.value)),
            LinkEvent::Lost => break,
            _ => {}
        }
    }
    let expected: Vec<f64> = (0..50).map(f64::from).collect();
    assert_eq!(values, expected, "every update before the close, in order");

    handle.shutdown().await;
    timeout(LIMIT, task).await.unwrap().unwrap();
}
