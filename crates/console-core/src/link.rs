//! The plant link: one task owns the WebSocket, runs the [`Session`] state machine over it
//! and reconnects forever; everyone else holds a cloneable [`LinkHandle`].
//!
//! Callers send [`Command`]s over a bounded channel and watch the [`LinkState`]; plant
//! messages leave through a bounded event channel in arrival order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use plant_protocol::{SetRelayRequest, SetRelayResult, UnixSeconds};
use rand::Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, timeout, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::backoff;
use crate::clock::{JumpDetector, NetworkWatch};
use crate::config::{LinkConfig, PlantId};
use crate::fallback::{self, ModeCell};
use crate::http::PlantApi;
use crate::lograte::RepeatLimiter;
use crate::session::{
    heartbeat_clamped, heartbeat_limit, Dropped, EndReason, Inbound, Output, Phase, Session,
    SessionConfig,
};
use crate::text::log_text;

/// What the operator is told about the link. Every screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LinkMode {
    /// Never connected yet since start.
    Connecting,
    /// Live over WebSocket: values are current.
    Realtime,
    /// Values come from HTTP polling.
    Fallback,
    /// Connected, but nothing arrived for the stale threshold: values are unconfirmed.
    Stale,
    /// Not connected; values are the last known ones.
    Offline,
    /// The server refused our token.
    Unauthorized,
}

/// The link's published state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkState {
    pub mode: LinkMode,
    /// When the link entered this mode (Unix seconds).
    pub since: UnixSeconds,
    /// A short human explanation (the last error, the refusal's text), never a secret.
    pub detail: Option<String>,
}

/// Counters and figures for diagnostics and benchmarks, updated without locks.
#[derive(Debug, Default)]
pub struct Telemetry {
    last_message_at: AtomicU64,
    messages: AtomicU64,
    reconnects: AtomicU64,
    dropped_frames: AtomicU64,
    /// What the console received but could not use, in total and since the current
    /// WebSocket session went live (see [`Unusable`]).
    items_dropped: AtomicU64,
    items_unreadable: AtomicU64,
    session_frames: AtomicU64,
    session_items_dropped: AtomicU64,
    session_items_unreadable: AtomicU64,
    rtt_micros: AtomicU64,
    modes: std::sync::Mutex<ModeTimes>,
}

/// Time spent in each mode, for diagnostics.
#[derive(Debug)]
struct ModeTimes {
    current: LinkMode,
    entered: std::time::Instant,
    totals: HashMap<LinkMode, Duration>,
}

impl Default for ModeTimes {
    fn default() -> Self {
        ModeTimes {
            current: LinkMode::Connecting,
            entered: std::time::Instant::now(),
            totals: HashMap::new(),
        }
    }
}

impl Telemetry {
    /// When the last frame of any kind arrived (Unix seconds), if ever.
    pub fn last_message_at(&self) -> Option<UnixSeconds> {
        let bits = self.last_message_at.load(Ordering::Relaxed);
        (bits != 0).then(|| f64::from_bits(bits))
    }

