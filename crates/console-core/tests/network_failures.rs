//! The plant link when the network misbehaves: a silent (blackholed) path, a server that
//! accepts TCP and never answers, a port nobody listens on, a short outage that must not
//! cost a reconnect, and connections cut or closed at once. Real sockets throughout, so
//! no paused clock: every wait is on a link-state event or a polled value with a deadline.

mod common;

use common::{wait_for, LIMIT};

use std::time::{Duration, Instant};

use console_core::view::ConsoleSnapshot;
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, LinkState, PlantUrl};
use plant_link::backoff::BackoffPolicy;
use plant_server::ServerConfig;
use test_support::flask::FlaskPlant;
use test_support::proxy::Proxy;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// The stale threshold these tests configure: short, so that staleness shows quickly.
const STALE_AFTER: Duration = Duration::from_secs(1);

/// Slack on top of a configured time before the test calls it late: a loaded machine
/// (two cores shared with other builds) delays timers and the console's tasks a little.
const MARGIN: Duration = Duration::from_millis(1500);

/// A link that retries quickly, so a test spends its time on the failure, not on waiting.
fn fast_link(url: &str) -> LinkConfig {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        jitter: 0.5,
    };
    link.stale_after = STALE_AFTER;
    link
}

async fn start_console(link: LinkConfig, dir: &std::path::Path) -> Console {
    let (console, mut batches) = Console::start(ConsoleConfig::new(link, dir.to_owned()))
        .await
        .unwrap();
    // Keeps the UI channel open and empty, as a window would.
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    console
}

/// Waits for the link to enter `mode`, for at most `limit`, and returns when it was seen
/// and the state. Event-driven: it wakes on every change of the link's state.
async fn wait_for_mode(console: &Console, mode: LinkMode, limit: Duration) -> (Instant, LinkState) {
    let mut state = console.link().state();
    let reached = tokio::time::timeout(limit, state.wait_for(|s| s.mode == mode))
        .await
        .map(|seen| seen.map(|seen| seen.clone()));
    match reached {
        Ok(Ok(seen)) => (Instant::now(), seen),
        Ok(Err(_)) => panic!("the link task stopped while waiting for {mode:?}"),
        Err(_) => panic!(
            "the link did not become {mode:?} within {limit:?}; it is {:?}",
            *state.borrow()
        ),
    }
}

/// Every link mode the console passes through from the moment the log starts (its
/// current mode first), in order, with when the change was seen. A watch channel only
/// keeps the latest value, so a recorder task is what proves that a mode was (or was not)
/// passed through between two waits.
struct ModeLog {
    seen: watch::Receiver<Vec<(Instant, LinkState)>>,
    task: tokio::task::JoinHandle<()>,
}

impl ModeLog {
    fn start(console: &Console) -> ModeLog {
        let mut state = console.link().state();
        let first = state.borrow_and_update().clone();
        let (log, seen) = watch::channel(vec![(Instant::now(), first)]);
        let task = tokio::spawn(async move {
            while state.changed().await.is_ok() {
                let now = state.borrow_and_update().clone();
                log.send_if_modified(|log| {
                    let new_mode = log.last().is_none_or(|(_, last)| last.mode != now.mode);
                    if new_mode {
                        log.push((Instant::now(), now));
                    }
                    new_mode
                });
            }
        });
        ModeLog { seen, task }
    }

    /// Waits, for at most `limit`, until the latest recorded mode is `mode`; returns when
    /// the link entered it and the state it entered with.
    async fn wait_for(&mut self, mode: LinkMode, limit: Duration) -> (Instant, LinkState) {
        let reached = tokio::time::timeout(
            limit,
            self.seen
                .wait_for(|log| log.last().is_some_and(|(_, state)| state.mode == mode)),
        )
        .await
        .map(|log| log.map(|log| log.last().cloned().expect("never empty")));
        match reached {
            Ok(Ok(entry)) => entry,
            Ok(Err(_)) => panic!("the link task stopped while waiting for {mode:?}"),
            Err(_) => panic!(
                "the link did not become {mode:?} within {limit:?}; modes so far: {:?}",
                self.modes()
            ),
        }
    }

    fn modes(&self) -> Vec<LinkMode> {
        self.seen
            .borrow()
            .iter()
            .map(|(_, state)| state.mode)
            .collect()
    }
}

