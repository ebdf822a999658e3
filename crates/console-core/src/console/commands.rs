//! The operator's commands through the console: queueing a relay command (with the
//! "queue until?" offer while the plant is unreachable), cancelling, listing, read-only
//! mode and moving the link to other settings (possibly another plant).

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::cache::{open_plant_cache, NextCache};
use super::{CommandError, Console};
use crate::audit::Actor;
use crate::outbox::{OutboxError, QueuedCommand};
use crate::store::{self, StoreError};
use plant_link::config::LinkConfig;
use plant_link::link::LinkMode;

impl Console {
    /// Every lifecycle step of every command, for the one caller that shows them.
    pub fn take_command_updates(&self) -> Option<mpsc::Receiver<QueuedCommand>> {
        self.command_updates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    /// Queues an operator's relay command. While the plant is unreachable the operator
    /// must have confirmed queuing it (`queue_if_offline`), knowing it will be sent when
    /// the link returns, until it expires.
    pub async fn set_relay(
        &self,
        relay_id: &str,
        state: bool,
        queue_if_offline: bool,
    ) -> Result<QueuedCommand, CommandError> {
        self.set_relay_as(relay_id, state, queue_if_offline, Actor::current())
            .await
    }

    /// [`Console::set_relay`] in the name of `actor`: with sign-in on, the app passes the
    /// OS user with the operator signed in (`Actor::current().signed_in(name, role)`),
    /// whom the outbox, the audit trail, the journal and the plant (`operator`) record.
    /// The core checks no role: the app's gate has done so before calling.
    pub async fn set_relay_as(
        &self,
        relay_id: &str,
        state: bool,
        queue_if_offline: bool,
        actor: Actor,
    ) -> Result<QueuedCommand, CommandError> {
        if self.is_read_only() {
            return Err(CommandError::ReadOnly);
        }
        let now = self.shared.clock.now();
        let mode = self.link.state().borrow().mode;
        let reachable = matches!(
            mode,
            LinkMode::Realtime | LinkMode::Fallback | LinkMode::Stale
        );
        let key = (relay_id.to_owned(), state);
        let mut ttl = self.command_ttl;
        if !reachable {
            let mut offers = self
                .offers
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let offered = offers.remove(&key);
            // The operator confirms the "until" they were shown: the command lives until
            // then on the monotonic clock, not a TTL counted again from the confirmation.
            let left = offered.map(|deadline| deadline.saturating_duration_since(Instant::now()));
            match left {
                Some(left) if queue_if_offline && left >= Duration::from_secs(1) => ttl = left,
                None if queue_if_offline => {}
                _ => {
                    offers.insert(key, Instant::now() + self.command_ttl);
                    return Err(CommandError::LinkDown {
                        until: now + self.command_ttl.as_secs_f64(),
                    });
                }
            }
        }
        let plant = self.shared.plant();
        let (outbox, relay_id) = (self.outbox.clone(), relay_id.to_owned());
        let command =
            store::blocking(move || outbox.enqueue(&plant, &relay_id, state, ttl, &actor, now))
                .await?;
        self.outbox_wake.notify_one();
        Ok(command)
    }

    /// Cancels a command that has not been sent yet.
    pub async fn cancel_command(&self, request_id: &str) -> Result<QueuedCommand, CommandError> {
        self.cancel_command_as(request_id, Actor::current()).await
    }

    /// [`Console::cancel_command`] in the name of `actor` (see [`Console::set_relay_as`]).
    pub async fn cancel_command_as(
        &self,
        request_id: &str,
        actor: Actor,
    ) -> Result<QueuedCommand, CommandError> {
        let (outbox, id) = (self.outbox.clone(), request_id.to_owned());
        let now = self.shared.clock.now();
        let command = store::blocking(move || outbox.cancel(&id, &actor, now)).await?;
        Ok(command)
    }

    /// Appends an entry of the operator session to the plant's audit trail (see
    /// [`Outbox::record_audit`](crate::outbox::Outbox::record_audit)).
    pub async fn record_audit(
        &self,
        actor: Actor,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<(), CommandError> {
        let outbox = self.outbox.clone();
        let (action, target, detail) = (action.to_owned(), target.to_owned(), detail.to_owned());
        let now = self.shared.clock.now();
        store::blocking(move || outbox.record_audit(&actor, &action, &target, &detail, now))
            .await?;
        Ok(())
    }

    /// The latest commands, newest first.
    pub async fn outbox(&self, limit: u32) -> Result<Vec<QueuedCommand>, CommandError> {
        let outbox = self.outbox.clone();
        let commands = store::blocking(move || outbox.recent(limit)).await?;
        Ok(commands)
    }

    /// Turns read-only mode on or off while the console runs. Turning it on cancels the
    /// commands still queued: an operator who makes a console read-only expects nothing
    /// more to leave it. Returns the commands it ended.
    pub async fn set_read_only(&self, on: bool) -> Result<Vec<QueuedCommand>, CommandError> {
        let was = self.read_only.swap(on, Ordering::SeqCst);
        if was != on {
            tracing::info!(read_only = on, "read-only mode changed");
        }
        let ended = if on && !was {
            self.abandon("not sent: the console was made read-only", false)
                .await?
        } else {
            Vec::new()
        };
        self.outbox_wake.notify_one();
        Ok(ended)
    }

    /// Connects to the plant with new link settings (address, token, site CA). When they
    /// lead to another plant (`link.plant`), every command not yet final ends as "plant
    /// changed" first and none is sent to the new plant (its relay ids may name other
    /// relays); the console then moves to the new plant's own cache, so the window shows
    /// what is known of that plant and nothing of the old one. Returns the commands it
    /// ended.
    pub async fn reconfigure_link(
        &self,
        link: LinkConfig,
    ) -> Result<Vec<QueuedCommand>, CommandError> {
        let url = link.server().to_string();
        let to = link.plant.clone();
        let from = self.shared.plant();
        let mut ended = Vec::new();
        let mut next_dir = None;
        if to != from {
            let (outbox, now, name) = (self.outbox.clone(), self.shared.clock.now(), to.clone());
            ended = store::blocking(move || {
                outbox.end_for_plant_change(Some(&name), name.as_str(), now)
            })
            .await?;
            // From here on the runner sends nothing of the old plant, and ends whatever
            // of it was queued since.
            *self
                .shared
                .plant
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = to.clone();
            for command in &ended {
                let _ = self.updates.try_send(command.clone());
            }
            let (data_dir, plant, address) = (self.data_dir.clone(), to.clone(), url.clone());
            let next = store::blocking(move || {
                let (dir, opened, stored) = open_plant_cache(&data_dir, &plant, &address)?;
                let alerts = store::open_again(&dir)?;
                Ok::<_, StoreError>(NextCache {
                    dir,
                    writer: opened.conn,
                    alerts,
                    stored,
                    recovered_from: opened.recovered_from,
                })
            })
            .await
            .map_err(|e| CommandError::Outbox(OutboxError::Store(e)))?;
            next_dir = Some(next.dir.clone());
            *self
                .shared
                .next_cache
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(next);
            // Another plant has another clock.
            self.shared.offset.reset();
            tracing::info!(%from, %to, "moving to another plant");
        }
        *self
            .shared
            .server_url
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = url;
        self.link
            .reconfigure(link)
            .await
            .map_err(|_| CommandError::Stopped)?;
        if let Some(dir) = next_dir {
            // The link takes the new settings before any command it is handed after
            // this: a command of the new plant that reaches it while it still leads to
            // the old one is refused there and sent later.
            let outbox = self.outbox.clone();
            let switch_dir = dir.clone();
            store::blocking(move || outbox.switch_to(&switch_dir)).await?;
            *self
                .shared
                .cache_dir
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = dir;
            self.outbox_wake.notify_one();
        }
        Ok(ended)
    }

    async fn abandon(
        &self,
        reason: &'static str,
        sent_too: bool,
    ) -> Result<Vec<QueuedCommand>, CommandError> {
        let (outbox, now) = (self.outbox.clone(), self.shared.clock.now());
        let ended = store::blocking(move || outbox.abandon_open(reason, sent_too, now)).await?;
        for command in &ended {
            // The window and the alert engine learn of it as of any other step.
            let _ = self.updates.try_send(command.clone());
        }
        Ok(ended)
    }
}
