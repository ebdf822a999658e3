//! Helpers shared by the tests of every crate: locating the Python test peers, starting
//! the Flask-SocketIO plant server, a hostile plant server that sends whatever the test
//! writes, polling with a deadline, and a small blocking HTTP client.
//!
//! Blocking on purpose: the end-to-end tests must not pull a second async HTTP stack into
//! the app's dependency graph (it rebuilt the whole Tauri stack when tried).

pub mod flask;
pub mod hostile;
pub mod http;
pub mod proxy;
pub mod redis;
pub mod wine;

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

/// The Python of the test virtualenv that `cargo xtask test` creates.
///
/// Panics with the fix when it is missing: a test that needs a peer must fail, not skip.
pub fn python() -> PathBuf {
    let path = std::env::var_os("PLANT_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/py-venv/bin/python3"));
    assert!(
        path.is_file(),
        "the test virtualenv's python ({}) is missing: run `cargo xtask setup --test` (or `cargo xtask test`)",
        path.display()
    );
    path
}

// Polling: tests wait on an event wherever there is one (a `watch` or `broadcast`
// receiver, a `Notify`, the link's state watch, a child's output line, the proxy's
// condition variable). What remains has no event to wait on, such as a SQLite file
// another thread or process writes, a log file, a peer's counters or a desktop's
// notification list: for that, and only that, the two functions below poll with a
// deadline, so that the tests poll in this one place and say what they waited for when
// the deadline passes.

/// The shortest and longest pause between two looks of [`wait_for`] and [`eventually`]:
/// they start short, for what is nearly there, and back off to spare the machine.
const FIRST_PAUSE: Duration = Duration::from_millis(5);
const LONGEST_PAUSE: Duration = Duration::from_millis(100);

/// Polls `check` until it returns `Some`, or panics naming `what` after `limit`.
/// Blocking: for threads and blocking tests; async tests use [`eventually`].
pub fn wait_for<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    let mut pause = FIRST_PAUSE;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(pause);
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

/// Awaits `check` until it gives a value, or panics naming `what` after `limit`: the
/// async twin of [`wait_for`], for a condition no event announces. The pauses go on the
/// runtime's timer, so other tasks of the test run meanwhile.
///
/// `check` answers an [`Option`], or a [`Result`] whose error says what it saw instead;
/// the last such error goes into the panic message.
pub async fn eventually<L: Look>(
    limit: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> L,
) -> L::Value {
    let deadline = tokio::time::Instant::now() + limit;
    let mut pause = FIRST_PAUSE;
    loop {
        let seen = match check().await.look() {
            Ok(value) => return value,
            Err(seen) => seen,
        };
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}{}",
            seen.map(|seen| format!("; last seen: {seen}"))
                .unwrap_or_default()
        );
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

/// One look of [`eventually`]'s check: the value waited for, or not yet (with what was
/// seen instead, where the check says).
pub trait Look {
    type Value;
    fn look(self) -> Result<Self::Value, Option<String>>;
}

impl<T> Look for Option<T> {
    type Value = T;
    fn look(self) -> Result<T, Option<String>> {
        self.ok_or(None)
    }
}

impl<T, E: std::fmt::Display> Look for Result<T, E> {
    type Value = T;
    fn look(self) -> Result<T, Option<String>> {
        self.map_err(|seen| Some(seen.to_string()))
    }
}

/// A child process that is killed when the guard drops, so a failing test never leaves
/// a program running behind it.
pub struct KillOnDrop(pub std::process::Child);

impl KillOnDrop {
    /// Waits for the child to exit, failing after `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        wait_for(limit, "the process to exit", || {
            self.0.try_wait().expect("try_wait")
        })
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TCP port that was free a moment ago, for programs that only take a port number.
/// The small race with other programs is accepted because such tools offer no way
/// to report the port they bound to.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind an ephemeral port");
    listener.local_addr().expect("bound address").port()
}

pub mod desktop;
pub mod webdriver;

/// Decodes standard base64 (as WebDriver screenshots come), ignoring whitespace.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let clean: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for chunk in clean.chunks(4) {
        let digits: Vec<u32> = chunk
            .iter()
            .take_while(|&&c| c != b'=')
            .map(|&c| value(c))
            .collect::<Option<_>>()?;
        let mut acc = 0u32;
        for (i, d) in digits.iter().enumerate() {
            acc |= d << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..digits.len().max(1)]);
    }
    Some(out)
}

/// An installer that `cargo xtask package` made: the path in the variable `env` (which
/// `cargo xtask test` sets), else `target/dist/<file_name>`. A missing one fails the test
/// with the command that makes it, never a skip.
pub fn installer(env: &str, file_name: &str) -> PathBuf {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/dist").join(file_name));
    assert!(
        path.is_file(),
        "{} is missing: make it with `cargo xtask package --debug --no-build` (`cargo xtask test` does)",
        path.display()
    );
    path
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes_padded_and_unpadded_input() {
        assert_eq!(super::base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(super::base64_decode("aGVsbG8h").unwrap(), b"hello!");
        assert_eq!(super::base64_decode("aGk=\n").unwrap(), b"hi");
        assert!(super::base64_decode("a$==").is_none());
    }
}
