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
    /// Devices of a second, smaller plant streaming at the same rate, with a recorder of
    /// its own: the two recorders' anonymous memory (heap, stacks, arenas) differs by what
    /// the extra devices cost, which gives the heap per device. 0 runs no second plant.
    #[arg(long, default_value_t = 1_000)]
    pub small_devices: usize,
    /// Run only the recorder (`plant-console-headless`), not the window binary's
    /// headless mode, which needs the window build (for quick runs while iterating).
    #[arg(long)]
    pub recorder_only: bool,
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
    /// RssAnon bytes, read with each VmRSS reading.
    anon: Vec<u64>,
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

    fn last_anon(&self) -> u64 {
        self.anon.last().copied().unwrap_or(0)
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
                "peak {:.1} MB; {:.1} MB at minute 2; {:.1} MB at the end, of which {:.1} MB \
                 anonymous (heap, stacks, arenas)",
                self.peak() as f64 / MB,
                self.at_two()? as f64 / MB,
                self.last() as f64 / MB,
                self.last_anon() as f64 / MB
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
    let output = Command::new(procfs::release_binary("plant-console-headless")?)
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
             with a fresh cache: {}the release `plant-console-headless` (the recorder, no window \
             libraries){}. VmRSS and RssAnon of each from /proc every {} s for {} minutes; \
             growth is from the reading at minute 2 to the last one.",
            args.devices,
            args.rate,
            if args.recorder_only {
                ""
            } else {
                "the release `plant-console --headless` (the window binary) and "
            },
            if args.small_devices > 0 {
                format!(
                    "; beside them a second plant of {} devices at the same rate with a \
                     recorder of its own, for the heap per device",
                    args.small_devices
                )
            } else {
                String::new()
            },
            args.every,
            args.minutes
        ),
    );
    let (mut server, url) = procfs::streaming_plant(args.devices, args.rate)?;
    let small_plant = if args.small_devices > 0 {
        Some(procfs::streaming_plant(args.small_devices, args.rate)?)
    } else {
        None
    };
    // Each console watched: its name in the report, the process, its data folder.
    let mut watched: Vec<(&str, Process, tempfile::TempDir)> = Vec::new();
    if !args.recorder_only {
        let dir = tempfile::tempdir()?;
        watched.push(("plant-console --headless", headless(&url, dir.path())?, dir));
    }
    let dir = tempfile::tempdir()?;
    watched.push(("plant-console-headless", recorder(&url, dir.path())?, dir));
    if let Some((_, small_url)) = &small_plant {
        let dir = tempfile::tempdir()?;
        watched.push((SMALL, recorder(small_url, dir.path())?, dir));
    }
    let started = Instant::now();
    let run_for = Duration::from_secs_f64(args.minutes * 60.0);
    let every = Duration::from_secs_f64(args.every);
    let mut readings: Vec<Readings> = watched
        .iter()
        .map(|_| Readings {
            rss: Vec::new(),
            anon: Vec::new(),
            cpu: Duration::ZERO,
            devices: 0,
        })
        .collect();
    let mut next = started;
    while started.elapsed() < run_for {
        next += every;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        for (name, console, _) in &mut watched {
            if let Ok(Some(status)) = console.0.try_wait() {
                bail!("{name} exited early ({status})");
            }
        }
        let at = started.elapsed().as_secs_f64();
        for (readings, (_, console, _)) in readings.iter_mut().zip(&watched) {
            readings.rss.push((at, procfs::rss_bytes(console.pid())?));
            readings.anon.push(procfs::rss_anon_bytes(console.pid())?);
        }
    }
    let elapsed = started.elapsed();
    for (readings, (_, console, dir)) in readings.iter_mut().zip(&watched) {
        readings.cpu = procfs::cpu_time(console.pid())?;
        readings.devices = devices_in(dir.path());
    }
    for (_, console, _) in &mut watched {
        console.stop(Duration::from_secs(20));
    }
    server.stop(Duration::from_secs(10));
    if let Some((mut small, _)) = small_plant {
        small.stop(Duration::from_secs(10));
    }
    let named = |wanted: &str| {
        watched
            .iter()
            .position(|(name, _, _)| *name == wanted)
            .map(|i| &readings[i])
    };
    let window_readings = named("plant-console --headless");
    let recorder_readings = named("plant-console-headless").context("the recorder ran")?;
    let small_readings = named(SMALL);

    let every = args.every;
    if let Some(window_readings) = window_readings {
        window_readings.figures(&mut report, "plant-console --headless", every, elapsed)?;
    }
    recorder_readings.figures(&mut report, "plant-console-headless", every, elapsed)?;
    if let Some(small_readings) = small_readings {
        small_readings.figures(&mut report, SMALL, every, elapsed)?;
        let extra_devices = args.devices.saturating_sub(args.small_devices).max(1) as f64;
        let per_device = (recorder_readings.last_anon() as f64 - small_readings.last_anon() as f64)
            / extra_devices;
        report.figure(
            "heap per device, plant-console-headless",
            format!(
                "{per_device:.0} bytes (RssAnon at the end: {:.1} MB with {} devices, {:.1} MB \
                 with {}; the difference over the {} devices more)",
                recorder_readings.last_anon() as f64 / MB,
                args.devices,
                small_readings.last_anon() as f64 / MB,
                args.small_devices,
                extra_devices
            ),
        );
    }
    if let Some(window_readings) = window_readings {
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
            WINDOW_IN_THE_WAY,
        );
    }
    let recorder_mb = recorder_readings.peak() as f64 / MB;
    report.target(
        "resident memory, plant-console-headless",
        "≤ 40 MB",
        format!("{recorder_mb:.1} MB (peak)"),
        recorder_mb <= 40.0,
        RECORDER_IN_THE_WAY,
    );
    let mut growths = vec![];
    if let Some(window_readings) = window_readings {
        growths.push((window_readings.growth()?, "plant-console --headless"));
    }
    growths.push((recorder_readings.growth()?, "plant-console-headless"));
    let growth = growths.iter().map(|g| g.0).fold(f64::MIN, f64::max);
    report.target(
        "growth from minute 2",
        "< 2 %",
        growths
            .iter()
            .map(|(growth, who)| format!("{growth:+.2} % ({who})"))
            .collect::<Vec<_>>()
            .join(", "),
        growth < 2.0,
        "the readings above say when it grew. Measured by hand before this run, two \
         recorders side by side on one plant for 28 minutes, /proc/PID/smaps every minute: \
         with glibc's default arenas 38.0 MB at minute 2 and 41.6 MB at minute 28 (+9.6 %), \
         all of it three of glibc's per-thread arenas (SQLite's allocations on the store's \
         threads) growing to about 1.5 MB each, while mimalloc's heap stayed flat; with \
         one arena (MALLOC_ARENA_MAX=1) 39.7 and 39.8 MB (+0.3 %). The console now sets one \
         arena at start. An earlier run grew 2.5 MB a minute because the WAL (and its \
         mapped index) was never started over under a steady stream, which the writer now \
         starts over past 16 MiB",
    );
    Ok(report)
}

