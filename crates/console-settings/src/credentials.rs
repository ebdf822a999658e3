//! Where the plant's access token is kept: the OS keyring (Secret Service on Linux,
//! Credential Manager on Windows) through the `keyring` crate, or, where no keyring
//! answers, a file in the data folder that only the user can read.
//!
//! The file is the user's alone: mode 0600 on Unix; on Windows an access list with one
//! entry, the user, protected from the folder's inherited entries (see `acl.rs`). A file
//! found wider is narrowed when read.
//!
//! Tokens are kept per plant address, so a token entered for one plant is never sent to
//! another. Every call here may block on D-Bus or the disk: call it off the runtime.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::settings::FieldError;
use plant_link::config::{PlantUrl, Secret};

/// The keyring's service name for the console's entries.
const SERVICE: &str = "plant-console";

/// The fallback file's name in the data folder.
pub const TOKEN_FILE: &str = "tokens.json";

/// Set to `off` to keep tokens in the file even where a keyring exists (a kiosk account
/// whose keyring is never unlocked, for instance).
pub const KEYRING_ENV: &str = "PLANT_CONSOLE_KEYRING";

/// The longest token accepted; the plant's are far shorter.
const MAX_TOKEN_BYTES: usize = 4096;

/// The keyring the `keyring` crate talks to on this platform, by the name its users know.
#[cfg(target_os = "windows")]
pub const KEYRING_NAME: &str = "Windows Credential Manager";
#[cfg(target_os = "macos")]
pub const KEYRING_NAME: &str = "the macOS Keychain";
#[cfg(not(any(target_os = "windows", target_os = "macos")))]
pub const KEYRING_NAME: &str = "the Secret Service keyring";

/// Where a token entered now would be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TokenStorage {
    Keyring,
    File,
}

/// Why a token could not be read, kept or removed.
#[derive(Debug, Error)]
pub enum CredentialError {
    #[error("the OS keyring failed: {0}")]
    Keyring(String),
    #[error("the token file {path} cannot be used: {message}")]
    File { path: PathBuf, message: String },
}

/// The token store of one data folder.
#[derive(Debug)]
pub struct TokenVault {
    file: PathBuf,
    /// `None` when the keyring works; otherwise why it is not used.
    keyring_problem: Option<String>,
}

impl TokenVault {
    /// Opens the vault, asking the keyring once whether it answers (a D-Bus round trip
    /// on Linux): where it does not, tokens go to the file and [`Self::keyring_problem`]
    /// says why.
    pub fn open(data_dir: &Path) -> TokenVault {
        let keyring_problem = if std::env::var(KEYRING_ENV).is_ok_and(|v| v == "off") {
            Some(format!("turned off by {KEYRING_ENV}=off"))
        } else {
            probe_keyring().err()
        };
        if let Some(problem) = &keyring_problem {
            tracing::info!(%problem, "no OS keyring; tokens are kept in a private file");
        }
        TokenVault {
            file: data_dir.join(TOKEN_FILE),
            keyring_problem,
        }
    }

    pub fn storage(&self) -> TokenStorage {
        if self.keyring_problem.is_none() {
            TokenStorage::Keyring
        } else {
            TokenStorage::File
        }
    }

