//! Benchmark 4, cold start offline: a cache of 10 000 devices and a day of history, no
//! plant reachable. Measured: `Console::start` until the state is ready (in-process), and
//! the real window from its process start until the first frame with device rows, taken
//! apart with the page's own timing, beside a blank window (the same binary showing one
//! line of text) and both with WebKit's accelerated compositing, which the app turns off
//! on Linux.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use console_core::state::{Change, DeviceEntry, RelayEntry, StatsEntry};
use console_core::store::{self, PendingWrites, StoreWriter};
use console_core::{Console, ConsoleConfig, LinkConfig, PlantUrl};
use plant_protocol::{Relay, SystemStats};
use serde_json::Map;

use crate::probe::NoNotifications;
use crate::procfs;
use crate::report::{ms, summary, Report};
use crate::wire;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Devices in the cache.
    #[arg(long, default_value_t = 10_000)]
    pub devices: usize,
    /// Hours of history in the cache.
    #[arg(long, default_value_t = 24)]
    pub hours: u32,
    /// Seconds between two samples of one device in the last hour (older hours keep one
    /// a minute, as the store's thinning leaves them).
    #[arg(long, default_value_t = 10)]
    pub sample_every: u32,
    /// Starts timed in-process, each on a cache evicted from the OS page cache.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Skip the window (no Xvfb or tauri-driver needed).
    #[arg(long)]
    pub no_window: bool,
}

pub async fn run(args: Args) -> Result<Report> {
    let mut report = Report::new(
        "cold-start",
        "4. Cold start offline",
        format!(
            "A cache written with the store API (`console_core::store`): {} devices and {} hours of \
             history as the store keeps it for a plant sending 1 000 updates/s (one sample per device \
             every {} s in the last hour, one a minute before that: the store's thinning), stats \
             samples likewise, 50 relays. The plant's address is a closed loopback port. \
             State ready: `Console::start` called → returned (store opened and checked, state \
             loaded: `Console::snapshot` has every device), in-process, each run on a cache evicted \
             from the OS page cache (`dd iflag=nocache`) and once warm. First paint: the release \
             binary under a private Xvfb through tauri-driver, from the app process's start \
             (its /proc start time) to the first frame after the first `tr[data-device-id]` \
             is in the page (the UI's `painted` mark, read by polling WebDriver every 10 ms), \
             taken apart by the page's User Timing marks and WebKit's paint timing. In the same \
             run, each from a cold file: the blank window (the same binary and cache with \
             `PLANT_CONSOLE_BENCH_PAGE=blank`, which opens a page of one line of text instead of \
             the console's, timed to its first frame), and both again with WebKit's \
             accelerated compositing (`PLANT_CONSOLE_COMPOSITING=on`; the app starts WebKitGTK \
             with `WEBKIT_DISABLE_COMPOSITING_MODE=1` on Linux otherwise).",
            args.devices, args.hours, args.sample_every
        ),
    );
    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().join("cache");
    let dead = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let url = format!("http://{dead}");
    // The cache is the plant's own, where a console started for that address opens it.
    let plant = console_core::PlantId::from_url(&PlantUrl::parse(&url)?);
    let cache_dir = store::plants::prepare(&data_dir, &plant, &url)?;
    let built = Instant::now();
    let rows = build_cache(&cache_dir, &args)?;
    let db = cache_dir.join(store::DB_FILE);
    let size = std::fs::metadata(&db)?.len();
    report.figure(
        "cache",
        format!(
            "{} devices, {rows} device history rows, {:.0} MB file (written in {:.0} s)",
            args.devices,
            size as f64 / 1e6,
            built.elapsed().as_secs_f64()
        ),
    );

    // Where the time goes: the store's open (integrity check, migrations) and the load.
    evict(&cache_dir)?;
    let t = Instant::now();
    let opened = store::open_reporting(&cache_dir)?;
    let open_time = t.elapsed();
    let t = Instant::now();
    let stored = store::load_state(&opened.conn)?;
    let load_time = t.elapsed();
    drop(opened);
    report.figure(
        "of which (cold file): store open with its integrity check / state load",
        format!(
            "{:.0} ms / {:.0} ms ({} devices loaded)",
            ms(open_time),
            ms(load_time),
            stored.devices.len()
        ),
    );

    let mut cold = Vec::new();
    for _ in 0..args.runs {
        evict(&cache_dir)?;
        cold.push(ms(start_once(&url, &data_dir, args.devices).await?));
    }
    let warm = ms(start_once(&url, &data_dir, args.devices).await?);
    let (median, _, max) = summary(&mut cold);
    report.figure(
        "Console::start → state ready (cold file)",
        format!(
            "median {median:.0} ms, max {max:.0} ms ({} runs)",
            args.runs
        ),
    );
    report.figure(
        "Console::start → state ready (warm file)",
        format!("{warm:.0} ms"),
    );
    report.target(
        "state ready",
        "≤ 100 ms",
        format!("{median:.0} ms (median, cold file)"),
        median <= 100.0,
        &format!(
            "a cold start reads the whole cache from disk (the warm start, with the file in \
             the page cache, took {warm:.0} ms): the difference is the disk"
        ),
    );

    if !args.no_window {
        window_figures(&mut report, &url, &data_dir, &cache_dir)?;
    }
    Ok(report)
}

