//! `cargo xtask package`: both installers, into `target/dist/`: the Linux `.deb` through
//! Tauri's bundler (the npm `@tauri-apps/cli`) and the Windows NSIS installer through
//! Debian's `makensis`, from the same exe the tests run.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

mod deb;
mod nsis;

/// Which build the installers carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// What an installer ships: `cargo build --release`.
    Release,
    /// The test suite's: the debug build it has already made, so that packaging costs
    /// seconds instead of two release builds on a 2-core machine.
    Debug,
}

impl Profile {
    pub fn dir(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::Debug => "debug",
        }
    }
}

/// What `package` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub profile: Profile,
    /// Skip the `cargo build`s (the caller has just built both exes).
    pub no_build: bool,
}

/// The installers made.
#[derive(Debug, Clone)]
pub struct Made {
    pub deb: PathBuf,
    pub nsis: PathBuf,
}

pub fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options {
        profile: Profile::Release,
        no_build: false,
    };
    for arg in args {
        match arg.as_str() {
            "--debug" => options.profile = Profile::Debug,
            "--no-build" => options.no_build = true,
            other => bail!("package: unknown option {other} (known: --debug, --no-build)"),
        }
    }
    Ok(options)
}

/// The folder the installers go to.
pub fn dist_dir(root: &Path) -> PathBuf {
    root.join("target/dist")
}

/// Builds the exes (unless told not to), then both installers.
pub fn run(root: &Path, options: &Options) -> Result<Made> {
    let dist = dist_dir(root);
    std::fs::create_dir_all(&dist)?;
    if !options.no_build {
        build_exes(root, options.profile)?;
    }
    crate::step("Linux installer (.deb, Tauri's bundler)");
    let deb = deb::build(root, options.profile, &dist)?;
    println!("{}", deb.display());
    crate::step("Windows installer (NSIS, makensis)");
    let nsis = nsis::build(root, options.profile, &dist)?;
    println!("{}", nsis.display());
    Ok(Made { deb, nsis })
}

fn build_exes(root: &Path, profile: Profile) -> Result<()> {
    let release = (profile == Profile::Release).then_some("--release");
    // Both programs each time: the window's and the headless recorder (console-app's).
    let bins = ["--bin", "plant-console", "--bin", "plant-console-headless"];
    crate::step("building the Linux binaries");
    crate::run_cmd(
        std::process::Command::new(crate::cargo())
            .current_dir(root)
            .arg("build")
            .args(bins)
            .arg("--quiet")
            .args(release),
    )?;
    crate::step("building the Windows exes");
    crate::run_cmd(
        std::process::Command::new(crate::cargo())
            .current_dir(root)
            .args(["build", "--target", crate::WINDOWS_TARGET])
            .args(bins)
            .arg("--quiet")
            .args(release),
    )
}

/// The console's version, from `tauri.conf.json` (the bundler's source of it).
pub fn version(root: &Path) -> Result<String> {
    use anyhow::Context;
    let text =
        std::fs::read_to_string(root.join("tauri.conf.json")).context("reading tauri.conf.json")?;
    let config: serde_json::Value =
        serde_json::from_str(&text).context("parsing tauri.conf.json")?;
    config["version"]
        .as_str()
        .map(str::to_owned)
        .context("tauri.conf.json has no version")
}
