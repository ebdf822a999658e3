//! The `alarms` command beside a running headless console: the list from the cache
//! (JSON, and worded in --lang), `alarms ack` and `alarms shelve` applied by the running
//! console once and audited, and each refusal (an unknown alarm, no reason, a reason too
//! long, a shelf past the site's limit, a state that does not exist) said to the operator
//! with a failing exit status.

mod common;

use std::time::Duration;

use common::{cli, cli_json, cli_json_once_ready, cli_refused, headless, start_reference};
use plant_protocol::DeviceStatus;
use serde_json::Value;
use test_support::wait_for;

const LIMIT: Duration = Duration::from_secs(30);

fn alarm_of(alarms: &Value, source: &str, state: &str) -> Option<i64> {
    alarms.as_array()?.iter().find_map(|a| {
        (a["source"] == source && a["condition"] == "device_fault" && a["state"] == state)
            .then(|| a["id"].as_i64())
            .flatten()
    })
}

#[test]
fn alarms_are_listed_acknowledged_and_shelved_from_the_command_line_beside_a_running_console() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = start_reference(
        &runtime,
        plant_server::ServerConfig {
            sim_interval: None,
            seed: Some(7),
            ..plant_server::ServerConfig::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let _console = headless(&format!("http://{}", server.local_addr()), data, &[]);
    wait_for(LIMIT, "the cache to hold the plant", || {
        let state = cli_json_once_ready(&["state", "--json"], data)?;
        (state["devices"].as_array()?.len() == 12).then_some(())
    });

    server
        .plant()
        .set_device_status("dev-002", DeviceStatus::Fault)
        .unwrap();
    let id = wait_for(LIMIT, "dev-002's fault alarm in the cache", || {
        alarm_of(
            &cli_json_once_ready(&["alarms", "--json"], data)?,
            "dev-002",
            "unack_active",
        )
    });

    // Refusals: each says why and changes nothing.
    let unknown = cli_refused(&["alarms", "ack", "987654"], data);
    assert!(unknown.contains("refused"), "{unknown}");
    let no_reason = cli_refused(
        &[
            "alarms",
            "shelve",
            &id.to_string(),
            "--minutes",
            "15",
            "--reason",
            " ",
        ],
        data,
    );
    assert!(no_reason.contains("reason"), "{no_reason}");
    let too_long = cli_refused(
        &[
            "alarms",
            "shelve",
            &id.to_string(),
            "--minutes",
            "100000",
            "--reason",
            "x",
        ],
        data,
    );
    assert!(too_long.contains("refused"), "{too_long}");
    let essay = "x".repeat(501);
    let overlong = cli_refused(
        &[
            "alarms",
            "shelve",
            &id.to_string(),
            "--minutes",
            "15",
            "--reason",
            &essay,
        ],
        data,
    );
    assert!(overlong.contains("longer than 500"), "{overlong}");
    let not_a_state = cli_refused(&["alarms", "--state", "panic"], data);
    assert!(not_a_state.contains("not an alarm state"), "{not_a_state}");
    assert!(alarm_of(
        &cli_json(&["alarms", "--json"], data),
        "dev-002",
        "unack_active"
    )
    .is_some());

    // Acknowledged by this OS user through the running console, once.
    let answer = cli(&["alarms", "ack", &id.to_string()], data);
    assert!(
        answer.trim_end().ends_with(": 1 alarms changed"),
        "{answer}"
    );
    let acked = cli_json(&["alarms", "--state", "ack_active", "--json"], data);
    assert_eq!(alarm_of(&acked, "dev-002", "ack_active"), Some(id));

    // Worded in the language asked for, Persian digits and all.
    let persian = cli(&["alarms", "--lang", "fa"], data);
    assert!(persian.contains("فعال، تصدیق‌شده"), "{persian}");
    assert!(persian.contains("خطا گزارش می‌دهد"), "{persian}");
    let english = cli(&["alarms", "--lang", "en"], data);
    assert!(english.contains("Active, acknowledged"), "{english}");
    let journal = cli(&["journal", "--lang", "fa", "--kind", "device"], data);
    assert!(journal.contains("دستگاه"), "{journal}");

    // Shelved with a reason; the shelf shows in the list.
    let shelved = cli(
        &[
            "alarms",
            "shelve",
            &id.to_string(),
            "--minutes",
            "30",
            "--reason",
            "pump swap",
        ],
        data,
    );
    assert!(shelved.contains("1 alarms changed"), "{shelved}");
    let list = cli_json(&["alarms", "--state", "shelved", "--json"], data);
    let alarm = &list.as_array().unwrap()[0];
    assert_eq!(
        (alarm["id"].as_i64(), alarm["reason"].as_str()),
        (Some(id), Some("pump swap"))
    );

    // An engineer takes the device out of service with a reason, then back.
    let refused = cli_refused(
        &["alarms", "out-of-service", "dev-002", "--reason", ""],
        data,
    );
    assert!(refused.contains("reason"), "{refused}");
    cli(
        &[
            "alarms",
            "out-of-service",
            "dev-002",
            "--reason",
            "sensor swap",
        ],
        data,
    );
    let out = cli_json(&["alarms", "--state", "out_of_service", "--json"], data);
    assert_eq!(alarm_of(&out, "dev-002", "out_of_service"), Some(id));
    let not_out = cli_refused(&["alarms", "in-service", "dev-003"], data);
    assert!(not_out.contains("not out of service"), "{not_out}");
    cli(&["alarms", "in-service", "dev-002"], data);
    assert!(alarm_of(
        &cli_json(&["alarms", "--json"], data),
        "dev-002",
        "out_of_service"
    )
    .is_none());

    // The audit trail holds every action and is intact.
    cli(&["audit", "verify"], data);
}