    pub fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }

    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }

    pub fn dropped_frames(&self) -> u64 {
        self.dropped_frames.load(Ordering::Relaxed)
    }

    /// What the plant sent that the console could not use, so far.
    pub fn unusable(&self) -> Unusable {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Unusable {
            frames: read(&self.dropped_frames),
            items_dropped: read(&self.items_dropped),
            items_unreadable: read(&self.items_unreadable),
            session_frames: read(&self.session_frames),
            session_items_dropped: read(&self.session_items_dropped),
            session_items_unreadable: read(&self.session_items_unreadable),
        }
    }

    /// Counts frames the console could not use at all.
    pub(crate) fn note_dropped_frames(&self, frames: u64) {
        self.dropped_frames.fetch_add(frames, Ordering::Relaxed);
        self.session_frames.fetch_add(frames, Ordering::Relaxed);
    }

    /// Counts items dropped (no readable id) and items with unreadable fields.
    pub(crate) fn note_items(&self, dropped: u64, unreadable: u64) {
        if dropped > 0 {
            self.items_dropped.fetch_add(dropped, Ordering::Relaxed);
            self.session_items_dropped
                .fetch_add(dropped, Ordering::Relaxed);
        }
        if unreadable > 0 {
            self.items_unreadable
                .fetch_add(unreadable, Ordering::Relaxed);
            self.session_items_unreadable
                .fetch_add(unreadable, Ordering::Relaxed);
        }
    }

    /// A new session went live: its own counts start at zero; the totals go on.
    pub(crate) fn session_started(&self) {
        for counter in [
            &self.session_frames,
            &self.session_items_dropped,
            &self.session_items_unreadable,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
    }

    /// The last measured round trip, if any.
    pub fn rtt(&self) -> Option<Duration> {
        let micros = self.rtt_micros.load(Ordering::Relaxed);
        (micros != 0).then(|| Duration::from_micros(micros))
    }

    /// Time spent in each mode since the link started, the current one included.
    pub fn time_in_modes(&self) -> Vec<(LinkMode, Duration)> {
        let times = self
            .modes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut totals = times.totals.clone();
        *totals.entry(times.current).or_default() += times.entered.elapsed();
        let mut list: Vec<_> = totals.into_iter().collect();
        list.sort_by_key(|(mode, _)| *mode as u8);
        list
    }

    pub(crate) fn mode_changed(&self, to: LinkMode) {
        let mut times = self
            .modes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = std::time::Instant::now();
        let spent = now.saturating_duration_since(times.entered);
        let from = times.current;
        *times.totals.entry(from).or_default() += spent;
        times.current = to;
        times.entered = now;
    }

    pub(crate) fn note_message(&self, at: UnixSeconds) {
        self.last_message_at.store(at.to_bits(), Ordering::Relaxed);
        self.messages.fetch_add(1, Ordering::Relaxed);
    }
}

/// Frames and items the console received but could not use, since start (`frames`,
/// `items_…`) and since the current WebSocket session went live (`session_…`), so
/// "Real-time" never hides what was thrown away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Unusable {
    /// Whole frames dropped (unreadable, unknown event, payload of the wrong shape).
    pub frames: u64,
    /// Devices or relays dropped because their id could not be read.
    pub items_dropped: u64,
    /// Devices, relays or stats received with a field that could not be read (each
    /// arrival counts); they are shown with a bad quality.
    pub items_unreadable: u64,
    pub session_frames: u64,
    pub session_items_dropped: u64,
    pub session_items_unreadable: u64,
}

impl Unusable {
    /// Everything not used, since start.
    pub fn total(&self) -> u64 {
        self.frames + self.items_dropped + self.items_unreadable
    }
}

/// A plant message or link event, in arrival order.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkEvent {
    /// A session went live and the three snapshots were requested.
    Live,
    /// A message from the plant, stamped with the local time it arrived.
    Inbound { at: UnixSeconds, message: Inbound },
    /// The live session ended.
    Lost,
    /// Frames or items the console could not use were counted ([`Telemetry::unusable`]),
    /// so the window's count can be refreshed even when no value changed.
    Unusable,
    /// The link now leads to another plant (see [`Command::Reconfigure`]): what is known
    /// of the old one must go before the new one's snapshots arrive. Comes after every
    /// message of the old plant and before any of the new one.
    PlantChanged { from: PlantId, to: PlantId },
}

/// Errors a caller of the link can get back.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LinkError {
    #[error("the plant link is not live")]
    NotLive,
    #[error("the command could not be sent over HTTP: {0}")]
    Http(String),
    #[error("the connection ended before the server answered")]
    NoAnswer,
    #[error("the link task has stopped")]
    Stopped,
    /// The command was meant for another plant than the one the link leads to now (it
    /// was handed over just as the link moved): it was not sent.
    #[error("the link now leads to another plant; the command was not sent")]
    WrongPlant,
}

/// Requests to the task that owns the socket.
#[derive(Debug)]
pub enum Command {
    SetRelay {
        request: SetRelayRequest,
        /// The plant the command was issued for; checked against the link's own plant
        /// when the task takes the command, after any earlier reconfiguration.
        plant: PlantId,
        reply: oneshot::Sender<Result<SetRelayResult, LinkError>>,
    },
    /// Skip the remaining backoff (or drop the current connection) and connect now.
    ReconnectNow,
    /// Leave the current plant and connect with these settings instead (a new address,
    /// token or site CA applied from the Settings view).
    Reconfigure(Box<LinkConfig>),
    Shutdown,
}

/// A cloneable handle on the link task.
#[derive(Debug, Clone)]
pub struct LinkHandle {
    commands: mpsc::Sender<Command>,
    state: watch::Receiver<LinkState>,
    telemetry: Arc<Telemetry>,
}

