//! The plant's shared state: devices, relays, the relay command path, and the public handle.
//!
//! One mutex guards the devices, the relays and the dedupe table together. A relay command
//! reads and writes all three, and doing that under one lock is what makes "applied at most
//! once" hold when the same request id arrives on two transports at the same moment. Every
//! change queues its broadcast before the lock is released, so broadcasts leave in the order
//! the changes happened (see `broadcast.rs`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use plant_protocol::{
    Device, DeviceStatus, DevicesUpdate, Relay, RelaysUpdate, SetRelayError, SetRelayResult,
    SystemStats, UnixSeconds,
};
use rand::rngs::StdRng;
use serde_json::{Map, Value};
use socketioxide::SocketIo;
use tokio::sync::oneshot;

use crate::broadcast::{Outbox, Outgoing};
use crate::command::RelayCommand;
use crate::dedupe::DedupeTable;
use crate::fleet;
use crate::stats::HostFigures;

/// Unix time now, in seconds, as the contract sends it.
pub(crate) fn unix_now() -> UnixSeconds {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Number of Socket.IO clients connected to the default namespace.
pub(crate) fn connected_clients(io: &SocketIo) -> usize {
    // The namespace disappears when the server closes; nobody is connected then.
    io.of("/").map_or(0, |namespace| namespace.sockets().len())
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

fn refused(error: SetRelayError, message: impl Into<String>) -> SetRelayResult {
    SetRelayResult::Refused {
        error,
        message: message.into(),
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
        }
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

    pub(crate) fn devices_snapshot(&self) -> DevicesUpdate {
        DevicesUpdate {
            devices: self.devices(),
            snapshot: true,
            server_time: self.now(),
        }
    }

    pub(crate) fn relays_snapshot(&self) -> RelaysUpdate {
        RelaysUpdate {
            relays: self.relays(),
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
    /// request id.
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
        let age = now - command.issued_at;
        let checked = match state.relays.get_mut(&command.relay_id) {
            None => Err(refused(
                SetRelayError::UnknownRelay,
                format!("no relay with id {:?}", command.relay_id),
            )),
            Some(_) if age > max_age => Err(refused(
                SetRelayError::Expired,
                format!("command issued {age:.1} s ago; the limit is {max_age} s"),
            )),
            Some(relay) if is_locked(relay) => Err(refused(
                SetRelayError::Forbidden,
                format!("relay {:?} is locked at the plant", relay.id),
            )),
            Some(relay) => Ok(relay),
        };
        let relay = match checked {
            Ok(relay) => {
                relay.state = command.state;
                relay.changed_at = now;
                relay.changed_by = Some(by.to_string());
                relay.clone()
            }
            Err(result) => {
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
            state = command.state, by, "relay command applied");
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

/// Whether a relay carries `"locked": true`, which makes it refuse remote commands.
fn is_locked(relay: &Relay) -> bool {
    relay.extra.get("locked") == Some(&Value::Bool(true))
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
#[derive(Clone)]
pub struct PlantHandle {
    pub(crate) plant: Arc<Plant>,
    pub(crate) io: SocketIo,
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

    /// Socket.IO clients connected right now.
    pub fn connected_clients(&self) -> usize {
        connected_clients(&self.io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broadcast::{self, Inbox};

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
