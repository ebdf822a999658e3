//! The words of each alert: the rules ([`super::rules`]) say what happened as a
//! [`Fact`], and [`messages`] makes its title and body as catalog messages. Kept apart so that the rules can be
//! read (and changed) as rules, and the words as words.

use console_i18n::{word, Language, Message};
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

/// A device as the console first sees it: its name, place, status and value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Seen<'a> {
    pub name: &'a str,
    pub place: Place<'a>,
    pub status: DeviceStatus,
    pub value: Option<Reading<'a>>,
}

/// What an alert says happened, without its words.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fact<'a> {
    DeviceAppeared(Seen<'a>),
    DeviceRemoved {
        name: &'a str,
        place: Place<'a>,
    },
    /// A device first seen already offline or in fault.
    DeviceStanding(Seen<'a>),
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

/// The title and body of an alert about `fact`, as catalog messages (the words are in
/// console-i18n's catalogs, `alert-*`).
pub(crate) fn messages(fact: &Fact<'_>) -> (Message, Message) {
    match fact {
        Fact::DeviceAppeared(seen) => (
            Message::new("alert-device-appeared-title").text("name", seen.name),
            seen_body(seen),
        ),
        Fact::DeviceStanding(seen) => {
            let title = if seen.status == DeviceStatus::Offline {
                "alert-device-standing-offline-title"
            } else {
                "alert-device-fault-title"
            };
            (Message::new(title).text("name", seen.name), seen_body(seen))
        }
        Fact::DeviceRemoved { name, place } => (
            Message::new("alert-device-removed-title").text("name", *name),
            Message::new("alert-device-removed-body").text("place", place_text(place)),
        ),
        Fact::RelaySwitched {
            name,
            place,
            state,
            by,
        } => {
            let title = match by {
                Some(by) => Message::new("alert-relay-switched-by-title").text("by", *by),
                None => Message::new("alert-relay-switched-title"),
            };
            (
                title.text("name", *name).text("state", on_off(*state)),
                Message::new("alert-relay-switched-body")
                    .text("place", place_text(place))
                    .text("was", on_off(!*state)),
            )
        }
        Fact::BadValue {
            relay,
            name,
            place,
            fields,
        } => {
            let title = if *relay {
                "alert-bad-value-relay-title"
            } else {
                "alert-bad-value-device-title"
            };
            (
                Message::new(title).text("name", *name),
                Message::new("alert-bad-value-body")
                    .text("place", place_text(place))
                    .text("fields", fields.clone()),
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
                DeviceStatus::Offline => ("alert-device-offline-title", *last),
                DeviceStatus::Fault => ("alert-device-fault-title", *last),
                _ => ("alert-device-online-title", None),
            };
            let body = match last {
                Some(v) => reading(
                    Message::new("alert-device-status-last-body"),
                    "value",
                    v.value,
                    v.unit,
                ),
                None => Message::new("alert-device-status-body"),
            };
            (
                Message::new(title).text("name", *name),
                body.text("place", place_text(place))
                    .text("was", from.as_str()),
            )
        }
        Fact::Limit {
            name,
            place,
            now,
            crossing,
        } => {
            let (title, body, limit) = match crossing {
                Crossing::High { limit } => {
                    ("alert-limit-high-title", "alert-limit-high-body", limit)
                }
                Crossing::Low { limit } => ("alert-limit-low-title", "alert-limit-low-body", limit),
                Crossing::ClearedFromHigh { limit } => (
                    "alert-limit-cleared-title",
                    "alert-limit-cleared-high-body",
                    limit,
                ),
                Crossing::ClearedFromLow { limit } => (
                    "alert-limit-cleared-title",
                    "alert-limit-cleared-low-body",
                    limit,
                ),
            };
            (
                reading(Message::new(title), "value", now.value, now.unit).text("name", *name),
                reading(Message::new(body), "limit", *limit, now.unit)
                    .text("place", place_text(place)),
            )
        }
        Fact::LinkRestored {
            after_s,
            server,
            mode,
        } => (
            Message::new("alert-link-restored-title").duration("duration", *after_s),
            Message::new("alert-link-restored-body")
                .text("server", *server)
                .text("mode", mode.as_str()),
        ),
        Fact::LinkLost {
            for_s,
            server,
            mode,
            detail,
        } => {
            let body = match detail {
                Some(detail) => Message::new("alert-link-lost-detail-body").text("detail", *detail),
                None => Message::new("alert-link-lost-body"),
            };
            (
                Message::new("alert-link-lost-title").duration("duration", *for_s),
                body.text("server", *server).text("mode", mode.as_str()),
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
            let (title, default_body) = match end {
                CommandEnd::Failed => ("alert-command-failed-title", "alert-command-failed-body"),
                CommandEnd::Expired => {
                    ("alert-command-expired-title", "alert-command-expired-body")
                }
                CommandEnd::PlantChanged => (
                    "alert-command-plant-changed-title",
                    "alert-command-plant-changed-body",
                ),
            };
            let body = match error {
                Some(error) => Message::new("alert-command-error-body").text("error", *error),
                None => Message::new(default_body),
            };
            (
                Message::new(title)
                    .text("name", *name)
                    .text("state", on_off(*state)),
                body.text("place", place_text(place))
                    .text("operator", *operator),
            )
        }
    }
}

/// The English title and body of an alert about `fact` (what the store and the logs
/// keep beside the messages).
pub(crate) fn words(fact: &Fact<'_>) -> (Message, Message, String, String) {
    let (title, body) = messages(fact);
    let english = (word(Language::En, &title), word(Language::En, &body));
    (title, body, english.0, english.1)
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

/// "dev-001 · Hall 2 · fault · 71 °C": where a device is, its status and its value.
fn seen_body(seen: &Seen<'_>) -> Message {
    let body = match seen.value {
        Some(v) => reading(
            Message::new("alert-device-appeared-body"),
            "value",
            v.value,
            v.unit,
        ),
        None => Message::new("alert-device-appeared-body-no-value"),
    };
    body.text("place", place_text(&seen.place))
        .text("status", seen.status.as_str())
}

/// A relay state as the catalog's selectors name it.
fn on_off(state: bool) -> &'static str {
    if state {
        "on"
    } else {
        "off"
    }
}

/// `message` with a value (`name`) and its unit, the unit with its leading space as
/// the catalog expects it (empty when the plant gives none).
pub(crate) fn reading(
    message: Message,
    name: &'static str,
    value: f64,
    unit: Option<&str>,
) -> Message {
    let unit = match unit {
        Some(unit) if !unit.is_empty() => format!(" {unit}"),
        _ => String::new(),
    };
    message.number(name, value).text("unit", unit)
}
