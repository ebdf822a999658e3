//! Several plant servers sharing one plant through a real Redis (`--redis`): broadcasts that
//! cross instances, request ids applied once across them, one simulating writer with
//! takeover, refusal while Redis is lost, and the real binary's log of an applied command.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use plant_protocol::{DevicesUpdate, Relay, RelaysUpdate};
use plant_server::{RunningServer, ServerConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{quiet_config, set_relay_payload, start, unix_now, url, within, SioClient, DEADLINE};
use test_support::redis::{Instance, RedisServer};
use test_support::{eventually, KillOnDrop};

/// The refusal message of an instance that cannot reach Redis.
const UNREACHABLE: &str =
    "the plant's shared state (Redis) is unreachable: the command was not applied";

/// A quiet instance named `name` sharing the plant in `redis`.
fn shared_config(redis: &RedisServer, name: &str) -> ServerConfig {
    ServerConfig {
        redis: Some(redis.url()),
        instance: Some(name.to_string()),
        ..quiet_config()
    }
}

/// A plain Redis connection for looking at what the instances stored.
async fn redis_conn(redis: &RedisServer) -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(redis.url()).expect("a Redis URL");
    within(client.get_multiplexed_async_connection())
        .await
        .expect("connect to the test's Redis")
}

/// How many applications the instances recorded in `plant:applied`.
async fn applied_in_redis(redis: &RedisServer) -> u64 {
    let mut conn = redis_conn(redis).await;
    redis::cmd("XLEN")
        .arg("plant:applied")
        .query_async(&mut conn)
        .await
        .expect("XLEN plant:applied")
}

/// Posts a relay command and returns the status and the answer's body.
async fn post_relay(
    server: &RunningServer,
    relay_id: &str,
    state: bool,
    request_id: &str,
) -> (StatusCode, Value) {
    let body = json!({"state": state, "request_id": request_id, "issued_at": unix_now()});
    let response = within(
        reqwest::Client::new()
            .post(url(server, &format!("/api/relays/{relay_id}")))
            .json(&body)
            .send(),
    )
    .await
    .expect("POST answered");
    let status = response.status();
    (status, within(response.json()).await.expect("a JSON body"))
}

async fn health(server: &RunningServer) -> Value {
    within(reqwest::get(url(server, "/api/health")))
        .await
        .expect("health answered")
        .json()
        .await
        .expect("a JSON body")
}

/// Connects a raw Socket.IO client and waits until the server counts it as connected (its
/// first ack), so that no broadcast sent afterwards can miss it.
async fn connected_client(server: &RunningServer) -> SioClient {
    let mut client = SioClient::connect(server.local_addr(), None).await;
    client.call("request_system_stats", None).await;
    client
}

/// The next `relays_update` that carries `relay_id`, skipping other events.
async fn next_relay_update(client: &mut SioClient, relay_id: &str) -> Relay {
    loop {
        let update: RelaysUpdate =
            serde_json::from_value(client.next_event("relays_update").await).unwrap();
        if let Some(relay) = update.relays.into_iter().find(|r| r.id == relay_id) {
            assert!(!update.snapshot);
            return relay;
        }
    }
}

