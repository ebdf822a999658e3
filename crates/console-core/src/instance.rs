//! One console per data folder: an OS file lock on `<data-dir>/console.lock`, with the
//! holder's details in `console.holder` beside it, so that a second console refuses at
//! once and says which one is running.
//!
//! The lock is the standard library's (`flock` on Unix, `LockFileEx` on Windows): the OS
//! releases it when the process ends, however it ends, so a crashed console never leaves a
//! folder locked. The details are only for the message; the lock alone decides. They sit
//! in a file of their own because Windows enforces a `LockFileEx` lock on reads: another
//! process cannot read a byte of the locked file, so details kept inside it could never
//! be shown there.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The lock file's name inside the data folder.
pub const LOCK_FILE: &str = "console.lock";

/// The holder's details, beside the lock file: written by the console that holds the
/// lock, read only while someone holds it.
pub const HOLDER_FILE: &str = "console.holder";

/// How a console runs, for the holder's description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Window,
    Headless,
}

/// Who holds the lock, as written into the lock file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub program: String,
    pub mode: Mode,
    /// Unix seconds.
    pub started_at: f64,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match self.mode {
            Mode::Window => "with a window",
            Mode::Headless => "headless",
        };
        write!(
            f,
            "process {} ({}, {mode}, started {})",
            self.pid,
            self.program,
            crate::store::utc_text(self.started_at)
        )
    }
}

#[derive(Debug, Error)]
pub enum InstanceError {
    #[error(
        "the data folder {data_dir} is in use by another Plant Console: {}; \
         stop that one first, or give this one another --data-dir",
        describe(.holder)
    )]
    InUse {
        data_dir: PathBuf,
        /// `None` when the running console's details could not be read (it is still
        /// writing them, or it is an older console that kept them elsewhere).
        holder: Option<Holder>,
    },
    #[error("cannot lock the data folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn describe(holder: &Option<Holder>) -> String {
    match holder {
        Some(holder) => holder.to_string(),
        None => "a process whose details could not be read".into(),
    }
}

/// The held lock; dropping it (or the process ending) releases the folder.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    path: PathBuf,
}

impl InstanceLock {
    /// Takes the data folder for this process, creating the folder if needed; fails at
    /// once, naming the holder, when another console has it.
    pub fn acquire(data_dir: &Path, mode: Mode) -> Result<InstanceLock, InstanceError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| InstanceError::Io { path, source }
        };
        std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
        let path = data_dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(InstanceError::InUse {
                    data_dir: data_dir.to_owned(),
                    holder: read_holder(data_dir),
                });
            }
            Err(TryLockError::Error(source)) => return Err(InstanceError::Io { path, source }),
        }
        let holder = Holder {
            pid: std::process::id(),
            program: std::env::current_exe()
                .map(|exe| exe.display().to_string())
                .unwrap_or_else(|_| "plant-console".into()),
            mode,
            started_at: plant_link::clock::unix_now(),
        };
        let text = serde_json::to_string(&holder).unwrap_or_default();
        // The details are a courtesy for the message: failing to write them (a full disk)
        // must not stop a console that holds the lock. A crashed console's details may
        // still be there; they are read only while the lock is held, which is after this
        // console has written its own over them.
        let details = data_dir.join(HOLDER_FILE);
        let written = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&details)
            .and_then(|mut out| out.write_all(text.as_bytes()).and_then(|()| out.flush()));
        if let Err(error) = written {
            tracing::warn!(path = %details.display(), %error, "cannot write the lock holder's details");
        }
        Ok(InstanceLock { _file: file, path })
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Who holds the data folder's lock now, without taking it: `None` when nobody does.
pub fn holder(data_dir: &Path) -> Option<Holder> {
    let path = data_dir.join(LOCK_FILE);
    let file = File::open(path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => None,
        Err(_) => read_holder(data_dir),
    }
}

fn read_holder(data_dir: &Path) -> Option<Holder> {
    let text = std::fs::read_to_string(data_dir.join(HOLDER_FILE)).ok()?;
    serde_json::from_str(text.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_a_folder_in_use_is_refused_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let first = InstanceLock::acquire(dir.path(), Mode::Headless).unwrap();
        let error = InstanceLock::acquire(dir.path(), Mode::Window).unwrap_err();
        let InstanceError::InUse { holder, .. } = &error else {
            panic!("{error}");
        };
        let holder = holder.as_ref().expect("the holder is named");
        assert_eq!(holder.pid, std::process::id());
        assert_eq!(holder.mode, Mode::Headless);
        let message = error.to_string();
        assert!(
            message.contains(&format!("process {}", std::process::id()))
                && message.contains("headless")
                && message.contains("another --data-dir"),
            "{message}"
        );
        assert_eq!(super::holder(dir.path()).as_ref(), Some(holder));

        // Windows keeps a locked file unreadable to other processes, so the details are
        // beside the lock file, never in it.
        assert_eq!(std::fs::read(dir.path().join(LOCK_FILE)).unwrap(), b"");
        assert!(dir.path().join(HOLDER_FILE).is_file());

        drop(first);
        assert_eq!(super::holder(dir.path()), None);
        let again = InstanceLock::acquire(dir.path(), Mode::Window).unwrap();
        assert_eq!(again.path(), dir.path().join(LOCK_FILE));
    }
}
