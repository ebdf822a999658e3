//! Everything a plant server controls is bounded: HTTP answers by size, redirects not
//! followed (the token never goes to `http` after `https`), device and relay counts, id
//! and name lengths, and the log a server of bad frames can cause. Each test sends the
//! bad thing from a hostile server of its own and checks what the operator sees.

mod common;

use common::{wait_for, LIMIT};

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use console_core::bounds::{Limits, MAX_ID_BYTES, MAX_NAME_CHARS};
use console_core::view::UpdateBatch;
use console_core::{Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl, Secret};
use plant_link::backoff::BackoffPolicy;
use plant_link::http::{ApiError, PlantApi};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use test_support::hostile::{Framing, HostileServer, HttpAnswer, WsConn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

// ---------------------------------------------------------------------------------------
// Helpers.

/// Every log line of this test binary, as the console's subscriber would write it.
fn logs() -> &'static Mutex<Vec<u8>> {
    static LOGS: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        struct Capture;
        impl Write for Capture {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                logs().lock().unwrap().extend_from_slice(bytes);
                logged().notify_waiters();
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(|| Capture)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        Mutex::new(Vec::new())
    })
}

/// Told of every write to [`logs`].
fn logged() -> &'static tokio::sync::Notify {
    static LOGGED: OnceLock<tokio::sync::Notify> = OnceLock::new();
    LOGGED.get_or_init(tokio::sync::Notify::new)
}

