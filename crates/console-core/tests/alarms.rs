//! Alarms end to end against the Flask-SocketIO plant (a server library nobody on this
//! team wrote): a device's fault runs the ISA-18.2 states (Unacknowledged-Active,
//! Acknowledged-Active, Normal; Unacknowledged-Returned when it returns unseen), each
//! transition recorded with who; a notification only when an alarm becomes
//! Unacknowledged-Active; suppression by the powering relay; shelving ends on its own;
//! and a command-line request is applied once.

mod common;

use std::sync::{Arc, Mutex};

use common::{start, wait_for, LIMIT};
use console_core::alarms::{AlarmCondition, AlarmEvent, AlarmState, AlarmView};
use console_core::alerts::{AlarmAction, RecordingSink};
use console_core::store;
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl, Secret};
use plant_link::clock::WallClock;
use serde_json::json;
use test_support::flask::FlaskPlant;

/// A wall clock the test moves forward (a shelf's end), otherwise the real one.
#[derive(Clone, Default)]
struct MovableClock(Arc<Mutex<f64>>);

impl MovableClock {
    fn forward(&self, seconds: f64) {
        *self.0.lock().unwrap() += seconds;
    }

    fn wall(&self) -> WallClock {
        let shift = self.0.clone();
        WallClock::new(move || plant_link::clock::unix_now() + *shift.lock().unwrap())
    }
}

