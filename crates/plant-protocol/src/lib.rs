//! The plant server's contract (protocol v1, `shared/plant-protocol.md`) as plain serde types.
//!
//! This crate holds data only: no I/O, no transport. Both the console and the reference
//! plant server use it, so the two cannot drift apart on field names. Every object keeps
//! the fields the contract does not list in `extra`, because a client must keep and show
//! them and must not fail on them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

mod device_de;
mod extra;

pub use extra::Extra;

/// Unix time in seconds, as the contract sends it (floating point).
pub type UnixSeconds = f64;

/// Names of the events the server sends to clients.
pub mod events {
    pub const DEVICES_UPDATE: &str = "devices_update";
    pub const RELAYS_UPDATE: &str = "relays_update";
    pub const SYSTEM_STATS_UPDATE: &str = "system_stats_update";
    pub const REQUEST_DEVICES: &str = "request_devices";
    pub const REQUEST_RELAYS: &str = "request_relays";
    pub const REQUEST_SYSTEM_STATS: &str = "request_system_stats";
    pub const SET_RELAY: &str = "set_relay";
}

/// A device's reported condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum DeviceStatus {
    Online,
    Offline,
    Fault,
    /// A status this version of the contract does not name. It is kept rather than
    /// rejected so that one odd device cannot blank out a whole update.
    #[serde(other)]
    Unknown,
}

impl DeviceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Online => "online",
            DeviceStatus::Offline => "offline",
            DeviceStatus::Fault => "fault",
            DeviceStatus::Unknown => "unknown",
        }
    }
}

/// A field device (sensor, drive, meter) as the server reports it. Its `Deserialize` is
/// written out in `device_de.rs`, for speed; it reads what a derived one would.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Device {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub status: DeviceStatus,
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub last_seen: UnixSeconds,
    /// Fields the contract does not list (`location`, `firmware`, …), kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A relay; `state == true` means energized (on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Relay {
    pub id: String,
    pub name: String,
    pub device_id: Option<String>,
    pub state: bool,
    pub changed_at: UnixSeconds,
    pub changed_by: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The server host's own figures, broadcast periodically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SystemStats {
    pub cpu_percent: f64,
    pub memory_percent: f64,
    pub disk_percent: f64,
    pub uptime_s: f64,
    pub clients: u64,
    pub server_time: UnixSeconds,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Payload of `devices_update` (and of `GET /api/devices`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevicesUpdate {
    pub devices: Vec<Device>,
    /// `true`: the whole list, an absent id no longer exists. `false`: upserts only.
    pub snapshot: bool,
    pub server_time: UnixSeconds,
}

/// Payload of `relays_update` (and of `GET /api/relays`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelaysUpdate {
    pub relays: Vec<Relay>,
    pub snapshot: bool,
    pub server_time: UnixSeconds,
}

/// Payload of `set_relay` over Socket.IO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetRelayRequest {
    pub relay_id: String,
    pub state: bool,
    pub request_id: String,
    pub issued_at: UnixSeconds,
    /// The operator signed in at the console that issued it (an extension the contract
    /// does not name; servers that know it record it as the relay's `changed_by`). Left
    /// out of the payload when nobody is signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

/// Body of `POST /api/relays/{relay_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetRelayBody {
    pub state: bool,
    pub request_id: String,
    pub issued_at: UnixSeconds,
    /// The operator signed in at the console that issued it (an extension the contract
    /// does not name; servers that know it record it as the relay's `changed_by`). Left
    /// out of the payload when nobody is signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

/// Why a server refused a relay command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetRelayError {
    UnknownRelay,
    Invalid,
    Expired,
    Forbidden,
    /// Only produced locally for an HTTP 401; the Socket.IO path refuses at CONNECT.
    Unauthorized,
}

impl SetRelayError {
    pub fn as_str(self) -> &'static str {
        match self {
            SetRelayError::UnknownRelay => "unknown_relay",
            SetRelayError::Invalid => "invalid",
            SetRelayError::Expired => "expired",
            SetRelayError::Forbidden => "forbidden",
            SetRelayError::Unauthorized => "unauthorized",
        }
    }
}

/// The answer to a relay command, over either path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawSetRelayResult", into = "RawSetRelayResult")]
pub enum SetRelayResult {
    Applied {
        relay: Relay,
        duplicate: bool,
    },
    Refused {
        error: SetRelayError,
        message: String,
    },
}

/// The flat wire form of [`SetRelayResult`]; `ok` decides which fields must be there.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RawSetRelayResult {
    ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    relay: Option<Relay>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duplicate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<SetRelayError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl TryFrom<RawSetRelayResult> for SetRelayResult {
    type Error = String;

    fn try_from(raw: RawSetRelayResult) -> Result<Self, Self::Error> {
        if raw.ok {
            let relay = raw.relay.ok_or("ok result without relay")?;
            Ok(SetRelayResult::Applied {
                relay,
                duplicate: raw.duplicate.unwrap_or(false),
            })
        } else {
            let error = raw.error.ok_or("refused result without error")?;
            Ok(SetRelayResult::Refused {
                error,
                message: raw.message.unwrap_or_default(),
            })
        }
    }
}

impl From<SetRelayResult> for RawSetRelayResult {
    fn from(result: SetRelayResult) -> Self {
        match result {
            SetRelayResult::Applied { relay, duplicate } => RawSetRelayResult {
                ok: true,
                relay: Some(relay),
                duplicate: Some(duplicate),
                error: None,
                message: None,
            },
            SetRelayResult::Refused { error, message } => RawSetRelayResult {
                ok: false,
                relay: None,
                duplicate: None,
                error: Some(error),
                message: Some(message),
            },
        }
    }
}

