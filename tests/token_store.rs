//! The plant token's store on a real desktop session, through the real binary: with no
//! keyring that stores secrets (the test's bus may start gnome-keyring, but its keyring
//! stays locked with no one to unlock it) the token goes to a file only the user can read
//! and the CLI says why; with gnome-keyring's Secret Service it goes to the keyring (not the file),
//! and a headless console reaches a plant that demands it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use plant_server::ServerConfig;
use serde_json::Value;
use test_support::desktop::Desktop;
use test_support::{wait_for, KillOnDrop};

mod common;

/// Runs the CLI on `desktop`'s session with `input` on standard input.
fn run(desktop: &Desktop, args: &[&str], data_dir: &Path, input: &str) -> String {
    let mut child = Command::new(common::BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .envs(desktop.env())
        .env_remove("PLANT_SERVER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run plant-console");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn status(desktop: &Desktop, url: &str, data_dir: &Path) -> Value {
    let text = run(
        desktop,
        &["token", "status", "--json", "--server", url],
        data_dir,
        "",
    );
    serde_json::from_str(&text).unwrap()
}

#[test]
fn without_an_unlocked_keyring_the_token_goes_to_a_file_only_the_user_can_read() {
    let desktop = Desktop::start();
    let data_dir = desktop.scratch().join("data");
    let url = "http://plant.example:5000";
    let said = run(
        &desktop,
        &["token", "set", "--server", url],
        &data_dir,
        "s3cret-token\n",
    );
    assert!(said.contains("tokens.json"), "{said:?}");
    let status = status(&desktop, url, &data_dir);
    assert_eq!(status["storage"], "file");
    assert_eq!(status["present"], true);
    assert!(status["keyring_problem"].is_string(), "{status}");
    let file = data_dir.join("tokens.json");
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("s3cret-token"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(
        !run(
            &desktop,
            &["token", "status", "--server", url],
            &data_dir,
            ""
        )
        .contains("s3cret"),
        "the status never shows the token"
    );
    run(
        &desktop,
        &["token", "clear", "--server", url],
        &data_dir,
        "",
    );
    assert_eq!(self::status(&desktop, url, &data_dir)["present"], false);
}

#[test]
fn with_a_secret_service_the_token_goes_to_the_keyring_and_reaches_the_plant() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = common::start_reference(
        &runtime,
        ServerConfig {
            token: Some("keyring-token".into()),
            sim_interval: None,
            ..ServerConfig::default()
        },
    );
    let url = format!("http://{}", server.local_addr());
    let desktop = Desktop::start();
    let _keyring = desktop.start_keyring();
    let data_dir = desktop.scratch().join("data");

    let said = run(
        &desktop,
        &["token", "set", "--server", &url],
        &data_dir,
        "keyring-token\n",
    );
    assert!(said.contains("OS keyring"), "{said:?}");
    let status = status(&desktop, &url, &data_dir);
    assert_eq!(status["storage"], "keyring", "{status}");
    assert_eq!(status["present"], true);
    assert!(
        !data_dir.join("tokens.json").exists(),
        "the token is not also in the file"
    );

    // No --token-file and no PLANT_TOKEN: the token can only come from the keyring.
    let _console = KillOnDrop(
        Command::new(common::BIN)
            .args(["--headless", "--server", &url, "--data-dir"])
            .arg(&data_dir)
            .envs(desktop.env())
            .env_remove("PLANT_TOKEN")
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("start the headless console"),
    );
    wait_for(
        Duration::from_secs(30),
        "the plant to let the console in",
        || (server.plant().connected_clients() == 1).then_some(()),
    );
    drop(_console);
    runtime.block_on(server.shutdown());
}
