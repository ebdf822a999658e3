//! Which of a plant's addresses the link tries next: a pure state machine over the
//! outcomes of attempts and of the primary's health probes, with time as an argument.
//!
//! The rules, in short:
//!
//! - An address that cannot be reached, refuses the connection (an HTTP or Engine.IO
//!   refusal, a namespace refusal other than the token's) or goes silent (the session's
//!   dead-link rule: nothing for pingInterval + pingTimeout) is left for the next one in
//!   the list, at once.
//! - Once every address has failed in turn (a round), the link waits the usual jittered
//!   backoff ([`crate::backoff`]) before the next round; with one address this is exactly
//!   the single-address behaviour (every failure is a whole round).
//! - A refused token is not the address's fault: the token is the same for every address,
//!   so a standby would refuse it too, and hopping would only hide the refusal. The link
//!   stays on the address that refused, shows Unauthorized and retries it slowly.
//! - A session that stayed live for `stable_after` starts a fresh round and resets the
//!   backoff; one that ends sooner still counts as a failure of its round, so two
//!   addresses that accept and drop at once are not alternated without a pause.
//! - Under [`FailoverPolicy::Primary`], while on a standby the primary's health is
//!   probed; once every probe for `hold` has succeeded the link goes back to it, and one
//!   failed probe starts the hold over. Under [`FailoverPolicy::Equal`] the link stays
//!   where it is while that works.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::backoff::{self, BackoffPolicy};
use crate::config::{FailoverPolicy, LinkConfig};

/// Why an attempt on the current address failed (or why its live session ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No connection: refused TCP, no route, a timed-out connect or handshake.
    Unreachable,
    /// A connection, then a refusal: an HTTP status instead of the upgrade, an Engine.IO
    /// CLOSE, a namespace refusal, a broken handshake, a closed socket.
    Refused,
    /// The session went silent past the heartbeat limit.
    Silent,
    /// The plant refused the token.
    Unauthorized,
}

/// What the link does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Try the address at this index at once.
    Now(usize),
    /// Wait this long, then try the address at this index.
    After { delay: Duration, index: usize },
}

/// The role of an address in the list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AddressRole {
    /// The first address.
    #[default]
    Primary,
    /// Any other.
    Standby,
}

impl AddressRole {
    pub fn of(index: usize) -> AddressRole {
        if index == 0 {
            AddressRole::Primary
        } else {
            AddressRole::Standby
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AddressRole::Primary => "primary",
            AddressRole::Standby => "standby",
        }
    }
}

/// The selection's settings, taken from a [`LinkConfig`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelectorConfig {
    pub policy: FailoverPolicy,
    /// How many addresses the plant has (at least one).
    pub addresses: usize,
    /// How long the primary must stay healthy before the link returns to it.
    pub hold: Duration,
    pub backoff: BackoffPolicy,
    /// A session live this long starts a fresh round and resets the backoff.
    pub stable_after: Duration,
    /// How long to wait before retrying an address that refused the token.
    pub unauthorized_retry: Duration,
}

impl SelectorConfig {
    pub fn of(config: &LinkConfig) -> SelectorConfig {
        SelectorConfig {
            policy: config.failover,
            addresses: config.servers.len(),
            hold: config.prefer_primary_after,
            backoff: config.backoff,
            stable_after: config.stable_after,
            unauthorized_retry: config.unauthorized_retry,
        }
    }
}

/// The address selection state machine.
#[derive(Debug, Clone)]
pub struct Selector {
    config: SelectorConfig,
    current: usize,
    /// Addresses that failed in the current round.
    failed_in_round: usize,
    /// Rounds that failed in a row, the backoff's attempt number.
    rounds_failed: u32,
    /// When the current session went live, if it is live.
    live_since: Option<Instant>,
    /// Since when every probe of the primary succeeded.
    healthy_since: Option<Instant>,
}

impl Selector {
    pub fn new(config: SelectorConfig) -> Selector {
        Selector {
            config: SelectorConfig {
                addresses: config.addresses.max(1),
                ..config
            },
            current: 0,
            failed_in_round: 0,
            rounds_failed: 0,
            live_since: None,
            healthy_since: None,
        }
    }

    /// The index of the address the link is on (or about to try).
    pub fn current(&self) -> usize {
        self.current
    }

    /// A session on the current address went live at `now`.
    pub fn on_live(&mut self, now: Instant) {
        self.live_since = Some(now);
        self.healthy_since = None;
    }