impl LinkHandle {
    pub fn state(&self) -> watch::Receiver<LinkState> {
        self.state.clone()
    }

    pub fn telemetry(&self) -> &Arc<Telemetry> {
        &self.telemetry
    }

    /// Sends a relay command and waits for the server's answer. The caller bounds the
    /// wait; a dropped connection answers [`LinkError::NoAnswer`].
    pub async fn set_relay(
        &self,
        request: SetRelayRequest,
        plant: &PlantId,
    ) -> Result<SetRelayResult, LinkError> {
        let (reply, answer) = oneshot::channel();
        let plant = plant.clone();
        self.commands
            .send(Command::SetRelay {
                request,
                plant,
                reply,
            })
            .await
            .map_err(|_| LinkError::Stopped)?;
        answer.await.map_err(|_| LinkError::NoAnswer)?
    }

    pub async fn reconnect_now(&self) -> Result<(), LinkError> {
        self.commands
            .send(Command::ReconnectNow)
            .await
            .map_err(|_| LinkError::Stopped)
    }

    /// Leaves the current plant (politely, if connected) and connects with `config`
    /// from the first backoff step.
    pub async fn reconfigure(&self, config: LinkConfig) -> Result<(), LinkError> {
        self.commands
            .send(Command::Reconfigure(Box::new(config)))
            .await
            .map_err(|_| LinkError::Stopped)
    }

    /// Asks the task to leave cleanly; it ends after sending its goodbye.
    pub async fn shutdown(&self) {
        let _ = self.commands.send(Command::Shutdown).await;
    }
}

/// Starts the link task on the current runtime.
pub fn spawn(config: LinkConfig, events: mpsc::Sender<LinkEvent>) -> (LinkHandle, JoinHandle<()>) {
    let (commands_tx, commands_rx) = mpsc::channel(64);
    let (state_tx, state_rx) = watch::channel(LinkState {
        mode: LinkMode::Connecting,
        since: unix_now(),
        detail: None,
    });
    let telemetry = Arc::new(Telemetry::default());
    // A TLS set-up that fails here fails the WebSocket too, which reports it; the HTTP
    // client then falls back to reqwest's own roots rather than not existing at all.
    let task = LinkTask {
        api: Arc::new(plant_api(&config)),
        config,
        commands: commands_rx,
        mode: Arc::new(ModeCell::new(state_tx, telemetry.clone())),
        events,
        telemetry: telemetry.clone(),
        ever_live: false,
        poller: None,
        next_config: None,
        drop_log: RepeatLimiter::default(),
    };
    let join = tokio::spawn(task.run());
    (
        LinkHandle {
            commands: commands_tx,
            state: state_rx,
            telemetry,
        },
        join,
    )
}

/// The HTTP API client of a link configuration.
fn plant_api(config: &LinkConfig) -> PlantApi {
    // A TLS set-up that fails here fails the WebSocket too, which reports it; the HTTP
    // client then falls back to reqwest's own roots rather than not existing at all.
    let tls = if config.server.is_tls() {
        config.tls_config().ok()
    } else {
        None
    };
    PlantApi::new(
        config.server.clone(),
        config.token.clone(),
        config.http_timeout,
        tls,
    )
    .or_else(|_| {
        PlantApi::new(
            config.server.clone(),
            config.token.clone(),
            config.http_timeout,
            None,
        )
    })
    .expect("an HTTP client with default TLS settings always builds")
    .with_body_limit(config.max_message_bytes)
}

