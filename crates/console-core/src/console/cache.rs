//! Opening a plant's cache for the console, at start and on a move to another plant, and
//! ending the commands left in the other plants' caches of the data folder.

use std::path::{Path, PathBuf};

use crate::outbox::Outbox;
use crate::store::{self, StoreError};
use plant_link::config::PlantId;

/// Another plant's cache, opened and ready for the runtime to switch to.
pub(super) struct NextCache {
    pub(super) dir: PathBuf,
    pub(super) writer: rusqlite::Connection,
    pub(super) alerts: rusqlite::Connection,
    pub(super) stored: store::StoredState,
    pub(super) recovered_from: Option<PathBuf>,
}

/// Opens `plant`'s cache in `data_dir` for a console (adopting a legacy cache, recording
/// the plant), for [`Console::start`] and a move to another plant.
pub(super) fn open_plant_cache(
    data_dir: &Path,
    plant: &PlantId,
    address: &str,
) -> Result<(PathBuf, store::Opened, store::StoredState), StoreError> {
    let dir = store::plants::prepare(data_dir, plant, address)?;
    let opened = store::open_reporting(&dir)?;
    // The start checked all but the history; the history is checked meanwhile.
    store::check_all_later(&dir);
    let stored = store::load_state(&opened.conn)?;
    Ok((dir, opened, stored))
}

/// Ends the open commands in every other plant's cache of the data folder: the folder's
/// console is now on `plant`, so none of them may go out later by surprise. A cache that
/// cannot be opened is logged and left for its own plant's console.
pub(super) fn end_other_plants_commands(data_dir: &Path, plant: &PlantId, now: f64) {
    let caches = match store::plants::known(data_dir) {
        Ok(caches) => caches,
        Err(error) => {
            tracing::warn!(%error, "cannot look for other plants' commands");
            return;
        }
    };
    for cache in caches {
        if cache.plant.as_ref() == Some(plant) || !cache.dir.join(store::DB_FILE).exists() {
            continue;
        }
        let ended = Outbox::open(&cache.dir)
            .and_then(|outbox| outbox.end_for_plant_change(None, plant.as_str(), now));
        match ended {
            Ok(ended) => {
                for command in ended {
                    tracing::warn!(
                        request_id = %command.request_id,
                        relay_id = %command.relay_id,
                        meant_for = ?command.plant,
                        now_on = %plant,
                        "a command for another plant was ended: plant changed"
                    );
                }
            }
            Err(error) => {
                tracing::warn!(dir = %cache.dir.display(), %error, "cannot end another plant's commands")
            }
        }
    }
}
