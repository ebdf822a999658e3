//! The plant's state shared through Redis (`--redis`): the one source of truth when several
//! instances serve the same plant.
//!
//! Every key lives under [`PREFIX`]:
//! - `plant:seeded` — set (`NX`) by the instance that seeded the fleet, with its name;
//! - `plant:devices`, `plant:relays` — hashes of id → the object's JSON;
//! - `plant:sim-lease` — the name of the one instance allowed to simulate, with an expiry
//!   its holder keeps extending;
//! - `plant:cmd:{request_id}` — the first result given for a relay command, kept for the
//!   dedupe window ([`RETENTION`]);
//! - `plant:applied` — a capped stream with one entry per applied command.
//!
//! Every change that must not be lost or doubled is one Lua script, which Redis runs
//! atomically: a relay command's claim of its request id, the check that the relay is still
//! as it was read, the relay's new state and its entry in `plant:applied` happen together or
//! not at all. So two instances switching the same relay cannot lose an update (the second
//! finds the relay changed and decides again), and a crash cannot leave a request id
//! claimed but never applied (there is no moment between the two).

pub(crate) mod driver;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use plant_protocol::{Device, Relay, SetRelayResult, UnixSeconds};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;

use crate::command::RelayCommand;
use crate::dedupe::RETENTION;

pub(crate) use driver::ManagedDriver;

/// The prefix of every key (and of the adapter's pub/sub channels).
pub(crate) const PREFIX: &str = "plant:";

/// Longest a Redis call may take before the instance counts Redis as unreachable. Redis
/// answers a local network in well under a millisecond; a second means it is gone.
const CALL_TIMEOUT: Duration = Duration::from_secs(1);

/// Entries kept in `plant:applied` (approximately: Redis trims whole blocks).
const APPLIED_MAXLEN: u32 = 10_000;

/// Why a Redis operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SharedError {
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("Redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("Redis holds no plant (restarted empty?); it is seeded again shortly")]
    Unseeded,
    #[error("unreadable JSON in Redis under {key}: {source}")]
    Corrupt {
        key: String,
        #[source]
        source: serde_json::Error,
    },
}

/// What committing a decided relay command came to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Committed {
    /// The result is stored (and, for an applied command, the relay switched).
    Stored,
    /// Another instance answered this request id first; this is its result.
    Duplicate(SetRelayResult),
    /// The relay changed since it was read: decide again on its new state.
    Conflict,
    /// Redis holds no plant (it restarted empty): seed it again, then decide again. Deciding
    /// on an empty Redis would refuse, and remember, `unknown_relay` for a real relay.
    Unseeded,
}

/// A relay as stored: its exact JSON (compared on commit) and what it says.
pub(crate) type StoredRelay = (String, Relay);

/// The connection to the shared state, and whether Redis answered last time.
pub(crate) struct SharedStore {
    conn: ConnectionManager,
    instance: String,
    reachable: AtomicBool,
    /// Whether the adapter's pub/sub connection answered its last ping (see `tasks.rs`).
    pubsub: AtomicBool,
    scripts: Scripts,
}

/// The scripts, each hashed once; redis-rs sends the hash and the script only when Redis
/// does not know it yet (after a restart, for example).
struct Scripts {
    seed: Script,
    commit: Script,
    put_relay: Script,
    lease: Script,
    release: Script,
    write_devices: Script,
}

impl Scripts {
    fn new() -> Self {
        Self {
            seed: Script::new(SEED),
            commit: Script::new(COMMIT),
            put_relay: Script::new(PUT_RELAY),
            lease: Script::new(LEASE),
            release: Script::new(RELEASE),
            write_devices: Script::new(WRITE_DEVICES),
        }
    }
}

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedStore")
            .field("instance", &self.instance)
            .field("reachable", &self.reachable())
            .finish_non_exhaustive()
    }
}

fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// The client for `url`, speaking RESP3 (which the adapter's pub/sub needs) unless the URL
/// already says which protocol to use.
pub(crate) fn client(url: &str) -> Result<redis::Client, SharedError> {
    let url = if url.contains("protocol=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&protocol=resp3")
    } else {
        format!("{url}?protocol=resp3")
    };
    Ok(redis::Client::open(url)?)
}

/// How both connections behave while Redis is away: each call fails within about a second
/// (so a command is refused quickly rather than hanging), and the connection keeps trying
/// to come back at least once a second.
pub(crate) fn connection_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CALL_TIMEOUT))
        .set_response_timeout(Some(CALL_TIMEOUT))
        .set_max_delay(Duration::from_secs(1))
}

