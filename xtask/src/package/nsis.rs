//! The Windows installer: `src-tauri/windows/installer.nsi` built with Debian's `makensis`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::Profile;

/// Builds `plant-console_<version>_x64-setup.exe` into `dist`.
pub fn build(_root: &Path, _profile: Profile, _dist: &Path) -> Result<PathBuf> {
    bail!("the NSIS installer is not written yet")
}
