//! The quality of a value the console shows, in the spirit of OPC UA status codes:
//! good, uncertain (stale, link down, not yet confirmed after start, too old) or bad
//! (the plant sent something the console could not read), each with a reason.
//!
//! Computed here, in the core, so the window, `plant-console state`, the journal and the
//! alerts all say the same. An entry's own quality ([`Quality::of_item`]) depends only on
//! what the plant sent and whether it has confirmed it since start; the link's
//! ([`Quality::of_link`]) on the link mode; [`Quality::of`] combines both with the age.

use serde::{Deserialize, Serialize};

use plant_link::items::Unreadable;
use plant_link::link::LinkMode;

/// How far a value can be trusted, worst last (so `max` picks the worse one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum QualityLevel {
    Good,
    Uncertain,
    Bad,
}

/// Why a value is not good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum QualityReason {
    /// The value is from the cache; the plant has not confirmed it since the console started.
    Unconfirmed,
    /// The console has not received the value again for longer than [`VALUE_MAX_AGE_S`].
    Old,
    /// The link is up but nothing arrived for the stale threshold.
    Stale,
    /// The link is down (connecting, offline, unauthorized): the last known value.
    LinkDown,
    /// The plant sent a value the console could not read (`NaN`, a wrong type, missing).
    Unreadable,
}

/// A value's quality and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Quality {
    pub level: QualityLevel,
    /// `None` exactly when the level is good.
    pub reason: Option<QualityReason>,
}

/// A value not received again for this long is uncertain even on a live link (seconds);
/// the window uses the same figure.
pub const VALUE_MAX_AGE_S: f64 = 600.0;

impl Quality {
    pub const GOOD: Quality = Quality {
        level: QualityLevel::Good,
        reason: None,
    };

    pub const fn uncertain(reason: QualityReason) -> Quality {
        Quality {
            level: QualityLevel::Uncertain,
            reason: Some(reason),
        }
    }

    pub const BAD_VALUE: Quality = Quality {
        level: QualityLevel::Bad,
        reason: Some(QualityReason::Unreadable),
    };

    /// An entry's own quality: bad when a field could not be read, uncertain while it is
    /// only the cache's copy, good otherwise.
    pub(crate) fn of_item(unreadable: &Unreadable, confirmed: bool) -> Quality {
        if !unreadable.is_empty() {
            Quality::BAD_VALUE
        } else if !confirmed {
            Quality::uncertain(QualityReason::Unconfirmed)
        } else {
            Quality::GOOD
        }
    }

    /// What the link mode says about every value shown.
    pub(crate) fn of_link(mode: LinkMode) -> Quality {
        match mode {
            LinkMode::Realtime | LinkMode::Fallback => Quality::GOOD,
            LinkMode::Stale => Quality::uncertain(QualityReason::Stale),
            LinkMode::Connecting | LinkMode::Offline | LinkMode::Unauthorized => {
                Quality::uncertain(QualityReason::LinkDown)
            }
        }
    }

    /// The worse of two qualities; between two reasons of one level, the one that says
    /// more (bad data before a link that is down, before an old value).
    pub fn worst(self, other: Quality) -> Quality {
        if (other.level, other.reason) > (self.level, self.reason) {
            other
        } else {
            self
        }
    }

    /// A value's whole quality: its own, the link's (`None` when no console is running,
    /// as for `plant-console state`: then every value is the cache's), and its age.
    pub fn of(item: Quality, link: Option<LinkMode>, age_s: f64) -> Quality {
        let link = match link {
            Some(mode) => Quality::of_link(mode),
            None => Quality::uncertain(QualityReason::Unconfirmed),
        };
        let age = if age_s.is_finite() && age_s <= VALUE_MAX_AGE_S {
            Quality::GOOD
        } else {
            Quality::uncertain(QualityReason::Old)
        };
        item.worst(link).worst(age)
    }

    pub fn is_good(self) -> bool {
        self.level == QualityLevel::Good
    }

    pub fn is_bad(self) -> bool {
        self.level == QualityLevel::Bad
    }

    /// The words the window, the CLI and the journal use.
    pub fn text(self) -> &'static str {
        match self.reason {
            None => "good",
            Some(QualityReason::Unreadable) => "bad value from the plant",
            Some(QualityReason::Unconfirmed) => "uncertain: from the cache, not yet confirmed",
            Some(QualityReason::Old) => "uncertain: not received for a long time",
            Some(QualityReason::Stale) => "uncertain: link stale",
            Some(QualityReason::LinkDown) => "uncertain: link down, last known value",
        }
    }
}

impl Default for Quality {
    fn default() -> Self {
        Quality::GOOD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_field_is_bad_whatever_the_link_says() {
        let item = Quality::of_item(&Unreadable::from_names(["value"]), true);
        assert_eq!(item, Quality::BAD_VALUE);
        for mode in [LinkMode::Realtime, LinkMode::Offline, LinkMode::Stale] {
            assert_eq!(Quality::of(item, Some(mode), 1.0), Quality::BAD_VALUE);
        }
        assert_eq!(item.text(), "bad value from the plant");
    }

    #[test]
    fn a_readable_value_is_good_only_on_a_live_link_when_confirmed_and_recent() {
        let fresh = Quality::of_item(&Unreadable::default(), true);
        assert_eq!(
            Quality::of(fresh, Some(LinkMode::Realtime), 1.0),
            Quality::GOOD
        );
        assert_eq!(
            Quality::of(fresh, Some(LinkMode::Stale), 1.0).reason,
            Some(QualityReason::Stale)
        );
        assert_eq!(
            Quality::of(fresh, Some(LinkMode::Offline), 1.0).reason,
            Some(QualityReason::LinkDown)
        );
        assert_eq!(
            Quality::of(fresh, Some(LinkMode::Realtime), 601.0).reason,
            Some(QualityReason::Old)
        );
        assert_eq!(
            Quality::of(fresh, None, 1.0).reason,
            Some(QualityReason::Unconfirmed)
        );
        let cached = Quality::of_item(&Unreadable::default(), false);
        assert_eq!(
            Quality::of(cached, Some(LinkMode::Realtime), 1.0).reason,
            Some(QualityReason::Unconfirmed)
        );
    }

    #[test]
    fn quality_serializes_as_level_and_reason() {
        assert_eq!(
            serde_json::to_value(Quality::BAD_VALUE).unwrap(),
            serde_json::json!({"level":"bad","reason":"unreadable"})
        );
        assert_eq!(
            serde_json::to_value(Quality::GOOD).unwrap(),
            serde_json::json!({"level":"good","reason":null})
        );
    }
}
