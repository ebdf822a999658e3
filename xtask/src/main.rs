//! Project automation (`cargo xtask …`): the set-up, the demo and the full test run that
//! the README's two commands call. Every step checks before it acts, so each command is
//! idempotent and cheap the second time.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Debian packages needed to build and run the console.
const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libgtk-3-dev",
    "libwebkit2gtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
];

/// Debian packages the tests need besides: a virtual display, WebKit's WebDriver, a
/// private D-Bus and a real notification daemon, and Python's venv for the test peers.
const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus-x11",
    "dunst",
    "python3-venv",
];

const USAGE: &str = "\
usage: cargo xtask <command>

  demo    set up what is missing, build, and open the console on the embedded demo plant
  test    set up what is missing (test tools too), then run every check and test:
          formatting, clippy -D warnings, UI unit tests, unit, integration and end-to-end
  setup   only the set-up (add --test for the test tools)";

fn main() {
    if let Err(error) = run() {
        eprintln!("\nxtask: {error:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("demo") => {
            setup(&root, false)?;
            step("building and starting the console on the demo plant");
            let mut extra: Vec<&str> = args[1..].iter().map(String::as_str).collect();
            if !extra.contains(&"--demo") {
                extra.insert(0, "--demo");
            }
            run_cmd(
                Command::new(cargo())
                    .args(["run", "-p", "plant-console", "--"])
                    .args(extra),
            )
        }
        Some("test") => {
            setup(&root, true)?;
            test(&root)
        }
        Some("setup") => setup(&root, args.iter().any(|a| a == "--test")),
        _ => {
            eprintln!("{USAGE}");
            bail!("unknown or missing command")
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn step(what: &str) {
    println!("\n==> {what}");
}

fn run_cmd(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("could not start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

fn succeeds(command: &mut Command) -> bool {
    command
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs what is missing: Debian packages, the UI's npm packages and build, and for
/// the tests the Python test peers' venv and tauri-driver.
fn setup(root: &Path, for_tests: bool) -> Result<()> {
    let mut wanted: Vec<&str> = BUILD_PACKAGES.to_vec();
    if which("node").is_none() || which("npm").is_none() {
        wanted.extend(["nodejs", "npm"]);
    }
    if for_tests {
        wanted.extend(TEST_PACKAGES);
    }
    apt_install(&wanted)?;

    step("UI: npm packages");
    let ui = root.join("ui");
    let stamp = ui.join("node_modules/.package-lock.json");
    if newer(&ui.join("package-lock.json"), &stamp) {
        run_cmd(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&ui),
        )?;
    } else {
        println!("up to date");
    }
    step("UI: build (ui/dist)");
    run_cmd(
        Command::new("npm")
            .args(["run", "--silent", "build"])
            .current_dir(&ui),
    )?;

    if for_tests {
        python_venv(root)?;
        tauri_driver(root)?;
    }
    Ok(())
}

/// Whether `source` is newer than `stamp` (or `stamp` does not exist).
fn newer(source: &Path, stamp: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(source), modified(stamp)) {
        (Some(source), Some(stamp)) => source > stamp,
        _ => true,
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

fn apt_install(packages: &[&str]) -> Result<()> {
    step("system packages");
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|pkg| {
            let out = Command::new("dpkg-query").args(["-W", "-f=${Status}", pkg]).output();
            !matches!(out, Ok(o) if String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        println!("all {} present", packages.len());
        return Ok(());
    }
    let line = format!(
        "apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if !is_root() {
        bail!("these Debian packages are missing; install them, then run this command again:\n\n    sudo apt-get update && sudo {line}\n");
    }
    println!("installing: {}", missing.join(" "));
    run_cmd(Command::new("apt-get").args(["update", "-q"]))?;
    run_cmd(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// The virtualenv with Flask-SocketIO and python-socketio that the tests run as peers.
fn python_venv(root: &Path) -> Result<()> {
    step("Python test peers: virtualenv (target/py-venv)");
    let venv = root.join("target/py-venv");
    let requirements = root.join("tests/requirements.txt");
    let stamp = venv.join(".requirements.txt");
    let python = venv.join("bin/python3");
    if !python.is_file() {
        run_cmd(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    let wanted = std::fs::read(&requirements).context("reading tests/requirements.txt")?;
    if std::fs::read(&stamp).ok().as_deref() == Some(wanted.as_slice()) {
        println!("up to date");
        return Ok(());
    }
    run_cmd(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements),
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(())
}

/// tauri-driver, the WebDriver bridge of the end-to-end tests, built from crates.io into
/// target/tools so it never touches the user's own cargo installs.
fn tauri_driver(root: &Path) -> Result<()> {
    step("tauri-driver (target/tools)");
    let tools = root.join("target/tools");
    let binary = tools.join("bin/tauri-driver");
    if succeeds(Command::new(&binary).arg("--help")) {
        println!("present");
        return Ok(());
    }
    run_cmd(
        Command::new(cargo())
            .args([
                "install",
                "--quiet",
                "--locked",
                "tauri-driver",
                "--version",
                "^2",
                "--root",
            ])
            .arg(&tools),
    )
}

fn test(root: &Path) -> Result<()> {
    step("formatting (cargo fmt --check)");
    run_cmd(Command::new(cargo()).args(["fmt", "--all", "--", "--check"]))?;
    step("lints (cargo clippy --workspace --all-targets -D warnings)");
    run_cmd(Command::new(cargo()).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ]))?;
    step("UI: typecheck and unit tests (vitest)");
    run_cmd(
        Command::new("npm")
            .args(["run", "--silent", "test"])
            .current_dir(root.join("ui")),
    )?;
    step("unit, integration and end-to-end tests (cargo test --workspace)");
    run_cmd(
        Command::new(cargo())
            .args(["test", "--workspace"])
            .env("PLANT_TEST_PYTHON", root.join("target/py-venv/bin/python3"))
            .env("TAURI_DRIVER", root.join("target/tools/bin/tauri-driver")),
    )?;
    println!("\nxtask: every check and test passed");
    Ok(())
}