/// One offline start: `Console::start` until it returns with every device in its state.
async fn start_once(url: &str, data_dir: &Path, devices: usize) -> Result<Duration> {
    let mut config = ConsoleConfig::new(LinkConfig::new(PlantUrl::parse(url)?), data_dir.into());
    config.notifications = std::sync::Arc::new(NoNotifications);
    let started = Instant::now();
    let (console, batches) = Console::start(config).await?;
    let ready = started.elapsed();
    drop(batches);
    let shown = console.snapshot().devices.len();
    console.shutdown().await?;
    if shown != devices {
        bail!("the console restored {shown} devices, expected {devices}");
    }
    Ok(ready)
}

/// Writes the cache through the store's own writer, oldest history first.
fn build_cache(data_dir: &Path, args: &Args) -> Result<u64> {
    let writer = StoreWriter::spawn(store::open(data_dir)?);
    let now = wire::unix_now().floor();
    let hour = 3600.0;
    let mut rows = 0u64;
    // One chunk per hour (older ones, a sample a minute), then the last hour in six
    // chunks of 10 minutes (a sample every `sample_every` s), each its own transaction.
    let mut chunks: Vec<(f64, f64, f64)> = (1..args.hours)
        .rev()
        .map(|h| {
            let start = now - f64::from(h + 1) * hour;
            (start, start + hour, 60.0)
        })
        .collect();
    for part in 0..6 {
        let start = now - hour + f64::from(part) * 600.0;
        chunks.push((start, start + 600.0, f64::from(args.sample_every)));
    }
    for (start, end, step) in chunks {
        let mut pending = PendingWrites::default();
        let times: Vec<f64> = (0..)
            .map(|k| start + f64::from(k) * step)
            .take_while(|t| *t < end)
            .collect();
        for i in 0..args.devices {
            let mut device = wire::device(i, 0.0, start);
            for (k, &at) in times.iter().enumerate() {
                device.value = Some(60.0 + ((i + k) % 350) as f64 / 10.0);
                device.last_seen = at;
                pending.push(&Change::Device {
                    before: None,
                    after: DeviceEntry {
                        device: std::sync::Arc::new(device.clone()),
                        received_at: at,
                        unreadable: Default::default(),
                        quality: Default::default(),
                    },
                });
                rows += 1;
            }
        }
        let stats_step = if step < 60.0 { 2.0 } else { 60.0 };
        let mut at = start;
        while at < end {
            pending.push(&Change::Stats(StatsEntry {
                stats: SystemStats {
                    cpu_percent: 20.0,
                    memory_percent: 40.0,
                    disk_percent: 60.0,
                    uptime_s: at - now + 86_400.0,
                    clients: 3,
                    server_time: at,
                    extra: Map::new(),
                },
                received_at: at,
                unreadable: Default::default(),
                quality: Default::default(),
            }));
            at += stats_step;
        }
        writer.flush(pending)?;
    }
    let mut pending = PendingWrites::default();
    for r in 0..50 {
        pending.push(&Change::Relay {
            before: None,
            after: RelayEntry {
                relay: Relay {
                    id: format!("relay-{:02}", r + 1),
                    name: format!("Pump {}", r + 1),
                    device_id: Some(wire::device(r, 0.0, now).id),
                    state: r % 2 == 0,
                    changed_at: now - hour,
                    changed_by: None,
                    extra: Map::new(),
                },
                received_at: now - hour,
                unreadable: Default::default(),
                quality: Default::default(),
            },
        });
    }
    pending.contact(now - 1.0);
    writer.close(pending)?;
    Ok(rows)
}

