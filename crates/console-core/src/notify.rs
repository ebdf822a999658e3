//! Native desktop notifications through notify-rust: the freedesktop notification
//! service over D-Bus on Linux, toasts on Windows, the Notification Center on macOS.
//!
//! This is the only module that knows notify-rust; the alert engine sees the
//! [`NotificationSink`] trait and calls it on its notifier thread, because `show` blocks
//! while it talks to the desktop.
//!
//! Windows files every toast under an AppUserModelID and shows nothing for one it does
//! not know. The installer registers ours ([`APP_ID`]) with a Start-menu shortcut and
//! the `SOFTWARE\Classes\AppUserModelId\<id>` key; a console run without the installer
//! (a copied exe, a test) would show no toast at all. So the sink looks for that key
//! once when it is made, and where it is missing files toasts under Windows PowerShell's
//! AppUserModelID instead, saying so once; a toast that fails under ours falls back the
//! same way, once. The choice is a pure function ([`choose_app_id`], [`after_failure`]),
//! tested on every platform.

use std::sync::{Arc, Mutex};

use crate::alerts::{Notice, NotificationSink, SinkError};

/// Our AppUserModelID: the bundle identifier in tauri.conf.json, which the installer
/// registers.
pub const APP_ID: &str = "com.plantconsole.desktop";

/// Windows PowerShell's AppUserModelID, registered on every Windows: what notify-rust
/// (through tauri-winrt-notification's `Toast::POWERSHELL_APP_ID`) uses when given none.
pub const POWERSHELL_APP_ID: &str =
    "{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe";

/// The registry key, under HKLM or HKCU, that registers an AppUserModelID for toasts.
pub fn registration_key(app_id: &str) -> String {
    format!("SOFTWARE\\Classes\\AppUserModelId\\{app_id}")
}

/// What the registry says of our AppUserModelID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// The key exists under this hive ("HKLM" or "HKCU").
    Registered { hive: &'static str },
    /// The key exists under neither.
    Missing,
    /// The registry could not be read; the text says why.
    Unreadable(String),
}

/// The AppUserModelID toasts go out under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToastId {
    pub app_id: String,
    /// Whether it is our own, registered one (`false`: PowerShell's, as a fallback).
    pub registered: bool,
}

/// A choice of AppUserModelID, with the warning to log once when it is a fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToastChoice {
    pub id: ToastId,
    pub warning: Option<String>,
}

/// Which AppUserModelID to use, given the one `wanted` and what the registry says.
pub fn choose_app_id(wanted: &str, registration: &Registration) -> ToastChoice {
    let why = match registration {
        Registration::Registered { .. } => {
            return ToastChoice {
                id: ToastId {
                    app_id: wanted.to_owned(),
                    registered: true,
                },
                warning: None,
            }
        }
        Registration::Missing => format!(
            "it is not registered: neither HKLM nor HKCU has {} (the installer writes it)",
            registration_key(wanted)
        ),
        Registration::Unreadable(error) => {
            format!("its registration could not be read: {error}")
        }
    };
    powershell(wanted, why)
}

/// After a toast failed under `current`: PowerShell's AppUserModelID with a warning, or
/// `None` when toasts already go out under it (the failure is then not ours to mend).
pub fn after_failure(wanted: &str, current: &ToastId, error: &str) -> Option<ToastChoice> {
    (current.app_id != POWERSHELL_APP_ID)
        .then(|| powershell(wanted, format!("showing a toast under it failed: {error}")))
}

fn powershell(wanted: &str, why: String) -> ToastChoice {
    ToastChoice {
        id: ToastId {
            app_id: POWERSHELL_APP_ID.to_owned(),
            registered: false,
        },
        warning: Some(format!(
            "toasts go out under Windows PowerShell's AppUserModelID instead of {wanted}: {why}"
        )),
    }
}

