//! The `device_sample` and `stats_sample` tables: device values and the server's system
//! figures over time, for trends.
//!
//! Both are keyed by the whole second of the sample, so there is at most one sample per
//! device (and one stats sample) per second however fast the plant sends: a later sample
//! in the same second replaces the earlier one. Old samples are thinned and finally
//! deleted by the store's maintenance (`retention.rs`), in bounded steps.

use plant_protocol::{DeviceStatus, UnixSeconds};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use super::StoreError;

/// Version 1 of both tables. `sec` is `floor(at)`: the key that enforces one sample per
/// second, and the column every time range is asked by (hence the index on it for
/// maintenance, which works across devices).
pub(super) const CREATE: &str = "
CREATE TABLE device_sample (
    device_id TEXT NOT NULL,
    sec       INTEGER NOT NULL,
    at        REAL NOT NULL,
    value     REAL,
    status    TEXT NOT NULL,
    PRIMARY KEY (device_id, sec)
) WITHOUT ROWID;
CREATE INDEX device_sample_by_sec ON device_sample (sec);
CREATE TABLE stats_sample (
    sec     INTEGER PRIMARY KEY NOT NULL,
    at      REAL NOT NULL,
    cpu     REAL NOT NULL,
    memory  REAL NOT NULL,
    disk    REAL NOT NULL,
    clients INTEGER NOT NULL
);";

/// One device reading as the history keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct DeviceSample {
    pub(super) at: UnixSeconds,
    pub(super) value: Option<f64>,
    pub(super) status: DeviceStatus,
}

/// The server's figures at one moment (local receive time).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatsSample {
    pub at: UnixSeconds,
    pub cpu: f64,
    pub memory: f64,
    pub disk: f64,
    pub clients: u64,
}

/// The whole second a sample falls in: its key.
pub(super) fn second(at: UnixSeconds) -> i64 {
    at.floor() as i64
}

pub(super) fn put_device(
    tx: &Transaction<'_>,
    device_id: &str,
    sample: &DeviceSample,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO device_sample (device_id, sec, at, value, status) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(device_id, sec) DO UPDATE SET at = excluded.at, value = excluded.value,
                                                   status = excluded.status",
    )?
    .execute(params![
        device_id,
        second(sample.at),
        sample.at,
        sample.value,
        sample.status.as_str()
    ])?;
    Ok(())
}

pub(super) fn put_stats(tx: &Transaction<'_>, sample: &StatsSample) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO stats_sample (sec, at, cpu, memory, disk, clients) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(sec) DO UPDATE SET at = excluded.at, cpu = excluded.cpu, memory = excluded.memory,
                                        disk = excluded.disk, clients = excluded.clients",
    )?
    .execute(params![
        second(sample.at),
        sample.at,
        sample.cpu,
        sample.memory,
        sample.disk,
        // SQLite integers are signed; no server has 2^63 clients.
        i64::try_from(sample.clients).unwrap_or(i64::MAX)
    ])?;
    Ok(())
}

