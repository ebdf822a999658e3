//! The single, ordered path from a change in the plant to every connected client.
//!
//! Changes are queued while the plant's lock is held, so the queue's order is the order in
//! which the changes happened, and one task drains it. Emitting from the code that made each
//! change instead (or from a task per change) could deliver two quick changes to the same relay
//! in the wrong order and leave every console showing the older state.

use plant_protocol::{events, DevicesUpdate, RelaysUpdate};
use socketioxide::{BroadcastError, SocketError, SocketIo};
use tokio::sync::{mpsc, oneshot, watch};

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
pub(crate) async fn run(io: SocketIo, mut inbox: Inbox, mut stop: watch::Receiver<bool>) {
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
                emit(&io, events::DEVICES_UPDATE, &update, update.devices.len()).await;
            }
            Outgoing::Relays { update, delivered } => {
                emit(&io, events::RELAYS_UPDATE, &update, update.relays.len()).await;
                if let Some(delivered) = delivered {
                    // The waiting handler may have given up (its client left); nothing to do.
                    let _ = delivered.send(());
                }
            }
        }
    }
    tracing::debug!("broadcaster stopped");
}

/// Broadcasts `payload` on the default namespace, if it still exists.
pub(crate) async fn emit<T: serde::Serialize + ?Sized>(
    io: &SocketIo,
    event: &'static str,
    payload: &T,
    items: usize,
) {
    // The namespace is gone once the server is closing; there is no one left to tell.
    let Some(namespace) = io.of("/") else {
        return;
    };
    match namespace.emit(event, payload).await {
        Ok(()) => tracing::trace!(event, items, "broadcast"),
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
        }
        Err(error) => tracing::error!(event, items, %error, "broadcast failed"),
    }
}
