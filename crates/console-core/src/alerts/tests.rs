//! Tests of the alert core (explicit `now`) and of the engine task with a recording sink.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use plant_protocol::{Device, DeviceStatus, Relay};
use serde_json::Map;
use tokio::sync::watch;

use super::*;
use crate::outbox::Status;
use crate::state::{DeviceEntry, RelayEntry};
use plant_link::clock::WallClock;
use plant_link::link::LinkMode;

fn device(id: &str, status: DeviceStatus, at: f64) -> DeviceEntry {
    DeviceEntry {
        device: std::sync::Arc::new(Device {
            id: id.into(),
            name: format!("Pump {id}"),
            kind: "flow".into(),
            status,
            value: Some(1.0),
            unit: None,
            last_seen: at,
            extra: Default::default(),
        }),
        received_at: at,
        unreadable: Default::default(),
        quality: Default::default(),
    }
}

/// The change of device `id` from online to `status`, received at `at`.
fn went(id: &str, status: DeviceStatus, at: f64) -> Change {
    let before = match status {
        DeviceStatus::Online => DeviceStatus::Offline,
        _ => DeviceStatus::Online,
    };
    Change::Device {
        before: Some(device(id, before, at).device),
        after: device(id, status, at),
    }
}

fn relay_switch(id: &str, device_id: Option<&str>, on: bool, at: f64) -> Change {
    let relay = |state| Relay {
        id: id.into(),
        name: format!("Valve {id}"),
        device_id: device_id.map(str::to_owned),
        state,
        changed_at: at,
        changed_by: Some("operator-2".into()),
        extra: Map::new(),
    };
    Change::Relay {
        before: Some(relay(!on)),
        after: RelayEntry {
            relay: relay(on),
            received_at: at,
            unreadable: Default::default(),
            quality: Default::default(),
        },
    }
}

fn outcomes(decided: &[Decided]) -> Vec<Outcome> {
    decided.iter().map(|d| d.outcome).collect()
}

fn core() -> AlertCore {
    AlertCore::new(&AlertSettings::default(), "plant")
}

#[test]
fn a_burst_of_two_hundred_device_changes_gives_ten_notifications_a_summary_a_minute_and_every_critical_one(
) {
    let mut core = core();
    let mut notified = Vec::new();
    let mut summaries = Vec::new();
    for i in 0..200 {
        let now = 1000.0 + f64::from(i) * 0.5;
        // Every tenth one is a fault, which is critical.
        let status = if i % 10 == 9 {
            DeviceStatus::Fault
        } else {
            DeviceStatus::Offline
        };
        let change = went(&format!("dev-{i:03}"), status, now);
        for decided in core.on_changes(&[change], now, Appearances::Journal, now) {
            if decided.outcome == Outcome::Notified {
                notified.push(decided.alert);
            } else {
                assert_eq!(decided.outcome, Outcome::Flood);
            }
        }
        if let Some(summary) = core.tick(now).summary {
            summaries.push((now, summary));
        }
    }
    let mut now = 1100.0;
    while let Some(deadline) = core.next_deadline() {
        now = deadline.max(now);
        if let Some(summary) = core.tick(now).summary {
            summaries.push((now, summary));
        }
    }
    let critical = notified
        .iter()
        .filter(|a| a.severity == Severity::Critical)
        .count();
    let others = notified.len() - critical;
    assert_eq!(critical, 20, "every fault is notified");
    assert!(others <= 10, "{others} non-critical notifications");
    assert_eq!(
        notified.len()
            + summaries
                .iter()
                .map(|(_, s)| s.count as usize)
                .sum::<usize>(),
        200
    );
    let times: Vec<f64> = summaries.iter().map(|(at, _)| *at).collect();
    assert!(!times.is_empty());
    assert!(times.windows(2).all(|w| w[1] - w[0] >= 60.0), "{times:?}");
    assert!(summaries[0]
        .1
        .title(console_i18n::Language::En)
        .contains("devices offline"));
}

