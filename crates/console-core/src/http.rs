//! The plant's HTTP/JSON API as a client: the fallback path for reading the plant and
//! sending relay commands when the WebSocket cannot connect.

use std::time::Duration;

use plant_protocol::{
    DevicesUpdate, RelaysUpdate, SetRelayBody, SetRelayError, SetRelayRequest, SetRelayResult,
    SystemStats,
};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::config::{PlantUrl, Secret};

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
}

/// A client of one plant's HTTP API.
#[derive(Debug, Clone)]
pub struct PlantApi {
    client: reqwest::Client,
    server: PlantUrl,
    token: Option<Secret>,
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
        })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, self.server.api_url(path));
        match &self.token {
            // reqwest marks the header sensitive, which keeps it out of its debug output.
            Some(token) => builder.bearer_auth(token.expose()),
            None => builder,
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .map_err(|e| ApiError::Transport(without_url(&e)))?;
        match response.status() {
            StatusCode::OK => response
                .json()
                .await
                .map_err(|e| ApiError::Body(without_url(&e))),
            StatusCode::UNAUTHORIZED => Err(ApiError::Unauthorized),
            other => Err(ApiError::Status(other.as_u16())),
        }
    }

    pub async fn devices(&self) -> Result<DevicesUpdate, ApiError> {
        self.get("/api/devices").await
    }

    pub async fn relays(&self) -> Result<RelaysUpdate, ApiError> {
        self.get("/api/relays").await
    }

    pub async fn stats(&self) -> Result<SystemStats, ApiError> {
        self.get("/api/system/stats").await
    }

    /// Sends a relay command by `POST /api/relays/{id}`. Refusals the contract names
    /// (400, 403, 404, 409, and 401) come back as `SetRelayResult::Refused`.
    pub async fn set_relay(&self, request: &SetRelayRequest) -> Result<SetRelayResult, ApiError> {
        let body = SetRelayBody {
            state: request.state,
            request_id: request.request_id.clone(),
            issued_at: request.issued_at,
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
            | StatusCode::CONFLICT => response
                .json()
                .await
                .map_err(|e| ApiError::Body(without_url(&e))),
            other => Err(ApiError::Status(other.as_u16())),
        }
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
