//! End to end, the link as the operator sees it: the fallback banner when the WebSocket is
//! refused; Offline with stale marks when the plant stops and Real-time when it returns;
//! and a command queued knowingly while offline, then cancelled.

use std::time::Duration;

use test_support::desktop::{artifacts_dir, Desktop};
use test_support::flask::FlaskPlant;
use test_support::webdriver::{Session, TauriDriver};

mod common;

use common::BIN;

const LIMIT: Duration = Duration::from_secs(30);

fn mode(window: &mut Session) -> Option<String> {
    let status = window.find("#link-status")?;
    window.attribute(&status, "data-mode")
}

fn wait_mode(window: &mut Session, wanted: &str) {
    window.wait_for(LIMIT, &format!("the banner to say {wanted}"), |w| {
        (mode(w).as_deref() == Some(wanted)).then_some(())
    });
}

#[test]
fn a_refused_websocket_shows_the_http_fallback_banner() {
    let flask = FlaskPlant::start(&["--refuse-websocket", "--no-sim"]);
    let desktop = Desktop::start();
    let driver = TauriDriver::start(&desktop);
    let data_dir = desktop.scratch().join("data");
    let mut window = driver.session(
        BIN.as_ref(),
        &[
            "--server",
            &flask.url(),
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
    );
    wait_mode(&mut window, "fallback");
    assert_eq!(window.text_of("#link-status"), "HTTP fallback");
    window.wait_for(LIMIT, "device rows by polling", |w| {
        (w.find_all("#devices tr[data-device-id]").len() == 12).then_some(())
    });
    window.screenshot(&artifacts_dir("e2e").join("fallback.png"));
}

#[test]
fn a_stopped_plant_shows_offline_with_stale_values_and_a_restart_brings_real_time_back() {
    let flask = FlaskPlant::start(&["--no-sim", "--stats-interval", "0.5"]);
    let port = flask.port;
    let desktop = Desktop::start();
    let driver = TauriDriver::start(&desktop);
    let data_dir = desktop.scratch().join("data");
    let mut window = driver.session(
        BIN.as_ref(),
        &[
            "--server",
            &flask.url(),
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
    );
    wait_mode(&mut window, "realtime");
    window.wait_for(LIMIT, "device rows", |w| {
        (w.find_all("#devices tr[data-device-id]").len() == 12).then_some(())
    });

    flask.kill();
    wait_mode(&mut window, "offline");
    assert!(window.text_of("#link-status").contains("last contact"));
    window.wait_for(LIMIT, "every value marked stale", |w| {
        (w.find_all("#devices td.value.stale").len() == 12).then_some(())
    });
    window.screenshot(&artifacts_dir("e2e").join("offline.png"));

    let _flask = FlaskPlant::start_on(port, &["--no-sim", "--stats-interval", "0.5"]);
    wait_mode(&mut window, "realtime");
    window.wait_for(LIMIT, "stale marks gone", |w| {
        w.find_all("#devices td.value.stale")
            .is_empty()
            .then_some(())
    });
}

#[test]
fn a_command_is_queued_only_after_confirmation_while_offline_and_can_be_cancelled() {
    let flask = FlaskPlant::start(&["--no-sim"]);
    let desktop = Desktop::start();
    let driver = TauriDriver::start(&desktop);
    let data_dir = desktop.scratch().join("data");
    let mut window = driver.session(
        BIN.as_ref(),
        &[
            "--server",
            &flask.url(),
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
    );
    wait_mode(&mut window, "realtime");
    window.wait_for(LIMIT, "relay rows", |w| {
        (w.find_all("#relays tr[data-relay-id]").len() == 6).then_some(())
    });
    flask.kill();
    wait_mode(&mut window, "offline");

    // The relays are on the plant tab; a fresh console opens on the overview.
    common::show_tab(&mut window, "#tab-plant");
    let button = window.wait_for(LIMIT, "a relay switch", |w| {
        w.find("#relays button.relay-switch:not([disabled])")
    });
    window.click(&button).expect("click the switch");
    let ok = window.wait_for(LIMIT, "the confirmation", |w| {
        w.find("#confirm-dialog[open] #confirm-ok")
    });
    window.click(&ok).expect("confirm");
    // The plant is unreachable: nothing is queued until the operator says so.
    let queue = window.wait_for(LIMIT, "the queue question", |w| {
        let dialog = w.find("#confirm-dialog")?;
        (w.attribute(&dialog, "data-step")? == "queue").then(|| w.find("#confirm-queue"))?
    });
    assert!(
        window
            .find_all("#outbox tbody tr[data-request-id]")
            .is_empty(),
        "nothing queued before the operator agreed"
    );
    let question = window
        .find("#confirm-queue")
        .and_then(|b| window.property(&b, "textContent"))
        .unwrap_or_default();
    assert!(
        question.contains(':'),
        "the question names the time until which it is queued: {question:?}"
    );
    window.click(&queue).expect("queue it");

    let cancel = window.wait_for(LIMIT, "a queued command with Cancel", |w| {
        w.find("#outbox tbody tr[data-status=\"queued\"] .cancel-command")
    });
    window.screenshot(&artifacts_dir("e2e").join("offline-queue.png"));
    window.click(&cancel).expect("cancel it");
    window.wait_for(LIMIT, "the command cancelled", |w| {
        w.find("#outbox tbody tr[data-status=\"cancelled\"]")
    });
}
