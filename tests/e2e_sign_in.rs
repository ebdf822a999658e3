//! End to end, sign-in in the real window against the reference plant (issue #18): with
//! an operators file, nobody signed in and a viewer may not switch a relay (the switch
//! is disabled and says why); an operator may, after the re-authentication the policy
//! asks for, with a reason for a critical relay. A wrong password is refused in the
//! dialog; the right one switches the relay at the plant in the operator's name, and the
//! journal and the audit trail name the operator. Kiosk mode is left by the engineer's
//! `--leave-kiosk` only while an engineer is signed in at the window.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use console_auth::{OperatorsFile, Password, Role};
use plant_server::ServerConfig;
use serde_json::Value;
use test_support::desktop::{artifacts_dir, Desktop};
use test_support::webdriver::{Session, TauriDriver};

mod common;

const LIMIT: Duration = Duration::from_secs(30);
const VIEWER: &str = "vera";
const VIEWER_PASSWORD: &str = "viewer-pass-1";
const OPERATOR: &str = "omar";
const OPERATOR_PASSWORD: &str = "operator-pass-1";
const REASON: &str = "e2e: pump maintenance";
const ENGINEER: &str = "enzo";
const ENGINEER_PASSWORD: &str = "engineer-pass-1";

/// The text of the first element `css` finds, as the DOM has it, without the Unicode
/// isolation marks the catalog puts around its arguments.
fn text_content(window: &mut Session, css: &str) -> Option<String> {
    let element = window.find(css)?;
    let text = window.property(&element, "textContent")?;
    Some(text.replace(['\u{2068}', '\u{2069}'], ""))
}

