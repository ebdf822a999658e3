//! The link moving to another plant: a relay command meant for the plant it just left is
//! refused by the link itself (the plant it now leads to never sees it), so a command
//! handed over just as the link moved cannot reach the wrong plant.

use std::time::Duration;

use plant_link::backoff::BackoffPolicy;
use plant_link::clock::unix_now;
use plant_link::link;
use plant_link::{LinkConfig, LinkError, LinkMode, PlantUrl};
use plant_protocol::SetRelayRequest;
use plant_server::{RunningServer, ServerConfig};
use tokio::net::TcpListener;

/// How long any single wait in these tests may take before it fails.
const LIMIT: Duration = Duration::from_secs(20);

fn link(url: &str) -> LinkConfig {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        jitter: 0.5,
    };
    link.fallback_after = Duration::from_secs(60);
    link
}

async fn plant(devices: usize) -> RunningServer {
    plant_server::start(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        ServerConfig {
            devices,
            sim_interval: None,
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_for_plant_a_that_reaches_the_link_after_it_moved_to_plant_b_is_refused() {
    let a = plant(2).await;
    let b = plant(2).await;
    let config_a = link(&format!("http://{}", a.local_addr()));
    let plant_a = config_a.plant.clone();
    let (events_tx, mut events) = tokio::sync::mpsc::channel(1024);
    tokio::spawn(async move { while events.recv().await.is_some() {} });
    let (handle, task) = link::spawn(config_a, events_tx);
    let mut state = handle.state();
    tokio::time::timeout(LIMIT, state.wait_for(|s| s.mode == LinkMode::Realtime))
        .await
        .unwrap()
        .unwrap();
    let relay = b.plant().relays()[0].clone();
    handle
        .reconfigure(link(&format!("http://{}", b.local_addr())))
        .await
        .unwrap();
    // Live at B: a command for A handed over now (a runner that marked it sent before
    // the move and was slow to hand it on) must not reach B.
    // B's client count has no event; the link's mode alone would still say Realtime
    // from A right after the move.
    test_support::eventually(LIMIT, "live at B", async || {
        (b.plant().connected_clients() > 0 && state.borrow().mode == LinkMode::Realtime)
            .then_some(())
    })
    .await;
    let request = SetRelayRequest {
        relay_id: relay.id.clone(),
        state: !relay.state,
        request_id: "late-for-a".into(),
        issued_at: unix_now(),
        operator: None,
    };
    let answer = handle.set_relay(request, &plant_a).await;
    assert_eq!(answer, Err(LinkError::WrongPlant));
    assert_eq!(b.plant().applied_commands(), 0);
    assert_eq!(a.plant().applied_commands(), 0);
    handle.shutdown().await;
    task.await.unwrap();
    a.shutdown().await;
    b.shutdown().await;
}
