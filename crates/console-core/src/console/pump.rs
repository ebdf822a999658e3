//! The runtime pump: one task that takes each link event into the plant state, and from
//! there into the store's pending writes, the UI's batches and the alert engine, and that
//! swaps caches when the link moves to another plant.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{sleep_until, Instant};

use super::cache::NextCache;
use super::{persisted_hook, Progress, Shared};
use crate::alerts::{self, AlertFeed, ChangeFeed};
use crate::state::PlantState;
use crate::store::{self, Appearances, PendingWrites, StoreError, StoreWriter};
use crate::view::{Batcher, LinkStatus, UpdateBatch};
use plant_link::config::PlantId;
use plant_link::link::{LinkEvent, LinkMode, LinkState, Telemetry};
use plant_link::session::Inbound;

/// How many link events the pump takes in one round when they are already queued.
const DRAIN_AT_ONCE: usize = 256;

/// The pump's half of the console: what it reads from and writes to.
pub(super) struct Pump {
    pub(super) shared: Arc<Shared>,
    pub(super) events: mpsc::Receiver<LinkEvent>,
    pub(super) link_state: watch::Receiver<LinkState>,
    pub(super) telemetry: Arc<Telemetry>,
    pub(super) writer: StoreWriter,
    pub(super) ui: mpsc::Sender<UpdateBatch>,
    pub(super) interval: Duration,
    pub(super) alerts: ChangeFeed,
    pub(super) alert_feed: mpsc::Receiver<AlertFeed>,
    pub(super) progress: Option<Arc<dyn Progress>>,
    /// Plant messages applied so far, counted only for `progress`.
    pub(super) applied: u64,
    /// History retention, for the writer of a plant moved to.
    pub(super) retention: Duration,
    /// The journal's rows per device or relay per minute (`bounds`).
    pub(super) journal_cap: crate::bounds::JournalCap,
}

