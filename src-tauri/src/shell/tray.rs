//! The system tray: an icon per state, a tooltip with the mode and counts, and a menu
//! with everything (Linux trays deliver no icon clicks, so nothing depends on one).

use std::sync::{Arc, Weak};

use console_core::Console;
use plant_link::link::LinkMode;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};

const ICON_REALTIME: &[u8] = include_bytes!("../../../icons/tray-realtime.png");
const ICON_FALLBACK: &[u8] = include_bytes!("../../../icons/tray-fallback.png");
const ICON_OFFLINE: &[u8] = include_bytes!("../../../icons/tray-offline.png");
const ICON_ALARM: &[u8] = include_bytes!("../../../icons/tray-alarm.png");

/// Which of the tray's icons stands for a state; an unacknowledged critical alert
/// outranks the link, because it is what the operator must act on first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayIconKind {
    Realtime,
    Fallback,
    StaleOrOffline,
    Alarm,
}

/// What the tray shows for a link mode, a device count and unacknowledged alerts.
pub fn presentation(
    mode: LinkMode,
    devices: usize,
    unacked: u32,
    unacked_critical: u32,
) -> (TrayIconKind, String) {
    let kind = if unacked_critical > 0 {
        TrayIconKind::Alarm
    } else {
        match mode {
            LinkMode::Realtime => TrayIconKind::Realtime,
            LinkMode::Fallback => TrayIconKind::Fallback,
            LinkMode::Connecting | LinkMode::Stale | LinkMode::Offline | LinkMode::Unauthorized => {
                TrayIconKind::StaleOrOffline
            }
        }
    };
    let mode_text = match mode {
        LinkMode::Realtime => "Real-time",
        LinkMode::Fallback => "HTTP fallback",
        LinkMode::Connecting => "Connecting",
        LinkMode::Stale => "Stale — values unconfirmed",
        LinkMode::Offline => "Offline — values are last known",
        LinkMode::Unauthorized => "Unauthorized",
    };
    let alerts = match unacked {
        0 => "no unacknowledged alerts".to_owned(),
        1 => "1 unacknowledged alert".to_owned(),
        n => format!("{n} unacknowledged alerts"),
    };
    (
        kind,
        format!("Plant Console — {mode_text}\n{devices} devices · {alerts}"),
    )
}

fn icon_bytes(kind: TrayIconKind) -> &'static [u8] {
    match kind {
        TrayIconKind::Realtime => ICON_REALTIME,
        TrayIconKind::Fallback => ICON_FALLBACK,
        TrayIconKind::StaleOrOffline => ICON_OFFLINE,
        TrayIconKind::Alarm => ICON_ALARM,
    }
}

/// Menu item ids, also what a test activates over D-Bus.
pub mod ids {
    pub const STATUS: &str = "status";
    pub const SHOW: &str = "show";
    pub const MUTE: &str = "mute";
    pub const RECONNECT: &str = "reconnect";
    pub const QUIT: &str = "quit";
}

/// How long the tray's Mute lasts.
const MUTE_FOR: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The Mute item's label for a muted or unmuted console.
pub fn mute_label(muted: bool) -> &'static str {
    if muted {
        "Unmute notifications"
    } else {
        "Mute notifications for 15 min"
    }
}

