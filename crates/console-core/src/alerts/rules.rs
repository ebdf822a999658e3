//! The alert rules: which plant changes, link states and command steps are alerts, and
//! what happened and where, as a [`Fact`] (its words are in [`super::wording`]).
//!
//! The rules see `state::Change`s only, so a snapshot that repeats the last-known plant
//! (after a reconnect, say) raises nothing, and a snapshot that differs raises each
//! difference once. They keep just enough memory of their own: names and places to say
//! where something happened, each device's limit state for hysteresis, and since when
//! the link has been down.

use std::collections::HashMap;

use plant_protocol::{Device, DeviceStatus, Relay, UnixSeconds};
use serde_json::Value;

use super::wording::{self, CommandEnd, Crossing, Fact, Place, Reading, Seen};
use super::{Alert, AlertKind, AlertSettings, Limit, Severity};
use crate::outbox::{QueuedCommand, Status};
use crate::state::{Change, PlantState, Subject};
use crate::store::Appearances;
use plant_link::link::{LinkMode, LinkState};

/// Where a device is, as far as the plant says.
#[derive(Debug, Clone, PartialEq)]
struct DeviceInfo {
    name: String,
    location: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct RelayInfo {
    name: String,
    device_id: Option<String>,
}

/// Where a device's value stands against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Band {
    Normal,
    High,
    Low,
}

/// The link has been without data since `since`.
#[derive(Debug, Clone, PartialEq)]
struct Outage {
    since: UnixSeconds,
    mode: LinkMode,
    detail: Option<String>,
    /// Whether [`AlertKind::LinkLost`] was raised for it (so its end is news too).
    alerted: bool,
}

/// Turns changes into alert candidates. See the module documentation.
#[derive(Debug)]
pub struct Rules {
    settings: AlertSettings,
    server: String,
    devices: HashMap<String, DeviceInfo>,
    relays: HashMap<String, RelayInfo>,
    bands: HashMap<String, Band>,
    outage: Option<Outage>,
}

/// Values from the plant and time data arrives are live only in these modes; in every
/// other mode the console shows last-known values.
fn is_live(mode: LinkMode) -> bool {
    matches!(mode, LinkMode::Realtime | LinkMode::Fallback)
}

/// A device's value with its unit, if it has one.
fn reading_of(device: &Device) -> Option<Reading<'_>> {
    device.value.map(|value| Reading {
        value,
        unit: device.unit.as_deref(),
    })
}

fn name_or_id<'a>(name: &'a str, id: &'a str) -> &'a str {
    if name.is_empty() {
        id
    } else {
        name
    }
}

fn location(device: &Device) -> Option<String> {
    match device.extra.get("location") {
        Some(Value::String(place)) if !place.is_empty() => Some(place.clone()),
        _ => None,
    }
}

impl Rules {
    pub fn new(settings: &AlertSettings, server: impl Into<String>) -> Self {
        Rules {
            settings: settings.clone(),
            server: server.into(),
            devices: HashMap::new(),
            relays: HashMap::new(),
            bands: HashMap::new(),
            outage: None,
        }
    }

    /// Forgets every device, relay and limit band: another plant is being connected.
    pub fn forget_plant(&mut self) {
        self.devices.clear();
        self.relays.clear();
        self.bands.clear();
    }

    /// Takes new settings from the next change on.
    pub fn configure(&mut self, settings: &AlertSettings, server: impl Into<String>) {
        self.settings = settings.clone();
        self.server = server.into();
    }

    /// Learns names, places and limit states of the last-known plant silently: what the
    /// console showed before it was restarted was alerted then, if at all.
    pub fn seed(&mut self, state: &PlantState) {
        for entry in state.devices() {
            self.learn_device(&entry.device);
            self.settle_band(&entry.device);
        }
        for entry in state.relays() {
            self.learn_relay(&entry.relay);
        }
    }

    fn learn_device(&mut self, device: &Device) {
        let name = name_or_id(&device.name, &device.id);
        let place = match device.extra.get("location") {
            Some(Value::String(place)) if !place.is_empty() => Some(place.as_str()),
            _ => None,
        };
        // Nearly every change is a new value of a known device: its name and place are
        // checked in place rather than copied again for each update.
        match self.devices.get_mut(device.id.as_str()) {
            Some(info) if info.name == name && info.location.as_deref() == place => {}
            Some(info) => {
                info.name = name.to_owned();
                info.location = place.map(str::to_owned);
            }
            None => {
                self.devices.insert(
                    device.id.clone(),
                    DeviceInfo {
                        name: name.to_owned(),
                        location: location(device),
                    },
                );
            }
        }
    }

