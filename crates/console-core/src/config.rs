//! Settings of the console core and the plant's address, validated once at start-up.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use thiserror::Error;
use url::Url;

use crate::backoff::BackoffPolicy;
use crate::clock::{NetworkProbe, WallClock};
use crate::tls::{self, TlsError};

/// A credential that must never reach a log, an error message or the UI.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it to the server.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Why a configuration value was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("the plant URL {0:?} is not a valid URL")]
    BadUrl(String),
    #[error("the plant URL must start with http://, https://, ws:// or wss:// (got {0:?})")]
    BadScheme(String),
    #[error("the plant URL has no host")]
    NoHost,
    /// The site CA file cannot be used; the text is the [`TlsError`]'s message, kept as
    /// text so that configuration errors stay comparable.
    #[error("{0}")]
    SiteCa(String),
}

/// The plant server's address, kept as its HTTP base (`http://host:port`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantUrl(Url);

impl PlantUrl {
    /// Accepts `http(s)://` and `ws(s)://` forms; a path or query is ignored because the
    /// contract fixes both endpoints' paths.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let mut url = Url::parse(text.trim()).map_err(|_| ConfigError::BadUrl(text.to_owned()))?;
        let scheme = match url.scheme() {
            "http" | "ws" => "http",
            "https" | "wss" => "https",
            other => return Err(ConfigError::BadScheme(other.to_owned())),
        };
        if url.host_str().is_none() {
            return Err(ConfigError::NoHost);
        }
        url.set_scheme(scheme)
            .map_err(|_| ConfigError::BadScheme(scheme.to_owned()))?;
        url.set_path("/");
        url.set_query(None);
        url.set_fragment(None);
        // Credentials in the URL would end up in logs and on screen; the token has its own
        // channel, so they are removed here.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Ok(PlantUrl(url))
    }

    pub fn is_tls(&self) -> bool {
        self.0.scheme() == "https"
    }

    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }

    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(80)
    }

    /// The Engine.IO WebSocket endpoint.
    pub fn websocket_url(&self) -> String {
        let scheme = if self.is_tls() { "wss" } else { "ws" };
        format!(
            "{scheme}://{}:{}/socket.io/?EIO=4&transport=websocket",
            self.host_for_url(),
            self.port()
        )
    }

    /// An HTTP API endpoint, `path` starting with `/api/`.
    pub fn api_url(&self, path: &str) -> String {
        format!(
            "{}://{}:{}{path}",
            self.0.scheme(),
            self.host_for_url(),
            self.port()
        )
    }

    fn host_for_url(&self) -> String {
        match self.0.host() {
            Some(url::Host::Ipv6(address)) => format!("[{address}]"),
            _ => self.host().to_owned(),
        }
    }
}

impl fmt::Display for PlantUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}:{}",
            self.0.scheme(),
            self.host_for_url(),
            self.port()
        )
    }
}

/// How the link connects, notices trouble and retries.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    pub server: PlantUrl,
    pub token: Option<Secret>,
    /// Covers TCP, the WebSocket upgrade, Engine.IO OPEN and Socket.IO CONNECT together.
    pub connect_timeout: Duration,
    pub backoff: BackoffPolicy,
    /// A connection live this long resets the backoff to its first step.
    pub stable_after: Duration,
    /// How often a refused token is tried again; slow, so a wrong token never hammers.
    pub unauthorized_retry: Duration,
    /// Floor of the stale threshold (see `Session::stale_after`).
    pub stale_after: Duration,
    /// How often a round-trip probe is sent while live.
    pub probe_interval: Duration,
    /// Hard cap on one WebSocket message, whatever the server's OPEN packet says.
    pub max_message_bytes: usize,
    /// A site's own CA certificates (PEM), trusted for `https`/`wss` in addition to the
    /// system roots. Set it with [`LinkConfig::with_site_ca`], which also checks the file.
    pub site_ca: Option<PathBuf>,
    /// The TLS settings built by `with_site_ca`, so the file is read and checked once.
    tls: Option<BuiltTls>,
    /// How long the WebSocket may stay down before the plant is polled over HTTP.
    pub fallback_after: Duration,
    /// How often the plant is polled while in HTTP fallback.
    pub poll_interval: Duration,
    /// Deadline of one HTTP request.
    pub http_timeout: Duration,
    /// The wall clock, compared with the monotonic one to notice a resume from sleep.
    pub wall_clock: WallClock,
    /// The machine's addresses; a change means the network moved under the link.
    pub network: NetworkProbe,
    /// How long a link may take to answer the probe sent after a resume.
    pub resume_probe_timeout: Duration,
}

