//! The Plant Console application: command line, headless mode and the Tauri window shell
//! around `console-core`.
//!
//! Only [`shell`] imports `tauri`; everything else here is plain Rust that the headless
//! mode and the tests use without a window.

pub mod cli;
pub mod configure;
pub mod headless;
pub mod launch;
pub mod logfiles;
// Win32 calls, the only unsafe code outside `stop`'s Windows modules.
#[cfg(windows)]
#[allow(unsafe_code)]
pub mod parent_console;
pub mod shell;
pub mod stop;
