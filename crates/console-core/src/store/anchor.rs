//! The audit chain's anchor file beside the cache (`console.db.audit-head`): the chain's
//! committed heads, appended after each commit, so a table rewritten inside the file
//! cannot match what was recorded outside it (see `audit`). It lives with the store
//! because it is storage: the store anchors a chain when it opens a cache, and recovery
//! moves the file with the cache it belongs to.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::StoreError;

/// The anchor file of the cache at `db` (the cache file's path).
pub fn anchor_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(ANCHOR_SUFFIX);
    PathBuf::from(name)
}

/// What the anchor file's name adds to the cache file's.
pub const ANCHOR_SUFFIX: &str = ".audit-head";

/// The `meta` key that says the chain has been anchored outside the file: a cache whose
/// anchor then goes missing is not anchored afresh, which would bless a forged table.
const ANCHORED: &str = "audit_anchored";

/// An anchored head: the sequence number and hash of the entry it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
}

/// The last complete head recorded in the anchor file; `Ok(None)` when there is no file.
/// Only the file's tail is read: it grows by one short line per audit entry.
pub fn read_anchor(path: &Path) -> std::io::Result<Option<Anchor>> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(ANCHOR_TAIL)))?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail)?;
    let text = String::from_utf8_lossy(&tail);
    // A line cut off by a crash has no newline yet and is not a head.
    let complete = match text.rfind('\n') {
        Some(end) => &text[..end],
        None => "",
    };
    Ok(complete.lines().rev().find_map(parse_anchor))
}

/// Bytes read from the anchor file's end: several lines of at most about 90 bytes.
const ANCHOR_TAIL: u64 = 1024;

fn parse_anchor(line: &str) -> Option<Anchor> {
    let (seq, hash) = line.trim().split_once(' ')?;
    let seq = seq.parse().ok()?;
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Anchor {
        seq,
        hash: hash.to_owned(),
    })
}

/// Records the chain's committed head in the anchor file beside the cache, unless it is
/// there already. Called after every commit that appended entries, and when a writing
/// console opens the cache (which anchors a chain from before anchors existed, once).
/// Failing to write (a full disk) is logged: the next call writes the head then reached,
/// and entries after the last anchored one are still covered by the chain.
pub fn anchor(conn: &Connection) {
    if let Err(error) = try_anchor(conn) {
        tracing::warn!(%error, "the audit head could not be anchored beside the cache");
    }
}

fn try_anchor(conn: &Connection) -> Result<(), StoreError> {
    let Some(db) = conn.path().filter(|p| !p.is_empty()).map(PathBuf::from) else {
        return Ok(());
    };
    let Some((seq, hash)) = super::audit::last(conn)? else {
        return Ok(());
    };
    let path = anchor_path(&db);
    let io = |source: std::io::Error| StoreError::DataDir {
        path: path.clone(),
        source,
    };
    let current = read_anchor(&path).map_err(io)?;
    if current.is_none() && super::get_meta(conn, ANCHORED)?.is_some() {
        tracing::error!(
            anchor = %path.display(),
            "the audit anchor file is missing; it is not recreated, and `audit verify` fails"
        );
        return Ok(());
    }
    if current
        .as_ref()
        .is_some_and(|a| a.seq == seq && a.hash == hash)
    {
        return Ok(());
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io)?;
    file.write_all(format!("{seq} {hash}\n").as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(io)?;
    if current.is_none() {
        super::set_meta(conn, ANCHORED, 1.0)?;
    }
    Ok(())
}
