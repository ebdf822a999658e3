//! The operator session of the running console: the sign-in gate (console-auth's
//! `Gate`) loaded at start, what the window is told of it, and the role check that every
//! control command passes in Rust before it reaches the core. Nothing here knows Tauri:
//! the commands in `shell/mod.rs` call it, and its tests run without a window.
//!
//! Three states, chosen once at start from `--operators FILE`, the site file or the data
//! folder's `operators.json` (`console_auth::locate`):
//! - no file anywhere: sign-in is off and every control works as before, as the OS user;
//! - a file that loads: sign-in is on; nobody signed in may only view;
//! - a file that is refused (others may write to it, or it is not a valid operators
//!   file): the console runs **view-only** with a banner naming the file and the reason.
//!   It neither refuses to start (a control room would lose its view of the plant and
//!   its alarms over a permission bit) nor runs with sign-in silently off (anyone at the
//!   screen could switch any relay with the file an engineer meant to protect it).

use std::path::Path;
use std::sync::Mutex;

use console_auth::{
    Action, AuthError, AuthEvent, FileFailureLog, Gate, OperatorsFile, Password, SignOutCause,
    SignedIn,
};
use console_core::alerts::AlarmAction;
use serde::{Deserialize, Serialize};

use super::UiError;

/// What the window knows of the session: who is signed in and what they may do.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct OperatorSession {
    /// Whether sign-in is on (an operators file was found, whether or not it loaded).
    pub sign_in: bool,
    /// Why the operators file was refused: while it is, nobody controls the plant from
    /// this console, and the window says so.
    pub refused: Option<String>,
    /// The operator signed in, if any.
    pub operator: Option<SignedIn>,
    /// The actions the one at the screen may take now: every one with sign-in off, none
    /// with nobody signed in or the file refused, the role's otherwise.
    pub may: Vec<Action>,
    /// After how long without activity the operator is signed out (none: never).
    pub idle_sign_out_seconds: Option<u64>,
    /// Whether each control action asks for the password again.
    pub reauthenticate: bool,
    /// The relays whose switching needs a reason.
    pub critical_relays: Vec<String>,
}

/// The session event's payload: the session now, and whether an idle sign-out ended it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SessionChange {
    pub session: OperatorSession,
    /// The operator signed out by the idle timer, named for the window's notice.
    pub idle_signed_out: Option<SignedIn>,
}

/// The re-authentication a control command carries when the policy asks for it: the
/// signed-in operator's password again, and a reason (required for a critical relay).
#[derive(Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Challenge {
    pub password: String,
    #[serde(default)]
    pub reason: Option<String>,
}

impl std::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Challenge")
            .field("password", &"***")
            .field("reason", &self.reason)
            .finish()
    }
}

/// A control command, as the role check sees it.
#[derive(Debug, Clone, Copy)]
pub enum Control<'a> {
    SetRelay {
        relay_id: &'a str,
    },
    CancelCommand,
    AcknowledgeAlerts,
    MuteAlerts,
    UnmuteAlerts,
    ShelveDevice,
    Alarm(&'a AlarmAction),
    /// A settings save; `alarm_config` when it changes the alert limits or severities,
    /// `other` when it changes anything else but the language.
    SaveSettings {
        other: bool,
        alarm_config: bool,
    },
    SetAutostart,
    /// The engineer's `--leave-kiosk`, handed to the running window: with sign-in on it
    /// takes an engineer signed in at that window (the kiosk is the room's setting).
    LeaveKiosk,
}

