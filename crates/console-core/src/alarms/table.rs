//! The ISA-18.2 alarm state diagram as a table: each row is one allowed transition, and
//! [`next`] is the only way an alarm's state changes.
//!
//! Shelved, out of service and suppressed alarms keep following their condition
//! underneath (the alarm's `active` flag); leaving one of those states goes to
//! Unacknowledged-Active when the condition is still present, else to Normal, so an
//! operator is never told "all clear" about a condition that is still there.

use super::model::{AlarmEvent, AlarmState};

/// What a row needs besides the state and the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    Always,
    /// The alarm is configured to latch.
    Latching,
    NotLatching,
    /// The condition is present now.
    Active,
    NotActive,
}

/// One allowed transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub from: AlarmState,
    pub event: AlarmEvent,
    pub guard: Guard,
    pub to: AlarmState,
}

const fn row(from: AlarmState, event: AlarmEvent, guard: Guard, to: AlarmState) -> Row {
    Row {
        from,
        event,
        guard,
        to,
    }
}

use AlarmEvent as E;
use AlarmState as S;
use Guard as G;

/// The state diagram. An event with no row for the alarm's state changes nothing (an
/// acknowledgement of a Normal alarm, a second activation of an active one).
pub const TRANSITIONS: &[Row] = &[
    // The condition comes and goes.
    row(S::Normal, E::Activate, G::Always, S::UnackActive),
    row(S::UnackActive, E::Return, G::Always, S::UnackReturned),
    row(S::AckActive, E::Return, G::NotLatching, S::Normal),
    row(S::AckActive, E::Return, G::Latching, S::Latched),
    row(S::UnackReturned, E::Activate, G::Always, S::UnackActive),
    row(S::Latched, E::Activate, G::Always, S::UnackActive),
    // The operator acknowledges and resets.
    row(S::UnackActive, E::Acknowledge, G::Always, S::AckActive),
    row(S::UnackReturned, E::Acknowledge, G::NotLatching, S::Normal),
    row(S::UnackReturned, E::Acknowledge, G::Latching, S::Latched),
    row(S::Latched, E::Reset, G::Always, S::Normal),
    // Shelving, by an operator, for a time.
    row(S::Normal, E::Shelve, G::Always, S::Shelved),
    row(S::UnackActive, E::Shelve, G::Always, S::Shelved),
    row(S::AckActive, E::Shelve, G::Always, S::Shelved),
    row(S::UnackReturned, E::Shelve, G::Always, S::Shelved),
    row(S::Latched, E::Shelve, G::Always, S::Shelved),
    row(S::Shelved, E::Unshelve, G::Active, S::UnackActive),
    row(S::Shelved, E::Unshelve, G::NotActive, S::Normal),
    // Out of service, by an engineer, per device; it overrides a shelf and a suppression.
    row(S::Normal, E::RemoveFromService, G::Always, S::OutOfService),
    row(
        S::UnackActive,
        E::RemoveFromService,
        G::Always,
        S::OutOfService,
    ),
    row(
        S::AckActive,
        E::RemoveFromService,
        G::Always,
        S::OutOfService,
    ),
    row(
        S::UnackReturned,
        E::RemoveFromService,
        G::Always,
        S::OutOfService,
    ),
    row(S::Latched, E::RemoveFromService, G::Always, S::OutOfService),
    row(S::Shelved, E::RemoveFromService, G::Always, S::OutOfService),
    row(
        S::Suppressed,
        E::RemoveFromService,
        G::Always,
        S::OutOfService,
    ),
    row(
        S::OutOfService,
        E::ReturnToService,
        G::Active,
        S::UnackActive,
    ),
    row(S::OutOfService, E::ReturnToService, G::NotActive, S::Normal),
    // Suppressed by design while the relay powering the device is off.
    row(S::Normal, E::Suppress, G::Always, S::Suppressed),
    row(S::UnackActive, E::Suppress, G::Always, S::Suppressed),
    row(S::AckActive, E::Suppress, G::Always, S::Suppressed),
    row(S::UnackReturned, E::Suppress, G::Always, S::Suppressed),
    row(S::Latched, E::Suppress, G::Always, S::Suppressed),
    row(S::Suppressed, E::Unsuppress, G::Active, S::UnackActive),
    row(S::Suppressed, E::Unsuppress, G::NotActive, S::Normal),
];

impl Guard {
    fn holds(self, latching: bool, active: bool) -> bool {
        match self {
            Guard::Always => true,
            Guard::Latching => latching,
            Guard::NotLatching => !latching,
            Guard::Active => active,
            Guard::NotActive => !active,
        }
    }
}

