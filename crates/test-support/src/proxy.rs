//! A loopback TCP proxy that tests put between a client and a server to break the
//! network on purpose: hold every byte as a pulled cable would, cut every connection,
//! or refuse new ones.
//!
//! Plain std threads, two per connection plus one that accepts: the tests open a
//! handful of connections at most, and staying off any async runtime lets the proxy sit
//! in front of servers on any runtime (or in another process).
//!
//! A blackhole *holds* bytes rather than discarding them: a real network that drops
//! packets makes TCP retransmit them, so when the cable is plugged back in the stream
//! resumes intact, and that is what the proxy reproduces. Discarding bytes from the
//! middle of a TCP stream is something no network does.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long [`Proxy::blackhole`] waits for a write already under way to finish. Writes
/// on loopback complete in microseconds unless the receiver stopped reading, and then
/// waiting longer would not help.
const IN_FLIGHT_GRACE: Duration = Duration::from_secs(1);

/// How long the proxy waits for the upstream server to accept a connection.
const UPSTREAM_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A running proxy; dropping it stops it and closes every connection.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    upstream: SocketAddr,
    state: Mutex<State>,
    /// Signalled on every change of `state`: held pumps and `blackhole` wait on it.
    changed: Condvar,
}

#[derive(Default)]
struct State {
    blackholed: bool,
    refusing: bool,
    stopping: bool,
    /// Pumps that are writing right now, outside the lock.
    writing: usize,
    accepted: u64,
    refused: u64,
    next_id: u64,
    open: HashMap<u64, Connection>,
    /// Threads of connections, joined when the proxy drops.
    threads: Vec<JoinHandle<()>>,
}

/// Both sockets of one proxied connection, kept so that `cut_all` and drop can close them.
struct Connection {
    client: TcpStream,
    /// `None` until the upstream connect has succeeded.
    upstream: Option<TcpStream>,
    /// Set by `cut_all`: the pumps drop what they hold and stop.
    cut: bool,
    /// Pumps still running; the connection is closed when this reaches zero.
    pumps: u8,
}

impl Connection {
    fn close(&mut self) {
        self.cut = true;
        // Shutting a socket down also wakes a thread blocked reading or writing it.
        let _ = self.client.shutdown(Shutdown::Both);
        if let Some(upstream) = &self.upstream {
            let _ = upstream.shutdown(Shutdown::Both);
        }
    }
}

