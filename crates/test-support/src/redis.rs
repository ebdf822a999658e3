//! A real `redis-server` per test, and servers that can be killed like a crashed process:
//! what the tests of plant servers sharing one plant through Redis need.
//!
//! [`RedisServer`] runs Debian's `/usr/bin/redis-server` (installed by `cargo xtask setup
//! --test`) on a free loopback port, without persistence, in its own temporary folder, and
//! kills it when dropped; it can be stopped and restarted on the same port to play
//! "Redis lost" and "Redis back". [`Instance`] runs a server on a tokio runtime of its own,
//! so that [`Instance::kill`] can drop everything it runs at once: its sockets close with no
//! Socket.IO or Engine.IO goodbye, as when the process dies.

use std::future::Future;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant as Clock};

/// Where Debian installs the server.
pub const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// Longest a start (until the first `PONG`) may take.
const START_DEADLINE: Duration = Duration::from_secs(10);

/// Starts tried before giving up, each on a fresh port (another process can take the port
/// between picking it and redis binding it).
const START_ATTEMPTS: usize = 5;

/// One `redis-server` of a test's own.
pub struct RedisServer {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free loopback port and waits until it answers `PING`.
    ///
    /// Panics with the fix when redis-server is not installed: a test that needs it must
    /// fail, not skip.
    pub fn start() -> Self {
        assert!(
            std::path::Path::new(REDIS_SERVER).is_file(),
            "{REDIS_SERVER} is missing: run `cargo xtask setup --test` (Debian's redis-server)"
        );
        let mut server = RedisServer {
            port: 0,
            dir: tempfile::tempdir().expect("a temporary folder for redis"),
            child: None,
        };
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            server.port = free_port();
            match server.spawn() {
                Ok(()) => return server,
                Err(error) => last_error = error,
            }
        }
        panic!("redis-server did not start in {START_ATTEMPTS} attempts: {last_error}");
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server at once (SIGKILL): for the tests, Redis is lost.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The same as [`RedisServer::kill`]: no persistence means nothing to save on the way.
    pub fn stop(&mut self) {
        self.kill();
    }

    /// Starts the server again on the same port, empty (it keeps nothing), and waits for it.
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Clock::now() + START_DEADLINE;
        // The port was just released; it is ours again unless something else took it, in
        // which case the restart fails loudly rather than moving to a port nobody expects.
        loop {
            match self.spawn() {
                Ok(()) => return,
                Err(error) if Clock::now() > deadline => {
                    panic!(
                        "redis-server did not restart on port {}: {error}",
                        self.port
                    )
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.log_path()).map_err(|e| e.to_string())?;
        let child = Command::new(REDIS_SERVER)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--daemonize", "no"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run {REDIS_SERVER}: {e}"))?;
        self.child = Some(child);
        let deadline = Clock::now() + START_DEADLINE;
        loop {
            if ping(self.port) {
                return Ok(());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|child| child.try_wait().ok().flatten());
            if exited.is_some() || Clock::now() > deadline {
                self.kill();
                let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
                return Err(format!(
                    "redis-server on port {} did not answer PING: {log}",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port nobody listens on right now (the OS's pick for port 0).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// Whether a Redis on `port` answers `PING` with `PONG`.
fn ping(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"*1\r\n$4\r\nPING\r\n").is_err() {
        return false;
    }
    let mut answer = [0u8; 7];
    stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
}

/// A server running on a tokio runtime of its own, which [`Instance::kill`] drops at once.
///
/// `T` is whatever the start function returned (for a plant server, its `RunningServer`).
/// Killing drops every task of that runtime, and with them every socket it holds, without
/// running the server's shutdown: its clients see their connections end with no goodbye,
/// and what it held in Redis (a lease) is left to run out, as after a crash.
pub struct Instance<T> {
    runtime: Option<tokio::runtime::Runtime>,
    value: Option<T>,
}

impl<T: Send + 'static> Instance<T> {
    /// Builds a runtime on a thread of its own, runs `start` on it to completion and keeps
    /// the runtime (and whatever `start` spawned on it) running. Callable from a test's own
    /// async context, which must not build a runtime in place.
    pub fn start<F, Fut>(start: F) -> Self
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T>,
    {
        let (runtime, value) = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime for the instance");
            let value = runtime.block_on(start());
            (runtime, value)
        })
        .join()
        .expect("the instance started");
        Self {
            runtime: Some(runtime),
            value: Some(value),
        }
    }

    /// What `start` returned.
    pub fn get(&self) -> &T {
        self.value.as_ref().expect("the instance is running")
    }

    /// Runs `future` on the instance's own runtime (for example its graceful shutdown) and
    /// returns its output; blocks the calling thread, so call it from a blocking context
    /// (`tokio::task::spawn_blocking`) in an async test.
    pub fn block_on<R>(&self, future: impl Future<Output = R>) -> R {
        self.runtime
            .as_ref()
            .expect("the instance is running")
            .block_on(future)
    }

    /// Kills the instance: its runtime is dropped at once, with every task and socket of it.
    /// Safe to call from an async test.
    pub fn kill(&mut self) {
        // The runtime goes first, so that nothing of the server runs any more (no graceful
        // shutdown, no goodbye) by the time its handles are dropped.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
        self.value = None;
    }
}

impl<T> Drop for Instance<T> {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
