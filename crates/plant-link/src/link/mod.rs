//! The plant link's API: one task owns the WebSocket, runs the [`Session`] state machine
//! over it and reconnects forever; everyone else holds a cloneable [`LinkHandle`].
//!
//! Callers send requests over a bounded channel (through the handle's methods) and watch
//! the [`LinkState`]; plant messages leave through a bounded event channel in arrival
//! order.
//!
//! The children, in the order a connection uses them: `connection` opens the WebSocket
//! and holds one connection's state, `task` is the one task that owns it, `mode` is the
//! single writer of the published state, `fallback` polls the plant over HTTP while the
//! WebSocket is not live, and `telemetry` counts for diagnostics.
//!
//! [`Session`]: crate::session::Session

mod connection;
mod fallback;
mod mode;
mod task;
mod telemetry;

use std::sync::Arc;

use plant_protocol::{SetRelayRequest, SetRelayResult, UnixSeconds};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::clock::unix_now;
use crate::config::{LinkConfig, PlantId};
pub use crate::failover::AddressRole;
use crate::session::Inbound;
use mode::ModeCell;
use task::LinkTask;
pub use telemetry::{Telemetry, Unusable};

/// What the operator is told about the link. Every screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LinkMode {
    /// Never connected yet since start.
    Connecting,
    /// Live over WebSocket: values are current.
    Realtime,
    /// Values come from HTTP polling.
    Fallback,
    /// Connected, but nothing arrived for the stale threshold: values are unconfirmed.
    Stale,
    /// Not connected; values are the last known ones.
    Offline,
    /// The server refused our token.
    Unauthorized,
}

impl LinkMode {
    /// The mode's name as serde writes it, and as the catalog's selectors name it.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkMode::Connecting => "connecting",
            LinkMode::Realtime => "realtime",
            LinkMode::Fallback => "fallback",
            LinkMode::Stale => "stale",
            LinkMode::Offline => "offline",
            LinkMode::Unauthorized => "unauthorized",
        }
    }
}

/// The link's published state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkState {
    pub mode: LinkMode,
    /// When the link entered this mode (Unix seconds).
    pub since: UnixSeconds,
    /// A short human explanation (the last error, the refusal's text), never a secret.
    pub detail: Option<String>,
    /// Which of the plant's addresses the link is on, and how often it moved.
    #[serde(default)]
    pub address: AddressState,
}

impl LinkState {
    /// A state in `mode` since `since`, on the first address of an unknown list (for
    /// tests and for the console's first look before the link has said anything).
    pub fn new(mode: LinkMode, since: UnixSeconds, detail: Option<String>) -> LinkState {
        LinkState {
            mode,
            since,
            detail,
            address: AddressState::default(),
        }
    }
}

/// The address part of [`LinkState`]: the current address, its place in the list, and
/// the failovers so far. Addresses are shown as [`crate::config::PlantUrl`] prints them,
/// which never includes credentials.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddressState {
    /// The address the link is on: live there, polling it, or trying it.
    pub current: String,
    /// Its index in the configured list (0: the primary).
    pub index: usize,
    pub role: AddressRole,
    /// How many addresses the plant has.
    pub count: usize,
    /// How many times the plant has been served from another address than the one
    /// before (over WebSocket or by HTTP polling) since the link started.
    pub failovers: u64,
    /// When the last failover happened (Unix seconds).
    pub last_failover_at: Option<UnixSeconds>,
    /// The address the last failover left.
    pub last_failover_from: Option<String>,
}

/// A plant message or link event, in arrival order.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkEvent {
    /// A session went live and the three snapshots were requested.
    Live,
    /// A message from the plant, stamped with the local time it arrived.
    Inbound { at: UnixSeconds, message: Inbound },
    /// The live session ended.
    Lost,
    /// Frames or items the console could not use were counted ([`Telemetry::unusable`]),
    /// so the window's count can be refreshed even when no value changed.
    Unusable,
    /// The link now leads to another plant (see [`LinkHandle::reconfigure`]): what is known
    /// of the old one must go before the new one's snapshots arrive. Comes after every
    /// message of the old plant and before any of the new one.
    PlantChanged { from: PlantId, to: PlantId },
}

