//! The Windows console control handler of the headless console: Ctrl+C, Ctrl+Break,
//! closing the console window, logoff and shutdown become requests on the [`StopGate`].
//!
//! The app's only unsafe code: `SetConsoleCtrlHandler` takes a C function pointer, and
//! the function Windows calls is `extern "system"`. tokio's own `ctrl_close`,
//! `ctrl_logoff` and `ctrl_shutdown` listeners cannot be used for the last three:
//! their handler returns at once, and Windows ends the process as soon as a handler
//! returns from one of those events, before any flush could run. This one blocks until
//! the runtime says the store is flushed, or [`CLOSE_DEADLINE`] has passed.
//!
//! Windows calls the handler on a thread it creates for each event, so blocking there
//! keeps nothing else from running. A process that has loaded user32.dll (the app links
//! the window libraries) gets no logoff or shutdown event here; those reach the hidden
//! window of `session_end.rs` as WM_ENDSESSION. They are still handled here for a
//! process where Windows does send them.

use std::sync::OnceLock;

use windows_sys::core::BOOL;
use windows_sys::Win32::Foundation::{FALSE, TRUE};
use windows_sys::Win32::System::Console::{
    SetConsoleCtrlHandler, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT, CTRL_C_EVENT, CTRL_LOGOFF_EVENT,
    CTRL_SHUTDOWN_EVENT,
};

use super::{StopGate, StopReason, Waited, CLOSE_DEADLINE};

/// The gate the handler reports to: a plain function pointer carries no context, so it
/// is process-wide, set once.
static GATE: OnceLock<StopGate> = OnceLock::new();

/// Installs the handler reporting to `gate`. A second call keeps the first gate.
pub fn install(gate: StopGate) -> std::io::Result<()> {
    if GATE.set(gate).is_err() {
        return Ok(());
    }
    // SAFETY: `handler` is an `extern "system" fn(u32) -> BOOL`, the HandlerRoutine
    // signature, and lives for the whole program; adding a handler has no other
    // precondition.
    if unsafe { SetConsoleCtrlHandler(Some(handler), TRUE) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// What Windows calls for each console control event, on a thread of its own.
/// Returning TRUE says the event was handled (no other handler, not the default that
/// ends the process at once).
unsafe extern "system" fn handler(event: u32) -> BOOL {
    let Some(gate) = GATE.get() else {
        return FALSE;
    };
    let reason = match event {
        CTRL_C_EVENT => StopReason::Interrupt,
        CTRL_BREAK_EVENT => StopReason::CtrlBreak,
        CTRL_CLOSE_EVENT => StopReason::ConsoleClosed,
        CTRL_LOGOFF_EVENT => StopReason::Logoff,
        CTRL_SHUTDOWN_EVENT => StopReason::Shutdown,
        _ => return FALSE,
    };
    match reason {
        // The process goes on after these return: the runtime stops it in its own time.
        StopReason::Interrupt | StopReason::CtrlBreak => gate.request(reason),
        _ => {
            if gate.request_and_wait(reason, CLOSE_DEADLINE) == Waited::DeadlinePassed {
                // Written straight to stderr: the log writer may be what hangs.
                eprintln!(
                    "plant-console: {reason}: the store was not flushed within {} ms; Windows ends the process now",
                    CLOSE_DEADLINE.as_millis()
                );
            }
        }
    }
    TRUE
}
