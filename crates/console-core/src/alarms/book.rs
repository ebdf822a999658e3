//! The alarms: one per condition of one source, moved only through the state table
//! ([`super::table`]), with first-out, chattering, shelving, out of service and
//! suppression by design. No I/O; time is an argument, so every timing rule is tested
//! without waiting. Every state change is queued as an [`AlarmTransition`] for the store.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::time::Duration;

use console_i18n::Message;
use plant_protocol::UnixSeconds;
use thiserror::Error;

use super::model::{
    AlarmCondition, AlarmEvent, AlarmState, AlarmStatus, AlarmTransition, AlarmView, Priority,
};
use super::table;
use crate::store::alerts::{Alert, AlertKind, Severity};

/// The longest shelving or out-of-service reason kept, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// An operator's or engineer's action that the alarms refuse, with why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AlarmError {
    #[error("no alarm with id {0}")]
    Unknown(i64),
    #[error("a reason is required")]
    NoReason,
    #[error("the reason is longer than {MAX_REASON_CHARS} characters")]
    ReasonTooLong,
    #[error("alarms can be shelved for at most {max_minutes} minutes")]
    ShelfTooLong { max_minutes: u64 },
    #[error("alarm {id} is {state} and cannot be {action}")]
    NotAllowed {
        id: i64,
        state: &'static str,
        action: &'static str,
    },
    #[error("device {0} is not out of service")]
    InService(String),
}

/// How a site runs its alarms.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmConfig {
    /// Activations closer together than this are one burst; its first is first-out.
    pub first_out_window: Duration,
    /// An alarm going active more than `chatter_count` times within `chatter_window`
    /// is chattering.
    pub chatter_count: u32,
    pub chatter_window: Duration,
    pub default_shelve: Duration,
    pub max_shelve: Duration,
    /// Conditions whose alarms latch, everywhere.
    pub latching: HashSet<AlarmCondition>,
    /// Devices whose alarms all latch.
    pub latching_devices: HashSet<String>,
    /// Priorities that differ from the alert severity's, per condition…
    pub priorities: HashMap<AlarmCondition, Priority>,
    /// …and per device (which wins).
    pub device_priorities: HashMap<String, Priority>,
}

impl Default for AlarmConfig {
    fn default() -> Self {
        AlarmConfig {
            first_out_window: Duration::from_secs(2),
            chatter_count: 3,
            chatter_window: Duration::from_secs(60),
            default_shelve: Duration::from_secs(15 * 60),
            max_shelve: Duration::from_secs(8 * 3600),
            latching: HashSet::new(),
            latching_devices: HashSet::new(),
            priorities: HashMap::new(),
            device_priorities: HashMap::new(),
        }
    }
}

/// What an alert means for the alarms: which condition goes active or returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    Activate(AlarmCondition),
    Return(AlarmCondition),
}

/// The alarm signals an alert carries: a fault ends "offline" and the other way round,
/// a crossing of one limit ends the other, and an alarm about a single event (a failed
/// command, a bad value) goes active and returns at once, so it waits as
/// Unacknowledged-Returned for someone to see it.
fn signals(kind: AlertKind) -> &'static [Signal] {
    use AlarmCondition as C;
    use Signal::{Activate as A, Return as R};
    match kind {
        AlertKind::DeviceOffline => &[R(C::DeviceFault), A(C::DeviceOffline)],
        AlertKind::DeviceFault => &[R(C::DeviceOffline), A(C::DeviceFault)],
        AlertKind::DeviceRecovered => &[R(C::DeviceOffline), R(C::DeviceFault)],
        AlertKind::DeviceRemoved => &[
            R(C::DeviceOffline),
            R(C::DeviceFault),
            R(C::LimitHigh),
            R(C::LimitLow),
        ],
        AlertKind::LimitHigh => &[R(C::LimitLow), A(C::LimitHigh)],
        AlertKind::LimitLow => &[R(C::LimitHigh), A(C::LimitLow)],
        AlertKind::LimitCleared => &[R(C::LimitHigh), R(C::LimitLow)],
        AlertKind::LinkLost => &[A(C::LinkLost)],
        AlertKind::LinkRestored => &[R(C::LinkLost)],
        AlertKind::CommandFailed | AlertKind::CommandExpired => {
            &[A(C::CommandFailed), R(C::CommandFailed)]
        }
        AlertKind::BadValue => &[A(C::BadValue), R(C::BadValue)],
        AlertKind::RelaySwitched | AlertKind::DeviceAppeared => &[],
    }
}

