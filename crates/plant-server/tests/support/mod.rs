//! Test harness: the plant server in-process on a free port, and a tiny raw Socket.IO client.
//!
//! The client speaks Engine.IO v4 / Socket.IO v5 text frames directly over tokio-tungstenite,
//! so the tests check the exact wire format the contract describes rather than what some
//! client library makes of it. Every read is bounded by [`DEADLINE`] so a missing answer fails
//! the test instead of hanging it.

// Each test binary uses a different part of the harness.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use plant_server::{RunningServer, ServerConfig};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Longest any single wait in a test may take.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A fleet that changes only when a test changes it: no simulation, stats once an hour,
/// a fixed seed.
pub fn quiet_config() -> ServerConfig {
    ServerConfig {
        sim_interval: None,
        stats_interval: Duration::from_secs(3600),
        seed: Some(7),
        ..ServerConfig::default()
    }
}

/// The same with a token.
pub fn token_config(token: &str) -> ServerConfig {
    ServerConfig {
        token: Some(token.to_string()),
        ..quiet_config()
    }
}

/// Starts the server on 127.0.0.1 with a port the OS picks.
pub async fn start(config: ServerConfig) -> RunningServer {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    within(plant_server::start(listener, config))
        .await
        .expect("server starts")
}

/// Fails the test if `future` takes longer than [`DEADLINE`].
pub async fn within<F: std::future::Future>(future: F) -> F::Output {
    tokio::time::timeout(DEADLINE, future)
        .await
        .expect("timed out waiting")
}

/// Seconds since the Unix epoch, as the contract counts time.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

pub fn url(server: &RunningServer, path: &str) -> String {
    format!("http://{}{path}", server.local_addr())
}

/// A `set_relay` payload issued now with a fresh request id.
pub fn set_relay_payload(relay_id: &str, state: bool, request_id: &str) -> Value {
    json!({"relay_id": relay_id, "state": state, "request_id": request_id, "issued_at": unix_now()})
}

/// One Socket.IO packet as the server sent it.
#[derive(Debug, Clone, PartialEq)]
pub enum Packet {
    Connect(Value),
    ConnectError(Value),
    Disconnect,
    Event { name: String, data: Value },
    Ack { id: u64, args: Vec<Value> },
}

/// A raw Engine.IO / Socket.IO client on one WebSocket.
pub struct SioClient {
    ws: WebSocketStream<TcpStream>,
    /// The payload of the Engine.IO OPEN packet.
    pub open: Value,
    next_ack_id: u64,
}

impl SioClient {
    /// Opens the WebSocket and reads the Engine.IO OPEN packet; no Socket.IO CONNECT yet.
    pub async fn open(addr: SocketAddr) -> Self {
        within(async {
            let stream = TcpStream::connect(addr).await.expect("TCP connect");
            // The contract's advice to clients: without it an ack can sit behind its broadcast.
            stream.set_nodelay(true).expect("TCP_NODELAY");
            let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
            let (mut ws, _) = tokio_tungstenite::client_async(url, stream)
                .await
                .expect("WebSocket handshake");
            let first = ws
                .next()
                .await
                .expect("a first frame")
                .expect("a readable frame");
            let text = first.to_text().expect("a text frame").to_string();
            let open = text
                .strip_prefix('0')
                .unwrap_or_else(|| panic!("expected Engine.IO OPEN, got {text:?}"));
            let open: Value = serde_json::from_str(open).expect("OPEN carries JSON");
            SioClient {
                ws,
                open,
                next_ack_id: 1,
            }
        })
        .await
    }

    /// Opens and connects to "/", with `{"token": …}` when a token is given; `Err` carries the
    /// CONNECT_ERROR payload.
    pub async fn try_connect(addr: SocketAddr, token: Option<&str>) -> Result<Self, Value> {
        let mut client = Self::open(addr).await;
        client
            .send_connect(token.map(|t| json!({ "token": t })))
            .await;
        match client.next_packet().await {
            Some(Packet::Connect(payload)) => {
                assert!(payload["sid"].is_string(), "CONNECT without sid: {payload}");
                Ok(client)
            }
            Some(Packet::ConnectError(payload)) => Err(payload),
            other => panic!("expected CONNECT or CONNECT_ERROR, got {other:?}"),
        }
    }

    /// Opens and connects, failing the test if the server refuses.
    pub async fn connect(addr: SocketAddr, token: Option<&str>) -> Self {
        match Self::try_connect(addr, token).await {
            Ok(client) => client,
            Err(payload) => panic!("connect refused: {payload}"),
        }
    }

    pub async fn send_text(&mut self, text: String) {
        within(self.ws.send(Message::text(text)))
            .await
            .expect("WebSocket send");
    }

