//! The console against plant servers that restart again and again on the same port:
//! after every restart the link is live with the new server's whole plant, and the
//! process ends with as many open file descriptors as it had before the first restart.

mod common;

use common::{wait_for, LIMIT};

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use console_core::view::ConsoleSnapshot;
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use plant_link::backoff::BackoffPolicy;
use plant_server::ServerConfig;
use test_support::flask::FlaskPlant;
use tokio::net::TcpListener;

/// Descriptors the process may hold above its count before the restarts without that
/// being called a leak: lazily opened files such as SQLite's journal. A leak of one
/// socket per restart would exceed it well before the last restart.
const FD_SLACK: usize = 4;

/// The two tests count the whole process's descriptors, so they must not run at the
/// same time: the other test's sockets and pipes would come and go in the count.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A link that retries quickly, so a restart costs a fraction of a second.
fn fast_link(url: &str) -> LinkConfig {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        jitter: 0.5,
    };
    link
}

async fn start_console(url: &str, dir: &std::path::Path) -> Console {
    let (console, mut batches) = Console::start(ConsoleConfig::new(fast_link(url), dir.to_owned()))
        .await
        .unwrap();
    // Keeps the UI channel open and empty, as a window would.
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    console
}

/// Waits for the link to leave Realtime after its server went away.
async fn wait_offline(console: &Console, round: usize) {
    let mut state = console.link().state();
    tokio::time::timeout(LIMIT, state.wait_for(|s| s.mode == LinkMode::Offline))
        .await
        .unwrap_or_else(|_| panic!("not offline within {LIMIT:?} after stop {round}"))
        .expect("the link task is running");
}

/// Live, and holding exactly the plant of a server with `devices` devices: a count no
/// earlier server had, so it can only come from the newest server's snapshot.
///
/// Realtime alone is not enough, and not only in principle: socketioxide 0.18 sends the
/// CONNECT answer before it marks the socket connected, so snapshot requests that arrive
/// in between are answered with nothing (the reference server logs "devices snapshot not
/// sent … Closed"). The console then shows Realtime with the previous server's plant
/// until the next reconnect, and only this check notices.
fn live_with(snapshot: &ConsoleSnapshot, devices: usize) -> bool {
    snapshot.link.mode == LinkMode::Realtime && snapshot.devices.len() == devices
}

/// The process's open file descriptors and what each one is, from `/proc/self/fd`.
fn open_fds() -> BTreeMap<String, PathBuf> {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd is readable")
        .filter_map(Result::ok)
        .map(|entry| {
            let target = std::fs::read_link(entry.path()).unwrap_or_default();
            (entry.file_name().to_string_lossy().into_owned(), target)
        })
        .collect()
}

/// Waits until the descriptor count is back within [`FD_SLACK`] of `before`: sockets of
/// the last server close a moment after it stopped, so one look could be too early.
async fn assert_no_fd_leak(before: &BTreeMap<String, PathBuf>) {
    // The kernel announces no closed descriptor: the table is looked at until it is back.
    test_support::eventually(
        Duration::from_secs(5),
        "the descriptors of the restarts to be closed",
        async || {
            let now = open_fds();
            if now.len() <= before.len() + FD_SLACK {
                return Ok(());
            }
            let new: Vec<_> = now
                .iter()
                .filter(|(fd, target)| before.get(*fd) != Some(target))
                .collect();
            Err(format!(
                "{} descriptors open before the restarts, {} after; new ones: {new:?}",
                before.len(),
                now.len()
            ))
        },
    )
    .await;
}

fn reference_config(devices: usize) -> ServerConfig {
    ServerConfig {
        sim_interval: None,
        seed: Some(7),
        stats_interval: Duration::from_millis(200),
        devices,
        ..ServerConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_is_live_again_after_each_of_many_reference_server_restarts_on_the_same_port() {
    const RESTARTS: usize = 10;
    let _alone = ONE_AT_A_TIME.lock().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut server = plant_server::start(listener, reference_config(12))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(&format!("http://{address}"), dir.path()).await;
    wait_for(&console, "first sync", |s| live_with(s, 12)).await;
    let fds_before = open_fds();
    let tasks_before = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();

    let started = Instant::now();
    for round in 1..=RESTARTS {
        server.shutdown().await;
        wait_offline(&console, round).await;
        // Each restarted plant has a device count of its own, so a stale list from the
        // previous server cannot pass for a fresh one.
        let devices = 12 + round;
        server = plant_server::start(
            TcpListener::bind(address).await.unwrap(),
            reference_config(devices),
        )
        .await
        .unwrap();
        wait_for(&console, &format!("resync after restart {round}"), |s| {
            live_with(s, devices)
        })
        .await;
        assert_eq!(
            console.link().telemetry().reconnects(),
            round as u64,
            "exactly one new session per restart"
        );
    }
    eprintln!("{RESTARTS} restarts in {:?}", started.elapsed());

    assert_no_fd_leak(&fds_before).await;
    assert_eq!(server.plant().connected_clients(), 1);
    // The same console on the same kind of server runs the same tasks as before the
    // restarts: a task left behind by each one would show as ten more.
    // A task's end is announced to its JoinHandle only, which the console keeps: the
    // runtime's count is looked at until it is back.
    test_support::eventually(
        Duration::from_secs(5),
        "the tasks of the restarts to end",
        async || {
            let tasks = tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks();
            if tasks <= tasks_before + 2 {
                Ok(())
            } else {
                Err(format!(
                    "{tasks_before} tasks before the restarts, {tasks} after"
                ))
            }
        },
    )
    .await;
    console.shutdown().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_is_live_again_after_each_of_many_flask_server_restarts_on_the_same_port() {
    const RESTARTS: usize = 5;
    let _alone = ONE_AT_A_TIME.lock().await;
    let start_flask = |port: u16, devices: usize| {
        tokio::task::spawn_blocking(move || {
            let devices = devices.to_string();
            FlaskPlant::start_on(
                port,
                &["--no-sim", "--stats-interval", "0.5", "--devices", &devices],
            )
        })
    };
    let mut flask = start_flask(0, 12).await.unwrap();
    let port = flask.port;
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(&flask.url(), dir.path()).await;
    wait_for(&console, "first sync", |s| live_with(s, 12)).await;
    let fds_before = open_fds();

    let started = Instant::now();
    for round in 1..=RESTARTS {
        // Killed, not stopped: the TCP streams end with no frame, as when the plant's
        // server process dies.
        tokio::task::spawn_blocking(move || flask.kill())
            .await
            .unwrap();
        wait_offline(&console, round).await;
        let devices = 12 + round;
        flask = start_flask(port, devices).await.unwrap();
        wait_for(&console, &format!("resync after restart {round}"), |s| {
            live_with(s, devices)
        })
        .await;
        assert_eq!(
            console.link().telemetry().reconnects(),
            round as u64,
            "exactly one new session per restart"
        );
    }
    eprintln!("{RESTARTS} Flask restarts in {:?}", started.elapsed());

    assert_no_fd_leak(&fds_before).await;
    let (flask, clients) = tokio::task::spawn_blocking(move || {
        let clients = flask.clients();
        (flask, clients)
    })
    .await
    .unwrap();
    assert_eq!(clients, 1);
    console.shutdown().await.unwrap();
    tokio::task::spawn_blocking(move || flask.kill())
        .await
        .unwrap();
}
