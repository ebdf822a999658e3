//! A device's fields that the contract does not list, kept small: a list sorted by name
//! instead of serde_json's B-tree map.
//!
//! Every device of the reference plant carries one or two such fields (`location`,
//! `firmware`), and the console holds every device of the plant. A `Map<String, Value>`
//! allocates a whole leaf node (eleven slots, about 630 bytes) for its first entry;
//! dhat found 13.5 MB of them for 10 000 devices (BENCHMARKS.md, memory). This list
//! holds exactly its entries. It reads and writes the same JSON object as the map, with
//! its keys in the same (sorted) order, so the cache and the window see no difference.

use std::fmt;
use std::ops::Index;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Fields by name, sorted, each name at most once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extra(Vec<(Box<str>, Value)>);

impl Extra {
    pub fn new() -> Self {
        Extra::default()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key))
    }

    /// Sets `key` to `value`; returns the value it replaced, as a map's `insert` does.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.find(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.0[at].1, value)),
            Err(at) => {
                self.0.insert(at, (key.into_boxed_str(), value));
                None
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|at| &self.0[at].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.find(key).ok().map(|at| self.0.remove(at).1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields by name, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// Gives back the room of a list that grew one field at a time.
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

/// A field that is not there panics, as indexing serde_json's map does.
impl Index<&str> for Extra {
    type Output = Value;

    fn index(&self, key: &str) -> &Value {
        self.get(key)
            .unwrap_or_else(|| panic!("no extra field {key:?}"))
    }
}

impl From<Map<String, Value>> for Extra {
    fn from(map: Map<String, Value>) -> Self {
        // The map's keys are already sorted and unique.
        Extra(
            map.into_iter()
                .map(|(k, v)| (k.into_boxed_str(), v))
                .collect(),
        )
    }
}

impl From<Extra> for Map<String, Value> {
    fn from(extra: Extra) -> Self {
        extra
            .0
            .into_iter()
            .map(|(k, v)| (k.into_string(), v))
            .collect()
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key.as_ref(), value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExtraVisitor;

        impl<'de> Visitor<'de> for ExtraVisitor {
            type Value = Extra;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of fields")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Extra, A::Error> {
                let mut extra = Extra::default();
                // A repeated key keeps its last value, as a map read would.
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    extra.insert(key, value);
                }
                extra.shrink_to_fit();
                Ok(extra)
            }
        }

        deserializer.deserialize_map(ExtraVisitor)
    }
}

/// The window sees the same type as for serde_json's map (ts-rs's `as` does not go with
/// `flatten`, so this says it by hand, as ts-rs's own shadow impls do).
#[cfg(feature = "ts")]
impl ts_rs::TS for Extra {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn ident(cfg: &ts_rs::Config) -> String {
        <Map<String, Value> as ts_rs::TS>::ident(cfg)
    }
    fn name(cfg: &ts_rs::Config) -> String {
        <Map<String, Value> as ts_rs::TS>::name(cfg)
    }
    fn inline(cfg: &ts_rs::Config) -> String {
        <Map<String, Value> as ts_rs::TS>::inline(cfg)
    }
    fn inline_flattened(cfg: &ts_rs::Config) -> String {
        <Map<String, Value> as ts_rs::TS>::inline_flattened(cfg)
    }
    fn visit_dependencies(v: &mut impl ts_rs::TypeVisitor)
    where
        Self: 'static,
    {
        <Map<String, Value> as ts_rs::TS>::visit_dependencies(v);
    }
    fn visit_generics(v: &mut impl ts_rs::TypeVisitor)
    where
        Self: 'static,
    {
        <Map<String, Value> as ts_rs::TS>::visit_generics(v);
    }
    fn decl(cfg: &ts_rs::Config) -> String {
        <Map<String, Value> as ts_rs::TS>::decl(cfg)
    }
    fn decl_concrete(cfg: &ts_rs::Config) -> String {
        <Map<String, Value> as ts_rs::TS>::decl_concrete(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_written_as_the_sorted_object_the_map_wrote() {
        let extra: Extra =
            serde_json::from_str(r#"{"zone":3,"location":"Hall 2","a":null}"#).unwrap();
        let map: Map<String, Value> =
            serde_json::from_str(r#"{"zone":3,"location":"Hall 2","a":null}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&extra).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        assert_eq!(Extra::from(map.clone()), extra);
        assert_eq!(Map::from(extra), map);
    }

    #[test]
    fn a_field_set_twice_keeps_its_last_value() {
        let mut extra: Extra = serde_json::from_str(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(extra.len(), 2);
        assert_eq!(extra["a"], 3);
        assert_eq!(extra.insert("b".into(), json!("x")), Some(json!(2)));
        assert_eq!(extra.remove("a"), Some(json!(3)));
        assert!(!extra.contains_key("a"));
        assert_eq!(extra.get("b"), Some(&json!("x")));
    }

    #[test]
    fn fields_that_are_not_an_object_are_refused() {
        assert!(serde_json::from_str::<Extra>(r#"["location"]"#).is_err());
        assert!(serde_json::from_str::<Extra>("3").is_err());
    }
}
