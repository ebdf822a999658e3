//! What the console records beyond the last-known state, while it waits for the writer:
//! history samples, journal entries and the edges of link gaps.
//!
//! This is the part of `PendingWrites` that keeps a past rather than a present: rows are
//! not merged into one per id, but samples are still capped at one per device (and one
//! stats sample) per second, the last one, so that a burst from the plant cannot grow
//! the pending set or the file without bound.

use std::collections::HashMap;

use plant_protocol::UnixSeconds;
use rusqlite::Transaction;

use super::history::{self, DeviceSample, StatsSample};
use super::journal::{self, Appearances, NewJournalEntry};
use super::{gaps, StoreError};
use crate::state::Change;
use plant_link::link::{LinkMode, LinkState};

/// A change of the link that a trend must show: data stops (`Open`) or resumes (`Close`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum GapEdge {
    Open(UnixSeconds),
    Close(UnixSeconds),
}

/// Whether values in this mode are live. Realtime and HTTP fallback both confirm values;
/// every other mode means no data is coming in.
fn is_live(mode: LinkMode) -> bool {
    matches!(mode, LinkMode::Realtime | LinkMode::Fallback)
}

#[derive(Debug, Default)]
pub(super) struct Recorded {
    /// Per device, its samples in arrival order, at most one per second.
    device_samples: HashMap<String, Vec<DeviceSample>>,
    stats_samples: Vec<StatsSample>,
    journal: Vec<NewJournalEntry>,
    gap_edges: Vec<GapEdge>,
}

/// Appends `sample` unless the last one falls in the same second, which it then replaces.
fn push_per_second<T>(samples: &mut Vec<T>, sample: T, at: impl Fn(&T) -> UnixSeconds) {
    match samples.last_mut() {
        Some(last) if history::second(at(last)) == history::second(at(&sample)) => *last = sample,
        _ => samples.push(sample),
    }
}

impl Recorded {
    pub(super) fn is_empty(&self) -> bool {
        self.device_samples.is_empty()
            && self.stats_samples.is_empty()
            && self.journal.is_empty()
            && self.gap_edges.is_empty()
    }

    /// Takes the history sample a change carries, if any.
    pub(super) fn sample(&mut self, change: &Change) {
        match change {
            Change::Device { after, .. } => {
                let device = &after.device;
                let sample = DeviceSample {
                    at: after.received_at,
                    value: device.value,
                    status: device.status,
                };
                // Looking up by `&str` first spares a key allocation for every update to
                // a device that already has samples waiting, the common case in a burst.
                match self.device_samples.get_mut(device.id.as_str()) {
                    Some(samples) => push_per_second(samples, sample, |s| s.at),
                    None => {
                        self.device_samples.insert(device.id.clone(), vec![sample]);
                    }
                }
            }
            // Figures that could not be read are not history: the trend shows a gap
            // rather than the last readable figures again.
            Change::Stats(entry) if !entry.unreadable.is_empty() => {}
            Change::Stats(entry) => {
                let stats = &entry.stats;
                let sample = StatsSample {
                    at: entry.received_at,
                    cpu: stats.cpu_percent,
                    memory: stats.memory_percent,
                    disk: stats.disk_percent,
                    clients: stats.clients,
                };
                push_per_second(&mut self.stats_samples, sample, |s| s.at);
            }
            Change::DeviceRemoved(_)
            | Change::Relay { .. }
            | Change::RelayRemoved(_)
            | Change::Readability { .. } => {}
        }
    }

    /// Adds the journal entry a change deserves, if any.
    pub(super) fn journal_change(
        &mut self,
        change: &Change,
        at: UnixSeconds,
        appearances: Appearances,
    ) {
        if let Some(entry) = journal::describe_change(change, at, appearances) {
            self.journal.push(entry);
        }
    }

    pub(super) fn journal(&mut self, entry: NewJournalEntry) {
        self.journal.push(entry);
    }

