//! The alert rules' tests: each rule on literal changes, link states and commands, and the
//! words each alert gets.

use super::*;
use crate::alerts::wording::reading;
use crate::state::{DeviceEntry, RelayEntry};
use console_i18n::{word, Language, Message};
use plant_protocol::{DevicesUpdate, RelaysUpdate};
use serde_json::Map;

fn device(id: &str, status: DeviceStatus, value: f64, at: f64) -> DeviceEntry {
    DeviceEntry {
        device: std::sync::Arc::new(Device {
            id: id.into(),
            name: format!("Boiler {id}"),
            kind: "temperature".into(),
            status,
            value: Some(value),
            unit: Some("\u{b0}C".into()),
            last_seen: at,
            extra: Map::from_iter([("location".to_owned(), "Hall 2".into())]).into(),
        }),
        received_at: at,
        unreadable: Default::default(),
        quality: Default::default(),
    }
}

fn relay(id: &str, name: &str, state: bool, by: Option<&str>, at: f64) -> RelayEntry {
    RelayEntry {
        relay: Relay {
            id: id.into(),
            name: name.into(),
            device_id: None,
            state,
            changed_at: at,
            changed_by: by.map(str::to_owned),
            extra: Map::new(),
        },
        received_at: at,
        unreadable: Default::default(),
        quality: Default::default(),
    }
}

fn rules_with_limit() -> Rules {
    let settings = AlertSettings {
        limits: vec![Limit {
            device_id: None,
            device_kind: Some("temperature".into()),
            high: Some(90.0),
            low: Some(10.0),
            deadband: 2.0,
        }],
        ..AlertSettings::default()
    };
    Rules::new(&settings, "plant.example:8080")
}

fn changed(rules: &mut Rules, before: &DeviceEntry, after: DeviceEntry) -> Vec<Alert> {
    let mut out = Vec::new();
    rules.on_change(
        &Change::Device {
            before: Some(before.device.clone()),
            after,
        },
        0.0,
        Appearances::Journal,
        &mut out,
    );
    out
}

fn kinds(alerts: &[Alert]) -> Vec<AlertKind> {
    alerts.iter().map(|a| a.kind).collect()
}

#[test]
fn a_relay_switch_says_which_relay_went_which_way_and_who_switched_it() {
    let mut rules = Rules::new(&AlertSettings::default(), "plant");
    let mut out = Vec::new();
    rules.on_change(
        &Change::Relay {
            before: Some(relay("relay-03", "Pump 3", true, None, 1.0).relay),
            after: relay("relay-03", "Pump 3", false, Some("operator-2"), 5.0),
        },
        6.0,
        Appearances::Journal,
        &mut out,
    );
    assert_eq!(out.len(), 1);
    let alert = &out[0];
    assert_eq!(alert.title, "Relay Pump 3 switched OFF by operator-2");
    assert_eq!(alert.body, "relay-03 · was ON");
    assert_eq!(
        (alert.kind, alert.severity, alert.at, alert.subject.as_str()),
        (AlertKind::RelaySwitched, Severity::Low, 5.0, "relay-03")
    );
    assert_eq!(alert.key, "relay_switched:relay-03:off");

    // A relay update that does not change the state is no alert.
    let mut out = Vec::new();
    rules.on_change(
        &Change::Relay {
            before: Some(relay("relay-03", "Pump 3", false, None, 5.0).relay),
            after: relay("relay-03", "Pump 3", false, Some("x"), 7.0),
        },
        7.0,
        Appearances::Journal,
        &mut out,
    );
    assert!(out.is_empty());
}

