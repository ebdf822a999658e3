//! The journal line of each step of a command, written in the step's own transaction so
//! the timeline of the plant and of the operators' commands is one.

use plant_protocol::UnixSeconds;
use rusqlite::Connection;

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
    let target = if command.state { "ON" } else { "OFF" };
    let mut text = format!(
        "Command to switch relay {} {target} ({}): {}",
        command.relay_id,
        command.operator,
        status.as_str()
    );
    if let Some(detail) = detail {
        text.push_str(&format!(" — {detail}"));
    }
    store::append_journal(
        conn,
        &store::NewJournalEntry {
            at,
            kind: store::journal_kind::COMMAND.to_owned(),
            subject: command.relay_id.clone(),
            text,
            data: serde_json::json!({
                "request_id": command.request_id,
                "state": command.state,
                "status": status.as_str(),
                "operator": command.operator,
                "host": command.host,
            }),
        },
    )?;
    Ok(())
}
