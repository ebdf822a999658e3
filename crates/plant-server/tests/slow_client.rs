//! Shutdown with a client that stopped reading: it must not hold the server up forever.
//!
//! This lives in its own test binary because it installs a global tracing subscriber: the only
//! outside evidence that the server's writer for a client is stuck is the server's own log.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plant_server::ServerConfig;
use support::{quiet_config, start, within, SioClient};
use tracing_subscriber::fmt::MakeWriter;

/// Log output collected in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn contains(&self, needle: &str) -> bool {
        String::from_utf8_lossy(&self.0.lock().unwrap()).contains(needle)
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
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
    within(async {
        while !log.contains("devices snapshot not sent") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;

    within(server.shutdown()).await;
    assert!(log.contains("did not close in time"));
    drop(client);
}
