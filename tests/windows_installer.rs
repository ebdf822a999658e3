//! The Windows installer for real: the NSIS installer that `cargo xtask package` made runs
//! silently under Wine in a private prefix, refuses to install without the WebView2
//! runtime unless told, installs the console, its shortcut and its registry keys, runs an
//! offline WebView2 runtime installer it is given, and its uninstaller removes everything
//! but the operator's data unless asked.
//!
//! What Wine cannot show: the installer's pages (there is no display), and the
//! AppUserModelID on the shortcut, because Wine's property store on shell links accepts
//! the value and drops it (its SetValue and Commit are stubs that return S_OK).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use test_support::wine::WinePrefix;

const INSTALL_DIR: &str = r"C:\Program Files\Plant Console";
const UNINSTALL_KEY: &str =
    r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\Plant Console";
const AUMID_KEY: &str = r"HKLM\SOFTWARE\Classes\AppUserModelId\com.plantconsole.desktop";
const RUN_KEY: &str = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run";
const WEBVIEW2_KEY: &str = r"HKLM\SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}";
/// The autostart value's name (`AUTOSTART_VALUE` in installer.nsi).
const AUTOSTART_VALUE: &str = "plant-console";

/// The exit codes the installer documents at the top of installer.nsi.
const EXIT_NO_WEBVIEW2: i32 = 3;
const EXIT_WEBVIEW2_INSTALLER_FAILED: i32 = 4;

/// How long one program under Wine may take: an install unpacks a 100 MB debug exe, and
/// the suite's builds share the machine's two cores.
const PROGRAM_LIMIT: Duration = Duration::from_secs(120);

/// The installer under test: `PLANT_TEST_NSIS` from `cargo xtask test`, else the one
/// `cargo xtask package --debug` leaves in target/dist/.
fn installer() -> PathBuf {
    test_support::installer(
        "PLANT_TEST_NSIS",
        &format!("plant-console_{}_x64-setup.exe", env!("CARGO_PKG_VERSION")),
    )
}

/// Runs `command` to its end, at most [`PROGRAM_LIMIT`]. On a timeout the test panics,
/// and dropping the prefix then ends every process in it.
fn run(mut command: Command, what: &str) -> Output {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    receiver
        .recv_timeout(PROGRAM_LIMIT)
        .unwrap_or_else(|_| panic!("{what} did not end within {PROGRAM_LIMIT:?}"))
        .unwrap_or_else(|e| panic!("waiting for {what}: {e}"))
}

/// NSIS reads `_?=` (and `/D=`) to the end of its command line, unquoted; Wine quotes an
/// argument that holds a space, which NSIS would not recognise. Given as words, Wine
/// joins them with single spaces, which is the command line NSIS expects.
fn nsis_dir_flag(flag: &str, dir: &str) -> Vec<String> {
    format!("{flag}{dir}")
        .split(' ')
        .map(str::to_owned)
        .collect()
}

struct Machine {
    prefix: WinePrefix,
    /// The installer, copied into the prefix so that nothing beside it in target/dist
    /// (such as a WebView2 runtime installer) changes what it does.
    setup: PathBuf,
}

impl Machine {
    fn new() -> Machine {
        let prefix = WinePrefix::new();
        let dir = prefix.drive_c().join("setup");
        std::fs::create_dir_all(&dir).unwrap();
        let setup = dir.join("plant-console-setup.exe");
        std::fs::copy(installer(), &setup).expect("copy the installer into the prefix");
        Machine { prefix, setup }
    }

    /// Runs the installer with `args`, returning its exit code.
    fn install(&self, args: &[&str]) -> i32 {
        let mut command = self.prefix.command(&self.setup);
        command.args(args);
        let out = run(command, &format!("the installer {args:?}"));
        out.status
            .code()
            .unwrap_or_else(|| panic!("the installer {args:?} was killed: {out:?}"))
    }

    /// Runs the installed uninstaller with `args` in place (`_?=`), so that it ends when
    /// it is done instead of going on from a copy in %TEMP%; its exit code.
    fn uninstall(&self, args: &[&str]) -> i32 {
        let mut command = self
            .prefix
            .command(&self.linux_path(&format!(r"{INSTALL_DIR}\uninstall.exe")));
        command.args(args).args(nsis_dir_flag("_?=", INSTALL_DIR));
        let out = run(command, &format!("the uninstaller {args:?}"));
        out.status
            .code()
            .unwrap_or_else(|| panic!("the uninstaller {args:?} was killed: {out:?}"))
    }

