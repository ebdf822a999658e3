//! The Socket.IO API on the wire: CONNECT and its token, requests, relay commands, broadcasts.

mod support;

use plant_protocol::{
    DeviceStatus, DevicesUpdate, RelaysUpdate, SetRelayError, SetRelayResult, SystemStats,
};
use serde_json::{json, Value};
use support::{
    quiet_config, set_relay_payload, start, token_config, unix_now, url, within, Packet, SioClient,
};

fn result_of(value: Value) -> SetRelayResult {
    serde_json::from_value(value).expect("a SetRelayResult")
}

fn refusal(value: Value) -> SetRelayError {
    match result_of(value) {
        SetRelayResult::Refused { error, .. } => error,
        applied => panic!("expected a refusal, got {applied:?}"),
    }
}

#[tokio::test]
async fn the_open_packet_announces_heartbeat_settings() {
    let server = start(quiet_config()).await;
    let client = SioClient::open(server.local_addr()).await;
    assert!(client.open["sid"].is_string());
    assert!(client.open["pingInterval"].as_u64().unwrap() > 0);
    assert!(client.open["pingTimeout"].as_u64().unwrap() > 0);
    server.shutdown().await;
}

#[tokio::test]
async fn connect_without_the_token_is_refused_with_unauthorized() {
    let server = start(token_config("s3cret")).await;
    let addr = server.local_addr();
    for token in [None, Some("wrong"), Some("")] {
        let refused = SioClient::try_connect(addr, token).await.err();
        assert_eq!(
            refused,
            Some(json!({"message": "unauthorized"})),
            "{token:?}"
        );
    }
    // An auth payload of the wrong shape is refused the same way.
    let mut client = SioClient::open(addr).await;
    client.send_connect(Some(json!({"token": 42}))).await;
    assert_eq!(
        client.expect_packet().await,
        Packet::ConnectError(json!({"message": "unauthorized"}))
    );
    assert_eq!(server.plant().connected_clients(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn connect_with_the_token_is_accepted_and_served() {
    let server = start(token_config("s3cret")).await;
    let mut client = SioClient::connect(server.local_addr(), Some("s3cret")).await;
    client.emit("request_relays", None).await;
    let relays: RelaysUpdate =
        serde_json::from_value(client.next_event("relays_update").await).unwrap();
    assert!(relays.snapshot);
    assert_eq!(relays.relays.len(), 6);
    assert_eq!(server.plant().connected_clients(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn requests_right_after_connect_are_answered_with_snapshots() {
    let server = start(quiet_config()).await;
    let mut client = SioClient::connect(server.local_addr(), None).await;
    // Sent back to back, right after CONNECT, as a reconnecting console does.
    client.emit("request_devices", None).await;
    client.emit("request_relays", None).await;
    client.emit("request_system_stats", None).await;
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let Packet::Event { name, data } = client.expect_packet().await else {
            panic!("only events were asked for");
        };
        match name.as_str() {
            "devices_update" => {
                let update: DevicesUpdate = serde_json::from_value(data).unwrap();
                assert!(update.snapshot);
                assert_eq!(update.devices, server.plant().devices());
            }
            "relays_update" => {
                let update: RelaysUpdate = serde_json::from_value(data).unwrap();
                assert!(update.snapshot);
                assert_eq!(update.relays, server.plant().relays());
            }
            "system_stats_update" => {
                let stats: SystemStats = serde_json::from_value(data).unwrap();
                assert_eq!(stats.clients, 1);
            }
            other => panic!("unexpected event {other}"),
        }
        seen.push(name);
    }
    seen.sort();
    assert_eq!(
        seen,
        ["devices_update", "relays_update", "system_stats_update"]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_snapshot_request_is_answered_to_that_client_only() {
    let server = start(quiet_config()).await;
    let addr = server.local_addr();
    let mut asking = SioClient::connect(addr, None).await;
    let mut other = SioClient::connect(addr, None).await;
    asking.emit("request_devices", None).await;
    asking.next_event("devices_update").await;
    // A broadcast queued after the answer: if the answer had gone to everyone, it would be
    // the first thing the other client reads.
    server.plant().set_relay("relay-01", true, "test");
    let Packet::Event { name, data } = other.expect_packet().await else {
        panic!("expected an event");
    };
    assert_eq!(name, "relays_update");
    assert_eq!(data["snapshot"], json!(false));
    server.shutdown().await;
}

#[tokio::test]
async fn request_system_stats_with_an_ack_is_answered_twice() {
    let server = start(quiet_config()).await;
    let mut client = SioClient::connect(server.local_addr(), None).await;
    let id = client.emit_with_ack("request_system_stats", None).await;
    let (events, args) = client.until_ack(id).await;
    let acked: SystemStats = serde_json::from_value(args[0].clone()).unwrap();
    assert_eq!(acked.clients, 1);
    assert!(acked.memory_percent > 0.0);
    assert!(events.iter().any(|(name, _)| name == "system_stats_update"));
    server.shutdown().await;
}

#[tokio::test]
async fn set_relay_broadcast_reaches_the_sender_before_its_ack_and_reaches_others() {
    let server = start(quiet_config()).await;
    let addr = server.local_addr();
    let mut sender = SioClient::connect(addr, None).await;
    let mut watcher = SioClient::connect(addr, None).await;
    let before = server.plant().relays()[2].clone();

    let id = sender
        .emit_with_ack(
            "set_relay",
            Some(set_relay_payload("relay-03", !before.state, "s1")),
        )
        .await;
    let (events, args) = sender.until_ack(id).await;
    let SetRelayResult::Applied { relay, duplicate } = result_of(args[0].clone()) else {
        panic!("refused: {args:?}");
    };
    assert!(!duplicate);
    assert_eq!(relay.state, !before.state);
    assert!(relay.changed_by.as_deref().unwrap().starts_with("console:"));

    let broadcasts: Vec<RelaysUpdate> = events
        .into_iter()
        .filter(|(name, _)| name == "relays_update")
        .map(|(_, data)| serde_json::from_value(data).unwrap())
        .collect();
    assert_eq!(broadcasts.len(), 1, "one broadcast before the ack");
    assert!(!broadcasts[0].snapshot);
    assert_eq!(broadcasts[0].relays, vec![relay.clone()]);

    let seen: RelaysUpdate =
        serde_json::from_value(watcher.next_event("relays_update").await).unwrap();
    assert!(!seen.snapshot);
    assert_eq!(seen.relays, vec![relay]);
    assert_eq!(server.plant().applied_commands(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn set_relay_takes_changed_by_from_an_operator_field() {
    let server = start(quiet_config()).await;
    let mut client = SioClient::connect(server.local_addr(), None).await;
    let mut payload = set_relay_payload("relay-01", true, "op1");
    payload["operator"] = json!("alice");
    let SetRelayResult::Applied { relay, .. } =
        result_of(client.call("set_relay", Some(payload)).await)
    else {
        panic!("refused");
    };
    assert_eq!(relay.changed_by.as_deref(), Some("alice"));
    server.shutdown().await;
}

#[tokio::test]
async fn repeated_request_id_answers_duplicate_and_changes_nothing() {
    let server = start(quiet_config()).await;
    let mut client = SioClient::connect(server.local_addr(), None).await;
    let first = result_of(
        client
            .call(
                "set_relay",
                Some(set_relay_payload("relay-01", true, "dup")),
            )
            .await,
    );
    // The repeat asks for the opposite state: a server that applied it would switch back.
    let repeat = result_of(
        client
            .call(
                "set_relay",
                Some(set_relay_payload("relay-01", false, "dup")),
            )
            .await,
    );
    let (
        SetRelayResult::Applied {
            relay: a,
            duplicate: false,
        },
        SetRelayResult::Applied {
            relay: b,
            duplicate: true,
        },
    ) = (&first, &repeat)
    else {
        panic!("unexpected results {first:?} {repeat:?}");
    };
    assert_eq!(a, b, "the repeat returns the first result");
    assert!(server.plant().relays()[0].state);
    assert_eq!(server.plant().applied_commands(), 1);

    // The same request id over HTTP is a duplicate too: both transports share one table.
    let response = within(
        reqwest::Client::new()
            .post(url(&server, "/api/relays/relay-01"))
            .json(&json!({"state": false, "request_id": "dup", "issued_at": unix_now()}))
            .send(),
    )
    .await
    .unwrap();
    let over_http: SetRelayResult = response.json().await.unwrap();
    assert_eq!(over_http, repeat);
    assert_eq!(server.plant().applied_commands(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn set_relay_refuses_unknown_expired_locked_and_invalid_commands() {
    let server = start(quiet_config()).await;
    let mut client = SioClient::connect(server.local_addr(), None).await;
    let old = json!({"relay_id": "relay-01", "state": true, "request_id": "old",
        "issued_at": unix_now() - 61.0});
    let cases = [
        (
            Some(set_relay_payload("relay-99", true, "u")),
            SetRelayError::UnknownRelay,
        ),
        (Some(old), SetRelayError::Expired),
        (
            Some(set_relay_payload("relay-05", true, "f")),
            SetRelayError::Forbidden,
        ),
        (None, SetRelayError::Invalid),
        (Some(json!("relay-01")), SetRelayError::Invalid),
        (
            Some(
                json!({"relay_id": "relay-01", "state": "on", "request_id": "i1",
            "issued_at": unix_now()}),
            ),
            SetRelayError::Invalid,
        ),
        (
            Some(json!({"relay_id": "", "state": true, "request_id": "i2",
            "issued_at": unix_now()})),
            SetRelayError::Invalid,
        ),
        (
            Some(
                json!({"relay_id": "relay-01", "state": true, "request_id": "",
            "issued_at": unix_now()}),
            ),
            SetRelayError::Invalid,
        ),
        (
            Some(json!({"relay_id": "relay-01", "state": true, "request_id": "i3"})),
            SetRelayError::Invalid,
        ),
    ];
    for (payload, expected) in cases {
        let answer = client.call("set_relay", payload.clone()).await;
        assert_eq!(refusal(answer.clone()), expected, "{payload:?} -> {answer}");
        assert!(answer["message"].is_string());
    }
    assert_eq!(server.plant().applied_commands(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn plant_side_changes_are_broadcast_as_non_snapshot_updates() {
    let server = start(quiet_config()).await;
    let plant = server.plant();
    let mut client = SioClient::connect(server.local_addr(), None).await;

    let changed = plant.set_device_value("dev-002", 7.25).unwrap();
    let update: DevicesUpdate =
        serde_json::from_value(client.next_event("devices_update").await).unwrap();
    assert!(!update.snapshot);
    assert_eq!(update.devices, vec![changed.clone()]);
    assert_eq!(changed.value, Some(7.25));

    let faulted = plant
        .set_device_status("dev-003", DeviceStatus::Fault)
        .unwrap();
    let update: DevicesUpdate =
        serde_json::from_value(client.next_event("devices_update").await).unwrap();
    assert_eq!(update.devices, vec![faulted]);

    let mut added = changed.clone();
    added.id = "dev-900".into();
    plant.upsert_device(added.clone());
    let update: DevicesUpdate =
        serde_json::from_value(client.next_event("devices_update").await).unwrap();
    assert!(!update.snapshot);
    assert_eq!(update.devices, vec![added]);

    let switched = plant.set_relay("relay-04", true, "plant").unwrap();
    let update: RelaysUpdate =
        serde_json::from_value(client.next_event("relays_update").await).unwrap();
    assert_eq!(update.relays, vec![switched]);

    assert!(plant.set_device_value("dev-999", 1.0).is_none());
    assert!(plant.set_relay("relay-99", true, "plant").is_none());
    assert_eq!(
        plant.applied_commands(),
        0,
        "plant-side changes are not commands"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn removing_a_device_or_relay_broadcasts_a_snapshot_without_it() {
    let server = start(quiet_config()).await;
    let plant = server.plant();
    let mut client = SioClient::connect(server.local_addr(), None).await;

    assert!(plant.remove_device("dev-004"));
    let update: DevicesUpdate =
        serde_json::from_value(client.next_event("devices_update").await).unwrap();
    assert!(update.snapshot);
    assert_eq!(update.devices.len(), 11);
    assert!(update.devices.iter().all(|d| d.id != "dev-004"));

    assert!(plant.remove_relay("relay-06"));
    let update: RelaysUpdate =
        serde_json::from_value(client.next_event("relays_update").await).unwrap();
    assert!(update.snapshot);
    assert_eq!(update.relays.len(), 5);
    assert!(update.relays.iter().all(|r| r.id != "relay-06"));

    assert!(!plant.remove_device("dev-004"));
    assert!(!plant.remove_relay("relay-06"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_relay_locked_through_the_handle_refuses_commands() {
    let server = start(quiet_config()).await;
    let plant = server.plant();
    let mut locked = plant.relays()[0].clone();
    locked.extra.insert("locked".into(), json!(true));
    plant.upsert_relay(locked);
    let mut client = SioClient::connect(server.local_addr(), None).await;
    let answer = client
        .call("set_relay", Some(set_relay_payload("relay-01", true, "l1")))
        .await;
    assert_eq!(refusal(answer), SetRelayError::Forbidden);
    server.shutdown().await;
}
