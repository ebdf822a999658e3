//! The Tauri window shell: the only module that imports `tauri`.
//!
//! Commands are thin: DTO in, core call, DTO out. Update batches from the core are
//! forwarded as `console://batch` events, at most one per UI frame as the core already
//! coalesces them; each step of an operator command goes out as `console://command`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use console_core::alarms::book::AlarmError;
use console_core::alarms::{AlarmKpis, AlarmState, AlarmTransition, AlarmView};
use console_core::alerts::{AlarmAction, AlertError, AlertStatus, AlertView};
use console_core::console::{CommandError, ConsoleError};
use console_core::console::{DeviceTrend, Diagnostics, StatsTrend};
use console_core::console::{TrendData, TrendPen};
use console_core::outbox::QueuedCommand;
use console_core::store::JournalEntry;
use console_core::view::ConsoleSnapshot;
use console_core::Console;
use console_settings::settings::FieldError;
use serde::Serialize;
use tauri::{Emitter, Manager};

// The command list, written once (see the file); `ipc_commands!` is defined from here on.
include!("commands.list");

#[cfg(test)]
mod commands;
pub mod operators;
mod tray;
pub mod windows;

use crate::cli::RunArgs;
use crate::configure::{Configurator, ConfigureError, SettingsInput, SettingsView};
use crate::launch::{Launch, LaunchError};
use operators::{Challenge, Control, OperatorSession, Operators, SessionChange};
use windows::{WindowInfo, WindowView, Windows};

/// The event that carries update batches to the window.
pub const BATCH_EVENT: &str = "console://batch";

/// The event that carries each lifecycle step of an operator command.
pub const COMMAND_EVENT: &str = "console://command";

/// The event that tells the windows the operator session changed (an idle sign-out, a
/// sign-in or sign-out in another window).
pub const SESSION_EVENT: &str = "console://session";

/// An error as the UI receives it.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct UiError {
    pub code: &'static str,
    pub message: String,
    /// The refused values of an `invalid_settings` error, each with its field.
    // `default` changes nothing in what is sent; it tells ts-rs that the field may be absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// Until when a `locked_out` sign-in is refused (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<u64>,
}

impl UiError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        UiError {
            code,
            message: message.into(),
            fields: Vec::new(),
            until: None,
        }
    }
}

impl From<ConfigureError> for UiError {
    fn from(error: ConfigureError) -> Self {
        UiError {
            code: error.code(),
            message: error.to_string(),
            fields: error.fields().to_vec(),
            until: None,
        }
    }
}

impl From<AlertError> for UiError {
    fn from(error: AlertError) -> Self {
        let code = match error {
            AlertError::Unknown(_) => "unknown_alert",
            AlertError::Alarm(AlarmError::Unknown(_)) => "unknown_alarm",
            // The operator's action does not fit the alarm (no reason, a shelf too
            // long, an alarm in a state that cannot be reset): the window says why.
            AlertError::Alarm(_) => "alarm_refused",
            _ => "alerts",
        };
        UiError::new(code, error.to_string())
    }
}

impl From<ConsoleError> for UiError {
    fn from(error: ConsoleError) -> Self {
        let code = match error {
            // A trend query or export beyond its bounds: the window asked what it must not.
            ConsoleError::Trend(_) => "invalid_trend",
            _ => "console",
        };
        UiError::new(code, error.to_string())
    }
}

impl From<CommandError> for UiError {
    fn from(error: CommandError) -> Self {
        UiError::new(error.code(), error.to_string())
    }
}

/// The console, reachable from commands; `None` once it has been shut down. Held in an
/// `Arc` so that async commands keep it across awaits without holding the lock.
struct ConsoleSlot(Arc<Mutex<Option<Arc<Console>>>>);

impl ConsoleSlot {
    fn get(&self) -> Result<Arc<Console>, UiError> {
        let guard = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard
            .clone()
            .ok_or_else(|| UiError::new("stopped", "the console is shutting down"))
    }
}

/// Async, like every command here: Tauri runs a plain `fn` command on the main thread,
/// which also draws the window, and serializing 10 000 devices there held the first paint.
#[tauri::command]
async fn get_snapshot(slot: tauri::State<'_, ConsoleSlot>) -> Result<ConsoleSnapshot, UiError> {
    Ok(slot.get()?.snapshot())
}

#[tauri::command]
async fn set_relay(
    slot: tauri::State<'_, ConsoleSlot>,
    operators: tauri::State<'_, Arc<Operators>>,
    relay_id: String,
    state: bool,
    queue_if_offline: bool,
    challenge: Option<Challenge>,
) -> Result<QueuedCommand, UiError> {
    let console = slot.get()?;
    let authorized = authorize(
        &operators,
        Control::SetRelay {
            relay_id: &relay_id,
        },
        challenge,
    )
    .await?;
    if let (Some(operator), Some(reason)) = (&authorized.operator, &authorized.reason) {
        tracing::info!(target: "audit", operator = %operator.name, relay = %relay_id, state, %reason, "relay switched with a reason");
    }
    Ok(console
        .set_relay_as(&relay_id, state, queue_if_offline, actor_of(&authorized))
        .await?)
}