struct Rig {
    flask: Option<FlaskPlant>,
    console: Console,
    sink: RecordingSink,
    clock: MovableClock,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let flask = tokio::task::spawn_blocking(|| {
        FlaskPlant::start(&["--no-sim", "--stats-interval", "0.5", "--token", "t"])
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = MovableClock::default();
    let mut link = LinkConfig::new(PlantUrl::parse(&flask.url()).unwrap());
    link.token = Some(Secret::new("t"));
    link.wall_clock = clock.wall();
    let sink = RecordingSink::new();
    let mut config = ConsoleConfig::new(link, dir.path().to_owned());
    config.notifications = Arc::new(sink.clone());
    let console = start(config).await;
    wait_for(&console, "the Flask plant's snapshots", |s| {
        s.devices.len() == 12 && s.link.mode == LinkMode::Realtime
    })
    .await;
    Rig {
        flask: Some(flask),
        console,
        sink,
        clock,
        _dir: dir,
    }
}

impl Rig {
    /// Changes a device at the Flask plant (a blocking HTTP call, off the runtime).
    async fn set_device(&mut self, id: &'static str, status: &'static str) {
        let flask = self.flask.take().unwrap();
        self.flask = Some(
            tokio::task::spawn_blocking(move || {
                flask.set_device(id, &json!({ "status": status }));
                flask
            })
            .await
            .unwrap(),
        );
    }

    /// Waits until the fault alarm of `device` is in `state`, and returns it.
    async fn fault_alarm(&self, device: &str, state: AlarmState) -> AlarmView {
        test_support::eventually(
            LIMIT,
            &format!("{device}'s fault alarm {state:?}"),
            async || {
                let all = self
                    .console
                    .alarms(Some(AlarmState::ALL.to_vec()))
                    .await
                    .unwrap();
                let alarm = all
                    .into_iter()
                    .find(|a| a.condition == AlarmCondition::DeviceFault && a.source == device);
                match alarm {
                    Some(a) if a.state == state => Ok(a),
                    other => Err(format!("{:?}", other.map(|a| a.state))),
                }
            },
        )
        .await
    }

    /// How many notifications said that `device` (by its name at the plant) is in fault.
    fn notified_about(&self, device: &str) -> usize {
        let snapshot = self.console.snapshot();
        let name = snapshot
            .devices
            .iter()
            .find(|d| d.device.id == device)
            .map(|d| d.device.name.clone())
            .unwrap_or_default();
        self.sink
            .shown()
            .iter()
            .filter(|n| n.title == format!("Device {name} reports a fault"))
            .count()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_runs_the_alarm_states_and_an_unseen_return_waits_for_acknowledgement() {
    let mut rig = rig().await;

    // Fault: Unacknowledged-Active, and one notification.
    rig.set_device("dev-08", "fault").await;
    let alarm = rig.fault_alarm("dev-08", AlarmState::UnackActive).await;
    assert!(alarm.active && !alarm.acknowledged);
    test_support::eventually(LIMIT, "the fault's notification", async || {
        match rig.notified_about("dev-08") {
            1 => Ok(()),
            n => Err(format!("{n} notifications")),
        }
    })
    .await;

    // Acknowledged: Acknowledged-Active, still listed, no new notification.
    let changed = rig
        .console
        .alarm_action(AlarmAction::Acknowledge(vec![alarm.id]), Some("operator-4"))
        .await
        .unwrap();
    assert_eq!(changed, 1);
    rig.fault_alarm("dev-08", AlarmState::AckActive).await;
    let summary = rig.console.alarms(None).await.unwrap();
    assert!(summary.iter().any(|a| a.id == alarm.id));

    // Back online: Normal, and gone from the summary.
    rig.set_device("dev-08", "online").await;
    rig.fault_alarm("dev-08", AlarmState::Normal).await;
    assert!(!rig
        .console
        .alarms(None)
        .await
        .unwrap()
        .iter()
        .any(|a| a.id == alarm.id));
    assert_eq!(
        rig.notified_about("dev-08"),
        1,
        "the operator's ack notifies nobody"
    );

    // Its history: activate, acknowledge (by the operator), return.
    let history = rig.console.alarm_history(alarm.id).await.unwrap();
    let steps: Vec<_> = history
        .iter()
        .map(|t| (t.event, t.to, t.by.as_deref()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (AlarmEvent::Activate, AlarmState::UnackActive, None),
            (
                AlarmEvent::Acknowledge,
                AlarmState::AckActive,
                Some("operator-4")
            ),
            (AlarmEvent::Return, AlarmState::Normal, None),
        ]
    );

    // A fault that clears before anyone looks: Unacknowledged-Returned, still listed.
    rig.set_device("dev-09", "fault").await;
    let second = rig.fault_alarm("dev-09", AlarmState::UnackActive).await;
    rig.set_device("dev-09", "online").await;
    rig.fault_alarm("dev-09", AlarmState::UnackReturned).await;
    assert!(rig
        .console
        .alarms(None)
        .await
        .unwrap()
        .iter()
        .any(|a| a.id == second.id && !a.active));
    rig.console
        .alarm_action(
            AlarmAction::Acknowledge(vec![second.id]),
            Some("operator-4"),
        )
        .await
        .unwrap();
    rig.fault_alarm("dev-09", AlarmState::Normal).await;

    // dev-01 is powered by relay rly-01, which is off at this plant: its fault is
    // suppressed by design, and nobody is notified.
    rig.set_device("dev-01", "fault").await;
    let suppressed = rig.fault_alarm("dev-01", AlarmState::Suppressed).await;
    assert!(suppressed.active);
    assert_eq!(rig.notified_about("dev-01"), 0);

    let flask = rig.flask.take().unwrap();
    tokio::task::spawn_blocking(move || flask.kill())
        .await
        .unwrap();
    rig.console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shelved_alarm_unshelves_on_its_own_and_a_command_line_request_is_applied_once() {
    let mut rig = rig().await;
    rig.set_device("dev-10", "fault").await;
    let alarm = rig.fault_alarm("dev-10", AlarmState::UnackActive).await;

    // A shelf without a reason is refused, and changes nothing.
    let refused = rig
        .console
        .alarm_action(
            AlarmAction::Shelve {
                id: alarm.id,
                minutes: Some(15),
                reason: "  ".into(),
            },
            Some("operator-1"),
        )
        .await;
    assert!(refused.is_err(), "{refused:?}");
    rig.fault_alarm("dev-10", AlarmState::UnackActive).await;

    // Shelved for 15 minutes; when the wall clock has passed them, it unshelves by
    // itself into the state the condition is in (still active, unacknowledged).
    rig.console
        .alarm_action(
            AlarmAction::Shelve {
                id: alarm.id,
                minutes: Some(15),
                reason: "sensor being replaced".into(),
            },
            Some("operator-1"),
        )
        .await
        .unwrap();
    let shelved = rig.fault_alarm("dev-10", AlarmState::Shelved).await;
    assert_eq!(shelved.reason.as_deref(), Some("sensor being replaced"));
    rig.clock.forward(16.0 * 60.0);
    rig.fault_alarm("dev-10", AlarmState::UnackActive).await;
    let history = rig.console.alarm_history(alarm.id).await.unwrap();
    let unshelve = history
        .iter()
        .find(|t| t.event == AlarmEvent::Unshelve)
        .expect("the shelf's end is recorded");
    assert_eq!(
        unshelve.by, None,
        "the console ended the shelf, not an operator"
    );

    // The command line's way: a request in the cache, taken by the running console.
    let cache = rig.console.cache_dir();
    let request = {
        let conn = store::open_again(&cache).unwrap();
        let action = serde_json::to_string(&AlarmAction::Acknowledge(vec![alarm.id])).unwrap();
        let now = plant_link::clock::unix_now() + 16.0 * 60.0;
        store::alarm_requests::enqueue(&conn, "cli-1", now, &action, "night-shift", "host-9", None)
            .unwrap();
        conn
    };
    let done = test_support::eventually(LIMIT, "the request to be applied", async || {
        match store::alarm_requests::get(&request, "cli-1").unwrap() {
            Some(r) if r.status != "pending" => Ok(r),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(
        (done.status.as_str(), done.result.as_deref()),
        ("applied", Some("1 alarms changed"))
    );
    let acked = rig.fault_alarm("dev-10", AlarmState::AckActive).await;
    let history = rig.console.alarm_history(acked.id).await.unwrap();
    let by_cli: Vec<_> = history
        .iter()
        .filter(|t| t.event == AlarmEvent::Acknowledge)
        .map(|t| t.by.clone())
        .collect();
    assert_eq!(by_cli, vec![Some("night-shift".to_owned())], "applied once");

    // The audit trail names who asked, from where, and the request.
    let audit: (String, String, String) = request
        .query_row(
            "SELECT user, host, action FROM audit WHERE request_id = 'cli-1'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        audit,
        (
            "night-shift".to_owned(),
            "host-9".to_owned(),
            "alarm_acknowledge".to_owned()
        )
    );

    let flask = rig.flask.take().unwrap();
    tokio::task::spawn_blocking(move || flask.kill())
        .await
        .unwrap();
    rig.console.shutdown().await.unwrap();
}