    fn learn_relay(&mut self, relay: &Relay) {
        self.relays.insert(
            relay.id.clone(),
            RelayInfo {
                name: name_or_id(&relay.name, &relay.id).to_owned(),
                device_id: relay.device_id.clone(),
            },
        );
    }

    fn severity(&self, kind: AlertKind) -> Severity {
        self.settings.severity(kind)
    }

    /// A device's id and place, for the body of its alerts.
    fn device_place<'a>(&'a self, id: &'a str) -> Place<'a> {
        Place {
            id,
            device: None,
            location: self.devices.get(id).and_then(|d| d.location.as_deref()),
        }
    }

    /// A relay's id and, if it belongs to a known device, that device and its place.
    fn relay_place<'a>(&'a self, id: &'a str) -> Place<'a> {
        let device = self
            .relays
            .get(id)
            .and_then(|r| r.device_id.as_deref())
            .and_then(|d| self.devices.get(d));
        Place {
            id,
            device: device.map(|info| info.name.as_str()),
            location: device.and_then(|info| info.location.as_deref()),
        }
    }

    /// The alert about `fact`, with its words.
    fn alert(
        &self,
        at: UnixSeconds,
        kind: AlertKind,
        subject: &str,
        device: Option<&str>,
        key_detail: Option<&str>,
        fact: Fact<'_>,
    ) -> Alert {
        let (title_message, body_message, title, body) = wording::words(&fact);
        let key = match key_detail {
            Some(detail) => format!("{}:{subject}:{detail}", kind.as_str()),
            None => format!("{}:{subject}", kind.as_str()),
        };
        Alert {
            at,
            kind,
            severity: self.severity(kind),
            subject: subject.to_owned(),
            device: device.map(str::to_owned),
            key,
            title,
            body,
            title_message,
            body_message,
        }
    }

    /// The alerts one state change raises. `at` dates removals (which carry no time);
    /// `appearances` says whether a new device is news (see [`Appearances`]: the first
    /// fill of an empty picture is the console learning the plant, not an event).
    pub fn on_change(
        &mut self,
        change: &Change,
        at: UnixSeconds,
        appearances: Appearances,
        out: &mut Vec<Alert>,
    ) {
        match change {
            Change::Device { before, after } => {
                let device = &after.device;
                self.learn_device(device);
                let at = after.received_at;
                match before {
                    None if appearances == Appearances::Journal => {
                        out.push(self.alert(
                            at,
                            AlertKind::DeviceAppeared,
                            &device.id,
                            Some(&device.id),
                            None,
                            Fact::DeviceAppeared(self.seen(device)),
                        ));
                        self.check_limit(device, at, out);
                        self.check_standing(device, at, out);
                    }
                    // Learning the plant: a value already beyond its limit is where the
                    // band starts, as if restored from the cache. (A device already
                    // offline or in fault raises its alarm without an alert: see
                    // `standing`.)
                    None => self.settle_band(device),
                    Some(before) => {
                        self.check_status(before, device, at, out);
                        self.check_limit(device, at, out);
                    }
                }
            }
            Change::DeviceRemoved(device) => {
                self.bands.remove(&device.id);
                out.push(self.alert(
                    at,
                    AlertKind::DeviceRemoved,
                    &device.id,
                    Some(&device.id),
                    None,
                    Fact::DeviceRemoved {
                        name: name_or_id(&device.name, &device.id),
                        place: self.device_place(&device.id),
                    },
                ));
            }
            Change::Relay { before, after } => {
                let relay = &after.relay;
                self.learn_relay(relay);
                if before.as_ref().is_some_and(|b| b.state != relay.state) {
                    out.push(self.alert(
                        after.received_at,
                        AlertKind::RelaySwitched,
                        &relay.id,
                        relay.device_id.as_deref(),
                        Some(if relay.state { "on" } else { "off" }),
                        Fact::RelaySwitched {
                            name: name_or_id(&relay.name, &relay.id),
                            place: self.relay_place(&relay.id),
                            state: relay.state,
                            by: relay.changed_by.as_deref(),
                        },
                    ));
                }
            }
            // A relay that comes or goes is in the journal; only its switching is
            // something an operator must be told at once.
            Change::RelayRemoved(_) | Change::Stats(_) => {}
            // A device or relay the plant reports but the console cannot read leaves
            // the operator blind to it: that is an alert, once, when it becomes so. Its
            // placeholder never reaches a limit check (a device's value is `None`).
            Change::Readability {
                subject: subject @ (Subject::Device | Subject::Relay),
                id,
                name,
                before,
                after,
                at,
            } if before.is_empty() && !after.is_empty() => {
                let (relay, place, device) = match subject {
                    Subject::Device => (false, self.device_place(id), Some(id.as_str())),
                    _ => (
                        true,
                        self.relay_place(id),
                        self.relays.get(id).and_then(|r| r.device_id.as_deref()),
                    ),
                };
                out.push(self.alert(
                    *at,
                    AlertKind::BadValue,
                    id,
                    device,
                    None,
                    Fact::BadValue {
                        relay,
                        name,
                        place,
                        fields: after.joined(),
                    },
                ));
            }
            Change::Readability { .. } => {}
        }
    }

