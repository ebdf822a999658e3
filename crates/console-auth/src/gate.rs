//! The sign-in gate: who is signed in, idle sign-out, lock-out after failures, the role
//! check before an action and the re-authentication challenge. Pure apart from the
//! failure log it is given; time (Unix seconds) is an argument, so every rule is tested
//! without sleeping. Each outcome queues an [`AuthEvent`] for the caller's audit trail.

use serde::Serialize;

use crate::error::AuthError;
use crate::failures::{FailureLog, FailureRecord};
use crate::file::{OperatorsFile, Policy, MAX_NAME_CHARS};
use crate::password::Password;
use crate::role::{Action, Role};

/// The longest reason for a control action, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// The operator signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignedIn {
    pub name: String,
    pub role: Role,
}

/// A re-authentication passed: who, and the reason they gave (trimmed), if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Challenged {
    pub operator: SignedIn,
    pub reason: Option<String>,
}

/// Why an operator was signed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SignOutCause {
    /// They signed out.
    Manual,
    /// No activity for the policy's idle time.
    Idle,
    /// Another operator signed in at the same console (a shift change).
    Replaced,
    /// Their re-authentication failed often enough to lock the name out.
    LockedOut,
    /// The operators file no longer has them, or gives them another role.
    Removed,
}

/// What happened, for the audit trail. Names are as typed, cut to 64 characters and
/// with control characters replaced, so that a guessed name cannot forge a log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuthEvent {
    SignedIn {
        name: String,
        role: Role,
    },
    SignInFailed {
        name: String,
    },
    /// The failure that locked the name out.
    LockedOut {
        name: String,
        until: u64,
    },
    /// An attempt refused unchecked during a lock-out.
    SignInRefused {
        name: String,
        until: u64,
    },
    SignedOut {
        name: String,
        role: Role,
        cause: SignOutCause,
    },
    Forbidden {
        name: String,
        role: Role,
        action: Action,
    },
    ChallengePassed {
        name: String,
        role: Role,
        reason: Option<String>,
    },
    ChallengeFailed {
        name: String,
        role: Role,
    },
}

#[derive(Debug, Clone)]
struct Session {
    operator: SignedIn,
    last_activity: u64,
}

/// The sign-in state of one console process over one operators file.
pub struct Gate {
    file: OperatorsFile,
    failures: Box<dyn FailureLog>,
    failure_log_name: String,
    session: Option<Session>,
    events: Vec<AuthEvent>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("operators", &self.file.operators().len())
            .field("signed_in", &self.session.as_ref().map(|s| &s.operator))
            .finish()
    }
}

