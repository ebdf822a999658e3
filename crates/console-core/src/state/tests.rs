//! The plant state's tests: snapshot and update semantics, the changes they report, and
//! the marks of what could not be read.

use super::*;
use plant_protocol::DeviceStatus;
use serde_json::Map;

fn device(id: &str, value: f64) -> Device {
    Device {
        id: id.into(),
        name: format!("Device {id}"),
        kind: "temperature".into(),
        status: DeviceStatus::Online,
        value: Some(value),
        unit: Some("\u{b0}C".into()),
        last_seen: 1.0,
        extra: Default::default(),
    }
}

fn devices(list: Vec<Device>, snapshot: bool) -> DevicesUpdate {
    DevicesUpdate {
        devices: list,
        snapshot,
        server_time: 2.0,
    }
}

#[test]
fn snapshot_removes_devices_it_does_not_list() {
    let mut state = PlantState::default();
    let mut changes = Vec::new();
    state.apply_devices(
        devices(vec![device("a", 1.0), device("b", 2.0)], true),
        10.0,
        &mut changes,
    );
    assert_eq!(changes.len(), 2);
    changes.clear();
    state.apply_devices(devices(vec![device("b", 2.0)], true), 11.0, &mut changes);
    assert_eq!(
        changes,
        vec![Change::DeviceRemoved(device("a", 1.0).into())]
    );
    assert!(state.device("a").is_none());
    assert_eq!(
        state.device("b").unwrap().received_at,
        10.0,
        "an unchanged value keeps its time"
    );
}

#[test]
fn partial_update_only_upserts() {
    let mut state = PlantState::default();
    let mut changes = Vec::new();
    state.apply_devices(
        devices(vec![device("a", 1.0), device("b", 2.0)], true),
        10.0,
        &mut changes,
    );
    changes.clear();
    state.apply_devices(devices(vec![device("b", 3.0)], false), 12.0, &mut changes);
    assert_eq!(changes.len(), 1);
    let Change::Device { before, after } = &changes[0] else {
        panic!()
    };
    assert_eq!(before.as_ref().unwrap().value, Some(2.0));
    assert_eq!(after.device.value, Some(3.0));
    assert!(state.device("a").is_some());
}

#[test]
fn repeated_snapshot_of_the_same_plant_changes_nothing() {
    let mut state = PlantState::default();
    let mut changes = Vec::new();
    let list = vec![device("a", 1.0)];
    state.apply_devices(devices(list.clone(), true), 10.0, &mut changes);
    changes.clear();
    state.apply_devices(devices(list, true), 20.0, &mut changes);
    assert!(changes.is_empty());
}

fn marks(items: Vec<(usize, &[&str])>) -> Marks {
    Marks {
        items: items
            .into_iter()
            .map(|(i, names)| (i, Unreadable::from_names(names.iter().copied())))
            .collect(),
        dropped: 0,
    }
}

#[test]
fn an_unreadable_value_is_never_the_old_value_and_the_status_still_applies() {
    let mut state = PlantState::default();
    let mut changes = Vec::new();
    state.apply_devices(
        devices(vec![device("a", 71.0), device("b", 2.0)], true),
        10.0,
        &mut changes,
    );
    changes.clear();
    // What the per-item reader makes of `"value": NaN, "status": "fault"` for "a".
    let mut bad = device("a", 0.0);
    bad.value = None;
    bad.status = DeviceStatus::Fault;
    state.apply_devices_read(
        devices(vec![bad, device("b", 3.0)], true),
        &marks(vec![(0, &["value"])]),
        12.0,
        &mut changes,
    );
    let a = state.device("a").unwrap();
    assert_eq!(a.device.value, None, "the old 71 must not stay as if fresh");
    assert_eq!(a.device.status, DeviceStatus::Fault);
    assert_eq!(a.quality, Quality::BAD_VALUE);
    assert_eq!(a.received_at, 12.0);
    assert_eq!(state.device("b").unwrap().device.value, Some(3.0));
    assert!(state.device("b").unwrap().quality.is_good());
    assert!(changes.iter().any(|c| matches!(c,
        Change::Readability { subject: Subject::Device, id, before, after, .. }
            if id == "a" && before.is_empty() && after.fields() == ["value"])));
    changes.clear();
    // The same bad report again changes nothing; a readable one makes it good again.
    let mut bad = device("a", 0.0);
    bad.value = None;
    bad.status = DeviceStatus::Fault;
    state.apply_devices_read(
        devices(vec![bad], false),
        &marks(vec![(0, &["value"])]),
        13.0,
        &mut changes,
    );
    assert!(changes.is_empty(), "{changes:?}");
    state.apply_devices(devices(vec![device("a", 70.0)], false), 14.0, &mut changes);
    assert!(state.device("a").unwrap().quality.is_good());
    assert!(changes.iter().any(|c| matches!(c,
        Change::Readability { before, after, .. } if after.is_empty() && !before.is_empty())));
}

