//! A rate limit for log lines that a plant can cause once per frame: the first few in a
//! window are logged in full, the rest only counted and summed up in one line.
//!
//! A server sending unreadable frames for an hour would otherwise write a warning for
//! each of them, filling the terminal and the log folder. Time is an argument, so the
//! limiter is tested without a clock.

use std::time::{Duration, Instant};

/// How many lines of one kind are logged in full per window.
pub(crate) const LOG_BURST: u32 = 5;

/// The length of one rate-limit window; past it, one summary line says how many lines
/// of the kind were left out.
pub const LOG_WINDOW: Duration = Duration::from_secs(60);

/// What the caller does with one occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Log this occurrence in full.
    pub log: bool,
    /// Log a summary first: this many occurrences of the window that just closed were
    /// left out.
    pub summary: Option<u64>,
}

/// The rate limit of one kind of log line.
#[derive(Debug, Clone)]
pub struct RepeatLimiter {
    burst: u32,
    window: Duration,
    window_start: Option<Instant>,
    logged: u32,
    suppressed: u64,
}

impl Default for RepeatLimiter {
    fn default() -> Self {
        RepeatLimiter::new(LOG_BURST, LOG_WINDOW)
    }
}

impl RepeatLimiter {
    pub fn new(burst: u32, window: Duration) -> Self {
        RepeatLimiter {
            burst,
            window,
            window_start: None,
            logged: 0,
            suppressed: 0,
        }
    }

    /// One occurrence at `now`.
    pub fn hit(&mut self, now: Instant) -> Verdict {
        let summary = self.flush(now);
        let start = *self.window_start.get_or_insert(now);
        debug_assert!(now >= start);
        let log = self.logged < self.burst;
        if log {
            self.logged += 1;
        } else {
            self.suppressed += 1;
        }
        Verdict { log, summary }
    }

    /// The summary of a window that has closed by `now`, if it left anything out; called
    /// on every hit and also from the caller's own timers, so the last window of a burst
    /// that stopped is summed up too.
    pub fn flush(&mut self, now: Instant) -> Option<u64> {
        let start = self.window_start?;
        if now.saturating_duration_since(start) < self.window {
            return None;
        }
        self.window_start = None;
        self.logged = 0;
        Some(std::mem::take(&mut self.suppressed)).filter(|&n| n > 0)
    }

    /// Whatever was left out so far, at once (when the source ends, e.g. a session).
    pub fn take_suppressed(&mut self) -> Option<u64> {
        Some(std::mem::take(&mut self.suppressed)).filter(|&n| n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_for_every_frame_becomes_a_few_lines_and_one_summary_a_minute() {
        let start = Instant::now();
        let mut limiter = RepeatLimiter::default();
        let mut logged = 0;
        let mut summaries = Vec::new();
        // An hour of bad frames, 100 a second.
        for tick in 0..360_000u64 {
            let verdict = limiter.hit(start + Duration::from_millis(tick * 10));
            logged += u32::from(verdict.log);
            summaries.extend(verdict.summary);
        }
        summaries.extend(limiter.flush(start + Duration::from_secs(3601)));
        assert_eq!(logged, 60 * LOG_BURST, "five full lines per minute");
        assert_eq!(summaries.len(), 60, "one summary per minute");
        assert_eq!(
            summaries.iter().sum::<u64>() + u64::from(logged),
            360_000,
            "every frame is counted"
        );
    }

    #[test]
    fn occasional_warnings_are_all_logged_and_need_no_summary() {
        let start = Instant::now();
        let mut limiter = RepeatLimiter::default();
        for minute in 0..10u64 {
            let verdict = limiter.hit(start + Duration::from_secs(minute * 61));
            assert_eq!(
                verdict,
                Verdict {
                    log: true,
                    summary: None
                }
            );
        }
        assert_eq!(limiter.take_suppressed(), None);
    }
}