impl LinkConfig {
    pub fn new(server: PlantUrl) -> Self {
        LinkConfig {
            server,
            token: None,
            connect_timeout: Duration::from_secs(10),
            backoff: BackoffPolicy::default(),
            stable_after: Duration::from_secs(30),
            unauthorized_retry: Duration::from_secs(30),
            stale_after: Duration::from_secs(5),
            probe_interval: Duration::from_secs(5),
            max_message_bytes: 16 * 1024 * 1024,
            site_ca: None,
            tls: None,
            fallback_after: Duration::from_secs(5),
            poll_interval: Duration::from_secs(2),
            http_timeout: Duration::from_secs(5),
            wall_clock: WallClock::default(),
            network: NetworkProbe::default(),
            resume_probe_timeout: Duration::from_secs(3),
        }
    }
}

impl LinkConfig {
    /// Trusts the CA certificates in the PEM file at `path` in addition to the system
    /// roots. The file is read and checked here, so a bad file is refused at start instead
    /// of showing up later as a link that never connects.
    pub fn with_site_ca(mut self, path: impl Into<PathBuf>) -> Result<Self, ConfigError> {
        let path = path.into();
        let config = tls::client_config(Some(&path))
            .map_err(|error| ConfigError::SiteCa(error.to_string()))?;
        self.tls = Some(BuiltTls {
            site_ca: path.clone(),
            config,
        });
        self.site_ca = Some(path);
        Ok(self)
    }

    /// The TLS settings for `https`/`wss` connections, shared by the WebSocket and (through
    /// `reqwest::ClientBuilder::use_preconfigured_tls`) the HTTP API.
    ///
    /// They are the ones `with_site_ca` built; if `site_ca` was changed directly the file
    /// is read again, and without a site CA the process-wide system-roots settings are used.
    pub fn tls_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        match (&self.site_ca, &self.tls) {
            (Some(path), Some(built)) if built.site_ca == *path => Ok(built.config.clone()),
            (Some(path), _) => tls::client_config(Some(path)),
            (None, _) => tls::system_client_config(),
        }
    }
}

/// TLS settings together with the CA file they were built from.
#[derive(Clone)]
struct BuiltTls {
    site_ca: PathBuf,
    config: Arc<ClientConfig>,
}

// The derived `Debug` of a `ClientConfig` prints every trusted root certificate, which
// would flood any log line that shows the link settings.
impl fmt::Debug for BuiltTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientConfig(system roots + {})", self.site_ca.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plant_url_accepts_http_and_websocket_forms() {
        let url = PlantUrl::parse("ws://plant.local:5000/socket.io/?EIO=4").unwrap();
        assert_eq!(url.to_string(), "http://plant.local:5000");
        assert_eq!(
            url.websocket_url(),
            "ws://plant.local:5000/socket.io/?EIO=4&transport=websocket"
        );
        let url = PlantUrl::parse("https://10.0.0.5").unwrap();
        assert_eq!(
            url.api_url("/api/devices"),
            "https://10.0.0.5:443/api/devices"
        );
        assert!(url.is_tls());
        let url = PlantUrl::parse("http://[::1]:8080").unwrap();
        assert_eq!(
            url.websocket_url(),
            "ws://[::1]:8080/socket.io/?EIO=4&transport=websocket"
        );
    }

    #[test]
    fn plant_url_drops_credentials_and_refuses_other_schemes() {
        let url = PlantUrl::parse("http://user:pw@plant:5000").unwrap();
        assert_eq!(url.to_string(), "http://plant:5000");
        assert_eq!(
            PlantUrl::parse("ftp://plant"),
            Err(ConfigError::BadScheme("ftp".into()))
        );
        assert!(matches!(
            PlantUrl::parse("not a url"),
            Err(ConfigError::BadUrl(_))
        ));
    }

    #[test]
    fn secret_debug_output_hides_the_value() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }
}
