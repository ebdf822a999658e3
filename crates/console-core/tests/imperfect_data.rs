//! Imperfect plant data against the Flask-SocketIO server, a real Python plant: a failed
//! sensor read is sent as `NaN` or `Infinity` (`json.dumps`' default, not valid JSON) in
//! updates, snapshots and HTTP answers. The other devices must still update, the bad one
//! must be flagged bad (never its old value as fresh), the counts must show it, and a
//! restarted console must still show it bad.

mod common;

use common::wait_for;

use std::time::Duration;

use console_core::quality::{Quality, QualityLevel};
use console_core::view::ConsoleSnapshot;
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use plant_link::backoff::BackoffPolicy;
use serde_json::json;
use test_support::flask::FlaskPlant;

fn link(url: &str) -> LinkConfig {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.fallback_after = Duration::from_millis(300);
    link.poll_interval = Duration::from_millis(200);
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(300),
        jitter: 0.5,
    };
    link
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

fn value(snapshot: &ConsoleSnapshot, id: &str) -> Option<f64> {
    snapshot
        .devices
        .iter()
        .find(|e| e.device.id == id)
        .and_then(|e| e.device.value)
}

fn quality(snapshot: &ConsoleSnapshot, id: &str) -> Option<Quality> {
    snapshot
        .devices
        .iter()
        .find(|e| e.device.id == id)
        .map(|e| e.quality)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nan_from_a_python_plant_flags_one_device_bad_and_the_others_keep_updating() {
    let flask = std::sync::Arc::new(
        blocking(|| FlaskPlant::start(&["--no-sim", "--devices", "6", "--stats-interval", "0.3"]))
            .await,
    );
    let dir = tempfile::tempdir().unwrap();
    let url = flask.url();
    let console = common::start(ConsoleConfig::new(link(&url), dir.path().to_owned())).await;
    let first = wait_for(&console, "the first sync", |s| {
        s.link.mode == LinkMode::Realtime && s.devices.len() == 6
    })
    .await;
    assert!(value(&first, "dev-02").is_some());
    let status_before = first
        .devices
        .iter()
        .find(|e| e.device.id == "dev-02")
        .unwrap()
        .device
        .status;

    // The sensor of dev-02 fails: the update (and every later snapshot) carries NaN.
    let plant = flask.clone();
    blocking(move || plant.fail_read("dev-02", "nan")).await;
    let bad = wait_for(&console, "dev-02 flagged as a bad value", |s| {
        quality(s, "dev-02").is_some_and(Quality::is_bad)
    })
    .await;
    let entry = bad
        .devices
        .iter()
        .find(|e| e.device.id == "dev-02")
        .unwrap();
    assert_eq!(
        entry.device.value, None,
        "the old value is not shown as fresh"
    );
    assert_eq!(entry.unreadable.fields(), ["value"]);
    assert_eq!(
        entry.device.status, status_before,
        "its status still applies"
    );
    assert_eq!(
        bad.link.mode,
        LinkMode::Realtime,
        "nothing ended the session"
    );

    // The other devices still update, in updates and in a fresh snapshot with the NaN in it.
    let plant = flask.clone();
    blocking(move || plant.set_device("dev-01", &json!({"value": 123.5}))).await;
    wait_for(&console, "dev-01's new value beside the bad one", |s| {
        value(s, "dev-01") == Some(123.5)
    })
    .await;
    let plant = flask.clone();
    let ended = blocking(move || plant.end_sessions("socketio")).await;
    assert!(ended >= 1);
    let plant = flask.clone();
    blocking(move || plant.fail_read("dev-04", "inf")).await;
    let plant = flask.clone();
    blocking(move || plant.set_device("dev-03", &json!({"value": 7.25}))).await;
    let after = wait_for(
        &console,
        "the snapshot after reconnecting, read item by item",
        |s| {
            s.link.mode == LinkMode::Realtime
                && value(s, "dev-03") == Some(7.25)
                && quality(s, "dev-04").is_some_and(Quality::is_bad)
        },
    )
    .await;
    assert_eq!(after.devices.len(), 6, "no device was dropped");
    assert!(quality(&after, "dev-02").is_some_and(Quality::is_bad));
    assert!(quality(&after, "dev-01").is_some_and(Quality::is_good));

    // The count of what could not be used shows it, in the link status the window gets.
    let unusable = console.link_status().unusable;
    assert!(unusable.items_unreadable >= 2, "{unusable:?}");
    assert_eq!(unusable.frames, 0, "no frame was thrown away: {unusable:?}");
    assert_eq!(console.link_status().quality.level, QualityLevel::Good);

    // The journal says when dev-02 became a bad value.
    let journal = console
        .journal(None, None, Some("quality".into()), 50)
        .await
        .unwrap();
    assert!(
        journal
            .iter()
            .any(|e| e.subject == "dev-02" && e.text.contains("bad value from the plant")),
        "{journal:?}"
    );
    // No limit is configured here, but no alert may come from a made-up value either: the
    // bad value is an alert of its own.
    let alerts = console.alerts(50).await.unwrap();
    assert!(
        alerts
            .iter()
            .any(|a| a.subject == "dev-02" && a.title.contains("bad value from the plant")),
        "{alerts:?}"
    );

    console.shutdown().await.unwrap();
    // A console restarted while the plant is gone still shows dev-02 as bad, from its
    // cache, and the others as the cache's uncertain copy.
    std::sync::Arc::try_unwrap(flask)
        .unwrap_or_else(|_| panic!("the plant is still shared"))
        .kill();
    let console = common::start(ConsoleConfig::new(link(&url), dir.path().to_owned())).await;
    let restored = console.snapshot();
    assert_ne!(restored.link.mode, LinkMode::Realtime);
    assert!(
        quality(&restored, "dev-02").is_some_and(Quality::is_bad),
        "{restored:?}"
    );
    let dev01 = quality(&restored, "dev-01").unwrap();
    assert_eq!(dev01.level, QualityLevel::Uncertain, "{dev01:?}");
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_answer_with_infinity_for_one_device_still_updates_the_others() {
    let flask = std::sync::Arc::new(
        blocking(|| {
            FlaskPlant::start(&[
                "--refuse-websocket",
                "--no-sim",
                "--devices",
                "6",
                "--stats-interval",
                "0.3",
            ])
        })
        .await,
    );
    let dir = tempfile::tempdir().unwrap();
    let console: Console = common::start(ConsoleConfig::new(
        link(&flask.url()),
        dir.path().to_owned(),
    ))
    .await;
    wait_for(&console, "HTTP fallback with the plant", |s| {
        s.link.mode == LinkMode::Fallback && s.devices.len() == 6
    })
    .await;
    let plant = flask.clone();
    blocking(move || plant.fail_read("dev-05", "-inf")).await;
    let plant = flask.clone();
    blocking(move || plant.set_device("dev-06", &json!({"value": 42.0}))).await;
    let polled = wait_for(&console, "a poll with -Infinity in it", |s| {
        value(s, "dev-06") == Some(42.0) && quality(s, "dev-05").is_some_and(Quality::is_bad)
    })
    .await;
    assert_eq!(polled.devices.len(), 6);
    assert_eq!(
        polled.link.mode,
        LinkMode::Fallback,
        "the polls keep succeeding"
    );
    assert!(console.link_status().unusable.items_unreadable >= 1);
    console.shutdown().await.unwrap();
}
