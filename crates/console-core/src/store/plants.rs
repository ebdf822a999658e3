//! Where each plant's cache lives in a data folder: `<data-dir>/plants/<plant-key>/`, with
//! a `plant.json` naming the plant; the adoption of a cache from before this layout; and
//! the choice of cache for the command line's readers and `relay set`.
//!
//! One cache per plant is what keeps a console pointed at plant B from ever showing plant
//! A's devices, relays, history or alerts as B's: it never opens A's file. The settings,
//! the token file, the logs and the single-instance lock stay per data folder.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{lock_data_dir, StoreError, DB_FILE};
use plant_link::config::PlantId;

/// The folder of the data folder that holds one folder per plant.
pub const PLANTS_DIR: &str = "plants";

/// The file in a plant's folder that names the plant.
pub const PLANT_FILE: &str = "plant.json";

/// What `plant.json` says: which plant the cache belongs to and where it was last reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantRecord {
    pub id: PlantId,
    /// The address the plant was last reached at (credentials never appear here).
    pub address: String,
}

/// A plant's cache folder in a data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantCache {
    /// `None` for a cache from before the per-plant layout, which records no plant.
    pub plant: Option<PlantId>,
    /// The folder holding `console.db`: give it to [`super::open`] and friends.
    pub dir: PathBuf,
    /// The address `plant.json` names, if any.
    pub address: Option<String>,
}

/// Why no single plant cache could be chosen.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PlantChoiceError {
    #[error(
        "the data folder {data_dir} holds the caches of several plants ({known}); \
         say which with --plant NAME"
    )]
    Ambiguous { data_dir: PathBuf, known: String },
    #[error("the data folder {data_dir} holds no cache of plant {name:?} (it holds: {known})")]
    Unknown {
        data_dir: PathBuf,
        name: String,
        known: String,
    },
    #[error(
        "the data folder {data_dir} holds no plant cache yet: start the console for the \
         plant once, or name the plant with --plant NAME"
    )]
    None { data_dir: PathBuf },
    #[error(
        "the cache in {data_dir} is from an older Plant Console and records no plant; \
         start the console once to adopt it"
    )]
    Legacy { data_dir: PathBuf },
    #[error("cannot read the plant caches in {data_dir}: {message}")]
    Read { data_dir: PathBuf, message: String },
}

/// The folder of `plant`'s cache in `data_dir` (it may not exist yet).
pub fn cache_dir(data_dir: &Path, plant: &PlantId) -> PathBuf {
    data_dir.join(PLANTS_DIR).join(plant.key())
}

/// Makes `plant`'s cache folder ready for a console: creates it, records the plant and
/// its address in `plant.json`, and, the first time, adopts a cache from before the
/// per-plant layout (`<data-dir>/console.db`) as this plant's. Returns the folder.
///
/// The adopted cache is the one the data folder's console used last, so it is adopted by
/// the first console started after the upgrade. Its queued commands record no plant and
/// are never sent: the outbox ends them as "plant changed".
pub fn prepare(data_dir: &Path, plant: &PlantId, address: &str) -> Result<PathBuf, StoreError> {
    let dir = cache_dir(data_dir, plant);
    std::fs::create_dir_all(&dir).map_err(|source| StoreError::DataDir {
        path: dir.clone(),
        source,
    })?;
    adopt_legacy(data_dir, &dir)?;
    let record = PlantRecord {
        id: plant.clone(),
        address: address.to_owned(),
    };
    let path = dir.join(PLANT_FILE);
    let current = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str::<PlantRecord>(&text).ok());
    if current.as_ref() != Some(&record) {
        let temporary = dir.join(format!("{PLANT_FILE}.new"));
        let text = serde_json::to_string_pretty(&record)?;
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &path))
            .map_err(|source| StoreError::DataDir {
                path: path.clone(),
                source,
            })?;
    }
    Ok(dir)
}

/// Moves `<data-dir>/console.db` (and its WAL, shared memory and damage note) into
/// `dir`, unless `dir` already holds a cache. Done under the data folder's open lock, so
/// a command-line program opening the old file meanwhile waits or finds it gone.
fn adopt_legacy(data_dir: &Path, dir: &Path) -> Result<(), StoreError> {
    let legacy = data_dir.join(DB_FILE);
    if !legacy.exists() || dir.join(DB_FILE).exists() {
        return Ok(());
    }
    let _lock = lock_data_dir(data_dir)?;
    if !legacy.exists() {
        return Ok(());
    }
    // The database first: once it has moved, the rest follows it. A WAL left behind
    // would be lost, so the WAL moves before anyone could open the moved file.
    for suffix in ["-wal", "-shm", ".damaged"] {
        let from = data_dir.join(format!("{DB_FILE}{suffix}"));
        if from.exists() {
            let to = dir.join(format!("{DB_FILE}{suffix}"));
            std::fs::rename(&from, &to)
                .map_err(|source| StoreError::DataDir { path: from, source })?;
        }
    }
    std::fs::rename(&legacy, dir.join(DB_FILE)).map_err(|source| StoreError::DataDir {
        path: legacy.clone(),
        source,
    })?;
    tracing::info!(from = %legacy.display(), to = %dir.display(), "cache adopted into the per-plant layout");
    Ok(())
}