    /// A device as an alert about its appearance or standing condition names it.
    fn seen<'a>(&'a self, device: &'a Device) -> Seen<'a> {
        Seen {
            name: name_or_id(&device.name, &device.id),
            place: self.device_place(&device.id),
            status: device.status,
            value: reading_of(device),
        }
    }

    /// A device the console meets for the first time already offline or in fault: its
    /// condition is standing, and raises its alarm like a change to it would.
    fn check_standing(&self, device: &Device, at: UnixSeconds, out: &mut Vec<Alert>) {
        out.extend(self.standing(device, at));
    }

    /// The alert a standing condition of `device` stands for, if it has one. Learning
    /// the plant is no news (no alert, no notification), but the alarm summary must
    /// show a standing fault from the first minute: the alert core hands this to the
    /// alarm book alone.
    pub fn standing(&self, device: &Device, at: UnixSeconds) -> Option<Alert> {
        let kind = match device.status {
            DeviceStatus::Offline => AlertKind::DeviceOffline,
            DeviceStatus::Fault => AlertKind::DeviceFault,
            DeviceStatus::Online | DeviceStatus::Unknown => return None,
        };
        Some(self.alert(
            at,
            kind,
            &device.id,
            Some(&device.id),
            None,
            Fact::DeviceStanding(self.seen(device)),
        ))
    }

    fn check_status(
        &self,
        before: &Device,
        device: &Device,
        at: UnixSeconds,
        out: &mut Vec<Alert>,
    ) {
        let (from, to) = (before.status, device.status);
        if from == to {
            return;
        }
        let kind = match to {
            DeviceStatus::Offline => AlertKind::DeviceOffline,
            DeviceStatus::Fault => AlertKind::DeviceFault,
            DeviceStatus::Online if matches!(from, DeviceStatus::Offline | DeviceStatus::Fault) => {
                AlertKind::DeviceRecovered
            }
            // A status this contract does not name, or online after one, says nothing an
            // operator can act on; the journal keeps it.
            DeviceStatus::Online | DeviceStatus::Unknown => return,
        };
        out.push(self.alert(
            at,
            kind,
            &device.id,
            Some(&device.id),
            None,
            Fact::DeviceStatus {
                name: name_or_id(&device.name, &device.id),
                place: self.device_place(&device.id),
                from,
                to,
                last: reading_of(before),
            },
        ));
    }

    fn limit_for(&self, device: &Device) -> Option<Limit> {
        self.settings.limit_for(&device.id, &device.kind).cloned()
    }

    /// Sets the band a device's value is in without alerting.
    fn settle_band(&mut self, device: &Device) {
        let (Some(limit), Some(value)) = (self.limit_for(device), device.value) else {
            return;
        };
        let band = next_band(Band::Normal, value, &limit);
        self.bands.insert(device.id.clone(), band);
    }

    /// Moves the device's value to its new band; crossing into or out of a limit is an
    /// alert. The deadband keeps a value hovering at the limit from raising one alert
    /// per reading.
    fn check_limit(&mut self, device: &Device, at: UnixSeconds, out: &mut Vec<Alert>) {
        let (Some(limit), Some(value)) = (self.limit_for(device), device.value) else {
            return;
        };
        let band = self.bands.get(&device.id).copied().unwrap_or(Band::Normal);
        let next = next_band(band, value, &limit);
        if next == band {
            return;
        }
        self.bands.insert(device.id.clone(), next);
        let (kind, direction, crossing) = match next {
            Band::High => (
                AlertKind::LimitHigh,
                "high",
                Crossing::High {
                    limit: limit.high.unwrap_or(f64::INFINITY),
                },
            ),
            Band::Low => (
                AlertKind::LimitLow,
                "low",
                Crossing::Low {
                    limit: limit.low.unwrap_or(f64::NEG_INFINITY),
                },
            ),
            Band::Normal => (
                AlertKind::LimitCleared,
                "clear",
                match band {
                    Band::High => Crossing::ClearedFromHigh {
                        limit: limit.high.unwrap_or(f64::INFINITY),
                    },
                    _ => Crossing::ClearedFromLow {
                        limit: limit.low.unwrap_or(f64::NEG_INFINITY),
                    },
                },
            ),
        };
        out.push(self.alert(
            at,
            kind,
            &device.id,
            Some(&device.id),
            Some(direction),
            Fact::Limit {
                name: name_or_id(&device.name, &device.id),
                place: self.device_place(&device.id),
                now: Reading {
                    value,
                    unit: device.unit.as_deref(),
                },
                crossing,
            },
        ));
    }

