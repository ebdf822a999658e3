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
    // With an operator signed in the line names the person and their role, and the OS
    // user beside them; without, the OS user as before sign-in existed.
    let id = match (&command.signed_in, detail.is_some()) {
        (Some(_), true) => "journal-command-by-detail",
        (Some(_), false) => "journal-command-by",
        (None, true) => "journal-command-detail",
        (None, false) => "journal-command",
    };
    let mut message = Message::new(id);
    if let Some(detail) = detail {
        message = message.text("detail", detail);
    }
    if let Some(person) = &command.signed_in {
        message = message.text("person", person.as_str()).text(
            "role",
            command.signed_in_role.as_deref().unwrap_or("unknown"),
        );
    }
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
                "signed_in": command.signed_in,
                "signed_in_role": command.signed_in_role,
            }),
        ),
    )?;
    Ok(())
}
