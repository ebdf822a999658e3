//! The one task that owns the WebSocket: it connects, drives the session over the
//! connection, answers the handle's requests and reconnects forever, with the backoff in
//! between and the HTTP poller while the WebSocket is not live.
//!
//! A connection is one loop over three sources (a frame from the plant, a request from a
//! handle, a timer); each has its own handler below, and what the session asks for in
//! answer is carried out after each round by [`LinkTask::carry_out`].
//!
//! A plant may have several addresses: which one each attempt goes to is the
//! [`Selector`]'s decision, fed with how each attempt ended. The task has one connection
//! at a time, so the old session is always closed before the next address is tried;
//! while live on a standby the primary is only probed with `GET /api/health`.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use plant_protocol::SetRelayRequest;
use rand::Rng;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, timeout, Instant};
use tokio_tungstenite::tungstenite::{self, Message};

use super::connection::{open_socket, Connection, CLOCK_CHECK_EVERY};
use super::fallback;
use super::mode::ModeCell;
use super::{LinkError, LinkEvent, LinkMode, LinkRequest, RelayReply, Telemetry};
use crate::clock::unix_now;
use crate::config::{LinkConfig, PlantId, PlantUrl};
use crate::failover::{Failure, Plan, Selector, SelectorConfig};
use crate::http::PlantApi;
use crate::lograte::{RepeatLimiter, LOG_WINDOW};
use crate::session::{
    heartbeat_clamped, heartbeat_limit, Dropped, EndReason, Inbound, Output, Phase, Session,
};
use crate::text::log_text;

/// How one connection attempt ended.
enum Attempt {
    Shutdown,
    /// Never got live.
    Failed(Failure, String),
    Unauthorized(String),
    /// Was live for this long, then ended.
    Ended {
        live_for: Duration,
        reason: String,
        failure: Failure,
    },
    /// The operator asked to reconnect now.
    Restart,
    /// A live session on a standby was left because the primary is healthy again.
    BackToPrimary,
}

/// At most this many frames are read in one round of a connection's loop.
const FRAMES_AT_ONCE: usize = 64;

/// A round reads no further frame once those it read add up to this many bytes.
const ROUND_BYTES: usize = 256 * 1024;

/// The bytes of a frame read from the socket (0 for the end of the stream or an error).
fn frame_len(frame: &Option<Result<Message, tungstenite::Error>>) -> usize {
    match frame {
        Some(Ok(message)) => message.len(),
        _ => 0,
    }
}

/// What a handler tells the connection loop to do next.
enum Step {
    /// Go on: carry out what the session asked for, then wait for the next event.
    Go,
    /// The connection ended for this reason; the loop stops at once.
    End(String),
    /// The connection is left with this outcome, without the usual summing up.
    Leave(Attempt),
}

pub(super) struct LinkTask {
    config: LinkConfig,
    requests: mpsc::Receiver<LinkRequest>,
    mode: Arc<ModeCell>,
    events: mpsc::Sender<LinkEvent>,
    telemetry: Arc<Telemetry>,
    ever_live: bool,
    /// One HTTP client per address, in list order.
    apis: Arc<Vec<Arc<PlantApi>>>,
    /// Which address the next attempt goes to.
    selector: Selector,
    /// The running health probe of the primary, while live on a standby.
    probe: Option<JoinHandle<bool>>,
    /// When the next probe of the primary is due, while live on a standby.
    probe_at: Option<Instant>,
    /// The HTTP poller, present whenever the WebSocket is not live.
    poller: Option<JoinHandle<()>>,
    /// Settings to switch to before the next attempt (see [`LinkRequest::Reconfigure`]).
    next_config: Option<LinkConfig>,
    /// The rate limit of "frame dropped" lines, kept across connections so a server
    /// that is reconnected to again and again is limited as one.
    drop_log: RepeatLimiter,
}