    pub async fn send_connect(&mut self, auth: Option<Value>) {
        let text = match auth {
            Some(auth) => format!("40{auth}"),
            None => "40".to_string(),
        };
        self.send_text(text).await;
    }

    /// Emits an event without an ack: `42["name",data]`.
    pub async fn emit(&mut self, event: &str, data: Option<Value>) {
        let frame = Self::event_array(event, data);
        self.send_text(format!("42{frame}")).await;
    }

    /// Emits an event with an ack id: `42<id>["name",data]`; returns the id.
    pub async fn emit_with_ack(&mut self, event: &str, data: Option<Value>) -> u64 {
        let id = self.next_ack_id;
        self.next_ack_id += 1;
        let frame = Self::event_array(event, data);
        self.send_text(format!("42{id}{frame}")).await;
        id
    }

    fn event_array(event: &str, data: Option<Value>) -> Value {
        match data {
            Some(data) => json!([event, data]),
            None => json!([event]),
        }
    }

    /// The next Socket.IO packet, answering Engine.IO pings on the way; `None` once the
    /// connection has ended (close frame, Engine.IO close, or end of stream).
    pub async fn next_packet(&mut self) -> Option<Packet> {
        within(async {
            loop {
                let frame = match self.ws.next().await {
                    None | Some(Err(_)) => return None,
                    Some(Ok(frame)) => frame,
                };
                let text = match frame {
                    Message::Text(text) => text.to_string(),
                    Message::Close(_) => return None,
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                    Message::Binary(_) => panic!("the contract has no binary packets"),
                };
                match text.as_bytes().first() {
                    Some(b'2') => {
                        self.ws.send(Message::text("3")).await.expect("send PONG");
                    }
                    Some(b'1') => return None,
                    Some(b'4') => return Some(parse_socket_packet(&text[1..])),
                    _ => {}
                }
            }
        })
        .await
    }

    /// The next packet, which must exist.
    pub async fn expect_packet(&mut self) -> Packet {
        self.next_packet().await.expect("connection still open")
    }

    /// The payload of the next `name` event, skipping other events (periodic stats, say).
    /// An ack arriving first fails the test: no test expects to skip one.
    pub async fn next_event(&mut self, name: &str) -> Value {
        loop {
            match self.expect_packet().await {
                Packet::Event { name: got, data } if got == name => return data,
                Packet::Event { .. } => continue,
                other => panic!("expected event {name}, got {other:?}"),
            }
        }
    }

    /// Reads up to the ack with `id` and returns the events received before it (in order)
    /// and the ack's arguments.
    pub async fn until_ack(&mut self, id: u64) -> (Vec<(String, Value)>, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            match self.expect_packet().await {
                Packet::Ack { id: got, args } if got == id => return (before, args),
                Packet::Event { name, data } => before.push((name, data)),
                other => panic!("expected ack {id}, got {other:?}"),
            }
        }
    }

    /// Emits `event` with an ack and returns the ack's first argument.
    pub async fn call(&mut self, event: &str, data: Option<Value>) -> Value {
        let id = self.emit_with_ack(event, data).await;
        let (_, mut args) = self.until_ack(id).await;
        assert_eq!(args.len(), 1, "an ack carries exactly one value");
        args.remove(0)
    }

    /// Waits until the server ends the session, skipping whatever else arrives meanwhile.
    pub async fn until_closed(&mut self) {
        while let Some(packet) = self.next_packet().await {
            if packet == Packet::Disconnect {
                return;
            }
        }
    }
}

/// Parses a Socket.IO packet (the text after Engine.IO's `4`) of the default namespace.
fn parse_socket_packet(text: &str) -> Packet {
    let (kind, rest) = text.split_at(1);
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let (id, json) = rest.split_at(digits);
    let value = || -> Value {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("bad JSON in {text:?}: {e}"))
    };
    match kind {
        "0" => Packet::Connect(value()),
        "1" => Packet::Disconnect,
        "4" => Packet::ConnectError(value()),
        "2" => {
            let Value::Array(mut items) = value() else {
                panic!("an event is a JSON array: {text:?}");
            };
            assert!(
                id.is_empty(),
                "the server asks no acks of clients: {text:?}"
            );
            assert!(items.len() <= 2, "events carry one payload: {text:?}");
            let name = items.remove(0).as_str().expect("event name").to_string();
            let data = items.pop().unwrap_or(Value::Null);
            Packet::Event { name, data }
        }
        "3" => {
            let Value::Array(args) = value() else {
                panic!("an ack is a JSON array: {text:?}");
            };
            Packet::Ack {
                id: id.parse().expect("ack id"),
                args,
            }
        }
        other => panic!("unexpected Socket.IO packet type {other} in {text:?}"),
    }
}
