//! Small value shapes that make the file short for a teacher: a text that is either one
//! string or one per language, a value that is either one item or a list, and a scalar
//! kept as written so that validation can explain what is wrong with it.
//!
//! These are hand-written visitors rather than `#[serde(untagged)]`, which would turn
//! every mistake into "data did not match any variant" with no position.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};

/// A text in the lab's default language, or one per language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TextWire {
    /// Text given as a single string, in the lab's default language.
    pub default: Option<String>,
    pub nl: Option<String>,
    pub en: Option<String>,
}

impl<'de> Deserialize<'de> for TextWire {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = TextWire;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text, or a mapping with `nl` and/or `en` texts")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TextWire, E> {
                Ok(TextWire { default: Some(v.to_string()), ..TextWire::default() })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TextWire, A::Error> {
                let mut text = TextWire::default();
                while let Some(key) = map.next_key::<String>()? {
                    let slot = match key.as_str() {
                        "nl" => &mut text.nl,
                        "en" => &mut text.en,
                        other => return Err(de::Error::unknown_field(other, &["nl", "en"])),
                    };
                    if slot.is_some() {
                        return Err(de::Error::duplicate_field(if key == "nl" { "nl" } else { "en" }));
                    }
                    *slot = Some(map.next_value()?);
                }
                Ok(text)
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

impl JsonSchema for TextWire {
    fn schema_name() -> Cow<'static, str> {
        "Text".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A text in the lab's default language, or one per language (Markdown).",
            "anyOf": [
                { "type": "string" },
                { "type": "object", "additionalProperties": false,
                  "properties": { "nl": { "type": "string" }, "en": { "type": "string" } } }
            ]
        })
    }
}

/// One item or a list of them: `zones: { lan: eth3 }` or `zones: { lan: [eth3, eth4] }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OneOrMany<T> {
    pub items: Vec<T>,
    /// Whether it was written as a list (`[10]` is a trunk, `10` an access port).
    pub listed: bool,
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany { items: Vec::new(), listed: false }
    }
}

impl<T> OneOrMany<T> {
    fn one(item: T) -> Self {
        OneOrMany { items: vec![item], listed: false }
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ManyVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ManyVisitor<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("one value or a list of values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany { items, listed: true })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(OneOrMany::one)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(OneOrMany::one)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(OneOrMany::one)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(OneOrMany::one)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(OneOrMany::one)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(OneOrMany::one)
            }
        }
        deserializer.deserialize_any(ManyVisitor(PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for OneOrMany<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("OneOrMany_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let item = generator.subschema_for::<T>();
        json_schema!({
            "anyOf": [ item, { "type": "array", "items": item } ]
        })
    }
}

/// A scalar kept as the teacher wrote it (`256M`, `0`, `0.0.0.1`), so that validation
/// can parse it and say precisely what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Scalar(pub String);

impl Scalar {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl Visitor<'_> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a single value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

impl JsonSchema for Scalar {
    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "integer", "number", "boolean"] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_a_string_or_a_mapping_per_language() {
        let one: TextWire = serde_yaml::from_str("hallo").unwrap();
        assert_eq!(one.default.as_deref(), Some("hallo"));
        let two: TextWire = serde_yaml::from_str("{nl: hallo, en: hello}").unwrap();
        assert_eq!((two.nl.as_deref(), two.en.as_deref()), (Some("hallo"), Some("hello")));
        let err = serde_yaml::from_str::<TextWire>("{nl: hallo, de: hallo}").unwrap_err();
        assert!(err.to_string().contains("unknown field `de`"), "{err}");
    }

    #[test]
    fn one_or_many_takes_both_shapes() {
        let one: OneOrMany<String> = serde_yaml::from_str("eth1").unwrap();
        assert_eq!((one.items, one.listed), (vec!["eth1".to_string()], false));
        let many: OneOrMany<String> = serde_yaml::from_str("[eth1, eth2]").unwrap();
        assert_eq!((many.items, many.listed), (vec!["eth1".to_string(), "eth2".to_string()], true));
        let numbers: OneOrMany<Scalar> = serde_yaml::from_str("10").unwrap();
        assert_eq!(numbers.items, vec![Scalar("10".into())]);
    }

    #[test]
    fn scalars_keep_what_was_written() {
        let s: Scalar = serde_yaml::from_str("256M").unwrap();
        assert_eq!(s.as_str(), "256M");
        let n: Scalar = serde_yaml::from_str("0").unwrap();
        assert_eq!(n.as_str(), "0");
        assert!(serde_yaml::from_str::<Scalar>("[1]").is_err());
    }
}
