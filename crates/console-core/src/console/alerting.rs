//! The console's alert API: thin forwarders to the alert engine's handle, so the shell
//! asks the console and never holds the engine itself.

use std::time::Duration;

use tokio::sync::watch;

use super::Console;
use crate::alarms::{AlarmKpis, AlarmState, AlarmStatus, AlarmTransition, AlarmView};
use crate::alerts::{AlarmAction, AlertError, AlertSettings, AlertStatus, AlertView};
use crate::audit::Actor;

/// The most transitions one export writes: a year of a busy plant, far under what a
/// spreadsheet opens, and a bound on the memory one click can take.
pub const MAX_EXPORTED_TRANSITIONS: u32 = 1_000_000;

impl Console {
    /// New alert settings, from the next plant change on.
    pub async fn configure_alerts(&self, settings: AlertSettings) -> Result<(), AlertError> {
        self.alerts.configure(settings, self.server_url()).await
    }

    /// The latest `limit` alerts, newest first.
    pub async fn alerts(&self, limit: u32) -> Result<Vec<AlertView>, AlertError> {
        self.alerts.list(limit).await
    }

    /// Acknowledges one alert (`Some(id)`) or every alert (`None`) as the OS user;
    /// returns how many were acknowledged now.
    pub async fn acknowledge(&self, id: Option<i64>) -> Result<u32, AlertError> {
        self.alerts.acknowledge(id, &Actor::current().user).await
    }

    /// Mutes every notification for `duration`, or until [`Console::unmute`] (`None`).
    /// Alerts are still recorded and counted.
    pub async fn mute(&self, duration: Option<Duration>) -> Result<AlertStatus, AlertError> {
        self.alerts.mute(duration).await
    }

    pub async fn unmute(&self) -> Result<AlertStatus, AlertError> {
        self.alerts.unmute().await
    }

    /// Stops notifying alerts about one device (or relay) for `duration`; they are still
    /// recorded.
    pub async fn shelve(
        &self,
        device_id: &str,
        duration: Duration,
    ) -> Result<AlertStatus, AlertError> {
        self.alerts.shelve(device_id, Some(duration)).await
    }

    /// Ends a device's shelf early.
    pub async fn unshelve(&self, device_id: &str) -> Result<AlertStatus, AlertError> {
        self.alerts.shelve(device_id, None).await
    }

    pub fn alert_status(&self) -> AlertStatus {
        self.alerts.status()
    }

    /// The alert status as it changes, for the tray.
    pub fn alert_status_watch(&self) -> watch::Receiver<AlertStatus> {
        self.alerts.watch()
    }

    /// Plant messages whose changes were not checked for alerts because the engine was
    /// behind (for diagnostics; it should stay 0).
    pub fn alerts_dropped(&self) -> u64 {
        self.alerts.dropped_changes()
    }
}

impl Console {
    /// Applies an alarm action as `by` (the OS user when `None`); answers how many
    /// alarms it changed. Refusals are [`AlertError::Alarm`].
    pub async fn alarm_action(
        &self,
        action: AlarmAction,
        by: Option<&str>,
    ) -> Result<u32, AlertError> {
        let user = Actor::current().user;
        self.alerts.alarm(action, by.unwrap_or(&user)).await
    }

    /// The alarm summary: every alarm not Normal (or those in `states`), by priority,
    /// then newest first.
    pub async fn alarms(
        &self,
        states: Option<Vec<AlarmState>>,
    ) -> Result<Vec<AlarmView>, AlertError> {
        self.alerts.alarms(states).await
    }

    /// One alarm's recorded transitions, oldest first.
    pub async fn alarm_history(&self, id: i64) -> Result<Vec<AlarmTransition>, AlertError> {
        self.alerts.alarm_history(id).await
    }

    /// The plant's alarm journal in `[since, until]`, newest first, at most `limit`.
    pub async fn alarm_journal(
        &self,
        since: Option<f64>,
        until: Option<f64>,
        limit: u32,
    ) -> Result<Vec<AlarmTransition>, AlertError> {
        self.alerts.alarm_journal(since, until, limit).await
    }

    /// The ISA-18.2 alarm KPIs over the last `hours` (24 when `None`).
    pub async fn alarm_kpis(&self, hours: Option<f64>) -> Result<AlarmKpis, AlertError> {
        let until = plant_link::clock::unix_now();
        let hours = hours.unwrap_or(24.0).clamp(1.0 / 6.0, 24.0 * 31.0);
        self.alerts.alarm_kpis(until - hours * 3600.0, until).await
    }

    /// The alarm journal in `[since, until]` as CSV, worded in the console's language,
    /// oldest first; with the number of rows.
    pub async fn alarm_journal_csv(
        &self,
        since: Option<f64>,
        until: Option<f64>,
    ) -> Result<(String, u32), AlertError> {
        let mut rows = self
            .alerts
            .alarm_journal(since, until, MAX_EXPORTED_TRANSITIONS)
            .await?;
        rows.reverse();
        let count = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        Ok((
            crate::alarms::csv::journal_csv(&rows, self.language()),
            count,
        ))
    }

    pub fn alarm_status(&self) -> AlarmStatus {
        self.alerts.alarm_status()
    }

    /// The alarm status as it changes, for the tray.
    pub fn alarm_status_watch(&self) -> watch::Receiver<AlarmStatus> {
        self.alerts.alarm_status_watch()
    }
}
