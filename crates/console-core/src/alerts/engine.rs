//! The alert engine as a task: it takes the runtime's changes, the link's state and the
//! outbox's command updates, runs them through [`AlertCore`], records every alert in
//! the store, hands notifications to the notifier thread and publishes the
//! [`AlertStatus`] the tray follows.
//!
//! Nothing here can hold up the plant link: the runtime offers changes with `try_send`
//! (and counts what did not fit), store work runs on blocking threads, and the
//! notification sink runs on a thread of its own.

use crate::audit::{self, Actor};
use console_i18n::{notification_text, word, Language};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use plant_protocol::UnixSeconds;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, Instant};

use super::feeds::{AlertFeed, ChangeBatch, ChangeFeed, StoreSwitch, CHANGE_QUEUE};
use super::handle::{blocking, AlarmAction, AlertError, AlertHandle, Db, Request};
use super::sink::Notifier;
use super::{
    AlertCore, AlertSettings, AlertStatus, AlertView, Decided, Mute, Notice, NotificationSink,
    Outcome,
};
use crate::alarms::AlarmStatus;
use crate::outbox::QueuedCommand;
use crate::state::PlantState;
use crate::store::{self};
use plant_link::clock::WallClock;
use plant_link::link::LinkState;
use plant_link::lograte::RepeatLimiter;
use plant_link::text::log_text;

/// How often acknowledged alerts past the retention are deleted.
const PRUNE_EVERY: f64 = 3600.0;

/// Everything the engine needs to start.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub settings: AlertSettings,
    /// How link alerts name the plant.
    pub server: String,
    pub data_dir: PathBuf,
    /// Acknowledged alerts older than this are deleted.
    pub retention: Duration,
    pub sink: Arc<dyn NotificationSink>,
    /// The wall clock alerts are dated by and link loss is timed on: the console's, or a
    /// test's that follows tokio's paused clock.
    pub clock: WallClock,
    /// The language notifications are worded in, read at each notification.
    pub language: watch::Receiver<Language>,
}

/// A started engine: the handle, the task, and the ends the console wires up.
#[derive(Debug)]
pub struct Started {
    pub handle: AlertHandle,
    pub task: JoinHandle<()>,
    /// For the runtime: changes go in here.
    pub changes: ChangeFeed,
    /// For the runtime: new alerts and status come out here, for the UI batches.
    pub feed: mpsc::Receiver<AlertFeed>,
    /// For [`fan_out`]: the outbox's command updates go in here.
    pub commands: mpsc::Sender<QueuedCommand>,
}

/// Opens the engine's store connection, learns the last-known plant from `state`
/// without alerting, and starts the task. Call it before the runtime starts applying
/// plant messages, so that every change after the restored picture reaches the engine.
pub async fn start(
    config: EngineConfig,
    state: &RwLock<PlantState>,
    link: watch::Receiver<LinkState>,
) -> Result<Started, AlertError> {
    let mut core = AlertCore::new(&config.settings, config.server);
    let data_dir = config.data_dir.clone();
    let conn = store::blocking(move || store::open_again(&data_dir)).await?;
    let db = Arc::new(Db(Mutex::new(conn)));
    let unacked = blocking(&db, |conn| store::alerts::unacked(conn)).await?;
    // The alarms as they were when the console last ran, before the plant is learnt:
    // a relay found off then suppresses its device's restored alarms.
    core.alarms_mut()
        .restore(blocking(&db, |conn| store::alarms::all(conn)).await?);
    core.seed(
        &state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );

    let (changes_tx, changes_rx) = mpsc::channel(CHANGE_QUEUE);
    let (feed_tx, feed_rx) = mpsc::channel(64);
    let (commands_tx, commands_rx) = mpsc::channel(256);
    let (requests_tx, requests_rx) = mpsc::channel(16);
    let dropped = Arc::new(AtomicU64::new(0));
    let mut engine = Engine {
        core,
        db: db.clone(),
        notifier: Notifier::spawn(config.sink),
        feed: feed_tx,
        status: watch::channel(AlertStatus::default()).0,
        unacked,
        retention: config.retention,
        prune_at: 0.0,
        quiet_log: RepeatLimiter::new(QUIET_ALERT_LOG_BURST, plant_link::lograte::LOG_WINDOW),
        clock: config.clock,
        alarm_status: watch::channel(AlarmStatus::default()).0,
        language: config.language,
        audit_notes: Vec::new(),
    };
    let (status_tx, status_rx) = watch::channel(engine.status_now());
    engine.status = status_tx;
    // Alarm changes made while learning the plant (suppressions) are saved at once.
    engine.save_alarms().await;
    let (alarm_status_tx, alarm_status_rx) = watch::channel(engine.core.alarms().status());
    engine.alarm_status = alarm_status_tx;
    let task = tokio::spawn(engine.run(changes_rx, link, commands_rx, requests_rx));
    Ok(Started {
        handle: AlertHandle {
            requests: requests_tx,
            status: status_rx,
            alarm_status: alarm_status_rx,
            db,
            dropped: dropped.clone(),
        },
        task,
        changes: ChangeFeed {
            tx: changes_tx,
            dropped,
        },
        feed: feed_rx,
        commands: commands_tx,
    })
}

