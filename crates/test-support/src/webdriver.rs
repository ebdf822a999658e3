//! A small blocking W3C WebDriver client and the tauri-driver process it talks to.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::desktop::Desktop;
use crate::http::HttpClient;

/// The W3C key under which an element reference travels.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// tauri-driver (with WebKitWebDriver behind it) on the test's desktop.
pub struct TauriDriver {
    child: Child,
    port: u16,
}

impl TauriDriver {
    pub fn start(desktop: &Desktop) -> TauriDriver {
        TauriDriver::start_with_env(desktop, &[])
    }

    /// Like `start`, with `env` added to the environment of tauri-driver, which
    /// WebKitWebDriver and the app it launches inherit.
    pub fn start_with_env(desktop: &Desktop, env: &[(&str, &str)]) -> TauriDriver {
        let binary = std::env::var_os("TAURI_DRIVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| crate::workspace_root().join("target/tools/bin/tauri-driver"));
        assert!(
            binary.is_file(),
            "tauri-driver ({}) is missing: run `cargo xtask setup --test`",
            binary.display()
        );
        let port = crate::free_port();
        let native_port = crate::free_port();
        // setsid makes tauri-driver the leader of a process group of its own, so that
        // dropping it can also end the WebKitWebDriver and app processes it starts.
        let child = Command::new("setsid")
            .arg(binary)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
            .envs(desktop.env())
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tauri-driver");
        let driver = TauriDriver { child, port };
        crate::wait_for(Duration::from_secs(20), "tauri-driver to listen", || {
            std::net::TcpStream::connect(("127.0.0.1", driver.port)).ok()
        });
        driver
    }

    /// Opens a session that launches `application` with `args`.
    pub fn session(&self, application: &Path, args: &[&str]) -> Session {
        let mut http = HttpClient::new(format!("127.0.0.1:{}", self.port))
            .with_timeout(Duration::from_secs(60));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": application, "args": args}
        }}});
        // tauri-driver listens before WebKitWebDriver behind it does, and closes the
        // connection while the latter is still starting: retry until a deadline.
        let id = crate::wait_for(Duration::from_secs(30), "a WebDriver session", || {
            let response = http.post("/session", &capabilities).ok()?;
            match response.body["value"]["sessionId"].as_str() {
                Some(id) => Some(id.to_owned()),
                None if response.status >= 500 => None,
                None => panic!("session refused: {} {}", response.status, response.body),
            }
        });
        Session { http, id }
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One WebDriver session, i.e. one running app; deleted (app closed) on drop.
pub struct Session {
    http: HttpClient,
    id: String,
}

/// A reference to an element of the page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Session {
    fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let path = format!("/session/{}{path}", self.id);
        let response = self
            .http
            .request(method, &path, body.as_ref(), &[])
            .map_err(|e| e.to_string())?;
        if response.status >= 400 {
            return Err(format!(
                "{method} {path}: {} {}",
                response.status, response.body
            ));
        }
        Ok(response.body["value"].clone())
    }

    pub fn find_all(&mut self, css: &str) -> Vec<Element> {
        let value = self
            .call(
                "POST",
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .unwrap_or(Value::Array(vec![]));
        value
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(|id| Element(id.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn find(&mut self, css: &str) -> Option<Element> {
        self.find_all(css).into_iter().next()
    }

    pub fn text(&mut self, element: &Element) -> String {
        self.call("GET", &format!("/element/{}/text", element.0), None)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    pub fn attribute(&mut self, element: &Element, name: &str) -> Option<String> {
        self.call(
            "GET",
            &format!("/element/{}/attribute/{name}", element.0),
            None,
        )
        .ok()?
        .as_str()
        .map(str::to_owned)
    }

    /// A DOM property of an element (e.g. `textContent`, which, unlike WebDriver's
    /// rendered text, includes every cell of a row).
    pub fn property(&mut self, element: &Element, name: &str) -> Option<String> {
        self.call(
            "GET",
            &format!("/element/{}/property/{name}", element.0),
            None,
        )
        .ok()?
        .as_str()
        .map(str::to_owned)
    }

    pub fn click(&mut self, element: &Element) -> Result<(), String> {
        self.call(
            "POST",
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        )
        .map(drop)
    }

    /// Empties an input (W3C Element Clear).
    pub fn clear(&mut self, element: &Element) -> Result<(), String> {
        self.call(
            "POST",
            &format!("/element/{}/clear", element.0),
            Some(json!({})),
        )
        .map(drop)
    }

    /// Types `text` into an element as keystrokes (W3C Element Send Keys).
    pub fn type_text(&mut self, element: &Element, text: &str) -> Result<(), String> {
        self.call(
            "POST",
            &format!("/element/{}/value", element.0),
            Some(json!({"text": text})),
        )
        .map(drop)
    }

    /// The text of the first element matching `css`, or empty.
    pub fn text_of(&mut self, css: &str) -> String {
        match self.find(css) {
            Some(element) => self.text(&element),
            None => String::new(),
        }
    }

    /// Runs `script` in the page (W3C Execute Script) with `args` and returns its value.
    pub fn execute(&mut self, script: &str, args: &[Value]) -> Result<Value, String> {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Runs `script` in the page asynchronously: it ends by calling its last argument
    /// with the result, within `limit` (the session's script timeout is set to it).
    pub fn execute_async(
        &mut self,
        script: &str,
        args: &[Value],
        limit: Duration,
    ) -> Result<Value, String> {
        let millis = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        self.call("POST", "/timeouts", Some(json!({"script": millis})))?;
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Polls until `check` returns `Some`, failing after `limit`.
    pub fn wait_for<T>(
        &mut self,
        limit: Duration,
        what: &str,
        mut check: impl FnMut(&mut Session) -> Option<T>,
    ) -> T {
        crate::wait_for(limit, what, || check(self))
    }

    /// Sets the current window's outer size (W3C Set Window Rect).
    pub fn set_window_size(&mut self, width: u32, height: u32) -> Result<(), String> {
        self.call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height, "x": 0, "y": 0})),
        )
        .map(|_| ())
    }

    /// The handles of the app's windows that WebDriver sees.
    pub fn window_handles(&mut self) -> Vec<String> {
        self.call("GET", "/window/handles", None)
            .ok()
            .and_then(|value| {
                value.as_array().map(|list| {
                    list.iter()
                        .filter_map(|h| h.as_str().map(str::to_owned))
                        .collect()
                })
            })
            .unwrap_or_default()
    }

    /// The current window's handle.
    pub fn window_handle(&mut self) -> Option<String> {
        self.call("GET", "/window", None)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
    }

    /// Makes the window with `handle` the one the next commands act on.
    pub fn switch_to_window(&mut self, handle: &str) -> Result<(), String> {
        self.call("POST", "/window", Some(json!({"handle": handle})))
            .map(|_| ())
    }

    /// Saves a PNG screenshot of the window to `path`.
    pub fn screenshot(&mut self, path: &Path) {
        let value = self.call("GET", "/screenshot", None).expect("screenshot");
        let png = crate::base64_decode(value.as_str().expect("base64 PNG")).expect("valid base64");
        std::fs::write(path, png).expect("write screenshot");
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let path = format!("/session/{}", self.id);
        let _ = self.http.request("DELETE", &path, None, &[]);
    }
}
