//! The Trends view's queries, pure parts: pens (a device's value or one of the server's
//! figures), the checks on what the window asks for, the display reduction, the CSV of
//! a visible range and the check of a PNG the window sends to be saved.
//!
//! The window is a client like any other: every count, range and body it sends is
//! bounded here before the store is asked, so a hostile or buggy page cannot make the
//! console read a year of samples for ten thousand pens or write an arbitrary file.

use std::collections::BTreeMap;

use plant_link::text::csv_cell;
use plant_protocol::UnixSeconds;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::bounds::MAX_ID_BYTES;
use crate::store::{Gap, StatsSample};

/// Most device ids one `area_trend` may name: the overview's largest area.
pub const MAX_AREA_DEVICES: usize = 10_000;
/// Most buckets one `area_trend` may ask for: one per pixel column of a small bar.
pub const MAX_AREA_BUCKETS: u32 = 240;
/// Most pens on one chart (and in one export).
pub const MAX_PENS: usize = 8;
/// Points per pen above which the display query always reduces a pen to min/max per
/// pixel column, however wide the chart.
pub const MAX_DISPLAY_POINTS: usize = 20_000;
/// Points per pixel column above which a pen is reduced for a chart of that width: the
/// reduction keeps at most three per column (a hole, the lowest, the highest), so more
/// than this are points the chart cannot show apart. Seven days of one device under the
/// cache's tiers is about 6 000 points, a chart 1 200 pixels wide shows 2 400 of them
/// (each drawn point costs the window's frame time: `plant-bench ui`'s trend zoom).
pub const DISPLAY_POINTS_PER_COLUMN: usize = 4;
/// Widest chart, in pixel columns, the display query reduces to.
pub const MAX_PIXELS: u32 = 8192;
/// Largest PNG the window may send to be saved: a 4K chart is far smaller.
pub const MAX_PNG_BYTES: usize = 20 * 1024 * 1024;

/// The eight bytes every PNG file starts with.
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// A pen's points, oldest first: each time and the value then (`None`: the device
/// reported none).
pub type Points = Vec<(UnixSeconds, Option<f64>)>;

/// One of the server's system figures, as a pen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StatsFigure {
    Cpu,
    Memory,
    Disk,
    Clients,
}

impl StatsFigure {
    pub fn as_str(self) -> &'static str {
        match self {
            StatsFigure::Cpu => "cpu",
            StatsFigure::Memory => "memory",
            StatsFigure::Disk => "disk",
            StatsFigure::Clients => "clients",
        }
    }

    /// This figure of one stats sample.
    pub fn of(self, sample: &StatsSample) -> f64 {
        match self {
            StatsFigure::Cpu => sample.cpu,
            StatsFigure::Memory => sample.memory,
            StatsFigure::Disk => sample.disk,
            // Client counts are far below 2^53, where f64 stops being exact.
            StatsFigure::Clients => sample.clients as f64,
        }
    }
}

/// One line of a trend: a device's value, or one of the server's figures.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrendPen {
    Device { device_id: String },
    Stats { figure: StatsFigure },
}

impl TrendPen {
    /// The pen's name as the window writes it (`device:<id>`, `stats:<figure>`), also
    /// the CSV's column heading.
    pub fn name(&self) -> String {
        match self {
            TrendPen::Device { device_id } => format!("device:{device_id}"),
            TrendPen::Stats { figure } => format!("stats:{}", figure.as_str()),
        }
    }
}

/// One pen's points over the asked range, oldest first; `None` where a device reported
/// no value. `reduced` says the display query kept only each pixel column's min and max.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PenSeries {
    pub pen: TrendPen,
    pub points: Vec<(UnixSeconds, Option<f64>)>,
    pub reduced: bool,
}

/// Several pens over one range, and the link gaps in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrendData {
    pub series: Vec<PenSeries>,
    pub gaps: Vec<Gap>,
}

