//! `Pipeline`: the feature pipeline from JS. Records are plain JS objects read field by field
//! (only the keys the spec declares); `undefined`, `null` and `NaN` are missing, a `Date` is a
//! timestamp. Feature matrices cross as `Float32Array`, row-major.

use super::{to_js, JsResult};
use crate::features::{self, BatchOutput, Column, Columns, RawValue, Record, RowError};
use crate::Error;
use serde::Serialize;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A feature pipeline built from a `features.json` spec.
#[wasm_bindgen]
pub struct Pipeline {
    inner: std::sync::Arc<features::Pipeline>,
    keys: Vec<(String, JsValue)>,
}

/// A JS value as a raw record value (`undefined`/`null` → missing, `Date` → epoch ms).
pub(crate) fn raw_from_js(v: &JsValue) -> RawValue {
    if v.is_undefined() || v.is_null() {
        RawValue::Null
    } else if let Some(x) = v.as_f64() {
        RawValue::Number(x)
    } else if let Some(s) = v.as_string() {
        RawValue::String(s)
    } else if let Some(b) = v.as_bool() {
        RawValue::Bool(b)
    } else if let Some(d) = v.dyn_ref::<js_sys::Date>() {
        RawValue::Number(d.get_time())
    } else if js_sys::Array::is_array(v) {
        RawValue::Other("array".into())
    } else {
        RawValue::Other(v.js_typeof().as_string().unwrap_or_else(|| "value".into()))
    }
}

/// Reads a columnar batch: an object of one array per spec field (extra keys ignored, absent
/// ones left for the pipeline to report). One crossing per column: a `Float64Array` /
/// `Float32Array` / `Int32Array` is copied once; a plain array is dictionary-encoded in JS
/// ([`array_column`]) and crosses as its codes plus each distinct value once, so each distinct
/// string is also checked once.
pub(crate) fn js_columns(value: &JsValue, keys: &[(String, JsValue)]) -> Result<Columns, Error> {
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(Error::invalid_argument(
            "columns",
            "columns must be an object of arrays, one per field ({field: Float64Array | \
             string[] | (number | null)[]})",
        ));
    }
    let mut out = Columns::new();
    for (name, key) in keys {
        let v = js_sys::Reflect::get(value, key).unwrap_or(JsValue::UNDEFINED);
        if v.is_undefined() {
            continue;
        }
        let col = if let Some(a) = v.dyn_ref::<js_sys::Float64Array>() {
            Column::Numbers(a.to_vec())
        } else if let Some(a) = v.dyn_ref::<js_sys::Float32Array>() {
            Column::Numbers(a.to_vec().into_iter().map(f64::from).collect())
        } else if let Some(a) = v.dyn_ref::<js_sys::Int32Array>() {
            Column::Numbers(a.to_vec().into_iter().map(f64::from).collect())
        } else if let Some(a) = v.dyn_ref::<js_sys::Array>() {
            array_column(a)
        } else {
            return Err(Error::invalid_argument(
                format!("columns.{name}"),
                format!(
                    "must be an array or a Float64Array / Float32Array / Int32Array, got {}",
                    raw_from_js(&v).kind()
                ),
            ));
        };
        out.insert(name.clone(), col);
    }
    Ok(out)
}

#[wasm_bindgen(module = "/src/wasm/columns.js")]
extern "C" {
    /// `[codes: Uint32Array, values: any[]]` of a plain array, encoded in JS (columns.js).
    #[wasm_bindgen(catch, js_name = dictionaryEncode)]
    fn dictionary_encode(array: &js_sys::Array) -> Result<js_sys::Array, JsValue>;

    /// Sets `ids`, `labels` and `valid` of `Deployment.predictBatch`'s result (columns.js).
    #[wasm_bindgen(catch, js_name = batchRows)]
    pub(crate) fn batch_rows(
        result: &js_sys::Object,
        id_prefix: &str,
        first_id: f64,
        valid: &js_sys::Uint8Array,
        classes: &js_sys::Int32Array,
        class_names: &js_sys::Array,
    ) -> Result<(), JsValue>;
}

