//! `plant-bench`: Plant Console's benchmarks, one subcommand each. Every benchmark runs
//! on loopback, prints its figures as it goes and, with `--report`, writes them with its
//! targets as JSON for `cargo xtask bench`, which runs them all and writes BENCHMARKS.md.
//! Nothing here asserts a figure: benchmarks measure, tests check.

mod cold_start;
mod failover;
mod fanout;
mod fanout_shared;
mod footprint;
mod ingest;
mod latency;
mod probe;
mod procfs;
mod reconnect;
mod report;
mod ui;
mod wire;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "plant-bench",
    about = "Plant Console's benchmarks (see BENCHMARKS.md)"
)]
struct Cli {
    /// Also write the figures and targets as JSON to this file.
    #[arg(long, global = true, value_name = "PATH")]
    report: Option<PathBuf>,
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// 1. Send stamp → update applied and stored by the console core.
    Latency(latency::Args),
    /// 2. A burst of one-device updates: console core vs python-socketio vs socket.io-client.
    Ingest(ingest::Args),
    /// 3. Reference server restarted: listening again → console live and resynced.
    Reconnect(reconnect::Args),
    /// 4. Offline start on a large cache: state ready, and the window's first rows.
    ColdStart(cold_start::Args),
    /// 5. Resident memory of the headless console under a steady stream of updates.
    Memory(footprint::MemoryArgs),
    /// 6. CPU time of the headless console on a quiet plant.
    IdleCpu(footprint::IdleArgs),
    /// 7. Frame times of the window while 1 000 updates/s reach a 10 000-row table.
    Ui(ui::Args),
    /// 8. 100 console links on one reference server: delivery p99 and the server's CPU.
    Fanout(fanout::Args),
    /// 8b. 200 links on two instances sharing the plant through Redis, and on one alone.
    FanoutShared(fanout_shared::Args),
    /// 9. Two instances on Redis: the one the console is on killed → live on the other.
    Failover(failover::Args),
}

// The same allocator as the app (src-tauri/src/main.rs), so that the console core runs
// here as it does there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(async {
        match cli.bench {
            Bench::Latency(args) => latency::run(args).await,
            Bench::Ingest(args) => ingest::run(args).await,
            Bench::Reconnect(args) => reconnect::run(args).await,
            Bench::ColdStart(args) => cold_start::run(args).await,
            Bench::Memory(args) => footprint::memory(args).await,
            Bench::IdleCpu(args) => footprint::idle_cpu(args).await,
            Bench::Ui(args) => ui::run(args).await,
            Bench::Fanout(args) => fanout::run(args).await,
            Bench::FanoutShared(args) => fanout_shared::run(args).await,
            Bench::Failover(args) => failover::run(args).await,
        }
    })?;
    // Tasks of the console or servers may still be winding down; the figures are taken.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    if let Some(path) = cli.report {
        report.write(&path)?;
    }
    Ok(())
}
