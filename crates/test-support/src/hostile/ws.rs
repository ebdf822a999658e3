//! One accepted WebSocket connection of the hostile server: literal frames out, everything the client sent recorded.

use std::collections::VecDeque;
use std::io::{ErrorKind, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

use super::watched::Watched;
use super::{open_frame, Script, Shared, POLL};

/// One accepted WebSocket connection; cheap to clone (all clones drive the same one).
#[derive(Clone)]
pub struct WsConn {
    pub(super) shared: Arc<Watched<ConnState>>,
}

/// A frame the client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFrame {
    Text(String),
    Binary(Vec<u8>),
}

#[derive(Default)]
pub(super) struct ConnState {
    received: Vec<ClientFrame>,
    /// How many text frames `recv_*` has handed out.
    cursor: usize,
    outgoing: VecDeque<Outgoing>,
    /// While set, the connection thread neither reads nor writes.
    stalled: bool,
    /// Why the connection is over, once it is.
    closed: Option<String>,
    pub(super) stopping: bool,
}

enum Outgoing {
    Message(Message),
    /// Bytes written straight to the TCP stream, bypassing WebSocket framing.
    Raw(Vec<u8>),
    /// End the TCP connection with no close frame.
    Drop,
}

impl WsConn {
    fn queue(&self, item: Outgoing) {
        self.shared.update(|c| c.outgoing.push_back(item));
    }

    /// Sends one text frame exactly as given.
    pub fn send(&self, frame: &str) {
        self.queue(Outgoing::Message(Message::text(frame)));
    }

    /// Sends one binary frame.
    pub fn send_binary(&self, bytes: &[u8]) {
        self.queue(Outgoing::Message(Message::binary(bytes.to_vec())));
    }

    /// Writes bytes straight into the TCP stream (a forged WebSocket frame header, say).
    pub fn send_raw(&self, bytes: &[u8]) {
        self.queue(Outgoing::Raw(bytes.to_vec()));
    }