impl Proxy {
    /// Listens on an ephemeral loopback port and forwards every connection to `upstream`.
    pub fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind the proxy's port");
        let addr = listener.local_addr().expect("the proxy's address");
        let shared = Arc::new(Shared {
            upstream,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        let acceptor = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("proxy-accept".into())
                .spawn(move || accept_loop(&listener, &shared))
                .expect("spawn the proxy's accept thread")
        };
        Proxy {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// The address clients connect to instead of the upstream server.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// While on, no byte moves in either direction on any connection, old or new, and
    /// nothing is closed: each side sees a silent peer, as when a cable is pulled or a
    /// firewall drops packets. Bytes (and end-of-stream) read meanwhile are held and
    /// delivered in order when it is turned off.
    ///
    /// When `blackhole(true)` returns, no further byte gets through: a write that was
    /// already under way is waited for (bounded).
    pub fn blackhole(&self, on: bool) {
        let mut state = self.shared.lock();
        state.blackholed = on;
        self.shared.changed.notify_all();
        if on {
            let (_state, _timed_out) = self
                .shared
                .changed
                .wait_timeout_while(state, IN_FLIGHT_GRACE, |state| state.writing > 0)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Closes every current connection on both sides at once, without either peer
    /// sending anything first: the client and the server each see their stream end.
    /// New connections are forwarded as usual.
    pub fn cut_all(&self) {
        let mut state = self.shared.lock();
        for connection in state.open.values_mut() {
            connection.close();
        }
        self.shared.changed.notify_all();
    }

    /// While on, new connections are accepted and closed at once, before any byte, as
    /// a server whose listener is up but whose application is not. Current connections
    /// are left alone.
    pub fn refuse(&self, on: bool) {
        self.shared.lock().refusing = on;
    }

    /// Connections accepted and forwarded so far (refused ones not included).
    pub fn connections(&self) -> u64 {
        self.shared.lock().accepted
    }

    /// Connections accepted and closed at once because of [`Proxy::refuse`].
    pub fn refused(&self) -> u64 {
        self.shared.lock().refused
    }

    /// Blocks until [`Proxy::connections`] reaches `count`, woken by each accepted
    /// connection; panics after `limit`. Blocking: from an async test, call it inside
    /// `tokio::task::block_in_place`.
    pub fn wait_for_connections(&self, count: u64, limit: Duration) {
        self.wait_until(limit, "connections", |state| state.accepted >= count);
    }

    /// Blocks until [`Proxy::refused`] reaches `count`, woken by each refused
    /// connection; panics after `limit`. Blocking, as [`Proxy::wait_for_connections`].
    pub fn wait_for_refused(&self, count: u64, limit: Duration) {
        self.wait_until(limit, "refused connections", |state| state.refused >= count);
    }

    fn wait_until(&self, limit: Duration, what: &str, done: impl Fn(&State) -> bool) {
        let state = self.shared.lock();
        let (state, timed_out) = self
            .shared
            .changed
            .wait_timeout_while(state, limit, |state| !done(state))
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        assert!(
            !timed_out.timed_out(),
            "timed out after {limit:?} waiting for {what}: {} accepted, {} refused",
            state.accepted,
            state.refused
        );
    }

    /// Forwarded connections not yet closed on both sides.
    pub fn open_connections(&self) -> usize {
        self.shared.lock().open.len()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let threads = {
            let mut state = self.shared.lock();
            state.stopping = true;
            for connection in state.open.values_mut() {
                connection.close();
            }
            self.shared.changed.notify_all();
            std::mem::take(&mut state.threads)
        };
        // The accept thread is blocked in accept(); one connection of our own wakes it
        // and it sees `stopping`. If even that connect fails the listener is already
        // gone, and with it the thread's reason to block.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        for thread in threads {
            let _ = thread.join();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking pump must not take the whole proxy (and the test's report) with it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        let mut state = shared.lock();
        if state.stopping {
            return;
        }
        let Ok(client) = stream else {
            // Errors of accept() (a client that gave up, fd exhaustion) concern one
            // connection, not the proxy. The pause keeps a lasting error such as fd
            // exhaustion from turning this loop into a busy one: a back-off, not a wait.
            drop(state);
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if state.refusing {
            state.refused += 1;
            shared.changed.notify_all();
            drop(state);
            let _ = client.shutdown(Shutdown::Both);
            continue;
        }
        state.accepted += 1;
        shared.changed.notify_all();
        let id = state.next_id;
        state.next_id += 1;
        let Ok(client_clone) = client.try_clone() else {
            continue;
        };
        state.open.insert(
            id,
            Connection {
                client: client_clone,
                upstream: None,
                cut: false,
                pumps: 0,
            },
        );
        let shared_for_thread = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("proxy-conn-{id}"))
            .spawn(move || serve(id, client, &shared_for_thread));
        match thread {
            Ok(thread) => state.threads.push(thread),
            Err(_) => {
                if let Some(mut connection) = state.open.remove(&id) {
                    connection.close();
                }
            }
        }
    }
}

/// Connects upstream and runs the two pumps of one connection until both have ended.
fn serve(id: u64, client: TcpStream, shared: &Arc<Shared>) {
    let upstream = TcpStream::connect_timeout(&shared.upstream, UPSTREAM_CONNECT_TIMEOUT);
    let streams = upstream.and_then(|upstream| {
        let _ = upstream.set_nodelay(true);
        let _ = client.set_nodelay(true);
        Ok((
            client.try_clone()?,
            upstream.try_clone()?,
            upstream.try_clone()?,
            upstream,
        ))
    });
    let (client_reader, client_writer, upstream_reader, upstream_writer) = {
        let mut state = shared.lock();
        let Some(connection) = state.open.get_mut(&id) else {
            return;
        };
        match streams {
            // A connection cut (or a proxy stopped) while the upstream connect was under
            // way must not come back to life.
            Ok((client_writer, upstream_reader, upstream_for_state, upstream_writer))
                if !connection.cut =>
            {
                connection.upstream = Some(upstream_for_state);
                connection.pumps = 2;
                (client, client_writer, upstream_reader, upstream_writer)
            }
            // An upstream that is down looks to the client like a connection that ends
            // before the first byte, which is what a proxy in front of it shows.
            _ => {
                connection.close();
                state.open.remove(&id);
                shared.changed.notify_all();
                return;
            }
        }
    };
    let towards_client = {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name(format!("proxy-conn-{id}-down"))
            .spawn(move || pump(id, upstream_reader, client_writer, &shared))
    };
    pump(id, client_reader, upstream_writer, shared);
    match towards_client {
        Ok(thread) => {
            let _ = thread.join();
        }
        Err(_) => {
            // The other direction never ran: account for it so the connection closes.
            let mut state = shared.lock();
            if let Some(connection) = state.open.get_mut(&id) {
                connection.close();
            }
            finish_pump(id, &mut state, shared);
        }
    }
}

/// Copies `from` to `to` until end of stream, an error or a cut, holding each chunk
/// while the blackhole is on.
fn pump(id: u64, mut from: TcpStream, mut to: TcpStream, shared: &Shared) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer) {
            Ok(read) => read,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(_) => {
                // A reset or a shutdown by `cut_all`: end both directions, as a proxy
                // whose one side broke has nothing left to carry.
                let _ = to.shutdown(Shutdown::Both);
                let _ = from.shutdown(Shutdown::Both);
                break;
            }
        };
        let mut state = shared.lock();
        // Held here while the blackhole is on; the wait ends on any state change.
        while state.blackholed && !state.stopping && !is_cut(&state, id) {
            state = shared
                .changed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        if state.stopping || is_cut(&state, id) {
            break;
        }
        if read == 0 {
            // End of stream travels on as a half-close, so a peer that closes its side
            // is seen closing by the other.
            drop(state);
            let _ = to.shutdown(Shutdown::Write);
            break;
        }
        state.writing += 1;
        drop(state);
        let written = to.write_all(&buffer[..read]);
        let mut state = shared.lock();
        state.writing -= 1;
        shared.changed.notify_all();
        drop(state);
        if written.is_err() {
            let _ = to.shutdown(Shutdown::Both);
            let _ = from.shutdown(Shutdown::Both);
            break;
        }
    }
    let mut state = shared.lock();
    finish_pump(id, &mut state, shared);
}

fn is_cut(state: &State, id: u64) -> bool {
    state.open.get(&id).is_none_or(|connection| connection.cut)
}

/// Notes that one pump of connection `id` ended; the last one closes the connection.
fn finish_pump(id: u64, state: &mut State, shared: &Shared) {
    if let Some(connection) = state.open.get_mut(&id) {
        connection.pumps = connection.pumps.saturating_sub(1);
        if connection.pumps == 0 {
            connection.close();
            state.open.remove(&id);
        }
    }
    shared.changed.notify_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server on its own thread: answers every byte with the same byte.
    fn echo_server() -> (SocketAddr, JoinHandle<()>) {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                std::thread::spawn(move || {
                    let mut reader = stream.try_clone().unwrap();
                    let _ = std::io::copy(&mut reader, &mut stream);
                });
            }
        });
        (addr, thread)
    }

