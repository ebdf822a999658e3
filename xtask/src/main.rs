//! Project automation (`cargo xtask …`): the set-up, the demo and the full test run that
//! the README's two commands call, and the benchmark run that writes BENCHMARKS.md. Every
//! step checks before it acts, so each command is idempotent and cheap the second time.

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
/// private D-Bus with a real notification daemon and gdbus to talk to it, Python's venv
/// for the test peers, Debian's Python D-Bus and X11 bindings for the tray's test
/// watcher and for closing a window as a window manager would, and gnome-keyring's
/// Secret Service for the token store's keyring test, and Debian's redis-server (7.0, RESP3)
/// that the plant server's shared-plant tests start one of per test on a free port (the
/// Debian service itself is never needed: the tests run their own, without persistence).
const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus-x11",
    "dunst",
    "libglib2.0-bin",
    "python3-venv",
    "python3-dbus",
    "python3-gi",
    "python3-xlib",
    "gnome-keyring",
    "redis-server",
];

/// The Windows target every change is built and linted for; Debian's mingw-w64 that
/// links it and compiles the C in ring, bundled SQLite and mimalloc for it; Wine, which
/// runs the Windows exe and its installer in the tests; and NSIS's makensis, which builds
/// that installer.
const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";
const WINDOWS_PACKAGES: &[&str] = &[
    "gcc-mingw-w64-x86-64",
    "g++-mingw-w64-x86-64",
    "wine64",
    "nsis",
];

const USAGE: &str = "\
usage: cargo xtask <command>

  demo    set up what is missing, build, and open the console on the embedded demo plant
  test    set up what is missing (test tools too), then run every check and test:
          formatting, clippy -D warnings, UI unit tests, unit, integration and end-to-end
  setup   only the set-up (add --test for the test tools)
  ipc-types
          write the UI's IPC types (ui/src/generated/) from the Rust types and the
          command list (src-tauri/src/shell/commands.list), and the catalog samples
          (crates/console-i18n/samples.json); `test` fails while they are stale
          (--check runs only that check)
  wine-tests
          only the link's, core's and settings' unit tests, built for Windows and run
          under Wine in a private prefix (part of `test`)
  bench   build in release and run every benchmark on loopback, then write BENCHMARKS.md
          (about 20 minutes; --long runs the memory benchmark for an hour instead of 10
          minutes; --only NAME[,NAME…] runs some of them)
  package build both installers into target/dist/: the Linux .deb (Tauri's bundler)
          and the Windows NSIS installer (makensis), from release builds (--debug packages
          the debug builds, as the tests do; --no-build uses the builds already there)
  fuzz    build the cargo-fuzz targets in fuzz/ (codec, session, items) and run each for
          a bounded time from the seed corpus of real Flask frames (--seconds N per
          target, default 60; --only NAME[,NAME…]); not part of `test`";

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
        Some("ipc-types") => ipc_types(!args.iter().any(|a| a == "--check")),
        Some("package") => {
            let options = package::parse(&args[1..])?;
            setup(&root, false)?;
            windows_build_tools()?;
            package::run(&root, &options).map(drop)
        }
        Some("wine-tests") => wine::unit_tests(&root).map(drop),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("fuzz") => fuzz::run(&root, &args[1..]),
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
        wanted.extend(WINDOWS_PACKAGES);
    }
    apt_install(&wanted)?;
    check_node()?;

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
        windows_target()?;
        python_venv(root)?;
        tauri_driver(root)?;
        bench_clients(root)?;
    }
    Ok(())
}

/// What building for Windows needs, for `package` (the test set-up installs it too).
fn windows_build_tools() -> Result<()> {
    apt_install(WINDOWS_PACKAGES)?;
    windows_target()
}

/// The Rust standard library for the Windows target, through rustup. Without it the
/// Windows lint below cannot run, and the test command must say so, never skip it.
fn windows_target() -> Result<()> {
    step("Rust target for Windows (x86_64-pc-windows-gnu)");
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == WINDOWS_TARGET)
        })
        .unwrap_or(false);
    if installed {
        println!("present");
        return Ok(());
    }
    let added = succeeds(Command::new("rustup").args(["target", "add", WINDOWS_TARGET]));
    if !added {
        bail!("the Rust target {WINDOWS_TARGET} could not be installed (`rustup target add {WINDOWS_TARGET}` failed or rustup is missing): the Windows build cannot be checked");
    }
    Ok(())
}