#[test]
fn an_unreadable_name_or_status_keeps_the_last_readable_one() {
    let mut state = PlantState::default();
    let mut changes = Vec::new();
    state.apply_devices(devices(vec![device("a", 1.0)], true), 10.0, &mut changes);
    let mut bad = device("a", 5.0);
    bad.name = String::new();
    bad.status = DeviceStatus::Unknown;
    state.apply_devices_read(
        devices(vec![bad], false),
        &marks(vec![(0, &["name", "status"])]),
        11.0,
        &mut changes,
    );
    let a = &state.device("a").unwrap().device;
    assert_eq!(a.name, "Device a");
    assert_eq!(a.status, DeviceStatus::Online);
    assert_eq!(a.value, Some(5.0));
}

#[test]
fn a_relay_whose_state_cannot_be_read_keeps_its_state_but_confirms_nothing() {
    let relay = Relay {
        id: "r1".into(),
        name: "Pump".into(),
        device_id: None,
        state: true,
        changed_at: 1.0,
        changed_by: None,
        extra: Map::new(),
    };
    let mut state = PlantState::default();
    let mut changes = Vec::new();
    state.apply_relay(relay.clone(), Unreadable::default(), 1.0, &mut changes);
    assert_eq!(state.relay("r1").unwrap().readable_state(), Some(true));
    let placeholder = Relay {
        state: false,
        ..relay
    };
    changes.clear();
    state.apply_relay(
        placeholder,
        Unreadable::from_names(["state"]),
        2.0,
        &mut changes,
    );
    let entry = state.relay("r1").unwrap();
    assert!(entry.relay.state, "no switch is made up from a placeholder");
    assert_eq!(entry.readable_state(), None);
    assert!(entry.quality.is_bad());
    assert!(
        matches!(&changes[0], Change::Relay { before: Some(b), after } if b.state == after.relay.state)
    );
}

#[test]
fn the_caches_copy_is_unconfirmed_until_the_plant_sends_it_again() {
    let restored = DeviceEntry::restored(Arc::new(device("a", 1.0)), 5.0, Unreadable::default());
    assert_eq!(restored.quality.reason, Some(QualityReason::Unconfirmed));
    let mut state = PlantState::from_parts(vec![restored], Vec::new(), None);
    let mut changes = Vec::new();
    state.apply_devices(devices(vec![device("a", 1.0)], true), 10.0, &mut changes);
    let entry = state.device("a").unwrap();
    assert!(entry.quality.is_good());
    assert_eq!(entry.received_at, 5.0, "the same value keeps its time");
    assert_eq!(changes.len(), 1, "the confirmation reaches the window");
    changes.clear();
    state.apply_devices(devices(vec![device("a", 1.0)], true), 11.0, &mut changes);
    assert!(changes.is_empty());
}

#[test]
fn stats_with_an_unreadable_figure_keep_the_last_readable_one_and_are_bad() {
    let stats = |cpu: f64| SystemStats {
        cpu_percent: cpu,
        memory_percent: 2.0,
        disk_percent: 3.0,
        uptime_s: 4.0,
        clients: 1,
        server_time: 5.0,
        extra: Map::new(),
    };
    let mut state = PlantState::default();
    let mut changes = Vec::new();
    state.apply_stats(stats(12.0), 1.0, &mut changes);
    state.apply_stats_read(
        stats(0.0),
        Unreadable::from_names(["cpu_percent"]),
        2.0,
        &mut changes,
    );
    let entry = state.stats().unwrap();
    assert_eq!(entry.stats.cpu_percent, 12.0);
    assert!(entry.quality.is_bad());
    assert!(matches!(
        changes.last(),
        Some(Change::Readability {
            subject: Subject::Stats,
            ..
        })
    ));
}

#[test]
fn relay_snapshot_removes_and_upserts() {
    let relay = |id: &str, on: bool| Relay {
        id: id.into(),
        name: "Pump".into(),
        device_id: None,
        state: on,
        changed_at: 1.0,
        changed_by: None,
        extra: Map::new(),
    };
    let mut state = PlantState::default();
    let mut changes = Vec::new();
    state.apply_relays(
        RelaysUpdate {
            relays: vec![relay("r1", false), relay("r2", true)],
            snapshot: true,
            server_time: 1.0,
        },
        1.0,
        &mut changes,
    );
    changes.clear();
    state.apply_relays(
        RelaysUpdate {
            relays: vec![relay("r1", true)],
            snapshot: true,
            server_time: 2.0,
        },
        2.0,
        &mut changes,
    );
    assert_eq!(changes.len(), 2);
    assert!(matches!(&changes[0], Change::RelayRemoved(r) if r.id == "r2"));
    assert!(
        matches!(&changes[1], Change::Relay { before: Some(b), after } if !b.state && after.relay.state)
    );
}
