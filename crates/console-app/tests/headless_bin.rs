//! The real `plant-console-headless` binary: a console run is headless without being
//! told, it records a live plant and stops cleanly, its subcommands are plant-console's,
//! the window's options are refused with a sentence, and (on Linux) it loads no GTK or
//! WebKitGTK library at all.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;
use test_support::{wait_for, KillOnDrop};

const BIN: &str = env!("CARGO_BIN_EXE_plant-console-headless");

fn start_reference(
    runtime: &tokio::runtime::Runtime,
    config: plant_server::ServerConfig,
) -> plant_server::RunningServer {
    runtime
        .block_on(async {
            plant_server::start(tokio::net::TcpListener::bind("127.0.0.1:0").await?, config)
                .await
                .map_err(std::io::Error::other)
        })
        .expect("the reference plant starts")
}

fn run(args: &[&str], data_dir: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .env_remove("PLANT_SERVER")
        .output()
        .expect("run plant-console-headless")
}

/// `state --json` once the recorder has created its cache.
fn state_once_ready(data_dir: &Path) -> Option<Value> {
    let output = run(&["state", "--json"], data_dir);
    if !output.status.success() {
        return None;
    }
    serde_json::from_slice(&output.stdout).ok()
}

#[test]
fn the_recorder_is_headless_unasked_records_the_plant_sends_a_queued_command_and_stops_cleanly() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = start_reference(
        &runtime,
        plant_server::ServerConfig {
            token: Some("t-123".into()),
            sim_interval: None,
            seed: Some(3),
            ..plant_server::ServerConfig::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "t-123\n").unwrap();
    let data_dir = dir.path().join("data");

    // No --headless, and no display is needed: this program has no window to open.
    let mut recorder = KillOnDrop(
        Command::new(BIN)
            .args(["--server", &format!("http://{}", server.local_addr())])
            .arg("--token-file")
            .arg(&token_file)
            .arg("--data-dir")
            .arg(&data_dir)
            .env("RUST_LOG", "warn")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .spawn()
            .expect("start plant-console-headless"),
    );
    let live = wait_for(
        Duration::from_secs(30),
        "the cache to hold the plant",
        || {
            let state = state_once_ready(&data_dir)?;
            let ready =
                state["devices"].as_array()?.len() == 12 && state["relays"].as_array()?.len() == 6;
            ready.then_some(state)
        },
    );
    // The instance lock says which kind of console holds the folder.
    let holder = console_core::instance::holder(&data_dir).expect("the folder's holder is named");
    assert_eq!(holder.mode, console_core::instance::Mode::Headless);

    // A relay command queued with this binary's `relay set` is sent by the recorder.
    let relay = live["relays"][0]["id"].as_str().unwrap().to_owned();
    let before = live["relays"][0]["state"].as_bool().unwrap();
    let wanted = if before { "off" } else { "on" };
    let queued = run(&["relay", "set", &relay, wanted], &data_dir);
    assert!(
        queued.status.success(),
        "{}",
        String::from_utf8_lossy(&queued.stderr)
    );
    wait_for(
        Duration::from_secs(20),
        "the plant to switch the relay",
        || {
            let state = state_once_ready(&data_dir)?;
            let cached = state["relays"]
                .as_array()?
                .iter()
                .find(|r| r["id"] == relay.as_str())?
                .clone();
            (cached["state"] == !before).then_some(())
        },
    );

    #[cfg(unix)]
    {
        let pid = recorder.0.id().to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        let status = recorder.wait_exit(Duration::from_secs(20));
        assert!(status.success(), "SIGTERM must end it with 0, got {status}");
    }
    runtime.block_on(server.shutdown());

    // The journal and the audit trail read the recorder's cache offline.
    let journal = run(&["journal", "--kind", "command"], &data_dir);
    assert!(journal.status.success());
    assert!(
        !String::from_utf8_lossy(&journal.stdout).trim().is_empty(),
        "the command's steps are in the journal"
    );
    let audit = run(&["audit", "verify"], &data_dir);
    assert!(
        audit.status.success() && String::from_utf8_lossy(&audit.stdout).contains("intact"),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
}

#[test]
fn the_window_options_are_refused_with_a_sentence_and_touch_nothing() {
    for option in ["--kiosk", "--leave-kiosk", "--raise-window"] {
        let dir = tempfile::tempdir().unwrap();
        let output = run(&[option, "--server", "http://127.0.0.1:9"], dir.path());
        assert_eq!(output.status.code(), Some(2), "{option}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!(
                "plant-console-headless: {option} needs the console window"
            )) && stderr.contains(&format!("use plant-console {option}")),
            "{option}: {stderr}"
        );
        // Refused before the data folder's lock, the logs or the cache.
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{option}"
        );
    }
}

#[test]
fn help_names_this_program_lists_the_subcommands_and_not_the_window_options() {
    let output = Command::new(BIN).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("plant-console-headless"), "{help}");
    for shown in [
        "state", "relay", "token", "outbox", "audit", "journal", "alarms", "--server",
    ] {
        assert!(help.contains(shown), "help lacks {shown}: {help}");
    }
    for hidden in ["--kiosk", "--leave-kiosk", "--raise-window", "--headless"] {
        assert!(!help.contains(hidden), "help shows {hidden}: {help}");
    }
}

#[test]
fn an_explicit_headless_is_accepted_and_a_console_without_a_plant_says_how_to_give_one() {
    for args in [&[][..], &["--headless"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let output = run(args, dir.path());
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--server URL"), "{args:?}: {stderr}");
    }
}

/// What `ldd` says the binary loads, with a verdict on the window libraries: the crate
/// graph is held by xtask's layering rules, this holds the binary itself (a C library
/// pulled in by a build script, a `-l` flag, a feature of a dependency's dependency).
#[cfg(target_os = "linux")]
#[test]
fn the_binary_loads_no_gtk_webkit_or_javascriptcore() {
    let output = Command::new("ldd")
        .arg(BIN)
        .output()
        .expect("ldd runs (Debian: libc-bin)");
    assert!(
        output.status.success(),
        "ldd failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listing = String::from_utf8_lossy(&output.stdout);
    let libraries: Vec<&str> = listing
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(
        libraries.iter().any(|l| l.starts_with("libc.so")),
        "ldd's listing is not what this test reads: {listing}"
    );
    let window: Vec<&&str> = libraries
        .iter()
        .filter(|l| {
            [
                "libgtk",
                "libgdk",
                "libwebkit",
                "libjavascriptcore",
                "libsoup",
                "libayatana",
                "libappindicator",
            ]
            .iter()
            .any(|w| l.starts_with(w))
        })
        .collect();
    assert!(
        window.is_empty(),
        "plant-console-headless loads window libraries {window:?}:\n{listing}"
    );
}
