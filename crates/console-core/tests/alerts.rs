//! The alert engine in a whole console against the reference plant, with a recording
//! notification sink: what changed at the plant is alerted once, a reconnect or a
//! restart that brings the same plant raises nothing, alerts reach the UI batches, and
//! acknowledging records the OS user.

mod common;

use console_core::quality::QualityReason;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{wait_for, LIMIT};
use console_core::alerts::{AlertKind, RecordingSink};
use console_core::audit::Actor;
use console_core::view::UpdateBatch;
use console_core::{
    AlertStatus, AlertView, Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl,
};
use plant_protocol::DeviceStatus;
use plant_server::{RunningServer, ServerConfig};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

fn quiet_reference() -> ServerConfig {
    ServerConfig {
        sim_interval: None,
        seed: Some(7),
        ..ServerConfig::default()
    }
}

fn config(url: &str, dir: &std::path::Path, sink: &RecordingSink) -> ConsoleConfig {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.backoff.initial = Duration::from_millis(50);
    link.backoff.max = Duration::from_millis(200);
    let mut config = ConsoleConfig::new(link, dir.to_owned());
    config.notifications = Arc::new(sink.clone());
    config
}

/// What the UI batches carried about alerts.
#[derive(Default)]
struct Seen {
    alerts: Vec<AlertView>,
    status: Option<AlertStatus>,
}

fn collect(mut batches: mpsc::Receiver<UpdateBatch>) -> Arc<Mutex<Seen>> {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let sink = seen.clone();
    tokio::spawn(async move {
        while let Some(batch) = batches.recv().await {
            let mut seen = sink.lock().unwrap();
            seen.alerts.extend(batch.alerts);
            if batch.alert_status.is_some() {
                seen.status = batch.alert_status;
            }
        }
    });
    seen
}

/// Polls until `check` holds, failing after [`LIMIT`]: the recording sink and the
/// collected batches announce nothing, so this is `test_support::eventually`'s case.
async fn until(what: &str, mut check: impl FnMut() -> bool) {
    test_support::eventually(LIMIT, what, async || check().then_some(())).await
}

/// Switches `relay-02` at the plant and waits for its notification: the engine takes
/// changes in order, so every alert an earlier change raised is recorded by then.
async fn marker(server: &RunningServer, console: &Console, sink: &RecordingSink) -> String {
    let relay = console
        .snapshot()
        .relays
        .into_iter()
        .find(|r| r.relay.id == "relay-02")
        .unwrap()
        .relay;
    let title = format!(
        "Relay {} switched {} by operator-5",
        relay.name,
        if relay.state { "OFF" } else { "ON" }
    );
    server
        .plant()
        .set_relay("relay-02", !relay.state, "operator-5")
        .unwrap();
    // Waited for by its title: an earlier alert's notification may still be on its way
    // on a busy machine, and must not be taken for the marker's.
    until("the marker's notification", || {
        sink.shown().iter().any(|notice| notice.title == title)
    })
    .await;
    title
}

fn titles(alerts: &[AlertView]) -> Vec<&str> {
    alerts.iter().map(|a| a.title.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_to_the_same_plant_raises_nothing_and_a_change_is_alerted_batched_and_acknowledged(
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = plant_server::start(listener, quiet_reference())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sink = RecordingSink::new();
    let (console, batches) =
        Console::start(config(&format!("http://{address}"), dir.path(), &sink))
            .await
            .unwrap();
    let seen = collect(batches);
    wait_for(&console, "the first sync", |s| {
        s.devices.len() == 12 && s.link.mode == LinkMode::Realtime
    })
    .await;

    server.shutdown().await;
    wait_for(&console, "the link to be down", |s| {
        s.link.mode != LinkMode::Realtime
    })
    .await;
    let server = plant_server::start(TcpListener::bind(address).await.unwrap(), quiet_reference())
        .await
        .unwrap();
    // Real-time says the session is up, not that both snapshots are in: the marker
    // needs the relays.
    wait_for(&console, "the resync", |s| {
        s.link.mode == LinkMode::Realtime && s.devices.len() == 12 && !s.relays.is_empty()
    })
    .await;
    assert!(console.link().telemetry().reconnects() >= 1);

    let switched = marker(&server, &console, &sink).await;
    let alerts = console.alerts(100).await.unwrap();
    assert_eq!(titles(&alerts), vec![switched.as_str()], "only the marker");
    assert_eq!(sink.shown().len(), 1);
    assert_eq!(alerts[0].kind, AlertKind::RelaySwitched);

    until("the alert and its count in the UI batches", || {
        let seen = seen.lock().unwrap();
        seen.alerts.len() == 1 && seen.status.as_ref().is_some_and(|s| s.unacked == 1)
    })
    .await;
    assert_eq!(seen.lock().unwrap().alerts[0].id, alerts[0].id);
    assert_eq!(console.snapshot().alert_status.unacked, 1);

    let mut status = console.alert_status_watch();
    assert_eq!(console.acknowledge(None).await.unwrap(), 1);
    until("the tray's status to drop to zero", || {
        status.borrow_and_update().unacked == 0
    })
    .await;
    let acked = &console.alerts(1).await.unwrap()[0];
    assert_eq!(
        acked.acked_by.as_deref(),
        Some(Actor::current().user.as_str())
    );
    assert!(acked.acked_at.is_some());

    console.shutdown().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_console_alerts_only_what_changed_at_the_plant_while_it_was_away() {
    let server = plant_server::start(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        quiet_reference(),
    )
    .await
    .unwrap();
    let url = format!("http://{}", server.local_addr());
    let dir = tempfile::tempdir().unwrap();

    let first_sink = RecordingSink::new();
    let first = common::start(config(&url, dir.path(), &first_sink)).await;
    let snapshot = wait_for(&first, "the first sync", |s| {
        s.devices.len() == 12 && s.link.mode == LinkMode::Realtime
    })
    .await;
    let device = snapshot
        .devices
        .iter()
        .find(|d| d.device.id == "dev-002")
        .unwrap()
        .device
        .clone();
    assert_ne!(
        device.status,
        DeviceStatus::Offline,
        "the seeded fleet starts with dev-002 up"
    );
    first.shutdown().await.unwrap();
    assert!(
        first_sink.shown().is_empty(),
        "learning the plant is no news"
    );

    server
        .plant()
        .set_device_status("dev-002", DeviceStatus::Offline)
        .unwrap();

    let sink = RecordingSink::new();
    let console = common::start(config(&url, dir.path(), &sink)).await;
    // The marker switches relay-02 from the state the console shows, so that state must
    // be confirmed by this session's snapshot, not the cache's copy from the first run.
    wait_for(&console, "the resync with dev-002 offline", |s| {
        s.link.mode == LinkMode::Realtime
            && s.devices
                .iter()
                .any(|d| d.device.id == "dev-002" && d.device.status == DeviceStatus::Offline)
            && s.relays.iter().any(|r| {
                r.relay.id == "relay-02" && r.quality.reason != Some(QualityReason::Unconfirmed)
            })
    })
    .await;
    let switched = marker(&server, &console, &sink).await;
    let alerts = console.alerts(100).await.unwrap();
    let offline = format!("Device {} went offline", device.name);
    assert_eq!(
        titles(&alerts),
        vec![switched.as_str(), offline.as_str()],
        "newest first: exactly the difference, once, then the marker"
    );
    assert_eq!(console.alert_status().unacked, 2);
    console.shutdown().await.unwrap();
    server.shutdown().await;
}
