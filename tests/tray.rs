//! The tray over D-Bus, as a desktop's tray host sees it: a StatusNotifierWatcher of the
//! test's own on a private session bus receives the app's item; its menu (read with
//! gdbus over com.canonical.dbusmenu) shows the state and the actions, and activating
//! "Reconnect now", "Mute", "Show console" and "Quit" does what they say, and closing the
//! window hides it to the tray instead of ending the console. In kiosk mode neither the
//! window's close nor Quit ends the console until the engineer's `--leave-kiosk`; the
//! tray opens the alarm summary in a window of its own.

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

/// A console with its tray item registered with the test's own StatusNotifierWatcher,
/// and the menu read and clicked over D-Bus.
struct TrayConsole {
    app: KillOnDrop,
    log: Arc<Mutex<Vec<String>>>,
    bus: String,
    menu_path: String,
    _watcher: KillOnDrop,
}

impl TrayConsole {
    fn start(desktop: &Desktop, args: &[&str]) -> TrayConsole {
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
        let mut app = KillOnDrop(
            Command::new(BIN)
                .args(args)
                .envs(desktop.env())
                .env("RUST_LOG", "info")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start the console"),
        );
        let log = collect(app.0.stderr.take().unwrap());
        let line = registered
            .recv_timeout(LIMIT)
            .expect("the tray item registers with the watcher");
        let mut parts = line.split_whitespace().skip(1);
        let (bus, path) = (
            parts.next().unwrap().to_owned(),
            parts.next().unwrap().to_owned(),
        );
        let menu = gdbus(
            desktop,
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
        TrayConsole {
            app,
            log,
            bus,
            menu_path,
            _watcher: watcher,
        }
    }

    /// The menu's items as (id, label).
    fn items(&self, desktop: &Desktop) -> Vec<(i32, String)> {
        menu_items(&gdbus(
            desktop,
            &[
                "--dest",
                &self.bus,
                "--object-path",
                &self.menu_path,
                "--method",
                "com.canonical.dbusmenu.GetLayout",
                "0",
                // As GVariant text, so gdbus does not read "-1" as an option.
                "int32 -1",
                "@as []",
            ],
        ))
    }

    /// Clicks the item labelled `label`.
    fn click(&self, desktop: &Desktop, label: &str) {
        let id = self
            .items(desktop)
            .into_iter()
            .find(|(_, l)| l == label)
            .unwrap_or_else(|| panic!("no menu item {label:?}"))
            .0
            .to_string();
        gdbus(
            desktop,
            &[
                "--dest",
                &self.bus,
                "--object-path",
                &self.menu_path,
                "--method",
                "com.canonical.dbusmenu.Event",
                &id,
                "clicked",
                "<0>",
                "0",
            ],
        );
    }

    fn logged(&self, text: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(text))
            .count()
    }
}

