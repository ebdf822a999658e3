//! The outbox's transactions: queueing, cancelling, advancing and ending commands, each
//! committed (`synchronous = FULL`) with its audit entry and journal line before anyone is
//! told.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use plant_protocol::UnixSeconds;
use rusqlite::{Connection, TransactionBehavior};

use crate::audit::{self, Actor};
use crate::store;
use plant_link::config::PlantId;

use super::journal::journal_step;
use super::{OutboxError, QueuedCommand, Status};

/// The outbox's own connection to the cache. Commands are rare and precious, so every
/// write is a synchronous, immediate transaction.
pub struct Outbox {
    conn: Mutex<Connection>,
}

impl Outbox {
    pub fn open(data_dir: &Path) -> Result<Outbox, OutboxError> {
        Self::with(store::open(data_dir)?)
    }

    /// As [`Outbox::open`] on a cache this process has just opened (see
    /// [`store::open_again`]).
    pub fn open_again(data_dir: &Path) -> Result<Outbox, OutboxError> {
        Self::with(store::open_again(data_dir)?)
    }

    /// Moves the outbox to another cache (another plant's), opened by this process as
    /// for [`Outbox::open_again`]. The caller has ended the old cache's open commands.
    pub fn switch_to(&self, data_dir: &Path) -> Result<(), OutboxError> {
        let conn = store::open_again(data_dir)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        *self.conn() = conn;
        Ok(())
    }