#[tauri::command]
async fn outbox(slot: tauri::State<'_, ConsoleSlot>) -> Result<Vec<QueuedCommand>, UiError> {
    let console = slot.get()?;
    Ok(console.outbox(200).await?)
}

#[tauri::command]
async fn cancel_command(
    slot: tauri::State<'_, ConsoleSlot>,
    operators: tauri::State<'_, Arc<Operators>>,
    request_id: String,
) -> Result<QueuedCommand, UiError> {
    let console = slot.get()?;
    let authorized = authorize(&operators, Control::CancelCommand, None).await?;
    Ok(console
        .cancel_command_as(&request_id, actor_of(&authorized))
        .await?)
}

#[tauri::command]
async fn alerts(slot: tauri::State<'_, ConsoleSlot>) -> Result<Vec<AlertView>, UiError> {
    let console = slot.get()?;
    Ok(console.alerts(500).await?)
}

/// Acknowledges one alert, or all of them when `id` is absent.
#[tauri::command]
async fn acknowledge_alerts(
    slot: tauri::State<'_, ConsoleSlot>,
    operators: tauri::State<'_, Arc<Operators>>,
    id: Option<i64>,
    challenge: Option<Challenge>,
) -> Result<u32, UiError> {
    let console = slot.get()?;
    authorize(&operators, Control::AcknowledgeAlerts, challenge).await?;
    Ok(console.acknowledge(id).await?)
}

/// Mutes notifications for `minutes`, or until unmuted when `minutes` is absent.
#[tauri::command]
async fn mute_alerts(
    slot: tauri::State<'_, ConsoleSlot>,
    operators: tauri::State<'_, Arc<Operators>>,
    minutes: Option<u32>,
    challenge: Option<Challenge>,
) -> Result<AlertStatus, UiError> {
    let console = slot.get()?;
    authorize(&operators, Control::MuteAlerts, challenge).await?;
    let duration = minutes.map(|m| Duration::from_secs(u64::from(m) * 60));
    Ok(console.mute(duration).await?)
}

#[tauri::command]
async fn unmute_alerts(
    slot: tauri::State<'_, ConsoleSlot>,
    operators: tauri::State<'_, Arc<Operators>>,
) -> Result<AlertStatus, UiError> {
    let console = slot.get()?;
    authorize(&operators, Control::UnmuteAlerts, None).await?;
    Ok(console.unmute().await?)
}

/// Stops notifying one device's alerts for `minutes` (they are still recorded).
#[tauri::command]
async fn shelve_device(
    slot: tauri::State<'_, ConsoleSlot>,
    operators: tauri::State<'_, Arc<Operators>>,
    device_id: String,
    minutes: u32,
    challenge: Option<Challenge>,
) -> Result<AlertStatus, UiError> {
    let console = slot.get()?;
    authorize(&operators, Control::ShelveDevice, challenge).await?;
    Ok(console
        .shelve(&device_id, Duration::from_secs(u64::from(minutes) * 60))
        .await?)
}

/// A device's values and the link gaps over a time range, for its trend.
#[tauri::command]
async fn device_trend(
    slot: tauri::State<'_, ConsoleSlot>,
    device_id: String,
    since: f64,
    until: f64,
) -> Result<DeviceTrend, UiError> {
    let console = slot.get()?;
    Ok(console.device_trend(&device_id, since, until).await?)
}

/// The server's figures and the link gaps over a time range.
#[tauri::command]
async fn stats_trend(
    slot: tauri::State<'_, ConsoleSlot>,
    since: f64,
    until: f64,
) -> Result<StatsTrend, UiError> {
    let console = slot.get()?;
    Ok(console.stats_trend(since, until).await?)
}

#[tauri::command]
async fn journal(
    slot: tauri::State<'_, ConsoleSlot>,
    since: Option<f64>,
    until: Option<f64>,
    kind: Option<String>,
    limit: Option<u32>,
) -> Result<Vec<JournalEntry>, UiError> {
    let console = slot.get()?;
    Ok(console
        .journal(since, until, kind, limit.unwrap_or(500).min(5000))
        .await?)
}

#[tauri::command]
async fn diagnostics(slot: tauri::State<'_, ConsoleSlot>) -> Result<Diagnostics, UiError> {
    Ok(slot.get()?.diagnostics())
}

#[tauri::command]
async fn test_notification(slot: tauri::State<'_, ConsoleSlot>) -> Result<(), UiError> {
    let console = slot.get()?;
    Ok(console.test_notification().await?)
}

/// The Settings view's contents.
#[tauri::command]
async fn get_settings(
    configurator: tauri::State<'_, Arc<Configurator>>,
) -> Result<SettingsView, UiError> {
    let configurator = configurator.inner().clone();
    // The keyring answers over D-Bus: off the runtime's workers.
    tokio::task::spawn_blocking(move || configurator.view())
        .await
        .map_err(|e| UiError::new("internal", e.to_string()))?
        .map_err(UiError::from)
}