/// Why a trend query or export was refused. The window shows the message; the code
/// (`invalid_trend`) is the same for all, as each is a page asking for what it must not.
#[derive(Debug, Error, PartialEq)]
pub enum TrendError {
    #[error("a trend's range needs finite times with since before until (got {since} to {until})")]
    Range { since: f64, until: f64 },
    #[error("an area trend names at most {MAX_AREA_DEVICES} devices (got {0})")]
    TooManyDevices(usize),
    #[error("an area trend has 1 to {MAX_AREA_BUCKETS} buckets (got {0})")]
    Buckets(u32),
    #[error("a trend has 1 to {MAX_PENS} pens (got {0})")]
    Pens(usize),
    #[error("a device id is at most {MAX_ID_BYTES} bytes (got one of {0})")]
    LongId(usize),
    #[error("a trend is drawn 1 to {MAX_PIXELS} pixels wide (got {0})")]
    Pixels(u32),
    #[error("the chart image is not a PNG")]
    NotPng,
    #[error("the chart image is {0} bytes, more than the {MAX_PNG_BYTES} a chart may be")]
    PngTooLarge(usize),
}

/// Checks a time range: finite, `since` strictly before `until`.
pub fn check_range(since: UnixSeconds, until: UnixSeconds) -> Result<(), TrendError> {
    if since.is_finite() && until.is_finite() && since < until {
        Ok(())
    } else {
        Err(TrendError::Range { since, until })
    }
}

/// Checks an `area_trend` query before the store is asked.
pub fn check_area_query(
    device_ids: &[String],
    since: UnixSeconds,
    until: UnixSeconds,
    buckets: u32,
) -> Result<(), TrendError> {
    check_range(since, until)?;
    if device_ids.len() > MAX_AREA_DEVICES {
        return Err(TrendError::TooManyDevices(device_ids.len()));
    }
    if !(1..=MAX_AREA_BUCKETS).contains(&buckets) {
        return Err(TrendError::Buckets(buckets));
    }
    check_ids(device_ids.iter().map(String::as_str))
}

/// Checks the pens of a trend or an export.
pub fn check_pens(pens: &[TrendPen]) -> Result<(), TrendError> {
    if pens.is_empty() || pens.len() > MAX_PENS {
        return Err(TrendError::Pens(pens.len()));
    }
    check_ids(pens.iter().filter_map(|pen| match pen {
        TrendPen::Device { device_id } => Some(device_id.as_str()),
        TrendPen::Stats { .. } => None,
    }))
}

fn check_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Result<(), TrendError> {
    match ids.into_iter().find(|id| id.len() > MAX_ID_BYTES) {
        Some(id) => Err(TrendError::LongId(id.len())),
        None => Ok(()),
    }
}

/// Checks the width the display query reduces to.
pub fn check_pixels(pixels: u32) -> Result<(), TrendError> {
    if (1..=MAX_PIXELS).contains(&pixels) {
        Ok(())
    } else {
        Err(TrendError::Pixels(pixels))
    }
}

/// For the display only: a pen with more points than the chart can show apart (more
/// than [`DISPLAY_POINTS_PER_COLUMN`] per pixel column, or more than
/// [`MAX_DISPLAY_POINTS`]) keeps, per pixel column of `[since, until]`, its first point
/// without a value (so a hole stays a hole) and the points with the column's smallest
/// and largest values, in time order.
/// The line then covers the same pixels as the full data; the CSV never goes through
/// this.
pub fn reduce_for_display(
    points: Vec<(UnixSeconds, Option<f64>)>,
    since: UnixSeconds,
    until: UnixSeconds,
    pixels: u32,
) -> (Vec<(UnixSeconds, Option<f64>)>, bool) {
    let showable = (pixels as usize)
        .saturating_mul(DISPLAY_POINTS_PER_COLUMN)
        .min(MAX_DISPLAY_POINTS);
    if points.len() <= showable || pixels == 0 || until <= since || until.is_nan() || since.is_nan()
    {
        return (points, false);
    }
    let width = (until - since) / f64::from(pixels);
    let column = |at: UnixSeconds| (((at - since) / width).floor().max(0.0) as u32).min(pixels - 1);
    let mut out = Vec::with_capacity(pixels as usize * 3);
    let mut start = 0;
    while start < points.len() {
        let this = column(points[start].0);
        let mut end = start;
        while end < points.len() && column(points[end].0) == this {
            end += 1;
        }
        let chunk = &points[start..end];
        let hole = chunk.iter().position(|(_, v)| v.is_none());
        let valued = || {
            chunk
                .iter()
                .enumerate()
                .filter_map(|(i, (_, v))| v.map(|v| (i, v)))
        };
        let low = valued().min_by(|a, b| a.1.total_cmp(&b.1)).map(|(i, _)| i);
        let high = valued().max_by(|a, b| a.1.total_cmp(&b.1)).map(|(i, _)| i);
        let mut keep: Vec<usize> = [hole, low, high].into_iter().flatten().collect();
        keep.sort_unstable();
        keep.dedup();
        out.extend(keep.into_iter().map(|i| chunk[i]));
        start = end;
    }
    (out, true)
}

