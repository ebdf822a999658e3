//! End to end, the control-room screen in the real window on the demo plant, at the two
//! monitor sizes of a control room (1280 × 800 and 1920 × 1080), in English and Persian:
//! the overview is the first screen; no table cell's text is cut mid-word or cut off
//! without an ellipsis and its full text as the title; the colours follow ISA-101 (a
//! neutral grey background, no saturated colour on a normal state, a saturated one on an
//! abnormal state); zooming a trend changes its range; and a trend's CSV export holds
//! the cached samples. Saves the screenshots the README shows under target/e2e/.

use std::time::Duration;

use serde_json::{json, Value};
use test_support::desktop::{artifacts_dir, Desktop};
use test_support::webdriver::{Session, TauriDriver};

const BIN: &str = env!("CARGO_BIN_EXE_plant-console");
const LIMIT: Duration = Duration::from_secs(30);

/// Waits until the page has laid out and painted what was just shown.
fn settle(window: &mut Session) {
    window
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            &[],
            LIMIT,
        )
        .expect("two frames drawn");
}

/// Shows a tab through its button, as an operator would, and waits for its panel.
fn show_tab(window: &mut Session, tab: &str) {
    let button = window
        .find(&format!("#tab-{tab}"))
        .unwrap_or_else(|| panic!("a tab button #tab-{tab}"));
    window.click(&button).expect("click the tab");
    window.wait_for(LIMIT, "the tab shown", |w| {
        let button = w.find(&format!("#tab-{tab}"))?;
        (w.attribute(&button, "aria-selected")? == "true").then_some(())
    });
    settle(window);
}

/// Every visible table cell whose text is cut: wider than its box without an ellipsis and
/// a title holding the whole text; and every element that breaks words anywhere.
const CUT_CELLS: &str = r#"
const cut = [];
for (const cell of document.querySelectorAll('td, th')) {
  const box = cell.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) continue;
  const style = getComputedStyle(cell);
  const text = (cell.textContent ?? '').trim();
  if (text === '') continue;
  const overflows = cell.scrollWidth > cell.clientWidth + 1;
  if (overflows) {
    const ellipsis = style.textOverflow === 'ellipsis';
    const titled = (cell.getAttribute('title') ?? cell.querySelector('[title]')?.getAttribute('title') ?? '').trim() !== '';
    if (!(ellipsis && titled)) cut.push(`overflow without ellipsis and title: ${text.slice(0, 60)}`);
  }
  // Text that wraps inside a word: a cell whose text is on several lines while one of
  // its words alone is wider than the cell.
  for (const node of cell.querySelectorAll('*')) {
    const s = getComputedStyle(node);
    if (s.wordBreak === 'break-all' || s.overflowWrap === 'anywhere') cut.push(`breaks words: ${text.slice(0, 60)}`);
  }
  if (style.wordBreak === 'break-all' || style.overflowWrap === 'anywhere') cut.push(`breaks words: ${text.slice(0, 60)}`);
}
// A word broken across lines: a text node's range that spans two line boxes within one word.
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const range = document.createRange();
for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
  const parent = node.parentElement;
  if (parent === null || parent.closest('td, th') === null) continue;
  if (parent.getBoundingClientRect().width === 0) continue;
  const text = node.textContent ?? '';
  for (const match of text.matchAll(/\S{2,}/g)) {
    range.setStart(node, match.index);
    range.setEnd(node, match.index + match[0].length);
    const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (lines.size > 1) cut.push(`a word broken across lines: ${match[0]}`);
  }
}
return cut;
"#;

/// The ISA-101 colours: the background's RGB and every state indicator's colours.
const COLOURS: &str = r#"
const rgb = (text) => {
  const m = text.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/);
  if (m === null) return null;
  return { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] };
};
const saturation = (c) => {
  if (c === null || c.a === 0) return 0;
  const r = c.r / 255, g = c.g / 255, b = c.b / 255;
  const max = Math.max(r, g, b), min = Math.min(r, g, b);
  const l = (max + min) / 2;
  if (max === min) return 0;
  return (max - min) / (1 - Math.abs(2 * l - 1));
};
const body = rgb(getComputedStyle(document.body).backgroundColor);
const indicators = [];
for (const el of document.querySelectorAll('[data-state-indicator]')) {
  const s = getComputedStyle(el);
  const sat = Math.max(saturation(rgb(s.color)), saturation(rgb(s.backgroundColor)), saturation(rgb(s.borderTopColor)), saturation(rgb(s.fill ?? '')));
  indicators.push({ abnormal: el.getAttribute('data-abnormal'), saturation: sat, text: (el.textContent ?? '').trim().slice(0, 40), kind: el.getAttribute('data-state-indicator') });
}
return { body, indicators };
"#;

