//! The alarm book's rules, each with literal times.

use super::*;
use crate::alarms::AlarmCounts;

fn alert(kind: AlertKind, subject: &str, at: f64) -> Alert {
    Alert {
        at,
        kind,
        severity: kind.default_severity(),
        subject: subject.to_owned(),
        device: Some(subject.to_owned()),
        key: format!("{}:{subject}", kind.as_str()),
        title: format!("{} {subject}", kind.as_str()),
        body: String::new(),
        title_message: console_i18n::Message::new("alarm-device_fault").text("name", subject),
        body_message: console_i18n::Message::default(),
    }
}

fn book() -> AlarmBook {
    AlarmBook::new(AlarmConfig::default())
}

fn only(book: &AlarmBook, condition: AlarmCondition, source: &str) -> AlarmView {
    book.summary()
        .into_iter()
        .chain(book.alarms.values().map(|a| a.view.clone()))
        .find(|v| v.condition == condition && v.source == source)
        .expect("the alarm exists")
}

#[test]
fn a_fault_is_unacknowledged_active_then_acknowledged_active_then_normal() {
    let mut b = book();
    let effect = b.on_alert(&alert(AlertKind::DeviceFault, "pump-1", 100.0), 100.0);
    assert!(effect.annunciate);
    let a = only(&b, AlarmCondition::DeviceFault, "pump-1");
    assert_eq!(
        (a.state, a.active, a.acknowledged),
        (AlarmState::UnackActive, true, false)
    );
    assert_eq!(a.priority, Priority::Critical);
    assert_eq!(b.acknowledge(&[a.id], "ana", 101.0), Ok(1));
    assert_eq!(b.get(a.id).unwrap().state, AlarmState::AckActive);
    b.on_alert(&alert(AlertKind::DeviceRecovered, "pump-1", 102.0), 102.0);
    assert_eq!(b.get(a.id).unwrap().state, AlarmState::Normal);
    let (transitions, _) = b.take_changes();
    let steps: Vec<_> = transitions
        .iter()
        .map(|t| (t.from, t.to, t.by.clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (AlarmState::Normal, AlarmState::UnackActive, None),
            (
                AlarmState::UnackActive,
                AlarmState::AckActive,
                Some("ana".to_owned())
            ),
            (AlarmState::AckActive, AlarmState::Normal, None),
        ]
    );
}

#[test]
fn a_device_that_returns_before_acknowledgement_stays_unacknowledged_returned() {
    let mut b = book();
    b.on_alert(&alert(AlertKind::DeviceOffline, "fan", 10.0), 10.0);
    b.on_alert(&alert(AlertKind::DeviceRecovered, "fan", 11.0), 11.0);
    let a = only(&b, AlarmCondition::DeviceOffline, "fan");
    assert_eq!((a.state, a.active), (AlarmState::UnackReturned, false));
    assert_eq!(b.summary().len(), 1, "still listed");
    assert_eq!(b.acknowledge(&[a.id], "ana", 12.0), Ok(1));
    assert_eq!(b.get(a.id).unwrap().state, AlarmState::Normal);
    assert!(b.summary().is_empty());
}

#[test]
fn a_latching_alarm_waits_for_a_reset_after_it_returns() {
    let mut config = AlarmConfig::default();
    config.latching.insert(AlarmCondition::DeviceFault);
    let mut b = AlarmBook::new(config);
    b.on_alert(&alert(AlertKind::DeviceFault, "press", 1.0), 1.0);
    let id = only(&b, AlarmCondition::DeviceFault, "press").id;
    b.acknowledge(&[id], "ana", 2.0).unwrap();
    b.on_alert(&alert(AlertKind::DeviceRecovered, "press", 3.0), 3.0);
    assert_eq!(b.get(id).unwrap().state, AlarmState::Latched);
    assert_eq!(b.reset(id, "ana", 4.0).unwrap().state, AlarmState::Normal);
    assert!(matches!(
        b.reset(id, "ana", 5.0),
        Err(AlarmError::NotAllowed { .. })
    ));
}

#[test]
fn the_first_alarm_of_a_burst_is_first_out_and_the_rest_are_not() {
    let mut b = book();
    b.on_alert(&alert(AlertKind::DeviceFault, "a", 100.0), 100.0);
    b.on_alert(&alert(AlertKind::DeviceFault, "b", 100.5), 100.5);
    b.on_alert(&alert(AlertKind::DeviceOffline, "c", 101.9), 101.9);
    b.on_alert(&alert(AlertKind::DeviceOffline, "d", 110.0), 110.0);
    assert!(only(&b, AlarmCondition::DeviceFault, "a").first_out);
    assert!(!only(&b, AlarmCondition::DeviceFault, "b").first_out);
    assert!(!only(&b, AlarmCondition::DeviceOffline, "c").first_out);
    assert!(
        only(&b, AlarmCondition::DeviceOffline, "d").first_out,
        "a new burst"
    );
}

