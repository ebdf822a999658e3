//! Opening the cache: for writing (locked, checked, set aside if damaged, migrated), again
//! for another connection of the same process, and read only for commands that must
//! never change it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use super::migrations::{migrations, supported_version, user_version};
use super::{anchor, recovery, StoreError};

/// The cache file's name inside the console's data folder.
pub const DB_FILE: &str = "console.db";

/// The lock file that serializes opening (and migrating) the cache across processes.
const LOCK_FILE: &str = "console.db.lock";

/// Per-connection settings. They are not migrations: PRAGMAs like these belong to a
/// connection, not to the schema, and must be set on every open.
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // NORMAL is durable across application crashes in WAL mode; only an OS crash may
    // lose the last transactions of the cache, which the next snapshot restores.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// Opens (creating if needed) the cache in `data_dir` and brings its schema up to date.
/// A cache from a newer console is refused and left exactly as it was; a damaged one is
/// set aside and replaced, as [`open_reporting`] says (use it to learn that it was).
pub fn open(data_dir: &Path) -> Result<Connection, StoreError> {
    open_reporting(data_dir).map(|opened| opened.conn)
}

/// Checks the whole cache, history included, on a thread of its own; damage is logged and
/// the next start sets the cache aside. The console calls it once, after its start.
pub fn check_all_later(data_dir: &Path) {
    recovery::check_history_later(&data_dir.join(DB_FILE));
}

/// A cache opened for writing.
#[derive(Debug)]
pub struct Opened {
    pub conn: Connection,
    /// Where a damaged cache found at the start was moved to; a fresh one replaced it.
    pub recovered_from: Option<PathBuf>,
}

/// As [`open`], and says whether the cache had to be replaced. A file that is not a
/// database, or fails SQLite's structural check, is moved aside (see
/// [`Opened::recovered_from`]) and a fresh cache is started: the cache only copies the
/// plant, so refusing to start over a damaged copy would help nobody.
pub fn open_reporting(data_dir: &Path) -> Result<Opened, StoreError> {
    std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
        path: data_dir.to_owned(),
        source,
    })?;
    // Two programs on one data folder (the console and a CLI command) must not migrate
    // at the same time: SQLite's own locking does not cover "read the version, then
    // create tables", so an OS file lock serializes the whole open.
    let _lock = lock_data_dir(data_dir)?;
    let path = data_dir.join(DB_FILE);
    match open_file(&path) {
        Ok(conn) => Ok(Opened {
            conn,
            recovered_from: None,
        }),
        Err(error) if recovery::is_corruption(&error) => {
            tracing::warn!(path = %path.display(), %error, "the cache is damaged; setting it aside");
            let kept = recovery::set_aside(&path, plant_link::clock::unix_now())?;
            Ok(Opened {
                conn: open_file(&path)?,
                recovered_from: Some(kept),
            })
        }
        Err(error) => Err(error),
    }
}

/// Opens the cache file at `path`, checks it and migrates it; the caller holds the lock.
fn open_file(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path)?;
    // Until the file has passed the checks, closing must not checkpoint a WAL into it
    // (or delete the WAL): a damaged cache is kept exactly as it was found.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let found = user_version(&conn)?;
    let supported = supported_version();
    if found > supported {
        return Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found,
            supported,
        });
    }
    if let Some(problem) = recovery::quick_check(&conn, path)? {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            problem,
        });
    }
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
    configure(&conn)?;
    migrations().to_latest(&mut conn)?;
    // A chain from before the anchor file existed is anchored from now on.
    anchor::anchor(&conn);
    Ok(conn)
}

