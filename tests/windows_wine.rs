//! The real Windows exe under Wine, against the Flask test peer: headless it fills its
//! cache and the Windows CLI reads it, relay commands from the CLI are applied exactly
//! once (also across a hard kill while the plant was away), the token is kept in
//! Windows' Credential Manager and used, a second console on a folder in use is refused,
//! and Ctrl+C (which Wine makes of a SIGINT) stops it cleanly.
//!
//! The tests share one Wine prefix (making one takes seconds, 20 and more under load; a
//! program in it a fraction of one) and run in parallel; each has data folders of its
//! own inside the prefix's drive C, given to the exe as `C:\…` paths.
//!
//! Linux only: on a Windows host the exe runs as itself, and there is no Wine.

#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use test_support::flask::FlaskPlant;
use test_support::wine::{output_within, windows_exe, WinePrefix};
use test_support::{wait_for, KillOnDrop};

/// How long anything here may take: a Windows program under Wine starts in a fraction
/// of a second on an idle machine, far slower while the suite's builds share two cores.
const LIMIT: Duration = Duration::from_secs(60);

/// The Windows exe in the shared prefix, and the data folders of one test.
struct Windows {
    exe: PathBuf,
    prefix: &'static WinePrefix,
}

/// A data folder inside the prefix's drive C: the Linux path for looking at its files,
/// the Windows path for the exe. Removed when dropped.
struct DataDir {
    dir: tempfile::TempDir,
    windows: String,
}

impl DataDir {
    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Windows {
    fn new() -> Windows {
        Windows {
            exe: windows_exe(),
            prefix: WinePrefix::shared(),
        }
    }

    fn data_dir(&self) -> DataDir {
        let dir = tempfile::Builder::new()
            .prefix("plant-data-")
            .tempdir_in(self.prefix.drive_c())
            .expect("make a data folder in drive C");
        let windows = self.prefix.windows_path(dir.path());
        DataDir { dir, windows }
    }

    /// The exe with `args` and `--data-dir` on `data`, quiet unless it fails.
    fn command(&self, args: &[&str], data: &DataDir) -> Command {
        let mut command = self.prefix.command(&self.exe);
        command
            .args(args)
            .args(["--data-dir", &data.windows])
            .env("RUST_LOG", "warn")
            .env_remove("PLANT_SERVER")
            .env_remove("PLANT_TOKEN");
        command
    }

    /// Runs a CLI command with `input` on its standard input.
    fn run(&self, args: &[&str], data: &DataDir, input: &str) -> Output {
        output_within(&mut self.command(args, data), input, LIMIT)
    }

    /// Runs a CLI command and returns its standard output; fails the test when it fails.
    fn cli(&self, args: &[&str], data: &DataDir) -> String {
        let output = self.run(args, data, "");
        assert!(
            output.status.success(),
            "{args:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("the output is UTF-8")
    }

    fn cli_json(&self, args: &[&str], data: &DataDir) -> Value {
        serde_json::from_str(&self.cli(args, data)).expect("the output is JSON")
    }

    /// `state --json`, or `None` while there is no cache yet.
    fn state_once_ready(&self, data: &DataDir) -> Option<Value> {
        let output = self.run(&["state", "--json"], data, "");
        if !output.status.success() {
            return None;
        }
        serde_json::from_slice(&output.stdout).ok()
    }

    /// The outbox by request id.
    fn outbox(&self, data: &DataDir) -> HashMap<String, Value> {
        let list: Vec<Value> =
            serde_json::from_value(self.cli_json(&["outbox", "--json"], data)).unwrap();
        list.into_iter()
            .map(|c| (c["request_id"].as_str().unwrap().to_owned(), c))
            .collect()
    }

    /// The console headless against `url`, with extra options.
    fn headless(&self, url: &str, data: &DataDir, extra: &[&str]) -> KillOnDrop {
        let mut args = vec!["--headless", "--server", url];
        args.extend_from_slice(extra);
        KillOnDrop(
            self.command(&args, data)
                .stdout(Stdio::null())
                .spawn()
                .expect("start the headless console under Wine"),
        )
    }

    /// Waits until the console on `data` has the whole plant in its cache. The peer's
    /// client count comes first: it costs no Windows process to look at.
    fn wait_filled(&self, flask: &FlaskPlant, data: &DataDir) -> Value {
        wait_for(LIMIT, "the console to connect to the plant", || {
            (flask.clients() >= 1).then_some(())
        });
        wait_for(LIMIT, "the cache to hold the plant", || {
            let state = self.state_once_ready(data)?;
            let full =
                state["devices"].as_array()?.len() == 12 && state["relays"].as_array()?.len() == 6;
            full.then_some(state)
        })
    }
}

/// Sends `signal` to a process from Linux: to the Wine loader's process, which is the
/// Windows process itself.
fn signal(console: &KillOnDrop, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &console.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {signal} failed");
}

/// A relay's cached entry in `state --json`.
fn relay<'s>(state: &'s Value, id: &str) -> &'s Value {
    state["relays"]
        .as_array()
        .expect("relays")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no relay {id} in {state}"))
}

