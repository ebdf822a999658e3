//! Commands and the clocks: a command's life and the "until HH:MM" the operator confirmed
//! hold on the monotonic clock (setting the wall clock back extends neither), and a
//! console whose clock disagrees with the plant's stamps `issued_at` in the plant's time,
//! so its commands are not refused as expired.

mod common;

use common::{start, wait_for, LIMIT};

use std::sync::{Arc, Mutex};
use std::time::Duration;

use console_core::console::CommandError;
use console_core::outbox::{QueuedCommand, Status};
use console_core::{ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use plant_link::backoff::BackoffPolicy;
use plant_link::clock::WallClock;
use plant_server::ServerConfig;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// A wall clock the test sets back; it otherwise follows the real one.
#[derive(Clone, Default)]
struct SettableClock(Arc<Mutex<f64>>);

impl SettableClock {
    fn set_back(&self, seconds: f64) {
        *self.0.lock().unwrap() -= seconds;
    }

    fn wall(&self) -> WallClock {
        let shift = self.0.clone();
        WallClock::new(move || plant_link::clock::unix_now() + *shift.lock().unwrap())
    }
}

fn link(url: &str) -> LinkConfig {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        jitter: 0.5,
    };
    link.fallback_after = Duration::from_secs(3600);
    link
}

/// An address nobody listens on: commands wait in the outbox.
async fn nowhere() -> String {
    let unused = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", unused.local_addr().unwrap());
    drop(unused);
    url
}

async fn final_status(
    updates: &mut mpsc::Receiver<QueuedCommand>,
    request_id: &str,
) -> QueuedCommand {
    loop {
        let update = updates.recv().await.expect("updates keep coming");
        if update.request_id == request_id && update.status.is_final() {
            return update;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn setting_the_wall_clock_back_does_not_extend_a_queued_commands_life() {
    let dir = tempfile::tempdir().unwrap();
    let clock = SettableClock::default();
    let mut link = link(&nowhere().await);
    link.wall_clock = clock.wall();
    let mut config = ConsoleConfig::new(link, dir.path().to_owned());
    config.command_ttl = Duration::from_secs(120);
    let console = start(config).await;
    let mut updates = console.take_command_updates().unwrap();
    let queued = console.set_relay("relay-01", true, true).await.unwrap();
    let queued_at = Instant::now();
    // An hour back: by the wall clock the command now has an hour and two minutes left.
    clock.set_back(3600.0);

    let ended = tokio::time::timeout(
        Duration::from_secs(600),
        final_status(&mut updates, &queued.request_id),
    )
    .await
    .expect("the command ends within its time-to-live, not an hour later");
    assert_eq!(ended.status, Status::Expired);
    let lived = queued_at.elapsed();
    assert!(
        lived >= Duration::from_secs(119),
        "expired early: {lived:?}"
    );
    assert!(lived < Duration::from_secs(130), "lived {lived:?}");
    console.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_command_confirmed_until_hh_mm_expires_then_whatever_the_wall_clock_says() {
    let dir = tempfile::tempdir().unwrap();
    let clock = SettableClock::default();
    let mut link = link(&nowhere().await);
    link.wall_clock = clock.wall();
    let mut config = ConsoleConfig::new(link, dir.path().to_owned());
    config.command_ttl = Duration::from_secs(120);
    let console = start(config).await;
    wait_for(&console, "offline", |s| s.link.mode == LinkMode::Offline).await;
    let mut updates = console.take_command_updates().unwrap();

    let offered_at = Instant::now();
    let CommandError::LinkDown { until } = console
        .set_relay("relay-02", true, false)
        .await
        .unwrap_err()
    else {
        panic!("the operator is asked first");
    };
    // The operator thinks it over for a minute, meanwhile the clock is set back.
    tokio::time::sleep(Duration::from_secs(60)).await;
    clock.set_back(3600.0);
    let queued = console.set_relay("relay-02", true, true).await.unwrap();
    // A minute of the two offered is left (the paused clock moved, the wall did not).
    let left = queued.expires_at - queued.issued_at;
    assert!(
        (left - 60.0).abs() < 2.0,
        "the command lives until the time the operator confirmed ({until}), {left} s more"
    );
    let ended = tokio::time::timeout(
        Duration::from_secs(600),
        final_status(&mut updates, &queued.request_id),
    )
    .await
    .expect("the command ends");
    assert_eq!(ended.status, Status::Expired);
    let lived = offered_at.elapsed();
    assert!(
        lived >= Duration::from_secs(119) && lived < Duration::from_secs(150),
        "expired {lived:?} after the offer; the operator confirmed 120 s"
    );
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_whose_clock_is_ten_minutes_off_stamps_commands_in_the_plants_time() {
    // The plant's clock runs ten minutes ahead: a command stamped with this machine's
    // time looks ten minutes old there, past its 60 s limit.
    let server = plant_server::start(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        ServerConfig {
            sim_interval: None,
            stats_interval: Duration::from_millis(100),
            clock_offset_s: 600.0,
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let console = start(ConsoleConfig::new(
        link(&format!("http://{}", server.local_addr())),
        dir.path().to_owned(),
    ))
    .await;
    wait_for(&console, "live with relays", |s| {
        s.link.mode == LinkMode::Realtime && !s.relays.is_empty()
    })
    .await;
    let offset = test_support::eventually(LIMIT, "an offset estimate", async || {
        console.clock_offset().estimate()
    })
    .await;
    assert!((offset - 600.0).abs() < 5.0, "offset {offset}");
    let diagnostics = console.diagnostics();
    assert!(diagnostics
        .clock_offset_warning
        .as_deref()
        .is_some_and(|w| w.contains("600 s ahead of")));

    let mut updates = console.take_command_updates().unwrap();
    let relay = server.plant().relays()[0].clone();
    let command = console
        .set_relay(&relay.id, !relay.state, false)
        .await
        .unwrap();
    let ended = tokio::time::timeout(LIMIT, final_status(&mut updates, &command.request_id))
        .await
        .expect("the command ends");
    assert_eq!(ended.status, Status::Confirmed, "{:?}", ended.error);
    assert_eq!(server.plant().applied_commands(), 1);
    console.shutdown().await.unwrap();
    server.shutdown().await;
}
