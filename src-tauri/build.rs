//! Build script of the console app: tauri-build with the app's commands and capabilities.

// The command list, written once in src-tauri/src/shell/commands.list.
include!("src/shell/commands.list");

/// The names of the listed commands, for the app manifest.
macro_rules! command_names {
    ($($name:ident($($arg:ident: $ty:ty),* $(,)?) -> $answer:ty;)*) => {
        &[$(stringify!($name)),*]
    };
}

fn main() {
    // Pointing tauri-build at our capabilities folder (and telling cargo about it) keeps
    // it from rerunning on every build, which it does when it cannot find the folder.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=src-tauri/src/shell/commands.list");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    println!("cargo:rerun-if-changed=ui/dist");
    let commands: &[&str] = ipc_commands!(command_names);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    tauri_build::try_build(attributes).expect("tauri-build failed");
}