    /// The Linux path of a `C:\…` path in the prefix.
    fn linux_path(&self, windows: &str) -> PathBuf {
        let rest = windows
            .strip_prefix(r"C:\")
            .unwrap_or_else(|| panic!("{windows} is not on drive C"));
        rest.split('\\')
            .fold(self.prefix.drive_c(), |path, part| path.join(part))
    }

    /// Starts `exe` headless (on a plant address where nothing listens: the toasts'
    /// set-up does not wait for a plant) and returns the line in which the console says
    /// which AppUserModelID its toasts use, with the warning before it if there was one.
    fn toast_set_up(&self, exe: &Path) -> String {
        use std::io::{BufRead, BufReader};
        let data = self.prefix.drive_c().join("toast-check");
        let mut command = self.prefix.command(exe);
        command
            .args(["--headless", "--server", "http://127.0.0.1:9"])
            .arg("--data-dir")
            .arg(self.prefix.windows_path(&data))
            .env("RUST_LOG", "info")
            // Plain text, no colour codes between a field's name and its value.
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().expect("start the console under Wine");
        let stderr = child.stderr.take().expect("piped stderr");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut seen = String::new();
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                seen.push_str(&line);
                seen.push('\n');
                if line.contains("toasts use AppUserModelID") {
                    let _ = sender.send(seen);
                    return;
                }
            }
        });
        let seen = receiver.recv_timeout(PROGRAM_LIMIT);
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&data);
        seen.unwrap_or_else(|_| {
            panic!(
                "{} never said which AppUserModelID toasts use",
                exe.display()
            )
        })
    }

    fn install_dir(&self) -> PathBuf {
        self.linux_path(INSTALL_DIR)
    }

    fn shortcut(&self) -> PathBuf {
        self.prefix
            .drive_c()
            .join("ProgramData/Microsoft/Windows/Start Menu/Programs/Plant Console.lnk")
    }

    /// A value from the prefix's registry through Wine's `reg query`, or `None` when the
    /// key or the value is not there.
    fn reg_value(&self, key: &str, name: &str) -> Option<String> {
        let mut command = self.prefix.command(Path::new("reg"));
        command.args(["query", key, "/v", name]);
        let out = run(command, &format!("reg query {key} /v {name}"));
        if !out.status.success() {
            return None;
        }
        // Wine prints each value as `    NAME    TYPE    DATA`.
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|line| {
                let mut fields = line.trim_start().splitn(3, "    ");
                (fields.next() == Some(name))
                    .then(|| fields.nth(1).unwrap_or_default().trim_end().to_owned())
            })
    }

    fn reg_key_exists(&self, key: &str) -> bool {
        let mut command = self.prefix.command(Path::new("reg"));
        command.args(["query", key]);
        run(command, &format!("reg query {key}")).status.success()
    }

    /// The user's %LOCALAPPDATA%, as Wine gives it to programs, on the Linux side.
    fn local_app_data(&self) -> PathBuf {
        let mut command = self.prefix.command(Path::new("cmd"));
        command.args(["/c", "echo", "%LOCALAPPDATA%"]);
        let out = run(command, "cmd /c echo %LOCALAPPDATA%");
        let text = String::from_utf8_lossy(&out.stdout);
        self.linux_path(text.trim())
    }

    fn assert_nothing_installed(&self, after: &str) {
        assert!(
            !self.install_dir().exists(),
            "{after}: {} exists",
            self.install_dir().display()
        );
        assert!(!self.shortcut().exists(), "{after}: the shortcut exists");
        for key in [UNINSTALL_KEY, AUMID_KEY] {
            assert!(!self.reg_key_exists(key), "{after}: {key} exists");
        }
        assert_eq!(self.reg_value(RUN_KEY, AUTOSTART_VALUE), None, "{after}");
    }
}

/// The installed files' names, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether `bytes` hold `text` as UTF-16LE, as a shell link stores its strings.
fn contains_utf16(bytes: &[u8], text: &str) -> bool {
    let wide: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.windows(wide.len()).any(|window| window == wide)
}

