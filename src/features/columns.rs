//! Columnar input: one array per field instead of one object per record.
//!
//! A batch from a page usually starts life as columns (a DataFrame-like table, typed arrays from
//! a parser, Arrow). Handing the pipeline columns lets the host cross into the runtime once per
//! column — a `Float64Array` as one copy, strings once per distinct value — instead of once per
//! field of every record, and lets the pipeline validate each distinct string once.
//!
//! Semantics are the records' ([`super::Record`]): `NaN`, `null` and `""` are missing; the same
//! type, range, category and `onInvalid` rules apply, so a row of columns transforms to exactly
//! what the equivalent record does. What differs: every field of the spec must have a column
//! (a column absent from the whole batch is a wrong table, as a CSV header missing a field is),
//! and every column has the same length.

use super::pipeline::{BatchOutput, Pipeline};
use super::record::{RawValue, Record};
use super::transforms::Cell;
use super::validate::{coerce, Violation};
use crate::error::{Error, Result};
use std::borrow::Cow;
use std::collections::HashMap;

/// The values of one field for every row.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// Numbers (`NaN` = missing), e.g. from a `Float64Array` / `Float32Array`.
    Numbers(Vec<f64>),
    /// Any raw values, one per row.
    Values(Vec<RawValue>),
    /// Dictionary-encoded: row `r` holds `values[codes[r]]` (strings crossed and checked once
    /// per distinct value).
    Dictionary {
        /// Index into `values` per row.
        codes: Vec<u32>,
        /// The distinct values.
        values: Vec<RawValue>,
    },
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Numbers(v) => v.len(),
            Column::Values(v) => v.len(),
            Column::Dictionary { codes, .. } => codes.len(),
        }
    }

    /// True without rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw value of row `r` (`None` past the end).
    pub fn value(&self, r: usize) -> Option<Cow<'_, RawValue>> {
        match self {
            Column::Numbers(v) => v.get(r).map(|x| Cow::Owned(RawValue::Number(*x))),
            Column::Values(v) => v.get(r).map(Cow::Borrowed),
            Column::Dictionary { codes, values } => codes
                .get(r)
                .and_then(|c| values.get(*c as usize))
                .map(Cow::Borrowed),
        }
    }

    /// Dictionary-encodes raw values (first occurrence order).
    pub fn dictionary(values: Vec<RawValue>) -> Column {
        let mut index: HashMap<DictKey, u32> = HashMap::new();
        let mut distinct = Vec::new();
        let mut codes = Vec::with_capacity(values.len());
        for v in values {
            let key = DictKey::of(&v);
            let code = *index.entry(key).or_insert_with(|| {
                distinct.push(v);
                (distinct.len() - 1) as u32
            });
            codes.push(code);
        }
        Column::Dictionary {
            codes,
            values: distinct,
        }
    }
}

/// Hashable identity of a raw value (numbers by bits, so NaN payloads stay distinct).
#[derive(Hash, PartialEq, Eq)]
enum DictKey {
    Null,
    Number(u64),
    Bool(bool),
    String(String),
    Text(String),
    Other(String),
}

impl DictKey {
    fn of(v: &RawValue) -> DictKey {
        match v {
            RawValue::Null => DictKey::Null,
            RawValue::Number(x) => DictKey::Number(x.to_bits()),
            RawValue::Bool(b) => DictKey::Bool(*b),
            RawValue::String(s) => DictKey::String(s.clone()),
            RawValue::Text(s) => DictKey::Text(s.clone()),
            RawValue::Other(s) => DictKey::Other(s.clone()),
        }
    }
}

/// A batch as named columns of equal length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Columns {
    columns: Vec<(String, Column)>,
}

impl Columns {
    /// No columns.
    pub fn new() -> Columns {
        Columns::default()
    }