/// A device's values with `since <= at <= until`, oldest first; `None` where the device
/// reported no value.
pub fn device_history(
    conn: &Connection,
    device_id: &str,
    since: UnixSeconds,
    until: UnixSeconds,
) -> Result<Vec<(UnixSeconds, Option<f64>)>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT at, value FROM device_sample
         WHERE device_id = ?1 AND sec BETWEEN ?2 AND ?3 AND at BETWEEN ?4 AND ?5 ORDER BY sec",
    )?;
    let rows = statement.query_map(
        params![device_id, second(since), second(until), since, until],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The server's figures with `since <= at <= until`, oldest first.
pub fn stats_history(
    conn: &Connection,
    since: UnixSeconds,
    until: UnixSeconds,
) -> Result<Vec<StatsSample>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT at, cpu, memory, disk, clients FROM stats_sample
         WHERE sec BETWEEN ?1 AND ?2 AND at BETWEEN ?3 AND ?4 ORDER BY sec",
    )?;
    let rows = statement.query_map(params![second(since), second(until), since, until], |row| {
        Ok(StatsSample {
            at: row.get(0)?,
            cpu: row.get(1)?,
            memory: row.get(2)?,
            disk: row.get(3)?,
            clients: u64::try_from(row.get::<_, i64>(4)?).unwrap_or(0),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// For `buckets` equal time buckets over `[since, until]`: each bucket's start and how
/// many distinct devices of `device_ids` had a sample with a status other than `online`
/// in it. Every bucket is answered, empty ones with 0, so the overview draws a bar per
/// bucket. A sample at exactly `until` counts in the last bucket.
///
/// The caller bounds the inputs (the console checks them before asking): `since <
/// until`, both finite, `buckets >= 1`. The id list goes in as one JSON array read by
/// `json_each`, so 10 000 ids are one bound parameter rather than 10 000, and SQLite
/// answers each id with a seek on the primary key `(device_id, sec)`.
pub fn area_trend(
    conn: &Connection,
    device_ids: &[String],
    since: UnixSeconds,
    until: UnixSeconds,
    buckets: u32,
) -> Result<Vec<(UnixSeconds, u32)>, StoreError> {
    let width = (until - since) / f64::from(buckets);
    let mut counts = vec![0_u32; buckets as usize];
    // A width that is not positive (or NaN) has no bucket to count in.
    if device_ids.is_empty() || width.is_nan() || width <= 0.0 {
        return Ok(bucket_starts(since, width, counts));
    }
    let ids = serde_json::to_string(device_ids)?;
    let mut statement = conn.prepare_cached(
        "SELECT min(CAST((s.at - ?2) / ?4 AS INTEGER), ?5 - 1) AS bucket,
                count(DISTINCT s.device_id)
         FROM (SELECT DISTINCT value AS id FROM json_each(?1)) AS wanted
         JOIN device_sample AS s ON s.device_id = wanted.id
         WHERE s.sec BETWEEN ?6 AND ?7 AND s.at BETWEEN ?2 AND ?3 AND s.status <> 'online'
         GROUP BY bucket",
    )?;
    let rows = statement.query_map(
        params![
            ids,
            since,
            until,
            width,
            i64::from(buckets),
            second(since),
            second(until)
        ],
        |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
    )?;
    for row in rows {
        let (bucket, devices) = row?;
        if let Some(count) = usize::try_from(bucket).ok().and_then(|b| counts.get_mut(b)) {
            *count = u32::try_from(devices).unwrap_or(u32::MAX);
        }
    }
    Ok(bucket_starts(since, width, counts))
}

/// Pairs each bucket's count with its start time.
fn bucket_starts(since: UnixSeconds, width: f64, counts: Vec<u32>) -> Vec<(UnixSeconds, u32)> {
    counts
        .into_iter()
        .enumerate()
        .map(|(i, count)| (since + width * i as f64, count))
        .collect()
}

/// The second of the oldest sample of either kind, if there is any.
pub(super) fn earliest(tx: &Transaction<'_>) -> Result<Option<i64>, StoreError> {
    Ok(tx
        .query_row(
            "SELECT min(sec) FROM (SELECT min(sec) AS sec FROM device_sample
                                   UNION ALL SELECT min(sec) FROM stats_sample)",
            [],
            |row| row.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten())
}

/// Deletes up to `budget` samples of each table older than second `cutoff`; returns how
/// many went. The oldest go first, so an unfinished run leaves no holes in what stays.
pub(super) fn prune(tx: &Transaction<'_>, cutoff: i64, budget: usize) -> Result<usize, StoreError> {
    let budget = i64::try_from(budget).unwrap_or(i64::MAX);
    let devices = tx
        .prepare_cached(
            "DELETE FROM device_sample WHERE (device_id, sec) IN
                 (SELECT device_id, sec FROM device_sample WHERE sec < ?1 ORDER BY sec LIMIT ?2)",
        )?
        .execute(params![cutoff, budget])?;
    let stats = tx
        .prepare_cached(
            "DELETE FROM stats_sample WHERE sec IN
                 (SELECT sec FROM stats_sample WHERE sec < ?1 ORDER BY sec LIMIT ?2)",
        )?
        .execute(params![cutoff, budget])?;
    Ok(devices + stats)
}

/// Within seconds `[from, to)`, keeps only the last sample of each device (and of the
/// stats) in every `bucket`-second interval; `from` and `to` are multiples of `bucket`,
/// so no interval is cut in two. Returns how many samples went.
pub(super) fn thin(
    tx: &Transaction<'_>,
    from: i64,
    to: i64,
    bucket: i64,
) -> Result<usize, StoreError> {
    // A sample goes when a later one of the same device lies in its bucket: the PRIMARY
    // KEY answers that with one seek per sample.
    let devices = tx
        .prepare_cached(
            "DELETE FROM device_sample AS s WHERE s.sec >= ?1 AND s.sec < ?2 AND EXISTS (
                 SELECT 1 FROM device_sample AS t
                 WHERE t.device_id = s.device_id AND t.sec > s.sec AND t.sec < (s.sec / ?3 + 1) * ?3)",
        )?
        .execute(params![from, to, bucket])?;
    let stats = tx
        .prepare_cached(
            "DELETE FROM stats_sample AS s WHERE s.sec >= ?1 AND s.sec < ?2 AND EXISTS (
                 SELECT 1 FROM stats_sample AS t WHERE t.sec > s.sec AND t.sec < (s.sec / ?3 + 1) * ?3)",
        )?
        .execute(params![from, to, bucket])?;
    Ok(devices + stats)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{reading, stats, write_batches};
    use super::super::PendingWrites;
    use super::*;
    use crate::state::Change;

    #[test]
    fn a_burst_to_one_device_keeps_one_sample_per_second_the_last_of_it() {
        let mut pending = PendingWrites::default();
        // 1000 readings within second 100, then 10 within second 101.
        for i in 0..1000 {
            pending.push(&reading("d", f64::from(i), 100.0 + f64::from(i) / 1000.0));
        }
        for i in 0..10 {
            pending.push(&reading(
                "d",
                5000.0 + f64::from(i),
                101.0 + f64::from(i) / 10.0,
            ));
        }
        assert_eq!(pending.recorded.device_sample_count(), 2);
        let (_dir, conn) = write_batches(vec![pending]);
        assert_eq!(
            device_history(&conn, "d", 0.0, 1000.0).unwrap(),
            vec![(100.999, Some(999.0)), (101.9, Some(5009.0))]
        );
    }

    #[test]
    fn samples_of_one_second_from_two_batches_become_one_row() {
        let mut first = PendingWrites::default();
        first.push(&reading("d", 1.0, 100.2));
        first.push(&stats(10.0, 1, 100.2));
        let mut second = PendingWrites::default();
        second.push(&reading("d", 2.0, 100.7));
        second.push(&stats(20.0, 2, 100.7));
        let (_dir, conn) = write_batches(vec![first, second]);
        assert_eq!(
            device_history(&conn, "d", 0.0, 1000.0).unwrap(),
            vec![(100.7, Some(2.0))]
        );
        let figures = stats_history(&conn, 0.0, 1000.0).unwrap();
        assert_eq!(figures.len(), 1);
        assert_eq!((figures[0].cpu, figures[0].clients), (20.0, 2));
    }

    #[test]
    fn device_history_is_the_asked_range_of_one_device_oldest_first() {
        let mut pending = PendingWrites::default();
        for second in 0..10 {
            let at = 1000.0 + f64::from(second) + 0.5;
            pending.push(&reading("a", f64::from(second), at));
            pending.push(&reading("b", -f64::from(second), at));
        }
        // A device that reports no value leaves a sample without one.
        pending.push(&Change::Device {
            before: None,
            after: super::super::testutil::device("a", None, DeviceStatus::Fault, 1010.5),
        });
        let (_dir, conn) = write_batches(vec![pending]);
        assert_eq!(
            device_history(&conn, "a", 1003.5, 1005.5).unwrap(),
            vec![
                (1003.5, Some(3.0)),
                (1004.5, Some(4.0)),
                (1005.5, Some(5.0))
            ]
        );
        assert_eq!(
            device_history(&conn, "a", 1009.0, 2000.0).unwrap(),
            vec![(1009.5, Some(9.0)), (1010.5, None)]
        );
        assert_eq!(device_history(&conn, "b", 1003.6, 1004.4).unwrap(), vec![]);
        assert_eq!(
            device_history(&conn, "nobody", 0.0, 2000.0).unwrap(),
            vec![]
        );
    }

    /// A change of device `id` to `status` (no value) received at `at`.
    fn status(id: &str, status: DeviceStatus, at: f64) -> Change {
        Change::Device {
            before: None,
            after: super::super::testutil::device(id, None, status, at),
        }
    }

    #[test]
    fn area_trend_counts_distinct_listed_devices_not_online_in_each_bucket() {
        let mut pending = PendingWrites::default();
        // Bucket 0 of [1000, 1100] in ten: `a` twice (counted once) and `b`.
        pending.push(&status("a", DeviceStatus::Fault, 1005.0));
        pending.push(&status("a", DeviceStatus::Fault, 1006.0));
        pending.push(&status("b", DeviceStatus::Offline, 1007.0));
        // `c` is not in the list; an online sample counts for nobody.
        pending.push(&status("c", DeviceStatus::Fault, 1008.0));
        pending.push(&reading("a", 1.0, 1015.0));
        pending.push(&status("b", DeviceStatus::Fault, 1055.0));
        // Exactly `until` falls in the last bucket; outside the range counts nowhere.
        pending.push(&status("a", DeviceStatus::Unknown, 1100.0));
        pending.push(&status("b", DeviceStatus::Fault, 999.0));
        pending.push(&status("b", DeviceStatus::Fault, 1101.0));
        let (_dir, conn) = write_batches(vec![pending]);
        let ids = ["a", "b", "b", "nobody"].map(String::from);
        let trend = area_trend(&conn, &ids, 1000.0, 1100.0, 10).unwrap();
        assert_eq!(
            trend.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            vec![2, 0, 0, 0, 0, 1, 0, 0, 0, 1]
        );
        assert_eq!(
            trend.iter().map(|(at, _)| *at).collect::<Vec<_>>(),
            (0..10)
                .map(|i| 1000.0 + 10.0 * f64::from(i))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn area_trend_of_no_devices_or_no_samples_is_every_bucket_at_zero() {
        let (_dir, conn) = write_batches(vec![PendingWrites::default()]);
        assert_eq!(
            area_trend(&conn, &[], 0.0, 60.0, 3).unwrap(),
            vec![(0.0, 0), (20.0, 0), (40.0, 0)]
        );
        assert_eq!(
            area_trend(&conn, &["a".to_owned()], 0.0, 60.0, 2).unwrap(),
            vec![(0.0, 0), (30.0, 0)]
        );
    }

    #[test]
    fn stats_history_is_the_asked_range_oldest_first() {
        let mut pending = PendingWrites::default();
        for second in 0..5 {
            pending.push(&stats(f64::from(second), 3, 50.0 + f64::from(second)));
        }
        let (_dir, conn) = write_batches(vec![pending]);
        let figures = stats_history(&conn, 51.0, 53.0).unwrap();
        assert_eq!(
            figures,
            vec![
                StatsSample {
                    at: 51.0,
                    cpu: 1.0,
                    memory: 50.0,
                    disk: 70.0,
                    clients: 3
                },
                StatsSample {
                    at: 52.0,
                    cpu: 2.0,
                    memory: 50.0,
                    disk: 70.0,
                    clients: 3
                },
                StatsSample {
                    at: 53.0,
                    cpu: 3.0,
                    memory: 50.0,
                    disk: 70.0,
                    clients: 3
                },
            ]
        );
    }
}
