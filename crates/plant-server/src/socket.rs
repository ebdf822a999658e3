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
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use socketioxide::socket::DisconnectReason;
use socketioxide::SocketIo;

use crate::command;
use crate::plant::{CommandOutcome, Plant};

/// The refusal of a CONNECT; its text becomes `{"message":"unauthorized"}` in CONNECT_ERROR.
#[derive(Debug)]
pub(crate) struct Unauthorized;

impl std::fmt::Display for Unauthorized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unauthorized")
    }
}

/// Sets up the default namespace "/" on `$io`, a `SocketIo<$adapter>`, and evaluates to
/// what the adapter's initialisation returns (for the Redis adapter, a future that
/// subscribes to its channels). A macro rather than a function generic over the adapter
/// because `SocketIo::ns` needs socketioxide's `DefinedAdapter` bound, which it does not
/// export; the handlers themselves are generic, written once for both adapters.
macro_rules! register {
    ($io:expr, $adapter:ty) => {{
        use socketioxide::handler::ConnectHandler as _;
        // Middlewares run last-added first: the token is checked before handlers are
        // registered.
        $io.ns(
            "/",
            $crate::socket::on_connect::<$adapter>
                .with($crate::socket::register_handlers::<$adapter>)
                .with($crate::socket::authenticate::<$adapter>),
        )
    }};
}
pub(crate) use register;

pub(crate) async fn authenticate<A: Adapter>(
    socket: SocketRef<A>,
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

pub(crate) async fn register_handlers<A: Adapter>(socket: SocketRef<A>) -> Result<(), Infallible> {
    socket.on(events::REQUEST_DEVICES, on_request_devices::<A>);
    socket.on(events::REQUEST_RELAYS, on_request_relays::<A>);
    socket.on(events::REQUEST_SYSTEM_STATS, on_request_system_stats::<A>);
    socket.on(events::SET_RELAY, on_set_relay::<A>);
    socket.on_disconnect(on_disconnect::<A>);
    Ok(())
}

pub(crate) async fn on_connect<A: Adapter>(socket: SocketRef<A>, io: SocketIo<A>) {
    tracing::info!(sid = %socket.id, clients = local_clients(&io), "client connected");
}

/// This instance's own clients (the adapter's other instances have theirs).
fn local_clients<A: Adapter>(io: &SocketIo<A>) -> usize {
    io.of("/").map_or(0, |namespace| namespace.sockets().len())
}

async fn on_disconnect<A: Adapter>(socket: SocketRef<A>, reason: DisconnectReason) {
    tracing::info!(sid = %socket.id, ?reason, "client disconnected");
}

/// socketioxide 0.18 answers CONNECT before it marks the socket connected, and refuses to
/// emit until then; a client's first requests can land in that gap. Their answers wait
/// (briefly, bounded) for the mark instead of being lost.
async fn until_connected<A: Adapter>(socket: &SocketRef<A>) {
    for _ in 0..200 {
        if socket.connected() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

async fn on_request_devices<A: Adapter>(socket: SocketRef<A>, State(plant): State<Arc<Plant>>) {
    until_connected(&socket).await;
    let snapshot = plant.devices_snapshot().await;
    if let Err(error) = socket.emit(events::DEVICES_UPDATE, &snapshot) {
        tracing::debug!(sid = %socket.id, %error, "devices snapshot not sent");
    }
}

async fn on_request_relays<A: Adapter>(socket: SocketRef<A>, State(plant): State<Arc<Plant>>) {
    until_connected(&socket).await;
    let snapshot = plant.relays_snapshot().await;
    if let Err(error) = socket.emit(events::RELAYS_UPDATE, &snapshot) {
        tracing::debug!(sid = %socket.id, %error, "relays snapshot not sent");
    }
}

/// Answers with a `system_stats_update` to this client, and also with an ack when the client
/// asked for one, so that it can time the round trip.
async fn on_request_system_stats<A: Adapter>(
    socket: SocketRef<A>,
    io: SocketIo<A>,
    State(plant): State<Arc<Plant>>,
    ack: AckSender<A>,
) {
    until_connected(&socket).await;
    let stats = plant.system_stats(local_clients(&io));
    if let Err(error) = socket.emit(events::SYSTEM_STATS_UPDATE, &stats) {
        tracing::debug!(sid = %socket.id, %error, "system stats not sent");
    }
    // Without an ack id in the request this does nothing.
    if let Err(error) = ack.send(&stats) {
        tracing::debug!(sid = %socket.id, %error, "system stats ack not sent");
    }
}

async fn on_set_relay<A: Adapter>(
    socket: SocketRef<A>,
    State(plant): State<Arc<Plant>>,
    TryData(payload): TryData<Value>,
    ack: AckSender<A>,
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
            plant.execute(&command, &by).await
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
    if plant.acks_withheld() {
        tracing::info!(sid = %socket.id, "set_relay ack withheld (test knob)");
        return;
    }
    if let Err(error) = ack.send(&outcome.result) {
        tracing::debug!(sid = %socket.id, %error, "set_relay ack not sent");
    }
}
