//! The real `plant-console` binary's journal: a headless console records what happens at
//! a live plant, and `journal` reads it back from the cache while the console runs.

use std::process::Command;
use std::time::Duration;

use test_support::wait_for;

mod common;

use common::{cli as run_cli, cli_json as json_of, cli_json_once_ready, headless, start_reference};

#[test]
fn a_relay_switched_at_the_plant_shows_in_the_journal_read_from_the_cache() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = plant_server::ServerConfig {
        token: Some("t-123".into()),
        sim_interval: None,
        seed: Some(5),
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

    let relays = wait_for(
        Duration::from_secs(30),
        "the cache to hold the relays",
        || {
            let state = cli_json_once_ready(&["state", "--json"], &data_dir)?;
            let relays = state["relays"].as_array()?.clone();
            (relays.len() == 6).then_some(relays)
        },
    );
    let went_live = wait_for(
        Duration::from_secs(20),
        "the link's going live in the journal",
        || {
            let entries = json_of(&["journal", "--json", "--kind", "link"], &data_dir);
            entries
                .as_array()?
                .iter()
                .find(|e| e["data"]["to"] == "realtime")
                .cloned()
        },
    );
    assert_eq!(
        went_live["text"], "Link changed from Connecting to Real-time",
        "{went_live}"
    );
    // Filling an empty cache is the console learning the plant, not news.
    let everything = json_of(&["journal", "--json"], &data_dir);
    assert!(
        everything
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["kind"].as_str().unwrap().ends_with("_added")),
        "the first snapshot must not journal appearances: {everything}"
    );

    let relay = &relays[0];
    let relay_id = relay["id"].as_str().unwrap().to_owned();
    let before = relay["state"].as_bool().unwrap();
    server
        .plant()
        .set_relay(&relay_id, !before, "shift-lead")
        .unwrap();
    let expected = format!(
        "Relay {} switched {} by shift-lead",
        relay["name"].as_str().unwrap(),
        if before { "OFF" } else { "ON" }
    );
    let entry = wait_for(
        Duration::from_secs(20),
        "the relay switch in the journal",
        || {
            let entries = json_of(&["journal", "--json", "--kind", "relay"], &data_dir);
            entries
                .as_array()?
                .iter()
                .find(|e| e["subject"] == relay_id.as_str())
                .cloned()
        },
    );
    assert_eq!(entry["kind"], "relay_switched");
    assert_eq!(entry["text"], expected.as_str());
    assert_eq!(entry["data"]["to"], !before);
    assert_eq!(entry["data"]["changed_by"], "shift-lead");
    let at = entry["at"].as_f64().unwrap();
    assert!(at > 1.0e9, "{entry}");

    // The same entry as a line for people, as CSV, and filtered out by time.
    let text = run_cli(&["journal", "--kind", "relay_switched"], &data_dir);
    assert!(
        text.lines()
            .any(|l| l.contains("relay_switched") && l.ends_with(&expected)),
        "{text}"
    );
    let csv = run_cli(&["journal", "--csv"], &data_dir);
    assert!(
        csv.starts_with("id,at,time,kind,subject,text,data\r\n"),
        "{csv}"
    );
    assert!(csv.contains(&expected), "{csv}");
    let since = format!("{}", at + 1.0);
    let later = json_of(
        &["journal", "--json", "--kind", "relay", "--since", &since],
        &data_dir,
    );
    assert_eq!(later, serde_json::json!([]));
    let until = json_of(
        &["journal", "--json", "--until", "1970-01-02T00:00:00Z"],
        &data_dir,
    );
    assert_eq!(until, serde_json::json!([]));

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
}

#[test]
fn the_journal_of_a_data_folder_without_a_cache_is_an_error_not_an_empty_journal() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(common::BIN)
        .args(["journal", "--json", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("there is no cache"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