fn check_no_cut_cells(window: &mut Session, context: &str) {
    let cut = window.execute(CUT_CELLS, &[]).expect("the cell check runs");
    let cut: Vec<String> = serde_json::from_value(cut).unwrap_or_default();
    assert!(cut.is_empty(), "{context}: {cut:#?}");
}

fn check_colours(window: &mut Session, context: &str) {
    let colours = window.execute(COLOURS, &[]).expect("the colour check runs");
    let body = &colours["body"];
    let (r, g, b) = (
        body["r"].as_f64().unwrap(),
        body["g"].as_f64().unwrap(),
        body["b"].as_f64().unwrap(),
    );
    assert!(
        (r - g).abs() <= 8.0 && (g - b).abs() <= 8.0 && (r - b).abs() <= 8.0,
        "{context}: the background is a neutral grey, not rgb({r}, {g}, {b})"
    );
    let indicators = colours["indicators"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let normal: Vec<&Value> = indicators
        .iter()
        .filter(|i| i["abnormal"] == "false")
        .collect();
    let abnormal: Vec<&Value> = indicators
        .iter()
        .filter(|i| i["abnormal"] == "true")
        .collect();
    assert!(
        !normal.is_empty(),
        "{context}: normal-state indicators are marked"
    );
    for indicator in &normal {
        assert!(
            indicator["saturation"].as_f64().unwrap() < 0.15,
            "{context}: a normal state carries a saturated colour: {indicator}"
        );
    }
    for indicator in &abnormal {
        assert!(
            indicator["saturation"].as_f64().unwrap() >= 0.4,
            "{context}: an abnormal state has no saturated colour: {indicator}"
        );
    }
}

/// The trend chart's visible range, as its attributes say.
fn trend_range(window: &mut Session) -> Option<(f64, f64)> {
    let chart = window.find("#trend-chart")?;
    let since = window.attribute(&chart, "data-since")?.parse().ok()?;
    let until = window.attribute(&chart, "data-until")?.parse().ok()?;
    Some((since, until))
}

/// Runs the demo window at `width` × `height`, checks it in both languages and saves
/// the screenshots `hmi-<view>-<size>[-fa].png`.
fn fits_the_room(width: u32, height: u32) {
    let desktop = Desktop::start_sized(width, height);
    // The POSIX locale a control-room image often runs in: WebKitGTK then gives the page
    // the language tag "C", which Intl refuses (the chart below must still draw).
    let driver = TauriDriver::start_with_env(&desktop, &[("LC_ALL", "C"), ("LANG", "C")]);
    let data_dir = desktop.scratch().join("console-data");
    let mut window = driver.session(
        BIN.as_ref(),
        &["--demo", "--data-dir", data_dir.to_str().unwrap()],
    );
    window
        .set_window_size(width, height)
        .expect("the window takes the monitor's size");
    let size = format!("{width}x{height}");
    let shots = artifacts_dir("e2e");

    // A fresh console opens on the plant overview (ISA-101's level 1).
    window.wait_for(LIMIT, "the overview first", |w| {
        let tab = w.find("#tab-overview")?;
        (w.attribute(&tab, "aria-selected")? == "true").then_some(())
    });
    window.wait_for(LIMIT, "the overview's areas", |w| {
        (!w.find_all("#overview [data-area]").is_empty()).then_some(())
    });
    window.wait_for(LIMIT, "a live link", |w| {
        let status = w.find("#link-status")?;
        (w.attribute(&status, "data-mode")? == "realtime").then_some(())
    });
    window.wait_for(LIMIT, "device rows", |w| {
        (w.find_all("#devices tbody tr[data-device-id]").len() == 12).then_some(())
    });

    for lang in ["en", "fa"] {
        if lang == "fa" {
            show_tab(&mut window, "settings");
            let fa = window
                .find("#language option[value=\"fa\"]")
                .expect("a Persian option");
            window.click(&fa).expect("choose Persian");
            window.wait_for(LIMIT, "a right-to-left window", |w| {
                let html = w.find("html")?;
                (w.attribute(&html, "dir")? == "rtl").then_some(())
            });
        }
        let suffix = if lang == "fa" { "-fa" } else { "" };
        for tab in ["overview", "plant", "alarms", "trends"] {
            show_tab(&mut window, tab);
            let context = format!("{tab} at {size} in {lang}");
            check_no_cut_cells(&mut window, &context);
            check_colours(&mut window, &context);
            window.screenshot(&shots.join(format!("hmi-{tab}-{size}{suffix}.png")));
        }
    }

    // Zooming the trend changes its range.
    show_tab(&mut window, "trends");
    let pen = window.find("#trend-pen-search").expect("the pen search");
    window.type_text(&pen, "dev").expect("search the devices");
    let first = window.wait_for(LIMIT, "a device to add as a pen", |w| {
        w.find("[data-pen^=\"device:\"]")
    });
    window.click(&first).expect("add the pen");
    window.wait_for(LIMIT, "the chart drawn on its canvas", |w| {
        w.find("#trend-chart canvas")
    });
    let hour = window.find("#trend-range-3600").expect("the 1 h range");
    window.click(&hour).expect("choose 1 h");
    let before = window.wait_for(LIMIT, "an hour shown", |w| {
        let (since, until) = trend_range(w)?;
        ((until - since - 3600.0).abs() < 1.0).then_some((since, until))
    });
    let zoom = window.find("#trend-zoom-in").expect("the zoom-in button");
    window.click(&zoom).expect("zoom in");
    window.wait_for(LIMIT, "a narrower range", |w| {
        let (since, until) = trend_range(w)?;
        (until - since < before.1 - before.0 - 1.0).then_some(())
    });
}

#[test]
fn the_console_fits_a_1280_by_800_monitor_in_english_and_persian() {
    fits_the_room(1280, 800);
}

#[test]
fn the_console_fits_a_1920_by_1080_monitor_in_english_and_persian() {
    fits_the_room(1920, 1080);
}

#[test]
fn a_trend_exported_to_csv_holds_the_cached_samples_of_its_range() {
    let desktop = Desktop::start();
    let driver = TauriDriver::start(&desktop);
    let data_dir = desktop.scratch().join("console-data");
    let mut window = driver.session(
        BIN.as_ref(),
        &["--demo", "--data-dir", data_dir.to_str().unwrap()],
    );
    let device = window.wait_for(LIMIT, "device rows", |w| {
        let row = w.find("#devices tbody tr[data-device-id]")?;
        w.attribute(&row, "data-device-id")
    });
    // A few seconds of samples in the cache: the demo plant sends values every second.
    let csv = desktop.scratch().join("trend.csv");
    let (since, until) = window.wait_for(LIMIT, "samples exported", |w| {
        // The export the window's button makes, through the same command, for the range
        // the chart shows; the dialog's path is ours. The range ends a few seconds ago,
        // so no sample of it is still on its way to the cache.
        let answer = w
            .execute_async(
                "const [pens, path, done] = arguments; \
                 const until = Date.now() / 1000 - 5; const since = until - 600; \
                 window.__TAURI_INTERNALS__.invoke('export_trend', { path, pens, since, until }) \
                   .then(rows => done({ rows, since, until }), e => done({ error: String(e?.message ?? e) }));",
                &[
                    json!([{ "kind": "device", "device_id": device }]),
                    json!(csv.to_str().unwrap()),
                ],
                LIMIT,
            )
            .ok()?;
        (answer["rows"].as_u64()? >= 3)
            .then(|| Some((answer["since"].as_f64()?, answer["until"].as_f64()?)))
            .flatten()
    });
    drop(window);
    drop(driver);

    let text = std::fs::read_to_string(&csv).expect("the CSV was written");
    let mut lines = text.lines();
    let header = lines.next().expect("a header row");
    assert!(
        header.contains(&device),
        "the header names the pen: {header}"
    );
    let exported: Vec<(f64, Option<f64>)> = lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let at: f64 = fields[1]
                .parse()
                .expect("unix seconds in the second column");
            let value = fields
                .get(2)
                .filter(|v| !v.is_empty())
                .map(|v| v.parse().unwrap());
            (at, value)
        })
        .collect();
    let cache =
        console_core::store::plants::cache_dir(&data_dir, &plant_link::config::PlantId::demo());
    let conn = console_core::store::open_read_only(&cache)
        .expect("the cache opens")
        .expect("a cache exists");
    let cached = console_core::store::device_history(&conn, &device, since, until).unwrap();
    assert_eq!(exported, cached, "the CSV's rows are the cached samples");
}
