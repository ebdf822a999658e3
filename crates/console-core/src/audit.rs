//! The audit trail of operator commands: append-only and hash-chained, so an edited or
//! deleted entry is detected by [`verify`].
//!
//! Each entry's hash covers its own fields and the previous entry's hash. The chain's
//! head is also kept in `meta`, so cutting entries off the end is detected too.
//!
//! Both live in the database file, so whoever rewrites the whole table can rewrite the
//! head too. The chain is therefore also anchored outside it: after each commit the head
//! (sequence number and hash) is appended to `console.db.audit-head` beside the cache, and
//! [`verify`] checks the table against the last head recorded there. A rewritten table
//! cannot match the anchored hash (it covers every entry before it), and a table cut
//! short or rolled back to an older copy ends before the anchored entry. An append-only
//! file was chosen over a keyed MAC: it also catches a rollback and a table emptied of
//! its entries, which a MAC over the entries cannot, and it needs no secret, so the
//! read-only `audit verify` works without the keyring (a MAC key kept "like the token"
//! sits in a 0600 file of the same user wherever no keyring answers, no safer than this
//! file).

use std::path::PathBuf;

use rusqlite::Connection;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use crate::store::anchor::{anchor, anchor_path, read_anchor, Anchor, ANCHOR_SUFFIX};
pub use crate::store::audit::Entry;
use crate::store::{self, StoreError};

/// The hash that stands before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who is acting: the OS user and the machine, recorded with every command, and the
/// operator signed in when sign-in is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user: String,
    pub host: String,
    /// `None` when sign-in is off: the console runs as the OS user, as before it had
    /// sign-in.
    pub operator: Option<Person>,
}

