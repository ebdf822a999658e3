//! The link's counters and figures for diagnostics and benchmarks: messages, reconnects,
//! what the plant sent that could not be used, the round trip and the time in each mode.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use plant_protocol::UnixSeconds;
use serde::{Deserialize, Serialize};

use super::LinkMode;

/// Counters and figures for diagnostics and benchmarks, updated without locks.
#[derive(Debug, Default)]
pub struct Telemetry {
    last_message_at: AtomicU64,
    messages: AtomicU64,
    reconnects: AtomicU64,
    failovers: AtomicU64,
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

    /// How many times the plant was served from another address than before.
    pub fn failovers(&self) -> u64 {
        self.failovers.load(Ordering::Relaxed)
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

    /// A session went live again after an earlier one.
    pub(crate) fn note_reconnect(&self) {
        self.reconnects.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn note_failover(&self) {
        self.failovers.fetch_add(1, Ordering::Relaxed);
    }

    /// A round trip was measured; kept to the microsecond, and never stored as zero
    /// (which means "not measured yet").
    pub(crate) fn note_rtt(&self, rtt: Duration) {
        let micros = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX).max(1);
        self.rtt_micros.store(micros, Ordering::Relaxed);
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