impl Drop for ModeLog {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn quiet_reference() -> ServerConfig {
    ServerConfig {
        sim_interval: None,
        seed: Some(7),
        stats_interval: Duration::from_millis(200),
        ..ServerConfig::default()
    }
}

/// Live over WebSocket. These tests are about the link, so they do not wait for the
/// device and relay lists as well: the reference server now and then drops the snapshot
/// requests of a client that sends them the moment it is connected (a race in
/// socketioxide's connect, see `restarts.rs`), which would fail them for a reason that
/// is not theirs.
fn live(snapshot: &ConsoleSnapshot) -> bool {
    snapshot.link.mode == LinkMode::Realtime
}

// The reference server (socketioxide) keeps its default heartbeat of 25 s + 20 s:
// `plant_server::ServerConfig` has no ping settings, so a heartbeat loss in seconds can
// only be provoked on the Flask server, whose `--ping-interval`/`--ping-timeout` set it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blackholed_link_turns_stale_within_stale_after_and_then_offline_after_the_heartbeat_limit()
{
    // Flask announces pingInterval rounded down to whole seconds, so whole seconds it is.
    // 2 s + 2 s keeps the stale moment (1 s) and the heartbeat limit (4 s) well apart.
    let heartbeat_limit = Duration::from_secs(4);
    let flask = tokio::task::spawn_blocking(|| {
        FlaskPlant::start(&[
            "--no-sim",
            "--stats-interval",
            "0.2",
            "--ping-interval",
            "2000",
            "--ping-timeout",
            "2000",
        ])
    })
    .await
    .unwrap();
    let proxy = Proxy::start(([127, 0, 0, 1], flask.port).into());
    let dir = tempfile::tempdir().unwrap();
    let mut link = fast_link(&format!("http://{}", proxy.addr()));
    // Bounds a reconnect attempt that starts while the path is still silent.
    link.connect_timeout = Duration::from_secs(3);
    let console = start_console(link, dir.path()).await;
    wait_for(&console, "live through the proxy", live).await;
    let mut log = ModeLog::start(&console);

    proxy.blackhole(true);
    let silenced = Instant::now();
    let (stale_at, _) = log.wait_for(LinkMode::Stale, STALE_AFTER + MARGIN).await;
    let to_stale = stale_at - silenced;
    assert!(
        to_stale < heartbeat_limit,
        "stale after {to_stale:?}, not before the heartbeat limit"
    );

    let (offline_at, offline) = log
        .wait_for(LinkMode::Offline, heartbeat_limit + MARGIN)
        .await;
    let to_offline = offline_at - silenced;
    // The last frame came at most one stats period (0.2 s) before the blackhole, so the
    // heartbeat cannot have run out much before its limit counted from the blackhole.
    assert!(
        to_offline >= heartbeat_limit - Duration::from_millis(500),
        "offline after {to_offline:?}, before the heartbeat limit of {heartbeat_limit:?}"
    );
    let detail = offline.detail.unwrap_or_default();
    assert!(
        detail.to_ascii_lowercase().contains("heartbeat"),
        "the offline detail names the heartbeat: {detail:?}"
    );
    assert_eq!(
        log.modes(),
        [LinkMode::Realtime, LinkMode::Stale, LinkMode::Offline],
        "silence goes Realtime → Stale → Offline"
    );

    // The cable is back: the console must get through on a new connection of its own.
    proxy.blackhole(false);
    log.wait_for(LinkMode::Realtime, LIMIT).await;
    assert!(proxy.connections() >= 2, "the console reconnected");
    assert!(console.link().telemetry().reconnects() >= 1);
    eprintln!("stale after {to_stale:?}, offline after {to_offline:?} (limit {heartbeat_limit:?})");
    console.shutdown().await.unwrap();
    drop(proxy);
    tokio::task::spawn_blocking(move || flask.kill())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_that_accepts_tcp_and_never_answers_hits_the_connect_timeout_and_is_retried() {
    let connect_timeout = Duration::from_secs(1);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (accepted_tx, mut accepted) = mpsc::unbounded_channel();
    // Accepts and holds every connection open without reading or writing a byte: the
    // console's TCP connect succeeds and its WebSocket upgrade is never answered.
    let mute = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
            let _ = accepted_tx.send(Instant::now());
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let mut link = fast_link(&format!("http://{address}"));
    link.connect_timeout = connect_timeout;
    let started = Instant::now();
    let console = start_console(link, dir.path()).await;

    let (offline_at, offline) =
        wait_for_mode(&console, LinkMode::Offline, connect_timeout + MARGIN).await;
    let to_offline = offline_at - started;
    assert!(
        to_offline >= connect_timeout,
        "offline after {to_offline:?}, before the connect timeout"
    );
    let detail = offline.detail.unwrap_or_default();
    assert!(
        detail.to_ascii_lowercase().contains("timed out"),
        "the offline detail names the timeout: {detail:?}"
    );

    let first = tokio::time::timeout(LIMIT, accepted.recv())
        .await
        .expect("the first connection within the deadline")
        .unwrap();
    let second = tokio::time::timeout(LIMIT, accepted.recv())
        .await
        .expect("a second attempt within the deadline")
        .unwrap();
    // The first attempt is held for its whole timeout before the retry opens another one
    // (less a little: the first accept is noted a moment after the console connected).
    assert!(
        second - first >= connect_timeout.mul_f64(0.9),
        "retried after {:?}, within the first attempt's timeout",
        second - first
    );
    assert_eq!(console.snapshot().link.mode, LinkMode::Offline);
    console.shutdown().await.unwrap();
    mute.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_are_retried_with_backoff_until_the_server_appears() {
    // A port that was free a moment ago; nobody listens on it until the server starts.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(fast_link(&format!("http://{address}")), dir.path()).await;
    let (_, offline) = wait_for_mode(&console, LinkMode::Offline, LIMIT).await;
    let detail = offline.detail.unwrap_or_default();
    assert!(
        detail.to_ascii_lowercase().contains("refused"),
        "the offline detail says the connection was refused: {detail:?}"
    );

    let server = plant_server::start(TcpListener::bind(address).await.unwrap(), quiet_reference())
        .await
        .unwrap();
    let appeared = Instant::now();
    wait_for(&console, "live once the server is there", live).await;
    // The backoff is capped at 200 ms; a live link within a couple of seconds shows the
    // console kept retrying rather than giving up or sleeping for long.
    let to_live = appeared.elapsed();
    assert!(
        to_live < Duration::from_secs(3),
        "live {to_live:?} after the server appeared"
    );
    assert_eq!(
        console.link().telemetry().reconnects(),
        0,
        "the first live session is not a reconnect"
    );
    console.shutdown().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_mark_clears_as_soon_as_traffic_resumes() {
    let server = plant_server::start(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        quiet_reference(),
    )
    .await
    .unwrap();
    let proxy = Proxy::start(server.local_addr());
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(fast_link(&format!("http://{}", proxy.addr())), dir.path()).await;
    wait_for(&console, "live through the proxy", live).await;
    let reconnects = console.link().telemetry().reconnects();
    let mut log = ModeLog::start(&console);

    proxy.blackhole(true);
    log.wait_for(LinkMode::Stale, STALE_AFTER + MARGIN).await;
    // Well before the reference server's heartbeat limit (25 s + 20 s).
    proxy.blackhole(false);
    let resumed = Instant::now();
    // Stats come every 200 ms and the held bytes arrive at once: the first frame clears
    // the mark, so this takes a fraction of a second.
    let (realtime_at, _) = log.wait_for(LinkMode::Realtime, MARGIN).await;

    assert_eq!(
        log.modes(),
        [LinkMode::Realtime, LinkMode::Stale, LinkMode::Realtime],
        "Stale goes straight back to Realtime"
    );
    assert_eq!(
        console.link().telemetry().reconnects(),
        reconnects,
        "no reconnect"
    );
    assert_eq!(proxy.connections(), 1, "still the first connection");
    assert_eq!(proxy.open_connections(), 1);
    eprintln!("realtime {:?} after traffic resumed", realtime_at - resumed);
    console.shutdown().await.unwrap();
    drop(proxy);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_connections_are_noticed_at_once_and_the_console_reconnects() {
    let server = plant_server::start(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        quiet_reference(),
    )
    .await
    .unwrap();
    let proxy = Proxy::start(server.local_addr());
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(fast_link(&format!("http://{}", proxy.addr())), dir.path()).await;
    wait_for(&console, "live through the proxy", live).await;
    let mut log = ModeLog::start(&console);

    proxy.cut_all();
    let cut = Instant::now();
    // A stream that ends is news at once: no timeout may stand between it and Offline.
    let (offline_at, _) = log.wait_for(LinkMode::Offline, MARGIN).await;
    log.wait_for(LinkMode::Realtime, LIMIT).await;

    assert_eq!(
        log.modes(),
        [LinkMode::Realtime, LinkMode::Offline, LinkMode::Realtime]
    );
    assert_eq!(proxy.connections(), 2, "one new connection, no more");
    assert_eq!(console.link().telemetry().reconnects(), 1);
    eprintln!("offline {:?} after the cut", offline_at - cut);
    console.shutdown().await.unwrap();
    drop(proxy);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_closed_at_once_are_retried_with_backoff_not_in_a_tight_loop() {
    let server = plant_server::start(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        quiet_reference(),
    )
    .await
    .unwrap();
    let proxy = Proxy::start(server.local_addr());
    // A listener that takes the connection and closes it before the WebSocket upgrade
    // answers: the worst case for a retry loop, since every attempt fails in microseconds.
    proxy.refuse(true);
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(fast_link(&format!("http://{}", proxy.addr())), dir.path()).await;

    // Woken by the proxy at each connection it refuses, so the instant is the attempt's.
    let until_refused = |count: u64| {
        tokio::task::block_in_place(|| proxy.wait_for_refused(count, LIMIT));
        Instant::now()
    };
    let first = until_refused(1);
    let (_, offline) = wait_for_mode(&console, LinkMode::Offline, LIMIT).await;
    let ninth = until_refused(9);
    // With initial 50 ms, cap 200 ms and ±50 % jitter the eight waits in between are at
    // least 25 + 50 + 6 × 100 ms; a loop without backoff would take a few milliseconds.
    let shortest = Duration::from_millis(25 + 50 + 6 * 100);
    assert!(
        ninth - first >= shortest - Duration::from_millis(50),
        "eight retries in {:?}",
        ninth - first
    );
    let status = console.snapshot().link;
    assert_eq!(status.mode, LinkMode::Offline);
    assert_eq!(
        status.since, offline.since,
        "\"offline since\" stays where it was while the retries fail"
    );

    proxy.refuse(false);
    wait_for(&console, "live once connections are let through", live).await;
    eprintln!("eight retries took {:?}", ninth - first);
    console.shutdown().await.unwrap();
    drop(proxy);
    server.shutdown().await;
}
