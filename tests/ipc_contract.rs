//! The window's IPC contract checked against the Rust side: the UI's client invokes
//! exactly the commands of the list (`src-tauri/src/shell/commands.list`, from which the
//! handler, the app manifest and `ui/src/generated/commands.ts` follow) and the
//! capability grants exactly those; and what each command and event really sends, taken
//! from a console running against the reference plant and serialized by serde, is
//! type-checked by the TypeScript compiler against the answer the generated
//! `ui/src/generated/commands.ts` gives for it.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use console_core::alerts::{AlertKind, Limit, Severity};
use console_core::console::{StatsFigure, TrendPen};
use console_core::outbox::Status;
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use console_settings::credentials::TokenVault;
use console_settings::settings::{FieldError, Settings};
use plant_console::configure::{Configurator, ConfigureError, Fixed};
use plant_console::shell::UiError;
use plant_server::ServerConfig;
use serde_json::Value;

mod common;

const LIMIT: Duration = Duration::from_secs(30);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The commands `ipc.ts` invokes (`call("name"…`).
fn invoked() -> BTreeSet<String> {
    let text = read("ui/src/ipc.ts");
    text.split("call(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"'))
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// The quoted names inside the first `[`…`]` after `marker` in `text`.
fn quoted_list(text: &str, marker: &str) -> BTreeSet<String> {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not found"));
    let list = &text[start..];
    let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_command_the_ui_invokes_is_listed_and_granted_and_no_other() {
    let ui = invoked();
    let listed = quoted_list(
        &read("ui/src/generated/commands.ts"),
        "export const COMMANDS",
    );
    let capability: Value =
        serde_json::from_str(&read("src-tauri/capabilities/default.json")).unwrap();
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    assert_eq!(
        ui, listed,
        "ipc.ts and the command list (ui/src/generated/commands.ts) differ"
    );
    assert_eq!(ui, granted, "ipc.ts and the capability's grants differ");
}

/// Real answers from a console on the reference plant, by command name (and the two
/// events, by event name).
async fn answers(dir: &Path) -> Vec<(String, Value)> {
    let server = plant_server::start(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        ServerConfig {
            sim_interval: Some(Duration::from_millis(100)),
            stats_interval: Duration::from_millis(200),
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap();
    let url = PlantUrl::parse(&format!("http://{}", server.local_addr())).unwrap();
    let link = LinkConfig::new(url.clone());
    let mut config = ConsoleConfig::new(link.clone(), dir.to_owned());
    config.notifications = std::sync::Arc::new(console_core::alerts::RecordingSink::default());
    let (console, mut batches) = Console::start(config).await.unwrap();
    let mut updates = console.take_command_updates().unwrap();
    // Waited for as events: the link's state, then batches until one carries devices
    // and the stats have arrived, so every answer below has something in it.
    tokio::time::timeout(
        LIMIT,
        console
            .link()
            .state()
            .wait_for(|s| s.mode == LinkMode::Realtime),
    )
    .await
    .expect("the console went live")
    .unwrap();
    let batch = tokio::time::timeout(LIMIT, async {
        loop {
            let batch = batches.recv().await.expect("batches flow");
            if !batch.devices.is_empty() && console.snapshot().system_stats.is_some() {
                return batch;
            }
        }
    })
    .await
    .expect("a batch with devices");
    tokio::spawn(async move { while batches.recv().await.is_some() {} });

    // A switch that is confirmed (with an alert about it) and one the plant refuses.
    let relays = server.plant().relays();
    let free = relays
        .iter()
        .find(|r| r.extra.get("locked") != Some(&Value::Bool(true)))
        .unwrap();
    let locked = relays
        .iter()
        .find(|r| r.extra.get("locked") == Some(&Value::Bool(true)))
        .unwrap();
    console
        .set_relay(&free.id, !free.state, false)
        .await
        .unwrap();
    console
        .set_relay(&locked.id, !locked.state, false)
        .await
        .unwrap();
    let mut last = Vec::new();
    tokio::time::timeout(LIMIT, async {
        let mut ended = 0;
        while ended < 2 {
            let update = updates.recv().await.expect("updates flow");
            if update.status.is_final() {
                ended += 1;
            }
            last.push(update);
        }
    })
    .await
    .expect("both commands end");
    assert!(last
        .iter()
        .any(|c| c.status == Status::Failed && c.error.is_some()));
    tokio::time::timeout(
        LIMIT,
        console.alert_status_watch().wait_for(|s| s.unacked > 0),
    )
    .await
    .expect("the switch raised an alert")
    .unwrap();
    assert!(!console.alerts(10).await.unwrap().is_empty());
    console.mute(Some(Duration::from_secs(600))).await.unwrap();
    let device = &console.snapshot().devices[0].device.id.clone();
    let status = console
        .shelve(device, Duration::from_secs(600))
        .await
        .unwrap();

    // An alarm, acknowledged, so that its history and the journal have transitions.
    let faulty = console.snapshot().devices[1].device.id.clone();
    server
        .plant()
        .set_device_status(&faulty, plant_protocol::DeviceStatus::Fault)
        .unwrap();
    tokio::time::timeout(
        LIMIT,
        console
            .alarm_status_watch()
            .wait_for(|s| s.unacknowledged.total() > 0),
    )
    .await
    .expect("the fault raised an alarm")
    .unwrap();
    let alarms = console.alarms(None).await.unwrap();
    let acknowledged = console
        .alarm_action(
            console_core::alerts::AlarmAction::Acknowledge(vec![alarms[0].id]),
            Some("operator-1"),
        )
        .await
        .unwrap();
    let (_, exported) = console.alarm_journal_csv(None, None).await.unwrap();

    let now = plant_link::clock::unix_now();
    let area = console
        .area_trend(vec![device.to_owned()], now - 3600.0, now, 12)
        .await
        .unwrap();
    assert_eq!(area.len(), 12);
    let pens = vec![
        TrendPen::Device {
            device_id: device.to_owned(),
        },
        TrendPen::Stats {
            figure: StatsFigure::Cpu,
        },
    ];
    let trend = console
        .trend(pens.clone(), now - 3600.0, now + 1.0, 800)
        .await
        .unwrap();
    assert!(
        trend.series[0].points.len() + trend.series[1].points.len() > 0,
        "the trend holds the samples the console recorded"
    );
    let (_, trend_rows) = console
        .trend_csv(pens, now - 3600.0, now + 1.0)
        .await
        .unwrap();
    // What the window must not ask is refused before the cache is read.
    assert!(console
        .area_trend(vec![device.to_owned()], now, now - 1.0, 12)
        .await
        .is_err());
    assert!(console
        .trend(Vec::new(), now - 60.0, now, 800)
        .await
        .is_err());
    let vault = TokenVault::open(dir);
    let mut settings = Settings {
        plant_url: Some(url.to_string()),
        ..Settings::default()
    };
    settings
        .alerts
        .severities
        .insert(AlertKind::RelaySwitched, Severity::High);
    settings.alerts.limits.push(Limit {
        device_id: None,
        device_kind: Some("temperature".into()),
        high: Some(80.0),
        low: None,
        deadband: 1.0,
    });
    let configurator = Configurator::new(dir.to_owned(), vault, Fixed::default(), link, settings);
    let invalid = ConfigureError::Invalid(vec![FieldError {
        field: "plant_url".into(),
        message: "the plant URL must start with http://".into(),
    }]);
    let kiosk = plant_console::shell::windows::Windows::new(dir, true, false);
    // The operator session's answers, from a gate over a real operators file (Argon2id).
    let mut operators_file = console_auth::OperatorsFile::new();
    operators_file
        .add(
            "ana",
            console_auth::Role::Operator,
            &console_auth::Password::new("ana's password"),
        )
        .unwrap();
    let operators = plant_console::shell::operators::Operators::on(console_auth::Gate::new(
        operators_file,
        Box::new(console_auth::MemoryFailureLog::default()),
        "memory",
    ));
    let signed_in = operators.sign_in("ana", "ana's password").unwrap();
    let session = operators.session();
    operators.activity();
    let signed_out = operators.sign_out();
    let change = plant_console::shell::operators::SessionChange {
        session: signed_out.clone(),
        idle_signed_out: signed_in.operator.clone(),
    };
    let answers = vec![
        ("operator_session".into(), json(&session)),
        ("sign_in".into(), json(&signed_in)),
        ("sign_out".into(), json(&signed_out)),
        ("operator_activity".into(), Value::Null),
        ("console://session".into(), json(&change)),
        ("get_snapshot".into(), json(&console.snapshot())),
        ("console://batch".into(), json(&batch)),
        ("console://command".into(), json(&last[0])),
        ("set_relay".into(), json(&last[last.len() - 1])),
        ("cancel_command".into(), json(&last[0])),
        ("outbox".into(), json(&console.outbox(10).await.unwrap())),
        ("alerts".into(), json(&console.alerts(10).await.unwrap())),
        (
            "acknowledge_alerts".into(),
            json(&console.acknowledge(None).await.unwrap()),
        ),
        ("mute_alerts".into(), json(&status)),
        (
            "unmute_alerts".into(),
            json(&console.unmute().await.unwrap()),
        ),
        ("shelve_device".into(), json(&status)),
        (
            "device_trend".into(),
            json(
                &console
                    .device_trend(device, now - 3600.0, now)
                    .await
                    .unwrap(),
            ),
        ),
        (
            "stats_trend".into(),
            json(&console.stats_trend(now - 3600.0, now).await.unwrap()),
        ),
        (
            "journal".into(),
            json(&console.journal(None, None, None, 50).await.unwrap()),
        ),
        ("diagnostics".into(), json(&console.diagnostics())),
        ("alarms".into(), json(&alarms)),
        ("alarm_action".into(), json(&acknowledged)),
        (
            "alarm_history".into(),
            json(&console.alarm_history(alarms[0].id).await.unwrap()),
        ),
        (
            "alarm_journal".into(),
            json(&console.alarm_journal(None, None, 50).await.unwrap()),
        ),
        (
            "alarm_kpis".into(),
            json(&console.alarm_kpis(None).await.unwrap()),
        ),
        ("export_alarm_journal".into(), json(&exported)),
        ("area_trend".into(), json(&area)),
        ("trend".into(), json(&trend)),
        ("export_trend".into(), json(&trend_rows)),
        // The PNG export answers the bytes it wrote, a plain count like the CSV's rows.
        ("export_trend_png".into(), json(&16_u32)),
        ("test_notification".into(), Value::Null),
        // Opening a window answers nothing; which window a page is in comes from the
        // shell's window state, here a kiosk console's main window.
        ("open_window".into(), Value::Null),
        ("window_info".into(), json(&kiosk.info("main"))),
        ("console://window".into(), json(&kiosk.info("main"))),
        // The autostart commands answer what tauri-plugin-autostart says, a plain bool;
        // the plugin needs a running app, which this test has not, and the type is the
        // contract being checked.
        ("get_autostart".into(), json(&false)),
        ("set_autostart".into(), json(&true)),
        ("get_settings".into(), json(&configurator.view().unwrap())),
        ("save_settings".into(), json(&configurator.view().unwrap())),
        (
            "error:invalid_settings".into(),
            json(&UiError::from(invalid)),
        ),
    ];
    console.shutdown().await.unwrap();
    server.shutdown().await;
    answers
}

/// Serializes an answer the way Tauri does (serde_json).
fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("every answer serializes")
}

#[test]
fn what_rust_sends_type_checks_against_what_the_ui_expects() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let answers = runtime.block_on(answers(dir.path()));
    // Each command's answer as the generated list says, and the events' payloads.
    let mut expected: Vec<(String, String)> = invoked()
        .into_iter()
        .map(|name| {
            let ty = format!("C.Answer<\"{name}\">");
            (name, ty)
        })
        .collect();
    expected.push((
        "console://batch".into(),
        "C.Events[\"console://batch\"]".into(),
    ));
    expected.push((
        "console://command".into(),
        "C.Events[\"console://command\"]".into(),
    ));
    expected.push((
        "console://window".into(),
        "C.Events[\"console://window\"]".into(),
    ));
    expected.push((
        "console://session".into(),
        "C.Events[\"console://session\"]".into(),
    ));
    expected.push(("error:invalid_settings".into(), "T.UiError".into()));

    let mut source = String::from(
        "// Written by tests/ipc_contract.rs from a running console's real answers; checked by tsc.\n\
         import type * as C from \"../src/generated/commands\";\n\
         import type * as T from \"../src/types\";\n\n",
    );
    for (i, (name, ty)) in expected.iter().enumerate() {
        let (_, value) = answers
            .iter()
            .find(|(answered, _)| answered == name)
            .unwrap_or_else(|| panic!("the test has no real answer for {name}: add one"));
        source.push_str(&format!(
            "// {name}\nexport const answer{i} = {} satisfies {ty};\n\n",
            serde_json::to_string_pretty(value).unwrap()
        ));
    }
    let check = root().join("ui/.ipc-check");
    std::fs::create_dir_all(&check).unwrap();
    std::fs::write(check.join("answers.ts"), &source).unwrap();
    std::fs::write(
        check.join("tsconfig.json"),
        r#"{ "extends": "../tsconfig.json", "include": ["answers.ts"] }"#,
    )
    .unwrap();
    let tsc = root().join("ui/node_modules/typescript/bin/tsc");
    assert!(
        tsc.is_file(),
        "{} is missing: run `cargo xtask setup`",
        tsc.display()
    );
    let output = Command::new("node")
        .arg(&tsc)
        .args(["--noEmit", "-p"])
        .arg(check.join("tsconfig.json"))
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "Rust's answers do not match the UI's types (see ui/.ipc-check/answers.ts):\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
}
