//! The tray over D-Bus, as a desktop's tray host sees it: a StatusNotifierWatcher of the
//! test's own on a private session bus receives the app's item; its menu (read with
//! gdbus over com.canonical.dbusmenu) shows the state and the actions, and activating
//! "Reconnect now", "Mute", "Show console" and "Quit" does what they say, and closing the
//! window hides it to the tray instead of ending the console.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{start_reference, BIN};
use test_support::desktop::Desktop;
use test_support::{wait_for, workspace_root, KillOnDrop};

const LIMIT: Duration = Duration::from_secs(30);

/// Collects a child's output lines as they come.
fn collect(stream: impl std::io::Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

fn gdbus(desktop: &Desktop, args: &[&str]) -> String {
    let output = Command::new("gdbus")
        .arg("call")
        .arg("--session")
        .args(args)
        .envs(desktop.env())
        .output()
        .expect("gdbus runs");
    assert!(
        output.status.success(),
        "gdbus {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The menu's items as (id, label), from a GetLayout answer in GVariant text form.
fn menu_items(layout: &str) -> Vec<(i32, String)> {
    let mut items = Vec::new();
    for chunk in layout
        .split("(<(")
        .skip(1)
        .chain(layout.split("<(").skip(1))
    {
        let Some((id, rest)) = chunk.split_once(", {") else {
            continue;
        };
        let Ok(id) = id.trim().parse::<i32>() else {
            continue;
        };
        let Some(label) = rest
            .split("'label': <'")
            .nth(1)
            .and_then(|l| l.split("'>").next())
        else {
            continue;
        };
        if !items.iter().any(|(known, _)| *known == id) {
            items.push((id, label.to_owned()));
        }
    }
    items
}

#[test]
fn the_tray_item_registers_shows_the_state_and_its_menu_items_work() {
    let desktop = Desktop::start();
    let mut watcher = KillOnDrop(
        Command::new("/usr/bin/python3")
            .arg(workspace_root().join("tests/tray/sni_watcher.py"))
            .envs(desktop.env())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the test's StatusNotifierWatcher"),
    );
    let (tx, registered) = mpsc::channel();
    let stdout = watcher.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    assert_eq!(
        registered.recv_timeout(LIMIT).expect("the watcher starts"),
        "READY"
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = plant_server::ServerConfig {
        sim_interval: None,
        ..plant_server::ServerConfig::default()
    };
    let server = start_reference(&runtime, config);
    let data_dir = desktop.scratch().join("data");
    let mut app = KillOnDrop(
        Command::new(BIN)
            .args([
                "--server",
                &format!("http://{}", server.local_addr()),
                "--data-dir",
            ])
            .arg(&data_dir)
            .envs(desktop.env())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the console"),
    );
    let log = collect(app.0.stderr.take().unwrap());
    let live_count = || {
        log.lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("plant link live"))
            .count()
    };

    let line = registered
        .recv_timeout(LIMIT)
        .expect("the tray item registers with the watcher");
    let mut parts = line.split_whitespace().skip(1);
    let (bus, path) = (
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
    );

    let menu = gdbus(
        &desktop,
        &[
            "--dest",
            &bus,
            "--object-path",
            &path,
            "--method",
            "org.freedesktop.DBus.Properties.Get",
            "org.kde.StatusNotifierItem",
            "Menu",
        ],
    );
    let menu_path = menu
        .split('\'')
        .nth(1)
        .expect("a menu object path")
        .to_owned();
    let layout = || {
        gdbus(
            &desktop,
            &[
                "--dest",
                &bus,
                "--object-path",
                &menu_path,
                "--method",
                "com.canonical.dbusmenu.GetLayout",
                "0",
                // As GVariant text, so gdbus does not read "-1" as an option.
                "int32 -1",
                "@as []",
            ],
        )
    };

    // The first line tells the state once the link is live.
    let items = wait_for(LIMIT, "the menu to show Real-time", || {
        let items = menu_items(&layout());
        items
            .iter()
            .any(|(_, label)| label.contains("Real-time"))
            .then_some(items)
    });
    let labels: Vec<&str> = items.iter().map(|(_, label)| label.as_str()).collect();
    assert!(
        labels.iter().any(|l| l.contains("12 devices")),
        "{labels:?}"
    );
    for wanted in [
        "Show console",
        "Mute notifications for 15 min",
        "Reconnect now",
        "Quit",
    ] {
        assert!(labels.contains(&wanted), "{wanted} missing from {labels:?}");
    }
    let id_of = |wanted: &str| {
        items
            .iter()
            .find(|(_, label)| label == wanted)
            .unwrap()
            .0
            .to_string()
    };
    let click = |id: &str| {
        gdbus(
            &desktop,
            &[
                "--dest",
                &bus,
                "--object-path",
                &menu_path,
                "--method",
                "com.canonical.dbusmenu.Event",
                id,
                "clicked",
                "<0>",
                "0",
            ],
        );
    };

    wait_for(LIMIT, "the first live link", || {
        (live_count() >= 1).then_some(())
    });
    click(&id_of("Reconnect now"));
    wait_for(LIMIT, "a second live link after Reconnect now", || {
        (live_count() >= 2).then_some(())
    });

    click(&id_of("Mute notifications for 15 min"));
    wait_for(LIMIT, "the menu to offer Unmute", || {
        menu_items(&layout())
            .iter()
            .any(|(_, label)| label == "Unmute notifications")
            .then_some(())
    });
    let unmute = menu_items(&layout())
        .into_iter()
        .find(|(_, label)| label == "Unmute notifications")
        .unwrap()
        .0;
    click(&unmute.to_string());
    wait_for(LIMIT, "the menu to offer Mute again", || {
        menu_items(&layout())
            .iter()
            .any(|(_, label)| label == "Mute notifications for 15 min")
            .then_some(())
    });

    // Closing the window hides it to the tray; the console keeps running and Show brings
    // the window back.
    let window = |action: &str| {
        let output = Command::new("/usr/bin/python3")
            .arg(workspace_root().join("tests/tray/x11_window.py"))
            .args([action, "Plant Console"])
            .envs(desktop.env())
            .output()
            .expect("run the X11 helper");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    wait_for(LIMIT, "the window to be shown", || {
        (window("state") == "VISIBLE").then_some(())
    });
    assert_eq!(window("close"), "SENT");
    wait_for(LIMIT, "the window to hide", || {
        (window("state") == "HIDDEN").then_some(())
    });
    assert!(
        app.0.try_wait().unwrap().is_none(),
        "closing the window must not end the console"
    );
    click(&id_of("Show console"));
    wait_for(LIMIT, "the window to come back", || {
        (window("state") == "VISIBLE").then_some(())
    });

    click(&id_of("Quit"));
    let status = app.wait_exit(LIMIT);
    assert!(
        status.success(),
        "Quit must end the console cleanly: {status}"
    );
    assert!(
        log.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("stopping the console")),
        "the console was shut down, not killed"
    );
    runtime.block_on(server.shutdown());
}
