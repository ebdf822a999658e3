//! Benchmark 1, latency: the bench server sends one-device updates at a steady rate,
//! each stamped with its send time; the figure is the time from that stamp until the
//! console core has the update in its plant state and committed to its store.

use std::time::Duration;

use anyhow::{bail, Result};

use crate::probe::{self, Probe};
use crate::report::{summary, Report};
use crate::wire::{Plan, WireServer};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Updates measured (after the warm-up). Thirty seconds at the default rate write
    /// several times the 64 MiB past which the WAL used to be truncated.
    #[arg(long, default_value_t = 30_000)]
    pub updates: u64,
    /// Updates sent first and left out of the figures.
    #[arg(long, default_value_t = 1_000)]
    pub warmup: u64,
    /// Updates per second.
    #[arg(long, default_value_t = 1_000.0)]
    pub rate: f64,
    /// Devices in the plant; the updates go to each in turn.
    #[arg(long, default_value_t = 1_000)]
    pub devices: usize,
    /// Also write every counted update's figures (seq, ms to state, ms to store) as CSV.
    #[arg(long, value_name = "PATH")]
    pub dump: Option<std::path::PathBuf>,
}

pub async fn run(args: Args) -> Result<Report> {
    let mut report = Report::new(
        "latency",
        "1. Latency",
        format!(
            "The bench server (crates/bench/src/wire.rs) sends {} one-device `devices_update` frames \
             at {} per second over {} devices, each stamped (`server_time`) just before it is written; \
             the console core (`console_core::Console`, real link, state, alerts, UI batcher and SQLite \
             store) notes through its `Progress` probe when each is applied to the plant state and when \
             the store transaction holding it commits. Latency = commit time − send stamp (same wall \
             clock, same process). The first {} updates warm up and are not counted.",
            args.updates + args.warmup,
            args.rate,
            args.devices,
            args.warmup
        ),
    );
    let mut server = WireServer::start(args.devices)?;
    let dir = tempfile::tempdir()?;
    let probe = Probe::new(true);
    let console = probe::start_console(&server.url(), dir.path(), probe.clone()).await?;
    let client = server.next_client(Duration::from_secs(30)).await?;
    probe::wait_live(&console, &probe).await?;
    let base = probe.applied();
    let total = args.warmup + args.updates;
    let wal = WalWatch::start(dir.path().to_owned());
    let sent = client
        .run(Plan::Paced {
            count: total,
            rate: args.rate,
        })
        .await?;
    probe
        .wait(Duration::from_secs(60), "every update stored", |p| {
            p.persisted() >= base + total
        })
        .await;
    let wal_largest = wal.stop();
    console.shutdown().await?;

    let (applied, persisted) = probe.take_logs();
    let mut to_state = Vec::with_capacity(args.updates as usize);
    let mut to_store = Vec::with_capacity(args.updates as usize);
    let mut commits = persisted.iter().peekable();
    let first_counted = base + args.warmup + 1;
    let mut commits_counted = 0u64;
    let mut dump = String::from("seq,to_state_ms,to_store_ms\n");
    let mut last_commit_seq = 0;
    for entry in applied.iter().filter(|a| a.seq > base) {
        let Some(stamp) = entry.stamp else {
            bail!(
                "plant message {} carried no stamp: not one of ours",
                entry.seq
            )
        };
        while commits.peek().is_some_and(|(seq, _)| *seq < entry.seq) {
            commits.next();
        }
        let Some(&&(commit_seq, stored_at)) = commits.peek() else {
            bail!("update {} was never reported stored", entry.seq)
        };
        if entry.seq >= first_counted {
            to_state.push((entry.at - stamp) * 1000.0);
            to_store.push((stored_at - stamp) * 1000.0);
            dump.push_str(&format!(
                "{},{:.3},{:.3}\n",
                entry.seq,
                (entry.at - stamp) * 1000.0,
                (stored_at - stamp) * 1000.0
            ));
            if commit_seq != last_commit_seq {
                commits_counted += 1;
                last_commit_seq = commit_seq;
            }
        }
    }
    if to_store.len() as u64 != args.updates {
        bail!(
            "counted {} updates, expected {}",
            to_store.len(),
            args.updates
        );
    }
    if let Some(path) = &args.dump {
        std::fs::write(path, dump)?;
    }
    let (s50, s99, smax) = summary(&mut to_state);
    let (p50, p99, max) = summary(&mut to_store);
    report.figure(
        "updates sent",
        format!(
            "{} in {:.2} s ({:.0}/s achieved)",
            sent.frames,
            sent.elapsed.as_secs_f64(),
            sent.frames as f64 / sent.elapsed.as_secs_f64()
        ),
    );
    report.figure(
        "send stamp → applied and stored",
        format!("p50 {p50:.3} ms, p99 {p99:.3} ms, max {max:.3} ms"),
    );
    report.figure(
        "send stamp → applied to the plant state (store not yet)",
        format!("p50 {s50:.3} ms, p99 {s99:.3} ms, max {smax:.3} ms"),
    );
    report.figure(
        "store transactions for the counted updates",
        format!(
            "{commits_counted} ({:.1} updates per transaction)",
            args.updates as f64 / commits_counted.max(1) as f64
        ),
    );
    report.figure(
        "largest WAL during the run (sampled every 5 ms)",
        format!("{:.1} MiB", wal_largest as f64 / (1024.0 * 1024.0)),
    );
    report.target(
        "max latency, applied and stored",
        "≤ 10 ms",
        format!("{max:.3} ms"),
        max <= 10.0,
        "the writer's own transactions and checkpoints: in a run with the writer's slow steps \
         logged (2026-12-07, this machine), its copy of the WAL's last frames before the WAL \
         starts over took 3.3 to 5.0 ms each time (then every 8 MiB of WAL, about once a \
         second; now every 16 MiB), and one or two transactions per run took 5 to 14 ms \
         with no checkpoint beside them; every update that came meanwhile waited for them",
    );
    report.target(
        "largest WAL during the run",
        "< 64 MiB",
        format!("{:.1} MiB", wal_largest as f64 / (1024.0 * 1024.0)),
        wal_largest < 64 * 1024 * 1024,
        "a reader held the WAL so that the writer could not start it over",
    );
    report.target(
        "p99 latency, applied and stored",
        "≤ 2 ms",
        format!("{p99:.3} ms"),
        p99 <= 2.0,
        &format!(
            "of the p99's {p99:.3} ms, {s99:.3} ms is the update reaching the plant state \
             (WebSocket read, decode, apply); the rest is the wait for the SQLite commit that \
             holds it ({:.1} updates per transaction at this rate)",
            args.updates as f64 / commits_counted.max(1) as f64
        ),
    );
    Ok(report)
}

/// Samples the size of the cache's WAL file on a thread of its own and keeps the largest.
struct WalWatch {
    stop: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<u64>,
}

impl WalWatch {
    fn start(data_dir: std::path::PathBuf) -> WalWatch {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let mut largest = 0;
            // The cache lives in a folder of the data dir named after the plant.
            let mut wal: Option<std::path::PathBuf> = None;
            loop {
                if wal.is_none() {
                    wal = find_wal(&data_dir);
                }
                if let Some(len) = wal.as_ref().and_then(|w| std::fs::metadata(w).ok()) {
                    largest = largest.max(len.len());
                }
                match stopped.recv_timeout(Duration::from_millis(5)) {
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return largest,
                }
            }
        });
        WalWatch { stop, thread }
    }

    fn stop(self) -> u64 {
        let _ = self.stop.send(());
        self.thread.join().unwrap_or(0)
    }
}

fn find_wal(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_wal(&path) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|n| n == "console.db-wal") {
            return Some(path);
        }
    }
    None
}
