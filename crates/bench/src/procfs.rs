//! Reading a process's resident memory and CPU time from /proc, and starting and
//! stopping the real binaries the process-level benchmarks watch.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};

/// Resident memory of `pid` in bytes (`VmRSS`).
pub fn rss_bytes(pid: u32) -> Result<u64> {
    status_kib(pid, "VmRSS:").map(|kib| kib * 1024)
}

/// Anonymous resident memory of `pid` in bytes (`RssAnon`): the heap, the threads'
/// stacks and the allocator's arenas, without the mapped binary, libraries and files.
pub fn rss_anon_bytes(pid: u32) -> Result<u64> {
    status_kib(pid, "RssAnon:").map(|kib| kib * 1024)
}

/// A `… kB` line of /proc/PID/status.
fn status_kib(pid: u32, key: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with(key))
        .with_context(|| format!("no {key} line"))?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .with_context(|| format!("{key} without a number"))?
        .parse()?)
}

/// User plus system CPU time `pid` has used so far.
pub fn cpu_time(pid: u32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name (field 2) may hold spaces and parentheses: count from its end.
    let rest = &stat[stat.rfind(')').context("malformed stat")? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the name and state.
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    Ok(Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64))
}

/// How old `pid` is, from its start time in /proc (clock-tick resolution, 10 ms).
pub fn age(pid: u32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let rest = &stat[stat.rfind(')').context("malformed stat")? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field 22 (starttime, ticks after boot) is 19 after the name and state.
    let started = fields[19].parse::<u64>()? as f64 / clock_ticks() as f64;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")?
        .split_whitespace()
        .next()
        .context("empty /proc/uptime")?
        .parse()?;
    Ok(Duration::from_secs_f64((uptime - started).max(0.0)))
}

/// The kernel's clock ticks per second (USER_HZ), asked once from `getconf`.
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100)
    })
}

/// The pids of running processes whose executable is `exe`.
pub fn pids_of(exe: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|target| target == exe)
        })
        .collect()
}

/// A release binary of this workspace, built by `cargo xtask bench`.
pub fn release_binary(name: &str) -> Result<PathBuf> {
    let path = test_support::workspace_root()
        .join("target/release")
        .join(name);
    if !path.is_file() {
        bail!(
            "{} is missing: build it with `cargo build --release -p {name}` (cargo xtask bench does)",
            path.display()
        );
    }
    // The real path: /proc names a process's executable by it, even when target/ is a
    // link to a target folder elsewhere.
    Ok(path.canonicalize()?)
}

/// A child that is asked to stop with SIGTERM when dropped, then killed if it lingers.
pub struct Process(pub Child);

impl Process {
    pub fn spawn(command: &mut Command) -> Result<Process> {
        let shown = format!("{command:?}");
        let child = command
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {shown}"))?;
        Ok(Process(child))
    }

    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// SIGTERM, then up to `grace` for a clean exit, then SIGKILL.
    pub fn stop(&mut self, grace: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + grace;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.0.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        self.0.wait().ok()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            self.stop(Duration::from_secs(10));
        }
    }
}

/// Starts the reference plant server binary on a free loopback port and waits until it
/// answers; returns it with its base URL.
pub fn plant_server(args: &[&str]) -> Result<(Process, String)> {
    let port = test_support::free_port();
    let bind = format!("127.0.0.1:{port}");
    let child = Process::spawn(
        Command::new(release_binary("plant-server")?)
            .args(["--bind", &bind])
            .args(args)
            .env("RUST_LOG", "warn"),
    )?;
    let url = format!("http://{bind}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&bind).is_err() {
        if std::time::Instant::now() > deadline {
            bail!("plant-server did not listen on {bind} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((child, url))
}

/// The reference plant server streaming `rate` one-device updates a second over
/// `devices` devices (each in turn, seeded so every run sends the same values).
pub fn streaming_plant(devices: usize, rate: u32) -> Result<(Process, String)> {
    plant_server(&[
        "--devices",
        &devices.to_string(),
        "--updates-per-second",
        &rate.to_string(),
        "--seed",
        "1",
    ])
}