/// Validates, saves and applies the settings; answers with what the view shows now.
#[tauri::command]
async fn save_settings(
    slot: tauri::State<'_, ConsoleSlot>,
    operators: tauri::State<'_, Arc<Operators>>,
    configurator: tauri::State<'_, Arc<Configurator>>,
    input: SettingsInput,
) -> Result<SettingsView, UiError> {
    let console = slot.get()?;
    let configurator = configurator.inner().clone();
    // The language alone is anyone's: a viewer reads the screen in theirs. Any other
    // change is the engineer's (the alert limits and severities as alarm configuration).
    let saved = {
        let configurator = configurator.clone();
        tokio::task::spawn_blocking(move || configurator.view())
            .await
            .map_err(|e| UiError::new("internal", e.to_string()))??
            .settings
    };
    authorize(&operators, settings_control(&saved, &input), None).await?;
    let (plan, configurator) = tokio::task::spawn_blocking(move || {
        let plan = configurator.save(&input);
        (plan, configurator)
    })
    .await
    .map_err(|e| UiError::new("internal", e.to_string()))?;
    plan?.apply(&console).await?;
    tokio::task::spawn_blocking(move || configurator.view())
        .await
        .map_err(|e| UiError::new("internal", e.to_string()))?
        .map_err(UiError::from)
}

/// The name the console's sign-in start is kept under: the file
/// `~/.config/autostart/plant-console.desktop` on Linux (the one the .deb's disabled
/// `/etc/xdg/autostart` entry has, so that this one overrides it), the value
/// `plant-console` of the `...\CurrentVersion\Run` key on Windows (the one the
/// installer's option writes). Without it the plugin would use the product name, with
/// its space.
pub const AUTOSTART_NAME: &str = "plant-console";

/// An autostart failure as the window shows it.
fn autostart_error(error: impl std::fmt::Display) -> UiError {
    UiError::new("autostart", error.to_string())
}

/// Switches the sign-in start on or off through the plugin and answers what the
/// system says now. Blocking (a file or the registry): called off the runtime.
fn switch_autostart(
    manager: &tauri_plugin_autostart::AutoLaunchManager,
    enabled: bool,
) -> Result<bool, UiError> {
    let switched = if enabled {
        manager.enable()
    } else {
        manager.disable()
    };
    switched.map_err(autostart_error)?;
    let now = manager.is_enabled().map_err(autostart_error)?;
    tracing::info!(asked = enabled, enabled = now, "start at sign-in switched");
    Ok(now)
}

/// Whether the console starts when the operator signs in (off unless they chose it).
#[tauri::command]
async fn get_autostart(app: tauri::AppHandle) -> Result<bool, UiError> {
    use tauri_plugin_autostart::ManagerExt;
    tokio::task::spawn_blocking(move || app.autolaunch().is_enabled().map_err(autostart_error))
        .await
        .map_err(|e| UiError::new("internal", e.to_string()))?
}

/// Makes the console start (or not) when the operator signs in; answers the state now.
#[tauri::command]
async fn set_autostart(
    app: tauri::AppHandle,
    operators: tauri::State<'_, Arc<Operators>>,
    enabled: bool,
) -> Result<bool, UiError> {
    use tauri_plugin_autostart::ManagerExt;
    authorize(&operators, Control::SetAutostart, None).await?;
    tokio::task::spawn_blocking(move || switch_autostart(&app.autolaunch(), enabled))
        .await
        .map_err(|e| UiError::new("internal", e.to_string()))?
}

/// The alarm summary: every alarm not Normal, or only those in `states`; by priority,
/// then the newest change first.
#[tauri::command]
async fn alarms(
    slot: tauri::State<'_, ConsoleSlot>,
    states: Option<Vec<AlarmState>>,
) -> Result<Vec<AlarmView>, UiError> {
    let console = slot.get()?;
    Ok(console.alarms(states).await?)
}

/// Acknowledges, shelves, unshelves, resets, silences… as the OS user; answers how many
/// alarms it changed.
#[tauri::command]
async fn alarm_action(
    slot: tauri::State<'_, ConsoleSlot>,
    operators: tauri::State<'_, Arc<Operators>>,
    action: AlarmAction,
    challenge: Option<Challenge>,
) -> Result<u32, UiError> {
    let console = slot.get()?;
    let authorized = authorize(&operators, Control::Alarm(&action), challenge).await?;
    let by = authorized
        .operator
        .as_ref()
        .map(|operator| operator.name.as_str());
    Ok(console.alarm_action(action, by).await?)
}

/// One alarm's recorded transitions, oldest first.
#[tauri::command]
async fn alarm_history(
    slot: tauri::State<'_, ConsoleSlot>,
    alarm_id: i64,
) -> Result<Vec<AlarmTransition>, UiError> {
    let console = slot.get()?;
    Ok(console.alarm_history(alarm_id).await?)
}

