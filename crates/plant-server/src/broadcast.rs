//! The single, ordered path from a change in the plant to every connected client.
//!
//! Changes are queued while the plant's lock is held, so the queue's order is the order in
//! which the changes happened, and one task drains it. Emitting from the code that made each
//! change instead (or from a task per change) could deliver two quick changes to the same relay
//! in the wrong order and leave every console showing the older state.
//!
//! [`Sockets`] is the server's Socket.IO instance on either adapter: the local one, or the
//! Redis adapter of `--redis` mode, through which a broadcast reaches the clients of every
//! instance sharing the plant. Everything that emits goes through it, so the rest of the
//! server does not care which one it runs on.

use plant_protocol::{events, DevicesUpdate, RelaysUpdate};
use socketioxide::adapter::{Adapter, Emitter};
use socketioxide::operators::BroadcastOperators;
use socketioxide::{BroadcastError, SocketError, SocketIo};
use socketioxide_redis::CustomRedisAdapter;
use tokio::sync::{mpsc, oneshot, watch};

use crate::shared::ManagedDriver;

/// The Redis adapter of `--redis` mode, on the reconnecting driver.
pub(crate) type SharedAdapter = CustomRedisAdapter<Emitter, ManagedDriver>;

/// The server's Socket.IO instance, on whichever adapter it was built with.
#[derive(Clone)]
pub(crate) enum Sockets {
    Local(SocketIo),
    Shared(SocketIo<SharedAdapter>),
}

impl Sockets {
    /// Socket.IO clients connected to this instance's default namespace right now.
    pub(crate) fn connected_clients(&self) -> usize {
        // The namespace disappears when the server closes; nobody is connected then.
        match self {
            Sockets::Local(io) => io.of("/").map_or(0, |ns| ns.sockets().len()),
            Sockets::Shared(io) => io.of("/").map_or(0, |ns| ns.sockets().len()),
        }
    }

    /// Broadcasts to every client of every instance sharing the plant.
    pub(crate) async fn emit<T: serde::Serialize + ?Sized>(
        &self,
        event: &'static str,
        payload: &T,
        items: usize,
    ) {
        match self {
            Sockets::Local(io) => {
                emit_on(io.of("/"), event, payload, items).await;
            }
            Sockets::Shared(io) => {
                if !emit_on(io.of("/"), event, payload, items).await {
                    // The adapter publishes to Redis before it emits locally, so an update
                    // Redis did not take would reach nobody; this instance's own clients at
                    // least still get it.
                    emit_on(io.of("/").map(|ns| ns.local()), event, payload, items).await;
                }
            }
        }
    }

    /// Broadcasts to this instance's own clients only (the host figures are each
    /// instance's own).
    pub(crate) async fn emit_local<T: serde::Serialize + ?Sized>(
        &self,
        event: &'static str,
        payload: &T,
        items: usize,
    ) {
        match self {
            Sockets::Local(io) => emit_on(io.of("/"), event, payload, items).await,
            Sockets::Shared(io) => {
                emit_on(io.of("/").map(|ns| ns.local()), event, payload, items).await
            }
        };
    }

    /// Disconnects every client of this instance.
    pub(crate) async fn close(&self) {
        match self {
            Sockets::Local(io) => io.close().await,
            Sockets::Shared(io) => io.close().await,
        }
    }
}

/// One update for every client.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Devices(DevicesUpdate),
    Relays {
        update: RelaysUpdate,
        /// Fired once the update is in every client's send queue. A `set_relay` handler waits
        /// for it so that its sender sees the broadcast before the ack, as the contract says.
        delivered: Option<oneshot::Sender<()>>,
    },
}

/// The sending side of the queue, held by the plant.
pub(crate) type Outbox = mpsc::UnboundedSender<Outgoing>;

/// The receiving side of the queue, drained by [`run`].
pub(crate) type Inbox = mpsc::UnboundedReceiver<Outgoing>;

pub(crate) fn channel() -> (Outbox, Inbox) {
    mpsc::unbounded_channel()
}

/// Drains the queue into Socket.IO broadcasts until `stop` turns true.
pub(crate) async fn run(io: Sockets, mut inbox: Inbox, mut stop: watch::Receiver<bool>) {
    loop {
        let outgoing = tokio::select! {
            biased;
            _ = stop.wait_for(|stopped| *stopped) => break,
            outgoing = inbox.recv() => match outgoing {
                Some(outgoing) => outgoing,
                None => break,
            },
        };
        match outgoing {
            Outgoing::Devices(update) => {
                io.emit(events::DEVICES_UPDATE, &update, update.devices.len())
                    .await;
            }
            Outgoing::Relays { update, delivered } => {
                io.emit(events::RELAYS_UPDATE, &update, update.relays.len())
                    .await;
                if let Some(delivered) = delivered {
                    // The waiting handler may have given up (its client left); nothing to do.
                    let _ = delivered.send(());
                }
            }
        }
    }
    tracing::debug!("broadcaster stopped");
}

/// Broadcasts `payload` through `operators` (the default namespace, if it still exists);
/// `false` if the adapter failed (Redis did not take it), in which case nobody got it.
async fn emit_on<A: Adapter, T: serde::Serialize + ?Sized>(
    operators: Option<BroadcastOperators<A>>,
    event: &'static str,
    payload: &T,
    items: usize,
) -> bool {
    // The namespace is gone once the server is closing; there is no one left to tell.
    let Some(namespace) = operators else {
        return true;
    };
    match namespace.emit(event, payload).await {
        Ok(()) => {
            tracing::trace!(event, items, "broadcast");
            true
        }
        Err(BroadcastError::Socket(errors)) => {
            // A socket that is closing is simply gone. A socket whose send queue is full (its
            // client stopped reading) misses this update and stays stale until its next
            // snapshot; the server cannot repair that, so it says so.
            let full = errors
                .iter()
                .filter(|e| matches!(e, SocketError::InternalChannelFull))
                .count();
            if full > 0 {
                tracing::warn!(
                    event,
                    items,
                    clients = full,
                    "broadcast dropped for clients not reading"
                );
            }
            true
        }
        Err(BroadcastError::Adapter(error)) => {
            tracing::warn!(event, items, %error, "broadcast not shared: the adapter failed");
            false
        }
        Err(error) => {
            tracing::error!(event, items, %error, "broadcast failed");
            true
        }
    }
}
