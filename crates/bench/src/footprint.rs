//! Benchmarks 5 and 6, the headless console's footprint: resident memory under a steady
//! stream of updates, and CPU time on a quiet plant. Both run the real release binaries
//! (`plant-server` and `plant-console --headless`) as separate processes and read /proc;
//! the memory benchmark runs the headless recorder (`plant-console-headless`, no window
//! libraries) beside the window binary's headless mode on the same plant.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::procfs::{self, Process};
use crate::report::Report;

#[derive(Debug, Clone, clap::Args)]
pub struct MemoryArgs {
    /// Minutes of the run.
    #[arg(long, default_value_t = 10.0)]
    pub minutes: f64,
    /// Devices in the plant.
    #[arg(long, default_value_t = 10_000)]
    pub devices: usize,
    /// One-device updates per second from the plant.
    #[arg(long, default_value_t = 1_000)]
    pub rate: u32,
    /// Seconds between two memory readings.
    #[arg(long, default_value_t = 5.0)]
    pub every: f64,
}

#[derive(Debug, Clone, clap::Args)]
pub struct IdleArgs {
    /// Seconds measured.
    #[arg(long, default_value_t = 60.0)]
    pub seconds: f64,
    /// Devices in the plant (which is otherwise quiet).
    #[arg(long, default_value_t = 1_000)]
    pub devices: usize,
    /// Seconds between the plant's `system_stats_update` broadcasts.
    #[arg(long, default_value_t = 2.0)]
    pub stats_interval: f64,
}

