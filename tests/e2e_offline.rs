//! End to end, offline: a cache filled by an earlier run, no plant reachable; the window
//! must show the last-known state at once, every value marked stale with its age, and a
//! header that says the plant is offline and when it was last heard from.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use test_support::desktop::{artifacts_dir, Desktop};
use test_support::webdriver::TauriDriver;
use test_support::{wait_for, KillOnDrop};

mod common;

use common::BIN;

/// Fills a cache by running the headless console against the reference server.
fn fill_cache(data_dir: &std::path::Path) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = plant_server::ServerConfig {
        sim_interval: None,
        seed: Some(5),
        ..plant_server::ServerConfig::default()
    };
    let server = runtime
        .block_on(async {
            plant_server::start(tokio::net::TcpListener::bind("127.0.0.1:0").await?, config)
                .await
                .map_err(std::io::Error::other)
        })
        .unwrap();
    let mut console = KillOnDrop(
        Command::new(BIN)
            .args([
                "--headless",
                "--server",
                &format!("http://{}", server.local_addr()),
                // The plant is named, so the same plant reached at another address later
                // (below) is the same plant with the same cache.
                "--plant",
                "line-1",
                "--data-dir",
            ])
            .arg(data_dir)
            .spawn()
            .unwrap(),
    );
    wait_for(Duration::from_secs(30), "the cache to fill", || {
        let output = Command::new(BIN)
            .args(["state", "--json", "--data-dir"])
            .arg(data_dir)
            .output()
            .ok()?;
        let state: Value = serde_json::from_slice(&output.stdout).ok()?;
        (state["devices"].as_array()?.len() == 12 && state["system_stats"].is_object())
            .then_some(())
    });
    assert!(Command::new("kill")
        .args(["-TERM", &console.0.id().to_string()])
        .status()
        .unwrap()
        .success());
    assert!(console.wait_exit(Duration::from_secs(20)).success());
    runtime.block_on(server.shutdown());
}

#[test]
fn offline_start_shows_the_last_known_plant_marked_stale_with_the_last_contact() {
    let desktop = Desktop::start();
    let data_dir = desktop.scratch().join("console-data");
    fill_cache(&data_dir);

    // A port nobody listens on: the plant is unreachable.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let driver = TauriDriver::start(&desktop);
    let mut window = driver.session(
        BIN.as_ref(),
        &[
            "--server",
            &format!("http://{dead}"),
            "--plant",
            "line-1",
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
    );

    // The device rows are on the plant tab; a fresh console opens on the overview.
    common::show_tab(&mut window, "#tab-plant");
    // WebDriver reads only rendered text: the first row reads as something only
    // once the plant tab is shown and the cached rows are drawn.
    window.wait_for(Duration::from_secs(10), "the cached device rows", |w| {
        let rows = w.find_all("#devices tbody tr[data-device-id]");
        (rows.len() == 12 && !w.text(&rows[0]).trim().is_empty()).then_some(())
    });
    let header = window.wait_for(Duration::from_secs(20), "the offline header", |w| {
        let status = w.find("#link-status")?;
        (w.attribute(&status, "data-mode")? == "offline").then(|| w.text(&status))
    });
    assert!(
        header.contains("Offline") && header.contains("last contact"),
        "header: {header}"
    );
    assert_eq!(
        window.find_all("#devices td.value.stale").len(),
        12,
        "every value is marked stale"
    );
    window.screenshot(&artifacts_dir("e2e").join("offline-start.png"));
    let age_cell = window
        .find("#devices tbody tr[data-device-id] td.age")
        .expect("an age cell");
    let age = window
        .property(&age_cell, "textContent")
        .unwrap_or_default();
    assert!(
        age.chars().any(|c| c.is_ascii_digit()),
        "each value shows its age: {age:?}"
    );
}
