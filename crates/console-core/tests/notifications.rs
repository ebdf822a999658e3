//! Alerts as real desktop notifications: a console with the notify-rust sink against the
//! reference plant, on a private desktop (Xvfb and a D-Bus session of the test's own)
//! with dunst as the notification server, read back from dunst's history, in English and,
//! once the operator picks it, in Persian.
//!
//! notify-rust finds the session bus through DBUS_SESSION_BUS_ADDRESS in the process
//! environment when it connects, and every test in one binary shares that environment,
//! so this binary holds this one test only.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;

use common::{wait_for, LIMIT};
use console_core::notify::DesktopNotifications;
use console_core::{ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use console_i18n::Language;
use plant_protocol::DeviceStatus;
use plant_server::ServerConfig;
use serde_json::Value;
use test_support::desktop::Desktop;
use test_support::KillOnDrop;
use tokio::net::TcpListener;

/// Runs a command on the desktop and returns its output, failing after [`LIMIT`].
fn run(desktop: &Desktop, program: &str, args: &[&str]) -> String {
    let child = Command::new(program)
        .args(args)
        .envs(desktop.env())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} runs (cargo xtask setup --test): {e}"));
    let mut child = KillOnDrop(child);
    let mut stdout = child.0.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    let text = rx
        .recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("{program} {args:?} did not answer within {LIMIT:?}"));
    let status = child.wait_exit(LIMIT);
    assert!(status.success(), "{program} {args:?} failed: {status}");
    text
}

/// One notification as dunst keeps it in its history.
#[derive(Debug)]
struct Shown {
    appname: String,
    summary: String,
    body: String,
}

/// Everything dunst has shown: the ones on screen are closed first, which moves them to
/// the history that `dunstctl history` prints.
fn shown(desktop: &Desktop) -> Vec<Shown> {
    run(desktop, "dunstctl", &["close-all"]);
    let history: Value = serde_json::from_str(&run(desktop, "dunstctl", &["history"]))
        .expect("dunstctl history prints JSON");
    let field =
        |entry: &Value, name: &str| entry[name]["data"].as_str().unwrap_or_default().to_owned();
    history["data"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|list| list.as_array().into_iter().flatten())
        .map(|entry| Shown {
            appname: field(entry, "appname"),
            summary: field(entry, "summary"),
            body: field(entry, "body"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_switched_at_the_plant_and_a_device_going_offline_reach_the_desktop_as_notifications(
) {
    let desktop = Desktop::start();
    let dunst = KillOnDrop(
        Command::new("dunst")
            .envs(desktop.env())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst is installed (cargo xtask setup --test)"),
    );
    // gdbus returns once dunst owns the notification service's name on the bus, or fails
    // after its own timeout (which `run` bounds again).
    run(
        &desktop,
        "gdbus",
        &[
            "wait",
            "--session",
            "--timeout",
            "20",
            "org.freedesktop.Notifications",
        ],
    );
    // The one place the process environment is changed: see the module documentation.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &desktop.bus_address);

    let server = plant_server::start(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        ServerConfig {
            sim_interval: None,
            seed: Some(7),
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let link =
        LinkConfig::new(PlantUrl::parse(&format!("http://{}", server.local_addr())).unwrap());
    let mut config = ConsoleConfig::new(link, dir.path().to_owned());
    config.notifications = Arc::new(DesktopNotifications::default());
    let console = common::start(config).await;
    let snapshot = wait_for(&console, "the first sync", |s| {
        s.devices.len() == 12 && s.relays.len() == 6 && s.link.mode == LinkMode::Realtime
    })
    .await;
    let relay = snapshot
        .relays
        .iter()
        .find(|r| r.relay.id == "relay-01")
        .expect("the fleet has relay-01")
        .relay
        .clone();
    let device = snapshot
        .devices
        .iter()
        .find(|d| d.device.id == "dev-001")
        .expect("the fleet has dev-001")
        .device
        .clone();
    assert_ne!(
        device.status,
        DeviceStatus::Offline,
        "the seeded fleet starts with dev-001 up"
    );

    let on = !relay.state;
    server
        .plant()
        .set_relay("relay-01", on, "operator-2")
        .unwrap();
    server
        .plant()
        .set_device_status("dev-001", DeviceStatus::Offline)
        .unwrap();

    let switched = format!(
        "Relay {} switched {} by operator-2",
        relay.name,
        if on { "ON" } else { "OFF" }
    );
    let offline = format!("Device {} went offline", device.name);
    // dunst announces nothing to the test: its history is asked until it has both.
    let history = test_support::eventually(
        LIMIT,
        &format!("dunst to show {switched:?} and {offline:?}"),
        async || {
            let history = shown(&desktop);
            let has = |title: &str| history.iter().any(|n| n.summary == title);
            if has(&switched) && has(&offline) {
                Ok(history)
            } else {
                Err(format!("it has {history:?}"))
            }
        },
    )
    .await;
    let relay_note = history.iter().find(|n| n.summary == switched).unwrap();
    assert_eq!(relay_note.appname, "Plant Console");
    assert!(
        relay_note.body.starts_with("relay-01") && relay_note.body.contains("was "),
        "{relay_note:?}"
    );
    let device_note = history.iter().find(|n| n.summary == offline).unwrap();
    assert!(device_note.body.starts_with("dev-001"), "{device_note:?}");

    // The alert list has both, as notified and waiting for acknowledgement.
    let alerts = console.alerts(10).await.unwrap();
    for title in [&switched, &offline] {
        let alert = alerts
            .iter()
            .find(|a| &a.title == title)
            .unwrap_or_else(|| panic!("{title:?} is in the alert list: {alerts:?}"));
        assert!(alert.notified && alert.acked_at.is_none(), "{alert:?}");
    }
    assert_eq!(console.alert_status().unacked, 2);

    // The operator switches to Persian: the next notification reaches the desktop in
    // Persian, opening with a right-to-left mark so that dunst lays it out right to left
    // even though the device's name is Latin (and isolated inside the sentence).
    console.set_language(Language::Fa);
    let second = snapshot
        .devices
        .iter()
        .find(|d| d.device.id == "dev-002")
        .expect("the fleet has dev-002")
        .device
        .clone();
    server
        .plant()
        .set_device_status("dev-002", DeviceStatus::Fault)
        .unwrap();
    let persian = format!(
        "\u{200F}دستگاه \u{2068}{}\u{2069} خطا گزارش می‌دهد",
        second.name
    );
    let history =
        test_support::eventually(LIMIT, &format!("dunst to show {persian:?}"), async || {
            let history = shown(&desktop);
            match history.iter().find(|n| n.summary == persian) {
                Some(note) => Ok(note.body.clone()),
                None => Err(format!("it has {history:?}")),
            }
        })
        .await;
    assert!(history.starts_with('\u{200F}'), "{history:?}");
    assert!(
        history.contains("پیش‌تر"),
        "the body is in Persian too: {history:?}"
    );

    console.shutdown().await.unwrap();
    server.shutdown().await;
    drop(dunst);
    drop(desktop);
}
