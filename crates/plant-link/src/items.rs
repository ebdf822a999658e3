//! Reads the plant's lists item by item, so one device or relay the console cannot read
//! never discards the others in the same update, snapshot or HTTP answer. Pure: text in,
//! typed values and marks out.
//!
//! Every reader first tries the strict serde parse, which is what a well-formed plant
//! always gets (the ingest benchmark measures that path). Only when it fails does the
//! lenient path run: non-finite numbers are quoted ([`crate::codec::quote_non_finite`]),
//! the payload is read as a JSON tree, and each item is read field by field. A field
//! that cannot be read (a `NaN`, a string where a number belongs, a missing required
//! field, a wrong type) gets a placeholder and is named in the item's [`Unreadable`]
//! marks; the plant state then keeps the last readable value where that is safe and the
//! item's quality is bad. An item whose id cannot be read is dropped and counted.

use std::borrow::Cow;

use plant_protocol::{
    Device, DeviceStatus, DevicesUpdate, Relay, RelaysUpdate, SetRelayError, SetRelayResult,
    SystemStats,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::codec;

/// Every field name the readers can mark, so marks read back from the cache are the same
/// static names the readers use.
const FIELD_NAMES: [&str; 17] = [
    "name",
    "kind",
    "status",
    "value",
    "unit",
    "last_seen",
    "device_id",
    "state",
    "changed_at",
    "changed_by",
    "cpu_percent",
    "memory_percent",
    "disk_percent",
    "uptime_s",
    "clients",
    "server_time",
    "relay",
];

/// The fields of one item that could not be read; empty for an item read whole.
///
/// Serialized as a list of field names (`["value"]`), for the window and the cache.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Unreadable(Vec<&'static str>);

impl Unreadable {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, field: &str) -> bool {
        self.0.contains(&field)
    }

    pub fn fields(&self) -> &[&'static str] {
        &self.0
    }

    /// Marks from field names (the cache's copy); names this build does not know are
    /// kept as the generic "value" so the item still shows as bad.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut marks = Unreadable::default();
        for name in names {
            let known = FIELD_NAMES
                .iter()
                .find(|known| **known == name)
                .copied()
                .unwrap_or("value");
            marks.push(known);
        }
        marks
    }

    fn push(&mut self, field: &'static str) {
        if !self.0.contains(&field) {
            self.0.push(field);
        }
    }

    /// "value, status": the fields, for a log line, the journal or the CLI.
    pub fn joined(&self) -> String {
        self.0.join(", ")
    }
}

impl Serialize for Unreadable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Unreadable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        Ok(Unreadable::from_names(names.iter().map(String::as_str)))
    }
}

/// What the lenient path found in one payload: which items carry unreadable fields and
/// how many items (or payload fields) the console could not use at all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Marks {
    /// (index in the payload's list, its unreadable fields), by ascending index; empty
    /// when every item was read whole.
    pub items: Vec<(usize, Unreadable)>,
    /// Items dropped because their id could not be read, plus payload fields whose
    /// loss changes what the console does (a `snapshot` flag it had to read as `false`).
    pub dropped: u32,
}

impl Marks {
    pub fn is_clean(&self) -> bool {
        self.items.is_empty() && self.dropped == 0
    }

    /// The marks of the item at `index`, if any.
    pub fn of(&self, index: usize) -> Option<&Unreadable> {
        self.items
            .binary_search_by_key(&index, |(at, _)| *at)
            .ok()
            .map(|found| &self.items[found].1)
    }
}

/// A payload read item by item, with its marks.
#[derive(Debug, Clone, PartialEq)]
pub struct Read<T> {
    pub value: T,
    pub marks: Marks,
}

impl<T> Read<T> {
    /// A payload every item of which was read whole.
    pub fn whole(value: T) -> Self {
        Read {
            value,
            marks: Marks::default(),
        }
    }
}

impl<T> From<T> for Read<T> {
    fn from(value: T) -> Self {
        Read::whole(value)
    }
}

/// Why a payload could not be read at all: its shape, not one item, is wrong.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ItemsError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("{0}")]
    Shape(&'static str),
}

