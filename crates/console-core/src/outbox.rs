//! The operator command outbox: relay commands that are durable, keep their order per
//! relay, expire instead of surprising anyone, and take effect exactly once.
//!
//! A command is committed (with `synchronous = FULL`) before anyone is told it is
//! queued. Its `request_id` is made once, here, and reused on every retry, so the
//! server's deduplication makes its effect happen once even across a crash of the
//! console. Lifecycle: queued → sent → acked → confirmed, or failed / expired /
//! cancelled / superseded; every step is stored in `outbox_event` and in the audit chain.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use plant_protocol::{SetRelayError, SetRelayRequest, SetRelayResult, UnixSeconds};
use rusqlite::{Connection, TransactionBehavior};
use thiserror::Error;
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

use crate::audit::{self, Actor};
use crate::offset::ClockOffset;
use crate::state::PlantState;
pub use crate::store::outbox::{QueuedCommand, Status};
use crate::store::{self, StoreError};
use plant_link::clock::WallClock;
use plant_link::config::PlantId;
use plant_link::link::{LinkError, LinkHandle, LinkMode};

impl QueuedCommand {
    /// The request as the plant receives it: `issued_at` is in the plant's time (local
    /// issue time plus the estimated offset of the server's clock), so that a console
    /// whose clock is wrong does not have its commands refused as expired.
    fn request(&self, offset: &ClockOffset) -> SetRelayRequest {
        SetRelayRequest {
            relay_id: self.relay_id.clone(),
            state: self.state,
            request_id: self.request_id.clone(),
            issued_at: offset.to_server(self.issued_at),
        }
    }
}

/// Writes one step of a command into the journal, inside the caller's transaction, so
/// the timeline of the plant and of the operators' commands is one.
fn journal_step(
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
    fn advance(
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
                let actor = Actor {
                    user: current.operator.clone(),
                    host: current.host.clone(),
                };
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
fn plant_changed_reason(command: &QueuedCommand, now_plant: &str) -> String {
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

/// Settings of the runner that sends queued commands.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// How long to wait for the server's answer before retrying with the same id.
    pub ack_timeout: Duration,
    /// How often the outbox is looked at even without a wake-up (commands queued by
    /// another process, time-to-live, confirmation).
    pub tick: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            ack_timeout: Duration::from_secs(10),
            tick: Duration::from_millis(250),
        }
    }
}

/// Sends queued commands over the link whenever it is live (WebSocket or HTTP fallback),
/// in order per relay, and follows each to its end.
///
/// A command's life is measured on the monotonic clock: the first time the runner sees a
/// command it turns the time left (by the wall clock, never more than its whole TTL) into
/// a monotonic deadline, so setting the wall clock back never extends it.
pub struct Runner {
    outbox: Arc<Outbox>,
    link: LinkHandle,
    state: Arc<RwLock<PlantState>>,
    config: RunnerConfig,
    wake: Arc<Notify>,
    updates: mpsc::Sender<QueuedCommand>,
    in_flight: Arc<Mutex<HashSet<String>>>,
    /// Earliest time of the next attempt per command, so a refused or silent link is
    /// not hammered.
    retry_at: HashMap<String, Instant>,
    /// While set (a read-only console), nothing is sent; commands still expire and
    /// acknowledged ones are still confirmed.
    hold: Arc<AtomicBool>,
    /// The wall clock: stamps the steps and turns stored expiry times into deadlines.
    clock: WallClock,
    /// The plant the console is on now: a command issued for another is never sent.
    plant: Arc<RwLock<PlantId>>,
    /// The server clock's estimated offset, for `issued_at`.
    offset: Arc<ClockOffset>,
    /// Each open command's end of life on the monotonic clock.
    deadlines: HashMap<String, Instant>,
}

impl Runner {
    pub fn new(
        outbox: Arc<Outbox>,
        link: LinkHandle,
        state: Arc<RwLock<PlantState>>,
        config: RunnerConfig,
        wake: Arc<Notify>,
        updates: mpsc::Sender<QueuedCommand>,
        plant: Arc<RwLock<PlantId>>,
    ) -> Runner {
        Runner {
            outbox,
            link,
            state,
            config,
            wake,
            updates,
            in_flight: Arc::default(),
            retry_at: HashMap::new(),
            hold: Arc::default(),
            clock: WallClock::default(),
            plant,
            offset: Arc::default(),
            deadlines: HashMap::new(),
        }
    }

