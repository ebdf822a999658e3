//! The operators file: its JSON shape, its bounds, the check that nobody else can write
//! to it, and its atomic save. The only I/O in the crate besides the failure log.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::password::{self, Password};
use crate::role::Role;

/// The file format this crate reads and writes.
pub const VERSION: u32 = 1;
/// The largest operators file read: a thousand operators fit many times over; anything
/// larger is not the file an engineer deployed.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// The most operators one file may hold.
pub const MAX_OPERATORS: usize = 1000;
/// The longest operator name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// The longest critical relay id, in characters (the core's id bound is smaller).
const MAX_RELAY_ID_CHARS: usize = 256;
/// The most critical relays one policy may list.
const MAX_CRITICAL_RELAYS: usize = 10_000;

/// What went wrong reading, checking, changing or writing the operators file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could be written by someone other than its owner (or root): the
    /// console will not take its roles from it.
    #[error("the operators file {} is not safe: {why}", path.display())]
    FileUnsafe { path: PathBuf, why: String },
    /// The file is not a version-1 operators file within the bounds.
    #[error("the operators file {} is not valid: {why}", path.display())]
    FileInvalid { path: PathBuf, why: String },
    /// Reading or writing the file failed.
    #[error("the operators file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `add` of a name the file already has.
    #[error("there is already an operator named {name:?}")]
    Exists { name: String },
    /// `passwd` or `remove` of a name the file does not have.
    #[error("there is no operator named {name:?}")]
    NoSuchOperator { name: String },
    /// A name that cannot be an operator's.
    #[error("{name:?} cannot be an operator's name: {why}")]
    NameInvalid { name: String, why: &'static str },
    /// A password that cannot be set.
    #[error("{why}")]
    PasswordInvalid { why: &'static str },
    /// The file already holds the most operators it may.
    #[error("the operators file holds {MAX_OPERATORS} operators, the most it may")]
    TooMany,
}

/// The site's sign-in policy; every field may be left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Seconds without operator activity after which the operator is signed out
    /// (viewing goes on). 0: never.
    pub idle_sign_out_seconds: u64,
    /// Whether each control action asks for the signed-in operator's password again.
    pub reauthenticate: bool,
    /// Relays for which a control action also needs a reason.
    pub critical_relays: Vec<String>,
    /// Failed sign-ins for one name within `lockout_seconds` that lock it out.
    pub max_failures: u32,
    /// How long a lock-out lasts, and the window in which failures are counted.
    pub lockout_seconds: u64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            idle_sign_out_seconds: 900,
            reauthenticate: true,
            critical_relays: Vec::new(),
            max_failures: 5,
            lockout_seconds: 300,
        }
    }
}

impl Policy {
    /// Whether `relay_id` is one of the critical relays.
    pub fn is_critical(&self, relay_id: &str) -> bool {
        self.critical_relays.iter().any(|r| r == relay_id)
    }

    fn problem(&self) -> Option<String> {
        if self.max_failures == 0 {
            return Some("policy.max_failures must be at least 1".to_string());
        }
        if self.lockout_seconds == 0 {
            return Some("policy.lockout_seconds must be at least 1".to_string());
        }
        // Bounds so that `now + seconds` can never overflow and a typo of a few zeros
        // is not a lock-out for ever.
        const DAY: u64 = 86_400;
        if self.lockout_seconds > DAY {
            return Some("policy.lockout_seconds may be a day at most".to_string());
        }
        if self.idle_sign_out_seconds > 7 * DAY {
            return Some("policy.idle_sign_out_seconds may be a week at most".to_string());
        }
        if self.critical_relays.len() > MAX_CRITICAL_RELAYS {
            return Some(format!(
                "policy.critical_relays lists more than {MAX_CRITICAL_RELAYS} relays"
            ));
        }
        if let Some(id) = self.critical_relays.iter().find(|id| {
            id.is_empty()
                || id.chars().count() > MAX_RELAY_ID_CHARS
                || id.chars().any(char::is_control)
        }) {
            return Some(format!("policy.critical_relays: {id:?} is not a relay id"));
        }
        None
    }
}

/// One operator: a name, a role and the Argon2id PHC string of their password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    pub name: String,
    pub role: Role,
    pub hash: String,
}