/// Builds the tray and keeps it in step with the console. The tray holds the console
/// weakly: quitting must be able to take the console back and shut it down.
pub fn install<R: Runtime>(
    app: &AppHandle<R>,
    console: &Arc<Console>,
) -> tauri::Result<TrayIcon<R>> {
    let weak: Weak<Console> = Arc::downgrade(console);
    let link = console.link().clone();
    let alerts = console.alert_status();
    // Linux trays show no tooltips, so the same words head the menu as a line that cannot
    // be clicked: the state is readable on every platform.
    let (kind, tooltip) = presentation(
        link.state().borrow().mode,
        console.snapshot().devices.len(),
        alerts.unacked,
        alerts.unacked_critical,
    );
    let status = MenuItem::with_id(app, ids::STATUS, status_line(&tooltip), false, None::<&str>)?;
    let show = MenuItem::with_id(app, ids::SHOW, "Show console", true, None::<&str>)?;
    let mute = MenuItem::with_id(app, ids::MUTE, mute_label(alerts.muted), true, None::<&str>)?;
    let reconnect = MenuItem::with_id(app, ids::RECONNECT, "Reconnect now", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, ids::QUIT, "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&status, &show, &mute, &reconnect, &quit])?;
    let menu_link = link.clone();
    let menu_console = weak.clone();
    let tray = TrayIconBuilder::with_id("plant-console")
        .icon(Image::from_bytes(icon_bytes(kind))?)
        .tooltip(&tooltip)
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(move |app, event| match event.id.as_ref() {
            ids::SHOW => show_window(app),
            ids::MUTE => {
                let console = menu_console.clone();
                tauri::async_runtime::spawn(async move {
                    let Some(console) = console.upgrade() else {
                        return;
                    };
                    let result = if console.alert_status().muted {
                        console.unmute().await
                    } else {
                        console.mute(Some(MUTE_FOR)).await
                    };
                    if let Err(error) = result {
                        tracing::warn!(%error, "could not change the mute from the tray");
                    }
                });
            }
            ids::RECONNECT => {
                let link = menu_link.clone();
                tauri::async_runtime::spawn(async move {
                    let _ = link.reconnect_now().await;
                });
            }
            ids::QUIT => app.exit(0),
            _ => {}
        })
        .build(app)?;

    let follower = tray.clone();
    let mut link_state = link.state();
    let mut alert_state = console.alert_status_watch();
    tauri::async_runtime::spawn(async move {
        let mut shown = kind;
        loop {
            let mode = link_state.borrow_and_update().mode;
            let alerts = alert_state.borrow_and_update().clone();
            let Some(console) = weak.upgrade() else { break };
            let devices = console.snapshot().devices.len();
            drop(console);
            let (kind, tooltip) =
                presentation(mode, devices, alerts.unacked, alerts.unacked_critical);
            if kind != shown {
                if let Ok(image) = Image::from_bytes(icon_bytes(kind)) {
                    let _ = follower.set_icon(Some(image));
                }
                shown = kind;
            }
            let _ = follower.set_tooltip(Some(&tooltip));
            let _ = status.set_text(status_line(&tooltip));
            let _ = mute.set_text(mute_label(alerts.muted));
            tokio::select! {
                changed = link_state.changed() => if changed.is_err() { break },
                changed = alert_state.changed() => if changed.is_err() { break },
            }
        }
    });
    Ok(tray)
}

/// The tooltip on one line, for the menu's status line.
fn status_line(tooltip: &str) -> String {
    tooltip.replace('\n', " · ")
}

/// Brings the console window back from the tray.
pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tray_shows_the_link_mode_unless_a_critical_alert_waits() {
        let table = [
            (LinkMode::Realtime, 0, TrayIconKind::Realtime),
            (LinkMode::Fallback, 0, TrayIconKind::Fallback),
            (LinkMode::Stale, 0, TrayIconKind::StaleOrOffline),
            (LinkMode::Offline, 0, TrayIconKind::StaleOrOffline),
            (LinkMode::Unauthorized, 0, TrayIconKind::StaleOrOffline),
            (LinkMode::Connecting, 0, TrayIconKind::StaleOrOffline),
            (LinkMode::Realtime, 1, TrayIconKind::Alarm),
            (LinkMode::Offline, 2, TrayIconKind::Alarm),
        ];
        for (mode, critical, expected) in table {
            assert_eq!(
                presentation(mode, 12, critical, critical).0,
                expected,
                "{mode:?} with {critical} critical"
            );
        }
    }

    #[test]
    fn the_tooltip_says_the_mode_and_the_counts() {
        let (_, tooltip) = presentation(LinkMode::Offline, 12, 3, 0);
        assert_eq!(
            tooltip,
            "Plant Console — Offline — values are last known\n12 devices · 3 unacknowledged alerts"
        );
        assert!(presentation(LinkMode::Realtime, 1, 1, 0)
            .1
            .ends_with("1 devices · 1 unacknowledged alert"));
    }

    #[test]
    fn every_tray_icon_is_a_valid_png() {
        for kind in [
            TrayIconKind::Realtime,
            TrayIconKind::Fallback,
            TrayIconKind::StaleOrOffline,
            TrayIconKind::Alarm,
        ] {
            assert!(Image::from_bytes(icon_bytes(kind)).is_ok(), "{kind:?}");
        }
    }
}