/// Drops the cache's files from the OS page cache (written back first), so the next open
/// reads them from the disk as after a reboot; other files are left alone.
fn evict(data_dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(data_dir)? {
        let path = entry?.path();
        if !path.is_file() {
            continue;
        }
        let synced = Command::new("sync").arg(&path).status()?;
        let dropped = Command::new("dd")
            .arg(format!("if={}", path.display()))
            .args(["iflag=nocache", "count=0", "status=none"])
            .status()?;
        if !synced.success() || !dropped.success() {
            bail!("could not evict {} from the page cache", path.display());
        }
    }
    Ok(())
}

/// One start of the real window: which page it opens and with which WebKit settings.
struct Case {
    /// `PLANT_CONSOLE_BENCH_PAGE=blank`: the blank page instead of the console's.
    blank: bool,
    /// `PLANT_CONSOLE_COMPOSITING=on`: WebKitGTK keeps its accelerated compositing,
    /// which the app turns off by default on Linux (`WEBKIT_DISABLE_COMPOSITING_MODE=1`).
    compositing: bool,
}

impl Case {
    fn env(&self) -> Vec<(&'static str, &'static str)> {
        let mut env = Vec::new();
        if self.blank {
            env.push(("PLANT_CONSOLE_BENCH_PAGE", "blank"));
        }
        if self.compositing {
            env.push(("PLANT_CONSOLE_COMPOSITING", "on"));
        }
        env
    }
}

/// What one start of the window measured.
struct Paint {
    /// App process start → the first frame with the page's content (device rows, or the
    /// blank page's line), in ms.
    process_to_frame: f64,
    /// WebDriver session requested → that frame seen, in ms.
    session_to_frame: f64,
    /// The page's milestones in ms from its navigation start (null when absent).
    steps: serde_json::Value,
}

impl Paint {
    fn at(&self, key: &str) -> String {
        self.steps[key]
            .as_f64()
            .map_or("?".to_owned(), |v| format!("{v:.0}"))
    }

    /// The process's age when the page's navigation started, in ms.
    fn before_navigation(&self) -> f64 {
        self.steps["painted"]
            .as_f64()
            .map_or(f64::NAN, |painted| self.process_to_frame - painted)
    }

    /// The page's own breakdown, one line.
    fn in_page(&self) -> String {
        format!(
            "script start {}, first frame {}, DOM ready {}, snapshot asked {}, snapshot in {}, \
             rows in the DOM {}, their style and layout done {}, next frame {}; WebKit's paint \
             entries: first paint {}, first contentful paint {}; {} web fonts loaded",
            self.at("script_start"),
            self.at("first_frame"),
            self.at("dom_content_loaded"),
            self.at("snapshot_requested"),
            self.at("snapshot_received"),
            self.at("rendered"),
            self.at("layout_done"),
            self.at("painted"),
            self.at("first_paint"),
            self.at("first_contentful_paint"),
            self.steps["fonts_loaded"],
        )
    }
}

/// The window's figures: the console's page on the cold cache, the same with
/// accelerated compositing, and the blank page both ways, each from a cold file.
fn window_figures(report: &mut Report, url: &str, data_dir: &Path, cache_dir: &Path) -> Result<()> {
    let run = |blank, compositing| -> Result<Paint> {
        evict(cache_dir)?;
        first_paint(url, data_dir, &Case { blank, compositing })
    };
    let console = run(false, false)?;
    let console_composited = run(false, true)?;
    let blank = run(true, false)?;
    let blank_composited = run(true, true)?;
    report.figure(
        "window: in the page, ms from navigation start",
        console.in_page(),
    );
    report.figure(
        "window: app process start → first frame with device rows (cold file; the frame's own time, not when WebDriver saw it)",
        format!(
            "{:.0} ms, of which {:.0} ms before the page's navigation started",
            console.process_to_frame,
            console.before_navigation()
        ),
    );
    report.figure(
        "window: WebDriver session request → first frame with device rows",
        format!(
            "{:.0} ms (includes tauri-driver and WebKitWebDriver starting)",
            console.session_to_frame
        ),
    );
    report.figure(
        "blank window (the same binary and cache, PLANT_CONSOLE_BENCH_PAGE=blank: one line of text, no UI): app process start → its first frame",
        format!(
            "{:.0} ms, of which {:.0} ms before the page's navigation started; in the page: \
             script start {}, first frame {}, first contentful paint {}",
            blank.process_to_frame,
            blank.before_navigation(),
            blank.at("script_start"),
            blank.at("first_frame"),
            blank.at("first_contentful_paint"),
        ),
    );
    report.figure(
        "with accelerated compositing (PLANT_CONSOLE_COMPOSITING=on; the app's default on Linux is without): app process start → first frame, console with device rows / blank",
        format!(
            "{:.0} ms / {:.0} ms; in the console's page: {}",
            console_composited.process_to_frame,
            blank_composited.process_to_frame,
            console_composited.in_page()
        ),
    );
    let measured = console.process_to_frame;
    report.target(
        "first paint with data",
        "≤ 1 s",
        format!("{measured:.0} ms"),
        measured <= 1000.0,
        &format!(
            "the blank window, the same binary on the same cache with one line of text for a \
             page, shows its first frame {:.0} ms after its process starts ({:.0} ms of it \
             before its page's navigation starts, {} ms in the page until WebKitGTK runs its \
             first frame): that much is the process, GTK, WebKit and WebKit's first frame, \
             whatever the page. The console's page adds {:.0} ms: its script starts at {} ms, \
             has its snapshot at {} ms and the rows in its DOM at {} ms, their style and \
             layout done at {} ms, and WebKitGTK runs the next frame at {} ms. With \
             accelerated compositing (the app turns it off on Linux) the console shows its \
             rows at {:.0} ms and the blank page at {:.0} ms",
            blank.process_to_frame,
            blank.before_navigation(),
            blank.at("painted"),
            measured - blank.process_to_frame,
            console.at("script_start"),
            console.at("snapshot_received"),
            console.at("rendered"),
            console.at("layout_done"),
            console.at("painted"),
            console_composited.process_to_frame,
            blank_composited.process_to_frame,
        ),
    );
    Ok(())
}

