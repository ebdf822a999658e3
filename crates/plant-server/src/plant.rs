//! The plant's shared state: devices, relays, the relay command path, and the public handle.
//!
//! One mutex guards the devices, the relays and the dedupe table together. A relay command
//! reads and writes all three, and doing that under one lock is what makes "applied at most
//! once" hold when the same request id arrives on two transports at the same moment. Every
//! change queues its broadcast before the lock is released, so broadcasts leave in the order
//! the changes happened (see `broadcast.rs`).
//!
//! In `--redis` mode the state in Redis is the plant (`shared.rs`) and the state here is
//! this instance's last reading of it: snapshots are read from Redis (from that last
//! reading while Redis is unreachable), relay commands are decided and committed in Redis
//! (refused while it is unreachable), and only the holder of the simulation lease simulates.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use plant_protocol::{
    Device, DeviceStatus, DevicesUpdate, Relay, RelaysUpdate, SetRelayError, SetRelayResult,
    SystemStats, UnixSeconds,
};
use rand::rngs::StdRng;
use serde_json::Map;
use tokio::sync::oneshot;

use crate::broadcast::{Outbox, Outgoing, Sockets};
use crate::command::{self, RelayCommand};
use crate::dedupe::DedupeTable;
use crate::fleet;
use crate::shared::{Committed, SharedError, SharedStore};
use crate::stats::HostFigures;

/// The refusal of a command while this instance cannot reach the shared state. `forbidden`
/// is the contract's code for "the plant will not do this", which is the truth: nothing was
/// switched, and a retry (with the same request id) is safe once Redis is back.
pub(crate) const UNREACHABLE_MESSAGE: &str =
    "the plant's shared state (Redis) is unreachable: the command was not applied";

/// How often one command is decided again because the relay changed between reading and
/// committing it. Each round loses only to a command that did commit, so this is reached
/// only under a storm of commands on one relay.
const COMMIT_ATTEMPTS: usize = 16;

