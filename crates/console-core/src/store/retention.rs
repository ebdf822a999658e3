//! Store maintenance: deletes history, journal entries and link gaps older than the
//! retention, and thins old samples (older than 1 hour to one per minute, older than
//! 1 day to one per 10 minutes), keeping the last sample of each interval.
//!
//! The writer thread runs it at most once a minute, in a transaction of its own, and
//! each run does a bounded amount of work, so maintenance never holds the write path up
//! for long; a backlog (after the console was off for days) is worked off over a few
//! runs. Thinning remembers how far it got (in `meta`), so each run only looks at the
//! samples that have aged into a tier since the last one.

use std::time::Duration;

use plant_protocol::UnixSeconds;
use rusqlite::Connection;

use super::history::{self, second};
use super::{gaps, journal, meta, StoreError};

/// How long history and journal are kept unless the configuration says otherwise.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// Shortest time between two maintenance runs.
pub(super) const RUN_EVERY: Duration = Duration::from_secs(60);

/// Rows one run may delete per step (pruning each table, thinning each tier) before it
/// stops and leaves the rest to the next run.
pub(super) const RUN_BUDGET: usize = 50_000;

/// How far (in seconds of the cache's time) one run may move the retention cutoff and
/// each thinning watermark past where the last run left them. The wall clock can jump
/// ahead (a wrong time set by hand, an NTP correction, a dead RTC battery); trusting it
/// would delete a week of history in one run. With the bound, a jump costs at most an
/// hour of data per run (once a minute), and leaves the operator time to notice and fix
/// the clock. A console that was really off for long catches up at an hour per minute.
pub(super) const MAX_STEP: f64 = 3600.0;

/// The `meta` key of the cutoff the last run pruned up to.
const PRUNED_TO: &str = "retention_cutoff";

/// Samples older than `age` seconds keep one per `bucket` seconds.
struct Tier {
    age: i64,
    bucket: i64,
    /// The `meta` key of the second up to which this tier is already thinned.
    watermark: &'static str,
}

const TIERS: [Tier; 2] = [
    Tier {
        age: 3600,
        bucket: 60,
        watermark: "history_thinned_60s",
    },
    Tier {
        age: 86_400,
        bucket: 600,
        watermark: "history_thinned_600s",
    },
];

/// Buckets thinned per statement: small enough that one statement stays short however
/// many devices there are, large enough that catching up takes few statements.
const BUCKETS_PER_STEP: i64 = 10;

/// What one run did; `finished` is false when the budget ran out before the work did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Report {
    pub(super) pruned: usize,
    pub(super) thinned: usize,
    pub(super) finished: bool,
}

fn floor_to(sec: i64, bucket: i64) -> i64 {
    sec.div_euclid(bucket) * bucket
}