#[test]
fn a_device_going_offline_into_fault_and_back_each_raise_their_alert() {
    let mut rules = Rules::new(&AlertSettings::default(), "plant");
    let online = device("dev-001", DeviceStatus::Online, 71.3, 1.0);
    let offline = device("dev-001", DeviceStatus::Offline, 71.3, 2.0);
    let fault = device("dev-001", DeviceStatus::Fault, 71.3, 3.0);
    let back = device("dev-001", DeviceStatus::Online, 70.0, 4.0);

    let went = changed(&mut rules, &online, offline.clone());
    assert_eq!(kinds(&went), vec![AlertKind::DeviceOffline]);
    assert_eq!(went[0].title, "Device Boiler dev-001 went offline");
    assert_eq!(
        went[0].body,
        "dev-001 · Hall 2 · was online · last value 71.3 \u{b0}C"
    );
    assert_eq!(went[0].severity, Severity::High);

    let faulted = changed(&mut rules, &offline, fault.clone());
    assert_eq!(kinds(&faulted), vec![AlertKind::DeviceFault]);
    assert_eq!(faulted[0].severity, Severity::Critical);

    let recovered = changed(&mut rules, &fault, back);
    assert_eq!(kinds(&recovered), vec![AlertKind::DeviceRecovered]);
    assert_eq!(recovered[0].title, "Device Boiler dev-001 is back online");
    assert_eq!(recovered[0].body, "dev-001 · Hall 2 · was fault");
    assert_eq!(recovered[0].severity, Severity::Info);
}

#[test]
fn a_device_appearing_in_a_known_plant_is_an_alert_but_learning_the_plant_is_not() {
    let mut rules = Rules::new(&AlertSettings::default(), "plant");
    let learnt = Change::Device {
        before: None,
        after: device("dev-008", DeviceStatus::Online, 3.0, 1.0),
    };
    let mut out = Vec::new();
    rules.on_change(&learnt, 1.0, Appearances::Quiet, &mut out);
    assert!(out.is_empty(), "learning a healthy device says nothing");

    // A device met already offline: while learning the plant no alert (its standing
    // alarm goes to the book alone), but new to a known plant it is news.
    let appeared = Change::Device {
        before: None,
        after: device("dev-009", DeviceStatus::Offline, 3.0, 1.0),
    };
    rules.on_change(&appeared, 1.0, Appearances::Quiet, &mut out);
    assert!(out.is_empty());
    let Change::Device { after, .. } = &appeared else {
        unreachable!()
    };
    let standing = rules.standing(&after.device, 1.0).unwrap();
    assert_eq!(standing.kind, AlertKind::DeviceOffline);
    assert_eq!(standing.title, "Device Boiler dev-009 is offline");
    let mut out = Vec::new();
    rules.on_change(&appeared, 1.0, Appearances::Journal, &mut out);
    assert_eq!(
        kinds(&out),
        vec![AlertKind::DeviceAppeared, AlertKind::DeviceOffline]
    );
    assert_eq!(out[0].title, "Device Boiler dev-009 appeared");
    assert_eq!(out[0].body, "dev-009 · Hall 2 · offline · 3 \u{b0}C");

    let mut out = Vec::new();
    rules.on_change(
        &Change::DeviceRemoved(device("dev-009", DeviceStatus::Online, 3.0, 1.0).device),
        8.0,
        Appearances::Quiet,
        &mut out,
    );
    assert_eq!(kinds(&out), vec![AlertKind::DeviceRemoved]);
    assert_eq!(out[0].title, "Device Boiler dev-009 was removed");
    assert_eq!(out[0].at, 8.0);
}

#[test]
fn an_unreadable_value_raises_a_bad_value_alert_and_never_a_limit_alert() {
    let mut rules = rules_with_limit();
    let mut state = PlantState::default();
    let frame = |value: &str| {
        format!(
            r#"{{"devices":[{{"id":"dev-001","name":"Boiler","kind":"temperature","status":"online","value":{value},"unit":"C","last_seen":1}}],"snapshot":false,"server_time":2}}"#
        )
    };
    let mut raised = Vec::new();
    for (at, value) in [
        (1.0, "80"),
        (2.0, "1e400"),
        (3.0, "Infinity"),
        (4.0, "\"95\""),
        (5.0, "85"),
    ] {
        let read = plant_link::items::devices_update(&frame(value)).unwrap();
        let mut changes = Vec::new();
        state.apply_devices_read(read.value, &read.marks, at, &mut changes);
        let mut out = Vec::new();
        // The first reading is the console learning the plant.
        let appearances = if at == 1.0 {
            Appearances::Quiet
        } else {
            Appearances::Journal
        };
        for change in &changes {
            rules.on_change(change, at, appearances, &mut out);
        }
        raised.extend(out.into_iter().map(|alert| (at, alert.kind, alert.title)));
    }
    assert_eq!(
        raised,
        vec![(
            2.0,
            AlertKind::BadValue,
            "Device Boiler: bad value from the plant".to_owned()
        )],
        "a huge, infinite or text value is not above the limit: it is unreadable"
    );
}

