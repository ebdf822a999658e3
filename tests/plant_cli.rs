//! The real binary and plant identity: `relay set` queues for a named plant and refuses to
//! guess when the data folder holds several, and the demo plant is the plant "demo"
//! whatever loopback port it takes.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use console_core::store::plants;
use console_core::PlantId;
use serde_json::Value;
use test_support::{wait_for, KillOnDrop};

mod common;

use common::BIN;

fn run(args: &[&str], data_dir: &Path) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("run plant-console")
}

#[test]
fn relay_set_without_a_plant_refuses_when_the_data_folder_holds_several_and_queues_for_a_named_one()
{
    let dir = tempfile::tempdir().unwrap();
    for (name, address) in [
        ("line-a", "http://10.0.0.1:5000"),
        ("line-b", "http://10.0.0.2:5000"),
    ] {
        plants::prepare(dir.path(), &PlantId::named(name).unwrap(), address).unwrap();
    }

    let refused = run(&["relay", "set", "relay-01", "on"], dir.path());
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("several plants") && said.contains("line-a") && said.contains("line-b"),
        "{said}"
    );
    assert!(said.contains("--plant NAME"), "{said}");

    let queued = run(
        &["relay", "set", "relay-01", "on", "--plant", "line-b"],
        dir.path(),
    );
    assert!(
        queued.status.success(),
        "{}",
        String::from_utf8_lossy(&queued.stderr)
    );
    let id = String::from_utf8(queued.stdout).unwrap().trim().to_owned();
    let cache_b = plants::cache_dir(dir.path(), &PlantId::named("line-b").unwrap());
    let command = console_core::outbox::Outbox::open(&cache_b)
        .unwrap()
        .get(&id)
        .unwrap()
        .expect("queued in line-b's cache");
    assert_eq!(command.plant, Some(PlantId::named("line-b").unwrap()));
    let cache_a = plants::cache_dir(dir.path(), &PlantId::named("line-a").unwrap());
    assert!(
        !cache_a.join(console_core::store::DB_FILE).exists(),
        "nothing was written for line-a"
    );

    let unknown = run(
        &["relay", "set", "relay-01", "on", "--plant", "line-c"],
        dir.path(),
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no cache of plant \"line-c\""));
}

#[test]
fn the_demo_plant_is_the_plant_demo_whatever_its_port() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let console = KillOnDrop(
        Command::new(BIN)
            .args(["--headless", "--demo", "--data-dir"])
            .arg(&data)
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("start the demo console"),
    );
    let record: Value = wait_for(Duration::from_secs(30), "the demo plant's cache", || {
        let dir = plants::cache_dir(&data, &PlantId::demo());
        serde_json::from_str(&std::fs::read_to_string(dir.join(plants::PLANT_FILE)).ok()?).ok()
    });
    assert_eq!(record["id"], "demo");
    assert!(record["address"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    drop(console);
}
