//! A private Wine prefix for running the real Windows exe from a Linux test: Debian's
//! 64-bit Wine, quiet, with no display, and with the test-only `ProcessPrng` stand-in in
//! its system32 so that every Rust exe in it starts.
//!
//! Wine 8 lacks `bcryptprimitives.dll`, whose `ProcessPrng` Rust's standard library
//! (1.78 and later) imports: without the stand-in the exe exits at once with status 53
//! and prints nothing. The stand-in goes into the prefix's system32, where Windows keeps
//! the real one, and never beside an installed exe: it belongs to the tests, and no
//! installer carries it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Debian's 64-bit Wine loader (`/usr/bin/wine` looks for the 32-bit one).
pub const WINE: &str = "/usr/lib/wine/wine64";
/// The Wine server of the same package, which owns a prefix's processes.
pub const WINESERVER: &str = "/usr/lib/wine/wineserver";
/// Debian's MinGW-w64 C compiler, which builds the stand-in DLL.
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";

/// How long making a prefix may take: about 3 s on an idle machine of this project's
/// kind, much more while the suite's builds share its two cores.
const BOOT_LIMIT: Duration = Duration::from_secs(120);
/// How long the Wine server may take to start, or to end a prefix's processes.
const SERVER_LIMIT: Duration = Duration::from_secs(20);

/// A private Wine prefix in a temporary folder. Its Wine server stays up while the
/// value lives (each later start of a program then costs a fraction of a second instead
/// of starting Wine's services again); dropping it ends every process in the prefix and
/// removes the folder.
pub struct WinePrefix {
    /// The prefix itself (`WINEPREFIX`), a folder inside `temp`.
    path: PathBuf,
    /// The temporary folder, removed last.
    temp: tempfile::TempDir,
    /// For [`WinePrefix::shared`]: the watchdog, whose standard input (a pipe from this
    /// process) closes when this process exits, and tells it to clean up.
    _watchdog: Option<Child>,
}

impl WinePrefix {
    /// Makes a new prefix, with the stand-in DLL in its system32. Panics with one line
    /// naming the missing package when Wine or MinGW-w64 is not installed: a Windows test
    /// must fail, not skip.
    pub fn new() -> WinePrefix {
        assert!(
            Path::new(WINE).is_file() && Path::new(WINESERVER).is_file(),
            "{WINE} is missing: Debian's wine64 package runs the Windows tests (`cargo xtask setup --test` installs it)"
        );
        let shim = shim_dll();
        let temp = tempfile::Builder::new()
            .prefix("plant-wine-")
            .tempdir()
            .expect("make a temporary folder for the Wine prefix");
        // The server needs the folder to exist; Wine fills an empty one it owns.
        let prefix = WinePrefix {
            path: temp.path().join("prefix"),
            temp,
            _watchdog: None,
        };
        std::fs::create_dir(&prefix.path).expect("make the Wine prefix folder");
        // A persistent server: without `-p` it ends three seconds after its last
        // program, and the next program waits for a new server and Wine's services.
        let server = prefix
            .env(&mut Command::new(WINESERVER))
            .arg("-p")
            .spawn()
            .expect("start the Wine server");
        let status = wait_bounded(server, SERVER_LIMIT);
        assert!(
            status.is_some_and(|s| s.success()),
            "the Wine server did not start for {} ({status:?})",
            prefix.path.display()
        );
        let boot = prefix
            .command(Path::new("wineboot"))
            .arg("-i")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start wineboot");
        let status = wait_bounded(boot, BOOT_LIMIT);
        assert!(
            status.is_some_and(|s| s.success()),
            "wineboot could not make the Wine prefix in {} within {BOOT_LIMIT:?} ({status:?})",
            prefix.path.display()
        );
        let system32 = prefix.drive_c().join("windows/system32");
        std::fs::copy(&shim, system32.join("bcryptprimitives.dll")).unwrap_or_else(|e| {
            panic!(
                "install the ProcessPrng stand-in into {}: {e}",
                system32.display()
            )
        });
        prefix
    }

