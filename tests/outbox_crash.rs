//! Crash safety of the outbox with the real binary: commands are queued from the CLI, the
//! headless console is killed with SIGKILL at different moments of a command's life and
//! restarted, and a real plant server that counts applications shows that no command was
//! lost and none was applied twice.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use test_support::flask::FlaskPlant;
use test_support::{wait_for, KillOnDrop};

mod common;

use common::cli;

const LIMIT: Duration = Duration::from_secs(30);

fn headless(url: &str, data_dir: &Path) -> KillOnDrop {
    common::headless(url, data_dir, &[])
}

fn outbox(data_dir: &Path) -> HashMap<String, Value> {
    let list: Vec<Value> = serde_json::from_str(&cli(&["outbox", "--json"], data_dir)).unwrap();
    list.into_iter()
        .map(|c| (c["request_id"].as_str().unwrap().to_owned(), c))
        .collect()
}

fn status_of(data_dir: &Path, id: &str) -> String {
    outbox(data_dir)[id]["status"].as_str().unwrap().to_owned()
}

const FINAL: [&str; 5] = ["confirmed", "failed", "expired", "cancelled", "superseded"];

#[test]
fn killing_the_console_at_any_moment_loses_no_command_and_applies_none_twice() {
    let flask = FlaskPlant::start(&["--no-sim", "--stats-interval", "0.5"]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut console = headless(&flask.url(), &data);
    wait_for(LIMIT, "the console to know the relays", || {
        let state = common::cli_json_once_ready(&["state", "--json"], &data)?;
        (state["relays"].as_array()?.len() == 6).then_some(())
    });

    let mut issued = Vec::new();
    for round in 0..9 {
        let relay = format!("rly-0{}", 1 + round % 3);
        let state = if round % 2 == 0 { "on" } else { "off" };
        let id = cli(&["relay", "set", &relay, state, "--ttl", "120"], &data)
            .trim()
            .to_owned();
        issued.push(id.clone());
        // Kill at three moments of the command's life: right after it was queued, once it
        // has been sent, and after it has finished.
        match round % 3 {
            0 => {}
            1 => wait_for(LIMIT, "the command to be sent", || {
                (status_of(&data, &id) != "queued").then_some(())
            }),
            _ => wait_for(LIMIT, "the command to finish", || {
                FINAL
                    .contains(&status_of(&data, &id).as_str())
                    .then_some(())
            }),
        }
        drop(console); // SIGKILL, then reaped.
        console = headless(&flask.url(), &data);
    }

    let final_states = wait_for(Duration::from_secs(60), "every command to finish", || {
        let all = outbox(&data);
        issued
            .iter()
            .all(|id| {
                all.get(id)
                    .and_then(|c| c["status"].as_str())
                    .is_some_and(|s| FINAL.contains(&s))
            })
            .then_some(all)
    });
    drop(console);

    let applied = flask.applied_ids();
    let unique: BTreeSet<&String> = applied.iter().collect();
    assert_eq!(
        unique.len(),
        applied.len(),
        "a command was applied twice: {applied:?}"
    );
    let confirmed: BTreeSet<&String> = issued
        .iter()
        .filter(|id| final_states[*id]["status"] == "confirmed")
        .collect();
    assert_eq!(
        unique, confirmed,
        "applied and confirmed commands differ; outbox: {final_states:#?}"
    );
    assert!(!confirmed.is_empty());
    for id in &issued {
        let status = final_states[id]["status"].as_str().unwrap();
        assert!(
            matches!(status, "confirmed" | "superseded"),
            "{id} ended {status}: {:#?}",
            final_states[id]
        );
    }
    let verify = cli(&["audit", "verify"], &data);
    assert!(verify.contains("intact"), "{verify}");
}
