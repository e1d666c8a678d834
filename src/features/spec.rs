//! The feature spec (`features.json`): serde types, parsing with field-named errors, and the
//! content hash that identifies a feature version.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The schema tag this build reads and writes.
pub const SCHEMA: &str = "mlcycle.features/1";

/// A whole feature spec: raw input fields, ordered transforms, output columns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeatureSpec {
    /// Schema version tag, `mlcycle.features/1`.
    pub schema: String,
    /// Optional human name.
    #[serde(default)]
    pub name: Option<String>,
    /// Optional description.
    #[serde(default)]
    pub description: Option<String>,
    /// Raw input fields, in CSV column order.
    pub fields: Vec<FieldSpec>,
    /// Transforms, applied in order; each reads earlier columns and defines new ones.
    #[serde(default)]
    pub transforms: Vec<TransformSpec>,
    /// The output columns, in the order the model expects them.
    pub outputs: Vec<String>,
    /// Names of the outputs as the model knows them (e.g. sklearn's `get_feature_names_out`),
    /// when they differ from the column names; same length as `outputs`.
    #[serde(default)]
    pub output_names: Option<Vec<String>>,
    /// Provenance (exporter, library versions); hashed but never interpreted.
    #[serde(default)]
    pub source: Option<Value>,
    /// `sha256:<hex>` of the canonical normalized spec without this member. Optional on input;
    /// when present it must match.
    #[serde(default)]
    pub hash: Option<String>,
}

/// The type of a raw input field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// Any finite float (infinity is refused, as scikit-learn does; NaN is missing).
    Number,
    /// A number with an integral value.
    Integer,
    /// A string (alias `category`).
    #[serde(alias = "category")]
    String,
    /// `true` / `false` (becomes 1 / 0).
    Boolean,
    /// ISO-8601 string or epoch milliseconds, UTC; becomes epoch ms.
    Timestamp,
}

impl FieldType {
    /// The spec name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Number => "number",
            FieldType::Integer => "integer",
            FieldType::String => "string",
            FieldType::Boolean => "boolean",
            FieldType::Timestamp => "timestamp",
        }
    }
}

/// What happens when a record violates a field's type or constraints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnInvalid {
    /// The record is rejected with `E_FEATURE_INVALID` (default).
    #[default]
    Error,
    /// The value is treated as missing (then imputed, if the spec imputes) and counted.
    Missing,
}

/// One raw input field and its constraints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldSpec {
    /// Key in the record / CSV header name.
    pub name: String,
    /// Value type.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// A missing value is an error (rule `required`).
    #[serde(default)]
    pub required: bool,
    /// Inclusive lower bound (number, integer, timestamp in epoch ms).
    #[serde(default)]
    pub min: Option<f64>,
    /// Inclusive upper bound.
    #[serde(default)]
    pub max: Option<f64>,
    /// Allowed values (strings for string fields, numbers otherwise).
    #[serde(default)]
    pub categories: Option<Vec<Value>>,
    /// Policy for type and constraint violations.
    #[serde(default)]
    pub on_invalid: OnInvalid,
    /// Optional description.
    #[serde(default)]
    pub description: Option<String>,
}

/// One transform: an operator from the registry, its input and output columns, its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransformSpec {
    /// Registry name (`standard_scaler`, `one_hot`, …).
    pub op: String,
    /// Columns read (fields or earlier outputs).
    pub inputs: Vec<String>,
    /// Columns defined, in order.
    pub outputs: Vec<String>,
    /// Operator parameters (fitted statistics, options).
    #[serde(default = "empty_object")]
    pub params: Value,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::SpecInvalid {
        field: field.into(),
        reason: reason.into(),
    }
}

fn part<T: serde::de::DeserializeOwned>(value: Value, field: &str) -> Result<T> {
    crate::json::from_value(&value).map_err(|e| invalid(field, e))
}