#[test]
fn an_alarm_active_more_than_three_times_a_minute_is_chattering_until_it_calms() {
    let mut b = book();
    for i in 0..4 {
        let t = 10.0 * f64::from(i);
        b.on_alert(&alert(AlertKind::DeviceOffline, "valve", t), t);
        b.on_alert(
            &alert(AlertKind::DeviceRecovered, "valve", t + 1.0),
            t + 1.0,
        );
        let chattering = only(&b, AlarmCondition::DeviceOffline, "valve").chattering;
        assert_eq!(chattering, i == 3, "activation {}", i + 1);
    }
    let calm_at = b.next_deadline().expect("chattering ends at a time");
    assert_eq!(calm_at, 60.0);
    b.tick(60.5);
    assert!(!only(&b, AlarmCondition::DeviceOffline, "valve").chattering);
}

#[test]
fn shelving_holds_an_alarm_and_it_unshelves_on_its_own_when_the_time_runs_out() {
    let mut b = book();
    b.on_alert(&alert(AlertKind::DeviceFault, "mixer", 0.0), 0.0);
    let id = only(&b, AlarmCondition::DeviceFault, "mixer").id;
    let shelved = b
        .shelve(id, Some(Duration::from_secs(60)), "maintenance", "ana", 1.0)
        .unwrap();
    assert_eq!(shelved.state, AlarmState::Shelved);
    assert_eq!(shelved.shelved_until, Some(61.0));
    assert_eq!(shelved.reason.as_deref(), Some("maintenance"));
    // A new activation while shelved annunciates nothing.
    b.on_alert(&alert(AlertKind::DeviceRecovered, "mixer", 2.0), 2.0);
    let effect = b.on_alert(&alert(AlertKind::DeviceFault, "mixer", 3.0), 3.0);
    assert_eq!(
        effect,
        AlertEffect {
            annunciate: false,
            held: Some(AlarmState::Shelved)
        }
    );
    assert_eq!(b.next_deadline(), Some(61.0));
    b.tick(60.9);
    assert_eq!(b.get(id).unwrap().state, AlarmState::Shelved);
    b.tick(61.0);
    let a = b.get(id).unwrap();
    assert_eq!(a.state, AlarmState::UnackActive, "the fault is still there");
    assert_eq!(a.shelved_until, None);
    let (transitions, _) = b.take_changes();
    let last = transitions.last().unwrap();
    assert_eq!(
        (last.event, last.by.as_deref()),
        (AlarmEvent::Unshelve, None)
    );
}

#[test]
fn shelving_without_a_reason_or_beyond_the_maximum_is_refused() {
    let mut b = book();
    b.on_alert(&alert(AlertKind::DeviceFault, "mixer", 0.0), 0.0);
    let id = only(&b, AlarmCondition::DeviceFault, "mixer").id;
    assert_eq!(
        b.shelve(id, None, "  ", "ana", 1.0),
        Err(AlarmError::NoReason)
    );
    assert_eq!(
        b.shelve(id, None, &"x".repeat(MAX_REASON_CHARS + 1), "ana", 1.0),
        Err(AlarmError::ReasonTooLong)
    );
    assert_eq!(
        b.shelve(id, Some(Duration::from_secs(9 * 3600)), "night", "ana", 1.0),
        Err(AlarmError::ShelfTooLong { max_minutes: 480 })
    );
    assert_eq!(
        b.shelve(99, None, "why", "ana", 1.0),
        Err(AlarmError::Unknown(99))
    );
    assert_eq!(b.get(id).unwrap().state, AlarmState::UnackActive);
}

#[test]
fn a_device_alarm_is_suppressed_while_the_relay_powering_it_is_off() {
    let mut b = book();
    b.on_alert(&alert(AlertKind::DeviceOffline, "conveyor", 0.0), 0.0);
    let id = only(&b, AlarmCondition::DeviceOffline, "conveyor").id;
    b.relay("relay-7", Some("conveyor"), false, 1.0);
    assert_eq!(b.get(id).unwrap().state, AlarmState::Suppressed);
    // A new alarm of the unpowered device starts suppressed and annunciates nothing.
    let effect = b.on_alert(&alert(AlertKind::LimitHigh, "conveyor", 2.0), 2.0);
    assert!(!effect.annunciate);
    assert_eq!(
        only(&b, AlarmCondition::LimitHigh, "conveyor").state,
        AlarmState::Suppressed
    );
    b.relay("relay-7", Some("conveyor"), true, 3.0);
    assert_eq!(
        b.get(id).unwrap().state,
        AlarmState::UnackActive,
        "still offline"
    );
    assert_eq!(
        only(&b, AlarmCondition::LimitHigh, "conveyor").state,
        AlarmState::UnackActive
    );
}

