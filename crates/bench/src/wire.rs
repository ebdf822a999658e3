//! A small plant server for the controlled workloads of the latency and ingest
//! benchmarks: Engine.IO v4 / Socket.IO v5 over WebSocket and nothing else.
//!
//! It does just what a client needs to go live (OPEN with a long pingInterval, CONNECT
//! answered with a sid, the three snapshot requests answered) and then sends what the
//! benchmark asks for: a burst of pre-encoded one-device `devices_update` frames as fast
//! as the socket takes them, or paced frames stamped with their send time. Every client
//! (the console core, python-socketio, socket.io-client) gets the very same frames.
//!
//! It runs on a runtime and thread of its own, so that it competes with the client under
//! test as a separate server process would, not inside the client's own scheduler.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use plant_protocol::{
    events, Device, DeviceStatus, DevicesUpdate, RelaysUpdate, SystemStats, UnixSeconds,
};
use serde_json::{Map, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

/// How many value variants each device cycles through in a burst, so that every update
/// changes the device (an update that changes nothing makes the console do less).
const VARIANTS: usize = 8;

/// The Engine.IO OPEN packet: a heartbeat far longer than any benchmark, so that no
/// PING/PONG traffic mixes with the measured frames (and below 2^31 ms, which Node's
/// timers need).
const OPEN: &str = r#"0{"sid":"bench","upgrades":[],"pingInterval":600000,"pingTimeout":60000,"maxPayload":1000000}"#;

/// What the server sends once a client is connected.
#[derive(Debug, Clone, Copy)]
pub enum Plan {
    /// `count` pre-encoded frames, as fast as the socket takes them.
    Burst { count: u64 },
    /// `count` frames at `rate` per second, each stamped (`server_time`) as it is sent.
    Paced { count: u64, rate: f64 },
    /// `count` frames `every` apart, the `k`-th taking device `k + 1` (whose snapshot
    /// value is 0) to `value`, each stamped as it is sent; the stamps come back in
    /// [`Sent::stamps`]. With a limit below `value`, each frame raises a new alarm.
    Raise {
        count: u64,
        every: Duration,
        value: f64,
    },
}

/// What the server did with a plan.
#[derive(Debug, Clone)]
pub struct Sent {
    pub frames: u64,
    pub elapsed: Duration,
    /// The Unix time each frame of a `Raise` plan was sent at (empty for the others).
    pub stamps: Vec<UnixSeconds>,
}

/// A client that has connected to the namespace, waiting for its plan.
pub struct Connected {
    go: oneshot::Sender<Plan>,
    done: oneshot::Receiver<Result<Sent>>,
}

impl Connected {
    /// Starts sending `plan` and waits until the server has written all of it.
    pub async fn run(self, plan: Plan) -> Result<Sent> {
        self.go
            .send(plan)
            .map_err(|_| anyhow!("the client left before its plan started"))?;
        self.done
            .await
            .map_err(|_| anyhow!("the connection ended before the plan was sent"))?
    }

    /// Starts sending `plan` and returns at once; the result comes from the receiver.
    pub fn start(self, plan: Plan) -> Result<oneshot::Receiver<Result<Sent>>> {
        self.go
            .send(plan)
            .map_err(|_| anyhow!("the client left before its plan started"))?;
        Ok(self.done)
    }
}

/// The frames every client is sent, encoded once.
struct Frames {
    devices: Vec<Device>,
    burst: Vec<Utf8Bytes>,
    devices_snapshot: Utf8Bytes,
    relays_snapshot: Utf8Bytes,
}

/// The running bench server.
pub struct WireServer {
    pub addr: SocketAddr,
    connections: mpsc::UnboundedReceiver<Connected>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WireServer {
    /// Starts the server for a plant of `devices` devices on a loopback port.
    pub fn start(devices: usize) -> Result<WireServer> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let frames = Arc::new(Frames::new(devices));
        let (connections_tx, connections) = mpsc::unbounded_channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bench-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the bench server's runtime builds");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("a tokio listener");
                    let next_id = AtomicU64::new(1);
                    tokio::pin!(stopped);
                    loop {
                        tokio::select! {
                            _ = &mut stopped => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                let id = next_id.fetch_add(1, Ordering::Relaxed);
                                let frames = frames.clone();
                                let connections = connections_tx.clone();
                                tokio::spawn(async move {
                                    if let Err(error) = serve(stream, id, frames, connections).await {
                                        eprintln!("bench server: connection {id}: {error:#}");
                                    }
                                });
                            }
                        }
                    }
                });
            })?;
        Ok(WireServer {
            addr,
            connections,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next client to connect to the namespace, within `limit`.
    pub async fn next_client(&mut self, limit: Duration) -> Result<Connected> {
        tokio::time::timeout(limit, self.connections.recv())
            .await
            .context("no client connected in time")?
            .context("the bench server stopped")
    }
}

impl Drop for WireServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Frames {
    fn new(count: usize) -> Frames {
        let at = unix_now();
        let devices: Vec<Device> = (0..count).map(|i| device(i, 0.0, at)).collect();
        let mut burst = Vec::with_capacity(count * VARIANTS);
        for variant in 1..=VARIANTS {
            for (i, device) in devices.iter().enumerate() {
                let mut device = device.clone();
                device.value = Some(variant as f64 + i as f64 / 10.0);
                burst.push(devices_frame(vec![device], false, at));
            }
        }
        let devices_snapshot = devices_frame(devices.clone(), true, at);
        let relays = RelaysUpdate {
            relays: Vec::new(),
            snapshot: true,
            server_time: at,
        };
        Frames {
            devices,
            burst,
            devices_snapshot,
            relays_snapshot: event_frame(events::RELAYS_UPDATE, &relays),
        }
    }

    /// The `k`-th frame of a burst: the devices in turn, each time with its next value.
    fn burst(&self, k: u64) -> Utf8Bytes {
        let count = self.devices.len() as u64;
        let device = k % count;
        let variant = (k / count) % VARIANTS as u64;
        self.burst[(variant * count + device) as usize].clone()
    }

    /// The `k`-th frame of a `Raise` plan, stamped now: device `k + 1` at `value`.
    fn raised(&self, k: u64, value: f64) -> (Utf8Bytes, UnixSeconds) {
        let mut device = self.devices[((k + 1) % self.devices.len() as u64) as usize].clone();
        let now = unix_now();
        device.value = Some(value);
        device.last_seen = now;
        (devices_frame(vec![device], false, now), now)
    }

    /// The `k`-th paced frame, stamped now: a value no earlier frame carried.
    fn stamped(&self, k: u64) -> Utf8Bytes {
        let mut device = self.devices[(k % self.devices.len() as u64) as usize].clone();
        let now = unix_now();
        device.value = Some(k as f64);
        device.last_seen = now;
        devices_frame(vec![device], false, now)
    }
}

/// A device of the bench plant, shaped like the reference fleet's.
pub fn device(i: usize, value: f64, at: UnixSeconds) -> Device {
    Device {
        id: format!("dev-{:05}", i + 1),
        name: format!("Boiler {} temperature", i + 1),
        kind: "temperature".into(),
        status: DeviceStatus::Online,
        value: Some(value),
        unit: Some("\u{b0}C".into()),
        last_seen: at,
        extra: Map::from_iter([("location".to_owned(), Value::from("Hall 2"))]).into(),
    }
}

fn devices_frame(devices: Vec<Device>, snapshot: bool, at: UnixSeconds) -> Utf8Bytes {
    let update = DevicesUpdate {
        devices,
        snapshot,
        server_time: at,
    };
    event_frame(events::DEVICES_UPDATE, &update)
}

fn event_frame(name: &str, payload: &impl serde::Serialize) -> Utf8Bytes {
    let payload = serde_json::to_string(payload).expect("plant types serialize");
    Utf8Bytes::from(format!("42[\"{name}\",{payload}]"))
}

fn stats_frame() -> Utf8Bytes {
    let stats = SystemStats {
        cpu_percent: 1.0,
        memory_percent: 10.0,
        disk_percent: 20.0,
        uptime_s: 100.0,
        clients: 1,
        server_time: unix_now(),
        extra: Map::new(),
    };
    event_frame(events::SYSTEM_STATS_UPDATE, &stats)
}

pub fn unix_now() -> UnixSeconds {
    plant_link::clock::unix_now()
}

type Sink = Arc<Mutex<SplitSink<WebSocketStream<TcpStream>, Message>>>;

async fn send(sink: &Sink, frame: Utf8Bytes) -> Result<()> {
    sink.lock().await.send(Message::Text(frame)).await?;
    Ok(())
}

/// One client, from the WebSocket handshake until it leaves.
async fn serve(
    stream: TcpStream,
    id: u64,
    frames: Arc<Frames>,
    connections: mpsc::UnboundedSender<Connected>,
) -> Result<()> {
    stream.set_nodelay(true)?;
    let socket = tokio_tungstenite::accept_async(stream).await?;
    let (sink, mut incoming) = socket.split();
    let sink: Sink = Arc::new(Mutex::new(sink));
    send(&sink, Utf8Bytes::from_static(OPEN)).await?;
    let mut sender = None;
    while let Some(message) = incoming.next().await {
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => continue,
        };
        let text = text.as_str();
        if text.starts_with("40") {
            send(
                &sink,
                Utf8Bytes::from(format!(r#"40{{"sid":"bench-{id}"}}"#)),
            )
            .await?;
            let (go, plan) = oneshot::channel();
            let (done_tx, done) = oneshot::channel();
            let (frames, sink) = (frames.clone(), sink.clone());
            // The plan runs beside this loop, which keeps reading (and answering) the
            // client's frames while the server sends.
            sender = Some(tokio::spawn(async move {
                let Ok(plan) = plan.await else { return };
                let _ = done_tx.send(run_plan(plan, &frames, &sink).await);
            }));
            if connections.send(Connected { go, done }).is_err() {
                break;
            }
        } else if text == "41" {
            break;
        } else if let Some(rest) = text.strip_prefix("42") {
            // `42["request_devices"]`, or `42<id>[…]` when the client wants an ack.
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let (ack, body) = rest.split_at(digits);
            if !ack.is_empty() {
                // The console's round-trip probe: an empty ack measures it and adds no
                // plant message to the stream being measured.
                send(&sink, Utf8Bytes::from(format!("43{ack}[]"))).await?;
            } else if body.contains(events::REQUEST_DEVICES) {
                send(&sink, frames.devices_snapshot.clone()).await?;
            } else if body.contains(events::REQUEST_RELAYS) {
                send(&sink, frames.relays_snapshot.clone()).await?;
            } else if body.contains(events::REQUEST_SYSTEM_STATS) {
                send(&sink, stats_frame()).await?;
            }
        }
    }
    if let Some(sender) = sender {
        sender.abort();
    }
    Ok(())
}

async fn run_plan(plan: Plan, frames: &Frames, sink: &Sink) -> Result<Sent> {
    let started = Instant::now();
    let mut stamps = Vec::new();
    let frames_sent = match plan {
        Plan::Burst { count } => {
            // One lock for the whole burst: nothing else is sent meanwhile, and frames go
            // into the socket's write buffer back to back, flushed as it fills.
            let mut sink = sink.lock().await;
            for k in 0..count {
                sink.feed(Message::Text(frames.burst(k))).await?;
            }
            sink.flush().await?;
            count
        }
        Plan::Paced { count, rate } => {
            let period = Duration::from_secs_f64(1.0 / rate);
            let mut next = tokio::time::Instant::now();
            for k in 0..count {
                next += period;
                tokio::time::sleep_until(next).await;
                send(sink, frames.stamped(k)).await?;
            }
            count
        }
        Plan::Raise {
            count,
            every,
            value,
        } => {
            let mut next = tokio::time::Instant::now();
            for k in 0..count {
                next += every;
                tokio::time::sleep_until(next).await;
                let (frame, at) = frames.raised(k, value);
                send(sink, frame).await?;
                stamps.push(at);
            }
            count
        }
    };
    Ok(Sent {
        frames: frames_sent,
        elapsed: started.elapsed(),
        stamps,
    })
}
