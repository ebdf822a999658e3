//! The Flask-SocketIO plant server under `tests/flask_plant/` as a child process: the
//! test peer whose server library nobody on this team wrote.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::http::HttpClient;

/// A running Flask plant server; killed when dropped.
pub struct FlaskPlant {
    child: Child,
    pub port: u16,
}

impl FlaskPlant {
    /// Starts the server with extra arguments (`--token`, `--no-sim`, …) on a port of its
    /// own choosing and waits for its `LISTENING <port>` line.
    pub fn start(args: &[&str]) -> FlaskPlant {
        Self::start_on(0, args)
    }

    /// Starts it on a given port (0 for any), e.g. to restart on the same port.
    pub fn start_on(port: u16, args: &[&str]) -> FlaskPlant {
        let script = crate::workspace_root().join("tests/flask_plant/server.py");
        let mut child = Command::new(crate::python())
            .arg(script)
            .args(["--port", &port.to_string()])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the Flask plant server");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(port) = line.strip_prefix("LISTENING ") {
                    let _ = tx.send(port.trim().parse::<u16>().ok());
                }
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Some(port)) => port,
            other => {
                let _ = child.kill();
                panic!("the Flask plant server did not report its port: {other:?}");
            }
        };
        FlaskPlant { child, port }
    }

    /// The server's base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn client(&self) -> HttpClient {
        HttpClient::new(format!("127.0.0.1:{}", self.port)).with_timeout(Duration::from_secs(10))
    }

    /// Switches a relay from the plant side.
    pub fn set_relay(&self, id: &str, state: bool, by: &str) -> Value {
        let response = self
            .client()
            .post(
                &format!("/_test/relays/{id}"),
                &json!({"state": state, "by": by}),
            )
            .expect("POST /_test/relays");
        assert_eq!(response.status, 200, "{:?}", response.body);
        response.body
    }

    /// Changes a device from the plant side (`{"status": …, "value": …}`).
    pub fn set_device(&self, id: &str, change: &Value) -> Value {
        let response = self
            .client()
            .post(&format!("/_test/devices/{id}"), change)
            .expect("POST /_test/devices");
        assert_eq!(response.status, 200, "{:?}", response.body);
        response.body
    }

    /// Makes a device's sensor read fail the way a Python plant shows it: `how` is
    /// "nan", "inf", "-inf" (written as `NaN`, `Infinity`, `-Infinity` by `json.dumps`,
    /// in every later update, snapshot and HTTP answer) or "text" (a string value).
    pub fn fail_read(&self, id: &str, how: &str) -> Value {
        let response = self
            .client()
            .post(
                &format!("/_test/devices/{id}/failed_read"),
                &json!({ "as": how }),
            )
            .expect("POST /_test/devices/…/failed_read");
        assert_eq!(response.status, 200, "{:?}", response.body);
        response.body
    }

    /// Removes a device; the server announces it with a snapshot.
    pub fn remove_device(&self, id: &str) {
        let response = self
            .client()
            .delete(&format!("/_test/devices/{id}"))
            .expect("DELETE /_test/devices");
        assert_eq!(response.status, 200, "{:?}", response.body);
    }

    /// How many relay commands the server has applied (duplicates excluded).
    pub fn applied(&self) -> u64 {
        let response = self
            .client()
            .get("/_test/applied")
            .expect("GET /_test/applied");
        response.body["count"].as_u64().expect("count")
    }

    /// Ends every client's session: `"socketio"` (a `41`) or `"engineio"` (a `1`).
    pub fn end_sessions(&self, how: &str) -> u64 {
        let response = self
            .client()
            .post("/_test/end_sessions", &json!({"how": how}))
            .expect("POST /_test/end_sessions");
        response.body["ended"].as_u64().unwrap_or(0)
    }

    /// The request ids of the relay commands the server applied, in order.
    pub fn applied_ids(&self) -> Vec<String> {
        let response = self
            .client()
            .get("/_test/applied")
            .expect("GET /_test/applied");
        response.body["request_ids"]
            .as_array()
            .expect("request_ids")
            .iter()
            .filter_map(|id| id.as_str().map(str::to_owned))
            .collect()
    }

    /// Refuses (or again allows) WebSocket upgrades while the HTTP API keeps working.
    pub fn refuse_websocket(&self, refuse: bool) {
        let response = self
            .client()
            .post("/_test/websocket", &json!({"refuse": refuse}))
            .expect("POST /_test/websocket");
        assert_eq!(response.body["refused"], refuse, "{:?}", response.body);
    }

    /// How many `GET /api/devices` the server has answered: a poller's footprint.
    pub fn http_polls(&self) -> u64 {
        let response = self
            .client()
            .get("/_test/http_polls")
            .expect("GET /_test/http_polls");
        response.body["count"].as_u64().expect("count")
    }

    /// Connected Socket.IO clients.
    pub fn clients(&self) -> u64 {
        let response = self
            .client()
            .get("/_test/clients")
            .expect("GET /_test/clients");
        response.body["count"].as_u64().unwrap_or(0)
    }

    /// Stops the server the hard way (the TCP streams end with no frame).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for FlaskPlant {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