/// Starts the headless release console on `url` with its cache in `data_dir`.
fn headless(url: &str, data_dir: &Path) -> Result<Process> {
    Process::spawn(
        Command::new(procfs::release_binary("plant-console")?)
            .args(["--headless", "--server", url, "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "warn"),
    )
}

/// Starts the release headless recorder (headless implied) on `url`.
fn recorder(url: &str, data_dir: &Path) -> Result<Process> {
    Process::spawn(
        Command::new(procfs::release_binary("plant-console-headless")?)
            .args(["--server", url, "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "warn"),
    )
}

/// One console's memory readings over the run, and what they say.
struct Readings {
    /// (seconds since the start, VmRSS bytes).
    rss: Vec<(f64, u64)>,
    cpu: Duration,
    devices: usize,
}

impl Readings {
    fn at_two(&self) -> Result<u64> {
        self.rss
            .iter()
            .find(|(t, _)| *t >= 120.0)
            .map(|r| r.1)
            .context("the run is shorter than 2 minutes")
    }

    fn last(&self) -> u64 {
        self.rss.last().map(|r| r.1).unwrap_or(0)
    }

    fn peak(&self) -> u64 {
        self.rss.iter().map(|r| r.1).max().unwrap_or(0)
    }

    fn growth(&self) -> Result<f64> {
        let at_two = self.at_two()? as f64;
        Ok((self.last() as f64 - at_two) / at_two * 100.0)
    }

    /// The figures of one console, its name in front of each.
    fn figures(&self, report: &mut Report, who: &str, every: f64, elapsed: Duration) -> Result<()> {
        report.figure(
            &format!("resident memory, {who}"),
            format!(
                "peak {:.1} MB; {:.1} MB at minute 2; {:.1} MB at the end",
                self.peak() as f64 / MB,
                self.at_two()? as f64 / MB,
                self.last() as f64 / MB
            ),
        );
        report.figure(
            &format!("growth, minute 2 → end, {who}"),
            format!("{:+.2} %", self.growth()?),
        );
        report.figure(
            &format!("readings (minute: MB), {who}"),
            self.rss
                .iter()
                .filter(|(t, _)| (*t as u64).is_multiple_of(60) || *t < every * 1.5)
                .map(|(t, rss)| format!("{:.0}: {:.1}", t / 60.0, *rss as f64 / MB))
                .collect::<Vec<_>>()
                .join(", "),
        );
        report.figure(
            &format!("CPU meanwhile, {who}"),
            format!(
                "{:.1} % of one core ({:.1} s in {:.0} s); its cache held {} devices at the end",
                self.cpu.as_secs_f64() / elapsed.as_secs_f64() * 100.0,
                self.cpu.as_secs_f64(),
                elapsed.as_secs_f64(),
                self.devices
            ),
        );
        Ok(())
    }
}

/// The console's last-known state as its own `state --json` reports it.
fn cached_state(data_dir: &Path) -> Result<Value> {
    let output = Command::new(procfs::release_binary("plant-console")?)
        .args(["state", "--json", "--data-dir"])
        .arg(data_dir)
        .output()?;
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// Waits until the console's cache holds `devices` devices.
fn wait_synced(data_dir: &Path, devices: usize) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let count = cached_state(data_dir)
            .ok()
            .and_then(|s| s["devices"].as_array().map(Vec::len));
        if count == Some(devices) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the console's cache did not reach {devices} devices within 60 s ({count:?})");
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

const MB: f64 = 1024.0 * 1024.0;

pub async fn memory(args: MemoryArgs) -> Result<Report> {
    tokio::task::spawn_blocking(move || memory_blocking(args)).await?
}

fn memory_blocking(args: MemoryArgs) -> Result<Report> {
    let mut report = Report::new(
        "memory",
        "5. Memory",
        format!(
            "`plant-server --devices {} --updates-per-second {}` (the release binary: one-device \
             updates, each device in turn, stats every 2 s) and, on it at the same time, each \
             with a fresh cache: the release `plant-console --headless` (the window binary) \
             and the release `plant-console-headless` (the recorder, no window libraries). \
             VmRSS of each from /proc every {} s for {} minutes; growth is from the reading \
             at minute 2 to the last one.",
            args.devices, args.rate, args.every, args.minutes
        ),
    );
    let (mut server, url) = procfs::streaming_plant(args.devices, args.rate)?;
    let window_dir = tempfile::tempdir()?;
    let recorder_dir = tempfile::tempdir()?;
    let mut window = headless(&url, window_dir.path())?;
    let mut headless_bin = recorder(&url, recorder_dir.path())?;
    let pids = [window.pid(), headless_bin.pid()];
    let started = Instant::now();
    let run_for = Duration::from_secs_f64(args.minutes * 60.0);
    let every = Duration::from_secs_f64(args.every);
    let mut rss: [Vec<(f64, u64)>; 2] = [Vec::new(), Vec::new()];
    let mut next = started;
    while started.elapsed() < run_for {
        next += every;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        for (console, name) in [
            (&mut window, "plant-console --headless"),
            (&mut headless_bin, "plant-console-headless"),
        ] {
            if let Ok(Some(status)) = console.0.try_wait() {
                bail!("{name} exited early ({status})");
            }
        }
        let at = started.elapsed().as_secs_f64();
        for (readings, pid) in rss.iter_mut().zip(pids) {
            readings.push((at, procfs::rss_bytes(pid)?));
        }
    }
    let elapsed = started.elapsed();
    let [window_rss, recorder_rss] = rss;
    let window_readings = Readings {
        rss: window_rss,
        cpu: procfs::cpu_time(pids[0])?,
        devices: devices_in(window_dir.path()),
    };
    let recorder_readings = Readings {
        rss: recorder_rss,
        cpu: procfs::cpu_time(pids[1])?,
        devices: devices_in(recorder_dir.path()),
    };
    window.stop(Duration::from_secs(20));
    headless_bin.stop(Duration::from_secs(20));
    server.stop(Duration::from_secs(10));

    let every = args.every;
    window_readings.figures(&mut report, "plant-console --headless", every, elapsed)?;
    recorder_readings.figures(&mut report, "plant-console-headless", every, elapsed)?;
    let saved = window_readings.peak() as f64 - recorder_readings.peak() as f64;
    report.figure(
        "the recorder's saving",
        format!(
            "{:.1} MB less at its peak ({:.0} %)",
            saved / MB,
            saved / window_readings.peak() as f64 * 100.0
        ),
    );
    let peak_mb = window_readings.peak() as f64 / MB;
    report.target(
        "resident memory, plant-console --headless",
        "≤ 60 MB",
        format!("{peak_mb:.1} MB (peak)"),
        peak_mb <= 60.0,
        "/proc/PID/smaps of a headless console in this run's set-up shows about 45 MB of \
         shared-library pages (the one binary links the window's WebKitGTK, GTK and \
         JavaScriptCore and maps them even headless) and about 75 MB of heap: the 10 000 \
         devices in the plant state, the alert engine's names and limit bands, the history \
         sampler and the UI batcher's maps, SQLite's page caches on five connections, \
         mimalloc's arenas and 21 threads' stacks. plant-console-headless is the binary \
         without the window's libraries",
    );
    let recorder_mb = recorder_readings.peak() as f64 / MB;
    report.target(
        "resident memory, plant-console-headless",
        "≤ 40 MB",
        format!("{recorder_mb:.1} MB (peak)"),
        recorder_mb <= 40.0,
        "no window library is mapped (its ldd lists no GTK or WebKitGTK); what is left is \
         the heap per device (the plant state, the alert engine, the history sampler, the \
         UI batcher, SQLite's page caches)",
    );
    let growth = window_readings.growth()?.max(recorder_readings.growth()?);
    report.target(
        "growth from minute 2",
        "< 5 %",
        format!(
            "{:+.2} % (plant-console --headless), {:+.2} % (plant-console-headless)",
            window_readings.growth()?,
            recorder_readings.growth()?
        ),
        growth < 5.0,
        "the readings above say when it grew; an earlier run grew 2.5 MB a minute because \
         the WAL (and its mapped index) was never started over under a steady stream, \
         which the writer now truncates past 64 MB",
    );
    Ok(report)
}

/// How many devices a console's cache holds (0 when it cannot be read).
fn devices_in(data_dir: &Path) -> usize {
    cached_state(data_dir)
        .ok()
        .and_then(|s| s["devices"].as_array().map(Vec::len))
        .unwrap_or(0)
}

pub async fn idle_cpu(args: IdleArgs) -> Result<Report> {
    tokio::task::spawn_blocking(move || idle_blocking(args)).await?
}

fn idle_blocking(args: IdleArgs) -> Result<Report> {
    let mut report = Report::new(
        "idle-cpu",
        "6. Idle CPU",
        format!(
            "`plant-server --devices {} --no-sim --stats-interval {}` (nothing changes; stats every \
             {} s) and the release `plant-console --headless` on it. Once its cache holds every \
             device, its user + system CPU time (/proc/PID/stat) is read before and after {} s.",
            args.devices, args.stats_interval, args.stats_interval, args.seconds
        ),
    );
    let (mut server, url) = procfs::plant_server(&[
        "--devices",
        &args.devices.to_string(),
        "--no-sim",
        "--stats-interval",
        &args.stats_interval.to_string(),
    ])?;
    let dir = tempfile::tempdir()?;
    let mut console = headless(&url, dir.path())?;
    let pid = console.pid();
    wait_synced(dir.path(), args.devices)?;
    // The start-up (store creation, the first snapshot) is over; let it settle.
    std::thread::sleep(Duration::from_secs(2));
    let before = procfs::cpu_time(pid)?;
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(args.seconds));
    let used = procfs::cpu_time(pid)? - before;
    let elapsed = started.elapsed();
    console.stop(Duration::from_secs(20));
    server.stop(Duration::from_secs(10));
    let share = used.as_secs_f64() / elapsed.as_secs_f64() * 100.0;
    report.figure(
        "CPU time used",
        format!(
            "{:.2} s in {:.0} s ({share:.2} % of one core)",
            used.as_secs_f64(),
            elapsed.as_secs_f64()
        ),
    );
    report.target(
        "idle CPU",
        "≤ 1 % of a core",
        format!("{share:.2} %"),
        share <= 1.0,
        "each stats broadcast wakes the link, the runtime, the UI batcher and the store \
         writer; the link also checks the clocks and the network addresses once a second",
    );
    Ok(report)
}