/// The whole plant's alarm journal in `[since, until]`, newest first; 500 transitions
/// unless asked for more, 5000 at most (as the journal).
#[tauri::command]
async fn alarm_journal(
    slot: tauri::State<'_, ConsoleSlot>,
    since: Option<f64>,
    until: Option<f64>,
    limit: Option<u32>,
) -> Result<Vec<AlarmTransition>, UiError> {
    let console = slot.get()?;
    Ok(console
        .alarm_journal(since, until, limit.unwrap_or(500).min(5000))
        .await?)
}

/// The ISA-18.2 alarm KPIs over the last `hours` (24 when absent).
#[tauri::command]
async fn alarm_kpis(
    slot: tauri::State<'_, ConsoleSlot>,
    hours: Option<f64>,
) -> Result<AlarmKpis, UiError> {
    let console = slot.get()?;
    Ok(console.alarm_kpis(hours).await?)
}

/// Why a path the window sent is not one the alarm journal is exported to, or `None`.
/// The operator picked it in the save dialog; a path from anywhere else (relative, or
/// not a `.csv` file) is refused rather than written.
fn export_path_problem(path: &std::path::Path) -> Option<&'static str> {
    if !path.is_absolute() {
        return Some("the export needs the full path of a file");
    }
    let csv = path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("csv"));
    (!csv).then_some("the alarm journal is exported only to a file ending in .csv")
}

/// Writes the alarm journal in `[since, until]` as CSV (worded in the console's
/// language) to `path`, a file the operator chose; answers how many transitions it holds.
#[tauri::command]
async fn export_alarm_journal(
    slot: tauri::State<'_, ConsoleSlot>,
    path: String,
    since: Option<f64>,
    until: Option<f64>,
) -> Result<u32, UiError> {
    let path = std::path::PathBuf::from(path);
    if let Some(problem) = export_path_problem(&path) {
        return Err(UiError::new("export_path", problem));
    }
    let console = slot.get()?;
    let (csv, rows) = console.alarm_journal_csv(since, until).await?;
    tokio::task::spawn_blocking(move || std::fs::write(&path, csv))
        .await
        .map_err(|e| UiError::new("internal", e.to_string()))?
        .map_err(|e| UiError::new("export", e.to_string()))?;
    Ok(rows)
}

/// Opens a view (the alarm summary, the overview, a trend) in a window of its own for
/// another monitor, or brings that window forward.
#[tauri::command]
async fn open_window(
    app: tauri::AppHandle,
    slot: tauri::State<'_, ConsoleSlot>,
    view: WindowView,
) -> Result<(), UiError> {
    let lang = slot.get()?.language();
    // Windows are made on the main thread; the command waits for the outcome.
    let (done, outcome) = tokio::sync::oneshot::channel();
    let handle = app.clone();
    app.run_on_main_thread(move || {
        let _ = done.send(windows::open(&handle, &view, lang));
    })
    .map_err(|e| UiError::new("window", e.to_string()))?;
    outcome
        .await
        .map_err(|e| UiError::new("internal", e.to_string()))?
        .map_err(|e| UiError::new("window", e.to_string()))
}

/// Which window the page is in, and whether the console runs in kiosk mode.
#[tauri::command]
async fn window_info(
    windows: tauri::State<'_, Windows>,
    webview_window: tauri::WebviewWindow,
) -> Result<WindowInfo, UiError> {
    Ok(windows.info(webview_window.label()))
}

/// For the overview: per time bucket of `[since, until]`, how many of the devices had a
/// sample not `online` in it. The core refuses more than 10 000 ids, buckets outside
/// 1..=240 and a range that is not finite and forward.
#[tauri::command]
async fn area_trend(
    slot: tauri::State<'_, ConsoleSlot>,
    device_ids: Vec<String>,
    since: f64,
    until: f64,
    buckets: u32,
) -> Result<Vec<(f64, u32)>, UiError> {
    let console = slot.get()?;
    Ok(console
        .area_trend(device_ids, since, until, buckets)
        .await?)
}

/// Up to eight pens over a range for the Trends chart, a pen reduced to what a chart
/// `pixels` wide can show when it has more points than that.
#[tauri::command]
async fn trend(
    slot: tauri::State<'_, ConsoleSlot>,
    pens: Vec<TrendPen>,
    since: f64,
    until: f64,
    pixels: u32,
) -> Result<TrendData, UiError> {
    let console = slot.get()?;
    Ok(console.trend(pens, since, until, pixels).await?)
}

/// Why `path` is not a file a trend is exported to as `extension`, or `None`: like the
/// alarm journal's, the operator picked it in the save dialog, so anything relative or
/// of another kind is refused rather than written.
fn trend_path_problem(path: &std::path::Path, extension: &str) -> Option<String> {
    if !path.is_absolute() {
        return Some("the export needs the full path of a file".into());
    }
    let fits = path
        .extension()
        .is_some_and(|found| found.eq_ignore_ascii_case(extension));
    (!fits).then(|| format!("a trend is exported only to a file ending in .{extension}"))
}

