//! End to end: the real app in a real WebKit window under Xvfb, driven through
//! tauri-driver and WebKitWebDriver, on the embedded demo plant.

use std::time::Duration;

use test_support::desktop::{artifacts_dir, Desktop};
use test_support::webdriver::TauriDriver;

mod common;

use common::BIN;

#[test]
fn demo_window_shows_live_device_rows_and_says_demo_plant() {
    let desktop = Desktop::start();
    let driver = TauriDriver::start(&desktop);
    let data_dir = desktop.scratch().join("console-data");
    let mut window = driver.session(
        BIN.as_ref(),
        &["--demo", "--data-dir", data_dir.to_str().unwrap()],
    );

    // The device rows are on the plant tab; a fresh console opens on the overview.
    common::show_tab(&mut window, "#tab-plant");
    // Waited for, not read once: WebKit gives a row's visible text only once it has been
    // laid out, which can come a frame after the row is in the DOM.
    window.wait_for(
        Duration::from_secs(30),
        "device rows showing their names",
        |w| {
            let rows = w.find_all("#devices tbody tr[data-device-id]");
            (rows.len() == 12 && !w.text(&rows[0]).trim().is_empty()).then_some(())
        },
    );

    let mode = window.wait_for(Duration::from_secs(20), "a live status", |w| {
        let status = w.find("#link-status")?;
        let mode = w.attribute(&status, "data-mode")?;
        (mode == "realtime").then_some(mode)
    });
    assert_eq!(mode, "realtime");
    assert_eq!(window.text_of("#link-status"), "Real-time");
    // Waited for, not read once: WebKit's visible text of an element is empty until it
    // has been laid out, and the window lays out its regions frame by frame.
    window.wait_for(Duration::from_secs(20), "the DEMO PLANT banner", |w| {
        w.text_of("#demo-banner")
            .contains("DEMO PLANT")
            .then_some(())
    });
    assert_eq!(window.find_all("#relays tbody tr[data-relay-id]").len(), 6);
    window.wait_for(Duration::from_secs(20), "system stats", |w| {
        let cpu = w.text_of("#stat-cpu");
        cpu.contains('%').then_some(())
    });

    window.screenshot(&artifacts_dir("e2e").join("demo-window.png"));
}

#[test]
fn a_relay_switched_with_confirmation_reaches_confirmed() {
    let desktop = Desktop::start();
    let driver = TauriDriver::start(&desktop);
    let data_dir = desktop.scratch().join("console-data");
    let mut window = driver.session(
        BIN.as_ref(),
        &["--demo", "--data-dir", data_dir.to_str().unwrap()],
    );

    // The relays are on the plant tab; a fresh console opens on the overview.
    common::show_tab(&mut window, "#tab-plant");
    // A relay whose switch is enabled (the demo plant locks some and takes devices
    // offline) and takes a click. At 1280×800 the relay table's lower rows sit at the
    // window's bottom edge, where WebKitWebDriver refuses a click as "element not
    // interactable" even after scrolling them into view; the first enabled switch that
    // takes the click is the one switched.
    let relay_id = window.wait_for(
        Duration::from_secs(30),
        "an enabled relay switch clicked",
        |w| {
            for button in w.find_all("#relays button.relay-switch:not([disabled])") {
                let Some(relay) = w.attribute(&button, "data-relay-id") else {
                    continue;
                };
                let selector = format!("#relays button.relay-switch[data-relay-id=\"{relay}\"]");
                let _ = w.execute(
                    "document.querySelector(arguments[0])?.scrollIntoView({block: 'nearest'});",
                    &[serde_json::Value::String(selector)],
                );
                if w.click(&button).is_ok() {
                    return Some(relay);
                }
            }
            None
        },
    );
    window.wait_for(Duration::from_secs(10), "the confirmation dialog", |w| {
        w.find("#confirm-dialog[open]")
    });
    let question = window.text_of("#confirm-title");
    assert!(question.starts_with("Switch relay "), "{question}");
    let ok = window.find("#confirm-ok").expect("a confirm button");
    window.click(&ok).expect("confirm");

    let row = format!("#relays tr[data-relay-id=\"{relay_id}\"]");
    window.wait_for(
        Duration::from_secs(30),
        "the command to be confirmed",
        |w| {
            let row = w.find(&row)?;
            (w.attribute(&row, "data-command-status")? == "confirmed").then_some(())
        },
    );
    let command_row = window
        .find("#outbox tbody tr[data-request-id]")
        .expect("the outbox lists the command");
    let listed = window
        .property(&command_row, "textContent")
        .unwrap_or_default();
    assert!(
        !listed.trim().is_empty(),
        "the outbox row shows the command"
    );
    window.screenshot(&artifacts_dir("e2e").join("relay-confirmed.png"));
}
