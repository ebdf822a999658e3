//! The HTTP/JSON side of the contract: the polling fallback and the path of plain scripts.
//!
//! Every route except `/api/health` requires the site's token when one is configured; health
//! stays open so that monitoring and a console's "is anything there at all" probe work without
//! credentials.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use plant_protocol::{
    DevicesUpdate, Health, RelaysUpdate, SetRelayError, SetRelayResult, SystemStats,
};

use crate::command;
use crate::plant::{unix_now, CommandOutcome, PlantHandle, UNREACHABLE_MESSAGE};

/// The `/api` routes, to be served next to the Socket.IO layer.
pub(crate) fn router(handle: PlantHandle) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/devices", get(devices))
        .route("/api/relays", get(relays))
        .route("/api/system/stats", get(system_stats))
        .route("/api/relays/{relay_id}", post(set_relay))
        .with_state(handle)
}

/// Proof that the request carried the site's token (or that the site has none).
struct Authorized;

impl FromRequestParts<PlantHandle> for Authorized {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        handle: &PlantHandle,
    ) -> Result<Self, Self::Rejection> {
        let plant = &handle.plant;
        if plant.token().is_none() {
            return Ok(Authorized);
        }
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_token);
        if plant.accepts_token(presented) {
            return Ok(Authorized);
        }
        tracing::warn!(path = %parts.uri.path(), token_present = presented.is_some(),
            "HTTP request refused: unauthorized");
        let body = SetRelayResult::Refused {
            error: SetRelayError::Unauthorized,
            message: "unauthorized".into(),
        };
        Err((
            StatusCode::UNAUTHORIZED,
            [(WWW_AUTHENTICATE, "Bearer")],
            Json(body),
        )
            .into_response())
    }
}

/// The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// The contract's health answer with this server's own fields (which the contract allows).
#[derive(Debug, serde::Serialize)]
struct HealthAnswer {
    #[serde(flatten)]
    health: Health,
    /// The instance's name.
    instance: String,
    /// `"ok"` or `"unreachable"` in `--redis` mode; `null` for a plant of its own.
    redis: Option<&'static str>,
}

/// Always 200, also when degraded: a plain health check (or a console's "is anything there"
/// probe) must still read the body, and a degraded instance does serve its clients, it only
/// refuses commands. Whoever balances load reads `status`.
async fn health(State(handle): State<PlantHandle>) -> Json<HealthAnswer> {
    let redis = handle
        .redis_reachable()
        .map(|reachable| if reachable { "ok" } else { "unreachable" });
    let status = if redis == Some("unreachable") {
        "degraded"
    } else {
        "ok"
    };
    Json(HealthAnswer {
        health: Health {
            status: status.into(),
            server_time: unix_now(),
        },
        instance: handle.instance().to_string(),
        redis,
    })
}

async fn devices(_: Authorized, State(handle): State<PlantHandle>) -> Json<DevicesUpdate> {
    Json(handle.plant.devices_snapshot().await)
}

async fn relays(_: Authorized, State(handle): State<PlantHandle>) -> Json<RelaysUpdate> {
    Json(handle.plant.relays_snapshot().await)
}

async fn system_stats(_: Authorized, State(handle): State<PlantHandle>) -> Json<SystemStats> {
    Json(handle.plant.system_stats(handle.io.connected_clients()))
}

/// The body is taken as raw bytes so that a body that is not JSON at all is answered with the
/// contract's `invalid` result (400) rather than axum's own plain-text rejection.
async fn set_relay(
    _: Authorized,
    State(handle): State<PlantHandle>,
    Path(relay_id): Path<String>,
    body: Bytes,
) -> (StatusCode, Json<SetRelayResult>) {
    let mut outcome = match command::from_http(&relay_id, &body) {
        Ok(command) => {
            let by = command.operator.clone().unwrap_or_else(|| "http".into());
            handle.plant.execute(&command, &by).await
        }
        Err(message) => {
            tracing::info!(relay_id, %message, "invalid HTTP relay command refused");
            CommandOutcome {
                result: command::invalid(message),
                delivered: None,
            }
        }
    };
    // Answer only once the change is on its way to every console, as on the Socket.IO path:
    // whoever gets the answer can rely on the consoles being told no later than it was.
    outcome.broadcast_delivered().await;
    (status_of(&outcome.result), Json(outcome.result))
}

fn status_of(result: &SetRelayResult) -> StatusCode {
    match result {
        SetRelayResult::Applied { .. } => StatusCode::OK,
        // 503 rather than the contract's 403 for `forbidden`: the refusal is this instance's
        // trouble, not the plant's will, and 503 tells a load balancer or a script to try
        // again (another instance, or later). The body still carries `forbidden`.
        SetRelayResult::Refused { message, .. } if message == UNREACHABLE_MESSAGE => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        SetRelayResult::Refused { error, .. } => match error {
            SetRelayError::Invalid => StatusCode::BAD_REQUEST,
            SetRelayError::UnknownRelay => StatusCode::NOT_FOUND,
            SetRelayError::Expired => StatusCode::CONFLICT,
            SetRelayError::Forbidden => StatusCode::FORBIDDEN,
            SetRelayError::Unauthorized => StatusCode::UNAUTHORIZED,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_with_any_scheme_case() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
    }
}
