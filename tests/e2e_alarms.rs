//! End to end, the alarms in the real window against the Flask plant: the banner shows
//! the top unacknowledged alarm in every tab and acknowledges it, the summary lists the
//! alarms with their states, and the window switched to Persian words the summary in
//! Persian. Saves the screenshots the README shows under target/e2e/ (copied to
//! ui/screenshots/ by hand when the window's look changes).

use std::time::Duration;

use serde_json::json;
use test_support::desktop::{artifacts_dir, Desktop};
use test_support::flask::FlaskPlant;
use test_support::webdriver::TauriDriver;

const BIN: &str = env!("CARGO_BIN_EXE_plant-console");
const LIMIT: Duration = Duration::from_secs(30);

/// The text of the first element `css` finds, as the DOM has it (WebDriver's visible
/// text depends on what WebKit has laid out at that instant).
fn text_content(window: &mut test_support::webdriver::Session, css: &str) -> Option<String> {
    let element = window.find(css)?;
    window.property(&element, "textContent")
}

fn persian(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

#[test]
fn the_banner_and_the_summary_show_and_acknowledge_alarms_in_english_and_in_persian() {
    let flask = FlaskPlant::start(&["--no-sim"]);
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
    window.wait_for(LIMIT, "device rows", |w| {
        (w.find_all("#devices tr[data-device-id]").len() == 12).then_some(())
    });
    // The Flask plant starts with dev-07 offline and dev-11 in fault: standing alarms.
    // Two more faults at the plant (devices no switched-off relay powers).
    flask.set_device("dev-08", &json!({"status": "fault"}));
    flask.set_device("dev-09", &json!({"status": "fault"}));

    window.wait_for(LIMIT, "four unacknowledged alarms in the summary", |w| {
        let rows = w.find_all("#alarms tr[data-alarm-id][data-state=\"unack_active\"]");
        (rows.len() == 4).then_some(())
    });
    // The banner's summary button opens the alarm summary from whatever tab is shown.
    let open = window
        .find("#alarm-banner-summary")
        .expect("the banner's way to the summary");
    window.click(&open).expect("open the summary");
    window.wait_for(LIMIT, "the summary tab shown", |w| {
        let tab = w.find("#tab-alarms")?;
        (w.attribute(&tab, "aria-selected")? == "true").then_some(())
    });
    window.wait_for(LIMIT, "the banner's top alarm and counts", |w| {
        let top = text_content(w, "#alarm-banner-message")?;
        let counts = text_content(w, "#alarm-banner-counts")?;
        (!top.trim().is_empty() && counts.chars().any(|c| c.is_ascii_digit())).then_some(())
    });

    // The banner's Acknowledge takes the top alarm to Acknowledged-Active.
    let ack = window
        .find("#alarm-banner-ack")
        .expect("the banner's Acknowledge");
    window.click(&ack).expect("acknowledge the top alarm");
    window.wait_for(LIMIT, "one alarm acknowledged", |w| {
        let acked = w.find_all("#alarms tr[data-alarm-id][data-state=\"ack_active\"]");
        let unacked = w.find_all("#alarms tr[data-alarm-id][data-state=\"unack_active\"]");
        (acked.len() == 1 && unacked.len() == 3).then_some(())
    });
    // Laid out and painted: the screenshot is of the summary, not of the tab before.
    window.wait_for(LIMIT, "the summary laid out", |w| {
        let height = w
            .execute(
                "return document.getElementById('alarms')?.getBoundingClientRect().height ?? 0",
                &[],
            )
            .ok()?;
        (height.as_f64()? > 0.0).then_some(())
    });
    window
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            &[],
            LIMIT,
        )
        .expect("two frames drawn");
    window.screenshot(&artifacts_dir("e2e").join("alarms.png"));

    // In Persian, the summary's states and messages are Persian.
    let fa = window
        .find("#language option[value=\"fa\"]")
        .expect("a Persian option");
    window.click(&fa).expect("choose Persian");
    window.wait_for(LIMIT, "a right-to-left window", |w| {
        let html = w.find("html")?;
        (w.attribute(&html, "dir")? == "rtl").then_some(())
    });
    window.wait_for(LIMIT, "the summary in Persian", |w| {
        let message = text_content(w, "#alarms tr[data-alarm-id] .alarm-message")?;
        let state = text_content(w, "#alarms tr[data-alarm-id] .alarm-state")?;
        (persian(&message) && persian(&state)).then_some(())
    });
    let banner = text_content(&mut window, "#alarm-banner").unwrap_or_default();
    assert!(persian(&banner), "the banner too: {banner:?}");
    window.screenshot(&artifacts_dir("e2e").join("alarms-fa.png"));
}
