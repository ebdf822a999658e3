//! The console's read side for the window's views: trends with their link gaps, the
//! journal, link diagnostics, and a test notification. Each query opens the cache read
//! only, so it never competes with the writer.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use plant_protocol::UnixSeconds;
use serde::Serialize;

use super::trends::{self, PenSeries, TrendData, TrendPen};
use super::{Console, ConsoleError};
use crate::alerts::{Notice, NotificationSink, Severity};
use crate::store::{self, Gap, JournalEntry, StatsSample, StoreError};
use crate::view::LinkStatus;
use plant_link::link::LinkMode;

/// State kept for the views between calls.
pub(crate) struct Insight {
    data_dir: PathBuf,
    /// The current plant's cache folder, which follows the console to another plant.
    cache_dir: Arc<Mutex<PathBuf>>,
    notifications: Arc<dyn NotificationSink>,
    /// The previous (time, message count) reading, for a message rate between calls.
    last_reading: Mutex<Option<(Instant, u64)>>,
}

impl Insight {
    pub(crate) fn new(
        data_dir: PathBuf,
        cache_dir: Arc<Mutex<PathBuf>>,
        notifications: Arc<dyn NotificationSink>,
    ) -> Self {
        Insight {
            data_dir,
            cache_dir,
            notifications,
            last_reading: Mutex::new(None),
        }
    }
}

/// One device's values over a time range, and the intervals without a live link, so a
/// trend shows gaps instead of a line across them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeviceTrend {
    pub device_id: String,
    pub points: Vec<(UnixSeconds, Option<f64>)>,
    pub gaps: Vec<Gap>,
}

/// The server's figures over a time range, with the link gaps.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatsTrend {
    pub samples: Vec<StatsSample>,
    pub gaps: Vec<Gap>,
}

/// What the diagnostics view shows about the link.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Diagnostics {
    pub link: LinkStatus,
    pub rtt_ms: Option<f64>,
    pub messages: u64,
    /// Messages per second since the previous diagnostics call (at least a second ago).
    pub messages_per_second: Option<f64>,
    pub reconnects: u64,
    pub dropped_frames: u64,
    pub alerts_dropped: u64,
    /// Seconds spent in each link mode since start.
    pub time_in_modes: Vec<(LinkMode, f64)>,
    pub data_dir: String,
    pub log_dir: String,
    /// The plant the console is on, and the folder of its cache.
    pub plant: String,
    pub cache_dir: String,
    /// Seconds the plant's clock runs ahead of this computer's (negative: behind), the
    /// median of recent `server_time` stamps; `None` before the first.
    pub clock_offset_s: Option<f64>,
    /// Set when the offset is large enough to say so.
    pub clock_offset_warning: Option<String>,
}

/// Each pen's points in `[since, until]`, oldest first, read with one query per device
/// pen and one for all the stats pens together.
fn pen_points(
    conn: &rusqlite::Connection,
    pens: &[TrendPen],
    since: UnixSeconds,
    until: UnixSeconds,
) -> Result<Vec<(TrendPen, trends::Points)>, StoreError> {
    let mut stats: Option<Vec<StatsSample>> = None;
    let mut out = Vec::with_capacity(pens.len());
    for pen in pens {
        let points = match pen {
            TrendPen::Device { device_id } => store::device_history(conn, device_id, since, until)?,
            TrendPen::Stats { figure } => {
                if stats.is_none() {
                    stats = Some(store::stats_history(conn, since, until)?);
                }
                stats
                    .iter()
                    .flatten()
                    .map(|sample| (sample.at, Some(figure.of(sample))))
                    .collect()
            }
        };
        out.push((pen.clone(), points));
    }
    Ok(out)
}

/// Where the console writes its log files (inside the data folder).
pub fn log_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("logs")
}

