//! A hostile plant server of the tests' own: raw WebSocket and raw HTTP/1.1 on one
//! loopback port, where the test writes every Engine.IO/Socket.IO frame and every HTTP
//! answer literally and sees everything the client sent.
//!
//! The reference plant server and the Flask peer only ever send what a well-behaved
//! plant sends. To prove that the console survives a plant that sends `NaN`, a 2^53
//! `pingInterval`, a 1 GiB answer or a redirect to `http://`, a test needs a server that
//! does exactly what it is told and nothing else: this one answers no ping, sends no
//! OPEN and follows no protocol unless the test says so.
//!
//! Plain std threads and the blocking `tungstenite` (the same crate, version and
//! features the console's `tokio-tungstenite` already builds), like the rest of
//! test-support: no runtime of its own, so it runs beside a test on any runtime,
//! including one whose clock is paused, and adds nothing to the app's dependency graph.
//!
//! Every wait has a blocking form with a deadline (`*_within`, panicking with what it
//! waited for) for plain and multi-thread tests, and an `async` form (`*_async`) that
//! any executor can await without blocking its thread: a `current_thread` tokio test
//! must use those (or a script, below), because a blocking wait would stop the very
//! console task it is waiting for. Wrap the async forms in the test's own timeout.
//!
//! # WebSocket
//!
//! A request with `Upgrade: websocket` (any path) is accepted and becomes a [`WsConn`].
//! Either take connections in arrival order ([`HostileServer::next_ws_within`] /
//! [`HostileServer::next_ws_async`]) and drive them from the test, or install a script
//! ([`HostileServer::on_ws`]) that the server runs on a thread of its own for every new
//! connection: the script blocks freely while the test awaits the console's side.
//!
//! # HTTP
//!
//! Other requests are answered from a route table keyed by method and path (query
//! ignored): [`HostileServer::route`] sets one answer for every request,
//! [`HostileServer::route_seq`] a sequence whose last answer repeats. Unknown routes get
//! a 404 with an empty body. Every request, WebSocket upgrades included, is recorded
//! with its headers ([`HostileServer::requests`]), so a test can check that a token was
//! or was not sent.
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use test_support::hostile::{open_frame, HostileServer, HttpAnswer};
//!
//! let server = HostileServer::start();
//! // A devices list whose second device is unreadable, exactly as Flask writes it.
//! server.route(
//!     "GET",
//!     "/api/devices",
//!     HttpAnswer::json(200, r#"{"devices":[{"id":"a","value":1.0},{"id":"b","value":NaN}]}"#),
//! );
//! server.on_ws(|conn| {
//!     // OPEN with a heartbeat no real server would choose, then accept the CONNECT.
//!     conn.send(&open_frame(0, 9_007_199_254_740_992));
//!     conn.recv_matching_within(Duration::from_secs(10), "the CONNECT", |f| f.starts_with("40"));
//!     conn.send(r#"40{"sid":"hostile"}"#);
//!     conn.send(r#"42["devices_update",{"devices":[{"id":"b","value":NaN}],"snapshot":false,"server_time":1}]"#);
//! });
//! // ... point a console at server.url() and assert what the operator sees ...
//! let first = server.next_ws_within(Duration::from_secs(10));
//! assert!(first.received().iter().any(|frame| frame.starts_with("40")));
//! assert!(server.requests().iter().all(|r| r.header("authorization").is_none()));
//! ```
//!
//! # Layout
//!
//! This file is the server: the listener, the route table and the request log.
//! `ws.rs` is one WebSocket connection, `answer.rs` an HTTP answer and how it is
//! written (huge, endless or cut short), `watched.rs` the shared state that threads and
//! futures both wait on.

use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

mod answer;
#[cfg(test)]
mod tests;
mod watched;
mod ws;

use answer::write_answer;
pub use answer::{Framing, HttpAnswer};
use watched::Watched;
use ws::run_websocket;
pub use ws::{ClientFrame, WsConn};

/// The longest request head (request line and headers) the server reads.
const MAX_HEAD: usize = 64 * 1024;

/// How often a connection thread looks at its queue while the client is silent: the
/// socket has a read timeout of this length so that one thread can both read and write.
const POLL: Duration = Duration::from_millis(5);