impl Pump {
    pub(super) async fn run(mut self, mut stop: oneshot::Receiver<()>) -> Result<(), StoreError> {
        let mut pending = PendingWrites::default();
        let mut batcher = Batcher::default();
        let mut changes = Vec::new();
        let mut flush_at: Option<Instant> = None;
        // The link state last seen, to journal each change as from → to and to mark link
        // gaps. Every link starts Connecting (`link::spawn`) and this receiver has marked
        // nothing seen, so its first `changed()` brings whatever the link reached since.
        let started_at = plant_link::clock::unix_now();
        let mut link_seen = LinkState {
            mode: LinkMode::Connecting,
            since: started_at,
            detail: None,
            address: Default::default(),
        };
        pending.link_started(started_at, self.shared.stored_last_contact());
        let mut last_data = self.shared.stored_last_contact();
        let mut writer_idle = self.writer.idle();
        // The events of one round: under a burst the next ones are already queued, and
        // taking them together spares a round of this select and a hand-off to the writer
        // for each.
        let mut round = Vec::with_capacity(DRAIN_AT_ONCE);
        loop {
            tokio::select! {
                taken = self.events.recv_many(&mut round, DRAIN_AT_ONCE) => {
                    if taken == 0 {
                        break;
                    }
                    for event in round.drain(..) {
                        if let LinkEvent::Inbound { at, .. } = &event {
                            last_data = Some(*at);
                        }
                        if let LinkEvent::PlantChanged { from, to } = &event {
                            let at = plant_link::clock::unix_now();
                            let next = self
                                .shared
                                .next_cache
                                .lock()
                                .unwrap_or_else(|poisoned| poisoned.into_inner())
                                .take();
                            match next {
                                Some(next) => {
                                    last_data = self
                                        .move_to_plant(from, to, at, next, &mut pending, &mut batcher)
                                        .await?;
                                    writer_idle = self.writer.idle();
                                }
                                None => {
                                    self.forget_plant(from.as_str(), to.as_str(), at, &mut pending, &mut batcher);
                                    // In the engine's queue after every change of the old plant.
                                    self.alerts.forget_plant(at).await;
                                }
                            }
                        } else {
                            self.apply(event, &mut changes, &mut pending, &mut batcher);
                        }
                    }
                    self.writer.offer(&mut pending)?;
                }
                changed = self.link_state.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let state = self.link_state.borrow_and_update().clone();
                    pending.link_changed(&link_seen, &state, last_data);
                    // A watch keeps only the latest state, so several failovers between two
                    // looks show as one entry, to the address the link is on now.
                    if state.address.failovers > link_seen.address.failovers {
                        pending.journal(store::describe_failover(&state));
                    }
                    let status = LinkStatus::new(&state, &self.telemetry, self.shared.stored_last_contact());
                    batcher.link(status);
                    link_seen = state;
                    self.writer.offer(&mut pending)?;
                }
                _ = async { sleep_until(flush_at.unwrap_or_else(Instant::now)).await }, if flush_at.is_some() => {
                    flush_at = None;
                    self.flush_ui(&mut batcher);
                    self.writer.offer(&mut pending)?;
                }
                Some(feed) = self.alert_feed.recv() => batcher.alert(feed),
                status = self.writer.status_changed() => {
                    *self
                        .shared
                        .cache
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()) = status.clone();
                    batcher.cache(status);
                }
                // Writes the writer was too busy to take go as soon as it is free, not
                // with the next plant message, which may be seconds away.
                _ = writer_idle.notified(), if !pending.is_empty() => {
                    self.writer.offer(&mut pending)?;
                }
                _ = &mut stop => break,
            }
            if !batcher.is_empty() && flush_at.is_none() {
                flush_at = Some(Instant::now() + self.interval);
            }
        }
        // Events already received are applied before the store closes, so nothing the
        // console has seen is lost on a clean exit.
        while let Ok(event) = self.events.try_recv() {
            self.apply(event, &mut changes, &mut pending, &mut Batcher::default());
        }
        // The journal says how many rows its cap left out, even of the last minute.
        for row in self
            .journal_cap
            .summaries(plant_link::clock::unix_now(), true)
        {
            pending.journal(row);
        }
        let writer = self.writer;
        store::blocking(move || writer.close(pending)).await
    }

    /// The link now leads to another plant, whose cache `next` was opened for: what is
    /// pending goes into the old plant's cache (with a journal entry saying the console
    /// left), its writer closes, and the new plant's cache, last-known state and alerts
    /// take their place; the window swaps one picture for the other. Returns the new
    /// cache's last contact.
    async fn move_to_plant(
        &mut self,
        from: &PlantId,
        to: &PlantId,
        at: plant_protocol::UnixSeconds,
        next: NextCache,
        pending: &mut PendingWrites,
        batcher: &mut Batcher,
    ) -> Result<Option<f64>, StoreError> {
        pending.journal(store::NewJournalEntry {
            at,
            kind: store::journal_kind::LINK.into(),
            message: None,
            subject: to.to_string(),
            text: format!("The console left plant {from} for plant {to}"),
            data: serde_json::json!({ "from": from, "to": to }),
        });
        let old = std::mem::replace(
            &mut self.writer,
            StoreWriter::spawn_observed(
                next.writer,
                self.retention,
                persisted_hook(&self.progress),
            ),
        );
        let leaving = std::mem::take(pending);
        store::blocking(move || old.close(leaving)).await?;

        let stored = next.stored;
        let picture = PlantState::from_parts(stored.devices, stored.relays, stored.system_stats);
        let old = std::mem::replace(
            &mut *self
                .shared
                .state
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
            picture.clone(),
        );
        // Only the window learns of the swap: neither cache changes because of it.
        for entry in old.devices() {
            batcher.push(&crate::state::Change::DeviceRemoved(entry.device.clone()));
        }
        for entry in old.relays() {
            batcher.push(&crate::state::Change::RelayRemoved(entry.relay.clone()));
        }
        for entry in picture.devices() {
            batcher.push(&crate::state::Change::Device {
                before: None,
                after: entry.clone(),
            });
        }
        for entry in picture.relays() {
            batcher.push(&crate::state::Change::Relay {
                before: None,
                after: entry.clone(),
            });
        }
        if let Some(stats) = picture.stats() {
            batcher.push(&crate::state::Change::Stats(stats.clone()));
        }
        *self
            .shared
            .stored_last_contact
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = stored.last_contact;
        *self
            .shared
            .recovered_from
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            next.recovered_from.map(|kept| kept.display().to_string());
        pending.link_started(at, stored.last_contact);
        pending.journal(store::NewJournalEntry {
            at,
            kind: store::journal_kind::LINK.into(),
            message: None,
            subject: to.to_string(),
            text: format!("The console moved here from plant {from}"),
            data: serde_json::json!({ "from": from, "to": to }),
        });
        // In the engine's queue after every change of the old plant.
        self.alerts
            .move_to(at, Some(alerts::StoreSwitch::new(next.alerts)))
            .await;
        tracing::info!(%from, %to, cache = %next.dir.display(), "moved to another plant's cache");
        Ok(stored.last_contact)
    }

    /// Another plant is connected: the old one's devices and relays leave the state, the
    /// cache and the window without counting as removals at the plant (no journal lines,
    /// no alerts); one journal entry says what happened. The new plant's snapshots then
    /// fill an empty picture, quietly, as at a first start.
    fn forget_plant(
        &self,
        from: &str,
        to: &str,
        at: plant_protocol::UnixSeconds,
        pending: &mut PendingWrites,
        batcher: &mut Batcher,
    ) {
        let old = std::mem::take(
            &mut *self
                .shared
                .state
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        let removals = old
            .devices()
            .map(|entry| crate::state::Change::DeviceRemoved(entry.device.clone()))
            .chain(
                old.relays()
                    .map(|entry| crate::state::Change::RelayRemoved(entry.relay.clone())),
            );
        for change in removals {
            pending.push(&change);
            batcher.push(&change);
        }
        pending.journal(store::NewJournalEntry {
            at,
            kind: store::journal_kind::LINK.into(),
            message: None,
            subject: to.to_owned(),
            text: format!(
                "Plant changed from {from} to {to}; what was known of {from} was cleared"
            ),
            data: serde_json::json!({ "from": from, "to": to }),
        });
    }

    fn apply(
        &mut self,
        event: LinkEvent,
        changes: &mut Vec<crate::state::Change>,
        pending: &mut PendingWrites,
        batcher: &mut Batcher,
    ) {
        let (at, message) = match event {
            LinkEvent::Inbound { at, message } => (at, message),
            // The count of what could not be used grew: the window's banner and
            // diagnostics learn it with the next batch, even if no value changed.
            LinkEvent::Unusable => {
                batcher.link(self.link_status());
                return;
            }
            _ => return,
        };
        let server_time = match &message {
            Inbound::Devices(read) => Some(read.value.server_time),
            Inbound::Relays(read) => Some(read.value.server_time),
            Inbound::Stats(read) => Some(read.value.server_time),
            Inbound::RelayResult { .. } | Inbound::RoundTrip(_) => None,
        };
        // A stamp of 0 or less is a plant that does not say its time, not a clock.
        if let Some(server_time) = server_time.filter(|t| *t > 0.0) {
            self.shared.offset.sample(server_time, at);
        }
        let stamp = self.progress.as_ref().and(match &message {
            Inbound::Devices(read) => Some(read.value.server_time),
            Inbound::Relays(read) => Some(read.value.server_time),
            Inbound::Stats(read) => Some(read.value.server_time),
            Inbound::RelayResult { .. } | Inbound::RoundTrip(_) => None,
        });
        let unclean = match &message {
            Inbound::Devices(read) => !read.marks.is_clean(),
            Inbound::Relays(read) => !read.marks.is_clean(),
            Inbound::Stats(read) => !read.marks.is_clean(),
            Inbound::RelayResult { .. } | Inbound::RoundTrip(_) => false,
        };
        let mut capped = false;
        let appearances = {
            let mut state = self
                .shared
                .state
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            // Devices or relays that appear in a picture that held none of their kind are
            // the console learning the plant, not news: see `store::Appearances`.
            let appearances = Appearances::news_if(match &message {
                Inbound::Devices(_) => state.devices().next().is_some(),
                Inbound::Relays(_) => state.relays().next().is_some(),
                _ => true,
            });
            // The caps run between reading and applying: the state never holds more than
            // they allow, so neither do the store, the window and the alerts.
            match message {
                Inbound::Devices(mut read) => {
                    capped = self.shared.caps.devices(&mut read, &state);
                    state.apply_devices_read(read.value, &read.marks, at, changes)
                }
                Inbound::Relays(mut read) => {
                    capped = self.shared.caps.relays(&mut read, &state);
                    state.apply_relays_read(read.value, &read.marks, at, changes)
                }
                Inbound::Stats(read) => {
                    let unreadable = read.marks.of(0).cloned().unwrap_or_default();
                    state.apply_stats_read(read.value, unreadable, at, changes)
                }
                Inbound::RelayResult { .. } | Inbound::RoundTrip(_) => {}
            }
            appearances
        };
        for row in self.journal_cap.summaries(at, false) {
            pending.journal(row);
        }
        let mut journal_left_out = 0;
        for change in changes.iter() {
            if pending.record_capped(change, at, appearances, |subject, at| {
                self.journal_cap.allow(subject, at)
            }) {
                journal_left_out += 1;
            }
            batcher.push(change);
        }
        if capped || journal_left_out > 0 {
            self.shared.caps.journal_rows_left_out(journal_left_out);
            batcher.caps(self.shared.caps.reached());
        }
        // The alert engine is the changes' last reader: it takes them.
        self.alerts
            .offer_owned(std::mem::take(changes), at, appearances);
        pending.contact(at);
        if unclean {
            batcher.link(self.link_status());
        }
        if let Some(progress) = &self.progress {
            self.applied += 1;
            progress.applied(self.applied, stamp);
            pending.include_message(self.applied);
        }
    }

    fn link_status(&self) -> LinkStatus {
        LinkStatus::new(
            &self.link_state.borrow(),
            &self.telemetry,
            self.shared.stored_last_contact(),
        )
    }

    fn flush_ui(&self, batcher: &mut Batcher) {
        if batcher.is_empty() {
            return;
        }
        // The link's figures (last message age) ride along with every batch.
        let status = LinkStatus::new(
            &self.link_state.borrow(),
            &self.telemetry,
            self.shared.stored_last_contact(),
        );
        batcher.link(status);
        match self.ui.try_reserve() {
            Ok(permit) => permit.send(batcher.take()),
            // A UI that is behind keeps the changes merged here until it catches up.
            Err(mpsc::error::TrySendError::Full(())) => {}
            // No UI at all (headless): there is nobody to tell.
            Err(mpsc::error::TrySendError::Closed(())) => drop(batcher.take()),
        }
    }
}
