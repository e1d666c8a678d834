//! `Model`: ONNX inference from JS.

use super::{to_js, JsResult};
use crate::inference;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

/// A loaded ONNX model.
#[wasm_bindgen]
pub struct Model {
    inner: inference::Model,
    /// The record fields the inputs read, as JS keys built once.
    keys: Vec<(String, JsValue)>,
}

impl Model {
    pub(crate) fn core(&self) -> &inference::Model {
        &self.inner
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsLoadOptions {
    labels: Option<Vec<String>>,
    max_bytes: Option<u64>,
}

/// `undefined`, an array of labels, or `{labels, maxBytes}`.
fn load_options(v: JsValue) -> JsResult<inference::LoadOptions> {
    if v.is_undefined() || v.is_null() {
        return Ok(inference::LoadOptions::default());
    }
    let o: JsLoadOptions = if js_sys::Array::is_array(&v) {
        JsLoadOptions {
            labels: Some(super::from_js("labels", v)?),
            ..Default::default()
        }
    } else {
        super::from_js("options", v)?
    };
    Ok(inference::LoadOptions {
        labels: o.labels,
        max_bytes: o.max_bytes,
        ..Default::default()
    })
}

impl Model {
    fn new(inner: inference::Model) -> Model {
        let keys = super::pipeline::field_keys(
            inner
                .info()
                .input_columns
                .iter()
                .flatten()
                .map(String::as_str),
        );
        Model { inner, keys }
    }

    /// A JS object as a record of the fields the model's inputs read (absent keys stay absent).
    fn record(&self, value: &JsValue, index: Option<usize>) -> Result<crate::Record, crate::Error> {
        super::pipeline::js_record_present(value, &self.keys, index)
    }

    /// A columns object (`{field: array}`) as raw columns keyed by field, or `None` when the
    /// first field's value is not an array (then `value` is a single record). Values are read
    /// by the core with the rules of records.
    fn columns(
        &self,
        value: &JsValue,
    ) -> Result<Option<HashMap<String, Vec<crate::RawValue>>>, crate::Error> {
        let fields = || self.inner.info().input_columns.iter().flatten();
        let column = |field: &str| {
            js_sys::Reflect::get(value, &JsValue::from_str(field)).unwrap_or(JsValue::UNDEFINED)
        };
        let is_column = |v: &JsValue| {
            js_sys::Array::is_array(v)
                || v.is_instance_of::<js_sys::Float64Array>()
                || v.is_instance_of::<js_sys::Float32Array>()
        };
        match fields().next() {
            Some(first) if is_column(&column(first)) => {}
            _ => return Ok(None),
        }
        let mut columns = HashMap::new();
        for field in fields() {
            let v = column(field);
            if v.is_undefined() {
                continue; // absent: the core names it
            }
            if !is_column(&v) {
                return Err(crate::Error::FeatureInvalid {
                    field: field.clone(),
                    rule: "required".into(),
                    reason: "columns mode: every field the model reads must be an array".into(),
                });
            }
            let values = js_sys::Array::from(&v)
                .iter()
                .map(|x| super::pipeline::raw_from_js(&x))
                .collect();
            columns.insert(field.clone(), values);
        }
        Ok(Some(columns))
    }
}

#[wasm_bindgen]
impl Model {
    /// Loads an ONNX model from its bytes. The second argument is optional: an array of class
    /// labels (overriding the model's), or an options object `{labels, maxBytes}` — `maxBytes`
    /// is the model budget (the most any tensor whose size the file fixes may take, and all
    /// constants together; default 512 MiB): a file over it is `E_MODEL_INVALID` before
    /// anything is allocated.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        bytes: &[u8],
        #[wasm_bindgen(unchecked_optional_param_type = "ModelOptions | string[]")] options: Option<
            JsValue,
        >,
    ) -> JsResult<Model> {
        let options = load_options(options.unwrap_or(JsValue::UNDEFINED))?;
        Ok(Model::new(inference::Model::from_bytes_with(
            bytes, &options,
        )?))
    }

    /// Loads a model precompiled by `toNnef()` / `mlcycle` (tract NNEF tar with mlcycle metadata):
    /// skips ONNX parsing; predictions are identical to the ONNX path. Options as `fromBytes`.
    #[wasm_bindgen(js_name = fromNnef)]
    pub fn from_nnef(
        bytes: &[u8],
        #[wasm_bindgen(unchecked_optional_param_type = "ModelOptions | string[]")] options: Option<
            JsValue,
        >,
    ) -> JsResult<Model> {
        let options = load_options(options.unwrap_or(JsValue::UNDEFINED))?;
        Ok(Model::new(inference::Model::from_nnef_with(
            bytes, &options,
        )?))
    }

    /// This model in tract's NNEF form (a tar), loadable with `Model.fromNnef`.
    #[wasm_bindgen(js_name = toNnef)]
    pub fn to_nnef(&self) -> JsResult<Vec<u8>> {
        Ok(self.inner.to_nnef()?)
    }

    /// Predicts; returns probabilities (classifiers) or values, `rows × outputs`, row-major.
    /// `input` is one of:
    /// - a `Float32Array` of `rows × nFeatures` row-major numbers (numeric inputs side by side);
    /// - a record `{field: value}` or an array of records: each model input reads the fields
    ///   named in `info.inputColumns` (one per column; a DataFrame export's inputs are named
    ///   after its columns). `null`/NaN are missing numbers, `null` a missing (empty) string; an
    ///   absent field is `E_FEATURE_INVALID`;
    /// - a columns object `{field: Float64Array | Float32Array | (number|null)[] | string[]}`,
    ///   one equally long column per field.
    pub fn predict(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "Float32Array | FeatureRecord | FeatureRecord[] | Columns"
        )]
        input: JsValue,
        rows: Option<usize>,
    ) -> JsResult<Vec<f32>> {
        if let Some(a) = input.dyn_ref::<js_sys::Float32Array>() {
            let features = a.to_vec();
            let f = self.inner.n_features().max(1);
            let rows = rows.unwrap_or(features.len() / f);
            return Ok(self.inner.predict(&features, rows)?.values);
        }
        if js_sys::Array::is_array(&input) {
            let array: &js_sys::Array = input.unchecked_ref();
            let records = array
                .iter()
                .enumerate()
                .map(|(i, v)| self.record(&v, Some(i)))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(self.inner.predict_records(&records)?.values);
        }
        if let Some(columns) = self.columns(&input)? {
            return Ok(self.inner.predict_columns(&columns)?.values);
        }
        let record = self.record(&input, None)?;
        Ok(self.inner.predict_records(&[record])?.values)
    }

    /// Index of the winning class for each row of a `predict` result.
    #[wasm_bindgen(js_name = argmax)]
    pub fn argmax(&self, values: &[f32]) -> JsResult<Vec<u32>> {
        let cols = self.inner.info().n_outputs.max(1);
        if values.len() % cols != 0 {
            return Err(crate::Error::InputShape {
                expected: format!("a multiple of {cols} values"),
                actual: format!("{} values", values.len()),
            }
            .into());
        }
        Ok(values
            .chunks(cols)
            .map(|r| inference::argmax(r) as u32)
            .collect())
    }

    /// `classifier`, `regressor` or `tensor`.
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "'classifier' | 'regressor' | 'tensor'"
    )]
    pub fn kind(&self) -> String {
        self.inner.info().kind.as_str().to_string()
    }

    /// Declared inputs: `[{name, dtype, shape}]` (`null` for symbolic dimensions).
    #[wasm_bindgen(getter, unchecked_return_type = "TensorInfo[]")]
    pub fn inputs(&self) -> JsResult<JsValue> {
        to_js(&self.inner.info().inputs)
    }

    /// Declared outputs: `[{name, dtype, shape}]`.
    #[wasm_bindgen(getter, unchecked_return_type = "TensorInfo[]")]
    pub fn outputs(&self) -> JsResult<JsValue> {
        to_js(&self.inner.info().outputs)
    }

    /// Class labels in output order (classifiers).
    #[wasm_bindgen(getter)]
    pub fn labels(&self) -> Vec<String> {
        self.inner.labels().to_vec()
    }

    /// Features per row.
    #[wasm_bindgen(getter, js_name = nFeatures)]
    pub fn n_features(&self) -> usize {
        self.inner.n_features()
    }

    /// Everything known about the model as one plain object.
    #[wasm_bindgen(getter, unchecked_return_type = "ModelInfo")]
    pub fn info(&self) -> JsResult<JsValue> {
        to_js(self.inner.info())
    }
}
