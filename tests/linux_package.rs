//! The Linux installer for real: the `.deb` that `cargo xtask package` made is installed
//! with apt on this machine, the console and the headless recorder answer from their
//! installed paths, its desktop,
//! autostart and systemd files are where a desktop looks for them, and it is removed
//! again, leaving none of them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The package's name in dpkg's database.
const PACKAGE: &str = "plant-console";

/// The `.deb` the test installs: `PLANT_TEST_DEB` from `cargo xtask test`, else the one
/// `cargo xtask package --debug` leaves in target/dist/.
fn deb() -> PathBuf {
    test_support::installer(
        "PLANT_TEST_DEB",
        &format!("plant-console_{}_amd64.deb", env!("CARGO_PKG_VERSION")),
    )
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

fn installed() -> bool {
    let out = run("dpkg-query", &["-W", "-f=${Status}", PACKAGE]);
    String::from_utf8_lossy(&out.stdout).contains("install ok installed")
}

/// Removes the package when the test ends, however it ends, so that a failed assertion
/// does not leave it on the machine.
struct Removal;

impl Drop for Removal {
    fn drop(&mut self) {
        if installed() {
            let _ = run("apt-get", &["remove", "-y", "-q", PACKAGE]);
        }
    }
}

#[test]
fn the_deb_installs_with_apt_runs_from_its_installed_path_and_is_removed_cleanly() {
    let deb = deb();
    let is_root = String::from_utf8_lossy(&run("id", &["-u"]).stdout).trim() == "0";
    assert!(
        is_root,
        "installing the .deb needs root (apt-get install); run the tests as root, as CI does"
    );
    assert!(
        !installed(),
        "{PACKAGE} is already installed on this machine; remove it before the test"
    );
    let _removal = Removal;

    // apt resolves the package's dependencies (WebKitGTK, the tray library) from what the
    // machine has; a `.deb` that names a package Debian does not have fails here.
    let out = run(
        "apt-get",
        &[
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            deb.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "apt-get install failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(installed());

    let listed = String::from_utf8(run("dpkg-query", &["-L", PACKAGE]).stdout).unwrap();
    let files: Vec<&str> = listed.lines().collect();
    for wanted in [
        "/usr/bin/plant-console",
        "/usr/bin/plant-console-headless",
        "/etc/xdg/autostart/plant-console.desktop",
        "/usr/lib/systemd/user/plant-console-recorder.service",
    ] {
        assert!(
            files.contains(&wanted),
            "{wanted} is not in the package: {files:?}"
        );
    }
    let desktop_entry = files
        .iter()
        .find(|f| f.starts_with("/usr/share/applications/") && f.ends_with(".desktop"))
        .unwrap_or_else(|| panic!("no desktop entry in the package: {files:?}"));
    let entry = std::fs::read_to_string(desktop_entry).unwrap();
    assert!(
        entry.contains("Exec=plant-console") && entry.contains("Name=Plant Console"),
        "{entry}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("/usr/share/icons/") && f.ends_with("plant-console.png")),
        "no icon in the package: {files:?}"
    );

    // The autostart entry ships off: a desktop skips an entry with Hidden=true.
    let autostart = std::fs::read_to_string("/etc/xdg/autostart/plant-console.desktop").unwrap();
    assert!(autostart.lines().any(|l| l == "Hidden=true"), "{autostart}");

    // The recorder unit runs the installed headless recorder, the binary without GTK.
    let unit =
        std::fs::read_to_string("/usr/lib/systemd/user/plant-console-recorder.service").unwrap();
    assert!(
        unit.lines()
            .any(|l| l.starts_with("ExecStart=/usr/bin/plant-console-headless ")),
        "{unit}"
    );

    let out = run("/usr/bin/plant-console", &["--version"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("plant-console {}", env!("CARGO_PKG_VERSION"))
    );

    let out = run("/usr/bin/plant-console-headless", &["--version"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("plant-console-headless {}", env!("CARGO_PKG_VERSION"))
    );
    // As installed, it loads no window library (its own test checks the build's binary).
    let out = run("ldd", &["/usr/bin/plant-console-headless"]);
    let loads = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && !loads.contains("libgtk") && !loads.contains("libwebkit"),
        "{loads}"
    );

    let out = run("apt-get", &["remove", "-y", "-q", PACKAGE]);
    assert!(out.status.success(), "apt-get remove failed: {out:?}");
    assert!(!installed());
    for gone in [
        Path::new("/usr/bin/plant-console"),
        Path::new("/usr/bin/plant-console-headless"),
        Path::new("/usr/lib/systemd/user/plant-console-recorder.service"),
        Path::new(desktop_entry),
    ] {
        assert!(
            !gone.exists(),
            "{} is still there after removal",
            gone.display()
        );
    }
}