/// The state after `event`, or `None` when the diagram has no such transition.
/// `active` is whether the condition is present after the event.
pub fn next(
    from: AlarmState,
    event: AlarmEvent,
    latching: bool,
    active: bool,
) -> Option<AlarmState> {
    TRANSITIONS
        .iter()
        .find(|r| r.from == from && r.event == event && r.guard.holds(latching, active))
        .map(|r| r.to)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row, written out: (from, event, latching, active after) → to.
    #[rustfmt::skip]
    const EXPECTED: &[(S, E, bool, bool, S)] = &[
        (S::Normal, E::Activate, false, true, S::UnackActive),
        (S::UnackActive, E::Return, false, false, S::UnackReturned),
        (S::AckActive, E::Return, false, false, S::Normal),
        (S::AckActive, E::Return, true, false, S::Latched),
        (S::UnackReturned, E::Activate, false, true, S::UnackActive),
        (S::Latched, E::Activate, true, true, S::UnackActive),
        (S::UnackActive, E::Acknowledge, false, true, S::AckActive),
        (S::UnackReturned, E::Acknowledge, false, false, S::Normal),
        (S::UnackReturned, E::Acknowledge, true, false, S::Latched),
        (S::Latched, E::Reset, true, false, S::Normal),
        (S::Normal, E::Shelve, false, false, S::Shelved),
        (S::UnackActive, E::Shelve, false, true, S::Shelved),
        (S::AckActive, E::Shelve, false, true, S::Shelved),
        (S::UnackReturned, E::Shelve, false, false, S::Shelved),
        (S::Latched, E::Shelve, true, false, S::Shelved),
        (S::Shelved, E::Unshelve, false, true, S::UnackActive),
        (S::Shelved, E::Unshelve, false, false, S::Normal),
        (S::Normal, E::RemoveFromService, false, false, S::OutOfService),
        (S::UnackActive, E::RemoveFromService, false, true, S::OutOfService),
        (S::AckActive, E::RemoveFromService, false, true, S::OutOfService),
        (S::UnackReturned, E::RemoveFromService, false, false, S::OutOfService),
        (S::Latched, E::RemoveFromService, true, false, S::OutOfService),
        (S::Shelved, E::RemoveFromService, false, true, S::OutOfService),
        (S::Suppressed, E::RemoveFromService, false, true, S::OutOfService),
        (S::OutOfService, E::ReturnToService, false, true, S::UnackActive),
        (S::OutOfService, E::ReturnToService, false, false, S::Normal),
        (S::Normal, E::Suppress, false, false, S::Suppressed),
        (S::UnackActive, E::Suppress, false, true, S::Suppressed),
        (S::AckActive, E::Suppress, false, true, S::Suppressed),
        (S::UnackReturned, E::Suppress, false, false, S::Suppressed),
        (S::Latched, E::Suppress, true, false, S::Suppressed),
        (S::Suppressed, E::Unsuppress, false, true, S::UnackActive),
        (S::Suppressed, E::Unsuppress, false, false, S::Normal),
    ];

    #[test]
    fn every_row_of_the_state_diagram_gives_its_state() {
        assert_eq!(EXPECTED.len(), TRANSITIONS.len(), "one expectation per row");
        for &(from, event, latching, active, to) in EXPECTED {
            assert_eq!(
                next(from, event, latching, active),
                Some(to),
                "{from:?} + {event:?} (latching {latching}, active {active})"
            );
        }
    }

    #[test]
    fn every_row_is_expected_once() {
        for row in TRANSITIONS {
            let hits = EXPECTED
                .iter()
                .filter(|&&(from, event, latching, active, to)| {
                    from == row.from
                        && event == row.event
                        && to == row.to
                        && row.guard.holds(latching, active)
                })
                .count();
            assert_eq!(hits, 1, "{row:?}");
        }
    }

    #[test]
    fn events_the_diagram_does_not_allow_change_nothing() {
        #[rustfmt::skip]
        let refused = [
            (S::Normal, E::Acknowledge), (S::Normal, E::Return), (S::Normal, E::Reset),
            (S::AckActive, E::Acknowledge), (S::AckActive, E::Activate),
            (S::UnackActive, E::Activate), (S::UnackActive, E::Reset),
            (S::UnackReturned, E::Reset), (S::Latched, E::Acknowledge),
            (S::Shelved, E::Acknowledge), (S::Shelved, E::Shelve), (S::Shelved, E::Activate),
            (S::OutOfService, E::Acknowledge), (S::OutOfService, E::Shelve),
            (S::OutOfService, E::Suppress), (S::OutOfService, E::Activate),
            (S::Suppressed, E::Acknowledge), (S::Suppressed, E::Shelve), (S::Suppressed, E::Return),
        ];
        for (from, event) in refused {
            for latching in [false, true] {
                for active in [false, true] {
                    assert_eq!(
                        next(from, event, latching, active),
                        None,
                        "{from:?} + {event:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_acknowledged_non_latching_alarm_that_returns_is_normal_but_a_latching_one_waits_for_reset(
    ) {
        assert_eq!(next(S::AckActive, E::Return, false, false), Some(S::Normal));
        assert_eq!(next(S::AckActive, E::Return, true, false), Some(S::Latched));
        assert_eq!(next(S::Latched, E::Reset, true, false), Some(S::Normal));
    }
}