/// The operators file: `{"version":1,"policy":{…},"operators":[{"name","role","hash"}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorsFile {
    pub version: u32,
    #[serde(default)]
    pub policy: Policy,
    #[serde(default)]
    operators: Vec<Operator>,
}

impl Default for OperatorsFile {
    fn default() -> OperatorsFile {
        OperatorsFile {
            version: VERSION,
            policy: Policy::default(),
            operators: Vec::new(),
        }
    }
}

/// Why `name` cannot be an operator's, if it cannot: 1–64 characters, no control
/// characters, none of the invisible ones that reorder or hide text (so that two names
/// that look alike in the audit trail are the same name), and no spaces at either end.
pub fn name_problem(name: &str) -> Option<&'static str> {
    let count = name.chars().count();
    if count == 0 {
        Some("it is empty")
    } else if count > MAX_NAME_CHARS {
        Some("it is longer than 64 characters")
    } else if name.chars().any(char::is_control) {
        Some("it holds a control character")
    } else if name.chars().any(is_invisible) {
        Some("it holds an invisible formatting character")
    } else if name.trim() != name {
        Some("it starts or ends with a space")
    } else {
        None
    }
}

/// Zero-width and bidirectional formatting characters.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}'
        | '\u{FEFF}')
}

impl OperatorsFile {
    /// An empty file with the default policy.
    pub fn new() -> OperatorsFile {
        OperatorsFile::default()
    }

    /// The operators, in the file's order.
    pub fn operators(&self) -> &[Operator] {
        &self.operators
    }

    /// The operator named `name` (names are compared exactly).
    pub fn find(&self, name: &str) -> Option<&Operator> {
        self.operators.iter().find(|o| o.name == name)
    }

    /// Adds an operator with a fresh hash of `password`.
    pub fn add(&mut self, name: &str, role: Role, password: &Password) -> Result<(), FileError> {
        if let Some(why) = name_problem(name) {
            return Err(FileError::NameInvalid {
                name: name.to_string(),
                why,
            });
        }
        if self.find(name).is_some() {
            return Err(FileError::Exists {
                name: name.to_string(),
            });
        }
        if self.operators.len() >= MAX_OPERATORS {
            return Err(FileError::TooMany);
        }
        let hash = hash(password)?;
        self.operators.push(Operator {
            name: name.to_string(),
            role,
            hash,
        });
        Ok(())
    }

    /// Sets a new password (a fresh salt and hash) for `name`.
    pub fn set_password(&mut self, name: &str, password: &Password) -> Result<(), FileError> {
        let hash = hash(password)?;
        let operator = self
            .operators
            .iter_mut()
            .find(|o| o.name == name)
            .ok_or_else(|| FileError::NoSuchOperator {
                name: name.to_string(),
            })?;
        operator.hash = hash;
        Ok(())
    }

    /// Removes `name`; returns the role they had.
    pub fn remove(&mut self, name: &str) -> Result<Role, FileError> {
        let index = self
            .operators
            .iter()
            .position(|o| o.name == name)
            .ok_or_else(|| FileError::NoSuchOperator {
                name: name.to_string(),
            })?;
        Ok(self.operators.remove(index).role)
    }

    /// Reads and checks the file at `path`: it must be safe (see [`check_safe`]), at most
    /// [`MAX_FILE_BYTES`], version 1, with valid, distinct names, known roles, Argon2id
    /// hashes and a sane policy.
    pub fn load(path: &Path) -> Result<OperatorsFile, FileError> {
        let io = |source| FileError::Io {
            path: path.to_path_buf(),
            source,
        };
        let invalid = |why: String| FileError::FileInvalid {
            path: path.to_path_buf(),
            why,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        // The check is on the open file, so the file checked is the file read.
        check_safe(path, &file.metadata().map_err(io)?)?;
        let mut bytes = Vec::new();
        (&mut file)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(invalid("it is larger than 1 MiB".to_string()));
        }
        OperatorsFile::from_json(&bytes).map_err(invalid)
    }

