//! The console's in-memory picture of the plant: the last-known device, relay and stats
//! values, and the differences each update makes.
//!
//! Everything downstream (store, alerts, UI) works from the [`Change`]s this module
//! produces, never from raw frames, so a snapshot that repeats what is already known
//! causes no writes and no alerts.

use std::collections::HashMap;
use std::sync::Arc;

use plant_protocol::{Device, DevicesUpdate, Relay, RelaysUpdate, SystemStats, UnixSeconds};
use serde::{Deserialize, Serialize};

/// A device as last received, with the local time it arrived.
///
/// The device is shared, not copied: one update's device is read by the plant state, the
/// UI batch, the pending store write and the alert engine, and copying it (strings and the
/// map of extra fields) for each was a fifth of the ingest path's time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceEntry {
    pub device: Arc<Device>,
    pub received_at: UnixSeconds,
}

/// A relay as last received, with the local time it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelayEntry {
    pub relay: Relay,
    pub received_at: UnixSeconds,
}

/// The server's system stats as last received, with the local time they arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsEntry {
    pub stats: SystemStats,
    pub received_at: UnixSeconds,
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
}

/// Last-known state of every device and relay and of the server's stats.
#[derive(Debug, Default, Clone)]
pub struct PlantState {
    devices: HashMap<String, DeviceEntry>,
    relays: HashMap<String, RelayEntry>,
    stats: Option<StatsEntry>,
}

impl PlantState {
    /// A state restored from the store at start-up.
    pub fn from_parts(
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

    pub fn device(&self, id: &str) -> Option<&DeviceEntry> {
        self.devices.get(id)
    }

    pub fn relay(&self, id: &str) -> Option<&RelayEntry> {
        self.relays.get(id)
    }

    pub fn stats(&self) -> Option<&StatsEntry> {
        self.stats.as_ref()
    }

    /// Applies a `devices_update`; a snapshot also removes every device it does not list.
    pub fn apply_devices(
        &mut self,
        update: DevicesUpdate,
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
        for device in update.devices {
            match self.devices.get_mut(&device.id) {
                // An unchanged device keeps its receive time, which says when this value
                // first arrived; that the link is live is the link's to say, not a row's.
                Some(entry) if *entry.device == device => {}
                Some(entry) => {
                    let before = std::mem::replace(&mut entry.device, Arc::new(device));
                    entry.received_at = received_at;
                    changes.push(Change::Device {
                        before: Some(before),
                        after: entry.clone(),
                    });
                }
                None => {
                    let entry = DeviceEntry {
                        device: Arc::new(device),
                        received_at,
                    };
                    self.devices.insert(entry.device.id.clone(), entry.clone());
                    changes.push(Change::Device {
                        before: None,
                        after: entry,
                    });
                }
            }
        }
    }

    /// Applies a `relays_update`; a snapshot also removes every relay it does not list.
    pub fn apply_relays(
        &mut self,
        update: RelaysUpdate,
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
        for relay in update.relays {
            match self.relays.get_mut(&relay.id) {
                Some(entry) if entry.relay == relay => {}
                Some(entry) => {
                    let before = std::mem::replace(&mut entry.relay, relay);
                    entry.received_at = received_at;
                    changes.push(Change::Relay {
                        before: Some(before),
                        after: entry.clone(),
                    });
                }
                None => {
                    let entry = RelayEntry { relay, received_at };
                    self.relays.insert(entry.relay.id.clone(), entry.clone());
                    changes.push(Change::Relay {
                        before: None,
                        after: entry,
                    });
                }
            }
        }
    }

    /// Applies a `system_stats_update`; stats always count as a change (they carry time).
    pub fn apply_stats(
        &mut self,
        stats: SystemStats,
        received_at: UnixSeconds,
        changes: &mut Vec<Change>,
    ) {
        let entry = StatsEntry { stats, received_at };
        self.stats = Some(entry.clone());
        changes.push(Change::Stats(entry));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plant_protocol::DeviceStatus;
    use serde_json::Map;

    fn device(id: &str, value: f64) -> Device {
        Device {
            id: id.into(),
            name: format!("Device {id}"),
            kind: "temperature".into(),
            status: DeviceStatus::Online,
            value: Some(value),
            unit: Some("\u{b0}C".into()),
            last_seen: 1.0,
            extra: Map::new(),
        }
    }

    fn devices(list: Vec<Device>, snapshot: bool) -> DevicesUpdate {
        DevicesUpdate {
            devices: list,
            snapshot,
            server_time: 2.0,
        }
    }

    #[test]
    fn snapshot_removes_devices_it_does_not_list() {
        let mut state = PlantState::default();
        let mut changes = Vec::new();
        state.apply_devices(
            devices(vec![device("a", 1.0), device("b", 2.0)], true),
            10.0,
            &mut changes,
        );
        assert_eq!(changes.len(), 2);
        changes.clear();
        state.apply_devices(devices(vec![device("b", 2.0)], true), 11.0, &mut changes);
        assert_eq!(
            changes,
            vec![Change::DeviceRemoved(device("a", 1.0).into())]
        );
        assert!(state.device("a").is_none());
        assert_eq!(
            state.device("b").unwrap().received_at,
            10.0,
            "an unchanged value keeps its time"
        );
    }

    #[test]
    fn partial_update_only_upserts() {
        let mut state = PlantState::default();
        let mut changes = Vec::new();
        state.apply_devices(
            devices(vec![device("a", 1.0), device("b", 2.0)], true),
            10.0,
            &mut changes,
        );
        changes.clear();
        state.apply_devices(devices(vec![device("b", 3.0)], false), 12.0, &mut changes);
        assert_eq!(changes.len(), 1);
        let Change::Device { before, after } = &changes[0] else {
            panic!()
        };
        assert_eq!(before.as_ref().unwrap().value, Some(2.0));
        assert_eq!(after.device.value, Some(3.0));
        assert!(state.device("a").is_some());
    }

    #[test]
    fn repeated_snapshot_of_the_same_plant_changes_nothing() {
        let mut state = PlantState::default();
        let mut changes = Vec::new();
        let list = vec![device("a", 1.0)];
        state.apply_devices(devices(list.clone(), true), 10.0, &mut changes);
        changes.clear();
        state.apply_devices(devices(list, true), 20.0, &mut changes);
        assert!(changes.is_empty());
    }

    #[test]
    fn relay_snapshot_removes_and_upserts() {
        let relay = |id: &str, on: bool| Relay {
            id: id.into(),
            name: "Pump".into(),
            device_id: None,
            state: on,
            changed_at: 1.0,
            changed_by: None,
            extra: Map::new(),
        };
        let mut state = PlantState::default();
        let mut changes = Vec::new();
        state.apply_relays(
            RelaysUpdate {
                relays: vec![relay("r1", false), relay("r2", true)],
                snapshot: true,
                server_time: 1.0,
            },
            1.0,
            &mut changes,
        );
        changes.clear();
        state.apply_relays(
            RelaysUpdate {
                relays: vec![relay("r1", true)],
                snapshot: true,
                server_time: 2.0,
            },
            2.0,
            &mut changes,
        );
        assert_eq!(changes.len(), 2);
        assert!(matches!(&changes[0], Change::RelayRemoved(r) if r.id == "r2"));
        assert!(
            matches!(&changes[1], Change::Relay { before: Some(b), after } if !b.state && after.relay.state)
        );
    }
}
