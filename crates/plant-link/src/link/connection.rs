//! One WebSocket connection: opening the socket (over TLS for `https`/`wss`) and the state
//! that lives as long as the connection does (its session, the relay commands waiting
//! for an answer, the probe and clock-check timers).

use std::collections::HashMap;
use std::time::Duration;

use futures_util::SinkExt;
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use super::RelayReply;
use crate::clock::{JumpDetector, NetworkWatch};
use crate::config::{LinkConfig, PlantUrl};
use crate::failover::Failure;
use crate::session::{Output, Phase, Session, SessionConfig};

/// How often the wall clock is compared with the monotonic one.
pub(super) const CLOCK_CHECK_EVERY: Duration = Duration::from_secs(1);

/// How far the wall clock must run ahead to count as a resume from sleep.
const RESUME_JUMP: Duration = Duration::from_secs(2);

pub(super) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens the WebSocket to `server` (one of the plant's addresses), over TLS for
/// `https`/`wss` (system roots plus the site CA, with hostname verification). The error
/// says whether the address could not be reached at all or refused.
pub(super) async fn open_socket(
    config: LinkConfig,
    server: PlantUrl,
) -> Result<Socket, (Failure, String)> {
    let refused = |e: String| (Failure::Refused, e);
    let max_message_bytes = config.max_message_bytes;
    // The TLS settings are fetched before connecting so that an unusable CA file is
    // reported as such rather than as a failed handshake.
    let connector = if server.is_tls() {
        Connector::Rustls(config.tls_config().map_err(|e| refused(e.to_string()))?)
    } else {
        Connector::Plain
    };
    let stream = TcpStream::connect((server.host(), server.port()))
        .await
        .map_err(|e| (Failure::Unreachable, e.to_string()))?;
    // The server side (Werkzeug) does not set TCP_NODELAY; setting it here at least keeps
    // our pongs and commands from waiting behind Nagle's algorithm.
    stream
        .set_nodelay(true)
        .map_err(|e| (Failure::Unreachable, e.to_string()))?;
    let request = server
        .websocket_url()
        .into_client_request()
        .map_err(|e| refused(e.to_string()))?;
    let ws_config = WebSocketConfig::default()
        .max_message_size(Some(max_message_bytes))
        .max_frame_size(Some(max_message_bytes));
    let (socket, _response) = tokio_tungstenite::client_async_tls_with_config(
        request,
        stream,
        Some(ws_config),
        Some(connector),
    )
    .await
    .map_err(|e| refused(e.to_string()))?;
    Ok(socket)
}

/// The state of one connection, from the open socket to its end.
pub(super) struct Connection {
    pub(super) socket: Socket,
    pub(super) session: Session,
    /// Relay commands sent over this connection, by request id, waiting for the answer.
    pub(super) replies: HashMap<String, RelayReply>,
    /// When the session went live, if it did.
    pub(super) live_since: Option<Instant>,
    /// What the session asked for since the last round, handled after each wake-up.
    pub(super) out: Vec<Output>,
    /// A frame (or the end of the stream) read behind a round's text frames and held for
    /// the next round, so that what those frames asked for is carried out first.
    pub(super) held_frame: Option<Option<Result<Message, tokio_tungstenite::tungstenite::Error>>>,
    /// The handshake must be done by then.
    pub(super) connect_deadline: Instant,
    pub(super) next_probe: Instant,
    /// Once a second the two clocks are compared; a jump means the machine slept, and
    /// the link proves itself with a probe instead of waiting for the heartbeat.
    pub(super) clocks: JumpDetector,
    pub(super) next_clock_check: Instant,
    /// After a resume or a network change: the plant must have spoken by then.
    pub(super) resume_deadline: Option<Instant>,
    pub(super) network: NetworkWatch,
    /// Set when the session ended because the plant went silent (the heartbeat limit,
    /// or no answer after a resume), which the address selection tells from a refusal.
    pub(super) silent: bool,
}

impl Connection {
    /// A fresh session over `socket`, with the settings of `config`.
    pub(super) fn new(socket: Socket, config: &LinkConfig, connect_deadline: Instant) -> Self {
        let session_config = SessionConfig {
            auth: config
                .token
                .as_ref()
                .map(|t| serde_json::json!({ "token": t.expose() })),
            stale_after: config.stale_after,
            ..SessionConfig::default()
        };
        let session = Session::new(session_config, Instant::now().into_std());
        let next_probe = Instant::now() + config.probe_interval;
        let clocks = JumpDetector::new(
            config.wall_clock.now(),
            Instant::now().into_std(),
            RESUME_JUMP,
        );
        let next_clock_check = Instant::now() + CLOCK_CHECK_EVERY;
        let mut network = NetworkWatch::default();
        network.changed(config.network.addresses());
        Connection {
            socket,
            session,
            replies: HashMap::new(),
            live_since: None,
            out: Vec::new(),
            held_frame: None,
            connect_deadline,
            next_probe,
            clocks,
            next_clock_check,
            resume_deadline: None,
            network,
            silent: false,
        }
    }

    /// When the connection must wake up next if nothing arrives: the handshake deadline
    /// until the session is live, then the session's own deadline, the next probe, the
    /// next clock check or the resume deadline, whichever comes first.
    pub(super) fn wake_at(&self) -> Instant {
        let now = Instant::now();
        match self.session.phase() {
            Phase::Live => {
                let deadline = self
                    .session
                    .next_deadline(now.into_std())
                    .map(Instant::from_std);
                let wake = deadline
                    .map_or(self.next_probe, |d| d.min(self.next_probe))
                    .min(self.next_clock_check);
                self.resume_deadline.map_or(wake, |r| r.min(wake))
            }
            _ => self.connect_deadline,
        }
    }

    /// Writes one text frame; the error says why the connection cannot go on.
    pub(super) async fn send(&mut self, frame: String) -> Result<(), String> {
        match timeout(
            Duration::from_secs(5),
            self.socket.send(Message::text(frame)),
        )
        .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(format!("send failed: {error}")),
            Err(_) => Err("send timed out".into()),
        }
    }

    /// Closes the WebSocket, waiting a second at most.
    pub(super) async fn close(&mut self) {
        let _ = timeout(Duration::from_secs(1), self.socket.close(None)).await;
    }

    /// Leaves politely: Socket.IO disconnect, then the WebSocket close.
    pub(super) async fn say_goodbye(&mut self) {
        let _ = timeout(
            Duration::from_secs(1),
            self.socket.send(Message::text("41")),
        )
        .await;
        self.close().await;
    }
}