    /// The store a token entered now goes to, named for people: the platform's keyring
    /// ([`KEYRING_NAME`]) or the token file.
    pub fn store_name(&self) -> &'static str {
        match self.storage() {
            TokenStorage::Keyring => KEYRING_NAME,
            TokenStorage::File => "the token file",
        }
    }

    pub fn keyring_problem(&self) -> Option<&str> {
        self.keyring_problem.as_deref()
    }

    pub fn file_path(&self) -> &Path {
        &self.file
    }

    /// The token kept for `plant`: the keyring's, else the file's (one kept there while
    /// no keyring answered still works).
    pub fn get(&self, plant: &PlantUrl) -> Result<Option<Secret>, CredentialError> {
        if self.keyring_problem.is_none() {
            match entry(plant)?.get_password() {
                Ok(token) => return Ok(Some(Secret::new(token))),
                Err(keyring::Error::NoEntry) => {}
                Err(error) => return Err(CredentialError::Keyring(error.to_string())),
            }
        }
        Ok(self
            .read_file()?
            .remove(&plant.to_string())
            .map(Secret::new))
    }

    /// Keeps `token` for `plant` where [`Self::storage`] says, and removes any copy from
    /// the other place.
    pub fn set(&self, plant: &PlantUrl, token: &Secret) -> Result<TokenStorage, CredentialError> {
        let key = plant.to_string();
        match self.storage() {
            TokenStorage::Keyring => {
                entry(plant)?
                    .set_password(token.expose())
                    .map_err(|e| CredentialError::Keyring(e.to_string()))?;
                let mut tokens = self.read_file()?;
                if tokens.remove(&key).is_some() {
                    self.write_file(&tokens)?;
                }
            }
            TokenStorage::File => {
                let mut tokens = self.read_file()?;
                tokens.insert(key, token.expose().to_owned());
                self.write_file(&tokens)?;
            }
        }
        Ok(self.storage())
    }

    /// Forgets the token of `plant` everywhere it may be.
    pub fn clear(&self, plant: &PlantUrl) -> Result<(), CredentialError> {
        if self.keyring_problem.is_none() {
            match entry(plant)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => {}
                Err(error) => return Err(CredentialError::Keyring(error.to_string())),
            }
        }
        let mut tokens = self.read_file()?;
        if tokens.remove(&plant.to_string()).is_some() {
            self.write_file(&tokens)?;
        }
        Ok(())
    }

    fn file_error(&self, message: impl ToString) -> CredentialError {
        CredentialError::File {
            path: self.file.clone(),
            message: message.to_string(),
        }
    }

    fn read_file(&self) -> Result<BTreeMap<String, String>, CredentialError> {
        let text = match std::fs::read_to_string(&self.file) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(BTreeMap::new())
            }
            Err(error) => return Err(self.file_error(error)),
        };
        restrict(&self.file).map_err(|e| self.file_error(e))?;
        serde_json::from_str(&text).map_err(|e| self.file_error(e))
    }

    /// Writes the whole map to a new file created readable by the user alone, then
    /// renames it over the old one: the token is never on disk with wider permissions,
    /// and a crash leaves the old file or the new one.
    fn write_file(&self, tokens: &BTreeMap<String, String>) -> Result<(), CredentialError> {
        let write = || -> std::io::Result<()> {
            if let Some(dir) = self.file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let temporary = self.file.with_extension("json.new");
            let _ = std::fs::remove_file(&temporary);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(&temporary)?;
            // On Windows the new file would inherit the data folder's access list (in a
            // profile: the user, SYSTEM and administrators; elsewhere, whatever the folder
            // grants). It is narrowed to the user alone while still empty, before the
            // secret is written; the rename below keeps that list.
            #[cfg(windows)]
            crate::acl::restrict_to_current_user(&temporary)?;
            let text = serde_json::to_string_pretty(tokens).map_err(std::io::Error::other)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temporary, &self.file)
        };
        write().map_err(|e| self.file_error(e))
    }
}

/// Narrows a token file that someone made readable by others back to the user alone.
fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "token file was readable by others; set to 0600");
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(windows)]
    {
        let dacl = crate::acl::read(path)?;
        if !dacl.is_current_user_only() {
            tracing::warn!(path = %path.display(), entries = dacl.entries.as_ref().map_or(0, Vec::len), protected = dacl.protected, "token file was open to others; narrowed to this user alone");
            crate::acl::restrict_to_current_user(path)?;
        }
    }
    #[cfg(not(any(unix, windows)))]
    let _ = path;
    Ok(())
}

fn entry(plant: &PlantUrl) -> Result<keyring::Entry, CredentialError> {
    keyring::Entry::new(SERVICE, &plant.to_string())
        .map_err(|e| CredentialError::Keyring(e.to_string()))
}

/// Whether the keyring takes a secret: a probe entry is written and removed. Reading is
/// not enough: a session bus can start a Secret Service whose keyring is locked, with no
/// one to unlock it (a kiosk, a service account), which lists entries but stores none.
fn probe_keyring() -> Result<(), String> {
    let entry = keyring::Entry::new(SERVICE, "probe").map_err(|e| e.to_string())?;
    entry
        .set_password("probe")
        .map_err(|e| format!("the keyring does not store secrets: {e}"))?;
    match entry.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(error.to_string()),
    }
}

