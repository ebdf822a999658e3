//! `Device`'s `Deserialize`, written out rather than derived: the derived one for a struct
//! with `#[serde(flatten)]` first buffers every field of the object (each string copied
//! into serde's private `Content`) and then reads the struct again from that buffer. This
//! one reads each field once, straight from the input, and names the known fields without
//! allocating; only the fields the contract does not list are kept as JSON values.
//!
//! It accepts and refuses exactly what the derived one did: an object, each listed field
//! at most once, `id`, `name`, `kind`, `status` and `last_seen` required, `value` and
//! `unit` absent or `null` as `None`, every other field kept in `extra`.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::{Device, DeviceStatus, Extra, UnixSeconds};

/// A key of a device object: one of the contract's fields, or another one (kept).
enum Field {
    Id,
    Name,
    Kind,
    Status,
    Value,
    Unit,
    LastSeen,
    Other(String),
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;

        impl Visitor<'_> for FieldVisitor {
            type Value = Field;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Field, E> {
                Ok(match name {
                    "id" => Field::Id,
                    "name" => Field::Name,
                    "kind" => Field::Kind,
                    "status" => Field::Status,
                    "value" => Field::Value,
                    "unit" => Field::Unit,
                    "last_seen" => Field::LastSeen,
                    other => Field::Other(other.to_owned()),
                })
            }

            fn visit_string<E: de::Error>(self, name: String) -> Result<Field, E> {
                match self.visit_str::<E>(&name)? {
                    // The key is kept as it came, without a second copy.
                    Field::Other(_) => Ok(Field::Other(name)),
                    known => Ok(known),
                }
            }
        }

        deserializer.deserialize_identifier(FieldVisitor)
    }
}

/// Stores `value` in `slot`, refusing a field given twice.
fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, field: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(field));
    }
    *slot = Some(value);
    Ok(())
}

struct DeviceVisitor;

impl<'de> Visitor<'de> for DeviceVisitor {
    type Value = Device;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct Device")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Device, A::Error> {
        let mut id: Option<String> = None;
        let mut name: Option<String> = None;
        let mut kind: Option<String> = None;
        let mut status: Option<DeviceStatus> = None;
        let mut value: Option<Option<f64>> = None;
        let mut unit: Option<Option<String>> = None;
        let mut last_seen: Option<UnixSeconds> = None;
        let mut extra = Extra::new();
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Id => once(&mut id, map.next_value()?, "id")?,
                Field::Name => once(&mut name, map.next_value()?, "name")?,
                Field::Kind => once(&mut kind, map.next_value()?, "kind")?,
                Field::Status => once(&mut status, map.next_value()?, "status")?,
                Field::Value => once(&mut value, map.next_value()?, "value")?,
                Field::Unit => once(&mut unit, map.next_value()?, "unit")?,
                Field::LastSeen => once(&mut last_seen, map.next_value()?, "last_seen")?,
                Field::Other(key) => {
                    // The derived reader kept the last of a repeated unknown field too.
                    extra.insert(key, map.next_value::<Value>()?);
                }
            }
        }
        // A list that grew one field at a time gives back its spare room: the plant's
        // whole fleet is held.
        extra.shrink_to_fit();
        Ok(Device {
            id: id.ok_or_else(|| de::Error::missing_field("id"))?,
            name: name.ok_or_else(|| de::Error::missing_field("name"))?,
            kind: kind.ok_or_else(|| de::Error::missing_field("kind"))?,
            status: status.ok_or_else(|| de::Error::missing_field("status"))?,
            value: value.flatten(),
            unit: unit.flatten(),
            last_seen: last_seen.ok_or_else(|| de::Error::missing_field("last_seen"))?,
            extra,
        })
    }
}

impl<'de> Deserialize<'de> for Device {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(DeviceVisitor)
    }
}