/// Hands every command update from the outbox runner to the alert engine and to a new
/// receiver for the window (what `Console::take_command_updates` gives out). Neither
/// may hold up the other or the runner, so each gets what fits in its queue.
pub fn fan_out(
    mut updates: mpsc::Receiver<QueuedCommand>,
    alerts: mpsc::Sender<QueuedCommand>,
) -> mpsc::Receiver<QueuedCommand> {
    let (window_tx, window_rx) = mpsc::channel(256);
    tokio::spawn(async move {
        while let Some(command) = updates.recv().await {
            if let Err(TrySendError::Full(command)) = alerts.try_send(command.clone()) {
                tracing::warn!(request_id = %command.request_id, "the alert engine is behind; a command update was not checked");
            }
            let _ = window_tx.try_send(command);
        }
    });
    window_rx
}

struct Engine {
    core: AlertCore,
    db: Arc<Db>,
    notifier: Notifier,
    feed: mpsc::Sender<AlertFeed>,
    status: watch::Sender<AlertStatus>,
    /// Unacknowledged alerts (all, critical), as last counted in the store.
    unacked: (u32, u32),
    retention: Duration,
    prune_at: UnixSeconds,
    /// The rate limit of log lines for alerts that notify nobody (flood, mute, shelf):
    /// they are all in the alert list, and a plant that flaps a thousand devices a second
    /// must not write a thousand log lines a second.
    quiet_log: RepeatLimiter,
    /// The wall clock (see [`EngineConfig::clock`]).
    clock: WallClock,
    alarm_status: watch::Sender<AlarmStatus>,
    language: watch::Receiver<Language>,
    /// Alarm actions done since the last write, for the audit trail (and, for those the
    /// command line asked for, the request's outcome), written with their transitions.
    audit_notes: Vec<AuditNote>,
}