/// A name fit for a log line: at most 64 characters, control characters as `?`.
fn loggable(name: &str) -> String {
    name.chars()
        .take(MAX_NAME_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

impl Gate {
    /// A gate over `file`, counting failures in `failures` (`failure_log_name` names it
    /// in errors: the file's path, say).
    pub fn new(
        file: OperatorsFile,
        failures: Box<dyn FailureLog>,
        failure_log_name: impl Into<String>,
    ) -> Gate {
        Gate {
            file,
            failures,
            failure_log_name: failure_log_name.into(),
            session: None,
            events: Vec::new(),
        }
    }

    /// The site's policy.
    pub fn policy(&self) -> &Policy {
        &self.file.policy
    }

    /// The operators file the gate reads.
    pub fn file(&self) -> &OperatorsFile {
        &self.file
    }

    /// Takes a reloaded operators file. The operator signed in stays signed in only if
    /// the new file still has them with the same role.
    pub fn replace_file(&mut self, file: OperatorsFile) {
        self.file = file;
        if let Some(session) = &self.session {
            let still = self
                .file
                .find(&session.operator.name)
                .is_some_and(|o| o.role == session.operator.role);
            if !still {
                self.end_session(SignOutCause::Removed);
            }
        }
    }

    /// The events since the last call, oldest first, for the audit trail.
    pub fn take_events(&mut self) -> Vec<AuthEvent> {
        std::mem::take(&mut self.events)
    }

    /// Signs `name` in if `password` is theirs. A wrong password and an unknown name give
    /// the same `BadCredentials` after the same work. `max_failures` failures for a name
    /// within `lockout_seconds` lock it out for `lockout_seconds`; attempts then are
    /// refused without checking the password. A success replaces whoever was signed in.
    pub fn sign_in(
        &mut self,
        name: &str,
        password: &Password,
        now: u64,
    ) -> Result<SignedIn, AuthError> {
        let shown = loggable(name);
        self.refuse_if_locked(name, &shown, now)?;
        match self.file.verify(name, password) {
            Some(role) => {
                self.forget_failures(name, now)?;
                if self.session.is_some() {
                    self.end_session(SignOutCause::Replaced);
                }
                let operator = SignedIn {
                    name: name.to_string(),
                    role,
                };
                self.session = Some(Session {
                    operator: operator.clone(),
                    last_activity: now,
                });
                self.events.push(AuthEvent::SignedIn { name: shown, role });
                Ok(operator)
            }
            None => {
                self.events.push(AuthEvent::SignInFailed {
                    name: shown.clone(),
                });
                self.count_failure(name, &shown, now)?;
                Err(AuthError::BadCredentials)
            }
        }
    }

    /// Operator activity (a click, a key) at `now`: the idle time starts again. Does
    /// nothing when nobody is signed in or the operator is already idle past the limit.
    pub fn touch(&mut self, now: u64) {
        if self.current(now).is_some() {
            if let Some(session) = &mut self.session {
                session.last_activity = session.last_activity.max(now);
            }
        }
    }

    /// Who is signed in at `now`; `None` once they have been idle for longer than
    /// `idle_sign_out_seconds` (then signed out, with one `SignedOut{idle}` event).
    pub fn current(&mut self, now: u64) -> Option<SignedIn> {
        let idle_limit = self.file.policy.idle_sign_out_seconds;
        let session = self.session.as_ref()?;
        if idle_limit > 0 && now.saturating_sub(session.last_activity) > idle_limit {
            self.end_session(SignOutCause::Idle);
            return None;
        }
        Some(session.operator.clone())
    }

    /// When the operator signed in will be signed out if idle (Unix seconds), for the
    /// window's timer; `None` when nobody is signed in or the policy never signs out.
    pub fn idle_deadline(&self) -> Option<u64> {
        let idle_limit = self.file.policy.idle_sign_out_seconds;
        let session = self.session.as_ref()?;
        (idle_limit > 0).then(|| session.last_activity + idle_limit)
    }

    /// Signs the operator out (nothing if nobody is signed in).
    pub fn sign_out(&mut self, now: u64) {
        if self.current(now).is_some() {
            self.end_session(SignOutCause::Manual);
        }
    }

    /// The operator signed in, if their role may take `action`; the check counts as
    /// activity.
    pub fn authorize(&mut self, action: Action, now: u64) -> Result<SignedIn, AuthError> {
        let operator = self.current(now).ok_or(AuthError::NotSignedIn)?;
        if !operator.role.may(action) {
            self.events.push(AuthEvent::Forbidden {
                name: loggable(&operator.name),
                role: operator.role,
                action,
            });
            return Err(AuthError::Forbidden {
                role: operator.role,
                action,
            });
        }
        self.touch(now);
        Ok(operator)
    }

    /// The authentication challenge before a control action: the signed-in operator's
    /// password again (when the policy's `reauthenticate` is on; `None` then fails), and
    /// a reason when the relay is critical (non-empty, at most 200 characters, no control
    /// characters; a reason given for another action is checked and kept too). The reason
    /// is checked first, so a forgotten reason costs no failure. Failed challenges count
    /// toward the name's lock-out, which also signs the operator out.
    pub fn challenge(
        &mut self,
        password: Option<&Password>,
        reason: Option<&str>,
        relay_is_critical: bool,
        now: u64,
    ) -> Result<Challenged, AuthError> {
        let operator = self.current(now).ok_or(AuthError::NotSignedIn)?;
        let reason = check_reason(reason, relay_is_critical)?;
        let shown = loggable(&operator.name);
        if self.file.policy.reauthenticate {
            if let Err(error) = self.refuse_if_locked(&operator.name, &shown, now) {
                self.end_session(SignOutCause::LockedOut);
                return Err(error);
            }
            let passed = password
                .is_some_and(|p| self.file.verify(&operator.name, p) == Some(operator.role));
            if !passed {
                self.events.push(AuthEvent::ChallengeFailed {
                    name: shown.clone(),
                    role: operator.role,
                });
                self.count_failure(&operator.name, &shown, now)?;
                if self.is_locked(&operator.name, now)?.is_some() {
                    self.end_session(SignOutCause::LockedOut);
                }
                return Err(AuthError::BadCredentials);
            }
            self.forget_failures(&operator.name, now)?;
        }
        self.touch(now);
        self.events.push(AuthEvent::ChallengePassed {
            name: shown,
            role: operator.role,
            reason: reason.clone(),
        });
        Ok(Challenged { operator, reason })
    }

    fn end_session(&mut self, cause: SignOutCause) {
        if let Some(session) = self.session.take() {
            self.events.push(AuthEvent::SignedOut {
                name: loggable(&session.operator.name),
                role: session.operator.role,
                cause,
            });
        }
    }

    fn log_error(&self, source: std::io::Error) -> AuthError {
        AuthError::FailureLog {
            path: self.failure_log_name.clone(),
            source,
        }
    }

    /// Until when `name` is locked out at `now`, if it is. A lock-out never lasts longer
    /// than `lockout_seconds` from now, even when the wall clock was set back.
    fn is_locked(&mut self, name: &str, now: u64) -> Result<Option<u64>, AuthError> {
        let record = self
            .failures
            .get(name, now)
            .map_err(|e| self.log_error(e))?;
        let longest = now + self.file.policy.lockout_seconds;
        Ok(record
            .and_then(|r| r.locked_until)
            .filter(|until| *until > now)
            .map(|until| until.min(longest)))
    }

    fn refuse_if_locked(&mut self, name: &str, shown: &str, now: u64) -> Result<(), AuthError> {
        if let Some(until) = self.is_locked(name, now)? {
            self.events.push(AuthEvent::SignInRefused {
                name: shown.to_string(),
                until,
            });
            return Err(AuthError::LockedOut {
                until,
                remaining_seconds: until - now,
            });
        }
        Ok(())
    }

    fn count_failure(&mut self, name: &str, shown: &str, now: u64) -> Result<(), AuthError> {
        let policy = &self.file.policy;
        let (max, window) = (policy.max_failures, policy.lockout_seconds);
        let record = self
            .failures
            .update(name, now, &mut |old: Option<FailureRecord>| {
                // A window that is over (or a lock-out that ended) starts counting anew.
                let fresh = FailureRecord {
                    count: 0,
                    first_at: now,
                    locked_until: None,
                    expires_at: now + window,
                };
                let mut record = match old {
                    Some(r) if r.locked_until.is_none() && r.first_at + window > now => r,
                    _ => fresh,
                };
                record.count += 1;
                if record.count >= max {
                    record.locked_until = Some(now + window);
                    record.expires_at = now + window;
                }
                Some(record)
            })
            .map_err(|e| self.log_error(e))?;
        if let Some(until) = record.and_then(|r| r.locked_until) {
            self.events.push(AuthEvent::LockedOut {
                name: shown.to_string(),
                until,
            });
        }
        Ok(())
    }

    fn forget_failures(&mut self, name: &str, now: u64) -> Result<(), AuthError> {
        self.failures
            .update(name, now, &mut |_| None)
            .map(|_| ())
            .map_err(|e| self.log_error(e))
    }
}

/// The reason as it will be recorded (trimmed), or why it cannot be.
fn check_reason(reason: Option<&str>, required: bool) -> Result<Option<String>, AuthError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    match reason {
        None if required => Err(AuthError::ReasonRequired),
        None => Ok(None),
        Some(text) if text.chars().count() > MAX_REASON_CHARS => Err(AuthError::ReasonInvalid {
            why: "is longer than 200 characters",
        }),
        Some(text) if text.chars().any(char::is_control) => Err(AuthError::ReasonInvalid {
            why: "holds a control character",
        }),
        Some(text) => Ok(Some(text.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failures::{FileFailureLog, MemoryFailureLog};
    use std::sync::OnceLock;

    /// One file for every test: hashing is the slow part, so it is done once.
    fn operators() -> &'static OperatorsFile {
        static FILE: OnceLock<OperatorsFile> = OnceLock::new();
        FILE.get_or_init(|| {
            let mut file = OperatorsFile::new();
            for (name, role) in [
                ("vera", Role::Viewer),
                ("otto", Role::Operator),
                ("erin", Role::Engineer),
            ] {
                file.add(name, role, &Password::new(format!("{name}-pw")))
                    .unwrap();
            }
            file
        })
    }

    fn gate_with(policy: impl FnOnce(&mut Policy)) -> Gate {
        let mut file = operators().clone();
        policy(&mut file.policy);
        Gate::new(file, Box::new(MemoryFailureLog::default()), "memory")
    }

    fn gate() -> Gate {
        gate_with(|_| {})
    }

    fn pw(text: &str) -> Password {
        Password::new(text)
    }

    #[test]
    fn the_right_password_signs_in_with_the_operators_role() {
        let mut gate = gate();
        let signed = gate.sign_in("otto", &pw("otto-pw"), 1000).unwrap();
        assert_eq!(
            signed,
            SignedIn {
                name: "otto".into(),
                role: Role::Operator
            }
        );
        assert_eq!(gate.current(1001), Some(signed));
        assert_eq!(
            gate.take_events(),
            vec![AuthEvent::SignedIn {
                name: "otto".into(),
                role: Role::Operator
            }]
        );
    }

    #[test]
    fn a_wrong_password_and_an_unknown_name_give_the_same_error() {
        let mut gate = gate();
        let wrong = gate.sign_in("otto", &pw("nope"), 1000).unwrap_err();
        let unknown = gate.sign_in("nobody", &pw("nope"), 1000).unwrap_err();
        assert_eq!(wrong.code(), "bad_credentials");
        assert_eq!(unknown.code(), "bad_credentials");
        assert_eq!(wrong.to_string(), unknown.to_string());
        assert_eq!(gate.current(1000), None);
        assert_eq!(
            gate.take_events(),
            vec![
                AuthEvent::SignInFailed {
                    name: "otto".into()
                },
                AuthEvent::SignInFailed {
                    name: "nobody".into()
                },
            ]
        );
    }

    #[test]
    fn a_name_is_locked_out_after_max_failures_refused_during_it_and_free_after_it() {
        let mut gate = gate_with(|p| {
            p.max_failures = 3;
            p.lockout_seconds = 60;
        });
        for t in 0..2 {
            assert_eq!(
                gate.sign_in("otto", &pw("x"), 1000 + t).unwrap_err().code(),
                "bad_credentials"
            );
        }
        assert_eq!(
            gate.sign_in("otto", &pw("x"), 1002).unwrap_err().code(),
            "bad_credentials"
        );
        assert!(gate.take_events().contains(&AuthEvent::LockedOut {
            name: "otto".into(),
            until: 1062
        }));
        // During the lock-out even the right password is refused, unchecked.
        match gate.sign_in("otto", &pw("otto-pw"), 1030) {
            Err(AuthError::LockedOut {
                until,
                remaining_seconds,
            }) => assert_eq!((until, remaining_seconds), (1062, 32)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            gate.take_events(),
            vec![AuthEvent::SignInRefused {
                name: "otto".into(),
                until: 1062
            }]
        );
        // Other names are not locked.
        gate.sign_in("erin", &pw("erin-pw"), 1030).unwrap();
        // After it, the right password works, and the count starts again.
        gate.sign_in("otto", &pw("otto-pw"), 1062).unwrap();
        gate.sign_in("otto", &pw("x"), 1063).unwrap_err();
        gate.sign_in("otto", &pw("otto-pw"), 1064).unwrap();
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_lock_out() {
        let mut gate = gate_with(|p| {
            p.max_failures = 2;
            p.lockout_seconds = 60;
        });
        gate.sign_in("otto", &pw("x"), 1000).unwrap_err();
        gate.sign_in("otto", &pw("x"), 1061).unwrap_err();
        gate.sign_in("otto", &pw("otto-pw"), 1062).unwrap();
    }

    #[test]
    fn unknown_names_are_locked_out_like_known_ones() {
        let mut gate = gate_with(|p| p.max_failures = 2);
        gate.sign_in("ghost", &pw("x"), 0).unwrap_err();
        gate.sign_in("ghost", &pw("x"), 1).unwrap_err();
        assert_eq!(
            gate.sign_in("ghost", &pw("x"), 2).unwrap_err().code(),
            "locked_out"
        );
    }

    #[test]
    fn a_lock_out_is_seen_by_another_gate_on_the_same_data_folder() {
        let dir = tempfile::tempdir().unwrap();
        let policy = |p: &mut Policy| p.max_failures = 2;
        let gate_on_folder = || {
            let mut file = operators().clone();
            policy(&mut file.policy);
            Gate::new(
                file,
                Box::new(FileFailureLog::in_data_dir(dir.path())),
                "file",
            )
        };
        let mut window = gate_on_folder();
        let mut cli = gate_on_folder();
        window.sign_in("otto", &pw("x"), 100).unwrap_err();
        cli.sign_in("otto", &pw("x"), 101).unwrap_err();
        assert_eq!(
            window
                .sign_in("otto", &pw("otto-pw"), 102)
                .unwrap_err()
                .code(),
            "locked_out"
        );
    }

    #[test]
    fn a_lock_out_lasts_no_longer_than_its_time_when_the_clock_is_set_back() {
        let mut gate = gate_with(|p| {
            p.max_failures = 1;
            p.lockout_seconds = 60;
        });
        gate.sign_in("otto", &pw("x"), 10_000).unwrap_err();
        match gate.sign_in("otto", &pw("otto-pw"), 100) {
            Err(AuthError::LockedOut { until, .. }) => assert_eq!(until, 160),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_idle_operator_is_signed_out_once_and_activity_keeps_them_in() {
        let mut gate = gate_with(|p| p.idle_sign_out_seconds = 900);
        gate.sign_in("otto", &pw("otto-pw"), 1000).unwrap();
        gate.take_events();
        gate.touch(1800);
        assert!(gate.current(2700).is_some(), "900 s after the last touch");
        assert_eq!(gate.idle_deadline(), Some(2700));
        assert_eq!(gate.current(2701), None);
        assert_eq!(gate.current(2702), None);
        assert_eq!(
            gate.take_events(),
            vec![AuthEvent::SignedOut {
                name: "otto".into(),
                role: Role::Operator,
                cause: SignOutCause::Idle
            }],
            "reported once"
        );
        assert_eq!(
            gate.authorize(Action::SwitchRelay, 2703)
                .unwrap_err()
                .code(),
            "not_signed_in"
        );
        // A touch after the idle limit does not bring them back.
        gate.touch(2704);
        assert_eq!(gate.current(2704), None);
    }

    #[test]
    fn an_idle_time_of_zero_never_signs_out() {
        let mut gate = gate_with(|p| p.idle_sign_out_seconds = 0);
        gate.sign_in("otto", &pw("otto-pw"), 0).unwrap();
        assert!(gate.current(10_000_000).is_some());
        assert_eq!(gate.idle_deadline(), None);
    }

    #[test]
    fn signing_out_and_signing_in_as_another_are_audited() {
        let mut gate = gate();
        gate.sign_in("otto", &pw("otto-pw"), 0).unwrap();
        gate.sign_in("erin", &pw("erin-pw"), 1).unwrap();
        gate.sign_out(2);
        gate.sign_out(3);
        let events = gate.take_events();
        assert_eq!(
            events[1],
            AuthEvent::SignedOut {
                name: "otto".into(),
                role: Role::Operator,
                cause: SignOutCause::Replaced
            }
        );
        assert_eq!(
            events[3],
            AuthEvent::SignedOut {
                name: "erin".into(),
                role: Role::Engineer,
                cause: SignOutCause::Manual
            }
        );
        assert_eq!(events.len(), 4);
    }

    #[test]
    fn authorize_checks_the_role_of_the_operator_signed_in() {
        for (name, role) in [
            ("vera", Role::Viewer),
            ("otto", Role::Operator),
            ("erin", Role::Engineer),
        ] {
            let mut gate = gate();
            assert_eq!(
                gate.authorize(Action::Acknowledge, 0).unwrap_err().code(),
                "not_signed_in"
            );
            gate.sign_in(name, &pw(&format!("{name}-pw")), 0).unwrap();
            for action in Action::ALL {
                match gate.authorize(action, 1) {
                    Ok(who) => assert!(role.may(action) && who.role == role),
                    Err(AuthError::Forbidden { role: r, action: a }) => {
                        assert!(!role.may(action));
                        assert_eq!((r, a), (role, action));
                    }
                    Err(other) => panic!("{other:?}"),
                }
            }
        }
    }

    #[test]
    fn a_critical_relay_needs_the_password_again_and_a_reason() {
        let mut gate = gate_with(|p| p.critical_relays = vec!["main-breaker".into()]);
        gate.sign_in("otto", &pw("otto-pw"), 0).unwrap();
        gate.take_events();
        let critical = gate.policy().is_critical("main-breaker");
        assert!(critical);
        assert_eq!(
            gate.challenge(Some(&pw("otto-pw")), None, critical, 1)
                .unwrap_err()
                .code(),
            "reason_required"
        );
        assert_eq!(
            gate.challenge(Some(&pw("otto-pw")), Some("   "), critical, 1)
                .unwrap_err()
                .code(),
            "reason_required"
        );
        assert_eq!(
            gate.challenge(Some(&pw("otto-pw")), Some(&"x".repeat(201)), critical, 1)
                .unwrap_err()
                .code(),
            "reason_invalid"
        );
        assert_eq!(
            gate.challenge(Some(&pw("otto-pw")), Some("a\nb"), critical, 1)
                .unwrap_err()
                .code(),
            "reason_invalid"
        );
        assert!(gate.take_events().is_empty(), "no failure for a reason");
        assert_eq!(
            gate.challenge(Some(&pw("wrong")), Some("maintenance"), critical, 2)
                .unwrap_err()
                .code(),
            "bad_credentials"
        );
        assert_eq!(
            gate.challenge(None, Some("maintenance"), critical, 2)
                .unwrap_err()
                .code(),
            "bad_credentials"
        );
        let passed = gate
            .challenge(
                Some(&pw("otto-pw")),
                Some(" pump 3 maintenance "),
                critical,
                3,
            )
            .unwrap();
        assert_eq!(passed.reason.as_deref(), Some("pump 3 maintenance"));
        assert_eq!(passed.operator.name, "otto");
        let events = gate.take_events();
        assert_eq!(
            events.last(),
            Some(&AuthEvent::ChallengePassed {
                name: "otto".into(),
                role: Role::Operator,
                reason: Some("pump 3 maintenance".into())
            })
        );
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, AuthEvent::ChallengeFailed { .. }))
                .count(),
            2
        );
    }

    #[test]
    fn a_non_critical_relay_needs_the_password_again_but_no_reason() {
        let mut gate = gate();
        gate.sign_in("otto", &pw("otto-pw"), 0).unwrap();
        let passed = gate
            .challenge(Some(&pw("otto-pw")), None, false, 1)
            .unwrap();
        assert_eq!(passed.reason, None);
        assert_eq!(
            gate.challenge(Some(&pw("erin-pw")), None, false, 1)
                .unwrap_err()
                .code(),
            "bad_credentials",
            "another operator's password is not theirs"
        );
    }

    #[test]
    fn without_reauthentication_the_challenge_asks_only_for_the_reason() {
        let mut gate = gate_with(|p| p.reauthenticate = false);
        gate.sign_in("otto", &pw("otto-pw"), 0).unwrap();
        assert!(gate.challenge(None, None, false, 1).is_ok());
        assert_eq!(
            gate.challenge(None, None, true, 1).unwrap_err().code(),
            "reason_required"
        );
        assert!(gate.challenge(None, Some("why"), true, 1).is_ok());
    }

    #[test]
    fn failed_challenges_lock_the_name_out_and_sign_the_operator_out() {
        let mut gate = gate_with(|p| p.max_failures = 2);
        gate.sign_in("otto", &pw("otto-pw"), 0).unwrap();
        gate.challenge(Some(&pw("x")), None, false, 1).unwrap_err();
        gate.challenge(Some(&pw("x")), None, false, 2).unwrap_err();
        assert_eq!(gate.current(3), None);
        assert!(gate.take_events().contains(&AuthEvent::SignedOut {
            name: "otto".into(),
            role: Role::Operator,
            cause: SignOutCause::LockedOut
        }));
        assert_eq!(
            gate.sign_in("otto", &pw("otto-pw"), 4).unwrap_err().code(),
            "locked_out"
        );
    }

    #[test]
    fn a_reloaded_file_without_the_operator_signs_them_out() {
        let mut gate = gate();
        gate.sign_in("otto", &pw("otto-pw"), 0).unwrap();
        let mut file = operators().clone();
        file.remove("otto").unwrap();
        gate.replace_file(file);
        assert_eq!(gate.current(1), None);
        assert!(matches!(
            gate.take_events().last(),
            Some(AuthEvent::SignedOut {
                cause: SignOutCause::Removed,
                ..
            })
        ));
    }

    #[test]
    fn a_guessed_name_cannot_forge_a_log_line() {
        let mut gate = gate();
        gate.sign_in("x\nSIGNED IN erin", &pw("x"), 0).unwrap_err();
        assert_eq!(
            gate.take_events(),
            vec![AuthEvent::SignInFailed {
                name: "x?SIGNED IN erin".into()
            }]
        );
    }
}
