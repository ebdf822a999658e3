//! The Linux installer: the `.deb` made by Tauri's bundler (`tauri bundle --bundles deb`,
//! from the npm `@tauri-apps/cli` in `ui/node_modules`) out of the binary `cargo build`
//! made. `tauri.conf.json` adds the console's files to it: a system-wide XDG autostart
//! entry that is off, and a systemd user unit for the headless recorder. The recorder's
//! binary, `/usr/bin/plant-console-headless`, is added here, from the profile being
//! packaged, as one more of those files (`--config` merges it into tauri.conf.json's
//! list): Tauri's `externalBin` would make tauri-build require the file, suffixed with the
//! target triple, before the window binary itself can build.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::Profile;

/// Builds `plant-console_<version>_amd64.deb` into `dist`.
pub fn build(root: &Path, profile: Profile, dist: &Path) -> Result<PathBuf> {
    let cli = root.join("ui/node_modules/.bin/tauri");
    if !cli.is_file() {
        bail!(
            "Tauri's bundler is missing ({}): `cargo xtask setup` installs the UI's npm packages",
            cli.display()
        );
    }
    let binary = root
        .join("target")
        .join(profile.dir())
        .join("plant-console");
    if !binary.is_file() {
        bail!(
            "{} is missing: build it first (`cargo xtask package` without --no-build does)",
            binary.display()
        );
    }
    let headless = binary.with_file_name("plant-console-headless");
    if !headless.is_file() {
        bail!(
            "{} is missing: build it first (`cargo xtask package` without --no-build does)",
            headless.display()
        );
    }
    let headless = headless
        .to_str()
        .with_context(|| format!("the path {} is not UTF-8", headless.display()))?;
    let extra_files = serde_json::json!({
        "bundle": {"linux": {"deb": {"files": {"/usr/bin/plant-console-headless": headless}}}}
    });
    let bundle_dir = root.join("target").join(profile.dir()).join("bundle/deb");
    // A .deb left from an earlier version must not be taken for this one's.
    if bundle_dir.is_dir() {
        std::fs::remove_dir_all(&bundle_dir)
            .with_context(|| format!("clearing {}", bundle_dir.display()))?;
    }
    let mut command = Command::new(&cli);
    command
        .current_dir(root)
        .args(["bundle", "--bundles", "deb", "--ci"])
        .arg("--config")
        .arg(extra_files.to_string())
        // The bundler would otherwise look for a signing key and updater settings.
        .env("CI", "true");
    if profile == Profile::Debug {
        command.arg("--debug");
    }
    crate::run_cmd(&mut command)?;
    let made = std::fs::read_dir(&bundle_dir)
        .with_context(|| format!("reading {}", bundle_dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.extension().is_some_and(|e| e == "deb"))
        .with_context(|| format!("Tauri's bundler made no .deb in {}", bundle_dir.display()))?;
    let target = dist.join(format!("plant-console_{}_amd64.deb", super::version(root)?));
    std::fs::copy(&made, &target)
        .with_context(|| format!("copying {} to {}", made.display(), target.display()))?;
    Ok(target)
}
