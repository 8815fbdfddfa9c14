//! JSON parsing that refuses duplicate object keys at any depth. `serde_json` keeps the last of two
//! equal keys silently, so `{"sub":"alice","sub":"admin"}` could mean different things to different
//! parsers; token headers and payloads are parsed here first (threat catalogue item 15).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why a document was refused. Carries no text from the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StrictJsonError {
    /// The bytes are not one well-formed JSON value, or an object repeats a key.
    #[error("not well-formed JSON without duplicate keys")]
    Invalid,
}

/// Parses `text` as JSON, refusing duplicate keys in any object.
pub fn parse_without_duplicate_keys(text: &str) -> Result<Value, StrictJsonError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let strict = StrictValue::deserialize(&mut deserializer).map_err(|_| StrictJsonError::Invalid)?;
    deserializer.end().map_err(|_| StrictJsonError::Invalid)?;
    Ok(strict.0)
}

struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value without duplicate object keys")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = sequence.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = entries.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom("duplicate key"));
            }
            let StrictValue(value) = entries.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_nested_objects_without_duplicates() {
        let parsed = parse_without_duplicate_keys(r#"{"a":{"b":[1,{"c":null}]},"d":"e"}"#);
        assert_eq!(parsed, Ok(serde_json::json!({"a":{"b":[1,{"c":null}]},"d":"e"})));
    }

    #[test]
    fn refuses_duplicate_keys_at_top_level_and_nested() {
        assert_eq!(parse_without_duplicate_keys(r#"{"sub":"a","sub":"b"}"#), Err(StrictJsonError::Invalid));
        assert_eq!(parse_without_duplicate_keys(r#"{"x":[{"k":1,"k":2}]}"#), Err(StrictJsonError::Invalid));
    }

    #[test]
    fn refuses_trailing_garbage() {
        assert_eq!(parse_without_duplicate_keys(r#"{"a":1} {"b":2}"#), Err(StrictJsonError::Invalid));
    }
}
