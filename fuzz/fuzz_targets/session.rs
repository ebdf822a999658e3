//! Fuzz target: the Socket.IO session state machine, fed an arbitrary conversation on a
//! synthetic clock.
//!
//! The input is a script, one step a line (so the seed corpus is real Flask frames, one
//! a line, and mutations stay readable):
//!
//! - `+<ms> <step>` advances the clock by `<ms>` milliseconds, then runs `<step>`;
//! - `!set_relay`, `!probe`, `!binary` are the console's own actions (a relay command,
//!   a round-trip probe, a binary frame arriving);
//! - any other line is a text frame from the server.
//!
//! After every step the session is polled. Nothing may panic or overflow; a session
//! ends at most once and is silent afterwards; a command frame exists exactly while
//! live; and the next deadline after a poll lies in the future, so the link that sleeps
//! until it never spins.
#![no_main]

use std::time::{Duration, Instant};

use plant_link::session::{Output, Phase, Session, SessionConfig};
use libfuzzer_sys::fuzz_target;
use plant_protocol::SetRelayRequest;
use serde_json::json;

/// The longest single advance: a day. Real clocks move by real time, and a session that
/// lives for years of synthetic time says nothing about one that lives for years of
/// real time except that `Instant` arithmetic gets near its end.
const MAX_STEP_MS: u64 = 24 * 3600 * 1000;

fuzz_target!(|data: &[u8]| {
    let script = String::from_utf8_lossy(data);
    let start = Instant::now();
    let mut now = start;
    let config = SessionConfig {
        auth: Some(json!({"token": "fuzz"})),
        ..SessionConfig::default()
    };
    let mut session = Session::new(config, now);
    let mut ended = false;
    let mut next_request = 0u64;
    for line in script.split('\n').take(500) {
        let mut step = line;
        if let Some(rest) = step.strip_prefix('+') {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let ms = rest[..digits].parse::<u64>().unwrap_or(0).min(MAX_STEP_MS);
            now += Duration::from_millis(ms);
            step = rest[digits..].strip_prefix(' ').unwrap_or(&rest[digits..]);
        }
        let mut out = Vec::new();
        match step {
            "!set_relay" => {
                next_request += 1;
                let request = SetRelayRequest {
                    relay_id: "rly-01".into(),
                    state: next_request.is_multiple_of(2),
                    request_id: format!("fuzz-{next_request}"),
                    issued_at: 1.0,
                    operator: None,
                };
                let live = session.phase() == Phase::Live;
                let frame = session.set_relay(&request);
                assert_eq!(frame.is_some(), live, "a command frame exactly while live");
            }
            "!probe" => {
                let live = session.phase() == Phase::Live;
                assert_eq!(session.probe(now).is_some(), live);
            }
            "!binary" => session.on_binary(now, &mut out),
            frame => session.on_text(now, frame, &mut out),
        }
        session.poll(now, &mut out);
        if ended {
            assert!(out.is_empty(), "an ended session produced {out:?}");
        }
        let ends = out.iter().filter(|o| matches!(o, Output::End(_))).count();
        assert!(ends <= 1, "{out:?}");
        if ends == 1 {
            ended = true;
            assert_eq!(session.phase(), Phase::Ended);
        }
        if let Some(deadline) = session.next_deadline(now) {
            assert!(
                deadline > now,
                "a deadline {:?} in the past after a poll",
                now - deadline
            );
        }
        let _ = session.is_stale(now);
        let _ = session.take_dropped();
    }
});
