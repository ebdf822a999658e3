//! The link alone with a plant at two addresses, where only HTTP works: the poller fails
//! over from the primary (which answers nothing) to the standby and the published state
//! names it; a relay command then goes by HTTP to the standby. Real sockets; every wait
//! is on the link state with a deadline.

use std::time::Duration;

use plant_link::backoff::BackoffPolicy;
use plant_link::clock::unix_now;
use plant_link::config::PlantAddresses;
use plant_link::link::{self, AddressRole};
use plant_link::{LinkConfig, LinkMode};
use plant_protocol::{SetRelayRequest, SetRelayResult};
use test_support::hostile::{HostileServer, HttpAnswer};
use tokio::sync::mpsc;

/// How long any single wait in these tests may take before it fails.
const LIMIT: Duration = Duration::from_secs(20);

const DEVICES: &str = r#"{"devices":[{"id":"d1","name":"Tank","kind":"level","status":"online","value":1.5,"unit":"m","last_seen":1}],"snapshot":true,"server_time":1}"#;
const RELAYS: &str = r#"{"relays":[{"id":"r1","name":"Pump","state":false,"changed_at":1,"changed_by":"x"}],"snapshot":true,"server_time":1}"#;
const STATS: &str = r#"{"cpu_percent":1,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":1}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_poller_fails_over_to_the_standby_and_a_command_goes_there() {
    // The primary takes the WebSocket but never opens the session, and fails every HTTP
    // request; the standby refuses the WebSocket but answers HTTP as a plant does. The
    // poller starts where the WebSocket side is: a primary that refused at once would let
    // the WebSocket side move on to the standby before the poller starts, and a loaded
    // machine then polls the standby first.
    let primary = HostileServer::start();
    primary.on_ws(|_| {});
    let standby = HostileServer::start();
    standby.refuse_upgrades(Some(HttpAnswer::status(503)));
    standby.route("GET", "/api/devices", HttpAnswer::json(200, DEVICES));
    standby.route("GET", "/api/relays", HttpAnswer::json(200, RELAYS));
    standby.route("GET", "/api/system/stats", HttpAnswer::json(200, STATS));
    standby.route(
        "POST",
        "/api/relays/r1",
        HttpAnswer::json(
            200,
            r#"{"ok":true,"relay":{"id":"r1","name":"Pump","state":true,"changed_at":2,"changed_by":"op"}}"#,
        ),
    );
    let servers = PlantAddresses::parse([primary.url().as_str(), standby.url().as_str()]).unwrap();
    let mut config = LinkConfig::with_servers(servers);
    config.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        jitter: 0.5,
    };
    config.fallback_after = Duration::from_millis(100);
    config.poll_interval = Duration::from_millis(100);
    let plant = config.plant.clone();
    let (events, mut inbound) = mpsc::channel(256);
    tokio::spawn(async move { while inbound.recv().await.is_some() {} });
    let (handle, task) = link::spawn(config, events);

    let mut state = handle.state();
    let seen = tokio::time::timeout(
        LIMIT,
        state.wait_for(|s| s.mode == LinkMode::Fallback && s.address.index == 1),
    )
    .await
    .map(|seen| seen.map(|seen| seen.clone()));
    let seen = match seen {
        Ok(Ok(seen)) => seen,
        other => panic!("never polled the standby: {other:?}, {:?}", *state.borrow()),
    };
    assert_eq!(seen.address.current, standby.url());
    assert_eq!(seen.address.role, AddressRole::Standby);
    assert_eq!(seen.address.count, 2);
    assert!(seen.address.failovers >= 1, "{:?}", seen.address);
    // A poll asks for devices, relays and stats at once and gives up on the first
    // failure, so which of the three reached the primary before that varies.
    assert!(
        primary
            .requests()
            .iter()
            .any(|r| r.path().starts_with("/api/")),
        "the primary was polled first"
    );

    let request = SetRelayRequest {
        relay_id: "r1".into(),
        state: true,
        request_id: "failover-http-1".into(),
        issued_at: unix_now(),
        operator: None,
    };
    let answer = tokio::time::timeout(LIMIT, handle.set_relay(request, &plant))
        .await
        .expect("an answer in time")
        .expect("sent by HTTP");
    assert!(
        matches!(answer, SetRelayResult::Applied { .. }),
        "{answer:?}"
    );
    let posted = standby.requests_to("/api/relays/r1");
    assert_eq!(posted.len(), 1, "the command went to the standby");
    assert!(primary.requests_to("/api/relays/r1").is_empty());

    handle.shutdown().await;
    tokio::time::timeout(LIMIT, task).await.unwrap().unwrap();
}
