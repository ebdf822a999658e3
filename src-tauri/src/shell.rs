//! The Tauri window shell: the only module that imports `tauri`.
//!
//! Commands are thin: they read from the core and hand back its view types. Update
//! batches from the core are forwarded as `console://batch` events, at most one per UI
//! frame as the core already coalesces them.

use std::sync::{Arc, Mutex};

use console_core::view::ConsoleSnapshot;
use console_core::Console;
use serde::Serialize;
use tauri::{Emitter, Manager};

use crate::cli::RunArgs;
use crate::launch::{Launch, LaunchError};

/// The event that carries update batches to the window.
pub const BATCH_EVENT: &str = "console://batch";

/// An error as the UI receives it.
#[derive(Debug, Serialize)]
pub struct UiError {
    pub code: &'static str,
    pub message: String,
}

/// The console, reachable from commands; `None` once it has been shut down.
struct ConsoleSlot(Arc<Mutex<Option<Console>>>);

#[tauri::command]
fn get_snapshot(slot: tauri::State<'_, ConsoleSlot>) -> Result<ConsoleSnapshot, UiError> {
    let guard = slot
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let console = guard.as_ref().ok_or(UiError {
        code: "stopped",
        message: "the console is shutting down".into(),
    })?;
    Ok(console.snapshot())
}

/// Errors of the window shell.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error("the window system failed: {0}")]
    Tauri(#[from] tauri::Error),
}

/// Opens the console window and runs until it is closed; then stops the console.
pub fn run(runtime: tokio::runtime::Runtime, args: &RunArgs) -> Result<(), ShellError> {
    // Tauri and the core share one tokio runtime, so commands, the link and the event
    // forwarding all run on the same worker threads.
    tauri::async_runtime::set(runtime.handle().clone());
    let Launch {
        console,
        mut batches,
        demo,
    } = runtime.block_on(Launch::start(args))?;
    let is_demo = demo.is_some();
    let slot = Arc::new(Mutex::new(Some(console)));

    let app = tauri::Builder::default()
        .manage(ConsoleSlot(slot.clone()))
        .invoke_handler(tauri::generate_handler![get_snapshot])
        .setup(move |app| {
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                while let Some(batch) = batches.recv().await {
                    if let Err(error) = handle.emit(BATCH_EVENT, &batch) {
                        tracing::warn!(%error, "could not send an update batch to the window");
                    }
                }
            });
            if let Some(window) = app.get_webview_window("main") {
                let title = if is_demo {
                    "Plant Console — DEMO PLANT"
                } else {
                    "Plant Console"
                };
                let _ = window.set_title(title);
            }
            Ok(())
        })
        .build(tauri::generate_context!())?;

    let code = app.run_return(|_, _| {});
    tracing::info!(code, "window closed; stopping the console");
    let console = slot
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    if let Some(console) = console {
        runtime
            .block_on(console.shutdown())
            .map_err(LaunchError::from)?;
    }
    if let Some(demo) = demo {
        runtime.block_on(demo.shutdown());
    }
    Ok(())
}
