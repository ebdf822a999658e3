//! The headless console's hidden window on Windows, which hears logoff and shutdown:
//! its WM_ENDSESSION becomes a request on the [`StopGate`], and holds Windows back until
//! the store is flushed or [`CLOSE_DEADLINE`] has passed.
//!
//! A process that has loaded user32.dll (this exe always has: it links the window
//! libraries) gets no CTRL_LOGOFF_EVENT or CTRL_SHUTDOWN_EVENT in its console control
//! handler; Windows sends it WM_QUERYENDSESSION and WM_ENDSESSION instead, to its
//! top-level windows. So this module makes one: never shown, on a thread of its own with
//! its message loop. It is a top-level window and not a message-only one (HWND_MESSAGE),
//! because message-only windows get no broadcasts, and the end of a session is one.
//!
//! Unsafe because the window procedure is an `extern "system"` callback and every call
//! here is a Win32 function; each block says why it is sound.

use std::sync::{mpsc, OnceLock};
use std::time::Instant;

use windows_sys::Win32::Foundation::{HWND, LPARAM, LRESULT, WPARAM};
use windows_sys::Win32::System::LibraryLoader::GetModuleHandleW;
use windows_sys::Win32::UI::WindowsAndMessaging::{
    CreateWindowExW, DefWindowProcW, DispatchMessageW, GetMessageW, RegisterClassW,
    TranslateMessage, ENDSESSION_LOGOFF, MSG, WM_ENDSESSION, WM_QUERYENDSESSION, WNDCLASSW,
    WS_OVERLAPPED,
};

use super::{StopGate, StopReason, Waited, CLOSE_DEADLINE};

/// The text Windows shows beside the console on its "these apps are preventing ..."
/// screen while the flush runs.
const BLOCK_REASON: *const u16 = windows_sys::w!("Saving the plant cache");

// The two functions of user32.dll that say why the session end waits. windows-sys has
// them behind its `Win32_System_Shutdown` feature, which nothing else in the tree turns
// on: enabling it would rebuild every Windows dependency of the app (tokio, tauri, ...),
// for two declarations. These are the same declarations, made with windows-sys's own
// linking macro.
mod shutdown {
    use windows_sys::core::{BOOL, PCWSTR};
    use windows_sys::Win32::Foundation::HWND;
    windows_link::link!("user32.dll" "system" fn ShutdownBlockReasonCreate(hwnd: HWND, pwszreason: PCWSTR) -> BOOL);
    windows_link::link!("user32.dll" "system" fn ShutdownBlockReasonDestroy(hwnd: HWND) -> BOOL);
}

/// The gate the window procedure reports to: a plain function pointer carries no
/// context, so it is process-wide, set once.
static GATE: OnceLock<StopGate> = OnceLock::new();

/// Makes the hidden window reporting to `gate` on a thread of its own, and returns once
/// it exists (or could not be made). A second call keeps the first window.
pub fn install(gate: StopGate) -> std::io::Result<()> {
    if GATE.set(gate).is_err() {
        return Ok(());
    }
    let (made, made_or_not) = mpsc::channel();
    std::thread::Builder::new()
        .name("session-end".into())
        .spawn(move || run_window(made))?;
    made_or_not
        .recv()
        .map_err(|_| std::io::Error::other("the session-end thread ended before its window"))?
}