/// The current wall-clock time as Unix seconds.
pub fn unix_now() -> UnixSeconds {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// How often the wall clock is compared with the monotonic one.
const CLOCK_CHECK_EVERY: Duration = Duration::from_secs(1);

/// How far the wall clock must run ahead to count as a resume from sleep.
const RESUME_JUMP: Duration = Duration::from_secs(2);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens the WebSocket, over TLS for `https`/`wss` (system roots plus the site CA, with
/// hostname verification).
async fn open_socket(config: LinkConfig) -> Result<Socket, String> {
    let server = &config.server;
    let max_message_bytes = config.max_message_bytes;
    // The TLS settings are fetched before connecting so that an unusable CA file is
    // reported as such rather than as a failed handshake.
    let connector = if server.is_tls() {
        Connector::Rustls(config.tls_config().map_err(|e| e.to_string())?)
    } else {
        Connector::Plain
    };
    let stream = TcpStream::connect((server.host(), server.port()))
        .await
        .map_err(|e| e.to_string())?;
    // The server side (Werkzeug) does not set TCP_NODELAY; setting it here at least keeps
    // our pongs and commands from waiting behind Nagle's algorithm.
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let request = server
        .websocket_url()
        .into_client_request()
        .map_err(|e| e.to_string())?;
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
    .map_err(|e| e.to_string())?;
    Ok(socket)
}

/// How one connection attempt ended.
enum Attempt {
    Shutdown,
    /// Never got live.
    Failed(String),
    Unauthorized(String),
    /// Was live for this long, then ended.
    Ended {
        live_for: Duration,
        reason: String,
    },
    /// The operator asked to reconnect now.
    Restart,
}

struct LinkTask {
    config: LinkConfig,
    commands: mpsc::Receiver<Command>,
    mode: Arc<ModeCell>,
    events: mpsc::Sender<LinkEvent>,
    telemetry: Arc<Telemetry>,
    ever_live: bool,
    api: Arc<PlantApi>,
    /// The HTTP poller, present whenever the WebSocket is not live.
    poller: Option<JoinHandle<()>>,
    /// Settings to switch to before the next attempt (see [`Command::Reconfigure`]).
    next_config: Option<LinkConfig>,
    /// The rate limit of "frame dropped" lines, kept across connections so a server
    /// that is reconnected to again and again is limited as one.
    drop_log: RepeatLimiter,
}

impl LinkTask {
    async fn run(mut self) {
        let mut attempt: u32 = 0;
        self.start_poller();
        loop {
            if let Some(config) = self.next_config.take() {
                self.switch_to(config).await;
                attempt = 0;
            }
            let outcome = self.connect_once().await;
            let wait = match outcome {
                Attempt::Shutdown => {
                    self.stop_poller().await;
                    return;
                }
                Attempt::Restart => Duration::ZERO,
                Attempt::Unauthorized(message) => {
                    tracing::warn!(server = %self.config.server, message = %log_text(&message), "plant refused the token");
                    self.mode
                        .unauthorized(format!("refused: {}", log_text(&message)));
                    self.config.unauthorized_retry
                }
                Attempt::Failed(error) => {
                    tracing::info!(server = %self.config.server, error = %log_text(&error), attempt, "connect failed");
                    self.mode.ws_down(error);
                    let wait = backoff::delay(&self.config.backoff, attempt, rand::rng().random());
                    attempt = attempt.saturating_add(1);
                    wait
                }
                Attempt::Ended { live_for, reason } => {
                    tracing::warn!(server = %self.config.server, reason = %log_text(&reason), ?live_for, "plant link lost");
                    let _ = self.events.send(LinkEvent::Lost).await;
                    self.mode.ws_down(reason);
                    self.start_poller();
                    if live_for >= self.config.stable_after {
                        attempt = 0;
                    }
                    let wait = backoff::delay(&self.config.backoff, attempt, rand::rng().random());
                    attempt = attempt.saturating_add(1);
                    wait
                }
            };
            if self.wait(wait).await.is_break() {
                self.stop_poller().await;
                return;
            }
        }
    }

    /// Waits out a backoff delay while still answering commands.
    async fn wait(&mut self, delay: Duration) -> std::ops::ControlFlow<()> {
        let until = Instant::now() + delay;
        loop {
            tokio::select! {
                _ = sleep_until(until) => return std::ops::ControlFlow::Continue(()),
                command = self.commands.recv() => match command {
                    None | Some(Command::Shutdown) => return std::ops::ControlFlow::Break(()),
                    Some(Command::ReconnectNow) => return std::ops::ControlFlow::Continue(()),
                    Some(Command::Reconfigure(config)) => {
                        self.next_config = Some(*config);
                        return std::ops::ControlFlow::Continue(());
                    }
                    Some(Command::SetRelay { plant, reply, .. }) if plant != self.config.plant => {
                        let _ = reply.send(Err(LinkError::WrongPlant));
                    }
                    Some(Command::SetRelay { request, reply, .. }) => self.send_by_http(request, reply),
                },
            }
        }
    }

    /// Leaves everything of the old configuration behind (its poller, its HTTP client, its
    /// state) and takes `config`.
    async fn switch_to(&mut self, config: LinkConfig) {
        tracing::info!(from = %self.config.server, to = %config.server, "link reconfigured");
        // The poller is gone before the event, so no old snapshot can follow it.
        self.stop_poller().await;
        // Another address of the same plant (a named plant) keeps what is known of it.
        if config.plant != self.config.plant {
            let _ = self
                .events
                .send(LinkEvent::PlantChanged {
                    from: self.config.plant.clone(),
                    to: config.plant.clone(),
                })
                .await;
        }
        self.api = Arc::new(plant_api(&config));
        self.mode.reset(format!("connecting to {}", config.server));
        self.config = config;
        self.start_poller();
    }

    /// Starts polling over HTTP after `fallback_after`, unless a poller already runs.
    fn start_poller(&mut self) {
        if self.poller.is_none() {
            self.poller = Some(fallback::spawn_poller(
                self.api.clone(),
                self.mode.clone(),
                self.events.clone(),
                self.telemetry.clone(),
                self.config.fallback_after,
                self.config.poll_interval,
            ));
        }
    }

    /// Stops the poller and waits until it is gone, so that no HTTP snapshot can arrive
    /// after the WebSocket's own resync.
    async fn stop_poller(&mut self) {
        if let Some(poller) = self.poller.take() {
            poller.abort();
            let _ = poller.await;
        }
    }

    /// A relay command while the WebSocket is not live: by HTTP when polling works,
    /// otherwise refused at once so the caller can keep it queued.
    fn send_by_http(
        &self,
        request: SetRelayRequest,
        reply: oneshot::Sender<Result<SetRelayResult, LinkError>>,
    ) {
        if !self.mode.fallback_usable() {
            let _ = reply.send(Err(LinkError::NotLive));
            return;
        }
        let api = self.api.clone();
        tokio::spawn(async move {
            let result = api
                .set_relay(&request)
                .await
                .map_err(|e| LinkError::Http(e.to_string()));
            let _ = reply.send(result);
        });
    }

    async fn connect_once(&mut self) -> Attempt {
        let connect_deadline = Instant::now() + self.config.connect_timeout;
        let opening = timeout(
            self.config.connect_timeout,
            open_socket(self.config.clone()),
        );
        tokio::pin!(opening);
        // Commands that arrive while the socket opens are answered without giving up the
        // attempt: only shutdown or an explicit reconnect interrupts it.
        let socket = loop {
            tokio::select! {
                result = &mut opening => match result {
                    Ok(Ok(socket)) => break socket,
                    Ok(Err(error)) => return Attempt::Failed(error),
                    Err(_) => return Attempt::Failed("connect timed out".into()),
                },
                command = self.commands.recv() => match command {
                    None | Some(Command::Shutdown) => return Attempt::Shutdown,
                    Some(Command::ReconnectNow) => return Attempt::Restart,
                    Some(Command::Reconfigure(config)) => {
                        self.next_config = Some(*config);
                        return Attempt::Restart;
                    }
                    Some(Command::SetRelay { plant, reply, .. }) if plant != self.config.plant => {
                        let _ = reply.send(Err(LinkError::WrongPlant));
                    }
                    Some(Command::SetRelay { request, reply, .. }) => self.send_by_http(request, reply),
                },
            }
        };
        self.drive(socket, connect_deadline).await
    }

    /// Runs one connection from the open socket to its end.
    async fn drive(&mut self, mut socket: Socket, connect_deadline: Instant) -> Attempt {
        let session_config = SessionConfig {
            auth: self
                .config
                .token
                .as_ref()
                .map(|t| serde_json::json!({ "token": t.expose() })),
            stale_after: self.config.stale_after,
            ..SessionConfig::default()
        };
        let mut session = Session::new(session_config, Instant::now().into_std());
        let mut replies: HashMap<String, oneshot::Sender<Result<SetRelayResult, LinkError>>> =
            HashMap::new();
        let mut live_since: Option<Instant> = None;
        let mut next_probe = Instant::now() + self.config.probe_interval;
        let mut out = Vec::new();
        // Once a second the two clocks are compared; a jump means the machine slept, and
        // the link proves itself with a probe instead of waiting for the heartbeat.
        let mut clocks = JumpDetector::new(
            self.config.wall_clock.now(),
            Instant::now().into_std(),
            RESUME_JUMP,
        );
        let mut next_clock_check = Instant::now() + CLOCK_CHECK_EVERY;
        let mut resume_deadline: Option<Instant> = None;
        let mut network = NetworkWatch::default();
        network.changed(self.config.network.addresses());

        let ending = loop {
            let now = Instant::now();
            let wake = match session.phase() {
                Phase::Live => {
                    let deadline = session.next_deadline(now.into_std()).map(Instant::from_std);
                    let wake = deadline
                        .map_or(next_probe, |d| d.min(next_probe))
                        .min(next_clock_check);
                    resume_deadline.map_or(wake, |r| r.min(wake))
                }
                _ => connect_deadline,
            };
            tokio::select! {
                frame = socket.next() => {
                    let now = Instant::now();
                    match frame {
                        Some(Ok(Message::Text(text))) => {
                            resume_deadline = None;
                            self.telemetry.note_message(unix_now());
                            session.on_text(now.into_std(), text.as_str(), &mut out);
                        }
                        Some(Ok(Message::Binary(_))) => session.on_binary(now.into_std(), &mut out),
                        // WebSocket-level pings are answered by tungstenite itself.
                        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                        Some(Ok(Message::Close(frame))) => {
                            break format!("server closed the WebSocket ({})", frame.map_or("no code".into(), |f| f.code.to_string()));
                        }
                        Some(Err(error)) => break format!("WebSocket error: {error}"),
                        None => break "the connection ended without a close frame".into(),
                    }
                }
                command = self.commands.recv() => match command {
                    None | Some(Command::Shutdown) => {
                        // Leave politely: Socket.IO disconnect, then the WebSocket close.
                        let _ = timeout(Duration::from_secs(1), socket.send(Message::text("41"))).await;
                        let _ = timeout(Duration::from_secs(1), socket.close(None)).await;
                        return Attempt::Shutdown;
                    }
                    Some(Command::ReconnectNow) => {
                        let _ = timeout(Duration::from_secs(1), socket.close(None)).await;
                        return Attempt::Restart;
                    }
                    Some(Command::Reconfigure(config)) => {
                        // This plant is being left for good: say goodbye as on shutdown.
                        let _ = timeout(Duration::from_secs(1), socket.send(Message::text("41"))).await;
                        let _ = timeout(Duration::from_secs(1), socket.close(None)).await;
                        self.next_config = Some(*config);
                        let _ = self.events.send(LinkEvent::Lost).await;
                        return Attempt::Restart;
                    }
                    Some(Command::SetRelay { plant, reply, .. }) if plant != self.config.plant => {
                        let _ = reply.send(Err(LinkError::WrongPlant));
                    }
                    Some(Command::SetRelay { request, reply, .. }) => match session.set_relay(&request) {
                        Some(frame) => {
                            replies.insert(request.request_id.clone(), reply);
                            out.push(Output::Send(frame));
                        }
                        None => self.send_by_http(request, reply),
                    },
                },
                _ = sleep_until(wake) => {
                    let now = Instant::now();
                    if session.phase() != Phase::Live && now >= connect_deadline {
                        return Attempt::Failed("handshake timed out".into());
                    }
                    session.poll(now.into_std(), &mut out);
                    if resume_deadline.is_some_and(|deadline| now >= deadline) {
                        break "no answer after the machine resumed".into();
                    }
                    if session.phase() == Phase::Live && now >= next_clock_check {
                        next_clock_check = now + CLOCK_CHECK_EVERY;
                        let jump = clocks.check(self.config.wall_clock.now(), now.into_std());
                        let moved = network.changed(self.config.network.addresses());
                        if jump.is_some() || moved {
                            tracing::info!(?jump, network_changed = moved, "resume or network change: probing the link");
                            resume_deadline = Some(now + self.config.resume_probe_timeout);
                            next_probe = now;
                        }
                    }
                    if session.phase() == Phase::Live && now >= next_probe {
                        next_probe = now + self.config.probe_interval;
                        if let Some(frame) = session.probe(now.into_std()) {
                            out.push(Output::Send(frame));
                        }
                    }
                }
            }

            self.count_dropped(&mut session);
            let mut ended = None;
            for output in out.drain(..) {
                match output {
                    Output::Send(frame) => {
                        match timeout(Duration::from_secs(5), socket.send(Message::text(frame)))
                            .await
                        {
                            Ok(Ok(())) => {}
                            Ok(Err(error)) => ended = Some(format!("send failed: {error}")),
                            Err(_) => ended = Some("send timed out".into()),
                        }
                    }
                    Output::Live => {
                        live_since = Some(Instant::now());
                        self.telemetry.session_started();
                        if std::mem::replace(&mut self.ever_live, true) {
                            self.telemetry.reconnects.fetch_add(1, Ordering::Relaxed);
                        }
                        tracing::info!(server = %self.config.server, "plant link live");
                        if let Some(open) =
                            session.open_info().filter(|open| heartbeat_clamped(open))
                        {
                            tracing::warn!(
                                ping_interval_ms = open.ping_interval,
                                ping_timeout_ms = open.ping_timeout,
                                silence_limit = ?heartbeat_limit(open),
                                "the plant's heartbeat is out of range; held to the nearest sane value"
                            );
                        }
                        self.stop_poller().await;
                        self.mode.ws_live();
                        let _ = self.events.send(LinkEvent::Live).await;
                    }
                    Output::Inbound(Inbound::RelayResult { request_id, result }) => {
                        if let Some(reply) = replies.remove(&request_id) {
                            let _ = reply.send(Ok(result));
                        }
                    }
                    Output::Inbound(Inbound::RoundTrip(rtt)) => {
                        let micros = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX).max(1);
                        self.telemetry.rtt_micros.store(micros, Ordering::Relaxed);
                    }
                    Output::Inbound(message) => {
                        let _ = self
                            .events
                            .send(LinkEvent::Inbound {
                                at: unix_now(),
                                message,
                            })
                            .await;
                    }
                    Output::End(EndReason::Unauthorized(message)) if live_since.is_none() => {
                        let _ = timeout(Duration::from_secs(1), socket.close(None)).await;
                        return Attempt::Unauthorized(message);
                    }
                    // A refusal's text is the server's: it reaches the window and the log short.
                    Output::End(reason) => ended = Some(log_text(&format!("{reason:?}"))),
                }
            }
            if let Some(reason) = ended {
                let _ = timeout(Duration::from_secs(1), socket.close(None)).await;
                break reason;
            }
            if session.phase() == Phase::Live {
                let stale = session.is_stale(Instant::now().into_std());
                if stale != (self.mode.mode() == LinkMode::Stale) {
                    self.mode.ws_stale(stale);
                }
            }
        };
        // The frames left out of the log so far are summed up when their connection ends,
        // so a burst just before a disconnect is not left unsaid.
        if let Some(left_out) = self.drop_log.take_suppressed() {
            log_dropped_summary(left_out);
        }
        // Commands still waiting for an answer get none from this connection; their
        // senders retry with the same request id, which the server deduplicates.
        drop(replies);
        match live_since {
            Some(since) => Attempt::Ended {
                live_for: since.elapsed(),
                reason: ending,
            },
            None => Attempt::Failed(ending),
        }
    }

    /// Counts the frames the session dropped and logs them: each with its reason (server
    /// text, so escaped and cut short), but only the first few a minute; the rest are
    /// summed up in one line, so a server that sends nothing but bad frames for an hour
    /// writes a few hundred lines, not millions.
    fn count_dropped(&mut self, session: &mut Session) {
        let now = Instant::now().into_std();
        let (items_dropped, items_unreadable) = session.take_item_counts();
        self.telemetry.note_items(items_dropped, items_unreadable);
        let dropped = session.take_dropped();
        if !dropped.is_empty() || items_dropped > 0 || items_unreadable > 0 {
            // Best effort: a full channel means the runtime is busy with plant messages,
            // and each of those refreshes the window's count anyway.
            let _ = self.events.try_send(LinkEvent::Unusable);
        }
        for dropped in dropped {
            self.telemetry.note_dropped_frames(1);
            let verdict = self.drop_log.hit(now);
            if let Some(left_out) = verdict.summary {
                log_dropped_summary(left_out);
            }
            if !verdict.log {
                continue;
            }
            match dropped {
                Dropped::UnknownEvent(name) => {
                    tracing::debug!(event = %log_text(&name), "unknown event dropped")
                }
                other => tracing::warn!(reason = %log_text(&format!("{other:?}")), "frame dropped"),
            }
        }
        if let Some(left_out) = self.drop_log.flush(now) {
            log_dropped_summary(left_out);
        }
    }
}

/// The one line that stands for the dropped frames a rate-limit window left out.
fn log_dropped_summary(left_out: u64) {
    tracing::warn!(
        left_out,
        window = ?crate::lograte::LOG_WINDOW,
        "more frames dropped than are logged one by one; see Diagnostics for the count"
    );
}
