//! Plant Console without a window: the command line, the headless console, the Settings
//! view's back end and the program's entry ([`main`]), shared by the two binaries.
//!
//! `plant-console` (the root package) adds the Tauri window and hands it in as a
//! [`Window`]; `plant-console-headless` (this crate's binary) hands in none, so it links
//! no window library: xtask's layering rules keep tauri, wry, tao, GTK and WebKitGTK out
//! of this crate's dependency graph.
//!
//! - `cli/` — clap definitions, the reading commands and their reports;
//! - `entry.rs` — [`main`]: the data folder's lock, logging, and the dispatch to the
//!   window, the headless console or an offline subcommand;
//! - `launch.rs` — options → a started console (and the demo plant);
//! - `headless.rs` — the console without a window until asked to stop (`stop`);
//! - `configure.rs` — the Settings view's back end;
//! - `logfiles.rs` — a console run's size-rotated log files;
//! - `parent_console.rs` (Windows) — a GUI program's CLI attaching to its console.

pub mod cli;
pub mod configure;
mod entry;
pub mod headless;
pub mod launch;
pub mod logfiles;
// Win32 calls, the only unsafe code outside `stop`'s Windows modules.
#[cfg(windows)]
#[allow(unsafe_code)]
pub mod parent_console;
pub mod stop;

pub use entry::{headless_cli, main, window_only_option, Window};
