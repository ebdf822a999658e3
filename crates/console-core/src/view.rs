//! What the console shows, as serializable values: the UI's snapshot and its update
//! batches, and the batcher that coalesces changes into at most one batch per frame.
//!
//! These types are the IPC contract with `ui/src/types.ts`; field names are snake_case.

use std::collections::{HashMap, HashSet};

use plant_protocol::UnixSeconds;
use serde::Serialize;

use crate::alarms::{AlarmStatus, AlarmView};
use crate::alerts::{AlertFeed, AlertStatus, AlertView};
use crate::bounds::CapsReached;
use crate::quality::Quality;
use crate::state::{Change, DeviceEntry, RelayEntry, StatsEntry};
pub use crate::store::CacheStatus;
use plant_link::link::{AddressRole, LinkMode, LinkState, Telemetry, Unusable};

/// The link as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LinkStatus {
    pub mode: LinkMode,
    pub since: UnixSeconds,
    pub last_message_at: Option<UnixSeconds>,
    pub last_contact: Option<UnixSeconds>,
    pub detail: Option<String>,
    /// What the link mode says about every value shown (good only when live); the
    /// window combines it with each entry's own quality, the worse one wins.
    pub quality: Quality,
    /// Frames and items the plant sent that the console could not use.
    pub unusable: Unusable,
    /// The plant address the link is on (never with credentials), its place in the
    /// list (0: the primary) and role, and how many addresses the plant has.
    pub address: String,
    pub address_index: usize,
    pub address_role: AddressRole,
    pub addresses: usize,
    /// Failovers since start, and when the last one happened and from where.
    pub failovers: u64,
    pub last_failover_at: Option<UnixSeconds>,
    pub last_failover_from: Option<String>,
}

impl LinkStatus {
    pub fn new(
        state: &LinkState,
        telemetry: &Telemetry,
        stored_last_contact: Option<UnixSeconds>,
    ) -> Self {
        let last_message_at = telemetry.last_message_at();
        LinkStatus {
            mode: state.mode,
            since: state.since,
            last_message_at,
            last_contact: last_message_at.or(stored_last_contact),
            detail: state.detail.clone(),
            quality: Quality::of_link(state.mode),
            unusable: telemetry.unusable(),
            address: state.address.current.clone(),
            address_index: state.address.index,
            address_role: state.address.role,
            addresses: state.address.count,
            failovers: state.address.failovers,
            last_failover_at: state.address.last_failover_at,
            last_failover_from: state.address.last_failover_from.clone(),
        }
    }
}

/// Everything the window needs to draw itself from nothing.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsoleSnapshot {
    pub demo: bool,
    pub server_url: String,
    /// The plant the console is on (its name, or its address when unnamed).
    pub plant: String,
    pub link: LinkStatus,
    pub devices: Vec<DeviceEntry>,
    pub relays: Vec<RelayEntry>,
    pub system_stats: Option<StatsEntry>,
    /// The time-to-live of a new operator command, for the "queue until HH:MM" question.
    pub command_ttl_s: f64,
    pub read_only: bool,
    /// Where a damaged local cache was moved at start-up (a fresh one replaced it), for
    /// the window to tell the operator; `None` when the cache opened normally.
    pub recovered_from: Option<String>,
    /// Unacknowledged alerts, mute and shelves, as the tray shows them.
    pub alert_status: AlertStatus,
    /// The alarm banner's status (the summary itself is `Console::alarms`).
    pub alarm_status: AlarmStatus,
    /// How often the plant went past the console's caps (see `bounds`); the window shows
    /// a notice while any count is above zero.
    pub caps: CapsReached,
    /// Whether the cache keeps up: "cache not saved since HH:MM" while writes fail.
    pub cache: CacheStatus,
}

