//! The Plant Console application: the Tauri window shell around `console-app` (the
//! command line, headless mode, launch and Settings back end, shared with the
//! `plant-console-headless` binary) and `console-core`.
//!
//! Only [`shell`] imports `tauri`; console-app's modules are re-exported here under their
//! old paths for the shell and the app's tests.

pub use console_app::{cli, configure, headless, launch, logfiles, stop};
pub mod shell;
