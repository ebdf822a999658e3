//! The console's in-memory picture of the plant: the last-known device, relay and stats
//! values, and the differences each update makes.
//!
//! Everything downstream (store, alerts, UI) works from the [`Change`]s this module
//! produces, never from raw frames, so a snapshot that repeats what is already known
//! causes no writes and no alerts.
//!
//! A field the plant sent but the console could not read ([`plant_link::items`]) is marked in
//! the entry's `unreadable`, and the entry's quality is bad. Where the field is not the
//! measurement itself (a name, a status, a relay's state), the last readable value stays
//! in its place, so a bad read alerts nothing and switches nothing; a device's `value`
//! becomes `None`, so the old reading is never shown, recorded or checked against a
//! limit as if it were fresh.

use std::collections::HashMap;
use std::sync::Arc;

use plant_protocol::{Device, DevicesUpdate, Relay, RelaysUpdate, SystemStats, UnixSeconds};
use serde::{Deserialize, Serialize};

use crate::quality::{Quality, QualityReason};
use plant_link::items::{Marks, Unreadable};

/// A device as last received, with the local time it arrived.
///
/// The device is shared, not copied: one update's device is read by the plant state, the
/// UI batch, the pending store write and the alert engine, and copying it (strings and the
/// map of extra fields) for each was a fifth of the ingest path's time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeviceEntry {
    pub device: Arc<Device>,
    pub received_at: UnixSeconds,
    /// The fields the plant sent that could not be read (empty when all were read).
    #[serde(default)]
    pub unreadable: Unreadable,
    /// The entry's own quality (see [`Quality::of_item`]); the link's is in `LinkStatus`.
    #[serde(default)]
    pub quality: Quality,
}

/// A relay as last received, with the local time it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RelayEntry {
    pub relay: Relay,
    pub received_at: UnixSeconds,
    #[serde(default)]
    pub unreadable: Unreadable,
    #[serde(default)]
    pub quality: Quality,
}

/// The server's system stats as last received, with the local time they arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatsEntry {
    pub stats: SystemStats,
    pub received_at: UnixSeconds,
    #[serde(default)]
    pub unreadable: Unreadable,
    #[serde(default)]
    pub quality: Quality,
}

fn is_confirmed(quality: Quality) -> bool {
    quality.reason != Some(QualityReason::Unconfirmed)
}

impl DeviceEntry {
    /// A device just received from the plant, every field read.
    pub fn new(device: Arc<Device>, received_at: UnixSeconds) -> Self {
        DeviceEntry::read(device, received_at, Unreadable::default())
    }

    /// A device just received from the plant, with the fields it could not read.
    pub fn read(device: Arc<Device>, received_at: UnixSeconds, unreadable: Unreadable) -> Self {
        let quality = Quality::of_item(&unreadable, true);
        DeviceEntry {
            device,
            received_at,
            unreadable,
            quality,
        }
    }

    /// The cache's copy, not confirmed by the plant since start.
    pub fn restored(device: Arc<Device>, received_at: UnixSeconds, unreadable: Unreadable) -> Self {
        let quality = Quality::of_item(&unreadable, false);
        DeviceEntry {
            device,
            received_at,
            unreadable,
            quality,
        }
    }
}

impl RelayEntry {
    pub fn new(relay: Relay, received_at: UnixSeconds) -> Self {
        RelayEntry::read(relay, received_at, Unreadable::default())
    }

    pub fn read(relay: Relay, received_at: UnixSeconds, unreadable: Unreadable) -> Self {
        let quality = Quality::of_item(&unreadable, true);
        RelayEntry {
            relay,
            received_at,
            unreadable,
            quality,
        }
    }

    pub fn restored(relay: Relay, received_at: UnixSeconds, unreadable: Unreadable) -> Self {
        let quality = Quality::of_item(&unreadable, false);
        RelayEntry {
            relay,
            received_at,
            unreadable,
            quality,
        }
    }

    /// The relay's state as the plant last reported it readably: `None` while the
    /// plant's last report of the state could not be read (nothing may be confirmed
    /// from the placeholder).
    pub fn readable_state(&self) -> Option<bool> {
        (!self.unreadable.contains("state")).then_some(self.relay.state)
    }
}

impl StatsEntry {
    pub fn new(stats: SystemStats, received_at: UnixSeconds) -> Self {
        StatsEntry::read(stats, received_at, Unreadable::default())
    }

