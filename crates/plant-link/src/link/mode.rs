//! The link's mode bookkeeping: the WebSocket side and the HTTP poller both change the
//! mode, so every change goes through one [`ModeCell`] that decides under a lock: a live
//! WebSocket always wins, and a working poller keeps failed WebSocket attempts from
//! showing the plant as offline.

use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::{LinkMode, LinkState, Telemetry};
use crate::clock::unix_now;

#[derive(Debug, Default)]
struct Sources {
    ws_live: bool,
    fallback_ok: bool,
}

/// The single writer of the published [`LinkState`].
#[derive(Debug)]
pub(super) struct ModeCell {
    sources: Mutex<Sources>,
    state: watch::Sender<LinkState>,
    telemetry: Arc<Telemetry>,
}

impl ModeCell {
    pub(super) fn new(state: watch::Sender<LinkState>, telemetry: Arc<Telemetry>) -> Self {
        ModeCell {
            sources: Mutex::new(Sources::default()),
            state,
            telemetry,
        }
    }

    pub(super) fn mode(&self) -> LinkMode {
        self.state.borrow().mode
    }

    fn publish(&self, mode: LinkMode, detail: Option<String>) {
        self.state.send_if_modified(|state| {
            if state.mode == mode && state.detail == detail {
                return false;
            }
            if state.mode != mode {
                state.since = unix_now();
                self.telemetry.mode_changed(mode);
            }
            state.mode = mode;
            state.detail = detail;
            true
        });
    }

    fn sources(&self) -> std::sync::MutexGuard<'_, Sources> {
        self.sources
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The WebSocket session went live.
    pub(super) fn ws_live(&self) {
        let mut sources = self.sources();
        sources.ws_live = true;
        sources.fallback_ok = false;
        self.publish(LinkMode::Realtime, None);
    }

    /// The live WebSocket went quiet (stale) or spoke again.
    pub(super) fn ws_stale(&self, stale: bool) {
        let sources = self.sources();
        if sources.ws_live {
            self.publish(
                if stale {
                    LinkMode::Stale
                } else {
                    LinkMode::Realtime
                },
                None,
            );
        }
    }

    /// The WebSocket is down (or never came up); shown as Offline unless polling works.
    pub(super) fn ws_down(&self, detail: String) {
        let mut sources = self.sources();
        sources.ws_live = false;
        if !sources.fallback_ok {
            self.publish(LinkMode::Offline, Some(detail));
        }
    }

    /// The link now leads to another plant (or with other credentials): nothing known
    /// about the old one holds, and the link is Connecting until the new one answers.
    pub(super) fn reset(&self, detail: String) {
        let mut sources = self.sources();
        sources.ws_live = false;
        sources.fallback_ok = false;
        self.publish(LinkMode::Connecting, Some(detail));
    }

    /// The plant refused the token, on either path.
    pub(super) fn unauthorized(&self, detail: String) {
        let mut sources = self.sources();
        sources.ws_live = false;
        sources.fallback_ok = false;
        self.publish(LinkMode::Unauthorized, Some(detail));
    }

    /// A poll succeeded.
    pub(super) fn fallback_ok(&self) {
        let mut sources = self.sources();
        if !sources.ws_live {
            sources.fallback_ok = true;
            self.publish(LinkMode::Fallback, None);
        }
    }

    /// A poll failed.
    pub(super) fn fallback_failed(&self, detail: String) {
        let mut sources = self.sources();
        if !sources.ws_live {
            sources.fallback_ok = false;
            self.publish(LinkMode::Offline, Some(detail));
        }
    }

    /// Whether relay commands can go by HTTP right now.
    pub(super) fn fallback_usable(&self) -> bool {
        let sources = self.sources();
        !sources.ws_live && sources.fallback_ok
    }
}
