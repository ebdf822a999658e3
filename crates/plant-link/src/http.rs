//! The plant's HTTP/JSON API as a client: the fallback path for reading the plant and
//! sending relay commands when the WebSocket cannot connect.

use std::time::Duration;

use plant_protocol::{
    DevicesUpdate, RelaysUpdate, SetRelayBody, SetRelayError, SetRelayRequest, SetRelayResult,
    SystemStats,
};
use reqwest::StatusCode;
use thiserror::Error;

use crate::config::{PlantUrl, Secret};
use crate::items::{self, ItemsError, Read};
use crate::text::log_text;

/// The largest HTTP answer read from the plant when the link sets no bound of its own:
/// the same 16 MiB as one WebSocket message (`LinkConfig::max_message_bytes`, which the
/// link passes in with [`PlantApi::with_body_limit`]). A larger answer is refused before
/// it is read to the end, so a plant (or a proxy in front of it) cannot fill the memory.
pub(crate) const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Why an HTTP call to the plant failed. Messages never carry the token.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ApiError {
    #[error("the plant refused the token (HTTP 401)")]
    Unauthorized,
    #[error("the plant answered HTTP {0}")]
    Status(u16),
    #[error("HTTP request failed: {0}")]
    Transport(String),
    #[error("the plant's answer is not what the contract says: {0}")]
    Body(String),
    #[error("the plant's answer is larger than {limit} bytes and was not read")]
    TooLarge { limit: usize },
    /// Redirects are never followed: a plant answer that points elsewhere could take the
    /// Bearer token to another host, or from `https` to plain `http`.
    #[error("the plant answered with a redirect (HTTP {status}) to {location}; redirects are not followed")]
    Redirected { status: u16, location: String },
}

/// A client of one plant's HTTP API.
#[derive(Debug, Clone)]
pub struct PlantApi {
    client: reqwest::Client,
    server: PlantUrl,
    token: Option<Secret>,
    max_body_bytes: usize,
}