    pub fn read(stats: SystemStats, received_at: UnixSeconds, unreadable: Unreadable) -> Self {
        let quality = Quality::of_item(&unreadable, true);
        StatsEntry {
            stats,
            received_at,
            unreadable,
            quality,
        }
    }

    pub fn restored(stats: SystemStats, received_at: UnixSeconds, unreadable: Unreadable) -> Self {
        let quality = Quality::of_item(&unreadable, false);
        StatsEntry {
            stats,
            received_at,
            unreadable,
            quality,
        }
    }
}

/// What a [`Change::Readability`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Device,
    Relay,
    Stats,
}

/// One difference between the previous and the new plant state.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Device {
        before: Option<Arc<Device>>,
        after: DeviceEntry,
    },
    DeviceRemoved(Arc<Device>),
    Relay {
        before: Option<Relay>,
        after: RelayEntry,
    },
    RelayRemoved(Relay),
    Stats(StatsEntry),
    /// Some fields of an item became unreadable, or readable again (`after` empty). It
    /// follows the item's own change, for the journal and the alerts.
    Readability {
        subject: Subject,
        /// The item's id (`"system"` for the stats).
        id: String,
        /// Its name as last known, for the words.
        name: String,
        before: Unreadable,
        after: Unreadable,
        at: UnixSeconds,
    },
}

/// Last-known state of every device and relay and of the server's stats.
#[derive(Debug, Default, Clone)]
pub struct PlantState {
    devices: HashMap<String, DeviceEntry>,
    relays: HashMap<String, RelayEntry>,
    stats: Option<StatsEntry>,
}

/// Puts the last readable value in place of each unreadable field but the measurement.
fn keep_readable_device(before: &Device, device: &mut Device, unreadable: &Unreadable) {
    for field in unreadable.fields() {
        match *field {
            "name" => device.name.clone_from(&before.name),
            "kind" => device.kind.clone_from(&before.kind),
            "status" => device.status = before.status,
            "unit" => device.unit.clone_from(&before.unit),
            "last_seen" => device.last_seen = before.last_seen,
            // The value stays `None`: an old reading shown, recorded or checked against a
            // limit as if fresh is exactly what must not happen.
            _ => {}
        }
    }
}

fn keep_readable_relay(before: &Relay, relay: &mut Relay, unreadable: &Unreadable) {
    for field in unreadable.fields() {
        match *field {
            "name" => relay.name.clone_from(&before.name),
            "device_id" => relay.device_id.clone_from(&before.device_id),
            // Kept so that an unreadable report neither looks like a switch nor confirms
            // a command ([`RelayEntry::readable_state`]).
            "state" => relay.state = before.state,
            "changed_at" => relay.changed_at = before.changed_at,
            "changed_by" => relay.changed_by.clone_from(&before.changed_by),
            _ => {}
        }
    }
}

fn keep_readable_stats(before: &SystemStats, stats: &mut SystemStats, unreadable: &Unreadable) {
    for field in unreadable.fields() {
        match *field {
            "cpu_percent" => stats.cpu_percent = before.cpu_percent,
            "memory_percent" => stats.memory_percent = before.memory_percent,
            "disk_percent" => stats.disk_percent = before.disk_percent,
            "uptime_s" => stats.uptime_s = before.uptime_s,
            "clients" => stats.clients = before.clients,
            "server_time" => stats.server_time = before.server_time,
            _ => {}
        }
    }
}

fn name_or_id(name: &str, id: &str) -> String {
    if name.is_empty() { id } else { name }.to_owned()
}

impl PlantState {
    /// A state restored from the store at start-up.
    pub(crate) fn from_parts(
        devices: Vec<DeviceEntry>,
        relays: Vec<RelayEntry>,
        stats: Option<StatsEntry>,
    ) -> Self {
        PlantState {
            devices: devices
                .into_iter()
                .map(|e| (e.device.id.clone(), e))
                .collect(),
            relays: relays
                .into_iter()
                .map(|e| (e.relay.id.clone(), e))
                .collect(),
            stats,
        }
    }

    pub fn devices(&self) -> impl Iterator<Item = &DeviceEntry> {
        self.devices.values()
    }

    pub fn relays(&self) -> impl Iterator<Item = &RelayEntry> {
        self.relays.values()
    }

