//! The history of an operators file: who added, re-passworded or removed which operator,
//! when, from which account and host, kept beside the file as JSON lines.
//!
//! The plant's audit trail is a hash chain inside each plant's cache, written by the one
//! console that holds it; `plant-console operators …` runs on the engineer's machine,
//! often where no console (or no cache) is, so its changes cannot go there. They go to
//! `operators.history.jsonl` beside the operators file instead, with the same protection
//! as the file itself (writable by its owner alone), appended and never rewritten. It
//! holds names, roles and actors, never a password or a hash.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::file::{check_safe, FileError};
use crate::Role;

/// The history file is started over (the full one kept once, as `….1.jsonl`) past this.
pub const MAX_HISTORY_BYTES: u64 = 1024 * 1024;

/// What was done to an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    PasswordChanged,
    Removed,
}

/// One change of the operators file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Unix seconds.
    pub at: u64,
    /// The OS account and host that made the change.
    pub user: String,
    pub host: String,
    pub change: ChangeKind,
    /// The operator changed, and their role (as it was for a removal).
    pub name: String,
    pub role: Role,
}

/// The history file of the operators file at `operators`.
pub fn history_path(operators: &Path) -> PathBuf {
    let stem = operators
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "operators".to_string());
    operators.with_file_name(format!("{stem}.history.jsonl"))
}

fn rotated_path(history: &Path) -> PathBuf {
    let name = history
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = name.strip_suffix(".jsonl").unwrap_or(&name);
    history.with_file_name(format!("{base}.1.jsonl"))
}

/// Whether the history of `operators` can be appended to: absent (it will be made), or
/// a file only its owner can write. Asked before the operators file is changed, so that
/// a change is not made that could not be recorded.
pub fn check(operators: &Path) -> Result<(), FileError> {
    let path = history_path(operators);
    match std::fs::metadata(&path) {
        Ok(metadata) => check_safe(&path, &metadata),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(FileError::Io { path, source }),
    }
}

/// Appends `change` to the history of `operators` (made 0600 on Unix when new), synced.
pub fn append(operators: &Path, change: &Change) -> Result<(), FileError> {
    let path = history_path(operators);
    let io = |source| FileError::Io {
        path: path.clone(),
        source,
    };
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > MAX_HISTORY_BYTES) {
        std::fs::rename(&path, rotated_path(&path)).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(io)?;
    // Checked on the open file: the file checked is the file written.
    check_safe(&path, &file.metadata().map_err(io)?)?;
    let mut line = serde_json::to_vec(change).expect("a change serializes");
    line.push(b'\n');
    file.write_all(&line).map_err(io)?;
    file.sync_all().map_err(io)
}

/// The changes recorded for `operators`, oldest first (the current file; a started-over
/// one's older part is in `….1.jsonl`). A line that does not parse is refused, with its
/// number: the history is not silently shortened.
pub fn read(operators: &Path) -> Result<Vec<Change>, FileError> {
    let path = history_path(operators);
    let io = |source| FileError::Io {
        path: path.clone(),
        source,
    };
    let mut file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(io(source)),
    };
    check_safe(&path, &file.metadata().map_err(io)?)?;
    let mut text = String::new();
    (&mut file)
        .take(2 * MAX_HISTORY_BYTES)
        .read_to_string(&mut text)
        .map_err(io)?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|e| FileError::FileInvalid {
                path: path.clone(),
                why: format!("line {} is not a change: {e}", index + 1),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: ChangeKind, name: &str) -> Change {
        Change {
            at: 1_700_000_000,
            user: "eng".into(),
            host: "room-1".into(),
            change: kind,
            name: name.into(),
            role: Role::Operator,
        }
    }

    #[test]
    fn changes_are_appended_beside_the_file_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let operators = dir.path().join("operators.json");
        assert_eq!(
            history_path(&operators),
            dir.path().join("operators.history.jsonl")
        );
        assert!(read(&operators).unwrap().is_empty());
        append(&operators, &change(ChangeKind::Added, "ana")).unwrap();
        append(&operators, &change(ChangeKind::Removed, "ana")).unwrap();
        let changes = read(&operators).unwrap();
        assert_eq!(
            changes,
            vec![
                change(ChangeKind::Added, "ana"),
                change(ChangeKind::Removed, "ana")
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(history_path(&operators))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_history_others_can_write_is_refused_before_and_when_appending() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let operators = dir.path().join("operators.json");
        append(&operators, &change(ChangeKind::Added, "ana")).unwrap();
        let history = history_path(&operators);
        std::fs::set_permissions(&history, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(matches!(
            check(&operators),
            Err(FileError::FileUnsafe { .. })
        ));
        assert!(matches!(
            append(&operators, &change(ChangeKind::Removed, "ana")),
            Err(FileError::FileUnsafe { .. })
        ));
        assert!(matches!(
            read(&operators),
            Err(FileError::FileUnsafe { .. })
        ));
        // Nothing was written by the refused append.
        std::fs::set_permissions(&history, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read(&operators).unwrap().len(), 1);
    }

    #[test]
    fn an_edited_line_is_refused_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let operators = dir.path().join("operators.json");
        append(&operators, &change(ChangeKind::Added, "ana")).unwrap();
        let history = history_path(&operators);
        let mut text = std::fs::read_to_string(&history).unwrap();
        text.push_str("{\"at\": \"yesterday\"}\n");
        std::fs::write(&history, text).unwrap();
        match read(&operators) {
            Err(FileError::FileInvalid { why, .. }) => assert!(why.starts_with("line 2"), "{why}"),
            other => panic!("expected the second line refused, got {other:?}"),
        }
    }

    #[test]
    fn a_full_history_is_started_over_and_the_full_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let operators = dir.path().join("operators.json");
        let history = history_path(&operators);
        let filler = serde_json::to_string(&change(ChangeKind::Added, "filler")).unwrap() + "\n";
        let full = filler.repeat((MAX_HISTORY_BYTES as usize / filler.len()) + 2);
        std::fs::write(&history, &full).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&history, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        append(&operators, &change(ChangeKind::Removed, "ana")).unwrap();
        assert_eq!(
            read(&operators).unwrap(),
            vec![change(ChangeKind::Removed, "ana")]
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("operators.history.1.jsonl")).unwrap(),
            full
        );
    }
}