/// Compiles the stand-in for the offline WebView2 runtime installer into the prefix.
fn webview2_standin(machine: &Machine) -> String {
    let source = test_support::workspace_root().join("tests/windows/webview2_runtime_standin.c");
    // A folder with a space: Wine then passes `/WEBVIEW2=…` whole in quotes, as PowerShell
    // and other deployment tools do, which the installer must still understand.
    let exe = machine
        .prefix
        .drive_c()
        .join("offline media/webview2-runtime-standin.exe");
    std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
    let mut command = Command::new("x86_64-w64-mingw32-gcc");
    command
        .args(["-O2", "-o"])
        .arg(&exe)
        .arg(&source)
        .arg("-ladvapi32");
    let out = run(
        command,
        "x86_64-w64-mingw32-gcc (Debian's gcc-mingw-w64-x86-64)",
    );
    assert!(
        out.status.success(),
        "building the WebView2 stand-in: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    machine.prefix.windows_path(&exe)
}

#[test]
fn the_nsis_installer_installs_silently_under_wine_and_its_uninstaller_keeps_the_data_unless_asked()
{
    let started = Instant::now();
    let machine = Machine::new();
    let version_line = format!("plant-console {}", env!("CARGO_PKG_VERSION"));

    // No WebView2 runtime in a fresh prefix and no local runtime installer: a silent
    // install fails with its documented code and leaves nothing behind.
    assert_eq!(machine.install(&["/S"]), EXIT_NO_WEBVIEW2);
    machine.assert_nothing_installed("a silent install without WebView2");
    // A local runtime installer that is not there is the same failure with its own code.
    assert_eq!(
        machine.install(&["/S", r"/WEBVIEW2=C:\offline\missing.exe"]),
        EXIT_WEBVIEW2_INSTALLER_FAILED
    );
    machine.assert_nothing_installed("a silent install with a missing /WEBVIEW2 installer");

    // Before the installer has registered the AppUserModelID, a console's toasts go out
    // under Windows PowerShell's, with a warning, instead of failing.
    let unregistered = machine.toast_set_up(&test_support::wine::windows_exe());
    assert!(
        unregistered.contains("toasts cannot use the console's AppUserModelID")
            && unregistered.contains("registered=false")
            && unregistered.contains("WindowsPowerShell"),
        "{unregistered}"
    );

    // A headless-only machine: /NOWEBVIEW2.
    assert_eq!(machine.install(&["/S", "/NOWEBVIEW2"]), 0);
    let dir = machine.install_dir();
    assert_eq!(
        files_in(&dir),
        [
            "README.md",
            "WebView2Loader.dll",
            "icon.ico",
            "plant-console-headless.exe",
            "plant-console.exe",
            "uninstall.exe"
        ],
        "the installed files (the tests' ProcessPrng shim is never among them)"
    );
    let mut command = machine.prefix.command(&dir.join("plant-console.exe"));
    command.arg("--version");
    let out = run(command, "the installed plant-console.exe --version");
    assert!(out.status.success(), "--version: {out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), version_line);
    // The headless recorder beside it, a console program of its own name.
    let mut command = machine
        .prefix
        .command(&dir.join("plant-console-headless.exe"));
    command.arg("--version");
    let out = run(
        command,
        "the installed plant-console-headless.exe --version",
    );
    assert!(out.status.success(), "--version: {out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        version_line.replace("plant-console", "plant-console-headless")
    );

    // Installed, the console's toasts use its own AppUserModelID: the installer's
    // registration is what the console looks for.
    let registered = machine.toast_set_up(&dir.join("plant-console.exe"));
    assert!(
        registered.contains("app_id=com.plantconsole.desktop")
            && registered.contains("registered=true")
            && !registered.contains("toasts cannot use"),
        "{registered}"
    );

    let link = std::fs::read(machine.shortcut()).expect("the Start-menu shortcut for all users");
    assert!(
        contains_utf16(&link, "plant-console.exe")
            || link.windows(17).any(|w| w == b"plant-console.exe"),
        "the shortcut does not point at plant-console.exe"
    );
    // Not asserted: Wine's IPropertyStore on shell links drops the value (see the top).
    eprintln!(
        "AppUserModelID stored in the shortcut by Wine: {}",
        contains_utf16(&link, "com.plantconsole.desktop")
    );

    let uninstall = |name: &str| machine.reg_value(UNINSTALL_KEY, name);
    assert_eq!(uninstall("DisplayName").as_deref(), Some("Plant Console"));
    assert_eq!(
        uninstall("DisplayVersion").as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(uninstall("Publisher").as_deref(), Some("Plant Console"));
    assert_eq!(uninstall("InstallLocation").as_deref(), Some(INSTALL_DIR));
    assert_eq!(
        uninstall("UninstallString"),
        Some(format!(r#""{INSTALL_DIR}\uninstall.exe""#))
    );
    assert_eq!(
        uninstall("QuietUninstallString"),
        Some(format!(r#""{INSTALL_DIR}\uninstall.exe" /S"#))
    );
    assert_eq!(
        uninstall("DisplayIcon"),
        Some(format!(r"{INSTALL_DIR}\icon.ico"))
    );
    assert_eq!(uninstall("NoModify").as_deref(), Some("0x1"));
    assert_eq!(uninstall("NoRepair").as_deref(), Some("0x1"));
    let size = uninstall("EstimatedSize").expect("EstimatedSize");
    let kib = u64::from_str_radix(size.trim_start_matches("0x"), 16).unwrap();
    assert!(kib > 1000, "EstimatedSize {kib} KiB");
    assert_eq!(
        machine.reg_value(AUMID_KEY, "DisplayName").as_deref(),
        Some("Plant Console")
    );
    let icon = machine.reg_value(AUMID_KEY, "IconUri").expect("IconUri");
    assert_eq!(icon, format!(r"{INSTALL_DIR}\icon.ico"));
    assert!(
        machine.linux_path(&icon).is_file(),
        "{icon} is not installed"
    );
    // Autostart is off unless asked for.
    assert_eq!(machine.reg_value(RUN_KEY, AUTOSTART_VALUE), None);

    // Installed again over itself with /AUTOSTART: the Run value.
    assert_eq!(machine.install(&["/S", "/NOWEBVIEW2", "/AUTOSTART"]), 0);
    assert_eq!(
        machine.reg_value(RUN_KEY, AUTOSTART_VALUE),
        Some(format!(r#""{INSTALL_DIR}\plant-console.exe""#))
    );

    // The operator's data folder outlives a plain uninstall.
    let data = machine.local_app_data().join("plant-console");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("cache.sqlite"), b"the operator's cache").unwrap();
    assert_eq!(machine.uninstall(&["/S"]), 0);
    // Run in place, the uninstaller cannot delete itself; a deployment script removes it
    // (or runs it without `_?=`, when it removes itself but returns at once).
    assert_eq!(files_in(&dir), ["uninstall.exe"], "left after uninstalling");
    std::fs::remove_dir_all(&dir).unwrap();
    machine.assert_nothing_installed("the uninstall");
    assert!(
        data.join("cache.sqlite").is_file(),
        "a plain uninstall removed the data folder"
    );

    // An offline control room: the local WebView2 runtime installer is run silently and
    // the runtime checked again (the stand-in registers it only for `/silent /install`).
    let standin = webview2_standin(&machine);
    assert_eq!(machine.reg_value(WEBVIEW2_KEY, "pv"), None);
    assert_eq!(machine.install(&["/S", &format!("/WEBVIEW2={standin}")]), 0);
    assert!(
        machine.reg_value(WEBVIEW2_KEY, "pv").is_some(),
        "the WebView2 runtime installer was not run with /silent /install"
    );
    assert!(dir.join("plant-console.exe").is_file());

    // /REMOVEDATA removes this user's data folder too.
    assert_eq!(machine.uninstall(&["/S", "/REMOVEDATA"]), 0);
    assert!(!data.exists(), "/REMOVEDATA left {}", data.display());
    assert_eq!(files_in(&dir), ["uninstall.exe"]);
    std::fs::remove_dir_all(&dir).unwrap();
    machine.assert_nothing_installed("the uninstall with /REMOVEDATA");
    eprintln!("windows installer test: {:?}", started.elapsed());
}
