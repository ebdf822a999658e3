//! Alerts: what in the plant's changes an operator must be told about, told through
//! native notifications that stay readable in a flood, and kept in a list to acknowledge.
//!
//! Alerts are made from `state::Change`s, link states and outbox command updates, never
//! from frames (`rules.rs`), so a repeated snapshot raises nothing. Flood control
//! (`flood.rs`, after ISA-18.2) decides which alerts are shown one by one; [`AlertCore`]
//! adds the operator's mute and shelving on top. All three take time as an argument.
//! `engine.rs` runs them as a task that records every alert in the store and hands the
//! notifications to a [`NotificationSink`] on a thread of its own.

pub(crate) mod engine;
mod feeds;
mod flood;
mod handle;
mod rules;
mod sink;
mod wording;

use console_i18n::Message;
use std::collections::HashMap;
use std::time::Duration;

use plant_protocol::UnixSeconds;
use serde::{Deserialize, Serialize};

use crate::alarms::book::{is_alarm, AlarmBook, AlarmConfig, AlertEffect};
use crate::alarms::AlarmState;
use crate::outbox::QueuedCommand;
use crate::state::{Change, PlantState};
pub use crate::store::alerts::{Alert, AlertKind, AlertView, Outcome, Severity};
use crate::store::Appearances;
use plant_link::link::LinkState;

pub use handle::{AlarmAction, AlertError};
// The engine's wiring and the parts it is made of are the console's business alone.
pub(crate) use engine::{fan_out, start, EngineConfig};
pub(crate) use feeds::{AlertFeed, ChangeFeed, StoreSwitch};
pub(crate) use flood::{Decision, Flood, FloodPolicy, Summary};
pub(crate) use handle::AlertHandle;
pub(crate) use rules::Rules;
pub use sink::{Notice, NotificationSink, RecordingSink, SinkError};

/// How long "mute all" and shelving last when the operator picks the usual duration.
pub const DEFAULT_MUTE: Duration = Duration::from_secs(15 * 60);
/// See [`DEFAULT_MUTE`].
pub const DEFAULT_SHELVE: Duration = Duration::from_secs(15 * 60);

impl AlertKind {
    /// The severity a site gets unless its settings say otherwise. A fault and a lost
    /// link leave the operator blind or the plant unsafe, so they are critical; a
    /// return to normal is news but needs no action.
    pub fn default_severity(self) -> Severity {
        match self {
            AlertKind::DeviceFault | AlertKind::LinkLost => Severity::Critical,
            AlertKind::DeviceOffline
            | AlertKind::LimitHigh
            | AlertKind::LimitLow
            | AlertKind::CommandFailed
            | AlertKind::CommandExpired
            | AlertKind::BadValue => Severity::High,
            AlertKind::RelaySwitched | AlertKind::DeviceRemoved => Severity::Low,
            AlertKind::DeviceRecovered
            | AlertKind::DeviceAppeared
            | AlertKind::LimitCleared
            | AlertKind::LinkRestored => Severity::Info,
        }
    }

    /// How a flood summary counts alerts of this kind ("12 devices offline").
    /// "12 devices offline" as a catalog message (`alert-count`).
    pub fn count_message(self, count: u32) -> Message {
        Message::new("alert-count")
            .text("kind", self.as_str())
            .number("count", f64::from(count))
    }
}

/// A high and/or low limit on device values, with a deadband (hysteresis).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Limit {
    /// The device it applies to; a limit for one device wins over one for its kind.
    pub device_id: Option<String>,
    /// Every device of this kind (`"temperature"`), when `device_id` is not set.
    pub device_kind: Option<String>,
    /// A value above this raises [`AlertKind::LimitHigh`].
    pub high: Option<f64>,
    /// A value below this raises [`AlertKind::LimitLow`].
    pub low: Option<f64>,
    /// How far back inside a limit a value must come before the alarm clears, so a
    /// value hovering at the limit raises one alert, not one per reading.
    pub deadband: f64,
}

impl Limit {
    fn applies_to(&self, device_id: &str, device_kind: &str) -> bool {
        match (&self.device_id, &self.device_kind) {
            (Some(id), _) => id == device_id,
            (None, Some(kind)) => kind == device_kind,
            (None, None) => false,
        }
    }
}

/// The alert settings of a site. There is no UI for them yet; the shell builds them.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertSettings {
    /// Severities that differ from [`AlertKind::default_severity`].
    pub severities: HashMap<AlertKind, Severity>,
    /// Alerts below this severity are recorded but never notified.
    pub notify_from: Severity,
    /// Value limits; none by default, because only the site knows them.
    pub limits: Vec<Limit>,
    /// How long the plant must be unreachable before it is an alert: a reconnect that
    /// takes a second is not news.
    pub link_loss_after: Duration,
    pub flood: FloodPolicy,
    /// How the alarms run: first-out, chattering, shelving, latching, priorities.
    pub alarms: AlarmConfig,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            severities: HashMap::new(),
            notify_from: Severity::Info,
            limits: Vec::new(),
            link_loss_after: Duration::from_secs(10),
            flood: FloodPolicy::default(),
            alarms: AlarmConfig::default(),
        }
    }
}

