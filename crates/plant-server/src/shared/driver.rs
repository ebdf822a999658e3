//! The pub/sub driver under socketioxide's Redis adapter, on redis' `ConnectionManager`.
//!
//! socketioxide-redis ships a driver on a `MultiplexedConnection`, which never reconnects: after
//! Redis restarts, every broadcast of that instance would fail (and with it the local emit the
//! adapter does after publishing), for good. This driver is the same pub/sub on a
//! `ConnectionManager` that reconnects on its own and resubscribes to the adapter's channels,
//! so an instance's broadcasts come back with Redis.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, FromRedisValue, PushInfo, PushKind};
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use tokio::sync::mpsc;

/// Where the messages of each subscribed channel go.
type Handlers = Arc<RwLock<HashMap<String, mpsc::Sender<ChanItem>>>>;

/// A Redis error from the adapter's pub/sub.
#[derive(Debug, thiserror::Error)]
#[error("Redis pub/sub: {0}")]
pub(crate) struct DriverError(#[from] redis::RedisError);

/// The adapter's pub/sub on one reconnecting RESP3 connection.
#[derive(Clone)]
pub(crate) struct ManagedDriver {
    handlers: Handlers,
    conn: ConnectionManager,
}

impl ManagedDriver {
    pub(crate) async fn connect(
        client: &redis::Client,
        config: ConnectionManagerConfig,
    ) -> Result<Self, redis::RedisError> {
        let handlers: Handlers = Arc::default();
        let routed = handlers.clone();
        let config =
            config
                .set_automatic_resubscription()
                .set_push_sender(move |push: PushInfo| {
                    route(push, &routed);
                    Ok::<(), std::convert::Infallible>(())
                });
        let conn = ConnectionManager::new_with_config(client.clone(), config).await?;
        Ok(Self { handlers, conn })
    }
}

impl ManagedDriver {
    /// Pings over the pub/sub connection. A `ConnectionManager` notices a lost connection
    /// (and reconnects and resubscribes) only when a call fails, and this one may carry no
    /// call for a long time; the server's Redis watch pings it so that it comes back with
    /// Redis rather than at the next broadcast, which would be lost.
    pub(crate) async fn ping(&self) -> bool {
        let mut conn = self.conn.clone();
        let ping = redis::cmd("PING");
        let pinged = ping.query_async::<String>(&mut conn);
        matches!(
            tokio::time::timeout(std::time::Duration::from_secs(2), pinged).await,
            Ok(Ok(_))
        )
    }
}

/// Hands a pub/sub message to its channel's stream; anything else pushed is ignored.
fn route(push: PushInfo, handlers: &Handlers) {
    if !matches!(push.kind, PushKind::Message | PushKind::SMessage) || push.data.len() < 2 {
        return;
    }
    let mut data = push.data.into_iter();
    let (Some(channel), Some(message)) = (data.next(), data.next()) else {
        return;
    };
    let (Ok(channel), Ok(message)) = (
        String::from_redis_value(channel),
        Vec::<u8>::from_redis_value(message),
    ) else {
        tracing::warn!("unreadable Redis pub/sub message dropped");
        return;
    };
    let handlers = handlers.read().unwrap_or_else(|p| p.into_inner());
    if let Some(sender) = handlers.get(&channel) {
        if let Err(error) = sender.try_send((channel, message)) {
            // The adapter reads its streams continuously; a full one means it is far behind.
            tracing::warn!(%error, "Redis pub/sub message dropped: the adapter is not keeping up");
        }
    }
}

impl Driver for ManagedDriver {
    type Error = DriverError;

    async fn publish(&self, chan: String, val: Vec<u8>) -> Result<(), Self::Error> {
        self.conn
            .clone()
            .publish::<_, _, redis::Value>(chan, val)
            .await?;
        Ok(())
    }

    async fn subscribe(
        &self,
        chan: String,
        size: usize,
    ) -> Result<MessageStream<ChanItem>, Self::Error> {
        let (sender, receiver) = mpsc::channel(size);
        // Registered before subscribing, so that no message sent just after the subscription
        // is dropped for want of a handler.
        self.handlers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(chan.clone(), sender);
        self.conn.clone().subscribe(chan.as_str()).await?;
        Ok(MessageStream::new(receiver))
    }

    async fn unsubscribe(&self, chan: String) -> Result<(), Self::Error> {
        self.handlers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&chan);
        self.conn.clone().unsubscribe(chan.as_str()).await?;
        Ok(())
    }

    async fn num_serv(&self, chan: &str) -> Result<u16, Self::Error> {
        let (_, count): (String, u16) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(chan)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(count)
    }
}
