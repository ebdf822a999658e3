//! The console's records beyond the last-known state, end to end: device history, the
//! journal and link gaps reach the cache from a live reference server, and a damaged
//! cache is set aside with the console saying where it went.

mod common;

use common::{wait_for, LIMIT};

use std::time::Duration;

use console_core::store::{self, Gap};
use console_core::view::ConsoleSnapshot;
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use plant_link::backoff::BackoffPolicy;
use plant_server::ServerConfig;
use tokio::net::TcpListener;

fn server_config(devices: usize) -> ServerConfig {
    ServerConfig {
        sim_interval: None,
        seed: Some(11),
        stats_interval: Duration::from_millis(200),
        devices,
        ..ServerConfig::default()
    }
}

async fn start_console(url: &str, dir: &std::path::Path) -> Console {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    // Retries quickly, so the restart below costs a fraction of a second.
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        jitter: 0.5,
    };
    let (console, mut batches) = Console::start(ConsoleConfig::new(link, dir.to_owned()))
        .await
        .unwrap();
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    console
}

fn live_with(snapshot: &ConsoleSnapshot, devices: usize) -> bool {
    snapshot.link.mode == LinkMode::Realtime && snapshot.devices.len() == devices
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_journal_and_link_gaps_reach_the_cache_from_a_live_plant() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = plant_server::start(listener, server_config(12))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let console = start_console(&format!("http://{address}"), dir.path()).await;
    let first = wait_for(&console, "first sync", |s| live_with(s, 12)).await;

    let id = first.devices[0].device.id.clone();
    server.plant().set_device_value(&id, 42.5).unwrap();
    wait_for(&console, "the new value", |s| {
        s.devices
            .iter()
            .any(|e| e.device.id == id && e.device.value == Some(42.5))
    })
    .await;
    // The cache can be read while the console writes it. The check comes before the
    // restart because history keeps one sample per device per second, the last: the
    // new server's snapshot may well arrive within the same second.
    // The store's writer thread announces nothing: the file is read until it has it.
    test_support::eventually(LIMIT, "the new value in the history", async || {
        let conn = store::open_read_only(&console.cache_dir()).unwrap()?;
        let values = store::device_history(&conn, &id, 0.0, f64::MAX).unwrap();
        values
            .iter()
            .any(|(_, value)| *value == Some(42.5))
            .then_some(())
    })
    .await;

    // The server goes away and comes back with one device more.
    server.shutdown().await;
    let mut state = console.link().state();
    tokio::time::timeout(LIMIT, state.wait_for(|s| s.mode == LinkMode::Offline))
        .await
        .expect("offline in time")
        .unwrap();
    let server = plant_server::start(TcpListener::bind(address).await.unwrap(), server_config(13))
        .await
        .unwrap();
    wait_for(&console, "resync after the restart", |s| live_with(s, 13)).await;
    let cache = console.cache_dir();
    console.shutdown().await.unwrap();
    server.shutdown().await;

    let conn = store::open_read_only(&cache).unwrap().unwrap();
    assert!(!store::device_history(&conn, &id, 0.0, f64::MAX)
        .unwrap()
        .is_empty());
    assert!(!store::stats_history(&conn, 0.0, f64::MAX)
        .unwrap()
        .is_empty());

    // One gap from start-up until the first session, one for the restart; both closed.
    let journal = store::journal(&conn, None, None, u32::MAX).unwrap();
    let texts: Vec<&str> = journal.iter().map(|e| e.text.as_str()).collect();
    let gaps = store::gaps(&conn, 0.0, f64::MAX).unwrap();
    assert_eq!(gaps.len(), 2, "{gaps:?}; journal: {texts:#?}");
    assert!(
        gaps.iter()
            .all(|Gap { start, end }| end.is_some_and(|end| end >= *start)),
        "{gaps:?}"
    );

    assert!(
        texts.contains(&"Link changed from Connecting to Real-time"),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Link changed from Real-time to Offline")),
        "{texts:?}"
    );
    // The twelve devices of the first snapshot were the console learning the plant; the
    // thirteenth appeared in a plant it knew.
    let added: Vec<_> = journal
        .iter()
        .filter(|e| e.kind == "device_added")
        .collect();
    assert_eq!(added.len(), 1, "{texts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_cache_is_set_aside_and_the_snapshot_says_where_it_went() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = plant_server::start(listener, server_config(12))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let garbage = b"\x00\x01 not SQLite at all ".repeat(300);
    std::fs::write(dir.path().join(store::DB_FILE), &garbage).unwrap();

    let console = start_console(&format!("http://{address}"), dir.path()).await;
    let snapshot = wait_for(&console, "sync into the fresh cache", |s| live_with(s, 12)).await;
    let kept = snapshot
        .recovered_from
        .expect("the snapshot reports the recovery");
    assert!(kept.contains("console.db.corrupt-"), "{kept}");
    assert_eq!(std::fs::read(&kept).unwrap(), garbage);
    console.shutdown().await.unwrap();
    server.shutdown().await;

    // The damaged file was a cache from before the per-plant layout: it was adopted into
    // the plant's folder, found damaged there and set aside.
    let conn = store::open_read_only(&common::cache_of(dir.path(), &format!("http://{address}")))
        .unwrap()
        .unwrap();
    assert_eq!(store::load_state(&conn).unwrap().devices.len(), 12);
}
