//! One plant served by two reference plant instances sharing it through a real Redis, and a
//! console given both addresses: commands in flight when the instance dies are applied
//! exactly once across both, a change made through either reaches the console, the
//! console goes back to the primary after its hold with no command lost or doubled, and a
//! plant that lost Redis refuses commands where the operator sees it. The applications are
//! counted from the instances' own logs and from Redis's `plant:applied` stream.

mod common;

use common::{start, LIMIT};

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::Context;
use console_core::outbox::{QueuedCommand, Status};
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, LinkState, PlantId};
use plant_link::backoff::BackoffPolicy;
use plant_link::config::{FailoverPolicy, PlantAddresses};
use plant_server::{RunningServer, ServerConfig};
use test_support::redis::{Instance, RedisServer};
use tokio::net::TcpListener;

/// An instance on a runtime of its own (so that it can be killed), and what its start gave.
type Plant = Instance<anyhow::Result<RunningServer>>;

fn shared_config(redis: &str, name: &str) -> ServerConfig {
    ServerConfig {
        sim_interval: None,
        redis: Some(redis.to_owned()),
        instance: Some(name.to_owned()),
        ..ServerConfig::default()
    }
}

/// Starts instance `name` on `address` (port 0: any). A killed instance's port may take a
/// moment to be free again, so binding it again is retried until [`LIMIT`].
async fn instance(address: SocketAddr, redis: &str, name: &str) -> Plant {
    let (redis, name) = (redis.to_owned(), name.to_owned());
    tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + LIMIT;
        loop {
            let config = shared_config(&redis, &name);
            let started: Plant = Instance::start(move || async move {
                let listener = TcpListener::bind(address).await?;
                plant_server::start(listener, config)
                    .await
                    .context("starting an instance")
            });
            match started.get() {
                Ok(_) => return started,
                Err(error) if std::time::Instant::now() > deadline => {
                    panic!("instance {name} did not start on {address}: {error:#}")
                }
                Err(_) => {
                    drop(started);
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    })
    .await
    .unwrap()
}

fn server(plant: &Plant) -> &RunningServer {
    plant.get().as_ref().expect("a started instance")
}

fn url(plant: &Plant) -> String {
    format!("http://{}", server(plant).local_addr())
}

async fn redis() -> RedisServer {
    tokio::task::spawn_blocking(RedisServer::start)
        .await
        .unwrap()
}

/// A console for the plant "line-1" at `urls` that retries quickly and never polls over
/// HTTP, so every command goes over a WebSocket session.
async fn console(
    urls: &[String],
    policy: FailoverPolicy,
    hold: Duration,
) -> (Console, tempfile::TempDir) {
    let mut link =
        LinkConfig::with_servers(PlantAddresses::parse(urls.iter().map(String::as_str)).unwrap());
    link.plant = PlantId::named("line-1").unwrap();
    link.failover = policy;
    link.prefer_primary_after = hold;
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        jitter: 0.5,
    };
    link.fallback_after = Duration::from_secs(600);
    let dir = tempfile::tempdir().unwrap();
    let console = start(ConsoleConfig::new(link, dir.path().into())).await;
    (console, dir)
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
        Err(_) => panic!("not live on address {index}: {:?}", *state.borrow()),
    }
}

/// The commands of the outbox by request id, once each of `ids` has reached `done`.
async fn settled(
    console: &Console,
    ids: &[&str],
    done: impl Fn(Status) -> bool,
) -> BTreeMap<String, QueuedCommand> {
    test_support::eventually(LIMIT, "the commands settled", async || {
        let commands: BTreeMap<String, QueuedCommand> = console
            .outbox(50)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.request_id.clone(), c))
            .collect();
        let states: Vec<_> = ids
            .iter()
            .map(|id| commands.get(*id).map(|c| c.status))
            .collect();
        if states.iter().all(|s| s.is_some_and(&done)) {
            Ok(commands)
        } else {
            Err(format!("{states:?}"))
        }
    })
    .await
}

fn answered(status: Status) -> bool {
    matches!(status, Status::Acked | Status::Confirmed)
}

/// Who applied each request id, as Redis's `plant:applied` stream records it.
async fn applied_in_redis(redis: &RedisServer) -> Vec<(String, String)> {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = tokio::time::timeout(LIMIT, client.get_multiplexed_async_connection())
        .await
        .expect("Redis answers")
        .expect("a Redis connection");
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg("plant:applied")
        .arg("-")
        .arg("+")
        .query_async(&mut conn)
        .await
        .expect("XRANGE plant:applied");
    entries
        .into_iter()
        .map(|(_, fields)| {
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            (field("request_id"), field("instance"))
        })
        .collect()
}

