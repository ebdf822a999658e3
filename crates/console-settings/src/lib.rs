//! Plant Console's operator settings and the plant token's store: what the Settings view
//! edits and the launch reads, kept apart from the core so that the core links no keyring.
//!
//! Layout:
//! - [`settings`] — `Settings`, kept as `settings.json` in the data folder and checked
//!   field by field ([`settings::FieldError`]) before anything is saved or applied;
//! - [`credentials`] — `TokenVault`, the plant token per plant address in the OS keyring,
//!   or in a private `tokens.json` where no keyring answers;
//! - `acl` (Windows only) — the token file's access list: the current user alone. The
//!   crate's only unsafe code (Win32 security calls), allowed on that module alone.
//!
//! Both lean on the core for the alert settings and the plant address (`console_core`);
//! nothing in the core depends on this crate.

#[cfg(windows)]
#[allow(unsafe_code)]
mod acl;
pub mod credentials;
pub mod settings;
