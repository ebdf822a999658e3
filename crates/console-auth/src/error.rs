//! `AuthError`: why a sign-in, an action or a re-authentication was refused, with the
//! stable code the window's `{code, message}` carries.

use crate::file::FileError;
use crate::role::{Action, Role};

/// Why the gate said no.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A wrong password or a name that does not exist: one answer for both, so that
    /// the answer does not tell which names exist.
    #[error("wrong name or password")]
    BadCredentials,
    /// Too many failures for this name; attempts are refused unchecked until `until`.
    #[error("too many failed attempts: signing in as this operator is locked for another {remaining_seconds} s")]
    LockedOut {
        /// Unix seconds.
        until: u64,
        remaining_seconds: u64,
    },
    /// Nobody is signed in (or the operator was signed out when idle).
    #[error("nobody is signed in")]
    NotSignedIn,
    /// The signed-in operator's role may not take the action.
    #[error("a {role} may not {}", action_words(*action))]
    Forbidden { role: Role, action: Action },
    /// The relay is critical and no reason was given.
    #[error("this relay is critical: give a reason")]
    ReasonRequired,
    /// The reason given cannot be recorded as it is.
    #[error("the reason {why}")]
    ReasonInvalid { why: &'static str },
    /// The operators file could not be read or is refused.
    #[error(transparent)]
    File(#[from] FileError),
    /// The failure log could not be read or written: the attempt is refused rather than
    /// let through uncounted.
    #[error("the sign-in failure log {path}: {source}")]
    FailureLog {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// An action in words, for `Forbidden`'s message.
fn action_words(action: Action) -> &'static str {
    match action {
        Action::SwitchRelay => "switch relays",
        Action::Acknowledge => "acknowledge alarms",
        Action::Shelve => "shelve alarms",
        Action::Silence => "silence the horn",
        Action::ResetLatched => "reset latched alarms",
        Action::OutOfService => "take alarms out of service",
        Action::Settings => "change the settings",
        Action::AlarmConfig => "change the alarm configuration",
        Action::ManageOperators => "manage operators",
    }
}

impl AuthError {
    /// The stable code for the window and scripts: `bad_credentials`, `locked_out`,
    /// `not_signed_in`, `forbidden`, `reason_required`, `reason_invalid`, `file_unsafe`,
    /// `file_invalid`, `operator_invalid` (an edit the file refused) or `io`.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::BadCredentials => "bad_credentials",
            AuthError::LockedOut { .. } => "locked_out",
            AuthError::NotSignedIn => "not_signed_in",
            AuthError::Forbidden { .. } => "forbidden",
            AuthError::ReasonRequired => "reason_required",
            AuthError::ReasonInvalid { .. } => "reason_invalid",
            AuthError::File(error) => error.code(),
            AuthError::FailureLog { .. } => "io",
        }
    }
}

impl FileError {
    /// The stable code of a file error (see [`AuthError::code`]).
    pub fn code(&self) -> &'static str {
        match self {
            FileError::FileUnsafe { .. } => "file_unsafe",
            FileError::FileInvalid { .. } => "file_invalid",
            FileError::Io { .. } => "io",
            FileError::Exists { .. }
            | FileError::NoSuchOperator { .. }
            | FileError::NameInvalid { .. }
            | FileError::PasswordInvalid { .. }
            | FileError::TooMany => "operator_invalid",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_stable_code_and_a_sentence() {
        let cases: Vec<(AuthError, &str)> = vec![
            (AuthError::BadCredentials, "bad_credentials"),
            (
                AuthError::LockedOut {
                    until: 10,
                    remaining_seconds: 5,
                },
                "locked_out",
            ),
            (AuthError::NotSignedIn, "not_signed_in"),
            (
                AuthError::Forbidden {
                    role: Role::Viewer,
                    action: Action::SwitchRelay,
                },
                "forbidden",
            ),
            (AuthError::ReasonRequired, "reason_required"),
            (
                AuthError::File(FileError::FileUnsafe {
                    path: "x".into(),
                    why: "y".into(),
                }),
                "file_unsafe",
            ),
            (
                AuthError::File(FileError::FileInvalid {
                    path: "x".into(),
                    why: "y".into(),
                }),
                "file_invalid",
            ),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code);
            assert!(!error.to_string().is_empty());
        }
        let forbidden = AuthError::Forbidden {
            role: Role::Viewer,
            action: Action::SwitchRelay,
        };
        assert_eq!(forbidden.to_string(), "a viewer may not switch relays");
    }
}
