//! Helpers shared by the core's integration tests (each test file includes this module).

#![allow(dead_code)]

use std::time::Duration;

use console_core::view::{ConsoleSnapshot, UpdateBatch};
use console_core::{Console, ConsoleConfig};
use tokio::sync::mpsc;

/// How long any single wait in these tests may take before it fails.
pub const LIMIT: Duration = Duration::from_secs(20);

/// Looks at the console's snapshot until `check` holds, failing after [`LIMIT`].
///
/// The snapshot gathers the link, the plant state, the alerts, the caps and the cache,
/// and no one event announces a change to all of them (the UI batches do, but the test
/// holds those), so this polls, through the tests' one polling place.
pub async fn wait_for(
    console: &Console,
    what: &str,
    check: impl Fn(&ConsoleSnapshot) -> bool,
) -> ConsoleSnapshot {
    test_support::eventually(LIMIT, what, async || {
        let snapshot = console.snapshot();
        if check(&snapshot) {
            Ok(snapshot)
        } else {
            Err(format!("link {:?}", snapshot.link))
        }
    })
    .await
}

/// Keeps the UI channel open and empty, as a window would.
pub fn drain(mut batches: mpsc::Receiver<UpdateBatch>) {
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
}

/// Starts a console whose UI batches are drained.
pub async fn start(config: ConsoleConfig) -> Console {
    let (console, batches) = Console::start(config).await.unwrap();
    drain(batches);
    console
}

/// The folder of the cache of the (unnamed) plant at `url` in the data folder `dir`.
pub fn cache_of(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
    let url = console_core::PlantUrl::parse(url).unwrap();
    console_core::store::plants::cache_dir(dir, &console_core::PlantId::from_url(&url))
}