    /// The attempt on the current address failed, or its live session ended, at `now`.
    /// `unit_random` is the backoff's jitter sample, from `[0, 1)`.
    pub fn on_failure(&mut self, failure: Failure, now: Instant, unit_random: f64) -> Plan {
        self.healthy_since = None;
        let was_live = self.live_since.take();
        if was_live
            .is_some_and(|since| now.saturating_duration_since(since) >= self.config.stable_after)
        {
            self.failed_in_round = 0;
            self.rounds_failed = 0;
        }
        if failure == Failure::Unauthorized {
            return Plan::After {
                delay: self.config.unauthorized_retry,
                index: self.current,
            };
        }
        self.failed_in_round += 1;
        if self.failed_in_round < self.config.addresses {
            self.current = (self.current + 1) % self.config.addresses;
            return Plan::Now(self.current);
        }
        // Every address failed in turn: wait, then start the next round at the primary
        // (the preferred one) or, among equals, at the next in line.
        self.failed_in_round = 0;
        let delay = backoff::delay(&self.config.backoff, self.rounds_failed, unit_random);
        self.rounds_failed = self.rounds_failed.saturating_add(1);
        self.current = match self.config.policy {
            FailoverPolicy::Primary => 0,
            FailoverPolicy::Equal => (self.current + 1) % self.config.addresses,
        };
        Plan::After {
            delay,
            index: self.current,
        }
    }

    /// Whether the primary's health should be probed now: only on a standby, under the
    /// primary policy, while live there (when not live, the next round tries the primary
    /// anyway).
    pub fn wants_primary_probe(&self) -> bool {
        self.config.policy == FailoverPolicy::Primary
            && self.current != 0
            && self.live_since.is_some()
    }

    /// A probe of the primary's health answered (`healthy`) or failed at `now`. True
    /// when the primary has now been healthy for the hold time: the link should leave
    /// the standby for it (and then call [`Selector::go_to_primary`]).
    pub fn on_probe(&mut self, healthy: bool, now: Instant) -> bool {
        if !healthy || !self.wants_primary_probe() {
            self.healthy_since = None;
            return false;
        }
        let since = *self.healthy_since.get_or_insert(now);
        now.saturating_duration_since(since) >= self.config.hold
    }

    /// The link leaves the standby on purpose for the primary: not a failure, and the
    /// primary starts a fresh round.
    pub fn go_to_primary(&mut self) -> usize {
        self.current = 0;
        self.failed_in_round = 0;
        self.live_since = None;
        self.healthy_since = None;
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(policy: FailoverPolicy, addresses: usize) -> SelectorConfig {
        SelectorConfig {
            policy,
            addresses,
            hold: Duration::from_secs(30),
            backoff: BackoffPolicy::default(),
            stable_after: Duration::from_secs(30),
            unauthorized_retry: Duration::from_secs(30),
        }
    }

    /// One step of a table row: what happens, at what second since the start.
    #[derive(Debug, Clone, Copy)]
    enum Event {
        Live,
        Fail(Failure),
        Probe(bool),
    }

    /// What the step must give: the plan after a failure, the verdict after a probe.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Expect {
        Planned(Plan),
        BackToPrimary(bool),
        Nothing,
    }

    use Event::*;
    use Expect::*;
    use Failure::*;

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    /// One step: at this second, this event, this outcome, then this current address.
    type Step = (u64, Event, Expect, usize);

    /// A row of the table: its name, the settings, its steps.
    type Row<'a> = (&'a str, SelectorConfig, &'a [Step]);

    /// Runs `steps` from a fresh selector; the jitter sample is 0.5, so delays are the
    /// nominal ones.
    fn run(name: &str, config: SelectorConfig, steps: &[Step]) {
        let start = Instant::now();
        let mut selector = Selector::new(config);
        for (step, &(second, event, expect, index)) in steps.iter().enumerate() {
            let now = start + Duration::from_secs(second);
            let got = match event {
                Live => {
                    selector.on_live(now);
                    Nothing
                }
                Fail(failure) => Planned(selector.on_failure(failure, now, 0.5)),
                Probe(healthy) => {
                    let back = selector.on_probe(healthy, now);
                    if back {
                        selector.go_to_primary();
                    }
                    BackToPrimary(back)
                }
            };
            assert_eq!(got, expect, "{name}, step {step} ({event:?} at {second} s)");
            assert_eq!(
                selector.current(),
                index,
                "{name}, step {step}: current address"
            );
        }
    }

