//! Sign-in on the command line, with the real `plant-console-headless` recording the
//! in-process reference plant: `operators add` keeps Argon2id hashes only; with an
//! operators file, `relay set` and the alarm subcommands need `--operator` and the
//! password on stdin, a viewer is refused, an operator's switch reaches the plant as
//! `changed_by`, repeated failures lock the name out, and a file others can write to is
//! refused. No password is left in any file of the data folder.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use test_support::{wait_for, KillOnDrop};

const BIN: &str = env!("CARGO_BIN_EXE_plant-console-headless");
const VIEWER_PASSWORD: &str = "viewer-Secret-7731";
const OPERATOR_PASSWORD: &str = "operator-Secret-4409";

/// Runs the binary with `stdin` as its standard input (a pipe, so passwords are read
/// from it, as a script would give them).
fn run(args: &[&str], data_dir: &Path, stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "info")
        .env_remove("PLANT_SERVER")
        // The tests never read the machine's site file.
        .env("PLANT_OPERATORS_SITE", data_dir.join("no-site-file.json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run plant-console-headless");
    // A command refused before it reads its password (an unsafe operators file) may
    // have ended already: its closed pipe is no failure of the test.
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    if let Err(error) = written {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn state(data_dir: &Path) -> Option<Value> {
    let output = run(&["state", "--json"], data_dir, "");
    output
        .status
        .success()
        .then(|| serde_json::from_slice(&output.stdout).ok())?
}

/// Every file under `dir`, read whole.
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().map_while(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                found.push((path, bytes));
            }
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test]
fn with_sign_in_on_the_cli_refuses_a_viewer_and_nobody_and_switches_for_an_operator_by_name() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(async {
            plant_server::start(
                tokio::net::TcpListener::bind("127.0.0.1:0").await?,
                plant_server::ServerConfig {
                    sim_interval: None,
                    seed: Some(5),
                    ..plant_server::ServerConfig::default()
                },
            )
            .await
            .map_err(std::io::Error::other)
        })
        .expect("the reference plant starts");
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();

    // Operators, with their passwords on stdin.
    for (name, role, password) in [
        ("vera", "viewer", VIEWER_PASSWORD),
        ("otto", "operator", OPERATOR_PASSWORD),
    ] {
        let added = run(
            &["operators", "add", name, "--role", role],
            &data_dir,
            &format!("{password}\n"),
        );
        assert!(added.status.success(), "{}", stderr(&added));
    }
    let file = data_dir.join("operators.json");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.matches("$argon2id$").count(), 2, "{text}");
    assert!(!text.contains(VIEWER_PASSWORD) && !text.contains(OPERATOR_PASSWORD));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the operators file is the user's alone");
    }
    let listed = run(&["operators", "list", "--json"], &data_dir, "");
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert!(
        !listed.to_string().contains("argon2"),
        "the list shows no hashes: {listed}"
    );

    let _recorder = KillOnDrop(
        Command::new(BIN)
            .args(["--server", &format!("http://{}", server.local_addr())])
            .arg("--data-dir")
            .arg(&data_dir)
            .env("RUST_LOG", "info")
            .env("PLANT_OPERATORS_SITE", data_dir.join("no-site-file.json"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start plant-console-headless"),
    );
    let live = wait_for(
        Duration::from_secs(30),
        "the cache to hold the plant",
        || {
            let state = state(&data_dir)?;
            (!state["relays"].as_array()?.is_empty()).then_some(state)
        },
    );
    let relay = live["relays"][0]["id"].as_str().unwrap().to_owned();
    let before = live["relays"][0]["state"].as_bool().unwrap();
    let wanted = if before { "off" } else { "on" };

    // Nobody named: refused, saying how.
    let nobody = run(&["relay", "set", &relay, wanted], &data_dir, "");
    assert!(!nobody.status.success());
    assert!(
        stderr(&nobody).contains("--operator NAME"),
        "{}",
        stderr(&nobody)
    );

    // A viewer, with the right password: refused for the role.
    let viewer = run(
        &["relay", "set", &relay, wanted, "--operator", "vera"],
        &data_dir,
        &format!("{VIEWER_PASSWORD}\n"),
    );
    assert!(!viewer.status.success());
    assert!(
        stderr(&viewer).contains("viewer may not"),
        "{}",
        stderr(&viewer)
    );
    let viewer_ack = run(
        &["alarms", "ack", "1", "--operator", "vera", "--wait", "1"],
        &data_dir,
        &format!("{VIEWER_PASSWORD}\n"),
    );
    assert!(!viewer_ack.status.success());
    assert!(
        stderr(&viewer_ack).contains("viewer may not"),
        "{}",
        stderr(&viewer_ack)
    );
    let viewer_shelve = run(
        &[
            "alarms",
            "shelve",
            "1",
            "--minutes",
            "5",
            "--reason",
            "test",
            "--operator",
            "vera",
            "--wait",
            "1",
        ],
        &data_dir,
        &format!("{VIEWER_PASSWORD}\n"),
    );
    assert!(!viewer_shelve.status.success());
    assert!(stderr(&viewer_shelve).contains("viewer may not"));

    // The operator: queued in their name, applied by the plant as changed_by.
    let switched = run(
        &["relay", "set", &relay, wanted, "--operator", "otto"],
        &data_dir,
        &format!("{OPERATOR_PASSWORD}\n"),
    );
    assert!(switched.status.success(), "{}", stderr(&switched));
    wait_for(
        Duration::from_secs(20),
        "the plant to switch the relay in otto's name",
        || {
            let state = state(&data_dir)?;
            let cached = state["relays"]
                .as_array()?
                .iter()
                .find(|r| r["id"] == relay.as_str())?
                .clone();
            (cached["state"] == !before && cached["changed_by"] == "otto").then_some(())
        },
    );
    let outbox = run(&["outbox", "--json"], &data_dir, "");
    assert!(outbox.status.success());
    assert!(
        String::from_utf8_lossy(&outbox.stdout).contains("otto"),
        "the outbox names the operator"
    );

    // Wrong passwords, up to the lock-out; then even the right one is refused.
    for _ in 0..5 {
        let wrong = run(
            &["relay", "set", &relay, wanted, "--operator", "otto"],
            &data_dir,
            "not-the-password\n",
        );
        assert!(!wrong.status.success());
    }
    let locked = run(
        &["relay", "set", &relay, wanted, "--operator", "otto"],
        &data_dir,
        &format!("{OPERATOR_PASSWORD}\n"),
    );
    assert!(!locked.status.success());
    assert!(
        stderr(&locked).contains("locked_out"),
        "{}",
        stderr(&locked)
    );

    // A file anyone can write to is refused, with what to do about it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        let unsafe_file = run(
            &["relay", "set", &relay, wanted, "--operator", "vera"],
            &data_dir,
            &format!("{VIEWER_PASSWORD}\n"),
        );
        assert!(!unsafe_file.status.success());
        assert!(
            stderr(&unsafe_file).contains("anyone can write to it"),
            "{}",
            stderr(&unsafe_file)
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    // No password anywhere in the data folder: cache, logs, failure log, operators file.
    for (path, bytes) in files_under(&data_dir) {
        for password in [VIEWER_PASSWORD, OPERATOR_PASSWORD] {
            assert!(
                !contains(&bytes, password),
                "{} holds a password",
                path.display()
            );
        }
    }
    runtime.block_on(server.shutdown());
}

#[test]
fn each_change_of_the_operators_file_is_in_its_history_by_account_and_never_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path();
    let ok = |output: Output| {
        assert!(output.status.success(), "{}", stderr(&output));
        output
    };
    ok(run(
        &["operators", "add", "ana", "--role", "operator"],
        data_dir,
        &format!("{OPERATOR_PASSWORD}\n"),
    ));
    ok(run(
        &["operators", "passwd", "ana"],
        data_dir,
        &format!("{VIEWER_PASSWORD}\n"),
    ));
    ok(run(&["operators", "remove", "ana"], data_dir, ""));

    let output = ok(run(&["operators", "history", "--json"], data_dir, ""));
    let history: Value = serde_json::from_slice(&output.stdout).unwrap();
    let changes = history["changes"].as_array().expect("the changes");
    let seen: Vec<(&str, &str, &str)> = changes
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap(),
                c["name"].as_str().unwrap(),
                c["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("added", "ana", "operator"),
            ("password_changed", "ana", "operator"),
            ("removed", "ana", "operator"),
        ]
    );
    let user = console_core::audit::Actor::current().user;
    assert!(
        changes.iter().all(|c| c["user"] == user.as_str()),
        "{changes:?}"
    );
    let text = ok(run(&["operators", "history"], data_dir, ""));
    let text = String::from_utf8_lossy(&text.stdout);
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("ana (operator)\tremoved\tby "), "{text}");
    for (path, bytes) in files_under(data_dir) {
        for secret in [OPERATOR_PASSWORD, VIEWER_PASSWORD, "$argon2id$"] {
            if path.ends_with("operators.history.jsonl") {
                assert!(!contains(&bytes, secret), "{secret} in {}", path.display());
            }
        }
    }

    // A history others could write to is refused, and the file is not changed.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let history_file = data_dir.join("operators.history.jsonl");
        std::fs::set_permissions(&history_file, std::fs::Permissions::from_mode(0o666)).unwrap();
        let before = std::fs::read(data_dir.join("operators.json")).unwrap();
        let refused = run(
            &["operators", "add", "bo", "--role", "viewer"],
            data_dir,
            &format!("{VIEWER_PASSWORD}\n"),
        );
        assert!(!refused.status.success());
        assert!(
            stderr(&refused).contains("anyone can write to it"),
            "{}",
            stderr(&refused)
        );
        assert_eq!(
            std::fs::read(data_dir.join("operators.json")).unwrap(),
            before
        );
    }
}