/// Changes since the previous batch: upserts and removals by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UpdateBatch {
    pub link: Option<LinkStatus>,
    pub devices: Vec<DeviceEntry>,
    pub removed_devices: Vec<String>,
    pub relays: Vec<RelayEntry>,
    pub removed_relays: Vec<String>,
    pub system_stats: Option<StatsEntry>,
    /// Alerts raised since the previous batch, oldest first (at most [`BATCH_ALERTS`]; the
    /// whole list is `Console::alerts`).
    pub alerts: Vec<AlertView>,
    pub alert_status: Option<AlertStatus>,
    /// Alarms whose state changed since the previous batch (upserts by id).
    pub alarms: Vec<AlarmView>,
    /// The alarm banner's status, when it changed.
    pub alarm_status: Option<AlarmStatus>,
    /// The caps' counts, when they changed since the previous batch.
    pub caps: Option<CapsReached>,
    /// The cache's status, when it changed.
    pub cache: Option<CacheStatus>,
}

/// The most alerts one batch carries. In a flood the window needs the newest and the
/// count (in the status), not a thousand rows at once.
pub const BATCH_ALERTS: usize = 100;

/// Accumulates changes between UI frames; later changes to one id replace earlier ones,
/// so a burst of a thousand updates to one device crosses the IPC boundary once.
#[derive(Debug, Default)]
pub struct Batcher {
    link: Option<LinkStatus>,
    devices: HashMap<String, DeviceEntry>,
    removed_devices: HashSet<String>,
    relays: HashMap<String, RelayEntry>,
    removed_relays: HashSet<String>,
    stats: Option<StatsEntry>,
    alerts: std::collections::VecDeque<AlertView>,
    alert_status: Option<AlertStatus>,
    alarms: std::collections::BTreeMap<i64, AlarmView>,
    alarm_status: Option<AlarmStatus>,
    caps: Option<CapsReached>,
    cache: Option<CacheStatus>,
}

impl Batcher {
    pub fn is_empty(&self) -> bool {
        self.link.is_none()
            && self.devices.is_empty()
            && self.removed_devices.is_empty()
            && self.relays.is_empty()
            && self.removed_relays.is_empty()
            && self.stats.is_none()
            && self.alerts.is_empty()
            && self.alert_status.is_none()
            && self.alarms.is_empty()
            && self.alarm_status.is_none()
            && self.caps.is_none()
            && self.cache.is_none()
    }

    /// The cache's status changed; only the latest is kept.
    pub fn cache(&mut self, status: CacheStatus) {
        self.cache = Some(status);
    }

    /// Takes the caps' counts after a cap was reached; only the latest is kept.
    pub fn caps(&mut self, caps: CapsReached) {
        self.caps = Some(caps);
    }

    /// Takes what the alert engine reports; only the latest status is kept.
    pub(crate) fn alert(&mut self, feed: AlertFeed) {
        match feed {
            AlertFeed::Alert(alert) => {
                if self.alerts.len() == BATCH_ALERTS {
                    self.alerts.pop_front();
                }
                self.alerts.push_back(alert);
            }
            AlertFeed::Status(status) => self.alert_status = Some(status),
            AlertFeed::Alarms { changed, status } => {
                for alarm in changed {
                    self.alarms.insert(alarm.id, alarm);
                }
                self.alarm_status = Some(status);
            }
        }
    }

    pub fn link(&mut self, status: LinkStatus) {
        self.link = Some(status);
    }

    pub fn push(&mut self, change: &Change) {
        match change {
            Change::Device { after, .. } => {
                // A burst updates the same devices again and again between two frames:
                // the entry is replaced in place, without hashing into an empty set of
                // removals or copying the id for a key the map already holds.
                if !self.removed_devices.is_empty() {
                    self.removed_devices.remove(&after.device.id);
                }
                match self.devices.get_mut(after.device.id.as_str()) {
                    Some(held) => held.clone_from(after),
                    None => {
                        self.devices.insert(after.device.id.clone(), after.clone());
                    }
                }
            }
            Change::DeviceRemoved(device) => {
                self.devices.remove(&device.id);
                self.removed_devices.insert(device.id.clone());
            }
            Change::Relay { after, .. } => {
                self.removed_relays.remove(&after.relay.id);
                self.relays.insert(after.relay.id.clone(), after.clone());
            }
            Change::RelayRemoved(relay) => {
                self.relays.remove(&relay.id);
                self.removed_relays.insert(relay.id.clone());
            }
            Change::Stats(entry) => self.stats = Some(entry.clone()),
            // The entry's own change carries its marks and quality.
            Change::Readability { .. } => {}
        }
    }

