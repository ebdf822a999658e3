//! Plant Console's link to the plant server: it keeps one WebSocket (Socket.IO) session
//! alive, falls back to HTTP polling when it cannot, and hands typed plant messages on in
//! arrival order. It knows no store, no window and no keyring; [`LinkHandle`] is its API.
//!
//! The layout, in the order a frame from the plant flows through it:
//!
//! - [`codec`]: Engine.IO/Socket.IO packets to and from text, pure.
//! - [`items`]: the plant's payloads read item by item, so one bad device does not lose
//!   the others; [`text`] makes server text safe to log and [`lograte`] rate-limits the
//!   log lines a plant can cause.
//! - [`session`]: the Socket.IO client as a state machine over the codec (frames and the
//!   time in; frames to send and typed messages out), with no I/O and no clock.
//! - [`backoff`], [`clock`], [`tls`], [`config`]: reconnect delays, the wall clock and
//!   resume detection, the TLS settings, and the link's validated settings.
//! - [`failover`]: which of the plant's addresses to try next, pure, time as an argument.
//! - [`http`]: the plant's HTTP API as a client, the fallback path.
//! - [`link`]: the one task that owns the socket and drives the session over it, with
//!   the HTTP fallback poller as its child; callers hold a [`LinkHandle`].
//!
//! Every arrow points down this list: a module uses only modules above it.

pub mod backoff;
pub mod clock;
pub mod codec;
pub mod config;
pub mod failover;
pub mod http;
pub mod items;
pub mod link;
pub mod lograte;
pub mod session;
pub mod text;
pub mod tls;

pub use config::{
    ConfigError, FailoverPolicy, LinkConfig, PlantAddresses, PlantId, PlantUrl, Secret,
};
pub use link::{LinkError, LinkEvent, LinkHandle, LinkMode, LinkState};