/// Logs a choice: the warning once (if any), then which AppUserModelID toasts use, at
/// info, with a message the Windows tests look for.
fn log_choice(wanted: &str, choice: &ToastChoice) {
    if let Some(why) = &choice.warning {
        tracing::warn!(wanted, why = %why, "toasts cannot use the console's AppUserModelID");
    }
    tracing::info!(
        app_id = %choice.id.app_id,
        registered = choice.id.registered,
        "toasts use AppUserModelID"
    );
}

/// The desktop's notifications, as Plant Console.
#[derive(Debug, Clone)]
pub struct DesktopNotifications {
    /// The name the desktop shows as the sender.
    pub app_name: String,
    /// The AppUserModelID Windows should file toasts under: ours. Unused elsewhere.
    pub app_id: String,
    /// The one they do go under (ours, or PowerShell's as a fallback); shared by clones,
    /// so a fallback is taken once for all of them.
    toast_id: Arc<Mutex<ToastId>>,
}

impl Default for DesktopNotifications {
    fn default() -> Self {
        DesktopNotifications::new("Plant Console", APP_ID)
    }
}

impl DesktopNotifications {
    /// A sink showing notifications as `app_name`; on Windows it looks up the
    /// registration of `app_id` now and logs which AppUserModelID toasts will use.
    pub fn new(app_name: &str, app_id: &str) -> Self {
        let choice = choose_app_id(app_id, &registration(app_id));
        if cfg!(windows) {
            log_choice(app_id, &choice);
        }
        DesktopNotifications {
            app_name: app_name.to_owned(),
            app_id: app_id.to_owned(),
            toast_id: Arc::new(Mutex::new(choice.id)),
        }
    }

