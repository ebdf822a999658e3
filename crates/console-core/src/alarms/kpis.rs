//! The ISA-18.2 alarm KPIs (alarm rate, time in flood, the most frequent alarms, the
//! chattering ones, the priority distribution), computed from the recorded transitions.
//!
//! Pure: the caller reads the journal and the alarms from the store and hands them in,
//! with the window of time, so the figures can be checked against literal journals.

use std::collections::BTreeMap;

use plant_protocol::UnixSeconds;

use super::FrequentAlarm;
use super::{AlarmCounts, AlarmEvent, AlarmKpis, AlarmState, AlarmTransition, AlarmView};

/// ISA-18.2's flood: more than 10 alarms annunciated in 10 minutes.
pub const FLOOD_ALARMS_PER_10_MINUTES: u32 = 10;

/// How many of the most frequent alarms the KPIs list.
pub const TOP_ALARMS: usize = 10;

const TEN_MINUTES: f64 = 600.0;

/// Whether a transition annunciated an alarm: its condition came and the operator was
/// asked to act. Activations held shelved, out of service or suppressed are not load on
/// the operator, which is what the KPIs measure.
fn annunciated(t: &AlarmTransition) -> bool {
    t.event == AlarmEvent::Activate && t.to == AlarmState::UnackActive
}

/// The KPIs over `[since, until]` from `journal` (the transitions in that window, in any
/// order) and `alarms` (every alarm now, for the chattering ones).
pub fn kpis(
    journal: &[AlarmTransition],
    alarms: &[AlarmView],
    since: UnixSeconds,
    until: UnixSeconds,
) -> AlarmKpis {
    let span = (until - since).max(0.0);
    let activations: Vec<&AlarmTransition> = journal
        .iter()
        .filter(|t| annunciated(t) && t.at >= since && t.at <= until)
        .collect();
    let total = activations.len() as u32;

    // Ten-minute intervals from `since`; a last, partial interval counts as one, so a
    // window shorter than ten minutes still has an interval to be in flood.
    let intervals = (span / TEN_MINUTES).ceil().max(1.0) as usize;
    let mut per_interval = vec![0u32; intervals];
    for t in &activations {
        let i = (((t.at - since) / TEN_MINUTES) as usize).min(intervals - 1);
        per_interval[i] += 1;
    }
    let flooded = per_interval
        .iter()
        .filter(|&&n| n > FLOOD_ALARMS_PER_10_MINUTES)
        .count();

    let mut by_alarm: BTreeMap<i64, (u32, &AlarmTransition)> = BTreeMap::new();
    let mut priorities = AlarmCounts::default();
    for t in &activations {
        by_alarm.entry(t.alarm_id).or_insert((0, t)).0 += 1;
        priorities.add(t.priority);
    }
    let mut top: Vec<FrequentAlarm> = by_alarm
        .into_iter()
        .map(|(alarm_id, (n, t))| FrequentAlarm {
            alarm_id,
            message: t.message.clone(),
            activations: n,
            share: f64::from(n) / f64::from(total.max(1)),
        })
        .collect();
    // Most frequent first; among equals the older alarm (lower id) first, so the list is
    // stable from one refresh to the next.
    top.sort_by(|a, b| {
        b.activations
            .cmp(&a.activations)
            .then(a.alarm_id.cmp(&b.alarm_id))
    });
    top.truncate(TOP_ALARMS);

    let mut chattering: Vec<AlarmView> = alarms.iter().filter(|a| a.chattering).cloned().collect();
    chattering.sort_by_key(|a| a.id);

    let hours = span / 3600.0;
    AlarmKpis {
        since,
        until,
        per_10_minutes: if span > 0.0 {
            f64::from(total) / (span / TEN_MINUTES)
        } else {
            0.0
        },
        peak_10_minutes: per_interval.iter().copied().max().unwrap_or(0),
        per_hour: if hours > 0.0 {
            f64::from(total) / hours
        } else {
            0.0
        },
        flood_percent: 100.0 * flooded as f64 / intervals as f64,
        top,
        chattering,
        priorities,
    }
}

