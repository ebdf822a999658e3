//! HTTP fallback against the Flask-SocketIO server with its WebSocket upgrade refused:
//! polling, commands by POST, and the return to real time once the WebSocket connects.

mod common;

use common::wait_for;

use std::time::Duration;

use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl, Secret};
use plant_link::backoff::BackoffPolicy;
use plant_protocol::{SetRelayRequest, SetRelayResult};
use serde_json::json;
use test_support::flask::FlaskPlant;

fn fast_link(url: &str, token: Option<&str>) -> LinkConfig {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.token = token.map(Secret::new);
    link.fallback_after = Duration::from_millis(300);
    link.poll_interval = Duration::from_millis(200);
    link.probe_interval = Duration::from_millis(200);
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(300),
        jitter: 0.5,
    };
    link
}

async fn start(link: LinkConfig, dir: &std::path::Path) -> Console {
    let (console, mut batches) = Console::start(ConsoleConfig::new(link, dir.to_owned()))
        .await
        .unwrap();
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    console
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_websocket_falls_back_to_polling_and_returns_to_real_time_when_it_connects() {
    let flask = std::sync::Arc::new(
        blocking(|| {
            FlaskPlant::start(&[
                "--refuse-websocket",
                "--no-sim",
                "--stats-interval",
                "0.3",
                "--token",
                "fb",
            ])
        })
        .await,
    );
    let dir = tempfile::tempdir().unwrap();
    let console = start(fast_link(&flask.url(), Some("fb")), dir.path()).await;

    let snapshot = wait_for(&console, "HTTP fallback with the plant", |s| {
        s.link.mode == LinkMode::Fallback && s.devices.len() == 12
    })
    .await;
    assert_eq!(snapshot.relays.len(), 6);
    assert!(snapshot.system_stats.is_some());

    // A plant-side change reaches the console by polling.
    let plant = flask.clone();
    blocking(move || plant.set_device("dev-03", &json!({"value": 42.25}))).await;
    wait_for(&console, "the polled change", |s| {
        s.devices
            .iter()
            .any(|d| d.device.id == "dev-03" && d.device.value == Some(42.25))
    })
    .await;

    // A relay command goes by POST while in fallback.
    let relay = snapshot
        .relays
        .iter()
        .find(|r| r.relay.extra.get("locked") != Some(&json!(true)))
        .unwrap()
        .relay
        .clone();
    let request = SetRelayRequest {
        relay_id: relay.id.clone(),
        state: !relay.state,
        request_id: "fallback-cmd-1".into(),
        issued_at: plant_link::clock::unix_now(),
        operator: None,
    };
    let result = console
        .link()
        .set_relay(request, &console.plant())
        .await
        .unwrap();
    assert!(
        matches!(
            result,
            SetRelayResult::Applied {
                duplicate: false,
                ..
            }
        ),
        "{result:?}"
    );
    let plant = flask.clone();
    assert_eq!(blocking(move || plant.applied()).await, 1);

    // The WebSocket is allowed again: the console returns to real time and stops polling.
    let plant = flask.clone();
    blocking(move || plant.refuse_websocket(false)).await;
    wait_for(&console, "real time after the WebSocket returns", |s| {
        s.link.mode == LinkMode::Realtime
    })
    .await;
    let modes = console.link().telemetry().time_in_modes();
    assert!(
        modes
            .iter()
            .any(|(mode, time)| *mode == LinkMode::Fallback && !time.is_zero()),
        "{modes:?}"
    );
    wait_for(&console, "a round-trip measurement", |_| {
        console.link().telemetry().rtt().is_some()
    })
    .await;
    let plant = flask.clone();
    let polls_at_return = blocking(move || plant.http_polls()).await;
    let stats_at_return = console.snapshot().system_stats.unwrap().received_at;
    // Two more stats broadcasts over the WebSocket span more than two poll intervals.
    wait_for(&console, "two more stats over the WebSocket", |s| {
        s.system_stats
            .as_ref()
            .is_some_and(|e| e.received_at > stats_at_return + 0.45)
    })
    .await;
    let plant = flask.clone();
    let polls_after = blocking(move || plant.http_polls()).await;
    assert!(
        polls_after <= polls_at_return + 1,
        "polling went on in real time: {polls_at_return} → {polls_after}"
    );
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_token_in_fallback_is_reported_as_unauthorized() {
    let flask =
        blocking(|| FlaskPlant::start(&["--refuse-websocket", "--no-sim", "--token", "right"]))
            .await;
    let dir = tempfile::tempdir().unwrap();
    let console = start(fast_link(&flask.url(), Some("wrong")), dir.path()).await;
    let snapshot = wait_for(&console, "unauthorized over HTTP", |s| {
        s.link.mode == LinkMode::Unauthorized
    })
    .await;
    assert!(snapshot.devices.is_empty());
    assert!(
        !format!("{snapshot:?}").contains("wrong"),
        "the token must not leak"
    );
    console.shutdown().await.unwrap();
    drop(flask);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_are_refused_not_lost_when_neither_path_works() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    let console = start(fast_link(&format!("http://{address}"), None), dir.path()).await;
    wait_for(&console, "offline", |s| s.link.mode == LinkMode::Offline).await;
    let request = SetRelayRequest {
        relay_id: "r".into(),
        state: true,
        request_id: "x".into(),
        issued_at: 1.0,
        operator: None,
    };
    assert_eq!(
        console.link().set_relay(request, &console.plant()).await,
        Err(plant_link::link::LinkError::NotLive)
    );
    console.shutdown().await.unwrap();
}
