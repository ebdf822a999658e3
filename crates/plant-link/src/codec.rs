//! Pure Engine.IO v4 / Socket.IO v5 codec for text frames: no I/O, no clocks, no state.
//!
//! An Engine.IO text frame is one packet: a type digit and its data. A MESSAGE (`4`)
//! carries one Socket.IO packet: `<type>[<attachments>-][<nsp>,][<ack id>][<json>]`.
//! Decoding borrows from the frame, so event payloads can be parsed straight into their
//! typed form later without a second copy of the text.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use thiserror::Error;

/// Engine.IO OPEN handshake data, sent by the server as the first frame.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenInfo {
    pub sid: String,
    #[serde(default)]
    pub upgrades: Vec<String>,
    /// Milliseconds between the server's PINGs.
    pub ping_interval: u64,
    /// Milliseconds the server waits for our PONG.
    pub ping_timeout: u64,
    /// Largest payload in bytes the server accepts from a client. Servers send larger
    /// frames (a big plant's snapshot), so it does not bound what the console receives.
    #[serde(default = "default_max_payload")]
    pub max_payload: u64,
}

fn default_max_payload() -> u64 {
    1_000_000
}

/// One decoded Engine.IO packet.
#[derive(Debug, PartialEq)]
pub enum EnginePacket<'a> {
    Open(OpenInfo),
    Close,
    Ping(&'a str),
    Pong(&'a str),
    Message(SocketPacket<'a>),
    Upgrade,
    Noop,
}

/// One decoded Socket.IO packet.
#[derive(Debug)]
pub enum SocketPacket<'a> {
    /// `40{"sid":…}` from a server: the namespace accepted us.
    Connect {
        nsp: &'a str,
        data: Option<&'a RawValue>,
    },
    /// `41`: the server ended the Socket.IO session (the WebSocket may stay open).
    Disconnect { nsp: &'a str },
    /// `42["name",args…]`, with an ack id when the sender wants an answer.
    Event {
        nsp: &'a str,
        id: Option<u64>,
        name: String,
        args: Vec<&'a RawValue>,
    },
    /// `43<id>[args…]`: the answer to one of our acked emits.
    Ack {
        nsp: &'a str,
        id: u64,
        args: Vec<&'a RawValue>,
    },
    /// `44{"message":…}` or `44"text"`: the namespace refused us.
    ConnectError { nsp: &'a str, message: String },
}

// JSON payloads compare by their text: `RawValue` has no equality of its own, and two
// frames are the same packet exactly when their bytes are.
impl PartialEq for SocketPacket<'_> {
    fn eq(&self, other: &Self) -> bool {
        fn texts<'v>(values: &[&'v RawValue]) -> Vec<&'v str> {
            values.iter().map(|value| value.get()).collect()
        }
        use SocketPacket::*;
        match (self, other) {
            (Connect { nsp: a, data: x }, Connect { nsp: b, data: y }) => {
                a == b && x.map(RawValue::get) == y.map(RawValue::get)
            }
            (Disconnect { nsp: a }, Disconnect { nsp: b }) => a == b,
            (
                Event {
                    nsp: a,
                    id: i,
                    name: n,
                    args: x,
                },
                Event {
                    nsp: b,
                    id: j,
                    name: m,
                    args: y,
                },
            ) => a == b && i == j && n == m && texts(x) == texts(y),
            (
                Ack {
                    nsp: a,
                    id: i,
                    args: x,
                },
                Ack {
                    nsp: b,
                    id: j,
                    args: y,
                },
            ) => a == b && i == j && texts(x) == texts(y),
            (ConnectError { nsp: a, message: x }, ConnectError { nsp: b, message: y }) => {
                a == b && x == y
            }
            _ => false,
        }
    }
}

/// Why a frame could not be decoded. Every variant is a protocol fault of the peer.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum CodecError {
    #[error("empty frame")]
    Empty,
    #[error("unknown Engine.IO packet type {0:?}")]
    UnknownEngineType(char),
    #[error("unknown Socket.IO packet type {0:?}")]
    UnknownSocketType(char),
    #[error("binary Socket.IO packets are not part of the plant protocol")]
    BinaryUnsupported,
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
}

fn malformed(what: &'static str, detail: impl ToString) -> CodecError {
    CodecError::Malformed {
        what,
        detail: detail.to_string(),
    }
}

