//! The real binary's output stays bounded and inert whatever the plant sends: the log
//! folder keeps its size cap, and the `state` and `journal` reports print server text
//! with its control characters escaped and CSV cells a spreadsheet cannot run.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use test_support::hostile::HostileServer;
use test_support::{wait_for, KillOnDrop};

mod common;

use common::BIN;

const LIMIT: Duration = Duration::from_secs(30);

/// A headless console on `url` logging at `info`.
fn headless(url: &str, data_dir: &Path) -> KillOnDrop {
    KillOnDrop(
        Command::new(BIN)
            .args(["--headless", "--server", url, "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the headless console"),
    )
}

/// A report command's standard output, or `None` while it fails (no cache yet).
fn report(args: &[&str], data_dir: &Path) -> Option<String> {
    let output = Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("run plant-console");
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).expect("UTF-8 output"))
}

#[test]
fn the_console_logs_to_a_size_capped_folder_and_old_daily_files_make_room() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    // Daily files of an older version: together over one file's cap (10 MiB).
    let old = logs.join("plant-console.2026-01-01.log");
    std::fs::File::create(&old)
        .unwrap()
        .set_len(11 << 20)
        .unwrap();
    let recent = logs.join("plant-console.2026-01-02.log");
    std::fs::write(&recent, "the day before\n").unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);

    let _console = headless(&url, dir.path());

    let current = logs.join("plant-console.log");
    wait_for(LIMIT, "the console's first log line", || {
        std::fs::read_to_string(&current)
            .ok()
            .filter(|text| text.contains("headless console running"))
    });
    assert!(!old.exists(), "the oldest daily file was kept over the cap");
    assert!(recent.exists(), "a daily file that fits was removed");
    let mut names: Vec<String> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["plant-console.2026-01-02.log", "plant-console.log"],
        "no daily file of today, only the size-rotated one"
    );
}

#[test]
fn state_and_journal_print_hostile_server_text_escaped_and_csv_defused() {
    let server = HostileServer::start();
    let id = "=HYPERLINK(\"http://evil\")";
    let name = "Pump\u{1b}]0;owned\u{7}\u{1b}[2J\r\nFAKE LINE";
    let device = |status: &str| {
        json!({"id": id, "name": name, "kind": "level", "status": status, "value": 1.0,
               "unit": "\u{9b}31m", "last_seen": 1.0})
    };
    let snapshot = json!({"devices": [device("online")], "snapshot": true, "server_time": 1.0});
    let change = json!({"devices": [device("fault")], "snapshot": false, "server_time": 2.0});
    server.on_ws(move |conn| {
        let limit = Duration::from_secs(20);
        conn.handshake_within(limit, 25_000, 20_000);
        conn.recv_matching_within(limit, "request_devices", |f| f.contains("request_devices"));
        conn.send(&format!(r#"42["devices_update",{snapshot}]"#));
        conn.send(r#"42["relays_update",{"relays":[],"snapshot":true,"server_time":1.0}]"#);
        conn.send(&format!(r#"42["devices_update",{change}]"#));
    });
    let dir = tempfile::tempdir().unwrap();
    let _console = headless(&server.url(), dir.path());

    let csv = wait_for(LIMIT, "the status change in the journal", || {
        report(&["journal", "--csv", "--kind", "device"], dir.path())
            .filter(|csv| csv.contains("device_status"))
    });
    let state = report(&["state"], dir.path()).expect("state");
    let journal = report(&["journal"], dir.path()).expect("journal");
    for (what, text) in [
        ("state", &state),
        ("journal", &journal),
        ("journal --csv", &csv),
    ] {
        let raw: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && !matches!(c, '\n' | '\r'))
            .collect();
        assert!(raw.is_empty(), "{what} printed {raw:?}: {text:?}");
        assert!(
            !text.contains("\nFAKE LINE"),
            "{what} let the name start a line: {text:?}"
        );
        assert!(text.contains("\\u{1b}]0;owned"), "{what}: {text:?}");
    }
    let row = csv
        .lines()
        .find(|line| line.contains("device_status"))
        .unwrap();
    assert!(
        row.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\","),
        "the id is a formula in a spreadsheet: {row}"
    );
}