/// Waits until `find` finds what it looks for in the log, woken by each write to it;
/// fails after [`LIMIT`] with what `find` said it saw instead.
async fn wait_for_log<T>(what: &str, find: impl Fn() -> Result<T, String>) -> T {
    let mut seen = String::new();
    let found = tokio::time::timeout(LIMIT, async {
        loop {
            // Asked for before looking, so a write between the look and the wait still wakes it.
            let written = logged().notified();
            match find() {
                Ok(found) => return found,
                Err(now) => seen = now,
            }
            written.await;
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("timed out after {LIMIT:?} waiting for {what}; {seen}"))
}

/// The captured log lines that contain `text`.
fn log_lines_with(text: &str) -> Vec<String> {
    let logs = logs().lock().unwrap();
    String::from_utf8_lossy(&logs)
        .lines()
        .filter(|line| line.contains(text))
        .map(str::to_owned)
        .collect()
}

fn fast_link(url: &str) -> LinkConfig {
    let mut link = LinkConfig::new(PlantUrl::parse(url).unwrap());
    link.fallback_after = Duration::from_millis(100);
    link.poll_interval = Duration::from_millis(100);
    link.connect_timeout = Duration::from_secs(3);
    link.backoff = BackoffPolicy {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        jitter: 0.5,
    };
    link
}

fn device(id: &str, name: &str, value: f64) -> serde_json::Value {
    json!({
        "id": id, "name": name, "kind": "level", "status": "online",
        "value": value, "unit": "%", "last_seen": 1.0,
    })
}

fn devices_body(devices: &[serde_json::Value], snapshot: bool) -> String {
    json!({"devices": devices, "snapshot": snapshot, "server_time": 1.0}).to_string()
}

const RELAYS: &str = r#"{"relays":[],"snapshot":true,"server_time":1.0}"#;
const STATS: &str = r#"{"cpu_percent":1,"memory_percent":2,"disk_percent":3,"uptime_s":4,"clients":1,"server_time":1}"#;

/// A plant that refuses the WebSocket and answers `/api/relays` and the stats normally.
fn http_only_plant() -> HostileServer {
    let server = HostileServer::start();
    server.refuse_upgrades(Some(HttpAnswer::status(503)));
    server.route("GET", "/api/relays", HttpAnswer::json(200, RELAYS));
    server.route("GET", "/api/system/stats", HttpAnswer::json(200, STATS));
    server
}

async fn start(config: ConsoleConfig) -> (Console, mpsc::Receiver<UpdateBatch>) {
    Console::start(config).await.unwrap()
}

// ---------------------------------------------------------------------------------------
// HTTP answers.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_http_answer_is_refused_with_a_clear_detail_and_the_console_keeps_polling() {
    let server = http_only_plant();
    let good = devices_body(&[device("d1", "Tank", 1.5)], true);
    // 64 MiB, four times the limit: first with its length declared, then chunked so the
    // size is known only by reading; then a plant that answers normally again.
    server.route_seq(
        "GET",
        "/api/devices",
        vec![
            HttpAnswer::huge(200, r#"{"devices":["#, 64 << 20, Framing::Length),
            HttpAnswer::huge(200, r#"{"devices":["#, 64 << 20, Framing::Chunked),
            HttpAnswer::json(200, good),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let (console, batches) = start(ConsoleConfig::new(
        fast_link(&server.url()),
        dir.path().into(),
    ))
    .await;
    common::drain(batches);

    // A refusal reaches the operator as the link's detail, saying why. The two refusals
    // can carry the same detail, and a watch shows only the latest value, so the second
    // is proved by the plant having been asked again (below), not by a second change.
    let mut state = console.link().state();
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let detail = state.borrow_and_update().detail.clone().unwrap_or_default();
        if detail.contains("larger than 16777216 bytes") {
            break;
        }
        tokio::time::timeout_at(deadline, state.changed())
            .await
            .expect("the link never said the answer was too large")
            .unwrap();
    }
    let snapshot = wait_for(&console, "polling that works again", |s| {
        s.link.mode == LinkMode::Fallback && s.devices.len() == 1
    })
    .await;
    assert_eq!(snapshot.devices[0].device.value, Some(1.5));
    // The good answer comes only after both huge ones were served and refused.
    assert!(server.requests_to("/api/devices").len() >= 3);
    console.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_answer_without_a_length_is_cut_off_at_the_limit() {
    let server = HostileServer::start();
    server.route_seq(
        "GET",
        "/api/devices",
        vec![
            HttpAnswer::huge(200, "[", 10 << 20, Framing::UntilClose),
            // Chunked: the size is known only by reading, so the read stops at the limit.
            HttpAnswer::huge(200, "[", 10 << 20, Framing::Chunked),
        ],
    );
    let api = PlantApi::new(
        PlantUrl::parse(&server.url()).unwrap(),
        None,
        Duration::from_secs(10),
        None,
    )
    .unwrap()
    .with_body_limit(64 * 1024);
    for _ in 0..2 {
        let error = api.devices().await.unwrap_err();
        assert_eq!(error, ApiError::TooLarge { limit: 64 * 1024 });
    }
}

/// A certificate authority and a server certificate for `localhost`, made for one test.
fn localhost_certificate(
    dir: &Path,
) -> (
    CertificateDer<'static>,
    PrivateKeyDer<'static>,
    std::path::PathBuf,
) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "bounds test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().unwrap();
    let certificate = params.signed_by(&key, &issuer).unwrap();
    let ca_path = dir.join("site-ca.pem");
    std::fs::write(&ca_path, ca.pem()).unwrap();
    (
        certificate.der().clone(),
        PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        ca_path,
    )
}

/// An HTTPS listener on loopback that answers every request with `answer` and records
/// each request head it read.
async fn https_listener(
    certificate: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    answer: String,
) -> (u16, Arc<Mutex<Vec<String>>>) {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![certificate], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let seen = seen.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let Ok(mut stream) = acceptor.accept(stream).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
                    if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (port, heads)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_from_https_to_http_is_not_followed_and_the_token_is_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    // The plain-http listener the redirect points at records everything it receives.
    let plain = HostileServer::start();
    plain.route(
        "GET",
        "/api/devices",
        HttpAnswer::json(200, devices_body(&[], true)),
    );
    let target = format!("{}/api/devices", plain.url());
    let (certificate, key, ca) = localhost_certificate(dir.path());
    let (port, heads) = https_listener(
        certificate,
        key,
        format!("HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    )
    .await;
    let tls = plant_link::tls::client_config(Some(&ca)).unwrap();
    let api = PlantApi::new(
        PlantUrl::parse(&format!("https://localhost:{port}")).unwrap(),
        Some(Secret::new("s3cret-token")),
        Duration::from_secs(10),
        Some(tls),
    )
    .unwrap();

    let error = api.devices().await.unwrap_err();

    assert!(
        matches!(&error, ApiError::Redirected { status: 302, location } if *location == target),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("redirects are not followed"),
        "{error}"
    );
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("authorization: bearer s3cret-token"),
        "the plant itself gets the token over https: {heads:?}"
    );
    // The client returned, so a followed redirect would already have arrived.
    assert!(
        plain.requests().is_empty(),
        "the redirect was followed: {:?}",
        plain.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_while_polling_is_shown_as_such_and_goes_nowhere() {
    let server = http_only_plant();
    let elsewhere = HostileServer::start();
    server.route(
        "GET",
        "/api/devices",
        HttpAnswer::redirect(307, &format!("{}/api/devices", elsewhere.url())),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut link = fast_link(&server.url());
    link.token = Some(Secret::new("tok"));
    let (console, batches) = start(ConsoleConfig::new(link, dir.path().into())).await;
    common::drain(batches);
    let snapshot = wait_for(&console, "the redirect in the link's detail", |s| {
        s.link
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("redirect (HTTP 307)"))
    })
    .await;
    assert_ne!(snapshot.link.mode, LinkMode::Fallback);
    assert!(elsewhere.requests().is_empty());
    console.shutdown().await.unwrap();
}

// ---------------------------------------------------------------------------------------
// Counts, ids and names.

/// Plays a plant over the WebSocket: handshake, then `snapshot` as the answer to the
/// console's `request_devices`, then `then` once.
fn serve_devices(conn: &WsConn, snapshot: &str, then: Option<&str>) {
    let limit = Duration::from_secs(20);
    conn.handshake_within(limit, 25_000, 20_000);
    conn.recv_matching_within(limit, "request_devices", |f| f.contains("request_devices"));
    conn.send(&format!(r#"42["devices_update",{snapshot}]"#));
    conn.send(&format!(r#"42["relays_update",{RELAYS}]"#));
    conn.send(&format!(r#"42["system_stats_update",{STATS}]"#));
    if let Some(then) = then {
        conn.send(&format!(r#"42["devices_update",{then}]"#));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_past_the_caps_are_left_out_with_a_notice_in_the_window_and_a_log_line() {
    logs();
    let server = HostileServer::start();
    let long_id = "i".repeat(MAX_ID_BYTES + 1);
    let long_name = "N".repeat(50_000);
    let snapshot = devices_body(
        &[
            device("d1", "One", 1.0),
            device(&long_id, "Long id", 2.0),
            device("d2", &long_name, 3.0),
            device("d3", "Three", 4.0),
            device("d4", "Four: over the count cap", 5.0),
            device("d5", "Five: over the count cap", 6.0),
        ],
        true,
    );
    // Then an update that changes a known device and tries to add one past the cap.
    let update = devices_body(&[device("d1", "One", 9.0), device("d6", "Six", 1.0)], false);
    server.on_ws(move |conn| serve_devices(&conn, &snapshot, Some(&update)));
    let dir = tempfile::tempdir().unwrap();
    let mut config = ConsoleConfig::new(fast_link(&server.url()), dir.path().into());
    config.limits = Limits {
        max_devices: 3,
        ..Limits::default()
    };
    let (console, mut batches) = start(config).await;

    // The window learns of it in a batch as it happens.
    let batch_caps = tokio::time::timeout(LIMIT, async {
        loop {
            let batch = batches.recv().await.expect("the console stopped");
            if let Some(caps) = batch.caps {
                if caps.devices_left_out >= 3 {
                    return caps;
                }
            }
        }
    })
    .await
    .expect("no batch carried the caps");
    common::drain(batches);
    assert_eq!(batch_caps.ids_too_long, 1);

    let snapshot = wait_for(&console, "the known device's update", |s| {
        s.devices
            .iter()
            .any(|d| d.device.id == "d1" && d.device.value == Some(9.0))
    })
    .await;
    let mut ids: Vec<&str> = snapshot
        .devices
        .iter()
        .map(|d| d.device.id.as_str())
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        ["d1", "d2", "d3"],
        "the first three, and nothing past the cap"
    );
    let d2 = snapshot
        .devices
        .iter()
        .find(|d| d.device.id == "d2")
        .unwrap();
    assert_eq!(d2.device.name.chars().count(), MAX_NAME_CHARS);
    assert!(d2.device.name.ends_with('…'));
    assert_eq!(snapshot.caps.devices_left_out, 3, "d4, d5 and then d6");
    assert_eq!(snapshot.caps.ids_too_long, 1);
    assert_eq!(snapshot.caps.names_cut, 1);
    assert!(snapshot.caps.any());
    assert_eq!(
        snapshot.link.mode,
        LinkMode::Realtime,
        "the console keeps working"
    );

    let lines = log_lines_with("the plant sent more than the console keeps");
    assert!(!lines.is_empty(), "no log line about the caps");
    assert!(lines[0].contains("count_cap=3"), "{}", lines[0]);
    console.shutdown().await.unwrap();
}

// ---------------------------------------------------------------------------------------
// The log.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_of_bad_frames_writes_a_few_log_lines_and_one_summary() {
    logs();
    let server = HostileServer::start();
    // 2000 unreadable frames: a payload of the wrong shape, a namespace of 10 000
    // characters, an unknown packet type. A good frame after every ten keeps the session
    // from ending as "too many in a row".
    server.on_ws(|conn| {
        let limit = Duration::from_secs(20);
        conn.handshake_within(limit, 25_000, 20_000);
        for i in 0..2000 {
            let frame = match i % 3 {
                0 => r#"42["devices_update",{"devices":"no"}]"#.to_owned(),
                1 => format!("42/{}{i},[\"e\"]", "x".repeat(10_000)),
                _ => "9".to_owned(),
            };
            conn.send(&frame);
            if i % 10 == 9 {
                conn.send("6");
            }
        }
        // The end of the connection closes the burst: its summary is written then.
        conn.close(1000, "done");
    });
    let dir = tempfile::tempdir().unwrap();
    let mut link = fast_link(&server.url());
    // Not back before the test has read the log.
    link.backoff = BackoffPolicy {
        initial: Duration::from_secs(60),
        max: Duration::from_secs(60),
        jitter: 0.0,
    };
    let (console, batches) = start(ConsoleConfig::new(link, dir.path().into())).await;
    common::drain(batches);

    let summary = wait_for_log("the summary log line", || {
        let summaries = log_lines_with("more frames dropped than are logged one by one");
        summaries
            .into_iter()
            .find(|l| l.contains("left_out=1995"))
            .ok_or_else(|| format!("{} frame lines", log_lines_with("frame dropped").len()))
    })
    .await;
    let lines = log_lines_with("frame dropped");
    assert_eq!(lines.len(), 5, "five in full: {lines:#?}");
    for line in &lines {
        assert!(
            line.len() < 600,
            "a long frame reached the log whole: {}",
            line.len()
        );
    }
    assert!(summary.contains("WARN"));
    assert_eq!(
        console.link().telemetry().dropped_frames(),
        2000,
        "every frame is counted"
    );
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_text_reaches_the_log_escaped_and_short() {
    logs();
    let server = HostileServer::start();
    // A refusal whose text clears the terminal, retitles it, and forges a log line.
    let evil = format!(
        r#"44{{"message":"unauthorized\u001b[2J\u001b]0;pwned\u0007\n2026-12-02T08:00:00Z  INFO plant link live FORGED{}"}}"#,
        "y".repeat(5000)
    );
    server.on_ws(move |conn| {
        conn.send(&test_support::hostile::open_frame(25_000, 20_000));
        conn.recv_matching_within(Duration::from_secs(20), "the CONNECT", |f| {
            f.starts_with("40")
        });
        conn.send(&evil);
    });
    let dir = tempfile::tempdir().unwrap();
    let (console, batches) = start(ConsoleConfig::new(
        fast_link(&server.url()),
        dir.path().into(),
    ))
    .await;
    common::drain(batches);
    wait_for(&console, "the refusal", |s| {
        s.link.mode == LinkMode::Unauthorized
    })
    .await;

    let lines = log_lines_with("FORGED");
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let line = &lines[0];
    assert!(
        line.contains("plant refused the token"),
        "the text stayed in its own line: {line}"
    );
    assert!(
        !line.contains('\u{1b}') && !line.contains('\u{7}'),
        "{line}"
    );
    assert!(line.contains("\\u{1b}[2J"), "{line}");
    assert!(
        line.len() < 600,
        "the refusal reached the log whole: {}",
        line.len()
    );
    console.shutdown().await.unwrap();
}

// ---------------------------------------------------------------------------------------
// The journal.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flapping_device_writes_a_bounded_journal_and_one_row_says_how_many_were_left_out() {
    let server = HostileServer::start();
    let flips = 200;
    server.on_ws(move |conn| {
        let snapshot = devices_body(&[device("d1", "Pump", 1.0)], true);
        serve_devices(&conn, &snapshot, None);
        for i in 0..flips {
            let mut flapping = device("d1", "Pump", 1.0);
            flapping["status"] = json!(if i % 2 == 0 { "fault" } else { "online" });
            conn.send(&format!(
                r#"42["devices_update",{}]"#,
                devices_body(&[flapping], false)
            ));
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let config = ConsoleConfig::new(fast_link(&server.url()), dir.path().into());
    let cache_dir = config.cache_dir();
    let (console, batches) = start(config).await;
    common::drain(batches);

    // Every flip is applied (the window shows the last one); the journal keeps 30 a
    // minute (60 if the flips straddle a minute), and the notice counts the rest. The
    // count and the journal rows (which reach the cache a moment later; the store's
    // writer thread announces nothing) are read together until every flip is in one or
    // the other: a count read once, early, would be short of the later flips.
    let (left_out, status_rows) =
        test_support::eventually(LIMIT, "every flip journaled or counted", async || {
            let left_out = console.snapshot().caps.journal_rows_left_out;
            let rows = console
                .journal(None, None, Some("device_status".into()), 10_000)
                .await
                .unwrap();
            if rows.len() as u64 + left_out >= flips {
                Ok((left_out, rows))
            } else {
                Err(format!(
                    "{} rows and {left_out} left out of {flips}",
                    rows.len()
                ))
            }
        })
        .await;
    assert!(
        (30..=60).contains(&status_rows.len()),
        "{} status rows",
        status_rows.len()
    );
    assert_eq!(
        left_out + status_rows.len() as u64,
        flips,
        "every flip is either journaled or counted"
    );
    console.shutdown().await.unwrap();

    // The summary rows are written at the latest when the console stops.
    let conn = console_core::store::open_read_only(&cache_dir)
        .unwrap()
        .unwrap();
    let summaries =
        console_core::store::journal_of_kind(&conn, "journal_capped", None, None, 100).unwrap();
    let left_out_summed: u64 = summaries
        .iter()
        .map(|row| row.data["left_out"].as_u64().unwrap())
        .sum();
    assert_eq!(left_out, left_out_summed, "{summaries:#?}");
    assert!(
        summaries[0].text.contains("more changes of d1"),
        "{}",
        summaries[0].text
    );
}

// ---------------------------------------------------------------------------------------
// The heartbeat.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plant_that_announces_a_heartbeat_of_zero_keeps_a_steady_link() {
    let server = HostileServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (console, batches) = start(ConsoleConfig::new(
        fast_link(&server.url()),
        dir.path().into(),
    ))
    .await;
    common::drain(batches);
    let conn = tokio::time::timeout(LIMIT, server.next_ws_async())
        .await
        .unwrap();
    tokio::time::timeout(LIMIT, conn.handshake_async(0, 0))
        .await
        .unwrap();
    let live = wait_for(&console, "live", |s| s.link.mode == LinkMode::Realtime).await;

    // Every mode the link takes from now on.
    let mut state = console.link().state();
    let modes = Arc::new(Mutex::new(Vec::new()));
    let seen = modes.clone();
    let watcher = tokio::spawn(async move {
        while state.changed().await.is_ok() {
            seen.lock().unwrap().push(state.borrow_and_update().mode);
        }
    });
    // Four seconds of a ping every half second, each answered: a working link on a plant
    // whose OPEN says 0 ms, which the console would otherwise take as silence at once.
    for _ in 0..8 {
        conn.send("2");
        tokio::time::timeout(LIMIT, conn.recv_matching_async(|f| f == "3"))
            .await
            .unwrap();
        // The plant's own pace, not a wait for the console.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    watcher.abort();
    let modes = modes.lock().unwrap().clone();
    assert!(
        modes.iter().all(|mode| *mode == LinkMode::Realtime),
        "the link flapped: {modes:?}"
    );
    assert_eq!(
        console.snapshot().link.since,
        live.link.since,
        "one session all along"
    );
    assert!(conn.closed().is_none());
    console.shutdown().await.unwrap();
}