/// A `devices_update` payload (or the body of `GET /api/devices`).
pub fn devices_update(text: &str) -> Result<Read<DevicesUpdate>, ItemsError> {
    if let Ok(update) = serde_json::from_str::<DevicesUpdate>(text) {
        return Ok(Read::whole(update));
    }
    let mut map = lenient_object(text)?;
    let Some(Value::Array(list)) = map.remove("devices") else {
        return Err(ItemsError::Shape("no list of devices"));
    };
    let mut marks = Marks::default();
    let snapshot = read_snapshot_flag(&mut map, &mut marks);
    let mut devices = Vec::with_capacity(list.len());
    for item in list {
        match read_device(item) {
            Some((device, unreadable)) => {
                if !unreadable.is_empty() {
                    marks.items.push((devices.len(), unreadable));
                }
                devices.push(device);
            }
            None => marks.dropped += 1,
        }
    }
    Ok(Read {
        value: DevicesUpdate {
            devices,
            snapshot,
            server_time: read_server_time(&mut map),
        },
        marks,
    })
}

/// A `relays_update` payload (or the body of `GET /api/relays`).
pub fn relays_update(text: &str) -> Result<Read<RelaysUpdate>, ItemsError> {
    if let Ok(update) = serde_json::from_str::<RelaysUpdate>(text) {
        return Ok(Read::whole(update));
    }
    let mut map = lenient_object(text)?;
    let Some(Value::Array(list)) = map.remove("relays") else {
        return Err(ItemsError::Shape("no list of relays"));
    };
    let mut marks = Marks::default();
    let snapshot = read_snapshot_flag(&mut map, &mut marks);
    let mut relays = Vec::with_capacity(list.len());
    for item in list {
        match read_relay(item) {
            Some((relay, unreadable)) => {
                if !unreadable.is_empty() {
                    marks.items.push((relays.len(), unreadable));
                }
                relays.push(relay);
            }
            None => marks.dropped += 1,
        }
    }
    Ok(Read {
        value: RelaysUpdate {
            relays,
            snapshot,
            server_time: read_server_time(&mut map),
        },
        marks,
    })
}

/// A `system_stats_update` payload (or the body of `GET /api/system/stats`); its marks,
/// if any, are those of item 0.
pub fn system_stats(text: &str) -> Result<Read<SystemStats>, ItemsError> {
    if let Ok(stats) = serde_json::from_str::<SystemStats>(text) {
        return Ok(Read::whole(stats));
    }
    let map = lenient_object(text)?;
    let (stats, unreadable) = read_stats(map);
    let mut marks = Marks::default();
    if !unreadable.is_empty() {
        marks.items.push((0, unreadable));
    }
    Ok(Read {
        value: stats,
        marks,
    })
}

/// The answer to a `set_relay` (the ack's first argument, or the HTTP body). A relay in
/// it that cannot be read whole still lets the answer count: whether the plant applied
/// or refused the command is what the outbox needs; its marks say which relay fields
/// were unreadable. `relay_id` names the relay when the answer's own relay has no id.
pub fn set_relay_result(
    text: &str,
    relay_id: &str,
) -> Result<(SetRelayResult, Unreadable), ItemsError> {
    if let Ok(result) = serde_json::from_str::<SetRelayResult>(text) {
        return Ok((result, Unreadable::default()));
    }
    let mut map = lenient_object(text)?;
    match map.remove("ok") {
        Some(Value::Bool(true)) => {
            let duplicate = matches!(map.remove("duplicate"), Some(Value::Bool(true)));
            let (relay, unreadable) = match map.remove("relay") {
                Some(item) => {
                    read_relay(item).unwrap_or_else(|| placeholder_relay(relay_id, "relay"))
                }
                None => placeholder_relay(relay_id, "relay"),
            };
            Ok((SetRelayResult::Applied { relay, duplicate }, unreadable))
        }
        Some(Value::Bool(false)) => {
            let error = map
                .remove("error")
                .and_then(|error| serde_json::from_value::<SetRelayError>(error).ok())
                .ok_or(ItemsError::Shape("a refusal without a known error"))?;
            let message = match map.remove("message") {
                Some(Value::String(text)) => text,
                _ => String::new(),
            };
            Ok((
                SetRelayResult::Refused { error, message },
                Unreadable::default(),
            ))
        }
        _ => Err(ItemsError::Shape("an answer without `ok`")),
    }
}

/// A relay the console knows only by id: every field is a placeholder and marked.
fn placeholder_relay(id: &str, why: &'static str) -> (Relay, Unreadable) {
    let mut unreadable = Unreadable::default();
    unreadable.push(why);
    unreadable.push("state");
    (
        Relay {
            id: id.to_owned(),
            name: String::new(),
            device_id: None,
            state: false,
            changed_at: 0.0,
            changed_by: None,
            extra: Map::new(),
        },
        unreadable,
    )
}

