//! The `link_gap` table: the intervals in which the console had no live link to the
//! plant, so that a trend can show "no data" instead of drawing a line across it.

use plant_protocol::UnixSeconds;
use rusqlite::{params, Connection, Transaction};
use serde::Serialize;

use super::StoreError;

/// Version 1. At most one row has `end_at` NULL: the gap the console is in right now. The
/// partial unique index makes a second open gap impossible rather than merely unlikely.
pub(super) const CREATE: &str = "
CREATE TABLE link_gap (
    id    INTEGER PRIMARY KEY,
    start_at REAL NOT NULL,
    end_at   REAL
);
CREATE INDEX link_gap_by_start ON link_gap (start_at);
CREATE UNIQUE INDEX link_gap_one_open ON link_gap ((end_at IS NULL)) WHERE end_at IS NULL;";

/// An interval without a live link; `end` is `None` while it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Gap {
    pub start: UnixSeconds,
    pub end: Option<UnixSeconds>,
}

/// Opens a gap at `at` unless one is open already: a gap left open by a console that
/// stopped while the link was down simply goes on, since no data came in meanwhile.
pub(super) fn open(tx: &Transaction<'_>, at: UnixSeconds) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO link_gap (start_at) SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM link_gap WHERE end_at IS NULL)",
    )?
    .execute([at])?;
    Ok(())
}

/// Closes the open gap, if any, at `at` (never before its own start).
pub(super) fn close(tx: &Transaction<'_>, at: UnixSeconds) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE link_gap SET end_at = max(start_at, ?1) WHERE end_at IS NULL")?
        .execute([at])?;
    Ok(())
}

/// Gaps that overlap `[since, until]`, oldest first, the open one included.
pub fn gaps(
    conn: &Connection,
    since: UnixSeconds,
    until: UnixSeconds,
) -> Result<Vec<Gap>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT start_at, end_at FROM link_gap WHERE start_at <= ?2 AND (end_at IS NULL OR end_at >= ?1) ORDER BY start_at",
    )?;
    let rows = statement.query_map(params![since, until], |row| {
        Ok(Gap {
            start: row.get(0)?,
            end: row.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes closed gaps that ended before `cutoff`; returns how many went.
pub(super) fn prune(tx: &Transaction<'_>, cutoff: UnixSeconds) -> Result<usize, StoreError> {
    Ok(tx
        .prepare_cached("DELETE FROM link_gap WHERE end_at IS NOT NULL AND end_at < ?1")?
        .execute([cutoff])?)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{walk, write_batches};
    use super::super::PendingWrites;
    use super::*;
    use plant_link::link::LinkMode::{Connecting, Fallback, Offline, Realtime, Stale};
    use plant_link::link::LinkState;

    #[test]
    fn a_link_that_drops_and_returns_leaves_one_closed_gap() {
        let mut pending = PendingWrites::default();
        walk(
            &mut pending,
            &[
                (Connecting, 0.0),
                (Realtime, 10.0),
                (Stale, 20.0),
                (Offline, 25.0),
                (Fallback, 30.0),
                (Realtime, 35.0),
            ],
        );
        let (_dir, conn) = write_batches(vec![pending]);
        assert_eq!(
            gaps(&conn, 11.0, 100.0).unwrap(),
            vec![Gap {
                start: 20.0,
                end: Some(30.0)
            }]
        );
    }

    #[test]
    fn start_up_opens_a_gap_at_the_last_contact_and_an_open_gap_carries_on() {
        let mut first_run = PendingWrites::default();
        first_run.link_started(100.0, Some(40.0));
        walk(
            &mut first_run,
            &[(Connecting, 100.0), (Realtime, 101.0), (Offline, 200.0)],
        );
        // The console stops while offline and starts again later.
        let mut second_run = PendingWrites::default();
        second_run.link_started(500.0, Some(199.0));
        let (_dir, conn) = write_batches(vec![first_run, second_run]);
        assert_eq!(
            gaps(&conn, 0.0, 1000.0).unwrap(),
            vec![
                Gap {
                    start: 40.0,
                    end: Some(101.0)
                },
                Gap {
                    start: 200.0,
                    end: None
                }
            ]
        );
    }

    #[test]
    fn an_interruption_the_watched_state_skipped_still_leaves_a_gap_and_a_line() {
        let mut pending = PendingWrites::default();
        let live = |since| LinkState {
            mode: Realtime,
            since,
            detail: None,
            address: Default::default(),
        };
        // Same mode, later `since`: the link went down and up between two looks; the
        // last message before it came at 17.
        pending.link_changed(&live(10.0), &live(20.0), Some(17.0));
        // A change of detail alone is no interruption.
        pending.link_changed(&live(20.0), &live(20.0), Some(25.0));
        let (_dir, conn) = write_batches(vec![pending]);
        assert_eq!(
            gaps(&conn, 0.0, 100.0).unwrap(),
            vec![Gap {
                start: 17.0,
                end: Some(20.0)
            }]
        );
        let lines = super::super::journal(&conn, None, None, 10).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].text, "Link was interrupted and is Real-time again");
    }

    #[test]
    fn a_range_finds_the_gaps_that_overlap_it() {
        let mut pending = PendingWrites::default();
        walk(
            &mut pending,
            &[
                (Realtime, 0.0),
                (Offline, 10.0),
                (Realtime, 20.0),
                (Offline, 30.0),
                (Realtime, 40.0),
                (Offline, 50.0),
                (Realtime, 60.0),
                (Offline, 70.0),
            ],
        );
        let (_dir, conn) = write_batches(vec![pending]);
        let starts = |since, until| -> Vec<f64> {
            gaps(&conn, since, until)
                .unwrap()
                .iter()
                .map(|g| g.start)
                .collect()
        };
        assert_eq!(starts(35.0, 55.0), vec![30.0, 50.0]);
        assert_eq!(starts(41.0, 49.0), Vec::<f64>::new());
        assert_eq!(starts(65.0, 1000.0), vec![70.0]);
    }
}
