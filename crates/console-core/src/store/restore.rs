//! The last-known state read back from the cache at start (and by `plant-console state`).

use plant_protocol::UnixSeconds;
use rusqlite::Connection;
use serde::Serialize;

use super::{devices, meta, relays, stats, StoreError};
use crate::state::{DeviceEntry, RelayEntry, StatsEntry};

/// Everything the cache knows, as read at start-up or by `plant-console state`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StoredState {
    pub devices: Vec<DeviceEntry>,
    pub relays: Vec<RelayEntry>,
    pub system_stats: Option<StatsEntry>,
    pub last_contact: Option<UnixSeconds>,
}

/// Reads the whole last-known state.
pub fn load_state(conn: &Connection) -> Result<StoredState, StoreError> {
    Ok(StoredState {
        devices: devices::all(conn)?,
        relays: relays::all(conn)?,
        system_stats: stats::get(conn)?,
        last_contact: meta::get(conn, meta::LAST_CONTACT)?,
    })
}