    /// The link's published state changed. Loss becomes an alert only once it has
    /// lasted [`AlertSettings::link_loss_after`] (see [`Rules::tick`]); its end is an
    /// alert only if its start was.
    pub fn on_link(&mut self, state: &LinkState, out: &mut Vec<Alert>) {
        if is_live(state.mode) {
            if let Some(outage) = self.outage.take().filter(|o| o.alerted) {
                out.push(self.alert(
                    state.since,
                    AlertKind::LinkRestored,
                    "link",
                    None,
                    None,
                    Fact::LinkRestored {
                        after_s: state.since - outage.since,
                        server: &self.server,
                        mode: state.mode,
                    },
                ));
            }
            return;
        }
        match &mut self.outage {
            // Connecting, Offline and Stale in turn are one outage, from its first moment.
            Some(outage) => {
                outage.mode = state.mode;
                outage.detail = state.detail.clone();
            }
            None => {
                self.outage = Some(Outage {
                    since: state.since,
                    mode: state.mode,
                    detail: state.detail.clone(),
                    alerted: false,
                })
            }
        }
    }

    /// Raises [`AlertKind::LinkLost`] once the link has been down for the threshold.
    pub fn tick(&mut self, now: UnixSeconds, out: &mut Vec<Alert>) {
        let threshold = self.settings.link_loss_after.as_secs_f64();
        let Some(outage) = self.outage.as_ref() else {
            return;
        };
        if outage.alerted || now - outage.since < threshold {
            return;
        }
        let alert = self.alert(
            now,
            AlertKind::LinkLost,
            "link",
            None,
            None,
            Fact::LinkLost {
                for_s: now - outage.since,
                server: &self.server,
                mode: outage.mode,
                detail: outage.detail.as_deref(),
            },
        );
        if let Some(outage) = self.outage.as_mut() {
            outage.alerted = true;
        }
        out.push(alert);
    }

    /// When [`Rules::tick`] has something to do.
    pub fn next_deadline(&self) -> Option<UnixSeconds> {
        self.outage
            .as_ref()
            .filter(|o| !o.alerted)
            .map(|o| o.since + self.settings.link_loss_after.as_secs_f64())
    }

    /// An operator command that failed or expired is an alert: the operator meant the
    /// plant to change, and it did not.
    pub fn on_command(&mut self, command: &QueuedCommand, out: &mut Vec<Alert>) {
        let (kind, end) = match command.status {
            Status::Failed => (AlertKind::CommandFailed, CommandEnd::Failed),
            Status::Expired => (AlertKind::CommandExpired, CommandEnd::Expired),
            Status::PlantChanged => (AlertKind::CommandFailed, CommandEnd::PlantChanged),
            _ => return,
        };
        let relay = self.relays.get(&command.relay_id);
        let name = relay.map_or(command.relay_id.as_str(), |r| r.name.as_str());
        let device = relay.and_then(|r| r.device_id.as_deref());
        out.push(self.alert(
            command.updated_at,
            kind,
            &command.relay_id,
            device,
            Some(&command.request_id),
            Fact::Command {
                name,
                place: self.relay_place(&command.relay_id),
                state: command.state,
                end,
                error: command.error.as_deref(),
                operator: &command.operator,
            },
        ));
    }
}

/// The band `value` is in, coming from `band`: entering a limit needs the value beyond
/// it, leaving needs the value back inside by the deadband.
fn next_band(band: Band, value: f64, limit: &Limit) -> Band {
    let above = limit.high.is_some_and(|high| value > high);
    let below = limit.low.is_some_and(|low| value < low);
    let deadband = limit.deadband.max(0.0);
    match band {
        _ if above => Band::High,
        _ if below => Band::Low,
        Band::High if limit.high.is_some_and(|high| value > high - deadband) => Band::High,
        Band::Low if limit.low.is_some_and(|low| value < low + deadband) => Band::Low,
        _ => Band::Normal,
    }
}

#[cfg(test)]
mod tests;