/// A plain array as a dictionary-encoded column: encoded on the JS side (`columns.js`), so it
/// crosses as one `Uint32Array` of codes plus each distinct value once, read as a record's value
/// is (`raw_from_js`: `NaN`, `null`, `undefined` missing, a `Date` its epoch milliseconds).
/// An array whose elements cannot be read (a throwing `Proxy`) is read element by element.
fn array_column(a: &js_sys::Array) -> Column {
    let encoded = dictionary_encode(a).ok().and_then(|pair| {
        let codes = pair.get(0).dyn_into::<js_sys::Uint32Array>().ok()?;
        let values = pair.get(1).dyn_into::<js_sys::Array>().ok()?;
        Some((codes.to_vec(), values))
    });
    match encoded {
        Some((codes, values)) if codes.len() == a.length() as usize => Column::Dictionary {
            codes,
            values: values.iter().map(|v| raw_from_js(&v)).collect(),
        },
        _ => Column::dictionary(a.iter().map(|v| raw_from_js(&v)).collect()),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportView<'a> {
    rows: usize,
    width: usize,
    valid: &'a [bool],
    errors: &'a [RowError],
    coerced: &'a BTreeMap<String, u64>,
}

fn report(out: &BatchOutput) -> JsResult<JsValue> {
    let obj = to_js(&ReportView {
        rows: out.rows,
        width: out.width,
        valid: &out.valid,
        errors: &out.errors,
        coerced: &out.coerced,
    })?;
    let values = js_sys::Float32Array::from(&out.values[..]);
    js_sys::Reflect::set(&obj, &"values".into(), &values)?;
    Ok(obj)
}

/// The (name, JS key) pairs to read from record objects, built once per spec.
pub(crate) fn field_keys<'a>(names: impl Iterator<Item = &'a str>) -> Vec<(String, JsValue)> {
    names
        .map(|n| (n.to_string(), JsValue::from_str(n)))
        .collect()
}

/// The keys a deployment reads JS records with: its spec's fields (an absent key is a missing
/// value), or, for a version published without a spec, the fields its graph reads (an absent
/// key stays absent and is refused: a misspelt field must not become a silent NaN).
pub(crate) struct RecordKeys {
    keys: Vec<(String, JsValue)>,
    keep_absent: bool,
}

impl RecordKeys {
    /// The fields of `p`, plus `extra` keys that are not fields (a slice or label field).
    pub(crate) fn of(p: &crate::inference::Preprocessing, extra: &[&str]) -> RecordKeys {
        let mut names: Vec<&str> = p.field_names().collect();
        for e in extra {
            if !names.contains(e) {
                names.push(e);
            }
        }
        RecordKeys {
            keys: field_keys(names.into_iter()),
            keep_absent: p.pipeline().is_none(),
        }
    }

    pub(crate) fn read(&self, value: &JsValue, index: Option<usize>) -> Result<Record, Error> {
        read_record(value, &self.keys, index, self.keep_absent)
    }

    /// A columnar batch of these keys (see [`js_columns`]).
    pub(crate) fn read_columns(&self, value: &JsValue) -> Result<Columns, Error> {
        js_columns(value, &self.keys)
    }

    /// A table: an array of records, or columns (one crossing per column; every key must have
    /// a column, all of one length), as records.
    pub(crate) fn read_table(&self, value: &JsValue) -> Result<Vec<Record>, Error> {
        if let Some(list) = value.dyn_ref::<js_sys::Array>() {
            return self.read_all(list);
        }
        let columns = self.read_columns(value)?;
        let rows = columns.rows_of(self.keys.iter().map(|(n, _)| n.as_str()))?;
        Ok((0..rows).map(|r| columns.record(r)).collect())
    }

    /// Every element of a JS array, read as a record (errors name `records[i]`).
    pub(crate) fn read_all(&self, values: &js_sys::Array) -> Result<Vec<Record>, Error> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| self.read(&v, Some(i)))
            .collect()
    }
}

/// Reads a JS object into a [`Record`] with one `Reflect.get` per spec field (extra keys are
/// ignored, absent ones are missing).
pub(crate) fn js_record(
    value: &JsValue,
    keys: &[(String, JsValue)],
    index: Option<usize>,
) -> Result<Record, Error> {
    read_record(value, keys, index, false)
}

/// [`js_record`] for a model's raw inputs: absent keys stay absent, so a misspelt field is an
/// error rather than a missing value.
pub(crate) fn js_record_present(
    value: &JsValue,
    keys: &[(String, JsValue)],
    index: Option<usize>,
) -> Result<Record, Error> {
    read_record(value, keys, index, true)
}

fn read_record(
    value: &JsValue,
    keys: &[(String, JsValue)],
    index: Option<usize>,
    keep_absent: bool,
) -> Result<Record, Error> {
    if !value.is_object() || js_sys::Array::is_array(value) {
        let what = match index {
            Some(i) => format!("records[{i}]"),
            None => "record".into(),
        };
        return Err(Error::invalid_argument(
            what,
            "a record must be a plain object",
        ));
    }
    let mut rec = Record::new();
    for (name, key) in keys {
        let v = js_sys::Reflect::get(value, key).unwrap_or(JsValue::UNDEFINED);
        if keep_absent && v.is_undefined() {
            continue;
        }
        rec.insert(name.clone(), raw_from_js(&v));
    }
    Ok(rec)
}

