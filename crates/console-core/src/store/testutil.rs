//! Builders shared by the store's unit tests: plant objects, changes and a cache in a
//! temporary folder written through the real batched write path.

use plant_protocol::{Device, DeviceStatus, Relay, SystemStats};
use rusqlite::Connection;
use serde_json::Map;

use super::{open, PendingWrites, StoreWriter};
use crate::state::{Change, DeviceEntry, RelayEntry, StatsEntry};
use plant_link::link::{LinkMode, LinkState};

pub(super) fn device(id: &str, value: Option<f64>, status: DeviceStatus, at: f64) -> DeviceEntry {
    DeviceEntry {
        device: std::sync::Arc::new(Device {
            id: id.into(),
            name: format!("Boiler {id}"),
            kind: "temperature".into(),
            status,
            value,
            unit: Some("\u{b0}C".into()),
            last_seen: at,
            extra: Default::default(),
        }),
        received_at: at,
        unreadable: Default::default(),
        quality: Default::default(),
    }
}

/// A change of device `id` to `value` (online) received at `at`.
pub(super) fn reading(id: &str, value: f64, at: f64) -> Change {
    Change::Device {
        before: None,
        after: device(id, Some(value), DeviceStatus::Online, at),
    }
}

pub(super) fn relay(id: &str, name: &str, state: bool, by: Option<&str>, at: f64) -> RelayEntry {
    RelayEntry {
        relay: Relay {
            id: id.into(),
            name: name.into(),
            device_id: None,
            state,
            changed_at: at,
            changed_by: by.map(str::to_owned),
            extra: Map::new(),
        },
        received_at: at,
        unreadable: Default::default(),
        quality: Default::default(),
    }
}

pub(super) fn stats(cpu: f64, clients: u64, at: f64) -> Change {
    Change::Stats(StatsEntry {
        stats: SystemStats {
            cpu_percent: cpu,
            memory_percent: 50.0,
            disk_percent: 70.0,
            uptime_s: 10.0,
            clients,
            server_time: at,
            extra: Map::new(),
        },
        received_at: at,
        unreadable: Default::default(),
        quality: Default::default(),
    })
}

/// A fresh cache in its own temporary folder (kept alive by the returned guard).
pub(super) fn fresh() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let conn = open(dir.path()).unwrap();
    (dir, conn)
}

/// Writes each batch through a `StoreWriter`, one transaction per batch as the console
/// does, and returns a connection for reading back.
pub(super) fn write_batches(batches: Vec<PendingWrites>) -> (tempfile::TempDir, Connection) {
    let (dir, conn) = fresh();
    let writer = StoreWriter::spawn(conn);
    for batch in batches {
        writer.flush(batch).unwrap();
    }
    writer.close(PendingWrites::default()).unwrap();
    let conn = open(dir.path()).unwrap();
    (dir, conn)
}

/// Feeds link states `(mode, since)` in order, each after the one before, as the runtime
/// sees them; the first step is only the starting point.
pub(super) fn walk(pending: &mut PendingWrites, steps: &[(LinkMode, f64)]) {
    let state = |&(mode, since): &(LinkMode, f64)| LinkState {
        mode,
        since,
        detail: None,
        address: Default::default(),
    };
    for pair in steps.windows(2) {
        pending.link_changed(&state(&pair[0]), &state(&pair[1]), None);
    }
}