/// Unix time now, in seconds, as the contract sends it.
pub(crate) fn unix_now() -> UnixSeconds {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

struct PlantState {
    devices: BTreeMap<String, Device>,
    relays: BTreeMap<String, Relay>,
    commands: DedupeTable,
}

/// Everything the socket handlers, the HTTP handlers and the background tasks share.
pub(crate) struct Plant {
    state: Mutex<PlantState>,
    outbox: Outbox,
    applied: AtomicU64,
    token: Option<String>,
    command_max_age: Duration,
    started: std::time::Instant,
    host: Mutex<HostFigures>,
    /// Seconds this plant's clock runs ahead of the machine's (see `ServerConfig`).
    clock_offset_s: f64,
    /// This instance's name, in logs, health and the `plant:applied` stream.
    instance: String,
    /// The shared state in `--redis` mode; `None` for a plant of its own.
    shared: Option<Arc<SharedStore>>,
    /// Commits in Redis and the queueing of their broadcasts happen in the same order on
    /// this instance (two quick commands on one relay must not be broadcast swapped).
    commit_order: tokio::sync::Mutex<()>,
    /// Whether this instance holds the simulation lease (always true alone).
    simulating: AtomicBool,
    /// A test knob: apply `set_relay` commands but never send their Socket.IO ack.
    withhold_acks: AtomicBool,
}

/// What a relay command came to: the answer, and for an applied command a signal that fires
/// once its broadcast is queued to every client.
pub(crate) struct CommandOutcome {
    pub result: SetRelayResult,
    pub delivered: Option<oneshot::Receiver<()>>,
}

impl CommandOutcome {
    /// Waits until the broadcast of an applied command has reached every client's send queue.
    pub(crate) async fn broadcast_delivered(&mut self) {
        if let Some(delivered) = self.delivered.take() {
            // An error means the broadcaster has stopped (server closing): nothing to wait for.
            let _ = delivered.await;
        }
    }
}

impl Plant {
    pub(crate) fn new(
        devices: Vec<Device>,
        relays: Vec<Relay>,
        outbox: Outbox,
        token: Option<String>,
        command_max_age: Duration,
        host: HostFigures,
    ) -> Self {
        Self {
            state: Mutex::new(PlantState {
                devices: devices.into_iter().map(|d| (d.id.clone(), d)).collect(),
                relays: relays.into_iter().map(|r| (r.id.clone(), r)).collect(),
                commands: DedupeTable::default(),
            }),
            outbox,
            applied: AtomicU64::new(0),
            token,
            command_max_age,
            started: std::time::Instant::now(),
            host: Mutex::new(host),
            clock_offset_s: 0.0,
            instance: String::new(),
            shared: None,
            commit_order: tokio::sync::Mutex::new(()),
            simulating: AtomicBool::new(false),
            withhold_acks: AtomicBool::new(false),
        }
    }

    /// Names this instance.
    pub(crate) fn with_instance(mut self, instance: String) -> Self {
        self.instance = instance;
        self
    }

    /// Makes Redis the plant's state (`--redis` mode).
    pub(crate) fn with_shared(mut self, shared: Arc<SharedStore>) -> Self {
        self.shared = Some(shared);
        self
    }

    pub(crate) fn instance(&self) -> &str {
        &self.instance
    }

    pub(crate) fn shared(&self) -> Option<&Arc<SharedStore>> {
        self.shared.as_ref()
    }

    /// Whether acks of `set_relay` are withheld (see [`PlantHandle::withhold_acks`]).
    pub(crate) fn acks_withheld(&self) -> bool {
        self.withhold_acks.load(Ordering::Relaxed)
    }

    /// Runs this plant's clock `seconds` ahead of the machine's (behind when negative).
    pub(crate) fn with_clock_offset(mut self, seconds: f64) -> Self {
        self.clock_offset_s = seconds;
        self
    }

    /// The plant's time now: the machine's, skewed as configured.
    pub(crate) fn now(&self) -> UnixSeconds {
        unix_now() + self.clock_offset_s
    }

    fn lock(&self) -> MutexGuard<'_, PlantState> {
        // A panic while holding the lock leaves plain data behind, never a broken invariant
        // worth taking the whole server down for, so a poisoned lock is simply taken over.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The configured token, if the site requires one.
    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Whether `presented` is the site's token (always true for a site without one).
    pub(crate) fn accepts_token(&self, presented: Option<&str>) -> bool {
        match (self.token.as_deref(), presented) {
            (None, _) => true,
            (Some(expected), Some(presented)) => constant_time_eq(expected, presented),
            (Some(_), None) => false,
        }
    }

    fn queue(&self, outgoing: Outgoing) {
        // The broadcaster is gone only once the server has stopped; then nobody is listening.
        let _ = self.outbox.send(outgoing);
    }

    fn queue_devices(&self, devices: Vec<Device>, snapshot: bool) {
        self.queue(Outgoing::Devices(DevicesUpdate {
            devices,
            snapshot,
            server_time: self.now(),
        }));
    }

    fn queue_relays(
        &self,
        relays: Vec<Relay>,
        snapshot: bool,
        delivered: Option<oneshot::Sender<()>>,
    ) {
        self.queue(Outgoing::Relays {
            update: RelaysUpdate {
                relays,
                snapshot,
                server_time: self.now(),
            },
            delivered,
        });
    }

    pub(crate) fn devices(&self) -> Vec<Device> {
        self.lock().devices.values().cloned().collect()
    }

    pub(crate) fn relays(&self) -> Vec<Relay> {
        self.lock().relays.values().cloned().collect()
    }

    /// All devices as they are now: from Redis in `--redis` mode (this instance's last
    /// reading while Redis is unreachable: a console shown slightly old values is better off
    /// than one shown nothing, and every device carries its `last_seen`).
    pub(crate) async fn current_devices(&self) -> Vec<Device> {
        if let Some(shared) = &self.shared {
            match shared.devices().await {
                Ok(devices) => {
                    let mut state = self.lock();
                    state.devices = devices.iter().map(|d| (d.id.clone(), d.clone())).collect();
                    return devices;
                }
                Err(error) => tracing::debug!(%error, "devices answered from the last reading"),
            }
        }
        self.devices()
    }

    /// All relays as they are now, read like [`Plant::current_devices`].
    pub(crate) async fn current_relays(&self) -> Vec<Relay> {
        if let Some(shared) = &self.shared {
            match shared.relays().await {
                Ok(relays) => {
                    let mut state = self.lock();
                    state.relays = relays.iter().map(|r| (r.id.clone(), r.clone())).collect();
                    return relays;
                }
                Err(error) => tracing::debug!(%error, "relays answered from the last reading"),
            }
        }
        self.relays()
    }

    pub(crate) async fn devices_snapshot(&self) -> DevicesUpdate {
        DevicesUpdate {
            devices: self.current_devices().await,
            snapshot: true,
            server_time: self.now(),
        }
    }

    pub(crate) async fn relays_snapshot(&self) -> RelaysUpdate {
        RelaysUpdate {
            relays: self.current_relays().await,
            snapshot: true,
            server_time: self.now(),
        }
    }

    pub(crate) fn set_host_figures(&self, figures: HostFigures) {
        *self.host.lock().unwrap_or_else(|p| p.into_inner()) = figures;
    }

    /// The latest host sample with live uptime, client count and clock.
    pub(crate) fn system_stats(&self, clients: usize) -> SystemStats {
        let host = *self.host.lock().unwrap_or_else(|p| p.into_inner());
        SystemStats {
            cpu_percent: host.cpu_percent,
            memory_percent: host.memory_percent,
            disk_percent: host.disk_percent,
            uptime_s: self.started.elapsed().as_secs_f64(),
            clients: u64::try_from(clients).unwrap_or(u64::MAX),
            server_time: self.now(),
            extra: Map::new(),
        }
    }

    pub(crate) fn applied_commands(&self) -> u64 {
        self.applied.load(Ordering::Relaxed)
    }

    /// Applies a validated relay command issued by `by`, or refuses it, at most once per
    /// request id: in this plant's own table, or across every instance in `--redis` mode.
    pub(crate) async fn execute(&self, command: &RelayCommand, by: &str) -> CommandOutcome {
        match self.shared.clone() {
            Some(shared) => self.apply_shared(&shared, command, by).await,
            None => self.apply_command(command, by),
        }
    }

    /// The `--redis` path: read the request id and the relay, decide, and commit both in one
    /// atomic script that fails if either changed in between (see `shared.rs`).
    async fn apply_shared(
        &self,
        shared: &SharedStore,
        command: &RelayCommand,
        by: &str,
    ) -> CommandOutcome {
        let max_age = self.command_max_age.as_secs_f64();
        for _ in 0..COMMIT_ATTEMPTS {
            let (first, stored) = match shared
                .command_state(&command.request_id, &command.relay_id)
                .await
            {
                Ok(read) => read,
                Err(error) => return self.not_shared(command, &error),
            };
            if let Some(first) = first {
                return self.repeated(command, first);
            }
            let now = self.now();
            let decided =
                command::decide(command, stored.as_ref().map(|(_, r)| r), now, max_age, by);
            let (result, applied) = match decided {
                command::Decision::Apply(relay) => (
                    SetRelayResult::Applied {
                        relay: relay.clone(),
                        duplicate: false,
                    },
                    Some(relay),
                ),
                command::Decision::Refuse(refusal) => (refusal, None),
            };
            let order = self.commit_order.lock().await;
            let read = stored.as_ref().map(|(json, _)| json.as_str());
            match shared
                .commit(command, read, &result, applied.as_ref(), now)
                .await
            {
                Err(error) => return self.not_shared(command, &error),
                Ok(Committed::Conflict) => continue,
                Ok(Committed::Unseeded) => {
                    drop(order);
                    self.reseed(shared).await;
                    continue;
                }
                Ok(Committed::Duplicate(first)) => return self.repeated(command, first),
                Ok(Committed::Stored) => {
                    let Some(relay) = applied else {
                        tracing::info!(request_id = %command.request_id,
                            relay_id = %command.relay_id, by, instance = %self.instance,
                            ?result, "relay command refused");
                        return CommandOutcome {
                            result,
                            delivered: None,
                        };
                    };
                    self.applied.fetch_add(1, Ordering::Relaxed);
                    self.lock().relays.insert(relay.id.clone(), relay.clone());
                    let (delivered_tx, delivered_rx) = oneshot::channel();
                    self.queue_relays(vec![relay], false, Some(delivered_tx));
                    drop(order);
                    tracing::info!(request_id = %command.request_id,
                        relay_id = %command.relay_id, state = command.state, by,
                        instance = %self.instance, "relay command applied");
                    return CommandOutcome {
                        result,
                        delivered: Some(delivered_rx),
                    };
                }
            }
        }
        tracing::warn!(request_id = %command.request_id, relay_id = %command.relay_id,
            attempts = COMMIT_ATTEMPTS, "relay command given up: the relay kept changing");
        CommandOutcome {
            result: command::refused(
                SetRelayError::Forbidden,
                format!(
                    "relay {:?} kept changing while this command was applied: it was not applied",
                    command.relay_id
                ),
            ),
            delivered: None,
        }
    }

    /// Seeds an empty Redis (restarted without persistence) with this instance's last
    /// reading of the plant, unless another instance does so first.
    pub(crate) async fn reseed(&self, shared: &SharedStore) {
        let (devices, relays) = (self.devices(), self.relays());
        if let Ok(true) = shared.seed(&devices, &relays).await {
            tracing::warn!(instance = %self.instance, devices = devices.len(),
                relays = relays.len(),
                "Redis came back without the plant: seeded it again from this instance's last reading");
        }
    }

    /// The answer to a repeat: the first result, marked as a duplicate when it was applied.
    fn repeated(&self, command: &RelayCommand, first: SetRelayResult) -> CommandOutcome {
        let result = match first {
            SetRelayResult::Applied { relay, .. } => SetRelayResult::Applied {
                relay,
                duplicate: true,
            },
            refusal => refusal,
        };
        tracing::info!(request_id = %command.request_id, relay_id = %command.relay_id,
            instance = %self.instance, "repeated relay command answered with its first result");
        CommandOutcome {
            result,
            delivered: None,
        }
    }

    /// The refusal of a command the shared state could not take. It is not remembered as the
    /// request id's first result: nothing was decided, so the retry must be decided afresh.
    fn not_shared(&self, command: &RelayCommand, error: &SharedError) -> CommandOutcome {
        tracing::warn!(request_id = %command.request_id, relay_id = %command.relay_id,
            instance = %self.instance, %error, "relay command refused: shared state unavailable");
        let message = match error {
            SharedError::Corrupt { .. } => format!(
                "the plant's shared state (Redis) holds unreadable data: the command was not applied ({error})"
            ),
            _ => UNREACHABLE_MESSAGE.to_string(),
        };
        CommandOutcome {
            result: command::refused(SetRelayError::Forbidden, message),
            delivered: None,
        }
    }

    /// Applies a validated relay command issued by `by`, or refuses it, at most once per
    /// request id, in this plant's own table.
    pub(crate) fn apply_command(&self, command: &RelayCommand, by: &str) -> CommandOutcome {
        let now = self.now();
        let now_instant = tokio::time::Instant::now();
        let mut state = self.lock();

        if let Some(first) = state.commands.get(&command.request_id, now_instant) {
            let result = match first.clone() {
                SetRelayResult::Applied { relay, .. } => SetRelayResult::Applied {
                    relay,
                    duplicate: true,
                },
                refusal => refusal,
            };
            tracing::info!(request_id = %command.request_id, relay_id = %command.relay_id,
                "repeated relay command answered with its first result");
            return CommandOutcome {
                result,
                delivered: None,
            };
        }

        let max_age = self.command_max_age.as_secs_f64();
        let current = state.relays.get(&command.relay_id);
        let relay = match command::decide(command, current, now, max_age, by) {
            command::Decision::Apply(relay) => {
                state.relays.insert(relay.id.clone(), relay.clone());
                relay
            }
            command::Decision::Refuse(result) => {
                tracing::info!(request_id = %command.request_id, relay_id = %command.relay_id,
                    by, ?result, "relay command refused");
                state
                    .commands
                    .remember(&command.request_id, result.clone(), now_instant);
                return CommandOutcome {
                    result,
                    delivered: None,
                };
            }
        };
        self.applied.fetch_add(1, Ordering::Relaxed);
        let result = SetRelayResult::Applied {
            relay: relay.clone(),
            duplicate: false,
        };
        state
            .commands
            .remember(&command.request_id, result.clone(), now_instant);
        let (delivered_tx, delivered_rx) = oneshot::channel();
        self.queue_relays(vec![relay], false, Some(delivered_tx));
        drop(state);

        tracing::info!(request_id = %command.request_id, relay_id = %command.relay_id,
            state = command.state, by, instance = %self.instance, "relay command applied");
        CommandOutcome {
            result,
            delivered: Some(delivered_rx),
        }
    }

    /// Advances the simulation one tick and broadcasts what changed, in one message.
    pub(crate) fn simulate(&self, rng: &mut StdRng) -> usize {
        let mut state = self.lock();
        let changed = fleet::step(&mut state.devices, rng, self.now());
        let count = changed.len();
        if count > 0 {
            self.queue_devices(changed, false);
        }
        count
    }

    /// One simulation tick in `--redis` mode: takes or extends the lease and, while this
    /// instance holds it, steps the fleet as stored in Redis and writes back what changed.
    pub(crate) async fn simulate_shared(
        &self,
        shared: &SharedStore,
        rng: &mut StdRng,
        lease: Duration,
    ) -> usize {
        let held = shared.hold_lease(lease).await.unwrap_or(false);
        if self.simulating.swap(held, Ordering::Relaxed) != held {
            if held {
                tracing::info!(instance = %self.instance, "simulation lease taken: this instance simulates the plant");
            } else {
                tracing::info!(instance = %self.instance, "simulation lease lost: another instance simulates the plant");
            }
        }
        if !held {
            return 0;
        }
        let Ok(devices) = shared.devices().await else {
            return 0;
        };
        let mut fleet: BTreeMap<String, Device> =
            devices.into_iter().map(|d| (d.id.clone(), d)).collect();
        let changed = fleet::step(&mut fleet, rng, self.now());
        if changed.is_empty() {
            return 0;
        }
        match shared.write_devices(&changed).await {
            Ok(true) => {
                let count = changed.len();
                let mut state = self.lock();
                state.devices = fleet;
                self.queue_devices(changed, false);
                count
            }
            // The lease ran out between taking it and writing: the new holder simulates.
            Ok(false) | Err(_) => 0,
        }
    }

    /// Marks this plant as simulating on its own (no lease outside `--redis` mode).
    pub(crate) fn simulates_alone(&self) {
        self.simulating.store(true, Ordering::Relaxed);
    }

    /// Drifts the `count` devices after `cursor` in id order (wrapping around), stamps each
    /// and queues each as its own one-device update: the steady stream of
    /// `ServerConfig::updates_per_second`. `cursor` is left on the last device sent.
    pub(crate) fn stream(&self, rng: &mut StdRng, count: usize, cursor: &mut Option<String>) {
        use std::ops::Bound::{Excluded, Unbounded};
        let mut state = self.lock();
        for _ in 0..count {
            let after = match cursor.as_deref() {
                Some(id) => state
                    .devices
                    .range::<str, _>((Excluded(id), Unbounded))
                    .next()
                    .map(|(id, _)| id.clone()),
                None => None,
            };
            let Some(id) = after.or_else(|| state.devices.keys().next().cloned()) else {
                return;
            };
            let device = state.devices.get_mut(&id).expect("the id was just found");
            fleet::drift(device, rng);
            device.last_seen = self.now();
            let device = device.clone();
            self.queue_devices(vec![device], false);
            *cursor = Some(id);
        }
    }

    fn update_device(&self, id: &str, change: impl FnOnce(&mut Device)) -> Option<Device> {
        let mut state = self.lock();
        let device = state.devices.get_mut(id)?;
        change(device);
        device.last_seen = self.now();
        let device = device.clone();
        self.queue_devices(vec![device.clone()], false);
        Some(device)
    }
}

/// Compares two tokens without returning early on the first difference, so that response
/// timing does not reveal how much of a guessed token was right.
fn constant_time_eq(expected: &str, presented: &str) -> bool {
    let (a, b) = (expected.as_bytes(), presented.as_bytes());
    let mut difference = a.len() ^ b.len();
    for (index, byte) in a.iter().enumerate() {
        difference |= usize::from(byte ^ b.get(index).copied().unwrap_or(0));
    }
    difference == 0
}

/// A cheap, cloneable handle on a running plant, for the console's demo mode and for tests.
///
/// Changes made through it are plant-side changes: they are broadcast to every client like
/// changes from the simulation, and they bypass the command checks (lock, expiry, dedupe)
/// that apply to commands from clients.
///
/// Its synchronous methods work on this instance's own state: the plant itself when the
/// server runs alone, and only this instance's last reading of it in `--redis` mode. There,
/// use the `async` ones ([`PlantHandle::current_relays`], [`PlantHandle::switch_relay`], …),
/// which read and write the shared plant in Redis.
#[derive(Clone)]
pub struct PlantHandle {
    pub(crate) plant: Arc<Plant>,
    pub(crate) io: Sockets,
}

impl std::fmt::Debug for PlantHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlantHandle")
            .field("applied_commands", &self.applied_commands())
            .field("connected_clients", &self.connected_clients())
            .finish_non_exhaustive()
    }
}