/// Whether the element `css` finds is displayed (neither it nor a parent `hidden`).
fn shown(window: &mut Session, css: &str) -> bool {
    let script = "const e = document.querySelector(arguments[0]); \
                  return e !== null && e.closest('[hidden]') === null;";
    window
        .execute(script, &[Value::from(css)])
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

fn click(window: &mut Session, css: &str) {
    let element = window.wait_for(LIMIT, css, |w| w.find(css));
    window.click(&element).expect("click");
}

fn set_field(window: &mut Session, css: &str, text: &str) {
    let input = window.wait_for(LIMIT, css, |w| w.find(css));
    window.clear(&input).expect("clear the field");
    window.type_text(&input, text).expect("type into the field");
}

/// The relay's switch: (disabled, title).
fn switch_state(window: &mut Session, relay_id: &str) -> Option<(bool, Option<String>)> {
    let button = window.find(&format!(
        "#relays button.relay-switch[data-relay-id=\"{relay_id}\"]"
    ))?;
    let disabled = window.attribute(&button, "disabled").is_some();
    let title = window
        .attribute(&button, "title")
        .map(|t| t.replace(['\u{2068}', '\u{2069}'], ""));
    Some((disabled, title))
}

/// Who the header names: (data-operator, data-role, the visible words).
fn header_session(window: &mut Session) -> Option<(Option<String>, Option<String>, String)> {
    if !shown(window, "#session") {
        return None;
    }
    let session = window.find("#session")?;
    let operator = window.attribute(&session, "data-operator");
    let role = window.attribute(&session, "data-role");
    Some((operator, role, text_content(window, "#session-who")?))
}

fn sign_in(window: &mut Session, name: &str, password: &str) {
    let toggle = window.wait_for(LIMIT, "the Sign in button", |w| {
        let toggle = w.find("#session-toggle")?;
        (w.attribute(&toggle, "data-action")? == "sign-in").then_some(toggle)
    });
    window.click(&toggle).expect("open the sign-in dialog");
    window.wait_for(LIMIT, "the sign-in dialog", |w| {
        w.find("#sign-in-dialog[open]")
    });
    set_field(window, "#sign-in-name", name);
    set_field(window, "#sign-in-password", password);
    click(window, "#sign-in-submit");
    window.wait_for(LIMIT, "the header naming who signed in", |w| {
        let (operator, _, _) = header_session(w)?;
        (operator.as_deref() == Some(name) && w.find("#sign-in-dialog[open]").is_none())
            .then_some(())
    });
}

fn sign_out(window: &mut Session) {
    let toggle = window.wait_for(LIMIT, "the Sign out button", |w| {
        let toggle = w.find("#session-toggle")?;
        (w.attribute(&toggle, "data-action")? == "sign-out").then_some(toggle)
    });
    window.click(&toggle).expect("sign out");
    window.wait_for(LIMIT, "nobody signed in", |w| {
        let (operator, _, who) = header_session(w)?;
        (operator.is_none() && who.contains("Nobody signed in")).then_some(())
    });
}

/// Writes the operators file: a viewer and an operator, re-authentication before each
/// control, `critical` a critical relay, no idle sign-out (the test must not race it).
fn write_operators(path: &Path, critical: &str) {
    let mut file = OperatorsFile::new();
    file.policy.reauthenticate = true;
    file.policy.critical_relays = vec![critical.to_string()];
    file.policy.idle_sign_out_seconds = 0;
    file.add(VIEWER, Role::Viewer, &Password::new(VIEWER_PASSWORD))
        .expect("add the viewer");
    file.add(OPERATOR, Role::Operator, &Password::new(OPERATOR_PASSWORD))
        .expect("add the operator");
    file.save(path).expect("save the operators file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// A folder only its owner can write to, as the operators file's folder must be.
fn private_site_dir(scratch: &Path) -> std::path::PathBuf {
    let dir = scratch.join("site");
    std::fs::create_dir_all(&dir).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    dir
}

/// The plant's cache, opened read-only beside the running console.
fn open_cache(data_dir: &Path) -> rusqlite::Connection {
    let plants = data_dir.join("plants");
    let cache = std::fs::read_dir(&plants)
        .expect("the plants' caches")
        .map(|entry| entry.unwrap().path().join("console.db"))
        .find(|db| db.is_file())
        .expect("the plant's cache");
    rusqlite::Connection::open_with_flags(
        &cache,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("open the cache read-only")
}

/// The signed-in operator and role of each audit entry about `target`, read from the
/// console's cache (read-only, beside the running console).
fn audit_entries(data_dir: &Path, target: &str) -> Vec<(Option<String>, Option<String>)> {
    let db = open_cache(data_dir);
    let mut query = db
        .prepare("SELECT signed_in, signed_in_role FROM audit WHERE target = ?1 ORDER BY seq")
        .unwrap();
    query
        .query_map([target], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The actions of the audit entries about `target`, oldest first.
fn audit_actions(data_dir: &Path, target: &str) -> Vec<String> {
    let db = open_cache(data_dir);
    let mut query = db
        .prepare("SELECT action FROM audit WHERE target = ?1 ORDER BY seq")
        .unwrap();
    query
        .query_map([target], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_viewers_switch_is_disabled_and_an_operators_works_after_reauthentication() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = common::start_reference(
        &runtime,
        ServerConfig {
            devices: 3,
            sim_interval: None,
            ..ServerConfig::default()
        },
    );
    let url = format!("http://{}", server.local_addr());
    // A relay anyone with the right could switch, marked critical: one the plant does not
    // lock, and whose device (if it has one) is online. The reference plant starts some
    // devices offline at random, and the window rightly disables a switch whose device is
    // offline for everyone (the test once picked such a relay and waited on it in vain).
    let online: Vec<String> = server
        .plant()
        .devices()
        .into_iter()
        .filter(|d| d.status.as_str() == "online")
        .map(|d| d.id)
        .collect();
    let relay = server
        .plant()
        .relays()
        .into_iter()
        .find(|r| {
            r.extra.get("locked") != Some(&Value::Bool(true))
                && r.device_id.as_ref().is_none_or(|d| online.contains(d))
        })
        .expect("a relay that is neither locked nor on an offline device");
    let relay_id = relay.id.clone();
    let target = !relay.state;

    let desktop = Desktop::start();
    let scratch = desktop.scratch().to_path_buf();
    let operators = private_site_dir(&scratch).join("operators.json");
    write_operators(&operators, &relay_id);
    let on_disk = std::fs::read_to_string(&operators).unwrap();
    assert!(
        !on_disk.contains(OPERATOR_PASSWORD) && !on_disk.contains(VIEWER_PASSWORD),
        "only hashes on disk"
    );
    let data_dir = scratch.join("data");

    let driver = TauriDriver::start(&desktop);
    let mut window = driver.session(
        common::BIN.as_ref(),
        &[
            "--server",
            &url,
            "--operators",
            operators.to_str().unwrap(),
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
    );
    common::show_tab(&mut window, "#tab-plant");
    let row = format!("#relays tr[data-relay-id=\"{relay_id}\"]");
    window.wait_for(LIMIT, "the critical relay's row", |w| w.find(&row));

    // Nobody signed in: the header says so, the switch is disabled and says why.
    window.wait_for(LIMIT, "the header saying nobody is signed in", |w| {
        let (operator, role, who) = header_session(w)?;
        (operator.is_none() && role.is_none() && who == "Nobody signed in — viewing").then_some(())
    });
    let refused = text_content(&mut window, "#session-refused").unwrap_or_default();
    assert!(
        !shown(&mut window, "#session-refused"),
        "the operators file is accepted: {refused:?}"
    );
    let (_, title) = window.wait_for(LIMIT, "the switch disabled for nobody", |w| {
        let (disabled, title) = switch_state(w, &relay_id)?;
        (disabled && title.is_some()).then_some((disabled, title))
    });
    assert_eq!(title.as_deref(), Some("Sign in to switch relays"));

    // The viewer: named with the role in the header; the switch still disabled, with
    // the reason as its title.
    sign_in(&mut window, VIEWER, VIEWER_PASSWORD);
    let (_, role, who) = header_session(&mut window).expect("the session box");
    assert_eq!(role.as_deref(), Some("viewer"));
    assert_eq!(who, format!("{VIEWER} (viewer)"));
    let title = window.wait_for(LIMIT, "the switch disabled for the viewer", |w| {
        let (disabled, title) = switch_state(w, &relay_id)?;
        let title = title.filter(|t| t.contains("viewer"))?;
        disabled.then_some(title)
    });
    assert_eq!(
        title,
        "An operator signed in as viewer may not switch relays"
    );
    window.screenshot(&artifacts_dir("e2e").join("sign-in-viewer.png"));

    // The operator: the switch works, after the password again and a reason.
    sign_out(&mut window);
    sign_in(&mut window, OPERATOR, OPERATOR_PASSWORD);
    let (_, role, who) = header_session(&mut window).expect("the session box");
    assert_eq!(role.as_deref(), Some("operator"));
    assert_eq!(who, format!("{OPERATOR} (operator)"));
    // The switch is scrolled to and clicked as the operator would. It is disabled
    // until the session's answer reaches the relay table, so the click waits for that.
    let selector = format!("#relays button.relay-switch[data-relay-id=\"{relay_id}\"]");
    window.wait_for(LIMIT, "the switch enabled for the operator, clicked", |w| {
        let (disabled, _) = switch_state(w, &relay_id)?;
        if disabled {
            return None;
        }
        w.execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
            &[Value::from(selector.as_str())],
        )
        .ok()?;
        let button = w.find(&selector)?;
        w.click(&button).ok()
    });
    window.wait_for(LIMIT, "the confirmation dialog", |w| {
        w.find("#confirm-dialog[open]")
    });
    click(&mut window, "#confirm-ok");
    window.wait_for(LIMIT, "the re-authentication dialog", |w| {
        w.find("#reauth-dialog[open]")
    });
    assert!(
        shown(&mut window, "#reauth-password"),
        "it asks for the password"
    );
    assert!(
        shown(&mut window, "#reauth-reason"),
        "it asks for a reason for a critical relay"
    );
    let help = text_content(&mut window, "#reauth-help").unwrap_or_default();
    assert!(
        help.contains(OPERATOR),
        "the dialog names the operator: {help:?}"
    );

    // A wrong password: refused with text shown, the dialog stays open, nothing sent.
    set_field(&mut window, "#reauth-password", "not-the-password");
    set_field(&mut window, "#reauth-reason", REASON);
    click(&mut window, "#reauth-confirm");
    let error = window.wait_for(LIMIT, "the wrong password refused", |w| {
        if !shown(w, "#reauth-error") {
            return None;
        }
        let text = text_content(w, "#reauth-error")?;
        (!text.trim().is_empty()).then_some(text)
    });
    assert_eq!(error, "Wrong password.");
    assert!(
        window.find("#reauth-dialog[open]").is_some(),
        "the dialog stays open"
    );
    let unchanged = server
        .plant()
        .relays()
        .into_iter()
        .find(|r| r.id == relay_id)
        .unwrap();
    assert_eq!(unchanged.state, relay.state, "nothing was switched");
    window.screenshot(&artifacts_dir("e2e").join("sign-in-reauth-refused.png"));

    // The right password and a reason: the relay switches at the plant, by the operator.
    set_field(&mut window, "#reauth-password", OPERATOR_PASSWORD);
    set_field(&mut window, "#reauth-reason", REASON);
    click(&mut window, "#reauth-confirm");
    let switched = test_support::wait_for(LIMIT, "the relay switched at the plant", || {
        server
            .plant()
            .relays()
            .into_iter()
            .find(|r| r.id == relay_id && r.state == target)
    });
    assert_eq!(switched.changed_by.as_deref(), Some(OPERATOR));
    window.wait_for(LIMIT, "the re-authentication dialog closed", |w| {
        w.find("#reauth-dialog[open]").is_none().then_some(())
    });
    window.wait_for(LIMIT, "the command confirmed in the window", |w| {
        let row = w.find(&row)?;
        (w.attribute(&row, "data-command-status")? == "confirmed").then_some(())
    });

    // The journal names the operator and the role for the command; the audit trail
    // holding it is intact.
    let data = data_dir.as_path();
    let entry = test_support::wait_for(LIMIT, "the command journaled by the operator", || {
        let journal =
            common::cli_json_once_ready(&["journal", "--kind", "command", "--json"], data)?;
        let entries = journal
            .as_array()
            .cloned()
            .or_else(|| journal.get("entries")?.as_array().cloned())?;
        entries.into_iter().find(|e| {
            let d = &e["data"];
            d["signed_in"] == OPERATOR && d["status"] == "confirmed"
        })
    });
    assert_eq!(entry["data"]["signed_in_role"], "operator", "{entry}");
    assert_eq!(entry["subject"], relay_id.as_str(), "{entry}");
    common::cli(&["audit", "verify"], data);
    let audited = audit_entries(data, &relay_id);
    assert!(
        audited
            .iter()
            .any(|(name, role)| name.as_deref() == Some(OPERATOR)
                && role.as_deref() == Some("operator")),
        "the audit trail names the operator for {relay_id}: {audited:?}"
    );
    assert!(
        audited
            .iter()
            .all(|(name, _)| name.as_deref() == Some(OPERATOR)),
        "every audit entry of the relay names the operator: {audited:?}"
    );
    // The operator session is audited beside the commands: the viewer's sign-in and
    // sign-out, the operator's sign-in, the refused re-authentication and the one that
    // passed.
    test_support::wait_for(LIMIT, "the operator session in the audit trail", || {
        let viewer = audit_actions(data, VIEWER);
        let operator = audit_actions(data, OPERATOR);
        let has = |actions: &[String], action: &str| actions.iter().any(|a| a == action);
        (has(&viewer, "operator.signed_in")
            && has(&viewer, "operator.signed_out")
            && has(&operator, "operator.signed_in")
            && has(&operator, "operator.reauthentication_failed")
            && has(&operator, "operator.reauthenticated"))
        .then_some(())
    });
    common::cli(&["audit", "verify"], data);
    window.screenshot(&artifacts_dir("e2e").join("sign-in-operator.png"));
}

/// How many times the window's log says it kept kiosk mode on a `--leave-kiosk`.
fn kiosk_kept(data_dir: &Path) -> usize {
    std::fs::read_to_string(data_dir.join("logs").join("plant-console.log"))
        .unwrap_or_default()
        .matches("kiosk mode kept")
        .count()
}

fn leave_kiosk(desktop: &Desktop, data_dir: &Path) {
    let status = Command::new(common::BIN)
        .args(["--leave-kiosk", "--data-dir", data_dir.to_str().unwrap()])
        .envs(desktop.env())
        .status()
        .expect("run --leave-kiosk");
    assert!(status.success(), "--leave-kiosk reached the running window");
}

fn in_kiosk(window: &mut Session) -> bool {
    common::window_info(window)["kiosk"]
        .as_bool()
        .expect("window_info says kiosk")
}

#[test]
fn kiosk_mode_is_left_only_while_an_engineer_is_signed_in_at_the_window() {
    let desktop = Desktop::start();
    let scratch = desktop.scratch().to_path_buf();
    let operators = private_site_dir(&scratch).join("operators.json");
    let mut file = OperatorsFile::new();
    file.policy.idle_sign_out_seconds = 0;
    file.add(OPERATOR, Role::Operator, &Password::new(OPERATOR_PASSWORD))
        .unwrap();
    file.add(ENGINEER, Role::Engineer, &Password::new(ENGINEER_PASSWORD))
        .unwrap();
    file.save(&operators).unwrap();
    let data_dir = scratch.join("data");

    let driver = TauriDriver::start(&desktop);
    let mut window = driver.session(
        common::BIN.as_ref(),
        &[
            "--demo",
            "--kiosk",
            "--operators",
            operators.to_str().unwrap(),
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
    );
    window.wait_for(LIMIT, "the kiosk badge", |w| {
        let badge = w.find("#kiosk-badge")?;
        w.attribute(&badge, "hidden").is_none().then_some(())
    });

    // Nobody signed in, then an operator: the command reaches the window, which keeps
    // kiosk mode and says why in its log.
    leave_kiosk(&desktop, &data_dir);
    test_support::wait_for(LIMIT, "kiosk mode kept for nobody", || {
        (kiosk_kept(&data_dir) == 1).then_some(())
    });
    assert!(
        in_kiosk(&mut window),
        "nobody signed in: still in kiosk mode"
    );
    sign_in(&mut window, OPERATOR, OPERATOR_PASSWORD);
    leave_kiosk(&desktop, &data_dir);
    test_support::wait_for(LIMIT, "kiosk mode kept for an operator", || {
        (kiosk_kept(&data_dir) == 2).then_some(())
    });
    assert!(in_kiosk(&mut window), "an operator: still in kiosk mode");
    let badge = window.find("#kiosk-badge").expect("the kiosk badge");
    assert!(window.attribute(&badge, "hidden").is_none());

    // The engineer, signed in at the window: kiosk mode is left.
    sign_out(&mut window);
    sign_in(&mut window, ENGINEER, ENGINEER_PASSWORD);
    leave_kiosk(&desktop, &data_dir);
    window.wait_for(LIMIT, "the kiosk badge gone", |w| {
        let badge = w.find("#kiosk-badge")?;
        w.attribute(&badge, "hidden").is_some().then_some(())
    });
    assert!(!in_kiosk(&mut window));
    assert_eq!(kiosk_kept(&data_dir), 2, "the engineer was not refused");
    // The operator's attempt is in the audit trail, in the operator's name.
    let data = data_dir.as_path();
    test_support::wait_for(LIMIT, "the operator's refusal audited", || {
        audit_actions(data, OPERATOR)
            .iter()
            .any(|a| a == "operator.forbidden")
            .then_some(())
    });
}