impl PlantApi {
    /// `tls` is the link's own rustls configuration (system roots plus the site's CA),
    /// so HTTPS trusts exactly what the WebSocket trusts.
    pub fn new(
        server: PlantUrl,
        token: Option<Secret>,
        timeout: Duration,
        tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    ) -> Result<Self, ApiError> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // The token goes with every request, so a redirect is an answer, not a
            // direction: following one could send it to another host or over plain http.
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true);
        if let Some(tls) = tls {
            builder = builder.use_preconfigured_tls((*tls).clone());
        }
        let client = builder
            .build()
            .map_err(|e| ApiError::Transport(e.to_string()))?;
        Ok(PlantApi {
            client,
            server,
            token,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// Bounds every answer this client reads to `bytes` (the link passes its WebSocket
    /// message cap, so both paths accept the same plant).
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, self.server.api_url(path));
        match &self.token {
            // reqwest marks the header sensitive, which keeps it out of its debug output.
            Some(token) => builder.bearer_auth(token.expose()),
            None => builder,
        }
    }

    /// The body of a `GET path` answered 200, read up to the body limit.
    async fn get_bytes(&self, path: &str) -> Result<Vec<u8>, ApiError> {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .map_err(|e| ApiError::Transport(without_url(&e)))?;
        match response.status() {
            StatusCode::OK => read_body(response, self.max_body_bytes).await,
            StatusCode::UNAUTHORIZED => Err(ApiError::Unauthorized),
            other if other.is_redirection() => Err(redirected(&response)),
            other => Err(ApiError::Status(other.as_u16())),
        }
    }

    /// A `GET path` answer read item by item ([`items`]): one device or relay the
    /// console cannot read never discards the rest of the answer.
    async fn get_items<T>(
        &self,
        path: &str,
        read: impl FnOnce(&str) -> Result<T, ItemsError>,
    ) -> Result<T, ApiError> {
        let body = self.get_bytes(path).await?;
        let text = std::str::from_utf8(&body).map_err(|e| ApiError::Body(e.to_string()))?;
        read(text).map_err(|e| ApiError::Body(e.to_string()))
    }

    /// `GET /api/health`: whether the plant at this address answers. The primary's probe
    /// while the link is on a standby; never a Socket.IO session.
    pub async fn health(&self) -> Result<(), ApiError> {
        self.get_bytes("/api/health").await.map(|_| ())
    }

    /// The address this client talks to.
    pub fn server(&self) -> &PlantUrl {
        &self.server
    }

    pub async fn devices(&self) -> Result<Read<DevicesUpdate>, ApiError> {
        self.get_items("/api/devices", items::devices_update).await
    }

    pub async fn relays(&self) -> Result<Read<RelaysUpdate>, ApiError> {
        self.get_items("/api/relays", items::relays_update).await
    }

    pub async fn stats(&self) -> Result<Read<SystemStats>, ApiError> {
        self.get_items("/api/system/stats", items::system_stats)
            .await
    }

    /// Sends a relay command by `POST /api/relays/{id}`. Refusals the contract names
    /// (400, 403, 404, 409, and 401) come back as `SetRelayResult::Refused`.
    pub async fn set_relay(&self, request: &SetRelayRequest) -> Result<SetRelayResult, ApiError> {
        let body = SetRelayBody {
            state: request.state,
            request_id: request.request_id.clone(),
            issued_at: request.issued_at,
            operator: request.operator.clone(),
        };
        let path = format!("/api/relays/{}", encode_path_segment(&request.relay_id));
        let response = self
            .request(reqwest::Method::POST, &path)
            .json(&body)
            .send()
            .await
            .map_err(|e| ApiError::Transport(without_url(&e)))?;
        match response.status() {
            StatusCode::UNAUTHORIZED => Ok(SetRelayResult::Refused {
                error: SetRelayError::Unauthorized,
                message: "the plant refused the token".into(),
            }),
            StatusCode::OK
            | StatusCode::BAD_REQUEST
            | StatusCode::FORBIDDEN
            | StatusCode::NOT_FOUND
            | StatusCode::CONFLICT => {
                let body = read_body(response, self.max_body_bytes).await?;
                let text = std::str::from_utf8(&body).map_err(|e| ApiError::Body(e.to_string()))?;
                // Whether the plant applied the command is what counts; a relay in the
                // answer that cannot be read whole does not lose the answer.
                items::set_relay_result(text, &request.relay_id)
                    .map(|(result, _)| result)
                    .map_err(|e| ApiError::Body(e.to_string()))
            }
            other if other.is_redirection() => Err(redirected(&response)),
            other => Err(ApiError::Status(other.as_u16())),
        }
    }
}

/// Reads a body chunk by chunk and gives up as soon as it passes `limit`: a declared
/// length over the limit is refused before the first byte, and a body without one (or one
/// that lies) is cut off at the limit, never buffered whole.
async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = ApiError::TooLarge { limit };
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(too_large);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ApiError::Transport(without_url(&e)))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The refusal of a redirect, naming where it pointed (server text: escaped and short).
fn redirected(response: &reqwest::Response) -> ApiError {
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|value| log_text(&String::from_utf8_lossy(value.as_bytes())))
        .unwrap_or_else(|| "nowhere".into());
    ApiError::Redirected {
        status: response.status().as_u16(),
        location,
    }
}

/// reqwest errors name the URL; the URL holds no secret, but dropping it keeps messages
/// short enough for the status line.
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(&format!(" for url ({url})"), "");
    }
    text
}

/// Percent-encodes a relay id for use as one path segment.
fn encode_path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_ids_are_encoded_as_one_path_segment() {
        assert_eq!(encode_path_segment("relay-01"), "relay-01");
        assert_eq!(encode_path_segment("a/b c?"), "a%2Fb%20c%3F");
        assert_eq!(encode_path_segment("Pump\u{e9}"), "Pump%C3%A9");
    }
}
