//! The plant server's clock as seen from this machine: an estimate of how far the
//! server's `server_time` runs ahead of (or behind) the local wall clock, from the median
//! of recent samples, so that a command's `issued_at` is stamped in the server's time and
//! a console with a wrong clock does not have its commands refused as expired.

use std::collections::VecDeque;
use std::sync::Mutex;

use plant_protocol::UnixSeconds;

/// How many recent samples the median is taken over.
const SAMPLES: usize = 15;

/// An offset at least this large (either way) is shown as a warning: the plant refuses
/// commands by age, and times shown from the plant would be off by as much.
pub const WARN_OFFSET_S: f64 = 5.0;

/// The estimate of the server's clock offset. Fed by the runtime from every plant
/// message that carries `server_time`, read by the outbox and the diagnostics.
#[derive(Debug, Default)]
pub struct ClockOffset {
    samples: Mutex<VecDeque<f64>>,
}

impl ClockOffset {
    /// Records that a message stamped `server_time` by the server arrived at local wall
    /// time `received_at`. Unusable stamps (not finite) are ignored.
    pub fn sample(&self, server_time: UnixSeconds, received_at: UnixSeconds) {
        let offset = server_time - received_at;
        if !offset.is_finite() {
            return;
        }
        let mut samples = self.lock();
        if samples.len() == SAMPLES {
            samples.pop_front();
        }
        samples.push_back(offset);
    }

    /// Seconds the server's clock runs ahead of this machine's (negative: behind): the
    /// median of the recent samples, so one message delayed in a queue does not move it.
    /// `None` until the plant has sent a stamped message.
    pub fn estimate(&self) -> Option<f64> {
        let samples = self.lock();
        if samples.is_empty() {
            return None;
        }
        let mut sorted: Vec<f64> = samples.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        Some(if sorted.len() % 2 == 1 {
            sorted[middle]
        } else {
            (sorted[middle - 1] + sorted[middle]) / 2.0
        })
    }

    /// Local wall time `local` in the server's time, as far as it is known.
    pub fn to_server(&self, local: UnixSeconds) -> UnixSeconds {
        local + self.estimate().unwrap_or(0.0)
    }

    /// Forgets every sample: another plant has another clock.
    pub fn reset(&self) {
        self.lock().clear();
    }

    /// The sentence the operator sees when the offset is past [`WARN_OFFSET_S`].
    pub fn warning(&self) -> Option<String> {
        let offset = self.estimate()?;
        (offset.abs() >= WARN_OFFSET_S).then(|| {
            let way = if offset > 0.0 { "ahead of" } else { "behind" };
            format!(
                "the plant's clock is {:.0} s {way} this computer's; commands are stamped in the plant's time",
                offset.abs()
            )
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<f64>> {
        self.samples
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_the_median_of_recent_samples_and_ignores_one_late_message() {
        let offset = ClockOffset::default();
        assert_eq!(offset.estimate(), None);
        for i in 0..10 {
            offset.sample(1000.0 + f64::from(i), 700.0 + f64::from(i));
        }
        // One message that sat in a queue for 40 s.
        offset.sample(1010.0, 750.0);
        assert_eq!(offset.estimate(), Some(300.0));
        assert_eq!(offset.to_server(10.0), 310.0);
        assert!(offset.warning().unwrap().contains("300 s ahead of"));
        offset.sample(f64::NAN, 1.0);
        assert_eq!(offset.estimate(), Some(300.0));
    }

    #[test]
    fn old_samples_leave_the_window() {
        let offset = ClockOffset::default();
        for _ in 0..SAMPLES {
            offset.sample(100.0, 200.0);
        }
        assert_eq!(offset.estimate(), Some(-100.0));
        for _ in 0..SAMPLES {
            offset.sample(200.0, 200.5);
        }
        assert_eq!(offset.estimate(), Some(-0.5));
        assert_eq!(offset.warning(), None);
        offset.reset();
        assert_eq!(offset.estimate(), None);
    }
}
