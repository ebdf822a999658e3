//! Headless mode: the link and the store without a window, until SIGINT or SIGTERM.

use crate::cli::RunArgs;
use crate::launch::{Launch, LaunchError};

/// Runs until the process is asked to stop, then flushes the store and returns.
pub async fn run(args: &RunArgs) -> Result<(), LaunchError> {
    let mut launch = Launch::start(args).await?;
    // Nobody draws the batches; closing the receiver tells the core not to keep them.
    launch.batches.close();
    tracing::info!("headless console running; stop with SIGINT or SIGTERM");
    wait_for_stop_signal().await;
    tracing::info!("stopping: flushing the store");
    launch.shutdown().await
}

#[cfg(unix)]
async fn wait_for_stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler installs");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

#[cfg(not(unix))]
async fn wait_for_stop_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
