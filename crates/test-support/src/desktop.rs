//! A private desktop for tests: an Xvfb display and a D-Bus session bus of the test's
//! own, plus temporary XDG folders, so a real window, tray and notifications can run
//! headless without touching the user's session.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Xvfb + dbus-daemon, stopped when dropped.
pub struct Desktop {
    xvfb: Child,
    dbus: Child,
    pub display: String,
    pub bus_address: String,
    home: tempfile_dir::TempDir,
}

/// Reads the first line a child prints on stdout, with a deadline.
fn first_line(child: &mut Child, what: &str) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
    assert!(!line.trim().is_empty(), "{what} did not start");
    line.trim().to_owned()
}

impl Desktop {
    pub fn start() -> Desktop {
        Desktop::start_sized(1280, 800)
    }

    /// A desktop whose screen is `width` × `height` pixels (the sizes a control room's
    /// monitors have, e.g. 1920 × 1080).
    pub fn start_sized(width: u32, height: u32) -> Desktop {
        let screen = format!("{width}x{height}x24");
        // `-displayfd 1` makes Xvfb pick a free display and print its number on stdout.
        let mut xvfb = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                &screen,
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is installed (cargo xtask setup --test)");
        let display = format!(":{}", first_line(&mut xvfb, "Xvfb"));
        let mut dbus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon is installed");
        let bus_address = first_line(&mut dbus, "dbus-daemon");
        let home = tempfile_dir::TempDir::new("plant-console-desktop");
        for sub in ["config", "data", "cache", "tmp", "runtime"] {
            std::fs::create_dir_all(home.path().join(sub)).expect("create XDG folder");
        }
        Desktop {
            xvfb,
            dbus,
            display,
            bus_address,
            home,
        }
    }

    /// The environment a program needs to live on this desktop.
    pub fn env(&self) -> Vec<(String, String)> {
        let home = self.home.path();
        let path = |sub: &str| home.join(sub).display().to_string();
        vec![
            // A home of its own too: not everything honours the XDG folders (the
            // autostart plugin writes $HOME/.config/autostart whatever XDG_CONFIG_HOME says).
            ("HOME".into(), home.display().to_string()),
            ("DISPLAY".into(), self.display.clone()),
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.bus_address.clone()),
            ("XDG_CONFIG_HOME".into(), path("config")),
            ("XDG_DATA_HOME".into(), path("data")),
            ("XDG_CACHE_HOME".into(), path("cache")),
            ("XDG_RUNTIME_DIR".into(), path("runtime")),
            ("TMPDIR".into(), path("tmp")),
            ("NO_AT_BRIDGE".into(), "1".into()),
        ]
    }

    /// Starts gnome-keyring's Secret Service on this desktop's bus, with a login keyring
    /// created and unlocked by a throwaway password, as a desktop login would. It stops
    /// when the returned guard is dropped.
    pub fn start_keyring(&self) -> crate::KillOnDrop {
        use std::io::Write;
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .envs(self.env())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring is installed (cargo xtask setup --test)");
        // The password goes in on standard input; closing it lets the daemon go on.
        let mut stdin = child.stdin.take().expect("piped stdin");
        stdin
            .write_all(b"throwaway-test-password")
            .expect("write the keyring password");
        drop(stdin);
        let guard = crate::KillOnDrop(child);
        crate::wait_for(
            Duration::from_secs(20),
            "the Secret Service on the bus",
            || {
                let output = Command::new("gdbus")
                    .args([
                        "call",
                        "--session",
                        "--dest",
                        "org.freedesktop.DBus",
                        "--object-path",
                        "/org/freedesktop/DBus",
                        "--method",
                        "org.freedesktop.DBus.NameHasOwner",
                        "org.freedesktop.secrets",
                    ])
                    .envs(self.env())
                    .output()
                    .ok()?;
                String::from_utf8_lossy(&output.stdout)
                    .contains("true")
                    .then_some(())
            },
        );
        guard
    }

    /// A scratch folder that lives as long as the desktop.
    pub fn scratch(&self) -> &Path {
        self.home.path()
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        for child in [&mut self.dbus, &mut self.xvfb] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Where tests put screenshots and other artifacts: `target/<sub>/`.
pub fn artifacts_dir(sub: &str) -> PathBuf {
    let dir = crate::workspace_root().join("target").join(sub);
    std::fs::create_dir_all(&dir).expect("create artifacts folder");
    dir
}

/// A temporary folder removed on drop, without a dependency for it.
mod tempfile_dir {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU32, Ordering};

    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new(prefix: &str) -> TempDir {
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("{prefix}-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).expect("create temp folder");
            TempDir(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
