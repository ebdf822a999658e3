//! The role check of every control command, without a window: a table of role ×
//! command → allowed or refused, and the session's other rules (sign-in off, a refused
//! file, nobody signed in, the re-authentication, the idle sign-out).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use console_auth::{Gate, MemoryFailureLog, OperatorsFile, Password, Policy, Role};
use console_core::alerts::AlarmAction;

use super::*;

const PASSWORD: &str = "correct horse battery";

/// A gate with one operator per role (`viewer`, `operator`, `engineer`), `policy`, and a
/// clock the test moves.
fn gate(policy: Policy) -> (Operators, Arc<AtomicU64>) {
    let mut file = OperatorsFile::new();
    for role in Role::ALL {
        file.add(role.as_str(), role, &Password::new(PASSWORD))
            .unwrap();
    }
    file.policy = policy;
    let now = Arc::new(AtomicU64::new(1_000_000));
    let clock = now.clone();
    let gate = Gate::new(file, Box::new(MemoryFailureLog::default()), "memory");
    (
        Operators::on(gate).with_clock(move || clock.load(Ordering::SeqCst)),
        now,
    )
}

fn plain_policy() -> Policy {
    Policy {
        idle_sign_out_seconds: 0,
        reauthenticate: false,
        critical_relays: Vec::new(),
        ..Policy::default()
    }
}

/// Every control command of the window, by its name in commands.list.
fn commands() -> Vec<(&'static str, AlarmActionOrControl)> {
    use AlarmActionOrControl::*;
    vec![
        ("set_relay", Plain(Kind::SetRelay)),
        ("cancel_command", Plain(Kind::CancelCommand)),
        ("acknowledge_alerts", Plain(Kind::AcknowledgeAlerts)),
        ("mute_alerts", Plain(Kind::MuteAlerts)),
        ("unmute_alerts", Plain(Kind::UnmuteAlerts)),
        ("shelve_device", Plain(Kind::ShelveDevice)),
        (
            "alarm_action acknowledge",
            Alarm(AlarmAction::Acknowledge(vec![1])),
        ),
        (
            "alarm_action acknowledge_all",
            Alarm(AlarmAction::AcknowledgeAll),
        ),
        (
            "alarm_action shelve",
            Alarm(AlarmAction::Shelve {
                id: 1,
                minutes: Some(10),
                reason: "maintenance".into(),
            }),
        ),
        ("alarm_action unshelve", Alarm(AlarmAction::Unshelve(1))),
        ("alarm_action reset", Alarm(AlarmAction::Reset(1))),
        ("alarm_action silence", Alarm(AlarmAction::Silence)),
        (
            "alarm_action remove_from_service",
            Alarm(AlarmAction::RemoveFromService {
                device: "d1".into(),
                reason: "sensor replaced".into(),
            }),
        ),
        (
            "alarm_action return_to_service",
            Alarm(AlarmAction::ReturnToService("d1".into())),
        ),
        ("save_settings (settings)", Plain(Kind::Settings)),
        ("save_settings (alarm limits)", Plain(Kind::AlarmLimits)),
        ("save_settings (language only)", Plain(Kind::LanguageOnly)),
        ("set_autostart", Plain(Kind::Autostart)),
        ("--leave-kiosk", Plain(Kind::LeaveKiosk)),
    ]
}

#[derive(Clone, Copy)]
enum Kind {
    SetRelay,
    CancelCommand,
    AcknowledgeAlerts,
    MuteAlerts,
    UnmuteAlerts,
    ShelveDevice,
    Settings,
    AlarmLimits,
    LanguageOnly,
    Autostart,
    LeaveKiosk,
}

enum AlarmActionOrControl {
    Plain(Kind),
    Alarm(AlarmAction),
}

