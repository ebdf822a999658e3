//! Headless mode: the link and the store without a window, until the platform asks it
//! to stop (SIGINT or SIGTERM on Unix; Ctrl+C, Ctrl+Break, closing the console window,
//! logoff or shutdown on Windows: see `stop`).

use crate::cli::RunArgs;
use crate::launch::{Launch, LaunchError};
use crate::stop::{self, StopGate};

/// Runs until the process is asked to stop, then flushes the store and returns.
pub async fn run(args: &RunArgs) -> Result<(), LaunchError> {
    // Listening first: a stop asked for while the console starts is kept and honoured
    // once it has started, instead of ending the process with nothing flushed.
    let gate = StopGate::new();
    stop::listen(&gate)
        .map_err(|e| LaunchError::Task(format!("cannot listen for stop signals: {e}")))?;
    let result = run_until_stopped(args, &gate).await;
    // Whatever happened, a close handler waiting on the gate may let Windows go on.
    gate.finished();
    result
}

async fn run_until_stopped(args: &RunArgs, gate: &StopGate) -> Result<(), LaunchError> {
    let mut launch = Launch::start(args).await?;
    // Nobody draws the batches; closing the receiver tells the core not to keep them.
    launch.batches.close();
    tracing::info!("headless console running; stop with {}", stop::WAYS);
    let reason = gate.requested().await;
    tracing::info!(%reason, "stopping: flushing the store");
    launch.shutdown().await?;
    tracing::info!(%reason, "stopped: the store is flushed");
    Ok(())
}