/// Seeds the fleet unless some instance already did: `KEYS` seeded, devices, relays;
/// `ARGV` the instance, then the number of devices, then id/JSON pairs of devices and relays.
const SEED: &str = r"
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
local devices = tonumber(ARGV[2])
local at = 3
for _ = 1, devices do
  redis.call('HSET', KEYS[2], ARGV[at], ARGV[at + 1])
  at = at + 2
end
while at <= #ARGV do
  redis.call('HSET', KEYS[3], ARGV[at], ARGV[at + 1])
  at = at + 2
end
return 1
";

/// Commits a decided relay command: `KEYS` cmd:{id}, relays, applied, seeded; `ARGV` relay id,
/// the relay's JSON as read ('' for none), the result's JSON, the relay's new JSON ('' for a
/// refusal), the dedupe expiry (ms), request id, state, instance, time, stream cap.
const COMMIT: &str = r"
local first = redis.call('GET', KEYS[1])
if first then return {'duplicate', first} end
if redis.call('EXISTS', KEYS[4]) == 0 then return {'unseeded', ''} end
local current = redis.call('HGET', KEYS[2], ARGV[1])
if (current or '') ~= ARGV[2] then return {'conflict', ''} end
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[10], '*', 'request_id', ARGV[6],
    'relay_id', ARGV[1], 'state', ARGV[7], 'instance', ARGV[8], 'time', ARGV[9])
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[5])
return {'stored', ''}
";

/// Takes the simulation lease if it is free, or extends it if this instance holds it:
/// `KEYS` the lease; `ARGV` the instance, the expiry (ms). 1 if this instance holds it now.
const LEASE: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
";

/// Gives the lease up, if this instance still holds it: `KEYS` the lease; `ARGV` the instance.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Writes simulated devices only while this instance holds the lease, so that a writer whose
/// lease ran out (it stalled, another took over) cannot overwrite the new writer's changes:
/// `KEYS` the lease, devices; `ARGV` the instance, then id/JSON pairs. 1 if written.
const WRITE_DEVICES: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for at = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[at], ARGV[at + 1])
end
return 1
";

/// Replaces a relay if it is still as read: `KEYS` relays; `ARGV` id, JSON as read ('' for
/// none), new JSON. 1 if replaced.
const PUT_RELAY: &str = r"
if (redis.call('HGET', KEYS[1], ARGV[1]) or '') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
";

impl SharedStore {
    /// Connects to Redis; fails if it does not answer now.
    pub(crate) async fn connect(
        client: &redis::Client,
        instance: String,
    ) -> Result<Self, SharedError> {
        let conn = within(ConnectionManager::new_with_config(
            client.clone(),
            connection_config(),
        ))
        .await?;
        Ok(Self {
            conn,
            instance,
            reachable: AtomicBool::new(true),
            pubsub: AtomicBool::new(true),
            scripts: Scripts::new(),
        })
    }

    /// Whether the last call to Redis was answered, on both connections: without the
    /// pub/sub one, changes would be made but not broadcast to the other instances' clients.
    pub(crate) fn reachable(&self) -> bool {
        self.reachable.load(Ordering::Relaxed) && self.pubsub.load(Ordering::Relaxed)
    }

    /// Records whether the adapter's pub/sub connection answered.
    pub(crate) fn set_pubsub_reachable(&self, reachable: bool) {
        self.pubsub.store(reachable, Ordering::Relaxed);
    }

    /// Records whether Redis answered; returns what was recorded before.
    fn set_reachable(&self, reachable: bool) -> bool {
        self.reachable.swap(reachable, Ordering::Relaxed)
    }

