//! End to end, the window's safety and languages: a hostile device name from the plant
//! shows as text and runs nothing; switching to Persian lays the window out right to
//! left. Both save screenshots under target/e2e/.

use std::time::Duration;

use serde_json::json;
use test_support::desktop::{artifacts_dir, Desktop};
use test_support::flask::FlaskPlant;
use test_support::http::HttpClient;
use test_support::webdriver::TauriDriver;

const BIN: &str = env!("CARGO_BIN_EXE_plant-console");
const HOSTILE: &str = "<img src=x onerror=alert(1)>";

#[test]
fn a_hostile_device_name_renders_literally_and_runs_nothing() {
    let flask = FlaskPlant::start(&["--no-sim"]);
    let mut http = HttpClient::new(format!("127.0.0.1:{}", flask.port));
    let device = json!({"id": "dev-evil", "name": HOSTILE, "kind": "temperature", "status": "online",
        "value": 1.0, "unit": "<b>°C</b>", "last_seen": 1.0, "location": "<script>alert(2)</script>"});
    let answer = http
        .request("PUT", "/_test/devices/dev-evil", Some(&device), &[])
        .expect("PUT the device");
    assert_eq!(answer.status, 200, "{:?}", answer.body);

    let desktop = Desktop::start();
    let driver = TauriDriver::start(&desktop);
    let data_dir = desktop.scratch().join("data");
    let mut window = driver.session(
        BIN.as_ref(),
        &[
            "--server",
            &flask.url(),
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
    );
    let row = window.wait_for(Duration::from_secs(30), "the hostile device's row", |w| {
        w.find("#devices tr[data-device-id=\"dev-evil\"]")
    });
    let text = window.property(&row, "textContent").unwrap_or_default();
    assert!(text.contains(HOSTILE), "the name shows literally: {text:?}");
    assert!(
        window
            .find_all("#devices img, #devices b, script:not([src])")
            .is_empty(),
        "no markup from the plant became elements"
    );
    window.screenshot(&artifacts_dir("e2e").join("hostile-name.png"));
}

#[test]
fn switching_to_persian_lays_the_window_out_right_to_left() {
    let desktop = Desktop::start();
    let driver = TauriDriver::start(&desktop);
    let data_dir = desktop.scratch().join("data");
    let mut window = driver.session(
        BIN.as_ref(),
        &["--demo", "--data-dir", data_dir.to_str().unwrap()],
    );
    window.wait_for(Duration::from_secs(30), "device rows", |w| {
        (w.find_all("#devices tr[data-device-id]").len() == 12).then_some(())
    });
    let persian = window
        .find("#language option[value=\"fa\"]")
        .expect("a Persian option");
    window.click(&persian).expect("choose Persian");
    let html = window.wait_for(Duration::from_secs(10), "a right-to-left window", |w| {
        let html = w.find("html")?;
        (w.attribute(&html, "dir")? == "rtl").then_some(html)
    });
    assert_eq!(window.attribute(&html, "lang").as_deref(), Some("fa"));
    let status = window.text_of("#link-status");
    assert!(
        status
            .chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "the status is in Persian: {status:?}"
    );
    window.screenshot(&artifacts_dir("e2e").join("persian.png"));
}