    fn with(conn: Connection) -> Result<Outbox, OutboxError> {
        // FULL makes each commit durable across an OS crash or power loss, not only
        // across a crash of the console: a queued command must survive both.
        conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(Outbox {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends one entry of the operator session (a sign-in, a failure, a lock-out, a
    /// re-authentication) to the audit trail, committed and anchored like a command's.
    pub fn record_audit(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        detail: &str,
        now: UnixSeconds,
    ) -> Result<(), OutboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        audit::append(&tx, now, actor, action, target, "", detail)?;
        tx.commit()?;
        audit::anchor(&conn);
        Ok(())
    }

    /// Stores a new command, superseding any still-queued one to the same relay, and
    /// returns it only once it is committed.
    pub fn enqueue(
        &self,
        plant: &PlantId,
        relay_id: &str,
        state: bool,
        ttl: Duration,
        actor: &Actor,
        now: UnixSeconds,
    ) -> Result<QueuedCommand, OutboxError> {
        if ttl < Duration::from_secs(1) || ttl > Duration::from_secs(86_400) {
            return Err(OutboxError::BadTtl);
        }
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut command = QueuedCommand {
            seq: 0,
            request_id: uuid::Uuid::new_v4().to_string(),
            relay_id: relay_id.to_owned(),
            state,
            issued_at: now,
            expires_at: now + ttl.as_secs_f64(),
            status: Status::Queued,
            attempts: 0,
            error: None,
            operator: actor.user.clone(),
            host: actor.host.clone(),
            signed_in: actor.operator.as_ref().map(|p| p.name.clone()),
            signed_in_role: actor.operator.as_ref().map(|p| p.role.clone()),
            updated_at: now,
            plant: Some(plant.clone()),
        };
        for older in store::outbox::open(&tx)? {
            if older.relay_id == relay_id && older.status == Status::Queued {
                let why = format!("superseded by {}", command.request_id);
                store::outbox::set_status(
                    &tx,
                    &older.request_id,
                    Status::Superseded,
                    older.attempts,
                    Some(&why),
                    now,
                )?;
                store::outbox::add_event(
                    &tx,
                    &older.request_id,
                    Status::Superseded,
                    now,
                    Some(&why),
                )?;
                journal_step(&tx, &older, Status::Superseded, now, Some(&why))?;
                audit::append(
                    &tx,
                    now,
                    actor,
                    "command.superseded",
                    relay_id,
                    &older.request_id,
                    &why,
                )?;
            }
        }
        command.seq = store::outbox::insert(&tx, &command)?;
        store::outbox::add_event(&tx, &command.request_id, Status::Queued, now, None)?;
        journal_step(&tx, &command, Status::Queued, now, None)?;
        let detail = serde_json::json!({"state": state, "ttl_s": ttl.as_secs_f64(), "expires_at": command.expires_at, "plant": plant});
        audit::append(
            &tx,
            now,
            actor,
            "command.requested",
            relay_id,
            &command.request_id,
            &detail.to_string(),
        )?;
        tx.commit()?;
        audit::anchor(&conn);
        Ok(command)
    }

    /// Cancels a command that has not been sent yet.
    pub fn cancel(
        &self,
        request_id: &str,
        actor: &Actor,
        now: UnixSeconds,
    ) -> Result<QueuedCommand, OutboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let command = store::outbox::get(&tx, request_id)?
            .ok_or_else(|| OutboxError::Unknown(request_id.to_owned()))?;
        if command.status != Status::Queued {
            return Err(OutboxError::NotCancellable(command.status.as_str()));
        }
        store::outbox::set_status(
            &tx,
            request_id,
            Status::Cancelled,
            command.attempts,
            Some("cancelled by the operator"),
            now,
        )?;
        store::outbox::add_event(&tx, request_id, Status::Cancelled, now, None)?;
        journal_step(&tx, &command, Status::Cancelled, now, None)?;
        audit::append(
            &tx,
            now,
            actor,
            "command.cancelled",
            &command.relay_id,
            request_id,
            "{}",
        )?;
        let command = store::outbox::get(&tx, request_id)?
            .ok_or_else(|| OutboxError::Unknown(request_id.to_owned()))?;
        tx.commit()?;
        audit::anchor(&conn);
        Ok(command)
    }

    /// Moves a command to `status`, recording the step (and, for a final status, the
    /// outcome in the audit chain). Returns `None` if the command had already reached a
    /// final status, which is never overwritten.
    pub(super) fn advance(
        &self,
        request_id: &str,
        status: Status,
        attempts: u32,
        error: Option<&str>,
        now: UnixSeconds,
    ) -> Result<Option<QueuedCommand>, OutboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(current) = store::outbox::get(&tx, request_id)? else {
            return Err(OutboxError::Unknown(request_id.to_owned()));
        };
        if current.status.is_final() {
            return Ok(None);
        }
        store::outbox::set_status(&tx, request_id, status, attempts, error, now)?;
        if current.status != status {
            store::outbox::add_event(&tx, request_id, status, now, error)?;
            journal_step(&tx, &current, status, now, error)?;
            if status.is_final() || status == Status::Acked {
                let actor = issuer(&current);
                let detail = serde_json::json!({"state": current.state, "error": error, "attempts": attempts});
                audit::append(
                    &tx,
                    now,
                    &actor,
                    &format!("command.{}", status.as_str()),
                    &current.relay_id,
                    request_id,
                    &detail.to_string(),
                )?;
            }
        }
        let updated = store::outbox::get(&tx, request_id)?;
        tx.commit()?;
        audit::anchor(&conn);
        Ok(updated)
    }

    /// Ends every open command that must not reach the plant now: a queued one is
    /// cancelled, and with `sent_too` a sent or acknowledged one fails (it is never sent
    /// again). `reason` is recorded with each. Returns the commands as they are now.
    pub fn abandon_open(
        &self,
        reason: &str,
        sent_too: bool,
        now: UnixSeconds,
    ) -> Result<Vec<QueuedCommand>, OutboxError> {
        let mut ended = Vec::new();
        for command in self.open_commands()? {
            let status = match command.status {
                Status::Queued => Status::Cancelled,
                Status::Sent | Status::Acked if sent_too => Status::Failed,
                _ => continue,
            };
            if let Some(command) = self.advance(
                &command.request_id,
                status,
                command.attempts,
                Some(reason),
                now,
            )? {
                ended.push(command);
            }
        }
        Ok(ended)
    }

    /// Ends every open command that was not issued for `plant` (all of them when `plant`
    /// is `None`): the console was started for, or is moving to, another plant. Nothing
    /// of it is sent again; a command already sent says that its outcome at the old plant
    /// is unknown. Journal and audit record each. Returns the commands as they are now.
    pub fn end_for_plant_change(
        &self,
        plant: Option<&PlantId>,
        now_plant: &str,
        now: UnixSeconds,
    ) -> Result<Vec<QueuedCommand>, OutboxError> {
        let mut ended = Vec::new();
        for command in self.open_commands()? {
            if plant.is_some_and(|plant| command.is_for(plant)) {
                continue;
            }
            let why = plant_changed_reason(&command, now_plant);
            if let Some(command) = self.advance(
                &command.request_id,
                Status::PlantChanged,
                command.attempts,
                Some(&why),
                now,
            )? {
                ended.push(command);
            }
        }
        Ok(ended)
    }

    /// Commands not yet final, oldest first.
    pub fn open_commands(&self) -> Result<Vec<QueuedCommand>, OutboxError> {
        Ok(store::outbox::open(&self.conn())?)
    }

    /// The latest `limit` commands, newest first.
    pub fn recent(&self, limit: u32) -> Result<Vec<QueuedCommand>, OutboxError> {
        Ok(store::outbox::recent(&self.conn(), limit)?)
    }

    pub fn get(&self, request_id: &str) -> Result<Option<QueuedCommand>, OutboxError> {
        Ok(store::outbox::get(&self.conn(), request_id)?)
    }

    /// Every step of a command: (status, time, detail).
    pub fn history(
        &self,
        request_id: &str,
    ) -> Result<Vec<(Status, UnixSeconds, Option<String>)>, OutboxError> {
        Ok(store::outbox::events(&self.conn(), request_id)?)
    }

    /// Checks the audit chain.
    /// The latest `limit` commands of a cache opened read-only, newest first: for the
    /// command line's `outbox`, which must not open the cache for writing.
    pub fn read_recent(
        conn: &rusqlite::Connection,
        limit: u32,
    ) -> Result<Vec<QueuedCommand>, OutboxError> {
        Ok(store::outbox::recent(conn, limit)?)
    }

    pub fn verify_audit(&self) -> Result<audit::Verification, OutboxError> {
        Ok(audit::verify(&self.conn())?)
    }
}

/// Why a command ends as "plant changed", in words for the operator.
pub(super) fn plant_changed_reason(command: &QueuedCommand, now_plant: &str) -> String {
    let meant = command.plant.as_ref().map_or(
        "an unrecorded plant (queued by an older console)".to_owned(),
        |p| format!("plant {p}"),
    );
    match command.status {
        Status::Queued => {
            format!("not sent: it was meant for {meant}; the console is now on {now_plant}")
        }
        _ => format!(
            "sent to {meant}, which had not answered when the console moved to {now_plant}; \
             its outcome there is unknown and it is not sent again"
        ),
    }
}

/// Who issued `command`: the steps after the operator's own (sent, acked, confirmed,
/// failed, …) are recorded in their name, signed-in operator included.
fn issuer(command: &QueuedCommand) -> Actor {
    Actor {
        user: command.operator.clone(),
        host: command.host.clone(),
        operator: command.signed_in.clone().map(|name| crate::audit::Person {
            name,
            role: command.signed_in_role.clone().unwrap_or_default(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plant() -> PlantId {
        PlantId::named("plant-a").unwrap()
    }

    fn actor() -> Actor {
        Actor {
            user: "op".into(),
            host: "cr".into(),
            operator: None,
        }
    }

    #[test]
    fn a_newer_queued_command_supersedes_the_older_one_to_the_same_relay() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let first = outbox
            .enqueue(
                &plant(),
                "relay-01",
                true,
                Duration::from_secs(120),
                &actor(),
                100.0,
            )
            .unwrap();
        let other = outbox
            .enqueue(
                &plant(),
                "relay-02",
                true,
                Duration::from_secs(120),
                &actor(),
                101.0,
            )
            .unwrap();
        let second = outbox
            .enqueue(
                &plant(),
                "relay-01",
                false,
                Duration::from_secs(120),
                &actor(),
                102.0,
            )
            .unwrap();
        assert_eq!(
            outbox.get(&first.request_id).unwrap().unwrap().status,
            Status::Superseded
        );
        let open: Vec<String> = outbox
            .open_commands()
            .unwrap()
            .into_iter()
            .map(|c| c.request_id)
            .collect();
        assert_eq!(open, vec![other.request_id, second.request_id]);
    }

    #[test]
    fn only_a_queued_command_can_be_cancelled_and_final_states_stay_final() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let command = outbox
            .enqueue(
                &plant(),
                "relay-01",
                true,
                Duration::from_secs(120),
                &actor(),
                100.0,
            )
            .unwrap();
        outbox
            .advance(&command.request_id, Status::Sent, 1, None, 101.0)
            .unwrap();
        assert!(matches!(
            outbox.cancel(&command.request_id, &actor(), 102.0),
            Err(OutboxError::NotCancellable("sent"))
        ));
        outbox
            .advance(&command.request_id, Status::Acked, 1, None, 103.0)
            .unwrap();
        outbox
            .advance(&command.request_id, Status::Confirmed, 1, None, 104.0)
            .unwrap();
        assert_eq!(
            outbox
                .advance(&command.request_id, Status::Failed, 1, Some("late"), 105.0)
                .unwrap(),
            None
        );
        let steps: Vec<Status> = outbox
            .history(&command.request_id)
            .unwrap()
            .into_iter()
            .map(|(s, _, _)| s)
            .collect();
        assert_eq!(
            steps,
            vec![
                Status::Queued,
                Status::Sent,
                Status::Acked,
                Status::Confirmed
            ]
        );
        assert!(outbox.verify_audit().unwrap().is_intact());
    }

    #[test]
    fn a_queued_command_survives_reopening_with_the_same_request_id() {
        let dir = tempfile::tempdir().unwrap();
        let command = Outbox::open(dir.path())
            .unwrap()
            .enqueue(
                &plant(),
                "relay-03",
                false,
                Duration::from_secs(60),
                &actor(),
                5.0,
            )
            .unwrap();
        let reopened = Outbox::open(dir.path()).unwrap();
        assert_eq!(reopened.open_commands().unwrap(), vec![command]);
    }

    #[test]
    fn every_step_of_a_command_is_in_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let command = outbox
            .enqueue(
                &plant(),
                "relay-07",
                false,
                Duration::from_secs(60),
                &actor(),
                10.0,
            )
            .unwrap();
        outbox
            .advance(&command.request_id, Status::Sent, 1, None, 11.0)
            .unwrap();
        outbox
            .advance(
                &command.request_id,
                Status::Failed,
                1,
                Some("forbidden: locked"),
                12.0,
            )
            .unwrap();
        let entries =
            store::journal_of_kind(&outbox.conn(), store::journal_kind::COMMAND, None, None, 10)
                .unwrap();
        let texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "Command to switch relay relay-07 OFF (op): queued",
                "Command to switch relay relay-07 OFF (op): sent",
                "Command to switch relay relay-07 OFF (op): failed — forbidden: locked",
            ]
        );
    }