/// The HTTP API client of one address of a link configuration; the token and the TLS
/// settings are the same for every address.
fn plant_api(config: &LinkConfig, server: &PlantUrl) -> PlantApi {
    // A TLS set-up that fails here fails the WebSocket too, which reports it; the HTTP
    // client then falls back to reqwest's own roots rather than not existing at all.
    let tls = if server.is_tls() {
        config.tls_config().ok()
    } else {
        None
    };
    PlantApi::new(
        server.clone(),
        config.token.clone(),
        config.http_timeout,
        tls,
    )
    .or_else(|_| {
        PlantApi::new(
            server.clone(),
            config.token.clone(),
            config.http_timeout,
            None,
        )
    })
    .expect("an HTTP client with default TLS settings always builds")
    .with_body_limit(config.max_message_bytes)
}

/// The HTTP clients of every address of a link configuration, in list order.
fn plant_apis(config: &LinkConfig) -> Arc<Vec<Arc<PlantApi>>> {
    Arc::new(
        config
            .servers
            .iter()
            .map(|server| Arc::new(plant_api(config, server)))
            .collect(),
    )
}

impl LinkTask {
    pub(super) fn new(
        config: LinkConfig,
        requests: mpsc::Receiver<LinkRequest>,
        mode: Arc<ModeCell>,
        events: mpsc::Sender<LinkEvent>,
        telemetry: Arc<Telemetry>,
    ) -> Self {
        LinkTask {
            apis: plant_apis(&config),
            selector: Selector::new(SelectorConfig::of(&config)),
            probe: None,
            probe_at: None,
            config,
            requests,
            mode,
            events,
            telemetry,
            ever_live: false,
            poller: None,
            next_config: None,
            drop_log: RepeatLimiter::default(),
        }
    }

    /// The address the next attempt goes to.
    fn current_server(&self) -> &PlantUrl {
        self.config.servers.get(self.selector.current())
    }

    /// Connects, and reconnects after every end, until shut down.
    pub(super) async fn run(mut self) {
        self.start_poller();
        loop {
            if let Some(config) = self.next_config.take() {
                self.switch_to(config).await;
            }
            self.mode.ws_address(self.selector.current());
            let outcome = self.connect_once().await;
            let server = self.current_server().clone();
            let now = Instant::now().into_std();
            let plan = match outcome {
                Attempt::Shutdown => {
                    self.stop_poller().await;
                    return;
                }
                Attempt::Restart => Plan::Now(self.selector.current()),
                Attempt::BackToPrimary => {
                    tracing::info!(from = %server, to = %self.config.server(), "the primary is healthy again: leaving the standby");
                    let _ = self.events.send(LinkEvent::Lost).await;
                    self.mode
                        .ws_down(format!("going back to {}", self.config.server()));
                    self.start_poller();
                    Plan::Now(self.selector.go_to_primary())
                }
                Attempt::Unauthorized(message) => {
                    tracing::warn!(%server, message = %log_text(&message), "plant refused the token");
                    self.mode
                        .unauthorized(format!("refused: {}", log_text(&message)));
                    self.selector
                        .on_failure(Failure::Unauthorized, now, rand::rng().random())
                }
                Attempt::Failed(failure, error) => {
                    tracing::info!(%server, error = %log_text(&error), ?failure, "connect failed");
                    self.mode.ws_down(error);
                    self.selector.on_failure(failure, now, rand::rng().random())
                }
                Attempt::Ended {
                    live_for,
                    reason,
                    failure,
                } => {
                    tracing::warn!(%server, reason = %log_text(&reason), ?live_for, ?failure, "plant link lost");
                    let _ = self.events.send(LinkEvent::Lost).await;
                    self.mode.ws_down(reason);
                    self.start_poller();
                    self.selector.on_failure(failure, now, rand::rng().random())
                }
            };
            let wait = match plan {
                Plan::Now(_) => Duration::ZERO,
                Plan::After { delay, .. } => delay,
            };
            let (Plan::Now(index) | Plan::After { index, .. }) = plan;
            if self.config.servers.len() > 1 {
                tracing::debug!(next = %self.config.servers.get(index), ?wait, "next address");
            }
            if self.wait(wait).await.is_break() {
                self.stop_poller().await;
                return;
            }
        }
    }