/// Whether alerts of `kind` are (part of) an alarm rather than a plain event.
pub fn is_alarm(kind: AlertKind) -> bool {
    signals(kind)
        .iter()
        .any(|s| matches!(s, Signal::Activate(_)))
}

fn priority_of(severity: Severity) -> Priority {
    match severity {
        Severity::Critical => Priority::Critical,
        Severity::High => Priority::High,
        Severity::Low | Severity::Info => Priority::Low,
    }
}

#[derive(Debug, Clone)]
struct Alarm {
    view: AlarmView,
    /// Recent activation times, for chattering.
    activations: VecDeque<UnixSeconds>,
}

/// What became of an alert in the alarms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AlertEffect {
    /// An alarm became Unacknowledged-Active: the operator must be told.
    pub annunciate: bool,
    /// The alert is about an alarm that is shelved, out of service or suppressed.
    pub held: Option<AlarmState>,
}

/// Every alarm of one plant. See the module documentation.
#[derive(Debug)]
pub struct AlarmBook {
    config: AlarmConfig,
    alarms: HashMap<i64, Alarm>,
    by_key: HashMap<(AlarmCondition, String), i64>,
    next_id: i64,
    last_activation: Option<UnixSeconds>,
    /// Relays that are off, per device they power.
    unpowered: HashMap<String, HashSet<String>>,
    /// Devices out of service, with the engineer's reason.
    out_of_service: HashMap<String, String>,
    silenced_at: Option<UnixSeconds>,
    transitions: Vec<AlarmTransition>,
    changed: BTreeSet<i64>,
}

impl AlarmBook {
    pub fn new(config: AlarmConfig) -> Self {
        AlarmBook {
            config,
            alarms: HashMap::new(),
            by_key: HashMap::new(),
            next_id: 1,
            last_activation: None,
            unpowered: HashMap::new(),
            out_of_service: HashMap::new(),
            silenced_at: None,
            transitions: Vec::new(),
            changed: BTreeSet::new(),
        }
    }

    pub fn config(&self) -> &AlarmConfig {
        &self.config
    }

    pub fn configure(&mut self, config: AlarmConfig) {
        self.config = config;
    }

    /// Takes the alarms kept in the cache, as they were when the console last ran.
    pub fn restore(&mut self, views: Vec<AlarmView>) {
        for view in views {
            self.next_id = self.next_id.max(view.id + 1);
            if view.state == AlarmState::OutOfService {
                if let Some(device) = &view.device {
                    self.out_of_service
                        .insert(device.clone(), view.reason.clone().unwrap_or_default());
                }
            }
            self.by_key
                .insert((view.condition, view.source.clone()), view.id);
            self.alarms.insert(
                view.id,
                Alarm {
                    view,
                    activations: VecDeque::new(),
                },
            );
        }
    }

    /// Forgets every alarm: another plant's cache is being used.
    pub fn forget(&mut self) {
        *self = AlarmBook::new(self.config.clone());
    }

    /// Runs an alert through the alarms it concerns.
    pub fn on_alert(&mut self, alert: &Alert, now: UnixSeconds) -> AlertEffect {
        let mut effect = AlertEffect::default();
        for &signal in signals(alert.kind) {
            let (condition, activate) = match signal {
                Signal::Activate(c) => (c, true),
                Signal::Return(c) => (c, false),
            };
            let key = (condition, alert.subject.clone());
            let id = match self.by_key.get(&key) {
                Some(&id) => id,
                // A return of an alarm never raised is nothing.
                None if !activate => continue,
                None => self.create(condition, alert, now),
            };
            if activate {
                let before = self.alarms[&id].view.state;
                self.activate(id, alert, now);
                let after = self.alarms[&id].view.state;
                if after == AlarmState::UnackActive && before != AlarmState::UnackActive {
                    effect.annunciate = true;
                }
                if matches!(
                    after,
                    AlarmState::Shelved | AlarmState::OutOfService | AlarmState::Suppressed
                ) {
                    effect.held = Some(after);
                }
            } else {
                self.step(id, AlarmEvent::Return, false, None, None, now);
            }
        }
        effect
    }