/// What a window manager would do to the window titled `title` (tests/tray/x11_window.py).
fn x11(desktop: &Desktop, action: &str, title: &str) -> String {
    let output = Command::new("/usr/bin/python3")
        .arg(workspace_root().join("tests/tray/x11_window.py"))
        .args([action, title])
        .envs(desktop.env())
        .output()
        .expect("run the X11 helper");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn the_tray_item_registers_shows_the_state_and_its_menu_items_work() {
    let desktop = Desktop::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = plant_server::ServerConfig {
        sim_interval: None,
        ..plant_server::ServerConfig::default()
    };
    let server = start_reference(&runtime, config);
    let data_dir = desktop.scratch().join("data");
    let server_url = format!("http://{}", server.local_addr());
    let mut tray = TrayConsole::start(
        &desktop,
        &[
            "--server",
            &server_url,
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
    );

    // The first line tells the state once the link is live.
    let items = wait_for(LIMIT, "the menu to show Real-time", || {
        let items = tray.items(&desktop);
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
        "Alarm summary window",
        "Plant overview window",
        "Trend window",
        "Mute notifications for 15 min",
        "Reconnect now",
        "Quit",
    ] {
        assert!(labels.contains(&wanted), "{wanted} missing from {labels:?}");
    }

    wait_for(LIMIT, "the first live link", || {
        (tray.logged("plant link live") >= 1).then_some(())
    });
    tray.click(&desktop, "Reconnect now");
    wait_for(LIMIT, "a second live link after Reconnect now", || {
        (tray.logged("plant link live") >= 2).then_some(())
    });

    tray.click(&desktop, "Mute notifications for 15 min");
    wait_for(LIMIT, "the menu to offer Unmute", || {
        tray.items(&desktop)
            .iter()
            .any(|(_, label)| label == "Unmute notifications")
            .then_some(())
    });
    tray.click(&desktop, "Unmute notifications");
    wait_for(LIMIT, "the menu to offer Mute again", || {
        tray.items(&desktop)
            .iter()
            .any(|(_, label)| label == "Mute notifications for 15 min")
            .then_some(())
    });

    // Closing the window hides it to the tray; the console keeps running and Show brings
    // the window back.
    wait_for(LIMIT, "the window to be shown", || {
        (x11(&desktop, "state", "Plant Console") == "VISIBLE").then_some(())
    });
    // The close is sent again until the window hides: under load a close sent soon after
    // the window appeared was seen to go unanswered (as in the kiosk test below). Every
    // round checks that the console still runs: a close hides, never quits.
    wait_for(LIMIT, "the window to hide", || {
        if x11(&desktop, "state", "Plant Console") == "HIDDEN" {
            return Some(());
        }
        assert!(
            tray.app.0.try_wait().unwrap().is_none(),
            "closing the window must not end the console"
        );
        assert_eq!(x11(&desktop, "close", "Plant Console"), "SENT");
        None
    });
    assert!(
        tray.app.0.try_wait().unwrap().is_none(),
        "closing the window must not end the console"
    );
    tray.click(&desktop, "Show console");
    wait_for(LIMIT, "the window to come back", || {
        (x11(&desktop, "state", "Plant Console") == "VISIBLE").then_some(())
    });

    // The tray opens the alarm summary in a window of its own; closing that one closes it.
    tray.click(&desktop, "Alarm summary window");
    let summary = "Plant Console — Alarm summary";
    wait_for(LIMIT, "the summary's window opened", || {
        (tray.logged("an extra window was opened") >= 1).then_some(())
    });
    wait_for(LIMIT, "the summary's window", || {
        (x11(&desktop, "state", summary) == "VISIBLE").then_some(())
    });
    assert_eq!(x11(&desktop, "close", summary), "SENT");
    wait_for(LIMIT, "the summary's window gone", || {
        (x11(&desktop, "state", summary) == "NO WINDOW").then_some(())
    });
    assert!(tray.app.0.try_wait().unwrap().is_none());

    tray.click(&desktop, "Quit");
    let status = tray.app.wait_exit(LIMIT);
    assert!(
        status.success(),
        "Quit must end the console cleanly: {status}"
    );
    assert!(
        tray.logged("stopping the console") >= 1,
        "the console was shut down, not killed"
    );
    runtime.block_on(server.shutdown());
}

#[test]
fn in_kiosk_mode_neither_the_close_nor_quit_ends_the_console_until_the_engineer_leaves_it() {
    let desktop = Desktop::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = plant_server::ServerConfig {
        sim_interval: None,
        ..plant_server::ServerConfig::default()
    };
    let server = start_reference(&runtime, config);
    let data_dir = desktop.scratch().join("data");
    let server_url = format!("http://{}", server.local_addr());
    let data = data_dir.to_str().unwrap();
    let mut tray = TrayConsole::start(
        &desktop,
        &["--server", &server_url, "--kiosk", "--data-dir", data],
    );
    wait_for(LIMIT, "the window to be shown", || {
        (x11(&desktop, "state", "Plant Console") == "VISIBLE").then_some(())
    });
    wait_for(LIMIT, "kiosk mode", || {
        (tray.logged("kiosk mode: the main window is full screen") >= 1).then_some(())
    });

    // The close button (or Alt+F4) does nothing: the window stays, the console runs. The
    // close is sent again until the console says it refused one: on a loaded machine a
    // close sent while GTK is still applying the kiosk's full screen and decorations was
    // seen to go unanswered, and a window manager's user would simply click again. Every
    // round checks that nothing closed meanwhile.
    wait_for(LIMIT, "the close refused", || {
        if tray.logged("kiosk mode: the window's close was refused") >= 1 {
            return Some(());
        }
        assert!(
            tray.app.0.try_wait().unwrap().is_none(),
            "a close ended the kiosk"
        );
        assert_eq!(
            x11(&desktop, "state", "Plant Console"),
            "VISIBLE",
            "a close hid the kiosk's window"
        );
        assert_eq!(x11(&desktop, "close", "Plant Console"), "SENT");
        None
    });
    assert_eq!(x11(&desktop, "state", "Plant Console"), "VISIBLE");
    // Quit from the tray does nothing either.
    tray.click(&desktop, "Quit");
    wait_for(LIMIT, "Quit refused", || {
        (tray.logged("kiosk mode: Quit from the tray was refused") >= 1).then_some(())
    });
    assert!(
        tray.app.0.try_wait().unwrap().is_none(),
        "the kiosk still runs"
    );

    // The engineer leaves kiosk mode; then Quit ends the console.
    let left = Command::new(BIN)
        .args(["--leave-kiosk", "--data-dir", data])
        .envs(desktop.env())
        .status()
        .expect("run --leave-kiosk");
    assert!(left.success());
    wait_for(LIMIT, "kiosk mode left", || {
        (tray.logged("kiosk mode left at the engineer's request") >= 1).then_some(())
    });
    tray.click(&desktop, "Quit");
    let status = tray.app.wait_exit(LIMIT);
    assert!(status.success(), "{status}");
    runtime.block_on(server.shutdown());
}
