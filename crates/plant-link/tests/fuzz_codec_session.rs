//! Property tests that fuzz the codec and the session: whatever a server sends, in any
//! order and at any time, nothing panics and an ended session stays ended.
//!
//! The case counts are fixed so the run is bounded; `PROPTEST_CASES` raises them for a
//! longer hunt.

use std::time::{Duration, Instant};

use plant_link::codec::{self, EnginePacket, SocketPacket};
use plant_link::session::{Output, Phase, Session, SessionConfig};
use plant_protocol::SetRelayRequest;
use proptest::prelude::*;
use serde_json::json;

/// Frames shaped like what a plant server sends, valid and broken.
fn plausible_frame() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#"0{"sid":"s","upgrades":[],"pingTimeout":2000,"pingInterval":3000,"maxPayload":100000}"#.to_owned()),
        Just("40".to_owned()),
        Just(r#"40{"sid":"x"}"#.to_owned()),
        Just(r#"44{"message":"unauthorized"}"#.to_owned()),
        Just(r#"44"nope""#.to_owned()),
        Just("41".to_owned()),
        Just("1".to_owned()),
        Just("2".to_owned()),
        Just("3".to_owned()),
        Just(r#"42["devices_update",{"devices":[],"snapshot":true,"server_time":1}]"#.to_owned()),
        Just(r#"42["relays_update",{"relays":[{"id":"r","name":"n","device_id":null,"state":true,"changed_at":1,"changed_by":null}],"snapshot":false,"server_time":1}]"#.to_owned()),
        Just(r#"42["system_stats_update",{"cpu_percent":1,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":5}]"#.to_owned()),
        Just(r#"431[{"ok":true,"duplicate":false,"relay":{"id":"r","name":"n","device_id":null,"state":true,"changed_at":1,"changed_by":null}}]"#.to_owned()),
        "[0-6]{1,2}(/[a-z]{0,4},)?[0-9]{0,4}(\\[.{0,20}\\]|\\{.{0,20}\\}|\".{0,8}\")?",
        "42\\[\"(devices|relays|system_stats)_update\",\\{.{0,40}\\}\\]",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn codec_never_panics_on_any_text(text in any::<String>()) {
        let _ = codec::decode(&text);
    }

    #[test]
    fn codec_never_panics_on_socket_io_shaped_text(text in plausible_frame()) {
        let _ = codec::decode(&text);
    }

    #[test]
    fn encoded_events_decode_to_the_same_name_and_arguments(
        name in "[a-z_]{1,20}",
        value in any::<i64>(),
        text in ".{0,30}",
        id in proptest::option::of(0u64..1_000_000),
    ) {
        let args = [json!({"n": value, "s": text})];
        let frame = codec::encode_event(&name, &args, id);
        let decoded = codec::decode(&frame).unwrap();
        let EnginePacket::Message(SocketPacket::Event { id: got_id, name: got_name, args: got_args, .. }) = decoded else {
            panic!("not an event: {frame}");
        };
        prop_assert_eq!(got_id, id);
        prop_assert_eq!(got_name, name);
        let value: serde_json::Value = serde_json::from_str(got_args[0].get()).unwrap();
        prop_assert_eq!(&value, &args[0]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn session_never_panics_and_an_ended_session_stays_silent(
        steps in proptest::collection::vec((plausible_frame(), 0u64..4000, any::<bool>()), 1..40)
    ) {
        let start = Instant::now();
        let mut now = start;
        let mut session = Session::new(SessionConfig { max_bad_frames_in_a_row: 5, ..SessionConfig::default() }, now);
        let mut ended = false;
        for (frame, advance_ms, also_command) in steps {
            now += Duration::from_millis(advance_ms);
            let mut out = Vec::new();
            session.on_text(now, &frame, &mut out);
            session.poll(now, &mut out);
            if also_command {
                let request = SetRelayRequest { relay_id: "r".into(), state: true, request_id: "q".into(), issued_at: 1.0, operator: None };
                let frame = session.set_relay(&request);
                prop_assert_eq!(frame.is_some(), session.phase() == Phase::Live);
                let _ = session.probe(now);
            }
            if ended {
                prop_assert!(out.is_empty(), "an ended session produced {:?}", out);
            }
            let ends = out.iter().filter(|o| matches!(o, Output::End(_))).count();
            prop_assert!(ends <= 1);
            if ends == 1 {
                ended = true;
                prop_assert_eq!(session.phase(), Phase::Ended);
            }
            let _ = session.take_dropped();
            let _ = session.next_deadline(now);
        }
    }
}