/// The window's thread: makes the window, says so through `made`, then runs the message
/// loop for as long as the process runs. Windows delivers a sent message (as
/// WM_ENDSESSION is) to a window only while its own thread waits in `GetMessageW`.
fn run_window(made: mpsc::Sender<std::io::Result<()>>) {
    let class = windows_sys::w!("PlantConsoleSessionEnd");
    // SAFETY: a null module name asks for this exe's own handle, which lives as long as
    // the process; nothing is freed.
    let instance = unsafe { GetModuleHandleW(std::ptr::null()) };
    let description = WNDCLASSW {
        lpfnWndProc: Some(window_procedure),
        hInstance: instance,
        lpszClassName: class,
        ..Default::default()
    };
    // SAFETY: `description` is fully initialised, its class name a NUL-terminated
    // static and its procedure an `extern "system"` WNDPROC living for the program.
    if unsafe { RegisterClassW(&description) } == 0 {
        let _ = made.send(Err(std::io::Error::last_os_error()));
        return;
    }
    // SAFETY: the class was registered above; both strings are NUL-terminated statics.
    // No parent (a top-level window, so that it hears the session's end), no menu, no
    // creation data; without WS_VISIBLE it is never shown, and it has no size.
    let window = unsafe {
        CreateWindowExW(
            0,
            class,
            windows_sys::w!("Plant Console (headless)"),
            WS_OVERLAPPED,
            0,
            0,
            0,
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            instance,
            std::ptr::null(),
        )
    };
    if window.is_null() {
        // Said in full: Wine without a display driver fails here with error code 0.
        let error = std::io::Error::last_os_error();
        let _ = made.send(Err(std::io::Error::other(format!(
            "cannot make the hidden window (CreateWindowExW): {error}"
        ))));
        return;
    }
    let _ = made.send(Ok(()));
    // SAFETY: MSG is plain data, for GetMessageW to fill.
    let mut message: MSG = unsafe { std::mem::zeroed() };
    // SAFETY: `message` is a valid MSG to write; a null window takes every message of
    // this thread. GetMessageW returns 0 at WM_QUIT and -1 on an error: both end the loop.
    while unsafe { GetMessageW(&mut message, std::ptr::null_mut(), 0, 0) } > 0 {
        // SAFETY: `message` was filled by GetMessageW just above.
        unsafe {
            TranslateMessage(&message);
            DispatchMessageW(&message);
        }
    }
}

/// What Windows calls for each message of the hidden window, on the window's thread.
unsafe extern "system" fn window_procedure(
    window: HWND,
    message: u32,
    wparam: WPARAM,
    lparam: LPARAM,
) -> LRESULT {
    match message {
        // "May the session end?" Yes: the console saves what it has, it never vetoes.
        WM_QUERYENDSESSION => 1,
        // wParam 0 means the end was cancelled after all: nothing to do.
        WM_ENDSESSION if wparam != 0 => {
            let reason = if (lparam as u32) & ENDSESSION_LOGOFF != 0 {
                StopReason::Logoff
            } else {
                StopReason::Shutdown
            };
            if let Some(gate) = GATE.get() {
                end_session(window, gate, reason);
            }
            0
        }
        // SAFETY: the arguments are the ones Windows gave this procedure.
        _ => unsafe { DefWindowProcW(window, message, wparam, lparam) },
    }
}

/// Asks for the stop and holds the session's end until the store is flushed, and then
/// until the process has exited, both within [`CLOSE_DEADLINE`]: Windows may end the
/// process as soon as WM_ENDSESSION returns, and after the flush `main` still writes the
/// last log lines and releases the data folder.
fn end_session(window: HWND, gate: &StopGate, reason: StopReason) {
    let started = Instant::now();
    // SAFETY: `window` is this thread's live window; the reason is a NUL-terminated
    // static. A failure only means Windows shows no reason: nothing to undo.
    unsafe { shutdown::ShutdownBlockReasonCreate(window, BLOCK_REASON) };
    let waited = gate.request_and_wait(reason, CLOSE_DEADLINE);
    if waited == Waited::Flushed {
        // The process exits from `main` now and ends this thread with it; the wait is
        // only there so that Windows does not end it first.
        while let Some(left) = CLOSE_DEADLINE.checked_sub(started.elapsed()) {
            std::thread::park_timeout(left);
        }
    } else {
        // Written straight to stderr: the log writer may be what hangs.
        eprintln!(
            "plant-console: {reason}: the store was not flushed within {} ms; Windows ends the process now",
            CLOSE_DEADLINE.as_millis()
        );
    }
    // SAFETY: as for the create above.
    unsafe { shutdown::ShutdownBlockReasonDestroy(window) };
}