/// Writes `body` to `path` off the runtime's threads.
async fn write_export(path: std::path::PathBuf, body: Vec<u8>) -> Result<(), UiError> {
    tokio::task::spawn_blocking(move || std::fs::write(&path, body))
        .await
        .map_err(|e| UiError::new("internal", e.to_string()))?
        .map_err(|e| UiError::new("export", e.to_string()))
}

/// Writes the pens' cached samples in `[since, until]` as CSV to `path` (unreduced,
/// unrounded); answers how many rows of samples it holds.
#[tauri::command]
async fn export_trend(
    slot: tauri::State<'_, ConsoleSlot>,
    path: String,
    pens: Vec<TrendPen>,
    since: f64,
    until: f64,
) -> Result<u32, UiError> {
    let path = std::path::PathBuf::from(path);
    if let Some(problem) = trend_path_problem(&path, "csv") {
        return Err(UiError::new("export_path", problem));
    }
    let console = slot.get()?;
    let (csv, rows) = console.trend_csv(pens, since, until).await?;
    write_export(path, csv.into_bytes()).await?;
    Ok(rows)
}

/// The checked PNG of a `png` body (base64, as a canvas's `toDataURL` gives it) for a
/// `.png` path; a body that is not a PNG or is larger than 20 MB is refused.
fn trend_png(path: &std::path::Path, png: &str) -> Result<Vec<u8>, UiError> {
    if let Some(problem) = trend_path_problem(path, "png") {
        return Err(UiError::new("export_path", problem));
    }
    console_core::console::trends::png_from_base64(png)
        .map_err(|e| UiError::from(ConsoleError::from(e)))
}

/// Writes the chart image the window drew (`png`, base64) to `path`; answers the bytes
/// written.
#[tauri::command]
async fn export_trend_png(path: String, png: String) -> Result<u32, UiError> {
    let path = std::path::PathBuf::from(path);
    let bytes = trend_png(&path, &png)?;
    let written = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    write_export(path, bytes).await?;
    Ok(written)
}

/// Checks a control command against the operator session, the one place every control
/// command passes before the core. A re-authentication hashes the password with
/// Argon2id, so the check runs as blocking work.
async fn authorize(
    operators: &tauri::State<'_, Arc<Operators>>,
    control: Control<'_>,
    challenge: Option<Challenge>,
) -> Result<operators::Authorized, UiError> {
    // The runtime is multi-threaded (main.rs): its other workers go on meanwhile.
    tokio::task::block_in_place(|| operators.authorize(&control, challenge.as_ref()))
}

/// Who the core records for a command: the OS user and host, and the operator signed in
/// with their role when sign-in is on.
fn actor_of(authorized: &operators::Authorized) -> console_core::audit::Actor {
    let actor = console_core::audit::Actor::current();
    match &authorized.operator {
        Some(operator) => actor.signed_in(operator.name.clone(), operator.role.as_str()),
        None => actor,
    }
}

/// What a settings save needs: nothing when only the language changes.
fn settings_control(
    saved: &console_settings::settings::Settings,
    input: &SettingsInput,
) -> Control<'static> {
    let mut asked = input.settings.clone();
    asked.language = saved.language.clone();
    let alarm_config = asked.alerts != saved.alerts;
    asked.alerts = saved.alerts.clone();
    let token = !matches!(input.token, crate::configure::TokenChange::Keep);
    Control::SaveSettings {
        other: token || asked != *saved,
        alarm_config,
    }
}

/// Who is signed in at this console, their role and what they may do, and the policy
/// the window follows (idle time, re-authentication, the critical relays).
#[tauri::command]
async fn operator_session(
    operators: tauri::State<'_, Arc<Operators>>,
) -> Result<OperatorSession, UiError> {
    Ok(operators.session())
}

/// Signs an operator in (a name and a password); answers the session. Refused with
/// `bad_credentials` (the same for an unknown name) or `locked_out` (with `until`).
#[tauri::command]
async fn sign_in(
    app: tauri::AppHandle,
    operators: tauri::State<'_, Arc<Operators>>,
    name: String,
    password: String,
) -> Result<OperatorSession, UiError> {
    let operators = operators.inner().clone();
    let session = tokio::task::spawn_blocking(move || operators.sign_in(&name, &password))
        .await
        .map_err(|e| UiError::new("internal", e.to_string()))??;
    announce(&app, session.clone(), None);
    Ok(session)
}

/// Signs the operator out; viewing goes on.
#[tauri::command]
async fn sign_out(
    app: tauri::AppHandle,
    operators: tauri::State<'_, Arc<Operators>>,
) -> Result<OperatorSession, UiError> {
    let session = operators.sign_out();
    announce(&app, session.clone(), None);
    Ok(session)
}

/// The window saw the operator's keyboard or pointer (sent at most every few
/// seconds): the idle sign-out is held off.
#[tauri::command]
async fn operator_activity(operators: tauri::State<'_, Arc<Operators>>) -> Result<(), UiError> {
    operators.activity();
    Ok(())
}