#[test]
fn muted_alerts_are_not_notified_and_the_mute_ends_by_itself() {
    let mut core = core();
    core.mute(100.0, Some(DEFAULT_MUTE));
    assert_eq!(core.mute_state(), Some(Mute::Until(1000.0)));
    let muted = core.on_changes(
        &[
            went("d1", DeviceStatus::Offline, 101.0),
            went("d2", DeviceStatus::Fault, 101.0),
        ],
        101.0,
        Appearances::Journal,
        101.0,
    );
    assert_eq!(
        outcomes(&muted),
        vec![Outcome::Muted, Outcome::Muted],
        "critical ones too"
    );
    assert_eq!(core.next_deadline(), Some(1000.0));
    assert!(core.tick(1000.0).status_changed);
    assert_eq!(core.mute_state(), None);
    let after = core.on_changes(
        &[went("d3", DeviceStatus::Offline, 1001.0)],
        1001.0,
        Appearances::Journal,
        1001.0,
    );
    assert_eq!(outcomes(&after), vec![Outcome::Notified]);

    core.mute(1002.0, None);
    assert_eq!(core.mute_state(), Some(Mute::Indefinitely));
    assert_eq!(core.next_deadline(), None);
    core.unmute();
    assert_eq!(core.mute_state(), None);
}

#[test]
fn a_shelved_device_and_its_relays_are_not_notified_while_others_are() {
    let mut core = core();
    core.shelve("dev-007", 10.0, Duration::from_secs(900));
    let decided = core.on_changes(
        &[
            went("dev-007", DeviceStatus::Offline, 11.0),
            relay_switch("relay-07", Some("dev-007"), true, 11.0),
            went("dev-008", DeviceStatus::Offline, 11.0),
        ],
        11.0,
        Appearances::Journal,
        11.0,
    );
    assert_eq!(
        outcomes(&decided),
        vec![Outcome::Shelved, Outcome::Shelved, Outcome::Notified]
    );
    assert_eq!(
        core.shelves(),
        vec![Shelf {
            subject: "dev-007".into(),
            until: 910.0
        }]
    );
    assert!(core.tick(910.0).status_changed);
    assert!(core.shelves().is_empty());
    let back = core.on_changes(
        &[went("dev-007", DeviceStatus::Online, 911.0)],
        911.0,
        Appearances::Journal,
        911.0,
    );
    assert_eq!(outcomes(&back), vec![Outcome::Notified]);
}

#[test]
fn a_flapping_device_is_notified_once_each_way_and_the_rest_is_summarised() {
    let mut core = core();
    let mut shown = 0;
    for i in 0..30 {
        let now = f64::from(i) * 2.0;
        let status = if i % 2 == 0 {
            DeviceStatus::Offline
        } else {
            DeviceStatus::Online
        };
        let decided = core.on_changes(
            &[went("dev-003", status, now)],
            now,
            Appearances::Journal,
            now,
        );
        shown += decided
            .iter()
            .filter(|d| d.outcome == Outcome::Notified)
            .count();
    }
    assert_eq!(shown, 2);
    let summary = core.tick(1000.0).summary.unwrap();
    assert_eq!(
        summary.title(console_i18n::Language::En),
        "28 more: 14 devices offline, 14 devices back online"
    );
}

#[test]
fn a_summary_that_falls_due_while_muted_is_dropped() {
    let mut core = core();
    for i in 0..15 {
        core.on_changes(
            &[went(&format!("d{i}"), DeviceStatus::Offline, 0.0)],
            0.0,
            Appearances::Journal,
            0.0,
        );
    }
    core.mute(1.0, None);
    assert!(core.tick(61.0).summary.is_none());
    core.unmute();
    assert!(
        core.tick(200.0).summary.is_none(),
        "nothing left to summarise"
    );
}

#[test]
fn alerts_below_the_notify_threshold_are_recorded_quietly() {
    let settings = AlertSettings {
        notify_from: Severity::High,
        ..AlertSettings::default()
    };
    let mut core = AlertCore::new(&settings, "plant");
    let decided = core.on_changes(
        &[
            relay_switch("relay-01", None, true, 1.0),
            went("d1", DeviceStatus::Offline, 1.0),
        ],
        1.0,
        Appearances::Journal,
        1.0,
    );
    assert_eq!(outcomes(&decided), vec![Outcome::Quiet, Outcome::Notified]);
}

// The engine task, with a store in a temporary folder and a recording sink.

struct Rig {
    _dir: tempfile::TempDir,
    /// The engine's wall clock, which follows tokio's paused clock.
    clock: WallClock,
    sink: RecordingSink,
    link: watch::Sender<LinkState>,
    started: engine::Started,
    /// The language notifications are worded in, as the console sets it.
    language: watch::Sender<console_i18n::Language>,
}

/// A wall clock that follows tokio's clock from a fixed start, so that in a paused test the
/// engine's deadlines (tokio's timers) and its wall-clock readings move together, and
/// nothing waits for real time.
fn paused_wall_clock() -> WallClock {
    let start = tokio::time::Instant::now();
    WallClock::new(move || 1_700_000_000.0 + start.elapsed().as_secs_f64())
}