#[test]
fn a_device_out_of_service_holds_its_alarms_until_it_is_taken_back() {
    let mut b = book();
    b.on_alert(&alert(AlertKind::DeviceFault, "boiler", 0.0), 0.0);
    let id = only(&b, AlarmCondition::DeviceFault, "boiler").id;
    assert_eq!(
        b.remove_from_service("boiler", "", "eng", 1.0),
        Err(AlarmError::NoReason)
    );
    assert_eq!(b.remove_from_service("boiler", "repair", "eng", 1.0), Ok(1));
    assert_eq!(b.get(id).unwrap().state, AlarmState::OutOfService);
    b.on_alert(&alert(AlertKind::DeviceRecovered, "boiler", 2.0), 2.0);
    assert_eq!(b.return_to_service("boiler", "eng", 3.0), Ok(1));
    assert_eq!(
        b.get(id).unwrap().state,
        AlarmState::Normal,
        "it recovered meanwhile"
    );
    assert_eq!(
        b.return_to_service("boiler", "eng", 4.0),
        Err(AlarmError::InService("boiler".into()))
    );
}

#[test]
fn a_failed_command_waits_unacknowledged_returned_and_events_are_no_alarms() {
    let mut b = book();
    let mut failed = alert(AlertKind::CommandFailed, "relay-1", 0.0);
    failed.device = None;
    assert!(b.on_alert(&failed, 0.0).annunciate);
    assert_eq!(
        only(&b, AlarmCondition::CommandFailed, "relay-1").state,
        AlarmState::UnackReturned
    );
    b.on_alert(&alert(AlertKind::RelaySwitched, "relay-1", 1.0), 1.0);
    b.on_alert(&alert(AlertKind::DeviceAppeared, "x", 1.0), 1.0);
    assert_eq!(b.alarms.len(), 1);
    assert!(!is_alarm(AlertKind::RelaySwitched));
    assert!(is_alarm(AlertKind::LinkLost));
}

#[test]
fn the_status_counts_per_priority_names_the_top_alarm_and_silence_stops_the_sound() {
    let mut b = book();
    b.on_alert(&alert(AlertKind::DeviceOffline, "a", 0.0), 0.0);
    b.on_alert(&alert(AlertKind::DeviceFault, "b", 1.0), 1.0);
    let mut low = alert(AlertKind::DeviceOffline, "c", 2.0);
    low.severity = Severity::Low;
    b.on_alert(&low, 2.0);
    let status = b.status();
    assert_eq!(
        status.unacknowledged,
        AlarmCounts {
            critical: 1,
            high: 1,
            medium: 0,
            low: 1
        }
    );
    assert_eq!(status.top.as_ref().unwrap().source, "b");
    assert_eq!(status.sounding, Some(Priority::Critical));
    b.silence(3.0);
    assert_eq!(b.status().sounding, None);
    b.on_alert(&alert(AlertKind::DeviceOffline, "d", 4.0), 4.0);
    assert_eq!(
        b.status().sounding,
        Some(Priority::High),
        "a new alarm sounds again"
    );
    assert_eq!(b.acknowledge_all("ana", 5.0), 4);
    assert_eq!(b.status().unacknowledged.total(), 0);
    assert_eq!(b.status().active.total(), 4);
}

#[test]
fn acknowledging_an_unknown_alarm_changes_nothing() {
    let mut b = book();
    b.on_alert(&alert(AlertKind::DeviceFault, "a", 0.0), 0.0);
    let id = only(&b, AlarmCondition::DeviceFault, "a").id;
    assert_eq!(
        b.acknowledge(&[id, 42], "ana", 1.0),
        Err(AlarmError::Unknown(42))
    );
    assert_eq!(b.get(id).unwrap().state, AlarmState::UnackActive);
}

#[test]
fn a_restored_book_keeps_states_and_numbers_new_alarms_after_the_old() {
    let mut b = book();
    b.on_alert(&alert(AlertKind::DeviceFault, "a", 0.0), 0.0);
    b.remove_from_service("z", "works", "eng", 0.5).unwrap();
    let views: Vec<AlarmView> = b.alarms.values().map(|a| a.view.clone()).collect();
    let mut again = book();
    again.restore(views);
    again.on_alert(&alert(AlertKind::DeviceRecovered, "a", 1.0), 1.0);
    assert_eq!(
        only(&again, AlarmCondition::DeviceFault, "a").state,
        AlarmState::UnackReturned
    );
    again.on_alert(&alert(AlertKind::DeviceOffline, "b", 2.0), 2.0);
    assert_eq!(only(&again, AlarmCondition::DeviceOffline, "b").id, 2);
}