    /// Sends nothing while `hold` is set (the console's read-only switch).
    pub fn hold_while(mut self, hold: Arc<AtomicBool>) -> Runner {
        self.hold = hold;
        self
    }

    /// Reads the wall clock from `clock` (tests set it back and forth).
    pub fn with_clock(mut self, clock: WallClock) -> Runner {
        self.clock = clock;
        self
    }

    /// Stamps `issued_at` in the server's time with this estimate.
    pub fn with_offset(mut self, offset: Arc<ClockOffset>) -> Runner {
        self.offset = offset;
        self
    }

    /// Runs until `stop` resolves.
    pub async fn run(mut self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut link_state = self.link.state();
        loop {
            if let Err(error) = self.step().await {
                tracing::error!(%error, "outbox step failed");
            }
            tokio::select! {
                _ = &mut stop => return,
                _ = self.wake.notified() => {}
                _ = link_state.changed() => {}
                _ = tokio::time::sleep(self.config.tick) => {}
            }
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Outbox) -> Result<T, OutboxError> + Send + 'static,
    ) -> Result<T, OutboxError> {
        let outbox = self.outbox.clone();
        store::blocking(move || work(&outbox)).await
    }

    async fn publish(&self, command: Option<QueuedCommand>) {
        if let Some(command) = command {
            let _ = self.updates.try_send(command);
        }
    }

    async fn advance(
        &self,
        command: &QueuedCommand,
        status: Status,
        error: Option<String>,
    ) -> Result<Option<QueuedCommand>, OutboxError> {
        let (id, attempts) = (command.request_id.clone(), command.attempts);
        let now = self.clock.now();
        let updated = self
            .blocking(move |o| o.advance(&id, status, attempts, error.as_deref(), now))
            .await?;
        self.publish(updated.clone()).await;
        Ok(updated)
    }