    /// Sends a WebSocket close frame with `code` and `reason`.
    pub fn close(&self, code: u16, reason: &str) {
        self.queue(Outgoing::Message(Message::Close(Some(CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        }))));
    }

    /// Ends the TCP connection at once, with no close frame (a crashed server).
    pub fn drop_connection(&self) {
        self.queue(Outgoing::Drop);
    }

    /// While on, the server reads nothing and sends nothing, queued frames included,
    /// and keeps the connection open: a hung server. Off resumes in order.
    pub fn stall(&self, on: bool) {
        self.shared.update(|c| c.stalled = on);
    }

    /// Sends the Engine.IO OPEN with this heartbeat, waits for the client's Socket.IO
    /// CONNECT (`40…`) and accepts it. Returns the CONNECT frame (its auth is in it).
    pub fn handshake_within(
        &self,
        limit: Duration,
        ping_interval_ms: u64,
        ping_timeout_ms: u64,
    ) -> String {
        self.send(&open_frame(ping_interval_ms, ping_timeout_ms));
        let connect =
            self.recv_matching_within(limit, "the client's CONNECT", |f| f.starts_with("40"));
        self.send(r#"40{"sid":"hostile-socket"}"#);
        connect
    }

    /// The async form of [`WsConn::handshake_within`].
    pub async fn handshake_async(&self, ping_interval_ms: u64, ping_timeout_ms: u64) -> String {
        self.send(&open_frame(ping_interval_ms, ping_timeout_ms));
        let connect = self.recv_matching_async(|f| f.starts_with("40")).await;
        self.send(r#"40{"sid":"hostile-socket"}"#);
        connect
    }

    /// Every frame the client sent so far, text and binary, in order.
    pub fn frames(&self) -> Vec<ClientFrame> {
        self.shared.read(|c| c.received.clone())
    }

    /// Every text frame the client sent so far, in order.
    pub fn received(&self) -> Vec<String> {
        self.shared
            .read(|c| texts(&c.received).map(str::to_owned).collect())
    }

    /// The next text frame not yet handed out by a `recv_*`, waiting for it.
    pub fn recv_within(&self, limit: Duration) -> String {
        self.shared
            .wait(limit, "a frame from the client", |c| next_text(c, |_| true))
    }

    /// Skips text frames until one matches `wanted`, and returns it.
    pub fn recv_matching_within(
        &self,
        limit: Duration,
        what: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> String {
        self.shared.wait(limit, what, |c| next_text(c, &wanted))
    }

    /// The async form of [`WsConn::recv_within`].
    pub async fn recv_async(&self) -> String {
        self.shared.wait_async(|c| next_text(c, |_| true)).await
    }

    /// The async form of [`WsConn::recv_matching_within`].
    pub async fn recv_matching_async(&self, wanted: impl Fn(&str) -> bool) -> String {
        self.shared.wait_async(move |c| next_text(c, &wanted)).await
    }

    /// Why the connection ended, or `None` while it is open.
    pub fn closed(&self) -> Option<String> {
        self.shared.read(|c| c.closed.clone())
    }

    /// Waits for the connection to end (the client closed or dropped it, or the test
    /// did) and returns why.
    pub fn wait_closed_within(&self, limit: Duration) -> String {
        self.shared
            .wait(limit, "the WebSocket connection to end", |c| {
                c.closed.clone()
            })
    }

    /// The async form of [`WsConn::wait_closed_within`].
    pub async fn wait_closed_async(&self) -> String {
        self.shared.wait_async(|c| c.closed.clone()).await
    }
}

fn texts(frames: &[ClientFrame]) -> impl Iterator<Item = &str> {
    frames.iter().filter_map(|f| match f {
        ClientFrame::Text(text) => Some(text.as_str()),
        ClientFrame::Binary(_) => None,
    })
}

fn next_text(c: &mut ConnState, wanted: impl Fn(&str) -> bool) -> Option<String> {
    let mut skipped = 0;
    let found = texts(&c.received).skip(c.cursor).find(|text| {
        skipped += 1;
        wanted(text)
    })?;
    let found = found.to_owned();
    c.cursor += skipped;
    Some(found)
}

/// Runs one WebSocket connection: writes what the test queued, records what the client
/// sends, until either side ends it.
pub(super) fn run_websocket(
    stream: TcpStream,
    already_read: Vec<u8>,
    shared: &Arc<Shared>,
    script: Option<Script>,
) {
    let _ = stream.set_read_timeout(Some(POLL));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let raw = match stream.try_clone() {
        Ok(raw) => raw,
        Err(_) => return,
    };
    // No limits on what the client sends: the harness records, the console is judged.
    let config = WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None);
    let mut socket =
        WebSocket::from_partially_read(stream, already_read, Role::Server, Some(config));
    let conn = WsConn {
        shared: Arc::new(Watched::new(ConnState::default())),
    };
    let stopping = shared.state.update(|state| {
        state.connections.push(conn.clone());
        state.stopping
    });
    if stopping {
        return;
    }
    if let Some(script) = script {
        let conn = conn.clone();
        let _ = std::thread::Builder::new()
            .name("hostile-script".into())
            .spawn(move || script(conn));
    }
    let end = loop {
        // Take what the test queued, unless stalled.
        let (work, stopping) = conn.shared.update(|c| {
            if c.stalled {
                (None, c.stopping)
            } else {
                (Some(std::mem::take(&mut c.outgoing)), c.stopping)
            }
        });
        if stopping {
            break "the server stopped".to_owned();
        }
        let Some(work) = work else {
            // Stalled: wait for a change rather than spin.
            conn.shared
                .wait(Duration::from_secs(24 * 3600), "a change", |c| {
                    (!c.stalled || c.stopping).then_some(())
                });
            continue;
        };
        let mut ended = None;
        for item in work {
            let result = match item {
                Outgoing::Message(message) => socket.send(message).map_err(|e| e.to_string()),
                Outgoing::Raw(bytes) => socket
                    .flush()
                    .map_err(|e| e.to_string())
                    .and_then(|()| (&raw).write_all(&bytes).map_err(|e| e.to_string())),
                Outgoing::Drop => {
                    let _ = raw.shutdown(Shutdown::Both);
                    Err("the test dropped the connection".to_owned())
                }
            };
            if let Err(error) = result {
                ended = Some(format!("sending failed: {error}"));
                break;
            }
        }
        if let Some(reason) = ended {
            break reason;
        }
        match socket.read() {
            Ok(Message::Text(text)) => {
                let text = text.as_str().to_owned();
                conn.shared
                    .update(|c| c.received.push(ClientFrame::Text(text)));
            }
            Ok(Message::Binary(bytes)) => {
                conn.shared
                    .update(|c| c.received.push(ClientFrame::Binary(bytes.to_vec())));
            }
            Ok(Message::Close(frame)) => {
                // Drive the close handshake; tungstenite answers the close frame.
                let _ = socket.flush();
                break format!(
                    "the client closed it ({})",
                    frame
                        .map(|f| f.to_string())
                        .unwrap_or_else(|| "no code".into())
                );
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                break "closed".to_owned();
            }
            Err(error) => break format!("the connection failed: {error}"),
        }
    };
    let _ = raw.shutdown(Shutdown::Both);
    conn.shared.update(|c| c.closed = Some(end));
}
