//! The console core against real plant servers: the reference server in-process and the
//! Flask-SocketIO test server as a child process.

mod common;

use common::wait_for;

use std::time::Duration;

use console_core::store;
use console_core::view::ConsoleSnapshot;
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl, Secret};
use plant_server::ServerConfig;
use serde_json::json;
use test_support::flask::FlaskPlant;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

async fn start_console(url: &str, token: Option<&str>, dir: &std::path::Path) -> Console {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.token = token.map(Secret::new);
    let (console, batches) = Console::start(ConsoleConfig::new(link, dir.to_owned()))
        .await
        .unwrap();
    drain(batches);
    console
}

/// Keeps the UI channel open and empty, as a window would.
fn drain(mut batches: mpsc::Receiver<console_core::view::UpdateBatch>) {
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
}

fn relay_state(snapshot: &ConsoleSnapshot, id: &str) -> Option<(bool, Option<String>)> {
    snapshot
        .relays
        .iter()
        .find(|r| r.relay.id == id)
        .map(|r| (r.relay.state, r.relay.changed_by.clone()))
}

fn quiet_reference() -> ServerConfig {
    ServerConfig {
        sim_interval: None,
        seed: Some(7),
        stats_interval: Duration::from_millis(200),
        ..ServerConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_mirrors_the_reference_plant_and_the_cache_keeps_it_after_the_server_is_gone() {
    let server = plant_server::start(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        quiet_reference(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(&format!("http://{}", server.local_addr()), None, dir.path()).await;

    let snapshot = wait_for(&console, "the three snapshots", |s| {
        s.devices.len() == 12
            && s.relays.len() == 6
            && s.system_stats.is_some()
            && s.link.mode == LinkMode::Realtime
    })
    .await;
    let relay = snapshot.relays[0].relay.clone();

    server
        .plant()
        .set_relay(&relay.id, !relay.state, "operator-7")
        .unwrap();
    wait_for(&console, "the plant-side relay change", |s| {
        relay_state(s, &relay.id) == Some((!relay.state, Some("operator-7".into())))
    })
    .await;
    let gone = snapshot.devices[0].device.id.clone();
    assert!(server.plant().remove_device(&gone));
    wait_for(&console, "the device removal", |s| s.devices.len() == 11).await;

    server.shutdown().await;
    wait_for(&console, "the link to be offline", |s| {
        s.link.mode == LinkMode::Offline
    })
    .await;
    let cache = console.cache_dir();
    console.shutdown().await.unwrap();

    let stored = store::load_state(&store::open(&cache).unwrap()).unwrap();
    assert_eq!(stored.devices.len(), 11);
    assert!(stored.devices.iter().all(|d| d.device.id != gone));
    let cached = stored
        .relays
        .iter()
        .find(|r| r.relay.id == relay.id)
        .unwrap();
    assert_eq!(
        (cached.relay.state, cached.relay.changed_by.as_deref()),
        (!relay.state, Some("operator-7"))
    );
    assert!(stored.system_stats.is_some());
    assert!(stored.last_contact.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_reconnects_and_resyncs_after_the_reference_server_restarts() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = plant_server::start(listener, quiet_reference())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(&format!("http://{address}"), None, dir.path()).await;
    wait_for(&console, "first sync", |s| {
        s.devices.len() == 12 && s.link.mode == LinkMode::Realtime
    })
    .await;

    server.shutdown().await;
    wait_for(&console, "the link to be offline", |s| {
        s.link.mode == LinkMode::Offline
    })
    .await;

    // The restarted plant has fewer devices: the resync's snapshot must remove the rest.
    let config = ServerConfig {
        devices: 5,
        ..quiet_reference()
    };
    let server = plant_server::start(TcpListener::bind(address).await.unwrap(), config)
        .await
        .unwrap();
    wait_for(&console, "resync after restart", |s| {
        s.devices.len() == 5 && s.link.mode == LinkMode::Realtime
    })
    .await;
    assert!(console.link().telemetry().reconnects() >= 1);
    console.shutdown().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_token_is_reported_as_unauthorized_and_the_right_one_connects() {
    let config = ServerConfig {
        token: Some("plant-secret".into()),
        ..quiet_reference()
    };
    let server = plant_server::start(TcpListener::bind("127.0.0.1:0").await.unwrap(), config)
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr());
    let dir = tempfile::tempdir().unwrap();

    let refused = start_console(&url, Some("wrong"), dir.path()).await;
    let snapshot = wait_for(&refused, "unauthorized", |s| {
        s.link.mode == LinkMode::Unauthorized
    })
    .await;
    assert!(
        !format!("{snapshot:?}").contains("wrong"),
        "the token must not leak into what the UI sees"
    );
    refused.shutdown().await.unwrap();

    let accepted = start_console(&url, Some("plant-secret"), dir.path()).await;
    wait_for(&accepted, "live with the right token", |s| {
        s.link.mode == LinkMode::Realtime && s.devices.len() == 12
    })
    .await;
    accepted.shutdown().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_mirrors_the_flask_socketio_plant_and_the_cache_keeps_it_after_the_server_is_gone()
{
    let flask = tokio::task::spawn_blocking(|| {
        FlaskPlant::start(&[
            "--no-sim",
            "--stats-interval",
            "0.5",
            "--token",
            "flask-token",
        ])
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(&flask.url(), Some("flask-token"), dir.path()).await;

    let snapshot = wait_for(&console, "the three snapshots from Flask", |s| {
        s.devices.len() == 12
            && s.relays.len() == 6
            && s.system_stats.is_some()
            && s.link.mode == LinkMode::Realtime
    })
    .await;
    // Flask escapes non-ASCII as \uXXXX; it must arrive as the real characters.
    assert!(snapshot
        .devices
        .iter()
        .any(|d| d.device.unit.as_deref() == Some("\u{b0}C")));
    assert!(
        snapshot
            .devices
            .iter()
            .any(|d| d.device.extra.contains_key("location")),
        "extra fields are kept"
    );

    let relay = snapshot.relays[0].relay.clone();
    let (flask, relay_id) = tokio::task::spawn_blocking(move || {
        flask.set_relay(&relay.id, !relay.state, "operator-2");
        flask.set_device("dev-01", &json!({"status": "fault", "value": 99.5}));
        (flask, relay.id)
    })
    .await
    .unwrap();
    wait_for(&console, "the Flask plant's changes", |s| {
        relay_state(s, &relay_id).map(|(_, by)| by) == Some(Some("operator-2".into()))
            && s.devices
                .iter()
                .any(|d| d.device.id == "dev-01" && d.device.value == Some(99.5))
    })
    .await;
    let flask = tokio::task::spawn_blocking(move || {
        flask.remove_device("dev-02");
        flask
    })
    .await
    .unwrap();
    wait_for(&console, "the Flask device removal", |s| {
        s.devices.len() == 11
    })
    .await;

    tokio::task::spawn_blocking(move || flask.kill())
        .await
        .unwrap();
    wait_for(&console, "the link to be offline", |s| {
        s.link.mode == LinkMode::Offline
    })
    .await;
    let cache = console.cache_dir();
    console.shutdown().await.unwrap();

    let stored = store::load_state(&store::open(&cache).unwrap()).unwrap();
    assert_eq!(stored.devices.len(), 11);
    let faulty = stored
        .devices
        .iter()
        .find(|d| d.device.id == "dev-01")
        .unwrap();
    assert_eq!(
        (faulty.device.status.as_str(), faulty.device.value),
        ("fault", Some(99.5))
    );
    assert!(stored
        .relays
        .iter()
        .any(|r| r.relay.changed_by.as_deref() == Some("operator-2")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_way_a_flask_server_ends_a_session_is_recovered_from() {
    let flask =
        tokio::task::spawn_blocking(|| FlaskPlant::start(&["--no-sim", "--stats-interval", "0.5"]))
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(&flask.url(), None, dir.path()).await;
    wait_for(&console, "first sync", |s| {
        s.link.mode == LinkMode::Realtime && s.devices.len() == 12
    })
    .await;

    let mut flask = flask;
    for (round, how) in ["socketio", "engineio", "socketio"].into_iter().enumerate() {
        let before = console.link().telemetry().reconnects();
        flask = tokio::task::spawn_blocking(move || {
            assert_eq!(flask.end_sessions(how), 1, "one console was connected");
            flask
        })
        .await
        .unwrap();
        wait_for(
            &console,
            &format!("reconnect {round} after a {how} ending"),
            |s| {
                s.link.mode == LinkMode::Realtime
                    && console.link().telemetry().reconnects() > before
            },
        )
        .await;
    }
    console.shutdown().await.unwrap();
    drop(flask);
}
