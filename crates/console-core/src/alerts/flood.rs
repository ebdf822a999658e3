//! Flood control after ISA-18.2: an operator who gets more notifications than they can
//! read gets none that they read, so beyond a budget alerts are counted into one summary
//! a minute; critical alerts always go through; an alert that repeats (a flapping
//! device) is shown once per window and counted after that.
//!
//! A state machine that takes time as an argument, like the link session: the engine
//! calls [`Flood::decide`] for each alert and [`Flood::tick`] at [`Flood::next_deadline`].

use console_i18n::{word, Language, Message};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use plant_protocol::UnixSeconds;

use super::{Alert, AlertKind, Severity};

/// The limits of flood control.
#[derive(Debug, Clone, PartialEq)]
pub struct FloodPolicy {
    /// At most this many individual notifications per `window`…
    pub max_notifications: u32,
    pub window: Duration,
    /// …and beyond them one summary per `summary_every`.
    pub summary_every: Duration,
    /// The same alert again within this time of its last notification is coalesced.
    pub flap_window: Duration,
}

impl Default for FloodPolicy {
    fn default() -> Self {
        FloodPolicy {
            max_notifications: 10,
            window: Duration::from_secs(10 * 60),
            summary_every: Duration::from_secs(60),
            flap_window: Duration::from_secs(5 * 60),
        }
    }
}

/// What to do with one alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Show it now.
    Notify,
    /// Over the budget: count it into the next summary.
    Flood,
    /// The same alert was shown a moment ago: count it into the next summary.
    Flapping,
}

/// The alerts not shown one by one since the last summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub count: u32,
    /// The highest severity among them, for the notification's urgency.
    pub severity: Severity,
    /// Counts per kind, largest first.
    pub by_kind: Vec<(AlertKind, u32)>,
}

impl Summary {
    /// "23 more: 12 devices offline, 11 relay changes", in `lang`.
    pub fn title(&self, lang: Language) -> String {
        let parts: Vec<String> = self
            .by_kind
            .iter()
            .map(|&(kind, count)| word(lang, &kind.count_message(count)))
            .collect();
        let separator = word(lang, &Message::new("list-separator"));
        word(
            lang,
            &Message::new("notify-more")
                .number("count", f64::from(self.count))
                .text("parts", parts.join(&separator)),
        )
    }

    pub fn body(&self, lang: Language) -> String {
        word(lang, &Message::new("notify-summary-body"))
    }
}

/// See the module documentation.
#[derive(Debug)]
pub struct Flood {
    policy: FloodPolicy,
    /// When each notification of the current window was shown, oldest first.
    shown: VecDeque<UnixSeconds>,
    /// When each alert key was last shown, for flapping.
    last_shown: HashMap<String, UnixSeconds>,
    pending: BTreeMap<AlertKind, u32>,
    pending_severity: Severity,
    /// When the first alert counted into the coming summary arrived.
    pending_since: Option<UnixSeconds>,
}

impl Flood {
    pub fn new(policy: FloodPolicy) -> Self {
        Flood {
            policy,
            shown: VecDeque::new(),
            last_shown: HashMap::new(),
            pending: BTreeMap::new(),
            pending_severity: Severity::Info,
            pending_since: None,
        }
    }

    /// Decides on one alert arriving at `now`.
    pub fn decide(&mut self, now: UnixSeconds, alert: &Alert) -> Decision {
        self.forget(now);
        // A critical alert is never held back, by the budget or as a repeat: it is the
        // one an operator must not miss. It still uses up budget, so the alerts after it
        // are held back sooner.
        if alert.severity != Severity::Critical {
            let flap = self.policy.flap_window.as_secs_f64();
            let repeated = self
                .last_shown
                .get(&alert.key)
                .is_some_and(|&at| now - at < flap);
            let decision = if repeated {
                Some(Decision::Flapping)
            } else if self.shown.len() >= self.policy.max_notifications as usize {
                Some(Decision::Flood)
            } else {
                None
            };
            if let Some(decision) = decision {
                *self.pending.entry(alert.kind).or_default() += 1;
                self.pending_severity = self.pending_severity.max(alert.severity);
                self.pending_since.get_or_insert(now);
                return decision;
            }
        }
        self.shown.push_back(now);
        self.last_shown.insert(alert.key.clone(), now);
        Decision::Notify
    }

    /// The summary that is due at `now`, if any: the first a minute after the first
    /// alert held back, so one summary covers the whole burst, then at most one a minute.
    pub fn tick(&mut self, now: UnixSeconds) -> Option<Summary> {
        let due = self.next_deadline()?;
        if now < due {
            return None;
        }
        self.pending_since = None;
        let severity = std::mem::replace(&mut self.pending_severity, Severity::Info);
        let pending = std::mem::take(&mut self.pending);
        let count = pending.values().sum();
        let mut by_kind: Vec<(AlertKind, u32)> = pending.into_iter().collect();
        by_kind.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Some(Summary {
            count,
            severity,
            by_kind,
        })
    }

    /// When [`Flood::tick`] has a summary to give.
    pub fn next_deadline(&self) -> Option<UnixSeconds> {
        self.pending_since
            .map(|since| since + self.policy.summary_every.as_secs_f64())
    }

