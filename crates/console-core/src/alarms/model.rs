//! The alarm types that cross to the window, the CLI and the store: an alarm's state,
//! priority and condition, its view, one recorded transition, the banner's status and the
//! ISA-18.2 key performance indicators.

use console_i18n::Message;
use plant_protocol::UnixSeconds;
use serde::{Deserialize, Serialize};

/// An alarm's state in the ISA-18.2 state diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AlarmState {
    /// The condition is not present and nothing is left to acknowledge.
    Normal,
    /// The condition is present and no one has acknowledged it.
    UnackActive,
    /// The condition is present and an operator has acknowledged it.
    AckActive,
    /// The condition returned to normal before anyone acknowledged it.
    UnackReturned,
    /// A latching alarm that returned to normal, acknowledged, waiting for a reset.
    Latched,
    /// Shelved by an operator until a time, with a reason.
    Shelved,
    /// Taken out of service by an engineer (per device), with a reason.
    OutOfService,
    /// Suppressed by design: the relay that powers its device is off.
    Suppressed,
}

/// An alarm's priority, from least to most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "AlarmPriority"))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Medium,
    High,
    Critical,
}

/// Which condition of its source an alarm is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AlarmCondition {
    DeviceOffline,
    DeviceFault,
    LimitHigh,
    LimitLow,
    /// The plant unreachable for longer than the threshold; its source is `"link"`.
    LinkLost,
    /// An operator's relay command failed or expired; its source is the relay.
    CommandFailed,
    /// The plant sent a value the console cannot read.
    BadValue,
}

/// What moved an alarm from one state to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AlarmEvent {
    /// The condition became present (the plant).
    Activate,
    /// The condition is no longer present (the plant).
    Return,
    /// An operator acknowledged it.
    Acknowledge,
    /// An operator reset a latched alarm.
    Reset,
    /// An operator shelved it.
    Shelve,
    /// An operator unshelved it, or its shelf time ran out.
    Unshelve,
    /// An engineer took its device out of service.
    RemoveFromService,
    /// An engineer returned its device to service.
    ReturnToService,
    /// The relay powering its device switched off.
    Suppress,
    /// The relay powering its device switched on again.
    Unsuppress,
}

/// One alarm as the window and the CLI show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlarmView {
    pub id: i64,
    pub condition: AlarmCondition,
    /// A device or relay id, or `"link"`.
    pub source: String,
    /// The device it concerns (the device itself, or a relay's device).
    pub device: Option<String>,
    pub priority: Priority,
    pub state: AlarmState,
    /// Whether the condition is present now (also while shelved, out of service or
    /// suppressed).
    pub active: bool,
    pub acknowledged: bool,
    pub latching: bool,
    /// The first alarm of a burst.
    pub first_out: bool,
    /// Went active more often than the chattering threshold allows.
    pub chattering: bool,
    /// When the condition last became present (local Unix seconds).
    pub activated_at: Option<UnixSeconds>,
    /// When the state last changed.
    pub changed_at: UnixSeconds,
    pub shelved_until: Option<UnixSeconds>,
    /// The shelving or out-of-service reason.
    pub reason: Option<String>,
    /// What the alarm says, worded by the catalog (`alarm-<condition>` with its args).
    pub message: Message,
}

/// One recorded transition of one alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlarmTransition {
    pub id: i64,
    pub alarm_id: i64,
    pub at: UnixSeconds,
    pub from: AlarmState,
    pub to: AlarmState,
    pub event: AlarmEvent,
    /// Who did it: an operator, or `None` for the plant or the console itself.
    pub by: Option<String>,
    pub reason: Option<String>,
    pub condition: AlarmCondition,
    pub source: String,
    pub priority: Priority,
    pub message: Message,
}

/// A count per priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlarmCounts {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
}

/// What the banner and the tray show.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlarmStatus {
    /// Unacknowledged alarms (active or returned), per priority.
    pub unacknowledged: AlarmCounts,
    /// Active alarms, acknowledged or not, per priority.
    pub active: AlarmCounts,
    /// The newest unacknowledged alarm of the highest priority.
    pub top: Option<AlarmView>,
    /// The priority that should be sounding now (critical or high unacknowledged, not
    /// silenced), if any.
    pub sounding: Option<Priority>,
}

/// One of the most frequent alarms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FrequentAlarm {
    pub alarm_id: i64,
    pub message: Message,
    pub activations: u32,
    /// Its share of all activations in the window, 0 to 1.
    pub share: f64,
}

/// The ISA-18.2 alarm KPIs over a window of time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlarmKpis {
    pub since: UnixSeconds,
    pub until: UnixSeconds,
    /// Mean activations per 10 minutes, and the busiest 10 minutes.
    pub per_10_minutes: f64,
    pub peak_10_minutes: u32,
    pub per_hour: f64,
    /// Share of 10-minute intervals with more than 10 activations (ISA-18.2's flood),
    /// as a percentage.
    pub flood_percent: f64,
    pub top: Vec<FrequentAlarm>,
    pub chattering: Vec<AlarmView>,
    /// Activations per priority.
    pub priorities: AlarmCounts,
}

/// Names as the store, the CLI and the catalog ids spell them (serde's snake_case).
macro_rules! names {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),*
                }
            }

            pub fn parse(text: &str) -> Option<$ty> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }
        }
    };
}

names!(AlarmState {
    Normal => "normal",
    UnackActive => "unack_active",
    AckActive => "ack_active",
    UnackReturned => "unack_returned",
    Latched => "latched",
    Shelved => "shelved",
    OutOfService => "out_of_service",
    Suppressed => "suppressed",
});

names!(Priority {
    Low => "low",
    Medium => "medium",
    High => "high",
    Critical => "critical",
});

names!(AlarmCondition {
    DeviceOffline => "device_offline",
    DeviceFault => "device_fault",
    LimitHigh => "limit_high",
    LimitLow => "limit_low",
    LinkLost => "link_lost",
    CommandFailed => "command_failed",
    BadValue => "bad_value",
});

names!(AlarmEvent {
    Activate => "activate",
    Return => "return",
    Acknowledge => "acknowledge",
    Reset => "reset",
    Shelve => "shelve",
    Unshelve => "unshelve",
    RemoveFromService => "remove_from_service",
    ReturnToService => "return_to_service",
    Suppress => "suppress",
    Unsuppress => "unsuppress",
});

impl AlarmState {
    /// Whether an operator still has to acknowledge it.
    pub fn needs_acknowledgement(self) -> bool {
        matches!(self, AlarmState::UnackActive | AlarmState::UnackReturned)
    }
}

impl AlarmCounts {
    pub fn add(&mut self, priority: Priority) {
        match priority {
            Priority::Critical => self.critical += 1,
            Priority::High => self.high += 1,
            Priority::Medium => self.medium += 1,
            Priority::Low => self.low += 1,
        }
    }

    pub fn total(&self) -> u32 {
        self.critical + self.high + self.medium + self.low
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serde_names() {
        for state in AlarmState::ALL {
            let json = serde_json::to_string(state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
            assert_eq!(AlarmState::parse(state.as_str()), Some(*state));
        }
        for condition in AlarmCondition::ALL {
            let json = serde_json::to_string(condition).unwrap();
            assert_eq!(json, format!("\"{}\"", condition.as_str()));
        }
        for event in AlarmEvent::ALL {
            let json = serde_json::to_string(event).unwrap();
            assert_eq!(json, format!("\"{}\"", event.as_str()));
        }
        assert_eq!(Priority::parse("medium"), Some(Priority::Medium));
        assert_eq!(AlarmState::parse("Active"), None);
    }
}
