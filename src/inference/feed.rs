//! Feeding a model's inputs: from a row-major `f32` matrix (one numeric input, or several
//! numeric inputs side by side), from per-input values, or from raw records keyed by field.
//!
//! A model exported from a pandas DataFrame has one input per column (`island` string
//! `[N, 1]`, `bill_length_mm` float `[N, 1]`, …); one from positional columns has a few wide
//! inputs (`numeric` float `[N, 4]`, `categorical` string `[N, 2]`). [`Feed`] describes each
//! input as the graph takes it after `onnx/strings.rs` interned its strings: numbers are cast
//! to the declared type, strings become their index in the model's vocabulary (once per
//! distinct value of a batch), and values that cannot be represented are refused with the
//! input named, never guessed.

use super::signature::ModelInfo;
use crate::error::{Error, Result};
use crate::{RawValue, Record};
use std::collections::HashMap;
use tract_nnef::prelude::*;

/// How one input is fed.
#[derive(Clone, Debug)]
pub(crate) struct Feed {
    pub name: String,
    /// The datum type the graph takes (`i64` for an interned string input).
    pub dt: DatumType,
    pub width: usize,
    /// Fed as `[rows]` rather than `[rows, width]`.
    pub rank1: bool,
    pub string: bool,
    /// Unknown strings are refused (see [`ModelInfo::strict_inputs`]).
    pub strict: bool,
    /// The record fields of its columns.
    pub columns: Vec<String>,
}

/// One input's values for a batch, row-major `rows × width`.
#[derive(Clone, Debug, PartialEq)]
pub enum InputValues {
    /// Numbers (NaN is a missing value; the input's type decides how they are fed).
    Numbers(Vec<f64>),
    /// Single-precision numbers, fed to a float input without conversion.
    Float32(Vec<f32>),
    /// Strings (for string inputs; `""` is what skl2onnx's imputers treat as missing).
    Strings(Vec<String>),
}

impl InputValues {
    fn len(&self) -> usize {
        match self {
            InputValues::Numbers(v) => v.len(),
            InputValues::Float32(v) => v.len(),
            InputValues::Strings(v) => v.len(),
        }
    }
}

/// The graph datum type for a declared input dtype.
pub(crate) fn datum_type(dtype: &str) -> DatumType {
    match dtype {
        "float64" => f64::datum_type(),
        "int64" | "string" => i64::datum_type(),
        "int32" => i32::datum_type(),
        _ => f32::datum_type(),
    }
}

/// The feeds of a model, in input order.
pub(crate) fn feeds(info: &ModelInfo) -> Vec<Feed> {
    info.inputs
        .iter()
        .enumerate()
        .map(|(i, input)| Feed {
            name: input.name.clone(),
            dt: datum_type(&input.dtype),
            width: input.width().unwrap_or(0),
            rank1: input.is_rank1_batch() && info.inputs.len() > 1,
            string: input.dtype == "string",
            strict: info.strict_inputs.contains(&input.name),
            columns: info.input_columns.get(i).cloned().unwrap_or_default(),
        })
        .collect()
}

/// String → index lookups for one batch: the vocabulary, then fresh indices past its end for
/// strings it lacks (one per distinct string, so unknown strings never compare equal).
pub(crate) struct Interner<'a> {
    known: &'a HashMap<String, i64>,
    unknown: HashMap<String, i64>,
}