async fn rig(settings: AlertSettings) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let clock = paused_wall_clock();
    let sink = RecordingSink::new();
    let language = watch::channel(console_i18n::Language::En).0;
    let (link, link_rx) = watch::channel(LinkState {
        mode: LinkMode::Realtime,
        since: clock.now(),
        detail: None,
        address: Default::default(),
    });
    let state = RwLock::new(PlantState::default());
    // The engine opens a cache the console has already opened, checked and migrated.
    drop(crate::store::open(dir.path()).unwrap());
    let started = start(
        EngineConfig {
            settings,
            server: "plant.test:8080".into(),
            data_dir: dir.path().to_owned(),
            retention: Duration::from_secs(3600),
            sink: Arc::new(sink.clone()),
            clock: clock.clone(),
            language: language.subscribe(),
        },
        &state,
        link_rx,
    )
    .await
    .unwrap();
    Rig {
        _dir: dir,
        clock,
        sink,
        link,
        started,
        language,
    }
}

/// Polls `check` every few milliseconds until it holds, failing after 10 s.
async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

impl Rig {
    fn offer(&self, changes: &[Change]) {
        self.started
            .changes
            .offer(changes, self.clock.now(), Appearances::Journal);
    }

    async fn alerts(&self) -> Vec<AlertView> {
        self.started.handle.list(100).await.unwrap()
    }

