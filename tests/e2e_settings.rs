//! End to end, the Settings view: a refused value is shown next to its field; a new
//! plant address with its token, applied from the window, reconnects the console there
//! (the token kept in the private file, since the test's session bus has no keyring);
//! read-only mode disables every relay switch; starting at sign-in, ticked and cleared,
//! writes and removes the autostart entry under the desktop's HOME. Screenshots go to
//! target/e2e/.

use std::time::Duration;

use plant_server::ServerConfig;
use test_support::desktop::{artifacts_dir, Desktop};
use test_support::webdriver::{Session, TauriDriver};

mod common;

const LIMIT: Duration = Duration::from_secs(30);

fn mode(window: &mut Session) -> Option<String> {
    let status = window.find("#link-status")?;
    window.attribute(&status, "data-mode")
}

fn device_rows(window: &mut Session) -> usize {
    window.find_all("#devices tr[data-device-id]").len()
}

fn set_field(window: &mut Session, css: &str, text: &str) {
    let input = window.wait_for(LIMIT, css, |w| w.find(css));
    window.clear(&input).expect("clear the field");
    window.type_text(&input, text).expect("type into the field");
}

/// The start-at-sign-in box: (disabled, checked). Boolean properties do not come back
/// as text, so they are asked for by a script.
fn box_state(window: &mut Session) -> Option<(bool, bool)> {
    let value = window
        .execute(
            "const b = document.getElementById('settings-autostart'); return b && [b.disabled, b.checked];",
            &[],
        )
        .ok()?;
    Some((value.get(0)?.as_bool()?, value.get(1)?.as_bool()?))
}

fn click(window: &mut Session, css: &str) {
    let element = window.wait_for(LIMIT, css, |w| w.find(css));
    window.click(&element).expect("click");
}

#[test]
fn a_new_plant_address_and_token_applied_in_settings_reconnect_the_console_there() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let a = common::start_reference(
        &runtime,
        ServerConfig {
            devices: 3,
            sim_interval: None,
            ..ServerConfig::default()
        },
    );
    let b = common::start_reference(
        &runtime,
        ServerConfig {
            devices: 5,
            token: Some("token-b".into()),
            sim_interval: None,
            ..ServerConfig::default()
        },
    );
    let url_a = format!("http://{}", a.local_addr());
    let url_b = format!("http://{}", b.local_addr());

    let desktop = Desktop::start();
    let data_dir = desktop.scratch().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    // The plant comes from the saved settings, not the command line, so the window may
    // change it.
    std::fs::write(
        data_dir.join("settings.json"),
        serde_json::json!({ "plant_url": url_a }).to_string(),
    )
    .unwrap();
    let driver = TauriDriver::start(&desktop);
    let mut window = driver.session(
        common::BIN.as_ref(),
        &["--data-dir", data_dir.to_str().unwrap()],
    );
    window.wait_for(LIMIT, "plant A live with its 3 devices", |w| {
        (mode(w).as_deref() == Some("realtime") && device_rows(w) == 3).then_some(())
    });

    common::show_tab(&mut window, "#tab-settings");
    let storage = window.wait_for(LIMIT, "where the token is kept", |w| {
        let line = w.find("#settings-token-storage")?;
        let text = w.property(&line, "textContent")?;
        (!text.is_empty()).then_some(text)
    });
    assert!(
        storage.contains("tokens.json"),
        "with no keyring on the bus the view names the file: {storage:?}"
    );

    // Starting at sign-in: off at first; ticking it has the autostart plugin write its
    // entry under this desktop's HOME at once (no Apply), clearing it removes the entry.
    let entry = desktop
        .scratch()
        .join(".config/autostart/plant-console.desktop");
    assert!(!entry.exists(), "off unless the operator turns it on");
    let autostart = window.wait_for(LIMIT, "the start-at-sign-in box usable", |w| {
        let input = w.find("#settings-autostart")?;
        (box_state(w) == Some((false, false))).then_some(input)
    });
    window.click(&autostart).expect("tick start at sign-in");
    test_support::wait_for(LIMIT, "the autostart entry written", || {
        entry.is_file().then_some(())
    });
    let written = std::fs::read_to_string(&entry).unwrap();
    assert!(
        written.contains("Exec=") && written.contains("plant-console"),
        "{written}"
    );
    window.wait_for(LIMIT, "the window to say it is on", |w| {
        let status = w.find("#settings-autostart-status")?;
        let text = w.property(&status, "textContent")?;
        text.contains("will start").then_some(())
    });
    window.click(&autostart).expect("clear start at sign-in");
    test_support::wait_for(LIMIT, "the autostart entry removed", || {
        (!entry.exists()).then_some(())
    });

    set_field(&mut window, "#settings-plant-url", "ftp://plant");
    click(&mut window, "#settings-apply");
    let message = window.wait_for(LIMIT, "the URL's error beside it", |w| {
        let error = w.find("#settings-error-plant_url")?;
        let text = w.property(&error, "textContent")?;
        (!text.trim().is_empty()).then_some(text)
    });
    assert!(message.contains("http"), "{message:?}");
    let input = window.find("#settings-plant-url").unwrap();
    assert_eq!(
        window.attribute(&input, "aria-invalid").as_deref(),
        Some("true")
    );
    window.screenshot(&artifacts_dir("e2e").join("settings-invalid.png"));

    set_field(&mut window, "#settings-plant-url", &url_b);
    set_field(&mut window, "#settings-token", "token-b");
    click(&mut window, "#settings-apply");
    // The status line still holds the refusal above until this save's answer replaces it.
    let said = window.wait_for(LIMIT, "the save to be confirmed", |w| {
        let status = w.find("#settings-status")?;
        let text = w.property(&status, "textContent")?;
        text.starts_with("Saved").then_some(text)
    });
    assert!(said.contains("Reconnecting"), "{said:?}");
    window.screenshot(&artifacts_dir("e2e").join("settings.png"));

    // B refuses anyone without its token: Real-time with B's 5 devices proves the token
    // entered in the window was kept and sent.
    common::show_tab(&mut window, "#tab-plant");
    window.wait_for(LIMIT, "plant B live with its 5 devices", |w| {
        (mode(w).as_deref() == Some("realtime") && device_rows(w) == 5).then_some(())
    });
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data_dir.join("settings.json")).unwrap()).unwrap();
    assert_eq!(saved["plant_url"], url_b.as_str());
    let tokens = data_dir.join("tokens.json");
    let kept = std::fs::read_to_string(&tokens).expect("the token file exists");
    assert!(kept.contains("token-b"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&tokens).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the token file is the user's alone");
    }

    common::show_tab(&mut window, "#tab-settings");
    let read_only = window.wait_for(LIMIT, "the read-only switch", |w| {
        w.find("#settings-read-only")
    });
    window.click(&read_only).expect("tick read-only");
    click(&mut window, "#settings-apply");
    common::show_tab(&mut window, "#tab-plant");
    window.wait_for(LIMIT, "every relay switch disabled", |w| {
        let all = w.find_all("#relays button.relay-switch").len();
        let enabled = w
            .find_all("#relays button.relay-switch:not([disabled])")
            .len();
        (all > 0 && enabled == 0).then_some(())
    });
    window.screenshot(&artifacts_dir("e2e").join("settings-read-only.png"));
    drop(window);
    runtime.block_on(async {
        a.shutdown().await;
        b.shutdown().await;
    });
}
