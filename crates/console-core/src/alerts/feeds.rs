//! What flows into and out of the alert engine: the runtime's change batches (offered
//! without waiting, counted when they do not fit), the switch to another plant's store,
//! and what the engine tells the window.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use plant_protocol::UnixSeconds;
use rusqlite::Connection;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use super::{AlertStatus, AlertView};
use crate::state::Change;
use crate::store::Appearances;

/// How many plant messages' changes may wait for the engine. A snapshot is one message,
/// so this is a lot of plant; beyond it changes are dropped and counted.
pub const CHANGE_QUEUE: usize = 1024;

/// The changes one plant message made, as the runtime hands them over.
#[derive(Debug, Clone)]
pub struct ChangeBatch {
    /// When the message arrived (local Unix seconds).
    pub at: UnixSeconds,
    pub appearances: Appearances,
    pub changes: Vec<Change>,
    /// The plant changed: forget every device and relay learnt so far (before `changes`).
    pub forget: bool,
    /// With `forget`: the new plant's cache, where alerts are recorded from now on.
    pub new_store: Option<StoreSwitch>,
}

/// A connection to another plant's cache, handed to the engine in the change stream so
/// that every alert of the old plant is recorded before it and none after.
#[derive(Debug, Clone)]
pub struct StoreSwitch(Arc<Mutex<Option<Connection>>>);

impl StoreSwitch {
    pub fn new(conn: Connection) -> Self {
        StoreSwitch(Arc::new(Mutex::new(Some(conn))))
    }

    pub(super) fn take(&self) -> Option<Connection> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

/// The runtime's end of the change channel. [`ChangeFeed::offer`] never waits.
#[derive(Debug, Clone)]
pub struct ChangeFeed {
    pub(super) tx: mpsc::Sender<ChangeBatch>,
    pub(super) dropped: Arc<AtomicU64>,
}

impl ChangeFeed {
    /// Offers the changes of one message received at `at`. A full queue drops them (the
    /// alerts they would have raised are lost, the store and the window still get them)
    /// rather than making the runtime wait. The console hands its changes over with
    /// [`ChangeFeed::offer_owned`]; this copying form is for tests.
    #[cfg(test)]
    pub fn offer(&self, changes: &[Change], at: UnixSeconds, appearances: Appearances) {
        let relevant = changes
            .iter()
            .filter(|c| !matches!(c, Change::Stats(_)))
            .cloned()
            .collect();
        self.offer_owned(relevant, at, appearances);
    }

    /// The plant changed: the engine forgets the old one's devices and relays, so the new
    /// one's first snapshot is learnt quietly, not compared with the old. Waits for room
    /// (it must not be dropped); it happens once per change of address.
    pub async fn forget_plant(&self, at: UnixSeconds) {
        self.move_to(at, None).await;
    }

    /// As [`ChangeFeed::forget_plant`], and the engine records alerts in `store` (the new
    /// plant's cache) from then on.
    pub async fn move_to(&self, at: UnixSeconds, store: Option<StoreSwitch>) {
        let batch = ChangeBatch {
            at,
            appearances: Appearances::Quiet,
            changes: Vec::new(),
            forget: true,
            new_store: store,
        };
        let _ = self.tx.send(batch).await;
    }

    /// As [`ChangeFeed::offer`], taking the changes: the runtime hands over the ones it
    /// is done with instead of copying every device twice more per update.
    pub fn offer_owned(&self, mut changes: Vec<Change>, at: UnixSeconds, appearances: Appearances) {
        // Stats arrive every couple of seconds and raise no alert: leaving them out keeps
        // the queue for changes that may.
        changes.retain(|c| !matches!(c, Change::Stats(_)));
        if changes.is_empty() {
            return;
        }
        let batch = ChangeBatch {
            at,
            appearances,
            changes,
            forget: false,
            new_store: None,
        };
        match self.tx.try_send(batch) {
            Ok(()) | Err(TrySendError::Closed(_)) => {}
            Err(TrySendError::Full(_)) => {
                let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if dropped == 1 || dropped.is_multiple_of(100) {
                    tracing::warn!(
                        dropped,
                        "the alert engine is behind; plant changes were not checked for alerts"
                    );
                }
            }
        }
    }
}

/// What the engine tells the window through the UI batches.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertFeed {
    Alert(AlertView),
    Status(AlertStatus),
    /// Alarms whose state changed, and the alarm status after.
    Alarms {
        changed: Vec<crate::alarms::AlarmView>,
        status: crate::alarms::AlarmStatus,
    },
}