/// Tells every window the session changed.
fn announce(
    app: &tauri::AppHandle,
    session: OperatorSession,
    idle_signed_out: Option<console_auth::SignedIn>,
) {
    let change = SessionChange {
        session,
        idle_signed_out,
    };
    if let Err(error) = app.emit(SESSION_EVENT, &change) {
        tracing::warn!(%error, "could not send the session to the window");
    }
}

/// `generate_handler!` over the listed commands.
macro_rules! handler {
    ($($name:ident($($arg:ident: $ty:ty),* $(,)?) -> $answer:ty;)*) => {
        tauri::generate_handler![$($name),*]
    };
}

/// Errors of the window shell.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error("the window system failed: {0}")]
    Tauri(#[from] tauri::Error),
    #[error("no window of a console on {0} answered")]
    NoWindow(std::path::PathBuf),
}

/// Opens the console window and runs until it is closed; then stops the console.
pub fn run(runtime: tokio::runtime::Runtime, args: &RunArgs) -> Result<(), ShellError> {
    // Tauri and the core share one tokio runtime, so commands, the link and the event
    // forwarding all run on the same worker threads.
    tauri::async_runtime::set(runtime.handle().clone());
    let Launch {
        console,
        mut batches,
        demo,
        configurator,
    } = runtime.block_on(Launch::start(args))?;
    let is_demo = demo.is_some();
    let mut commands = console.take_command_updates();
    let console = Arc::new(console);
    let tray_console = Arc::downgrade(&console);
    let slot = Arc::new(Mutex::new(Some(console)));

    let own_dir = crate::cli::run_data_dir(args);
    let operators = Arc::new(Operators::load(args.operators.as_deref(), &own_dir));
    // Sign-ins, failures, lock-outs and re-authentications go to the plant's audit trail
    // beside the commands, written off the gate's lock.
    let audit_slot = slot.clone();
    operators.audit_to(Box::new(move |event| {
        let console = audit_slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let Some(console) = console else { return };
        let (actor, action, target, detail) = operators::audit_entry(event);
        tauri::async_runtime::spawn(async move {
            if let Err(error) = console.record_audit(actor, action, &target, &detail).await {
                tracing::warn!(%error, action, "an operator session entry was not audited");
            }
        });
    }));
    let idle_operators = operators.clone();
    let kiosk = args.kiosk;
    let window_state = windows::window_state_plugin(&own_dir, kiosk);
    let windows = Windows::new(&own_dir, kiosk, is_demo);
    let mut context = context();
    bench_page(&mut context);
    let identifier = context.config().identifier.clone();
    let app = tauri::Builder::default()
        // First, so a second instance is found before anything else is set up.
        .plugin(single_instance(
            &identifier,
            &own_dir.clone(),
            move |app, argv, cwd| {
                bring_to_front(app, &own_dir, &argv, &cwd);
            },
        ))
        // The save dialog of the alarm journal's export: the capability grants the
        // window `dialog:allow-save` and nothing else of the plugin.
        .plugin(tauri_plugin_dialog::init())
        // Each window's monitor, position and size, kept in the data folder (Rust side
        // only: the capability grants none of the plugin's commands).
        .plugin(window_state)
        // Rust side only: the window switches it through `set_autostart`, and the
        // capability grants none of the plugin's own commands.
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .app_name(AUTOSTART_NAME)
                .build(),
        )
        .manage(ConsoleSlot(slot.clone()))
        .manage(Arc::new(configurator))
        .manage(operators)
        .manage(windows)
        .invoke_handler(ipc_commands!(handler))
        .on_window_event(|window, event| {
            // Closing the main window hides it: the link, the store and the alerts keep
            // running, and the tray's menu brings the window back or quits. In kiosk
            // mode it does not close at all; an extra window just closes.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                windows::close_requested(window, || api.prevent_close());
            }
        })
        .setup(move |app| {
            if let Some(console) = tray_console.upgrade() {
                if let Err(error) = tray::install(app.handle(), &console) {
                    tracing::warn!(%error, "no system tray; closing the window will quit");
                }
            }
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                while let Some(batch) = batches.recv().await {
                    if let Err(error) = handle.emit(BATCH_EVENT, &batch) {
                        tracing::warn!(%error, "could not send an update batch to the window");
                    }
                }
            });
            // The idle sign-out is decided here, on the gate's clock, whatever the window
            // does; the window hears of it and goes back to viewing.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if let Some(change) = idle_operators.idle_check() {
                        tracing::info!("the operator was signed out after the idle time");
                        announce(&handle, change.session, change.idle_signed_out);
                    }
                }
            });
            if let Some(mut commands) = commands.take() {
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(async move {
                    while let Some(command) = commands.recv().await {
                        if let Err(error) = handle.emit(COMMAND_EVENT, &command) {
                            tracing::warn!(%error, "could not send a command update to the window");
                        }
                    }
                });
            }
            if let Some(window) = app.get_webview_window("main") {
                let title = if is_demo {
                    "Plant Console — DEMO PLANT"
                } else {
                    "Plant Console"
                };
                let _ = window.set_title(title);
            }
            if kiosk {
                windows::enter_kiosk(app.handle());
            }
            let lang = tray_console
                .upgrade()
                .map_or(console_i18n::Language::En, |console| console.language());
            windows::reopen(app.handle(), lang);
            Ok(())
        })
        .build(context)?;

    let code = app.run_return(|_, _| {});
    tracing::info!(code, "window closed; stopping the console");
    let console = slot
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    if let Some(console) = console {
        // A command still running holds the console for a moment; wait for it to let go.
        // An `Arc` tells no one when a clone is dropped, so this looks again every 10 ms.
        let console = runtime.block_on(async {
            let mut console = console;
            loop {
                match Arc::try_unwrap(console) {
                    Ok(console) => break console,
                    Err(shared) => {
                        console = shared;
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    }
                }
            }
        });
        runtime
            .block_on(console.shutdown())
            .map_err(LaunchError::from)?;
    }
    if let Some(demo) = demo {
        runtime.block_on(demo.shutdown());
    }
    Ok(())
}