    /// Drops what fell out of the windows, so memory stays bounded by the budget and by
    /// the number of distinct alerts in one flapping window.
    fn forget(&mut self, now: UnixSeconds) {
        let window = self.policy.window.as_secs_f64();
        while self.shown.front().is_some_and(|&at| now - at >= window) {
            self.shown.pop_front();
        }
        let flap = self.policy.flap_window.as_secs_f64();
        if self.last_shown.len() > 256 {
            self.last_shown.retain(|_, at| now - *at < flap);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(kind: AlertKind, severity: Severity, subject: &str) -> Alert {
        Alert {
            at: 0.0,
            kind,
            severity,
            subject: subject.into(),
            device: Some(subject.into()),
            key: format!("{}:{subject}", kind.as_str()),
            title: format!("{subject} {}", kind.as_str()),
            body: String::new(),
            title_message: console_i18n::Message::new("alarm-device_fault").text("name", subject),
            body_message: console_i18n::Message::default(),
        }
    }

    #[test]
    fn a_burst_of_two_hundred_changes_gives_ten_notifications_and_one_summary_a_minute() {
        let mut flood = Flood::new(FloodPolicy::default());
        let mut notified = 0;
        let mut summaries = Vec::new();
        // 200 devices go offline within 200 s, and the engine ticks every second.
        for i in 0..200 {
            let now = f64::from(i);
            let subject = format!("dev-{i:03}");
            let kind = if i % 2 == 0 {
                AlertKind::DeviceOffline
            } else {
                AlertKind::RelaySwitched
            };
            if flood.decide(now, &alert(kind, Severity::High, &subject)) == Decision::Notify {
                notified += 1;
            }
            if let Some(summary) = flood.tick(now + 0.5) {
                summaries.push((now + 0.5, summary));
            }
        }
        for second in 200..400 {
            if let Some(summary) = flood.tick(f64::from(second)) {
                summaries.push((f64::from(second), summary));
            }
        }
        assert_eq!(notified, 10);
        let times: Vec<f64> = summaries.iter().map(|(at, _)| *at).collect();
        assert!(
            times.windows(2).all(|w| w[1] - w[0] >= 60.0),
            "one summary a minute at most: {times:?}"
        );
        assert_eq!(times.len(), 4, "{times:?}");
        let counted: u32 = summaries.iter().map(|(_, s)| s.count).sum();
        assert_eq!(counted, 190, "every alert held back is in a summary");
        assert_eq!(
            summaries[0].1.title(Language::En),
            "61 more: 31 devices offline, 30 relay changes"
        );
        assert_eq!(flood.next_deadline(), None);
    }

    #[test]
    fn critical_alerts_all_go_through_a_flood() {
        let mut flood = Flood::new(FloodPolicy::default());
        for i in 0..50 {
            flood.decide(
                f64::from(i),
                &alert(AlertKind::DeviceOffline, Severity::High, &format!("d{i}")),
            );
        }
        for i in 0..50 {
            assert_eq!(
                flood.decide(
                    50.0 + f64::from(i),
                    &alert(AlertKind::DeviceFault, Severity::Critical, &format!("d{i}"))
                ),
                Decision::Notify
            );
        }
        // The same critical alert again is shown again too.
        assert_eq!(
            flood.decide(
                101.0,
                &alert(AlertKind::DeviceFault, Severity::Critical, "d0")
            ),
            Decision::Notify
        );
    }

    #[test]
    fn a_flapping_device_is_shown_once_per_window_and_its_repeats_are_counted() {
        let mut flood = Flood::new(FloodPolicy::default());
        let offline = alert(AlertKind::DeviceOffline, Severity::High, "dev-007");
        let back = alert(AlertKind::DeviceRecovered, Severity::Info, "dev-007");
        let mut decisions = Vec::new();
        for i in 0..20 {
            let now = f64::from(i) * 5.0;
            let which = if i % 2 == 0 { &offline } else { &back };
            decisions.push(flood.decide(now, which));
        }
        let shown = decisions.iter().filter(|d| **d == Decision::Notify).count();
        assert_eq!(shown, 2, "offline once and back once: {decisions:?}");
        assert!(decisions[2..].iter().all(|d| *d == Decision::Flapping));
        let summary = flood.tick(1000.0).unwrap();
        assert_eq!(summary.count, 18);
        assert_eq!(
            summary.title(Language::En),
            "18 more: 9 devices offline, 9 devices back online"
        );
        // After the flapping window the alert is news again.
        assert_eq!(flood.decide(1000.0, &offline), Decision::Notify);
    }

    #[test]
    fn the_budget_comes_back_as_the_window_slides() {
        let policy = FloodPolicy {
            max_notifications: 2,
            window: Duration::from_secs(100),
            ..FloodPolicy::default()
        };
        let mut flood = Flood::new(policy);
        let a = |s: &str| alert(AlertKind::DeviceOffline, Severity::High, s);
        assert_eq!(flood.decide(0.0, &a("1")), Decision::Notify);
        assert_eq!(flood.decide(10.0, &a("2")), Decision::Notify);
        assert_eq!(flood.decide(20.0, &a("3")), Decision::Flood);
        assert_eq!(flood.decide(100.0, &a("4")), Decision::Notify);
        assert_eq!(flood.decide(105.0, &a("5")), Decision::Flood);
        assert_eq!(flood.decide(110.0, &a("6")), Decision::Notify);
        assert_eq!(flood.next_deadline(), Some(80.0));
    }
}
