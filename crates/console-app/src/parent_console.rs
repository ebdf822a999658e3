//! On Windows, a CLI subcommand or the headless console started from cmd or PowerShell
//! writes to the console it was typed in, reads from it, and hears its Ctrl+C.
//!
//! A release build is a GUI-subsystem program (`windows_subsystem = "windows"` in
//! `main.rs`, so that the window opens no console beside it), and Windows gives such a
//! program no console and, unless its parent redirected them, no standard handles:
//! everything it prints is lost. [`attach`] joins the parent's console instead
//! (`AttachConsole(ATTACH_PARENT_PROCESS)`) and points the standard handles that were
//! not set at it. Handles that the parent did set, to a file or a pipe
//! (`plant-console state > state.txt`, a script's `| findstr`), are kept: the output goes
//! where it was sent. Rust's standard library asks `GetStdHandle` at every read and
//! write, so setting the handles here is enough for `println!`, `eprintln!` and the log.
//!
//! cmd does not wait for a GUI-subsystem program: it shows its prompt again at once, and
//! the program's output then appears after it. Scripts that need the exit code or the
//! output in order run it with `start /wait plant-console ...` (PowerShell waits when the
//! output is piped, or with `Start-Process -Wait`). A debug build is a console program,
//! which has its console already; then attaching fails harmlessly and nothing changes.
//!
//! Unsafe because these are Win32 calls; each block says why it is sound.

use windows_sys::Win32::Foundation::{GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, GetFileType, FILE_SHARE_READ, FILE_SHARE_WRITE, FILE_TYPE_UNKNOWN, OPEN_EXISTING,
};
use windows_sys::Win32::System::Console::{
    AttachConsole, GetStdHandle, SetStdHandle, ATTACH_PARENT_PROCESS, STD_ERROR_HANDLE, STD_HANDLE,
    STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
};

/// Attaches this process to its parent's console, when it has one, and gives the
/// standard handles that were not set the console's input and output. Does nothing
/// when the parent has no console (started from Explorer, a shortcut, the Run key) or
/// this process has its own. Call it before anything prints or logs.
pub fn attach() {
    // Looked at before attaching: a redirected handle is the parent's choice and stays.
    let unset: Vec<STD_HANDLE> = [STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE]
        .into_iter()
        .filter(|&which| !usable(which))
        .collect();
    // SAFETY: AttachConsole takes a process id (here the parent's pseudo-id) and has no
    // other precondition; it fails without effect when there is nothing to attach to.
    if unsafe { AttachConsole(ATTACH_PARENT_PROCESS) } == 0 {
        return;
    }
    for which in unset {
        let name = if which == STD_INPUT_HANDLE {
            windows_sys::w!("CONIN$")
        } else {
            windows_sys::w!("CONOUT$")
        };
        // SAFETY: the name is a NUL-terminated static; no security attributes and no
        // template file. The handle is kept for the whole process as a standard handle,
        // so it is never closed.
        let console = unsafe {
            CreateFileW(
                name,
                GENERIC_READ | GENERIC_WRITE,
                FILE_SHARE_READ | FILE_SHARE_WRITE,
                std::ptr::null(),
                OPEN_EXISTING,
                0,
                std::ptr::null_mut(),
            )
        };
        if console != INVALID_HANDLE_VALUE {
            // SAFETY: `which` is one of the three standard handle ids and `console` an
            // open handle; a failure leaves the handle as it was (unset).
            unsafe { SetStdHandle(which, console) };
        }
    }
}

/// Whether the standard handle `which` leads somewhere: a file, a pipe or a console.
fn usable(which: STD_HANDLE) -> bool {
    // SAFETY: `which` is one of the three standard handle ids; the call only reads the
    // process's table.
    let handle: HANDLE = unsafe { GetStdHandle(which) };
    if handle.is_null() || handle == INVALID_HANDLE_VALUE {
        return false;
    }
    // SAFETY: `handle` is the process's own standard handle; GetFileType only asks what
    // it is, and answers FILE_TYPE_UNKNOWN for a handle that is not open.
    unsafe { GetFileType(handle) != FILE_TYPE_UNKNOWN }
}