#[test]
fn a_value_crossing_a_limit_alerts_once_and_clears_only_past_the_deadband() {
    let mut rules = rules_with_limit();
    let mut previous = device("dev-001", DeviceStatus::Online, 80.0, 0.0);
    let mut raised = Vec::new();
    // Up past the limit, hovering around it, down inside the deadband, then out of it.
    for (i, value) in [85.0, 90.5, 89.5, 91.0, 88.5, 88.0, 87.9, 90.0, 91.0]
        .into_iter()
        .enumerate()
    {
        let next = device("dev-001", DeviceStatus::Online, value, i as f64);
        for alert in changed(&mut rules, &previous, next.clone()) {
            raised.push((value, alert.kind));
        }
        previous = next;
    }
    assert_eq!(
        raised,
        vec![
            (90.5, AlertKind::LimitHigh),
            (88.0, AlertKind::LimitCleared),
            (91.0, AlertKind::LimitHigh),
        ]
    );

    let low = changed(
        &mut rules,
        &previous,
        device("dev-001", DeviceStatus::Online, 4.25, 20.0),
    );
    assert_eq!(kinds(&low), vec![AlertKind::LimitLow]);
    assert_eq!(
        low[0].title,
        "Boiler dev-001 is below its low limit: 4.25 \u{b0}C"
    );
    assert_eq!(low[0].body, "dev-001 · Hall 2 · low limit 10 \u{b0}C");
    assert_eq!(low[0].key, "limit_low:dev-001:low");
}

#[test]
fn a_limit_set_while_running_alerts_on_the_next_reading_past_it() {
    let mut rules = Rules::new(&AlertSettings::default(), "plant");
    let warm = device("dev-001", DeviceStatus::Online, 60.0, 0.0);
    let warmer = device("dev-001", DeviceStatus::Online, 61.0, 1.0);
    assert!(changed(&mut rules, &warm, warmer.clone()).is_empty());
    let settings = AlertSettings {
        limits: vec![Limit {
            device_id: None,
            device_kind: Some("temperature".into()),
            high: Some(50.0),
            low: None,
            deadband: 0.0,
        }],
        ..AlertSettings::default()
    };
    rules.configure(&settings, "plant");
    let warmest = device("dev-001", DeviceStatus::Online, 62.0, 2.0);
    assert_eq!(
        kinds(&changed(&mut rules, &warmer, warmest)),
        vec![AlertKind::LimitHigh]
    );
}

#[test]
fn a_limit_for_one_device_wins_over_the_limit_for_its_kind() {
    let settings = AlertSettings {
        limits: vec![
            Limit {
                device_id: None,
                device_kind: Some("temperature".into()),
                high: Some(50.0),
                low: None,
                deadband: 0.0,
            },
            Limit {
                device_id: Some("dev-002".into()),
                device_kind: None,
                high: Some(100.0),
                low: None,
                deadband: 0.0,
            },
        ],
        ..AlertSettings::default()
    };
    let mut rules = Rules::new(&settings, "plant");
    let cool = |id: &str| device(id, DeviceStatus::Online, 20.0, 0.0);
    let warm = |id: &str| device(id, DeviceStatus::Online, 60.0, 1.0);
    assert_eq!(
        kinds(&changed(&mut rules, &cool("dev-001"), warm("dev-001"))),
        vec![AlertKind::LimitHigh]
    );
    assert!(changed(&mut rules, &cool("dev-002"), warm("dev-002")).is_empty());
}

