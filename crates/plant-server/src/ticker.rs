//! The one periodic loop of the server's background tasks: a tick every period until the
//! server's stop signal turns true.
//!
//! The stats broadcast, the tick simulation and the update stream all tick the same way, so
//! the rules live here once: the first tick is one period after the start (each task has
//! just been given fresh state and has nothing to do yet), a stall is followed by one tick
//! rather than a burst of catch-up ticks (which would only flood clients with stale
//! updates), and stopping wins over a tick that is due at the same moment.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// Ticks every period until the stop signal turns true (or its sender is gone).
pub(crate) struct Ticker {
    ticks: Interval,
    stop: watch::Receiver<bool>,
}

impl Ticker {
    /// A ticker whose first tick comes one `period` from now.
    pub(crate) fn new(period: Duration, stop: watch::Receiver<bool>) -> Self {
        let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self { ticks, stop }
    }

    /// Waits for the next tick: `true` when it came, `false` once the server is stopping.
    pub(crate) async fn tick(&mut self) -> bool {
        tokio::select! {
            biased;
            _ = self.stop.wait_for(|stopped| *stopped) => false,
            _ = self.ticks.tick() => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_first_tick_comes_one_period_after_the_start() {
        let (_stop_tx, stop) = watch::channel(false);
        let started = Instant::now();
        let mut ticker = Ticker::new(Duration::from_secs(2), stop);
        assert!(ticker.tick().await);
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        assert!(ticker.tick().await);
        assert_eq!(started.elapsed(), Duration::from_secs(4));
    }

    #[tokio::test(start_paused = true)]
    async fn stopping_wins_over_a_tick_that_is_due() {
        let (stop_tx, stop) = watch::channel(false);
        let mut ticker = Ticker::new(Duration::from_secs(1), stop);
        tokio::time::advance(Duration::from_secs(5)).await;
        stop_tx.send(true).unwrap();
        assert!(!ticker.tick().await);
    }

    #[tokio::test(start_paused = true)]
    async fn a_ticker_whose_stop_signal_is_gone_stops() {
        let (stop_tx, stop) = watch::channel(false);
        let mut ticker = Ticker::new(Duration::from_secs(1), stop);
        drop(stop_tx);
        assert!(!ticker.tick().await);
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_stall_one_tick_comes_and_not_a_burst() {
        let (_stop_tx, stop) = watch::channel(false);
        let mut ticker = Ticker::new(Duration::from_secs(1), stop);
        tokio::time::advance(Duration::from_millis(3500)).await;
        let stalled = Instant::now();
        assert!(ticker.tick().await);
        assert_eq!(stalled.elapsed(), Duration::ZERO);
        assert!(ticker.tick().await);
        assert_eq!(stalled.elapsed(), Duration::from_secs(1));
    }
}
