//! Reading a relay command from either transport into one validated form.
//!
//! The Socket.IO payload and the HTTP body differ only in where the relay id comes from, so
//! both are parsed with the contract's own types and then checked by the same rules. Anything
//! that fails here is answered with `invalid` and never reaches the dedupe table: an id that
//! came with a malformed command cannot be trusted to name a command at all.

use plant_protocol::{
    Relay, SetRelayBody, SetRelayError, SetRelayRequest, SetRelayResult, UnixSeconds,
};
use serde_json::Value;

/// A relay command that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RelayCommand {
    pub relay_id: String,
    pub state: bool,
    pub request_id: String,
    pub issued_at: f64,
    /// Who issued it, when the client says so (an extension: the contract has no such field).
    pub operator: Option<String>,
}

/// Reads the payload of a `set_relay` event.
pub(crate) fn from_socket(payload: Value) -> Result<RelayCommand, String> {
    let operator = operator_of(&payload);
    let request: SetRelayRequest = serde_json::from_value(payload).map_err(|e| e.to_string())?;
    check(RelayCommand {
        relay_id: request.relay_id,
        state: request.state,
        request_id: request.request_id,
        issued_at: request.issued_at,
        operator,
    })
}

/// Reads the body of `POST /api/relays/{relay_id}`.
pub(crate) fn from_http(relay_id: &str, body: &[u8]) -> Result<RelayCommand, String> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let operator = operator_of(&payload);
    let body: SetRelayBody = serde_json::from_value(payload).map_err(|e| e.to_string())?;
    check(RelayCommand {
        relay_id: relay_id.to_string(),
        state: body.state,
        request_id: body.request_id,
        issued_at: body.issued_at,
        operator,
    })
}

/// The `invalid` answer with a message saying what was wrong.
pub(crate) fn invalid(message: impl Into<String>) -> SetRelayResult {
    SetRelayResult::Refused {
        error: SetRelayError::Invalid,
        message: message.into(),
    }
}

/// A refusal with its error code and message.
pub(crate) fn refused(error: SetRelayError, message: impl Into<String>) -> SetRelayResult {
    SetRelayResult::Refused {
        error,
        message: message.into(),
    }
}

/// What a first-seen relay command comes to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decision {
    /// The relay as it becomes.
    Apply(Relay),
    /// The refusal to give (and remember as the request id's first result).
    Refuse(SetRelayResult),
}

/// What a first-seen command does to `relay` (its current state, `None` when there is no such
/// relay) at plant time `now`: the relay as it becomes, or the refusal. Both the local plant
/// and the shared (Redis) plant decide with this, so the two modes refuse the same things.
pub(crate) fn decide(
    command: &RelayCommand,
    relay: Option<&Relay>,
    now: UnixSeconds,
    max_age_s: f64,
    by: &str,
) -> Decision {
    let age = now - command.issued_at;
    match relay {
        None => Decision::Refuse(refused(
            SetRelayError::UnknownRelay,
            format!("no relay with id {:?}", command.relay_id),
        )),
        Some(_) if age > max_age_s => Decision::Refuse(refused(
            SetRelayError::Expired,
            format!("command issued {age:.1} s ago; the limit is {max_age_s} s"),
        )),
        Some(relay) if is_locked(relay) => Decision::Refuse(refused(
            SetRelayError::Forbidden,
            format!("relay {:?} is locked at the plant", relay.id),
        )),
        Some(relay) => {
            let mut relay = relay.clone();
            relay.state = command.state;
            relay.changed_at = now;
            relay.changed_by = Some(by.to_string());
            Decision::Apply(relay)
        }
    }
}

/// Whether a relay carries `"locked": true`, which makes it refuse remote commands.
pub(crate) fn is_locked(relay: &Relay) -> bool {
    relay.extra.get("locked") == Some(&Value::Bool(true))
}