/// One start of the real window on the cache, timed from the app process's start to
/// the first frame with the page's content (the page marks `painted` in it).
fn first_paint(url: &str, data_dir: &Path, case: &Case) -> Result<Paint> {
    use test_support::desktop::Desktop;
    use test_support::webdriver::TauriDriver;

    let binary = procfs::release_binary("plant-console")?;
    let desktop = Desktop::start();
    let driver = TauriDriver::start_with_env(&desktop, &case.env());
    let requested = Instant::now();
    let mut window = driver.session(
        &binary,
        &[
            "--server",
            url,
            "--data-dir",
            data_dir.to_str().context("a UTF-8 path")?,
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    // Rows in the DOM are not yet on the screen: the UI marks `painted` in the first frame
    // callback after it drew them, and that is what is waited for (the blank page marks
    // it in its first frame).
    let painted = if case.blank {
        "return performance.getEntriesByName('painted', 'mark').length > 0;"
    } else {
        "return document.querySelector('tr[data-device-id]') !== null && \
         performance.getEntriesByName('painted', 'mark').length > 0;"
    };
    loop {
        let done = window
            .execute(painted, &[])
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if done {
            break;
        }
        if Instant::now() > deadline {
            bail!("no painted page within 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let session_to_frame = ms(requested.elapsed());
    let pid = procfs::pids_of(&binary)
        .into_iter()
        .filter_map(|pid| Some((pid, procfs::age(pid).ok()?)))
        .min_by_key(|(_, age)| *age)
        .context("the app's process was not found")?;
    let in_page = window
        .execute("return performance.now();", &[])
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN);
    // The page's own milestones (navigation timing, WebKit's paint timing and the UI's
    // User Timing marks), in ms from its navigation start, to say where the time goes.
    let steps = window
        .execute(
            "const n = performance.getEntriesByType('navigation')[0]; \
             const m = (x) => { const e = performance.getEntriesByName(x, 'mark')[0]; return e ? e.startTime : null; }; \
             const p = (x) => { const e = performance.getEntriesByType('paint').find((e) => e.name === x); return e ? e.startTime : null; }; \
             const fonts = document.fonts ? [...document.fonts].filter((f) => f.status === 'loaded').length : null; \
             return { dom_content_loaded: n ? n.domContentLoadedEventEnd : null, \
                      script_start: m('script-start'), first_frame: m('first-frame'), \
                      snapshot_requested: m('snapshot-requested'), snapshot_received: m('snapshot-received'), \
                      rendered: m('rendered'), layout_done: m('layout-done'), painted: m('painted'), \
                      first_paint: p('first-paint'), first_contentful_paint: p('first-contentful-paint'), \
                      fonts_loaded: fonts };",
            &[],
        )
        .unwrap_or_default();
    // WebDriver sees the mark some time after the frame (its polls are slow while the page
    // is busy): the process's age at the frame itself is its age now less that delay.
    let seen_late_by = steps["painted"]
        .as_f64()
        .map_or(0.0, |painted| (in_page - painted).max(0.0));
    Ok(Paint {
        process_to_frame: ms(pid.1) - seen_late_by,
        session_to_frame,
        steps,
    })
}