impl AlertSettings {
    /// The severity alerts of `kind` get at this site.
    pub fn severity(&self, kind: AlertKind) -> Severity {
        self.severities
            .get(&kind)
            .copied()
            .unwrap_or_else(|| kind.default_severity())
    }

    /// The limit that applies to a device, if any: one for the device itself wins.
    pub fn limit_for(&self, device_id: &str, device_kind: &str) -> Option<&Limit> {
        self.limits
            .iter()
            .find(|l| l.device_id.as_deref() == Some(device_id))
            .or_else(|| {
                self.limits
                    .iter()
                    .find(|l| l.applies_to(device_id, device_kind))
            })
    }
}

/// An alert with what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub alert: Alert,
    pub outcome: Outcome,
}

/// A shelved device (or relay) and until when.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Shelf {
    pub subject: String,
    pub until: UnixSeconds,
}

/// What the tray and the window show about alerts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertStatus {
    pub unacked: u32,
    pub unacked_critical: u32,
    /// Whether notifications are muted; `muted_until` is `None` while muted means
    /// "until unmuted".
    pub muted: bool,
    pub muted_until: Option<UnixSeconds>,
    pub shelved: Vec<Shelf>,
}

/// How long notifications are muted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mute {
    Until(UnixSeconds),
    Indefinitely,
}

/// What [`AlertCore::tick`] found due.
#[derive(Debug, Default)]
pub struct Tick {
    /// Alerts that became due by time alone (a link lost for the threshold).
    pub decided: Vec<Decided>,
    /// A flood summary to notify.
    pub summary: Option<Summary>,
    /// A mute or a shelf ran out, so the published status changed.
    pub status_changed: bool,
}

/// The alert engine's logic without I/O: rules, flood control, mute and shelving. Time
/// is an argument everywhere, so every timing rule is tested without waiting.
#[derive(Debug)]
pub struct AlertCore {
    notify_from: Severity,
    rules: Rules,
    flood: Flood,
    mute: Option<Mute>,
    shelved: HashMap<String, UnixSeconds>,
    /// The alarms the alerts raise and return (ISA-18.2 states).
    alarms: AlarmBook,
}

impl AlertCore {
    /// `server` names the plant in link alerts.
    pub fn new(settings: &AlertSettings, server: impl Into<String>) -> Self {
        AlertCore {
            notify_from: settings.notify_from,
            rules: Rules::new(settings, server),
            flood: Flood::new(settings.flood.clone()),
            mute: None,
            shelved: HashMap::new(),
            alarms: AlarmBook::new(settings.alarms.clone()),
        }
    }

    /// The alarms, for the engine's operator actions and status.
    pub fn alarms(&self) -> &AlarmBook {
        &self.alarms
    }

    pub fn alarms_mut(&mut self) -> &mut AlarmBook {
        &mut self.alarms
    }

    /// Takes new settings; what the rules learnt of the plant is kept, so a value already
    /// past a new limit alerts on its next reading.
    pub fn configure(&mut self, settings: &AlertSettings, server: impl Into<String>) {
        self.notify_from = settings.notify_from;
        self.rules.configure(settings, server);
        self.alarms.configure(settings.alarms.clone());
    }

    /// Forgets the plant learnt so far (another plant is being connected).
    pub fn forget_plant(&mut self) {
        self.rules.forget_plant();
        self.alarms.forget();
    }

    /// Learns the last-known plant (restored from the cache) without alerting on it.
    pub fn seed(&mut self, state: &PlantState) {
        self.rules.seed(state);
        for entry in state.relays() {
            let relay = &entry.relay;
            self.alarms.relay(
                &relay.id,
                relay.device_id.as_deref(),
                relay.state,
                entry.received_at,
            );
        }
    }

    /// The changes one plant message made, received at `at`.
    pub fn on_changes(
        &mut self,
        changes: &[Change],
        at: UnixSeconds,
        appearances: Appearances,
        now: UnixSeconds,
    ) -> Vec<Decided> {
        let mut alerts = Vec::new();
        for change in changes {
            self.rules.on_change(change, at, appearances, &mut alerts);
            // A device met already offline or in fault while learning the plant: no
            // alert, but its alarm is standing and goes in the summary.
            if let Change::Device {
                before: None,
                after,
            } = change
            {
                if appearances == Appearances::Quiet {
                    if let Some(alert) = self.rules.standing(&after.device, after.received_at) {
                        self.alarms.on_alert(&alert, now);
                    }
                }
            }
            // A relay that powers a device suppresses the device's alarms while it is off.
            match change {
                Change::Relay { after, .. } => {
                    let relay = &after.relay;
                    self.alarms
                        .relay(&relay.id, relay.device_id.as_deref(), relay.state, at);
                }
                Change::RelayRemoved(relay) => self.alarms.relay(&relay.id, None, true, at),
                _ => {}
            }
        }
        self.decide_all(alerts, now)
    }