/// One alarm action for the audit trail.
#[derive(Debug)]
struct AuditNote {
    actor: Actor,
    action: String,
    target: String,
    request_id: String,
    detail: String,
    /// For a command-line request: its outcome (`applied` or `refused`) and result.
    request: Option<(&'static str, String)>,
}

/// How long a command-line alarm request waits for a console: an acknowledgement or a
/// shelf asked for with no console running must not take effect hours later, when the
/// operator has moved on.
pub const ALARM_REQUEST_TTL: f64 = 60.0;

/// How often the engine looks for command-line alarm requests.
const ALARM_REQUEST_POLL: Duration = Duration::from_secs(1);

/// The audit trail's name and target of an alarm action.
fn audit_terms(action: &AlarmAction) -> (&'static str, String, String) {
    match action {
        AlarmAction::Acknowledge(ids) => (
            "alarm_acknowledge",
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
            String::new(),
        ),
        AlarmAction::AcknowledgeAll => ("alarm_acknowledge_all", "*".into(), String::new()),
        AlarmAction::Shelve {
            id,
            minutes,
            reason,
        } => (
            "alarm_shelve",
            id.to_string(),
            match minutes {
                Some(m) => format!("{m} min: {reason}"),
                None => reason.clone(),
            },
        ),
        AlarmAction::Unshelve(id) => ("alarm_unshelve", id.to_string(), String::new()),
        AlarmAction::Reset(id) => ("alarm_reset", id.to_string(), String::new()),
        AlarmAction::RemoveFromService { device, reason } => {
            ("alarm_out_of_service", device.clone(), reason.clone())
        }
        AlarmAction::ReturnToService(device) => {
            ("alarm_return_to_service", device.clone(), String::new())
        }
        AlarmAction::Silence => ("alarm_silence", String::new(), String::new()),
    }
}

/// How many alerts that notify nobody are logged one by one per minute; the rest are
/// counted in one summary line (every one of them is recorded in the alert list).
pub const QUIET_ALERT_LOG_BURST: u32 = 60;

impl Engine {
    async fn run(
        mut self,
        mut changes: mpsc::Receiver<ChangeBatch>,
        mut link: watch::Receiver<LinkState>,
        mut commands: mpsc::Receiver<QueuedCommand>,
        mut requests: mpsc::Receiver<Request>,
    ) {
        // The link's state now is where the timing of a loss starts: a console that
        // starts without reaching the plant has lost it too.
        let first = link.borrow_and_update().clone();
        let decided = self.core.on_link(&first, self.clock.now());
        self.settle(decided).await;
        let (mut link_open, mut commands_open) = (true, true);
        let mut request_poll = tokio::time::interval(ALARM_REQUEST_POLL);
        request_poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let wake = self.core.next_deadline().map(|at| {
                // Deadlines are wall-clock times; waking at least once a minute keeps a
                // clock that jumps (a resume from sleep) from delaying one for long.
                let wait = (at - self.clock.now()).clamp(0.0, 60.0);
                Instant::now() + Duration::from_secs_f64(wait)
            });
            tokio::select! {
                batch = changes.recv() => {
                    // The runtime has ended: so does the engine.
                    let Some(batch) = batch else { break };
                    if batch.forget {
                        self.core.forget_plant();
                        if let Some(conn) = batch.new_store.as_ref().and_then(StoreSwitch::take) {
                            *self.db.lock() = conn;
                            match blocking(&self.db, |conn| store::alerts::unacked(conn)).await {
                                Ok(unacked) => self.unacked = unacked,
                                Err(error) => tracing::error!(%error, "cannot count the new plant's alerts"),
                            }
                            self.publish().await;
                        }
                    }
                    let decided = self.core.on_changes(&batch.changes, batch.at, batch.appearances, self.clock.now());
                    self.settle(decided).await;
                }
                changed = link.changed(), if link_open => {
                    if changed.is_err() {
                        link_open = false;
                        continue;
                    }
                    let state = link.borrow_and_update().clone();
                    let decided = self.core.on_link(&state, self.clock.now());
                    self.settle(decided).await;
                }
                command = commands.recv(), if commands_open => match command {
                    Some(command) => {
                        let decided = self.core.on_command(&command, self.clock.now());
                        self.settle(decided).await;
                    }
                    None => commands_open = false,
                },
                request = requests.recv() => match request {
                    Some(request) => self.serve(request).await,
                    None => break,
                },
                _ = sleep_until(wake.unwrap_or_else(Instant::now)), if wake.is_some() => {
                    self.tick(self.clock.now()).await;
                }
                _ = request_poll.tick() => self.take_requests().await,
            }
            self.save_alarms().await;
        }
    }

