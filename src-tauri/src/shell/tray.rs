//! The system tray: an icon per state, a tooltip with the mode and counts, and a menu
//! with everything (Linux trays deliver no icon clicks, so nothing depends on one).

use std::sync::{Arc, Weak};

use console_core::Console;
use console_i18n::{word, Language, Message};
use plant_link::link::{AddressState, LinkMode};
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};

use super::windows::{self, WindowKind, WindowView, Windows};

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

/// What the tray shows for a link mode, a device count and the unacknowledged alarms,
/// in `lang` (from the catalog the window and notifications share).
pub fn presentation(
    lang: Language,
    mode: LinkMode,
    devices: usize,
    unacked_alarms: u32,
    critical: u32,
) -> (TrayIconKind, String) {
    let kind = if critical > 0 {
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
    let tooltip = word(
        lang,
        &Message::new("tray-tooltip")
            .text("mode", mode.as_str())
            .number("devices", devices as f64)
            .number("alarms", f64::from(unacked_alarms)),
    );
    (kind, tooltip)
}

/// The tooltip's line naming the plant address the link is on, its role and the
/// failovers so far; `None` while the link has not named one. The address is the link's
/// own print of it, which never carries credentials.
pub fn address_line(lang: Language, address: &AddressState) -> Option<String> {
    if address.current.is_empty() {
        return None;
    }
    Some(word(
        lang,
        &Message::new("tray-address")
            .text("address", address.current.as_str())
            .text("role", address.role.as_str())
            .number("failovers", address.failovers as f64),
    ))
}

/// The tray's state: what the console says now.
fn current(console: &Console) -> (TrayIconKind, String, bool) {
    let alarms = console.alarm_status();
    let alerts = console.alert_status();
    // A critical alarm, or a critical alert from before alarms, waits for the operator.
    let critical = alarms.unacknowledged.critical.max(alerts.unacked_critical);
    let link = console.link().state().borrow().clone();
    let (kind, mut tooltip) = presentation(
        console.language(),
        link.mode,
        console.snapshot().devices.len(),
        alarms.unacknowledged.total(),
        critical,
    );
    if let Some(line) = address_line(console.language(), &link.address) {
        tooltip.push('\n');
        tooltip.push_str(&line);
    }
    (kind, tooltip, alerts.muted)
}

/// A menu label from the catalog.
fn label(lang: Language, id: &str) -> String {
    word(lang, &Message::new(id))
}

fn icon_bytes(kind: TrayIconKind) -> &'static [u8] {
    match kind {
        TrayIconKind::Realtime => ICON_REALTIME,
        TrayIconKind::Fallback => ICON_FALLBACK,
        TrayIconKind::StaleOrOffline => ICON_OFFLINE,
        TrayIconKind::Alarm => ICON_ALARM,
    }
}

/// The tray icon's id.
pub const TRAY_ID: &str = "plant-console";

/// Menu item ids, also what a test activates over D-Bus.
pub mod ids {
    pub const STATUS: &str = "status";
    pub const SHOW: &str = "show";
    /// The extra windows: `window:alarms`, `window:overview`, `window:trend`.
    pub const WINDOW_PREFIX: &str = "window:";
    pub const MUTE: &str = "mute";
    pub const RECONNECT: &str = "reconnect";
    pub const QUIT: &str = "quit";
}

/// How long the tray's Mute lasts.
const MUTE_FOR: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The Mute item's label for a muted or unmuted console.
pub fn mute_label(lang: Language, muted: bool) -> String {
    label(lang, if muted { "tray-unmute" } else { "tray-mute" })
}

