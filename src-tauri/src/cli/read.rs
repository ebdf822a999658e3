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

/// Reads the last-known state from the plant's cache in `data_dir` without changing it.
pub fn read_state(data_dir: &Path, plant: &PlantChoice) -> Result<StoredState, ReadError> {
    let conn = open_for_reading(data_dir, plant)?;
    store::load_state(&conn).map_err(|problem| ReadError::Store {
        dir: data_dir.to_owned(),
        problem,
    })
}