#[test]
fn a_value_already_beyond_its_limit_in_the_restored_plant_raises_nothing_until_it_changes_band() {
    let mut rules = rules_with_limit();
    let hot = device("dev-001", DeviceStatus::Online, 95.0, 0.0);
    rules.seed(&PlantState::from_parts(vec![hot.clone()], vec![], None));
    let hotter = device("dev-001", DeviceStatus::Online, 97.0, 1.0);
    assert!(changed(&mut rules, &hot, hotter.clone()).is_empty());
    let cooled = device("dev-001", DeviceStatus::Online, 50.0, 2.0);
    assert_eq!(
        kinds(&changed(&mut rules, &hotter, cooled)),
        vec![AlertKind::LimitCleared]
    );
}

#[test]
fn the_link_is_an_alert_only_after_the_threshold_and_its_return_only_after_that() {
    let mut rules = Rules::new(&AlertSettings::default(), "plant.example:8080");
    let state = |mode, since| LinkState {
        mode,
        since,
        detail: None,
        address: Default::default(),
    };
    let mut out = Vec::new();
    rules.on_link(&state(LinkMode::Realtime, 0.0), &mut out);
    // A short interruption: nothing at all.
    rules.on_link(&state(LinkMode::Offline, 100.0), &mut out);
    assert_eq!(rules.next_deadline(), Some(110.0));
    rules.tick(109.0, &mut out);
    rules.on_link(&state(LinkMode::Realtime, 109.5), &mut out);
    assert!(out.is_empty());
    assert_eq!(rules.next_deadline(), None);

    // A long one, through Offline and Connecting: one loss, one return.
    rules.on_link(&state(LinkMode::Offline, 200.0), &mut out);
    rules.on_link(
        &LinkState {
            mode: LinkMode::Connecting,
            since: 203.0,
            detail: Some("connection refused".into()),
            address: Default::default(),
        },
        &mut out,
    );
    rules.tick(209.9, &mut out);
    assert!(out.is_empty());
    rules.tick(210.0, &mut out);
    rules.tick(230.0, &mut out);
    assert_eq!(kinds(&out), vec![AlertKind::LinkLost]);
    assert_eq!(out[0].title, "Plant link lost: no data for 10 s");
    assert_eq!(
        out[0].body,
        "plant.example:8080 · Connecting: connection refused · values shown are the last known"
    );
    assert_eq!(out[0].severity, Severity::Critical);
    assert_eq!(rules.next_deadline(), None, "alerted once");
    rules.on_link(&state(LinkMode::Fallback, 272.0), &mut out);
    assert_eq!(
        kinds(&out),
        vec![AlertKind::LinkLost, AlertKind::LinkRestored]
    );
    assert_eq!(out[1].title, "Plant link restored after 1 min 12 s");
    assert_eq!(out[1].body, "plant.example:8080 · HTTP fallback");
}

#[test]
fn a_failed_or_expired_command_is_an_alert_naming_the_relay_and_the_operator() {
    let mut rules = Rules::new(&AlertSettings::default(), "plant");
    let mut out = Vec::new();
    rules.on_change(
        &Change::Relay {
            before: None,
            after: relay("relay-05", "Fan 5", false, None, 1.0),
        },
        1.0,
        Appearances::Quiet,
        &mut out,
    );
    let mut command = QueuedCommand {
        seq: 1,
        request_id: "req-1".into(),
        relay_id: "relay-05".into(),
        state: true,
        issued_at: 10.0,
        expires_at: 130.0,
        status: Status::Sent,
        attempts: 1,
        error: None,
        operator: "op".into(),
        host: "cr".into(),
        signed_in: None,
        signed_in_role: None,
        updated_at: 11.0,
        plant: None,
    };
    rules.on_command(&command, &mut out);
    assert!(out.is_empty(), "a command on its way is not an alert");
    command.status = Status::Failed;
    command.error = Some("forbidden: relay \"relay-05\" is locked at the plant".into());
    rules.on_command(&command, &mut out);
    command.status = Status::Expired;
    command.error = None;
    rules.on_command(&command, &mut out);
    assert_eq!(
        kinds(&out),
        vec![AlertKind::CommandFailed, AlertKind::CommandExpired]
    );
    assert_eq!(out[0].title, "Command to switch Fan 5 ON failed");
    assert_eq!(
        out[0].body,
        "relay-05 · forbidden: relay \"relay-05\" is locked at the plant · requested by op"
    );
    assert_eq!(out[1].title, "Command to switch Fan 5 ON expired");
    assert_eq!(out[0].severity, Severity::High);
}

