//! The English words of each alert: the rules ([`super::rules`]) say what happened as a
//! [`Fact`], and [`words`] makes its title and body. Kept apart so that the rules can be
//! read (and changed) as rules, and the words as words.

use plant_link::link::LinkMode;
use plant_protocol::DeviceStatus;

/// Where something is, as the body of an alert names it: the id, and for a relay of a
/// known device that device's name; then the device's place, if the plant gives one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Place<'a> {
    pub id: &'a str,
    pub device: Option<&'a str>,
    pub location: Option<&'a str>,
}

/// A value and its unit, as the plant reported them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reading<'a> {
    pub value: f64,
    pub unit: Option<&'a str>,
}

/// Which way a value crossed its limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Crossing {
    /// Into the high band, past `limit`.
    High { limit: f64 },
    /// Into the low band, past `limit`.
    Low { limit: f64 },
    /// Back within the limits, from above `limit`.
    ClearedFromHigh { limit: f64 },
    /// Back within the limits, from below `limit`.
    ClearedFromLow { limit: f64 },
}

/// How an operator's command ended, when that is an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommandEnd {
    Failed,
    Expired,
    PlantChanged,
}

/// What an alert says happened, without its words.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fact<'a> {
    DeviceAppeared {
        name: &'a str,
        place: Place<'a>,
        status: DeviceStatus,
        value: Option<Reading<'a>>,
    },
    DeviceRemoved {
        name: &'a str,
        place: Place<'a>,
    },
    RelaySwitched {
        name: &'a str,
        place: Place<'a>,
        state: bool,
        by: Option<&'a str>,
    },
    /// A device (`relay` false) or relay the console cannot read; `fields` names what.
    BadValue {
        relay: bool,
        name: &'a str,
        place: Place<'a>,
        fields: String,
    },
    /// A device's status changed to `to` (offline, fault, or online after either).
    DeviceStatus {
        name: &'a str,
        place: Place<'a>,
        from: DeviceStatus,
        to: DeviceStatus,
        last: Option<Reading<'a>>,
    },
    Limit {
        name: &'a str,
        place: Place<'a>,
        now: Reading<'a>,
        crossing: Crossing,
    },
    LinkRestored {
        after_s: f64,
        server: &'a str,
        mode: LinkMode,
    },
    LinkLost {
        for_s: f64,
        server: &'a str,
        mode: LinkMode,
        detail: Option<&'a str>,
    },
    Command {
        name: &'a str,
        place: Place<'a>,
        state: bool,
        end: CommandEnd,
        error: Option<&'a str>,
        operator: &'a str,
    },
}

