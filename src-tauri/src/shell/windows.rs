//! The console's windows: the main one, the extra ones a second or third monitor shows
//! (the alarm summary, the plant overview, a trend), kiosk mode, and what closing each
//! one does.
//!
//! An extra window is the same page as the main one, opened at `index.html?window=KIND`
//! (plus the view's own query, e.g. a trend's pens and range); the page shows only that
//! view, with the link state and the alarm banner kept. There is at most one window of
//! each kind, so its label is its kind: the window-state plugin keeps each one's monitor,
//! position and size under that label, and opening a kind that is open brings it forward.
//! Which extra windows are open is kept in the data folder, so a console restarted in the
//! control room comes back with its second-monitor layout.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use console_i18n::{word, Language, Message};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

/// The event that tells the windows that the window arrangement changed (kiosk mode
/// left); it carries the main window's [`WindowInfo`].
pub const WINDOW_EVENT: &str = "console://window";

/// The main window's label (tauri.conf.json).
pub const MAIN: &str = "main";

/// The longest view query an extra window is opened with: a trend with its most pens and
/// a range is far shorter.
pub const MAX_QUERY: usize = 1024;

/// A view that can have a window of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    Alarms,
    Overview,
    Trend,
}

impl WindowKind {
    pub const ALL: [WindowKind; 3] = [WindowKind::Alarms, WindowKind::Overview, WindowKind::Trend];

    /// The window's label, which is also the `window` value of its page's query.
    pub fn label(self) -> &'static str {
        match self {
            WindowKind::Alarms => "alarms",
            WindowKind::Overview => "overview",
            WindowKind::Trend => "trend",
        }
    }

    pub fn from_label(label: &str) -> Option<WindowKind> {
        WindowKind::ALL
            .into_iter()
            .find(|kind| kind.label() == label)
    }

    /// The catalog's title of the window.
    fn title_id(self) -> &'static str {
        match self {
            WindowKind::Alarms => "window-title-alarms",
            WindowKind::Overview => "window-title-overview",
            WindowKind::Trend => "window-title-trend",
        }
    }
}

/// What the page asks to open: a kind of view and the view's own query (a trend's pens
/// and range), without the leading `?`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct WindowView {
    pub kind: WindowKind,
    pub query: Option<String>,
}

/// What a page learns about the window it is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct WindowInfo {
    /// `main`, or the kind of an extra window.
    pub label: String,
    /// Whether the console runs in kiosk mode: the main window is full screen without
    /// decorations and only the engineer closes it.
    pub kiosk: bool,
}

/// Why a view cannot be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WindowError {
    #[error("the view's query is longer than {MAX_QUERY} characters")]
    QueryTooLong,
    #[error("the view's query holds a character a view query never has: {0:?}")]
    QueryCharacter(char),
    #[error("the query may not name the window: the kind does")]
    QueryNamesWindow,
}

/// The page's path and query for a view: `index.html?window=KIND[&QUERY]`. The query
/// comes from the page, so only what a view query is made of passes: letters, digits and
/// `-._~:,=&%+`, which cannot start another URL or a fragment.
pub fn page_path(view: &WindowView) -> Result<String, WindowError> {
    let mut path = format!("index.html?window={}", view.kind.label());
    if let Some(query) = view.query.as_deref().filter(|q| !q.is_empty()) {
        if query.len() > MAX_QUERY {
            return Err(WindowError::QueryTooLong);
        }
        if let Some(bad) = query
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-._~:,=&%+".contains(*c)))
        {
            return Err(WindowError::QueryCharacter(bad));
        }
        if query
            .split('&')
            .any(|pair| pair.split('=').next() == Some("window"))
        {
            return Err(WindowError::QueryNamesWindow);
        }
        path.push('&');
        path.push_str(query);
    }
    Ok(path)
}

/// What a close request on a window does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnClose {
    /// Nothing: the kiosk's window is closed only by the engineer.
    Refuse,
    /// The window hides; the link, the store and the alerts go on, and the tray brings
    /// it back.
    Hide,
    /// The window closes (an extra window), or the console quits (the main window
    /// without a tray to bring it back).
    Close,
}

/// The close rule, per window: see [`OnClose`].
pub fn on_close(label: &str, kiosk: bool, has_tray: bool) -> OnClose {
    match (label == MAIN, kiosk, has_tray) {
        (true, true, _) => OnClose::Refuse,
        (true, false, true) => OnClose::Hide,
        (true, false, false) => OnClose::Close,
        (false, _, _) => OnClose::Close,
    }
}

