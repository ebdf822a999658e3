//! The Windows installer: `src-tauri/windows/installer.nsi` built with Debian's `makensis`.
//!
//! Not Tauri's NSIS bundling: that downloads its NSIS plugins from the internet, which
//! these machines cannot reach. The script uses only what Debian's `nsis` package ships.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::Profile;

/// Debian's NSIS compiler.
const MAKENSIS: &str = "makensis";

/// The installer's script, from the workspace root.
const SCRIPT: &str = "src-tauri/windows/installer.nsi";

/// The files of the Windows build that the installer carries, from its profile folder.
/// The ProcessPrng shim of the Wine tests is not one of them and never will be: the
/// script names each file it installs.
const PAYLOAD: &[&str] = &[
    "plant-console.exe",
    "plant-console-headless.exe",
    "WebView2Loader.dll",
];

/// Builds `plant-console_<version>_x64-setup.exe` into `dist`.
pub fn build(root: &Path, profile: Profile, dist: &Path) -> Result<PathBuf> {
    if !crate::succeeds(Command::new(MAKENSIS).arg("-VERSION")) {
        bail!("makensis is missing: Debian's `nsis` package builds the Windows installer (`cargo xtask setup --test` installs it)");
    }
    let src = root
        .join("target")
        .join(crate::WINDOWS_TARGET)
        .join(profile.dir());
    for file in PAYLOAD {
        let path = src.join(file);
        if !path.is_file() {
            bail!(
                "{} is missing: build the Windows exe first (`cargo xtask package` without --no-build does)",
                path.display()
            );
        }
    }
    let version = super::version(root)?;
    let out = dist.join(format!("plant-console_{version}_x64-setup.exe"));
    // An installer left from an earlier run must not pass for this one if makensis fails.
    if out.exists() {
        std::fs::remove_file(&out).with_context(|| format!("removing {}", out.display()))?;
    }
    let mut command = Command::new(MAKENSIS);
    command
        .arg("-V2")
        .arg(format!("-DVERSION={version}"))
        .arg(format!("-DVIVERSION={}", four_part_version(&version)?))
        .arg(define("SRC", &src)?)
        .arg(define("ROOT", root)?)
        .arg(define("OUT", &out)?);
    // LZMA over the 100 MB debug exe costs the test run a minute; zlib takes seconds.
    if profile == Profile::Debug {
        command.arg("-DCOMPRESSOR=zlib");
    }
    command.arg(root.join(SCRIPT));
    crate::run_cmd(&mut command).context("makensis could not build the Windows installer")?;
    if !out.is_file() {
        bail!("makensis succeeded but wrote no {}", out.display());
    }
    Ok(out)
}

/// A `-DNAME=path` argument; makensis takes the path as it is, so it must be UTF-8.
fn define(name: &str, path: &Path) -> Result<String> {
    let path = path
        .to_str()
        .with_context(|| format!("{name}: the path {} is not UTF-8", path.display()))?;
    Ok(format!("-D{name}={path}"))
}

/// `0.1.0` as `0.1.0.0`, the form of a Windows version resource; a pre-release or build
/// suffix (`-rc.1`, `+abc`) is left out of it, numbers missing are zeros.
fn four_part_version(version: &str) -> Result<String> {
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let mut parts = core
        .split('.')
        .map(|part| {
            part.parse::<u16>()
                .with_context(|| format!("version {version}: {part:?} is not a number up to 65535"))
        })
        .collect::<Result<Vec<_>>>()?;
    if parts.len() > 4 {
        bail!("version {version} has more than four numbers");
    }
    parts.resize(4, 0);
    Ok(parts
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join("."))
}

#[cfg(test)]
mod tests {
    use super::four_part_version;

    #[test]
    fn a_semantic_version_becomes_four_numbers_without_its_suffix() {
        assert_eq!(four_part_version("0.1.0").unwrap(), "0.1.0.0");
        assert_eq!(four_part_version("1.2.3-rc.1+abc").unwrap(), "1.2.3.0");
        assert_eq!(four_part_version("2").unwrap(), "2.0.0.0");
    }

    #[test]
    fn a_version_windows_cannot_hold_is_refused() {
        assert!(four_part_version("1.70000.0").is_err());
        assert!(four_part_version("1.2.3.4.5").is_err());
        assert!(four_part_version("x.1").is_err());
    }
}
