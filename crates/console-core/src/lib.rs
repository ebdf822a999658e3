//! Plant Console's core: the plant state, the local store and the view model over the
//! plant link (the `plant-link` crate). It knows no window: the Tauri shell and the
//! headless mode both drive it.
//!
//! Data flows one way: frame → [`plant_link::codec`] → [`plant_link::session`] → [`plant_link::link`] →
//! [`state`] →
//! {[`store`], [`view`], [`alerts`]}, wired together by [`console`].

pub mod alerts;
pub mod audit;
pub mod bounds;
pub mod console;
pub mod instance;
pub mod notify;
pub mod offset;
pub mod outbox;
pub mod quality;
pub mod state;
pub mod store;
pub mod view;

pub use alerts::{AlertSettings, AlertStatus, AlertView, NotificationSink};
pub use console::{Console, ConsoleConfig, ConsoleError, Progress};
pub use plant_link::config::{ConfigError, LinkConfig, PlantId, PlantUrl, Secret};
pub use plant_link::link::{LinkHandle, LinkMode, LinkState};