/// The shell's window state: kiosk mode and where the open extra windows are listed.
pub struct Windows {
    kiosk: AtomicBool,
    /// The file listing the extra windows open, as views (JSON).
    open_list: PathBuf,
    demo: bool,
}

impl Windows {
    pub fn new(data_dir: &Path, kiosk: bool, demo: bool) -> Windows {
        Windows {
            kiosk: AtomicBool::new(kiosk),
            open_list: data_dir.join(OPEN_WINDOWS_FILE),
            demo,
        }
    }

    pub fn kiosk(&self) -> bool {
        self.kiosk.load(Ordering::SeqCst)
    }

    pub fn info(&self, label: &str) -> WindowInfo {
        WindowInfo {
            label: label.to_owned(),
            kiosk: self.kiosk(),
        }
    }
}

/// The file in the data folder that lists the extra windows open.
pub const OPEN_WINDOWS_FILE: &str = "windows.json";

/// The window-state plugin's file, in the data folder: each console (data folder) has
/// its own arrangement, and tests on a scratch folder touch nobody's.
pub const WINDOW_STATE_FILE: &str = "window-state.json";

/// The extra windows listed in `path`; nothing when the file is missing or unreadable
/// (a bad list costs the arrangement, never the start).
pub fn read_open_list(path: &Path) -> Vec<WindowView> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let views: Vec<WindowView> = match serde_json::from_str(&text) {
        Ok(views) => views,
        Err(error) => {
            tracing::warn!(%error, path = %path.display(), "the list of open windows is unreadable; none reopened");
            return Vec::new();
        }
    };
    let mut seen = Vec::new();
    views
        .into_iter()
        .filter(|view| page_path(view).is_ok())
        .filter(|view| {
            let new = !seen.contains(&view.kind);
            seen.push(view.kind);
            new
        })
        .collect()
}

/// Writes the list of open extra windows, through a temporary file so a crash leaves
/// the old list or the new one.
fn write_open_list(path: &Path, views: &[WindowView]) {
    let tmp = path.with_extension("json.tmp");
    let written = serde_json::to_vec_pretty(views)
        .map_err(std::io::Error::other)
        .and_then(|bytes| std::fs::write(&tmp, bytes))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(error) = written {
        tracing::warn!(%error, path = %path.display(), "could not keep the list of open windows");
    }
}

/// The view an open extra window shows, from its page's address.
fn view_of<R: Runtime>(window: &tauri::WebviewWindow<R>) -> Option<WindowView> {
    let kind = WindowKind::from_label(window.label())?;
    let url = window.url().ok()?;
    let query: Vec<String> = url
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("window"))
        .map(str::to_owned)
        .collect();
    Some(WindowView {
        kind,
        query: (!query.is_empty()).then(|| query.join("&")),
    })
}

/// Keeps the list of the extra windows open now, leaving out `closing` (a window whose
/// close is under way still counts as open).
fn remember_open<R: Runtime>(app: &AppHandle<R>, closing: Option<&str>) {
    let views: Vec<WindowView> = WindowKind::ALL
        .into_iter()
        .filter(|kind| Some(kind.label()) != closing)
        .filter_map(|kind| app.get_webview_window(kind.label()))
        .filter_map(|window| view_of(&window))
        .collect();
    write_open_list(&app.state::<Windows>().open_list, &views);
}

/// Opens the window of `view`, or brings it forward (showing the asked view) if it is open.
pub fn open<R: Runtime>(
    app: &AppHandle<R>,
    view: &WindowView,
    lang: Language,
) -> Result<(), OpenError> {
    let path = page_path(view)?;
    let label = view.kind.label();
    if let Some(window) = app.get_webview_window(label) {
        // The same kind with another query (another trend): the open window shows it.
        if view_of(&window).as_ref() != Some(view) {
            let mut url = window.url()?;
            let query = path.split_once('?').map(|(_, q)| q.to_owned());
            url.set_query(query.as_deref());
            window.navigate(url)?;
        }
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    } else {
        let mut title = word(lang, &Message::new(view.kind.title_id()));
        if app.state::<Windows>().demo {
            title.push_str(" — DEMO PLANT");
        }
        WebviewWindowBuilder::new(app, label, WebviewUrl::App(PathBuf::from(path)))
            .title(title)
            .inner_size(1280.0, 800.0)
            .min_inner_size(800.0, 600.0)
            .build()?;
        tracing::info!(window = label, "an extra window was opened");
    }
    remember_open(app, None);
    Ok(())
}

