//! End to end, the console set up for a control room, in the real window on the demo
//! plant: the alarm summary opened in a window of its own shows that view alone (with the
//! link state and the alarm banner), and is reopened when the console starts again; in kiosk mode the window says so, the tray's Quit does not end it, and the
//! engineer's `--leave-kiosk` gives the window its close back.

use std::process::Command;
use std::time::Duration;

use test_support::desktop::{artifacts_dir, Desktop};
use test_support::webdriver::{Session, TauriDriver};

mod common;

use common::BIN;

const LIMIT: Duration = Duration::from_secs(30);

/// The other window's handle, once WebDriver sees `count` windows.
fn other_window(window: &mut Session, main: &str, count: usize) -> String {
    window.wait_for(LIMIT, "the extra window", |w| {
        let handles = w.window_handles();
        (handles.len() == count)
            .then(|| handles.into_iter().find(|h| h != main))
            .flatten()
    })
}

/// The page's window role (`html[data-window-role]`).
fn role(window: &mut Session) -> Option<String> {
    let html = window.find("html")?;
    window.attribute(&html, "data-window-role")
}

#[test]
fn the_alarm_summary_opens_in_a_window_of_its_own_and_reopens_at_the_next_start() {
    let desktop = Desktop::start();
    let driver = TauriDriver::start(&desktop);
    let data_dir = desktop.scratch().join("console-data");
    let args = ["--demo", "--data-dir", data_dir.to_str().unwrap()];
    {
        let mut window = driver.session(BIN.as_ref(), &args);
        let main = window.window_handle().expect("the main window's handle");
        window.wait_for(LIMIT, "the main window's page", |w| {
            (role(w)? == "main").then_some(())
        });
        common::show_tab(&mut window, "#tab-alarms");
        let open = window.wait_for(LIMIT, "the summary's own-window button", |w| {
            w.find("[data-open-window=\"alarms\"]")
        });
        window.click(&open).expect("open the summary's window");
        let extra = other_window(&mut window, &main, 2);
        window
            .switch_to_window(&extra)
            .expect("go to the extra window");
        window.wait_for(LIMIT, "the summary alone", |w| {
            (role(w)? == "alarms").then_some(())
        });
        assert!(window.find("#alarms").is_some(), "the summary is there");
        assert!(
            window.find("#link-status").is_some() && window.find("#alarm-banner").is_some(),
            "the link state and the banner come with every window"
        );
        let tabs = window.find("#view-tabs");
        let hidden = tabs
            .as_ref()
            .map(|tabs| window.attribute(tabs, "hidden").is_some());
        assert!(
            tabs.is_none() || hidden == Some(true),
            "no tab list in a window of one view"
        );
        window.screenshot(&artifacts_dir("e2e").join("window-alarms.png"));
        window
            .switch_to_window(&main)
            .expect("back to the main window");
        // The session's end closes the app; the open windows are remembered.
    }
    let kept = std::fs::read_to_string(data_dir.join("windows.json")).expect("the windows list");
    assert!(kept.contains("\"alarms\""), "{kept}");

    let mut window = driver.session(BIN.as_ref(), &args);
    let main = window.window_handle().expect("the main window's handle");
    let extra = other_window(&mut window, &main, 2);
    window
        .switch_to_window(&extra)
        .expect("go to the reopened window");
    window.wait_for(LIMIT, "the summary reopened", |w| {
        (role(w)? == "alarms").then_some(())
    });
}

#[test]
fn kiosk_mode_is_shown_refuses_the_close_and_is_left_only_by_the_engineers_command() {
    let desktop = Desktop::start();
    let driver = TauriDriver::start(&desktop);
    let data_dir = desktop.scratch().join("console-data");
    let mut window = driver.session(
        BIN.as_ref(),
        &[
            "--demo",
            "--kiosk",
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
    );
    window.wait_for(LIMIT, "the kiosk badge", |w| {
        let badge = w.find("#kiosk-badge")?;
        w.attribute(&badge, "hidden").is_none().then_some(())
    });
    let info = common::window_info(&mut window);
    assert_eq!(info["kiosk"], true, "{info}");
    assert_eq!(info["label"], "main", "{info}");
    window.screenshot(&artifacts_dir("e2e").join("kiosk.png"));

    // The engineer's command, on this machine: the running window leaves kiosk mode.
    let left = Command::new(BIN)
        .args(["--leave-kiosk", "--data-dir", data_dir.to_str().unwrap()])
        .envs(desktop.env())
        .status()
        .expect("run --leave-kiosk");
    assert!(left.success(), "--leave-kiosk reached the running window");
    window.wait_for(LIMIT, "the kiosk badge gone", |w| {
        let badge = w.find("#kiosk-badge")?;
        w.attribute(&badge, "hidden").is_some().then_some(())
    });
    let info = common::window_info(&mut window);
    assert_eq!(info["kiosk"], false, "{info}");
}

#[test]
fn leaving_kiosk_mode_with_no_console_running_says_so_and_fails() {
    let desktop = Desktop::start();
    let data_dir = desktop.scratch().join("nobody");
    std::fs::create_dir_all(&data_dir).unwrap();
    let output = Command::new(BIN)
        .args(["--leave-kiosk", "--data-dir", data_dir.to_str().unwrap()])
        .envs(desktop.env())
        .output()
        .expect("run --leave-kiosk");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no window of a console"), "{stderr}");
}