    /// Parses and checks the file's bytes; the error says why it is not valid.
    pub fn from_json(bytes: &[u8]) -> Result<OperatorsFile, String> {
        // The version is read first, so that a newer file is refused as newer rather
        // than for a field this version does not know.
        #[derive(Deserialize)]
        struct Versioned {
            version: Option<u32>,
        }
        let versioned: Versioned =
            serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        match versioned.version {
            Some(VERSION) => {}
            Some(other) => return Err(format!("version {other}, this console reads version 1")),
            None => return Err("no \"version\"".to_string()),
        }
        let file: OperatorsFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        file.problem().map_or(Ok(file), Err)
    }

    fn problem(&self) -> Option<String> {
        if let Some(why) = self.policy.problem() {
            return Some(why);
        }
        if self.operators.len() > MAX_OPERATORS {
            return Some(format!("more than {MAX_OPERATORS} operators"));
        }
        let mut names = BTreeSet::new();
        for operator in &self.operators {
            if let Some(why) = name_problem(&operator.name) {
                return Some(format!("the name {:?}: {why}", operator.name));
            }
            if !names.insert(operator.name.as_str()) {
                return Some(format!("the name {:?} is there twice", operator.name));
            }
            if let Err(why) = password::check_phc(&operator.hash) {
                return Some(format!("the hash of {:?}: {why}", operator.name));
            }
        }
        None
    }

    /// Writes the file atomically: a new file beside it (mode 0600 on Unix, or the mode
    /// of the file it replaces without write for others, so that a site file readable by
    /// the consoles' accounts stays readable), synced, then renamed over the old one; a
    /// crash leaves the old file or the new one, never half of one.
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        let io = |source| FileError::Io {
            path: path.to_path_buf(),
            source,
        };
        let text = serde_json::to_string_pretty(self).expect("the file serializes");
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let name = path
            .file_name()
            .ok_or_else(|| io(std::io::Error::other("the path names no file")))?;
        let mut temporary_name = name.to_os_string();
        temporary_name.push(".new");
        let temporary = dir.join(temporary_name);
        let _ = std::fs::remove_file(&temporary);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            let mode = match std::fs::metadata(path) {
                Ok(old) => old.permissions().mode() & 0o744,
                Err(_) => 0o600,
            };
            options.mode(mode);
        }
        let write = || -> std::io::Result<()> {
            let mut file = options.open(&temporary)?;
            file.write_all(text.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&temporary, path)?;
            // The rename is durable once the folder is synced (Unix; Windows has no
            // folder handle to sync and makes the rename durable itself).
            #[cfg(unix)]
            std::fs::File::open(&dir)?.sync_all()?;
            Ok(())
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            io(e)
        })
    }

    /// The role of `name` if `password` is theirs. An unknown name still costs one
    /// Argon2 verification, so that the time of the answer does not tell names apart.
    pub fn verify(&self, name: &str, password: &Password) -> Option<Role> {
        match self.find(name) {
            Some(operator) => password::verify(password, &operator.hash).then_some(operator.role),
            None => {
                password::verify_dummy(password);
                None
            }
        }
    }
}

fn hash(password: &Password) -> Result<String, FileError> {
    if let Some(why) = password.problem() {
        return Err(FileError::PasswordInvalid { why });
    }
    password::hash(password).map_err(|_| FileError::PasswordInvalid {
        why: "the password could not be hashed",
    })
}

