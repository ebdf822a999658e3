//! The hostile server's own tests, with a minimal blocking client standing in for the console.

use super::*;
use crate::http::HttpClient;
use std::future::Future;
use std::io::BufRead;
use std::task::{Poll, Waker};
use std::time::Instant;

use tungstenite::{Message, WebSocket};

const LIMIT: Duration = Duration::from_secs(10);

/// A minimal blocking WebSocket client over tungstenite, as a stand-in for the
/// console in the harness's own test.
fn ws_client(server: &HostileServer) -> WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>> {
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