fn operator_of(payload: &Value) -> Option<String> {
    payload
        .get("operator")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn check(command: RelayCommand) -> Result<RelayCommand, String> {
    if command.relay_id.trim().is_empty() {
        return Err("relay_id must be a non-empty string".into());
    }
    if command.request_id.trim().is_empty() {
        return Err("request_id must be a non-empty string".into());
    }
    if !command.issued_at.is_finite() {
        return Err("issued_at must be a number of Unix seconds".into());
    }
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_complete_socket_payload_is_accepted_with_its_operator() {
        let command = from_socket(json!({"relay_id":"relay-01","state":true,
            "request_id":"r1","issued_at":1700000000,"operator":"alice"}))
        .unwrap();
        assert_eq!(
            command,
            RelayCommand {
                relay_id: "relay-01".into(),
                state: true,
                request_id: "r1".into(),
                issued_at: 1_700_000_000.0,
                operator: Some("alice".into()),
            }
        );
    }

    #[test]
    fn socket_payloads_with_missing_or_mistyped_fields_are_invalid() {
        let bad = [
            json!(null),
            json!("set"),
            json!([]),
            json!({"state":true,"request_id":"r","issued_at":1}),
            json!({"relay_id":"","state":true,"request_id":"r","issued_at":1}),
            json!({"relay_id":7,"state":true,"request_id":"r","issued_at":1}),
            json!({"relay_id":"x","state":"on","request_id":"r","issued_at":1}),
            json!({"relay_id":"x","state":1,"request_id":"r","issued_at":1}),
            json!({"relay_id":"x","state":true,"request_id":"","issued_at":1}),
            json!({"relay_id":"x","state":true,"issued_at":1}),
            json!({"relay_id":"x","state":true,"request_id":"r","issued_at":"now"}),
            json!({"relay_id":"x","state":true,"request_id":"r"}),
        ];
        for payload in bad {
            assert!(
                from_socket(payload.clone()).is_err(),
                "{payload} was accepted"
            );
        }
    }

    #[test]
    fn an_http_body_takes_its_relay_id_from_the_path() {
        let command = from_http(
            "relay-02",
            br#"{"state":false,"request_id":"r","issued_at":5.5}"#,
        )
        .unwrap();
        assert_eq!(command.relay_id, "relay-02");
        assert!(!command.state);
        assert_eq!(command.operator, None);
    }

    fn relay(locked: bool) -> Relay {
        let mut extra = serde_json::Map::new();
        if locked {
            extra.insert("locked".into(), Value::Bool(true));
        }
        Relay {
            id: "relay-01".into(),
            name: "Pump 1".into(),
            device_id: None,
            state: false,
            changed_at: 1.0,
            changed_by: None,
            extra,
        }
    }

    #[test]
    fn a_command_is_decided_by_its_relay_and_its_age() {
        let open = relay(false);
        let locked = relay(true);
        let command = |issued_at| RelayCommand {
            relay_id: "relay-01".into(),
            state: true,
            request_id: "r".into(),
            issued_at,
            operator: None,
        };
        // (relay, issued_at, now, expected error or None for applied)
        let cases: [(Option<&Relay>, f64, f64, Option<SetRelayError>); 5] = [
            (Some(&open), 100.0, 100.0, None),
            (Some(&open), 100.0, 160.0, None),
            (Some(&open), 100.0, 160.5, Some(SetRelayError::Expired)),
            (Some(&locked), 100.0, 100.0, Some(SetRelayError::Forbidden)),
            (None, 100.0, 100.0, Some(SetRelayError::UnknownRelay)),
        ];
        for (relay, issued_at, now, expected) in cases {
            let decided = decide(&command(issued_at), relay, now, 60.0, "op");
            match (decided, expected) {
                (Decision::Apply(relay), None) => {
                    assert!(relay.state);
                    assert_eq!(relay.changed_at, now);
                    assert_eq!(relay.changed_by.as_deref(), Some("op"));
                }
                (Decision::Refuse(SetRelayResult::Refused { error, .. }), Some(expected)) => {
                    assert_eq!(error, expected)
                }
                (other, expected) => panic!("{other:?} where {expected:?} was expected"),
            }
        }
    }

    #[test]
    fn an_unparsable_http_body_is_invalid() {
        assert!(from_http("relay-01", b"{not json").is_err());
        assert!(from_http("relay-01", b"").is_err());
        assert!(from_http("relay-01", br#"{"state":true}"#).is_err());
    }
}