    /// One prefix for every test of the binary, made by the first test that asks: a
    /// prefix takes seconds to make (20 s and more while the suite's builds load the
    /// machine), a program in it a fraction of one.
    ///
    /// A static is never dropped, so the prefix is ended and removed by a watchdog
    /// instead: a shell that waits on a pipe from this process, whose end closes when
    /// the process exits however it exits (a failed test, an abort, a kill), and then
    /// runs `wineserver -k` and removes the folder.
    pub fn shared() -> &'static WinePrefix {
        static SHARED: OnceLock<WinePrefix> = OnceLock::new();
        SHARED.get_or_init(|| {
            let mut prefix = WinePrefix::new();
            let watchdog = prefix
                .env(&mut Command::new("/bin/sh"))
                .arg("-c")
                // `read` returns at end of file: when this process has exited.
                .arg(r#"read -r _; timeout 20 "$0" -k; rm -rf "$1""#)
                .arg(WINESERVER)
                .arg(prefix.temp.path())
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start the Wine prefix's watchdog");
            prefix._watchdog = Some(watchdog);
            prefix
        })
    }

    /// The prefix folder (`WINEPREFIX`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The Linux folder behind the prefix's `C:\`.
    pub fn drive_c(&self) -> PathBuf {
        self.path.join("drive_c")
    }

    /// A command running `program` (a Linux path to an exe, or a program Wine knows by
    /// name such as `cmd`) under Wine in this prefix.
    pub fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(WINE);
        command.arg(program);
        self.env(&mut command);
        command
    }

    /// Gives `command` this prefix's environment: for a Wine tool other than the loader,
    /// or for a runner such as cargo's.
    pub fn env<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command
            .env("WINEPREFIX", &self.path)
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko installer prompts (nothing here is .NET or HTML), and no
            // menu entries written into the user's Linux desktop.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=;winemenubuilder.exe=d")
            // Nothing here opens a window; without a display Wine does not try.
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
    }

    /// The Windows spelling of a Linux path: `C:\…` inside this prefix's drive C,
    /// `Z:\…` (Wine's drive for `/`) anywhere else.
    pub fn windows_path(&self, path: &Path) -> String {
        assert!(path.is_absolute(), "{} is not absolute", path.display());
        let (drive, rest) = match path.strip_prefix(self.drive_c()) {
            Ok(rest) => ("C:", rest),
            Err(_) => ("Z:", path.strip_prefix("/").expect("an absolute path")),
        };
        let mut text = format!("{drive}\\");
        let parts: Vec<String> = rest
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        text.push_str(&parts.join("\\"));
        text
    }

    /// Ends every process in the prefix at once (`wineserver -k`), as a power cut
    /// would; the prefix stays usable and its server starts again with the next program.
    pub fn kill_all(&self) {
        let kill = self
            .env(&mut Command::new(WINESERVER))
            .arg("-k")
            .spawn()
            .expect("run wineserver -k");
        let status = wait_bounded(kill, SERVER_LIMIT);
        assert!(status.is_some(), "wineserver -k did not return");
    }
}

impl Default for WinePrefix {
    fn default() -> WinePrefix {
        WinePrefix::new()
    }
}

impl Drop for WinePrefix {
    fn drop(&mut self) {
        // Bounded, and never a panic in a drop: the temporary folder goes in any case.
        if let Ok(kill) = self
            .env(&mut Command::new(WINESERVER))
            .arg("-k")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            wait_bounded(kill, SERVER_LIMIT);
        }
    }
}

/// The Windows build of the console, which `cargo xtask test` makes before the tests
/// (`PLANT_TEST_WINDOWS_EXE` names another). Panics with the command that builds it when
/// it is missing: a Windows test must fail, not skip.
pub fn windows_exe() -> PathBuf {
    let path = std::env::var_os("PLANT_TEST_WINDOWS_EXE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            crate::workspace_root().join("target/x86_64-pc-windows-gnu/debug/plant-console.exe")
        });
    assert!(
        path.is_file(),
        "the Windows exe ({}) is missing: build it with `cargo build --target x86_64-pc-windows-gnu --bin plant-console` (`cargo xtask test` does)",
        path.display()
    );
    path
}