impl AlarmActionOrControl {
    fn control(&self) -> Control<'_> {
        match self {
            AlarmActionOrControl::Alarm(action) => Control::Alarm(action),
            AlarmActionOrControl::Plain(kind) => match kind {
                Kind::SetRelay => Control::SetRelay { relay_id: "r1" },
                Kind::CancelCommand => Control::CancelCommand,
                Kind::AcknowledgeAlerts => Control::AcknowledgeAlerts,
                Kind::MuteAlerts => Control::MuteAlerts,
                Kind::UnmuteAlerts => Control::UnmuteAlerts,
                Kind::ShelveDevice => Control::ShelveDevice,
                Kind::Settings => Control::SaveSettings {
                    other: true,
                    alarm_config: false,
                },
                Kind::AlarmLimits => Control::SaveSettings {
                    other: false,
                    alarm_config: true,
                },
                Kind::LanguageOnly => Control::SaveSettings {
                    other: false,
                    alarm_config: false,
                },
                Kind::Autostart => Control::SetAutostart,
                Kind::LeaveKiosk => Control::LeaveKiosk,
            },
        }
    }
}

/// The table: for each command, whether a viewer, an operator and an engineer may use it.
fn expected(name: &str) -> [bool; 3] {
    match name {
        "set_relay"
        | "cancel_command"
        | "acknowledge_alerts"
        | "mute_alerts"
        | "unmute_alerts"
        | "shelve_device"
        | "alarm_action acknowledge"
        | "alarm_action acknowledge_all"
        | "alarm_action shelve"
        | "alarm_action unshelve"
        | "alarm_action reset"
        | "alarm_action silence" => [false, true, true],
        "alarm_action remove_from_service"
        | "alarm_action return_to_service"
        | "save_settings (settings)"
        | "save_settings (alarm limits)"
        | "set_autostart"
        | "--leave-kiosk" => [false, false, true],
        // The language is anyone's, signed in or not.
        "save_settings (language only)" => [true, true, true],
        other => panic!("no expectation for {other}"),
    }
}

#[test]
fn each_role_may_use_exactly_the_commands_of_its_row() {
    for (index, role) in Role::ALL.into_iter().enumerate() {
        let (operators, _) = gate(plain_policy());
        operators.sign_in(role.as_str(), PASSWORD).unwrap();
        for (name, command) in commands() {
            let outcome = operators.authorize(&command.control(), None);
            let allowed = expected(name)[index];
            match (&outcome, allowed) {
                (Ok(who), true) => {
                    let operator = who.operator.as_ref().expect("the operator is named");
                    assert_eq!(
                        (operator.name.as_str(), operator.role),
                        (role.as_str(), role),
                        "{name}: the command carries who did it"
                    );
                }
                (Err(error), false) => assert_eq!(
                    error.code, "forbidden",
                    "{role} × {name}: {}",
                    error.message
                ),
                (outcome, allowed) => panic!(
                    "{role} × {name}: expected {} but got {outcome:?}",
                    if allowed { "allowed" } else { "refused" }
                ),
            }
        }
        assert_eq!(
            operators.session().may.len(),
            expected_may(role),
            "{role}: the window is told what the role may do"
        );
    }
}

fn expected_may(role: Role) -> usize {
    match role {
        Role::Viewer => 0,
        Role::Operator => 5,
        Role::Engineer => 9,
    }
}

#[test]
fn nobody_signed_in_may_only_view_while_sign_in_is_on() {
    let (operators, _) = gate(plain_policy());
    for (name, command) in commands() {
        let outcome = operators.authorize(&command.control(), None);
        if name == "save_settings (language only)" {
            assert!(outcome.is_ok(), "{name}");
        } else {
            assert_eq!(outcome.unwrap_err().code, "not_signed_in", "{name}");
        }
    }
    let session = operators.session();
    assert!(session.sign_in && session.operator.is_none() && session.may.is_empty());
}

#[test]
fn with_sign_in_off_every_command_works_as_the_os_user() {
    let operators = Operators::off();
    for (name, command) in commands() {
        let who = operators.authorize(&command.control(), None).unwrap();
        assert_eq!(who.operator, None, "{name}: the OS user, as before");
    }
    let session = operators.session();
    assert!(!session.sign_in);
    assert_eq!(session.may, Action::ALL.to_vec());
}

