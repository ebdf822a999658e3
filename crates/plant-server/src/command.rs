//! Reading a relay command from either transport into one validated form.
//!
//! The Socket.IO payload and the HTTP body differ only in where the relay id comes from, so
//! both are parsed with the contract's own types and then checked by the same rules. Anything
//! that fails here is answered with `invalid` and never reaches the dedupe table: an id that
//! came with a malformed command cannot be trusted to name a command at all.

use plant_protocol::{SetRelayBody, SetRelayError, SetRelayRequest, SetRelayResult};
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

    #[test]
    fn an_unparsable_http_body_is_invalid() {
        assert!(from_http("relay-01", b"{not json").is_err());
        assert!(from_http("relay-01", b"").is_err());
        assert!(from_http("relay-01", br#"{"state":true}"#).is_err());
    }
}