    fn create(&mut self, condition: AlarmCondition, alert: &Alert, now: UnixSeconds) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        let device = alert.device.clone();
        let priority = device
            .as_ref()
            .and_then(|d| self.config.device_priorities.get(d))
            .or_else(|| self.config.priorities.get(&condition))
            .copied()
            .unwrap_or_else(|| priority_of(alert.severity));
        let latching = self.config.latching.contains(&condition)
            || device
                .as_ref()
                .is_some_and(|d| self.config.latching_devices.contains(d));
        let view = AlarmView {
            id,
            condition,
            source: alert.subject.clone(),
            device,
            priority,
            state: AlarmState::Normal,
            active: false,
            acknowledged: true,
            latching,
            first_out: false,
            chattering: false,
            activated_at: None,
            changed_at: now,
            shelved_until: None,
            reason: None,
            message: message(condition, alert),
        };
        self.by_key.insert((condition, alert.subject.clone()), id);
        self.alarms.insert(
            id,
            Alarm {
                view,
                activations: VecDeque::new(),
            },
        );
        self.changed.insert(id);
        // An alarm of a device out of service or without power starts held. Only a
        // device's own conditions are held: a relay's failed command is news however
        // its device is powered.
        let device = self.alarms[&id].view.device.clone();
        if let Some(device) = device.filter(|d| *d == alert.subject) {
            if let Some(reason) = self.out_of_service.get(&device).cloned() {
                self.step(
                    id,
                    AlarmEvent::RemoveFromService,
                    false,
                    None,
                    Some(reason),
                    now,
                );
            } else if self.unpowered.get(&device).is_some_and(|r| !r.is_empty()) {
                self.step(id, AlarmEvent::Suppress, false, None, None, now);
            }
        }
        id
    }

    fn activate(&mut self, id: i64, alert: &Alert, now: UnixSeconds) {
        let window = self.config.first_out_window.as_secs_f64();
        let first_out = self.last_activation.is_none_or(|last| now - last > window);
        let chatter_window = self.config.chatter_window.as_secs_f64();
        let chatter_count = self.config.chatter_count as usize;
        let alarm = self.alarms.get_mut(&id).expect("the alarm exists");
        if alarm.view.active {
            return;
        }
        self.last_activation = Some(now);
        alarm.activations.push_back(now);
        while alarm
            .activations
            .front()
            .is_some_and(|&t| now - t > chatter_window)
        {
            alarm.activations.pop_front();
        }
        alarm.view.chattering = alarm.activations.len() > chatter_count;
        alarm.view.first_out = first_out;
        alarm.view.activated_at = Some(now);
        alarm.view.message = message(alarm.view.condition, alert);
        self.step(id, AlarmEvent::Activate, true, None, None, now);
    }

    /// Moves one alarm by `event`; `active` is whether its condition is present after.
    /// Returns whether its state changed.
    fn step(
        &mut self,
        id: i64,
        event: AlarmEvent,
        active: bool,
        by: Option<&str>,
        reason: Option<String>,
        now: UnixSeconds,
    ) -> bool {
        let alarm = self.alarms.get_mut(&id).expect("the alarm exists");
        let view = &mut alarm.view;
        if view.active != active {
            view.active = active;
            self.changed.insert(id);
        }
        let Some(to) = table::next(view.state, event, view.latching, active) else {
            return false;
        };
        let from = view.state;
        view.state = to;
        view.changed_at = now;
        view.acknowledged = !to.needs_acknowledgement();
        match to {
            AlarmState::Shelved | AlarmState::OutOfService => view.reason = reason.clone(),
            _ => view.reason = None,
        }
        if to != AlarmState::Shelved {
            view.shelved_until = None;
        }
        self.transitions.push(AlarmTransition {
            id: 0,
            alarm_id: id,
            at: now,
            from,
            to,
            event,
            by: by.map(str::to_owned),
            reason,
            condition: view.condition,
            source: view.source.clone(),
            priority: view.priority,
            message: view.message.clone(),
        });
        self.changed.insert(id);
        true
    }

    fn known(&self, id: i64) -> Result<&AlarmView, AlarmError> {
        self.alarms
            .get(&id)
            .map(|a| &a.view)
            .ok_or(AlarmError::Unknown(id))
    }

    /// Acknowledges alarms as `by`; returns how many needed it. Every id must be known.
    pub fn acknowledge(
        &mut self,
        ids: &[i64],
        by: &str,
        now: UnixSeconds,
    ) -> Result<u32, AlarmError> {
        for &id in ids {
            self.known(id)?;
        }
        let mut count = 0;
        for &id in ids {
            let active = self.alarms[&id].view.active;
            if self.step(id, AlarmEvent::Acknowledge, active, Some(by), None, now) {
                count += 1;
            }
        }
        Ok(count)
    }

    /// Acknowledges every alarm that needs it.
    pub fn acknowledge_all(&mut self, by: &str, now: UnixSeconds) -> u32 {
        let ids: Vec<i64> = self
            .alarms
            .values()
            .filter(|a| a.view.state.needs_acknowledgement())
            .map(|a| a.view.id)
            .collect();
        self.acknowledge(&ids, by, now).unwrap_or(0)
    }

    /// Resets a latched alarm.
    pub fn reset(&mut self, id: i64, by: &str, now: UnixSeconds) -> Result<AlarmView, AlarmError> {
        let view = self.known(id)?;
        if view.state != AlarmState::Latched {
            return Err(not_allowed(view, "reset"));
        }
        let active = view.active;
        self.step(id, AlarmEvent::Reset, active, Some(by), None, now);
        Ok(self.alarms[&id].view.clone())
    }

    /// Shelves an alarm for `duration` (the site's default when `None`) with a reason.
    pub fn shelve(
        &mut self,
        id: i64,
        duration: Option<Duration>,
        reason: &str,
        by: &str,
        now: UnixSeconds,
    ) -> Result<AlarmView, AlarmError> {
        let reason = checked_reason(reason)?;
        let duration = duration.unwrap_or(self.config.default_shelve);
        if duration > self.config.max_shelve || duration.is_zero() {
            return Err(AlarmError::ShelfTooLong {
                max_minutes: self.config.max_shelve.as_secs() / 60,
            });
        }
        let view = self.known(id)?;
        let active = view.active;
        if !self.step(id, AlarmEvent::Shelve, active, Some(by), Some(reason), now) {
            return Err(not_allowed(&self.alarms[&id].view, "shelved"));
        }
        let view = &mut self.alarms.get_mut(&id).expect("known").view;
        view.shelved_until = Some(now + duration.as_secs_f64());
        Ok(view.clone())
    }

    /// Ends a shelf before its time.
    pub fn unshelve(
        &mut self,
        id: i64,
        by: &str,
        now: UnixSeconds,
    ) -> Result<AlarmView, AlarmError> {
        let view = self.known(id)?;
        if view.state != AlarmState::Shelved {
            return Err(not_allowed(view, "unshelved"));
        }
        let active = view.active;
        self.step(id, AlarmEvent::Unshelve, active, Some(by), None, now);
        Ok(self.alarms[&id].view.clone())
    }

    /// Takes every alarm of a device out of service, now and for alarms raised later,
    /// until [`AlarmBook::return_to_service`]. Returns how many alarms it holds now.
    pub fn remove_from_service(
        &mut self,
        device: &str,
        reason: &str,
        by: &str,
        now: UnixSeconds,
    ) -> Result<u32, AlarmError> {
        let reason = checked_reason(reason)?;
        self.out_of_service
            .insert(device.to_owned(), reason.clone());
        let mut count = 0;
        for id in self.ids_of(device) {
            let active = self.alarms[&id].view.active;
            if self.step(
                id,
                AlarmEvent::RemoveFromService,
                active,
                Some(by),
                Some(reason.clone()),
                now,
            ) {
                count += 1;
            }
        }
        Ok(count)
    }

    pub fn return_to_service(
        &mut self,
        device: &str,
        by: &str,
        now: UnixSeconds,
    ) -> Result<u32, AlarmError> {
        if self.out_of_service.remove(device).is_none() {
            return Err(AlarmError::InService(device.to_owned()));
        }
        let mut count = 0;
        for id in self.ids_of(device) {
            let active = self.alarms[&id].view.active;
            if self.step(id, AlarmEvent::ReturnToService, active, Some(by), None, now) {
                count += 1;
            }
        }
        // Without power the device's alarms go on being suppressed.
        if self.unpowered.get(device).is_some_and(|r| !r.is_empty()) {
            for id in self.ids_of(device) {
                let active = self.alarms[&id].view.active;
                self.step(id, AlarmEvent::Suppress, active, None, None, now);
            }
        }
        Ok(count)
    }

    /// A relay that powers `device` (the plant's `device_id`) is now on or off: while any
    /// is off, the device's alarms are suppressed by design.
    pub fn relay(&mut self, relay: &str, device: Option<&str>, on: bool, now: UnixSeconds) {
        // A relay may move to another device: it powers only the one named now.
        let mut was_off_for = Vec::new();
        for (dev, relays) in self.unpowered.iter_mut() {
            if relays.remove(relay) {
                was_off_for.push(dev.clone());
            }
        }
        if let (Some(device), false) = (device, on) {
            self.unpowered
                .entry(device.to_owned())
                .or_default()
                .insert(relay.to_owned());
        }
        let mut devices: BTreeSet<String> = was_off_for.into_iter().collect();
        devices.extend(device.map(str::to_owned));
        for dev in devices {
            let off = self.unpowered.get(&dev).is_some_and(|r| !r.is_empty());
            if !off {
                self.unpowered.remove(&dev);
            }
            let event = if off {
                AlarmEvent::Suppress
            } else {
                AlarmEvent::Unsuppress
            };
            for id in self.ids_of(&dev) {
                let active = self.alarms[&id].view.active;
                self.step(id, event, active, None, None, now);
            }
        }
    }

    /// Silences the horn: what sounds now stops; an alarm that goes active later sounds.
    pub fn silence(&mut self, now: UnixSeconds) {
        self.silenced_at = Some(now);
    }

    /// Unshelves alarms whose shelf time ran out and clears chattering that calmed down.
    pub fn tick(&mut self, now: UnixSeconds) {
        let due: Vec<i64> = self
            .alarms
            .values()
            .filter(|a| a.view.shelved_until.is_some_and(|until| now >= until))
            .map(|a| a.view.id)
            .collect();
        for id in due {
            let active = self.alarms[&id].view.active;
            self.step(
                id,
                AlarmEvent::Unshelve,
                active,
                None,
                Some("shelf time ran out".into()),
                now,
            );
        }
        let window = self.config.chatter_window.as_secs_f64();
        let count = self.config.chatter_count as usize;
        for alarm in self.alarms.values_mut() {
            while alarm.activations.front().is_some_and(|&t| now - t > window) {
                alarm.activations.pop_front();
            }
            if alarm.view.chattering && alarm.activations.len() <= count {
                alarm.view.chattering = false;
                self.changed.insert(alarm.view.id);
            }
        }
    }

    /// When [`AlarmBook::tick`] has something to do next.
    pub fn next_deadline(&self) -> Option<UnixSeconds> {
        let window = self.config.chatter_window.as_secs_f64();
        self.alarms
            .values()
            .filter_map(|a| {
                let shelf = a.view.shelved_until;
                let calm = a
                    .view
                    .chattering
                    .then(|| a.activations.front().map(|t| t + window))
                    .flatten();
                [shelf, calm].into_iter().flatten().reduce(f64::min)
            })
            .reduce(f64::min)
    }

    /// The alarms of a device's own conditions (not those of its relays).
    fn ids_of(&self, device: &str) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .alarms
            .values()
            .filter(|a| a.view.source == device && a.view.device.as_deref() == Some(device))
            .map(|a| a.view.id)
            .collect();
        ids.sort_unstable();
        ids
    }

    pub fn get(&self, id: i64) -> Option<&AlarmView> {
        self.alarms.get(&id).map(|a| &a.view)
    }

    /// The alarm summary: alarms that are not Normal, by priority, then newest first.
    pub fn summary(&self) -> Vec<AlarmView> {
        let mut list: Vec<AlarmView> = self
            .alarms
            .values()
            .filter(|a| a.view.state != AlarmState::Normal)
            .map(|a| a.view.clone())
            .collect();
        sort_for_summary(&mut list);
        list
    }

    /// What the banner and the tray show.
    pub fn status(&self) -> AlarmStatus {
        let mut status = AlarmStatus::default();
        let mut top: Option<&AlarmView> = None;
        let mut sounding: Option<Priority> = None;
        for view in self.alarms.values().map(|a| &a.view) {
            if view.active && matches!(view.state, AlarmState::UnackActive | AlarmState::AckActive)
            {
                status.active.add(view.priority);
            }
            if !view.state.needs_acknowledgement() {
                continue;
            }
            status.unacknowledged.add(view.priority);
            if top.is_none_or(|t| {
                (view.priority, view.changed_at, view.id) > (t.priority, t.changed_at, t.id)
            }) {
                top = Some(view);
            }
            let since = view.activated_at.unwrap_or(view.changed_at);
            if view.priority >= Priority::High && self.silenced_at.is_none_or(|s| since > s) {
                sounding = sounding.max(Some(view.priority));
            }
        }
        status.top = top.cloned();
        status.sounding = sounding;
        status
    }

    /// The transitions and changed alarms since the last call, for the store and the
    /// window.
    pub fn take_changes(&mut self) -> (Vec<AlarmTransition>, Vec<AlarmView>) {
        let views = std::mem::take(&mut self.changed)
            .into_iter()
            .filter_map(|id| self.alarms.get(&id).map(|a| a.view.clone()))
            .collect();
        (std::mem::take(&mut self.transitions), views)
    }
}

