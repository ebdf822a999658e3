//! The Socket.IO client session as a state machine: frames and the time go in, frames to
//! send and typed plant messages come out. No I/O and no clock of its own.
//!
//! Taking `now` as an argument is what lets the heartbeat, stale detection and ack
//! bookkeeping be tested exactly, frame by frame, without a socket or a sleeping test.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use plant_protocol::{
    events, DevicesUpdate, RelaysUpdate, SetRelayRequest, SetRelayResult, SystemStats,
};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::codec::{self, CodecError, EnginePacket, OpenInfo, SocketPacket};
use crate::items::{self, ItemsError, Read};

/// The range a server's announced `pingInterval` is held to. Below it a server that says
/// 0 would end every session at the first check (the link would flap); above it a server
/// that says 2^53 would keep a dead link "live" for ever.
pub(crate) const PING_INTERVAL_RANGE: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(120));

/// The range a server's announced `pingTimeout` is held to, for the same reasons.
pub(crate) const PING_TIMEOUT_RANGE: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(60));

/// How long silence may last before the session ends: pingInterval + pingTimeout from
/// the OPEN packet, each held to its range (so at most 3 minutes, at least 2 seconds).
/// Clamping each value first also keeps the sum from overflowing.
pub fn heartbeat_limit(open: &OpenInfo) -> Duration {
    let clamp = |millis: u64, (low, high): (Duration, Duration)| {
        Duration::from_millis(millis).clamp(low, high)
    };
    clamp(open.ping_interval, PING_INTERVAL_RANGE) + clamp(open.ping_timeout, PING_TIMEOUT_RANGE)
}

/// Whether the OPEN packet's heartbeat lay outside the ranges and was clamped.
pub(crate) fn heartbeat_clamped(open: &OpenInfo) -> bool {
    let inside = |millis: u64, (low, high): (Duration, Duration)| {
        (low..=high).contains(&Duration::from_millis(millis))
    };
    !(inside(open.ping_interval, PING_INTERVAL_RANGE)
        && inside(open.ping_timeout, PING_TIMEOUT_RANGE))
}

/// Settings of one session; the link makes a fresh session for every connection.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The CONNECT auth payload (`{"token": …}`) for sites that need one.
    pub auth: Option<Value>,
    /// Floor of the stale threshold: no message for this long marks values unconfirmed.
    pub stale_after: Duration,
    /// Bad frames in a row after which the server is treated as broken.
    pub max_bad_frames_in_a_row: u32,
    /// How long an RTT probe may stay unanswered before it is forgotten.
    pub probe_timeout: Duration,
    /// How long to wait for each snapshot after (re)connecting before asking again.
    pub resync_timeout: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            auth: None,
            stale_after: Duration::from_secs(5),
            max_bad_frames_in_a_row: 20,
            probe_timeout: Duration::from_secs(30),
            resync_timeout: Duration::from_secs(2),
        }
    }
}

/// Where the session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The WebSocket is open; the Engine.IO OPEN packet has not come yet.
    AwaitOpen,
    /// OPEN came and CONNECT was sent; waiting for the namespace's answer.
    AwaitConnect,
    /// Connected to the namespace: events flow.
    Live,
    /// Over; the link closes the socket and reconnects.
    Ended,
}

/// Why a session ended. Each one is recovered from by reconnecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// The server sent a Socket.IO DISCONNECT (`41`); the socket may still be open.
    ServerDisconnected,
    /// The server sent an Engine.IO CLOSE (`1`).
    ServerClosed,
    /// Nothing arrived for pingInterval + pingTimeout.
    HeartbeatTimeout,
    /// The server refused the namespace CONNECT for a reason other than auth.
    Refused(String),
    /// The server refused our token.
    Unauthorized(String),
    /// The server kept sending frames we cannot read.
    TooManyBadFrames,
    /// The server broke the handshake order (e.g. an event before OPEN).
    Protocol(String),
}

/// A typed message from the plant, in arrival order.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// Read item by item: the marks name the devices whose fields could not be read.
    Devices(Read<DevicesUpdate>),
    Relays(Read<RelaysUpdate>),
    Stats(Read<SystemStats>),
    /// The server's answer to one of our `set_relay` commands.
    RelayResult {
        request_id: String,
        result: SetRelayResult,
    },
    /// A measured round trip (an acked `request_system_stats`).
    RoundTrip(Duration),
}

/// What the caller must do after feeding the session.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Write this text frame to the socket.
    Send(String),
    /// The namespace accepted us; the resync requests have been queued as `Send`s.
    Live,
    /// A plant message to pass on.
    Inbound(Inbound),
    /// The session is over: close the socket and reconnect.
    End(EndReason),
}

/// Why one frame was dropped; counted and logged by the caller, never fatal alone.
#[derive(Debug, Clone, PartialEq)]
pub enum Dropped {
    Codec(CodecError),
    UnknownEvent(String),
    BadPayload { event: String, detail: String },
    UnexpectedAck(u64),
    OtherNamespace(String),
    Binary,
}