/// Errors a caller of the link can get back.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LinkError {
    #[error("the plant link is not live")]
    NotLive,
    #[error("the command could not be sent over HTTP: {0}")]
    Http(String),
    #[error("the connection ended before the server answered")]
    NoAnswer,
    #[error("the link task has stopped")]
    Stopped,
    /// The command was meant for another plant than the one the link leads to now (it
    /// was handed over just as the link moved): it was not sent.
    #[error("the link now leads to another plant; the command was not sent")]
    WrongPlant,
}

/// Where the answer to a relay command goes.
type RelayReply = oneshot::Sender<Result<SetRelayResult, LinkError>>;

/// Requests from a [`LinkHandle`] to the task that owns the socket.
#[derive(Debug)]
enum LinkRequest {
    SetRelay {
        request: SetRelayRequest,
        /// The plant the command was issued for; checked against the link's own plant
        /// when the task takes the request, after any earlier reconfiguration.
        plant: PlantId,
        reply: RelayReply,
    },
    /// Skip the remaining backoff (or drop the current connection) and connect now.
    ReconnectNow,
    /// Leave the current plant and connect with these settings instead (a new address,
    /// token or site CA applied from the Settings view).
    Reconfigure(Box<LinkConfig>),
    Shutdown,
}

/// A cloneable handle on the link task.
#[derive(Debug, Clone)]
pub struct LinkHandle {
    requests: mpsc::Sender<LinkRequest>,
    state: watch::Receiver<LinkState>,
    telemetry: Arc<Telemetry>,
}

impl LinkHandle {
    pub fn state(&self) -> watch::Receiver<LinkState> {
        self.state.clone()
    }

    pub fn telemetry(&self) -> &Arc<Telemetry> {
        &self.telemetry
    }

    /// Sends a relay command and waits for the server's answer. The caller bounds the
    /// wait; a dropped connection answers [`LinkError::NoAnswer`].
    pub async fn set_relay(
        &self,
        request: SetRelayRequest,
        plant: &PlantId,
    ) -> Result<SetRelayResult, LinkError> {
        let (reply, answer) = oneshot::channel();
        let plant = plant.clone();
        self.requests
            .send(LinkRequest::SetRelay {
                request,
                plant,
                reply,
            })
            .await
            .map_err(|_| LinkError::Stopped)?;
        answer.await.map_err(|_| LinkError::NoAnswer)?
    }

    pub async fn reconnect_now(&self) -> Result<(), LinkError> {
        self.requests
            .send(LinkRequest::ReconnectNow)
            .await
            .map_err(|_| LinkError::Stopped)
    }

    /// Leaves the current plant (politely, if connected) and connects with `config`
    /// from the first backoff step.
    pub async fn reconfigure(&self, config: LinkConfig) -> Result<(), LinkError> {
        self.requests
            .send(LinkRequest::Reconfigure(Box::new(config)))
            .await
            .map_err(|_| LinkError::Stopped)
    }

    /// Asks the task to leave cleanly; it ends after sending its goodbye.
    pub async fn shutdown(&self) {
        let _ = self.requests.send(LinkRequest::Shutdown).await;
    }
}

/// Starts the link task on the current runtime.
pub fn spawn(config: LinkConfig, events: mpsc::Sender<LinkEvent>) -> (LinkHandle, JoinHandle<()>) {
    let (requests_tx, requests_rx) = mpsc::channel(64);
    let (state_tx, state_rx) =
        watch::channel(LinkState::new(LinkMode::Connecting, unix_now(), None));
    let telemetry = Arc::new(Telemetry::default());
    let mode = Arc::new(ModeCell::new(state_tx, telemetry.clone()));
    mode.set_addresses(&config.servers);
    let task = LinkTask::new(config, requests_rx, mode, events, telemetry.clone());
    let join = tokio::spawn(task.run());
    (
        LinkHandle {
            requests: requests_tx,
            state: state_rx,
            telemetry,
        },
        join,
    )
}
