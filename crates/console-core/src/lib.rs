//! Plant Console's core: the plant state, the local store and the view model over the
//! plant link (the `plant-link` crate). It knows no window: the Tauri shell and the
//! headless mode both drive it.
//!
//! The modules, in the order data flows (each imports only those above it, and
//! [`console`] wires them together):
//!
//! - `plant_link` (another crate): frame → codec → session → link events.
//! - [`quality`]: how good a shown value is (good, uncertain, bad), and why.
//! - [`state`]: the in-memory picture of the plant and the changes each update makes.
//! - [`store`]: the SQLite cache: last-known state, history, gaps, journal, and the
//!   tables the features below keep their rows in.
//! - [`bounds`]: the caps on how much a plant can make the console hold.
//! - [`offset`]: the plant's clock as seen from here, for command stamps.
//! - [`audit`]: the hash-chained audit trail of operator commands.
//! - [`outbox`]: operator commands, durable and sent exactly once.
//! - [`alerts`]: which changes are alerts, flood control, mute and shelving, the engine.
//! - [`notify`]: desktop notifications, behind [`NotificationSink`].
//! - [`view`]: what the window is sent: its snapshot and coalesced update batches.
//! - [`console`]: the handle the shell starts, asks and stops, and the pump between the
//!   link and everything above.
//! - [`instance`]: one console per data folder.

pub mod alarms;
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
pub use plant_link::config::{
    ConfigError, FailoverPolicy, LinkConfig, PlantAddresses, PlantId, PlantUrl, Secret,
};
pub use plant_link::link::{LinkHandle, LinkMode, LinkState};