    /// How many devices the console holds (for the caps in [`crate::bounds`]).
    pub(crate) fn device_count(&self) -> usize {
        self.devices.len()
    }

    /// How many relays the console holds.
    pub(crate) fn relay_count(&self) -> usize {
        self.relays.len()
    }

    pub fn device(&self, id: &str) -> Option<&DeviceEntry> {
        self.devices.get(id)
    }

    pub fn relay(&self, id: &str) -> Option<&RelayEntry> {
        self.relays.get(id)
    }

    pub fn stats(&self) -> Option<&StatsEntry> {
        self.stats.as_ref()
    }

    /// Applies a `devices_update` read whole; a snapshot also removes every device it
    /// does not list.
    pub fn apply_devices(
        &mut self,
        update: DevicesUpdate,
        received_at: UnixSeconds,
        changes: &mut Vec<Change>,
    ) {
        self.apply_devices_read(update, &Marks::default(), received_at, changes);
    }

    /// Applies a `devices_update` with the marks of the devices it could not read whole.
    pub(crate) fn apply_devices_read(
        &mut self,
        update: DevicesUpdate,
        marks: &Marks,
        received_at: UnixSeconds,
        changes: &mut Vec<Change>,
    ) {
        if update.snapshot {
            let listed: std::collections::HashSet<&str> =
                update.devices.iter().map(|d| d.id.as_str()).collect();
            let gone: Vec<String> = self
                .devices
                .keys()
                .filter(|id| !listed.contains(id.as_str()))
                .cloned()
                .collect();
            for id in gone {
                if let Some(entry) = self.devices.remove(&id) {
                    changes.push(Change::DeviceRemoved(entry.device));
                }
            }
        }
        let clean = marks.items.is_empty();
        for (index, mut device) in update.devices.into_iter().enumerate() {
            let unreadable = if clean {
                Unreadable::default()
            } else {
                marks.of(index).cloned().unwrap_or_default()
            };
            match self.devices.get_mut(&device.id) {
                Some(entry) => {
                    if !unreadable.is_empty() {
                        keep_readable_device(&entry.device, &mut device, &unreadable);
                    }
                    // An unchanged device keeps its receive time, which says when this
                    // value first arrived; that the link is live is the link's to say,
                    // not a row's. A first confirmation of the cache's copy is a change
                    // of its quality, though.
                    if *entry.device == device
                        && entry.unreadable == unreadable
                        && is_confirmed(entry.quality)
                    {
                        continue;
                    }
                    let same = *entry.device == device;
                    let was = std::mem::take(&mut entry.unreadable);
                    let before = std::mem::replace(&mut entry.device, Arc::new(device));
                    if !same {
                        entry.received_at = received_at;
                    }
                    entry.quality = Quality::of_item(&unreadable, true);
                    entry.unreadable = unreadable;
                    let readability = (was != entry.unreadable).then(|| Change::Readability {
                        subject: Subject::Device,
                        id: entry.device.id.clone(),
                        name: name_or_id(&entry.device.name, &entry.device.id),
                        before: was,
                        after: entry.unreadable.clone(),
                        at: received_at,
                    });
                    changes.push(Change::Device {
                        before: Some(before),
                        after: entry.clone(),
                    });
                    changes.extend(readability);
                }
                None => {
                    let entry = DeviceEntry::read(Arc::new(device), received_at, unreadable);
                    self.devices.insert(entry.device.id.clone(), entry.clone());
                    let readability = (!entry.unreadable.is_empty()).then(|| Change::Readability {
                        subject: Subject::Device,
                        id: entry.device.id.clone(),
                        name: name_or_id(&entry.device.name, &entry.device.id),
                        before: Unreadable::default(),
                        after: entry.unreadable.clone(),
                        at: received_at,
                    });
                    changes.push(Change::Device {
                        before: None,
                        after: entry,
                    });
                    changes.extend(readability);
                }
            }
        }
    }

    /// Applies a `relays_update` read whole; a snapshot also removes every relay it does
    /// not list. The console applies reads ([`PlantState::apply_relays_read`]); this form
    /// is for tests.
    #[cfg(test)]
    pub(crate) fn apply_relays(
        &mut self,
        update: RelaysUpdate,
        received_at: UnixSeconds,
        changes: &mut Vec<Change>,
    ) {
        self.apply_relays_read(update, &Marks::default(), received_at, changes);
    }

