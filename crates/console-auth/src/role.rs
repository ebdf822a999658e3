//! Who may do what: the three roles and the control actions, and `Role::may`, the one
//! table every control path (window commands, CLI) asks.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An operator's role, as written in the operators file (`"viewer"`, `"operator"`,
/// `"engineer"`). Ordered by what it may do, so `Viewer < Operator < Engineer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees everything and controls nothing.
    Viewer,
    /// Switches relays, acknowledges, shelves, silences and resets alarms.
    Operator,
    /// All of that, plus Settings, out-of-service, alarm configuration and operators.
    Engineer,
}

/// A control action that a role may or may not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Switch a relay on or off.
    SwitchRelay,
    /// Acknowledge an alarm.
    Acknowledge,
    /// Shelve or unshelve an alarm.
    Shelve,
    /// Silence the horn.
    Silence,
    /// Reset a latched alarm.
    ResetLatched,
    /// Take a device's alarms out of service or back in service.
    OutOfService,
    /// Change the console's settings.
    Settings,
    /// Change the alarm configuration (limits, priorities).
    AlarmConfig,
    /// Add, change or remove operators.
    ManageOperators,
}

impl Action {
    /// Every action, for tables and tests.
    pub const ALL: [Action; 9] = [
        Action::SwitchRelay,
        Action::Acknowledge,
        Action::Shelve,
        Action::Silence,
        Action::ResetLatched,
        Action::OutOfService,
        Action::Settings,
        Action::AlarmConfig,
        Action::ManageOperators,
    ];

    /// The action's name as serde writes it (`switch_relay`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SwitchRelay => "switch_relay",
            Action::Acknowledge => "acknowledge",
            Action::Shelve => "shelve",
            Action::Silence => "silence",
            Action::ResetLatched => "reset_latched",
            Action::OutOfService => "out_of_service",
            Action::Settings => "settings",
            Action::AlarmConfig => "alarm_config",
            Action::ManageOperators => "manage_operators",
        }
    }
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Operator, Role::Engineer];

    /// Whether this role may take `action`. The issue's table: a viewer controls
    /// nothing; an operator runs the plant and its alarms day to day; what changes how
    /// the console or the alarm system itself behaves is the engineer's.
    pub fn may(self, action: Action) -> bool {
        match self {
            Role::Viewer => false,
            Role::Operator => matches!(
                action,
                Action::SwitchRelay
                    | Action::Acknowledge
                    | Action::Shelve
                    | Action::Silence
                    | Action::ResetLatched
            ),
            Role::Engineer => true,
        }
    }

    /// The role's name as the file writes it (`operator`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Engineer => "engineer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is none of the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: the roles are viewer, operator and engineer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| UnknownRole(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_may_take_exactly_the_actions_of_the_issue_table() {
        use Action::*;
        // (action, viewer, operator, engineer): written out in full, so that a change to
        // `may` shows up here as a changed row.
        let table = [
            (SwitchRelay, false, true, true),
            (Acknowledge, false, true, true),
            (Shelve, false, true, true),
            (Silence, false, true, true),
            (ResetLatched, false, true, true),
            (OutOfService, false, false, true),
            (Settings, false, false, true),
            (AlarmConfig, false, false, true),
            (ManageOperators, false, false, true),
        ];
        assert_eq!(table.len(), Action::ALL.len(), "every action has a row");
        for (action, viewer, operator, engineer) in table {
            assert_eq!(Role::Viewer.may(action), viewer, "viewer, {action}");
            assert_eq!(Role::Operator.may(action), operator, "operator, {action}");
            assert_eq!(Role::Engineer.may(action), engineer, "engineer, {action}");
        }
    }

    #[test]
    fn roles_and_actions_are_written_in_lower_case_and_read_back() {
        for role in Role::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{role}\""));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        for action in Action::ALL {
            assert_eq!(
                serde_json::to_string(&action).unwrap(),
                format!("\"{action}\"")
            );
        }
    }

    #[test]
    fn an_unknown_role_is_refused_naming_the_three_roles() {
        let error = "admin".parse::<Role>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown role \"admin\": the roles are viewer, operator and engineer"
        );
        assert!(serde_json::from_str::<Role>("\"Operator\"").is_err());
    }
}