    /// Waits out a backoff delay while still answering requests.
    async fn wait(&mut self, delay: Duration) -> ControlFlow<()> {
        let until = Instant::now() + delay;
        loop {
            tokio::select! {
                _ = sleep_until(until) => return ControlFlow::Continue(()),
                request = self.requests.recv() => match request {
                    None | Some(LinkRequest::Shutdown) => return ControlFlow::Break(()),
                    Some(LinkRequest::ReconnectNow) => return ControlFlow::Continue(()),
                    Some(LinkRequest::Reconfigure(config)) => {
                        self.next_config = Some(*config);
                        return ControlFlow::Continue(());
                    }
                    Some(LinkRequest::SetRelay { request, plant, reply }) => {
                        self.relay_without_socket(&plant, request, reply)
                    }
                },
            }
        }
    }

    /// Leaves everything of the old configuration behind (its poller, its HTTP client, its
    /// state) and takes `config`.
    async fn switch_to(&mut self, config: LinkConfig) {
        tracing::info!(from = %self.config.server(), to = %config.server(), "link reconfigured");
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
        self.apis = plant_apis(&config);
        self.selector = Selector::new(SelectorConfig::of(&config));
        self.mode.set_addresses(&config.servers);
        self.mode
            .reset(format!("connecting to {}", config.server()));
        self.config = config;
        self.start_poller();
    }

