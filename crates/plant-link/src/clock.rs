//! The clocks the link reads, and noticing that the machine slept or moved networks: the
//! wall clock jumps ahead of the monotonic clock (which stops during suspend), or the
//! machine's addresses change; in both cases a connection that looks fresh may be long dead.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use plant_protocol::UnixSeconds;

/// The current wall-clock time as Unix seconds.
pub fn unix_now() -> UnixSeconds {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

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
        WallClock::new(unix_now)
    }
}

impl fmt::Debug for WallClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WallClock")
    }
}

/// The machine's network addresses, replaceable so tests can simulate a network change.
#[derive(Clone)]
pub struct NetworkProbe(Arc<dyn Fn() -> Vec<IpAddr> + Send + Sync>);

impl NetworkProbe {
    pub fn new(read: impl Fn() -> Vec<IpAddr> + Send + Sync + 'static) -> Self {
        NetworkProbe(Arc::new(read))
    }

    /// The current addresses, sorted, loopback excluded.
    pub fn addresses(&self) -> Vec<IpAddr> {
        let mut addresses = (self.0)();
        addresses.retain(|address| !address.is_loopback());
        addresses.sort();
        addresses.dedup();
        addresses
    }
}

impl Default for NetworkProbe {
    fn default() -> Self {
        NetworkProbe::new(|| {
            if_addrs::get_if_addrs()
                .map(|interfaces| interfaces.into_iter().map(|i| i.ip()).collect())
                .unwrap_or_default()
        })
    }
}

impl fmt::Debug for NetworkProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NetworkProbe")
    }
}

/// Remembers the last address set and says when it changed.
#[derive(Debug, Clone, Default)]
pub(crate) struct NetworkWatch {
    last: Option<Vec<IpAddr>>,
}

impl NetworkWatch {
    /// Whether `now` differs from the previous reading (the first reading never does).
    pub(crate) fn changed(&mut self, now: Vec<IpAddr>) -> bool {
        match self.last.replace(now) {
            Some(previous) => Some(&previous) != self.last.as_ref(),
            None => false,
        }
    }
}

/// Compares how far the two clocks moved between checks.
#[derive(Debug, Clone)]
pub(crate) struct JumpDetector {
    last_wall: UnixSeconds,
    last_mono: Instant,
    threshold: Duration,
}

impl JumpDetector {
    pub(crate) fn new(wall: UnixSeconds, mono: Instant, threshold: Duration) -> Self {
        JumpDetector {
            last_wall: wall,
            last_mono: mono,
            threshold,
        }
    }

    /// How far the wall clock ran ahead of the monotonic one since the last check, when
    /// that is more than the threshold; `None` otherwise. A wall clock set back (NTP) is
    /// not a resume and is ignored.
    pub(crate) fn check(&mut self, wall: UnixSeconds, mono: Instant) -> Option<Duration> {
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
    fn a_network_change_is_reported_once_and_the_first_reading_is_not_one() {
        let a: IpAddr = "10.1.2.3".parse().unwrap();
        let b: IpAddr = "192.168.7.9".parse().unwrap();
        let mut watch = NetworkWatch::default();
        assert!(!watch.changed(vec![a]));
        assert!(!watch.changed(vec![a]));
        assert!(watch.changed(vec![a, b]));
        assert!(!watch.changed(vec![a, b]));
        assert!(watch.changed(vec![]));
    }

    #[test]
    fn loopback_addresses_do_not_count_as_the_network() {
        let probe = NetworkProbe::new(|| {
            vec![
                "127.0.0.1".parse().unwrap(),
                "::1".parse().unwrap(),
                "10.0.0.2".parse().unwrap(),
            ]
        });
        assert_eq!(
            probe.addresses(),
            vec!["10.0.0.2".parse::<IpAddr>().unwrap()]
        );
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
