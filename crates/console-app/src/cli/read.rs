//! Opening a plant's cache for the reading commands: read-only, never created, migrated
//! or set aside, and a missing cache said as such rather than read as an empty plant.

use std::path::{Path, PathBuf};

use console_core::store::{self, JournalEntry, StoredState};

use super::PlantChoice;

/// Why a reading command could not read the cache.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Choice(#[from] store::PlantChoiceError),
    #[error(
        "there is no cache in {0}: no console has run on this data folder yet (or pass \
         --data-dir for another one)"
    )]
    NoCache(PathBuf),
    #[error("cannot read the cache in {dir}: {problem}")]
    Store {
        dir: PathBuf,
        problem: store::StoreError,
    },
}

/// Opens the cache a reading command reads (`state`, `journal`, `outbox`, `audit
/// verify`), read-only: the plant's (see [`store::resolve_plant`]), never created,
/// migrated, renamed or set aside. A missing cache is an error, not an empty report: an
/// empty answer would read as "the plant has nothing".
pub fn open_for_reading(
    data_dir: &Path,
    plant: &PlantChoice,
) -> Result<store::ReadOnly, ReadError> {
    let Some(cache) = store::resolve_plant(data_dir, plant.name.as_deref())? else {
        return Err(ReadError::NoCache(data_dir.to_owned()));
    };
    match store::open_read_only(&cache.dir) {
        Ok(Some(conn)) => Ok(conn),
        Ok(None) => Err(ReadError::NoCache(cache.dir)),
        Err(problem) => Err(ReadError::Store {
            dir: cache.dir,
            problem,
        }),
    }
}

/// The plant and cache folder `relay set` queues into: the named plant's, else the data
/// folder's only one. Several plants without a name, a name the folder does not know, a
/// folder without a plant, and a cache from before commands recorded their plant are all
/// refused with a message that says what to do.
pub fn relay_target(
    data_dir: &Path,
    plant: &PlantChoice,
) -> Result<(console_core::PlantId, PathBuf), store::PlantChoiceError> {
    match store::resolve_plant(data_dir, plant.name.as_deref())? {
        Some(store::PlantCache {
            plant: Some(id),
            dir,
            ..
        }) => Ok((id, dir)),
        Some(store::PlantCache { plant: None, .. }) => Err(store::PlantChoiceError::Legacy {
            data_dir: data_dir.to_owned(),
        }),
        None => Err(store::PlantChoiceError::None {
            data_dir: data_dir.to_owned(),
        }),
    }
}

/// Reads journal entries from the plant's cache in `data_dir` without changing it.
pub fn read_journal(
    data_dir: &Path,
    plant: &PlantChoice,
    kind: Option<&str>,
    since: Option<f64>,
    until: Option<f64>,
    limit: u32,
) -> Result<Vec<JournalEntry>, ReadError> {
    let conn = open_for_reading(data_dir, plant)?;
    let read = match kind {
        Some(kind) => store::journal_of_kind(&conn, kind, since, until, limit),
        None => store::journal(&conn, since, until, limit),
    };
    read.map_err(|problem| ReadError::Store {
        dir: data_dir.to_owned(),
        problem,
    })
}

/// Which address the console on this cache was on, as its journal last said: the last
/// failover's destination, or the primary (`plant.json`'s address) when it never failed
/// over. Read from the cache, so it is what a console recorded, not a live look.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LinkAddressReport {
    pub address: Option<String>,
    pub index: usize,
    pub role: String,
    /// Failovers counted by the console that recorded the last one, since its start.
    pub failovers: u64,
    pub last_failover_at: Option<f64>,
    pub last_failover_from: Option<String>,
}

/// Reads [`LinkAddressReport`] from the plant's cache in `data_dir` without changing it.
pub fn read_link_address(
    data_dir: &Path,
    plant: &PlantChoice,
) -> Result<LinkAddressReport, ReadError> {
    let primary =
        store::resolve_plant(data_dir, plant.name.as_deref())?.and_then(|cache| cache.address);
    let conn = open_for_reading(data_dir, plant)?;
    let last = store::journal_of_kind(&conn, store::journal_kind::FAILOVER, None, None, 1)
        .map_err(|problem| ReadError::Store {
            dir: data_dir.to_owned(),
            problem,
        })?
        .pop();
    Ok(match last {
        None => LinkAddressReport {
            address: primary,
            role: "primary".into(),
            ..LinkAddressReport::default()
        },
        Some(entry) => {
            let text = |key: &str| entry.data[key].as_str().map(str::to_owned);
            LinkAddressReport {
                address: text("to"),
                index: entry.data["index"].as_u64().unwrap_or(0) as usize,
                role: text("role").unwrap_or_else(|| "standby".into()),
                failovers: entry.data["failovers"].as_u64().unwrap_or(1),
                last_failover_at: Some(entry.at),
                last_failover_from: text("from"),
            }
        }
    })
}

/// Reads the last-known state from the plant's cache in `data_dir` without changing it.
pub fn read_state(data_dir: &Path, plant: &PlantChoice) -> Result<StoredState, ReadError> {
    let conn = open_for_reading(data_dir, plant)?;
    store::load_state(&conn).map_err(|problem| ReadError::Store {
        dir: data_dir.to_owned(),
        problem,
    })
}
