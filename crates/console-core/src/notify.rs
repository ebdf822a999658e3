//! Native desktop notifications through notify-rust: the freedesktop notification
//! service over D-Bus on Linux, toasts on Windows, the Notification Center on macOS.
//!
//! This is the only module that knows notify-rust; the alert engine sees the
//! [`NotificationSink`] trait and calls it on its notifier thread, because `show` blocks
//! while it talks to the desktop.

use crate::alerts::{Notice, NotificationSink, SinkError};

/// The desktop's notifications, as Plant Console.
#[derive(Debug, Clone)]
pub struct DesktopNotifications {
    /// The name the desktop shows as the sender.
    pub app_name: String,
    /// The AppUserModelID Windows files toasts under; it must be the installed app's, or
    /// Windows shows nothing. Unused elsewhere.
    pub app_id: String,
}

impl Default for DesktopNotifications {
    fn default() -> Self {
        DesktopNotifications {
            app_name: "Plant Console".into(),
            // The bundle identifier in tauri.conf.json, which the installer registers.
            app_id: "com.plantconsole.desktop".into(),
        }
    }
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
        let mut notification = notify_rust::Notification::new();
        notification
            .appname(&self.app_name)
            .summary(&notice.title)
            .body(&body_text(&notice.body));
        #[cfg(target_os = "windows")]
        notification.app_id(&self.app_id);
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
}
