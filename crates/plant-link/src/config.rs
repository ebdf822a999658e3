//! The link's settings and the plant's address and identity, validated once at start-up.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use serde::{Deserialize, Serialize};
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
    /// The text is shown with any credentials in it removed (see [`redact_url`]).
    #[error("the plant URL {0:?} is not a valid URL")]
    BadUrl(String),
    #[error("a plant name must be 1 to 64 characters without control characters or slashes")]
    BadPlantName,
    #[error("the plant URL must start with http://, https://, ws:// or wss:// (got {0:?})")]
    BadScheme(String),
    #[error("the plant URL has no host")]
    NoHost,
    #[error("at least one plant address is needed")]
    NoAddress,
    #[error("at most {max} plant addresses may be given (got {got})")]
    TooManyAddresses { max: usize, got: usize },
    /// The same address twice in the list (after normalization): a typing mistake that
    /// would make one server count twice in a round of failover attempts.
    #[error("the plant address {0} is given twice")]
    DuplicateAddress(String),
    /// One address of a list was refused; `index` counts from 0 in the order given.
    #[error("plant address {} of the list: {error}", index + 1)]
    InList {
        index: usize,
        error: Box<ConfigError>,
    },
    #[error("the failover policy must be `primary` or `equal` (got {0:?})")]
    BadFailover(String),
    /// The site CA file cannot be used; the text is the [`TlsError`]'s message, kept as
    /// text so that configuration errors stay comparable.
    #[error("{0}")]
    SiteCa(String),
}

/// `text` with whatever sits between `://` and an `@` (a user name and password typed
/// into a URL) replaced by `***`, for messages about a URL that could not be read.
pub fn redact_url(text: &str) -> String {
    let Some(start) = text.find("://").map(|i| i + 3) else {
        return text.to_owned();
    };
    let rest = &text[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &text[..start], &rest[at + 1..]),
        None => text.to_owned(),
    }
}

/// Whether `text` carries credentials (`user:password@`) in its authority.
pub fn has_credentials(text: &str) -> bool {
    redact_url(text) != text
}

/// The plant server's address, kept as its HTTP base (`http://host:port`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantUrl(Url);

impl PlantUrl {
    /// Accepts `http(s)://` and `ws(s)://` forms; a path or query is ignored because the
    /// contract fixes both endpoints' paths.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let mut url = Url::parse(text.trim()).map_err(|_| ConfigError::BadUrl(redact_url(text)))?;
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

/// The most addresses one plant may be given: a primary and a few standbys is what a
/// control room runs; more is a mistake, and each one lengthens a round of attempts.
pub const MAX_ADDRESSES: usize = 8;

/// The ordered addresses of one plant: never empty, never the same address twice, at
/// most [`MAX_ADDRESSES`]. The first is the primary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantAddresses(Vec<PlantUrl>);

impl PlantAddresses {
    /// One plant at one address.
    pub fn one(url: PlantUrl) -> Self {
        PlantAddresses(vec![url])
    }

    /// The list as given, checked: not empty, no duplicate, not too long.
    pub fn new(list: Vec<PlantUrl>) -> Result<Self, ConfigError> {
        if list.is_empty() {
            return Err(ConfigError::NoAddress);
        }
        if list.len() > MAX_ADDRESSES {
            return Err(ConfigError::TooManyAddresses {
                max: MAX_ADDRESSES,
                got: list.len(),
            });
        }
        for (i, url) in list.iter().enumerate() {
            if list[..i].contains(url) {
                return Err(ConfigError::DuplicateAddress(url.to_string()));
            }
        }
        Ok(PlantAddresses(list))
    }