    fn current_plant(&self) -> PlantId {
        self.plant
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The command's end of life on the monotonic clock, fixed the first time it is seen.
    fn deadline(&mut self, command: &QueuedCommand) -> Instant {
        let wall_left = command.expires_at - self.clock.now();
        let whole = (command.expires_at - command.issued_at).max(0.0);
        *self
            .deadlines
            .entry(command.request_id.clone())
            .or_insert_with(|| {
                let left = if wall_left.is_finite() {
                    wall_left.clamp(0.0, whole)
                } else {
                    0.0
                };
                Instant::now() + Duration::from_secs_f64(left)
            })
    }

    /// One look at every open command.
    async fn step(&mut self) -> Result<(), OutboxError> {
        let open = self.blocking(|o| o.open_commands()).await?;
        let mode = self.link.state().borrow().mode;
        let usable = matches!(mode, LinkMode::Realtime | LinkMode::Fallback)
            && !self.hold.load(Ordering::SeqCst);
        let plant = self.current_plant();
        let mut relay_busy: HashSet<String> = HashSet::new();
        self.retry_at
            .retain(|id, _| open.iter().any(|c| &c.request_id == id));
        self.deadlines
            .retain(|id, _| open.iter().any(|c| &c.request_id == id));
        for command in open {
            // A command for another plant never goes out, whatever its state.
            if !command.is_for(&plant) {
                let why = plant_changed_reason(&command, plant.as_str());
                self.advance(&command, Status::PlantChanged, Some(why))
                    .await?;
                continue;
            }
            // Commands to one relay keep their order: a later one waits for the earlier.
            if !relay_busy.insert(command.relay_id.clone()) {
                continue;
            }
            let in_flight = self.lock_in_flight().contains(&command.request_id);
            let expired = Instant::now() >= self.deadline(&command);
            match command.status {
                Status::Queued | Status::Sent if expired && !in_flight => {
                    let why = if command.status == Status::Queued {
                        "expired before it could be sent"
                    } else {
                        "expired before the server answered"
                    };
                    self.advance(&command, Status::Expired, Some(why.into()))
                        .await?;
                    relay_busy.remove(&command.relay_id);
                }
                Status::Queued | Status::Sent if usable && !in_flight => {
                    if self
                        .retry_at
                        .get(&command.request_id)
                        .is_some_and(|at| Instant::now() < *at)
                    {
                        continue;
                    }
                    self.send(command, plant.clone()).await?;
                }
                Status::Acked => self.confirm(&command, expired).await?,
                _ => {}
            }
        }
        Ok(())
    }

    fn lock_in_flight(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Marks the command sent (durably, before the frame leaves) and sends it in a task
    /// of its own, so a slow answer for one relay does not hold up another. The link
    /// checks `plant` when it takes the command, so a command handed over just as the
    /// link moves to another plant is refused there instead of reaching it.
    async fn send(
        &mut self,
        mut command: QueuedCommand,
        plant: PlantId,
    ) -> Result<(), OutboxError> {
        command.attempts += 1;
        let Some(updated) = self.advance(&command, Status::Sent, None).await? else {
            // It reached a final state meanwhile (cancelled, or ended because the
            // console is moving to another plant): it must not leave.
            return Ok(());
        };
        command.attempts = updated.attempts;
        self.retry_at.insert(
            command.request_id.clone(),
            Instant::now() + Duration::from_secs(1),
        );
        self.lock_in_flight().insert(command.request_id.clone());
        let link = self.link.clone();
        let outbox = self.outbox.clone();
        let in_flight = self.in_flight.clone();
        let wake = self.wake.clone();
        let updates = self.updates.clone();
        let ack_timeout = self.config.ack_timeout;
        let clock = self.clock.clone();
        let request = command.request(&self.offset);
        tokio::spawn(async move {
            let answer = tokio::time::timeout(ack_timeout, link.set_relay(request, &plant)).await;
            let outcome = match answer {
                Ok(Ok(SetRelayResult::Applied { .. })) => Some((Status::Acked, None)),
                Ok(Ok(SetRelayResult::Refused {
                    error: SetRelayError::Expired,
                    message,
                })) => Some((
                    Status::Expired,
                    Some(format!("the plant refused it as expired: {message}")),
                )),
                // A refused token is the link's problem, not the command's: it stays
                // sent and is retried with the same id once the link is authorized.
                Ok(Ok(SetRelayResult::Refused {
                    error: SetRelayError::Unauthorized,
                    ..
                })) => None,
                Ok(Ok(SetRelayResult::Refused { error, message })) => Some((
                    Status::Failed,
                    Some(format!("{}: {message}", error.as_str())),
                )),
                // The link had moved on to another plant and did not send it; the
                // console ends it as "plant changed" (or sends it once the link leads
                // to its plant).
                Ok(Err(
                    LinkError::NotLive
                    | LinkError::NoAnswer
                    | LinkError::Http(_)
                    | LinkError::Stopped
                    | LinkError::WrongPlant,
                ))
                | Err(_) => None,
            };
            if let Some((status, error)) = outcome {
                let id = command.request_id.clone();
                let attempts = command.attempts;
                let result = store::blocking(move || {
                    outbox.advance(&id, status, attempts, error.as_deref(), clock.now())
                })
                .await;
                match result {
                    Ok(Some(updated)) => {
                        let _ = updates.try_send(updated);
                    }
                    Ok(None) => {}
                    // The outbox moved to another plant's cache meanwhile; the command
                    // was ended in its own cache before the move.
                    Err(OutboxError::Unknown(_)) => {}
                    Err(error) => tracing::error!(%error, "outbox update failed"),
                }
            }
            in_flight
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .remove(&command.request_id);
            wake.notify_one();
        });
        Ok(())
    }

    /// An applied command is confirmed when the relay reports the requested state; if
    /// it never does before the command expires, it failed.
    async fn confirm(&self, command: &QueuedCommand, expired: bool) -> Result<(), OutboxError> {
        let reported = {
            let state = self
                .state
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            state
                .relay(&command.relay_id)
                // A report whose state could not be read confirms nothing.
                .and_then(|entry| entry.readable_state())
        };
        if reported == Some(command.state) {
            self.advance(command, Status::Confirmed, None).await?;
        } else if expired {
            self.advance(
                command,
                Status::Failed,
                Some("the relay never reported the requested state".into()),
            )
            .await?;
        }
        Ok(())
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
    fn a_time_to_live_out_of_range_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        assert!(matches!(
            outbox.enqueue(&plant(), "r", true, Duration::ZERO, &actor(), 1.0),
            Err(OutboxError::BadTtl)
        ));
    }
}