/// The title and body of an alert about `fact`.
pub(crate) fn words(fact: &Fact<'_>) -> (String, String) {
    match fact {
        Fact::DeviceAppeared {
            name,
            place,
            status,
            value,
        } => (
            format!("Device {name} appeared"),
            body(&[
                Some(place_text(place)),
                Some(status.as_str().to_owned()),
                value.map(|v| reading(v.value, v.unit)),
            ]),
        ),
        Fact::DeviceRemoved { name, place } => (
            format!("Device {name} was removed"),
            body(&[
                Some(place_text(place)),
                Some("the plant no longer lists it".to_owned()),
            ]),
        ),
        Fact::RelaySwitched {
            name,
            place,
            state,
            by,
        } => {
            let by = by.map(|by| format!(" by {by}")).unwrap_or_default();
            (
                format!("Relay {name} switched {}{by}", on_off(*state)),
                body(&[
                    Some(place_text(place)),
                    Some(format!("was {}", on_off(!*state))),
                ]),
            )
        }
        Fact::BadValue {
            relay,
            name,
            place,
            fields,
        } => {
            let what = if *relay { "Relay" } else { "Device" };
            (
                format!("{what} {name}: bad value from the plant"),
                body(&[
                    Some(place_text(place)),
                    Some(format!("could not read {fields}")),
                ]),
            )
        }
        Fact::DeviceStatus {
            name,
            place,
            from,
            to,
            last,
        } => {
            let (title, last) = match to {
                DeviceStatus::Offline => (format!("Device {name} went offline"), *last),
                DeviceStatus::Fault => (format!("Device {name} reports a fault"), *last),
                _ => (format!("Device {name} is back online"), None),
            };
            (
                title,
                body(&[
                    Some(place_text(place)),
                    Some(format!("was {}", from.as_str())),
                    last.map(|v| format!("last value {}", reading(v.value, v.unit))),
                ]),
            )
        }
        Fact::Limit {
            name,
            place,
            now,
            crossing,
        } => {
            let unit = now.unit;
            let now = reading(now.value, unit);
            let (title, detail) = match crossing {
                Crossing::High { limit } => (
                    format!("{name} is above its high limit: {now}"),
                    format!("high limit {}", reading(*limit, unit)),
                ),
                Crossing::Low { limit } => (
                    format!("{name} is below its low limit: {now}"),
                    format!("low limit {}", reading(*limit, unit)),
                ),
                Crossing::ClearedFromHigh { limit } => (
                    format!("{name} is back within its limits: {now}"),
                    format!("was above {}", reading(*limit, unit)),
                ),
                Crossing::ClearedFromLow { limit } => (
                    format!("{name} is back within its limits: {now}"),
                    format!("was below {}", reading(*limit, unit)),
                ),
            };
            (title, body(&[Some(place_text(place)), Some(detail)]))
        }
        Fact::LinkRestored {
            after_s,
            server,
            mode,
        } => (
            format!("Plant link restored after {}", span(*after_s)),
            body(&[
                Some((*server).to_owned()),
                Some(mode_label(*mode).to_owned()),
            ]),
        ),
        Fact::LinkLost {
            for_s,
            server,
            mode,
            detail,
        } => {
            let detail = detail.map(|d| format!(": {d}")).unwrap_or_default();
            (
                format!("Plant link lost: no data for {}", span(*for_s)),
                body(&[
                    Some((*server).to_owned()),
                    Some(format!("{}{detail}", mode_label(*mode))),
                    Some("values shown are the last known".to_owned()),
                ]),
            )
        }
        Fact::Command {
            name,
            place,
            state,
            end,
            error,
            operator,
        } => {
            let (outcome, default_why) = match end {
                CommandEnd::Failed => ("failed", "the plant did not apply it"),
                CommandEnd::Expired => ("expired", "its time ran out before it took effect"),
                CommandEnd::PlantChanged => (
                    "ended: plant changed",
                    "the console is on another plant than the one it was meant for",
                ),
            };
            (
                format!("Command to switch {name} {} {outcome}", on_off(*state)),
                body(&[
                    Some(place_text(place)),
                    Some(error.unwrap_or(default_why).to_owned()),
                    Some(format!("requested by {operator}")),
                ]),
            )
        }
    }
}

/// "dev-001 · Hall 2", "relay-03 · Boiler 1 · Hall 2": the id and the place, which the
/// title's name may not make unique.
fn place_text(place: &Place<'_>) -> String {
    match (place.device, place.location) {
        (None, Some(location)) => format!("{} · {location}", place.id),
        (None, None) => place.id.to_owned(),
        (Some(device), location) => {
            let location = location.map(|p| format!(" · {p}")).unwrap_or_default();
            format!("{} · {device}{location}", place.id)
        }
    }
}

/// The words the window uses for each mode, so an alert reads like the screen.
fn mode_label(mode: LinkMode) -> &'static str {
    match mode {
        LinkMode::Connecting => "Connecting",
        LinkMode::Realtime => "Real-time",
        LinkMode::Fallback => "HTTP fallback",
        LinkMode::Stale => "Stale",
        LinkMode::Offline => "Offline",
        LinkMode::Unauthorized => "Unauthorized",
    }
}

fn on_off(state: bool) -> &'static str {
    if state {
        "ON"
    } else {
        "OFF"
    }
}

/// A value as people read it: at most two decimals, no trailing zeros, with its unit.
pub(crate) fn reading(value: f64, unit: Option<&str>) -> String {
    let mut text = format!("{value:.2}");
    if text.contains('.') {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(trimmed);
    }
    match unit {
        Some(unit) if !unit.is_empty() => format!("{text} {unit}"),
        _ => text,
    }
}

/// A length of time as people say it: "45 s", "1 min 12 s", "2 h 5 min".
pub(crate) fn span(seconds: f64) -> String {
    // Whole seconds: an alert about a link down "for 10.000213 s" helps nobody.
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// Joins the non-empty parts of a body with a middle dot.
fn body(parts: &[Option<String>]) -> String {
    parts
        .iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ")
}
