//! Settings applied to a running console: another plant address (with its own token)
//! moves the link and the picture there, commands meant for the old plant never reach
//! the new one, and read-only mode holds and cancels what is queued.

mod common;

use common::{start, wait_for};

use std::time::Duration;

use console_core::console::CommandError;
use console_core::outbox::Status;
use console_core::{ConsoleConfig, LinkConfig, LinkMode, PlantUrl, Secret};
use plant_link::backoff::BackoffPolicy;
use plant_server::{RunningServer, ServerConfig};
use tokio::net::TcpListener;

fn link(url: &str, token: &str) -> LinkConfig {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.token = Some(Secret::new(token));
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        jitter: 0.5,
    };
    link.fallback_after = Duration::from_secs(60);
    link
}

async fn plant(token: &str, devices: usize) -> RunningServer {
    plant_server::start(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        ServerConfig {
            token: Some(token.into()),
            devices,
            sim_interval: None,
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_another_plant_address_moves_the_link_and_the_picture_there() {
    let a = plant("token-a", 3).await;
    let b = plant("token-b", 5).await;
    let dir = tempfile::tempdir().unwrap();
    let url_a = format!("http://{}", a.local_addr());
    let url_b = format!("http://{}", b.local_addr());
    let console = start(ConsoleConfig::new(
        link(&url_a, "token-a"),
        dir.path().to_owned(),
    ))
    .await;
    wait_for(&console, "plant A live", |s| {
        s.link.mode == LinkMode::Realtime && s.devices.len() == 3
    })
    .await;

    console
        .reconfigure_link(link(&url_b, "token-b"))
        .await
        .unwrap();
    let moved = wait_for(&console, "plant B live with its 5 devices", |s| {
        s.link.mode == LinkMode::Realtime && s.devices.len() == 5
    })
    .await;
    assert_eq!(
        moved.server_url,
        PlantUrl::parse(&url_b).unwrap().to_string()
    );
    // The relays of both plants share ids (relay-01…) but not states: the move must not
    // read as relays switching, devices appearing or vanishing at either plant.
    let alerts = console.alerts(100).await.unwrap();
    assert!(alerts.is_empty(), "the move raised alerts: {alerts:?}");
    let journal = console.journal(None, None, None, 500).await.unwrap();
    let kinds: Vec<&str> = journal.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        !kinds
            .iter()
            .any(|k| k.starts_with("relay") || k.starts_with("device")),
        "the move was journaled as plant events: {kinds:?}"
    );
    // B's own cache says where the console came from; nothing of A is in it.
    assert_eq!(
        journal
            .iter()
            .filter(|e| e.text.starts_with("The console moved here from plant"))
            .count(),
        1,
        "{journal:?}"
    );
    // A forgets the console: the old session was closed, not left to time out.
    // The plant server announces no disconnection: A's count is looked at until it is 0.
    test_support::eventually(common::LIMIT, "A to let the console go", async || {
        (a.plant().connected_clients() == 0).then_some(())
    })
    .await;
    assert_eq!(b.plant().connected_clients(), 1);
    console.shutdown().await.unwrap();
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_for_the_new_plant_shows_unauthorized_there() {
    let a = plant("token-a", 2).await;
    let b = plant("token-b", 2).await;
    let dir = tempfile::tempdir().unwrap();
    let console = start(ConsoleConfig::new(
        link(&format!("http://{}", a.local_addr()), "token-a"),
        dir.path().to_owned(),
    ))
    .await;
    wait_for(&console, "plant A live", |s| {
        s.link.mode == LinkMode::Realtime
    })
    .await;
    console
        .reconfigure_link(link(&format!("http://{}", b.local_addr()), "token-a"))
        .await
        .unwrap();
    wait_for(&console, "unauthorized at B", |s| {
        s.link.mode == LinkMode::Unauthorized
    })
    .await;
    console.shutdown().await.unwrap();
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_queued_for_the_old_plant_ends_as_plant_changed_not_sent_to_the_new_one() {
    let b = plant("token-b", 2).await;
    let dir = tempfile::tempdir().unwrap();
    // Plant A is an address nobody listens on: the command waits in the outbox.
    let unused = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url_a = format!("http://{}", unused.local_addr().unwrap());
    drop(unused);
    let config_a = ConsoleConfig::new(link(&url_a, "token-a"), dir.path().to_owned());
    let cache_a = config_a.cache_dir();
    let console = start(config_a).await;
    let relay = b.plant().relays()[0].clone();
    let queued = console
        .set_relay(&relay.id, !relay.state, true)
        .await
        .unwrap();
    assert_eq!(queued.status, Status::Queued);

    let ended = console
        .reconfigure_link(link(&format!("http://{}", b.local_addr()), "token-b"))
        .await
        .unwrap();
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].status, Status::PlantChanged);
    let why = ended[0].error.clone().unwrap();
    assert!(why.starts_with("not sent: it was meant for plant"), "{why}");
    wait_for(&console, "plant B live", |s| {
        s.link.mode == LinkMode::Realtime && s.relays.len() == b.plant().relays().len()
    })
    .await;
    // B has been live long enough for a queued command to go out: none did, and B's
    // outbox never held A's command.
    assert!(console.outbox(10).await.unwrap().is_empty());
    assert_eq!(b.plant().applied_commands(), 0);
    console.shutdown().await.unwrap();
    b.shutdown().await;
    // A's cache keeps the command's end, in its journal and its audit trail.
    let outbox = console_core::outbox::Outbox::open(&cache_a).unwrap();
    let kept = outbox.get(&queued.request_id).unwrap().unwrap();
    assert_eq!(kept.status, Status::PlantChanged);
    assert!(outbox.verify_audit().unwrap().is_intact());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_refuses_commands_and_cancels_the_queued_ones_until_turned_off() {
    let a = plant("token-a", 2).await;
    let dir = tempfile::tempdir().unwrap();
    let unused = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url_down = format!("http://{}", unused.local_addr().unwrap());
    drop(unused);
    let console = start(ConsoleConfig::new(
        link(&url_down, "token-a"),
        dir.path().to_owned(),
    ))
    .await;
    let relay = a.plant().relays()[0].clone();
    console
        .set_relay(&relay.id, !relay.state, true)
        .await
        .unwrap();

    let ended = console.set_read_only(true).await.unwrap();
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].status, Status::Cancelled);
    assert!(console.snapshot().read_only);
    assert!(matches!(
        console.set_relay(&relay.id, !relay.state, true).await,
        Err(CommandError::ReadOnly)
    ));

    // Nothing is open any more, so the move ends nothing; only now is a plant reachable.
    console
        .reconfigure_link(link(&format!("http://{}", a.local_addr()), "token-a"))
        .await
        .unwrap();
    wait_for(&console, "plant A live", |s| {
        s.link.mode == LinkMode::Realtime && !s.relays.is_empty()
    })
    .await;
    assert!(console.set_read_only(false).await.unwrap().is_empty());
    let command = console
        .set_relay(&relay.id, !relay.state, false)
        .await
        .unwrap();
    let mut updates = console.take_command_updates().unwrap();
    tokio::time::timeout(common::LIMIT, async {
        while let Some(update) = updates.recv().await {
            if update.request_id == command.request_id && update.status == Status::Confirmed {
                return;
            }
        }
    })
    .await
    .expect("the command is confirmed once read-only mode is off");
    assert_eq!(a.plant().applied_commands(), 1);
    console.shutdown().await.unwrap();
    a.shutdown().await;
}
