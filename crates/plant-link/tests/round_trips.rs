//! Property tests of round trips, run in CI: what the console encodes it decodes to the
//! same thing, every plant-protocol type survives serialize → parse, and the per-item
//! reader gives back well-formed devices, relays and stats unchanged, also when a bad
//! item beside them sends the payload down the lenient path.
//!
//! The case counts are fixed so the run is bounded; `PROPTEST_CASES` raises them. The
//! open-ended hunt is `cargo xtask fuzz`.

use plant_link::codec::{self, EnginePacket, SocketPacket};
use plant_link::items;
use plant_protocol::{
    ConnectAuth, Device, DeviceStatus, DevicesUpdate, Health, Relay, RelaysUpdate, SetRelayBody,
    SetRelayError, SetRelayRequest, SetRelayResult, SystemStats,
};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// Strings that are valid but awkward: any Unicode, control characters, quotes, and text
/// that looks like the tokens the lenient path rewrites outside strings.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        1 => Just("NaN".to_owned()),
        1 => Just(r#"Infinity", -Infinity, 1e400 \"NaN\""#.to_owned()),
        1 => Just("\u{0}\u{1b}[31m\r\n".to_owned()),
        1 => "[a-zA-Z0-9 _.-]{0,12}",
    ]
}

/// A finite `f64`, the only kind JSON can carry.
fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |v| v.is_finite()),
        Just(0.0),
        Just(1e308),
        Just(-5e-324),
        (-1_000_000i64..1_000_000).prop_map(|v| v as f64),
    ]
}

/// Any JSON value a well-behaved server could send (no NaN: JSON has none).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        finite().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(text(), inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Fields the contract does not list, with names that cannot clash with listed ones.
fn extra() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map("x_[a-z0-9_]{0,8}", json_value(), 0..3)
        .prop_map(|map| map.into_iter().collect())
}

fn status() -> impl Strategy<Value = DeviceStatus> {
    prop_oneof![
        Just(DeviceStatus::Online),
        Just(DeviceStatus::Offline),
        Just(DeviceStatus::Fault),
        Just(DeviceStatus::Unknown),
    ]
}

fn device() -> impl Strategy<Value = Device> {
    (
        text(),
        text(),
        text(),
        status(),
        proptest::option::of(finite()),
        proptest::option::of(text()),
        finite(),
        extra(),
    )
        .prop_map(
            |(id, name, kind, status, value, unit, last_seen, extra)| Device {
                id,
                name,
                kind,
                status,
                value,
                unit,
                last_seen,
                extra: extra.into(),
            },
        )
}

fn relay() -> impl Strategy<Value = Relay> {
    (
        text(),
        text(),
        proptest::option::of(text()),
        any::<bool>(),
        finite(),
        proptest::option::of(text()),
        extra(),
    )
        .prop_map(
            |(id, name, device_id, state, changed_at, changed_by, extra)| Relay {
                id,
                name,
                device_id,
                state,
                changed_at,
                changed_by,
                extra,
            },
        )
}

fn stats() -> impl Strategy<Value = SystemStats> {
    (
        finite(),
        finite(),
        finite(),
        finite(),
        any::<u64>(),
        finite(),
        extra(),
    )
        .prop_map(
            |(cpu_percent, memory_percent, disk_percent, uptime_s, clients, server_time, extra)| {
                SystemStats {
                    cpu_percent,
                    memory_percent,
                    disk_percent,
                    uptime_s,
                    clients,
                    server_time,
                    extra,
                }
            },
        )
}

fn set_relay_error() -> impl Strategy<Value = SetRelayError> {
    prop_oneof![
        Just(SetRelayError::UnknownRelay),
        Just(SetRelayError::Invalid),
        Just(SetRelayError::Expired),
        Just(SetRelayError::Forbidden),
        Just(SetRelayError::Unauthorized),
    ]
}

fn set_relay_result() -> impl Strategy<Value = SetRelayResult> {
    prop_oneof![
        (relay(), any::<bool>())
            .prop_map(|(relay, duplicate)| SetRelayResult::Applied { relay, duplicate }),
        (set_relay_error(), text())
            .prop_map(|(error, message)| SetRelayResult::Refused { error, message }),
    ]
}

