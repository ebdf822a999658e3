//! The table of relay commands already answered, keyed by the client's `request_id`.
//!
//! The contract says a server applies each `request_id` at most once and answers a repeat with
//! the first result. Clients retry after a lost ack or a reconnect, possibly over the other
//! transport, so the table is shared by the Socket.IO and HTTP paths. Memory stays bounded:
//! entries are forgotten after [`RETENTION`], and beyond [`CAPACITY`] the oldest go first.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use plant_protocol::SetRelayResult;
use tokio::time::Instant;

/// How long a request id is remembered. Ten minutes is far longer than any client retries
/// one command (a console gives up on an unacknowledged command within seconds).
pub(crate) const RETENTION: Duration = Duration::from_secs(10 * 60);

/// Most request ids remembered at once. At the rates a plant sees (a few commands a minute)
/// this is never reached; it only stops a misbehaving client from growing the table forever.
pub(crate) const CAPACITY: usize = 100_000;

/// Request ids with the first result given for each, oldest first.
#[derive(Debug)]
pub(crate) struct DedupeTable {
    results: HashMap<String, SetRelayResult>,
    /// Insertion order with insertion time; ids leave from the front.
    order: VecDeque<(Instant, String)>,
    retention: Duration,
    capacity: usize,
}

impl Default for DedupeTable {
    fn default() -> Self {
        Self::new(RETENTION, CAPACITY)
    }
}

impl DedupeTable {
    pub(crate) fn new(retention: Duration, capacity: usize) -> Self {
        Self {
            results: HashMap::new(),
            order: VecDeque::new(),
            retention,
            capacity: capacity.max(1),
        }
    }

    /// The first result given for `request_id`, if it is still remembered at `now`.
    pub(crate) fn get(&mut self, request_id: &str, now: Instant) -> Option<&SetRelayResult> {
        self.forget_older_than(now);
        self.results.get(request_id)
    }

    /// Remembers the first result for `request_id`. A second call for the same id is ignored,
    /// because the first result is the one every repeat must get.
    pub(crate) fn remember(&mut self, request_id: &str, result: SetRelayResult, now: Instant) {
        self.forget_older_than(now);
        if self.results.contains_key(request_id) {
            return;
        }
        while self.results.len() >= self.capacity {
            let Some((_, oldest)) = self.order.pop_front() else {
                break;
            };
            self.results.remove(&oldest);
        }
        self.results.insert(request_id.to_string(), result);
        self.order.push_back((now, request_id.to_string()));
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.results.len()
    }

    fn forget_older_than(&mut self, now: Instant) {
        while let Some((at, _)) = self.order.front() {
            if now.saturating_duration_since(*at) < self.retention {
                break;
            }
            if let Some((_, id)) = self.order.pop_front() {
                self.results.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plant_protocol::SetRelayError;

    fn refused(message: &str) -> SetRelayResult {
        SetRelayResult::Refused {
            error: SetRelayError::Forbidden,
            message: message.into(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_id_is_remembered_for_ten_minutes_and_then_forgotten() {
        let mut table = DedupeTable::default();
        table.remember("a", refused("first"), Instant::now());
        tokio::time::advance(RETENTION - Duration::from_secs(1)).await;
        assert_eq!(table.get("a", Instant::now()), Some(&refused("first")));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(table.get("a", Instant::now()), None);
        assert_eq!(table.len(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_result_is_kept_when_an_id_is_remembered_twice() {
        let mut table = DedupeTable::default();
        table.remember("a", refused("first"), Instant::now());
        table.remember("a", refused("second"), Instant::now());
        assert_eq!(table.get("a", Instant::now()), Some(&refused("first")));
        assert_eq!(table.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_table_forgets_its_oldest_ids_first() {
        let mut table = DedupeTable::new(RETENTION, 3);
        for id in ["a", "b", "c", "d"] {
            table.remember(id, refused(id), Instant::now());
            tokio::time::advance(Duration::from_millis(1)).await;
        }
        assert_eq!(table.len(), 3);
        assert_eq!(table.get("a", Instant::now()), None);
        assert_eq!(table.get("d", Instant::now()), Some(&refused("d")));
    }
}
