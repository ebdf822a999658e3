//! Benchmark 8, the reference server's fan-out: many console links (the console core's
//! own link task, in this process) on one `plant-server` process sending one-device
//! updates at a steady rate. Measured: delivery time per update per link (the server's
//! `server_time` stamp → the link handing the parsed update on) and the server's CPU.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use console_core::{LinkConfig, LinkMode, PlantUrl};
use plant_link::link::{self, LinkEvent};
use plant_link::session::Inbound;
use tokio::sync::mpsc;

use crate::procfs;
use crate::report::{summary, Report};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Console links.
    #[arg(long, default_value_t = 100)]
    pub links: usize,
    /// One-device updates per second from the plant.
    #[arg(long, default_value_t = 1_000)]
    pub rate: u32,
    /// Devices in the plant.
    #[arg(long, default_value_t = 1_000)]
    pub devices: usize,
    /// Seconds measured (after a 5 s warm-up).
    #[arg(long, default_value_t = 30.0)]
    pub seconds: f64,
}

pub async fn run(args: Args) -> Result<Report> {
    let mut report = Report::new(
        "fanout",
        "8. Reference server fan-out",
        format!(
            "`plant-server --devices {} --updates-per-second {}` (release binary, its own process) \
             and {} console links (`plant_link::link`, the console's own WebSocket task, each \
             with its own session) in the bench process. After every link is live and 5 s of \
             warm-up, for {} s: delivery = the link's arrival stamp of each parsed update − the \
             update's `server_time` (stamped when the server queued it), over every update on every \
             link; server CPU = its user + system time from /proc.",
            args.devices, args.rate, args.links, args.seconds
        ),
    );
    let (mut server, url) = procfs::streaming_plant(args.devices, args.rate)?;
    let measured = measure(&[url], args.links, &[server.pid()], args.seconds).await?;
    server.stop(Duration::from_secs(10));
    let Measured {
        mut delays,
        cpu,
        own_cpu,
        elapsed,
    } = measured;
    let server_cpu = cpu[0];
    let expected = args.links as f64 * f64::from(args.rate) * args.seconds;
    let count = delays.len();
    let (p50, p99, max) = summary(&mut delays);
    report.figure(
        "deliveries",
        format!(
            "{count} ({:.1} % of {} links × {} updates/s × {} s)",
            count as f64 / expected * 100.0,
            args.links,
            args.rate,
            args.seconds
        ),
    );
    report.figure(
        "delivery (server stamp → link)",
        format!("p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms"),
    );
    report.figure(
        "server CPU",
        format!(
            "{:.1} s in {elapsed:.0} s: {:.0} % of one core",
            server_cpu.as_secs_f64(),
            server_cpu.as_secs_f64() / elapsed * 100.0
        ),
    );
    report.figure(
        &format!("the {} links' process CPU (for comparison)", args.links),
        format!(
            "{:.0} % of one core",
            own_cpu.as_secs_f64() / elapsed * 100.0
        ),
    );
    report.note("The issue sets no target for the fan-out: the figures are reported as measured.");
    Ok(report)
}

/// What one fan-out measurement came to.
pub struct Measured {
    /// Delivery times (ms) of every update stamped inside the window, on every link.
    pub delays: Vec<f64>,
    /// CPU time of each watched process over the window, in the order given.
    pub cpu: Vec<Duration>,
    /// This process's CPU time (the links') over the window.
    pub own_cpu: Duration,
    /// The window's length in seconds.
    pub elapsed: f64,
}

/// Runs `links` console links spread over `urls` in turn, waits until all are live and
/// 5 s more, then measures for `seconds`: every non-snapshot devices update's delivery
/// time on every link, and the CPU time of `pids` and of this process.
pub async fn measure(
    urls: &[String],
    links: usize,
    pids: &[u32],
    seconds: f64,
) -> Result<Measured> {
    let (window_tx, window) = tokio::sync::watch::channel::<Option<(f64, f64)>>(None);
    let mut handles = Vec::new();
    let mut collectors = Vec::new();
    for index in 0..links {
        let url = &urls[index % urls.len()];
        let (events_tx, mut events) = mpsc::channel(1024);
        let (handle, task) = link::spawn(LinkConfig::new(PlantUrl::parse(url)?), events_tx);
        handles.push((handle, task));
        let window = window.clone();
        collectors.push(tokio::spawn(async move {
            let mut delays = Vec::new();
            while let Some(event) = events.recv().await {
                let LinkEvent::Inbound {
                    at,
                    message: Inbound::Devices(read),
                } = event
                else {
                    continue;
                };
                let update = read.value;
                if update.snapshot {
                    continue;
                }
                if let Some((from, to)) = *window.borrow() {
                    if update.server_time >= from && update.server_time < to {
                        delays.push((at - update.server_time) * 1000.0);
                    }
                }
            }
            delays
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while handles
        .iter()
        .any(|(h, _)| h.state().borrow().mode != LinkMode::Realtime)
    {
        if Instant::now() > deadline {
            bail!("not every link went live within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let from = plant_link::clock::unix_now();
    let to = from + seconds;
    window_tx.send_replace(Some((from, to)));
    let before = pids
        .iter()
        .map(|pid| procfs::cpu_time(*pid))
        .collect::<Result<Vec<_>>>()?;
    let own_before = procfs::cpu_time(std::process::id())?;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let mut cpu = Vec::new();
    for (pid, before) in pids.iter().zip(before) {
        cpu.push(procfs::cpu_time(*pid)? - before);
    }
    let own_cpu = procfs::cpu_time(std::process::id())? - own_before;
    let elapsed = started.elapsed().as_secs_f64();
    // Updates stamped inside the window may still be on their way: give them a moment.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for (handle, _) in &handles {
        handle.shutdown().await;
    }
    let mut delays = Vec::new();
    for (_, task) in handles {
        let _ = task.await;
    }
    for collector in collectors {
        delays.extend(collector.await?);
    }
    Ok(Measured {
        delays,
        cpu,
        own_cpu,
        elapsed,
    })
}