impl PlantHandle {
    /// All devices, in id order.
    pub fn devices(&self) -> Vec<Device> {
        self.plant.devices()
    }

    /// All relays, in id order.
    pub fn relays(&self) -> Vec<Relay> {
        self.plant.relays()
    }

    /// Switches a relay from the plant side (`by` becomes `changed_by`); `None` if unknown.
    pub fn set_relay(&self, id: &str, state: bool, by: &str) -> Option<Relay> {
        let mut guard = self.plant.lock();
        let relay = guard.relays.get_mut(id)?;
        relay.state = state;
        relay.changed_at = self.plant.now();
        relay.changed_by = Some(by.to_string());
        let relay = relay.clone();
        self.plant.queue_relays(vec![relay.clone()], false, None);
        drop(guard);
        tracing::info!(relay_id = id, state, by, "relay switched at the plant");
        Some(relay)
    }

    /// Changes a device's status and stamps `last_seen`; `None` if unknown.
    pub fn set_device_status(&self, id: &str, status: DeviceStatus) -> Option<Device> {
        self.plant.update_device(id, |d| d.status = status)
    }

    /// Changes a device's value and stamps `last_seen`; `None` if unknown.
    pub fn set_device_value(&self, id: &str, value: f64) -> Option<Device> {
        self.plant.update_device(id, |d| d.value = Some(value))
    }