/// The name of the recorder on the smaller plant, in the report.
const SMALL: &str = "plant-console-headless, smaller plant";

/// What /proc showed of the window binary's headless mode.
const WINDOW_IN_THE_WAY: &str = "/proc/PID/smaps of a headless console in this run's \
    set-up shows about 45 MB of shared-library pages (the one binary links the window's \
    WebKitGTK, GTK and JavaScriptCore and maps them even headless); the rest is as for \
    plant-console-headless, the binary without the window's libraries";

/// What the heap profile and /proc showed of the recorder.
const RECORDER_IN_THE_WAY: &str = "the steady state is under the target; the peak is \
    the first snapshot, when the plant's 10 000 devices arrive in one message and are held \
    at once as the frame, the decoded devices, the changes, the pending writes and the \
    alert engine's copy. Measured by hand before this run (recorder alone, 60 s, readings \
    every 5 s): peak 41.4 MB during the first snapshot, 35.8 MB at the end (21.2 MB \
    anonymous). Before that, the same set-up gave 89.5 MB: mimalloc committed each 1 GiB \
    arena up front on Linux (MIMALLOC_ARENA_EAGER_COMMIT=0 gave 37.6 MB for the same CPU), \
    which .cargo/config.toml now turns off at build time; a catalog message's arguments \
    and a device's extra fields were B-tree maps of about 630 bytes each, now short sorted \
    lists (the heap per device fell from 1313 to 592 bytes)";

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
