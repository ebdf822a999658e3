//! Plant Console's core: the plant state, the local store and the view model over the
//! plant link (the `plant-link` crate). It knows no window: the Tauri shell and the
//! headless mode both drive it.
//!
//! Data flows one way: frame → [`codec`] → [`session`] → [`link`] → [`state`] →
//! {[`store`], [`view`], [`alerts`]}, wired together by [`console`].

pub mod alerts;
pub mod audit;
pub mod bounds;
pub mod console;
pub mod insight;
pub mod instance;
pub mod notify;
pub mod offset;
pub mod outbox;
pub mod quality;
pub mod state;
pub mod store;
pub mod view;

// The link's modules moved to `plant-link`; they are re-exported under their old names so
// that `crate::codec::…` and `console_core::config::…` keep resolving while the rest of
// the core moves over to `plant_link::…` paths.
pub use plant_link::{backoff, clock, codec, config, http, items, lograte, session, text, tls};

/// The plant link's API (re-exported from `plant_link::link`), with `unix_now` (now in
/// `plant_link::clock`) still at its old path.
pub mod link {
    pub use plant_link::clock::unix_now;
    pub use plant_link::link::*;
}

pub use alerts::{AlertSettings, AlertStatus, AlertView, NotificationSink};
pub use config::{ConfigError, LinkConfig, PlantId, PlantUrl, Secret};
pub use console::{Console, ConsoleConfig, ConsoleError, Progress};
pub use link::{LinkHandle, LinkMode, LinkState};
