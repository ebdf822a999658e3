//! The HTTP/JSON API: answer shapes, every status code of a relay command, and token auth.

mod support;

use plant_protocol::{
    DevicesUpdate, Health, RelaysUpdate, SetRelayError, SetRelayResult, SystemStats,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{quiet_config, start, token_config, unix_now, url, within};

async fn post_relay(
    client: &reqwest::Client,
    target: String,
    body: Value,
) -> (StatusCode, SetRelayResult) {
    let response = within(client.post(target).json(&body).send())
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn body(state: bool, request_id: &str) -> Value {
    json!({"state": state, "request_id": request_id, "issued_at": unix_now()})
}

fn refusal(result: &SetRelayResult) -> SetRelayError {
    match result {
        SetRelayResult::Refused { error, .. } => *error,
        SetRelayResult::Applied { .. } => panic!("expected a refusal, got {result:?}"),
    }
}

#[tokio::test]
async fn health_devices_relays_and_stats_have_the_contract_shapes() {
    let server = start(quiet_config()).await;
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let request = http.get(url(&server, path));
        async move {
            let response = within(request.send()).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()
        }
    };

    let health: Health = serde_json::from_value(get("/api/health").await).unwrap();
    assert_eq!(health.status, "ok");
    assert!((health.server_time - unix_now()).abs() < 60.0);

    let devices: DevicesUpdate = serde_json::from_value(get("/api/devices").await).unwrap();
    assert!(devices.snapshot);
    assert_eq!(devices.devices.len(), 12);
    assert_eq!(devices.devices[0].id, "dev-001");
    assert_eq!(devices.devices[0].unit.as_deref(), Some("°C"));
    assert!(devices
        .devices
        .iter()
        .any(|d| d.extra.contains_key("location")));

    let relays: RelaysUpdate = serde_json::from_value(get("/api/relays").await).unwrap();
    assert!(relays.snapshot);
    assert_eq!(relays.relays.len(), 6);
    assert_eq!(relays.relays[4].extra.get("locked"), Some(&json!(true)));

    let stats: SystemStats = serde_json::from_value(get("/api/system/stats").await).unwrap();
    assert!(stats.memory_percent > 0.0 && stats.memory_percent <= 100.0);
    assert!((0.0..=100.0).contains(&stats.disk_percent));
    assert!((0.0..=100.0).contains(&stats.cpu_percent));
    assert!(stats.uptime_s >= 0.0);
    assert_eq!(stats.clients, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn a_posted_relay_command_is_applied_and_answered_200() {
    let server = start(quiet_config()).await;
    let http = reqwest::Client::new();
    let before = server.plant().relays()[0].clone();
    let (status, result) = post_relay(
        &http,
        url(&server, "/api/relays/relay-01"),
        json!({"state": !before.state, "request_id": "h1", "issued_at": unix_now(),
            "operator": "script"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let SetRelayResult::Applied { relay, duplicate } = result else {
        panic!("refused: {result:?}");
    };
    assert!(!duplicate);
    assert_eq!(relay.state, !before.state);
    assert_eq!(relay.changed_by.as_deref(), Some("script"));
    assert_eq!(server.plant().relays()[0], relay);
    assert_eq!(server.plant().applied_commands(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn repeated_request_id_over_http_answers_duplicate_and_changes_nothing() {
    let server = start(quiet_config()).await;
    let http = reqwest::Client::new();
    let target = url(&server, "/api/relays/relay-02");
    let (_, first) = post_relay(&http, target.clone(), body(true, "same")).await;
    let (status, repeat) = post_relay(&http, target, body(false, "same")).await;
    assert_eq!(status, StatusCode::OK);
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
    assert_eq!(a, b);
    assert!(server.plant().relays()[1].state);
    assert_eq!(server.plant().applied_commands(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn refused_relay_commands_answer_400_404_409_and_403() {
    let server = start(quiet_config()).await;
    let http = reqwest::Client::new();
    let cases = [
        (
            "/api/relays/relay-01",
            json!({"state": "on", "request_id": "a", "issued_at": 1}),
            StatusCode::BAD_REQUEST,
            SetRelayError::Invalid,
        ),
        (
            "/api/relays/relay-01",
            json!({"state": true, "issued_at": unix_now()}),
            StatusCode::BAD_REQUEST,
            SetRelayError::Invalid,
        ),
        (
            "/api/relays/relay-01",
            json!({"state": true, "request_id": "", "issued_at": unix_now()}),
            StatusCode::BAD_REQUEST,
            SetRelayError::Invalid,
        ),
        (
            "/api/relays/relay-99",
            body(true, "b"),
            StatusCode::NOT_FOUND,
            SetRelayError::UnknownRelay,
        ),
        (
            "/api/relays/relay-01",
            json!({"state": true, "request_id": "c", "issued_at": unix_now() - 3600.0}),
            StatusCode::CONFLICT,
            SetRelayError::Expired,
        ),
        (
            "/api/relays/relay-05",
            body(true, "d"),
            StatusCode::FORBIDDEN,
            SetRelayError::Forbidden,
        ),
    ];
    for (path, payload, status, error) in cases {
        let (got_status, result) = post_relay(&http, url(&server, path), payload.clone()).await;
        assert_eq!(
            (got_status, refusal(&result)),
            (status, error),
            "{path} {payload}"
        );
    }
    assert_eq!(server.plant().applied_commands(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn an_unparsable_body_answers_400_invalid() {
    let server = start(quiet_config()).await;
    let response = within(
        reqwest::Client::new()
            .post(url(&server, "/api/relays/relay-01"))
            .header("content-type", "application/json")
            .body("{\"state\": tru")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let result: SetRelayResult = response.json().await.unwrap();
    assert_eq!(refusal(&result), SetRelayError::Invalid);
    server.shutdown().await;
}

#[tokio::test]
async fn without_the_token_every_route_but_health_answers_401() {
    let server = start(token_config("s3cret")).await;
    let http = reqwest::Client::new();
    let health = within(http.get(url(&server, "/api/health")).send())
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    for auth in [
        None,
        Some("Bearer wrong"),
        Some("Basic s3cret"),
        Some("Bearer "),
    ] {
        for path in ["/api/devices", "/api/relays", "/api/system/stats"] {
            let mut request = http.get(url(&server, path));
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            let response = within(request.send()).await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{path} {auth:?}"
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body,
                json!({"ok": false, "error": "unauthorized", "message": "unauthorized"})
            );
        }
    }
    let (status, result) =
        post_relay(&http, url(&server, "/api/relays/relay-01"), body(true, "x")).await;
    assert_eq!(
        (status, refusal(&result)),
        (StatusCode::UNAUTHORIZED, SetRelayError::Unauthorized)
    );
    assert_eq!(server.plant().applied_commands(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn with_the_token_the_api_answers() {
    let server = start(token_config("s3cret")).await;
    let http = reqwest::Client::new();
    let response = within(
        http.get(url(&server, "/api/devices"))
            .bearer_auth("s3cret")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = within(
        http.post(url(&server, "/api/relays/relay-01"))
            .bearer_auth("s3cret")
            .json(&body(true, "t1"))
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(server.plant().applied_commands(), 1);
    server.shutdown().await;
}