/// The CSV of the pens' cached samples: a header naming the pens, then one row per
/// sample time of any pen (oldest first) with the UTC time (ISO 8601, milliseconds),
/// the Unix seconds and one column per pen, empty where that pen has no sample at that
/// time or the device reported no value. Values are written as the cache holds them
/// (Rust's shortest exact decimal of the f64), never rounded. Lines end in CRLF as
/// RFC 4180 has them. Returns the text and its number of data rows.
pub fn trend_csv(series: &[(TrendPen, Points)]) -> (String, u32) {
    // Keyed by the time's bits: every time here is a finite, non-negative f64 read from
    // the cache, whose bit patterns order as the numbers do.
    let mut rows: BTreeMap<u64, Vec<Option<f64>>> = BTreeMap::new();
    for (column, (_, points)) in series.iter().enumerate() {
        for &(at, value) in points {
            let row = rows
                .entry(at.max(0.0).to_bits())
                .or_insert_with(|| vec![None; series.len()]);
            row[column] = value;
        }
    }
    let mut out = String::from("time,unix_s");
    for (pen, _) in series {
        out.push(',');
        out.push_str(&csv_cell(&pen.name()));
    }
    out.push_str("\r\n");
    for (bits, values) in &rows {
        let at = f64::from_bits(*bits);
        out.push_str(&utc_iso(at));
        out.push(',');
        out.push_str(&at.to_string());
        for value in values {
            out.push(',');
            if let Some(value) = value {
                out.push_str(&value.to_string());
            }
        }
        out.push_str("\r\n");
    }
    (out, u32::try_from(rows.len()).unwrap_or(u32::MAX))
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn utc_iso(at: UnixSeconds) -> String {
    let millis = (at.max(0.0) * 1000.0).round() as i64;
    let secs = millis.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = crate::store::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        millis.rem_euclid(1000)
    )
}

/// The PNG bytes of a chart the window sends as base64 (what a canvas's `toDataURL`
/// gives, with or without its `data:image/png;base64,` prefix), checked: at most
/// [`MAX_PNG_BYTES`] and starting with the PNG signature. Anything else is refused, so
/// the command writes images only.
pub fn png_from_base64(text: &str) -> Result<Vec<u8>, TrendError> {
    let body = text.strip_prefix("data:image/png;base64,").unwrap_or(text);
    // Four characters carry three bytes: refuse an oversized body before decoding it.
    if body.len() / 4 * 3 > MAX_PNG_BYTES + 3 {
        return Err(TrendError::PngTooLarge(body.len() / 4 * 3));
    }
    let bytes = decode_base64(body).ok_or(TrendError::NotPng)?;
    if bytes.len() > MAX_PNG_BYTES {
        return Err(TrendError::PngTooLarge(bytes.len()));
    }
    if !bytes.starts_with(&PNG_SIGNATURE) {
        return Err(TrendError::NotPng);
    }
    Ok(bytes)
}