    /// Starts polling over HTTP after `fallback_after`, unless a poller already runs.
    fn start_poller(&mut self) {
        if self.poller.is_none() {
            self.poller = Some(fallback::spawn_poller(
                self.apis.clone(),
                self.selector.current(),
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

    /// A relay command while no session can take it: refused when it was meant for
    /// another plant, otherwise sent by HTTP (see [`LinkTask::send_by_http`]).
    fn relay_without_socket(&self, plant: &PlantId, request: SetRelayRequest, reply: RelayReply) {
        if *plant != self.config.plant {
            let _ = reply.send(Err(LinkError::WrongPlant));
            return;
        }
        self.send_by_http(request, reply);
    }

    /// A relay command while the WebSocket is not live: by HTTP when polling works,
    /// otherwise refused at once so the caller can keep it queued.
    fn send_by_http(&self, request: SetRelayRequest, reply: RelayReply) {
        if !self.mode.fallback_usable() {
            let _ = reply.send(Err(LinkError::NotLive));
            return;
        }
        let api = self.apis[self.mode.poll_index().min(self.apis.len() - 1)].clone();
        tokio::spawn(async move {
            let result = api
                .set_relay(&request)
                .await
                .map_err(|e| LinkError::Http(e.to_string()));
            let _ = reply.send(result);
        });
    }

    /// Opens the socket, then drives the connection to its end.
    async fn connect_once(&mut self) -> Attempt {
        let connect_deadline = Instant::now() + self.config.connect_timeout;
        let opening = timeout(
            self.config.connect_timeout,
            open_socket(self.config.clone(), self.current_server().clone()),
        );
        tokio::pin!(opening);
        // Requests that arrive while the socket opens are answered without giving up the
        // attempt: only shutdown or an explicit reconnect interrupts it.
        let socket = loop {
            tokio::select! {
                result = &mut opening => match result {
                    Ok(Ok(socket)) => break socket,
                    Ok(Err((failure, error))) => return Attempt::Failed(failure, error),
                    Err(_) => {
                        return Attempt::Failed(Failure::Unreachable, "connect timed out".into())
                    }
                },
                request = self.requests.recv() => match request {
                    None | Some(LinkRequest::Shutdown) => return Attempt::Shutdown,
                    Some(LinkRequest::ReconnectNow) => return Attempt::Restart,
                    Some(LinkRequest::Reconfigure(config)) => {
                        self.next_config = Some(*config);
                        return Attempt::Restart;
                    }
                    Some(LinkRequest::SetRelay { request, plant, reply }) => {
                        self.relay_without_socket(&plant, request, reply)
                    }
                },
            }
        };
        let conn = Connection::new(socket, &self.config, connect_deadline);
        self.drive(conn).await
    }

    /// Runs one connection from the open socket to its end.
    async fn drive(&mut self, mut conn: Connection) -> Attempt {
        let attempt = self.drive_until_end(&mut conn).await;
        // Whatever ended the connection, no probe of its standby time may outlive it.
        if let Some(probe) = self.probe.take() {
            probe.abort();
        }
        self.probe_at = None;
        attempt
    }

    /// A probe of the primary's health is due: it runs in a task of its own, so the
    /// connection goes on while it waits (at most the HTTP timeout).
    fn start_probe(&mut self) {
        self.probe_at = None;
        let primary = self.apis[0].clone();
        self.probe = Some(tokio::spawn(async move {
            match primary.health().await {
                Ok(()) => true,
                Err(error) => {
                    tracing::debug!(%error, server = %primary.server(), "primary still unhealthy");
                    false
                }
            }
        }));
    }

    /// The probe of the primary answered: back to it once it has been healthy for the
    /// hold time (the standby's session closed first), otherwise the next probe later.
    async fn on_probe(&mut self, conn: &mut Connection, healthy: bool) -> Step {
        self.probe = None;
        let now = Instant::now();
        if self.selector.on_probe(healthy, now.into_std()) {
            conn.say_goodbye().await;
            return Step::Leave(Attempt::BackToPrimary);
        }
        if self.selector.wants_primary_probe() {
            self.probe_at = Some(now + self.config.primary_probe_interval);
        }
        Step::Go
    }

    /// The connection's loop, until the connection ends.
    async fn drive_until_end(&mut self, conn: &mut Connection) -> Attempt {
        let ending = loop {
            let wake = conn.wake_at();
            let probe_at = self.probe_at.filter(|_| self.probe.is_none());
            let probe = &mut self.probe;
            // A frame held back by the last round (one that may end the connection) is
            // handled before anything else is waited for.
            let step = if let Some(frame) = conn.held_frame.take() {
                self.on_frame(conn, frame)
            } else {
                tokio::select! {
                    frame = conn.socket.next() => self.on_frames(conn, frame),
                    request = self.requests.recv() => self.on_request(conn, request).await,
                    _ = sleep_until(wake) => self.on_timer(conn),
                    _ = sleep_until(probe_at.unwrap_or(wake)), if probe_at.is_some() => {
                        self.start_probe();
                        Step::Go
                    }
                    healthy = async { probe.as_mut().expect("guarded by the branch's condition").await }, if probe.is_some() => {
                        self.on_probe(conn, healthy.unwrap_or(false)).await
                    }
                }
            };
            // Counted before the step is looked at: a round's frames can end with a close
            // frame, and the frames dropped before it in the same round count too.
            self.count_dropped(&mut conn.session);
            match step {
                Step::Go => {}
                Step::End(reason) => break reason,
                Step::Leave(attempt) => return attempt,
            }
            match self.carry_out(conn).await {
                Step::Go => {}
                Step::End(reason) => break reason,
                Step::Leave(attempt) => return attempt,
            }
            self.publish_staleness(conn);
        };
        // The frames left out of the log so far are summed up when their connection ends,
        // so a burst just before a disconnect is not left unsaid.
        if let Some(left_out) = self.drop_log.take_suppressed() {
            log_dropped_summary(left_out);
        }
        // Commands still waiting for an answer get none from this connection; their
        // senders retry with the same request id, which the server deduplicates.
        conn.replies.clear();
        let failure = if conn.silent {
            Failure::Silent
        } else {
            Failure::Refused
        };
        match conn.live_since {
            Some(since) => Attempt::Ended {
                live_for: since.elapsed(),
                reason: ending,
                failure,
            },
            None => Attempt::Failed(failure, ending),
        }
    }

    /// A frame from the plant, and those that are already read behind it, up to a bound:
    /// under a burst, one round of the loop then carries out many frames' outputs, rather
    /// than building its wait (the socket, the requests, the timers) again for each.
    fn on_frames(
        &self,
        conn: &mut Connection,
        frame: Option<Result<Message, tungstenite::Error>>,
    ) -> Step {
        let mut bytes = frame_len(&frame);
        let mut step = self.on_frame(conn, frame);
        for _ in 1..FRAMES_AT_ONCE {
            // Each frame's decoded message is held until the round carries it out: the
            // bytes bound keeps a run of large snapshots from being held all at once.
            if !matches!(step, Step::Go) || bytes >= ROUND_BYTES {
                break;
            }
            // Polled without waiting: a frame not yet read is left for the next round's
            // wait, which registers the task to be woken for it.
            match conn.socket.next().now_or_never() {
                Some(Some(Ok(Message::Text(text)))) => {
                    bytes += text.len();
                    step = self.on_frame(conn, Some(Ok(Message::Text(text))));
                }
                // Anything else (a close frame, an error, the end of the stream, a binary
                // frame) is held for the next round: the frames before it are carried out
                // first, as when each frame had a round of its own, so the updates that
                // came just before a close still reach the console.
                Some(other) => {
                    conn.held_frame = Some(other);
                    break;
                }
                None => break,
            }
        }
        step
    }

    /// A frame (or the end of the stream) from the plant.
    fn on_frame(
        &self,
        conn: &mut Connection,
        frame: Option<Result<Message, tungstenite::Error>>,
    ) -> Step {
        let now = Instant::now();
        match frame {
            Some(Ok(Message::Text(text))) => {
                conn.resume_deadline = None;
                self.telemetry.note_message(unix_now());
                conn.session
                    .on_text(now.into_std(), text.as_str(), &mut conn.out);
            }
            Some(Ok(Message::Binary(_))) => conn.session.on_binary(now.into_std(), &mut conn.out),
            // WebSocket-level pings are answered by tungstenite itself.
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            Some(Ok(Message::Close(frame))) => {
                return Step::End(format!(
                    "server closed the WebSocket ({})",
                    frame.map_or("no code".into(), |f| f.code.to_string())
                ));
            }
            Some(Err(error)) => return Step::End(format!("WebSocket error: {error}")),
            None => return Step::End("the connection ended without a close frame".into()),
        }
        Step::Go
    }

    /// A request from a handle while the connection is open.
    async fn on_request(&mut self, conn: &mut Connection, request: Option<LinkRequest>) -> Step {
        match request {
            None | Some(LinkRequest::Shutdown) => {
                conn.say_goodbye().await;
                Step::Leave(Attempt::Shutdown)
            }
            Some(LinkRequest::ReconnectNow) => {
                conn.close().await;
                Step::Leave(Attempt::Restart)
            }
            Some(LinkRequest::Reconfigure(config)) => {
                // This plant is being left for good: say goodbye as on shutdown.
                conn.say_goodbye().await;
                self.next_config = Some(*config);
                let _ = self.events.send(LinkEvent::Lost).await;
                Step::Leave(Attempt::Restart)
            }
            Some(LinkRequest::SetRelay { plant, reply, .. }) if plant != self.config.plant => {
                let _ = reply.send(Err(LinkError::WrongPlant));
                Step::Go
            }
            Some(LinkRequest::SetRelay { request, reply, .. }) => {
                match conn.session.set_relay(&request) {
                    Some(frame) => {
                        conn.replies.insert(request.request_id.clone(), reply);
                        conn.out.push(Output::Send(frame));
                    }
                    None => self.send_by_http(request, reply),
                }
                Step::Go
            }
        }
    }

    /// A timer is due: the handshake deadline, the session's heartbeat, the resume
    /// deadline, the clock check or the probe.
    fn on_timer(&self, conn: &mut Connection) -> Step {
        let now = Instant::now();
        if conn.session.phase() != Phase::Live && now >= conn.connect_deadline {
            return Step::Leave(Attempt::Failed(
                Failure::Unreachable,
                "handshake timed out".into(),
            ));
        }
        conn.session.poll(now.into_std(), &mut conn.out);
        if conn.resume_deadline.is_some_and(|deadline| now >= deadline) {
            conn.silent = true;
            return Step::End("no answer after the machine resumed".into());
        }
        if conn.session.phase() == Phase::Live && now >= conn.next_clock_check {
            self.check_for_resume(conn, now);
        }
        if conn.session.phase() == Phase::Live && now >= conn.next_probe {
            conn.next_probe = now + self.config.probe_interval;
            if let Some(frame) = conn.session.probe(now.into_std()) {
                conn.out.push(Output::Send(frame));
            }
        }
        Step::Go
    }

    /// Compares the clocks and the network: after a jump (the machine slept) or a network
    /// change the link proves itself with a probe now, and must hear back in time.
    fn check_for_resume(&self, conn: &mut Connection, now: Instant) {
        conn.next_clock_check = now + CLOCK_CHECK_EVERY;
        let jump = conn
            .clocks
            .check(self.config.wall_clock.now(), now.into_std());
        let moved = conn.network.changed(self.config.network.addresses());
        if jump.is_some() || moved {
            tracing::info!(
                ?jump,
                network_changed = moved,
                "resume or network change: probing the link"
            );
            conn.resume_deadline = Some(now + self.config.resume_probe_timeout);
            conn.next_probe = now;
        }
    }

    /// Carries out what the session asked for in this round, in order. A failed send or
    /// an end of the session closes the socket after the rest is carried out.
    async fn carry_out(&mut self, conn: &mut Connection) -> Step {
        let mut ended = None;
        let mut outputs = std::mem::take(&mut conn.out);
        for output in outputs.drain(..) {
            match self.on_output(conn, output).await {
                Step::Go => {}
                Step::End(reason) => ended = Some(reason),
                leave @ Step::Leave(_) => return leave,
            }
        }
        // The emptied buffer goes back, so its room is reused in the next round.
        conn.out = outputs;
        match ended {
            Some(reason) => {
                conn.close().await;
                Step::End(reason)
            }
            None => Step::Go,
        }
    }

    /// One thing the session asked for.
    async fn on_output(&mut self, conn: &mut Connection, output: Output) -> Step {
        match output {
            Output::Send(frame) => match conn.send(frame).await {
                Ok(()) => Step::Go,
                Err(reason) => Step::End(reason),
            },
            Output::Live => {
                self.on_live(conn).await;
                Step::Go
            }
            Output::Inbound(Inbound::RelayResult { request_id, result }) => {
                if let Some(reply) = conn.replies.remove(&request_id) {
                    let _ = reply.send(Ok(result));
                }
                Step::Go
            }
            Output::Inbound(Inbound::RoundTrip(rtt)) => {
                self.telemetry.note_rtt(rtt);
                Step::Go
            }
            Output::Inbound(message) => {
                let _ = self
                    .events
                    .send(LinkEvent::Inbound {
                        at: unix_now(),
                        message,
                    })
                    .await;
                Step::Go
            }
            Output::End(EndReason::Unauthorized(message)) if conn.live_since.is_none() => {
                conn.close().await;
                Step::Leave(Attempt::Unauthorized(message))
            }
            // A refusal's text is the server's: it reaches the window and the log short.
            Output::End(reason) => {
                conn.silent = reason == EndReason::HeartbeatTimeout;
                Step::End(log_text(&format!("{reason:?}")))
            }
        }
    }

    /// The session went live: the poller stops, the mode turns Realtime and the event
    /// goes out.
    async fn on_live(&mut self, conn: &mut Connection) {
        conn.live_since = Some(Instant::now());
        self.telemetry.session_started();
        if std::mem::replace(&mut self.ever_live, true) {
            self.telemetry.note_reconnect();
        }
        let server = self.current_server().clone();
        tracing::info!(%server, index = self.selector.current(), "plant link live");
        self.selector.on_live(Instant::now().into_std());
        if self.selector.wants_primary_probe() {
            self.probe_at = Some(Instant::now() + self.config.primary_probe_interval);
        }
        if let Some(open) = conn
            .session
            .open_info()
            .filter(|open| heartbeat_clamped(open))
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

    /// A live session that went quiet shows as Stale, and as Realtime again when it
    /// speaks.
    fn publish_staleness(&self, conn: &Connection) {
        if conn.session.phase() == Phase::Live {
            let stale = conn.session.is_stale(Instant::now().into_std());
            if stale != (self.mode.mode() == LinkMode::Stale) {
                self.mode.ws_stale(stale);
            }
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
        window = ?LOG_WINDOW,
        "more frames dropped than are logged one by one; see Diagnostics for the count"
    );
}