impl<'a> Interner<'a> {
    pub(crate) fn new(known: &'a HashMap<String, i64>) -> Interner<'a> {
        Interner {
            known,
            unknown: HashMap::new(),
        }
    }

    fn id(&mut self, feed: &Feed, s: &str) -> Result<i64> {
        if let Some(id) = self.known.get(s) {
            return Ok(*id);
        }
        if feed.strict {
            return Err(Error::FeatureInvalid {
                field: feed.name.clone(),
                rule: "category".into(),
                reason: format!(
                    "unknown category {s:?}: the model's encoder was fitted with \
                     handle_unknown='error'"
                ),
            });
        }
        let next = (self.known.len() + self.unknown.len()) as i64;
        Ok(*self.unknown.entry(s.to_string()).or_insert(next))
    }
}

fn shape(feed: &Feed, rows: usize) -> Vec<usize> {
    if feed.rank1 {
        vec![rows]
    } else {
        vec![rows, feed.width]
    }
}

/// `Tensor::from_shape` with mlcycle's error.
fn from_shape<T: Datum + Copy>(shape: &[usize], values: &[T]) -> Result<Tensor> {
    Tensor::from_shape(shape, values).map_err(|e| Error::Inference {
        reason: super::chain(&e),
    })
}

fn numeric_tensor(feed: &Feed, values: &[f64], rows: usize) -> Result<Tensor> {
    let shape = shape(feed, rows);
    let bad = |what: &str| Error::FeatureInvalid {
        field: feed.name.clone(),
        rule: "type".into(),
        reason: what.to_string(),
    };
    if feed.dt == f32::datum_type() {
        let v: Vec<f32> = values.iter().map(|x| *x as f32).collect();
        from_shape(&shape, &v)
    } else if feed.dt == f64::datum_type() {
        from_shape(&shape, values)
    } else {
        let ints = values
            .iter()
            .map(|x| {
                if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 {
                    Ok(*x as i64)
                } else {
                    Err(bad(&format!(
                        "{x} is not an integer (the input is {:?})",
                        feed.dt
                    )))
                }
            })
            .collect::<Result<Vec<i64>>>()?;
        if feed.dt == i32::datum_type() {
            let v = ints
                .iter()
                .map(|x| i32::try_from(*x).map_err(|_| bad(&format!("{x} overflows int32"))))
                .collect::<Result<Vec<i32>>>()?;
            from_shape(&shape, &v)
        } else {
            from_shape(&shape, &ints)
        }
    }
}

/// Builds the graph's input tensors from per-input values (in input order).
pub(crate) fn tensors(
    feeds: &[Feed],
    vocabulary: &HashMap<String, i64>,
    inputs: &[InputValues],
    rows: usize,
) -> Result<TVec<TValue>> {
    if inputs.len() != feeds.len() {
        return Err(Error::InputShape {
            expected: format!("{} inputs ({})", feeds.len(), names(feeds)),
            actual: format!("{} inputs", inputs.len()),
        });
    }
    let mut interner = Interner::new(vocabulary);
    let mut out = TVec::new();
    for (feed, values) in feeds.iter().zip(inputs) {
        let want = rows.saturating_mul(feed.width);
        if values.len() != want {
            return Err(Error::InputShape {
                expected: format!(
                    "{rows} rows × {} columns = {want} values for input `{}`",
                    feed.width, feed.name
                ),
                actual: format!("{} values", values.len()),
            });
        }
        let t = match (values, feed.string) {
            (InputValues::Strings(v), true) => {
                let ids = v
                    .iter()
                    .map(|s| interner.id(feed, s))
                    .collect::<Result<Vec<i64>>>()?;
                from_shape(&shape(feed, rows), &ids)?
            }
            (InputValues::Numbers(v), false) => numeric_tensor(feed, v, rows)?,
            (InputValues::Float32(v), false) if feed.dt == f32::datum_type() => {
                from_shape(&shape(feed, rows), v)?
            }
            (InputValues::Float32(v), false) => {
                let v: Vec<f64> = v.iter().map(|x| *x as f64).collect();
                numeric_tensor(feed, &v, rows)?
            }
            (_, true) => {
                return Err(Error::FeatureInvalid {
                    field: feed.name.clone(),
                    rule: "type".into(),
                    reason: "a string input takes strings".into(),
                })
            }
            (InputValues::Strings(_), false) => {
                return Err(Error::FeatureInvalid {
                    field: feed.name.clone(),
                    rule: "type".into(),
                    reason: format!("a {:?} input takes numbers", feed.dt),
                })
            }
        };
        out.push(t.into_tvalue());
    }
    Ok(out)
}

/// Splits a row-major matrix of `rows × Σ widths` numbers across numeric inputs, in order.
pub(crate) fn split_matrix(
    feeds: &[Feed],
    features: &[f32],
    rows: usize,
) -> Result<Vec<InputValues>> {
    if let Some(f) = feeds.iter().find(|f| f.string) {
        return Err(Error::InputShape {
            expected: format!(
                "values per input: input `{}` takes strings (predict from records or per-input values)",
                f.name
            ),
            actual: "one numeric matrix".into(),
        });
    }
    let total: usize = feeds.iter().map(|f| f.width).sum();
    let mut out: Vec<Vec<f32>> = feeds
        .iter()
        .map(|f| Vec::with_capacity(rows * f.width))
        .collect();
    for row in features.chunks_exact(total.max(1)) {
        let mut at = 0;
        for (f, o) in feeds.iter().zip(out.iter_mut()) {
            o.extend_from_slice(&row[at..at + f.width]);
            at += f.width;
        }
    }
    Ok(out.into_iter().map(InputValues::Float32).collect())
}

fn names(feeds: &[Feed]) -> String {
    feeds
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A record without the field at all (a missing value is `null`, an empty cell or `NA`): an
/// absent column is a mistake to report, not a value to impute.
fn absent(feed: &Feed, column: &str) -> Error {
    Error::FeatureInvalid {
        field: column.to_string(),
        rule: "required".into(),
        reason: format!(
            "the record has no field `{column}` (model input `{}`); send null for a missing value",
            feed.name
        ),
    }
}

/// Reads a number from a raw value: `null`, NaN, `""`, `NA`, `NaN`, `null` text are missing.
fn number(feed: &Feed, column: &str, v: Option<&RawValue>) -> Result<f64> {
    let bad = |reason: String| Error::FeatureInvalid {
        field: column.to_string(),
        rule: "type".into(),
        reason,
    };
    let x = match v {
        None => return Err(absent(feed, column)),
        Some(RawValue::Null) => f64::NAN,
        Some(RawValue::Number(x)) => *x,
        Some(RawValue::Bool(b)) => f64::from(u8::from(*b)),
        Some(RawValue::String(s)) | Some(RawValue::Text(s)) => {
            let t = s.trim();
            if t.is_empty() || matches!(t, "NA" | "NaN" | "nan" | "null" | "N/A") {
                f64::NAN
            } else {
                t.parse::<f64>()
                    .map_err(|_| bad(format!("{t:?} is not a number (input `{}`)", feed.name)))?
            }
        }
        Some(other) => return Err(bad(format!("a {} is not a number", other.kind()))),
    };
    if x.is_infinite() {
        return Err(bad(format!("{x} is not a finite number")));
    }
    Ok(x)
}

/// Reads a string from a raw value: a missing value is `""` (what skl2onnx's string imputers
/// replace); numbers and booleans are refused rather than formatted.
fn string(feed: &Feed, column: &str, v: Option<&RawValue>) -> Result<String> {
    match v {
        None => Err(absent(feed, column)),
        Some(RawValue::Null) => Ok(String::new()),
        Some(RawValue::String(s)) | Some(RawValue::Text(s)) => Ok(s.clone()),
        Some(other) => Err(Error::FeatureInvalid {
            field: column.to_string(),
            rule: "type".into(),
            reason: format!("expected a string, got a {}", other.kind()),
        }),
    }
}

/// Per-input values from raw records, each input reading the fields of its columns.
pub(crate) fn from_records<R: std::borrow::Borrow<Record>>(
    feeds: &[Feed],
    records: &[R],
) -> Result<Vec<InputValues>> {
    feeds
        .iter()
        .map(|feed| {
            if feed.string {
                let mut v = Vec::with_capacity(records.len() * feed.width);
                for r in records {
                    for c in &feed.columns {
                        v.push(string(feed, c, r.borrow().get(c))?);
                    }
                }
                Ok(InputValues::Strings(v))
            } else {
                let mut v = Vec::with_capacity(records.len() * feed.width);
                for r in records {
                    for c in &feed.columns {
                        v.push(number(feed, c, r.borrow().get(c))?);
                    }
                }
                Ok(InputValues::Numbers(v))
            }
        })
        .collect()
}

/// Per-input values from columns of raw values keyed by field (every field the inputs read,
/// equally long), read with the same rules as records; returns the values and the row count.
pub(crate) fn from_columns(
    feeds: &[Feed],
    columns: &HashMap<String, Vec<RawValue>>,
) -> Result<(Vec<InputValues>, usize)> {
    let mut rows = None;
    let mut out = Vec::with_capacity(feeds.len());
    for feed in feeds {
        let mut cols = Vec::with_capacity(feed.columns.len());
        for c in &feed.columns {
            let col = columns.get(c).ok_or_else(|| absent(feed, c))?;
            let n = *rows.get_or_insert(col.len());
            if col.len() != n {
                return Err(Error::InputShape {
                    expected: format!("{n} values in every column"),
                    actual: format!("{} in `{c}`", col.len()),
                });
            }
            cols.push((c, col));
        }
        let n = rows.unwrap_or(0);
        let cells = (0..n).flat_map(|r| cols.iter().map(move |(c, col)| (c.as_str(), &col[r])));
        out.push(if feed.string {
            InputValues::Strings(
                cells
                    .map(|(c, v)| string(feed, c, Some(v)))
                    .collect::<Result<_>>()?,
            )
        } else {
            InputValues::Numbers(
                cells
                    .map(|(c, v)| number(feed, c, Some(v)))
                    .collect::<Result<_>>()?,
            )
        });
    }
    Ok((out, rows.unwrap_or(0)))
}