impl FeatureSpec {
    /// Parses a spec from JSON text. Errors name the member at fault (`fields[2].type`).
    pub fn from_json(text: &str) -> Result<FeatureSpec> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| invalid("$", format!("not JSON: {e}")))?;
        FeatureSpec::from_value(value)
    }

    /// Parses a spec from a JSON value and checks its declared hash, if any.
    pub fn from_value(value: Value) -> Result<FeatureSpec> {
        let Value::Object(mut obj) = value else {
            return Err(invalid("$", "the spec must be a JSON object"));
        };
        match obj.get("schema") {
            Some(Value::String(s)) if s == SCHEMA => {}
            Some(Value::String(s)) => {
                return Err(invalid(
                    "schema",
                    format!("`{s}` is not supported; this build reads `{SCHEMA}`"),
                ))
            }
            _ => return Err(invalid("schema", format!("missing; expected \"{SCHEMA}\""))),
        }
        let known = [
            "schema",
            "name",
            "description",
            "fields",
            "transforms",
            "outputs",
            "outputNames",
            "source",
            "hash",
        ];
        if let Some(k) = obj.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(invalid(k.clone(), "unknown member"));
        }
        let array = |obj: &mut serde_json::Map<String, Value>, key: &str| -> Result<Vec<Value>> {
            match obj.remove(key) {
                Some(Value::Array(a)) => Ok(a),
                None if key == "transforms" => Ok(Vec::new()),
                None => Err(invalid(key, "missing")),
                Some(_) => Err(invalid(key, "must be an array")),
            }
        };
        let fields = array(&mut obj, "fields")?
            .into_iter()
            .enumerate()
            .map(|(i, v)| part(v, &format!("fields[{i}]")))
            .collect::<Result<Vec<FieldSpec>>>()?;
        let transforms = array(&mut obj, "transforms")?
            .into_iter()
            .enumerate()
            .map(|(i, v)| part(v, &format!("transforms[{i}]")))
            .collect::<Result<Vec<TransformSpec>>>()?;
        let outputs: Vec<String> = part(Value::Array(array(&mut obj, "outputs")?), "outputs")?;
        let output_names: Option<Vec<String>> = match obj.remove("outputNames") {
            None | Some(Value::Null) => None,
            Some(v) => Some(part(v, "outputNames")?),
        };
        let opt_string = |obj: &mut serde_json::Map<String, Value>, key: &str| match obj.remove(key)
        {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid(key, "must be a string")),
        };
        let name = opt_string(&mut obj, "name")?;
        let description = opt_string(&mut obj, "description")?;
        let declared = opt_string(&mut obj, "hash")?;
        let source = match obj.remove("source") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        };
        let mut spec = FeatureSpec {
            schema: SCHEMA.to_string(),
            name,
            description,
            fields,
            transforms,
            outputs,
            output_names,
            source,
            hash: None,
        };
        let computed = spec.content_hash()?;
        if let Some(d) = declared {
            if d != computed {
                return Err(invalid(
                    "hash",
                    format!(
                        "declared {d} but the spec hashes to {computed}; the spec was edited \
                         after export (re-export it, or remove `hash`)"
                    ),
                ));
            }
        }
        spec.hash = Some(computed);
        Ok(spec)
    }

    /// `sha256:<hex>` over the canonical JSON of the normalized spec (every member present,
    /// defaults filled in, `hash` left out): see docs/features.md.
    pub fn content_hash(&self) -> Result<String> {
        let mut v = serde_json::to_value(self).map_err(|e| invalid("$", e.to_string()))?;
        if let Value::Object(o) = &mut v {
            o.remove("hash");
        }
        let canon = canonical_json(&v);
        let digest = Sha256::digest(canon.as_bytes());
        let mut hex = String::with_capacity(7 + 64);
        hex.push_str("sha256:");
        for b in digest {
            hex.push_str(&format!("{b:02x}"));
        }
        Ok(hex)
    }

    /// The spec as pretty JSON with its hash filled in.
    pub fn to_json_pretty(&self) -> Result<String> {
        let mut s = self.clone();
        s.hash = Some(self.content_hash()?);
        serde_json::to_string_pretty(&s).map_err(|e| invalid("$", e.to_string()))
    }
}

/// Canonical JSON (RFC 8785 style): object keys sorted by UTF-16 code units, no whitespace,
/// numbers as ECMAScript `Number.prototype.toString`, strings with minimal escapes.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_f64() {
            Some(f) => out.push_str(&es_number(f)),
            None => out.push_str(&n.to_string()),
        },
        Value::String(s) => write_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                if let Some(x) = o.get(*k) {
                    write_canonical(x, out);
                }
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// ECMAScript `Number::toString` of a finite double (shortest round-trip digits).
pub fn es_number(x: f64) -> String {
    if !x.is_finite() {
        return "null".to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    if x < 0.0 {
        return format!("-{}", es_number(-x));
    }
    // Rust's `{:e}` prints the shortest digits that round-trip: d[.ddd]e<exp>.
    let sci = format!("{x:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let e: i64 = exp.parse().unwrap_or(0);
    let k = digits.len() as i64;
    let n = e + 1;
    if k <= n && n <= 21 {
        let mut s = digits;
        for _ in 0..(n - k) {
            s.push('0');
        }
        s
    } else if 0 < n && n <= 21 {
        let (a, b) = digits.split_at(n as usize);
        format!("{a}.{b}")
    } else if -6 < n && n <= 0 {
        let mut s = "0.".to_string();
        for _ in 0..(-n) {
            s.push('0');
        }
        s.push_str(&digits);
        s
    } else {
        let sign = if n - 1 < 0 { '-' } else { '+' };
        let (a, b) = digits.split_at(1);
        if b.is_empty() {
            format!("{a}e{sign}{}", (n - 1).abs())
        } else {
            format!("{a}.{b}e{sign}{}", (n - 1).abs())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn es_numbers() {
        for (x, s) in [
            (1.0, "1"),
            (0.5, "0.5"),
            (44.136250000000004, "44.136250000000004"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (-2.5, "-2.5"),
            (123456.0, "123456"),
        ] {
            assert_eq!(es_number(x), s, "{x}");
        }
    }

    #[test]
    fn canonical_sorts_and_escapes() {
        let v: Value = serde_json::from_str(r#"{"b":1,"a":[true,null,"x\ny"],"é":0.1}"#).unwrap();
        assert_eq!(
            canonical_json(&v),
            r#"{"a":[true,null,"x\ny"],"b":1,"é":0.1}"#
        );
    }
}