impl Control<'_> {
    /// The actions the command needs, each checked against the role.
    pub fn actions(&self) -> Vec<Action> {
        match self {
            Control::SetRelay { .. } | Control::CancelCommand => vec![Action::SwitchRelay],
            Control::AcknowledgeAlerts => vec![Action::Acknowledge],
            Control::MuteAlerts | Control::UnmuteAlerts => vec![Action::Silence],
            Control::ShelveDevice => vec![Action::Shelve],
            Control::Alarm(action) => vec![match action {
                AlarmAction::Acknowledge(_) | AlarmAction::AcknowledgeAll => Action::Acknowledge,
                AlarmAction::Shelve { .. } | AlarmAction::Unshelve(_) => Action::Shelve,
                AlarmAction::Reset(_) => Action::ResetLatched,
                AlarmAction::RemoveFromService { .. } | AlarmAction::ReturnToService(_) => {
                    Action::OutOfService
                }
                AlarmAction::Silence => Action::Silence,
            }],
            Control::SaveSettings {
                other,
                alarm_config,
            } => {
                let mut actions = Vec::new();
                if *other {
                    actions.push(Action::Settings);
                }
                if *alarm_config {
                    actions.push(Action::AlarmConfig);
                }
                actions
            }
            Control::SetAutostart | Control::LeaveKiosk => vec![Action::Settings],
        }
    }

    /// Whether the command takes the re-authentication challenge: every control of the
    /// plant and of its alarms, the older alert list's acknowledgement, the notification
    /// mute and the device shelve included, since each hides or answers something an
    /// operator is accountable for. Cancelling a queued command and ending a mute only
    /// undo an action and are role-checked only, as are settings (the engineer's, signed in).
    pub fn is_challenged(&self) -> bool {
        matches!(
            self,
            Control::SetRelay { .. }
                | Control::Alarm(_)
                | Control::AcknowledgeAlerts
                | Control::MuteAlerts
                | Control::ShelveDevice
        )
    }
}

/// Who a control command is done by, for the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorized {
    /// The operator signed in; `None` with sign-in off (the OS user, as before).
    pub operator: Option<SignedIn>,
    /// The reason given in the re-authentication, if any.
    pub reason: Option<String>,
}

enum Mode {
    Off,
    Refused(String),
    On(Box<Gate>),
}

/// The console's sign-in state, shared by the window's commands and the idle timer.
pub struct Operators {
    mode: Mutex<Mode>,
    clock: Box<dyn Fn() -> u64 + Send + Sync>,
    /// Where the gate's events go besides the log: the plant's audit trail, once the
    /// shell has a console to write it (see [`Operators::audit_to`]).
    audit: Mutex<Option<AuditSink>>,
}

/// Takes one gate event to the audit trail; it must not block (the gate's lock is held).
pub type AuditSink = Box<dyn Fn(&AuthEvent) + Send + Sync>;

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl From<AuthError> for UiError {
    fn from(error: AuthError) -> Self {
        let until = match &error {
            AuthError::LockedOut { until, .. } => Some(*until),
            _ => None,
        };
        let mut ui = UiError::new(error.code(), error.to_string());
        ui.until = until;
        ui
    }
}

/// The refusal when the operators file was refused.
fn refused_error(reason: &str) -> UiError {
    UiError::new(
        "operators_refused",
        format!("the operators file was refused, so nobody may control the plant here: {reason}"),
    )
}

impl Operators {
    /// Sign-in off: no operators file.
    pub fn off() -> Operators {
        Operators::with_mode(Mode::Off)
    }

    /// Sign-in on over `gate`.
    pub fn on(gate: Gate) -> Operators {
        Operators::with_mode(Mode::On(Box::new(gate)))
    }

    /// The operators file was refused for `reason`: view-only.
    pub fn refused(reason: impl Into<String>) -> Operators {
        Operators::with_mode(Mode::Refused(reason.into()))
    }

    fn with_mode(mode: Mode) -> Operators {
        Operators {
            mode: Mutex::new(mode),
            clock: Box::new(unix_now),
            audit: Mutex::new(None),
        }
    }

    /// The same, reading the time from `clock` (Unix seconds), for tests.
    #[cfg(test)]
    pub fn with_clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Operators {
        self.clock = Box::new(clock);
        self
    }

