//! `cargo xtask fuzz`: builds the cargo-fuzz targets in `fuzz/` and runs each for a
//! bounded time, starting from the seed corpus of real Flask frames in `fuzz/seeds/`.
//! Not part of `cargo xtask test`: CI's time is not for fuzzing.
//!
//! cargo-fuzz is built from crates.io into target/tools, like tauri-driver, so it never
//! touches the user's own cargo installs. The targets are built without a sanitizer:
//! the console's crates forbid `unsafe`, so what a fuzzer can find in them is a panic,
//! an overflow (debug assertions are on) or a hang, which need no sanitizer, and the
//! instrumentation cargo-fuzz then adds uses only flags of stable rustc. RUSTC_BOOTSTRAP
//! is set anyway because cargo-fuzz and libfuzzer-sys assume a nightly toolchain and
//! this project builds with stable only.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{cargo, run_cmd, step, succeeds};

const DEFAULT_SECONDS: u64 = 60;

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut seconds = DEFAULT_SECONDS;
    let mut only: Option<Vec<String>> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|value| value.parse().ok())
                    .context("--seconds takes a number of seconds per target")?;
            }
            "--only" => {
                only = Some(
                    args.next()
                        .context("--only takes target names, comma-separated")?
                        .split(',')
                        .map(str::to_owned)
                        .collect(),
                );
            }
            other => bail!("unknown option {other:?} (fuzz [--seconds N] [--only NAME[,NAME…]])"),
        }
    }
    let cargo_fuzz = install_cargo_fuzz(root)?;
    let fuzz_dir = root.join("fuzz");
    let target_dir = root.join("target/fuzz");
    let fuzz = |args: &[&str]| {
        let mut command = Command::new(&cargo_fuzz);
        command
            .args(args)
            .current_dir(&fuzz_dir)
            .env("RUSTC_BOOTSTRAP", "1");
        command
    };
    let listed = fuzz(&["list"])
        .output()
        .context("could not run cargo-fuzz list")?;
    let mut targets: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(|line| line.trim().to_owned())
        .filter(|line| !line.is_empty())
        .collect();
    if let Some(only) = &only {
        if let Some(unknown) = only.iter().find(|name| !targets.contains(name)) {
            bail!(
                "no fuzz target {unknown:?} (there are: {})",
                targets.join(", ")
            );
        }
        targets.retain(|name| only.contains(name));
    }
    let build_flags = ["--sanitizer", "none", "--debug-assertions", "--target-dir"];
    step("building the fuzz targets (target/fuzz)");
    run_cmd(fuzz(&["build"]).args(build_flags).arg(&target_dir))?;
    // The binaries are run directly rather than through `cargo fuzz run`, which would
    // rebuild before each target whenever the tree changed meanwhile: every target then
    // fuzzes the same build.
    let binaries = target_dir.join(host_triple()?).join("release");
    let mut crashed = Vec::new();
    for name in &targets {
        step(&format!("fuzzing {name} for {seconds} s"));
        // New inputs go to the first folder, out of the tree; the committed seeds stay
        // as they are.
        let corpus = target_dir.join("corpus").join(name);
        let artifacts = target_dir.join("artifacts").join(name);
        std::fs::create_dir_all(&corpus)?;
        std::fs::create_dir_all(&artifacts)?;
        let status = Command::new(binaries.join(name))
            .arg(&corpus)
            .arg(fuzz_dir.join("seeds").join(name))
            .arg(format!("-dict={}", fuzz_dir.join("plant.dict").display()))
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            // A single input that takes seconds is a hang worth reporting.
            .arg("-timeout=10")
            .arg("-rss_limit_mb=2048")
            .arg("-print_final_stats=1")
            .status()
            .with_context(|| format!("could not run the {name} fuzz target"))?;
        if !status.success() {
            crashed.push(format!("{name} (inputs in {})", artifacts.display()));
        }
    }
    if !crashed.is_empty() {
        bail!(
            "the fuzzer found failing inputs: {}; reproduce one with \
             `{}/<target> <input>`",
            crashed.join(", "),
            binaries.display()
        );
    }
    println!(
        "\nfuzzed {} for {seconds} s each: nothing found",
        targets.join(", ")
    );
    Ok(())
}

/// The host's target triple, under which cargo-fuzz puts its binaries.
fn host_triple() -> Result<String> {
    let output = Command::new("rustc")
        .arg("-vV")
        .output()
        .context("could not run rustc -vV")?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .context("rustc -vV names no host")
}

/// cargo-fuzz in target/tools, installed when missing.
fn install_cargo_fuzz(root: &Path) -> Result<std::path::PathBuf> {
    step("cargo-fuzz (target/tools)");
    let tools = root.join("target/tools");
    let binary = tools.join("bin/cargo-fuzz");
    if succeeds(Command::new(&binary).arg("--version")) {
        println!("present");
        return Ok(binary);
    }
    run_cmd(
        Command::new(cargo())
            .args([
                "install",
                "--quiet",
                "--locked",
                "cargo-fuzz",
                "--version",
                "^0.13",
                "--root",
            ])
            .arg(&tools),
    )?;
    Ok(binary)
}