/// Decodes one Engine.IO text frame.
pub fn decode(frame: &str) -> Result<EnginePacket<'_>, CodecError> {
    let mut chars = frame.chars();
    let kind = chars.next().ok_or(CodecError::Empty)?;
    let rest = &frame[kind.len_utf8()..];
    match kind {
        '0' => serde_json::from_str(rest)
            .map(EnginePacket::Open)
            .map_err(|e| malformed("OPEN packet", e)),
        '1' => Ok(EnginePacket::Close),
        '2' => Ok(EnginePacket::Ping(rest)),
        '3' => Ok(EnginePacket::Pong(rest)),
        '4' => decode_socket(rest).map(EnginePacket::Message),
        '5' => Ok(EnginePacket::Upgrade),
        '6' => Ok(EnginePacket::Noop),
        other => Err(CodecError::UnknownEngineType(other)),
    }
}

fn decode_socket(packet: &str) -> Result<SocketPacket<'_>, CodecError> {
    let kind = packet.chars().next().ok_or(CodecError::Empty)?;
    let mut rest = &packet[kind.len_utf8()..];
    if matches!(kind, '5' | '6') {
        return Err(CodecError::BinaryUnsupported);
    }
    // A namespace other than "/" is written before a comma; the default one is omitted.
    let mut nsp = "/";
    if rest.starts_with('/') {
        let end = rest.find(',').unwrap_or(rest.len());
        nsp = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id = if digits > 0 {
        let id = rest[..digits]
            .parse::<u64>()
            .map_err(|e| malformed("ack id", e))?;
        rest = &rest[digits..];
        Some(id)
    } else {
        None
    };
    match kind {
        '0' => {
            let data = if rest.is_empty() {
                None
            } else {
                Some(parse_raw(rest, "CONNECT payload")?)
            };
            Ok(SocketPacket::Connect { nsp, data })
        }
        '1' => Ok(SocketPacket::Disconnect { nsp }),
        '2' => {
            let mut items: Vec<&RawValue> =
                serde_json::from_str(rest).map_err(|e| malformed("EVENT payload", e))?;
            if items.is_empty() {
                return Err(malformed("EVENT payload", "no event name"));
            }
            let name: String = serde_json::from_str(items.remove(0).get())
                .map_err(|e| malformed("EVENT name", e))?;
            Ok(SocketPacket::Event {
                nsp,
                id,
                name,
                args: items,
            })
        }
        '3' => {
            let id = id.ok_or_else(|| malformed("ACK packet", "no ack id"))?;
            let args: Vec<&RawValue> =
                serde_json::from_str(rest).map_err(|e| malformed("ACK payload", e))?;
            Ok(SocketPacket::Ack { nsp, id, args })
        }
        '4' => {
            // python-socketio sends a bare JSON string for some refusals, and an object
            // with `message` for others: both are read as the refusal's text.
            let value: Value =
                serde_json::from_str(rest).map_err(|e| malformed("CONNECT_ERROR payload", e))?;
            let message = match value {
                Value::String(text) => text,
                Value::Object(map) => match map.get("message") {
                    Some(Value::String(text)) => text.clone(),
                    _ => Value::Object(map).to_string(),
                },
                other => other.to_string(),
            };
            Ok(SocketPacket::ConnectError { nsp, message })
        }
        other => Err(CodecError::UnknownSocketType(other)),
    }
}

fn parse_raw<'a>(text: &'a str, what: &'static str) -> Result<&'a RawValue, CodecError> {
    serde_json::from_str(text).map_err(|e| malformed(what, e))
}

/// Rewrites the number tokens that strict JSON cannot hold into JSON strings, outside
/// strings only: `NaN`, `Infinity` and `-Infinity` (what Python's `json.dumps` writes for
/// a failed sensor read, and what Flask and python-socketio send) and numbers too large
/// for an `f64` (`1e400`). `"value": NaN` becomes `"value": "NaN"`, which the per-item
/// reader ([`crate::items`]) then marks as a value it could not read, instead of the
/// whole payload failing to parse. Returns `None` when there is nothing to rewrite.
///
/// Only the lenient path calls this, after a strict parse failed, so a well-formed
/// payload never pays for the scan.
pub fn quote_non_finite(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Everything before `copied` is already in `out` (or needs no copy yet).
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i),
            b'N' | b'I' | b'-' | b'0'..=b'9' => {
                let end = token_end(bytes, i);
                let token = &text[i..end];
                let rewrite = match token {
                    "NaN" | "Infinity" | "-Infinity" => true,
                    _ => {
                        token.bytes().any(|b| matches!(b, b'e' | b'E'))
                            && token.parse::<f64>().is_ok_and(|v| v.is_infinite())
                    }
                };
                if rewrite {
                    let out = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
                    out.push_str(&text[copied..i]);
                    out.push('"');
                    out.push_str(token);
                    out.push('"');
                    copied = end;
                }
                i = end.max(i + 1);
            }
            _ => i += 1,
        }
    }
    out.map(|mut out| {
        out.push_str(&text[copied..]);
        out
    })
}