    /// Reads each text as a [`PlantUrl`]; an error names the address's place in the list.
    pub fn parse<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<Self, ConfigError> {
        let list = texts
            .into_iter()
            .enumerate()
            .map(|(index, text)| {
                PlantUrl::parse(text).map_err(|error| ConfigError::InList {
                    index,
                    error: Box::new(error),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        PlantAddresses::new(list)
    }

    /// The first address: the preferred one under [`FailoverPolicy::Primary`], and the
    /// one an unnamed plant is known by.
    pub fn primary(&self) -> &PlantUrl {
        &self.0[0]
    }

    /// The address at `index`, the primary for an index beyond the list.
    pub fn get(&self, index: usize) -> &PlantUrl {
        self.0.get(index).unwrap_or(&self.0[0])
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false; there for the convention that goes with `len`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &PlantUrl> {
        self.0.iter()
    }

    pub fn as_slice(&self) -> &[PlantUrl] {
        &self.0
    }
}

/// How the link chooses among a plant's addresses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FailoverPolicy {
    /// The first address is preferred; the others are standbys, left for the primary
    /// once it has been healthy for the hold time.
    #[default]
    Primary,
    /// Equal instances: no preference, the link stays where it is while that works.
    Equal,
}

impl FailoverPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            FailoverPolicy::Primary => "primary",
            FailoverPolicy::Equal => "equal",
        }
    }
}

impl std::str::FromStr for FailoverPolicy {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Self, ConfigError> {
        match text.trim() {
            "primary" => Ok(FailoverPolicy::Primary),
            "equal" => Ok(FailoverPolicy::Equal),
            other => Err(ConfigError::BadFailover(other.to_owned())),
        }
    }
}

/// Which plant a console, a cache and a command belong to.
///
/// Derived from the plant's address (its origin: scheme, host and port) unless the
/// operator names the plant (`--plant NAME`). Code decides "same plant" by comparing
/// `PlantId`s, never URLs: one plant may later be reached at several addresses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct PlantId(String);

/// The longest plant name accepted on the command line.
pub const MAX_PLANT_NAME: usize = 64;

impl PlantId {
    /// The identity of the plant at `url` when nobody named it.
    pub fn from_url(url: &PlantUrl) -> PlantId {
        PlantId(url.to_string())
    }

    /// A plant named by the operator. Names are short printable text without control
    /// characters or path separators, so they can appear in file names and messages.
    pub fn named(name: &str) -> Result<PlantId, ConfigError> {
        let name = name.trim();
        let fine = !name.is_empty()
            && name.chars().count() <= MAX_PLANT_NAME
            && !name
                .chars()
                .any(|c| c.is_control() || c == '/' || c == '\\');
        if fine {
            Ok(PlantId(name.to_owned()))
        } else {
            Err(ConfigError::BadPlantName)
        }
    }

    /// The embedded demo plant, whatever loopback port it happens to use.
    pub fn demo() -> PlantId {
        PlantId("demo".to_owned())
    }

    /// A stored identity, read back from a cache.
    pub fn from_stored(text: &str) -> PlantId {
        PlantId(text.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A file-system-safe, unique folder name for the plant: a readable slug of the id
    /// and a short hash of it (two ids that slug alike still get different folders).
    pub fn key(&self) -> String {
        use sha2::Digest;
        let mut slug = String::new();
        for c in self.0.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.ends_with('-') {
                slug.push('-');
            }
            if slug.len() >= 40 {
                break;
            }
        }
        let slug = slug.trim_matches('-');
        let digest = sha2::Sha256::digest(self.0.as_bytes());
        let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        if slug.is_empty() {
            hash
        } else {
            format!("{slug}-{hash}")
        }
    }
}

impl fmt::Display for PlantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How the link connects, notices trouble and retries.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// The plant's addresses in order of preference; the link has a session with at most
    /// one of them at a time (see `failover.rs`).
    pub servers: PlantAddresses,
    /// How the link chooses among `servers`.
    pub failover: FailoverPolicy,
    /// Under [`FailoverPolicy::Primary`], how long the primary must answer every health
    /// probe before the link leaves a standby for it; one failed probe starts it over.
    pub prefer_primary_after: Duration,
    /// How often the primary's health is probed while the link is live on a standby.
    pub primary_probe_interval: Duration,
    /// The plant `servers` are the addresses of; commands carry it and the link refuses
    /// to send one meant for another plant. Failing over never changes it.
    pub plant: PlantId,
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
    /// A plant at one address.
    pub fn new(server: PlantUrl) -> Self {
        LinkConfig::with_servers(PlantAddresses::one(server))
    }

