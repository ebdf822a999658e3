//! The audit trail of operator commands: append-only and hash-chained, so an edited or
//! deleted entry is detected by [`verify`].
//!
//! Each entry's hash covers its own fields and the previous entry's hash. The chain's
//! head is also kept in `meta`, so cutting entries off the end is detected too.

use rusqlite::Connection;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::store::{self, StoreError};

/// The hash that stands before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: f64,
    pub user: String,
    pub host: String,
    /// What happened, e.g. `command.requested`, `command.confirmed`, `command.cancelled`.
    pub action: String,
    /// What it happened to, e.g. the relay id.
    pub target: String,
    pub request_id: String,
    /// The request or outcome in JSON.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Who is acting: the OS user and the machine, recorded with every command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user: String,
    pub host: String,
}

impl Actor {
    /// The current OS user and host name, read without unsafe code.
    pub fn current() -> Actor {
        let user = ["USER", "USERNAME", "LOGNAME"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| "unknown".into());
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("COMPUTERNAME").ok())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "unknown".into());
        Actor { user, host }
    }
}

fn entry_hash(entry: &Entry) -> String {
    let mut hasher = Sha256::new();
    // Fields are separated by a byte that cannot occur in them unescaped (JSON and ids
    // never hold a NUL), so no two different entries hash the same text.
    for field in [
        entry.prev_hash.as_str(),
        &entry.seq.to_string(),
        &format!("{:.6}", entry.at),
        &entry.user,
        &entry.host,
        &entry.action,
        &entry.target,
        &entry.request_id,
        &entry.detail,
    ] {
        hasher.update(field.as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Appends an entry inside the caller's transaction and returns it.
#[allow(clippy::too_many_arguments)]
pub fn append(
    conn: &Connection,
    at: f64,
    actor: &Actor,
    action: &str,
    target: &str,
    request_id: &str,
    detail: &str,
) -> Result<Entry, StoreError> {
    let (seq, prev_hash) = match store::audit::last(conn)? {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_owned()),
    };
    let mut entry = Entry {
        seq,
        at,
        user: actor.user.clone(),
        host: actor.host.clone(),
        action: action.to_owned(),
        target: target.to_owned(),
        request_id: request_id.to_owned(),
        detail: detail.to_owned(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(&entry);
    store::audit::append(conn, &entry)?;
    store::set_meta(conn, store::AUDIT_HEAD, seq as f64)?;
    Ok(entry)
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub entries: usize,
    /// The first broken entry and why, when the chain is not intact.
    pub problem: Option<String>,
}

impl Verification {
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// Recomputes the whole chain.
pub fn verify(conn: &Connection) -> Result<Verification, StoreError> {
    let entries = store::audit::all(conn)?;
    let mut previous = GENESIS.to_owned();
    for (expected_seq, entry) in (1..).zip(entries.iter()) {
        if entry.seq != expected_seq {
            return Ok(broken(
                &entries,
                format!("entry {expected_seq} is missing (next is {})", entry.seq),
            ));
        }
        if entry.prev_hash != previous {
            return Ok(broken(
                &entries,
                format!("entry {} does not follow the entry before it", entry.seq),
            ));
        }
        if entry_hash(entry) != entry.hash {
            return Ok(broken(&entries, format!("entry {} was altered", entry.seq)));
        }
        previous = entry.hash.clone();
    }
    let head = store::get_meta(conn, store::AUDIT_HEAD)?
        .map(|seq| seq as i64)
        .unwrap_or(0);
    let last = entries.last().map_or(0, |entry| entry.seq);
    if head != last {
        return Ok(broken(
            &entries,
            format!("the log ends at entry {last} but reached entry {head}: entries were removed"),
        ));
    }
    Ok(Verification {
        entries: entries.len(),
        problem: None,
    })
}

fn broken(entries: &[Entry], problem: String) -> Verification {
    Verification {
        entries: entries.len(),
        problem: Some(problem),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Actor {
        Actor {
            user: "op1".into(),
            host: "cr-01".into(),
        }
    }

    fn log_of_three() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = store::open(dir.path()).unwrap();
        for (n, action) in ["command.requested", "command.sent", "command.confirmed"]
            .iter()
            .enumerate()
        {
            append(
                &conn,
                100.0 + n as f64,
                &actor(),
                action,
                "relay-01",
                "req-1",
                r#"{"state":true}"#,
            )
            .unwrap();
        }
        (dir, conn)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let (_dir, conn) = log_of_three();
        let result = verify(&conn).unwrap();
        assert!(result.is_intact(), "{result:?}");
        assert_eq!(result.entries, 3);
    }

    #[test]
    fn the_log_refuses_updates_and_deletes() {
        let (_dir, conn) = log_of_three();
        assert!(conn
            .execute("UPDATE audit SET user = 'x' WHERE seq = 2", [])
            .is_err());
        assert!(conn.execute("DELETE FROM audit WHERE seq = 2", []).is_err());
    }

    #[test]
    fn an_edited_entry_is_detected() {
        let (_dir, conn) = log_of_three();
        conn.execute_batch(
            "DROP TRIGGER audit_no_update; UPDATE audit SET user = 'someone-else' WHERE seq = 2;",
        )
        .unwrap();
        let result = verify(&conn).unwrap();
        assert_eq!(result.problem.as_deref(), Some("entry 2 was altered"));
    }

    #[test]
    fn a_deleted_entry_in_the_middle_is_detected() {
        let (_dir, conn) = log_of_three();
        conn.execute_batch("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 2;")
            .unwrap();
        assert!(verify(&conn)
            .unwrap()
            .problem
            .unwrap()
            .contains("entry 2 is missing"));
    }

    #[test]
    fn a_deleted_last_entry_is_detected() {
        let (_dir, conn) = log_of_three();
        conn.execute_batch("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 3;")
            .unwrap();
        assert!(verify(&conn)
            .unwrap()
            .problem
            .unwrap()
            .contains("entries were removed"));
    }

    #[test]
    fn a_rewritten_entry_with_a_fresh_hash_breaks_the_next_link() {
        let (_dir, conn) = log_of_three();
        let mut forged = store::audit::all(&conn).unwrap()[1].clone();
        forged.detail = r#"{"state":false}"#.into();
        forged.hash = entry_hash(&forged);
        conn.execute_batch("DROP TRIGGER audit_no_update;").unwrap();
        conn.execute(
            "UPDATE audit SET detail = ?1, hash = ?2 WHERE seq = 2",
            [&forged.detail, &forged.hash],
        )
        .unwrap();
        assert_eq!(
            verify(&conn).unwrap().problem.as_deref(),
            Some("entry 3 does not follow the entry before it")
        );
    }
}