    fn connect(proxy: &Proxy) -> TcpStream {
        let stream = TcpStream::connect(proxy.addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    }

    fn echo(stream: &mut TcpStream, text: &[u8]) -> Vec<u8> {
        stream.write_all(text).unwrap();
        let mut answer = vec![0; text.len()];
        stream.read_exact(&mut answer).unwrap();
        answer
    }

    #[test]
    fn bytes_are_forwarded_both_ways_and_counted() {
        let (upstream, _server) = echo_server();
        let proxy = Proxy::start(upstream);
        let mut stream = connect(&proxy);
        assert_eq!(echo(&mut stream, b"hello"), b"hello");
        assert_eq!(proxy.connections(), 1);
        assert_eq!(proxy.open_connections(), 1);
        drop(stream);
        crate::wait_for(Duration::from_secs(5), "the connection to close", || {
            (proxy.open_connections() == 0).then_some(())
        });
    }

    #[test]
    fn blackhole_holds_bytes_without_closing_and_delivers_them_afterwards() {
        let (upstream, _server) = echo_server();
        let proxy = Proxy::start(upstream);
        let mut stream = connect(&proxy);
        assert_eq!(echo(&mut stream, b"a"), b"a");

        proxy.blackhole(true);
        stream.write_all(b"held").unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut byte = [0u8; 1];
        let silent = stream.read(&mut byte).unwrap_err();
        assert!(
            matches!(silent.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "{silent:?}"
        );
        assert_eq!(proxy.open_connections(), 1, "nothing is closed");

        proxy.blackhole(false);
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut answer = [0u8; 4];
        stream.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"held");
    }

    #[test]
    fn cut_all_ends_every_stream_and_new_connections_still_work() {
        let (upstream, _server) = echo_server();
        let proxy = Proxy::start(upstream);
        let mut first = connect(&proxy);
        let mut second = connect(&proxy);
        assert_eq!(echo(&mut first, b"1"), b"1");
        assert_eq!(echo(&mut second, b"2"), b"2");

        proxy.cut_all();
        for stream in [&mut first, &mut second] {
            let mut rest = Vec::new();
            // Either a clean end or a reset: both are "the stream ended".
            let _ = stream.read_to_end(&mut rest);
            assert!(rest.is_empty());
        }
        crate::wait_for(
            Duration::from_secs(5),
            "the cut connections to close",
            || (proxy.open_connections() == 0).then_some(()),
        );
        let mut third = connect(&proxy);
        assert_eq!(echo(&mut third, b"3"), b"3");
        assert_eq!(proxy.connections(), 3);
    }

    #[test]
    fn cut_all_also_ends_blackholed_connections() {
        let (upstream, _server) = echo_server();
        let proxy = Proxy::start(upstream);
        let mut stream = connect(&proxy);
        assert_eq!(echo(&mut stream, b"x"), b"x");
        proxy.blackhole(true);
        stream.write_all(b"held").unwrap();
        proxy.cut_all();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert!(rest.is_empty(), "held bytes are dropped by a cut");
        crate::wait_for(Duration::from_secs(5), "the connection to close", || {
            (proxy.open_connections() == 0).then_some(())
        });
    }

    #[test]
    fn refused_connections_end_at_once_until_refusal_is_lifted() {
        let (upstream, _server) = echo_server();
        let proxy = Proxy::start(upstream);
        proxy.refuse(true);
        let mut stream = connect(&proxy);
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert!(rest.is_empty());
        assert_eq!((proxy.connections(), proxy.refused()), (0, 1));

        proxy.refuse(false);
        let mut stream = connect(&proxy);
        assert_eq!(echo(&mut stream, b"ok"), b"ok");
        assert_eq!((proxy.connections(), proxy.refused()), (1, 1));
    }

    #[test]
    fn a_down_upstream_closes_the_client_connection() {
        let upstream = {
            let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
            listener.local_addr().unwrap()
        };
        let proxy = Proxy::start(upstream);
        let mut stream = connect(&proxy);
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert!(rest.is_empty());
        crate::wait_for(Duration::from_secs(5), "the connection to close", || {
            (proxy.open_connections() == 0).then_some(())
        });
    }

    #[test]
    fn dropping_the_proxy_closes_everything_even_while_blackholed() {
        let (upstream, _server) = echo_server();
        let proxy = Proxy::start(upstream);
        let mut stream = connect(&proxy);
        assert_eq!(echo(&mut stream, b"x"), b"x");
        proxy.blackhole(true);
        stream.write_all(b"held").unwrap();
        let addr = proxy.addr();
        drop(proxy);
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert!(rest.is_empty());
        assert!(TcpStream::connect(addr).is_err(), "nobody listens any more");
    }
}
