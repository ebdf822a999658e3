//! The alert engine's handle: the requests the console makes of the running engine
//! (acknowledge, mute, shelve, configure) and the reads it answers from the store itself.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;
use thiserror::Error;
use tokio::sync::{mpsc, oneshot, watch};

use super::{AlertSettings, AlertStatus, AlertView};
use crate::alarms::book::{select_for_summary, AlarmError};
use crate::alarms::kpis::kpis;
use crate::alarms::{AlarmKpis, AlarmState, AlarmStatus, AlarmTransition, AlarmView};
use crate::store::{self, StoreError};

/// Errors of the alert engine and its handle.
#[derive(Debug, Error)]
pub enum AlertError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no alert with id {0}")]
    Unknown(i64),
    #[error("the alert engine has stopped")]
    Stopped,
    /// An alarm action was refused (an unknown alarm, no reason, a shelf too long…).
    #[error(transparent)]
    Alarm(#[from] AlarmError),
}

/// What an operator (or engineer) does to alarms.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "action", content = "args", rename_all = "snake_case")]
pub enum AlarmAction {
    Acknowledge(Vec<i64>),
    AcknowledgeAll,
    /// Shelve for `minutes` (the site's default when `None`), with a reason.
    Shelve {
        id: i64,
        minutes: Option<u32>,
        reason: String,
    },
    Unshelve(i64),
    Reset(i64),
    RemoveFromService {
        device: String,
        reason: String,
    },
    ReturnToService(String),
    /// Silences the horn until a new alarm sounds.
    Silence,
}

/// The engine's connection to the cache.
#[derive(Debug)]
pub(super) struct Db(pub(super) Mutex<Connection>);

impl Db {
    pub(super) fn lock(&self) -> MutexGuard<'_, Connection> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub(super) async fn blocking<T: Send + 'static>(
    db: &Arc<Db>,
    work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, AlertError> {
    let db = db.clone();
    store::blocking(move || work(&mut db.lock()))
        .await
        .map_err(AlertError::from)
}

pub(super) enum Request {
    Ack {
        id: Option<i64>,
        by: String,
        reply: oneshot::Sender<Result<u32, AlertError>>,
    },
    Mute {
        duration: Option<Duration>,
        reply: oneshot::Sender<AlertStatus>,
    },
    Unmute {
        reply: oneshot::Sender<AlertStatus>,
    },
    Shelve {
        subject: String,
        duration: Option<Duration>,
        reply: oneshot::Sender<AlertStatus>,
    },
    Configure {
        settings: Box<AlertSettings>,
        server: String,
        reply: oneshot::Sender<()>,
    },
    Alarm {
        action: AlarmAction,
        by: String,
        reply: oneshot::Sender<Result<u32, AlertError>>,
    },
}

/// A cloneable handle on the alert engine.
#[derive(Debug, Clone)]
pub struct AlertHandle {
    pub(super) requests: mpsc::Sender<Request>,
    pub(super) status: watch::Receiver<AlertStatus>,
    pub(super) alarm_status: watch::Receiver<AlarmStatus>,
    pub(super) db: Arc<Db>,
    pub(super) dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Request")
    }
}

impl AlertHandle {
    async fn ask<T>(
        &self,
        request: impl FnOnce(oneshot::Sender<T>) -> Request,
    ) -> Result<T, AlertError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(request(reply))
            .await
            .map_err(|_| AlertError::Stopped)?;
        answer.await.map_err(|_| AlertError::Stopped)
    }

    /// The latest `limit` alerts, newest first.
    pub async fn list(&self, limit: u32) -> Result<Vec<AlertView>, AlertError> {
        blocking(&self.db, move |conn| store::alerts::recent(conn, limit)).await
    }

