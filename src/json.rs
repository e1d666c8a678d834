//! A JSON value into a typed struct, through the text deserializer the rest of the crate uses.
//!
//! Why not `serde_json::from_value`: that is a second deserializer (serde_json's `Value`
//! deserializer), and every type read through both gets its `Deserialize` code compiled twice;
//! in the wasm packages the `Value` path was ~60 kB of code (issue 17, bytes). The values read
//! here are small documents read once (a manifest, a feature spec, a monitor snapshot, option
//! bags), so printing one back to text costs nothing that matters. The numbers survive the trip
//! exactly: serde_json prints the shortest representation that reads back to the same `f64`,
//! and this crate parses floats with `float_roundtrip`.
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Deserializes `value` as a `T`. The error is serde_json's message without the position,
/// which would point into the re-printed text rather than the caller's. The common messages
/// ("invalid type", "unknown field", "missing field") are the `Value` deserializer's; a few
/// shapes read differently (a tuple with too many items is "trailing characters", not
/// "invalid length"), and a value nested deeper than 128 levels is refused.
pub(crate) fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    serde_json::from_str(&value.to_string()).map_err(|e| {
        let message = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        match message.strip_suffix(&position) {
            Some(m) => m.to_string(),
            None => message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct P {
        x: f64,
        n: u64,
        s: Option<String>,
    }

    #[test]
    fn values_read_back_exactly_and_errors_have_no_position() {
        let v = serde_json::json!({"x": 44.136250000000004, "n": u64::MAX, "s": null});
        let p: P = from_value(&v).unwrap();
        assert_eq!(p.x.to_bits(), 44.136250000000004f64.to_bits());
        assert_eq!(p.n, u64::MAX);
        let e = from_value::<P>(&serde_json::json!({"x": "a", "n": 1})).unwrap_err();
        assert_eq!(e, "invalid type: string \"a\", expected f64");
        let e = from_value::<P>(&serde_json::json!({"x": 1.0, "n": 1, "y": 2})).unwrap_err();
        assert!(e.starts_with("unknown field `y`"), "{e}");
        assert!(!e.contains("line"), "{e}");
    }
}
