//! A command goes only to the plant it was meant for, and what is known of a plant stays
//! with it: commands record their plant, a console started for another plant ends them
//! as "plant changed" (journal and audit say so), and each plant has its own cache. (That
//! the link itself refuses a command for the plant it just left is plant-link's test.)

mod common;

use common::{start, wait_for, LIMIT};

use std::time::Duration;

use console_core::outbox::{Outbox, Status};
use console_core::store;
use console_core::{ConsoleConfig, LinkConfig, LinkMode, PlantId, PlantUrl};
use plant_link::backoff::BackoffPolicy;
use plant_server::{RunningServer, ServerConfig};
use tokio::net::TcpListener;

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

/// An address nobody listens on.
async fn nowhere() -> String {
    let unused = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", unused.local_addr().unwrap());
    drop(unused);
    url
}

/// The journal's command entries and the audit trail's actions for one command.
fn journal_and_audit(cache: &std::path::Path, request_id: &str) -> (Vec<String>, Vec<String>) {
    let conn = store::open_read_only(cache).unwrap().unwrap();
    let journal = store::journal_of_kind(&conn, store::journal_kind::COMMAND, None, None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.data["request_id"] == request_id)
        .map(|e| e.text)
        .collect();
    let mut statement = conn
        .prepare("SELECT action FROM audit WHERE request_id = ?1 ORDER BY seq")
        .unwrap();
    let audit = statement
        .query_map([request_id], |row| row.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    (journal, audit)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_queued_for_plant_a_is_never_sent_by_a_console_started_for_plant_b() {
    let b = plant(4).await;
    let dir = tempfile::tempdir().unwrap();
    // The console for A queues while A is unreachable, then is stopped.
    let config_a = ConsoleConfig::new(link(&nowhere().await), dir.path().to_owned());
    let cache_a = config_a.cache_dir();
    let console = start(config_a).await;
    let relay = b.plant().relays()[0].clone();
    let queued = console
        .set_relay(&relay.id, !relay.state, true)
        .await
        .unwrap();
    assert_eq!(queued.plant, Some(console.plant()));
    console.shutdown().await.unwrap();

    // The same data folder's console is started for B (as with another --server).
    let console = start(ConsoleConfig::new(
        link(&format!("http://{}", b.local_addr())),
        dir.path().to_owned(),
    ))
    .await;
    wait_for(&console, "plant B live with its relays", |s| {
        s.link.mode == LinkMode::Realtime && s.relays.len() == b.plant().relays().len()
    })
    .await;
    console.shutdown().await.unwrap();
    assert_eq!(b.plant().applied_commands(), 0, "B applied A's command");

    let kept = Outbox::open(&cache_a)
        .unwrap()
        .get(&queued.request_id)
        .unwrap()
        .unwrap();
    assert_eq!(kept.status, Status::PlantChanged);
    let why = kept.error.unwrap();
    assert!(why.contains("not sent"), "{why}");
    let (journal, audit) = journal_and_audit(&cache_a, &queued.request_id);
    assert!(
        journal
            .last()
            .is_some_and(|text| text.contains(": plant changed — not sent")),
        "{journal:?}"
    );
    assert_eq!(audit, vec!["command.requested", "command.plant_changed"]);
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_command_in_an_adopted_cache_that_records_no_plant_is_never_sent() {
    let b = plant(2).await;
    let dir = tempfile::tempdir().unwrap();
    let relay = b.plant().relays()[0].clone();
    // A cache from before commands recorded their plant, at the old place.
    let request_id = {
        let outbox = Outbox::open(dir.path()).unwrap();
        let command = outbox
            .enqueue(
                &PlantId::named("whatever").unwrap(),
                &relay.id,
                !relay.state,
                Duration::from_secs(600),
                &console_core::audit::Actor::current(),
                plant_link::clock::unix_now(),
            )
            .unwrap();
        let conn = store::open(dir.path()).unwrap();
        conn.execute("UPDATE outbox SET plant = NULL", []).unwrap();
        command.request_id
    };
    let config = ConsoleConfig::new(
        link(&format!("http://{}", b.local_addr())),
        dir.path().to_owned(),
    );
    let cache = config.cache_dir();
    let console = start(config).await;
    let mut updates = console.take_command_updates().unwrap();
    let ended = tokio::time::timeout(LIMIT, async {
        loop {
            let update = updates.recv().await.unwrap();
            if update.request_id == request_id && update.status.is_final() {
                return update;
            }
        }
    })
    .await
    .expect("the legacy command ends");
    assert_eq!(ended.status, Status::PlantChanged);
    assert!(
        ended.error.as_deref().unwrap().contains("unrecorded plant"),
        "{:?}",
        ended.error
    );
    wait_for(&console, "plant B live", |s| {
        s.link.mode == LinkMode::Realtime && !s.relays.is_empty()
    })
    .await;
    console.shutdown().await.unwrap();
    assert_eq!(b.plant().applied_commands(), 0);
    assert!(
        cache.join(store::DB_FILE).exists(),
        "the old cache was adopted"
    );
    assert!(!dir.path().join(store::DB_FILE).exists());
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_started_for_plant_b_shows_none_of_plant_as_devices_relays_or_history() {
    let a = plant(3).await;
    let dir = tempfile::tempdir().unwrap();
    let url_a = format!("http://{}", a.local_addr());
    let console = start(ConsoleConfig::new(link(&url_a), dir.path().to_owned())).await;
    wait_for(&console, "plant A live", |s| {
        s.link.mode == LinkMode::Realtime && s.devices.len() == 3 && !s.relays.is_empty()
    })
    .await;
    console.shutdown().await.unwrap();
    a.shutdown().await;

    // B cannot be reached: all the console could show is what it knows of B, which is
    // nothing.
    let console = start(ConsoleConfig::new(
        link(&nowhere().await),
        dir.path().to_owned(),
    ))
    .await;
    let snapshot = console.snapshot();
    assert!(snapshot.devices.is_empty(), "{:?}", snapshot.devices);
    assert!(snapshot.relays.is_empty());
    assert!(snapshot.system_stats.is_none());
    assert_eq!(snapshot.link.last_contact, None);
    let journal = console.journal(None, None, None, 500).await.unwrap();
    assert!(
        journal
            .iter()
            .all(|e| !e.kind.starts_with("device") && !e.kind.starts_with("relay")),
        "{journal:?}"
    );
    let id = "dev-001";
    let trend = console.device_trend(id, 0.0, f64::MAX).await.unwrap();
    assert!(trend.points.is_empty());

    // Back at A (still unreachable now): its own last-known picture returns.
    console.reconfigure_link(link(&url_a)).await.unwrap();
    wait_for(&console, "A's cached devices", |s| s.devices.len() == 3).await;
    console.shutdown().await.unwrap();
}
