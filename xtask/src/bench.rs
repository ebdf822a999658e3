//! `cargo xtask bench`: builds the benchmarks and the binaries they drive in release,
//! runs each benchmark of `crates/bench` in turn, and writes BENCHMARKS.md from their JSON
//! reports with the machine's description and the exact command of each.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Result};
use serde_json::Value;

use super::{cargo, run_cmd, setup, step};

/// Every benchmark, in the issue's order, with its arguments for the default run. With
/// `--long` the memory benchmark runs for an hour and last, so that every benchmark
/// timing CPU or latency has run before the hour starts (the machine is then free for
/// other work without touching those figures; the memory figures are resident sizes).
fn benches(long: bool) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut benches = vec![
        ("latency", vec![]),
        ("ingest", vec![]),
        ("reconnect", vec![]),
        ("cold-start", vec![]),
        ("memory", vec![]),
        ("idle-cpu", vec![]),
        ("ui", vec![]),
        ("fanout", vec![]),
        ("fanout-shared", vec![]),
        ("failover", vec![]),
    ];
    if long {
        benches.retain(|(name, _)| *name != "memory");
        benches.push(("memory", vec!["--minutes", "60"]));
    }
    benches
}

/// One benchmark's run: its command, how long it took, and its report or why none.
struct Ran {
    name: &'static str,
    command: String,
    seconds: f64,
    report: Result<Value, String>,
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let long = args.iter().any(|a| a == "--long");
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|list| list.split(',').map(str::to_owned).collect());
    prerequisites(root)?;

    step("building the benchmarks and the binaries they run (release)");
    let build = [
        "build",
        "--release",
        "-p",
        "bench",
        "-p",
        "plant-console",
        "-p",
        "console-app",
        "-p",
        "plant-server",
    ];
    run_cmd(Command::new(cargo()).args(build))?;

    let machine = machine(root);
    let started = Instant::now();
    let mut ran = Vec::new();
    for (name, extra) in benches(long) {
        if only.as_ref().is_some_and(|o| !o.iter().any(|n| n == name)) {
            continue;
        }
        let report_path = format!("target/bench/{name}.json");
        let _ = std::fs::remove_file(root.join(&report_path));
        let mut argv = vec!["target/release/plant-bench", name];
        argv.extend(&extra);
        argv.extend(["--report", &report_path]);
        let command = argv.join(" ");
        step(&format!("benchmark {name}: {command}"));
        let begun = Instant::now();
        let status = Command::new(root.join(argv[0]))
            .args(&argv[1..])
            .current_dir(root)
            .status();
        let seconds = begun.elapsed().as_secs_f64();
        let report = match status {
            Ok(status) if status.success() => std::fs::read(root.join(&report_path))
                .map_err(|e| e.to_string())
                .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string())),
            Ok(status) => Err(format!("the benchmark failed ({status}); see its output")),
            Err(error) => Err(format!("the benchmark could not start: {error}")),
        };
        ran.push(Ran {
            name,
            command,
            seconds,
            report,
        });
    }

    // BENCHMARKS.md keeps the issue's order whatever order they ran in.
    let order: Vec<&str> = benches(false).into_iter().map(|(name, _)| name).collect();
    ran.sort_by_key(|r| order.iter().position(|name| *name == r.name));
    let total = started.elapsed().as_secs_f64();
    let full = only.is_none();
    let text = markdown(&machine, &ran, total, long, full);
    let target = if full {
        root.join("BENCHMARKS.md")
    } else {
        // A partial run must not replace the full record.
        root.join("target/bench/BENCHMARKS.partial.md")
    };
    std::fs::write(&target, text)?;
    println!("\nxtask: wrote {}", target.display());
    let failed: Vec<&str> = ran
        .iter()
        .filter(|r| r.report.is_err())
        .map(|r| r.name)
        .collect();
    if !failed.is_empty() {
        bail!("these benchmarks failed: {}", failed.join(", "));
    }
    Ok(())
}

/// What the benchmarks need besides the build: everything `cargo xtask setup --test`
/// installs (the Python venv with python-socketio, socket.io-client for Node, tauri-driver,
/// Xvfb, WebKitWebDriver, D-Bus, the built UI). It checks before it acts, so a second run
/// costs seconds.
fn prerequisites(root: &Path) -> Result<()> {
    setup(root, true)
}

fn output_of(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text).trim().to_owned()
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The machine's description, as rows of (what, value).
fn machine(root: &Path) -> Vec<(&'static str, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown".into(), |m| m.trim().to_owned());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or("unknown".into(), |kib| {
            format!("{:.1} GiB", kib / 1024.0 / 1024.0)
        });
    let load = std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    let python = root.join("target/py-venv/bin/python3");
    let commit = output_of("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = !output_of("git", &["status", "--porcelain"]).is_empty();
    vec![
        ("date", output_of("date", &["-u", "+%Y-%m-%d %H:%M UTC"])),
        ("CPU", model),
        ("cores (nproc)", output_of("nproc", &[])),
        ("memory", memory),
        ("kernel", output_of("uname", &["-sr"])),
        ("load average at start (1, 5, 15 min)", load),
        ("rustc", output_of("rustc", &["--version"])),
        ("Node.js", output_of("node", &["--version"])),
        (
            "Python",
            output_of(python.to_str().unwrap_or("python3"), &["--version"]),
        ),
        (
            "commit",
            format!(
                "{commit}{}",
                if dirty {
                    " (with uncommitted changes)"
                } else {
                    ""
                }
            ),
        ),
    ]
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or("")
}