    #[test]
    fn a_command_issued_signed_in_records_and_names_the_person_and_role_in_every_step() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let command = outbox
            .enqueue(
                &plant(),
                "relay-07",
                true,
                Duration::from_secs(60),
                &actor().signed_in("Ana", "operator"),
                10.0,
            )
            .unwrap();
        assert_eq!(command.operator, "op", "the OS user is kept");
        assert_eq!(command.signed_in.as_deref(), Some("Ana"));
        assert_eq!(command.signed_in_role.as_deref(), Some("operator"));
        outbox
            .advance(&command.request_id, Status::Sent, 1, None, 11.0)
            .unwrap();
        outbox
            .advance(&command.request_id, Status::Confirmed, 1, None, 12.0)
            .unwrap();
        let reopened = Outbox::open(dir.path()).unwrap();
        let stored = reopened.recent(10).unwrap();
        assert_eq!(stored[0].signed_in.as_deref(), Some("Ana"));
        let entries =
            store::journal_of_kind(&outbox.conn(), store::journal_kind::COMMAND, None, None, 10)
                .unwrap();
        let texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(
            texts[0],
            "Command to switch relay relay-07 ON by Ana (operator) as op: queued"
        );
        assert_eq!(entries.len(), 3);
        let audit = store::audit::all(&outbox.conn()).unwrap();
        assert_eq!(audit.len(), 2, "requested and confirmed");
        for entry in &audit {
            assert_eq!(entry.user, "op");
            assert_eq!(entry.signed_in.as_deref(), Some("Ana"));
            assert_eq!(entry.signed_in_role.as_deref(), Some("operator"));
        }
        assert!(outbox.verify_audit().unwrap().is_intact());
    }

    #[test]
    fn a_time_to_live_out_of_range_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        assert!(matches!(
            outbox.enqueue(&plant(), "r", true, Duration::ZERO, &actor(), 1.0),
            Err(OutboxError::BadTtl)
        ));
    }
}