/// Standard base64 (with or without padding); `None` on any other character. Written
/// here rather than taken from a crate: it is twenty lines and the only use.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let text = text.trim_end_matches('=').as_bytes();
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut word = 0_u32;
        for &c in chunk {
            word = word << 6 | sextet(c)?;
        }
        word <<= 6 * (4 - chunk.len() as u32);
        let bytes = word.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str) -> TrendPen {
        TrendPen::Device {
            device_id: id.into(),
        }
    }

    #[test]
    fn ranges_that_are_not_finite_or_not_forward_are_refused() {
        for (since, until) in [
            (10.0, 10.0),
            (20.0, 10.0),
            (f64::NAN, 10.0),
            (0.0, f64::INFINITY),
            (f64::NEG_INFINITY, 0.0),
        ] {
            assert!(check_range(since, until).is_err(), "{since} {until}");
        }
        assert_eq!(check_range(0.0, 1.0), Ok(()));
    }

    #[test]
    fn an_area_query_with_too_many_ids_or_buckets_out_of_bounds_is_refused() {
        let ids: Vec<String> = (0..=MAX_AREA_DEVICES).map(|i| format!("d{i}")).collect();
        assert_eq!(
            check_area_query(&ids, 0.0, 60.0, 10),
            Err(TrendError::TooManyDevices(MAX_AREA_DEVICES + 1))
        );
        let ids = &ids[..MAX_AREA_DEVICES];
        assert_eq!(check_area_query(ids, 0.0, 60.0, 240), Ok(()));
        assert_eq!(
            check_area_query(ids, 0.0, 60.0, 0),
            Err(TrendError::Buckets(0))
        );
        assert_eq!(
            check_area_query(ids, 0.0, 60.0, 241),
            Err(TrendError::Buckets(241))
        );
        assert!(matches!(
            check_area_query(ids, 60.0, 0.0, 10),
            Err(TrendError::Range { .. })
        ));
        let long = vec!["x".repeat(MAX_ID_BYTES + 1)];
        assert_eq!(
            check_area_query(&long, 0.0, 60.0, 10),
            Err(TrendError::LongId(MAX_ID_BYTES + 1))
        );
    }

    #[test]
    fn no_pens_or_more_than_eight_are_refused() {
        assert_eq!(check_pens(&[]), Err(TrendError::Pens(0)));
        let nine: Vec<TrendPen> = (0..9).map(|i| device(&format!("d{i}"))).collect();
        assert_eq!(check_pens(&nine), Err(TrendError::Pens(9)));
        assert_eq!(check_pens(&nine[..8]), Ok(()));
        assert_eq!(check_pixels(0), Err(TrendError::Pixels(0)));
        assert_eq!(
            check_pixels(MAX_PIXELS + 1),
            Err(TrendError::Pixels(MAX_PIXELS + 1))
        );
    }

    #[test]
    fn pens_cross_the_ipc_as_tagged_objects() {
        let pens: Vec<TrendPen> = serde_json::from_str(
            r#"[{"kind":"device","device_id":"dev-01"},{"kind":"stats","figure":"cpu"}]"#,
        )
        .unwrap();
        assert_eq!(
            pens,
            vec![
                device("dev-01"),
                TrendPen::Stats {
                    figure: StatsFigure::Cpu
                }
            ]
        );
        assert_eq!(pens[0].name(), "device:dev-01");
        assert_eq!(pens[1].name(), "stats:cpu");
        assert!(serde_json::from_str::<TrendPen>(r#"{"kind":"stats","figure":"gpu"}"#).is_err());
    }

    #[test]
    fn the_csv_has_one_row_per_sample_time_values_unrounded_and_empty_cells_where_a_pen_has_none() {
        let series = vec![
            (device("a"), vec![(0.5, Some(0.1 + 0.2)), (2.0, None)]),
            (
                TrendPen::Stats {
                    figure: StatsFigure::Clients,
                },
                vec![(1.0, Some(3.0)), (2.0, Some(4.0))],
            ),
        ];
        let (csv, rows) = trend_csv(&series);
        assert_eq!(rows, 3);
        assert_eq!(
            csv,
            "time,unix_s,device:a,stats:clients\r\n\
             1970-01-01T00:00:00.500Z,0.5,0.30000000000000004,\r\n\
             1970-01-01T00:00:01.000Z,1,,3\r\n\
             1970-01-01T00:00:02.000Z,2,,4\r\n"
        );
    }

    #[test]
    fn a_pen_whose_id_holds_a_comma_or_quote_is_quoted_in_the_csv_heading() {
        let (csv, rows) = trend_csv(&[(device("a,\"b"), vec![])]);
        assert_eq!(rows, 0);
        assert_eq!(csv, "time,unix_s,\"device:a,\"\"b\"\r\n");
    }

    #[test]
    fn iso_times_are_utc_with_milliseconds() {
        assert_eq!(utc_iso(1_764_750_000.25), "2025-12-03T08:20:00.250Z");
        assert_eq!(utc_iso(0.0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn a_pen_over_the_display_limit_keeps_min_and_max_per_pixel_column_and_its_holes() {
        let count = MAX_DISPLAY_POINTS + 1000;
        let mut points: Vec<(f64, Option<f64>)> = (0..count)
            .map(|i| (i as f64, Some((i % 7) as f64)))
            .collect();
        points[5].1 = None;
        let (reduced, did) = reduce_for_display(points.clone(), 0.0, count as f64, 100);
        assert!(did);
        assert!(reduced.len() <= 300, "{}", reduced.len());
        assert!(reduced.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(reduced.contains(&(5.0, None)));
        let values: Vec<f64> = reduced.iter().filter_map(|p| p.1).collect();
        assert_eq!(values.iter().cloned().fold(f64::MAX, f64::min), 0.0);
        assert_eq!(values.iter().cloned().fold(f64::MIN, f64::max), 6.0);
        // Up to four points per pixel column nothing changes.
        let few = points[..100].to_vec();
        assert_eq!(
            reduce_for_display(few.clone(), 0.0, 100.0, 25),
            (few, false)
        );
    }

    #[test]
    fn a_pen_with_more_points_than_its_chart_has_columns_for_is_reduced_below_the_display_limit() {
        // A week of ten-minute samples (1 008) on a chart 200 pixels wide: five a column.
        let points: Vec<(f64, Option<f64>)> = (0..1008)
            .map(|i| (f64::from(i) * 600.0, Some(f64::from(i % 11))))
            .collect();
        let until = 1008.0 * 600.0;
        let (reduced, did) = reduce_for_display(points.clone(), 0.0, until, 200);
        assert!(did);
        assert!(reduced.len() <= 3 * 200, "{}", reduced.len());
        let values: Vec<f64> = reduced.iter().filter_map(|p| p.1).collect();
        assert_eq!(values.iter().cloned().fold(f64::MAX, f64::min), 0.0);
        assert_eq!(values.iter().cloned().fold(f64::MIN, f64::max), 10.0);
        // The same week on a chart 300 pixels wide is under four a column: kept whole.
        assert_eq!(
            reduce_for_display(points.clone(), 0.0, until, 300),
            (points, false)
        );
    }

    #[test]
    fn a_png_body_is_decoded_and_anything_else_refused() {
        // The signature and a few bytes, base64 (as `toDataURL` gives it).
        let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==";
        let bytes = png_from_base64(png).unwrap();
        assert_eq!(&bytes[..8], &PNG_SIGNATURE);
        assert_eq!(bytes.len(), 16);
        // GIF89a, valid base64 but no PNG.
        assert_eq!(
            png_from_base64("R0lGODlhAQABAAAAACw="),
            Err(TrendError::NotPng)
        );
        assert_eq!(png_from_base64("not base64!"), Err(TrendError::NotPng));
        assert_eq!(png_from_base64(""), Err(TrendError::NotPng));
        let huge = "A".repeat((MAX_PNG_BYTES + 16) / 3 * 4);
        assert!(matches!(
            png_from_base64(&huge),
            Err(TrendError::PngTooLarge(_))
        ));
    }
}