    /// Runs one call, bounded, and records whether Redis answered it.
    async fn call<T>(
        &self,
        call: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, SharedError> {
        let answered = within(call).await;
        match &answered {
            Ok(_) => {
                if !self.set_reachable(true) {
                    tracing::info!(instance = %self.instance, "Redis is reachable again");
                }
            }
            // A script error is Redis answering; only a lost or silent connection is Redis
            // being unreachable.
            Err(SharedError::Redis(error)) if !is_unreachable(error) => {}
            Err(error) => {
                if self.set_reachable(false) {
                    tracing::warn!(instance = %self.instance, %error,
                        "Redis is unreachable: relay commands are refused until it is back");
                }
            }
        }
        answered
    }

    /// Checks that Redis answers.
    pub(crate) async fn ping(&self) -> Result<(), SharedError> {
        let mut conn = self.conn.clone();
        self.call(async move { redis::cmd("PING").query_async::<String>(&mut conn).await })
            .await
            .map(drop)
    }

    /// Whether the fleet is in Redis (a Redis restarted without persistence has none).
    pub(crate) async fn is_seeded(&self) -> Result<bool, SharedError> {
        let mut conn = self.conn.clone();
        self.call(async move {
            redis::cmd("EXISTS")
                .arg(key("seeded"))
                .query_async::<bool>(&mut conn)
                .await
        })
        .await
    }

    /// Stores `devices` and `relays` as the plant unless some instance already seeded it;
    /// `true` if this instance did.
    pub(crate) async fn seed(
        &self,
        devices: &[Device],
        relays: &[Relay],
    ) -> Result<bool, SharedError> {
        let mut invocation = self.scripts.seed.prepare_invoke();
        invocation
            .key(key("seeded"))
            .key(key("devices"))
            .key(key("relays"))
            .arg(&self.instance)
            .arg(devices.len());
        for device in devices {
            invocation.arg(&device.id).arg(to_json(device));
        }
        for relay in relays {
            invocation.arg(&relay.id).arg(to_json(relay));
        }
        let mut conn = self.conn.clone();
        let seeded: i64 = self
            .call(async move { invocation.invoke_async(&mut conn).await })
            .await?;
        Ok(seeded == 1)
    }

    /// Every device, in id order.
    pub(crate) async fn devices(&self) -> Result<Vec<Device>, SharedError> {
        let mut all: Vec<Device> = self.read_all("devices").await?;
        all.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(all)
    }

    /// Every relay, in id order.
    pub(crate) async fn relays(&self) -> Result<Vec<Relay>, SharedError> {
        let mut all: Vec<Relay> = self.read_all("relays").await?;
        all.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(all)
    }

    async fn read_all<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Vec<T>, SharedError> {
        let hash = key(name);
        let mut conn = self.conn.clone();
        let query = hash.clone();
        let mut pipe = redis::pipe();
        pipe.cmd("EXISTS")
            .arg(key("seeded"))
            .cmd("HGETALL")
            .arg(query);
        let (seeded, raw): (bool, Vec<(String, String)>) = self
            .call(async move { pipe.query_async(&mut conn).await })
            .await?;
        // An empty Redis is not an empty plant: taking it for one would wipe this
        // instance's last reading, the very thing it is seeded again from.
        if !seeded {
            return Err(SharedError::Unseeded);
        }
        raw.into_iter()
            .map(|(_, json)| from_json(&hash, &json))
            .collect()
    }

    /// The first result given for `request_id`, if any instance answered it already, and
    /// the relay as stored now.
    pub(crate) async fn command_state(
        &self,
        request_id: &str,
        relay_id: &str,
    ) -> Result<(Option<SetRelayResult>, Option<StoredRelay>), SharedError> {
        let command_key = key(&format!("cmd:{request_id}"));
        let mut conn = self.conn.clone();
        let mut pipe = redis::pipe();
        pipe.cmd("GET")
            .arg(&command_key)
            .cmd("HGET")
            .arg(key("relays"))
            .arg(relay_id);
        let (first, relay): (Option<String>, Option<String>) = self
            .call(async move { pipe.query_async(&mut conn).await })
            .await?;
        let first = first
            .map(|json| from_json(&command_key, &json))
            .transpose()?;
        let relay = relay
            .map(|json| from_json(&key("relays"), &json).map(|relay| (json, relay)))
            .transpose()?;
        Ok((first, relay))
    }

    /// Stores the first result of `command`, decided on the relay as read (`read`), with the
    /// relay's new state when it was applied; see [`COMMIT`].
    pub(crate) async fn commit(
        &self,
        command: &RelayCommand,
        read: Option<&str>,
        result: &SetRelayResult,
        applied: Option<&Relay>,
        now: UnixSeconds,
    ) -> Result<Committed, SharedError> {
        let command_key = key(&format!("cmd:{}", command.request_id));
        let mut invocation = self.scripts.commit.prepare_invoke();
        invocation
            .key(&command_key)
            .key(key("relays"))
            .key(key("applied"))
            .key(key("seeded"))
            .arg(&command.relay_id)
            .arg(read.unwrap_or(""))
            .arg(to_json(result))
            .arg(applied.map(to_json).unwrap_or_default())
            .arg(u64::try_from(RETENTION.as_millis()).unwrap_or(u64::MAX))
            .arg(&command.request_id)
            .arg(command.state)
            .arg(&self.instance)
            .arg(now)
            .arg(APPLIED_MAXLEN);
        let mut conn = self.conn.clone();
        let (outcome, first): (String, String) = self
            .call(async move { invocation.invoke_async(&mut conn).await })
            .await?;
        match outcome.as_str() {
            "stored" => Ok(Committed::Stored),
            "duplicate" => Ok(Committed::Duplicate(from_json(&command_key, &first)?)),
            "unseeded" => Ok(Committed::Unseeded),
            _ => Ok(Committed::Conflict),
        }
    }

    /// Replaces a relay if it is still as read (`read`, `None` for a new relay); `false` if
    /// it changed in between.
    pub(crate) async fn put_relay(
        &self,
        read: Option<&str>,
        relay: &Relay,
    ) -> Result<bool, SharedError> {
        let mut invocation = self.scripts.put_relay.prepare_invoke();
        invocation
            .key(key("relays"))
            .arg(&relay.id)
            .arg(read.unwrap_or(""))
            .arg(to_json(relay));
        let mut conn = self.conn.clone();
        let put: i64 = self
            .call(async move { invocation.invoke_async(&mut conn).await })
            .await?;
        Ok(put == 1)
    }

    /// The relay with `id` as stored, with its exact JSON.
    pub(crate) async fn relay(&self, id: &str) -> Result<Option<StoredRelay>, SharedError> {
        let mut conn = self.conn.clone();
        let (hash, field) = (key("relays"), id.to_string());
        let raw: Option<String> = self
            .call(async move {
                redis::cmd("HGET")
                    .arg(hash)
                    .arg(field)
                    .query_async(&mut conn)
                    .await
            })
            .await?;
        raw.map(|json| from_json(&key("relays"), &json).map(|relay| (json, relay)))
            .transpose()
    }

    /// Takes or extends the simulation lease for `ttl`; `true` if this instance holds it.
    pub(crate) async fn hold_lease(&self, ttl: Duration) -> Result<bool, SharedError> {
        let mut invocation = self.scripts.lease.prepare_invoke();
        invocation
            .key(key("sim-lease"))
            .arg(&self.instance)
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
        let mut conn = self.conn.clone();
        let held: i64 = self
            .call(async move { invocation.invoke_async(&mut conn).await })
            .await?;
        Ok(held == 1)
    }

    /// Gives the lease up if this instance holds it, so another takes over at once.
    pub(crate) async fn release_lease(&self) -> Result<(), SharedError> {
        let mut invocation = self.scripts.release.prepare_invoke();
        invocation.key(key("sim-lease")).arg(&self.instance);
        let mut conn = self.conn.clone();
        let _: i64 = self
            .call(async move { invocation.invoke_async(&mut conn).await })
            .await?;
        Ok(())
    }

    /// Stores simulated devices if this instance still holds the lease; `true` if stored.
    pub(crate) async fn write_devices(&self, devices: &[Device]) -> Result<bool, SharedError> {
        let mut invocation = self.scripts.write_devices.prepare_invoke();
        invocation
            .key(key("sim-lease"))
            .key(key("devices"))
            .arg(&self.instance);
        for device in devices {
            invocation.arg(&device.id).arg(to_json(device));
        }
        let mut conn = self.conn.clone();
        let written: i64 = self
            .call(async move { invocation.invoke_async(&mut conn).await })
            .await?;
        Ok(written == 1)
    }
}

/// Whether an error means Redis could not be reached (rather than that it refused a call).
fn is_unreachable(error: &redis::RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || error.is_unrecoverable_error()
}

async fn within<T>(
    call: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, SharedError> {
    // The connection has its own timeouts; this one also bounds a reconnect in progress.
    match tokio::time::timeout(CALL_TIMEOUT * 2, call).await {
        Ok(answered) => answered.map_err(SharedError::from),
        Err(_) => Err(SharedError::Timeout(CALL_TIMEOUT * 2)),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // The contract's types are plain data: serializing them cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn from_json<T: serde::de::DeserializeOwned>(key: &str, json: &str) -> Result<T, SharedError> {
    serde_json::from_str(json).map_err(|source| SharedError::Corrupt {
        key: key.to_string(),
        source,
    })
}
