//! The writes waiting for the writer, merged so that a burst costs one row per device.

use std::collections::HashMap;

use plant_protocol::UnixSeconds;
use rusqlite::Connection;

use super::journal::{self, Appearances, NewJournalEntry};
use super::record;
use super::{devices, meta, relays, stats, StoreError};
use crate::state::{Change, DeviceEntry, RelayEntry, StatsEntry};
use plant_link::link::LinkState;

/// Changes waiting for the writer, merged so that only the latest value of each row is
/// written: `None` marks a removal.
#[derive(Debug, Default)]
pub struct PendingWrites {
    pub(super) devices: HashMap<String, Option<DeviceEntry>>,
    pub(super) relays: HashMap<String, Option<RelayEntry>>,
    pub(super) stats: Option<StatsEntry>,
    pub(super) last_contact: Option<UnixSeconds>,
    /// History samples, journal entries and link gaps: kept, not merged.
    pub(super) recorded: record::Recorded,
    /// The number of the last plant message these writes include, for a benchmark's
    /// the console's `Progress`; 0 when nobody counts.
    pub(super) through: u64,
}

impl PendingWrites {
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
            && self.relays.is_empty()
            && self.stats.is_none()
            && self.last_contact.is_none()
            && self.recorded.is_empty()
    }

    /// Merges one state change into the last-known rows and takes its history sample
    /// (at most one per device per second); see [`PendingWrites::record`] for the journal.
    pub fn push(&mut self, change: &Change) {
        self.recorded.sample(change);
        match change {
            Change::Device { after, .. } => {
                // While the writer is busy a burst updates the same devices again and
                // again: the pending row is replaced in place, without a new key.
                match self.devices.get_mut(after.device.id.as_str()) {
                    Some(held) => *held = Some(after.clone()),
                    None => {
                        self.devices
                            .insert(after.device.id.clone(), Some(after.clone()));
                    }
                }
            }
            Change::DeviceRemoved(device) => {
                self.devices.insert(device.id.clone(), None);
            }
            Change::Relay { after, .. } => {
                self.relays
                    .insert(after.relay.id.clone(), Some(after.clone()));
            }
            Change::RelayRemoved(relay) => {
                self.relays.insert(relay.id.clone(), None);
            }
            Change::Stats(entry) => self.stats = Some(entry.clone()),
            Change::Readability { .. } => {}
        }
    }

    /// Notes that these writes include everything of plant message `seq` (counted by the
    /// runtime), so that the writer can report it committed.
    pub(crate) fn include_message(&mut self, seq: u64) {
        self.through = self.through.max(seq);
    }

    /// Records that the plant was heard from at `at`.
    pub fn contact(&mut self, at: UnixSeconds) {
        self.last_contact = Some(at);
    }

    /// As [`PendingWrites::push`], and journals the change if it deserves an entry. `at`
    /// is when the update that made it arrived; `appearances` says whether new devices
    /// and relays are news (see [`Appearances`]).
    pub fn record(&mut self, change: &Change, at: UnixSeconds, appearances: Appearances) {
        self.push(change);
        self.recorded.journal_change(change, at, appearances);
    }

    /// Like [`PendingWrites::record`], but the journal entry goes through `allow` (the
    /// caller's cap: at most so many rows per device or relay a minute, given the entry's
    /// subject and time); true when an entry was left out. The cap is a closure so that
    /// the store needs nothing of the `bounds` that keep it.
    pub(crate) fn record_capped(
        &mut self,
        change: &Change,
        at: UnixSeconds,
        appearances: Appearances,
        mut allow: impl FnMut(&str, UnixSeconds) -> bool,
    ) -> bool {
        self.push(change);
        match journal::describe_change(change, at, appearances) {
            Some(entry) if allow(&entry.subject, entry.at) => {
                self.recorded.journal(entry);
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Adds a journal entry that comes from no state change.
    pub fn journal(&mut self, entry: NewJournalEntry) {
        self.recorded.journal(entry);
    }

    /// The console starts at `at` with its link connecting: opens a link gap from the
    /// last contact the cache remembers (or from `at`).
    pub(crate) fn link_started(&mut self, at: UnixSeconds, last_contact: Option<UnixSeconds>) {
        self.recorded.link_started(at, last_contact);
    }

    /// The link's state went from `from` to `to`: journals a mode change and opens or
    /// closes a gap. `last_data` is when the last plant message was applied; it dates
    /// the start of an interruption that the watched state did not show.
    pub(crate) fn link_changed(
        &mut self,
        from: &LinkState,
        to: &LinkState,
        last_data: Option<UnixSeconds>,
    ) {
        self.recorded.link_changed(from, to, last_data);
    }

    /// Merges writes that came later into these (which the writer could not save yet):
    /// the latest value of each row wins, the recorded past is appended.
    pub(super) fn merge(&mut self, later: PendingWrites) {
        self.devices.extend(later.devices);
        self.relays.extend(later.relays);
        if later.stats.is_some() {
            self.stats = later.stats;
        }
        if later.last_contact.is_some() {
            self.last_contact = later.last_contact;
        }
        self.recorded.merge(later.recorded);
        self.through = self.through.max(later.through);
    }

    #[cfg(test)]
    pub(super) fn write(&self, conn: &mut Connection) -> Result<(), StoreError> {
        self.write_noting(conn, None)
    }

    /// Writes everything in one transaction, with `note` (the journal entry that records
    /// a stretch of failed writes) in the same one.
    pub(super) fn write_noting(
        &self,
        conn: &mut Connection,
        note: Option<&NewJournalEntry>,
    ) -> Result<(), StoreError> {
        let tx = conn.transaction()?;
        if let Some(note) = note {
            journal::insert(&tx, note)?;
        }
        for (id, entry) in &self.devices {
            match entry {
                Some(entry) => devices::upsert(&tx, entry)?,
                None => devices::remove(&tx, id)?,
            }
        }
        for (id, entry) in &self.relays {
            match entry {
                Some(entry) => relays::upsert(&tx, entry)?,
                None => relays::remove(&tx, id)?,
            }
        }
        if let Some(entry) = &self.stats {
            stats::put(&tx, entry)?;
        }
        if let Some(at) = self.last_contact {
            meta::put(&tx, meta::LAST_CONTACT, at)?;
        }
        self.recorded.write(&tx)?;
        tx.commit()?;
        Ok(())
    }
}
