//! Where notifications go: the [`NotificationSink`] trait (the desktop's notifications
//! in the app, a [`RecordingSink`] in tests) and the thread that feeds it.
//!
//! Showing a notification talks to the desktop (D-Bus on Linux) and may block for as long
//! as the desktop takes, so no sink is ever called on the async runtime: the engine
//! hands notices to a thread of their own over a bounded channel and moves on.

use std::fmt;
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use thiserror::Error;

use super::Severity;

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub title: String,
    pub body: String,
    pub severity: Severity,
    /// A flood summary rather than one alert.
    pub summary: bool,
}

/// A notification could not be shown.
#[derive(Debug, Error)]
#[error("the notification could not be shown: {0}")]
pub struct SinkError(pub String);

/// Shows notifications. Called on the notifier thread only, never on the async runtime,
/// so an implementation may block.
pub trait NotificationSink: Send + Sync + fmt::Debug {
    fn show(&self, notice: &Notice) -> Result<(), SinkError>;
}

/// Keeps every notice it is given, for tests.
#[derive(Debug, Clone, Default)]
pub struct RecordingSink {
    shown: Arc<Mutex<Vec<Notice>>>,
}

impl RecordingSink {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every notice shown so far, in order.
    pub fn shown(&self) -> Vec<Notice> {
        self.shown
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl NotificationSink for RecordingSink {
    fn show(&self, notice: &Notice) -> Result<(), SinkError> {
        self.shown
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(notice.clone());
        Ok(())
    }
}

/// How many notices may wait for the desktop. Flood control lets through ten per ten
/// minutes plus critical ones, so a full queue means the desktop is stuck, not busy.
const QUEUE: usize = 64;

/// The engine's end of the notifier thread. Dropping it lets the thread show what is
/// queued and end.
#[derive(Debug)]
pub(crate) struct Notifier {
    tx: SyncSender<Notice>,
    dropped: u64,
}

impl Notifier {
    pub(crate) fn spawn(sink: Arc<dyn NotificationSink>) -> Notifier {
        let (tx, rx) = mpsc::sync_channel::<Notice>(QUEUE);
        std::thread::Builder::new()
            .name("alert-notifier".into())
            .spawn(move || {
                // A desktop without a notification service fails every notice; saying so
                // once (and again after it recovers) keeps the log readable.
                let mut failing = false;
                for notice in rx {
                    match sink.show(&notice) {
                        Ok(()) => failing = false,
                        Err(error) if !failing => {
                            failing = true;
                            tracing::warn!(%error, title = %plant_link::text::log_text(&notice.title), "notifications are not reaching the desktop");
                        }
                        Err(error) => tracing::debug!(%error, title = %plant_link::text::log_text(&notice.title), "notification not shown"),
                    }
                }
            })
            .expect("the notifier thread starts");
        Notifier { tx, dropped: 0 }
    }

    /// Queues a notice without waiting; a stuck desktop loses notices, never the engine.
    pub(crate) fn send(&mut self, notice: Notice) {
        match self.tx.try_send(notice) {
            Ok(()) => {}
            Err(TrySendError::Full(notice)) => {
                self.dropped += 1;
                tracing::warn!(
                    dropped = self.dropped,
                    title = %plant_link::text::log_text(&notice.title),
                    "the desktop is not taking notifications; one was dropped (it is in the alert list)"
                );
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!("the notifier thread has stopped");
            }
        }
    }
}
