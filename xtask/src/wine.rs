//! The Windows half of `cargo xtask test` that runs code, not only builds it: the unit
//! tests of the link, the core and the settings, compiled for Windows and run as Windows
//! exes under Debian's Wine, in a private prefix made for this run.
//!
//! Wine 8 lacks `bcryptprimitives.dll`, whose `ProcessPrng` every Rust exe imports; the
//! prefix gets the test-only stand-in built from `tests/windows/processprng_shim.c`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Debian's 64-bit Wine loader (`/usr/bin/wine` looks for the 32-bit one).
pub const WINE: &str = "/usr/lib/wine/wine64";
const WINESERVER: &str = "/usr/lib/wine/wineserver";

/// The crates whose unit tests run under Wine: everything below the window.
const CRATES: &[&str] = &[
    "plant-link",
    "console-core",
    "console-settings",
    "console-i18n",
];

/// A private Wine prefix, shut down and removed when dropped.
struct Prefix {
    path: PathBuf,
}

impl Prefix {
    /// Makes a new prefix under `target/wine/` with the ProcessPrng stand-in in its
    /// system32.
    fn create(root: &Path) -> Result<Prefix> {
        if !Path::new(WINE).is_file() {
            bail!("{WINE} is missing: Debian's wine64 package runs the Windows tests (`cargo xtask setup --test` installs it)");
        }
        let base = root.join("target/wine");
        std::fs::create_dir_all(&base)?;
        let shim = build_shim(root, &base)?;
        let path = base.join(format!("unit-prefix-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        let prefix = Prefix { path };
        let status = prefix
            .command(Path::new("wineboot"))
            .arg("-i")
            .status()
            .context("starting wineboot")?;
        if !status.success() {
            bail!("wineboot could not make the Wine prefix ({status})");
        }
        let system32 = prefix.path.join("drive_c/windows/system32");
        std::fs::copy(&shim, system32.join("bcryptprimitives.dll"))
            .with_context(|| format!("installing the shim into {}", system32.display()))?;
        Ok(prefix)
    }

    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(WINE);
        command.arg(program);
        self.env(&mut command);
        command
    }

    fn env(&self, command: &mut Command) {
        command
            .env("WINEPREFIX", &self.path)
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko installer prompts: nothing here is .NET or HTML.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("DISPLAY");
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        let _ = Command::new(WINESERVER)
            .arg("-k")
            .env("WINEPREFIX", &self.path)
            .status();
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Compiles the stand-in DLL with mingw-w64 when its source is newer than the DLL.
fn build_shim(root: &Path, base: &Path) -> Result<PathBuf> {
    let source = root.join("tests/windows/processprng_shim.c");
    let dll = base.join("bcryptprimitives.dll");
    if crate::newer(&source, &dll) {
        crate::run_cmd(
            Command::new("x86_64-w64-mingw32-gcc")
                .args(["-shared", "-O2", "-o"])
                .arg(&dll)
                .arg(&source)
                .arg("-ladvapi32"),
        )
        .context("building the ProcessPrng shim (Debian's gcc-mingw-w64-x86-64)")?;
    }
    Ok(dll)
}

/// Builds the unit tests of [`CRATES`] for Windows and runs them under Wine, returning
/// the passed and failed counts.
pub fn unit_tests(root: &Path) -> Result<(u64, u64)> {
    let prefix = Prefix::create(root)?;
    let mut command = Command::new(crate::cargo());
    command
        .current_dir(root)
        .args(["test", "--target", crate::WINDOWS_TARGET, "--lib"]);
    for name in CRATES {
        command.args(["-p", name]);
    }
    // Cargo runs each test exe through the runner: Wine, in the prefix above.
    command.env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER", WINE);
    prefix.env(&mut command);
    crate::run_counting(&mut command)
}