#[test]
fn a_refused_operators_file_leaves_the_console_view_only_and_says_why() {
    let operators = Operators::refused("others may write to /etc/plant-console/operators.json");
    for (name, command) in commands() {
        let outcome = operators.authorize(&command.control(), None);
        if name == "save_settings (language only)" {
            assert!(outcome.is_ok(), "{name}");
            continue;
        }
        let error = outcome.unwrap_err();
        assert_eq!(error.code, "operators_refused", "{name}");
        assert!(
            error.message.contains("others may write"),
            "{}",
            error.message
        );
    }
    let session = operators.session();
    assert!(session.sign_in && session.may.is_empty());
    assert!(session.refused.unwrap().contains("others may write"));
    assert_eq!(
        operators.sign_in("engineer", PASSWORD).unwrap_err().code,
        "operators_refused"
    );
}

// Unix file modes; on Windows the access list is not read (see console-auth's `check_safe`).
#[cfg(unix)]
#[test]
fn a_world_writable_operators_file_is_refused_at_load() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("operators.json");
    let mut file = OperatorsFile::new();
    file.add("ana", Role::Operator, &Password::new(PASSWORD))
        .unwrap();
    file.save(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let operators = Operators::load(Some(&path), dir.path());
    let session = operators.session();
    assert!(session.sign_in, "never sign-in silently off");
    assert!(session.refused.is_some(), "{session:?}");
    assert!(session.may.is_empty());

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let operators = Operators::load(Some(&path), dir.path());
    assert_eq!(operators.session().refused, None);
    operators.sign_in("ana", PASSWORD).unwrap();
    assert_eq!(operators.session().operator.unwrap().name, "ana");
}

#[test]
fn re_authentication_asks_the_password_again_and_a_reason_for_a_critical_relay() {
    let (operators, _) = gate(Policy {
        reauthenticate: true,
        critical_relays: vec!["r-critical".into()],
        ..plain_policy()
    });
    operators.sign_in("operator", PASSWORD).unwrap();
    let relay = Control::SetRelay { relay_id: "r1" };
    let critical = Control::SetRelay {
        relay_id: "r-critical",
    };
    let challenge = |password: &str, reason: Option<&str>| Challenge {
        password: password.into(),
        reason: reason.map(str::to_owned),
    };

    assert_eq!(
        operators.authorize(&relay, None).unwrap_err().code,
        "reauthentication_required"
    );
    assert_eq!(
        operators
            .authorize(&relay, Some(&challenge("wrong", None)))
            .unwrap_err()
            .code,
        "bad_credentials"
    );
    let who = operators
        .authorize(&relay, Some(&challenge(PASSWORD, None)))
        .unwrap();
    assert_eq!(who.operator.unwrap().name, "operator");

    assert_eq!(
        operators
            .authorize(&critical, Some(&challenge(PASSWORD, None)))
            .unwrap_err()
            .code,
        "reason_required"
    );
    let who = operators
        .authorize(&critical, Some(&challenge(PASSWORD, Some("  pump swap  "))))
        .unwrap();
    assert_eq!(who.reason.as_deref(), Some("pump swap"));

    // The acknowledgement, the mute and the device shelve are challenged as well; undoing
    // (a cancel, an unmute) is role-checked only.
    for control in [
        Control::AcknowledgeAlerts,
        Control::MuteAlerts,
        Control::ShelveDevice,
    ] {
        assert_eq!(
            operators.authorize(&control, None).unwrap_err().code,
            "reauthentication_required"
        );
        assert_eq!(
            operators
                .authorize(&control, Some(&challenge("wrong", None)))
                .unwrap_err()
                .code,
            "bad_credentials"
        );
        assert!(operators
            .authorize(&control, Some(&challenge(PASSWORD, None)))
            .is_ok());
    }
    assert!(operators.authorize(&Control::UnmuteAlerts, None).is_ok());
    assert!(operators.authorize(&Control::CancelCommand, None).is_ok());
    // A viewer is refused before any password is asked.
    operators.sign_in("viewer", PASSWORD).unwrap();
    assert_eq!(
        operators
            .authorize(&relay, Some(&challenge(PASSWORD, None)))
            .unwrap_err()
            .code,
        "forbidden"
    );
}

#[test]
fn a_critical_relay_needs_a_reason_even_without_re_authentication() {
    let (operators, _) = gate(Policy {
        critical_relays: vec!["r-critical".into()],
        ..plain_policy()
    });
    operators.sign_in("operator", PASSWORD).unwrap();
    let critical = Control::SetRelay {
        relay_id: "r-critical",
    };
    assert_eq!(
        operators.authorize(&critical, None).unwrap_err().code,
        "reason_required"
    );
    let reason = Challenge {
        password: String::new(),
        reason: Some("flush the line".into()),
    };
    assert_eq!(
        operators
            .authorize(&critical, Some(&reason))
            .unwrap()
            .reason
            .as_deref(),
        Some("flush the line")
    );
}

