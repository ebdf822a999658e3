//! Plant Console's entry point: parses the command line and runs it with the Tauri window
//! (`shell`); everything else is console-app's, shared with `plant-console-headless`.

// On Windows a GUI program must not open a console window beside its own.
#![cfg_attr(
    all(not(debug_assertions), target_os = "windows"),
    windows_subsystem = "windows"
)]

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use console_app::cli::{Cli, RunArgs};

// Every plant update is allocated by the link task and freed by the runtime, the alert
// engine or the store writer, each on its own thread. glibc's malloc made those threads
// queue on each other's arena locks (about half of the ingest benchmark's time, see
// BENCHMARKS.md); mimalloc frees memory of other threads without a lock. The headless
// binary (crates/console-app/src/bin/) uses it too. On Linux it is built to commit its
// arenas on demand (.cargo/config.toml): committed up front, their pages stayed resident.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The Tauri window, as console-app runs it.
struct TauriWindow;

impl console_app::Window for TauriWindow {
    fn run(&self, runtime: tokio::runtime::Runtime, args: &RunArgs) -> anyhow::Result<()> {
        Ok(plant_console::shell::run(runtime, args)?)
    }

    fn raise(&self, data_dir: &Path) -> anyhow::Result<()> {
        Ok(plant_console::shell::raise(data_dir)?)
    }
}

fn main() -> ExitCode {
    // Parsed without exiting first: --help and a mistyped option must reach the console
    // too, and that needs the console attached before clap prints.
    let parsed = Cli::try_parse();
    // A release build on Windows has no console of its own: a CLI subcommand, --headless
    // and clap's own messages go to the console the operator typed the command in (and
    // hear its Ctrl+C), before anything logs; the window run stays without one. cmd shows
    // its prompt again before such a program ends: scripts use `start /wait`.
    #[cfg(windows)]
    if parsed
        .as_ref()
        .map_or(true, |cli| cli.command.is_some() || cli.run.headless)
    {
        console_app::parent_console::attach();
    }
    let cli = parsed.unwrap_or_else(|error| error.exit());
    // WebKitGTK reads this when the window starts, so it is set here, while the process
    // has one thread (no runtime yet): see `disable_compositing` for why and how to keep
    // compositing on.
    if cli.command.is_none() && !cli.run.headless {
        let compositing = std::env::var(plant_console::shell::COMPOSITING_VAR).ok();
        let webkit_set = std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_some();
        if plant_console::shell::disable_compositing(compositing.as_deref(), webkit_set) {
            std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        }
    }
    console_app::main("plant-console", cli, Some(&TauriWindow))
}
