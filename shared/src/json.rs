//! JSON helpers: rejecting duplicate object members and excessive nesting.
//!
//! `serde_json` keeps the last of two duplicate members; a JOSE header such as
//! `{"alg":"RS256","alg":"none"}` then means different things to different parsers
//! (RFC 7515 section 4: "MUST reject"). We walk the document once to refuse it.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::HashSet;
use std::fmt;

/// Maximum nesting of arrays/objects accepted in tokens and key sets.
const MAX_DEPTH: usize = 16;

/// Checks that `bytes` is one JSON object with no duplicate member at any depth.
pub(crate) fn check_object(bytes: &[u8]) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let seed = Strict {
        depth: 0,
        top: true,
    };
    de::DeserializeSeed::deserialize(seed, &mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())
}

#[derive(Clone, Copy)]
struct Strict {
    depth: usize,
    top: bool,
}

impl<'de> de::DeserializeSeed<'de> for Strict {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(if self.top {
            "a JSON object"
        } else {
            "a JSON value"
        })
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.top {
            return Err(de::Error::custom("expected a JSON object"));
        }
        let inner = self.nested()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.nested()?;
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("duplicate member \"{key}\"")));
            }
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}

impl Strict {
    fn scalar<E: de::Error>(self) -> Result<(), E> {
        if self.top {
            Err(E::custom("expected a JSON object"))
        } else {
            Ok(())
        }
    }
    fn nested<E: de::Error>(self) -> Result<Self, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom("JSON nested too deeply"));
        }
        Ok(Self {
            depth: self.depth + 1,
            top: false,
        })
    }
}

/// Parses `bytes` as `T` after [`check_object`].
pub(crate) fn parse_strict<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, String> {
    check_object(bytes)?;
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_objects() {
        assert!(check_object(br#"{"a":1,"b":{"c":[1,2,{"d":null}]}}"#).is_ok());
    }

    #[test]
    fn rejects_duplicate_members_at_any_depth() {
        assert!(check_object(br#"{"alg":"RS256","alg":"none"}"#).is_err());
        assert!(check_object(br#"{"a":{"b":1,"b":2}}"#).is_err());
    }

    #[test]
    fn rejects_non_objects_trailing_data_and_deep_nesting() {
        assert!(check_object(b"[1]").is_err());
        assert!(check_object(b"\"x\"").is_err());
        assert!(check_object(br#"{"a":1} x"#).is_err());
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(40), "]".repeat(40));
        assert!(check_object(deep.as_bytes()).is_err());
    }
}