/// Checks a token typed by the operator.
pub fn validate_token(token: &str) -> Result<(), FieldError> {
    let problem = if token.trim().is_empty() {
        Some("the token is empty")
    } else if token.len() > MAX_TOKEN_BYTES {
        Some("the token is longer than 4096 bytes")
    } else if token.chars().any(char::is_control) || token.trim() != token {
        Some("the token has spaces at its ends or control characters; paste it again")
    } else {
        None
    };
    match problem {
        Some(message) => Err(FieldError {
            field: "token".into(),
            message: message.into(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_vault(dir: &Path) -> TokenVault {
        TokenVault {
            file: dir.join(TOKEN_FILE),
            keyring_problem: Some("none in this test".into()),
        }
    }

    #[test]
    fn a_token_kept_in_the_file_is_readable_by_the_user_alone() {
        let dir = tempfile::tempdir().unwrap();
        let vault = file_vault(dir.path());
        let plant = PlantUrl::parse("http://plant-a:5000").unwrap();
        assert_eq!(
            vault.set(&plant, &Secret::new("s3cret")).unwrap(),
            TokenStorage::File
        );
        assert_eq!(vault.get(&plant).unwrap(), Some(Secret::new("s3cret")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(vault.file_path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_token_belongs_to_one_plant_address() {
        let dir = tempfile::tempdir().unwrap();
        let vault = file_vault(dir.path());
        let a = PlantUrl::parse("http://plant-a:5000").unwrap();
        let b = PlantUrl::parse("http://plant-b:5000").unwrap();
        vault.set(&a, &Secret::new("for-a")).unwrap();
        assert_eq!(vault.get(&b).unwrap(), None);
        vault.clear(&a).unwrap();
        assert_eq!(vault.get(&a).unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_token_file_opened_to_others_is_narrowed_when_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let vault = file_vault(dir.path());
        std::fs::write(vault.file_path(), "{}").unwrap();
        std::fs::set_permissions(vault.file_path(), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let plant = PlantUrl::parse("http://plant-a:5000").unwrap();
        assert_eq!(vault.get(&plant).unwrap(), None);
        let mode = std::fs::metadata(vault.file_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[cfg(windows)]
    #[test]
    fn a_token_kept_in_the_file_has_an_access_list_of_the_user_alone() {
        if crate::acl::skip_under_wine(
            "a_token_kept_in_the_file_has_an_access_list_of_the_user_alone",
        ) {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let vault = file_vault(dir.path());
        let plant = PlantUrl::parse("http://plant-a:5000").unwrap();
        vault.set(&plant, &Secret::new("s3cret")).unwrap();
        let dacl = crate::acl::read(vault.file_path()).unwrap();
        assert!(
            dacl.protected,
            "no entry is inherited from the folder: {dacl:?}"
        );
        assert_eq!(dacl.entries.as_ref().map(Vec::len), Some(1), "{dacl:?}");
        assert!(dacl.is_current_user_only(), "{dacl:?}");
        assert_eq!(vault.get(&plant).unwrap(), Some(Secret::new("s3cret")));
    }

    #[cfg(windows)]
    #[test]
    fn a_token_file_opened_to_everyone_is_narrowed_when_read() {
        if crate::acl::skip_under_wine("a_token_file_opened_to_everyone_is_narrowed_when_read") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let vault = file_vault(dir.path());
        std::fs::write(vault.file_path(), "{}").unwrap();
        crate::acl::open_to_everyone(vault.file_path()).unwrap();
        assert!(!crate::acl::read(vault.file_path())
            .unwrap()
            .is_current_user_only());
        let plant = PlantUrl::parse("http://plant-a:5000").unwrap();
        assert_eq!(vault.get(&plant).unwrap(), None);
        let dacl = crate::acl::read(vault.file_path()).unwrap();
        assert!(dacl.is_current_user_only(), "{dacl:?}");
    }

    #[test]
    fn the_store_is_named_as_the_platform_calls_it() {
        let keyring = if cfg!(windows) {
            "Windows Credential Manager"
        } else if cfg!(target_os = "macos") {
            "the macOS Keychain"
        } else {
            "the Secret Service keyring"
        };
        assert_eq!(KEYRING_NAME, keyring);
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(file_vault(dir.path()).store_name(), "the token file");
    }

    #[test]
    fn tokens_with_blanks_or_control_characters_are_refused() {
        assert!(validate_token("abc123").is_ok());
        for bad in ["", "   ", " abc", "abc\n", "a\u{7}b"] {
            assert_eq!(validate_token(bad).unwrap_err().field, "token", "{bad:?}");
        }
        assert!(validate_token(&"x".repeat(4097)).is_err());
    }
}
