//! One plant at two addresses: the console fails over from the primary to the standby
//! when the primary shuts down or goes silent, with never two sessions at once; resends
//! an unanswered command to the standby with its request id; keeps the plant's cache and
//! commands; and goes back to the primary only once it has been healthy for the hold
//! time. Real servers on loopback (the reference plant, and the hostile peer for a
//! primary that goes silent mid-session); every wait is on the link state or polled with
//! a deadline.

mod common;

use common::{start, wait_for, LIMIT};

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use console_core::outbox::Status;
use console_core::store;
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, LinkState, PlantId};
use plant_link::backoff::BackoffPolicy;
use plant_link::config::{FailoverPolicy, PlantAddresses};
use plant_server::{RunningServer, ServerConfig};
use test_support::hostile::HostileServer;
use tokio::net::TcpListener;

/// A link to a plant at `urls` that retries quickly and never polls over HTTP, so the
/// test sees only WebSocket sessions.
fn link(urls: &[&str]) -> LinkConfig {
    let mut link = LinkConfig::with_servers(PlantAddresses::parse(urls.iter().copied()).unwrap());
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        jitter: 0.5,
    };
    link.fallback_after = Duration::from_secs(600);
    link
}

async fn plant_at(listener: TcpListener) -> RunningServer {
    plant_server::start(
        listener,
        ServerConfig {
            sim_interval: None,
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap()
}

async fn plant() -> RunningServer {
    plant_at(TcpListener::bind("127.0.0.1:0").await.unwrap()).await
}

fn url(server: &RunningServer) -> String {
    format!("http://{}", server.local_addr())
}

/// Waits until the link is live on the address at `index`.
async fn live_on(console: &Console, index: usize) -> LinkState {
    let mut state = console.link().state();
    let seen = tokio::time::timeout(
        LIMIT,
        state.wait_for(|s| s.mode == LinkMode::Realtime && s.address.index == index),
    )
    .await
    .map(|seen| seen.map(|seen| seen.clone()));
    match seen {
        Ok(Ok(seen)) => seen,
        Ok(Err(_)) => panic!("the link task stopped"),
        Err(_) => panic!(
            "the link did not go live on address {index}; it is {:?}",
            *state.borrow()
        ),
    }
}

/// Samples how many Socket.IO clients the servers have, together, until stopped, and
/// keeps the largest sum seen.
struct ClientSampler {
    most: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl ClientSampler {
    fn start(count: impl Fn() -> usize + Send + 'static) -> ClientSampler {
        let most = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let (most, stop) = (most.clone(), stop.clone());
            async move {
                while !stop.load(Ordering::Relaxed) {
                    most.fetch_max(count(), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        });
        ClientSampler { most, stop, task }
    }

    async fn most(self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap();
        self.most.load(Ordering::Relaxed)
    }
}

/// The failover entries of the journal in the cache at `dir`, polled until there are
/// `count` (the writer saves them a moment after the link changed).
async fn failover_entries(dir: &std::path::Path, count: usize) -> Vec<store::JournalEntry> {
    let dir = dir.to_owned();
    test_support::eventually(LIMIT, "the failover journal entries", async || {
        let dir = dir.clone();
        let entries = tokio::task::spawn_blocking(move || {
            let conn = store::open_read_only(&dir).unwrap().unwrap();
            store::journal_of_kind(&conn, store::journal_kind::FAILOVER, None, None, 100).unwrap()
        })
        .await
        .unwrap();
        if entries.len() >= count {
            Ok(entries)
        } else {
            Err(format!("{} entries", entries.len()))
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_fails_over_to_the_standby_when_the_primary_shuts_down() {
    let (a, b) = (plant().await, plant().await);
    let (a_url, b_url) = (url(&a), url(&b));
    let dir = tempfile::tempdir().unwrap();
    let console = start(ConsoleConfig::new(
        link(&[&a_url, &b_url]),
        dir.path().into(),
    ))
    .await;
    let on_a = live_on(&console, 0).await;
    assert_eq!(on_a.address.current, a_url);
    assert_eq!(on_a.address.count, 2);
    assert_eq!(on_a.address.failovers, 0);
    wait_for(&console, "the plant's relays", |s| !s.relays.is_empty()).await;

    let (a_plant, b_plant) = (a.plant(), b.plant());
    let sampler =
        ClientSampler::start(move || a_plant.connected_clients() + b_plant.connected_clients());
    a.shutdown().await;
    let on_b = live_on(&console, 1).await;
    assert_eq!(on_b.address.current, b_url);
    assert_eq!(on_b.address.role.as_str(), "standby");
    assert_eq!(on_b.address.failovers, 1);
    assert_eq!(
        on_b.address.last_failover_from.as_deref(),
        Some(a_url.as_str())
    );
    assert!(on_b.address.last_failover_at.is_some());
    assert_eq!(console.link().telemetry().failovers(), 1);
    let status = console.link_status();
    assert_eq!(
        (status.address.as_str(), status.failovers),
        (b_url.as_str(), 1)
    );

    // The plant is the same plant: same identity, same cache, what was known kept.
    assert_eq!(console.plant().as_str(), a_url);
    let cache = common::cache_of(dir.path(), &a_url);
    assert_eq!(console.cache_dir(), cache);
    let plants: Vec<_> = std::fs::read_dir(dir.path().join("plants"))
        .unwrap()
        .collect();
    assert_eq!(plants.len(), 1, "one plant, one cache: {plants:?}");

    let entries = failover_entries(&cache, 1).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].data["from"], a_url.as_str());
    assert_eq!(entries[0].data["to"], b_url.as_str());
    assert!(entries[0].text.contains(&b_url), "{}", entries[0].text);
    assert!(
        sampler.most().await <= 1,
        "the servers saw two clients at once"
    );
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_primary_is_left_and_its_unanswered_command_goes_to_the_standby_with_its_id() {
    // The primary accepts the session, takes the command and then says nothing more: no
    // ack, no heartbeat (1 s + 1 s announced), as a server that hung would.
    let a = HostileServer::start();
    let b = plant().await;
    let b_url = url(&b);
    let relay = b.plant().relays()[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let mut config = link(&[&a.url(), &b_url]);
    config.plant = PlantId::named("line-1").unwrap();
    let console = start(ConsoleConfig::new(config, dir.path().into())).await;

    let a_conn = a.next_ws_async().await;
    a_conn.handshake_async(1000, 1000).await;
    live_on(&console, 0).await;
    let first = console
        .set_relay(&relay.id, !relay.state, false)
        .await
        .unwrap();
    let frame = a_conn
        .recv_matching_async(|f| f.contains("set_relay"))
        .await;
    assert!(frame.contains(&first.request_id), "{frame}");
    // A second command to the same relay waits behind the first, unsent.
    let second = console
        .set_relay(&relay.id, relay.state, true)
        .await
        .unwrap();

    let b_plant = b.plant();
    let a_open = a_conn.clone();
    let sampler = ClientSampler::start(move || {
        b_plant.connected_clients() + usize::from(a_open.closed().is_none())
    });
    let on_b = live_on(&console, 1).await;
    assert!(
        a_conn.closed().is_some(),
        "the silent session was closed first"
    );
    assert_eq!(on_b.address.failovers, 1);

    let done = |status: Status| matches!(status, Status::Acked | Status::Confirmed);
    test_support::eventually(LIMIT, "both commands answered by the standby", async || {
        let commands = console.outbox(10).await.unwrap();
        let find = |id: &str| {
            commands
                .iter()
                .find(|c| c.request_id == id)
                .map(|c| c.status)
        };
        match (find(&first.request_id), find(&second.request_id)) {
            (Some(one), Some(two)) if done(one) && done(two) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    // The standby applied each once, and the relay ends as the second command asked.
    assert_eq!(b.plant().applied_commands(), 2);
    let on_b_relay = b
        .plant()
        .relays()
        .into_iter()
        .find(|r| r.id == relay.id)
        .unwrap();
    assert_eq!(on_b_relay.state, relay.state);
    // The primary never saw the second one: it was queued while the first was out.
    assert!(!a_conn
        .received()
        .iter()
        .any(|f| f.contains(&second.request_id)));
    // The commands stayed with the named plant, in its one cache.
    assert_eq!(console.plant().as_str(), "line-1");
    let commands = console.outbox(10).await.unwrap();
    assert!(commands
        .iter()
        .all(|c| c.plant.as_ref().map(PlantId::as_str) == Some("line-1")
            && c.status != Status::PlantChanged));
    assert!(sampler.most().await <= 1, "two sessions at once");
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_goes_back_to_the_primary_after_the_hold_time_and_not_before() {
    // The primary's port is reserved, then left empty: the console starts on the standby.
    let reserved = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a_addr = reserved.local_addr().unwrap();
    drop(reserved);
    let a_url = format!("http://{a_addr}");
    let b = plant().await;
    let b_url = url(&b);
    let hold = Duration::from_secs(2);
    let mut config = link(&[&a_url, &b_url]);
    config.prefer_primary_after = hold;
    config.primary_probe_interval = Duration::from_millis(200);
    let dir = tempfile::tempdir().unwrap();
    let console = start(ConsoleConfig::new(config, dir.path().into())).await;
    live_on(&console, 1).await;

    let a = plant_at(TcpListener::bind(a_addr).await.unwrap()).await;
    let a_up = Instant::now();
    let (a_plant, b_plant) = (a.plant(), b.plant());
    let sampler =
        ClientSampler::start(move || a_plant.connected_clients() + b_plant.connected_clients());
    let back = live_on(&console, 0).await;
    let waited = a_up.elapsed();
    assert!(
        waited >= hold,
        "back on the primary {waited:?} after it came up, before the hold of {hold:?}"
    );
    assert_eq!(back.address.role.as_str(), "primary");
    // Starting on the standby was the first failover (the primary is where the link is
    // expected to be), going back the second.
    assert_eq!(back.address.failovers, 2, "primary → standby → primary");
    assert_eq!(
        back.address.last_failover_from.as_deref(),
        Some(b_url.as_str())
    );
    assert!(sampler.most().await <= 1, "two sessions at once");
    console.shutdown().await.unwrap();
    a.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn equal_instances_stay_on_the_standby_while_it_works() {
    let reserved = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a_addr = reserved.local_addr().unwrap();
    drop(reserved);
    let a_url = format!("http://{a_addr}");
    let b = plant().await;
    let mut config = link(&[&a_url, &url(&b)]);
    config.failover = FailoverPolicy::Equal;
    config.prefer_primary_after = Duration::ZERO;
    config.primary_probe_interval = Duration::from_millis(50);
    let dir = tempfile::tempdir().unwrap();
    let console = start(ConsoleConfig::new(config, dir.path().into())).await;
    live_on(&console, 1).await;
    let a = plant_at(TcpListener::bind(a_addr).await.unwrap()).await;
    // A healthy first address with no hold would pull a primary-policy link back at the
    // first probe; among equals nothing is probed, and the session on B stays.
    let mut state = console.link().state();
    let moved = tokio::time::timeout(
        Duration::from_secs(2),
        state.wait_for(|s| s.address.index != 1 || s.mode != LinkMode::Realtime),
    )
    .await
    .map(|seen| seen.map(|seen| seen.clone()));
    assert!(moved.is_err(), "left the standby: {moved:?}");
    assert_eq!(a.plant().connected_clients(), 0);
    console.shutdown().await.unwrap();
    a.shutdown().await;
}
