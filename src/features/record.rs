//! Raw records: what arrives before the spec is applied (JSON / JS objects, CSV rows).

use crate::error::{Error, Result};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// One raw value of a record, as it arrived. Interpretation (missing, type checks, parsing)
/// happens against the field's declared type, see docs/features.md.
#[derive(Clone, Debug, PartialEq)]
pub enum RawValue {
    /// `null` / `undefined` (missing).
    Null,
    /// A JSON / JS number (NaN is missing).
    Number(f64),
    /// A JSON / JS boolean.
    Bool(bool),
    /// A JSON / JS string (the empty string is missing).
    String(String),
    /// An untyped CSV cell, parsed according to the field type (the empty cell is missing).
    Text(String),
    /// Anything else (array, object, …), named by its kind; always a type error.
    Other(String),
}

impl RawValue {
    /// The value from a JSON value.
    pub fn from_json(v: &Value) -> RawValue {
        match v {
            Value::Null => RawValue::Null,
            Value::Bool(b) => RawValue::Bool(*b),
            Value::Number(n) => RawValue::Number(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => RawValue::String(s.clone()),
            Value::Array(_) => RawValue::Other("array".into()),
            Value::Object(_) => RawValue::Other("object".into()),
        }
    }

    /// A short description of the value's kind, for messages.
    pub fn kind(&self) -> &str {
        match self {
            RawValue::Null => "null",
            RawValue::Number(_) => "number",
            RawValue::Bool(_) => "boolean",
            RawValue::String(_) => "string",
            RawValue::Text(_) => "text",
            RawValue::Other(k) => k,
        }
    }
}

/// The raw values of one row, by field name (a [`Record`], or a host's own row type): what the
/// monitor reads per prediction. A batch of [`Columns`](super::Columns) is observed a column at
/// a time instead (`monitor::BatchObserver::observe_columns`).
pub trait RowValues {
    /// The value of a field, `None` when the row has no such key.
    fn value(&self, name: &str) -> Option<std::borrow::Cow<'_, RawValue>>;
}

impl RowValues for Record {
    fn value(&self, name: &str) -> Option<std::borrow::Cow<'_, RawValue>> {
        self.get(name).map(std::borrow::Cow::Borrowed)
    }
}

/// A raw record: field name → value. Keys the spec does not declare are ignored.
///
/// Kept in a B-tree rather than a hash map: a record has a handful of keys and is read a key at a
/// time per row, where comparing a few names costs less than hashing one with std's SipHash (a
/// 100,000-record `transformBatch` spent a fifth of its time hashing; `bench/`, issue 17), and a
/// lookup stays logarithmic for a hostile record with many keys (wasm has no random hash seed).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    values: BTreeMap<String, RawValue>,
}

impl Record {
    /// An empty record.
    pub fn new() -> Record {
        Record::default()
    }

    /// Sets a value (replacing any previous one).
    pub fn insert(&mut self, name: impl Into<String>, value: RawValue) -> &mut Record {
        self.values.insert(name.into(), value);
        self
    }

    /// Builder-style [`Record::insert`].
    pub fn with(mut self, name: impl Into<String>, value: RawValue) -> Record {
        self.insert(name, value);
        self
    }

    /// The value of a field, `None` when the key is absent.
    pub fn get(&self, name: &str) -> Option<&RawValue> {
        self.values.get(name)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the record has no keys.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// A record from a JSON object (`E_INVALID_ARGUMENT` for anything else).
    pub fn from_json(value: &Value) -> Result<Record> {
        match value {
            Value::Object(o) => Ok(Record {
                values: o
                    .iter()
                    .map(|(k, v)| (k.clone(), RawValue::from_json(v)))
                    .collect(),
            }),
            other => Err(Error::invalid_argument(
                "record",
                format!(
                    "a record must be a JSON object, got {}",
                    RawValue::from_json(other).kind()
                ),
            )),
        }
    }

    /// A record from JSON text holding one object.
    pub fn from_json_str(text: &str) -> Result<Record> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| Error::invalid_argument("record", format!("not JSON: {e}")))?;
        Record::from_json(&v)
    }

    /// A record from a CSV row: header names and the row's cells (untyped text).
    pub fn from_csv_row<S: AsRef<str>>(header: &[S], cells: &[S]) -> Result<Record> {
        if header.len() != cells.len() {
            return Err(Error::Csv {
                line: None,
                reason: format!(
                    "{} cells, the header has {} columns",
                    cells.len(),
                    header.len()
                ),
            });
        }
        Ok(Record {
            values: header
                .iter()
                .zip(cells)
                .map(|(h, c)| {
                    (
                        h.as_ref().to_string(),
                        RawValue::Text(c.as_ref().to_string()),
                    )
                })
                .collect(),
        })
    }
}

impl From<HashMap<String, RawValue>> for Record {
    fn from(values: HashMap<String, RawValue>) -> Record {
        Record {
            values: values.into_iter().collect(),
        }
    }
}
