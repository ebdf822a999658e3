//! The outbox runner against real servers: queuing while the plant is unreachable (only
//! when confirmed), sending when the link returns, never sending an expired command,
//! and sending by HTTP POST in fallback mode.

use std::time::Duration;

use console_core::console::CommandError;
use console_core::outbox::{QueuedCommand, Status};
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use plant_link::backoff::BackoffPolicy;
use plant_server::ServerConfig;
use test_support::flask::FlaskPlant;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const LIMIT: Duration = Duration::from_secs(20);

fn link(url: &str) -> LinkConfig {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        jitter: 0.5,
    };
    link.fallback_after = Duration::from_millis(300);
    link.poll_interval = Duration::from_millis(200);
    link
}

async fn start(config: ConsoleConfig) -> (Console, mpsc::Receiver<QueuedCommand>) {
    let (console, mut batches) = Console::start(config).await.unwrap();
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    let updates = console.take_command_updates().unwrap();
    (console, updates)
}

/// Waits for the command's update with `status`, failing on any other final status.
async fn wait_status(
    updates: &mut mpsc::Receiver<QueuedCommand>,
    id: &str,
    status: Status,
) -> QueuedCommand {
    tokio::time::timeout(LIMIT, async {
        loop {
            let update = updates.recv().await.expect("updates continue");
            if update.request_id != id {
                continue;
            }
            if update.status == status {
                return update;
            }
            assert!(
                !update.status.is_final(),
                "ended {:?} ({:?}) instead of {status:?}",
                update.status,
                update.error
            );
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {status:?} for {id} within {LIMIT:?}"))
}

async fn wait_mode(console: &Console, mode: LinkMode) {
    let mut state = console.link().state();
    tokio::time::timeout(LIMIT, state.wait_for(|s| s.mode == mode))
        .await
        .expect("mode in time")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_queued_knowingly_while_offline_is_sent_when_the_link_returns() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    let (console, mut updates) = start(ConsoleConfig::new(
        link(&format!("http://{address}")),
        dir.path().to_owned(),
    ))
    .await;
    wait_mode(&console, LinkMode::Offline).await;

    let refused = console
        .set_relay("relay-01", true, false)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, CommandError::LinkDown { .. }),
        "{refused}"
    );
    assert_eq!(refused.code(), "link_down");
    assert!(
        console.outbox(10).await.unwrap().is_empty(),
        "nothing is queued without the operator's consent"
    );

    let queued = console.set_relay("relay-01", true, true).await.unwrap();
    assert_eq!(queued.status, Status::Queued);

    let config = ServerConfig {
        sim_interval: None,
        ..ServerConfig::default()
    };
    let server = plant_server::start(TcpListener::bind(address).await.unwrap(), config)
        .await
        .unwrap();
    wait_status(&mut updates, &queued.request_id, Status::Confirmed).await;
    assert_eq!(server.plant().applied_commands(), 1);
    assert!(server
        .plant()
        .relays()
        .iter()
        .any(|r| r.id == "relay-01" && r.state));
    console.shutdown().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_command_is_never_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    let mut config = ConsoleConfig::new(link(&format!("http://{address}")), dir.path().to_owned());
    config.command_ttl = Duration::from_secs(1);
    let (console, mut updates) = start(config).await;
    wait_mode(&console, LinkMode::Offline).await;
    let queued = console.set_relay("relay-02", true, true).await.unwrap();
    let expired = wait_status(&mut updates, &queued.request_id, Status::Expired).await;
    assert_eq!(expired.attempts, 0);

    let config = ServerConfig {
        sim_interval: None,
        stats_interval: Duration::from_millis(100),
        ..ServerConfig::default()
    };
    let server = plant_server::start(TcpListener::bind(address).await.unwrap(), config)
        .await
        .unwrap();
    wait_mode(&console, LinkMode::Realtime).await;
    // Give the runner many chances (its tick is 250 ms) while stats keep arriving.
    let first = console
        .snapshot()
        .system_stats
        .map(|s| s.received_at)
        .unwrap_or(0.0);
    test_support::eventually(LIMIT, "a second more of stats", async || {
        let at = console
            .snapshot()
            .system_stats
            .map_or(0.0, |s| s.received_at);
        (at >= first + 1.0).then_some(())
    })
    .await;
    assert_eq!(
        server.plant().applied_commands(),
        0,
        "an expired command reached the plant"
    );
    console.shutdown().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_http_fallback_a_command_goes_by_post_and_is_confirmed() {
    let flask =
        tokio::task::spawn_blocking(|| FlaskPlant::start(&["--refuse-websocket", "--no-sim"]))
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (console, mut updates) = start(ConsoleConfig::new(
        link(&flask.url()),
        dir.path().to_owned(),
    ))
    .await;
    wait_mode(&console, LinkMode::Fallback).await;
    let command = console.set_relay("rly-02", true, false).await.unwrap();
    wait_status(&mut updates, &command.request_id, Status::Confirmed).await;
    let flask = tokio::task::spawn_blocking(move || {
        assert_eq!(flask.applied_ids(), vec![command.request_id.clone()]);
        flask
    })
    .await
    .unwrap();
    console.shutdown().await.unwrap();
    drop(flask);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_command_fails_with_the_servers_reason() {
    let config = ServerConfig {
        sim_interval: None,
        ..ServerConfig::default()
    };
    let server = plant_server::start(TcpListener::bind("127.0.0.1:0").await.unwrap(), config)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (console, mut updates) = start(ConsoleConfig::new(
        link(&format!("http://{}", server.local_addr())),
        dir.path().to_owned(),
    ))
    .await;
    wait_mode(&console, LinkMode::Realtime).await;
    let command = console
        .set_relay("no-such-relay", true, false)
        .await
        .unwrap();
    let failed = wait_status(&mut updates, &command.request_id, Status::Failed).await;
    assert!(failed.error.unwrap_or_default().contains("unknown_relay"));
    console.shutdown().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_command_is_retried_with_the_same_id_and_applied_once() {
    let config = ServerConfig {
        sim_interval: None,
        ..ServerConfig::default()
    };
    let server = plant_server::start(TcpListener::bind("127.0.0.1:0").await.unwrap(), config)
        .await
        .unwrap();
    let proxy = test_support::proxy::Proxy::start(server.local_addr());
    let dir = tempfile::tempdir().unwrap();
    let mut link = link(&format!("http://{}", proxy.addr()));
    // The blackhole below must not turn the link stale: only the ack timeout is tested.
    link.stale_after = Duration::from_secs(60);
    let mut config = ConsoleConfig::new(link, dir.path().to_owned());
    config.runner.ack_timeout = Duration::from_millis(300);
    let (console, mut updates) = start(config).await;
    wait_mode(&console, LinkMode::Realtime).await;

    // The plant hears nothing and answers nothing, but the connection stays open.
    proxy.blackhole(true);
    let command = console.set_relay("relay-02", true, false).await.unwrap();
    tokio::time::timeout(LIMIT, async {
        loop {
            let update = updates.recv().await.unwrap();
            if update.request_id == command.request_id
                && update.status == Status::Sent
                && update.attempts >= 2
            {
                break;
            }
        }
    })
    .await
    .expect("a second attempt after the ack timeout");

    // The held frames now reach the plant: both attempts carry one request id.
    proxy.blackhole(false);
    wait_status(&mut updates, &command.request_id, Status::Confirmed).await;
    assert_eq!(
        server.plant().applied_commands(),
        1,
        "the retried command took effect once"
    );
    console.shutdown().await.unwrap();
    drop(proxy);
    server.shutdown().await;
}
