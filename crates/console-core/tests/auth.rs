//! Token refusal on both peers: the link shows Unauthorized, keeps the token out of what
//! it reports, and retries slowly instead of hammering the plant.

mod common;

use common::{wait_for, LIMIT};

use std::time::Duration;

use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl, Secret};
use plant_link::backoff::BackoffPolicy;
use plant_server::ServerConfig;
use test_support::flask::FlaskPlant;
use test_support::proxy::Proxy;

async fn start(
    url: &str,
    token: &str,
    unauthorized_retry: Duration,
    dir: &std::path::Path,
) -> Console {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.token = Some(Secret::new(token));
    link.unauthorized_retry = unauthorized_retry;
    // Ordinary failures would retry every few milliseconds: any slowness seen below is the
    // unauthorized retry's doing.
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(20),
        jitter: 0.5,
    };
    link.fallback_after = Duration::from_secs(60);
    let (console, mut batches) = Console::start(ConsoleConfig::new(link, dir.to_owned()))
        .await
        .unwrap();
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    console
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_retried_at_the_slow_pace_not_with_the_backoff() {
    let config = ServerConfig {
        token: Some("right".into()),
        sim_interval: None,
        ..ServerConfig::default()
    };
    let server = plant_server::start(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        config,
    )
    .await
    .unwrap();
    let proxy = Proxy::start(server.local_addr());
    let dir = tempfile::tempdir().unwrap();
    let retry = Duration::from_millis(500);
    let console = start(
        &format!("http://{}", proxy.addr()),
        "wrong-secret",
        retry,
        dir.path(),
    )
    .await;

    let refused = wait_for(&console, "unauthorized", |s| {
        s.link.mode == LinkMode::Unauthorized
    })
    .await;
    let first = proxy.connections();
    // Three more attempts at the slow pace take about 1.5 s; the ordinary backoff would
    // have made a hundred in that time.
    let started = tokio::time::Instant::now();
    // Woken by the proxy at each connection it accepts.
    tokio::task::block_in_place(|| proxy.wait_for_connections(first + 3, LIMIT));
    let took = started.elapsed();
    assert!(
        took >= retry * 2,
        "three retries came within {took:?}: the refused token is hammered"
    );
    assert!(
        !format!("{refused:?}").contains("wrong-secret"),
        "the token leaked into the link status"
    );
    assert_eq!(console.snapshot().link.mode, LinkMode::Unauthorized);
    console.shutdown().await.unwrap();
    drop(proxy);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flask_server_refusing_the_token_shows_unauthorized() {
    let flask =
        tokio::task::spawn_blocking(|| FlaskPlant::start(&["--no-sim", "--token", "flask-right"]))
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let console = start(
        &flask.url(),
        "flask-wrong",
        Duration::from_secs(30),
        dir.path(),
    )
    .await;
    let refused = wait_for(&console, "unauthorized", |s| {
        s.link.mode == LinkMode::Unauthorized
    })
    .await;
    assert!(
        refused
            .link
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("unauthorized"),
        "{:?}",
        refused.link
    );
    assert!(refused.devices.is_empty());
    console.shutdown().await.unwrap();
    drop(flask);
}
