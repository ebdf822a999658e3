//! Plant Console's operators: who may do what, the site's operators file, and the sign-in
//! gate every control path (the window's commands, the CLI) goes through. No window, no
//! runtime, no store: the only I/O is the operators file and the failure log; time is an
//! argument (Unix seconds), so every rule is tested without sleeping.
//!
//! Layout, each module using only those above it:
//! - [`role`] — `Role` {viewer, operator, engineer} and `Action`, and `Role::may`, the one
//!   table of who may do what;
//! - [`password`] — `Password` (redacted `Debug`, wiped on drop) and its Argon2id PHC
//!   hash (OWASP parameters, a random salt from the OS);
//! - [`file`] — `OperatorsFile`, `Policy`, `Operator`: the JSON file, its bounds, its
//!   safety check (refused when others can write to it) and its atomic save; `FileError`;
//! - [`locate`] — which file a console uses: `--operators FILE`, the site file
//!   (`PLANT_OPERATORS_SITE`, else `/etc/plant-console/operators.json` or
//!   `%ProgramData%\plant-console\operators.json`), the data folder's; none: sign-in off;
//! - [`failures`] — the failed attempts per name, shared by every process of a data
//!   folder (`sign-in-failures.json` under an OS file lock), so a lock-out holds for the
//!   window and the CLI alike;
//! - [`error`] — `AuthError` and its stable `code()`;
//! - [`gate`] — `Gate`: sign-in, idle sign-out, lock-out, `authorize` and the
//!   re-authentication `challenge`, each outcome an `AuthEvent` for the audit trail.
//!
//! # Using it
//!
//! ```no_run
//! use console_auth::{locate, Action, FileFailureLog, Gate, OperatorsFile, Password};
//! # fn main() -> Result<(), console_auth::AuthError> {
//! # let data_dir = std::path::Path::new("data"); let now = 0;
//! // None: no operators file anywhere, sign-in is off and the console runs as the OS user.
//! let Some(path) = locate(None, data_dir) else { return Ok(()) };
//! let file = OperatorsFile::load(&path)?; // FileUnsafe / FileInvalid / Io
//! let log = FileFailureLog::in_data_dir(data_dir);
//! let name = log.path().display().to_string();
//! let mut gate = Gate::new(file, Box::new(log), name);
//!
//! gate.sign_in("ana", &Password::new("…"), now)?;        // BadCredentials / LockedOut
//! gate.touch(now);                                        // on each click or key
//! let who = gate.authorize(Action::SwitchRelay, now)?;    // NotSignedIn / Forbidden
//! let critical = gate.policy().is_critical("relay-7");
//! let ok = gate.challenge(Some(&Password::new("…")), Some("why"), critical, now)?;
//! for event in gate.take_events() { /* write each to the audit trail */ }
//! # Ok(()) }
//! ```
//!
//! - `gate.current(now)` is `None` once the operator was idle longer than
//!   `policy.idle_sign_out_seconds` (0: never), and queues `SignedOut{cause: idle}` once;
//!   `gate.idle_deadline()` says when that will be, for a timer.
//! - `challenge` checks the reason first (`ReasonRequired` for a critical relay without
//!   one, `ReasonInvalid` past 200 characters or with control characters), then, if
//!   `policy.reauthenticate`, the signed-in operator's password (`None` fails). Failed
//!   challenges count toward the lock-out, which signs the operator out.
//! - A wrong password and an unknown name are the same `BadCredentials` after the same
//!   Argon2 work; unknown names are counted and locked out like known ones.
//! - `AuthError::code()`: `bad_credentials`, `locked_out`, `not_signed_in`, `forbidden`,
//!   `reason_required`, `reason_invalid`, `file_unsafe`, `file_invalid`,
//!   `operator_invalid`, `io`; its `Display` is the operator-facing English sentence.
//! - Editing: `OperatorsFile::new()`, `add(name, role, &password)`,
//!   `set_password`, `remove`, `save(path)` (atomic; 0600 for a new file on Unix).
//!   `locate::path_for_new(explicit, data_dir)` is where `operators add` writes.
//! - `history`: the operators file's changes (`operators.history.jsonl` beside it, the
//!   same protection, appended, never a password or hash).
//! - The `ts` feature derives ts-rs's `TS` on `Role`, `Action`, `Policy`, `SignedIn`,
//!   `Challenged`, `SignOutCause` and `AuthEvent`.

pub mod error;
pub mod failures;
pub mod file;
pub mod gate;
pub mod history;
pub mod locate;
pub mod password;
pub mod role;

pub use error::AuthError;
pub use failures::{FailureLog, FailureRecord, FileFailureLog, MemoryFailureLog};
pub use file::{FileError, Operator, OperatorsFile, Policy};
pub use gate::{AuthEvent, Challenged, Gate, SignOutCause, SignedIn};
pub use locate::locate;
pub use password::Password;
pub use role::{Action, Role, UnknownRole};