/// Every log line of this test process, for counting the instances' "relay command
/// applied" lines. The instances run in this process (on runtimes of their own), so their
/// `tracing` events reach the one global subscriber set here.
fn logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_env_filter("plant_server=info")
            .with_writer(move || LogWriter(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the one subscriber");
        buffer
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The instances that logged applying `request_id`, one per log line.
fn logged_applications(request_id: &str) -> Vec<String> {
    let logs = logs();
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    text.lines()
        .filter(|line| line.contains("relay command applied"))
        .filter(|line| line.contains(&format!("request_id={request_id}")))
        .map(|line| {
            line.split_whitespace()
                .find_map(|field| field.strip_prefix("instance="))
                .unwrap_or("?")
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_in_flight_when_the_instance_dies_are_applied_exactly_once_across_both() {
    logs();
    let redis = redis().await;
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut east = instance(any, &redis.url(), "east").await;
    let west = instance(any, &redis.url(), "west").await;
    let (console, _dir) = console(
        &[url(&east), url(&west)],
        FailoverPolicy::Primary,
        Duration::from_secs(3600),
    )
    .await;
    live_on(&console, 0).await;
    let relays = server(&west).plant().current_relays().await;
    let (r0, r1) = (relays[0].clone(), relays[1].clone());

    // East applies what it is sent but answers nothing: the acks never come.
    server(&east).plant().withhold_acks(true);
    let first = console.set_relay(&r0.id, !r0.state, false).await.unwrap();
    let other = console.set_relay(&r1.id, !r1.state, false).await.unwrap();
    test_support::eventually(LIMIT, "east applied both", async || {
        let applied = applied_in_redis(&redis).await;
        if applied.len() == 2 {
            Ok(())
        } else {
            Err(format!("{applied:?}"))
        }
    })
    .await;
    // Queued behind the first, on the same relay: not sent while the first is out.
    let queued = console.set_relay(&r0.id, r0.state, true).await.unwrap();
    let outbox = console.outbox(10).await.unwrap();
    let status_of = |id: &str| outbox.iter().find(|c| c.request_id == id).map(|c| c.status);
    assert_eq!(status_of(&first.request_id), Some(Status::Sent));
    assert_eq!(status_of(&other.request_id), Some(Status::Sent));
    assert_eq!(status_of(&queued.request_id), Some(Status::Queued));

    east.kill();
    let on_west = live_on(&console, 1).await;
    assert_eq!(on_west.address.failovers, 1);
    let ids = [
        first.request_id.as_str(),
        other.request_id.as_str(),
        queued.request_id.as_str(),
    ];
    settled(&console, &ids, answered).await;

    // Each request id applied once across both instances: east the two it took before it
    // died (west answered their retries as duplicates), west the queued one.
    let applied = applied_in_redis(&redis).await;
    let who = |id: &str| -> Vec<&str> {
        applied
            .iter()
            .filter(|(r, _)| r == id)
            .map(|(_, i)| i.as_str())
            .collect()
    };
    assert_eq!(who(&first.request_id), ["east"], "{applied:?}");
    assert_eq!(who(&other.request_id), ["east"], "{applied:?}");
    assert_eq!(who(&queued.request_id), ["west"], "{applied:?}");
    assert_eq!(applied.len(), 3, "{applied:?}");
    assert_eq!(logged_applications(&first.request_id), ["east"]);
    assert_eq!(logged_applications(&other.request_id), ["east"]);
    assert_eq!(logged_applications(&queued.request_id), ["west"]);
    // The plant ends as the last command of each relay asked, and the console shows it.
    let now: BTreeMap<String, bool> = server(&west)
        .plant()
        .current_relays()
        .await
        .into_iter()
        .map(|r| (r.id, r.state))
        .collect();
    assert_eq!(now[&r0.id], r0.state);
    assert_eq!(now[&r1.id], !r1.state);
    common::wait_for(&console, "the console shows the plant's relays", |s| {
        s.relays
            .iter()
            .all(|e| now.get(&e.relay.id) == Some(&e.relay.state))
    })
    .await;
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_through_the_other_instance_reaches_the_console() {
    let redis = redis().await;
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let east = instance(any, &redis.url(), "east").await;
    let west = instance(any, &redis.url(), "west").await;
    let (console, _dir) = console(
        &[url(&east), url(&west)],
        FailoverPolicy::Primary,
        Duration::from_secs(3600),
    )
    .await;
    live_on(&console, 0).await;
    let relay = server(&west).plant().current_relays().await[2].clone();
    // A broadcast west makes before east's Redis subscription is live reaches nobody on
    // east (seen once under load), so the relay is switched through west again, the
    // other way, until one change reaches the console; each round is polled with a
    // deadline.
    let mut target = !relay.state;
    let mut reached = false;
    for _ in 0..10 {
        server(&west)
            .plant()
            .switch_relay(&relay.id, target, "west-panel")
            .await
            .expect("a relay of the plant");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while tokio::time::Instant::now() < deadline {
            reached = console.snapshot().relays.iter().any(|e| {
                e.relay.id == relay.id
                    && e.relay.state == target
                    && e.relay.changed_by.as_deref() == Some("west-panel")
            });
            if reached {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if reached {
            break;
        }
        target = !target;
    }
    assert!(
        reached,
        "no change made through west reached the console over east"
    );
    // It came over the session with east: the console never left it.
    let link = console.link().state().borrow().clone();
    assert_eq!((link.address.index, link.address.failovers), (0, 0));
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_returns_to_the_primary_after_its_hold_with_no_command_lost_or_doubled() {
    let redis = redis().await;
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut east = instance(any, &redis.url(), "east").await;
    let east_address = server(&east).local_addr();
    let west = instance(any, &redis.url(), "west").await;
    let hold = Duration::from_secs(2);
    let (console, _dir) = console(&[url(&east), url(&west)], FailoverPolicy::Primary, hold).await;
    live_on(&console, 0).await;
    let relay = server(&west).plant().current_relays().await[0].clone();

    east.kill();
    live_on(&console, 1).await;
    let mut ids = Vec::new();
    let on_west = console
        .set_relay(&relay.id, !relay.state, false)
        .await
        .unwrap();
    ids.push(on_west.request_id.clone());
    settled(&console, &[&on_west.request_id], answered).await;

    // East comes back on its address; commands go on being sent while the hold runs.
    let east = instance(east_address, &redis.url(), "east").await;
    let back_at = std::time::Instant::now();
    let during = console
        .set_relay(&relay.id, relay.state, false)
        .await
        .unwrap();
    ids.push(during.request_id.clone());
    let on_east = live_on(&console, 0).await;
    assert!(
        back_at.elapsed() >= hold,
        "back on the primary after {:?}, before its hold of {hold:?}",
        back_at.elapsed()
    );
    assert_eq!(on_east.address.failovers, 2);
    let after = console
        .set_relay(&relay.id, !relay.state, false)
        .await
        .unwrap();
    ids.push(after.request_id.clone());
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    settled(&console, &ids, answered).await;

    let applied = applied_in_redis(&redis).await;
    for id in &ids {
        assert_eq!(
            applied.iter().filter(|(r, _)| r == id).count(),
            1,
            "{id} in {applied:?}"
        );
    }
    assert_eq!(applied.len(), 3, "{applied:?}");
    let now = server(&east).plant().current_relays().await;
    assert_eq!(
        now.iter().find(|r| r.id == relay.id).map(|r| r.state),
        Some(!relay.state)
    );
    drop(west);
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plant_that_lost_redis_refuses_the_command_and_the_operator_sees_why() {
    let mut redis = redis().await;
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let east = instance(any, &redis.url(), "east").await;
    let west = instance(any, &redis.url(), "west").await;
    let (console, _dir) = console(
        &[url(&east), url(&west)],
        FailoverPolicy::Primary,
        Duration::from_secs(3600),
    )
    .await;
    live_on(&console, 0).await;
    let relay = server(&east).plant().current_relays().await[0].clone();

    redis.kill();
    test_support::eventually(
        LIMIT,
        "east noticed that Redis is gone",
        async || match server(&east).plant().redis_reachable() {
            Some(false) => Ok(()),
            other => Err(format!("{other:?}")),
        },
    )
    .await;
    let refused = console
        .set_relay(&relay.id, !relay.state, false)
        .await
        .unwrap();
    let commands = settled(&console, &[&refused.request_id], |s| s == Status::Failed).await;
    let error = commands[&refused.request_id]
        .error
        .clone()
        .unwrap_or_default();
    assert!(
        error.contains("Redis") && error.contains("not applied"),
        "the operator is told why: {error:?}"
    );
    // The plant was not switched, and the console says so.
    let snapshot = console.snapshot();
    let shown = snapshot
        .relays
        .iter()
        .find(|e| e.relay.id == relay.id)
        .unwrap();
    assert_eq!(shown.relay.state, relay.state);
    drop(west);
    console.shutdown().await.unwrap();
}
