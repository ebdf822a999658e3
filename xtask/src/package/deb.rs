//! The Linux installer: the `.deb` made by Tauri's bundler (`tauri bundle --bundles deb`)
//! from the binary `cargo build` made, with the console's desktop, autostart and systemd
//! files beside it.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::Profile;

/// Builds `plant-console_<version>_amd64.deb` into `dist`.
pub fn build(_root: &Path, _profile: Profile, _dist: &Path) -> Result<PathBuf> {
    bail!("the .deb is not written yet")
}