    /// A plant at several addresses, the first being its primary (and, unless named, its
    /// identity).
    pub fn with_servers(servers: PlantAddresses) -> Self {
        LinkConfig {
            plant: PlantId::from_url(servers.primary()),
            servers,
            failover: FailoverPolicy::default(),
            prefer_primary_after: Duration::from_secs(30),
            primary_probe_interval: Duration::from_secs(5),
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
    /// The primary address (the first of `servers`).
    pub fn server(&self) -> &PlantUrl {
        self.servers.primary()
    }

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
    fn credentials_in_a_url_that_cannot_be_read_are_not_repeated() {
        assert_eq!(redact_url("http://op:hunter2@/x@y"), "http://***@/x@y");
        assert_eq!(redact_url("http://plant:5000/a@b"), "http://plant:5000/a@b");
        assert!(has_credentials("wss://op@plant"));
        let error = PlantUrl::parse("http://op:hunter2@").unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn a_plant_is_named_or_known_by_its_normalized_address() {
        let a = PlantUrl::parse("ws://Plant.local:5000/socket.io/").unwrap();
        let b = PlantUrl::parse("http://plant.local:5000").unwrap();
        assert_eq!(PlantId::from_url(&a), PlantId::from_url(&b));
        assert_eq!(LinkConfig::new(a).plant, PlantId::from_url(&b));
        assert_eq!(PlantId::named(" line-1 ").unwrap().as_str(), "line-1");
        for bad in ["", "a/b", "x\u{7}", &"n".repeat(65)] {
            assert_eq!(
                PlantId::named(bad),
                Err(ConfigError::BadPlantName),
                "{bad:?}"
            );
        }
        assert_eq!(PlantId::demo().as_str(), "demo");
    }

    #[test]
    fn an_address_list_refuses_empty_too_long_duplicated_and_bad_entries() {
        let urls = |n: usize| {
            (0..n)
                .map(|i| format!("http://plant-{i}:5000"))
                .collect::<Vec<_>>()
        };
        let ok = urls(MAX_ADDRESSES);
        let list = PlantAddresses::parse(ok.iter().map(String::as_str)).unwrap();
        assert_eq!(list.len(), MAX_ADDRESSES);
        assert_eq!(list.primary().to_string(), "http://plant-0:5000");
        assert_eq!(PlantAddresses::parse([]), Err(ConfigError::NoAddress));
        let long = urls(MAX_ADDRESSES + 1);
        assert_eq!(
            PlantAddresses::parse(long.iter().map(String::as_str)),
            Err(ConfigError::TooManyAddresses {
                max: MAX_ADDRESSES,
                got: MAX_ADDRESSES + 1
            })
        );
        // Two spellings of one address are the same address.
        assert_eq!(
            PlantAddresses::parse(["http://a:5000", "ws://A:5000/socket.io/"]),
            Err(ConfigError::DuplicateAddress("http://a:5000".into()))
        );
        let error = PlantAddresses::parse(["http://a:5000", "ftp://b"]).unwrap_err();
        assert_eq!(
            error,
            ConfigError::InList {
                index: 1,
                error: Box::new(ConfigError::BadScheme("ftp".into()))
            }
        );
        assert!(
            error.to_string().starts_with("plant address 2 of the list"),
            "{error}"
        );
        let error = PlantAddresses::parse(["http://op:hunter2@"]).unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn an_unnamed_plant_at_several_addresses_is_known_by_its_primary() {
        let list = PlantAddresses::parse(["http://a:5000", "http://b:5000"]).unwrap();
        let config = LinkConfig::with_servers(list);
        assert_eq!(config.plant.as_str(), "http://a:5000");
        assert_eq!(config.server().to_string(), "http://a:5000");
        assert_eq!(config.failover, FailoverPolicy::Primary);
        assert_eq!(config.prefer_primary_after, Duration::from_secs(30));
        assert_eq!("equal".parse(), Ok(FailoverPolicy::Equal));
        assert_eq!(
            "both".parse::<FailoverPolicy>(),
            Err(ConfigError::BadFailover("both".into()))
        );
    }

    #[test]
    fn secret_debug_output_hides_the_value() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }
}
