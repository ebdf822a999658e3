//! Plant Console's core: the plant link, the plant state, the local store and the view
//! model. It knows no window: the Tauri shell and the headless mode both drive it.
//!
//! Data flows one way: frame → [`codec`] → [`session`] → [`link`] → [`state`] →
//! {[`store`], [`view`], [`alerts`]}, wired together by [`console`].

pub mod alerts;
pub mod audit;
pub mod backoff;
pub mod bounds;
pub mod clock;
pub mod codec;
pub mod config;
pub mod console;
mod fallback;
pub mod http;
pub mod insight;
pub mod instance;
pub mod items;
pub mod link;
pub mod lograte;
pub mod notify;
pub mod offset;
pub mod outbox;
pub mod quality;
pub mod session;
pub mod state;
pub mod store;
pub mod text;
pub mod tls;
pub mod view;

pub use alerts::{AlertSettings, AlertStatus, AlertView, NotificationSink};
pub use config::{ConfigError, LinkConfig, PlantId, PlantUrl, Secret};
pub use console::{Console, ConsoleConfig, ConsoleError, Progress};
pub use link::{LinkHandle, LinkMode, LinkState};