/// The index just past the JSON string that starts at `start` (a `"`), escapes included;
/// the end of the text for an unterminated string.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of a bare token (a number or a word such as `NaN`) starting at `start`.
fn token_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'-' | b'+' | b'.'))
    {
        i += 1;
    }
    i
}

/// The PONG frame that answers a PING with the same probe data (none in practice).
pub fn encode_pong(probe: &str) -> String {
    format!("3{probe}")
}

/// A Socket.IO CONNECT to the default namespace, with the auth payload when there is one.
pub fn encode_connect(auth: Option<&Value>) -> String {
    match auth {
        Some(auth) => format!("40{auth}"),
        None => "40".to_owned(),
    }
}

/// A Socket.IO EVENT to the default namespace; `id` asks the server for an ack.
pub fn encode_event(name: &str, args: &[Value], id: Option<u64>) -> String {
    let mut array = Vec::with_capacity(args.len() + 1);
    array.push(Value::String(name.to_owned()));
    array.extend_from_slice(args);
    let body = Value::Array(array).to_string();
    match id {
        Some(id) => format!("42{id}{body}"),
        None => format!("42{body}"),
    }
}

/// The Engine.IO CLOSE frame a client sends when it leaves on purpose.
pub const CLOSE: &str = "1";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(value: &RawValue) -> Value {
        serde_json::from_str(value.get()).unwrap()
    }

    #[test]
    fn open_packet_from_flask_socketio_is_read_with_its_numbers() {
        let frame = r#"0{"sid":"Xp1TfVh2","upgrades":[],"pingTimeout":20000,"pingInterval":25000,"maxPayload":1000000}"#;
        let EnginePacket::Open(open) = decode(frame).unwrap() else {
            panic!("not OPEN")
        };
        assert_eq!(open.sid, "Xp1TfVh2");
        assert_eq!(open.ping_interval, 25000);
        assert_eq!(open.ping_timeout, 20000);
        assert_eq!(open.max_payload, 1_000_000);
    }

    #[test]
    fn open_packet_without_max_payload_gets_the_engine_io_default() {
        let frame =
            r#"0{"sid":"a","upgrades":["websocket"],"pingTimeout":5000,"pingInterval":300}"#;
        let EnginePacket::Open(open) = decode(frame).unwrap() else {
            panic!("not OPEN")
        };
        assert_eq!(open.max_payload, 1_000_000);
        assert_eq!(open.ping_interval, 300);
    }

    #[test]
    fn connect_ok_carries_the_socket_io_sid() {
        let frame = r#"40{"sid":"wZX3oN0bSVIhsaknAAAI"}"#;
        let EnginePacket::Message(SocketPacket::Connect { nsp, data }) = decode(frame).unwrap()
        else {
            panic!("not CONNECT")
        };
        assert_eq!(nsp, "/");
        assert_eq!(raw(data.unwrap()), json!({"sid":"wZX3oN0bSVIhsaknAAAI"}));
    }

    #[test]
    fn connect_error_with_message_object_is_read() {
        assert_eq!(
            decode(r#"44{"message":"unauthorized"}"#).unwrap(),
            EnginePacket::Message(SocketPacket::ConnectError {
                nsp: "/",
                message: "unauthorized".into()
            })
        );
    }

    #[test]
    fn connect_error_with_bare_string_is_read() {
        assert_eq!(
            decode(r#"44"Unable to connect""#).unwrap(),
            EnginePacket::Message(SocketPacket::ConnectError {
                nsp: "/",
                message: "Unable to connect".into()
            })
        );
    }

    #[test]
    fn heartbeat_and_close_frames_are_read() {
        assert_eq!(decode("2").unwrap(), EnginePacket::Ping(""));
        assert_eq!(decode("3").unwrap(), EnginePacket::Pong(""));
        assert_eq!(decode("2probe").unwrap(), EnginePacket::Ping("probe"));
        assert_eq!(decode("1").unwrap(), EnginePacket::Close);
        assert_eq!(decode("6").unwrap(), EnginePacket::Noop);
        assert_eq!(encode_pong(""), "3");
    }

    #[test]
    fn socket_io_disconnect_is_read() {
        assert_eq!(
            decode("41").unwrap(),
            EnginePacket::Message(SocketPacket::Disconnect { nsp: "/" })
        );
    }

    #[test]
    fn event_with_escaped_unicode_and_extra_fields_is_read() {
        let frame = r#"42["devices_update",{"devices":[{"id":"d1","name":"Boiler","kind":"temperature","status":"online","value":71,"unit":"\u00b0C","last_seen":1700000000.25,"location":"Hall 2"}],"snapshot":false,"server_time":1700000000.5}]"#;
        let EnginePacket::Message(SocketPacket::Event {
            nsp,
            id,
            name,
            args,
        }) = decode(frame).unwrap()
        else {
            panic!("not EVENT")
        };
        assert_eq!(
            (nsp, id, name.as_str(), args.len()),
            ("/", None, "devices_update", 1)
        );
        let update: plant_protocol::DevicesUpdate = serde_json::from_str(args[0].get()).unwrap();
        assert_eq!(update.devices[0].unit.as_deref(), Some("\u{b0}C"));
        assert_eq!(update.devices[0].value, Some(71.0));
        assert_eq!(update.devices[0].extra["location"], "Hall 2");
    }

    #[test]
    fn event_with_ack_id_and_without_args_is_read() {
        let EnginePacket::Message(SocketPacket::Event { id, name, args, .. }) =
            decode(r#"4217["request_devices"]"#).unwrap()
        else {
            panic!("not EVENT")
        };
        assert_eq!(
            (id, name.as_str(), args.len()),
            (Some(17), "request_devices", 0)
        );
    }

    #[test]
    fn ack_carries_the_handlers_return_values() {
        let frame = r#"433[{"ok":false,"error":"expired","message":"command too old"}]"#;
        let EnginePacket::Message(SocketPacket::Ack { nsp, id, args }) = decode(frame).unwrap()
        else {
            panic!("not ACK")
        };
        assert_eq!((nsp, id), ("/", 3));
        assert_eq!(raw(args[0])["error"], "expired");
    }

    #[test]
    fn packets_for_another_namespace_name_it() {
        let EnginePacket::Message(SocketPacket::Event { nsp, id, .. }) =
            decode(r#"42/admin,5["x",1]"#).unwrap()
        else {
            panic!("not EVENT")
        };
        assert_eq!((nsp, id), ("/admin", Some(5)));
        assert_eq!(
            decode("41/admin,").unwrap(),
            EnginePacket::Message(SocketPacket::Disconnect { nsp: "/admin" })
        );
    }

    #[test]
    fn malformed_and_unknown_frames_are_errors_not_panics() {
        assert_eq!(decode(""), Err(CodecError::Empty));
        assert_eq!(decode("9"), Err(CodecError::UnknownEngineType('9')));
        assert_eq!(decode("é"), Err(CodecError::UnknownEngineType('é')));
        assert_eq!(decode("47[]"), Err(CodecError::UnknownSocketType('7')));
        assert_eq!(decode("4"), Err(CodecError::Empty));
        assert_eq!(
            decode(r#"451-["x",{"_placeholder":true,"num":0}]"#),
            Err(CodecError::BinaryUnsupported)
        );
        assert!(matches!(
            decode("0{not json"),
            Err(CodecError::Malformed { .. })
        ));
        assert!(matches!(decode("42[]"), Err(CodecError::Malformed { .. })));
        assert!(matches!(
            decode("42[1,2]"),
            Err(CodecError::Malformed { .. })
        ));
        assert!(matches!(
            decode("42{\"a\":1}"),
            Err(CodecError::Malformed { .. })
        ));
        assert!(matches!(decode("43[1]"), Err(CodecError::Malformed { .. })));
        assert!(matches!(
            decode("4299999999999999999999[\"x\"]"),
            Err(CodecError::Malformed { .. })
        ));
    }

    #[test]
    fn non_finite_numbers_outside_strings_are_quoted() {
        assert_eq!(
            quote_non_finite(r#"{"a":NaN,"b":[Infinity,-Infinity],"c":1e400,"d":-1E+999}"#)
                .as_deref(),
            Some(r#"{"a":"NaN","b":["Infinity","-Infinity"],"c":"1e400","d":"-1E+999"}"#)
        );
    }

    #[test]
    fn non_finite_words_inside_strings_and_ordinary_numbers_are_left_alone() {
        assert_eq!(
            quote_non_finite(r#"{"name":"NaN \" Infinity","v":-1.5e3,"w":1e308,"NaN":2}"#),
            None
        );
        assert_eq!(quote_non_finite(r#"["unterminated NaN"#), None);
        assert_eq!(quote_non_finite(""), None);
    }

    #[test]
    fn client_frames_are_encoded_as_the_server_expects() {
        assert_eq!(encode_connect(None), "40");
        assert_eq!(
            encode_connect(Some(&json!({"token":"s3cret"}))),
            r#"40{"token":"s3cret"}"#
        );
        assert_eq!(
            encode_event("request_relays", &[], None),
            r#"42["request_relays"]"#
        );
        assert_eq!(
            encode_event(
                "set_relay",
                &[json!({"relay_id":"r1","state":true})],
                Some(12)
            ),
            r#"4212["set_relay",{"relay_id":"r1","state":true}]"#
        );
        assert_eq!(CLOSE, "1");
    }
}
