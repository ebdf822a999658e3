//! How the headless console is asked to stop, and how the asker learns that it has: a
//! [`StopGate`] between the ways the platform says "stop" and the runtime that flushes
//! the store.
//!
//! On Unix the ways are SIGINT and SIGTERM: a task turns them into a request and the
//! process exits when it is done. On Windows they are Ctrl+C, Ctrl+Break, closing the
//! console window, logoff and shutdown, all delivered to a console control handler on a
//! thread of their own (`console_control.rs`). For the last three, Windows ends the
//! process as soon as the handler returns, so the handler asks for the stop and then
//! waits, with [`StopGate::request_and_wait`], until the store is flushed or a deadline
//! under Windows' own limit has passed.
//!
//! The gate is plain synchronous code with an async side for the runtime, so its
//! behaviour is tested on every platform; only the handler's installation is Windows'.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

#[cfg(windows)]
#[allow(unsafe_code)]
mod console_control;
#[cfg(windows)]
#[allow(unsafe_code)]
mod session_end;

/// How long a close, logoff or shutdown waits for the flush. Windows ends a process
/// whose handler has not returned about 5 s after a console window is closed (and
/// after as little at logoff and shutdown); returning a little before keeps the exit
/// ours rather than a kill.
pub const CLOSE_DEADLINE: Duration = Duration::from_millis(4500);

/// The ways this platform stops the headless console, for the line it logs at start.
#[cfg(unix)]
pub const WAYS: &str = "SIGINT (Ctrl+C) or SIGTERM";
#[cfg(windows)]
pub const WAYS: &str =
    "Ctrl+C, Ctrl+Break or by closing its console window; logoff and shutdown stop it too";
#[cfg(not(any(unix, windows)))]
pub const WAYS: &str = "Ctrl+C";

/// What asked the console to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Interrupt,
    Terminate,
    CtrlBreak,
    ConsoleClosed,
    Logoff,
    Shutdown,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::Interrupt => "interrupt (Ctrl+C)",
            StopReason::Terminate => "SIGTERM",
            StopReason::CtrlBreak => "Ctrl+Break",
            StopReason::ConsoleClosed => "console window closed",
            StopReason::Logoff => "logoff",
            StopReason::Shutdown => "shutdown",
        })
    }
}

/// How a blocking wait for the stop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    /// The runtime said the store is flushed.
    Flushed,
    /// The deadline passed first.
    DeadlinePassed,
}

/// A stop request seen by the runtime, and the runtime's "done" seen by whoever asked.
/// Clones share one gate.
#[derive(Debug, Clone)]
pub struct StopGate {
    requested: Arc<watch::Sender<Option<StopReason>>>,
    finished: Arc<(Mutex<bool>, Condvar)>,
}

impl Default for StopGate {
    fn default() -> Self {
        StopGate::new()
    }
}

impl StopGate {
    pub fn new() -> StopGate {
        StopGate {
            requested: Arc::new(watch::Sender::new(None)),
            finished: Arc::new((Mutex::new(false), Condvar::new())),
        }
    }

    /// Asks the console to stop; callable from any thread, never blocks. The first
    /// reason is kept: a Ctrl+C followed by closing the window is still a Ctrl+C stop.
    pub fn request(&self, reason: StopReason) {
        self.requested.send_if_modified(|current| {
            if current.is_none() {
                *current = Some(reason);
                true
            } else {
                false
            }
        });
    }

    /// Waits until a stop was asked for (also one asked before this was called).
    pub async fn requested(&self) -> StopReason {
        let mut receiver = self.requested.subscribe();
        let reason = receiver
            .wait_for(Option::is_some)
            .await
            .map(|reason| *reason)
            .ok()
            .flatten();
        // The sender lives in `self`, so the wait cannot end without a value.
        reason.unwrap_or(StopReason::Interrupt)
    }

    /// Says that the stop is done (the store flushed); wakes every blocking waiter.
    pub fn finished(&self) {
        let (done, changed) = &*self.finished;
        *done.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = true;
        changed.notify_all();
    }

