//! The session's tests: literal frames in, with the time as an argument, and what the
//! session asks for out.

use super::*;
use serde_json::json;

const OPEN: &str =
    r#"0{"sid":"e1","upgrades":[],"pingTimeout":1000,"pingInterval":2000,"maxPayload":100000}"#;

/// The heartbeat numbers of Flask-SocketIO's defaults, for tests about other timers.
const PATIENT_OPEN: &str =
    r#"0{"sid":"e1","upgrades":[],"pingTimeout":20000,"pingInterval":25000,"maxPayload":100000}"#;

fn live_session(now: Instant) -> Session {
    live_session_with(now, OPEN)
}

fn live_session_with(now: Instant, open: &str) -> Session {
    let mut session = Session::new(SessionConfig::default(), now);
    let mut out = Vec::new();
    session.on_text(now, open, &mut out);
    session.on_text(now, r#"40{"sid":"s1"}"#, &mut out);
    assert_eq!(session.phase(), Phase::Live);
    session
}

/// Delivers the three snapshots, so the session asks for nothing again.
fn sync(session: &mut Session, now: Instant) {
    for frame in [
        r#"42["devices_update",{"devices":[],"snapshot":true,"server_time":6}]"#,
        r#"42["relays_update",{"relays":[],"snapshot":true,"server_time":6}]"#,
        r#"42["system_stats_update",{"cpu_percent":1,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":5}]"#,
    ] {
        feed(session, now, frame);
    }
}

fn feed(session: &mut Session, now: Instant, frame: &str) -> Vec<Output> {
    let mut out = Vec::new();
    session.on_text(now, frame, &mut out);
    out
}

#[test]
fn handshake_sends_connect_with_token_then_requests_all_three_snapshots() {
    let now = Instant::now();
    let config = SessionConfig {
        auth: Some(json!({"token": "t0k"})),
        ..SessionConfig::default()
    };
    let mut session = Session::new(config, now);
    assert_eq!(
        feed(&mut session, now, OPEN),
        vec![Output::Send(r#"40{"token":"t0k"}"#.into())]
    );
    let out = feed(&mut session, now, r#"40{"sid":"s1"}"#);
    assert_eq!(
        out,
        vec![
            Output::Live,
            Output::Send(r#"42["request_devices"]"#.into()),
            Output::Send(r#"42["request_relays"]"#.into()),
            Output::Send(r#"42["request_system_stats"]"#.into()),
        ]
    );
}

#[test]
fn refused_token_ends_the_session_as_unauthorized() {
    let now = Instant::now();
    let mut session = Session::new(SessionConfig::default(), now);
    feed(&mut session, now, OPEN);
    let out = feed(&mut session, now, r#"44{"message":"unauthorized"}"#);
    assert_eq!(
        out,
        vec![Output::End(EndReason::Unauthorized("unauthorized".into()))]
    );
}

#[test]
fn refusal_with_a_bare_string_ends_the_session_as_refused() {
    let now = Instant::now();
    let mut session = Session::new(SessionConfig::default(), now);
    feed(&mut session, now, OPEN);
    let out = feed(&mut session, now, r#"44"Unable to connect""#);
    assert_eq!(
        out,
        vec![Output::End(EndReason::Refused("Unable to connect".into()))]
    );
}

#[test]
fn snapshots_that_do_not_arrive_are_asked_for_again() {
    let start = Instant::now();
    let mut session = live_session_with(start, PATIENT_OPEN);
    let mut out = Vec::new();
    session.poll(start + Duration::from_millis(1999), &mut out);
    assert!(out.is_empty());
    feed(
        &mut session,
        start + Duration::from_millis(100),
        r#"42["devices_update",{"devices":[],"snapshot":true,"server_time":6}]"#,
    );
    session.poll(start + Duration::from_secs(2), &mut out);
    assert_eq!(
        out,
        vec![
            Output::Send(r#"42["request_relays"]"#.into()),
            Output::Send(r#"42["request_system_stats"]"#.into()),
        ]
    );
    assert_eq!(
        session.next_deadline(start + Duration::from_secs(2)),
        Some(start + Duration::from_secs(4))
    );
    feed(
        &mut session,
        start + Duration::from_millis(2100),
        r#"42["relays_update",{"relays":[],"snapshot":true,"server_time":6}]"#,
    );
    feed(
        &mut session,
        start + Duration::from_millis(2200),
        r#"42["system_stats_update",{"cpu_percent":1,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":5}]"#,
    );
    out.clear();
    session.poll(start + Duration::from_secs(5), &mut out);
    assert!(
        out.is_empty(),
        "a fully synced session asks for nothing: {out:?}"
    );
}

#[test]
fn a_partial_update_does_not_count_as_the_snapshot() {
    let start = Instant::now();
    let mut session = live_session_with(start, PATIENT_OPEN);
    feed(
        &mut session,
        start,
        r#"42["devices_update",{"devices":[],"snapshot":false,"server_time":6}]"#,
    );
    let mut out = Vec::new();
    session.poll(start + Duration::from_secs(2), &mut out);
    assert!(
        out.contains(&Output::Send(r#"42["request_devices"]"#.into())),
        "{out:?}"
    );
}

#[test]
fn ping_is_answered_with_pong() {
    let now = Instant::now();
    let mut session = live_session(now);
    assert_eq!(feed(&mut session, now, "2"), vec![Output::Send("3".into())]);
}

#[test]
fn silence_for_ping_interval_plus_timeout_ends_the_session() {
    let start = Instant::now();
    let mut session = live_session(start);
    sync(&mut session, start);
    let mut out = Vec::new();
    session.poll(start + Duration::from_millis(2999), &mut out);
    assert!(out.is_empty());
    session.poll(start + Duration::from_millis(3000), &mut out);
    assert_eq!(out, vec![Output::End(EndReason::HeartbeatTimeout)]);
}

#[test]
fn a_heartbeat_of_zero_does_not_end_a_session_that_hears_from_the_server_every_second() {
    let start = Instant::now();
    let mut session = live_session_with(
        start,
        r#"0{"sid":"z","upgrades":[],"pingTimeout":0,"pingInterval":0,"maxPayload":100000}"#,
    );
    let mut out = Vec::new();
    // A minute of a frame every second, checked every 100 ms as the link would.
    for tick in 1..=600u64 {
        let now = start + Duration::from_millis(tick * 100);
        if tick % 10 == 0 {
            out.extend(feed(&mut session, now, "2"));
        }
        session.poll(now, &mut out);
        let deadline = session.next_deadline(now).unwrap();
        assert!(deadline > now, "a deadline in the past would spin the link");
    }
    assert!(
        !out.contains(&Output::End(EndReason::HeartbeatTimeout)),
        "the link flapped: {out:?}"
    );
    assert_eq!(session.phase(), Phase::Live);
    assert!(heartbeat_clamped(session.open_info().unwrap()));
    // Silence still ends it, after the floor of 1 s + 1 s.
    session.poll(start + Duration::from_secs(62), &mut out);
    assert_eq!(out.last(), Some(&Output::End(EndReason::HeartbeatTimeout)));
}

#[test]
fn a_heartbeat_of_two_to_the_53_still_ends_a_silent_session_within_three_minutes() {
    let start = Instant::now();
    let mut session = live_session_with(
        start,
        r#"0{"sid":"h","upgrades":[],"pingTimeout":9007199254740992,"pingInterval":9007199254740992}"#,
    );
    sync(&mut session, start);
    assert_eq!(
        session.next_deadline(start + Duration::from_secs(6)),
        Some(start + Duration::from_secs(180))
    );
    let mut out = Vec::new();
    session.poll(start + Duration::from_secs(179), &mut out);
    assert!(out.is_empty());
    session.poll(start + Duration::from_secs(180), &mut out);
    assert_eq!(out, vec![Output::End(EndReason::HeartbeatTimeout)]);
}

#[test]
fn a_heartbeat_at_the_largest_number_overflows_nothing() {
    let start = Instant::now();
    let mut session = live_session_with(
        start,
        r#"0{"sid":"m","upgrades":[],"pingTimeout":18446744073709551615,"pingInterval":18446744073709551615}"#,
    );
    sync(&mut session, start);
    let mut out = Vec::new();
    session.poll(start + Duration::from_secs(1), &mut out);
    assert!(session
        .next_deadline(start + Duration::from_secs(1))
        .is_some());
    session.poll(start + Duration::from_secs(180), &mut out);
    assert_eq!(out, vec![Output::End(EndReason::HeartbeatTimeout)]);
}

#[test]
fn any_frame_restarts_the_heartbeat_clock() {
    let start = Instant::now();
    let mut session = live_session(start);
    sync(&mut session, start);
    feed(&mut session, start + Duration::from_millis(2000), "2");
    let mut out = Vec::new();
    session.poll(start + Duration::from_millis(4000), &mut out);
    assert!(out.is_empty());
    assert_eq!(
        session.next_deadline(start + Duration::from_millis(4000)),
        Some(start + Duration::from_millis(5000))
    );
}

#[test]
fn socket_io_disconnect_and_engine_io_close_end_the_session() {
    let now = Instant::now();
    let mut session = live_session(now);
    assert_eq!(
        feed(&mut session, now, "41"),
        vec![Output::End(EndReason::ServerDisconnected)]
    );
    assert_eq!(
        feed(&mut session, now, "2"),
        vec![],
        "an ended session answers nothing"
    );
    let mut session = live_session(now);
    assert_eq!(
        feed(&mut session, now, "1"),
        vec![Output::End(EndReason::ServerClosed)]
    );
}

#[test]
fn device_update_comes_out_typed() {
    let now = Instant::now();
    let mut session = live_session(now);
    let out = feed(
        &mut session,
        now,
        r#"42["devices_update",{"devices":[{"id":"d1","name":"Boiler","kind":"t","status":"fault","value":null,"unit":null,"last_seen":5}],"snapshot":true,"server_time":6}]"#,
    );
    let [Output::Inbound(Inbound::Devices(update))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert!(update.value.snapshot);
    assert!(update.marks.is_clean());
    assert_eq!(
        update.value.devices[0].status,
        plant_protocol::DeviceStatus::Fault
    );
}

/// A Flask plant's frame for three devices, the middle one's sensor read failed:
/// `json.dumps` writes `NaN`, which strict JSON refuses.
const NAN_FRAME: &str = r#"42["devices_update",{"devices":[{"id":"d1","name":"Boiler","kind":"t","status":"online","value":70.5,"unit":"C","last_seen":5},{"id":"d2","name":"Pump","kind":"f","status":"fault","value":NaN,"unit":"l/s","last_seen":5},{"id":"d3","name":"Fan","kind":"s","status":"online","value":Infinity,"unit":null,"last_seen":-Infinity}],"snapshot":true,"server_time":6}]"#;

#[test]
fn a_nan_for_one_device_keeps_the_others_and_marks_it() {
    let now = Instant::now();
    let mut session = live_session(now);
    let out = feed(&mut session, now, NAN_FRAME);
    let [Output::Inbound(Inbound::Devices(read))] = out.as_slice() else {
        panic!("the update was dropped: {out:?}")
    };
    let devices = &read.value.devices;
    assert_eq!(devices.len(), 3);
    assert_eq!(devices[0].value, Some(70.5));
    assert_eq!(devices[1].value, None);
    assert_eq!(devices[1].status, plant_protocol::DeviceStatus::Fault);
    assert_eq!(read.marks.of(1).unwrap().fields(), ["value"]);
    assert_eq!(read.marks.of(2).unwrap().fields(), ["value", "last_seen"]);
    assert!(read.marks.of(0).is_none());
    assert!(
        session.take_dropped().is_empty(),
        "the frame itself was used"
    );
    assert_eq!(session.take_item_counts(), (0, 2));
    assert_eq!(session.take_item_counts(), (0, 0));
}

#[test]
fn nan_frames_in_a_row_do_not_end_the_session_as_garbage() {
    let now = Instant::now();
    let mut session = live_session(now);
    for _ in 0..50 {
        let out = feed(&mut session, now, NAN_FRAME);
        assert!(matches!(out.as_slice(), [Output::Inbound(_)]), "{out:?}");
    }
    assert_eq!(session.phase(), Phase::Live);
    assert_eq!(session.take_item_counts(), (0, 100));
}

#[test]
fn a_device_without_a_readable_id_is_counted_and_the_rest_kept() {
    let now = Instant::now();
    let mut session = live_session(now);
    let out = feed(
        &mut session,
        now,
        r#"42["relays_update",{"relays":[{"id":null,"state":true},{"id":"r1","name":"Pump","device_id":null,"state":NaN,"changed_at":1,"changed_by":null}],"snapshot":false,"server_time":6}]"#,
    );
    let [Output::Inbound(Inbound::Relays(read))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(read.value.relays.len(), 1);
    assert_eq!(read.marks.dropped, 1);
    assert_eq!(read.marks.of(0).unwrap().fields(), ["state"]);
    assert_eq!(session.take_item_counts(), (1, 1));
}

#[test]
fn stats_with_nan_still_count_as_the_stats_snapshot() {
    let start = Instant::now();
    let mut session = live_session_with(start, PATIENT_OPEN);
    let out = feed(
        &mut session,
        start,
        r#"42["system_stats_update",{"cpu_percent":NaN,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":5}]"#,
    );
    let [Output::Inbound(Inbound::Stats(read))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(read.marks.of(0).unwrap().fields(), ["cpu_percent"]);
    let mut out = Vec::new();
    session.poll(start + Duration::from_secs(2), &mut out);
    assert!(
        !out.contains(&Output::Send(r#"42["request_system_stats"]"#.into())),
        "{out:?}"
    );
}

#[test]
fn a_set_relay_ack_with_an_unreadable_relay_still_answers_the_command() {
    let now = Instant::now();
    let mut session = live_session(now);
    let request = SetRelayRequest {
        relay_id: "r1".into(),
        state: true,
        request_id: "req-1".into(),
        issued_at: 10.0,
        operator: None,
    };
    session.set_relay(&request).unwrap();
    let out = feed(
        &mut session,
        now,
        r#"431[{"ok":true,"duplicate":false,"relay":{"id":"r1","name":"Pump","device_id":null,"state":true,"changed_at":NaN,"changed_by":"op"}}]"#,
    );
    assert!(
        matches!(
            out.as_slice(),
            [Output::Inbound(Inbound::RelayResult { request_id, result: SetRelayResult::Applied { .. } })] if request_id == "req-1"
        ),
        "{out:?}"
    );
    assert_eq!(session.take_item_counts(), (0, 1));
}

#[test]
fn set_relay_ack_is_matched_to_its_request_id() {
    let now = Instant::now();
    let mut session = live_session(now);
    let request = SetRelayRequest {
        relay_id: "r1".into(),
        state: true,
        request_id: "req-1".into(),
        issued_at: 10.0,
        operator: None,
    };
    let frame = session.set_relay(&request).unwrap();
    assert!(frame.starts_with(r#"421["set_relay",{"#), "{frame}");
    let out = feed(
        &mut session,
        now,
        r#"431[{"ok":true,"duplicate":false,"relay":{"id":"r1","name":"Pump","device_id":null,"state":true,"changed_at":10,"changed_by":"op"}}]"#,
    );
    let [Output::Inbound(Inbound::RelayResult { request_id, result })] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(request_id, "req-1");
    assert!(matches!(
        result,
        SetRelayResult::Applied {
            duplicate: false,
            ..
        }
    ));
}

#[test]
fn commands_are_not_sent_before_the_session_is_live() {
    let now = Instant::now();
    let mut session = Session::new(SessionConfig::default(), now);
    feed(&mut session, now, OPEN);
    let request = SetRelayRequest {
        relay_id: "r1".into(),
        state: true,
        request_id: "x".into(),
        issued_at: 1.0,
        operator: None,
    };
    assert_eq!(session.set_relay(&request), None);
}

#[test]
fn probe_ack_gives_a_round_trip_and_the_stats() {
    let start = Instant::now();
    let mut session = live_session(start);
    assert_eq!(
        session.probe(start).unwrap(),
        r#"421["request_system_stats"]"#
    );
    let out = feed(
        &mut session,
        start + Duration::from_millis(7),
        r#"431[{"cpu_percent":1,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":5}]"#,
    );
    assert_eq!(
        out[0],
        Output::Inbound(Inbound::RoundTrip(Duration::from_millis(7)))
    );
    assert!(matches!(out[1], Output::Inbound(Inbound::Stats(_))));
}

#[test]
fn bad_frames_are_dropped_and_counted_without_ending_the_session() {
    let now = Instant::now();
    let mut session = live_session(now);
    for frame in [
        "9",
        r#"42["mystery",{}]"#,
        r#"42["devices_update",{"devices":"no"}]"#,
        "43",
        "4399[1]",
    ] {
        assert_eq!(feed(&mut session, now, frame), vec![], "{frame}");
    }
    assert_eq!(session.take_dropped().len(), 5);
    assert_eq!(session.phase(), Phase::Live);
    assert_eq!(feed(&mut session, now, "2"), vec![Output::Send("3".into())]);
}

#[test]
fn a_server_that_keeps_sending_garbage_is_disconnected() {
    let now = Instant::now();
    let mut session = live_session(now);
    let mut ended = Vec::new();
    for _ in 0..20 {
        ended.extend(feed(&mut session, now, "x"));
    }
    assert_eq!(ended, vec![Output::End(EndReason::TooManyBadFrames)]);
}

#[test]
fn frames_over_max_payload_are_read_because_it_bounds_what_the_client_sends() {
    let now = Instant::now();
    let mut session = Session::new(SessionConfig::default(), now);
    feed(
        &mut session,
        now,
        r#"0{"sid":"e","upgrades":[],"pingTimeout":1,"pingInterval":1,"maxPayload":10}"#,
    );
    feed(&mut session, now, "40");
    let out = feed(
        &mut session,
        now,
        r#"42["devices_update",{"devices":[],"snapshot":true,"server_time":1.0}]"#,
    );
    assert!(
        matches!(&out[..], [Output::Inbound(Inbound::Devices(update))] if update.value.snapshot),
        "{out:?}"
    );
    assert!(session.take_dropped().is_empty());
}

#[test]
fn stale_threshold_rises_with_a_slow_stats_period() {
    let start = Instant::now();
    let mut session = live_session(start);
    let stats = r#"42["system_stats_update",{"cpu_percent":1,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":5}]"#;
    assert_eq!(session.stale_after(), Duration::from_secs(5));
    feed(&mut session, start, stats);
    feed(&mut session, start + Duration::from_secs(4), stats);
    assert_eq!(session.stale_after(), Duration::from_secs(10));
    assert!(!session.is_stale(start + Duration::from_secs(13)));
    assert!(session.is_stale(start + Duration::from_secs(14)));
}

#[test]
fn message_before_open_is_a_protocol_error() {
    let now = Instant::now();
    let mut session = Session::new(SessionConfig::default(), now);
    let out = feed(&mut session, now, "40");
    assert!(matches!(
        out.as_slice(),
        [Output::End(EndReason::Protocol(_))]
    ));
}