/// Which figures exist for which system, said in every report.
const LINUX_ONLY: &str = "Every figure here is for Linux only: the benchmarks run the Linux build on this Linux machine, and none has been measured on Windows. The Windows exe is built, linted and its headless core, CLI and installer are tested under Wine on every change, but Wine is no place to time it; the window's figures (WebKitGTK here, WebView2 on Windows), the footprint (procfs) and the cold start in particular do not carry over. Measuring them needs a real Windows machine.";

fn markdown(machine: &[(&str, String)], ran: &[Ran], total: f64, long: bool, full: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Written by `cargo xtask bench{}`{}: do not edit by hand, run it again. Every figure \
         below comes from one run on loopback on the machine described here; figures shown \
         side by side were measured in the same run, against the same server and the same \
         workload. Benchmarks measure and print; no test times anything. The whole run took \
         {:.0} minutes.\n",
        if long { " --long" } else { "" },
        if full { "" } else { " (a partial run)" },
        total / 60.0
    );
    let _ = writeln!(out, "## Machine\n\n| | |\n|---|---|");
    for (what, value) in machine {
        let _ = writeln!(out, "| {what} | {value} |");
    }
    let _ = writeln!(
        out,
        "\nThe machine's 2 cores may be shared with other work while the benchmarks run \
         (the load average above says how busy it was); figures from such a machine vary \
         from run to run by several per cent, more for tail latencies.\n"
    );
    let _ = writeln!(out, "{LINUX_ONLY}\n");

    let _ = writeln!(
        out,
        "## Summary\n\n| benchmark | target | measured | |\n|---|---|---|---|"
    );
    for r in ran {
        match &r.report {
            Ok(report) => {
                for t in report["targets"].as_array().into_iter().flatten() {
                    let met = t["met"].as_bool().unwrap_or(false);
                    let _ = writeln!(
                        out,
                        "| {} — {} | {} | {} | {} |",
                        text(report, "title"),
                        text(t, "what"),
                        text(t, "target"),
                        text(t, "measured"),
                        if met { "met" } else { "**missed**" }
                    );
                }
            }
            Err(error) => {
                let _ = writeln!(out, "| {} | | failed: {error} | **failed** |", r.name);
            }
        }
    }
    let _ = writeln!(out);

    for r in ran {
        let report = match &r.report {
            Ok(report) => report,
            Err(error) => {
                let _ = writeln!(
                    out,
                    "## {}\n\n```sh\n{}\n```\n\nFailed after {:.0} s: {error}\n",
                    r.name, r.command, r.seconds
                );
                continue;
            }
        };
        let _ = writeln!(out, "## {}\n", text(report, "title"));
        let _ = writeln!(
            out,
            "```sh\n{}\n```\n\n(took {:.0} s)\n",
            r.command, r.seconds
        );
        let _ = writeln!(out, "{}\n", text(report, "method"));
        for f in report["figures"].as_array().into_iter().flatten() {
            let _ = writeln!(out, "- {}: **{}**", text(f, "label"), text(f, "value"));
        }
        let _ = writeln!(out);
        for t in report["targets"].as_array().into_iter().flatten() {
            let met = t["met"].as_bool().unwrap_or(false);
            let _ = writeln!(
                out,
                "Target: {} {} — measured {}: {}.\n",
                text(t, "what"),
                text(t, "target"),
                text(t, "measured"),
                if met { "met" } else { "**missed**" }
            );
            if let Some(why) = t["in_the_way"].as_str() {
                let _ = writeln!(out, "What is in the way: {why}\n");
            }
        }
        for note in report["notes"].as_array().into_iter().flatten() {
            let _ = writeln!(out, "Note: {}\n", note.as_str().unwrap_or(""));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_run_measures_memory_for_an_hour_after_every_other_benchmark() {
        let long = benches(true);
        assert_eq!(long.last(), Some(&("memory", vec!["--minutes", "60"])));
        assert_eq!(long.len(), benches(false).len());
        assert!(benches(false).contains(&("memory", vec![])));
    }

    #[test]
    fn a_report_becomes_a_section_and_a_summary_row() {
        let report = serde_json::json!({
            "name": "latency", "title": "1. Latency", "method": "How.",
            "figures": [{"label": "p99", "value": "1.0 ms"}],
            "targets": [{"what": "p99", "target": "≤ 2 ms", "measured": "1.0 ms", "met": true,
                         "in_the_way": null}],
            "notes": ["A note."]
        });
        let ran = [Ran {
            name: "latency",
            command: "target/release/plant-bench latency".into(),
            seconds: 12.0,
            report: Ok(report),
        }];
        let text = markdown(&[("CPU", "x".into())], &ran, 60.0, false, true);
        assert!(text.contains("| 1. Latency — p99 | ≤ 2 ms | 1.0 ms | met |"));
        assert!(text.contains("## 1. Latency"));
        assert!(text.contains("- p99: **1.0 ms**"));
        assert!(text.contains("Note: A note."));
    }
}