/// Serializes and parses back, through text as on the wire.
fn round_trip<T: Serialize + DeserializeOwned>(value: &T) -> T {
    let text = serde_json::to_string(value).expect("a protocol type serializes");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// A device the strict parse cannot read (a Python `NaN` value), which sends the whole
/// payload down the per-item path.
const BAD_DEVICE: &str = r#"{"id":"bad-one","name":"n","kind":"k","status":"fault","value":NaN,"unit":null,"last_seen":1.0}"#;
const BAD_RELAY: &str = r#"{"id":"bad-one","name":"n","device_id":null,"state":"on","changed_at":1.0,"changed_by":null}"#;

/// The JSON list of `items` with `bad` inserted at `at`.
fn list_with_bad_item<T: Serialize>(items: &[T], bad: &str, at: usize) -> String {
    let mut texts: Vec<String> = items
        .iter()
        .map(|item| serde_json::to_string(item).unwrap())
        .collect();
    texts.insert(at.min(texts.len()), bad.to_owned());
    format!("[{}]", texts.join(","))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn encoded_events_decode_to_the_same_name_arguments_and_ack_id(
        name in text(),
        args in proptest::collection::vec(json_value(), 0..4),
        id in proptest::option::of(any::<u64>()),
    ) {
        let frame = codec::encode_event(&name, &args, id);
        let decoded = codec::decode(&frame).unwrap_or_else(|e| panic!("{e}: {frame}"));
        let EnginePacket::Message(SocketPacket::Event { nsp, id: got_id, name: got_name, args: got_args }) = decoded else {
            panic!("not an event: {frame}");
        };
        prop_assert_eq!(nsp, "/");
        prop_assert_eq!(got_id, id);
        prop_assert_eq!(got_name, name);
        let got: Vec<Value> = got_args.iter().map(|a| serde_json::from_str(a.get()).unwrap()).collect();
        prop_assert_eq!(got, args);
    }

    #[test]
    fn acks_as_servers_write_them_decode_to_their_id_and_arguments(
        id in any::<u64>(),
        args in proptest::collection::vec(json_value(), 0..4),
    ) {
        // The server side of an ack (`43<id>[…]`), as python-socketio and socketioxide
        // write it; the console has no encoder for it because it never sends one.
        let frame = format!("43{id}{}", Value::Array(args.clone()));
        let decoded = codec::decode(&frame).unwrap_or_else(|e| panic!("{e}: {frame}"));
        let EnginePacket::Message(SocketPacket::Ack { nsp, id: got_id, args: got_args }) = decoded else {
            panic!("not an ack: {frame}");
        };
        prop_assert_eq!(nsp, "/");
        prop_assert_eq!(got_id, id);
        let got: Vec<Value> = got_args.iter().map(|a| serde_json::from_str(a.get()).unwrap()).collect();
        prop_assert_eq!(got, args);
    }

    #[test]
    fn set_relay_acks_decode_and_read_back_to_the_same_result(
        id in any::<u64>(),
        result in set_relay_result(),
    ) {
        let frame = format!("43{id}[{}]", serde_json::to_string(&result).unwrap());
        let decoded = codec::decode(&frame).unwrap();
        let EnginePacket::Message(SocketPacket::Ack { args, .. }) = decoded else {
            panic!("not an ack: {frame}");
        };
        let (read, unreadable) = items::set_relay_result(args[0].get(), "unused").unwrap();
        prop_assert_eq!(read, result);
        prop_assert!(unreadable.is_empty());
    }

    #[test]
    fn connect_auth_decodes_to_the_payload_sent(token in text()) {
        let auth = serde_json::to_value(ConnectAuth { token }).unwrap();
        let frame = codec::encode_connect(Some(&auth));
        let decoded = codec::decode(&frame).unwrap();
        let EnginePacket::Message(SocketPacket::Connect { data: Some(data), .. }) = decoded else {
            panic!("not a CONNECT with data: {frame}");
        };
        let got: ConnectAuth = serde_json::from_str(data.get()).unwrap();
        prop_assert_eq!(serde_json::to_value(got).unwrap(), auth);
    }

    #[test]
    fn protocol_types_survive_serialize_and_parse(
        device in device(),
        relay in relay(),
        stats in stats(),
        result in set_relay_result(),
        request in (text(), any::<bool>(), text(), finite()),
        health in (text(), finite()),
    ) {
        prop_assert_eq!(round_trip(&device), device.clone());
        prop_assert_eq!(round_trip(&relay), relay.clone());
        prop_assert_eq!(round_trip(&stats), stats);
        prop_assert_eq!(round_trip(&result), result);
        let devices = DevicesUpdate { devices: vec![device], snapshot: true, server_time: 1.5 };
        prop_assert_eq!(round_trip(&devices), devices);
        let relays = RelaysUpdate { relays: vec![relay], snapshot: false, server_time: 2.5 };
        prop_assert_eq!(round_trip(&relays), relays);
        let (relay_id, state, request_id, issued_at) = request;
        let set = SetRelayRequest { relay_id, state, request_id: request_id.clone(), issued_at, operator: None };
        prop_assert_eq!(round_trip(&set), set);
        let body = SetRelayBody { state, request_id, issued_at, operator: None };
        prop_assert_eq!(round_trip(&body), body);
        let health = Health { status: health.0, server_time: health.1 };
        prop_assert_eq!(round_trip(&health), health);
    }

    #[test]
    fn well_formed_devices_are_read_back_unchanged(
        devices in proptest::collection::vec(device(), 0..6),
        snapshot in any::<bool>(),
        server_time in finite(),
    ) {
        let update = DevicesUpdate { devices, snapshot, server_time };
        let read = items::devices_update(&serde_json::to_string(&update).unwrap()).unwrap();
        prop_assert!(read.marks.is_clean());
        prop_assert_eq!(read.value, update);
    }

    #[test]
    fn well_formed_devices_beside_a_bad_one_are_read_back_unchanged(
        devices in proptest::collection::vec(device(), 0..6),
        at in 0usize..7,
        snapshot in any::<bool>(),
        server_time in finite(),
    ) {
        let text = format!(
            r#"{{"devices":{},"snapshot":{snapshot},"server_time":{}}}"#,
            list_with_bad_item(&devices, BAD_DEVICE, at),
            serde_json::to_string(&server_time).unwrap(),
        );
        let read = items::devices_update(&text).unwrap();
        let at = at.min(devices.len());
        let mut got = read.value.devices.clone();
        let bad = got.remove(at);
        prop_assert_eq!(&bad.id, "bad-one");
        prop_assert_eq!(got, devices);
        prop_assert_eq!(read.value.snapshot, snapshot);
        prop_assert_eq!(read.value.server_time, server_time);
        prop_assert_eq!(read.marks.items.len(), 1, "{:?}", read.marks);
        prop_assert_eq!(read.marks.of(at).map(|m| m.fields().to_vec()), Some(vec!["value"]));
        prop_assert_eq!(read.marks.dropped, 0);
    }

    #[test]
    fn well_formed_relays_beside_a_bad_one_are_read_back_unchanged(
        relays in proptest::collection::vec(relay(), 0..6),
        at in 0usize..7,
    ) {
        let text = format!(
            r#"{{"relays":{},"snapshot":true,"server_time":3.0}}"#,
            list_with_bad_item(&relays, BAD_RELAY, at),
        );
        let read = items::relays_update(&text).unwrap();
        let at = at.min(relays.len());
        let mut got = read.value.relays.clone();
        prop_assert_eq!(got.remove(at).id, "bad-one");
        prop_assert_eq!(got, relays);
        prop_assert_eq!(read.marks.of(at).map(|m| m.fields().to_vec()), Some(vec!["state"]));
    }

    #[test]
    fn well_formed_stats_are_read_back_unchanged(stats in stats()) {
        let read = items::system_stats(&serde_json::to_string(&stats).unwrap()).unwrap();
        prop_assert!(read.marks.is_clean());
        prop_assert_eq!(read.value, stats);
    }

    #[test]
    fn stats_with_one_unreadable_figure_keep_every_other_figure(stats in stats()) {
        let mut wire = serde_json::to_value(&stats).unwrap();
        wire["cpu_percent"] = Value::String("n/a".into());
        let read = items::system_stats(&wire.to_string()).unwrap();
        prop_assert_eq!(read.marks.of(0).map(|m| m.fields().to_vec()), Some(vec!["cpu_percent"]));
        prop_assert_eq!(read.value.memory_percent, stats.memory_percent);
        prop_assert_eq!(read.value.disk_percent, stats.disk_percent);
        prop_assert_eq!(read.value.uptime_s, stats.uptime_s);
        prop_assert_eq!(read.value.clients, stats.clients);
        prop_assert_eq!(read.value.server_time, stats.server_time);
        prop_assert_eq!(read.value.extra, stats.extra);
    }
}
