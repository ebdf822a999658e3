//! The console's SQLite cache: schema, connection set-up and the batched write path.
//!
//! SQL lives only in the per-table modules; writes are coalesced while the writer is
//! busy, so a burst from the plant costs at most one row per device per transaction and
//! never makes the link wait for the disk. The store imports no feature: the rows it
//! keeps for alerts, commands and the audit trail are typed in its table modules.
//!
//! - `error.rs`: [`StoreError`].
//! - `blocking.rs`: [`blocking`], how async code runs store work.
//! - `migrations.rs`: the schema's migrations, append only.
//! - `open.rs`: opening a cache for writing, again, or read only; the data folder's lock.
//! - `recovery.rs`: checking a cache and setting a damaged one aside.
//! - `restore.rs`: the last-known state read back at start.
//! - `pending.rs`: writes waiting for the writer, merged per row.
//! - `writer.rs`: the writer thread, its retries on a full disk and the cache's status.
//! - `checkpoint.rs`: keeping the WAL small beside the writer.
//! - table modules: `meta`, `devices`, `relays`, `stats`, `history` (with `record.rs`,
//!   one sample per device per second, and `retention.rs`, which thins it), `gaps`,
//!   `journal`, `outbox`, `audit` (with `anchor.rs`, its head kept beside the cache),
//!   `alerts`, `plants` (one cache per plant).

pub mod alarm_requests;
pub mod alarms;
pub(crate) mod alerts;
pub(crate) mod anchor;
pub(crate) mod audit;
mod blocking;
mod checkpoint;
mod devices;
mod error;
mod gaps;
mod history;
mod journal;
mod meta;
mod migrations;
mod open;
pub(crate) mod outbox;
mod pending;
pub mod plants;
mod record;
mod recovery;
mod relays;
mod restore;
mod retention;
mod stats;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;
mod writer;

pub use blocking::blocking;
pub use error::StoreError;
pub use gaps::{gaps, Gap};
pub use history::{area_trend, device_history, stats_history, StatsSample};
pub(crate) use journal::{append_journal, describe_failover};
pub use journal::{
    journal, journal_of_kind, kind as journal_kind, Appearances, JournalEntry, NewJournalEntry,
};
pub(crate) use meta::{get_meta, set_meta, AUDIT_HEAD};
pub(crate) use open::lock_data_dir;
pub use open::{
    check_all_later, open, open_again, open_read_only, open_reporting, Opened, ReadOnly, DB_FILE,
};
pub use pending::PendingWrites;
pub use plants::{resolve as resolve_plant, PlantCache, PlantChoiceError};
pub(crate) use recovery::{civil_from_days, utc_text};
pub use restore::{load_state, StoredState};
pub use retention::DEFAULT_RETENTION as DEFAULT_HISTORY_RETENTION;
pub use writer::{CacheStatus, StoreWriter};
