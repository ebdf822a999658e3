//! Noticing that the machine slept: the wall clock jumps ahead of the monotonic clock
//! (which stops during suspend), so a connection that looks fresh may be long dead.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use plant_protocol::UnixSeconds;

/// The wall clock the link reads, replaceable so tests can make time jump.
#[derive(Clone)]
pub struct WallClock(Arc<dyn Fn() -> UnixSeconds + Send + Sync>);

impl WallClock {
    pub fn new(read: impl Fn() -> UnixSeconds + Send + Sync + 'static) -> Self {
        WallClock(Arc::new(read))
    }

    pub fn now(&self) -> UnixSeconds {
        (self.0)()
    }
}

impl Default for WallClock {
    fn default() -> Self {
        WallClock::new(crate::link::unix_now)
    }
}

impl fmt::Debug for WallClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WallClock")
    }
}

/// Compares how far the two clocks moved between checks.
#[derive(Debug, Clone)]
pub struct JumpDetector {
    last_wall: UnixSeconds,
    last_mono: Instant,
    threshold: Duration,
}

impl JumpDetector {
    pub fn new(wall: UnixSeconds, mono: Instant, threshold: Duration) -> Self {
        JumpDetector {
            last_wall: wall,
            last_mono: mono,
            threshold,
        }
    }

    /// How far the wall clock ran ahead of the monotonic one since the last check, when
    /// that is more than the threshold; `None` otherwise. A wall clock set back (NTP) is
    /// not a resume and is ignored.
    pub fn check(&mut self, wall: UnixSeconds, mono: Instant) -> Option<Duration> {
        let wall_moved = wall - self.last_wall;
        let mono_moved = mono.saturating_duration_since(self.last_mono).as_secs_f64();
        self.last_wall = wall;
        self.last_mono = mono;
        let ahead = wall_moved - mono_moved;
        (ahead > self.threshold.as_secs_f64()).then(|| Duration::from_secs_f64(ahead))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jumps_are_reported_only_when_the_wall_clock_runs_ahead_by_more_than_the_threshold() {
        let start = Instant::now();
        let s = Duration::from_secs;
        // (wall seconds moved, monotonic seconds moved, expected jump in whole seconds)
        let table: [(f64, u64, Option<u64>); 5] = [
            (1.0, 1, None),
            (3.0, 1, None),
            (4.5, 1, Some(3)),
            (3600.0, 0, Some(3600)),
            (-30.0, 1, None),
        ];
        for (wall_moved, mono_moved, expected) in table {
            let mut detector = JumpDetector::new(1000.0, start, s(2));
            let got = detector.check(1000.0 + wall_moved, start + s(mono_moved));
            assert_eq!(
                got.map(|d| d.as_secs()),
                expected,
                "wall {wall_moved}, mono {mono_moved}"
            );
        }
    }

    #[test]
    fn each_check_measures_from_the_previous_one() {
        let start = Instant::now();
        let mut detector = JumpDetector::new(0.0, start, Duration::from_secs(2));
        assert!(detector
            .check(100.0, start + Duration::from_secs(1))
            .is_some());
        assert!(detector
            .check(101.0, start + Duration::from_secs(2))
            .is_none());
    }
}
