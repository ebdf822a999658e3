//! The link's timers on tokio's paused clock: a server that accepts TCP and never
//! answers costs exactly the connect timeout per attempt, and attempts are spaced by the
//! backoff, measured in virtual time so the test takes milliseconds.

use std::time::Duration;

use plant_link::backoff::BackoffPolicy;
use plant_link::link::{self, LinkMode};
use plant_link::{LinkConfig, PlantUrl};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn a_silent_server_costs_one_connect_timeout_per_attempt_and_attempts_follow_the_backoff() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = LinkConfig::new(
        PlantUrl::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap(),
    );
    config.connect_timeout = Duration::from_secs(10);
    config.backoff = BackoffPolicy {
        initial: Duration::from_secs(1),
        max: Duration::from_secs(4),
        jitter: 0.0,
    };
    config.fallback_after = Duration::from_secs(3600);
    let (events_tx, _events_rx) = mpsc::channel(16);
    let (handle, task) = link::spawn(config, events_tx);

    // Accept and hold every connection without a byte in answer, noting when it came.
    let mut arrivals = Vec::new();
    let mut held = Vec::new();
    while arrivals.len() < 5 {
        let (stream, _) = listener.accept().await.unwrap();
        arrivals.push(Instant::now());
        held.push(stream);
    }
    let gaps: Vec<Duration> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
    // Each gap is the 10 s connect timeout plus the backoff: 1 s, 2 s, 4 s, then the cap.
    let expected = [11, 12, 14, 14].map(Duration::from_secs);
    for (gap, expected) in gaps.iter().zip(expected) {
        assert!(
            gap.abs_diff(expected) < Duration::from_millis(100),
            "gaps {gaps:?}, expected {expected:?}"
        );
    }
    let state = handle.state().borrow().clone();
    assert_eq!(state.mode, LinkMode::Offline);
    assert!(state.detail.unwrap_or_default().contains("timed out"));
    handle.shutdown().await;
    task.await.unwrap();
}