/// Why a window could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    View(#[from] WindowError),
    #[error("the window system refused: {0}")]
    Tauri(#[from] tauri::Error),
}

/// Reopens the extra windows that were open when the console last stopped.
pub fn reopen<R: Runtime>(app: &AppHandle<R>, lang: Language) {
    let path = app.state::<Windows>().open_list.clone();
    for view in read_open_list(&path) {
        if let Err(error) = open(app, &view, lang) {
            tracing::warn!(%error, window = view.kind.label(), "an extra window was not reopened");
        }
    }
}

/// Puts the main window in kiosk mode: full screen, no decorations, no close.
pub fn enter_kiosk<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.set_decorations(false);
        let _ = window.set_fullscreen(true);
        let _ = window.set_closable(false);
        let _ = window.set_focus();
    }
    tracing::info!("kiosk mode: the main window is full screen and only the engineer closes it");
}

/// Leaves kiosk mode (the engineer's `--leave-kiosk`, allowed by the window's sign-in:
/// `operator` is the engineer signed in, `None` with sign-in off): the main window gets
/// its decorations and its close back, and every page hears of it.
pub fn leave_kiosk<R: Runtime>(app: &AppHandle<R>, operator: Option<&console_auth::SignedIn>) {
    let windows = app.state::<Windows>();
    if !windows.kiosk.swap(false, Ordering::SeqCst) {
        tracing::info!("asked to leave kiosk mode, which this console is not in");
        return;
    }
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.set_fullscreen(false);
        let _ = window.set_decorations(true);
        let _ = window.set_closable(true);
    }
    let actor = console_core::audit::Actor::current();
    let engineer = operator.map(|o| o.name.as_str()).unwrap_or("");
    tracing::info!(target: "audit", user = %actor.user, host = %actor.host, engineer, "kiosk mode left at the engineer's request");
    if let Err(error) = app.emit(WINDOW_EVENT, windows.info(MAIN)) {
        tracing::warn!(%error, "could not tell the windows that kiosk mode was left");
    }
}

/// Keeps kiosk mode on a `--leave-kiosk` the window's sign-in refused (nobody, or no
/// engineer, signed in at it): the command line reached the window, but whoever ran it
/// is not known to be the engineer. The refusal goes to the log; the gate has already
/// audited a signed-in operator's forbidden attempt.
pub fn refuse_leaving_kiosk<R: Runtime>(app: &AppHandle<R>, error: &super::UiError) {
    if !app.state::<Windows>().kiosk() {
        return;
    }
    let actor = console_core::audit::Actor::current();
    tracing::warn!(
        target: "audit",
        user = %actor.user,
        host = %actor.host,
        code = %error.code,
        reason = %error.message,
        "kiosk mode kept: --leave-kiosk needs an engineer signed in at this window"
    );
}

/// What happens on a window's close request; `prevent` stops the close.
pub fn close_requested<R: Runtime>(window: &tauri::Window<R>, prevent: impl FnOnce()) {
    let app = window.app_handle();
    let kiosk = app.state::<Windows>().kiosk();
    let has_tray = app.tray_by_id(super::tray::TRAY_ID).is_some();
    match on_close(window.label(), kiosk, has_tray) {
        OnClose::Refuse => {
            prevent();
            tracing::info!("kiosk mode: the window's close was refused");
        }
        OnClose::Hide => {
            prevent();
            let _ = window.hide();
        }
        OnClose::Close if window.label() == MAIN => app.exit(0),
        OnClose::Close => remember_open(app, Some(window.label())),
    }
}