    /// Records the alarms' transitions since the last call, and tells the window and the
    /// tray. The alarms change in memory first: a failed write is logged, and the next
    /// write of the same alarm carries its state.
    async fn save_alarms(&mut self) {
        let (transitions, views) = self.core.alarms_mut().take_changes();
        let status = self.core.alarms().status();
        let notes = std::mem::take(&mut self.audit_notes);
        if views.is_empty() && transitions.is_empty() && notes.is_empty() {
            if *self.alarm_status.borrow() != status {
                self.alarm_status.send_replace(status.clone());
                let _ = self
                    .feed
                    .send(AlertFeed::Alarms {
                        changed: Vec::new(),
                        status,
                    })
                    .await;
            }
            return;
        }
        for t in &transitions {
            tracing::info!(
                alarm_id = t.alarm_id,
                condition = t.condition.as_str(),
                source = %log_text(&t.source),
                from = t.from.as_str(),
                to = t.to.as_str(),
                event = t.event.as_str(),
                by = t.by.as_deref().map(log_text).unwrap_or_default().as_str(),
                "alarm transition"
            );
        }
        let rows = views.clone();
        let now = self.clock.now();
        // The transitions, the outcome of the requests that caused them and their audit
        // entries in one transaction: a request is marked done exactly when its effect
        // is recorded, so a crash in between neither loses nor repeats it.
        let written = blocking(&self.db, move |conn| {
            let tx = conn.transaction()?;
            store::alarms::save(&tx, &rows, &transitions)?;
            for note in &notes {
                if let Some((status, result)) = &note.request {
                    if !store::alarm_requests::finish(&tx, &note.request_id, status, result, now)? {
                        tracing::warn!(
                            request_id = %log_text(&note.request_id),
                            "alarm request was already done"
                        );
                    }
                }
                audit::append(
                    &tx,
                    now,
                    &note.actor,
                    &note.action,
                    &note.target,
                    &note.request_id,
                    &note.detail,
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await;
        if let Err(error) = written {
            tracing::error!(%error, "alarm transitions could not be recorded");
        }
        self.alarm_status.send_replace(status.clone());
        let _ = self
            .feed
            .send(AlertFeed::Alarms {
                changed: views,
                status,
            })
            .await;
    }

    /// Applies the command line's pending alarm requests (see `store::alarm_requests`),
    /// each once, and records them with their transitions.
    async fn take_requests(&mut self) {
        let pending =
            match blocking(&self.db, |conn| store::alarm_requests::pending(conn, 32)).await {
                Ok(pending) => pending,
                Err(error) => {
                    tracing::warn!(%error, "cannot read the alarm requests");
                    return;
                }
            };
        if pending.is_empty() {
            return;
        }
        // What earlier rounds changed is written on its own, so that a refused write of
        // these requests cannot take other changes with it.
        self.save_alarms().await;
        let now = self.clock.now();
        for request in pending {
            let actor = Actor {
                user: request.user.clone(),
                host: request.host.clone(),
                operator: request.signed_in.clone().map(|name| crate::audit::Person {
                    name,
                    role: request.signed_in_role.clone().unwrap_or_default(),
                }),
            };
            let (outcome, result, terms) = if now - request.at > ALARM_REQUEST_TTL {
                let why = format!("expired: no console applied it within {ALARM_REQUEST_TTL} s");
                (
                    "refused",
                    why,
                    ("alarm_request", String::new(), String::new()),
                )
            } else {
                match serde_json::from_str::<AlarmAction>(&request.action) {
                    Err(error) => (
                        "refused",
                        format!("not an alarm action: {error}"),
                        ("alarm_request", String::new(), String::new()),
                    ),
                    Ok(action) => {
                        let terms = audit_terms(&action);
                        match self.alarm_action(action, &request.user) {
                            Ok(count) => ("applied", format!("{count} alarms changed"), terms),
                            Err(error) => ("refused", error.to_string(), terms),
                        }
                    }
                }
            };
            tracing::info!(
                request_id = %log_text(&request.request_id),
                by = %log_text(&request.user),
                outcome,
                result = %log_text(&result),
                "alarm request from the command line"
            );
            let (action, target, detail) = terms;
            self.audit_notes.push(AuditNote {
                actor,
                action: action.to_owned(),
                target,
                request_id: request.request_id,
                detail: if detail.is_empty() {
                    result.clone()
                } else {
                    format!("{detail} ({result})")
                },
                request: Some((outcome, result)),
            });
        }
        self.save_alarms().await;
    }

    fn alarm_action(&mut self, action: AlarmAction, by: &str) -> Result<u32, AlertError> {
        let now = self.clock.now();
        let book = self.core.alarms_mut();
        let count = match action {
            AlarmAction::Acknowledge(ids) => book.acknowledge(&ids, by, now)?,
            AlarmAction::AcknowledgeAll => book.acknowledge_all(by, now),
            AlarmAction::Shelve {
                id,
                minutes,
                reason,
            } => {
                let duration = minutes.map(|m| Duration::from_secs(u64::from(m) * 60));
                book.shelve(id, duration, &reason, by, now).map(|_| 1)?
            }
            AlarmAction::Unshelve(id) => book.unshelve(id, by, now).map(|_| 1)?,
            AlarmAction::Reset(id) => book.reset(id, by, now).map(|_| 1)?,
            AlarmAction::RemoveFromService { device, reason } => {
                book.remove_from_service(&device, &reason, by, now)?
            }
            AlarmAction::ReturnToService(device) => book.return_to_service(&device, by, now)?,
            AlarmAction::Silence => {
                book.silence(now);
                0
            }
        };
        Ok(count)
    }

    fn status_now(&self) -> AlertStatus {
        let (muted, muted_until) = match self.core.mute_state() {
            None => (false, None),
            Some(Mute::Until(until)) => (true, Some(until)),
            Some(Mute::Indefinitely) => (true, None),
        };
        AlertStatus {
            unacked: self.unacked.0,
            unacked_critical: self.unacked.1,
            muted,
            muted_until,
            shelved: self.core.shelves(),
        }
    }

    async fn publish(&mut self) {
        let status = self.status_now();
        if *self.status.borrow() == status {
            return;
        }
        self.status.send_replace(status.clone());
        // The runtime never waits for the engine, so waiting for it here is safe; once it
        // has ended the send fails at once.
        let _ = self.feed.send(AlertFeed::Status(status)).await;
    }

    /// Records decided alerts, notifies those that are to be, and tells the window.
    async fn settle(&mut self, decided: Vec<Decided>) {
        if decided.is_empty() {
            return;
        }
        let now_mono = std::time::Instant::now();
        for Decided { alert, outcome } in &decided {
            if *outcome != Outcome::Notified {
                let verdict = self.quiet_log.hit(now_mono);
                if let Some(left_out) = verdict.summary {
                    tracing::info!(
                        left_out,
                        "more alerts without a notification than are logged one by one; all are in the alert list"
                    );
                }
                if !verdict.log {
                    continue;
                }
            }
            tracing::info!(
                kind = alert.kind.as_str(),
                severity = alert.severity.as_str(),
                subject = %log_text(&alert.subject),
                notified = *outcome == Outcome::Notified,
                suppressed = outcome.reason().unwrap_or(""),
                "alert: {}",
                log_text(&alert.title)
            );
        }
        let rows = decided.clone();
        let now = self.clock.now();
        let prune_before = (now >= self.prune_at).then_some(now - self.retention.as_secs_f64());
        if prune_before.is_some() {
            self.prune_at = now + PRUNE_EVERY;
        }
        let written = blocking(&self.db, move |conn| {
            let tx = conn.transaction()?;
            let mut views = Vec::with_capacity(rows.len());
            for Decided { alert, outcome } in rows {
                let id = store::alerts::insert(&tx, &alert, outcome)?;
                views.push(AlertView {
                    id,
                    at: alert.at,
                    kind: alert.kind,
                    severity: alert.severity,
                    subject: alert.subject,
                    title: alert.title,
                    body: alert.body,
                    title_message: Some(alert.title_message),
                    body_message: Some(alert.body_message),
                    notified: outcome == Outcome::Notified,
                    suppressed: outcome.reason().map(str::to_owned),
                    acked_at: None,
                    acked_by: None,
                });
            }
            if let Some(cutoff) = prune_before {
                store::alerts::prune(&tx, cutoff, 10_000)?;
                // An alarm's history is kept as long as the alerts; the alarm itself
                // (its current state) is never pruned.
                store::alarms::prune(&tx, cutoff, 10_000)?;
                store::alarm_requests::prune(&tx, cutoff, 10_000)?;
            }
            let unacked = store::alerts::unacked(&tx)?;
            tx.commit()?;
            Ok((views, unacked))
        })
        .await;
        // A notification still goes out when the store fails: the operator must hear of
        // the plant even if the record of it is lost.
        for Decided { alert, outcome } in &decided {
            if *outcome == Outcome::Notified {
                let lang = *self.language.borrow();
                self.notifier.send(Notice {
                    title: notification_text(lang, &word(lang, &alert.title_message)),
                    body: notification_text(lang, &word(lang, &alert.body_message)),
                    severity: alert.severity,
                    summary: false,
                });
            }
        }
        match written {
            Ok((views, unacked)) => {
                self.unacked = unacked;
                for view in views {
                    let _ = self.feed.send(AlertFeed::Alert(view)).await;
                }
            }
            Err(error) => tracing::error!(%error, "alerts could not be recorded"),
        }
        self.publish().await;
    }

    async fn tick(&mut self, now: UnixSeconds) {
        let tick = self.core.tick(now);
        self.settle(tick.decided).await;
        if let Some(summary) = tick.summary {
            tracing::info!(
                count = summary.count,
                "alert summary: {}",
                log_text(&summary.title(Language::En))
            );
            let lang = *self.language.borrow();
            self.notifier.send(Notice {
                title: notification_text(lang, &summary.title(lang)),
                body: notification_text(lang, &summary.body(lang)),
                severity: summary.severity,
                summary: true,
            });
        }
        if tick.status_changed {
            self.publish().await;
        }
    }

    async fn serve(&mut self, request: Request) {
        match request {
            Request::Ack { id, by, reply } => {
                let at = self.clock.now();
                let result = blocking(&self.db, move |conn| {
                    let count = match id {
                        Some(id) => match store::alerts::ack(conn, id, at, &by)? {
                            None => return Ok(Err(id)),
                            Some(now_acked) => u32::from(now_acked),
                        },
                        None => u32::try_from(store::alerts::ack_all(conn, at, &by)?)
                            .unwrap_or(u32::MAX),
                    };
                    Ok(Ok((count, store::alerts::unacked(conn)?)))
                })
                .await;
                let answer = match result {
                    Ok(Ok((count, unacked))) => {
                        self.unacked = unacked;
                        Ok(count)
                    }
                    Ok(Err(id)) => Err(AlertError::Unknown(id)),
                    Err(error) => Err(error),
                };
                self.publish().await;
                let _ = reply.send(answer);
            }
            Request::Mute { duration, reply } => {
                self.core.mute(self.clock.now(), duration);
                tracing::info!(?duration, "notifications muted");
                self.publish().await;
                let _ = reply.send(self.status_now());
            }
            Request::Unmute { reply } => {
                self.core.unmute();
                tracing::info!("notifications unmuted");
                self.publish().await;
                let _ = reply.send(self.status_now());
            }
            Request::Shelve {
                subject,
                duration,
                reply,
            } => {
                match duration {
                    Some(duration) => {
                        tracing::info!(subject = %log_text(&subject), ?duration, "alerts shelved");
                        self.core.shelve(&subject, self.clock.now(), duration);
                    }
                    None => {
                        self.core.unshelve(&subject);
                    }
                }
                self.publish().await;
                let _ = reply.send(self.status_now());
            }
            Request::Alarm { action, by, reply } => {
                let what = format!("{action:?}");
                let (name, target, detail) = audit_terms(&action);
                let answer = self.alarm_action(action, &by);
                if answer.is_ok() {
                    self.audit_notes.push(AuditNote {
                        actor: Actor {
                            user: by.clone(),
                            host: Actor::current().host,
                            operator: None,
                        },
                        action: name.to_owned(),
                        target,
                        request_id: uuid::Uuid::new_v4().to_string(),
                        detail,
                        request: None,
                    });
                }
                match &answer {
                    Ok(count) => {
                        tracing::info!(action = %log_text(&what), by = %log_text(&by), count, "alarm action")
                    }
                    Err(error) => {
                        tracing::warn!(action = %log_text(&what), by = %log_text(&by), %error, "alarm action refused")
                    }
                }
                // Saved before the answer, so a reader right after sees the change.
                self.save_alarms().await;
                let _ = reply.send(answer);
            }
            Request::Configure {
                settings,
                server,
                reply,
            } => {
                tracing::info!(limits = settings.limits.len(), notify_from = ?settings.notify_from, "alert settings applied");
                self.core.configure(&settings, server);
                let _ = reply.send(());
            }
        }
    }
}