    /// Finds and loads the operators file (`--operators FILE`, the site file, the data
    /// folder's) and says which of the three states the console runs in.
    pub fn load(explicit: Option<&Path>, data_dir: &Path) -> Operators {
        let Some(path) = console_auth::locate(explicit, data_dir) else {
            tracing::info!("no operators file: sign-in is off, controls run as the OS user");
            return Operators::off();
        };
        match OperatorsFile::load(&path) {
            Ok(file) => {
                tracing::info!(
                    file = %path.display(),
                    operators = file.operators().len(),
                    "sign-in is on"
                );
                let log = FileFailureLog::in_data_dir(data_dir);
                let name = log.path().display().to_string();
                Operators::on(Gate::new(file, Box::new(log), name))
            }
            Err(error) => {
                tracing::error!(
                    file = %path.display(),
                    %error,
                    "the operators file is refused: the console runs view-only until it is fixed"
                );
                Operators::refused(error.to_string())
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mode> {
        self.mode
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends every later gate event to `sink` too (the plant's audit trail), besides the
    /// log.
    pub fn audit_to(&self, sink: AuditSink) {
        *self
            .audit
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(sink);
    }

    /// Writes the gate's events to the log (the audit target) and to the audit sink.
    fn record(&self, gate: &mut Gate) {
        for event in gate.take_events() {
            self.record_event(&event);
        }
    }

    /// One gate event on the log's `audit` target and to the audit sink, without any
    /// password (the gate's events hold none).
    fn record_event(&self, event: &AuthEvent) {
        let text = serde_json::to_string(event).unwrap_or_default();
        tracing::info!(target: "audit", event = %text, "operator session");
        if let Some(sink) = &*self
            .audit
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
        {
            sink(event);
        }
    }

    fn describe(&self, mode: &mut Mode, now: u64) -> OperatorSession {
        match mode {
            Mode::Off => OperatorSession {
                sign_in: false,
                refused: None,
                operator: None,
                may: Action::ALL.to_vec(),
                idle_sign_out_seconds: None,
                reauthenticate: false,
                critical_relays: Vec::new(),
            },
            Mode::Refused(reason) => OperatorSession {
                sign_in: true,
                refused: Some(reason.clone()),
                operator: None,
                may: Vec::new(),
                idle_sign_out_seconds: None,
                reauthenticate: false,
                critical_relays: Vec::new(),
            },
            Mode::On(gate) => {
                let operator = gate.current(now);
                self.record(gate);
                let policy = gate.policy();
                OperatorSession {
                    sign_in: true,
                    refused: None,
                    may: operator.as_ref().map_or_else(Vec::new, |o| {
                        Action::ALL.into_iter().filter(|a| o.role.may(*a)).collect()
                    }),
                    operator,
                    idle_sign_out_seconds: (policy.idle_sign_out_seconds > 0)
                        .then_some(policy.idle_sign_out_seconds),
                    reauthenticate: policy.reauthenticate,
                    critical_relays: policy.critical_relays.clone(),
                }
            }
        }
    }

    /// The session now.
    pub fn session(&self) -> OperatorSession {
        let now = (self.clock)();
        self.describe(&mut self.lock(), now)
    }

    /// Signs `name` in; answers the session then.
    pub fn sign_in(&self, name: &str, password: &str) -> Result<OperatorSession, UiError> {
        let now = (self.clock)();
        let mut mode = self.lock();
        match &mut *mode {
            Mode::Off => {
                return Err(UiError::new(
                    "sign_in_off",
                    "sign-in is off on this console: there is no operators file",
                ))
            }
            Mode::Refused(reason) => return Err(refused_error(reason)),
            Mode::On(gate) => {
                let outcome = gate.sign_in(name, &Password::new(password), now);
                self.record(gate);
                outcome?;
            }
        }
        Ok(self.describe(&mut mode, now))
    }

    /// Signs the operator out; answers the session then.
    pub fn sign_out(&self) -> OperatorSession {
        let now = (self.clock)();
        let mut mode = self.lock();
        if let Mode::On(gate) = &mut *mode {
            gate.sign_out(now);
            self.record(gate);
        }
        self.describe(&mut mode, now)
    }

    /// The window saw a key or the pointer: the idle time starts again.
    pub fn activity(&self) {
        let now = (self.clock)();
        if let Mode::On(gate) = &mut *self.lock() {
            gate.touch(now);
            self.record(gate);
        }
    }

    /// For the idle timer: the change to announce when the operator was just signed out
    /// for being idle, else `None`.
    pub fn idle_check(&self) -> Option<SessionChange> {
        let now = (self.clock)();
        let mut mode = self.lock();
        let Mode::On(gate) = &mut *mode else {
            return None;
        };
        gate.current(now);
        let mut idle = None;
        for event in gate.take_events() {
            if let AuthEvent::SignedOut {
                name,
                role,
                cause: SignOutCause::Idle,
            } = &event
            {
                idle = Some(SignedIn {
                    name: name.clone(),
                    role: *role,
                });
            }
            self.record_event(&event);
        }
        let idle = idle?;
        Some(SessionChange {
            session: self.describe(&mut mode, now),
            idle_signed_out: Some(idle),
        })
    }

    /// Checks `control` against the one at the screen before it reaches the core: the
    /// role for each action it needs, then the re-authentication (the password again
    /// when the policy asks, a reason for a critical relay) for the commands that take it.
    pub fn authorize(
        &self,
        control: &Control<'_>,
        challenge: Option<&Challenge>,
    ) -> Result<Authorized, UiError> {
        let now = (self.clock)();
        let mut mode = self.lock();
        // What needs no role (a settings save that changes only the language) is anyone's.
        if control.actions().is_empty() {
            let operator = match &mut *mode {
                Mode::On(gate) => gate.current(now),
                _ => None,
            };
            return Ok(Authorized {
                operator,
                reason: None,
            });
        }
        let gate = match &mut *mode {
            Mode::Off => {
                return Ok(Authorized {
                    operator: None,
                    reason: None,
                })
            }
            Mode::Refused(reason) => return Err(refused_error(reason)),
            Mode::On(gate) => gate,
        };
        let outcome = Self::check(gate, control, challenge, now);
        self.record(gate);
        outcome
    }

    fn check(
        gate: &mut Gate,
        control: &Control<'_>,
        challenge: Option<&Challenge>,
        now: u64,
    ) -> Result<Authorized, UiError> {
        let mut operator = gate
            .current(now)
            .ok_or_else(|| UiError::from(AuthError::NotSignedIn))?;
        for action in control.actions() {
            operator = gate.authorize(action, now)?;
        }
        if !control.is_challenged() {
            return Ok(Authorized {
                operator: Some(operator),
                reason: None,
            });
        }
        let critical = match control {
            Control::SetRelay { relay_id } => gate.policy().is_critical(relay_id),
            _ => false,
        };
        let asks = gate.policy().reauthenticate || critical;
        if !asks {
            return Ok(Authorized {
                operator: Some(operator),
                reason: None,
            });
        }
        let password = challenge.map(|c| Password::new(c.password.as_str()));
        if gate.policy().reauthenticate && password.is_none() {
            return Err(UiError::new(
                "reauthentication_required",
                "this console asks for the password again before each control action",
            ));
        }
        let reason = challenge.and_then(|c| c.reason.as_deref());
        let passed = gate.challenge(password.as_ref(), reason, critical, now)?;
        Ok(Authorized {
            operator: Some(passed.operator),
            reason: passed.reason,
        })
    }
}

/// What the audit trail records of a gate event: the actor (the OS user and host, and the
/// operator when the event names a role), the action, the target (the name tried) and the
/// event as JSON for the detail.
pub fn audit_entry(
    event: &AuthEvent,
) -> (console_core::audit::Actor, &'static str, String, String) {
    let actor = console_core::audit::Actor::current();
    let (action, name, role) = match event {
        AuthEvent::SignedIn { name, role } => ("operator.signed_in", name, Some(role)),
        AuthEvent::SignInFailed { name } => ("operator.sign_in_failed", name, None),
        AuthEvent::LockedOut { name, .. } => ("operator.locked_out", name, None),
        AuthEvent::SignInRefused { name, .. } => ("operator.sign_in_refused", name, None),
        AuthEvent::SignedOut { name, role, .. } => ("operator.signed_out", name, Some(role)),
        AuthEvent::Forbidden { name, role, .. } => ("operator.forbidden", name, Some(role)),
        AuthEvent::ChallengePassed { name, role, .. } => {
            ("operator.reauthenticated", name, Some(role))
        }
        AuthEvent::ChallengeFailed { name, role } => {
            ("operator.reauthentication_failed", name, Some(role))
        }
    };
    let actor = match role {
        Some(role) => actor.signed_in(name.clone(), role.as_str()),
        None => actor,
    };
    let detail = serde_json::to_string(event).unwrap_or_default();
    (actor, action, name.clone(), detail)
}

#[cfg(test)]
mod tests;
