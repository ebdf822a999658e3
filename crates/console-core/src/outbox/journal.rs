//! The journal line of each step of a command, written in the step's own transaction so
//! the timeline of the plant and of the operators' commands is one.

use plant_protocol::UnixSeconds;
use rusqlite::Connection;

use console_i18n::Message;

use super::{QueuedCommand, Status};
use crate::store::{self, StoreError};

/// Writes one step of a command into the journal, inside the caller's transaction, so
/// the timeline of the plant and of the operators' commands is one.
pub(super) fn journal_step(
    conn: &Connection,
    command: &QueuedCommand,
    status: Status,
    at: UnixSeconds,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    let message = match detail {
        Some(detail) => Message::new("journal-command-detail").text("detail", detail),
        None => Message::new("journal-command"),
    };
    let message = message
        .text("relay", command.relay_id.as_str())
        .text("state", if command.state { "on" } else { "off" })
        .text("operator", command.operator.as_str())
        .text("status", status.as_str());
    store::append_journal(
        conn,
        &store::NewJournalEntry::worded(
            at,
            store::journal_kind::COMMAND,
            &command.relay_id,
            message,
            serde_json::json!({
                "request_id": command.request_id,
                "state": command.state,
                "status": status.as_str(),
                "operator": command.operator,
                "host": command.host,
            }),
        ),
    )?;
    Ok(())
}