#[tokio::test]
async fn a_change_made_through_one_instance_reaches_a_client_of_the_other() {
    let redis = RedisServer::start();
    let a = start(shared_config(&redis, "a")).await;
    let b = start(shared_config(&redis, "b")).await;
    let mut on_a = connected_client(&a).await;

    let (status, answer) = post_relay(&b, "relay-01", true, "cross-1").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let relay = next_relay_update(&mut on_a, "relay-01").await;
    assert!(relay.state);
    assert_eq!(relay.changed_by.as_deref(), Some("http"));
    assert_eq!(serde_json::to_value(&relay).unwrap(), answer["relay"]);
    // A's own view of the plant is the shared one too.
    assert_eq!(a.plant().current_relays().await[0], relay);

    // The simulation runs on whichever instance holds the lease (here the only one with the
    // simulation on) and its changes reach A's clients too.
    let simulating = start(ServerConfig {
        sim_interval: Some(Duration::from_millis(50)),
        ..shared_config(&redis, "c")
    })
    .await;
    let update: DevicesUpdate =
        serde_json::from_value(on_a.next_event("devices_update").await).unwrap();
    assert!(!update.snapshot && !update.devices.is_empty());
    assert!(simulating.plant().is_simulating());
    assert!(!a.plant().is_simulating() && !b.plant().is_simulating());

    simulating.shutdown().await;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn every_instance_serves_the_fleet_the_first_one_seeded() {
    let redis = RedisServer::start();
    let first = start(ServerConfig {
        seed: Some(1),
        ..shared_config(&redis, "first")
    })
    .await;
    // A different seed would make a different fleet of its own; in Redis mode it joins.
    let second = start(ServerConfig {
        seed: Some(2),
        ..shared_config(&redis, "second")
    })
    .await;
    assert_eq!(first.plant().devices(), second.plant().devices());
    assert_eq!(
        first.plant().current_relays().await,
        second.plant().current_relays().await
    );
    first.shutdown().await;
    second.shutdown().await;
}

#[tokio::test]
async fn a_request_id_retried_on_the_other_instance_is_a_duplicate() {
    let redis = RedisServer::start();
    let a = start(shared_config(&redis, "a")).await;
    let b = start(shared_config(&redis, "b")).await;

    let mut on_a = connected_client(&a).await;
    let first = on_a
        .call(
            "set_relay",
            Some(set_relay_payload("relay-02", true, "retry-1")),
        )
        .await;
    assert_eq!(first["ok"], true, "{first}");
    assert_eq!(first["duplicate"], false);

    // The retry says the opposite state: a duplicate changes nothing and answers the first
    // result, whichever transport and instance it came through.
    let (status, over_http) = post_relay(&b, "relay-02", false, "retry-1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(over_http["duplicate"], true, "{over_http}");
    assert_eq!(over_http["relay"], first["relay"]);

    let mut on_b = connected_client(&b).await;
    let over_socket = on_b
        .call(
            "set_relay",
            Some(set_relay_payload("relay-02", false, "retry-1")),
        )
        .await;
    assert_eq!(over_socket["duplicate"], true, "{over_socket}");
    assert_eq!(over_socket["relay"], first["relay"]);
    assert_eq!(
        over_socket["relay"]["changed_at"],
        first["relay"]["changed_at"]
    );

    assert_eq!(applied_in_redis(&redis).await, 1);
    assert!(b.plant().current_relays().await[1].state);
    assert_eq!(
        a.plant().applied_commands() + b.plant().applied_commands(),
        1
    );

    // A refusal is the first result too: the locked relay refuses, and so does its retry
    // on the other instance, without being applied.
    let (status, refused) = post_relay(&a, "relay-05", true, "locked-1").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, again) = post_relay(&b, "relay-05", true, "locked-1").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(again, refused);
    assert_eq!(applied_in_redis(&redis).await, 1);

    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn the_same_request_id_sent_to_both_instances_at_the_same_moment_is_applied_once() {
    let redis = RedisServer::start();
    let a = start(shared_config(&redis, "a")).await;
    let b = start(shared_config(&redis, "b")).await;
    const ROUNDS: u64 = 20;
    for round in 0..ROUNDS {
        let request_id = format!("race-{round}");
        let state = round % 2 == 0;
        let ((status_a, on_a), (status_b, on_b)) = tokio::join!(
            post_relay(&a, "relay-03", state, &request_id),
            post_relay(&b, "relay-03", state, &request_id),
        );
        assert_eq!((status_a, status_b), (StatusCode::OK, StatusCode::OK));
        let duplicates = [&on_a, &on_b]
            .iter()
            .filter(|answer| answer["duplicate"] == true)
            .count();
        assert_eq!(duplicates, 1, "one of {on_a} and {on_b} must be the repeat");
        assert_eq!(on_a["relay"], on_b["relay"]);
    }
    assert_eq!(applied_in_redis(&redis).await, ROUNDS);

    // Different request ids on the same relay at the same moment: both applied, neither lost.
    let before = applied_in_redis(&redis).await;
    let ((_, first), (_, second)) = tokio::join!(
        post_relay(&a, "relay-04", true, "both-a"),
        post_relay(&b, "relay-04", false, "both-b"),
    );
    assert_eq!(
        (first["ok"].clone(), second["ok"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(applied_in_redis(&redis).await, before + 2);
    let last = a.plant().current_relays().await[3].clone();
    let later = if first["relay"]["changed_at"].as_f64() > second["relay"]["changed_at"].as_f64() {
        &first
    } else {
        &second
    };
    assert_eq!(serde_json::to_value(&last).unwrap(), later["relay"]);

    a.shutdown().await;
    b.shutdown().await;
}

/// The instance holding the simulation lease, as Redis says.
async fn lease_holder(redis: &RedisServer) -> Option<String> {
    let mut conn = redis_conn(redis).await;
    redis::cmd("GET")
        .arg("plant:sim-lease")
        .query_async(&mut conn)
        .await
        .expect("GET plant:sim-lease")
}

#[tokio::test]
async fn only_one_instance_simulates_and_another_takes_over_when_the_writer_dies() {
    let redis = RedisServer::start();
    let simulating = |name: &'static str| {
        let config = ServerConfig {
            sim_interval: Some(Duration::from_millis(100)),
            ..shared_config(&redis, name)
        };
        Instance::start(move || start(config))
    };
    let mut east = simulating("east");
    let mut west = simulating("west");

    let holder = eventually(DEADLINE, "one instance to hold the lease", async || {
        lease_holder(&redis).await
    })
    .await;
    let (holder, other) = if holder == "east" {
        (&mut east, &mut west)
    } else {
        (&mut west, &mut east)
    };
    eventually(DEADLINE, "the holder to simulate", async || {
        holder.get().plant().is_simulating().then_some(())
    })
    .await;
    // The fleet changes (the writer writes) while the other instance stays idle.
    let mut on_other = connected_client(other.get()).await;
    for _ in 0..3 {
        on_other.next_event("devices_update").await;
        assert!(!other.get().plant().is_simulating());
        assert!(holder.get().plant().is_simulating());
    }

    // A crash: no goodbye, no release of the lease; it runs out and the other takes over.
    let survivor = other.get().plant().instance().to_string();
    holder.kill();
    eventually(
        DEADLINE,
        "the survivor to take the lease over",
        async || (lease_holder(&redis).await.as_deref() == Some(survivor.as_str())).then_some(()),
    )
    .await;
    eventually(DEADLINE, "the survivor to simulate", async || {
        other.get().plant().is_simulating().then_some(())
    })
    .await;
    on_other.next_event("devices_update").await;
}

#[tokio::test]
async fn losing_redis_makes_both_instances_refuse_commands_until_it_is_back() {
    let mut redis = RedisServer::start();
    let a = start(shared_config(&redis, "a")).await;
    let b = start(shared_config(&redis, "b")).await;
    let healthy = health(&a).await;
    assert_eq!(
        (&healthy["status"], &healthy["redis"], &healthy["instance"]),
        (&json!("ok"), &json!("ok"), &json!("a"))
    );
    let mut on_b = connected_client(&b).await;

    redis.kill();
    let (status, refused) = post_relay(&a, "relay-01", true, "lost-1").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{refused}");
    assert_eq!(refused["ok"], false);
    assert_eq!(refused["error"], "forbidden");
    assert_eq!(refused["message"], UNREACHABLE);
    let over_socket = on_b
        .call(
            "set_relay",
            Some(set_relay_payload("relay-01", true, "lost-2")),
        )
        .await;
    assert_eq!(over_socket["error"], "forbidden", "{over_socket}");
    assert_eq!(over_socket["message"], UNREACHABLE);
    for server in [&a, &b] {
        let degraded = health(server).await;
        assert_eq!(degraded["status"], "degraded", "{degraded}");
        assert_eq!(degraded["redis"], "unreachable");
    }
    // Snapshots answer from the last state read.
    assert_eq!(b.plant().current_relays().await.len(), 6);

    // Redis comes back empty (no persistence); the instances reconnect, seed it again from
    // what they last read, and take commands again: the refused request id was not
    // remembered, so its retry is applied now.
    redis.restart();
    for server in [&a, &b] {
        eventually(DEADLINE, "both instances to find Redis again", async || {
            let health = health(server).await;
            (health["status"] == "ok" && health["redis"] == "ok").then_some(())
        })
        .await;
    }
    let (status, applied) = post_relay(&a, "relay-01", true, "lost-1").await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(applied["duplicate"], false);
    assert_eq!(applied_in_redis(&redis).await, 1);
    // B's broadcasts come back too: its client hears of A's change.
    let relay = next_relay_update(&mut on_b, "relay-01").await;
    assert!(relay.state);
    let again = on_b
        .call(
            "set_relay",
            Some(set_relay_payload("relay-01", false, "lost-2")),
        )
        .await;
    assert_eq!(again["ok"], true, "{again}");

    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn an_instance_told_to_withhold_acks_applies_the_command_without_answering() {
    let redis = RedisServer::start();
    let a = start(shared_config(&redis, "a")).await;
    a.plant().withhold_acks(true);
    let mut client = connected_client(&a).await;
    let withheld = client
        .emit_with_ack(
            "set_relay",
            Some(set_relay_payload("relay-01", true, "unacked-1")),
        )
        .await;
    // The broadcast comes, then the ack of a later request: never the withheld one (an ack
    // with another id would fail `until_ack`).
    assert!(next_relay_update(&mut client, "relay-01").await.state);
    let stats = client.emit_with_ack("request_system_stats", None).await;
    assert_ne!(stats, withheld);
    client.until_ack(stats).await;
    assert_eq!(applied_in_redis(&redis).await, 1);
    a.shutdown().await;
}

#[test]
fn the_binary_logs_each_applied_command_with_its_request_id_and_instance() {
    let redis = RedisServer::start();
    let child = Command::new(env!("CARGO_BIN_EXE_plant-server"))
        .args(["--bind", "127.0.0.1:0", "--no-sim", "--instance", "east"])
        .args(["--redis", &redis.url()])
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the plant-server binary runs");
    let mut child = KillOnDrop(child);
    let (lines_tx, lines) = mpsc::channel::<String>();
    for stream in [
        Box::new(child.0.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.0.stderr.take().unwrap()),
    ] {
        let lines_tx = lines_tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if lines_tx.send(strip_ansi(&line)).is_err() {
                    break;
                }
            }
        });
    }
    let next_line_with = |needle: &str| loop {
        let line = lines
            .recv_timeout(DEADLINE)
            .unwrap_or_else(|_| panic!("no log line with {needle:?}"));
        if line.contains(needle) {
            return line;
        }
    };

    let listening = next_line_with("plant server listening");
    assert!(listening.contains("instance=east"), "{listening}");
    let addr = listening
        .split_whitespace()
        .find_map(|field| field.strip_prefix("local_addr="))
        .expect("the listening line names its address")
        .to_string();
    let body = json!({"state": true, "request_id": "east-cmd-1", "issued_at": unix_now()});
    let answer = test_support::http::HttpClient::new(addr)
        .post("/api/relays/relay-01", &body)
        .expect("POST answered");
    assert_eq!(answer.status, 200, "{:?}", answer.body);

    let applied = next_line_with("relay command applied");
    for field in [
        "request_id=east-cmd-1",
        "relay_id=relay-01",
        "state=true",
        "instance=east",
    ] {
        assert!(applied.contains(field), "{field} missing in {applied:?}");
    }
    let _ = child.0.kill();
    child.wait_exit(DEADLINE);
}

/// The line without terminal colour codes, in case the log is coloured after all.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
