//! Benchmark of the link on its own: how many plant frames a session reads per second
//! (codec and per-item reading, no socket), and how long the link takes from a restarted
//! plant server listening again to live with the three snapshots in hand. Prints its
//! figures; asserts nothing (speed targets live in benchmarks, never in tests).
//!
//! Run with `cargo bench -p plant-link --bench link [-- SECONDS RESTARTS]` (defaults 3 s
//! and 10 restarts). The console-level versions, through plant state and the store, are
//! `cargo bench -p console-core --bench reconnect|ingest` and `plant-bench`.

use std::time::{Duration, Instant};

use plant_link::link::{self, LinkEvent};
use plant_link::session::{Inbound, Output, Session, SessionConfig};
use plant_link::{LinkConfig, LinkMode, PlantUrl};
use plant_server::ServerConfig;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A connection counts as stable after this long: each server below stays up past it
/// before it is restarted, so every restart is measured from a stable link rather than
/// from a flapping server (which the backoff is meant to slow down).
const STABLE_AFTER: Duration = Duration::from_secs(1);

/// One device update as the reference server and Flask write it.
fn device_frame(i: u64) -> String {
    format!(
        r#"42["devices_update",{{"devices":[{{"id":"dev-{:04}","name":"Flow meter","type":"flow","status":"online","value":{}.25,"unit":"m³/h","last_seen":{},"location":"Hall B"}}],"snapshot":false,"server_time":{}}}]"#,
        i % 1000,
        i % 97,
        1_700_000_000 + i,
        1_700_000_000 + i
    )
}

/// Frames per second through a live session for `seconds`.
fn decode(seconds: f64) {
    let now = Instant::now();
    let mut session = Session::new(SessionConfig::default(), now);
    let mut out = Vec::new();
    session.on_text(
        now,
        r#"0{"sid":"b","upgrades":[],"pingTimeout":20000,"pingInterval":25000,"maxPayload":1000000}"#,
        &mut out,
    );
    session.on_text(now, r#"40{"sid":"s"}"#, &mut out);
    let frames: Vec<String> = (0..10_000).map(device_frame).collect();
    let bytes: usize = frames.iter().map(String::len).sum::<usize>() / frames.len();
    let started = Instant::now();
    let mut count: u64 = 0;
    let mut devices: u64 = 0;
    while started.elapsed().as_secs_f64() < seconds {
        for frame in &frames {
            out.clear();
            session.on_text(now, frame, &mut out);
            for output in &out {
                if let Output::Inbound(Inbound::Devices(read)) = output {
                    devices += read.value.devices.len() as u64;
                }
            }
            count += 1;
        }
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "decode: {:.0} frames/s ({:.0} devices/s, {bytes} bytes a frame) through codec, items and session",
        count as f64 / took,
        devices as f64 / took
    );
}

fn server_config() -> ServerConfig {
    ServerConfig {
        sim_interval: None,
        devices: 12,
        ..ServerConfig::default()
    }
}

/// Waits for the next Live and then the three snapshots (any order), within 30 s.
async fn synced(events: &mut mpsc::Receiver<LinkEvent>) {
    let wait = async {
        while events.recv().await.expect("the link runs") != LinkEvent::Live {}
        let (mut devices, mut relays, mut stats) = (false, false, false);
        while !(devices && relays && stats) {
            if let LinkEvent::Inbound { message, .. } = events.recv().await.expect("the link runs")
            {
                match message {
                    Inbound::Devices(read) => devices |= read.value.snapshot,
                    Inbound::Relays(read) => relays |= read.value.snapshot,
                    Inbound::Stats(_) => stats = true,
                    _ => {}
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .expect("the link resynced within 30 s");
}

async fn reconnect(restarts: usize) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut server = plant_server::start(listener, server_config())
        .await
        .unwrap();
    let mut config = LinkConfig::new(PlantUrl::parse(&format!("http://{address}")).unwrap());
    config.stable_after = STABLE_AFTER;
    let (events_tx, mut events) = mpsc::channel(1024);
    let (handle, task) = link::spawn(config, events_tx);
    synced(&mut events).await;

    let mut state = handle.state();
    let mut times = Vec::with_capacity(restarts);
    for _ in 0..restarts {
        // The pause is part of what is measured (a server that stayed up past
        // `stable_after`), not a wait for something.
        tokio::time::sleep(STABLE_AFTER + Duration::from_millis(200)).await;
        server.shutdown().await;
        tokio::time::timeout(
            Duration::from_secs(30),
            state.wait_for(|s| s.mode != LinkMode::Realtime),
        )
        .await
        .expect("the link noticed the server left")
        .unwrap();
        let listener = TcpListener::bind(address).await.unwrap();
        let listening = Instant::now();
        server = plant_server::start(listener, server_config())
            .await
            .unwrap();
        synced(&mut events).await;
        times.push(listening.elapsed());
    }
    handle.shutdown().await;
    task.await.unwrap();
    server.shutdown().await;

    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "reconnect: {restarts} server restarts; listening → live with three snapshots: min {:.0} ms, median {:.0} ms, max {:.0} ms",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; the figures are the arguments that parse.
    let numbers: Vec<f64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let seconds = numbers.first().copied().unwrap_or(3.0);
    let restarts = numbers.get(1).map_or(10, |n| *n as usize).max(1);
    decode(seconds);
    reconnect(restarts).await;
}