/// An operator signed in: their name and role (`viewer`, `operator`, `engineer`), as the
/// app's sign-in gate gave them. The core records them and decides nothing by them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub name: String,
    pub role: String,
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
        Actor {
            user,
            host,
            operator: None,
        }
    }

    /// This actor with `name` (of `role`) signed in.
    pub fn signed_in(mut self, name: impl Into<String>, role: impl Into<String>) -> Actor {
        self.operator = Some(Person {
            name: name.into(),
            role: role.into(),
        });
        self
    }

    /// Who to name in a sentence: "ana (operator)" when someone is signed in, else the
    /// OS user.
    pub fn describe(&self) -> String {
        match &self.operator {
            Some(person) => format!("{} ({})", person.name, person.role),
            None => self.user.clone(),
        }
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
    // The signed-in operator is covered only when there is one, so that every entry
    // written before sign-in existed (or with it off) keeps the hash it was given.
    // The text then has two more fields than any entry without one, so the two kinds
    // cannot hash the same text.
    if entry.signed_in.is_some() || entry.signed_in_role.is_some() {
        for field in [&entry.signed_in, &entry.signed_in_role] {
            hasher.update(field.as_deref().unwrap_or_default().as_bytes());
            hasher.update([0u8]);
        }
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
        signed_in: actor.operator.as_ref().map(|p| p.name.clone()),
        signed_in_role: actor.operator.as_ref().map(|p| p.role.clone()),
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
    /// The last entry the anchor file outside the cache vouches for.
    pub anchored_through: Option<i64>,
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
    let anchored_through = match check_anchor(conn, &entries)? {
        Ok(anchored) => anchored,
        Err(problem) => return Ok(broken(&entries, problem)),
    };
    Ok(Verification {
        entries: entries.len(),
        problem: None,
        anchored_through,
    })
}

/// Checks the table against the anchor file: `Ok(Ok(last anchored seq))`, or
/// `Ok(Err(problem))`.
fn check_anchor(
    conn: &Connection,
    entries: &[Entry],
) -> Result<Result<Option<i64>, String>, StoreError> {
    let Some(db) = conn.path().filter(|p| !p.is_empty()).map(PathBuf::from) else {
        return Ok(Ok(None));
    };
    let path = anchor_path(&db);
    let anchor = read_anchor(&path).map_err(|source| StoreError::DataDir {
        path: path.clone(),
        source,
    })?;
    let Some(anchor) = anchor else {
        if entries.is_empty() {
            return Ok(Ok(None));
        }
        return Ok(Err(format!(
            "the audit anchor {} is missing, so the trail cannot be checked against it \
             (a cache from before anchors is anchored when a console next opens it)",
            path.display()
        )));
    };
    let last = entries.last().map_or(0, |entry| entry.seq);
    let Some(entry) = entries.iter().find(|entry| entry.seq == anchor.seq) else {
        return Ok(Err(format!(
            "the log ends at entry {last} but its anchor outside the cache records entry {}: \
             entries were removed or the cache was replaced by an older copy",
            anchor.seq
        )));
    };
    if entry.hash != anchor.hash {
        return Ok(Err(format!(
            "entry {} does not match the anchor kept outside the cache: the audit table was rewritten",
            anchor.seq
        )));
    }
    Ok(Ok(Some(anchor.seq)))
}

fn broken(entries: &[Entry], problem: String) -> Verification {
    Verification {
        entries: entries.len(),
        problem: Some(problem),
        anchored_through: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn actor() -> Actor {
        Actor {
            user: "op1".into(),
            host: "cr-01".into(),
            operator: None,
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
            anchor(&conn);
        }
        (dir, conn)
    }

    /// Replaces the whole table with a chain of `n` forged entries that is sound in
    /// itself, and points the head in `meta` at its end, as someone with the file and
    /// `sqlite3` could.
    fn rewrite_table(conn: &Connection, n: i64) {
        conn.execute_batch("DROP TRIGGER audit_no_delete; DELETE FROM audit;")
            .unwrap();
        let mut previous = GENESIS.to_owned();
        for seq in 1..=n {
            let mut entry = Entry {
                seq,
                at: 100.0 + seq as f64,
                user: "someone-else".into(),
                host: "cr-01".into(),
                action: "command.requested".into(),
                target: "relay-01".into(),
                request_id: "req-1".into(),
                detail: r#"{"state":false}"#.into(),
                prev_hash: previous.clone(),
                hash: String::new(),
                signed_in: None,
                signed_in_role: None,
            };
            entry.hash = entry_hash(&entry);
            store::audit::append(conn, &entry).unwrap();
            previous = entry.hash;
        }
        store::set_meta(conn, store::AUDIT_HEAD, n as f64).unwrap();
    }

    #[test]
    fn a_whole_rewritten_table_with_a_rewritten_head_is_caught_by_the_anchor() {
        let (_dir, conn) = log_of_three();
        rewrite_table(&conn, 3);
        let result = verify(&conn).unwrap();
        assert_eq!(
            result.problem.as_deref(),
            Some("entry 3 does not match the anchor kept outside the cache: the audit table was rewritten"),
            "{result:?}"
        );
    }

    #[test]
    fn an_emptied_table_with_its_head_reset_is_caught_by_the_anchor() {
        let (_dir, conn) = log_of_three();
        rewrite_table(&conn, 0);
        let problem = verify(&conn).unwrap().problem.unwrap();
        assert!(problem.contains("records entry 3"), "{problem}");
    }

    #[test]
    fn a_deleted_anchor_fails_verification_and_is_not_recreated() {
        let (dir, conn) = log_of_three();
        let path = anchor_path(&dir.path().join(store::DB_FILE));
        std::fs::remove_file(&path).unwrap();
        anchor(&conn);
        assert!(!path.exists(), "a lost anchor must not be made afresh");
        assert!(verify(&conn)
            .unwrap()
            .problem
            .unwrap()
            .contains("is missing"));
    }

    #[test]
    fn the_anchor_follows_each_commit_and_a_torn_last_line_is_ignored() {
        let (dir, conn) = log_of_three();
        let path = anchor_path(&dir.path().join(store::DB_FILE));
        let head = store::audit::last(&conn).unwrap().unwrap();
        assert_eq!(
            read_anchor(&path).unwrap(),
            Some(Anchor {
                seq: head.0,
                hash: head.1.clone()
            })
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3);
        // A crash in the middle of the next line leaves it without its newline.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"4 abc").unwrap();
        assert_eq!(read_anchor(&path).unwrap().unwrap().seq, 3);
        let result = verify(&conn).unwrap();
        assert!(result.is_intact(), "{result:?}");
        assert_eq!(result.anchored_through, Some(3));
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

    #[test]
    fn an_old_chain_without_operators_still_verifies_and_keeps_its_hashes() {
        // The hash of an entry without a signed-in operator is what it was before the
        // columns existed: the fields up to `detail`, each followed by a NUL.
        let (_dir, conn) = log_of_three();
        let first = store::audit::all(&conn).unwrap()[0].clone();
        let mut old = Sha256::new();
        for field in [
            GENESIS,
            "1",
            "100.000000",
            "op1",
            "cr-01",
            "command.requested",
            "relay-01",
            "req-1",
            r#"{"state":true}"#,
        ] {
            old.update(field.as_bytes());
            old.update([0u8]);
        }
        let old: String = old.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(first.hash, old);
        assert_eq!(first.signed_in, None);
        // A new entry with an operator signed in follows the old chain.
        append(
            &conn,
            200.0,
            &actor().signed_in("ana", "operator"),
            "command.requested",
            "relay-02",
            "req-2",
            "{}",
        )
        .unwrap();
        anchor(&conn);
        let result = verify(&conn).unwrap();
        assert!(result.is_intact(), "{result:?}");
        let last = store::audit::all(&conn).unwrap().pop().unwrap();
        assert_eq!(last.signed_in.as_deref(), Some("ana"));
        assert_eq!(last.signed_in_role.as_deref(), Some("operator"));
    }

    #[test]
    fn editing_the_operator_or_role_of_an_entry_is_detected() {
        for (column, value) in [
            ("signed_in", "'mallory'"),
            ("signed_in_role", "'viewer'"),
            ("signed_in", "NULL"),
        ] {
            let (_dir, conn) = log_of_three();
            append(
                &conn,
                200.0,
                &actor().signed_in("ana", "engineer"),
                "command.requested",
                "relay-02",
                "req-2",
                "{}",
            )
            .unwrap();
            anchor(&conn);
            conn.execute_batch(&format!(
                "DROP TRIGGER audit_no_update; UPDATE audit SET {column} = {value} WHERE seq = 4;"
            ))
            .unwrap();
            assert_eq!(
                verify(&conn).unwrap().problem.as_deref(),
                Some("entry 4 was altered"),
                "{column} = {value}"
            );
        }
    }

    #[test]
    fn an_actor_is_described_by_the_person_signed_in_else_the_os_user() {
        assert_eq!(actor().describe(), "op1");
        assert_eq!(
            actor().signed_in("ana", "operator").describe(),
            "ana (operator)"
        );
    }
}