/// An Engine.IO OPEN frame (`0{…}`) with the given heartbeat, as a server sends first.
/// Values are written as given, so `u64::MAX` or 2^53 go out literally.
pub fn open_frame(ping_interval_ms: u64, ping_timeout_ms: u64) -> String {
    format!(
        r#"0{{"sid":"hostile","upgrades":[],"pingInterval":{ping_interval_ms},"pingTimeout":{ping_timeout_ms},"maxPayload":1000000}}"#
    )
}

type Script = Arc<dyn Fn(WsConn) + Send + Sync>;

/// A running hostile server; dropping it closes every connection.
pub struct HostileServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    state: Watched<State>,
}

#[derive(Default)]
struct State {
    routes: HashMap<(String, String), VecDeque<HttpAnswer>>,
    /// Answer given to WebSocket upgrades instead of accepting them, when set.
    refuse_upgrades: Option<HttpAnswer>,
    requests: Vec<Request>,
    connections: Vec<WsConn>,
    /// How many of `connections` `next_ws_*` has handed out.
    taken: usize,
    script: Option<Script>,
    /// Every socket the server accepted, so that drop can close them.
    sockets: Vec<TcpStream>,
    stopping: bool,
}

/// One HTTP request as the client sent it (WebSocket upgrades included).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target as sent: path and query.
    pub target: String,
    /// Header names as sent, in order, repeated ones repeated.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn is_upgrade(&self) -> bool {
        self.header("upgrade")
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
    }
}

impl HostileServer {
    /// Listens on an ephemeral loopback port.
    pub fn start() -> HostileServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind the hostile server's port");
        let addr = listener.local_addr().expect("the hostile server's address");
        let shared = Arc::new(Shared {
            state: Watched::new(State::default()),
        });
        let acceptor = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("hostile-accept".into())
                .spawn(move || accept_loop(&listener, &shared))
                .expect("spawn the hostile server's accept thread")
        };
        HostileServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`: the plant URL to give the console.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:<port>/socket.io/?EIO=4&transport=websocket`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/socket.io/?EIO=4&transport=websocket", self.addr)
    }

    /// Answers every `method path` request with `answer` (replacing earlier answers).
    pub fn route(&self, method: &str, path: &str, answer: HttpAnswer) {
        self.route_seq(method, path, vec![answer]);
    }

    /// Answers successive `method path` requests with `answers` in order; the last one
    /// repeats. An empty list removes the route (404).
    pub fn route_seq(&self, method: &str, path: &str, answers: Vec<HttpAnswer>) {
        let key = (method.to_ascii_uppercase(), path.to_owned());
        self.shared.state.update(|state| {
            if answers.is_empty() {
                state.routes.remove(&key);
            } else {
                state.routes.insert(key, answers.into());
            }
        });
    }

    /// While set, WebSocket upgrades are answered with `answer` instead of accepted
    /// (and still recorded); `None` accepts them again.
    pub fn refuse_upgrades(&self, answer: Option<HttpAnswer>) {
        self.shared
            .state
            .update(|state| state.refuse_upgrades = answer);
    }

    /// Runs `script` on a thread of its own for every WebSocket connection accepted from
    /// now on. A panic in the script ends that thread only; the connection stays as the
    /// script left it.
    pub fn on_ws(&self, script: impl Fn(WsConn) + Send + Sync + 'static) {
        self.shared
            .state
            .update(|state| state.script = Some(Arc::new(script)));
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.state.read(|state| state.requests.clone())
    }

    /// Requests received so far for `path` (query ignored).
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.shared.state.read(|state| {
            state
                .requests
                .iter()
                .filter(|r| r.path() == path)
                .cloned()
                .collect()
        })
    }

    /// Waits until `count` requests for `path` have arrived and returns them.
    pub fn wait_requests_within(&self, limit: Duration, path: &str, count: usize) -> Vec<Request> {
        self.shared
            .state
            .wait(limit, &format!("{count} request(s) for {path}"), |state| {
                requests_for(state, path, count)
            })
    }

    /// The async form of [`HostileServer::wait_requests_within`].
    pub async fn wait_requests_async(&self, path: &str, count: usize) -> Vec<Request> {
        self.shared
            .state
            .wait_async(|state| requests_for(state, path, count))
            .await
    }

    /// Every WebSocket connection accepted so far, in order.
    pub fn ws_connections(&self) -> Vec<WsConn> {
        self.shared.state.read(|state| state.connections.clone())
    }

    /// The next WebSocket connection not yet handed out, waiting for it if needed.
    pub fn next_ws_within(&self, limit: Duration) -> WsConn {
        self.shared
            .state
            .wait(limit, "a WebSocket connection", take_connection)
    }

    /// The async form of [`HostileServer::next_ws_within`].
    pub async fn next_ws_async(&self) -> WsConn {
        self.shared.state.wait_async(take_connection).await
    }
}