/// The payload as a JSON object, after quoting what strict JSON cannot hold.
fn lenient_object(text: &str) -> Result<Map<String, Value>, ItemsError> {
    let text = match codec::quote_non_finite(text) {
        Some(fixed) => Cow::Owned(fixed),
        None => Cow::Borrowed(text),
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ItemsError::Shape("not a JSON object")),
        Err(error) => Err(ItemsError::NotJson(error.to_string())),
    }
}

/// A list's `snapshot` flag. One that cannot be read is taken as `false` (upserts only),
/// because reading it as `true` would remove every device the payload does not list;
/// the lost flag is counted.
fn read_snapshot_flag(map: &mut Map<String, Value>, marks: &mut Marks) -> bool {
    match map.remove("snapshot") {
        Some(Value::Bool(flag)) => flag,
        _ => {
            marks.dropped += 1;
            false
        }
    }
}

fn read_server_time(map: &mut Map<String, Value>) -> f64 {
    match map.remove("server_time") {
        Some(Value::Number(number)) => number.as_f64().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// One device, or `None` when it is not an object or its id cannot be read.
pub(crate) fn read_device(item: Value) -> Option<(Device, Unreadable)> {
    let Value::Object(mut map) = item else {
        return None;
    };
    let Some(Value::String(id)) = map.remove("id") else {
        return None;
    };
    let mut bad = Unreadable::default();
    let device = Device {
        name: string(&mut map, "name", &mut bad),
        kind: string(&mut map, "kind", &mut bad),
        status: status(&mut map, &mut bad),
        value: optional_number(&mut map, "value", &mut bad),
        unit: optional_string(&mut map, "unit", &mut bad),
        last_seen: number(&mut map, "last_seen", &mut bad),
        id,
        extra: map.into(),
    };
    Some((device, bad))
}

/// One relay, or `None` when it is not an object or its id cannot be read.
pub(crate) fn read_relay(item: Value) -> Option<(Relay, Unreadable)> {
    let Value::Object(mut map) = item else {
        return None;
    };
    let Some(Value::String(id)) = map.remove("id") else {
        return None;
    };
    let mut bad = Unreadable::default();
    let relay = Relay {
        name: string(&mut map, "name", &mut bad),
        device_id: optional_string(&mut map, "device_id", &mut bad),
        state: boolean(&mut map, "state", &mut bad),
        changed_at: number(&mut map, "changed_at", &mut bad),
        changed_by: optional_string(&mut map, "changed_by", &mut bad),
        id,
        extra: map,
    };
    Some((relay, bad))
}

/// The stats object; it has no id, so it is always kept, with its marks.
pub(crate) fn read_stats(mut map: Map<String, Value>) -> (SystemStats, Unreadable) {
    let mut bad = Unreadable::default();
    let stats = SystemStats {
        cpu_percent: number(&mut map, "cpu_percent", &mut bad),
        memory_percent: number(&mut map, "memory_percent", &mut bad),
        disk_percent: number(&mut map, "disk_percent", &mut bad),
        uptime_s: number(&mut map, "uptime_s", &mut bad),
        clients: count(&mut map, "clients", &mut bad),
        server_time: number(&mut map, "server_time", &mut bad),
        extra: map,
    };
    (stats, bad)
}

// Field readers: each takes its field out of the object (what remains is the item's
// extra fields) and marks it when it is missing or of the wrong type. The placeholders
// (empty, zero, false, unknown) are never shown: the plant state keeps the last
// readable value in their place where it has one, and the item's quality is bad.

fn string(map: &mut Map<String, Value>, field: &'static str, bad: &mut Unreadable) -> String {
    match map.remove(field) {
        Some(Value::String(text)) => text,
        _ => {
            bad.push(field);
            String::new()
        }
    }
}

fn optional_string(
    map: &mut Map<String, Value>,
    field: &'static str,
    bad: &mut Unreadable,
) -> Option<String> {
    match map.remove(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(_) => {
            bad.push(field);
            None
        }
    }
}

fn finite(value: &Value) -> Option<f64> {
    value.as_f64().filter(|v| v.is_finite())
}

fn number(map: &mut Map<String, Value>, field: &'static str, bad: &mut Unreadable) -> f64 {
    match map.remove(field).as_ref().and_then(finite) {
        Some(value) => value,
        None => {
            bad.push(field);
            0.0
        }
    }
}

/// A number the contract allows to be `null` (a device without a reading): `null` and a
/// missing field are no reading, anything else that is not a finite number is unreadable.
fn optional_number(
    map: &mut Map<String, Value>,
    field: &'static str,
    bad: &mut Unreadable,
) -> Option<f64> {
    match map.remove(field) {
        None | Some(Value::Null) => None,
        Some(value) => match finite(&value) {
            Some(number) => Some(number),
            None => {
                bad.push(field);
                None
            }
        },
    }
}

fn count(map: &mut Map<String, Value>, field: &'static str, bad: &mut Unreadable) -> u64 {
    match map.remove(field).as_ref().and_then(Value::as_u64) {
        Some(count) => count,
        None => {
            bad.push(field);
            0
        }
    }
}

fn boolean(map: &mut Map<String, Value>, field: &'static str, bad: &mut Unreadable) -> bool {
    match map.remove(field) {
        Some(Value::Bool(flag)) => flag,
        _ => {
            bad.push(field);
            false
        }
    }
}

fn status(map: &mut Map<String, Value>, bad: &mut Unreadable) -> DeviceStatus {
    match map.remove("status") {
        // Any string is a status: one this version does not name is `Unknown`, as in the
        // strict parse.
        Some(Value::String(text)) => {
            serde_json::from_value(Value::String(text)).unwrap_or(DeviceStatus::Unknown)
        }
        _ => {
            bad.push("status");
            DeviceStatus::Unknown
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"d1","name":"Boiler","kind":"temperature","status":"online","value":71.5,"unit":"C","last_seen":10}"#;

    fn devices(list: &str) -> Read<DevicesUpdate> {
        devices_update(&format!(
            r#"{{"devices":[{list}],"snapshot":true,"server_time":20}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_well_formed_update_is_read_whole_without_marks() {
        let read = devices(GOOD);
        assert!(read.marks.is_clean());
        assert_eq!(read.value.devices[0].value, Some(71.5));
    }

    #[test]
    fn a_nan_value_marks_only_that_device_and_keeps_its_status() {
        let read = devices(&format!(
            r#"{GOOD},{{"id":"d2","name":"Pump","kind":"flow","status":"fault","value":NaN,"unit":"l/s","last_seen":11}},{GOOD}"#
        ));
        let list = &read.value.devices;
        assert_eq!(list.len(), 3);
        assert_eq!(list[1].id, "d2");
        assert_eq!(list[1].value, None);
        assert_eq!(list[1].status, DeviceStatus::Fault);
        assert_eq!(list[1].unit.as_deref(), Some("l/s"));
        assert_eq!(read.marks.items, vec![(1, Unreadable(vec!["value"]))]);
        assert_eq!(read.marks.dropped, 0);
        assert!(read.value.snapshot);
        assert_eq!(list[2].value, Some(71.5));
    }

    #[test]
    fn infinities_huge_numbers_strings_and_wrong_types_are_unreadable_fields() {
        for (bad, field) in [
            (r#""value":Infinity"#, "value"),
            (r#""value":-Infinity"#, "value"),
            (r#""value":1e400"#, "value"),
            (r#""value":"71.5""#, "value"),
            (r#""value":[1]"#, "value"),
            (r#""last_seen":null"#, "last_seen"),
            (r#""last_seen":"yesterday""#, "last_seen"),
            (r#""status":3"#, "status"),
            (r#""name":{"x":1}"#, "name"),
            (r#""unit":5"#, "unit"),
        ] {
            let item = GOOD.replacen(
                &format!(r#""{field}":"#),
                &format!(r#""ignored_{field}":"#),
                1,
            );
            let item = item.replacen('{', &format!("{{{bad},"), 1);
            let read = devices(&item);
            assert_eq!(
                read.marks.items,
                vec![(0, Unreadable(vec![field]))],
                "{item}"
            );
        }
    }

    #[test]
    fn a_missing_required_field_is_unreadable_and_a_missing_value_is_no_reading() {
        let read = devices(r#"{"id":"d1","name":"Boiler","kind":"t","status":"online"}"#);
        assert_eq!(read.marks.items, vec![(0, Unreadable(vec!["last_seen"]))]);
        assert_eq!(read.value.devices[0].value, None);
    }

    #[test]
    fn a_device_without_a_readable_id_is_dropped_and_counted() {
        let read = devices(&format!(
            r#"{{"id":7,"value":NaN}},"not an object",{{"name":"x"}},{GOOD}"#
        ));
        assert_eq!(read.value.devices.len(), 1);
        assert_eq!(read.value.devices[0].id, "d1");
        assert_eq!(read.marks.dropped, 3);
        assert!(read.marks.items.is_empty());
    }

    #[test]
    fn extra_fields_with_non_finite_numbers_are_kept_as_text() {
        let item = GOOD.replacen('{', r#"{"drift":NaN,"location":"Hall 2","#, 1);
        let read = devices(&item);
        assert!(read.marks.items.is_empty());
        let device = &read.value.devices[0];
        assert_eq!(device.extra["drift"], "NaN");
        assert_eq!(device.extra["location"], "Hall 2");
    }

    #[test]
    fn an_unreadable_snapshot_flag_is_read_as_an_upsert_and_counted() {
        let read = devices_update(&format!(
            r#"{{"devices":[{GOOD}],"snapshot":"yes","server_time":NaN}}"#
        ))
        .unwrap();
        assert!(!read.value.snapshot);
        assert_eq!(read.marks.dropped, 1);
        assert_eq!(read.value.devices.len(), 1);
    }

    #[test]
    fn a_payload_without_a_list_is_an_error() {
        assert!(matches!(
            devices_update(r#"{"devices":"no","snapshot":true}"#),
            Err(ItemsError::Shape(_))
        ));
        assert!(matches!(devices_update("[1,2]"), Err(ItemsError::Shape(_))));
        assert!(matches!(
            devices_update("{nope"),
            Err(ItemsError::NotJson(_))
        ));
    }

    #[test]
    fn a_relay_with_an_unreadable_state_is_kept_and_marked() {
        let read = relays_update(
            r#"{"relays":[{"id":"r1","name":"Pump","device_id":null,"state":"on","changed_at":1,"changed_by":null},
                          {"id":"r2","name":"Fan","device_id":"d1","state":true,"changed_at":NaN,"changed_by":"op"}],
                "snapshot":true,"server_time":2}"#,
        )
        .unwrap();
        assert_eq!(read.value.relays.len(), 2);
        assert_eq!(
            read.marks.items,
            vec![
                (0, Unreadable(vec!["state"])),
                (1, Unreadable(vec!["changed_at"]))
            ]
        );
        assert!(read.value.relays[1].state);
        assert_eq!(read.value.relays[1].changed_by.as_deref(), Some("op"));
    }

    #[test]
    fn stats_with_a_nan_keep_the_readable_figures() {
        let read = system_stats(
            r#"{"cpu_percent":NaN,"memory_percent":40.5,"disk_percent":"full","uptime_s":9,"clients":2,"server_time":5}"#,
        )
        .unwrap();
        assert_eq!(read.value.memory_percent, 40.5);
        assert_eq!(read.value.clients, 2);
        assert_eq!(
            read.marks.items,
            vec![(0, Unreadable(vec!["cpu_percent", "disk_percent"]))]
        );
    }

    #[test]
    fn a_set_relay_answer_with_an_unreadable_relay_still_counts_as_applied() {
        let (result, marks) = set_relay_result(
            r#"{"ok":true,"duplicate":false,"relay":{"id":"r1","name":"Pump","device_id":null,"state":true,"changed_at":Infinity,"changed_by":"op"}}"#,
            "r1",
        )
        .unwrap();
        let SetRelayResult::Applied { relay, duplicate } = result else {
            panic!("{result:?}")
        };
        assert!(relay.state && !duplicate);
        assert_eq!(marks, Unreadable(vec!["changed_at"]));
        let (result, marks) = set_relay_result(r#"{"ok":true,"relay":NaN}"#, "r9").unwrap();
        assert!(matches!(result, SetRelayResult::Applied { relay, .. } if relay.id == "r9"));
        assert!(marks.contains("state"));
        let (refused, _) =
            set_relay_result(r#"{"ok":false,"error":"expired","message":NaN}"#, "r1").unwrap();
        assert!(matches!(
            refused,
            SetRelayResult::Refused {
                error: SetRelayError::Expired,
                ..
            }
        ));
    }

    #[test]
    fn marks_round_trip_through_their_names() {
        let marks = Unreadable(vec!["value", "status"]);
        let text = serde_json::to_string(&marks).unwrap();
        assert_eq!(text, r#"["value","status"]"#);
        assert_eq!(serde_json::from_str::<Unreadable>(&text).unwrap(), marks);
        assert_eq!(
            Unreadable::from_names(["something_new"]),
            Unreadable(vec!["value"])
        );
    }
}
