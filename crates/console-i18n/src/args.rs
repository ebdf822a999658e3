//! A message's named arguments, kept small: a short list sorted by name instead of a
//! B-tree map.
//!
//! A message has one to four arguments, and the console holds one or two per alarm and
//! alert, and makes one per journal entry. A `BTreeMap<String, Arg>` allocates a whole
//! leaf node (eleven slots, about 630 bytes) for the first entry and a string for each
//! name; dhat found 23 MB of such maps at the first snapshot of a 10 000-device plant
//! (BENCHMARKS.md, memory). Here the names the core writes are `&'static str` (no
//! allocation), only names read back from JSON are owned, and the list holds exactly
//! its entries. It serializes as the same JSON object, in the same (sorted) order, so
//! the cache, the window and the journal see no difference.

use std::borrow::Cow;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Arg;

/// Named arguments, sorted by name, each name at most once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Args(Vec<(Cow<'static, str>, Arg)>);

impl Args {
    /// Sets `name` to `arg`, replacing an argument of the same name.
    pub fn insert(&mut self, name: impl Into<Cow<'static, str>>, arg: Arg) {
        let name = name.into();
        match self
            .0
            .binary_search_by(|(n, _)| n.as_ref().cmp(name.as_ref()))
        {
            Ok(at) => self.0[at].1 = arg,
            Err(at) => self.0.insert(at, (name, arg)),
        }
    }

    /// The argument called `name`.
    pub fn get(&self, name: &str) -> Option<&Arg> {
        self.0
            .binary_search_by(|(n, _)| n.as_ref().cmp(name))
            .ok()
            .map(|at| &self.0[at].1)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The arguments by name, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arg)> {
        self.0.iter().map(|(name, arg)| (name.as_ref(), arg))
    }
}

impl Serialize for Args {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, arg) in &self.0 {
            map.serialize_entry(name.as_ref(), arg)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Args {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ArgsVisitor;

        impl<'de> Visitor<'de> for ArgsVisitor {
            type Value = Args;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of message arguments")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Args, A::Error> {
                let mut args = Args(Vec::with_capacity(map.size_hint().unwrap_or(0).min(16)));
                // A repeated name keeps its last value, as a map read would.
                while let Some((name, arg)) = map.next_entry::<String, Arg>()? {
                    args.insert(name, arg);
                }
                args.0.shrink_to_fit();
                Ok(args)
            }
        }

        deserializer.deserialize_map(ArgsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Message;

    #[test]
    fn arguments_serialize_as_the_sorted_json_object_a_map_gave() {
        let message = Message::new("alert-x")
            .text("name", "Pump 1")
            .number("value", 81.5)
            .duration("after", 30.0)
            .text("detail", "high");
        let json = serde_json::to_string(&message).unwrap();
        assert_eq!(
            json,
            r#"{"id":"alert-x","args":{"after":{"duration":30.0},"detail":"high","name":"Pump 1","value":81.5}}"#
        );
        let back: Message = serde_json::from_str(&json).unwrap();
        assert_eq!(back, message);
    }

    #[test]
    fn a_name_given_twice_keeps_its_last_value() {
        let message = Message::new("m")
            .text("name", "first")
            .text("name", "second");
        assert_eq!(message.args.len(), 1);
        assert_eq!(message.text_arg("name"), Some("second"));
        let read: Args = serde_json::from_str(r#"{"b":1,"a":"x","b":2}"#).unwrap();
        assert_eq!(
            read.iter().collect::<Vec<_>>(),
            vec![("a", &Arg::Text("x".into())), ("b", &Arg::Number(2.0))]
        );
    }

    #[test]
    fn arguments_that_are_not_an_object_are_refused() {
        assert!(serde_json::from_str::<Args>(r#"["name","x"]"#).is_err());
        assert!(serde_json::from_str::<Args>(r#"{"name":[1]}"#).is_err());
    }
}