fn requests_for(state: &mut State, path: &str, count: usize) -> Option<Vec<Request>> {
    let found: Vec<Request> = state
        .requests
        .iter()
        .filter(|r| r.path() == path)
        .cloned()
        .collect();
    (found.len() >= count).then_some(found)
}

fn take_connection(state: &mut State) -> Option<WsConn> {
    let conn = state.connections.get(state.taken).cloned()?;
    state.taken += 1;
    Some(conn)
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        let conns = self.shared.state.update(|state| {
            state.stopping = true;
            for socket in &state.sockets {
                let _ = socket.shutdown(Shutdown::Both);
            }
            state.connections.clone()
        });
        for conn in conns {
            conn.shared.update(|c| c.stopping = true);
        }
        // The accept thread is blocked in accept(); a connection of our own wakes it.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        // Connection threads end on their own within a poll period: their sockets are
        // shut down and they see `stopping`. Scripts are not joined: one blocked in a
        // wait panics at its deadline at the latest.
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.state.read(|state| state.stopping) {
            return;
        }
        let Ok(stream) = stream else {
            // One failed accept concerns one client; the pause keeps a lasting error
            // (fd exhaustion) from spinning: a back-off, not a wait.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = stream.set_nodelay(true);
        if let Ok(copy) = stream.try_clone() {
            shared.state.update(|state| state.sockets.push(copy));
        }
        let shared = shared.clone();
        let _ = std::thread::Builder::new()
            .name("hostile-conn".into())
            .spawn(move || serve(stream, &shared));
    }
}

/// Serves one TCP connection: HTTP requests (kept alive) until one upgrades.
fn serve(mut stream: TcpStream, shared: &Arc<Shared>) {
    let mut buffer = Vec::new();
    loop {
        let Some((request, rest)) = read_request(&mut stream, std::mem::take(&mut buffer)) else {
            return;
        };
        buffer = rest;
        let upgrade = request.is_upgrade();
        let key = (
            request.method.to_ascii_uppercase(),
            request.path().to_owned(),
        );
        let client_key = request.header("sec-websocket-key").map(str::to_owned);
        let (answer, script) = shared.state.update(|state| {
            state.requests.push(request);
            let answer = if upgrade {
                state.refuse_upgrades.clone()
            } else {
                Some(next_answer(&mut state.routes, &key))
            };
            (answer, state.script.clone())
        });
        match answer {
            Some(answer) => {
                if !write_answer(&mut stream, &answer, shared) {
                    return;
                }
            }
            None => {
                let accept = tungstenite::handshake::derive_accept_key(
                    client_key.unwrap_or_default().as_bytes(),
                );
                let head = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                );
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                run_websocket(stream, buffer, shared, script);
                return;
            }
        }
    }
}

fn next_answer(
    routes: &mut HashMap<(String, String), VecDeque<HttpAnswer>>,
    key: &(String, String),
) -> HttpAnswer {
    match routes.get_mut(key) {
        Some(answers) if answers.len() > 1 => answers.pop_front().expect("non-empty"),
        Some(answers) => answers.front().cloned().expect("routes are never empty"),
        None => HttpAnswer::status(404),
    }
}

/// Reads one request (head and `Content-Length` body). `None` when the client closed
/// or sent something that is not HTTP.
fn read_request(stream: &mut TcpStream, mut buffer: Vec<u8>) -> Option<(Request, Vec<u8>)> {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = find(&buffer, b"\r\n\r\n") {
            break at;
        }
        if buffer.len() > MAX_HEAD {
            return None;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut rest = buffer.split_off(head_end + 4);
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut request = Request {
        method,
        target,
        headers,
        body: Vec::new(),
    };
    let length: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while rest.len() < length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => rest.extend_from_slice(&chunk[..n]),
        }
    }
    let after = rest.split_off(length);
    request.body = rest;
    Some((request, after))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
