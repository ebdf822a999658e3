//! The read side the window's views use: a device's trend with the link gap in it, the
//! journal, and the link diagnostics, all from a real console on the reference server.

mod common;

use std::time::Duration;

use common::wait_for;
use console_core::{ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use plant_link::clock::unix_now;
use plant_protocol::DeviceStatus;
use plant_server::ServerConfig;
use tokio::net::TcpListener;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trends_show_values_and_the_gap_while_the_link_was_down_and_diagnostics_count_the_link() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let config = ServerConfig {
        sim_interval: None,
        stats_interval: Duration::from_millis(200),
        ..ServerConfig::default()
    };
    let server = plant_server::start(listener, config.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut link = LinkConfig::new(PlantUrl::parse(&format!("http://{address}")).unwrap());
    link.backoff.initial = Duration::from_millis(50);
    link.backoff.max = Duration::from_millis(200);
    link.probe_interval = Duration::from_millis(200);
    let console = common::start(ConsoleConfig::new(link, dir.path().to_owned())).await;
    let started = unix_now();
    wait_for(&console, "live", |s| {
        s.link.mode == LinkMode::Realtime && s.devices.len() == 12
    })
    .await;

    server.plant().set_device_value("dev-001", 42.5);
    wait_for(&console, "the new value", |s| {
        s.devices
            .iter()
            .any(|d| d.device.id == "dev-001" && d.device.value == Some(42.5))
    })
    .await;
    // History keeps the last sample per device per second, so the value is looked for
    // before a restarted server can replace it within the same second.
    // The store's writer thread announces nothing: the trend is looked at until it has it.
    test_support::eventually(
        common::LIMIT,
        "the trend to hold the new value",
        async || {
            console
                .device_trend("dev-001", started - 1.0, unix_now() + 1.0)
                .await
                .unwrap()
                .points
                .iter()
                .any(|(_, v)| *v == Some(42.5))
                .then_some(())
        },
    )
    .await;
    server.shutdown().await;
    wait_for(&console, "offline", |s| s.link.mode == LinkMode::Offline).await;
    let server = plant_server::start(TcpListener::bind(address).await.unwrap(), config)
        .await
        .unwrap();
    wait_for(&console, "live again", |s| {
        s.link.mode == LinkMode::Realtime
    })
    .await;
    server
        .plant()
        .set_device_status("dev-002", DeviceStatus::Fault);
    wait_for(&console, "the fault", |s| {
        s.devices
            .iter()
            .any(|d| d.device.id == "dev-002" && d.device.status == DeviceStatus::Fault)
    })
    .await;

    let trend = test_support::eventually(
        common::LIMIT,
        "the trend to hold the closed gap of the restart",
        async || {
            let trend = console
                .device_trend("dev-001", started - 1.0, unix_now() + 1.0)
                .await
                .unwrap();
            (trend.gaps.iter().any(|g| g.end.is_some()) && !trend.points.is_empty())
                .then_some(trend)
        },
    )
    .await;
    assert!(trend.gaps.iter().all(|g| g.start >= started - 1.0));

    let journal = test_support::eventually(common::LIMIT, "the fault in the journal", async || {
        let entries = console
            .journal(Some(started - 1.0), None, None, 100)
            .await
            .unwrap();
        entries
            .iter()
            .any(|e| e.subject == "dev-002")
            .then_some(entries)
    })
    .await;
    assert!(
        journal.iter().any(|e| e.kind.contains("link")),
        "link changes are journaled: {journal:#?}"
    );

    let stats = console
        .stats_trend(started - 1.0, unix_now() + 1.0)
        .await
        .unwrap();
    assert!(!stats.samples.is_empty());
    let diagnostics = console.diagnostics();
    assert!(diagnostics.reconnects >= 1 && diagnostics.messages > 0);
    assert!(diagnostics
        .time_in_modes
        .iter()
        .any(|(mode, secs)| *mode == LinkMode::Offline && *secs > 0.0));
    assert!(diagnostics.log_dir.ends_with("logs"));
    console.shutdown().await.unwrap();
    server.shutdown().await;
}
