//! The Socket.IO side of the contract: CONNECT with an optional token, and the client events.
//!
//! Event handlers are registered in a connect middleware rather than in the connect handler.
//! socketioxide sends the CONNECT answer (`40{"sid":…}`) before it spawns the connect handler,
//! so a client that asks for its snapshots the moment it is connected (as the contract tells it
//! to) could otherwise race the registration and have its requests dropped without a trace.

use std::convert::Infallible;
use std::sync::Arc;

use plant_protocol::{events, ConnectAuth};
use serde_json::Value;
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::socket::DisconnectReason;
use socketioxide::SocketIo;

use crate::command;
use crate::plant::{connected_clients, CommandOutcome, Plant};

/// The refusal of a CONNECT; its text becomes `{"message":"unauthorized"}` in CONNECT_ERROR.
#[derive(Debug)]
struct Unauthorized;

impl std::fmt::Display for Unauthorized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unauthorized")
    }
}

/// Sets up the default namespace "/" on `io`.
pub(crate) fn register(io: &SocketIo) {
    // Middlewares run last-added first: the token is checked before handlers are registered.
    io.ns("/", on_connect.with(register_handlers).with(authenticate));
}

async fn authenticate(
    socket: SocketRef,
    State(plant): State<Arc<Plant>>,
    TryData(auth): TryData<ConnectAuth>,
) -> Result<(), Unauthorized> {
    if plant.token().is_none() {
        return Ok(());
    }
    let presented = auth.as_ref().ok().map(|auth| auth.token.as_str());
    if plant.accepts_token(presented) {
        Ok(())
    } else {
        tracing::warn!(sid = %socket.id, token_present = presented.is_some(),
            "Socket.IO connect refused: unauthorized");
        Err(Unauthorized)
    }
}

async fn register_handlers(socket: SocketRef) -> Result<(), Infallible> {
    socket.on(events::REQUEST_DEVICES, on_request_devices);
    socket.on(events::REQUEST_RELAYS, on_request_relays);
    socket.on(events::REQUEST_SYSTEM_STATS, on_request_system_stats);
    socket.on(events::SET_RELAY, on_set_relay);
    socket.on_disconnect(on_disconnect);
    Ok(())
}

async fn on_connect(socket: SocketRef, io: SocketIo) {
    tracing::info!(sid = %socket.id, clients = connected_clients(&io), "client connected");
}

async fn on_disconnect(socket: SocketRef, reason: DisconnectReason) {
    tracing::info!(sid = %socket.id, ?reason, "client disconnected");
}

/// socketioxide 0.18 answers CONNECT before it marks the socket connected, and refuses to
/// emit until then; a client's first requests can land in that gap. Their answers wait
/// (briefly, bounded) for the mark instead of being lost.
async fn until_connected(socket: &SocketRef) {
    for _ in 0..200 {
        if socket.connected() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

async fn on_request_devices(socket: SocketRef, State(plant): State<Arc<Plant>>) {
    until_connected(&socket).await;
    let snapshot = plant.devices_snapshot();
    if let Err(error) = socket.emit(events::DEVICES_UPDATE, &snapshot) {
        tracing::debug!(sid = %socket.id, %error, "devices snapshot not sent");
    }
}

async fn on_request_relays(socket: SocketRef, State(plant): State<Arc<Plant>>) {
    until_connected(&socket).await;
    let snapshot = plant.relays_snapshot();
    if let Err(error) = socket.emit(events::RELAYS_UPDATE, &snapshot) {
        tracing::debug!(sid = %socket.id, %error, "relays snapshot not sent");
    }
}

/// Answers with a `system_stats_update` to this client, and also with an ack when the client
/// asked for one, so that it can time the round trip.
async fn on_request_system_stats(
    socket: SocketRef,
    io: SocketIo,
    State(plant): State<Arc<Plant>>,
    ack: AckSender,
) {
    until_connected(&socket).await;
    let stats = plant.system_stats(connected_clients(&io));
    if let Err(error) = socket.emit(events::SYSTEM_STATS_UPDATE, &stats) {
        tracing::debug!(sid = %socket.id, %error, "system stats not sent");
    }
    // Without an ack id in the request this does nothing.
    if let Err(error) = ack.send(&stats) {
        tracing::debug!(sid = %socket.id, %error, "system stats ack not sent");
    }
}

async fn on_set_relay(
    socket: SocketRef,
    State(plant): State<Arc<Plant>>,
    TryData(payload): TryData<Value>,
    ack: AckSender,
) {
    let parsed = payload
        .map_err(|e| format!("payload is not JSON: {e}"))
        .and_then(command::from_socket);
    let mut outcome = match parsed {
        Ok(command) => {
            let by = command
                .operator
                .clone()
                .unwrap_or_else(|| format!("console:{}", socket.id));
            plant.apply_command(&command, &by)
        }
        Err(message) => {
            tracing::info!(sid = %socket.id, %message, "invalid set_relay refused");
            CommandOutcome {
                result: command::invalid(message),
                delivered: None,
            }
        }
    };
    // The contract promises the sender the broadcast before the ack.
    outcome.broadcast_delivered().await;
    if let Err(error) = ack.send(&outcome.result) {
        tracing::debug!(sid = %socket.id, %error, "set_relay ack not sent");
    }
}