/// Answer of `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub server_time: UnixSeconds,
}

/// Socket.IO CONNECT auth payload for a site with a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectAuth {
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn device_keeps_fields_the_contract_does_not_list() {
        let wire = json!({"id":"d1","name":"Boiler","kind":"temperature","status":"online",
            "value":71.5,"unit":"\u{b0}C","last_seen":1700000000.5,"location":"Hall 2","firmware":"1.2"});
        let device: Device = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(device.extra["location"], "Hall 2");
        assert_eq!(serde_json::to_value(&device).unwrap(), wire);
    }

    /// The reader `Device` had before its `Deserialize` was written out, for comparison.
    #[derive(Debug, PartialEq, Deserialize)]
    struct DerivedDevice {
        id: String,
        name: String,
        kind: String,
        status: DeviceStatus,
        value: Option<f64>,
        unit: Option<String>,
        last_seen: UnixSeconds,
        #[serde(flatten)]
        extra: Map<String, Value>,
    }

    impl From<DerivedDevice> for Device {
        fn from(d: DerivedDevice) -> Device {
            Device {
                id: d.id,
                name: d.name,
                kind: d.kind,
                status: d.status,
                value: d.value,
                unit: d.unit,
                last_seen: d.last_seen,
                extra: d.extra.into(),
            }
        }
    }

    #[test]
    fn device_is_read_and_refused_as_the_derived_reader_did() {
        let texts = [
            r#"{"id":"d1","name":"Boiler","kind":"t","status":"online","value":71.5,"unit":"C","last_seen":1.5}"#,
            r#"{"id":"d1","name":"Boiler","kind":"t","status":"fault","last_seen":2}"#,
            r#"{"id":"d1","name":"Boiler","kind":"t","status":"online","value":null,"unit":null,"last_seen":2}"#,
            r#"{"last_seen":3,"location":"Hall 2","id":"d1","name":"B"x","kind":"t","status":"odd","firmware":{"v":[1,2]}}"#,
            r#"{"id":"d1","name":"B","kind":"t","status":"online","last_seen":3,"x":1,"x":2}"#,
            r#"{"name":"escaped key","id":"d1","kind":"t","status":"online","last_seen":3,"location":"Hall"}"#,
            r#"{"id":"d1","id":"d2","name":"B","kind":"t","status":"online","last_seen":3}"#,
            r#"{"id":"d1","name":"B","kind":"t","status":"online","value":1,"value":2,"last_seen":3}"#,
            r#"{"id":"d1","name":"B","kind":"t","status":"online"}"#,
            r#"{"name":"B","kind":"t","status":"online","last_seen":3}"#,
            r#"{"id":"d1","name":"B","kind":"t","status":"online","value":"hot","last_seen":3}"#,
            r#"{"id":"d1","name":"B","kind":"t","status":"online","unit":5,"last_seen":3}"#,
            r#"{"id":7,"name":"B","kind":"t","status":"online","last_seen":3}"#,
            r#"["d1","B","t","online",1.0,"C",3]"#,
            r#""d1""#,
            r#"{}"#,
        ];
        for text in texts {
            let derived = serde_json::from_str::<DerivedDevice>(text).map(Device::from);
            let written = serde_json::from_str::<Device>(text);
            match (&derived, &written) {
                (Ok(derived), Ok(written)) => assert_eq!(derived, written, "{text}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{text}: derived {derived:?}, written out {written:?}"),
            }
            let value: Result<Value, _> = serde_json::from_str(text);
            if let Ok(value) = value {
                let derived =
                    serde_json::from_value::<DerivedDevice>(value.clone()).map(Device::from);
                let written = serde_json::from_value::<Device>(value);
                assert_eq!(derived.is_ok(), written.is_ok(), "{text} as a value");
                if let (Ok(derived), Ok(written)) = (derived, written) {
                    assert_eq!(derived, written, "{text} as a value");
                }
            }
        }
    }

    #[test]
    fn unknown_device_status_is_kept_as_unknown() {
        let device: Device = serde_json::from_value(json!({"id":"d1","name":"x","kind":"k",
            "status":"maintenance","value":null,"unit":null,"last_seen":1}))
        .unwrap();
        assert_eq!(device.status, DeviceStatus::Unknown);
        assert_eq!(device.value, None);
    }

    #[test]
    fn set_relay_result_reads_both_shapes() {
        let ok: SetRelayResult = serde_json::from_value(json!({"ok":true,"duplicate":true,
            "relay":{"id":"r1","name":"Pump","device_id":null,"state":true,"changed_at":2.0,"changed_by":"op"}}))
        .unwrap();
        assert!(matches!(
            ok,
            SetRelayResult::Applied {
                duplicate: true,
                ..
            }
        ));
        let refused: SetRelayResult =
            serde_json::from_value(json!({"ok":false,"error":"expired","message":"too old"}))
                .unwrap();
        assert_eq!(
            refused,
            SetRelayResult::Refused {
                error: SetRelayError::Expired,
                message: "too old".into()
            }
        );
    }

    #[test]
    fn set_relay_result_without_its_fields_is_rejected() {
        assert!(serde_json::from_value::<SetRelayResult>(json!({"ok":true})).is_err());
        assert!(serde_json::from_value::<SetRelayResult>(json!({"ok":false})).is_err());
    }
}