/// The single-instance plugin for the console on `data_dir`. On Linux its D-Bus name is
/// the app's identifier plus a hash of the data folder, so windows on two data folders
/// live side by side, as the folder lock allows; on Windows and macOS the plugin knows
/// only the identifier, so there a second window start on any folder goes to the first.
fn single_instance<F>(
    identifier: &str,
    data_dir: &std::path::Path,
    callback: F,
) -> tauri::plugin::TauriPlugin<tauri::Wry>
where
    F: FnMut(&tauri::AppHandle, Vec<String>, String) + Send + Sync + 'static,
{
    tauri_plugin_single_instance::Builder::new()
        .callback(callback)
        .dbus_id(instance_bus_id(identifier, data_dir))
        .build()
}

/// The app's context (configuration and the embedded UI), generated in one place so the
/// UI is embedded once.
fn context() -> tauri::Context {
    tauri::generate_context!()
}

/// With `PLANT_CONSOLE_BENCH_PAGE=blank` the main window opens the blank page
/// (ui/blank.html) instead of the console's: the cold-start benchmark measures the
/// window's own start with it (process, GTK, WebKit and its first frame) apart from the
/// UI's work. Everything else starts as usual; any other value changes nothing.
fn bench_page(context: &mut tauri::Context) {
    if std::env::var_os("PLANT_CONSOLE_BENCH_PAGE").is_some_and(|page| page == "blank") {
        let config = context.config_mut();
        for window in config.app.windows.iter_mut() {
            if window.label == windows::MAIN {
                window.url = tauri::WebviewUrl::App("blank.html".into());
            }
        }
    }
}

/// The environment variable that gives WebKitGTK its accelerated compositing back
/// (`PLANT_CONSOLE_COMPOSITING=on`).
pub const COMPOSITING_VAR: &str = "PLANT_CONSOLE_COMPOSITING";

/// Whether the window should ask WebKitGTK to draw without accelerated compositing
/// (`WEBKIT_DISABLE_COMPOSITING_MODE=1`), from `PLANT_CONSOLE_COMPOSITING` and whether
/// the WebKit variable is set already (then it is left as the engineer set it).
///
/// Off by default on Linux: measured with `plant-bench cold-start` (BENCHMARKS.md), the
/// composited WebKitGTK ran its first frame with the device rows about half a second
/// after they were in the DOM, and without compositing a few milliseconds after, on
/// the same cold cache; the console's displays are static tables, meters and canvas
/// trends, which need no compositor. `PLANT_CONSOLE_COMPOSITING=on` keeps it.
pub fn disable_compositing(compositing: Option<&str>, webkit_var_set: bool) -> bool {
    cfg!(target_os = "linux") && !webkit_var_set && compositing != Some("on")
}

/// `<identifier>.d<16 hex digits>`: a valid D-Bus name element for each data folder.
/// FNV-1a, not `DefaultHasher`: the name must be the same in every build of the program.
pub fn instance_bus_id(identifier: &str, data_dir: &std::path::Path) -> String {
    let path = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_owned());
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.to_string_lossy().as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{identifier}.d{hash:016x}")
}