impl Pipeline {
    pub(crate) fn core(&self) -> &features::Pipeline {
        &self.inner
    }

    /// The pipeline, shared (for a [`crate::inference::Preprocessing`]).
    pub(crate) fn shared(&self) -> std::sync::Arc<features::Pipeline> {
        self.inner.clone()
    }

    fn record(&self, value: &JsValue, index: Option<usize>) -> Result<Record, Error> {
        js_record(value, &self.keys, index)
    }

    pub(crate) fn records(&self, values: &js_sys::Array) -> Result<Vec<Record>, Error> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| self.record(&v, Some(i)))
            .collect()
    }
}

#[wasm_bindgen]
impl Pipeline {
    /// Parses and checks a `features.json` spec (throws `E_SPEC_INVALID` naming the member).
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(spec: &str) -> JsResult<Pipeline> {
        let inner = features::Pipeline::from_json(spec)?;
        let keys = inner
            .field_names()
            .map(|n| (n.to_string(), JsValue::from_str(n)))
            .collect();
        Ok(Pipeline {
            inner: std::sync::Arc::new(inner),
            keys,
        })
    }

    /// Features of one record (an object); throws `E_FEATURE_INVALID` with `field`.
    pub fn transform(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureRecord")] record: &JsValue,
    ) -> JsResult<Vec<f32>> {
        Ok(self.inner.transform(&self.record(record, None)?)?)
    }

    /// Features of an array of records, `records.length × width` row-major; throws on the first
    /// invalid record (its index is in the message).
    #[wasm_bindgen(js_name = transformBatch)]
    pub fn transform_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureRecord[]")] records: &js_sys::Array,
    ) -> JsResult<Vec<f32>> {
        Ok(self.inner.transform_batch_strict(&self.records(records)?)?)
    }

    /// Like `transformBatch` but never throws on bad records: `{rows, width, values:
    /// Float32Array (invalid rows NaN), valid: boolean[], errors: [{row, field, rule, message}],
    /// coerced: {field: count}}`.
    #[wasm_bindgen(js_name = transformBatchReport, unchecked_return_type = "TransformReport")]
    pub fn transform_batch_report(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureRecord[]")] records: &js_sys::Array,
    ) -> JsResult<JsValue> {
        report(&self.inner.transform_batch(&self.records(records)?))
    }

    /// Features of a columnar batch — `{field: Float64Array | Float32Array | Int32Array |
    /// string[] | (number | null)[]}`, one column per spec field, all of one length —
    /// `rows × width` row-major, exactly what `transformBatch` gives for the same rows as
    /// records; throws on the first invalid row (its index in the message), on a spec field
    /// without a column and on columns of different lengths (`E_INVALID_ARGUMENT`).
    #[wasm_bindgen(js_name = transformColumns)]
    pub fn transform_columns(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureColumns")] columns: &JsValue,
    ) -> JsResult<Vec<f32>> {
        Ok(self
            .inner
            .transform_columns_strict(&js_columns(columns, &self.keys)?)?)
    }

    /// Like `transformColumns` but never throws on bad rows (`TransformReport`, as
    /// `transformBatchReport`); a malformed batch (absent column, unequal lengths) still throws.
    #[wasm_bindgen(js_name = transformColumnsReport, unchecked_return_type = "TransformReport")]
    pub fn transform_columns_report(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureColumns")] columns: &JsValue,
    ) -> JsResult<JsValue> {
        report(
            &self
                .inner
                .transform_columns(&js_columns(columns, &self.keys)?)?,
        )
    }

    /// Raw CSV text (header first) through the pipeline; same result shape as
    /// `transformBatchReport`.
    #[wasm_bindgen(js_name = transformCsv, unchecked_return_type = "TransformReport")]
    pub fn transform_csv(&self, csv: &str) -> JsResult<JsValue> {
        report(&self.inner.transform_csv(csv)?)
    }

    /// Output column names, in order.
    #[wasm_bindgen(getter, js_name = outputNames)]
    pub fn output_names(&self) -> Vec<String> {
        self.inner.output_names().to_vec()
    }

    /// Raw field names the spec declares.
    #[wasm_bindgen(getter, js_name = fieldNames)]
    pub fn field_names(&self) -> Vec<String> {
        self.keys.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Feature version: `sha256:<hex>` content hash of the spec.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.version().to_string()
    }

    /// Values per record.
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> usize {
        self.inner.width()
    }

    /// The normalized spec as a plain object.
    #[wasm_bindgen(getter, unchecked_return_type = "FeatureSpec")]
    pub fn spec(&self) -> JsResult<JsValue> {
        to_js(self.inner.spec())
    }
}
