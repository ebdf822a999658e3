//! `plant-console-headless`: the headless recorder. plant-console's command line with
//! `--headless` implied for a console run and the window's options refused, built without
//! tauri, so that it maps no GTK, WebKitGTK or JavaScriptCore pages (the resident memory
//! of a recorder that never opens a window). A console program on Windows: it has the
//! console it was started in, or one of its own.

use std::process::ExitCode;

// The same allocator as plant-console, for the same reason: updates are allocated on the
// link task and freed on other threads (see src-tauri/src/main.rs).
#[cfg(not(feature = "dhat-heap"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// The heap profiler's allocator, only in a build for measuring the heap (the `dhat-heap`
// feature): it records every allocation's site and size.
#[cfg(feature = "dhat-heap")]
#[global_allocator]
static GLOBAL: dhat::Alloc = dhat::Alloc;

fn main() -> ExitCode {
    // Written out as dhat-heap.json when it is dropped, after the console has stopped.
    #[cfg(feature = "dhat-heap")]
    let _profiler = dhat::Profiler::new_heap();
    console_app::main("plant-console-headless", console_app::headless_cli(), None)
}
