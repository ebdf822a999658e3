//! Benchmark 7, the window under load: the release app under a private Xvfb, through
//! tauri-driver, on a plant of 10 000 devices sending 1 000 one-device updates a second.
//! Frame times are taken in the page with requestAnimationFrame.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;
use test_support::desktop::Desktop;
use test_support::webdriver::TauriDriver;

use crate::procfs;
use crate::report::{summary, Report};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Devices in the plant (rows in the device table).
    #[arg(long, default_value_t = 10_000)]
    pub devices: usize,
    /// One-device updates per second.
    #[arg(long, default_value_t = 1_000)]
    pub rate: u32,
    /// Seconds of frames measured.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Seconds of updates before measuring.
    #[arg(long, default_value_t = 5.0)]
    pub warmup: f64,
}

/// Measures frames in the page: the time between successive requestAnimationFrame
/// callbacks for `arguments[0]` ms, and how many DOM changes the table saw meanwhile
/// (to show the updates were being drawn).
const FRAMES_SCRIPT: &str = r#"
const [duration, done] = [arguments[0], arguments[arguments.length - 1]];
let mutations = 0;
const observer = new MutationObserver((records) => { mutations += records.length; });
observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
const deltas = [];
let last = 0;
let end = 0;
function frame(t) {
  deltas.push(t - last);
  last = t;
  if (t < end) { requestAnimationFrame(frame); }
  else { observer.disconnect(); done({ deltas, mutations, rows: document.querySelectorAll("tr[data-device-id]").length }); }
}
requestAnimationFrame((t) => { last = t; end = t + duration; requestAnimationFrame(frame); });
"#;

pub async fn run(args: Args) -> Result<Report> {
    tokio::task::spawn_blocking(move || run_blocking(args)).await?
}

fn run_blocking(args: Args) -> Result<Report> {
    let mut report = Report::new(
        "ui",
        "7. UI frame times",
        format!(
            "`plant-server --devices {} --updates-per-second {}` and the release app (its window, with \
             the UI embedded at build time from ui/dist) under a private Xvfb (1280×800, software \
             rendering) through tauri-driver. After the device rows are shown and {} s of updates, \
             a WebDriver async script records the interval between successive \
             requestAnimationFrame callbacks for {} s, and counts the DOM changes meanwhile.",
            args.devices, args.rate, args.warmup, args.seconds
        ),
    );
    let binary = procfs::release_binary("plant-console")?;
    let (mut server, url) = procfs::streaming_plant(args.devices, args.rate)?;
    let dir = tempfile::tempdir()?;
    let desktop = Desktop::start();
    let driver = TauriDriver::start(&desktop);
    let mut window = driver.session(
        &binary,
        &[
            "--server",
            &url,
            "--data-dir",
            dir.path().to_str().context("a UTF-8 path")?,
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while window.find_all("tr[data-device-id]").is_empty() {
        if Instant::now() > deadline {
            bail!("no device row appeared within 60 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs_f64(args.warmup));
    let millis = args.seconds * 1000.0;
    let result = window
        .execute_async(
            FRAMES_SCRIPT,
            &[Value::from(millis)],
            Duration::from_secs_f64(args.seconds + 30.0),
        )
        .map_err(|e| anyhow::anyhow!("the frame script failed (CSP or WebDriver): {e}"))?;
    let screenshot = test_support::desktop::artifacts_dir("bench").join("ui-under-load.png");
    window.screenshot(&screenshot);
    drop(window);
    drop(driver);
    server.stop(Duration::from_secs(10));

    let mut deltas: Vec<f64> = result["deltas"]
        .as_array()
        .context("no frame times came back")?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let frames = deltas.len();
    let over_50 = deltas.iter().filter(|d| **d > 50.0).count();
    let (p50, p99, max) = summary(&mut deltas);
    report.figure(
        "frames",
        format!(
            "{frames} in {:.0} s ({:.1} per second); {} DOM changes meanwhile; {} device rows in the DOM",
            args.seconds,
            frames as f64 / args.seconds,
            result["mutations"],
            result["rows"]
        ),
    );
    report.figure(
        "frame time",
        format!(
            "p50 {p50:.1} ms, p99 {p99:.1} ms, longest {max:.1} ms; {over_50} frames over 50 ms"
        ),
    );
    report.figure("screenshot", screenshot.display().to_string());
    report.target(
        "longest frame",
        "≤ 50 ms",
        format!("{max:.1} ms (p99 {p99:.1} ms)"),
        max <= 50.0,
        &format!(
            "{over_50} frames took longer than 50 ms while batches of device updates were \
             applied; WebKitGTK under Xvfb draws in software on this machine's 2 cores, \
             shared with the plant server and the console core"
        ),
    );
    Ok(report)
}