impl Console {
    async fn read<T: Send + 'static>(
        &self,
        query: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
        empty: T,
    ) -> Result<T, ConsoleError> {
        let dir = self
            .insight
            .cache_dir
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        store::blocking(move || match store::open_read_only(&dir)? {
            Some(conn) => query(&conn),
            None => Ok(empty),
        })
        .await
        .map_err(ConsoleError::from)
    }

    /// A device's stored values between `since` and `until`, with the link gaps.
    pub async fn device_trend(
        &self,
        device_id: &str,
        since: UnixSeconds,
        until: UnixSeconds,
    ) -> Result<DeviceTrend, ConsoleError> {
        let id = device_id.to_owned();
        let (points, gaps) = self
            .read(
                move |conn| {
                    Ok((
                        store::device_history(conn, &id, since, until)?,
                        store::gaps(conn, since, until)?,
                    ))
                },
                (Vec::new(), Vec::new()),
            )
            .await?;
        Ok(DeviceTrend {
            device_id: device_id.to_owned(),
            points,
            gaps,
        })
    }

    /// The server's stored figures between `since` and `until`, with the link gaps.
    pub async fn stats_trend(
        &self,
        since: UnixSeconds,
        until: UnixSeconds,
    ) -> Result<StatsTrend, ConsoleError> {
        let (samples, gaps) = self
            .read(
                move |conn| {
                    Ok((
                        store::stats_history(conn, since, until)?,
                        store::gaps(conn, since, until)?,
                    ))
                },
                (Vec::new(), Vec::new()),
            )
            .await?;
        Ok(StatsTrend { samples, gaps })
    }

    /// For the overview: `buckets` equal time buckets over `[since, until]`, each with
    /// its start and how many of `device_ids` had a sample not `online` in it. The
    /// inputs are bounded ([`trends::check_area_query`]) before the cache is read.
    pub async fn area_trend(
        &self,
        device_ids: Vec<String>,
        since: UnixSeconds,
        until: UnixSeconds,
        buckets: u32,
    ) -> Result<Vec<(UnixSeconds, u32)>, ConsoleError> {
        trends::check_area_query(&device_ids, since, until, buckets)?;
        let width = (until - since) / f64::from(buckets);
        let empty = (0..buckets)
            .map(|i| (since + width * f64::from(i), 0))
            .collect();
        self.read(
            move |conn| store::area_trend(conn, &device_ids, since, until, buckets),
            empty,
        )
        .await
    }

    /// Several pens' stored points between `since` and `until` for the Trends chart,
    /// with the link gaps; a pen with more points than the chart can show is reduced to
    /// min/max per pixel column of a chart `pixels` wide ([`trends::reduce_for_display`]).
    pub async fn trend(
        &self,
        pens: Vec<TrendPen>,
        since: UnixSeconds,
        until: UnixSeconds,
        pixels: u32,
    ) -> Result<TrendData, ConsoleError> {
        trends::check_range(since, until)?;
        trends::check_pens(&pens)?;
        trends::check_pixels(pixels)?;
        let (points, gaps) = self
            .read(
                move |conn| {
                    Ok((
                        pen_points(conn, &pens, since, until)?,
                        store::gaps(conn, since, until)?,
                    ))
                },
                (Vec::new(), Vec::new()),
            )
            .await?;
        let series = points
            .into_iter()
            .map(|(pen, points)| {
                let (points, reduced) = trends::reduce_for_display(points, since, until, pixels);
                PenSeries {
                    pen,
                    points,
                    reduced,
                }
            })
            .collect();
        Ok(TrendData { series, gaps })
    }

    /// The CSV of the pens' cached samples between `since` and `until`, unreduced and
    /// unrounded ([`trends::trend_csv`]), and its number of data rows.
    pub async fn trend_csv(
        &self,
        pens: Vec<TrendPen>,
        since: UnixSeconds,
        until: UnixSeconds,
    ) -> Result<(String, u32), ConsoleError> {
        trends::check_range(since, until)?;
        trends::check_pens(&pens)?;
        let empty = pens.iter().cloned().map(|pen| (pen, Vec::new())).collect();
        let series = self
            .read(move |conn| pen_points(conn, &pens, since, until), empty)
            .await?;
        Ok(trends::trend_csv(&series))
    }

    /// Journal entries in a time range, optionally of one kind, oldest first.
    pub async fn journal(
        &self,
        since: Option<UnixSeconds>,
        until: Option<UnixSeconds>,
        kind: Option<String>,
        limit: u32,
    ) -> Result<Vec<JournalEntry>, ConsoleError> {
        self.read(
            move |conn| match kind {
                Some(kind) => store::journal_of_kind(conn, &kind, since, until, limit),
                None => store::journal(conn, since, until, limit),
            },
            Vec::new(),
        )
        .await
    }

    /// The link's figures for the diagnostics view.
    pub fn diagnostics(&self) -> Diagnostics {
        let telemetry = self.link().telemetry();
        let messages = telemetry.messages();
        let now = Instant::now();
        let messages_per_second = {
            let mut last = self
                .insight
                .last_reading
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let rate = last.and_then(|(at, count)| {
                let elapsed = now.saturating_duration_since(at).as_secs_f64();
                (elapsed >= 1.0).then(|| messages.saturating_sub(count) as f64 / elapsed)
            });
            if last.is_none_or(|(at, _)| now.saturating_duration_since(at).as_secs_f64() >= 1.0) {
                *last = Some((now, messages));
            }
            rate
        };
        Diagnostics {
            link: self.link_status(),
            rtt_ms: telemetry.rtt().map(|rtt| rtt.as_secs_f64() * 1000.0),
            messages,
            messages_per_second,
            reconnects: telemetry.reconnects(),
            dropped_frames: telemetry.dropped_frames(),
            alerts_dropped: self.alerts_dropped(),
            time_in_modes: telemetry
                .time_in_modes()
                .into_iter()
                .map(|(mode, time)| (mode, time.as_secs_f64()))
                .collect(),
            data_dir: self.insight.data_dir.display().to_string(),
            log_dir: log_dir(&self.insight.data_dir).display().to_string(),
            plant: self.plant().to_string(),
            cache_dir: self.cache_dir().display().to_string(),
            clock_offset_s: self.clock_offset().estimate(),
            clock_offset_warning: self.clock_offset().warning(),
        }
    }

    /// Shows a test notification, so an operator can check that notifications reach
    /// the desktop at all.
    pub async fn test_notification(&self) -> Result<(), ConsoleError> {
        let sink = self.insight.notifications.clone();
        let notice = Notice {
            title: "Plant Console test notification".into(),
            body: "If you can read this, alerts will reach you.".into(),
            severity: Severity::Info,
            summary: false,
        };
        tokio::task::spawn_blocking(move || sink.show(&notice))
            .await
            .map_err(|e| ConsoleError::Task(e.to_string()))?
            .map_err(|e| ConsoleError::Task(e.to_string()))
    }
}