    /// The console starts at `at`, its link connecting. Data has been missing since the
    /// last contact (the console was not running, or had lost the link before it
    /// stopped), so the gap starts there rather than now; a gap left open by the last
    /// run simply goes on.
    pub(super) fn link_started(&mut self, at: UnixSeconds, last_contact: Option<UnixSeconds>) {
        let start = last_contact.map_or(at, |contact| contact.min(at));
        self.gap_edges.push(GapEdge::Open(start));
    }

    /// The link's state went from `from` to `to`: a journal entry, and a gap edge when
    /// data stops or resumes. `last_data` is when the last plant message was applied.
    pub(super) fn link_changed(
        &mut self,
        from: &LinkState,
        to: &LinkState,
        last_data: Option<UnixSeconds>,
    ) {
        if from.mode != to.mode {
            self.journal.push(journal::describe_link(from.mode, to));
            match (is_live(from.mode), is_live(to.mode)) {
                (true, false) => self.gap_edges.push(GapEdge::Open(to.since)),
                (false, true) => self.gap_edges.push(GapEdge::Close(to.since)),
                _ => {}
            }
        } else if to.since > from.since {
            // The link state is watched, and a watch keeps only the latest value: the
            // link left this mode and came back between two looks. Data stopped at the
            // last message at the latest, and resumed when the mode was entered again.
            self.journal.push(journal::describe_interruption(to));
            if is_live(to.mode) {
                let start = last_data.map_or(to.since, |at| at.min(to.since));
                self.gap_edges.push(GapEdge::Open(start));
                self.gap_edges.push(GapEdge::Close(to.since));
            }
        }
    }

    /// Appends what was recorded later (see `PendingWrites::merge`).
    pub(super) fn merge(&mut self, later: Recorded) {
        for (device_id, samples) in later.device_samples {
            let held = self.device_samples.entry(device_id).or_default();
            for sample in samples {
                push_per_second(held, sample, |s| s.at);
            }
        }
        for sample in later.stats_samples {
            push_per_second(&mut self.stats_samples, sample, |s| s.at);
        }
        self.journal.extend(later.journal);
        self.gap_edges.extend(later.gap_edges);
    }

    /// Thins the held history samples until at most `limit` remain: each pass drops every
    /// other sample of each device (and of the stats), always keeping the newest. Returns
    /// how many went.
    pub(super) fn shed_samples(&mut self, limit: usize) -> usize {
        fn halve<T>(samples: &mut Vec<T>) -> usize {
            let before = samples.len();
            // Counted from the end, so the newest sample is always kept.
            let mut index = before;
            samples.retain(|_| {
                index -= 1;
                index.is_multiple_of(2)
            });
            before - samples.len()
        }
        let count = |r: &Recorded| {
            r.device_samples.values().map(Vec::len).sum::<usize>() + r.stats_samples.len()
        };
        let mut dropped = 0;
        while count(self) > limit.max(1) {
            let before = dropped;
            for samples in self.device_samples.values_mut() {
                dropped += halve(samples);
            }
            dropped += halve(&mut self.stats_samples);
            if dropped == before {
                break;
            }
        }
        dropped
    }

    pub(super) fn write(&self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        for (device_id, samples) in &self.device_samples {
            for sample in samples {
                history::put_device(tx, device_id, sample)?;
            }
        }
        for sample in &self.stats_samples {
            history::put_stats(tx, sample)?;
        }
        // Edges in the order they happened: an open then a close is a finished gap.
        for edge in &self.gap_edges {
            match *edge {
                GapEdge::Open(at) => gaps::open(tx, at)?,
                GapEdge::Close(at) => gaps::close(tx, at)?,
            }
        }
        for entry in &self.journal {
            journal::insert(tx, entry)?;
        }
        Ok(())
    }
}

#[cfg(test)]
impl Recorded {
    pub(super) fn device_sample_count(&self) -> usize {
        self.device_samples.values().map(Vec::len).sum()
    }
}
