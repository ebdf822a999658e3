//! The real binary: one console per data folder (a second one is refused at once, naming
//! the first), and the reading commands (`state`, `journal`, `outbox`, `audit verify`)
//! work beside a running console and never create, migrate, rename or set aside
//! anything, also on a missing or unreadable cache.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use test_support::{wait_for, KillOnDrop};

mod common;

use common::{cli_json_once_ready, headless, names, start_reference, tree, BIN};

/// The reading commands, as the operator types them.
const READERS: [&[&str]; 4] = [
    &["state", "--json"],
    &["journal", "--json"],
    &["outbox", "--json"],
    &["audit", "verify"],
];

fn run(args: &[&str], data_dir: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run plant-console")
}

fn quiet_plant(runtime: &tokio::runtime::Runtime) -> plant_server::RunningServer {
    start_reference(
        runtime,
        plant_server::ServerConfig {
            sim_interval: None,
            seed: Some(7),
            ..plant_server::ServerConfig::default()
        },
    )
}

/// Waits until the headless console on `data_dir` has the plant in its cache.
fn wait_filled(data_dir: &Path) {
    wait_for(
        Duration::from_secs(30),
        "the cache to hold the plant",
        || {
            let state = cli_json_once_ready(&["state", "--json"], data_dir)?;
            (state["relays"].as_array()?.len() == 6).then_some(())
        },
    );
}

fn stop(mut console: KillOnDrop) {
    let pid = console.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert!(console.wait_exit(Duration::from_secs(20)).success());
}

#[test]
fn a_second_headless_console_on_a_folder_in_use_is_refused_naming_the_first() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = quiet_plant(&runtime);
    let url = format!("http://{}", server.local_addr());
    let dir = tempfile::tempdir().unwrap();
    let first = headless(&url, dir.path(), &[]);
    wait_filled(dir.path());

    let mut second = KillOnDrop(
        Command::new(BIN)
            .args(["--headless", "--server", &url, "--data-dir"])
            .arg(dir.path())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // Without the lock the second console would run on: the wait fails the test.
    let status = second.wait_exit(Duration::from_secs(20));
    assert!(!status.success(), "the second console must exit non-zero");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut second.0.stderr.take().unwrap(), &mut stderr).unwrap();
    let pid = first.0.id();
    assert!(
        stderr.contains("is in use by another Plant Console")
            && stderr.contains(&format!("process {pid} "))
            && stderr.contains("headless"),
        "{stderr}"
    );
    // The first one is untouched by the attempts and still runs.
    assert!(cli_json_once_ready(&["state", "--json"], dir.path()).is_some());
    stop(first);
    runtime.block_on(server.shutdown());
}

#[test]
fn reading_commands_work_beside_a_running_console_and_change_nothing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = quiet_plant(&runtime);
    let url = format!("http://{}", server.local_addr());
    let dir = tempfile::tempdir().unwrap();
    let console = headless(&url, dir.path(), &[]);
    wait_filled(dir.path());
    // A command in the outbox and in the audit trail (queued beside the console, which
    // sends it).
    let queued = run(&["relay", "set", "relay-01", "on"], dir.path());
    assert!(
        queued.status.success(),
        "{}",
        String::from_utf8_lossy(&queued.stderr)
    );
    wait_for(
        Duration::from_secs(20),
        "the command to be confirmed",
        || {
            let outbox = cli_json_once_ready(&["outbox", "--json"], dir.path())?;
            (outbox[0]["status"] == "confirmed").then_some(())
        },
    );

    // Beside the running console: each reader answers, and no file appears or goes.
    let running = names(dir.path());
    for args in READERS {
        let output = run(args, dir.path());
        assert!(
            output.status.success(),
            "{args:?} beside a running console: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(names(dir.path()), running);
    let verify = run(&["audit", "verify"], dir.path());
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(
        said.contains("audit trail intact") && said.contains("anchored through entry"),
        "{said}"
    );

    // After it stopped: byte for byte the same folder.
    stop(console);
    runtime.block_on(server.shutdown());
    let before = tree(dir.path());
    for args in READERS {
        assert!(run(args, dir.path()).status.success(), "{args:?}");
    }
    let after = tree(dir.path());
    assert_eq!(
        after.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        before.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        "the readers created or removed files"
    );
    assert!(after == before, "the readers changed a file");
}

#[test]
fn reading_commands_on_a_folder_without_a_cache_fail_clearly_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for args in READERS {
        let output = run(args, dir.path());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded on no cache");
        assert!(stderr.contains("there is no cache"), "{args:?}: {stderr}");
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("intact"),
            "{args:?}"
        );
    }
    assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
}

#[test]
fn audit_verify_on_an_unreadable_cache_cannot_verify_and_leaves_it_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    // A cache file that is not a database, where a console from before the per-plant
    // layout kept it.
    let garbage = b"not a database at all, only bytes ".repeat(300);
    std::fs::write(dir.path().join("console.db"), &garbage).unwrap();
    let before = tree(dir.path());
    for args in READERS {
        let output = run(args, dir.path());
        assert!(!output.status.success(), "{args:?} on garbage");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!stdout.contains("intact"), "{args:?}: {stdout}");
    }
    let output = run(&["audit", "verify"], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot verify the audit trail"), "{stderr}");
    assert_eq!(
        tree(dir.path()),
        before,
        "nothing may be set aside or created"
    );
}