    /// The link's published state changed.
    pub fn on_link(&mut self, state: &LinkState, now: UnixSeconds) -> Vec<Decided> {
        let mut alerts = Vec::new();
        self.rules.on_link(state, &mut alerts);
        self.decide_all(alerts, now)
    }

    /// An operator command took a step.
    pub fn on_command(&mut self, command: &QueuedCommand, now: UnixSeconds) -> Vec<Decided> {
        let mut alerts = Vec::new();
        self.rules.on_command(command, &mut alerts);
        self.decide_all(alerts, now)
    }

    /// Whatever became due by `now`: link loss, a flood summary, the end of a mute or
    /// a shelf. Call it at [`AlertCore::next_deadline`].
    pub fn tick(&mut self, now: UnixSeconds) -> Tick {
        let status_changed = self.expire(now);
        self.alarms.tick(now);
        let mut alerts = Vec::new();
        self.rules.tick(now, &mut alerts);
        let decided = self.decide_all(alerts, now);
        let summary = self.flood.tick(now);
        // A summary that falls due while muted is dropped like the alerts it counts.
        let summary = summary.filter(|_| self.mute.is_none());
        Tick {
            decided,
            summary,
            status_changed,
        }
    }

    /// The earliest time at which [`AlertCore::tick`] has something to do.
    pub fn next_deadline(&self) -> Option<UnixSeconds> {
        let mute = match self.mute {
            Some(Mute::Until(until)) => Some(until),
            _ => None,
        };
        [
            self.rules.next_deadline(),
            self.flood.next_deadline(),
            mute,
            self.shelved.values().copied().reduce(f64::min),
            self.alarms.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .reduce(f64::min)
    }

    /// Mutes every notification for `duration`, or until [`AlertCore::unmute`].
    pub fn mute(&mut self, now: UnixSeconds, duration: Option<Duration>) {
        self.mute = Some(match duration {
            Some(duration) => Mute::Until(now + duration.as_secs_f64()),
            None => Mute::Indefinitely,
        });
    }

    pub fn unmute(&mut self) {
        self.mute = None;
    }

    /// Stops notifying alerts about `subject` (a device, or a relay) for `duration`.
    pub fn shelve(&mut self, subject: &str, now: UnixSeconds, duration: Duration) {
        self.shelved
            .insert(subject.to_owned(), now + duration.as_secs_f64());
    }

    /// Ends a shelf early; `false` if `subject` was not shelved.
    pub fn unshelve(&mut self, subject: &str) -> bool {
        self.shelved.remove(subject).is_some()
    }

    pub fn mute_state(&self) -> Option<Mute> {
        self.mute
    }

    /// Shelved subjects, soonest to end first.
    pub fn shelves(&self) -> Vec<Shelf> {
        let mut list: Vec<Shelf> = self
            .shelved
            .iter()
            .map(|(subject, &until)| Shelf {
                subject: subject.clone(),
                until,
            })
            .collect();
        list.sort_by(|a, b| a.until.total_cmp(&b.until).then(a.subject.cmp(&b.subject)));
        list
    }

    /// Ends mutes and shelves whose time is up; says whether any did.
    fn expire(&mut self, now: UnixSeconds) -> bool {
        let mut changed = false;
        if matches!(self.mute, Some(Mute::Until(until)) if now >= until) {
            self.mute = None;
            changed = true;
        }
        let before = self.shelved.len();
        self.shelved.retain(|_, until| now < *until);
        changed || self.shelved.len() != before
    }

    fn is_shelved(&self, alert: &Alert) -> bool {
        self.shelved.contains_key(&alert.subject)
            || alert
                .device
                .as_ref()
                .is_some_and(|device| self.shelved.contains_key(device))
    }

    fn decide_all(&mut self, alerts: Vec<Alert>, now: UnixSeconds) -> Vec<Decided> {
        if alerts.is_empty() {
            return Vec::new();
        }
        self.expire(now);
        alerts
            .into_iter()
            .map(|alert| {
                let effect = self.alarms.on_alert(&alert, now);
                let outcome = self.decide(&alert, effect, now);
                Decided { alert, outcome }
            })
            .collect()
    }

    /// The operator's choices come before flood control: a muted or shelved alert does
    /// not use up the flood budget or show up in a summary.
    ///
    /// An alert that raises an alarm notifies only when the alarm becomes
    /// Unacknowledged-Active: not while the alarm is shelved, out of service or
    /// suppressed by design.
    fn decide(&mut self, alert: &Alert, effect: AlertEffect, now: UnixSeconds) -> Outcome {
        let raises_alarm = is_alarm(alert.kind);
        if raises_alarm && effect.held == Some(AlarmState::Shelved) {
            Outcome::Shelved
        } else if (raises_alarm && !effect.annunciate) || alert.severity < self.notify_from {
            Outcome::Quiet
        } else if self.mute.is_some() {
            Outcome::Muted
        } else if self.is_shelved(alert) {
            Outcome::Shelved
        } else {
            match self.flood.decide(now, alert) {
                Decision::Notify => Outcome::Notified,
                Decision::Flood => Outcome::Flood,
                Decision::Flapping => Outcome::Flapping,
            }
        }
    }
}

#[cfg(test)]
mod tests;