#[test]
fn the_idle_timer_signs_the_operator_out_once_and_names_them() {
    let (operators, now) = gate(Policy {
        idle_sign_out_seconds: 60,
        ..plain_policy()
    });
    operators.sign_in("operator", PASSWORD).unwrap();
    assert_eq!(operators.session().idle_sign_out_seconds, Some(60));
    now.fetch_add(50, Ordering::SeqCst);
    operators.activity();
    now.fetch_add(50, Ordering::SeqCst);
    assert_eq!(operators.idle_check(), None, "activity held it off");
    now.fetch_add(11, Ordering::SeqCst);
    let change = operators.idle_check().expect("signed out after 60 s idle");
    assert_eq!(change.session.operator, None);
    assert!(change.session.may.is_empty());
    assert_eq!(change.idle_signed_out.unwrap().name, "operator");
    assert_eq!(operators.idle_check(), None, "announced once");
    assert_eq!(
        operators
            .authorize(&Control::SetRelay { relay_id: "r1" }, None)
            .unwrap_err()
            .code,
        "not_signed_in"
    );
}

#[test]
fn a_lock_out_is_told_with_its_end() {
    let (operators, now) = gate(Policy {
        max_failures: 2,
        lockout_seconds: 300,
        ..plain_policy()
    });
    assert_eq!(
        operators.sign_in("operator", "nope").unwrap_err().code,
        "bad_credentials"
    );
    // The failure that locks the name is still a wrong password; the next try is refused.
    assert_eq!(
        operators.sign_in("operator", "nope").unwrap_err().code,
        "bad_credentials"
    );
    let locked = operators.sign_in("operator", "nope").unwrap_err();
    assert_eq!(locked.code, "locked_out");
    let until = locked.until.expect("the end of the lock-out");
    assert!(until > now.load(Ordering::SeqCst));
    assert_eq!(
        operators.sign_in("operator", PASSWORD).unwrap_err().code,
        "locked_out",
        "the right password does not end a lock-out early"
    );
}

#[test]
fn a_challenge_never_prints_its_password() {
    let challenge = Challenge {
        password: "hunter2".into(),
        reason: Some("why".into()),
    };
    assert!(!format!("{challenge:?}").contains("hunter2"));
}

#[test]
fn every_sign_in_failure_lock_out_and_sign_in_reaches_the_audit_sink_in_the_operators_name() {
    let (operators, _now) = gate(Policy {
        max_failures: 2,
        ..plain_policy()
    });
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    operators.audit_to(Box::new(move |event| {
        let (actor, action, target, detail) = audit_entry(event);
        sink.lock().unwrap().push((
            action,
            target,
            actor.operator.map(|p| (p.name, p.role)),
            detail,
        ));
    }));
    operators.sign_in("operator", PASSWORD).unwrap();
    operators.sign_in("viewer", "wrong").unwrap_err();
    operators.sign_in("viewer", "wrong").unwrap_err();
    operators.sign_in("viewer", PASSWORD).unwrap_err();
    let seen = seen.lock().unwrap();
    let actions: Vec<(&str, &str)> = seen.iter().map(|(a, t, _, _)| (*a, t.as_str())).collect();
    assert_eq!(
        actions,
        [
            ("operator.signed_in", "operator"),
            ("operator.sign_in_failed", "viewer"),
            // The second failure is both: a failure, and the one that locks the name out.
            ("operator.sign_in_failed", "viewer"),
            ("operator.locked_out", "viewer"),
            ("operator.sign_in_refused", "viewer"),
        ]
    );
    assert_eq!(
        seen[0].2,
        Some(("operator".to_owned(), "operator".to_owned())),
        "a sign-in is audited in the operator's name and role"
    );
    assert!(
        seen.iter()
            .all(|(_, _, _, detail)| !detail.contains("wrong") && !detail.contains(PASSWORD)),
        "no password reaches the audit trail"
    );
}
