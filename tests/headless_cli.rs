//! The real `plant-console` binary, headless and offline: it fills its cache from a live
//! plant, exits cleanly on SIGTERM, and `state` reads the cache with no server at all.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use test_support::wait_for;

mod common;

use common::{cli_json, cli_json_once_ready, headless, start_reference, BIN};

fn state_json(dir: &Path) -> Value {
    cli_json(&["state", "--json"], dir)
}

/// The state once the console has created its cache.
fn state_once_ready(dir: &Path) -> Option<Value> {
    cli_json_once_ready(&["state", "--json"], dir)
}

#[test]
fn headless_console_fills_the_cache_and_state_reads_it_after_the_server_is_gone() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = plant_server::ServerConfig {
        token: Some("t-123".into()),
        sim_interval: None,
        seed: Some(3),
        ..plant_server::ServerConfig::default()
    };
    let server = start_reference(&runtime, config);
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "t-123\n").unwrap();
    let data_dir = dir.path().join("data");

    let token_arg = token_file.to_str().unwrap().to_owned();
    let mut console = headless(
        &format!("http://{}", server.local_addr()),
        &data_dir,
        &["--token-file", &token_arg],
    );

    let live = wait_for(
        Duration::from_secs(30),
        "the cache to hold the plant",
        || {
            let state = state_once_ready(&data_dir)?;
            let ready = state["devices"].as_array()?.len() == 12
                && state["relays"].as_array()?.len() == 6
                && state["system_stats"].is_object();
            ready.then_some(state)
        },
    );
    let device = &live["devices"][0];
    for field in [
        "id",
        "name",
        "kind",
        "status",
        "value",
        "unit",
        "last_seen",
        "received_at",
    ] {
        assert!(
            device.get(field).is_some(),
            "device lacks {field}: {device}"
        );
    }
    assert!(
        live["relays"][0].get("changed_by").is_some()
            && live["relays"][0].get("received_at").is_some()
    );

    let relay = live["relays"][0]["id"].as_str().unwrap().to_owned();
    let before = live["relays"][0]["state"].as_bool().unwrap();
    server
        .plant()
        .set_relay(&relay, !before, "shift-lead")
        .unwrap();
    wait_for(
        Duration::from_secs(20),
        "the relay change in the cache",
        || {
            let state = state_json(&data_dir);
            let cached = state["relays"]
                .as_array()?
                .iter()
                .find(|r| r["id"] == relay.as_str())?
                .clone();
            (cached["state"] == !before && cached["changed_by"] == "shift-lead").then_some(())
        },
    );

    let pid = console.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = console.wait_exit(Duration::from_secs(20));
    assert!(
        status.success(),
        "SIGTERM must end the console with 0, got {status}"
    );
    runtime.block_on(server.shutdown());

    let offline = state_json(&data_dir);
    assert_eq!(offline["devices"].as_array().unwrap().len(), 12);
    assert!(offline["last_contact"].as_f64().unwrap() > 1.0e9);
    let cached = offline["relays"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == relay.as_str())
        .unwrap();
    assert_eq!(cached["state"], !before);

    let text = Command::new(BIN)
        .args(["state", "--data-dir"])
        .arg(&data_dir)
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("Devices (12)") && text.contains("shift-lead"),
        "{text}"
    );
}

#[test]
fn state_of_a_data_folder_without_a_cache_says_so_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["state", "--json", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "an empty report would read as an empty plant"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("there is no cache"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn console_without_a_plant_says_how_to_give_one() {
    let output = Command::new(BIN)
        .arg("--headless")
        .env_remove("PLANT_SERVER")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--server URL"));
}

#[test]
fn a_headless_console_given_two_servers_fails_over_and_state_names_the_standby() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let standby = start_reference(
        &runtime,
        plant_server::ServerConfig {
            sim_interval: None,
            ..plant_server::ServerConfig::default()
        },
    );
    // The primary's port, reserved and left empty: nobody answers there.
    let primary = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let primary_url = format!("http://{}", primary.local_addr().unwrap());
    drop(primary);
    let standby_url = format!("http://{}", standby.local_addr());
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let _console = headless(
        &primary_url,
        &data_dir,
        &["--server", &standby_url, "--prefer-primary-after", "3600"],
    );
    let state = wait_for(
        Duration::from_secs(30),
        "state --json to name the standby",
        || {
            let state = state_once_ready(&data_dir)?;
            (state["link"]["address"] == standby_url.as_str()).then_some(state)
        },
    );
    let link = &state["link"];
    assert_eq!(link["role"], "standby", "{link}");
    assert_eq!(link["index"], 1, "{link}");
    assert_eq!(link["failovers"], 1, "{link}");
    assert_eq!(link["last_failover_from"], primary_url.as_str(), "{link}");
    assert!(link["last_failover_at"].as_f64().unwrap() > 1.0e9, "{link}");
    // The plant is known by its primary address: one cache, named after it.
    let plants: Vec<_> = std::fs::read_dir(data_dir.join("plants"))
        .unwrap()
        .collect();
    assert_eq!(plants.len(), 1, "{plants:?}");
}