/// Every plant cache in `data_dir` (from `plants/*/plant.json`), sorted by plant id.
/// Reads only; a folder without a readable `plant.json` is skipped.
pub fn known(data_dir: &Path) -> Result<Vec<PlantCache>, PlantChoiceError> {
    let root = data_dir.join(PLANTS_DIR);
    let entries = match std::fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => {
            return Err(PlantChoiceError::Read {
                data_dir: data_dir.to_owned(),
                message: error.to_string(),
            })
        }
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let dir = entry.path();
        let Some(record) = std::fs::read_to_string(dir.join(PLANT_FILE))
            .ok()
            .and_then(|text| serde_json::from_str::<PlantRecord>(&text).ok())
        else {
            continue;
        };
        found.push(PlantCache {
            plant: Some(record.id),
            dir,
            address: Some(record.address),
        });
    }
    found.sort_by(|a, b| a.plant.cmp(&b.plant));
    Ok(found)
}

fn names(caches: &[PlantCache]) -> String {
    caches
        .iter()
        .map(|cache| {
            let id = cache.plant.as_ref().map_or("?", PlantId::as_str);
            match &cache.address {
                Some(address) if address != id => format!("{id} at {address}"),
                _ => id.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which plant cache a command-line program on `data_dir` uses: the one named by `name`
/// (a plant name, or a plant URL, matched by identity), else the data folder's only one.
/// Several without a name is an error that lists them. A data folder with only a cache
/// from before the per-plant layout answers that cache (`plant: None`); one with no cache
/// at all answers `Ok(None)`, for readers to show as empty. Never creates, moves or
/// changes anything.
pub fn resolve(
    data_dir: &Path,
    name: Option<&str>,
) -> Result<Option<PlantCache>, PlantChoiceError> {
    let caches = known(data_dir)?;
    let legacy = data_dir.join(DB_FILE).exists().then(|| PlantCache {
        plant: None,
        dir: data_dir.to_owned(),
        address: None,
    });
    if let Some(name) = name {
        let wanted = wanted_ids(name);
        if let Some(cache) = caches
            .iter()
            .find(|cache| cache.plant.as_ref().is_some_and(|id| wanted.contains(id)))
        {
            return Ok(Some(cache.clone()));
        }
        return Err(PlantChoiceError::Unknown {
            data_dir: data_dir.to_owned(),
            name: name.to_owned(),
            known: if caches.is_empty() {
                "none".to_owned()
            } else {
                names(&caches)
            },
        });
    }
    match caches.len() {
        0 => Ok(legacy),
        1 => Ok(caches.into_iter().next()),
        _ => Err(PlantChoiceError::Ambiguous {
            data_dir: data_dir.to_owned(),
            known: names(&caches),
        }),
    }
}

/// The identities `name` may mean: the name itself, and the identity of the address if
/// it reads as a plant URL.
fn wanted_ids(name: &str) -> Vec<PlantId> {
    let mut ids = Vec::new();
    if let Ok(id) = PlantId::named(name) {
        ids.push(id);
    }
    if let Ok(url) = plant_link::config::PlantUrl::parse(name) {
        ids.push(PlantId::from_url(&url));
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plant(name: &str) -> PlantId {
        PlantId::named(name).unwrap()
    }

    #[test]
    fn a_legacy_cache_is_adopted_by_the_first_plant_and_only_once() {
        let dir = tempfile::tempdir().unwrap();
        drop(super::super::open(dir.path()).unwrap());
        assert!(dir.path().join(DB_FILE).exists());
        let a = prepare(dir.path(), &plant("line-a"), "http://a:1").unwrap();
        assert!(a.join(DB_FILE).exists());
        assert!(!dir.path().join(DB_FILE).exists());
        let b = prepare(dir.path(), &plant("line-b"), "http://b:1").unwrap();
        assert!(!b.join(DB_FILE).exists(), "B must not get A's cache");
        assert_ne!(a, b);
    }

    #[test]
    fn several_plants_need_a_name_and_a_name_or_address_finds_one() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(resolve(dir.path(), None), Ok(None));
        let a = prepare(dir.path(), &plant("line-a"), "http://a:1").unwrap();
        assert_eq!(resolve(dir.path(), None).unwrap().unwrap().dir, a);
        let url = plant_link::config::PlantUrl::parse("http://b.example:5000").unwrap();
        let b = prepare(dir.path(), &PlantId::from_url(&url), &url.to_string()).unwrap();
        let error = resolve(dir.path(), None).unwrap_err();
        assert!(matches!(error, PlantChoiceError::Ambiguous { .. }));
        let text = error.to_string();
        assert!(
            text.contains("line-a") && text.contains("http://b.example:5000"),
            "{text}"
        );
        assert!(text.contains("--plant NAME"), "{text}");
        assert_eq!(resolve(dir.path(), Some("line-a")).unwrap().unwrap().dir, a);
        assert_eq!(
            resolve(dir.path(), Some("ws://B.example:5000/"))
                .unwrap()
                .unwrap()
                .dir,
            b
        );
        assert!(matches!(
            resolve(dir.path(), Some("line-c")),
            Err(PlantChoiceError::Unknown { .. })
        ));
    }

    #[test]
    fn plant_keys_are_safe_folder_names_and_differ_for_different_plants() {
        let a = PlantId::from_stored("Line A/../x").key();
        assert!(
            a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{a}"
        );
        assert_ne!(plant("Line A").key(), plant("line a").key());
        assert_eq!(PlantId::demo().key(), PlantId::demo().key());
    }
}