    /// Adds (or replaces) a column.
    pub fn insert(&mut self, name: impl Into<String>, column: Column) -> &mut Columns {
        let name = name.into();
        match self.columns.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c = column,
            None => self.columns.push((name, column)),
        }
        self
    }

    /// Builder-style [`Columns::insert`].
    pub fn with(mut self, name: impl Into<String>, column: Column) -> Columns {
        self.insert(name, column);
        self
    }

    /// The column of a field.
    pub fn get(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// The rows of a batch read as `fields`: each must have a column (a field absent from the
    /// whole batch is a wrong table, not a missing value, as a CSV header missing a field is),
    /// all of one length; columns of other names are ignored. `E_INVALID_ARGUMENT` otherwise.
    pub fn rows_of<'a>(&self, fields: impl Iterator<Item = &'a str>) -> Result<usize> {
        let mut absent = Vec::new();
        let mut rows: Option<(&str, usize)> = None;
        for name in fields {
            let Some(col) = self.get(name) else {
                absent.push(name);
                continue;
            };
            match rows {
                None => rows = Some((name, col.len())),
                Some((_, n)) if n != col.len() => {
                    return Err(Error::invalid_argument(
                        format!("columns.{name}"),
                        format!("has {} rows, the other columns {n}", col.len()),
                    ))
                }
                _ => {}
            }
        }
        if !absent.is_empty() {
            return Err(Error::invalid_argument(
                "columns",
                format!(
                    "no column for the field(s) {} (a field the batch does not have is a wrong \
                     table, not a missing value; pass a column of nulls to mean missing)",
                    absent.join(", ")
                ),
            ));
        }
        Ok(rows.map_or(0, |(_, n)| n))
    }

    /// Row `r` as a [`Record`] (for a model that reads raw records itself).
    pub fn record(&self, r: usize) -> Record {
        let mut rec = Record::new();
        for (name, c) in &self.columns {
            if let Some(v) = c.value(r) {
                rec.insert(name.clone(), v.into_owned());
            }
        }
        rec
    }
}

/// One field's column, as the columnar executor reads it (dictionary values already checked
/// against the field).
pub(crate) enum Source<'a> {
    Numbers(&'a [f64]),
    Values(&'a [RawValue]),
    /// The distinct values already checked against the field.
    Dictionary(&'a [u32], Vec<std::result::Result<Cell, Violation>>),
}

impl Pipeline {
    /// The rows of a batch of columns ([`Columns::rows_of`] the spec's fields), each field's
    /// column ready to be read row by row.
    fn sources<'a>(&self, columns: &'a Columns) -> Result<(usize, Vec<Source<'a>>)> {
        let rows = columns.rows_of(self.field_names())?;
        let mut sources = Vec::with_capacity(self.fields().len());
        for f in self.fields() {
            let name = f.spec.name.as_str();
            let Some(col) = columns.get(name) else {
                continue; // rows_of checked every field has one
            };
            sources.push(match col {
                Column::Numbers(v) => Source::Numbers(v),
                Column::Values(v) => Source::Values(v),
                Column::Dictionary { codes, values } => {
                    if let Some(bad) = codes.iter().find(|c| **c as usize >= values.len()) {
                        return Err(Error::invalid_argument(
                            format!("columns.{name}"),
                            format!(
                                "dictionary code {bad} is out of range for {} values",
                                values.len()
                            ),
                        ));
                    }
                    Source::Dictionary(
                        codes,
                        values
                            .iter()
                            .map(|v| coerce(&f.spec, &f.categories, Some(v)))
                            .collect(),
                    )
                }
            });
        }
        Ok((rows, sources))
    }

    /// Transforms a batch of columns without stopping at bad rows, exactly as
    /// [`transform_batch`](Self::transform_batch) does the same rows as records, a column at a
    /// time (`features/columnar.rs`).
    pub fn transform_columns(&self, columns: &Columns) -> Result<BatchOutput> {
        let (rows, sources) = self.sources(columns)?;
        Ok(self.run_columns(rows, &sources).into_batch())
    }

    /// Transforms a batch of columns, failing on the first bad row (its index in the message),
    /// as [`transform_batch_strict`](Self::transform_batch_strict).
    pub fn transform_columns_strict(&self, columns: &Columns) -> Result<Vec<f32>> {
        let (rows, sources) = self.sources(columns)?;
        self.run_columns(rows, &sources).into_strict()
    }
}
