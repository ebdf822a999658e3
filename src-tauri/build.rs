//! Build script of the console app: tauri-build with the app's commands and capabilities.

fn main() {
    // Pointing tauri-build at our capabilities folder (and telling cargo about it) keeps
    // it from rerunning on every build, which it does when it cannot find the folder.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    println!("cargo:rerun-if-changed=ui/dist");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(&[
            "get_snapshot",
            "set_relay",
            "outbox",
            "cancel_command",
            "alerts",
            "acknowledge_alerts",
            "mute_alerts",
            "unmute_alerts",
            "shelve_device",
            "device_trend",
            "stats_trend",
            "journal",
            "diagnostics",
            "test_notification",
            "get_settings",
            "save_settings",
        ]));
    tauri_build::try_build(attributes).expect("tauri-build failed");
}