/// Runs `command` with `input` on its standard input and returns what it printed, or
/// kills it and fails the test after `limit`: a Windows program that hangs under Wine
/// must not stall the suite. The output is read while it runs, so a long one never
/// blocks the program.
pub fn output_within(command: &mut Command, input: &str, limit: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {command:?}: {e}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    // A program that exits without reading its input closes the pipe: not an error here.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    let pid = child.id();
    let (sent, received) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sent.send(child.wait_with_output());
    });
    match received.recv_timeout(limit) {
        Ok(output) => output.expect("wait for the program"),
        Err(_) => {
            // The child is owned by the waiting thread; its pid is still its own until
            // that thread reaps it, which it cannot before the kill.
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("{command:?} did not end within {limit:?}");
        }
    }
}

/// The stand-in DLL, compiled once per test run from `tests/windows/processprng_shim.c`
/// into `target/wine/` (the file `cargo xtask test` builds for the unit tests under Wine,
/// with the same flags), unless the one there is newer than its source.
fn shim_dll() -> PathBuf {
    static DLL: OnceLock<PathBuf> = OnceLock::new();
    DLL.get_or_init(|| {
        let root = crate::workspace_root();
        let source = root.join("tests/windows/processprng_shim.c");
        let dir = root.join("target/wine");
        let dll = dir.join("bcryptprimitives.dll");
        if newer(&dll, &source) {
            return dll;
        }
        std::fs::create_dir_all(&dir).expect("make target/wine");
        // Compiled under a name of its own and renamed into place, so that a test binary
        // running beside this one never copies a half-written DLL.
        let partial = dir.join(format!("bcryptprimitives.{}.partial", std::process::id()));
        let output = Command::new(MINGW_GCC)
            .args(["-shared", "-O2", "-o"])
            .arg(&partial)
            .arg(&source)
            .arg("-ladvapi32")
            .output()
            .unwrap_or_else(|e| {
                panic!("{MINGW_GCC} cannot run ({e}): Debian's gcc-mingw-w64-x86-64 builds the Windows tests' ProcessPrng shim (`cargo xtask setup --test` installs it)")
            });
        assert!(
            output.status.success(),
            "{MINGW_GCC} failed on {}: {}",
            source.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::rename(&partial, &dll).expect("move the shim DLL into place");
        dll
    })
    .clone()
}

/// Whether `path` exists and was written after `than`.
fn newer(path: &Path, than: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(path), modified(than)) {
        (Some(made), Some(source)) => made > source,
        _ => false,
    }
}

/// Waits for `child` at most `limit`, then kills it: its status, or `None` when it had
/// to be killed. A poll, because `std` has no wait with a deadline.
fn wait_bounded(mut child: Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    let mut pause = Duration::from_millis(5);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_prefix_runs_windows_programs_and_maps_paths_to_drives_c_and_z() {
        let prefix = WinePrefix::new();
        let inside = prefix.drive_c().join("users/data");
        assert_eq!(prefix.windows_path(&inside), "C:\\users\\data");
        assert_eq!(
            prefix.windows_path(Path::new("/work/x y/z.exe")),
            "Z:\\work\\x y\\z.exe"
        );
        assert!(prefix
            .drive_c()
            .join("windows/system32/bcryptprimitives.dll")
            .is_file());
        let output = prefix
            .command(Path::new("cmd"))
            .args(["/c", "echo", "from-wine"])
            .output()
            .expect("run cmd under Wine");
        assert!(
            output.status.success(),
            "cmd under Wine: {:?}",
            output.status
        );
        assert!(String::from_utf8_lossy(&output.stdout).contains("from-wine"));
        let path = prefix.path().to_owned();
        drop(prefix);
        assert!(!path.exists(), "the prefix is removed when dropped");
    }
}
