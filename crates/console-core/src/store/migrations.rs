//! The schema's migrations (rusqlite_migration), one per released change, append only.

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

use super::{
    alarm_requests, alarms, alerts, audit, devices, gaps, history, journal, meta, outbox, relays,
    stats, StoreError,
};

/// Every schema change, in order. Append only: a released migration is never edited,
/// because consoles in the field have already applied it.
pub(super) fn migration_list() -> Vec<M<'static>> {
    vec![
        M::up(meta::CREATE),
        M::up(devices::CREATE),
        M::up(relays::CREATE),
        M::up(stats::CREATE),
        M::up(outbox::CREATE),
        M::up(audit::CREATE),
        M::up(history::CREATE),
        M::up(gaps::CREATE),
        M::up(journal::CREATE),
        M::up(alerts::CREATE),
        M::up(outbox::ADD_PLANT),
        M::up(devices::ADD_UNREADABLE),
        M::up(relays::ADD_UNREADABLE),
        M::up(stats::ADD_UNREADABLE),
        M::up(alarms::CREATE),
        M::up(alerts::ADD_MESSAGES),
        M::up(journal::ADD_MESSAGE),
        M::up(alarm_requests::CREATE),
        M::up(audit::ADD_SIGNED_IN),
        M::up(outbox::ADD_SIGNED_IN),
        M::up(alarm_requests::ADD_SIGNED_IN),
    ]
}

pub(super) fn migrations() -> Migrations<'static> {
    Migrations::new(migration_list())
}

/// The schema version this build writes: rusqlite_migration numbers the schema by the
/// count of applied migrations (in `user_version`).
pub(super) fn supported_version() -> i64 {
    i64::try_from(migration_list().len()).expect("fewer than 2^63 migrations")
}

pub(super) fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }
}