#[test]
fn headless_windows_console_syncs_the_plant_and_the_windows_cli_reads_it_back() {
    let windows = Windows::new();
    let flask = FlaskPlant::start(&["--no-sim"]);
    let data = windows.data_dir();
    let _console = windows.headless(&flask.url(), &data, &[]);

    let state = windows.wait_filled(&flask, &data);
    let ids: Vec<&str> = state["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (1..=12).map(|i| format!("dev-{i:02}")).collect();
    assert_eq!(ids, expected, "the peer's devices, in order");
    assert!(state["system_stats"].is_object(), "{state}");
    // The cache is where the Windows build keeps it: under the data folder given as a
    // C:\ path, in the prefix's drive C.
    assert!(data.path().join("plants").is_dir());
    let text = windows.cli(&["state"], &data);
    assert!(text.contains("Devices (12)"), "{text}");
}

#[test]
fn a_relay_command_from_the_windows_cli_is_applied_exactly_once_by_the_plant() {
    let windows = Windows::new();
    let flask = FlaskPlant::start(&["--no-sim"]);
    let data = windows.data_dir();
    let _console = windows.headless(&flask.url(), &data, &[]);
    windows.wait_filled(&flask, &data);

    let id = windows
        .cli(&["relay", "set", "rly-02", "on"], &data)
        .trim()
        .to_owned();
    wait_for(LIMIT, "the plant to apply the command", || {
        (flask.applied() >= 1).then_some(())
    });
    wait_for(LIMIT, "the command to be confirmed", || {
        (windows.outbox(&data)[&id]["status"] == "confirmed").then_some(())
    });
    assert_eq!(flask.applied_ids(), [id]);
    wait_for(LIMIT, "the relay to show on in the cache", || {
        (relay(&windows.state_once_ready(&data)?, "rly-02")["state"] == true).then_some(())
    });
}

#[test]
fn a_command_queued_while_the_plant_is_away_survives_a_hard_kill_and_is_applied_once() {
    let windows = Windows::new();
    let flask = FlaskPlant::start(&["--no-sim"]);
    let port = flask.port;
    let url = flask.url();
    let data = windows.data_dir();
    let mut console = windows.headless(&url, &data, &[]);
    windows.wait_filled(&flask, &data);

    // The plant goes away; the command can only wait in the outbox.
    flask.kill();
    let id = windows
        .cli(&["relay", "set", "rly-03", "on", "--ttl", "600"], &data)
        .trim()
        .to_owned();
    assert_eq!(windows.outbox(&data)[&id]["status"], "queued");

    // A hard kill, as a power cut or the task manager's "End task" would.
    signal(&console, "-KILL");
    let status = console.wait_exit(LIMIT);
    assert!(
        !status.success(),
        "a hard kill ends with a failure: {status}"
    );

    let flask = FlaskPlant::start_on(port, &["--no-sim"]);
    let _console = windows.headless(&url, &data, &[]);
    wait_for(LIMIT, "the plant to apply the command", || {
        (flask.applied() >= 1).then_some(())
    });
    wait_for(LIMIT, "the command to be confirmed", || {
        (windows.outbox(&data)[&id]["status"] == "confirmed").then_some(())
    });
    assert_eq!(flask.applied_ids(), [id], "applied once, and only this one");
}

#[test]
fn the_token_is_kept_in_the_credential_manager_and_lets_a_headless_console_into_the_plant() {
    let windows = Windows::new();
    let flask = FlaskPlant::start(&["--no-sim", "--token", "wine-token-1"]);
    let url = flask.url();
    let data = windows.data_dir();

    let set = windows.run(&["token", "set", "--server", &url], &data, "wine-token-1\n");
    assert!(
        set.status.success(),
        "token set: {}",
        String::from_utf8_lossy(&set.stderr)
    );
    let status = windows.cli_json(&["token", "status", "--json", "--server", &url], &data);
    assert_eq!(status["storage"], "keyring", "{status}");
    assert_eq!(status["present"], true, "{status}");
    assert!(
        !data.path().join("tokens.json").exists(),
        "the token is not also in the file"
    );

    // No --token-file and no PLANT_TOKEN: the token can only come from the Credential
    // Manager, and without it the plant lets no one in.
    let _console = windows.headless(&url, &data, &[]);
    let state = windows.wait_filled(&flask, &data);
    assert_eq!(state["devices"].as_array().unwrap().len(), 12);
}

#[test]
fn a_second_headless_windows_console_on_a_folder_in_use_is_refused_naming_the_first() {
    let windows = Windows::new();
    let flask = FlaskPlant::start(&["--no-sim"]);
    let data = windows.data_dir();
    let mut first = windows.headless(&flask.url(), &data, &[]);
    windows.wait_filled(&flask, &data);

    let mut second = KillOnDrop(
        windows
            .command(&["--headless", "--server", &flask.url()], &data)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the second console"),
    );
    // Without the lock the second console would run on: the wait fails the test.
    let status = second.wait_exit(LIMIT);
    assert!(!status.success(), "the second console must exit non-zero");
    let mut stderr = String::new();
    second
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    // The holder's Windows process id (Wine's, not Linux's), as the first one wrote it.
    let holder: Value =
        serde_json::from_slice(&std::fs::read(data.path().join("console.holder")).unwrap())
            .expect("the lock file names its holder");
    let pid = holder["pid"].as_u64().expect("a pid");
    assert!(
        stderr.contains("is in use by another Plant Console")
            && stderr.contains(&format!("process {pid} ("))
            && stderr.contains("plant-console.exe, headless"),
        "{stderr}"
    );
    assert!(
        first.0.try_wait().unwrap().is_none(),
        "the first console still runs"
    );
    assert!(windows.state_once_ready(&data).is_some());
}

#[test]
fn sigint_reaches_the_windows_console_as_ctrl_c_and_it_flushes_and_exits_cleanly() {
    let windows = Windows::new();
    let flask = FlaskPlant::start(&["--no-sim"]);
    let data = windows.data_dir();
    // Info level, for the log file's "stopping" line.
    let mut console = KillOnDrop(
        windows
            .command(&["--headless", "--server", &flask.url()], &data)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the headless console"),
    );
    windows.wait_filled(&flask, &data);
    flask.set_relay("rly-04", true, "shift-lead");
    wait_for(LIMIT, "the plant's relay change in the cache", || {
        let state = windows.state_once_ready(&data)?;
        (relay(&state, "rly-04")["changed_by"] == "shift-lead").then_some(())
    });

    // Wine turns a SIGINT into the console's Ctrl+C event, which is what the console
    // waits for on Windows; its default handling would end the process with
    // STATUS_CONTROL_C_EXIT instead of 0.
    signal(&console, "-INT");
    let status = console.wait_exit(LIMIT);
    assert!(
        status.success(),
        "Ctrl+C must end the console with 0, got {status}"
    );
    let log = std::fs::read_to_string(data.path().join("logs/plant-console.log"))
        .expect("the console's log file");
    assert!(log.contains("stopping: flushing the store"), "{log}");

    drop(flask);
    let offline = windows.cli_json(&["state", "--json"], &data);
    assert_eq!(relay(&offline, "rly-04")["state"], true, "{offline}");
    assert_eq!(offline["devices"].as_array().unwrap().len(), 12);
}
