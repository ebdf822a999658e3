//! Benchmark: sustained one-device updates through the console's own write path (plant
//! state → UI batcher → pending writes → store writer), the way the runtime drives it.
//! Prints its figures; asserts nothing.
//!
//! Run with `cargo bench -p console-core --bench ingest [-- SECONDS]` (default 3 s).

use std::time::{Duration, Instant};

use console_core::state::{Change, PlantState};
use console_core::store::{self, Appearances, PendingWrites, StoreWriter};
use console_core::view::Batcher;
use plant_link::clock::unix_now;
use plant_protocol::{Device, DeviceStatus, DevicesUpdate};
use serde_json::Map;

const DEVICES: usize = 1000;
/// How often the runtime hands the UI a batch (its default frame interval).
const UI_INTERVAL: Duration = Duration::from_millis(50);

fn device(i: usize, value: f64, at: f64) -> Device {
    Device {
        id: format!("dev-{i:04}"),
        name: format!("Flow meter {i}"),
        kind: "flow".into(),
        status: DeviceStatus::Online,
        value: Some(value),
        unit: Some("m\u{b3}/h".into()),
        last_seen: at,
        extra: Map::from_iter([("location".to_owned(), "Hall B".into())]).into(),
    }
}

/// What the runtime does with one inbound `devices_update` (console/pump.rs `Pump::apply`
/// and its event branch).
fn apply(
    state: &mut PlantState,
    update: DevicesUpdate,
    at: f64,
    changes: &mut Vec<Change>,
    batcher: &mut Batcher,
    pending: &mut PendingWrites,
) {
    let appearances = Appearances::news_if(state.devices().next().is_some());
    state.apply_devices(update, at, changes);
    for change in changes.drain(..) {
        pending.record(&change, at, appearances);
        batcher.push(&change);
    }
    pending.contact(at);
}

fn main() {
    let seconds: f64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(3.0);
    let dir = tempfile::tempdir().unwrap();
    let writer = StoreWriter::spawn(store::open(dir.path()).unwrap());
    let mut state = PlantState::default();
    let mut batcher = Batcher::default();
    let mut pending = PendingWrites::default();
    let mut changes = Vec::new();

    // The plant as the first snapshot brings it, written before the clock starts.
    let at = unix_now();
    let snapshot = DevicesUpdate {
        devices: (0..DEVICES).map(|i| device(i, 0.0, at)).collect(),
        snapshot: true,
        server_time: at,
    };
    apply(
        &mut state,
        snapshot,
        at,
        &mut changes,
        &mut batcher,
        &mut pending,
    );
    writer.flush(std::mem::take(&mut pending)).unwrap();
    drop(batcher.take());

    let run_for = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut ui_at = start + UI_INTERVAL;
    let mut updates: u64 = 0;
    while start.elapsed() < run_for {
        // Checking the clocks once per 1000 updates keeps them out of the figure.
        let at = unix_now();
        for _ in 0..1000 {
            let i = (updates % DEVICES as u64) as usize;
            let update = DevicesUpdate {
                devices: vec![device(i, updates as f64, at)],
                snapshot: false,
                server_time: at,
            };
            apply(
                &mut state,
                update,
                at,
                &mut changes,
                &mut batcher,
                &mut pending,
            );
            writer.offer(&mut pending).unwrap();
            updates += 1;
        }
        let now = Instant::now();
        if now >= ui_at {
            drop(batcher.take());
            ui_at = now + UI_INTERVAL;
        }
    }
    let applied = start.elapsed();
    writer.flush(std::mem::take(&mut pending)).unwrap();
    let persisted = start.elapsed();
    writer.close(PendingWrites::default()).unwrap();

    // What the store holds now: the last value of every device, and its history.
    let conn = store::open_read_only(dir.path()).unwrap().unwrap();
    let stored = store::load_state(&conn).unwrap();
    // Values only: they are whole numbers here, while times may come back from JSON one
    // unit in the last place off (serde_json's default float parsing).
    let current = stored
        .devices
        .iter()
        .filter(|e| state.device(&e.device.id).map(|s| s.device.value) == Some(e.device.value))
        .count();
    let samples = store::device_history(&conn, "dev-0000", 0.0, f64::MAX)
        .unwrap()
        .len();
    let size = std::fs::metadata(dir.path().join(store::DB_FILE))
        .map(|m| m.len())
        .unwrap_or(0);

    let rate = |d: Duration| updates as f64 / d.as_secs_f64();
    println!(
        "ingest: {updates} updates in {:.1} s: {:.0} updates/s applied and persisted",
        persisted.as_secs_f64(),
        rate(persisted)
    );
    println!(
        "ingest: applied alone {:.0} updates/s ({:.2} s); final flush took {:.1} ms",
        rate(applied),
        applied.as_secs_f64(),
        (persisted - applied).as_secs_f64() * 1000.0
    );
    println!(
        "ingest: store holds the last value of {current}/{DEVICES} devices; \
         {samples} history samples of dev-0000; cache file {:.1} MB",
        size as f64 / 1.0e6
    );
}