    /// Applies a `relays_update` with the marks of the relays it could not read whole.
    pub(crate) fn apply_relays_read(
        &mut self,
        update: RelaysUpdate,
        marks: &Marks,
        received_at: UnixSeconds,
        changes: &mut Vec<Change>,
    ) {
        if update.snapshot {
            let listed: std::collections::HashSet<&str> =
                update.relays.iter().map(|r| r.id.as_str()).collect();
            let gone: Vec<String> = self
                .relays
                .keys()
                .filter(|id| !listed.contains(id.as_str()))
                .cloned()
                .collect();
            for id in gone {
                if let Some(entry) = self.relays.remove(&id) {
                    changes.push(Change::RelayRemoved(entry.relay));
                }
            }
        }
        for (index, relay) in update.relays.into_iter().enumerate() {
            let unreadable = marks.of(index).cloned().unwrap_or_default();
            self.apply_relay(relay, unreadable, received_at, changes);
        }
    }

    /// Applies one relay as the plant reported it (in an update or a command's answer).
    pub(crate) fn apply_relay(
        &mut self,
        mut relay: Relay,
        unreadable: Unreadable,
        received_at: UnixSeconds,
        changes: &mut Vec<Change>,
    ) {
        match self.relays.get_mut(&relay.id) {
            Some(entry) => {
                if !unreadable.is_empty() {
                    keep_readable_relay(&entry.relay, &mut relay, &unreadable);
                }
                if entry.relay == relay
                    && entry.unreadable == unreadable
                    && is_confirmed(entry.quality)
                {
                    return;
                }
                let same = entry.relay == relay;
                let was = std::mem::take(&mut entry.unreadable);
                let before = std::mem::replace(&mut entry.relay, relay);
                if !same {
                    entry.received_at = received_at;
                }
                entry.quality = Quality::of_item(&unreadable, true);
                entry.unreadable = unreadable;
                let readability = (was != entry.unreadable).then(|| Change::Readability {
                    subject: Subject::Relay,
                    id: entry.relay.id.clone(),
                    name: name_or_id(&entry.relay.name, &entry.relay.id),
                    before: was,
                    after: entry.unreadable.clone(),
                    at: received_at,
                });
                changes.push(Change::Relay {
                    before: Some(before),
                    after: entry.clone(),
                });
                changes.extend(readability);
            }
            None => {
                let entry = RelayEntry::read(relay, received_at, unreadable);
                self.relays.insert(entry.relay.id.clone(), entry.clone());
                let readability = (!entry.unreadable.is_empty()).then(|| Change::Readability {
                    subject: Subject::Relay,
                    id: entry.relay.id.clone(),
                    name: name_or_id(&entry.relay.name, &entry.relay.id),
                    before: Unreadable::default(),
                    after: entry.unreadable.clone(),
                    at: received_at,
                });
                changes.push(Change::Relay {
                    before: None,
                    after: entry,
                });
                changes.extend(readability);
            }
        }
    }

    /// Applies a `system_stats_update`; stats always count as a change (they carry time).
    /// The console applies reads ([`PlantState::apply_stats_read`]); this form is for tests.
    #[cfg(test)]
    pub(crate) fn apply_stats(
        &mut self,
        stats: SystemStats,
        received_at: UnixSeconds,
        changes: &mut Vec<Change>,
    ) {
        self.apply_stats_read(stats, Unreadable::default(), received_at, changes);
    }

    /// Applies stats with the figures that could not be read.
    pub(crate) fn apply_stats_read(
        &mut self,
        mut stats: SystemStats,
        unreadable: Unreadable,
        received_at: UnixSeconds,
        changes: &mut Vec<Change>,
    ) {
        let was = match &self.stats {
            Some(before) => {
                if !unreadable.is_empty() {
                    keep_readable_stats(&before.stats, &mut stats, &unreadable);
                }
                before.unreadable.clone()
            }
            None => Unreadable::default(),
        };
        let entry = StatsEntry::read(stats, received_at, unreadable);
        let readability = (was != entry.unreadable).then(|| Change::Readability {
            subject: Subject::Stats,
            id: "system".to_owned(),
            name: "Server".to_owned(),
            before: was,
            after: entry.unreadable.clone(),
            at: received_at,
        });
        self.stats = Some(entry.clone());
        changes.push(Change::Stats(entry));
        changes.extend(readability);
    }
}

#[cfg(test)]
mod tests;