/// The window-state plugin: every window's monitor, position, size and maximized state,
/// kept in the data folder; never the kiosk's main window, which is always full screen.
pub fn window_state_plugin<R: Runtime>(
    data_dir: &Path,
    kiosk: bool,
) -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_window_state::{Builder, StateFlags};
    // An absolute file name: the plugin joins it to the config folder, which then
    // gives this path.
    let file = std::path::absolute(data_dir.join(WINDOW_STATE_FILE))
        .unwrap_or_else(|_| data_dir.join(WINDOW_STATE_FILE));
    let builder = Builder::new()
        .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
        .with_filename(file.to_string_lossy());
    if kiosk {
        builder.with_denylist(&[MAIN]).build()
    } else {
        builder.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(kind: WindowKind, query: Option<&str>) -> WindowView {
        WindowView {
            kind,
            query: query.map(str::to_owned),
        }
    }

    #[test]
    fn a_view_opens_at_the_page_with_its_kind_and_query() {
        assert_eq!(
            page_path(&view(WindowKind::Alarms, None)).unwrap(),
            "index.html?window=alarms"
        );
        assert_eq!(
            page_path(&view(WindowKind::Overview, Some(""))).unwrap(),
            "index.html?window=overview"
        );
        assert_eq!(
            page_path(&view(
                WindowKind::Trend,
                Some("pens=device:dev-01,stats:cpu&range=3600")
            ))
            .unwrap(),
            "index.html?window=trend&pens=device:dev-01,stats:cpu&range=3600"
        );
    }

    #[test]
    fn a_query_that_could_lead_elsewhere_is_refused() {
        let refused = |query: &str| page_path(&view(WindowKind::Trend, Some(query))).unwrap_err();
        assert_eq!(refused("a#b"), WindowError::QueryCharacter('#'));
        assert_eq!(refused("x=https://evil/"), WindowError::QueryCharacter('/'));
        assert_eq!(refused("x=1 2"), WindowError::QueryCharacter(' '));
        assert_eq!(
            refused("x=\u{202e}"),
            WindowError::QueryCharacter('\u{202e}')
        );
        assert_eq!(refused("window=main"), WindowError::QueryNamesWindow);
        assert_eq!(refused("a=1&window=alarms"), WindowError::QueryNamesWindow);
        assert_eq!(
            refused(&"a".repeat(MAX_QUERY + 1)),
            WindowError::QueryTooLong
        );
        assert!(page_path(&view(WindowKind::Trend, Some(&"a".repeat(MAX_QUERY)))).is_ok());
    }

    #[test]
    fn an_unknown_kind_or_field_is_refused_when_read() {
        assert!(serde_json::from_str::<WindowView>(r#"{"kind":"settings","query":null}"#).is_err());
        assert!(
            serde_json::from_str::<WindowView>(r#"{"kind":"trend","query":null,"url":"x"}"#)
                .is_err()
        );
        let ok: WindowView =
            serde_json::from_str(r#"{"kind":"trend","query":"range=900"}"#).unwrap();
        assert_eq!(ok, view(WindowKind::Trend, Some("range=900")));
    }

    #[test]
    fn each_window_closes_as_its_rule_says() {
        let table = [
            // (label, kiosk, tray) → what a close does
            (MAIN, true, true, OnClose::Refuse),
            (MAIN, true, false, OnClose::Refuse),
            (MAIN, false, true, OnClose::Hide),
            (MAIN, false, false, OnClose::Close),
            ("alarms", true, true, OnClose::Close),
            ("trend", false, true, OnClose::Close),
            ("overview", false, false, OnClose::Close),
        ];
        for (label, kiosk, tray, expected) in table {
            assert_eq!(
                on_close(label, kiosk, tray),
                expected,
                "{label} kiosk={kiosk} tray={tray}"
            );
        }
    }

    #[test]
    fn the_open_list_reopens_each_kind_once_and_skips_what_is_bad() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(OPEN_WINDOWS_FILE);
        assert!(read_open_list(&path).is_empty(), "no file: nothing");
        std::fs::write(&path, "not json").unwrap();
        assert!(read_open_list(&path).is_empty(), "a bad file: nothing");
        let views = vec![
            view(WindowKind::Alarms, None),
            view(WindowKind::Trend, Some("range=900")),
            view(WindowKind::Trend, Some("range=3600")),
            view(WindowKind::Overview, Some("a#b")),
        ];
        write_open_list(&path, &views);
        assert_eq!(
            read_open_list(&path),
            vec![
                view(WindowKind::Alarms, None),
                view(WindowKind::Trend, Some("range=900")),
            ]
        );
    }

    #[test]
    fn every_window_kind_has_its_label_and_a_title_in_both_languages() {
        for kind in WindowKind::ALL {
            assert_eq!(WindowKind::from_label(kind.label()), Some(kind));
            for lang in [Language::En, Language::Fa] {
                let title = word(lang, &Message::new(kind.title_id()));
                assert!(
                    !title.is_empty() && !title.contains(kind.title_id()),
                    "{kind:?} in {lang:?}: {title}"
                );
            }
        }
        assert_eq!(WindowKind::from_label(MAIN), None);
    }
}
