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
mod tests;