/// Builds the tray and keeps it in step with the console. The tray holds the console
/// weakly: quitting must be able to take the console back and shut it down.
pub fn install<R: Runtime>(
    app: &AppHandle<R>,
    console: &Arc<Console>,
) -> tauri::Result<TrayIcon<R>> {
    let weak: Weak<Console> = Arc::downgrade(console);
    let link = console.link().clone();
    let lang = console.language();
    // Linux trays show no tooltips, so the same words head the menu as a line that cannot
    // be clicked: the state is readable on every platform.
    let (kind, tooltip, muted) = current(console);
    let status = MenuItem::with_id(app, ids::STATUS, status_line(&tooltip), false, None::<&str>)?;
    let show = MenuItem::with_id(app, ids::SHOW, label(lang, "tray-show"), true, None::<&str>)?;
    let mute = MenuItem::with_id(app, ids::MUTE, mute_label(lang, muted), true, None::<&str>)?;
    let reconnect = MenuItem::with_id(
        app,
        ids::RECONNECT,
        label(lang, "tray-reconnect"),
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, ids::QUIT, label(lang, "tray-quit"), true, None::<&str>)?;
    let extra: Vec<(WindowKind, MenuItem<R>)> = WindowKind::ALL
        .into_iter()
        .map(|kind| {
            let id = format!("{}{}", ids::WINDOW_PREFIX, kind.label());
            MenuItem::with_id(app, id, label(lang, open_label(kind)), true, None::<&str>)
                .map(|item| (kind, item))
        })
        .collect::<tauri::Result<_>>()?;
    let mut items: Vec<&dyn tauri::menu::IsMenuItem<R>> = vec![&status, &show];
    items.extend(
        extra
            .iter()
            .map(|(_, item)| item as &dyn tauri::menu::IsMenuItem<R>),
    );
    items.extend([&mute as &dyn tauri::menu::IsMenuItem<R>, &reconnect, &quit]);
    let menu = Menu::with_items(app, &items)?;
    let menu_link = link.clone();
    let menu_console = weak.clone();
    let tray = TrayIconBuilder::with_id(TRAY_ID)
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
            // In kiosk mode only the engineer ends the console (`--leave-kiosk` first).
            ids::QUIT if app.state::<Windows>().kiosk() => {
                tracing::info!("kiosk mode: Quit from the tray was refused");
                show_window(app);
            }
            ids::QUIT => app.exit(0),
            other => {
                let kind = other
                    .strip_prefix(ids::WINDOW_PREFIX)
                    .and_then(WindowKind::from_label);
                if let Some(kind) = kind {
                    let lang = menu_console
                        .upgrade()
                        .map_or(Language::En, |console| console.language());
                    let view = WindowView { kind, query: None };
                    if let Err(error) = windows::open(app, &view, lang) {
                        tracing::warn!(%error, "could not open a window from the tray");
                    }
                }
            }
        })
        .build(app)?;

    let follower = tray.clone();
    let mut link_state = link.state();
    let mut alert_state = console.alert_status_watch();
    let mut alarm_state = console.alarm_status_watch();
    let mut language = console.language_watch();
    tauri::async_runtime::spawn(async move {
        let mut shown = kind;
        loop {
            link_state.borrow_and_update();
            alert_state.borrow_and_update();
            alarm_state.borrow_and_update();
            let lang = *language.borrow_and_update();
            let Some(console) = weak.upgrade() else { break };
            let (kind, tooltip, muted) = current(&console);
            drop(console);
            if kind != shown {
                if let Ok(image) = Image::from_bytes(icon_bytes(kind)) {
                    let _ = follower.set_icon(Some(image));
                }
                shown = kind;
            }
            let _ = follower.set_tooltip(Some(&tooltip));
            let _ = status.set_text(status_line(&tooltip));
            let _ = mute.set_text(mute_label(lang, muted));
            let _ = show.set_text(label(lang, "tray-show"));
            let _ = reconnect.set_text(label(lang, "tray-reconnect"));
            let _ = quit.set_text(label(lang, "tray-quit"));
            for (kind, item) in &extra {
                let _ = item.set_text(label(lang, open_label(*kind)));
            }
            tokio::select! {
                changed = link_state.changed() => if changed.is_err() { break },
                changed = alert_state.changed() => if changed.is_err() { break },
                changed = alarm_state.changed() => if changed.is_err() { break },
                changed = language.changed() => if changed.is_err() { break },
            }
        }
    });
    Ok(tray)
}

/// The catalog's label of the tray item that opens (or brings forward) a window.
fn open_label(kind: WindowKind) -> &'static str {
    match kind {
        WindowKind::Alarms => "tray-window-alarms",
        WindowKind::Overview => "tray-window-overview",
        WindowKind::Trend => "tray-window-trend",
    }
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
    use plant_link::link::AddressRole;

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
                presentation(Language::En, mode, 12, critical, critical).0,
                expected,
                "{mode:?} with {critical} critical"
            );
        }
    }

    #[test]
    fn the_tooltip_says_the_mode_and_the_counts_in_the_console_language() {
        let (_, tooltip) = presentation(Language::En, LinkMode::Offline, 12, 3, 0);
        assert_eq!(
            tooltip,
            "Plant Console — Offline — values are last known\n12 devices · 3 unacknowledged alarms"
        );
        assert!(presentation(Language::En, LinkMode::Realtime, 1, 1, 0)
            .1
            .ends_with("1 devices · 1 unacknowledged alarm"));
        let (_, persian) = presentation(Language::Fa, LinkMode::Realtime, 12, 3, 0);
        assert!(persian.starts_with("کنسول کارخانه — "), "{persian}");
        assert!(persian.contains("۱۲"), "Persian digits: {persian}");
        assert_eq!(
            mute_label(Language::Fa, false),
            "بی‌صدا کردن اعلان‌ها برای ۱۵ دقیقه"
        );
    }

    #[test]
    fn the_tooltip_names_the_address_its_role_and_the_failovers() {
        let address = AddressState {
            current: "http://plant-b:5000".into(),
            index: 1,
            role: AddressRole::Standby,
            count: 2,
            failovers: 2,
            ..AddressState::default()
        };
        let line = address_line(Language::En, &address).unwrap();
        assert!(line.contains("http://plant-b:5000"), "{line}");
        assert!(line.contains("(standby) · 2 failovers"), "{line}");
        let persian = address_line(Language::Fa, &address).unwrap();
        assert!(
            persian.contains("http://plant-b:5000") && persian.contains("پشتیبان"),
            "{persian}"
        );
        assert_eq!(address_line(Language::En, &AddressState::default()), None);
    }

    #[test]
    fn each_extra_window_has_a_tray_item_in_both_languages() {
        for kind in WindowKind::ALL {
            for lang in [Language::En, Language::Fa] {
                let text = label(lang, open_label(kind));
                assert!(
                    !text.is_empty() && !text.contains("tray-window"),
                    "{kind:?} {lang:?}: {text}"
                );
            }
        }
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
