//! The runner: sends queued commands over the link whenever it is live, in order per
//! relay, and follows each to its end (acked, confirmed, failed or expired).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use plant_protocol::{SetRelayError, SetRelayRequest, SetRelayResult};
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

use crate::offset::ClockOffset;
use crate::state::PlantState;
use crate::store;
use plant_link::clock::WallClock;
use plant_link::config::PlantId;
use plant_link::link::{LinkError, LinkHandle, LinkMode};

use super::tx::plant_changed_reason;
use super::{Outbox, OutboxError, QueuedCommand, Status};

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
            // The person signed in, so the plant records who switched it; with sign-in
            // off the field is left out, as before.
            operator: self.signed_in.clone(),
        }
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
