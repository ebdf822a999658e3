//! The operator command outbox: relay commands that are durable, keep their order per
//! relay, expire instead of surprising anyone, and take effect exactly once.
//!
//! A command is committed (with `synchronous = FULL`) before anyone is told it is
//! queued. Its `request_id` is made once, here, and reused on every retry, so the
//! server's deduplication makes its effect happen once even across a crash of the
//! console. Lifecycle: queued → sent → acked → confirmed, or failed / expired /
//! cancelled / superseded; every step is stored in `outbox_event` and in the audit chain.
//!
//! - `tx.rs`: [`Outbox`], each step of a command as one immediate transaction (with its
//!   audit entry and journal line).
//! - `journal.rs`: the journal line of each step.
//! - `runner.rs`: [`Runner`], which sends queued commands over the link and follows each
//!   to its end.

mod journal;
mod runner;
mod tx;

use thiserror::Error;

pub use crate::store::outbox::{QueuedCommand, Status};
use crate::store::StoreError;
pub(crate) use runner::Runner;
pub use runner::RunnerConfig;
pub use tx::Outbox;

/// Errors of the outbox.
#[derive(Debug, Error)]
pub enum OutboxError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no command with request id {0}")]
    Unknown(String),
    #[error("the command is {0} and can no longer be cancelled")]
    NotCancellable(&'static str),
    #[error("the time-to-live must be between 1 s and 24 h")]
    BadTtl,
}