/// A second window start handed its command line over: show this window in front.
fn bring_to_front(app: &tauri::AppHandle, own_dir: &std::path::Path, argv: &[String], cwd: &str) {
    use clap::Parser;
    let asked = crate::cli::Cli::try_parse_from(argv)
        .ok()
        .map(|cli| crate::cli::run_data_dir(&cli.run))
        .map(|dir| std::path::Path::new(cwd).join(dir));
    let same = asked
        .as_ref()
        .is_none_or(|dir| std::fs::canonicalize(dir).ok() == std::fs::canonicalize(own_dir).ok());
    if !same {
        tracing::warn!(
            asked = %asked.as_ref().map(|d| d.display().to_string()).unwrap_or_default(),
            serving = %own_dir.display(),
            "a window for another data folder was asked for; this one was brought forward instead"
        );
    } else {
        tracing::info!("a second window start brought this window to the front");
    }
    let leave_kiosk = crate::cli::Cli::try_parse_from(argv).is_ok_and(|cli| cli.run.leave_kiosk);
    if same && leave_kiosk {
        // Anyone at the machine can run the command, so the window decides: with sign-in
        // on, only while an engineer is signed in at it. A refusal is logged and audited
        // (through the gate's events when it is one) and said in the window.
        let operators = app.state::<Arc<Operators>>();
        match operators.authorize(&Control::LeaveKiosk, None) {
            Ok(authorized) => windows::leave_kiosk(app, authorized.operator.as_ref()),
            Err(error) => windows::refuse_leaving_kiosk(app, &error),
        }
    }
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Brings the window of the console running on `data_dir` to the front and returns; the
/// plugin ends this process (status 0) once the running window has the request. Returns
/// an error when no window of a console on that folder answers.
pub fn raise(data_dir: &std::path::Path) -> Result<(), ShellError> {
    let mut context = context();
    // Only the plugin is wanted: no window may open if nobody answers.
    context.config_mut().app.windows.clear();
    let identifier = context.config().identifier.clone();
    let app = tauri::Builder::default()
        .plugin(single_instance(&identifier, data_dir, |_, _, _| {}))
        .build(context)?;
    // Still here: the name was free, so no window of a console on this folder is open.
    app.cleanup_before_exit();
    Err(ShellError::NoWindow(data_dir.to_owned()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_window_draws_without_compositing_on_linux_unless_asked_or_already_set() {
        let linux = cfg!(target_os = "linux");
        for (compositing, webkit_set, off) in [
            (None, false, linux),
            (Some("off"), false, linux),
            (Some("on"), false, false),
            (None, true, false),
            (Some("on"), true, false),
        ] {
            assert_eq!(
                super::disable_compositing(compositing, webkit_set),
                off,
                "{compositing:?} {webkit_set}"
            );
        }
    }

    use super::{export_path_problem, instance_bus_id, trend_path_problem, trend_png};

    #[test]
    fn each_data_folder_has_its_own_valid_bus_name() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let id = |dir: &std::path::Path| instance_bus_id("com.plantconsole.desktop", dir);
        assert_eq!(id(a.path()), id(a.path()));
        assert_ne!(id(a.path()), id(b.path()));
        // The same folder by another spelling is the same console.
        assert_eq!(id(a.path()), id(&a.path().join(".")));
        let name = id(a.path());
        let last = name.rsplit('.').next().unwrap();
        assert!(
            last.len() == 17 && last.starts_with('d') && name.len() < 255,
            "a D-Bus name element may not start with a digit: {name}"
        );
    }

    #[test]
    fn the_alarm_journal_is_exported_only_to_a_full_path_ending_in_csv() {
        let dir = tempfile::tempdir().unwrap();
        let ok = |name: &str| export_path_problem(&dir.path().join(name)).is_none();
        assert!(ok("alarm-journal.csv"));
        assert!(
            ok("ALARMS.CSV"),
            "the extension's case does not matter (Windows)"
        );
        assert!(!ok("alarm-journal.txt"));
        assert!(!ok("alarm-journal"));
        assert!(!ok("alarm-journal.csv.exe"));
        assert!(export_path_problem(std::path::Path::new("alarm-journal.csv")).is_some());
    }

    #[test]
    fn a_trend_is_exported_only_to_a_full_path_of_its_kind() {
        let dir = tempfile::tempdir().unwrap();
        assert!(trend_path_problem(&dir.path().join("t.csv"), "csv").is_none());
        assert!(trend_path_problem(&dir.path().join("T.PNG"), "png").is_none());
        assert!(trend_path_problem(&dir.path().join("t.png"), "csv").is_some());
        assert!(trend_path_problem(&dir.path().join("t.csv.exe"), "csv").is_some());
        assert!(trend_path_problem(std::path::Path::new("t.csv"), "csv").is_some());
    }

    #[test]
    fn a_chart_image_that_is_not_a_png_or_is_too_large_is_refused_with_invalid_trend() {
        let path = tempfile::tempdir().unwrap().path().join("chart.png");
        let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==";
        assert_eq!(trend_png(&path, png).unwrap().len(), 16);
        // A JPEG's first bytes, and text that is not base64 at all.
        for body in ["data:image/png;base64,/9j/4AAQSkZJRgABAQ==", "<svg/>"] {
            let refused = trend_png(&path, body).unwrap_err();
            assert_eq!(refused.code, "invalid_trend", "{body}");
            assert!(refused.message.contains("not a PNG"), "{}", refused.message);
        }
        let oversized = format!("iVBORw0KGgo{}", "A".repeat(28 * 1024 * 1024));
        let refused = trend_png(&path, &oversized).unwrap_err();
        assert_eq!(refused.code, "invalid_trend");
        assert!(refused.message.contains("more than"), "{}", refused.message);
        // The right body for a path that is no PNG file is refused as well.
        assert_eq!(
            trend_png(&path.with_extension("exe"), png)
                .unwrap_err()
                .code,
            "export_path"
        );
    }
}
