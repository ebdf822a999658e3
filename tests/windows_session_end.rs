//! The real Windows exe under Wine at the end of a session: `wineboot --end-session`
//! sends WM_QUERYENDSESSION and WM_ENDSESSION to every top-level window, as Windows does
//! at logoff and shutdown, and the headless console must hear it in its hidden window,
//! flush its store and exit 0. Also: with the exe made a GUI-subsystem program, as a
//! release build is, a CLI subcommand's output still arrives through a pipe.
//!
//! Each test has a Wine prefix of its own: ending the session ends every program in it.
//! The prefixes use Wine's null display driver: with no display and no driver, Wine
//! makes no windows at all, and the console would have none to hear the session's end.
//!
//! Linux only: on a Windows host the exe runs as itself, and there is no Wine.

#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use test_support::flask::FlaskPlant;
use test_support::wine::{output_within, windows_exe, WinePrefix};
use test_support::{wait_for, KillOnDrop};

/// How long anything here may take: a Windows program under Wine starts in a fraction
/// of a second on an idle machine, far slower while the suite's builds share two cores.
const LIMIT: Duration = Duration::from_secs(60);

/// A new prefix whose programs can make (invisible) windows without a display.
fn prefix_with_windows() -> WinePrefix {
    let prefix = WinePrefix::new();
    let output = output_within(
        prefix.command(Path::new("reg")).args([
            "add",
            r"HKCU\Software\Wine\Drivers",
            "/v",
            "Graphics",
            "/d",
            "null",
            "/f",
        ]),
        "",
        LIMIT,
    );
    assert!(output.status.success(), "reg add: {output:?}");
    // The desktop process chose its driver when the prefix was made; it reads the new
    // one when it starts again, with the next program.
    prefix.kill_all();
    prefix
}

/// A data folder inside the prefix's drive C, and its `C:\…` spelling for the exe.
fn data_dir(prefix: &WinePrefix) -> (tempfile::TempDir, String) {
    let dir = tempfile::Builder::new()
        .prefix("plant-data-")
        .tempdir_in(prefix.drive_c())
        .expect("make a data folder in drive C");
    let windows = prefix.windows_path(dir.path());
    (dir, windows)
}

/// The console's log file so far, or nothing while there is none.
fn log(data: &Path) -> String {
    std::fs::read_to_string(data.join("logs/plant-console.log")).unwrap_or_default()
}

#[test]
fn ending_the_windows_session_flushes_the_headless_console_and_it_exits_cleanly() {
    let prefix = prefix_with_windows();
    let exe = windows_exe();
    let flask = FlaskPlant::start(&["--no-sim"]);
    let (data, windows_data) = data_dir(&prefix);
    let mut console = KillOnDrop(
        prefix
            .command(&exe)
            .args(["--headless", "--server", &flask.url(), "--data-dir"])
            .arg(&windows_data)
            // Info level, for the log file's "stopping" and "stopped" lines.
            .env("RUST_LOG", "info")
            .env_remove("PLANT_SERVER")
            .env_remove("PLANT_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the headless console under Wine"),
    );
    wait_for(LIMIT, "the console to say it runs", || {
        log(data.path())
            .contains("headless console running")
            .then_some(())
    });
    // The Windows CLI's `state --json` on the console's folder, once it reads.
    let read_state = || -> Option<Value> {
        let output = output_within(
            prefix
                .command(&exe)
                .args(["state", "--json", "--data-dir"])
                .arg(&windows_data),
            "",
            LIMIT,
        );
        serde_json::from_slice(&output.stdout).ok()
    };
    wait_for(LIMIT, "the cache to hold the plant", || {
        let state = read_state()?;
        (state["devices"].as_array()?.len() == 12).then_some(())
    });
    assert!(
        !log(data.path()).contains("no window to hear logoff and shutdown"),
        "the console made its hidden window: {}",
        log(data.path())
    );

    let ended = output_within(
        prefix.command(Path::new("wineboot")).arg("--end-session"),
        "",
        LIMIT,
    );
    assert!(ended.status.success(), "wineboot --end-session: {ended:?}");
    let status = console.wait_exit(LIMIT);
    let log = log(data.path());
    // Wine's end of session is a shutdown (WM_ENDSESSION with lParam 0); a logoff has
    // ENDSESSION_LOGOFF in it. Either is right; a console killed first says neither.
    let stopped = log.lines().find(|line| {
        line.contains("stopped: the store is flushed")
            && (line.contains("reason=shutdown") || line.contains("reason=logoff"))
    });
    assert!(
        stopped.is_some(),
        "the console logged its stop for the session's end: {log}"
    );
    assert!(
        status.success(),
        "the end of the session must end the console with 0, got {status}: {log}"
    );

    drop(flask);
    let state = read_state().expect("the cache reads back");
    assert_eq!(state["devices"].as_array().unwrap().len(), 12, "{state}");
}

/// A copy of the exe marked as a GUI-subsystem program, as a release build is: the
/// debug exe is a console program, which Windows (and Wine) give a console of its own.
/// The mark is one field of the PE optional header.
fn gui_subsystem_copy(exe: &Path, into: &Path) -> PathBuf {
    let mut image = std::fs::read(exe).expect("read the exe");
    let pe = u32::from_le_bytes(image[0x3c..0x40].try_into().unwrap()) as usize;
    assert_eq!(&image[pe..pe + 4], b"PE\0\0", "a PE image");
    // The signature (4 bytes), the COFF header (20), then the optional header, whose
    // Subsystem field is at offset 68 in PE32+ (magic 0x20b).
    let optional = pe + 24;
    assert_eq!(image[optional..optional + 2], [0x0b, 0x02], "a PE32+ image");
    let subsystem = optional + 68;
    assert_eq!(image[subsystem..subsystem + 2], [3, 0], "a console program");
    image[subsystem..subsystem + 2].copy_from_slice(&[2, 0]);
    let copy = into.join("plant-console.exe");
    std::fs::write(&copy, image).expect("write the GUI-subsystem copy");
    // The window libraries the exe loads at start sit beside it.
    let loader = exe.with_file_name("WebView2Loader.dll");
    if loader.is_file() {
        std::fs::copy(&loader, into.join("WebView2Loader.dll")).expect("copy WebView2Loader.dll");
    }
    copy
}

#[test]
fn a_gui_subsystem_build_still_prints_a_cli_subcommand_into_a_pipe() {
    let prefix = WinePrefix::new();
    let folder = tempfile::tempdir().expect("a folder for the copy");
    let exe = gui_subsystem_copy(&windows_exe(), folder.path());
    let (_data, windows_data) = data_dir(&prefix);

    // clap's own output (the version) and a subcommand's JSON, both to the pipe that
    // the parent gave as the standard output.
    let version = output_within(prefix.command(&exe).arg("--version"), "", LIMIT);
    assert!(version.status.success(), "--version: {version:?}");
    assert!(
        String::from_utf8_lossy(&version.stdout).contains("plant-console"),
        "{version:?}"
    );
    let status = output_within(
        prefix
            .command(&exe)
            .args([
                "token",
                "status",
                "--json",
                "--server",
                "http://plant-server.invalid:5000",
                "--data-dir",
            ])
            .arg(&windows_data),
        "",
        LIMIT,
    );
    assert!(status.status.success(), "token status: {status:?}");
    let json: Value = serde_json::from_slice(&status.stdout).expect("JSON on the pipe");
    assert_eq!(json["present"], false, "{json}");
    // And an error to the standard error pipe.
    let refused = output_within(prefix.command(&exe).arg("--no-such-option"), "", LIMIT);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--no-such-option"),
        "{refused:?}"
    );
}