    /// Adds a device or replaces the one with the same id, exactly as given.
    pub fn upsert_device(&self, device: Device) {
        let mut state = self.plant.lock();
        state.devices.insert(device.id.clone(), device.clone());
        self.plant.queue_devices(vec![device], false);
    }

    /// Adds a relay or replaces the one with the same id, exactly as given (for example to
    /// lock one with `"locked": true` in `extra`).
    pub fn upsert_relay(&self, relay: Relay) {
        let mut state = self.plant.lock();
        state.relays.insert(relay.id.clone(), relay.clone());
        self.plant.queue_relays(vec![relay], false, None);
    }

    /// Removes a device and broadcasts a devices snapshot, because a non-snapshot update
    /// cannot say that something is gone. `false` if there was no such device.
    pub fn remove_device(&self, id: &str) -> bool {
        let mut state = self.plant.lock();
        if state.devices.remove(id).is_none() {
            return false;
        }
        let all = state.devices.values().cloned().collect();
        self.plant.queue_devices(all, true);
        true
    }

    /// Removes a relay and broadcasts a relays snapshot. `false` if there was no such relay.
    pub fn remove_relay(&self, id: &str) -> bool {
        let mut state = self.plant.lock();
        if state.relays.remove(id).is_none() {
            return false;
        }
        let all = state.relays.values().cloned().collect();
        self.plant.queue_relays(all, true, None);
        true
    }

