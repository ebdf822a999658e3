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

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

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

// ---------------------------------------------------------------------------------------
// Shared state with blocking and async waits.

/// A value guarded by a mutex that threads wait on (condvar) and futures wait on (wakers).
struct Watched<T> {
    inner: Mutex<(T, Vec<Waker>)>,
    changed: Condvar,
}

impl<T> Watched<T> {
    fn new(value: T) -> Self {
        Watched {
            inner: Mutex::new((value, Vec::new())),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, (T, Vec<Waker>)> {
        // A panicking script must not poison the server for the test that reports it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.lock().0)
    }

    fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut guard = self.lock();
        let result = f(&mut guard.0);
        for waker in guard.1.drain(..) {
            waker.wake();
        }
        drop(guard);
        self.changed.notify_all();
        result
    }

    /// Waits until `check` returns `Some`, panicking with `what` after `limit`.
    fn wait<R>(
        &self,
        limit: Duration,
        what: &str,
        mut check: impl FnMut(&mut T) -> Option<R>,
    ) -> R {
        let deadline = Instant::now() + limit;
        let mut guard = self.lock();
        loop {
            if let Some(result) = check(&mut guard.0) {
                return result;
            }
            let now = Instant::now();
            assert!(
                now < deadline,
                "timed out after {limit:?} waiting for {what}"
            );
            guard = self
                .changed
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// The same wait as a future that never blocks its executor's thread.
    fn wait_async<'a, R>(
        &'a self,
        mut check: impl FnMut(&mut T) -> Option<R> + 'a,
    ) -> impl Future<Output = R> + 'a {
        std::future::poll_fn(move |cx| {
            let mut guard = self.lock();
            match check(&mut guard.0) {
                Some(result) => Poll::Ready(result),
                None => {
                    // Registered under the same lock `update` takes, so no change is missed.
                    guard.1.push(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }
}

// ---------------------------------------------------------------------------------------
// The server.

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

// ---------------------------------------------------------------------------------------
// HTTP answers.

/// What the server writes back to one HTTP request.
#[derive(Debug, Clone)]
pub struct HttpAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    /// `Content-Length` to declare instead of the true one (a lying server).
    declared_length: Option<u64>,
    close: bool,
}

#[derive(Debug, Clone)]
enum Body {
    Bytes(Vec<u8>),
    /// `chunk` repeated until `total` bytes, generated while writing so that a
    /// gigabyte costs no memory.
    Repeat {
        chunk: Vec<u8>,
        total: u64,
        framing: Framing,
    },
    /// These exact bytes are the whole response, status line included.
    Raw(Vec<u8>),
    /// Never answer; hold the connection open until the server drops.
    Stall,
    /// Close the connection without a byte.
    Close,
}

/// How a generated body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: total`.
    Length,
    /// `Transfer-Encoding: chunked`: the client cannot know the size in advance.
    Chunked,
    /// No length at all: the body ends when the server closes the connection.
    UntilClose,
}

impl HttpAnswer {
    /// A status with an empty body.
    pub fn status(status: u16) -> HttpAnswer {
        HttpAnswer {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
            declared_length: None,
            close: false,
        }
    }

    /// `body` literally, as `application/json` (it need not be valid JSON: `NaN` is the
    /// point).
    pub fn json(status: u16, body: impl Into<String>) -> HttpAnswer {
        HttpAnswer::bytes(status, "application/json", body.into().into_bytes())
    }

    /// Any body with any content type.
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> HttpAnswer {
        HttpAnswer {
            body: Body::Bytes(body.into()),
            ..HttpAnswer::status(status)
        }
        .header("Content-Type", content_type)
    }

    /// A redirect to `location` (301, 302, 307, 308…).
    pub fn redirect(status: u16, location: &str) -> HttpAnswer {
        HttpAnswer::status(status).header("Location", location)
    }

    /// A body of `total` bytes made of `chunk` repeated (the last copy cut short), as
    /// `application/json`, streamed without holding it in memory.
    pub fn huge(
        status: u16,
        chunk: impl Into<Vec<u8>>,
        total: u64,
        framing: Framing,
    ) -> HttpAnswer {
        let chunk = chunk.into();
        assert!(!chunk.is_empty(), "a huge body needs a non-empty chunk");
        HttpAnswer {
            body: Body::Repeat {
                chunk,
                total,
                framing,
            },
            close: framing == Framing::UntilClose,
            ..HttpAnswer::status(status)
        }
        .header("Content-Type", "application/json")
    }

    /// These bytes are written as the whole response (status line, headers, body), then
    /// the connection is closed.
    pub fn raw(response: impl Into<Vec<u8>>) -> HttpAnswer {
        HttpAnswer {
            body: Body::Raw(response.into()),
            close: true,
            ..HttpAnswer::status(0)
        }
    }

    /// Reads the request and never answers (the connection stays open).
    pub fn stall() -> HttpAnswer {
        HttpAnswer {
            body: Body::Stall,
            ..HttpAnswer::status(0)
        }
    }

    /// Closes the connection as soon as the request is read, answering nothing.
    pub fn close_connection() -> HttpAnswer {
        HttpAnswer {
            body: Body::Close,
            close: true,
            ..HttpAnswer::status(0)
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> HttpAnswer {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Declares this `Content-Length` whatever the body's real size.
    pub fn declare_length(mut self, length: u64) -> HttpAnswer {
        self.declared_length = Some(length);
        self
    }
}

/// Writes one answer; `false` when the connection must end afterwards.
fn write_answer(stream: &mut TcpStream, answer: &HttpAnswer, shared: &Shared) -> bool {
    let mut head = format!("HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status));
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let written = match &answer.body {
        Body::Raw(bytes) => stream.write_all(bytes),
        Body::Close => Ok(()),
        Body::Stall => {
            shared
                .state
                .wait(Duration::from_secs(24 * 3600), "the server to stop", |s| {
                    s.stopping.then_some(())
                });
            return false;
        }
        Body::Bytes(bytes) => {
            let length = answer.declared_length.unwrap_or(bytes.len() as u64);
            head.push_str(&format!("Content-Length: {length}\r\n"));
            if answer.close {
                head.push_str("Connection: close\r\n");
            }
            head.push_str("\r\n");
            stream
                .write_all(head.as_bytes())
                .and_then(|()| stream.write_all(bytes))
        }
        Body::Repeat {
            chunk,
            total,
            framing,
        } => {
            match framing {
                Framing::Length => head.push_str(&format!(
                    "Content-Length: {}\r\n",
                    answer.declared_length.unwrap_or(*total)
                )),
                Framing::Chunked => head.push_str("Transfer-Encoding: chunked\r\n"),
                Framing::UntilClose => head.push_str("Connection: close\r\n"),
            }
            head.push_str("\r\n");
            write_repeated(stream, head.as_bytes(), chunk, *total, *framing)
        }
    };
    let _ = stream.flush();
    if answer.close || written.is_err() {
        let _ = stream.shutdown(Shutdown::Both);
        return false;
    }
    true
}

fn write_repeated(
    stream: &mut TcpStream,
    head: &[u8],
    chunk: &[u8],
    total: u64,
    framing: Framing,
) -> std::io::Result<()> {
    stream.write_all(head)?;
    // Blocks of about 64 KiB keep the syscall count sane for gigabyte bodies.
    let copies = (64 * 1024 / chunk.len()).max(1);
    let block: Vec<u8> = chunk.repeat(copies);
    let mut left = total;
    while left > 0 {
        let take = left.min(block.len() as u64) as usize;
        if framing == Framing::Chunked {
            stream.write_all(format!("{take:x}\r\n").as_bytes())?;
        }
        stream.write_all(&block[..take])?;
        if framing == Framing::Chunked {
            stream.write_all(b"\r\n")?;
        }
        left -= take as u64;
    }
    if framing == Framing::Chunked {
        stream.write_all(b"0\r\n\r\n")?;
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

// ---------------------------------------------------------------------------------------
// WebSocket connections.

/// One accepted WebSocket connection; cheap to clone (all clones drive the same one).
#[derive(Clone)]
pub struct WsConn {
    shared: Arc<Watched<ConnState>>,
}

/// A frame the client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFrame {
    Text(String),
    Binary(Vec<u8>),
}

#[derive(Default)]
struct ConnState {
    received: Vec<ClientFrame>,
    /// How many text frames `recv_*` has handed out.
    cursor: usize,
    outgoing: VecDeque<Outgoing>,
    /// While set, the connection thread neither reads nor writes.
    stalled: bool,
    /// Why the connection is over, once it is.
    closed: Option<String>,
    stopping: bool,
}

enum Outgoing {
    Message(Message),
    /// Bytes written straight to the TCP stream, bypassing WebSocket framing.
    Raw(Vec<u8>),
    /// End the TCP connection with no close frame.
    Drop,
}

impl WsConn {
    fn queue(&self, item: Outgoing) {
        self.shared.update(|c| c.outgoing.push_back(item));
    }

    /// Sends one text frame exactly as given.
    pub fn send(&self, frame: &str) {
        self.queue(Outgoing::Message(Message::text(frame)));
    }

    /// Sends one binary frame.
    pub fn send_binary(&self, bytes: &[u8]) {
        self.queue(Outgoing::Message(Message::binary(bytes.to_vec())));
    }

    /// Writes bytes straight into the TCP stream (a forged WebSocket frame header, say).
    pub fn send_raw(&self, bytes: &[u8]) {
        self.queue(Outgoing::Raw(bytes.to_vec()));
    }

    /// Sends a WebSocket close frame with `code` and `reason`.
    pub fn close(&self, code: u16, reason: &str) {
        self.queue(Outgoing::Message(Message::Close(Some(CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        }))));
    }

    /// Ends the TCP connection at once, with no close frame (a crashed server).
    pub fn drop_connection(&self) {
        self.queue(Outgoing::Drop);
    }

    /// While on, the server reads nothing and sends nothing, queued frames included,
    /// and keeps the connection open: a hung server. Off resumes in order.
    pub fn stall(&self, on: bool) {
        self.shared.update(|c| c.stalled = on);
    }

    /// Sends the Engine.IO OPEN with this heartbeat, waits for the client's Socket.IO
    /// CONNECT (`40…`) and accepts it. Returns the CONNECT frame (its auth is in it).
    pub fn handshake_within(
        &self,
        limit: Duration,
        ping_interval_ms: u64,
        ping_timeout_ms: u64,
    ) -> String {
        self.send(&open_frame(ping_interval_ms, ping_timeout_ms));
        let connect =
            self.recv_matching_within(limit, "the client's CONNECT", |f| f.starts_with("40"));
        self.send(r#"40{"sid":"hostile-socket"}"#);
        connect
    }

    /// The async form of [`WsConn::handshake_within`].
    pub async fn handshake_async(&self, ping_interval_ms: u64, ping_timeout_ms: u64) -> String {
        self.send(&open_frame(ping_interval_ms, ping_timeout_ms));
        let connect = self.recv_matching_async(|f| f.starts_with("40")).await;
        self.send(r#"40{"sid":"hostile-socket"}"#);
        connect
    }

    /// Every frame the client sent so far, text and binary, in order.
    pub fn frames(&self) -> Vec<ClientFrame> {
        self.shared.read(|c| c.received.clone())
    }

    /// Every text frame the client sent so far, in order.
    pub fn received(&self) -> Vec<String> {
        self.shared
            .read(|c| texts(&c.received).map(str::to_owned).collect())
    }

    /// The next text frame not yet handed out by a `recv_*`, waiting for it.
    pub fn recv_within(&self, limit: Duration) -> String {
        self.shared
            .wait(limit, "a frame from the client", |c| next_text(c, |_| true))
    }

    /// Skips text frames until one matches `wanted`, and returns it.
    pub fn recv_matching_within(
        &self,
        limit: Duration,
        what: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> String {
        self.shared.wait(limit, what, |c| next_text(c, &wanted))
    }

    /// The async form of [`WsConn::recv_within`].
    pub async fn recv_async(&self) -> String {
        self.shared.wait_async(|c| next_text(c, |_| true)).await
    }

    /// The async form of [`WsConn::recv_matching_within`].
    pub async fn recv_matching_async(&self, wanted: impl Fn(&str) -> bool) -> String {
        self.shared.wait_async(move |c| next_text(c, &wanted)).await
    }

    /// Why the connection ended, or `None` while it is open.
    pub fn closed(&self) -> Option<String> {
        self.shared.read(|c| c.closed.clone())
    }

    /// Waits for the connection to end (the client closed or dropped it, or the test
    /// did) and returns why.
    pub fn wait_closed_within(&self, limit: Duration) -> String {
        self.shared
            .wait(limit, "the WebSocket connection to end", |c| {
                c.closed.clone()
            })
    }

    /// The async form of [`WsConn::wait_closed_within`].
    pub async fn wait_closed_async(&self) -> String {
        self.shared.wait_async(|c| c.closed.clone()).await
    }
}

fn texts(frames: &[ClientFrame]) -> impl Iterator<Item = &str> {
    frames.iter().filter_map(|f| match f {
        ClientFrame::Text(text) => Some(text.as_str()),
        ClientFrame::Binary(_) => None,
    })
}

fn next_text(c: &mut ConnState, wanted: impl Fn(&str) -> bool) -> Option<String> {
    let mut skipped = 0;
    let found = texts(&c.received).skip(c.cursor).find(|text| {
        skipped += 1;
        wanted(text)
    })?;
    let found = found.to_owned();
    c.cursor += skipped;
    Some(found)
}

/// Runs one WebSocket connection: writes what the test queued, records what the client
/// sends, until either side ends it.
fn run_websocket(
    stream: TcpStream,
    already_read: Vec<u8>,
    shared: &Arc<Shared>,
    script: Option<Script>,
) {
    let _ = stream.set_read_timeout(Some(POLL));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let raw = match stream.try_clone() {
        Ok(raw) => raw,
        Err(_) => return,
    };
    // No limits on what the client sends: the harness records, the console is judged.
    let config = WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None);
    let mut socket =
        WebSocket::from_partially_read(stream, already_read, Role::Server, Some(config));
    let conn = WsConn {
        shared: Arc::new(Watched::new(ConnState::default())),
    };
    let stopping = shared.state.update(|state| {
        state.connections.push(conn.clone());
        state.stopping
    });
    if stopping {
        return;
    }
    if let Some(script) = script {
        let conn = conn.clone();
        let _ = std::thread::Builder::new()
            .name("hostile-script".into())
            .spawn(move || script(conn));
    }
    let end = loop {
        // Take what the test queued, unless stalled.
        let (work, stopping) = conn.shared.update(|c| {
            if c.stalled {
                (None, c.stopping)
            } else {
                (Some(std::mem::take(&mut c.outgoing)), c.stopping)
            }
        });
        if stopping {
            break "the server stopped".to_owned();
        }
        let Some(work) = work else {
            // Stalled: wait for a change rather than spin.
            conn.shared
                .wait(Duration::from_secs(24 * 3600), "a change", |c| {
                    (!c.stalled || c.stopping).then_some(())
                });
            continue;
        };
        let mut ended = None;
        for item in work {
            let result = match item {
                Outgoing::Message(message) => socket.send(message).map_err(|e| e.to_string()),
                Outgoing::Raw(bytes) => socket
                    .flush()
                    .map_err(|e| e.to_string())
                    .and_then(|()| (&raw).write_all(&bytes).map_err(|e| e.to_string())),
                Outgoing::Drop => {
                    let _ = raw.shutdown(Shutdown::Both);
                    Err("the test dropped the connection".to_owned())
                }
            };
            if let Err(error) = result {
                ended = Some(format!("sending failed: {error}"));
                break;
            }
        }
        if let Some(reason) = ended {
            break reason;
        }
        match socket.read() {
            Ok(Message::Text(text)) => {
                let text = text.as_str().to_owned();
                conn.shared
                    .update(|c| c.received.push(ClientFrame::Text(text)));
            }
            Ok(Message::Binary(bytes)) => {
                conn.shared
                    .update(|c| c.received.push(ClientFrame::Binary(bytes.to_vec())));
            }
            Ok(Message::Close(frame)) => {
                // Drive the close handshake; tungstenite answers the close frame.
                let _ = socket.flush();
                break format!(
                    "the client closed it ({})",
                    frame
                        .map(|f| f.to_string())
                        .unwrap_or_else(|| "no code".into())
                );
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                break "closed".to_owned();
            }
            Err(error) => break format!("the connection failed: {error}"),
        }
    };
    let _ = raw.shutdown(Shutdown::Both);
    conn.shared.update(|c| c.closed = Some(end));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpClient;
    use std::io::BufRead;

    const LIMIT: Duration = Duration::from_secs(10);

    /// A minimal blocking WebSocket client over tungstenite, as a stand-in for the
    /// console in the harness's own test.
    fn ws_client(
        server: &HostileServer,
    ) -> WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>> {
        let (socket, _) = tungstenite::connect(server.ws_url()).expect("connect");
        socket
    }

    #[test]
    fn the_harness_sends_literal_frames_records_the_client_and_answers_http() {
        let server = HostileServer::start();
        server.route(
            "GET",
            "/api/devices",
            HttpAnswer::json(200, r#"{"devices":[{"id":"d","value":NaN}]}"#),
        );
        server.route_seq(
            "GET",
            "/api/relays",
            vec![
                HttpAnswer::status(503),
                HttpAnswer::redirect(302, "http://elsewhere/"),
            ],
        );

        // HTTP: literal bodies, sequences, recorded headers, 404 for the rest.
        let mut http = HttpClient::new(server.addr().to_string()).with_timeout(LIMIT);
        let devices = http
            .request(
                "GET",
                "/api/devices?x=1",
                None,
                &[("Authorization", "Bearer secret")],
            )
            .unwrap();
        assert_eq!(devices.status, 200);
        assert_eq!(
            devices.body,
            serde_json::Value::Null,
            "NaN is not JSON: sent literally"
        );
        assert_eq!(http.get("/api/relays").unwrap().status, 503);
        assert_eq!(http.get("/api/relays").unwrap().status, 302);
        assert_eq!(
            http.get("/api/relays").unwrap().status,
            302,
            "the last answer repeats"
        );
        assert_eq!(http.get("/nowhere").unwrap().status, 404);
        let recorded = server.wait_requests_within(LIMIT, "/api/devices", 1);
        assert_eq!(recorded[0].target, "/api/devices?x=1");
        assert_eq!(recorded[0].header("AUTHORIZATION"), Some("Bearer secret"));

        // A huge chunked body streams until the client stops reading.
        server.route(
            "GET",
            "/big",
            HttpAnswer::huge(200, "[1,", 10 << 30, Framing::Chunked),
        );
        let mut big = TcpStream::connect(server.addr()).unwrap();
        big.write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut reader = std::io::BufReader::new(big);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        let mut first_mib = vec![0u8; 1 << 20];
        reader.read_exact(&mut first_mib).unwrap();
        drop(reader);

        // WebSocket: a script handshakes with a hostile heartbeat and sends a NaN update.
        server.on_ws(|conn| {
            conn.handshake_within(LIMIT, 0, 9_007_199_254_740_992);
            conn.send(r#"42["devices_update",{"devices":[{"id":"d","value":NaN}]}]"#);
            conn.recv_matching_within(LIMIT, "the goodbye", |f| f == "bye");
            conn.close(1000, "done");
        });
        let mut client = ws_client(&server);
        let open = client.read().unwrap();
        assert!(
            open.to_text()
                .unwrap()
                .contains(r#""pingTimeout":9007199254740992"#),
            "{open}"
        );
        client.send(Message::text(r#"40{"token":"t"}"#)).unwrap();
        assert_eq!(
            client.read().unwrap().to_text().unwrap(),
            r#"40{"sid":"hostile-socket"}"#
        );
        assert!(client.read().unwrap().to_text().unwrap().contains("NaN"));
        client.send(Message::text("bye")).unwrap();
        let conn = server.next_ws_within(LIMIT);
        // The server's close frame arrives; answering it ends the connection.
        loop {
            match client.read() {
                Ok(Message::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
        drop(client);
        conn.wait_closed_within(LIMIT);
        assert_eq!(
            conn.received(),
            vec![r#"40{"token":"t"}"#.to_owned(), "bye".to_owned()]
        );
        let upgrade = &server.requests_to("/socket.io/")[0];
        assert_eq!(upgrade.header("upgrade"), Some("websocket"));

        // Async waits work without blocking an executor's thread.
        let server_ref = &server;
        let second = std::thread::scope(|scope| {
            scope.spawn(|| {
                let mut client = ws_client(server_ref);
                client.send(Message::text("hello")).unwrap();
                let _ = client.read();
            });
            block_on(async {
                let conn = server_ref.next_ws_async().await;
                let first = conn.recv_async().await;
                conn.drop_connection();
                first
            })
        });
        assert_eq!(second, "hello");
    }

    /// Runs a future to completion on this thread, parking between polls.
    fn block_on<F: Future>(future: F) -> F::Output {
        struct Unpark(std::thread::Thread);
        impl std::task::Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = std::task::Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        let deadline = Instant::now() + LIMIT;
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            assert!(Instant::now() < deadline, "the future did not complete");
            std::thread::park_timeout(Duration::from_millis(100));
        }
    }
}
