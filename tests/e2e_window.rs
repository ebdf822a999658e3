//! End to end: the real app in a real WebKit window under Xvfb, driven through
//! tauri-driver and WebKitWebDriver, on the embedded demo plant.

use std::time::Duration;

use test_support::desktop::{artifacts_dir, Desktop};
use test_support::webdriver::TauriDriver;

const BIN: &str = env!("CARGO_BIN_EXE_plant-console");

#[test]
fn demo_window_shows_live_device_rows_and_says_demo_plant() {
    let desktop = Desktop::start();
    let driver = TauriDriver::start(&desktop);
    let data_dir = desktop.scratch().join("console-data");
    let mut window = driver.session(
        BIN.as_ref(),
        &["--demo", "--data-dir", data_dir.to_str().unwrap()],
    );

    let rows = window.wait_for(Duration::from_secs(30), "device rows", |w| {
        let rows = w.find_all("#devices tbody tr[data-device-id]");
        (rows.len() == 12).then_some(rows)
    });
    let first_name = window.text(&rows[0]);
    assert!(!first_name.trim().is_empty(), "a device row shows its name");

    let mode = window.wait_for(Duration::from_secs(20), "a live status", |w| {
        let status = w.find("#link-status")?;
        let mode = w.attribute(&status, "data-mode")?;
        (mode == "realtime").then_some(mode)
    });
    assert_eq!(mode, "realtime");
    assert_eq!(window.text_of("#link-status"), "Real-time");
    assert!(window.text_of("#demo-banner").contains("DEMO PLANT"));
    assert_eq!(window.find_all("#relays tbody tr[data-relay-id]").len(), 6);
    window.wait_for(Duration::from_secs(20), "system stats", |w| {
        let cpu = w.text_of("#stat-cpu");
        cpu.contains('%').then_some(())
    });

    window.screenshot(&artifacts_dir("e2e").join("demo-window.png"));
}