    /// Waits until the store holds `count` alerts.
    async fn recorded(&self, count: usize) -> Vec<AlertView> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let alerts = self.alerts().await;
            if alerts.len() >= count {
                return alerts;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {count} alerts recorded",
                alerts.len()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn muted_and_shelved_alerts_are_recorded_but_not_notified() {
    let rig = rig(AlertSettings::default()).await;
    let handle = &rig.started.handle;

    let status = handle.mute(None).await.unwrap();
    assert!(status.muted);
    assert_eq!(status.muted_until, None, "until unmuted");
    rig.offer(&[went("dev-001", DeviceStatus::Offline, 1.0)]);
    rig.recorded(1).await;

    handle.unmute().await.unwrap();
    let status = handle
        .shelve("dev-002", Some(Duration::from_secs(900)))
        .await
        .unwrap();
    assert_eq!(status.shelved.len(), 1);
    assert_eq!(status.shelved[0].subject, "dev-002");
    rig.offer(&[
        went("dev-002", DeviceStatus::Fault, 2.0),
        went("dev-003", DeviceStatus::Offline, 2.0),
    ]);
    let alerts = rig.recorded(3).await;
    until("the one notification", || rig.sink.shown().len() == 1).await;

    let by_subject = |subject: &str| alerts.iter().find(|a| a.subject == subject).unwrap();
    assert_eq!(
        (
            by_subject("dev-001").notified,
            by_subject("dev-001").suppressed.as_deref()
        ),
        (false, Some("muted"))
    );
    assert_eq!(
        (
            by_subject("dev-002").notified,
            by_subject("dev-002").suppressed.as_deref()
        ),
        (false, Some("shelved"))
    );
    assert!(by_subject("dev-003").notified);
    let shown = rig.sink.shown();
    assert_eq!(shown[0].title, "Device Pump dev-003 went offline");
    assert_eq!(shown[0].severity, Severity::High);
    let status = handle.status();
    assert_eq!(
        (status.unacked, status.unacked_critical, status.muted),
        (3, 1, false),
        "muted and shelved alerts still count"
    );
}

#[tokio::test(start_paused = true)]
async fn acknowledging_one_and_then_all_records_who_and_when_and_the_count_follows() {
    let rig = rig(AlertSettings::default()).await;
    let handle = &rig.started.handle;
    let mut status = handle.watch();
    rig.offer(&[
        went("dev-001", DeviceStatus::Fault, 1.0),
        relay_switch("relay-01", None, false, 1.0),
        went("dev-002", DeviceStatus::Offline, 1.0),
    ]);
    let alerts = rig.recorded(3).await;
    until("the status to count them", || {
        status.borrow_and_update().unacked == 3
    })
    .await;
    assert_eq!(handle.status().unacked_critical, 1);

    let fault = alerts
        .iter()
        .find(|a| a.kind == AlertKind::DeviceFault)
        .unwrap();
    let before = rig.clock.now();
    assert_eq!(
        handle
            .acknowledge(Some(fault.id), "operator-1")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        handle
            .acknowledge(Some(fault.id), "operator-9")
            .await
            .unwrap(),
        0,
        "already acknowledged"
    );
    assert!(matches!(
        handle.acknowledge(Some(9999), "operator-1").await,
        Err(AlertError::Unknown(9999))
    ));
    assert_eq!(
        (handle.status().unacked, handle.status().unacked_critical),
        (2, 0)
    );
    let acked = rig
        .alerts()
        .await
        .into_iter()
        .find(|a| a.id == fault.id)
        .unwrap();
    assert_eq!(acked.acked_by.as_deref(), Some("operator-1"));
    assert!(acked.acked_at.unwrap() >= before);

    assert_eq!(handle.acknowledge(None, "operator-2").await.unwrap(), 2);
    assert_eq!(handle.status().unacked, 0);
    let all = rig.alerts().await;
    assert!(all.iter().all(|a| a.acked_at.is_some()));
    assert_eq!(
        all.iter()
            .filter(|a| a.acked_by.as_deref() == Some("operator-2"))
            .count(),
        2
    );
}

#[tokio::test(start_paused = true)]
async fn the_engine_alerts_a_link_lost_past_the_threshold_and_its_return() {
    let settings = AlertSettings {
        link_loss_after: Duration::from_millis(200),
        ..AlertSettings::default()
    };
    let rig = rig(settings).await;
    let lost_at = rig.clock.now();
    rig.link.send_replace(LinkState {
        mode: LinkMode::Offline,
        since: lost_at,
        detail: Some("connection reset".into()),
        address: Default::default(),
    });
    until("the link-loss notification", || {
        !rig.sink.shown().is_empty()
    })
    .await;
    assert!(rig.clock.now() - lost_at >= 0.2, "not before the threshold");
    rig.link.send_replace(LinkState {
        mode: LinkMode::Realtime,
        since: rig.clock.now(),
        detail: None,
        address: Default::default(),
    });
    until("the restored notification", || rig.sink.shown().len() == 2).await;
    let titles: Vec<String> = rig.sink.shown().into_iter().map(|n| n.title).collect();
    assert!(titles[0].starts_with("Plant link lost"), "{titles:?}");
    assert!(titles[1].starts_with("Plant link restored"), "{titles:?}");
    let alerts = rig.recorded(2).await;
    assert_eq!(
        alerts[1].body,
        "plant.test:8080 · Offline: connection reset · values shown are the last known"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_command_from_the_outbox_is_an_alert() {
    let rig = rig(AlertSettings::default()).await;
    let mut command = QueuedCommand {
        seq: 1,
        request_id: "req-1".into(),
        relay_id: "relay-02".into(),
        state: false,
        issued_at: 1.0,
        expires_at: 121.0,
        status: Status::Sent,
        attempts: 1,
        error: None,
        operator: "operator-4".into(),
        host: "cr".into(),
        signed_in: None,
        signed_in_role: None,
        updated_at: 2.0,
        plant: None,
    };
    rig.started.commands.send(command.clone()).await.unwrap();
    command.status = Status::Failed;
    command.error = Some("forbidden: locked".into());
    rig.started.commands.send(command).await.unwrap();
    let alerts = rig.recorded(1).await;
    assert_eq!(alerts[0].kind, AlertKind::CommandFailed);
    assert_eq!(alerts[0].title, "Command to switch relay-02 OFF failed");
    assert_eq!(
        alerts[0].body,
        "relay-02 · forbidden: locked · requested by operator-4"
    );
    until("the notification", || rig.sink.shown().len() == 1).await;
}

#[tokio::test(start_paused = true)]
async fn the_engine_ends_when_the_runtime_drops_its_change_feed() {
    let rig = rig(AlertSettings::default()).await;
    let engine::Started { task, changes, .. } = rig.started;
    drop(changes);
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the engine ends")
        .unwrap();
}

fn kinds_and_outcomes(decided: &[Decided]) -> Vec<(AlertKind, Outcome)> {
    decided.iter().map(|d| (d.alert.kind, d.outcome)).collect()
}

#[test]
fn an_alarm_notifies_when_it_becomes_unacknowledged_active_and_not_while_shelved() {
    let mut core = core();
    let fault = |core: &mut AlertCore, at| {
        core.on_changes(
            &[went("p1", DeviceStatus::Fault, at)],
            at,
            Appearances::Journal,
            at,
        )
    };
    assert_eq!(
        kinds_and_outcomes(&fault(&mut core, 0.0)),
        vec![(AlertKind::DeviceFault, Outcome::Notified)]
    );
    let id = core.alarms().summary()[0].id;
    // The operator's acknowledgement is a transition of the operator's: no alert at all.
    assert_eq!(core.alarms_mut().acknowledge(&[id], "ana", 1.0), Ok(1));
    core.on_changes(
        &[went("p1", DeviceStatus::Online, 100.0)],
        100.0,
        Appearances::Journal,
        100.0,
    );
    core.alarms_mut()
        .shelve(id, None, "pump under repair", "ana", 101.0)
        .unwrap();
    assert_eq!(
        kinds_and_outcomes(&fault(&mut core, 200.0)),
        vec![(AlertKind::DeviceFault, Outcome::Shelved)],
        "shelved: recorded, not notified"
    );
    // The shelf runs out with the fault present: the alarm is Unacknowledged-Active again.
    core.tick(101.0 + 15.0 * 60.0);
    assert_eq!(
        core.alarms().get(id).unwrap().state,
        crate::alarms::AlarmState::UnackActive
    );
}

#[test]
fn a_device_fault_while_its_powering_relay_is_off_is_suppressed_by_design() {
    let mut core = core();
    core.on_changes(
        &[relay_switch("r1", Some("p1"), false, 0.0)],
        0.0,
        Appearances::Journal,
        0.0,
    );
    let decided = core.on_changes(
        &[went("p1", DeviceStatus::Offline, 1.0)],
        1.0,
        Appearances::Journal,
        1.0,
    );
    assert_eq!(
        kinds_and_outcomes(&decided),
        vec![(AlertKind::DeviceOffline, Outcome::Quiet)]
    );
    assert_eq!(
        core.alarms().summary()[0].state,
        crate::alarms::AlarmState::Suppressed
    );
    core.on_changes(
        &[relay_switch("r1", Some("p1"), true, 2.0)],
        2.0,
        Appearances::Journal,
        2.0,
    );
    assert_eq!(
        core.alarms().summary()[0].state,
        crate::alarms::AlarmState::UnackActive
    );
}

#[tokio::test(start_paused = true)]
async fn notifications_come_in_the_language_set_while_running_and_the_list_keeps_messages() {
    let rig = rig(AlertSettings::default()).await;
    rig.offer(&[went("dev-001", DeviceStatus::Offline, 1.0)]);
    until("the English notification", || rig.sink.shown().len() == 1).await;
    assert_eq!(
        rig.sink.shown()[0].title,
        "Device Pump dev-001 went offline"
    );

    // The operator picks Persian: the next notification is in Persian, opens with a
    // right-to-left mark, and keeps the Latin name isolated.
    rig.language.send_replace(console_i18n::Language::Fa);
    rig.offer(&[went("dev-002", DeviceStatus::Fault, 2.0)]);
    until("the Persian notification", || rig.sink.shown().len() == 2).await;
    let persian = &rig.sink.shown()[1];
    assert_eq!(
        persian.title,
        "\u{200F}دستگاه \u{2068}Pump dev-002\u{2069} خطا گزارش می‌دهد"
    );

    // The alert list keeps the messages, so the window words them in its language;
    // the stored English stays for the logs and older consoles.
    let alerts = rig.recorded(2).await;
    let fault = alerts.iter().find(|a| a.subject == "dev-002").unwrap();
    assert_eq!(fault.title, "Device Pump dev-002 reports a fault");
    let message = fault.title_message.as_ref().unwrap();
    assert_eq!(message.id, "alert-device-fault-title");
    assert_eq!(message.text_arg("name"), Some("Pump dev-002"));
}

#[test]
fn a_fault_already_standing_when_the_plant_is_learnt_is_an_alarm_but_no_alert() {
    let mut core = AlertCore::new(&AlertSettings::default(), "plant");
    let learnt = [
        Change::Device {
            before: None,
            after: device("dev-001", DeviceStatus::Fault, 5.0),
        },
        Change::Device {
            before: None,
            after: device("dev-002", DeviceStatus::Online, 5.0),
        },
    ];
    let decided = core.on_changes(&learnt, 5.0, Appearances::Quiet, 5.0);
    assert!(
        decided.is_empty(),
        "learning the plant is no news: {decided:?}"
    );
    let summary = core.alarms().summary();
    let states: Vec<_> = summary
        .iter()
        .map(|a| (a.source.as_str(), a.condition, a.state))
        .collect();
    assert_eq!(
        states,
        vec![(
            "dev-001",
            crate::alarms::AlarmCondition::DeviceFault,
            AlarmState::UnackActive
        )]
    );
}