enum PendingAck {
    SetRelay {
        request_id: String,
        relay_id: String,
    },
    Probe {
        sent_at: Instant,
    },
}

/// One Socket.IO session over one WebSocket.
pub struct Session {
    config: SessionConfig,
    phase: Phase,
    open: Option<OpenInfo>,
    last_rx: Instant,
    next_ack_id: u64,
    pending: HashMap<u64, PendingAck>,
    bad_in_a_row: u32,
    last_stats_at: Option<Instant>,
    /// The last few gaps between periodic stats, to learn the server's period.
    stats_gaps: VecDeque<Duration>,
    dropped: Vec<Dropped>,
    /// Items in delivered payloads the console could not use at all (no readable id),
    /// and items delivered with fields it could not read, since the last
    /// [`Session::take_item_counts`].
    items_dropped: u64,
    items_unreadable: u64,
    /// Which of the three snapshots (devices, relays, stats) have not arrived since the
    /// session went live. Some servers drop requests that arrive right after CONNECT, and
    /// a console must not show a half-synced plant as live for ever.
    resync_missing: [bool; 3],
    resync_deadline: Option<Instant>,
}

impl Session {
    pub fn new(config: SessionConfig, now: Instant) -> Self {
        Session {
            config,
            phase: Phase::AwaitOpen,
            open: None,
            last_rx: now,
            next_ack_id: 1,
            pending: HashMap::new(),
            bad_in_a_row: 0,
            last_stats_at: None,
            stats_gaps: VecDeque::with_capacity(4),
            dropped: Vec::new(),
            items_dropped: 0,
            items_unreadable: 0,
            resync_missing: [false; 3],
            resync_deadline: None,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn open_info(&self) -> Option<&OpenInfo> {
        self.open.as_ref()
    }

    /// When the last frame of any kind arrived.
    pub fn last_rx(&self) -> Instant {
        self.last_rx
    }

    /// Frames dropped since the last call, for the caller to log and count.
    pub fn take_dropped(&mut self) -> Vec<Dropped> {
        std::mem::take(&mut self.dropped)
    }

    /// (items dropped, items with unreadable fields) in the payloads delivered since the
    /// last call, for the caller to count; the frames themselves were used.
    pub fn take_item_counts(&mut self) -> (u64, u64) {
        (
            std::mem::take(&mut self.items_dropped),
            std::mem::take(&mut self.items_unreadable),
        )
    }

    /// Feeds one text frame received at `now`.
    pub fn on_text(&mut self, now: Instant, frame: &str, out: &mut Vec<Output>) {
        if self.phase == Phase::Ended {
            return;
        }
        self.last_rx = now;
        // No check against the OPEN packet's maxPayload here: it bounds what the server
        // accepts from a client, not what it sends (a plant of a thousand devices sends
        // a larger snapshot than socketioxide's 100 kB or Flask-SocketIO's 1 MB). The
        // link caps each message at `LinkConfig::max_message_bytes` instead.
        match codec::decode(frame) {
            Ok(packet) => self.on_packet(now, packet, out),
            Err(error) => self.on_undecodable(now, frame, error, out),
        }
    }

    /// A frame strict JSON refused. A Python plant writes `NaN` and `Infinity` for a
    /// failed sensor read, which makes the whole event unreadable; with those tokens
    /// quoted the frame decodes, and the per-item readers mark just the values they
    /// were. Only a frame that still fails is dropped, so a well-formed frame never
    /// pays for the rewrite.
    fn on_undecodable(
        &mut self,
        now: Instant,
        frame: &str,
        error: CodecError,
        out: &mut Vec<Output>,
    ) {
        let Some(fixed) = codec::quote_non_finite(frame) else {
            self.drop_frame(Dropped::Codec(error), out);
            return;
        };
        match codec::decode(&fixed) {
            Ok(packet) => self.on_packet(now, packet, out),
            Err(_) => self.drop_frame(Dropped::Codec(error), out),
        }
    }

    /// Feeds a binary frame: the plant protocol has none, so it is dropped and counted.
    pub fn on_binary(&mut self, now: Instant, out: &mut Vec<Output>) {
        self.last_rx = now;
        self.drop_frame(Dropped::Binary, out);
    }

    /// Checks the clock: ends a silent session and forgets unanswered probes.
    pub fn poll(&mut self, now: Instant, out: &mut Vec<Output>) {
        if let Some(open) = &self.open {
            let limit = heartbeat_limit(open);
            if self.phase != Phase::Ended && now.saturating_duration_since(self.last_rx) >= limit {
                self.end(EndReason::HeartbeatTimeout, out);
            }
        }
        if self.phase == Phase::Live && self.resync_deadline.is_some_and(|deadline| now >= deadline)
        {
            let frames = Self::resync_frames();
            for (missing, frame) in self.resync_missing.iter().zip(frames) {
                if *missing {
                    out.push(Output::Send(frame));
                }
            }
            self.resync_deadline = Some(now + self.config.resync_timeout);
        }
        let probe_timeout = self.config.probe_timeout;
        self.pending.retain(|_, pending| match pending {
            PendingAck::Probe { sent_at } => {
                now.saturating_duration_since(*sent_at) < probe_timeout
            }
            PendingAck::SetRelay { .. } => true,
        });
    }

    /// The next instant at which `poll` has something to decide, if any.
    /// A stale moment already passed is not returned again, so a caller that sleeps until
    /// the deadline never spins.
    pub fn next_deadline(&self, now: Instant) -> Option<Instant> {
        let open = self.open.as_ref()?;
        if self.phase == Phase::Ended {
            return None;
        }
        let heartbeat = self.last_rx + heartbeat_limit(open);
        let stale = self.last_rx + self.stale_after();
        let next = if stale > now {
            stale.min(heartbeat)
        } else {
            heartbeat
        };
        Some(self.resync_deadline.map_or(next, |resync| resync.min(next)))
    }

    /// How long silence may last before values are shown as unconfirmed: the configured
    /// floor, raised to 2.5× the server's stats period when that is longer.
    pub fn stale_after(&self) -> Duration {
        let observed = self.stats_gaps.iter().max().copied().unwrap_or_default();
        self.config.stale_after.max(observed.mul_f64(2.5))
    }

    /// Whether the link has been silent long enough that its values are unconfirmed.
    pub fn is_stale(&self, now: Instant) -> bool {
        self.phase == Phase::Live
            && now.saturating_duration_since(self.last_rx) >= self.stale_after()
    }

    /// The frame that sends an operator's relay command with an ack, or `None` when the
    /// session is not live (the caller keeps the command for later).
    pub fn set_relay(&mut self, request: &SetRelayRequest) -> Option<String> {
        if self.phase != Phase::Live {
            return None;
        }
        let id = self.take_ack_id();
        self.pending.insert(
            id,
            PendingAck::SetRelay {
                request_id: request.request_id.clone(),
                relay_id: request.relay_id.clone(),
            },
        );
        let payload = serde_json::to_value(request).expect("a SetRelayRequest always serializes");
        Some(codec::encode_event(events::SET_RELAY, &[payload], Some(id)))
    }

    /// The frame of a round-trip probe (an acked `request_system_stats`), when live.
    pub fn probe(&mut self, now: Instant) -> Option<String> {
        if self.phase != Phase::Live {
            return None;
        }
        let id = self.take_ack_id();
        self.pending.insert(id, PendingAck::Probe { sent_at: now });
        Some(codec::encode_event(
            events::REQUEST_SYSTEM_STATS,
            &[],
            Some(id),
        ))
    }

    /// The three snapshot requests a client sends after every (re)connect.
    pub fn resync_frames() -> [String; 3] {
        [
            codec::encode_event(events::REQUEST_DEVICES, &[], None),
            codec::encode_event(events::REQUEST_RELAYS, &[], None),
            codec::encode_event(events::REQUEST_SYSTEM_STATS, &[], None),
        ]
    }

    fn take_ack_id(&mut self) -> u64 {
        let id = self.next_ack_id;
        self.next_ack_id = self.next_ack_id.wrapping_add(1).max(1);
        id
    }

    fn on_packet(&mut self, now: Instant, packet: EnginePacket<'_>, out: &mut Vec<Output>) {
        match packet {
            EnginePacket::Open(open) => {
                if self.phase != Phase::AwaitOpen {
                    self.drop_frame(
                        Dropped::Codec(CodecError::Malformed {
                            what: "OPEN packet",
                            detail: "second OPEN in one session".into(),
                        }),
                        out,
                    );
                    return;
                }
                self.good_frame();
                self.open = Some(open);
                self.phase = Phase::AwaitConnect;
                out.push(Output::Send(codec::encode_connect(
                    self.config.auth.as_ref(),
                )));
            }
            EnginePacket::Ping(probe) => {
                self.good_frame();
                out.push(Output::Send(codec::encode_pong(probe)));
            }
            EnginePacket::Pong(_) | EnginePacket::Noop | EnginePacket::Upgrade => self.good_frame(),
            EnginePacket::Close => self.end(EndReason::ServerClosed, out),
            EnginePacket::Message(message) => {
                if self.phase == Phase::AwaitOpen {
                    self.end(EndReason::Protocol("message before OPEN".into()), out);
                    return;
                }
                self.on_message(now, message, out);
            }
        }
    }

    fn on_message(&mut self, now: Instant, message: SocketPacket<'_>, out: &mut Vec<Output>) {
        let nsp = match &message {
            SocketPacket::Connect { nsp, .. }
            | SocketPacket::Disconnect { nsp }
            | SocketPacket::Event { nsp, .. }
            | SocketPacket::Ack { nsp, .. }
            | SocketPacket::ConnectError { nsp, .. } => *nsp,
        };
        if nsp != "/" {
            self.drop_frame(Dropped::OtherNamespace(nsp.to_owned()), out);
            return;
        }
        match message {
            SocketPacket::Connect { .. } => {
                self.good_frame();
                if self.phase == Phase::AwaitConnect {
                    self.phase = Phase::Live;
                    self.resync_missing = [true; 3];
                    self.resync_deadline = Some(now + self.config.resync_timeout);
                    out.push(Output::Live);
                    for frame in Self::resync_frames() {
                        out.push(Output::Send(frame));
                    }
                }
            }
            SocketPacket::ConnectError { message, .. } => {
                let reason = if message.to_ascii_lowercase().contains("unauthorized") {
                    EndReason::Unauthorized(message)
                } else {
                    EndReason::Refused(message)
                };
                self.end(reason, out);
            }
            SocketPacket::Disconnect { .. } => self.end(EndReason::ServerDisconnected, out),
            SocketPacket::Event { name, args, .. } => self.on_event(now, name, &args, out),
            SocketPacket::Ack { id, args, .. } => self.on_ack(now, id, &args, out),
        }
    }

    fn on_event(&mut self, now: Instant, name: String, args: &[&RawValue], out: &mut Vec<Output>) {
        if self.phase != Phase::Live {
            // Servers drop events sent before CONNECT; one that sends them first is odd
            // but harmless, so the event is dropped rather than the session.
            self.drop_frame(
                Dropped::BadPayload {
                    event: name,
                    detail: "before CONNECT".into(),
                },
                out,
            );
            return;
        }
        let inbound = match name.as_str() {
            events::DEVICES_UPDATE => {
                read_arg(&name, args, items::devices_update).map(Inbound::Devices)
            }
            events::RELAYS_UPDATE => {
                read_arg(&name, args, items::relays_update).map(Inbound::Relays)
            }
            events::SYSTEM_STATS_UPDATE => {
                read_arg(&name, args, items::system_stats).map(|stats| {
                    self.note_stats(now);
                    Inbound::Stats(stats)
                })
            }
            _ => Err(Dropped::UnknownEvent(name)),
        };
        match inbound {
            Ok(inbound) => {
                self.good_frame();
                self.count_items(&inbound);
                self.note_resync(&inbound);
                out.push(Output::Inbound(inbound));
            }
            Err(dropped) => self.drop_frame(dropped, out),
        }
    }

    fn count_items(&mut self, inbound: &Inbound) {
        let marks = match inbound {
            Inbound::Devices(read) => &read.marks,
            Inbound::Relays(read) => &read.marks,
            Inbound::Stats(read) => &read.marks,
            Inbound::RelayResult { .. } | Inbound::RoundTrip(_) => return,
        };
        self.items_dropped += u64::from(marks.dropped);
        self.items_unreadable += marks.items.len() as u64;
    }

    fn note_resync(&mut self, inbound: &Inbound) {
        match inbound {
            Inbound::Devices(read) if read.value.snapshot => self.resync_missing[0] = false,
            Inbound::Relays(read) if read.value.snapshot => self.resync_missing[1] = false,
            Inbound::Stats(_) => self.resync_missing[2] = false,
            _ => {}
        }
        if self.resync_missing == [false; 3] {
            self.resync_deadline = None;
        }
    }

    fn on_ack(&mut self, now: Instant, id: u64, args: &[&RawValue], out: &mut Vec<Output>) {
        match self.pending.remove(&id) {
            Some(PendingAck::SetRelay {
                request_id,
                relay_id,
            }) => {
                let read = read_arg(events::SET_RELAY, args, |text| {
                    items::set_relay_result(text, &relay_id)
                });
                match read {
                    Ok((result, unreadable)) => {
                        self.good_frame();
                        if !unreadable.is_empty() {
                            self.items_unreadable += 1;
                        }
                        out.push(Output::Inbound(Inbound::RelayResult { request_id, result }));
                    }
                    Err(dropped) => self.drop_frame(dropped, out),
                }
            }
            Some(PendingAck::Probe { sent_at }) => {
                self.good_frame();
                out.push(Output::Inbound(Inbound::RoundTrip(
                    now.saturating_duration_since(sent_at),
                )));
                // The probe's answer is the stats themselves on servers that send them back.
                if let Ok(stats) = read_arg(events::REQUEST_SYSTEM_STATS, args, items::system_stats)
                {
                    let stats = Inbound::Stats(stats);
                    self.count_items(&stats);
                    out.push(Output::Inbound(stats));
                }
            }
            None => self.drop_frame(Dropped::UnexpectedAck(id), out),
        }
    }

    fn note_stats(&mut self, now: Instant) {
        if let Some(previous) = self.last_stats_at.replace(now) {
            if self.stats_gaps.len() == 3 {
                self.stats_gaps.pop_front();
            }
            self.stats_gaps
                .push_back(now.saturating_duration_since(previous));
        }
    }

    fn good_frame(&mut self) {
        self.bad_in_a_row = 0;
    }

    fn drop_frame(&mut self, dropped: Dropped, out: &mut Vec<Output>) {
        self.dropped.push(dropped);
        self.bad_in_a_row += 1;
        if self.bad_in_a_row >= self.config.max_bad_frames_in_a_row {
            self.end(EndReason::TooManyBadFrames, out);
        }
    }

    fn end(&mut self, reason: EndReason, out: &mut Vec<Output>) {
        if self.phase != Phase::Ended {
            self.phase = Phase::Ended;
            self.pending.clear();
            out.push(Output::End(reason));
        }
    }
}

/// Reads an event's first argument with one of the per-item readers of [`items`]: a
/// payload whose shape is wrong is dropped whole, one bad item in it is not.
fn read_arg<T>(
    event: &str,
    args: &[&RawValue],
    read: impl FnOnce(&str) -> Result<T, ItemsError>,
) -> Result<T, Dropped> {
    let first = args.first().ok_or_else(|| Dropped::BadPayload {
        event: event.to_owned(),
        detail: "no payload".into(),
    })?;
    read(first.get()).map_err(|e| Dropped::BadPayload {
        event: event.to_owned(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OPEN: &str =
        r#"0{"sid":"e1","upgrades":[],"pingTimeout":1000,"pingInterval":2000,"maxPayload":100000}"#;

    /// The heartbeat numbers of Flask-SocketIO's defaults, for tests about other timers.
    const PATIENT_OPEN: &str = r#"0{"sid":"e1","upgrades":[],"pingTimeout":20000,"pingInterval":25000,"maxPayload":100000}"#;

    fn live_session(now: Instant) -> Session {
        live_session_with(now, OPEN)
    }

    fn live_session_with(now: Instant, open: &str) -> Session {
        let mut session = Session::new(SessionConfig::default(), now);
        let mut out = Vec::new();
        session.on_text(now, open, &mut out);
        session.on_text(now, r#"40{"sid":"s1"}"#, &mut out);
        assert_eq!(session.phase(), Phase::Live);
        session
    }

    /// Delivers the three snapshots, so the session asks for nothing again.
    fn sync(session: &mut Session, now: Instant) {
        for frame in [
            r#"42["devices_update",{"devices":[],"snapshot":true,"server_time":6}]"#,
            r#"42["relays_update",{"relays":[],"snapshot":true,"server_time":6}]"#,
            r#"42["system_stats_update",{"cpu_percent":1,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":5}]"#,
        ] {
            feed(session, now, frame);
        }
    }

    fn feed(session: &mut Session, now: Instant, frame: &str) -> Vec<Output> {
        let mut out = Vec::new();
        session.on_text(now, frame, &mut out);
        out
    }

    #[test]
    fn handshake_sends_connect_with_token_then_requests_all_three_snapshots() {
        let now = Instant::now();
        let config = SessionConfig {
            auth: Some(json!({"token": "t0k"})),
            ..SessionConfig::default()
        };
        let mut session = Session::new(config, now);
        assert_eq!(
            feed(&mut session, now, OPEN),
            vec![Output::Send(r#"40{"token":"t0k"}"#.into())]
        );
        let out = feed(&mut session, now, r#"40{"sid":"s1"}"#);
        assert_eq!(
            out,
            vec![
                Output::Live,
                Output::Send(r#"42["request_devices"]"#.into()),
                Output::Send(r#"42["request_relays"]"#.into()),
                Output::Send(r#"42["request_system_stats"]"#.into()),
            ]
        );
    }

    #[test]
    fn refused_token_ends_the_session_as_unauthorized() {
        let now = Instant::now();
        let mut session = Session::new(SessionConfig::default(), now);
        feed(&mut session, now, OPEN);
        let out = feed(&mut session, now, r#"44{"message":"unauthorized"}"#);
        assert_eq!(
            out,
            vec![Output::End(EndReason::Unauthorized("unauthorized".into()))]
        );
    }

    #[test]
    fn refusal_with_a_bare_string_ends_the_session_as_refused() {
        let now = Instant::now();
        let mut session = Session::new(SessionConfig::default(), now);
        feed(&mut session, now, OPEN);
        let out = feed(&mut session, now, r#"44"Unable to connect""#);
        assert_eq!(
            out,
            vec![Output::End(EndReason::Refused("Unable to connect".into()))]
        );
    }

    #[test]
    fn snapshots_that_do_not_arrive_are_asked_for_again() {
        let start = Instant::now();
        let mut session = live_session_with(start, PATIENT_OPEN);
        let mut out = Vec::new();
        session.poll(start + Duration::from_millis(1999), &mut out);
        assert!(out.is_empty());
        feed(
            &mut session,
            start + Duration::from_millis(100),
            r#"42["devices_update",{"devices":[],"snapshot":true,"server_time":6}]"#,
        );
        session.poll(start + Duration::from_secs(2), &mut out);
        assert_eq!(
            out,
            vec![
                Output::Send(r#"42["request_relays"]"#.into()),
                Output::Send(r#"42["request_system_stats"]"#.into()),
            ]
        );
        assert_eq!(
            session.next_deadline(start + Duration::from_secs(2)),
            Some(start + Duration::from_secs(4))
        );
        feed(
            &mut session,
            start + Duration::from_millis(2100),
            r#"42["relays_update",{"relays":[],"snapshot":true,"server_time":6}]"#,
        );
        feed(
            &mut session,
            start + Duration::from_millis(2200),
            r#"42["system_stats_update",{"cpu_percent":1,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":5}]"#,
        );
        out.clear();
        session.poll(start + Duration::from_secs(5), &mut out);
        assert!(
            out.is_empty(),
            "a fully synced session asks for nothing: {out:?}"
        );
    }

    #[test]
    fn a_partial_update_does_not_count_as_the_snapshot() {
        let start = Instant::now();
        let mut session = live_session_with(start, PATIENT_OPEN);
        feed(
            &mut session,
            start,
            r#"42["devices_update",{"devices":[],"snapshot":false,"server_time":6}]"#,
        );
        let mut out = Vec::new();
        session.poll(start + Duration::from_secs(2), &mut out);
        assert!(
            out.contains(&Output::Send(r#"42["request_devices"]"#.into())),
            "{out:?}"
        );
    }

    #[test]
    fn ping_is_answered_with_pong() {
        let now = Instant::now();
        let mut session = live_session(now);
        assert_eq!(feed(&mut session, now, "2"), vec![Output::Send("3".into())]);
    }

    #[test]
    fn silence_for_ping_interval_plus_timeout_ends_the_session() {
        let start = Instant::now();
        let mut session = live_session(start);
        sync(&mut session, start);
        let mut out = Vec::new();
        session.poll(start + Duration::from_millis(2999), &mut out);
        assert!(out.is_empty());
        session.poll(start + Duration::from_millis(3000), &mut out);
        assert_eq!(out, vec![Output::End(EndReason::HeartbeatTimeout)]);
    }

    #[test]
    fn a_heartbeat_of_zero_does_not_end_a_session_that_hears_from_the_server_every_second() {
        let start = Instant::now();
        let mut session = live_session_with(
            start,
            r#"0{"sid":"z","upgrades":[],"pingTimeout":0,"pingInterval":0,"maxPayload":100000}"#,
        );
        let mut out = Vec::new();
        // A minute of a frame every second, checked every 100 ms as the link would.
        for tick in 1..=600u64 {
            let now = start + Duration::from_millis(tick * 100);
            if tick % 10 == 0 {
                out.extend(feed(&mut session, now, "2"));
            }
            session.poll(now, &mut out);
            let deadline = session.next_deadline(now).unwrap();
            assert!(deadline > now, "a deadline in the past would spin the link");
        }
        assert!(
            !out.contains(&Output::End(EndReason::HeartbeatTimeout)),
            "the link flapped: {out:?}"
        );
        assert_eq!(session.phase(), Phase::Live);
        assert!(heartbeat_clamped(session.open_info().unwrap()));
        // Silence still ends it, after the floor of 1 s + 1 s.
        session.poll(start + Duration::from_secs(62), &mut out);
        assert_eq!(out.last(), Some(&Output::End(EndReason::HeartbeatTimeout)));
    }

    #[test]
    fn a_heartbeat_of_two_to_the_53_still_ends_a_silent_session_within_three_minutes() {
        let start = Instant::now();
        let mut session = live_session_with(
            start,
            r#"0{"sid":"h","upgrades":[],"pingTimeout":9007199254740992,"pingInterval":9007199254740992}"#,
        );
        sync(&mut session, start);
        assert_eq!(
            session.next_deadline(start + Duration::from_secs(6)),
            Some(start + Duration::from_secs(180))
        );
        let mut out = Vec::new();
        session.poll(start + Duration::from_secs(179), &mut out);
        assert!(out.is_empty());
        session.poll(start + Duration::from_secs(180), &mut out);
        assert_eq!(out, vec![Output::End(EndReason::HeartbeatTimeout)]);
    }

    #[test]
    fn a_heartbeat_at_the_largest_number_overflows_nothing() {
        let start = Instant::now();
        let mut session = live_session_with(
            start,
            r#"0{"sid":"m","upgrades":[],"pingTimeout":18446744073709551615,"pingInterval":18446744073709551615}"#,
        );
        sync(&mut session, start);
        let mut out = Vec::new();
        session.poll(start + Duration::from_secs(1), &mut out);
        assert!(session
            .next_deadline(start + Duration::from_secs(1))
            .is_some());
        session.poll(start + Duration::from_secs(180), &mut out);
        assert_eq!(out, vec![Output::End(EndReason::HeartbeatTimeout)]);
    }

    #[test]
    fn any_frame_restarts_the_heartbeat_clock() {
        let start = Instant::now();
        let mut session = live_session(start);
        sync(&mut session, start);
        feed(&mut session, start + Duration::from_millis(2000), "2");
        let mut out = Vec::new();
        session.poll(start + Duration::from_millis(4000), &mut out);
        assert!(out.is_empty());
        assert_eq!(
            session.next_deadline(start + Duration::from_millis(4000)),
            Some(start + Duration::from_millis(5000))
        );
    }

    #[test]
    fn socket_io_disconnect_and_engine_io_close_end_the_session() {
        let now = Instant::now();
        let mut session = live_session(now);
        assert_eq!(
            feed(&mut session, now, "41"),
            vec![Output::End(EndReason::ServerDisconnected)]
        );
        assert_eq!(
            feed(&mut session, now, "2"),
            vec![],
            "an ended session answers nothing"
        );
        let mut session = live_session(now);
        assert_eq!(
            feed(&mut session, now, "1"),
            vec![Output::End(EndReason::ServerClosed)]
        );
    }

    #[test]
    fn device_update_comes_out_typed() {
        let now = Instant::now();
        let mut session = live_session(now);
        let out = feed(
            &mut session,
            now,
            r#"42["devices_update",{"devices":[{"id":"d1","name":"Boiler","kind":"t","status":"fault","value":null,"unit":null,"last_seen":5}],"snapshot":true,"server_time":6}]"#,
        );
        let [Output::Inbound(Inbound::Devices(update))] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert!(update.value.snapshot);
        assert!(update.marks.is_clean());
        assert_eq!(
            update.value.devices[0].status,
            plant_protocol::DeviceStatus::Fault
        );
    }

    /// A Flask plant's frame for three devices, the middle one's sensor read failed:
    /// `json.dumps` writes `NaN`, which strict JSON refuses.
    const NAN_FRAME: &str = r#"42["devices_update",{"devices":[{"id":"d1","name":"Boiler","kind":"t","status":"online","value":70.5,"unit":"C","last_seen":5},{"id":"d2","name":"Pump","kind":"f","status":"fault","value":NaN,"unit":"l/s","last_seen":5},{"id":"d3","name":"Fan","kind":"s","status":"online","value":Infinity,"unit":null,"last_seen":-Infinity}],"snapshot":true,"server_time":6}]"#;

    #[test]
    fn a_nan_for_one_device_keeps_the_others_and_marks_it() {
        let now = Instant::now();
        let mut session = live_session(now);
        let out = feed(&mut session, now, NAN_FRAME);
        let [Output::Inbound(Inbound::Devices(read))] = out.as_slice() else {
            panic!("the update was dropped: {out:?}")
        };
        let devices = &read.value.devices;
        assert_eq!(devices.len(), 3);
        assert_eq!(devices[0].value, Some(70.5));
        assert_eq!(devices[1].value, None);
        assert_eq!(devices[1].status, plant_protocol::DeviceStatus::Fault);
        assert_eq!(read.marks.of(1).unwrap().fields(), ["value"]);
        assert_eq!(read.marks.of(2).unwrap().fields(), ["value", "last_seen"]);
        assert!(read.marks.of(0).is_none());
        assert!(
            session.take_dropped().is_empty(),
            "the frame itself was used"
        );
        assert_eq!(session.take_item_counts(), (0, 2));
        assert_eq!(session.take_item_counts(), (0, 0));
    }

    #[test]
    fn nan_frames_in_a_row_do_not_end_the_session_as_garbage() {
        let now = Instant::now();
        let mut session = live_session(now);
        for _ in 0..50 {
            let out = feed(&mut session, now, NAN_FRAME);
            assert!(matches!(out.as_slice(), [Output::Inbound(_)]), "{out:?}");
        }
        assert_eq!(session.phase(), Phase::Live);
        assert_eq!(session.take_item_counts(), (0, 100));
    }

    #[test]
    fn a_device_without_a_readable_id_is_counted_and_the_rest_kept() {
        let now = Instant::now();
        let mut session = live_session(now);
        let out = feed(
            &mut session,
            now,
            r#"42["relays_update",{"relays":[{"id":null,"state":true},{"id":"r1","name":"Pump","device_id":null,"state":NaN,"changed_at":1,"changed_by":null}],"snapshot":false,"server_time":6}]"#,
        );
        let [Output::Inbound(Inbound::Relays(read))] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(read.value.relays.len(), 1);
        assert_eq!(read.marks.dropped, 1);
        assert_eq!(read.marks.of(0).unwrap().fields(), ["state"]);
        assert_eq!(session.take_item_counts(), (1, 1));
    }

    #[test]
    fn stats_with_nan_still_count_as_the_stats_snapshot() {
        let start = Instant::now();
        let mut session = live_session_with(start, PATIENT_OPEN);
        let out = feed(
            &mut session,
            start,
            r#"42["system_stats_update",{"cpu_percent":NaN,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":5}]"#,
        );
        let [Output::Inbound(Inbound::Stats(read))] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(read.marks.of(0).unwrap().fields(), ["cpu_percent"]);
        let mut out = Vec::new();
        session.poll(start + Duration::from_secs(2), &mut out);
        assert!(
            !out.contains(&Output::Send(r#"42["request_system_stats"]"#.into())),
            "{out:?}"
        );
    }

    #[test]
    fn a_set_relay_ack_with_an_unreadable_relay_still_answers_the_command() {
        let now = Instant::now();
        let mut session = live_session(now);
        let request = SetRelayRequest {
            relay_id: "r1".into(),
            state: true,
            request_id: "req-1".into(),
            issued_at: 10.0,
        };
        session.set_relay(&request).unwrap();
        let out = feed(
            &mut session,
            now,
            r#"431[{"ok":true,"duplicate":false,"relay":{"id":"r1","name":"Pump","device_id":null,"state":true,"changed_at":NaN,"changed_by":"op"}}]"#,
        );
        assert!(
            matches!(
                out.as_slice(),
                [Output::Inbound(Inbound::RelayResult { request_id, result: SetRelayResult::Applied { .. } })] if request_id == "req-1"
            ),
            "{out:?}"
        );
        assert_eq!(session.take_item_counts(), (0, 1));
    }

    #[test]
    fn set_relay_ack_is_matched_to_its_request_id() {
        let now = Instant::now();
        let mut session = live_session(now);
        let request = SetRelayRequest {
            relay_id: "r1".into(),
            state: true,
            request_id: "req-1".into(),
            issued_at: 10.0,
        };
        let frame = session.set_relay(&request).unwrap();
        assert!(frame.starts_with(r#"421["set_relay",{"#), "{frame}");
        let out = feed(
            &mut session,
            now,
            r#"431[{"ok":true,"duplicate":false,"relay":{"id":"r1","name":"Pump","device_id":null,"state":true,"changed_at":10,"changed_by":"op"}}]"#,
        );
        let [Output::Inbound(Inbound::RelayResult { request_id, result })] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(request_id, "req-1");
        assert!(matches!(
            result,
            SetRelayResult::Applied {
                duplicate: false,
                ..
            }
        ));
    }

    #[test]
    fn commands_are_not_sent_before_the_session_is_live() {
        let now = Instant::now();
        let mut session = Session::new(SessionConfig::default(), now);
        feed(&mut session, now, OPEN);
        let request = SetRelayRequest {
            relay_id: "r1".into(),
            state: true,
            request_id: "x".into(),
            issued_at: 1.0,
        };
        assert_eq!(session.set_relay(&request), None);
    }

    #[test]
    fn probe_ack_gives_a_round_trip_and_the_stats() {
        let start = Instant::now();
        let mut session = live_session(start);
        assert_eq!(
            session.probe(start).unwrap(),
            r#"421["request_system_stats"]"#
        );
        let out = feed(
            &mut session,
            start + Duration::from_millis(7),
            r#"431[{"cpu_percent":1,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":5}]"#,
        );
        assert_eq!(
            out[0],
            Output::Inbound(Inbound::RoundTrip(Duration::from_millis(7)))
        );
        assert!(matches!(out[1], Output::Inbound(Inbound::Stats(_))));
    }

    #[test]
    fn bad_frames_are_dropped_and_counted_without_ending_the_session() {
        let now = Instant::now();
        let mut session = live_session(now);
        for frame in [
            "9",
            r#"42["mystery",{}]"#,
            r#"42["devices_update",{"devices":"no"}]"#,
            "43",
            "4399[1]",
        ] {
            assert_eq!(feed(&mut session, now, frame), vec![], "{frame}");
        }
        assert_eq!(session.take_dropped().len(), 5);
        assert_eq!(session.phase(), Phase::Live);
        assert_eq!(feed(&mut session, now, "2"), vec![Output::Send("3".into())]);
    }

    #[test]
    fn a_server_that_keeps_sending_garbage_is_disconnected() {
        let now = Instant::now();
        let mut session = live_session(now);
        let mut ended = Vec::new();
        for _ in 0..20 {
            ended.extend(feed(&mut session, now, "x"));
        }
        assert_eq!(ended, vec![Output::End(EndReason::TooManyBadFrames)]);
    }

    #[test]
    fn frames_over_max_payload_are_read_because_it_bounds_what_the_client_sends() {
        let now = Instant::now();
        let mut session = Session::new(SessionConfig::default(), now);
        feed(
            &mut session,
            now,
            r#"0{"sid":"e","upgrades":[],"pingTimeout":1,"pingInterval":1,"maxPayload":10}"#,
        );
        feed(&mut session, now, "40");
        let out = feed(
            &mut session,
            now,
            r#"42["devices_update",{"devices":[],"snapshot":true,"server_time":1.0}]"#,
        );
        assert!(
            matches!(&out[..], [Output::Inbound(Inbound::Devices(update))] if update.value.snapshot),
            "{out:?}"
        );
        assert!(session.take_dropped().is_empty());
    }

    #[test]
    fn stale_threshold_rises_with_a_slow_stats_period() {
        let start = Instant::now();
        let mut session = live_session(start);
        let stats = r#"42["system_stats_update",{"cpu_percent":1,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":5}]"#;
        assert_eq!(session.stale_after(), Duration::from_secs(5));
        feed(&mut session, start, stats);
        feed(&mut session, start + Duration::from_secs(4), stats);
        assert_eq!(session.stale_after(), Duration::from_secs(10));
        assert!(!session.is_stale(start + Duration::from_secs(13)));
        assert!(session.is_stale(start + Duration::from_secs(14)));
    }

    #[test]
    fn message_before_open_is_a_protocol_error() {
        let now = Instant::now();
        let mut session = Session::new(SessionConfig::default(), now);
        let out = feed(&mut session, now, "40");
        assert!(matches!(
            out.as_slice(),
            [Output::End(EndReason::Protocol(_))]
        ));
    }
}