/// socket.io-client for the ingest benchmark's Node client, from the committed lock file.
fn bench_clients(root: &Path) -> Result<()> {
    step("benchmark clients: npm packages (crates/bench/clients)");
    let clients = root.join("crates/bench/clients");
    if newer(
        &clients.join("package-lock.json"),
        &clients.join("node_modules/.package-lock.json"),
    ) {
        run_cmd(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&clients),
        )
    } else {
        println!("up to date");
        Ok(())
    }
}

/// The UI's build tools (Vite 8, Vitest 4) need Node.js 20.19 or newer; say so plainly
/// instead of letting npm fail with an engine error deep in its output.
fn check_node() -> Result<()> {
    let output = Command::new("node")
        .arg("--version")
        .output()
        .context("running node --version")?;
    let version = String::from_utf8_lossy(&output.stdout)
        .trim()
        .trim_start_matches('v')
        .to_owned();
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < (20, 19) {
        bail!("Node.js {version} is too old for the UI's build: install Node.js 20.19 or newer");
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
    step("crate layers (cargo metadata against xtask/src/layers.rs)");
    layers::check(root)?;
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
    step("lints for Windows (cargo clippy --target x86_64-pc-windows-gnu --workspace --all-targets -D warnings)");
    run_cmd(Command::new(cargo()).args([
        "clippy",
        "--target",
        WINDOWS_TARGET,
        "--workspace",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Both programs, as the installers carry both: the window's and the headless recorder.
    let bins = ["--bin", "plant-console", "--bin", "plant-console-headless"];
    step("the Windows exes (cargo build --target x86_64-pc-windows-gnu --bin plant-console --bin plant-console-headless)");
    run_cmd(
        Command::new(cargo())
            .args(["build", "--target", WINDOWS_TARGET])
            .args(bins)
            .arg("--quiet"),
    )?;
    step("the Linux binaries (cargo build --bin plant-console --bin plant-console-headless), for the .deb");
    run_cmd(Command::new(cargo()).arg("build").args(bins).arg("--quiet"))?;
    step("the link's, core's and settings' unit tests as Windows exes under Wine");
    let wine_counts = wine::unit_tests(root)?;
    // The installers the tests install (the .deb with apt, the NSIS one under Wine),
    // made from the debug builds just done rather than from two more release builds.
    let installers = package::run(
        root,
        &package::Options {
            profile: package::Profile::Debug,
            no_build: true,
        },
    )?;
    step("UI: the generated IPC types are up to date (ui/src/generated/)");
    ipc_types(false)?;
    step("UI: typecheck and unit tests (vitest)");
    let ui_counts = run_counting(
        Command::new("npm")
            .args(["run", "--silent", "test"])
            .current_dir(root.join("ui"))
            .env("NO_COLOR", "1"),
    )?;
    step("unit, integration and end-to-end tests (cargo test --workspace)");
    let rust_counts = run_counting(
        Command::new(cargo())
            .args(["test", "--workspace"])
            .env("PLANT_TEST_PYTHON", root.join("target/py-venv/bin/python3"))
            .env("TAURI_DRIVER", root.join("target/tools/bin/tauri-driver"))
            .env("PLANT_TEST_DEB", &installers.deb)
            .env("PLANT_TEST_NSIS", &installers.nsis),
    )?;
    let passed = ui_counts.0 + wine_counts.0 + rust_counts.0;
    let failed = ui_counts.1 + wine_counts.1 + rust_counts.1;
    println!(
        "\nUI {} passed, Windows (Wine) {} passed, Rust {} passed; every check and test passed",
        ui_counts.0, wine_counts.0, rust_counts.0
    );
    println!("xtask: {passed} passed, {failed} failed");
    Ok(())
}

/// The test that writes the UI's IPC types, `src-tauri/src/shell/commands.rs`.
const IPC_TYPES_TEST: &str = "shell::commands::generated_typescript_is_what_the_rust_types_give";

/// The test that writes the samples both catalogs' tests word (console-i18n).
const CATALOG_SAMPLES_TEST: &str =
    "catalog::tests::the_shared_samples_are_worded_as_samples_json_says";

/// Writes `ui/src/generated/` (`write`), or checks that it is what the Rust types give:
/// the test regenerates into a temporary folder and compares; when it fails, the one line
/// that names the stale file is the error.
fn ipc_types(write: bool) -> Result<()> {
    let mut command = Command::new(cargo());
    command
        .args(["test", "--quiet", "-p", "plant-console", "--lib", "--"])
        .args(["--exact", IPC_TYPES_TEST]);
    if write {
        step("writing the catalog's shared samples (crates/console-i18n/samples.json)");
        run_cmd(
            Command::new(cargo())
                .args(["test", "--quiet", "-p", "console-i18n", "--lib", "--"])
                .args(["--exact", CATALOG_SAMPLES_TEST])
                .env("CATALOG_SAMPLES_WRITE", "1"),
        )?;
        step("writing the UI's IPC types (ui/src/generated/)");
        return run_cmd(command.env("IPC_TYPES_WRITE", "1"));
    }
    println!("checking ui/src/generated/ against the Rust types and the command list");
    let output = command
        .env_remove("IPC_TYPES_WRITE")
        .output()
        .context("could not start cargo test")?;
    if output.status.success() {
        println!("up to date");
        return Ok(());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    match text
        .lines()
        .find_map(|line| line.trim().strip_prefix("STALE: "))
    {
        Some(stale) => bail!("{stale}"),
        None => {
            eprintln!("{text}{}", String::from_utf8_lossy(&output.stderr));
            bail!("the IPC types could not be generated (see above)")
        }
    }
}

/// Runs a test command, echoing its output, and adds up the passed and failed counts of
/// its summary lines (cargo's `test result:` and Vitest's `Tests`).
fn run_counting(command: &mut Command) -> Result<(u64, u64)> {
    use std::io::{BufRead, BufReader};
    let shown = format!("{command:?}");
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {shown}"))?;
    let mut counts = (0, 0);
    for line in BufReader::new(child.stdout.take().expect("piped stdout")).lines() {
        let line = line?;
        println!("{line}");
        let (passed, failed) = summary_counts(&line);
        counts.0 += passed;
        counts.1 += failed;
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(counts)
}

/// Passed and failed counts from one summary line, or zeros for any other line.
fn summary_counts(line: &str) -> (u64, u64) {
    let trimmed = line.trim();
    let is_summary = trimmed.starts_with("test result:") || trimmed.starts_with("Tests ");
    if !is_summary {
        return (0, 0);
    }
    let words: Vec<&str> = trimmed
        .split(|c: char| c.is_whitespace() || c == ';' || c == '.')
        .filter(|w| !w.is_empty())
        .collect();
    let count_before = |label: &str| {
        words
            .windows(2)
            .find(|pair| pair[1] == label)
            .and_then(|pair| pair[0].parse::<u64>().ok())
            .unwrap_or(0)
    };
    (count_before("passed"), count_before("failed"))
}

mod bench;
mod fuzz;
mod layers;
mod package;
mod wine;

#[cfg(test)]
mod tests {
    use super::summary_counts;

    #[test]
    fn summary_lines_of_cargo_and_vitest_are_counted() {
        assert_eq!(
            summary_counts("test result: ok. 47 passed; 0 failed; 0 ignored; 0 measured"),
            (47, 0)
        );
        assert_eq!(
            summary_counts("test result: FAILED. 2 passed; 1 failed; 0 ignored"),
            (2, 1)
        );
        assert_eq!(summary_counts("      Tests  83 passed (83)"), (83, 0));
        assert_eq!(
            summary_counts("      Tests  1 failed | 82 passed (83)"),
            (82, 1)
        );
        assert_eq!(summary_counts("running 3 tests"), (0, 0));
    }
}