    /// Takes the accumulated batch, leaving the batcher empty.
    pub fn take(&mut self) -> UpdateBatch {
        let taken = std::mem::take(self);
        UpdateBatch {
            link: taken.link,
            devices: taken.devices.into_values().collect(),
            removed_devices: taken.removed_devices.into_iter().collect(),
            relays: taken.relays.into_values().collect(),
            removed_relays: taken.removed_relays.into_iter().collect(),
            system_stats: taken.stats,
            alerts: taken.alerts.into(),
            alert_status: taken.alert_status,
            alarms: taken.alarms.into_values().collect(),
            alarm_status: taken.alarm_status,
            caps: taken.caps,
            cache: taken.cache,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plant_protocol::{Device, DeviceStatus};

    fn entry(id: &str, value: f64) -> DeviceEntry {
        DeviceEntry::new(
            std::sync::Arc::new(Device {
                id: id.into(),
                name: id.into(),
                kind: "level".into(),
                status: DeviceStatus::Online,
                value: Some(value),
                unit: Some("%".into()),
                last_seen: 1.0,
                extra: Default::default(),
            }),
            2.0,
        )
    }

    #[test]
    fn a_burst_to_one_device_becomes_one_upsert() {
        let mut batcher = Batcher::default();
        for value in 0..1000 {
            batcher.push(&Change::Device {
                before: None,
                after: entry("d", f64::from(value)),
            });
        }
        let batch = batcher.take();
        assert_eq!(batch.devices, vec![entry("d", 999.0)]);
        assert!(batcher.is_empty());
    }

    #[test]
    fn removal_after_upsert_wins_and_upsert_after_removal_wins() {
        let mut batcher = Batcher::default();
        batcher.push(&Change::Device {
            before: None,
            after: entry("a", 1.0),
        });
        batcher.push(&Change::DeviceRemoved(entry("a", 1.0).device));
        batcher.push(&Change::DeviceRemoved(entry("b", 1.0).device));
        batcher.push(&Change::Device {
            before: None,
            after: entry("b", 2.0),
        });
        let batch = batcher.take();
        assert_eq!(batch.removed_devices, vec!["a".to_owned()]);
        assert_eq!(batch.devices, vec![entry("b", 2.0)]);
    }

    #[test]
    fn a_flood_of_alerts_keeps_the_newest_in_a_batch_and_only_the_latest_status() {
        use crate::alerts::{AlertKind, Severity};
        let mut batcher = Batcher::default();
        for id in 0..250 {
            batcher.alert(AlertFeed::Alert(AlertView {
                id,
                at: 1.0,
                kind: AlertKind::DeviceOffline,
                severity: Severity::High,
                subject: format!("d{id}"),
                title: String::new(),
                body: String::new(),
                title_message: None,
                body_message: None,
                notified: false,
                suppressed: Some("flood".into()),
                acked_at: None,
                acked_by: None,
            }));
            batcher.alert(AlertFeed::Status(AlertStatus {
                unacked: u32::try_from(id).unwrap() + 1,
                ..AlertStatus::default()
            }));
        }
        let batch = batcher.take();
        let ids: Vec<i64> = batch.alerts.iter().map(|a| a.id).collect();
        assert_eq!(ids, (150..250).collect::<Vec<i64>>());
        assert_eq!(batch.alert_status.unwrap().unacked, 250);
        assert!(batcher.is_empty());
    }
}