    /// The AppUserModelID toasts go out under now.
    pub fn toast_id(&self) -> ToastId {
        self.toast_id
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn show_as(&self, notice: &Notice, toast_app_id: &str) -> Result<(), SinkError> {
        let mut notification = notify_rust::Notification::new();
        notification
            .appname(&self.app_name)
            .summary(&notice.title)
            .body(&body_text(&notice.body));
        #[cfg(target_os = "windows")]
        notification.app_id(toast_app_id);
        #[cfg(not(target_os = "windows"))]
        let _ = toast_app_id;
        // macOS has no urgency in notify-rust's default back end.
        #[cfg(not(target_os = "macos"))]
        notification.urgency(urgency(notice.severity));
        // The handle `show` returns differs by platform (Windows' has no id); nothing
        // here needs it: a notification is never updated or closed by the console.
        notification
            .show()
            .map(drop)
            .map_err(|error| SinkError(error.to_string()))
    }
}

/// Whether `app_id` is registered for toasts: its key under HKLM, else HKCU.
#[cfg(windows)]
fn registration(app_id: &str) -> Registration {
    // HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND): the key is not there.
    const NOT_FOUND: i32 = 0x8007_0002_u32 as i32;
    let path = registration_key(app_id);
    for (hive, root) in [
        ("HKLM", windows_registry::LOCAL_MACHINE),
        ("HKCU", windows_registry::CURRENT_USER),
    ] {
        match root.open(&path) {
            Ok(_) => return Registration::Registered { hive },
            Err(error) if error.code().0 == NOT_FOUND => {}
            Err(error) => return Registration::Unreadable(format!("{hive}\\{path}: {error}")),
        }
    }
    Registration::Missing
}

/// Only Windows files notifications under an AppUserModelID.
#[cfg(not(windows))]
fn registration(_app_id: &str) -> Registration {
    Registration::Registered { hive: "none" }
}

/// Notification servers on Linux read the body as simple markup, so a `<` or `&` in a
/// device name would garble or hide it; escaped, it reads as written.
#[cfg(all(unix, not(target_os = "macos")))]
fn body_text(body: &str) -> String {
    body.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn body_text(body: &str) -> String {
    body.to_owned()
}

/// A critical alert stays on screen until dismissed (on Linux and Windows alike); low
/// and informational ones may be shown quietly.
#[cfg(not(target_os = "macos"))]
fn urgency(severity: crate::alerts::Severity) -> notify_rust::Urgency {
    use crate::alerts::Severity;
    match severity {
        Severity::Critical => notify_rust::Urgency::Critical,
        Severity::High => notify_rust::Urgency::Normal,
        Severity::Low | Severity::Info => notify_rust::Urgency::Low,
    }
}

impl NotificationSink for DesktopNotifications {
    fn show(&self, notice: &Notice) -> Result<(), SinkError> {
        let current = self.toast_id();
        let error = match self.show_as(notice, &current.app_id) {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        // Only Windows has another AppUserModelID to try.
        if !cfg!(windows) {
            return Err(error);
        }
        let Some(fallback) = after_failure(&self.app_id, &current, &error.0) else {
            return Err(error);
        };
        log_choice(&self.app_id, &fallback);
        let app_id = fallback.id.app_id.clone();
        *self
            .toast_id
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = fallback.id;
        self.show_as(notice, &app_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(unix, not(target_os = "macos")))]
    fn markup_characters_in_a_body_are_shown_as_written() {
        assert_eq!(body_text("Tank <A> & B"), "Tank &lt;A&gt; &amp; B");
    }

    #[test]
    fn the_default_sink_names_the_app() {
        let sink = DesktopNotifications::default();
        assert_eq!(sink.app_name, "Plant Console");
        assert_eq!(sink.app_id, "com.plantconsole.desktop");
    }

    #[test]
    fn toasts_use_our_app_id_only_when_it_is_registered() {
        let ours = ToastId {
            app_id: APP_ID.into(),
            registered: true,
        };
        let powershell = ToastId {
            app_id: POWERSHELL_APP_ID.into(),
            registered: false,
        };
        let cases: [(Registration, &ToastId, Option<&str>); 4] = [
            (Registration::Registered { hive: "HKLM" }, &ours, None),
            (Registration::Registered { hive: "HKCU" }, &ours, None),
            (
                Registration::Missing,
                &powershell,
                Some("toasts go out under Windows PowerShell's AppUserModelID instead of com.plantconsole.desktop: it is not registered: neither HKLM nor HKCU has SOFTWARE\\Classes\\AppUserModelId\\com.plantconsole.desktop (the installer writes it)"),
            ),
            (
                Registration::Unreadable("access denied".into()),
                &powershell,
                Some("toasts go out under Windows PowerShell's AppUserModelID instead of com.plantconsole.desktop: its registration could not be read: access denied"),
            ),
        ];
        for (registration, id, warning) in cases {
            let choice = choose_app_id(APP_ID, &registration);
            assert_eq!(&choice.id, id, "{registration:?}");
            assert_eq!(choice.warning.as_deref(), warning, "{registration:?}");
        }
    }

    #[test]
    fn a_failed_toast_falls_back_to_powershell_once() {
        let ours = ToastId {
            app_id: APP_ID.into(),
            registered: true,
        };
        let fallback = after_failure(APP_ID, &ours, "0x80070490").expect("a fallback");
        assert_eq!(fallback.id.app_id, POWERSHELL_APP_ID);
        assert!(!fallback.id.registered);
        assert!(
            fallback
                .warning
                .as_deref()
                .unwrap()
                .ends_with("showing a toast under it failed: 0x80070490"),
            "{fallback:?}"
        );
        assert_eq!(
            after_failure(APP_ID, &fallback.id, "again"),
            None,
            "no second fallback"
        );
    }

    #[test]
    #[cfg(not(windows))]
    fn elsewhere_than_windows_notifications_are_filed_under_no_app_id() {
        assert!(DesktopNotifications::default().toast_id().registered);
    }

    #[test]
    #[cfg(windows)]
    fn powershells_app_id_is_the_one_notify_rust_falls_back_to() {
        assert_eq!(
            POWERSHELL_APP_ID,
            tauri_winrt_notification::Toast::POWERSHELL_APP_ID
        );
    }
}