/// Refuses an operators file that someone other than its owner could change.
///
/// On Unix: a file writable by its group or by everyone (mode & 0o022) is refused, and so
/// is one in a folder that others may write to without the sticky bit (they could put
/// another file in its place). Group-writable is refused too: whether a group holds only
/// the owner cannot be told from the file, a site file is deployed by root (0644 or
/// 0640), and the console's own saves never set it, so the only cost is one `chmod g-w`.
/// On Linux the owner must also be root or the user running the console.
///
/// On Windows the file's access list is not read: no safe, maintained crate reads a
/// DACL without unsafe code of our own, and this crate forbids unsafe code. The file's
/// safety there rests on `%ProgramData%\plant-console` being created by the installer
/// with an access list that lets only administrators write (documented in the README);
/// the read-only attribute is not a protection and is not checked.
pub(crate) fn check_safe(path: &Path, metadata: &std::fs::Metadata) -> Result<(), FileError> {
    let unsafe_because = |why: String| FileError::FileUnsafe {
        path: path.to_path_buf(),
        why,
    };
    if !metadata.is_file() {
        return Err(unsafe_because("it is not a regular file".to_string()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let mode = metadata.permissions().mode();
        if mode & 0o002 != 0 {
            return Err(unsafe_because(format!(
                "anyone can write to it (mode {:o}); make it writable by its owner alone (chmod go-w)",
                mode & 0o777
            )));
        }
        if mode & 0o020 != 0 {
            return Err(unsafe_because(format!(
                "its group can write to it (mode {:o}); make it writable by its owner alone (chmod go-w)",
                mode & 0o777
            )));
        }
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if let Ok(folder) = std::fs::metadata(dir) {
            let folder_mode = folder.permissions().mode();
            if folder_mode & 0o022 != 0 && folder_mode & 0o1000 == 0 {
                return Err(unsafe_because(format!(
                    "others can write to its folder {} (mode {:o}), and so replace it",
                    dir.display(),
                    folder_mode & 0o7777
                )));
            }
        }
        #[cfg(target_os = "linux")]
        if let Ok(me) = std::fs::metadata("/proc/self").map(|m| m.uid()) {
            let owner = metadata.uid();
            if owner != 0 && owner != me {
                return Err(unsafe_because(format!(
                    "it belongs to user {owner}, neither root nor the user running the console"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(names: &[(&str, Role)]) -> OperatorsFile {
        let mut file = OperatorsFile::new();
        for (name, role) in names {
            file.add(name, *role, &Password::new(format!("pw of {name}")))
                .unwrap();
        }
        file
    }

    #[test]
    fn a_saved_file_holds_argon2id_phc_strings_and_never_the_clear_password() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("operators.json");
        let mut file = OperatorsFile::new();
        file.add(
            "Ana",
            Role::Operator,
            &Password::new("s3cret-horse-battery"),
        )
        .unwrap();
        file.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            !bytes
                .windows(b"s3cret-horse-battery".len())
                .any(|w| w == b"s3cret-horse-battery"),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["operators"][0]["name"], "Ana");
        assert_eq!(json["operators"][0]["role"], "operator");
        let hash = json["operators"][0]["hash"].as_str().unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let loaded = OperatorsFile::load(&path).unwrap();
        assert_eq!(loaded, file);
        assert_eq!(
            loaded.verify("Ana", &Password::new("s3cret-horse-battery")),
            Some(Role::Operator)
        );
        assert!(!dir.path().join("operators.json.new").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_saved_readable_by_its_owner_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("operators.json");
        OperatorsFile::new().save(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A site file deployed readable by the consoles' accounts stays readable.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        OperatorsFile::new().save(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn a_world_writable_file_is_refused_as_unsafe() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("operators.json");
        file_with(&[("ana", Role::Engineer)]).save(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let error = OperatorsFile::load(&path).unwrap_err();
        assert!(matches!(error, FileError::FileUnsafe { .. }), "{error:?}");
        assert!(
            error.to_string().contains("anyone can write to it"),
            "{error}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_group_writable_file_is_refused_as_unsafe() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("operators.json");
        OperatorsFile::new().save(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o660)).unwrap();
        let error = OperatorsFile::load(&path).unwrap_err();
        assert!(error.to_string().contains("its group can write"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_in_a_folder_anyone_can_write_to_is_refused_unless_the_folder_is_sticky() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("operators.json");
        OperatorsFile::new().save(&path).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let error = OperatorsFile::load(&path).unwrap_err();
        assert!(error.to_string().contains("its folder"), "{error}");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
        OperatorsFile::load(&path).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }

    fn invalid(json: &str) -> String {
        OperatorsFile::from_json(json.as_bytes()).unwrap_err()
    }

    #[test]
    fn an_unknown_role_is_refused_with_a_clear_error() {
        let hash = file_with(&[("a", Role::Viewer)]).operators[0].hash.clone();
        let why = invalid(&format!(
            r#"{{"version":1,"operators":[{{"name":"a","role":"admin","hash":"{hash}"}}]}}"#
        ));
        assert!(why.contains("unknown variant `admin`"), "{why}");
        assert!(why.contains("viewer"), "{why}");
    }

    #[test]
    fn duplicate_names_bad_names_bad_hashes_and_other_versions_are_refused() {
        let hash = file_with(&[("a", Role::Viewer)]).operators[0].hash.clone();
        let one = |name: &str, hash: &str| {
            serde_json::json!({"name": name, "role": "viewer", "hash": hash}).to_string()
        };
        let twice = format!(
            r#"{{"version":1,"operators":[{},{}]}}"#,
            one("a", &hash),
            one("a", &hash)
        );
        assert!(invalid(&twice).contains("there twice"));
        let control = format!(r#"{{"version":1,"operators":[{}]}}"#, one("a\u{7}", &hash));
        assert!(invalid(&control).contains("control character"));
        let long = format!(
            r#"{{"version":1,"operators":[{}]}}"#,
            one(&"x".repeat(65), &hash)
        );
        assert!(invalid(&long).contains("longer than 64"));
        let clear = format!(r#"{{"version":1,"operators":[{}]}}"#, one("a", "hunter2"));
        assert!(invalid(&clear).contains("not a PHC string"));
        assert!(invalid(r#"{"version":2,"operators":[]}"#).contains("version 2"));
        assert!(invalid(r#"{"operators":[]}"#).contains("no \"version\""));
        assert!(invalid(r#"{"version":1,"policy":{"max_failure":3}}"#).contains("max_failure"));
        assert!(invalid(r#"{"version":1,"policy":{"max_failures":0}}"#).contains("at least 1"));
    }

    #[test]
    fn the_policy_defaults_to_the_issue_values_when_left_out() {
        let file = OperatorsFile::from_json(br#"{"version":1}"#).unwrap();
        assert_eq!(file.policy.idle_sign_out_seconds, 900);
        assert!(file.policy.reauthenticate);
        assert!(file.policy.critical_relays.is_empty());
        assert_eq!(file.policy.max_failures, 5);
        assert_eq!(file.policy.lockout_seconds, 300);
        assert!(file.operators().is_empty());
    }

    #[test]
    fn a_file_larger_than_a_mebibyte_is_refused_before_it_is_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("operators.json");
        let mut big = br#"{"version":1,"operators":[]}"#.to_vec();
        big.resize(MAX_FILE_BYTES as usize + 10, b' ');
        std::fs::write(&path, big).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let error = OperatorsFile::load(&path).unwrap_err();
        assert!(error.to_string().contains("larger than 1 MiB"), "{error}");
    }

    #[test]
    fn add_refuses_a_duplicate_and_passwd_and_remove_an_unknown_name() {
        let mut file = file_with(&[("ana", Role::Operator)]);
        let again = file.add("ana", Role::Viewer, &Password::new("x"));
        assert!(matches!(again, Err(FileError::Exists { .. })));
        assert!(matches!(
            file.add(" ana", Role::Viewer, &Password::new("x")),
            Err(FileError::NameInvalid { .. })
        ));
        assert!(matches!(
            file.add("bo", Role::Viewer, &Password::new("")),
            Err(FileError::PasswordInvalid { .. })
        ));
        assert!(matches!(
            file.set_password("bo", &Password::new("x")),
            Err(FileError::NoSuchOperator { .. })
        ));
        let old = file.find("ana").unwrap().hash.clone();
        file.set_password("ana", &Password::new("new one")).unwrap();
        assert_ne!(file.find("ana").unwrap().hash, old);
        assert_eq!(
            file.verify("ana", &Password::new("new one")),
            Some(Role::Operator)
        );
        assert_eq!(file.remove("ana").unwrap(), Role::Operator);
        assert!(matches!(
            file.remove("ana"),
            Err(FileError::NoSuchOperator { .. })
        ));
    }

    #[test]
    fn names_with_invisible_reordering_characters_are_refused() {
        assert!(name_problem("ana\u{202E}").is_some());
        assert!(name_problem("a\u{200B}na").is_some());
        assert_eq!(name_problem("علی رضایی"), None);
        assert_eq!(name_problem("Ana-Maria O'Neil"), None);
    }
}
