//! Shutdown with a client that stopped reading: it must not hold the server up forever.
//!
//! This lives in its own test binary because it installs a global tracing subscriber: the only
//! outside evidence that the server's writer for a client is stuck is the server's own log.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use plant_server::ServerConfig;
use support::{quiet_config, start, within, SioClient};
use tokio::sync::Notify;
use tracing_subscriber::fmt::MakeWriter;

/// Log output collected in memory, with a signal at every write.
#[derive(Clone, Default)]
struct Captured(Arc<Log>);

#[derive(Default)]
struct Log {
    text: Mutex<Vec<u8>>,
    written: Notify,
}

impl Captured {
    fn contains(&self, needle: &str) -> bool {
        String::from_utf8_lossy(&self.0.text.lock().unwrap()).contains(needle)
    }

    /// Returns once the log contains `needle`, woken by each write.
    async fn until_contains(&self, needle: &str) {
        loop {
            // Asked for before looking, so a write between the look and the wait still wakes it.
            let written = self.0.written.notified();
            if self.contains(needle) {
                return;
            }
            written.await;
        }
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.text.lock().unwrap().extend_from_slice(buf);
        self.0.written.notify_waiters();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn shutdown_returns_even_when_a_client_stopped_reading() {
    let log = Captured::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(log.clone())
        .init();

    let server = start(ServerConfig {
        devices: 1_000,
        ..quiet_config()
    })
    .await;
    let mut client = SioClient::connect(server.local_addr(), None).await;
    // Each snapshot is about 200 kB. The server can push a few megabytes into the TCP buffers
    // and then holds at most its per-client queue; once that queue overflows, the writer for
    // this client is certainly stuck, because the client never reads.
    for _ in 0..400 {
        client.emit("request_devices", None).await;
    }
    within(log.until_contains("devices snapshot not sent")).await;

    within(server.shutdown()).await;
    assert!(log.contains("did not close in time"));
    drop(client);
}
