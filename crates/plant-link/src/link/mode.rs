//! The link's mode bookkeeping: the WebSocket side and the HTTP poller both change the
//! mode, so every change goes through one [`ModeCell`] that decides under a lock: a live
//! WebSocket always wins, and a working poller keeps failed WebSocket attempts from
//! showing the plant as offline. It also publishes which address the link is on, and
//! counts a failover whenever the plant is served from another address than before.

use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::{AddressRole, LinkMode, LinkState, Telemetry};
use crate::clock::unix_now;
use crate::config::PlantAddresses;

#[derive(Debug, Default)]
struct Sources {
    ws_live: bool,
    fallback_ok: bool,
    /// The plant's addresses, as shown.
    addresses: Vec<String>,
    /// The address the WebSocket side is on (live, or trying).
    ws_index: usize,
    /// The address the poller is on.
    poll_index: usize,
    /// The address that last served the plant (live WebSocket or working poll).
    serving: Option<usize>,
}

impl Sources {
    /// The address shown: the poller's while polling works and the WebSocket is not
    /// live, the WebSocket side's otherwise.
    fn shown(&self) -> usize {
        if !self.ws_live && self.fallback_ok {
            self.poll_index
        } else {
            self.ws_index
        }
    }

    fn name(&self, index: usize) -> String {
        self.addresses.get(index).cloned().unwrap_or_default()
    }
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

    fn publish(&self, sources: &Sources, mode: LinkMode, detail: Option<String>) {
        let index = sources.shown();
        let current = sources.name(index);
        let count = sources.addresses.len();
        self.state.send_if_modified(|state| {
            let address_same = state.address.current == current
                && state.address.index == index
                && state.address.count == count;
            if state.mode == mode && state.detail == detail && address_same {
                return false;
            }
            if state.mode != mode {
                state.since = unix_now();
                self.telemetry.mode_changed(mode);
            }
            state.mode = mode;
            state.detail = detail;
            state.address.current = current;
            state.address.index = index;
            state.address.role = AddressRole::of(index);
            state.address.count = count;
            true
        });
    }

    /// The plant is served from `index` now; another address than the last serving one
    /// (at start: the primary, where the link is expected to be) is a failover, counted
    /// and stamped before the mode is published.
    fn serve_from(&self, sources: &mut Sources, index: usize) {
        let before = sources.serving.replace(index).unwrap_or(0);
        if before != index {
            let from = sources.name(before);
            let to = sources.name(index);
            tracing::warn!(%from, %to, "plant link failed over to another address");
            self.telemetry.note_failover();
            self.state.send_modify(|state| {
                state.address.failovers += 1;
                state.address.last_failover_at = Some(unix_now());
                state.address.last_failover_from = Some(from);
            });
        }
    }

    /// The plant's addresses (at start and after a reconfiguration).
    pub(super) fn set_addresses(&self, addresses: &PlantAddresses) {
        let mut sources = self.sources();
        sources.addresses = addresses.iter().map(ToString::to_string).collect();
        sources.ws_index = 0;
        sources.poll_index = 0;
        sources.serving = None;
        let (mode, detail) = {
            let state = self.state.borrow();
            (state.mode, state.detail.clone())
        };
        self.publish(&sources, mode, detail);
    }

    /// The WebSocket side now tries (or is on) the address at `index`.
    pub(super) fn ws_address(&self, index: usize) {
        let mut sources = self.sources();
        sources.ws_index = index;
        let (mode, detail) = {
            let state = self.state.borrow();
            (state.mode, state.detail.clone())
        };
        self.publish(&sources, mode, detail);
    }

    /// The address the poller is on, for relay commands sent by HTTP.
    pub(super) fn poll_index(&self) -> usize {
        self.sources().poll_index
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
        let index = sources.ws_index;
        self.serve_from(&mut sources, index);
        self.publish(&sources, LinkMode::Realtime, None);
    }

    /// The live WebSocket went quiet (stale) or spoke again.
    pub(super) fn ws_stale(&self, stale: bool) {
        let sources = self.sources();
        if sources.ws_live {
            self.publish(
                &sources,
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
            self.publish(&sources, LinkMode::Offline, Some(detail));
        }
    }

    /// The link now leads to another plant (or with other credentials): nothing known
    /// about the old one holds, and the link is Connecting until the new one answers.
    pub(super) fn reset(&self, detail: String) {
        let mut sources = self.sources();
        sources.ws_live = false;
        sources.fallback_ok = false;
        self.publish(&sources, LinkMode::Connecting, Some(detail));
    }

    /// The plant refused the token, on either path.
    pub(super) fn unauthorized(&self, detail: String) {
        let mut sources = self.sources();
        sources.ws_live = false;
        sources.fallback_ok = false;
        self.publish(&sources, LinkMode::Unauthorized, Some(detail));
    }

    /// A poll of the address at `index` succeeded.
    pub(super) fn fallback_ok(&self, index: usize) {
        let mut sources = self.sources();
        if !sources.ws_live {
            sources.fallback_ok = true;
            sources.poll_index = index;
            self.serve_from(&mut sources, index);
            self.publish(&sources, LinkMode::Fallback, None);
        }
    }

    /// A poll failed; the poller moves on to the address at `next`.
    pub(super) fn fallback_failed(&self, detail: String, next: usize) {
        let mut sources = self.sources();
        if !sources.ws_live {
            sources.fallback_ok = false;
            sources.poll_index = next;
            self.publish(&sources, LinkMode::Offline, Some(detail));
        }
    }

    /// Whether relay commands can go by HTTP right now.
    pub(super) fn fallback_usable(&self) -> bool {
        let sources = self.sources();
        !sources.ws_live && sources.fallback_ok
    }
}