    /// Asks for the stop and blocks this thread until [`Self::finished`] is called or
    /// `deadline` has passed.
    pub fn request_and_wait(&self, reason: StopReason, deadline: Duration) -> Waited {
        self.request(reason);
        let until = Instant::now() + deadline;
        let (done, changed) = &*self.finished;
        let mut finished = done.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while !*finished {
            let now = Instant::now();
            if now >= until {
                return Waited::DeadlinePassed;
            }
            finished = changed
                .wait_timeout(finished, until - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        Waited::Flushed
    }
}

/// Turns the platform's stop signals into requests on `gate`, for as long as the
/// process runs. Call it inside the runtime.
#[cfg(unix)]
pub fn listen(gate: &StopGate) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let gate = gate.clone();
    tokio::spawn(async move {
        let reason = tokio::select! {
            _ = interrupt.recv() => StopReason::Interrupt,
            _ = terminate.recv() => StopReason::Terminate,
        };
        gate.request(reason);
    });
    Ok(())
}

/// Turns the platform's stop signals into requests on `gate`, for as long as the
/// process runs: a console control handler for Ctrl+C, Ctrl+Break and the console
/// window's close, and a hidden window for logoff and shutdown; for all but the first
/// two they wait for [`StopGate::finished`] (at most [`CLOSE_DEADLINE`]) before Windows
/// may end the process.
#[cfg(windows)]
pub fn listen(gate: &StopGate) -> std::io::Result<()> {
    console_control::install(gate.clone())?;
    // Without its window the console still stops on the console's own events; a session
    // with no window station for it (Wine with no display driver is one) must not keep
    // it from running.
    if let Err(error) = session_end::install(gate.clone()) {
        tracing::warn!(%error, "no window to hear logoff and shutdown: they will end the console without a flush");
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
pub fn listen(gate: &StopGate) -> std::io::Result<()> {
    let gate = gate.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            gate.request(StopReason::Interrupt);
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stop_asked_for_before_the_runtime_waits_is_still_seen() {
        let gate = StopGate::new();
        gate.request(StopReason::ConsoleClosed);
        assert_eq!(gate.requested().await, StopReason::ConsoleClosed);
    }

    #[tokio::test]
    async fn the_first_reason_to_stop_is_the_one_kept() {
        let gate = StopGate::new();
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.requested().await }
        });
        gate.request(StopReason::CtrlBreak);
        gate.request(StopReason::Shutdown);
        assert_eq!(waiting.await.unwrap(), StopReason::CtrlBreak);
    }

    #[tokio::test]
    async fn a_closing_console_waits_until_the_runtime_has_flushed() {
        let gate = StopGate::new();
        // The handler's side: a thread of its own, as Windows calls it.
        let handler = std::thread::spawn({
            let gate = gate.clone();
            move || gate.request_and_wait(StopReason::ConsoleClosed, Duration::from_secs(60))
        });
        // The runtime's side: sees the request, flushes, says so.
        assert_eq!(gate.requested().await, StopReason::ConsoleClosed);
        assert!(!handler.is_finished(), "the handler waits for the flush");
        gate.finished();
        let waited = tokio::task::spawn_blocking(move || handler.join().unwrap())
            .await
            .unwrap();
        assert_eq!(waited, Waited::Flushed);
    }

    #[test]
    fn a_closing_console_stops_waiting_at_the_deadline_when_the_flush_hangs() {
        let gate = StopGate::new();
        let started = Instant::now();
        let waited = gate.request_and_wait(StopReason::Logoff, Duration::from_millis(100));
        assert_eq!(waited, Waited::DeadlinePassed);
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the wait is bounded"
        );
    }

    #[test]
    fn a_flush_finished_before_the_wait_returns_at_once() {
        let gate = StopGate::new();
        gate.finished();
        assert_eq!(
            gate.request_and_wait(StopReason::Shutdown, Duration::from_secs(60)),
            Waited::Flushed
        );
    }

    #[test]
    fn the_close_deadline_is_under_the_five_seconds_windows_allows() {
        assert!(CLOSE_DEADLINE < Duration::from_secs(5));
    }
}