#[cfg(test)]
mod tests {
    use console_i18n::Message;

    use super::*;
    use crate::alarms::{AlarmCondition, Priority};

    fn activation(alarm_id: i64, at: f64, priority: Priority) -> AlarmTransition {
        AlarmTransition {
            id: 0,
            alarm_id,
            at,
            from: AlarmState::Normal,
            to: AlarmState::UnackActive,
            event: AlarmEvent::Activate,
            by: None,
            reason: None,
            condition: AlarmCondition::DeviceFault,
            source: format!("dev-{alarm_id}"),
            priority,
            message: Message::new("alarm-device_fault").text("source", format!("dev-{alarm_id}")),
        }
    }

    #[test]
    fn rates_count_only_annunciated_activations_in_the_window() {
        let mut journal = vec![
            activation(1, 100.0, Priority::High),
            activation(1, 200.0, Priority::High),
            activation(2, 300.0, Priority::Low),
            // Before the window.
            activation(3, -5.0, Priority::Low),
        ];
        // Held shelved: not load on the operator.
        let mut shelved = activation(4, 400.0, Priority::Critical);
        shelved.to = AlarmState::Shelved;
        journal.push(shelved);
        // An acknowledgement is not an activation.
        let mut ack = activation(1, 150.0, Priority::High);
        ack.event = AlarmEvent::Acknowledge;
        ack.to = AlarmState::AckActive;
        journal.push(ack);

        let k = kpis(&journal, &[], 0.0, 3600.0);
        assert_eq!(k.per_hour, 3.0);
        assert_eq!(k.per_10_minutes, 0.5);
        assert_eq!(k.peak_10_minutes, 3);
        assert_eq!(
            k.priorities,
            AlarmCounts {
                high: 2,
                low: 1,
                ..AlarmCounts::default()
            }
        );
        assert_eq!(k.flood_percent, 0.0);
    }

    #[test]
    fn eleven_alarms_in_ten_minutes_is_a_flood_and_ten_is_not() {
        let ten: Vec<_> = (0..10)
            .map(|i| activation(i, f64::from(i as i32) * 10.0, Priority::Medium))
            .collect();
        assert_eq!(kpis(&ten, &[], 0.0, 1200.0).flood_percent, 0.0);

        let mut eleven = ten;
        eleven.push(activation(99, 590.0, Priority::Medium));
        // One of two ten-minute intervals in flood.
        assert_eq!(kpis(&eleven, &[], 0.0, 1200.0).flood_percent, 50.0);
    }

    #[test]
    fn top_alarms_are_the_most_frequent_with_their_share() {
        let mut journal = Vec::new();
        for i in 0..6 {
            journal.push(activation(7, f64::from(i) * 60.0, Priority::High));
        }
        for i in 0..2 {
            journal.push(activation(3, f64::from(i) * 60.0, Priority::Low));
        }
        for id in 10..22 {
            journal.push(activation(id, 3000.0, Priority::Low));
        }
        let k = kpis(&journal, &[], 0.0, 3600.0);
        assert_eq!(k.top.len(), TOP_ALARMS);
        assert_eq!((k.top[0].alarm_id, k.top[0].activations), (7, 6));
        assert_eq!(k.top[0].share, 6.0 / 20.0);
        assert_eq!((k.top[1].alarm_id, k.top[1].activations), (3, 2));
        // Equal counts: the lower id first.
        assert_eq!(k.top[2].alarm_id, 10);
    }

    #[test]
    fn an_empty_window_has_no_rate_and_no_flood() {
        let k = kpis(&[], &[], 50.0, 50.0);
        assert_eq!(
            (k.per_hour, k.per_10_minutes, k.flood_percent),
            (0.0, 0.0, 0.0)
        );
        assert!(k.top.is_empty());
    }
}
