//! Reconnect delays: capped exponential backoff with jitter, as a pure function.
//!
//! The randomness is an argument, not drawn here, so the whole policy is a table test
//! and the link can be replayed deterministically in tests.

use std::time::Duration;

/// How long to wait between reconnect attempts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackoffPolicy {
    /// Delay before the first retry, before jitter.
    pub initial: Duration,
    /// Longest delay, after jitter: an operator never waits longer than this for a retry.
    pub max: Duration,
    /// Relative spread, 0.5 meaning ±50 %. Spreading retries keeps a plant's many
    /// consoles from hitting a restarted server in lockstep.
    pub jitter: f64,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(5),
            jitter: 0.5,
        }
    }
}

/// The delay before retry number `attempt` (0 for the first retry after a loss).
///
/// `unit_random` is a sample from `[0, 1)`: 0 gives the shortest delay of the jitter
/// band, 0.5 the nominal one. Out-of-range samples are clamped rather than trusted.
pub(crate) fn delay(policy: &BackoffPolicy, attempt: u32, unit_random: f64) -> Duration {
    let nominal = policy.initial.as_secs_f64() * 2f64.powi(attempt.min(30) as i32);
    let capped = nominal.min(policy.max.as_secs_f64());
    let jitter = policy.jitter.clamp(0.0, 1.0);
    let sample = if unit_random.is_finite() {
        unit_random.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let factor = 1.0 - jitter + 2.0 * jitter * sample;
    Duration::from_secs_f64((capped * factor).min(policy.max.as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    #[test]
    fn delays_follow_the_table() {
        let policy = BackoffPolicy::default();
        // (attempt, random sample, expected delay)
        let table = [
            (0, 0.5, ms(500)),
            (0, 0.0, ms(250)),
            (0, 1.0, ms(750)),
            (1, 0.5, ms(1000)),
            (2, 0.5, ms(2000)),
            (3, 0.5, ms(4000)),
            (3, 1.0, ms(5000)),
            (4, 0.5, ms(5000)),
            (4, 0.0, ms(2500)),
            (10, 0.5, ms(5000)),
            (u32::MAX, 0.0, ms(2500)),
            (u32::MAX, 1.0, ms(5000)),
        ];
        for (attempt, sample, expected) in table {
            let got = delay(&policy, attempt, sample);
            assert!(
                got.abs_diff(expected) < Duration::from_micros(1),
                "attempt {attempt}, sample {sample}: got {got:?}, expected {expected:?}"
            );
        }
    }

    #[test]
    fn no_delay_ever_exceeds_the_cap_or_falls_below_half_the_first() {
        let policy = BackoffPolicy::default();
        for attempt in 0..64 {
            for step in 0..=20 {
                let got = delay(&policy, attempt, f64::from(step) / 20.0);
                assert!(
                    got <= policy.max && got >= ms(250),
                    "{attempt} {step}: {got:?}"
                );
            }
        }
    }

    #[test]
    fn nonsense_random_samples_are_clamped() {
        let policy = BackoffPolicy::default();
        assert_eq!(delay(&policy, 0, f64::NAN), ms(500));
        assert_eq!(delay(&policy, 0, -3.0), ms(250));
        assert_eq!(delay(&policy, 0, 7.0), ms(750));
    }
}