/// The alarms a list shows: those in `states`, or (with no states) every alarm not
/// Normal, in the summary's order. The window's summary and the CLI's `alarms` both.
pub fn select_for_summary(mut list: Vec<AlarmView>, states: &[AlarmState]) -> Vec<AlarmView> {
    list.retain(|a| {
        if states.is_empty() {
            a.state != AlarmState::Normal
        } else {
            states.contains(&a.state)
        }
    });
    sort_for_summary(&mut list);
    list
}

/// By priority (most urgent first), then the newest change first.
pub fn sort_for_summary(list: &mut [AlarmView]) {
    list.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(b.changed_at.total_cmp(&a.changed_at))
            .then(b.id.cmp(&a.id))
    });
}

fn not_allowed(view: &AlarmView, action: &'static str) -> AlarmError {
    AlarmError::NotAllowed {
        id: view.id,
        state: view.state.as_str(),
        action,
    }
}

fn checked_reason(reason: &str) -> Result<String, AlarmError> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err(AlarmError::NoReason)
    } else if reason.chars().count() > MAX_REASON_CHARS {
        Err(AlarmError::ReasonTooLong)
    } else {
        Ok(reason.to_owned())
    }
}

/// The alarm's words: its catalog id and what they need, with the alert's English title
/// as the words of a console without the catalog entry.
fn message(condition: AlarmCondition, alert: &Alert) -> Message {
    Message::new(format!("alarm-{}", condition.as_str()))
        .text("source", alert.subject.clone())
        .text(
            "name",
            alert
                .title_message
                .text_arg("name")
                .unwrap_or(alert.subject.as_str()),
        )
}

#[cfg(test)]
mod tests;
