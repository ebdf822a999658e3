//! The password in memory, and its Argon2id hash on disk: `Password` never shows itself
//! (its `Debug` prints `***`) and is wiped when dropped; `hash` and `verify` are the only
//! code that reads it.

use std::fmt;
use std::sync::OnceLock;

use argon2::{Algorithm, Argon2, Params, Version};
use password_hash::rand_core::OsRng;
use password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use zeroize::Zeroizing;

/// The longest password accepted, in bytes: far beyond any typed one, and a bound on the
/// work one sign-in attempt can ask of the hash.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A password as typed. It is never logged or printed: `Debug` is redacted, there is no
/// `Display` and no `Serialize`, and its bytes are overwritten when it is dropped.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password as typed.
    pub fn new(text: impl Into<String>) -> Password {
        Password(Zeroizing::new(text.into()))
    }

    /// A password read as one line (stdin, a terminal): the line ending is not part of it.
    pub fn from_line(mut line: String) -> Password {
        while line.ends_with('\n') || line.ends_with('\r') {
            line.pop();
        }
        Password::new(line)
    }

    /// Why this password cannot be set, if it cannot: empty, or longer than
    /// [`MAX_PASSWORD_BYTES`]. (Strength is the site's policy, not this crate's.)
    pub fn problem(&self) -> Option<&'static str> {
        if self.0.is_empty() {
            Some("the password is empty")
        } else if self.0.len() > MAX_PASSWORD_BYTES {
            Some("the password is longer than 1024 bytes")
        } else {
            None
        }
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// Whether two passwords typed (a password and its confirmation) are the same.
pub fn same(a: &Password, b: &Password) -> bool {
    a.bytes() == b.bytes()
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Argon2id, version 0x13, the OWASP parameters (m = 19 456 KiB, t = 2, p = 1), which are
/// the `argon2` crate's defaults; named here so that a change of the crate's defaults
/// does not silently change what the site's file holds.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("the OWASP parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) of `password` with a fresh
/// random salt from the OS.
pub(crate) fn hash(password: &Password) -> Result<String, password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2().hash_password(password.bytes(), &salt)?.to_string())
}

/// Whether `phc` is an Argon2id PHC string this crate can verify against.
pub(crate) fn check_phc(phc: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(phc).map_err(|e| format!("not a PHC string: {e}"))?;
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return Err(format!(
            "the hash is {}, not argon2id",
            parsed.algorithm.as_str()
        ));
    }
    if parsed.hash.is_none() {
        return Err("the PHC string holds no hash".to_string());
    }
    Params::try_from(&parsed).map_err(|e| format!("its Argon2 parameters: {e}"))?;
    Ok(())
}

/// Whether `password` matches `phc` (in constant time, inside the crate). A string that
/// does not parse never matches.
pub(crate) fn verify(password: &Password, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2().verify_password(password.bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Runs one verification against a hash of a password nobody has, for a name that is
/// not in the file, so that an unknown name costs as long as a wrong password and the
/// time of an answer does not tell which names exist.
pub(crate) fn verify_dummy(password: &Password) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| {
        hash(&Password::new(
            "no operator has this password: it is never compared",
        ))
        .expect("hashing a fixed password with a fresh salt works")
    });
    let _ = verify(password, phc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = Password::new("hunter2");
        assert_eq!(format!("{password:?}"), "Password(***)");
        assert!(!format!("{:?}", Some(&password)).contains("hunter2"));
    }

    #[test]
    fn a_line_read_from_stdin_loses_its_line_ending_only() {
        let password = Password::from_line(" pass word \r\n".to_string());
        assert_eq!(password.bytes(), b" pass word ");
    }

    #[test]
    fn a_hash_is_an_argon2id_phc_string_with_the_owasp_parameters_that_verifies() {
        let password = Password::new("correct horse");
        let phc = hash(&password).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        check_phc(&phc).unwrap();
        assert!(verify(&password, &phc));
        assert!(!verify(&Password::new("correct horse "), &phc));
        assert_ne!(hash(&password).unwrap(), phc, "each hash has its own salt");
    }

    #[test]
    fn a_hash_of_another_algorithm_is_refused() {
        let argon2i = "$argon2i$v=19$m=16,t=2,p=1$c29tZXNhbHQ$Y29uY2F0ZW5hdGVk";
        assert!(check_phc(argon2i).unwrap_err().contains("not argon2id"));
        assert!(check_phc("plain text").is_err());
    }

    #[test]
    fn an_empty_or_huge_password_has_a_problem() {
        assert!(Password::new("").problem().is_some());
        assert!(Password::new("x".repeat(1025)).problem().is_some());
        assert!(Password::new("x").problem().is_none());
    }
}
