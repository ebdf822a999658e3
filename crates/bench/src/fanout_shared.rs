//! Benchmark 8b, the fan-out of plant servers sharing one plant through Redis: the same
//! console links spread over two `plant-server --redis` instances (one streams, the Redis
//! adapter carries its updates to the other), side by side with the same links on one
//! instance alone, in the same run. Measured: delivery time per update per link and each
//! process's CPU (each instance, and Redis).

use std::time::Duration;

use anyhow::Result;

use crate::fanout::{measure, Measured};
use crate::procfs;
use crate::report::{summary, Report};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Console links in each case (spread evenly over the instances).
    #[arg(long, default_value_t = 200)]
    pub links: usize,
    /// One-device updates per second from the plant.
    #[arg(long, default_value_t = 1_000)]
    pub rate: u32,
    /// Devices in the plant.
    #[arg(long, default_value_t = 1_000)]
    pub devices: usize,
    /// Seconds measured in each case (after a 5 s warm-up).
    #[arg(long, default_value_t = 30.0)]
    pub seconds: f64,
}

pub async fn run(args: Args) -> Result<Report> {
    let mut report = Report::new(
        "fanout-shared",
        "8b. Fan-out across two instances sharing the plant through Redis",
        format!(
            "Two cases, one after the other in the same run, each with {links} console links \
             (`plant_link::link`) in the bench process and `--devices {devices} \
             --updates-per-second {rate} --seed 1` (release binaries, their own processes): \
             one `plant-server` alone, then two `plant-server --redis` instances on one \
             Debian `redis-server` (no persistence), the links spread evenly over them; the \
             instance holding the simulation lease streams and the Redis adapter carries each \
             update to the other's clients. Each case: after every link is live and 5 s of \
             warm-up, {seconds} s of delivery = the link's arrival stamp − the update's \
             `server_time`, over every update on every link, and each process's user + system \
             CPU from /proc.",
            links = args.links,
            devices = args.devices,
            rate = args.rate,
            seconds = args.seconds,
        ),
    );
    let streaming = [
        "--devices".to_string(),
        args.devices.to_string(),
        "--updates-per-second".to_string(),
        args.rate.to_string(),
        "--seed".to_string(),
        "1".to_string(),
    ];
    let as_strs = |extra: &[String]| -> Vec<String> {
        streaming.iter().chain(extra.iter()).cloned().collect()
    };

    // One instance alone.
    let alone = {
        let args_alone = as_strs(&[]);
        let refs: Vec<&str> = args_alone.iter().map(String::as_str).collect();
        let (mut server, url) = procfs::plant_server(&refs)?;
        let measured = measure(&[url], args.links, &[server.pid()], args.seconds).await?;
        server.stop(Duration::from_secs(10));
        measured
    };
    describe(&mut report, "1 instance", &args, alone, &["the instance"]);

    // Two instances sharing the plant.
    let redis = test_support::redis::RedisServer::start();
    // Debian's redis-server is a link to redis-check-rdb, which /proc names as the exe.
    let redis_exe = std::fs::canonicalize(test_support::redis::REDIS_SERVER)?;
    let redis_pid = procfs::pids_of(&redis_exe).into_iter().find(|pid| {
        std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|line| line.contains(&redis.port().to_string()))
    });
    let mut servers = Vec::new();
    let mut urls = Vec::new();
    for name in ["east", "west"] {
        let shared = as_strs(&[
            "--redis".to_string(),
            redis.url(),
            "--instance".to_string(),
            name.to_string(),
        ]);
        let refs: Vec<&str> = shared.iter().map(String::as_str).collect();
        let (server, url) = procfs::plant_server(&refs)?;
        servers.push(server);
        urls.push(url);
    }
    let mut pids: Vec<u32> = servers.iter().map(procfs::Process::pid).collect();
    pids.extend(redis_pid);
    let shared = measure(&urls, args.links, &pids, args.seconds).await?;
    for server in &mut servers {
        server.stop(Duration::from_secs(10));
    }
    let mut names = vec!["instance east", "instance west"];
    if redis_pid.is_some() {
        names.push("redis-server");
    }
    describe(&mut report, "2 instances + Redis", &args, shared, &names);
    report.note(
        "One of the two instances streams (whichever took the simulation lease first: the \
         one with more CPU); the other only relays what Redis brings it to its own links.",
    );
    report.note("The issue sets no target for the fan-out: the figures are reported as measured.");
    Ok(report)
}

/// Adds one case's figures to the report, labelled with `case`.
fn describe(report: &mut Report, case: &str, args: &Args, measured: Measured, names: &[&str]) {
    let Measured {
        mut delays,
        cpu,
        own_cpu,
        elapsed,
    } = measured;
    let expected = args.links as f64 * f64::from(args.rate) * args.seconds;
    let count = delays.len();
    let (p50, p99, max) = summary(&mut delays);
    report.figure(
        &format!("{case}: deliveries"),
        format!(
            "{count} ({:.1} % of {} links × {} updates/s × {} s)",
            count as f64 / expected * 100.0,
            args.links,
            args.rate,
            args.seconds
        ),
    );
    report.figure(
        &format!("{case}: delivery (server stamp → link)"),
        format!("p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms"),
    );
    for (name, cpu) in names.iter().zip(cpu) {
        report.figure(
            &format!("{case}: {name} CPU"),
            format!(
                "{:.1} s in {elapsed:.0} s: {:.0} % of one core",
                cpu.as_secs_f64(),
                cpu.as_secs_f64() / elapsed * 100.0
            ),
        );
    }
    report.figure(
        &format!("{case}: the links' process CPU (for comparison)"),
        format!(
            "{:.0} % of one core",
            own_cpu.as_secs_f64() / elapsed * 100.0
        ),
    );
}