    /// Relay commands from clients applied so far; refusals and duplicates do not count.
    pub fn applied_commands(&self) -> u64 {
        self.plant.applied_commands()
    }

    /// Socket.IO clients connected to this instance right now.
    pub fn connected_clients(&self) -> usize {
        self.io.connected_clients()
    }

    /// This instance's name (`ServerConfig::instance`, or its default).
    pub fn instance(&self) -> &str {
        self.plant.instance()
    }

    /// Whether this instance simulates the fleet: always when it runs alone with the
    /// simulation on, and while it holds the simulation lease in `--redis` mode.
    pub fn is_simulating(&self) -> bool {
        self.plant.simulating.load(Ordering::Relaxed)
    }

    /// Whether Redis answered this instance's last call; `None` without `--redis`.
    pub fn redis_reachable(&self) -> Option<bool> {
        self.plant.shared().map(|shared| shared.reachable())
    }

    /// For tests of a lost ack: while `true`, `set_relay` commands over Socket.IO are
    /// applied (and broadcast) as usual, but their ack is never sent, as if the instance
    /// had died just after applying them.
    pub fn withhold_acks(&self, withhold: bool) {
        self.plant.withhold_acks.store(withhold, Ordering::Relaxed);
    }

    /// All relays as the plant has them now: from Redis in `--redis` mode.
    pub async fn current_relays(&self) -> Vec<Relay> {
        self.plant.current_relays().await
    }

