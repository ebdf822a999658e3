//! The real window on a private desktop (Xvfb + a session bus of the test's own): a second
//! window start on the same data folder is refused, naming the running window, exits
//! non-zero, and brings the running window to the front through Tauri's single-instance
//! plugin; a window on another data folder runs beside it.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{start_reference, BIN};
use test_support::desktop::Desktop;
use test_support::{wait_for, KillOnDrop};

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

fn window(desktop: &Desktop, url: &str, data_dir: &Path) -> (KillOnDrop, Arc<Mutex<Vec<String>>>) {
    let mut app = KillOnDrop(
        Command::new(BIN)
            .args(["--server", url, "--data-dir"])
            .arg(data_dir)
            .envs(desktop.env())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the console window"),
    );
    let log = collect(app.0.stderr.take().unwrap());
    (app, log)
}

fn said(log: &Arc<Mutex<Vec<String>>>, text: &str) -> bool {
    log.lock().unwrap().iter().any(|line| line.contains(text))
}

#[test]
fn a_second_window_start_is_refused_and_brings_the_running_window_to_the_front() {
    let desktop = Desktop::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = start_reference(
        &runtime,
        plant_server::ServerConfig {
            sim_interval: None,
            seed: Some(2),
            ..plant_server::ServerConfig::default()
        },
    );
    let url = format!("http://{}", server.local_addr());
    let data_dir = desktop.scratch().join("data");
    let (first, first_log) = window(&desktop, &url, &data_dir);
    wait_for(LIMIT, "the first window's link to go live", || {
        said(&first_log, "plant link live").then_some(())
    });

    let (mut second, second_log) = window(&desktop, &url, &data_dir);
    let status = second.wait_exit(LIMIT);
    assert!(!status.success(), "the second start must exit non-zero");
    let pid = first.0.id();
    wait_for(LIMIT, "the refusal naming the first window", || {
        (said(&second_log, "is in use by another Plant Console")
            && said(&second_log, &format!("process {pid} "))
            && said(&second_log, "with a window"))
        .then_some(())
    });
    assert!(
        said(&second_log, "window was brought to the front"),
        "{:?}",
        second_log.lock().unwrap()
    );
    wait_for(LIMIT, "the first window to be asked to the front", || {
        said(
            &first_log,
            "a second window start brought this window to the front",
        )
        .then_some(())
    });

    // Another data folder is another console: its window opens beside the first.
    let (_other, other_log) = window(&desktop, &url, &desktop.scratch().join("other"));
    wait_for(LIMIT, "the other folder's window to go live", || {
        said(&other_log, "plant link live").then_some(())
    });
    drop(first);
    runtime.block_on(server.shutdown());
}