    #[test]
    fn the_selection_follows_the_table() {
        let primary = |n| config(FailoverPolicy::Primary, n);
        let equal = |n| config(FailoverPolicy::Equal, n);
        let after = |delay, index| Planned(Plan::After { delay, index });
        let now = |index| Planned(Plan::Now(index));
        let rows: &[Row] = &[
            (
                "unreachable primary: the standby at once",
                primary(2),
                &[(0, Fail(Unreachable), now(1), 1)],
            ),
            (
                "refused: the next address at once",
                primary(3),
                &[(0, Fail(Refused), now(1), 1), (0, Fail(Refused), now(2), 2)],
            ),
            (
                "silent live session: the next address at once",
                primary(2),
                &[(0, Live, Nothing, 0), (40, Fail(Silent), now(1), 1)],
            ),
            (
                "round exhausted: backoff, growing, then the primary again",
                primary(2),
                &[
                    (0, Fail(Unreachable), now(1), 1),
                    (0, Fail(Unreachable), after(ms(500), 0), 0),
                    (1, Fail(Unreachable), now(1), 1),
                    (1, Fail(Refused), after(ms(1000), 0), 0),
                ],
            ),
            (
                "one address: every failure is a round, as before failover existed",
                primary(1),
                &[
                    (0, Fail(Unreachable), after(ms(500), 0), 0),
                    (1, Fail(Refused), after(ms(1000), 0), 0),
                    (2, Live, Nothing, 0),
                    (3, Fail(Silent), after(ms(2000), 0), 0),
                    (4, Live, Nothing, 0),
                    (40, Fail(Refused), after(ms(500), 0), 0),
                ],
            ),
            (
                "a session that was stable starts a fresh round",
                primary(2),
                &[
                    (0, Fail(Unreachable), now(1), 1),
                    (0, Live, Nothing, 1),
                    (60, Fail(Refused), now(0), 0),
                    (60, Fail(Refused), after(ms(500), 0), 0),
                ],
            ),
            (
                "sessions that drop at once are not alternated without a pause",
                primary(2),
                &[
                    (0, Live, Nothing, 0),
                    (1, Fail(Refused), now(1), 1),
                    (1, Live, Nothing, 1),
                    (2, Fail(Refused), after(ms(500), 0), 0),
                ],
            ),
            (
                "unauthorized: stays on the address and retries slowly",
                primary(2),
                &[
                    (0, Fail(Unauthorized), after(Duration::from_secs(30), 0), 0),
                    (30, Fail(Unauthorized), after(Duration::from_secs(30), 0), 0),
                ],
            ),
            (
                "primary healthy but the hold not reached: stays on the standby",
                primary(2),
                &[
                    (0, Fail(Unreachable), now(1), 1),
                    (0, Live, Nothing, 1),
                    (5, Probe(true), BackToPrimary(false), 1),
                    (20, Probe(true), BackToPrimary(false), 1),
                    (34, Probe(true), BackToPrimary(false), 1),
                ],
            ),
            (
                "hold reached: back to the primary",
                primary(2),
                &[
                    (0, Fail(Unreachable), now(1), 1),
                    (0, Live, Nothing, 1),
                    (5, Probe(true), BackToPrimary(false), 1),
                    (35, Probe(true), BackToPrimary(true), 0),
                    // The primary failing again is a fresh round: the standby at once.
                    (36, Fail(Unreachable), now(1), 1),
                ],
            ),
            (
                "a failed probe mid-hold starts the hold over",
                primary(2),
                &[
                    (0, Fail(Unreachable), now(1), 1),
                    (0, Live, Nothing, 1),
                    (5, Probe(true), BackToPrimary(false), 1),
                    (20, Probe(false), BackToPrimary(false), 1),
                    (25, Probe(true), BackToPrimary(false), 1),
                    (40, Probe(true), BackToPrimary(false), 1),
                    (55, Probe(true), BackToPrimary(true), 0),
                ],
            ),
            (
                "the standby dropping mid-hold starts the hold over",
                primary(2),
                &[
                    (0, Fail(Unreachable), now(1), 1),
                    (0, Live, Nothing, 1),
                    (5, Probe(true), BackToPrimary(false), 1),
                    (6, Fail(Refused), after(ms(500), 0), 0),
                    (7, Fail(Refused), now(1), 1),
                    (7, Live, Nothing, 1),
                    (36, Probe(true), BackToPrimary(false), 1),
                ],
            ),
            (
                "equal instances: a healthy first address does not pull the link back",
                equal(2),
                &[
                    (0, Fail(Unreachable), now(1), 1),
                    (0, Live, Nothing, 1),
                    (5, Probe(true), BackToPrimary(false), 1),
                    (100, Probe(true), BackToPrimary(false), 1),
                ],
            ),
            (
                "equal instances: after a failed round, the next in line",
                equal(3),
                &[
                    (0, Fail(Unreachable), now(1), 1),
                    (0, Fail(Unreachable), now(2), 2),
                    (0, Fail(Unreachable), after(ms(500), 0), 0),
                    (1, Fail(Unreachable), now(1), 1),
                    (1, Live, Nothing, 1),
                    (100, Fail(Silent), now(2), 2),
                ],
            ),
            (
                "the primary itself is never probed",
                primary(2),
                &[
                    (0, Live, Nothing, 0),
                    (40, Probe(true), BackToPrimary(false), 0),
                ],
            ),
        ];
        for (name, config, steps) in rows {
            run(name, *config, steps);
        }
    }

    #[test]
    fn a_probe_is_wanted_only_while_live_on_a_standby_under_the_primary_policy() {
        let mut selector = Selector::new(config(FailoverPolicy::Primary, 2));
        let now = Instant::now();
        assert!(!selector.wants_primary_probe());
        selector.on_failure(Unreachable, now, 0.5);
        assert!(!selector.wants_primary_probe(), "not live yet");
        selector.on_live(now);
        assert!(selector.wants_primary_probe());
        let mut equal = Selector::new(config(FailoverPolicy::Equal, 2));
        equal.on_failure(Unreachable, now, 0.5);
        equal.on_live(now);
        assert!(!equal.wants_primary_probe());
    }
}