    /// All devices as the plant has them now: from Redis in `--redis` mode.
    pub async fn current_devices(&self) -> Vec<Device> {
        self.plant.current_devices().await
    }

    /// [`PlantHandle::set_relay`] on the shared plant in `--redis` mode (a compare-and-set
    /// on the stored relay, retried if it changed in between); the same as `set_relay`
    /// otherwise. `None` if there is no such relay or Redis cannot be reached.
    pub async fn switch_relay(&self, id: &str, state: bool, by: &str) -> Option<Relay> {
        let Some(shared) = self.plant.shared().cloned() else {
            return self.set_relay(id, state, by);
        };
        for _ in 0..COMMIT_ATTEMPTS {
            let (json, mut relay) = shared.relay(id).await.ok()??;
            relay.state = state;
            relay.changed_at = self.plant.now();
            relay.changed_by = Some(by.to_string());
            let order = self.plant.commit_order.lock().await;
            if shared.put_relay(Some(&json), &relay).await.ok()? {
                self.plant
                    .lock()
                    .relays
                    .insert(relay.id.clone(), relay.clone());
                self.plant.queue_relays(vec![relay.clone()], false, None);
                drop(order);
                tracing::info!(relay_id = id, state, by, instance = %self.plant.instance(),
                    "relay switched at the plant");
                return Some(relay);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broadcast::{self, Inbox};
    use serde_json::Value;

    fn relay(id: &str, locked: bool) -> Relay {
        let mut extra = Map::new();
        if locked {
            extra.insert("locked".into(), Value::Bool(true));
        }
        Relay {
            id: id.into(),
            name: "Pump 1".into(),
            device_id: None,
            state: false,
            changed_at: 0.0,
            changed_by: None,
            extra,
        }
    }

    fn plant() -> (Plant, Inbox) {
        let (outbox, inbox) = broadcast::channel();
        let plant = Plant::new(
            Vec::new(),
            vec![relay("relay-01", false), relay("relay-05", true)],
            outbox,
            Some("secret".into()),
            Duration::from_secs(60),
            HostFigures::default(),
        );
        (plant, inbox)
    }

    fn command(relay_id: &str, request_id: &str, issued_at: f64) -> RelayCommand {
        RelayCommand {
            relay_id: relay_id.into(),
            state: true,
            request_id: request_id.into(),
            issued_at,
            operator: None,
        }
    }

    fn error_of(result: &SetRelayResult) -> Option<SetRelayError> {
        match result {
            SetRelayResult::Refused { error, .. } => Some(*error),
            SetRelayResult::Applied { .. } => None,
        }
    }

    #[tokio::test]
    async fn an_applied_command_switches_the_relay_and_queues_one_broadcast() {
        let (plant, mut inbox) = plant();
        let outcome = plant.apply_command(&command("relay-01", "r1", unix_now()), "op");
        let SetRelayResult::Applied { relay, duplicate } = &outcome.result else {
            panic!("refused: {:?}", outcome.result);
        };
        assert!(relay.state && !duplicate);
        assert_eq!(relay.changed_by.as_deref(), Some("op"));
        assert_eq!(plant.applied_commands(), 1);
        let Some(Outgoing::Relays { update, delivered }) = inbox.recv().await else {
            panic!("no relays broadcast queued");
        };
        assert_eq!(update.relays, vec![relay.clone()]);
        assert!(!update.snapshot && delivered.is_some());
    }

    #[tokio::test]
    async fn a_repeated_request_id_gets_the_first_result_and_changes_nothing() {
        let (plant, mut inbox) = plant();
        let first = plant.apply_command(&command("relay-01", "r1", unix_now()), "op");
        let mut again = command("relay-01", "r1", unix_now());
        again.state = false;
        let repeat = plant.apply_command(&again, "someone else");
        let (
            SetRelayResult::Applied { relay: a, .. },
            SetRelayResult::Applied {
                relay: b,
                duplicate: true,
            },
        ) = (&first.result, &repeat.result)
        else {
            panic!("unexpected results {:?} {:?}", first.result, repeat.result);
        };
        assert_eq!(a, b);
        assert!(
            plant.relays()[0].state,
            "the repeat must not switch the relay back"
        );
        assert_eq!(plant.applied_commands(), 1);
        assert!(repeat.delivered.is_none());
        assert!(inbox.recv().await.is_some());
        assert!(inbox.try_recv().is_err(), "a duplicate must not broadcast");
    }

    #[test]
    fn unknown_expired_and_locked_relays_are_refused_without_counting() {
        let (plant, _inbox) = plant();
        let cases = [
            (
                command("relay-99", "a", unix_now()),
                SetRelayError::UnknownRelay,
            ),
            (
                command("relay-01", "b", unix_now() - 61.0),
                SetRelayError::Expired,
            ),
            (
                command("relay-05", "c", unix_now()),
                SetRelayError::Forbidden,
            ),
        ];
        for (command, expected) in cases {
            let outcome = plant.apply_command(&command, "op");
            assert_eq!(error_of(&outcome.result), Some(expected));
        }
        assert_eq!(plant.applied_commands(), 0);
        assert!(!plant.relays()[0].state);
    }

    #[test]
    fn a_refused_request_id_is_refused_the_same_way_when_repeated() {
        let (plant, _inbox) = plant();
        let first = plant.apply_command(&command("relay-05", "a", unix_now()), "op");
        let repeat = plant.apply_command(&command("relay-01", "a", unix_now()), "op");
        assert_eq!(first.result, repeat.result);
        assert_eq!(plant.applied_commands(), 0);
    }

    #[tokio::test]
    async fn a_stream_sends_one_device_per_update_in_id_order_and_wraps_around() {
        let (outbox, mut inbox) = broadcast::channel();
        let mut rng = fleet::rng_for(Some(3));
        let devices = fleet::generate_devices(3, &mut rng, 0.0);
        let plant = Plant::new(
            devices,
            Vec::new(),
            outbox,
            None,
            Duration::from_secs(60),
            HostFigures::default(),
        );
        let mut cursor = None;
        plant.stream(&mut rng, 2, &mut cursor);
        plant.stream(&mut rng, 2, &mut cursor);
        let mut ids = Vec::new();
        while let Ok(Outgoing::Devices(update)) = inbox.try_recv() {
            assert!(!update.snapshot);
            assert_eq!(update.devices.len(), 1);
            assert!(update.devices[0].last_seen > 0.0);
            ids.push(update.devices[0].id.clone());
        }
        assert_eq!(ids, ["dev-001", "dev-002", "dev-003", "dev-001"]);
    }

    #[test]
    fn tokens_are_compared_exactly() {
        let (plant, _inbox) = plant();
        assert!(plant.accepts_token(Some("secret")));
        for wrong in [
            None,
            Some(""),
            Some("secre"),
            Some("secret2"),
            Some("Secret"),
        ] {
            assert!(!plant.accepts_token(wrong), "{wrong:?} was accepted");
        }
    }
}