/// Another connection to a cache this process has just opened with [`open_reporting`]
/// (checked, set aside if damaged, migrated): the console's alert engine and outbox use
/// their own connections, and checking the file once is enough.
pub fn open_again(data_dir: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        data_dir.join(DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    configure(&conn)?;
    // These connections (the outbox's, the alert engine's) write a row now and then and
    // read a few pages; SQLite's default page cache of 2 MiB each would only hold pages
    // the writer's connection already caches, resident for nothing.
    conn.pragma_update(None, "cache_size", SECONDARY_CACHE_KIB)?;
    Ok(conn)
}

/// The page cache of a connection opened with [`open_again`], in SQLite's negative form
/// (KiB rather than pages).
const SECONDARY_CACHE_KIB: i64 = -256;

/// A cache opened by [`open_read_only`]: a connection that cannot write, with the shared
/// open lock it may need held for as long as it lives. Use it as a `Connection`.
#[derive(Debug)]
pub struct ReadOnly {
    conn: Connection,
    _lock: Option<std::fs::File>,
}

impl std::ops::Deref for ReadOnly {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.conn
    }
}

/// Opens the cache in `dir` (a plant's cache folder) for reading only, for commands that
/// must never change it: nothing is created, migrated, renamed or set aside. `Ok(None)`
/// when there is no cache (no file, or one that no console finished creating); a cache
/// from a newer console, or one older than this one reads, is refused; a file that is not
/// a database is an error.
///
/// SQLite opens a WAL database read-only by creating its `-wal` and `-shm` files when they
/// are missing, and leaves them behind. They exist while any connection has the cache open
/// (a console runs), and then a plain read-only connection uses them. When they are
/// missing nobody has the cache open, and it is read as an immutable file instead, under
/// the shared open lock held until the connection closes: a console that starts meanwhile
/// waits for that lock before it opens the cache, so the file cannot change under the
/// reader.
pub fn open_read_only(dir: &Path) -> Result<Option<ReadOnly>, StoreError> {
    let path = dir.join(DB_FILE);
    // The shared lock waits out a writer that is creating or migrating the cache.
    let lock_path = dir.join(LOCK_FILE);
    let lock = match std::fs::File::open(&lock_path) {
        Ok(file) => {
            file.lock_shared().map_err(|source| StoreError::DataDir {
                path: lock_path,
                source,
            })?;
            Some(file)
        }
        Err(_) => None,
    };
    if !path.is_file() {
        return Ok(None);
    }
    let in_use = with_suffix(&path, "-wal").exists() || with_suffix(&path, "-shm").exists();
    let (conn, lock) = if in_use {
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        (conn, None)
    } else {
        let conn = Connection::open_with_flags(
            immutable_uri(&path),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        (conn, lock)
    };
    conn.busy_timeout(Duration::from_secs(5))?;
    let found = user_version(&conn)?;
    let supported = supported_version();
    if found > supported {
        return Err(StoreError::NewerSchema {
            path,
            found,
            supported,
        });
    }
    if found == 0 {
        // A file that no console ever finished creating holds nothing to show.
        return Ok(None);
    }
    if found < supported {
        return Err(StoreError::OlderSchema {
            path,
            found,
            supported,
        });
    }
    Ok(Some(ReadOnly { conn, _lock: lock }))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `file:` URI of `path` opened as an immutable file, every byte outside the unreserved
/// set percent-encoded (a path may hold `?`, `#` or `%`).
fn immutable_uri(path: &Path) -> String {
    // A relative path would be read against the URI's root, not the current folder.
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let text = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file:");
    if !text.starts_with('/') {
        // A Windows path (C:/…) is written as an absolute URI path.
        uri.push('/');
    }
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                uri.push(char::from(byte));
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Takes the data folder's migration lock (`LOCK_FILE`), held until the file is dropped:
/// opening, migrating and adopting a cache happen under it, one program at a time.
pub(crate) fn lock_data_dir(data_dir: &Path) -> Result<std::fs::File, StoreError> {
    let lock_path = data_dir.join(LOCK_FILE);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| StoreError::DataDir {
            path: lock_path.clone(),
            source,
        })?;
    lock.lock().map_err(|source| StoreError::DataDir {
        path: lock_path,
        source,
    })?;
    Ok(lock)
}