    /// Acknowledges one alert (`Some(id)`) or all (`None`) as `by`; returns how many
    /// were acknowledged now (an alert already acknowledged keeps its first who and when).
    pub async fn acknowledge(&self, id: Option<i64>, by: &str) -> Result<u32, AlertError> {
        let by = by.to_owned();
        self.ask(|reply| Request::Ack { id, by, reply }).await?
    }

    /// Mutes every notification for `duration`, or until unmuted (`None`). Alerts are
    /// still recorded.
    pub async fn mute(&self, duration: Option<Duration>) -> Result<AlertStatus, AlertError> {
        self.ask(|reply| Request::Mute { duration, reply }).await
    }

    pub async fn unmute(&self) -> Result<AlertStatus, AlertError> {
        self.ask(|reply| Request::Unmute { reply }).await
    }

    /// Shelves a device (or relay) for `duration`; `None` ends its shelf.
    pub async fn shelve(
        &self,
        subject: &str,
        duration: Option<Duration>,
    ) -> Result<AlertStatus, AlertError> {
        let subject = subject.to_owned();
        self.ask(|reply| Request::Shelve {
            subject,
            duration,
            reply,
        })
        .await
    }

    /// Applies new settings (limits, severities, when to notify) from the next change
    /// on; `server` names the plant in link alerts.
    pub async fn configure(
        &self,
        settings: AlertSettings,
        server: String,
    ) -> Result<(), AlertError> {
        self.ask(|reply| Request::Configure {
            settings: Box::new(settings),
            server,
            reply,
        })
        .await
    }

    /// Applies an alarm action as `by`; answers how many alarms it changed (or held, for
    /// out of service). Each change is recorded in the alarm's history.
    pub async fn alarm(&self, action: AlarmAction, by: &str) -> Result<u32, AlertError> {
        let by = by.to_owned();
        self.ask(|reply| Request::Alarm { action, by, reply })
            .await?
    }

    /// The alarm summary: every alarm that is not Normal (or those in `states`), by
    /// priority, then newest first.
    pub async fn alarms(
        &self,
        states: Option<Vec<AlarmState>>,
    ) -> Result<Vec<AlarmView>, AlertError> {
        let list = blocking(&self.db, |conn| store::alarms::all(conn)).await?;
        Ok(select_for_summary(
            list,
            states.as_deref().unwrap_or_default(),
        ))
    }

    /// One alarm's transitions, oldest first.
    pub async fn alarm_history(&self, id: i64) -> Result<Vec<AlarmTransition>, AlertError> {
        blocking(&self.db, move |conn| store::alarms::history(conn, id)).await
    }

    /// The plant's alarm journal, newest first.
    pub async fn alarm_journal(
        &self,
        since: Option<f64>,
        until: Option<f64>,
        limit: u32,
    ) -> Result<Vec<AlarmTransition>, AlertError> {
        blocking(&self.db, move |conn| {
            store::alarms::journal(conn, since, until, limit)
        })
        .await
    }

    /// The alarm KPIs over `[since, until]`.
    pub async fn alarm_kpis(&self, since: f64, until: f64) -> Result<AlarmKpis, AlertError> {
        blocking(&self.db, move |conn| {
            let journal = store::alarms::journal(conn, Some(since), Some(until), u32::MAX)?;
            let alarms = store::alarms::all(conn)?;
            Ok(kpis(&journal, &alarms, since, until))
        })
        .await
    }

    pub fn alarm_status(&self) -> AlarmStatus {
        self.alarm_status.borrow().clone()
    }

    /// The alarm status as it changes, for the tray and the banner.
    pub fn alarm_status_watch(&self) -> watch::Receiver<AlarmStatus> {
        self.alarm_status.clone()
    }

    pub fn status(&self) -> AlertStatus {
        self.status.borrow().clone()
    }

    /// The status as it changes, for the tray.
    pub fn watch(&self) -> watch::Receiver<AlertStatus> {
        self.status.clone()
    }

    /// Plant messages whose changes the engine had no room for since start.
    pub fn dropped_changes(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}