#[test]
fn a_site_can_change_the_severity_of_a_kind() {
    let mut settings = AlertSettings::default();
    settings
        .severities
        .insert(AlertKind::RelaySwitched, Severity::Critical);
    let mut rules = Rules::new(&settings, "plant");
    let mut out = Vec::new();
    rules.on_change(
        &Change::Relay {
            before: Some(relay("r", "Pump", false, None, 0.0).relay),
            after: relay("r", "Pump", true, None, 1.0),
        },
        1.0,
        Appearances::Journal,
        &mut out,
    );
    assert_eq!(out[0].severity, Severity::Critical);
    assert_eq!(out[0].title, "Relay Pump switched ON");
}

#[test]
fn an_identical_snapshot_after_a_reconnect_raises_nothing_and_a_different_one_raises_each_difference_once(
) {
    let mut state = PlantState::default();
    let mut rules = rules_with_limit();
    let fleet = |statuses: [DeviceStatus; 3]| DevicesUpdate {
        devices: statuses
            .iter()
            .enumerate()
            .map(|(i, &status)| (*device(&format!("dev-{i}"), status, 50.0, 1.0).device).clone())
            .collect(),
        snapshot: true,
        server_time: 1.0,
    };
    let relays = |on: bool| RelaysUpdate {
        relays: vec![relay("relay-01", "Pump 1", on, Some("op"), 1.0).relay],
        snapshot: true,
        server_time: 1.0,
    };
    let mut feed = |state: &mut PlantState, devices: DevicesUpdate, relays: RelaysUpdate| {
        let mut out = Vec::new();
        let mut changes = Vec::new();
        let appearances = Appearances::news_if(state.devices().next().is_some());
        state.apply_devices(devices, 2.0, &mut changes);
        for change in &changes {
            rules.on_change(change, 2.0, appearances, &mut out);
        }
        let mut changes = Vec::new();
        let appearances = Appearances::news_if(state.relays().next().is_some());
        state.apply_relays(relays, 2.0, &mut changes);
        for change in &changes {
            rules.on_change(change, 2.0, appearances, &mut out);
        }
        out
    };
    let online = [DeviceStatus::Online; 3];
    // The first fill of an empty cache: the console learns the plant, no flood.
    assert!(feed(&mut state, fleet(online), relays(false)).is_empty());
    // Reconnects that bring the same plant, again and again: nothing.
    for _ in 0..3 {
        assert!(feed(&mut state, fleet(online), relays(false)).is_empty());
    }
    // A reconnect after which one device is offline and the relay was switched:
    // exactly those two, once.
    let changed = [
        DeviceStatus::Online,
        DeviceStatus::Offline,
        DeviceStatus::Online,
    ];
    assert_eq!(
        kinds(&feed(&mut state, fleet(changed), relays(true))),
        vec![AlertKind::DeviceOffline, AlertKind::RelaySwitched]
    );
    assert!(feed(&mut state, fleet(changed), relays(true)).is_empty());
}

#[test]
fn readings_and_spans_read_naturally() {
    let title = |value: f64, unit: Option<&str>| {
        let message = reading(
            Message::new("alert-limit-high-title").text("name", "X"),
            "value",
            value,
            unit,
        );
        word(Language::En, &message)
    };
    assert_eq!(
        title(71.0, Some("\u{b0}C")),
        "X is above its high limit: 71 \u{b0}C"
    );
    assert_eq!(
        title(1.23456, Some("bar")),
        "X is above its high limit: 1.23 bar"
    );
    assert_eq!(title(-0.5, None), "X is above its high limit: -0.5");
    let lost = |seconds: f64| {
        word(
            Language::En,
            &Message::new("alert-link-lost-title").duration("duration", seconds),
        )
    };
    assert_eq!(lost(9.6), "Plant link lost: no data for 10 s");
    assert_eq!(lost(60.0), "Plant link lost: no data for 1 min");
    assert_eq!(lost(72.0), "Plant link lost: no data for 1 min 12 s");
    assert_eq!(lost(7500.0), "Plant link lost: no data for 2 h 5 min");
}
