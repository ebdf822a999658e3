//! A relay switched through the console with an operator signed in: the plant records
//! that person as the relay's `changed_by`, on the reference server and on the Flask peer.

mod common;

use common::wait_for;

use std::time::Duration;

use console_core::audit::Actor;
use console_core::view::ConsoleSnapshot;
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl, Secret};
use plant_server::ServerConfig;
use test_support::flask::FlaskPlant;
use tokio::net::TcpListener;

async fn start_console(url: &str, token: Option<&str>, dir: &std::path::Path) -> Console {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.token = token.map(Secret::new);
    let (console, mut batches) = Console::start(ConsoleConfig::new(link, dir.to_owned()))
        .await
        .unwrap();
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    console
}

fn changed_by(snapshot: &ConsoleSnapshot, id: &str) -> Option<(bool, Option<String>)> {
    snapshot
        .relays
        .iter()
        .find(|r| r.relay.id == id)
        .map(|r| (r.relay.state, r.relay.changed_by.clone()))
}

/// Switches the first relay as Ana (operator) and waits for the plant to report her.
async fn switch_as_ana_and_see_her_at_the_plant(console: &Console) {
    let snapshot = wait_for(console, "the snapshots", |s| {
        !s.relays.is_empty() && s.link.mode == LinkMode::Realtime
    })
    .await;
    // A relay the plant does not hold locked: the reference plant refuses to switch a
    // locked one, and the snapshot's order of relays is not fixed.
    let relay = snapshot
        .relays
        .iter()
        .map(|r| r.relay.clone())
        .find(|r| r.extra.get("locked") != Some(&serde_json::Value::Bool(true)))
        .expect("an unlocked relay");
    let command = console
        .set_relay_as(
            &relay.id,
            !relay.state,
            false,
            Actor::current().signed_in("Ana Rossi", "operator"),
        )
        .await
        .unwrap();
    assert_eq!(command.signed_in.as_deref(), Some("Ana Rossi"));
    wait_for(console, "the plant to record Ana as changed_by", |s| {
        changed_by(s, &relay.id) == Some((!relay.state, Some("Ana Rossi".into())))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_server_records_the_signed_in_operator_as_changed_by() {
    let server = plant_server::start(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        ServerConfig {
            sim_interval: None,
            seed: Some(7),
            stats_interval: Duration::from_millis(200),
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(&format!("http://{}", server.local_addr()), None, dir.path()).await;
    switch_as_ana_and_see_her_at_the_plant(&console).await;
    console.shutdown().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flask_server_records_the_signed_in_operator_as_changed_by() {
    let flask = tokio::task::spawn_blocking(|| {
        FlaskPlant::start(&["--no-sim", "--stats-interval", "0.5", "--token", "t"])
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(&flask.url(), Some("t"), dir.path()).await;
    switch_as_ana_and_see_her_at_the_plant(&console).await;
    console.shutdown().await.unwrap();
    tokio::task::spawn_blocking(move || flask.kill())
        .await
        .unwrap();
}