/// The time of the oldest history sample or journal entry, if any.
fn oldest_kept(tx: &rusqlite::Transaction<'_>) -> Result<Option<UnixSeconds>, StoreError> {
    let samples = history::earliest(tx)?.map(|sec| sec as f64);
    let entries = journal::earliest(tx)?;
    Ok(match (samples, entries) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// One maintenance run at time `now` (Unix seconds, passed in so tests need no clock).
pub(super) fn run(
    conn: &mut Connection,
    now: UnixSeconds,
    retention: Duration,
    budget: usize,
) -> Result<Report, StoreError> {
    let tx = conn.transaction()?;
    let wanted = now - retention.as_secs_f64();
    // The step starts from the last cutoff or the oldest row kept, whichever is later: a
    // first run moves at most one step too, and a stretch without rows (the console was
    // off) costs no runs, as nothing there is deleted.
    let previous = match (meta::get(&tx, PRUNED_TO)?, oldest_kept(&tx)?) {
        (Some(cutoff), Some(oldest)) => Some(cutoff.max(oldest)),
        (cutoff, oldest) => cutoff.or(oldest),
    };
    let cutoff = match previous {
        Some(previous) => wanted.min(previous + MAX_STEP),
        None => wanted,
    };
    meta::put(&tx, PRUNED_TO, cutoff)?;
    let mut report = Report {
        finished: cutoff >= wanted,
        ..Report::default()
    };
    for pruned in [
        history::prune(&tx, second(cutoff), budget)?,
        journal::prune(&tx, cutoff, budget)?,
    ] {
        report.pruned += pruned;
        report.finished &= pruned < budget;
    }
    report.pruned += gaps::prune(&tx, cutoff)?;

    for tier in &TIERS {
        let wanted = floor_to(second(now) - tier.age, tier.bucket);
        let earliest = history::earliest(&tx)?.map(|sec| floor_to(sec, tier.bucket));
        let start = match (meta::get(&tx, tier.watermark)?, earliest) {
            (Some(done), Some(earliest)) => (done as i64).max(earliest),
            (Some(done), None) => done as i64,
            (None, Some(earliest)) => earliest,
            (None, None) => wanted,
        };
        let target = wanted.min(floor_to(start + MAX_STEP as i64, tier.bucket));
        report.finished &= target >= wanted;
        // Below the cutoff, deleting is pruning's job; thinning there would be wasted.
        let mut from = start.max(floor_to(second(cutoff), tier.bucket));
        let mut thinned = 0;
        while from < target && thinned < budget {
            let to = (from + BUCKETS_PER_STEP * tier.bucket).min(target);
            thinned += history::thin(&tx, from, to, tier.bucket)?;
            from = to;
        }
        report.finished &= from >= target;
        report.thinned += thinned;
        meta::put(&tx, tier.watermark, from as f64)?;
    }
    tx.commit()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{reading, stats, walk, write_batches};
    use super::super::{device_history, gaps, journal, stats_history, Gap, PendingWrites};
    use super::*;
    use plant_link::link::LinkMode;

    const NOW: f64 = 1_000_000.0;
    const DAY: f64 = 86_400.0;
    const WEEK: Duration = Duration::from_secs(7 * 86_400);

    fn aligned(at: f64, bucket: f64) -> f64 {
        (at / bucket).floor() * bucket
    }

    /// Samples of device "d" (and stats) every `step` seconds for `span` seconds from
    /// `from`, with the time as the value so the survivors can be recognised.
    fn series(pending: &mut PendingWrites, from: f64, span: f64, step: f64) {
        let mut at = from;
        while at < from + span {
            pending.push(&reading("d", at, at));
            pending.push(&stats(at, 1, at));
            at += step;
        }
    }

    /// A cache with history at every age tier and beyond the retention, plus journal
    /// entries and gaps on both sides of it.
    fn aged_cache() -> (tempfile::TempDir, Connection) {
        let mut pending = PendingWrites::default();
        series(&mut pending, NOW - 8.0 * DAY, 600.0, 60.0);
        series(&mut pending, aligned(NOW - 2.0 * DAY, 600.0), 1800.0, 10.0);
        series(&mut pending, aligned(NOW - 7200.0, 60.0), 300.0, 5.0);
        series(&mut pending, NOW - 600.0, 100.0, 1.0);
        // Each link change is journaled as well.
        walk(
            &mut pending,
            &[
                (LinkMode::Realtime, 0.0),
                (LinkMode::Offline, NOW - 9.0 * DAY),
                (LinkMode::Realtime, NOW - 8.0 * DAY),
                (LinkMode::Offline, NOW - DAY),
            ],
        );
        write_batches(vec![pending])
    }

    fn history_of(conn: &Connection) -> Vec<f64> {
        device_history(conn, "d", 0.0, NOW)
            .unwrap()
            .into_iter()
            .map(|(at, _)| at)
            .collect()
    }

    /// The samples that must survive: the last of each 10 min two days ago, the last of
    /// each minute two hours ago, everything from the last hour.
    fn expected_survivors() -> Vec<f64> {
        let two_days = aligned(NOW - 2.0 * DAY, 600.0);
        let two_hours = aligned(NOW - 7200.0, 60.0);
        let mut kept: Vec<f64> = (1..=3)
            .map(|i| two_days + 600.0 * f64::from(i) - 10.0)
            .collect();
        kept.extend((1..=5).map(|i| two_hours + 60.0 * f64::from(i) - 5.0));
        kept.extend((0..100).map(|i| NOW - 600.0 + f64::from(i)));
        kept
    }

    /// Runs maintenance at `now` until it has nothing left to do; returns the run count.
    fn run_until_done(conn: &mut Connection, now: f64) -> usize {
        for runs in 1..=10_000 {
            if run(conn, now, WEEK, RUN_BUDGET).unwrap().finished {
                return runs;
            }
        }
        panic!("maintenance never finishes");
    }

    #[test]
    fn old_history_is_thinned_per_age_and_expired_rows_are_deleted() {
        let (_dir, mut conn) = aged_cache();
        run_until_done(&mut conn, NOW);

        assert_eq!(history_of(&conn), expected_survivors());
        let stats_kept: Vec<f64> = stats_history(&conn, 0.0, NOW)
            .unwrap()
            .iter()
            .map(|s| s.at)
            .collect();
        assert_eq!(stats_kept, expected_survivors());
        // The gap that ended 8 days ago went; the one open since a day ago stays.
        assert_eq!(
            gaps(&conn, 0.0, NOW).unwrap(),
            vec![Gap {
                start: NOW - DAY,
                end: None
            }]
        );
        let entries = journal(&conn, None, None, 100).unwrap();
        assert_eq!(
            entries.iter().map(|e| e.at).collect::<Vec<_>>(),
            vec![NOW - DAY]
        );

        // A second run finds nothing left to do.
        let again = run(&mut conn, NOW, WEEK, RUN_BUDGET).unwrap();
        assert_eq!(
            again,
            Report {
                pruned: 0,
                thinned: 0,
                finished: true
            }
        );
        assert_eq!(history_of(&conn), expected_survivors());
    }

    #[test]
    fn a_small_budget_gets_to_the_same_result_over_several_runs() {
        let (_dir, mut conn) = aged_cache();
        let mut runs = 0;
        loop {
            runs += 1;
            let report = run(&mut conn, NOW, WEEK, 7).unwrap();
            assert!(report.pruned <= 2 * 7 + 3, "{report:?}");
            if report.finished {
                break;
            }
            assert!(runs < 1000, "maintenance never finishes");
        }
        // 10 expired samples of each kind at 7 per run need two runs at least.
        assert!(
            runs >= 2,
            "the budget should have split the work, took {runs} runs"
        );
        assert_eq!(history_of(&conn), expected_survivors());
    }

    /// Per-minute samples of device "d" and a journal entry every 10 minutes, for the
    /// week before `NOW`, maintained at `NOW` until nothing is left to do.
    fn a_maintained_week() -> (tempfile::TempDir, Connection) {
        let mut pending = PendingWrites::default();
        let mut at = NOW - 7.0 * DAY + 60.0;
        let mut minute: u32 = 0;
        while at <= NOW {
            pending.push(&reading("d", at, at));
            minute += 1;
            if minute.is_multiple_of(10) {
                pending.journal(crate::store::NewJournalEntry {
                    at,
                    kind: "link".into(),
                    subject: "link".into(),
                    text: format!("marker {at}"),
                    data: serde_json::Value::Null,
                    message: None,
                });
            }
            at += 60.0;
        }
        let (dir, mut conn) = write_batches(vec![pending]);
        run_until_done(&mut conn, NOW);
        (dir, conn)
    }

    #[test]
    fn a_clock_jumped_thirty_days_ahead_deletes_at_most_one_step_per_run() {
        let (_dir, mut conn) = a_maintained_week();
        let samples_before = history_of(&conn).len();
        let entries_before = journal(&conn, None, None, u32::MAX).unwrap().len();
        assert!(
            samples_before > 2000 && entries_before > 900,
            "{samples_before} samples, {entries_before} entries"
        );

        // Without the bound, this one run deletes the whole week.
        let report = run(&mut conn, NOW + 30.0 * DAY, WEEK, RUN_BUDGET).unwrap();
        assert!(!report.finished, "{report:?}");
        let samples_after = history_of(&conn).len();
        let entries_after = journal(&conn, None, None, u32::MAX).unwrap().len();
        // One hour pruned (60 per-minute samples) and one hour thinned in each tier (to
        // one sample per 10 min: 54 of 60), at most.
        let hour = (MAX_STEP / 60.0) as usize;
        assert!(
            samples_before - samples_after <= 2 * hour,
            "{samples_before} → {samples_after}: {report:?}"
        );
        assert!(
            entries_before - entries_after <= hour / 10 + 1,
            "{entries_before} → {entries_after}"
        );
        let oldest = history_of(&conn)[0];
        assert!(
            oldest >= NOW - 7.0 * DAY,
            "nothing younger than the slice went: {oldest}"
        );
    }

    #[test]
    fn samples_that_age_into_a_tier_later_are_thinned_by_a_later_run() {
        let mut pending = PendingWrites::default();
        series(&mut pending, aligned(NOW - 1800.0, 60.0), 120.0, 1.0);
        let (_dir, mut conn) = write_batches(vec![pending]);
        run(&mut conn, NOW, WEEK, RUN_BUDGET).unwrap();
        assert_eq!(
            history_of(&conn).len(),
            120,
            "younger than an hour: all kept"
        );
        run(&mut conn, NOW + 3600.0, WEEK, RUN_BUDGET).unwrap();
        assert_eq!(
            history_of(&conn).len(),
            2,
            "older than an hour: one per minute"
        );
    }
}
