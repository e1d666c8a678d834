//! `Model`: ONNX inference from JS.

use super::{to_js, JsResult};
use crate::inference;
use wasm_bindgen::prelude::*;

/// A loaded ONNX model.
#[wasm_bindgen]
pub struct Model {
    inner: inference::Model,
}

impl Model {
    pub(crate) fn core(&self) -> &inference::Model {
        &self.inner
    }
}

#[wasm_bindgen]
impl Model {
    /// Loads an ONNX model from its bytes. `labels` optionally overrides the class labels.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8], labels: Option<Vec<String>>) -> JsResult<Model> {
        let options = inference::LoadOptions { labels };
        Ok(Model {
            inner: inference::Model::from_bytes_with(bytes, &options)?,
        })
    }

    /// Loads a model precompiled by `toNnef()` / `mlcycle` (tract NNEF tar with mlcycle metadata):
    /// skips ONNX parsing; predictions are identical to the ONNX path.
    #[wasm_bindgen(js_name = fromNnef)]
    pub fn from_nnef(bytes: &[u8]) -> JsResult<Model> {
        Ok(Model {
            inner: inference::Model::from_nnef(bytes)?,
        })
    }

    /// This model in tract's NNEF form (a tar), loadable with `Model.fromNnef`.
    #[wasm_bindgen(js_name = toNnef)]
    pub fn to_nnef(&self) -> JsResult<Vec<u8>> {
        Ok(self.inner.to_nnef()?)
    }

    /// Predicts `rows` rows of row-major features; returns probabilities (classifiers) or values,
    /// `rows × outputs`, row-major.
    pub fn predict(&self, features: &[f32], rows: usize) -> JsResult<Vec<f32>> {
        Ok(self.inner.predict(features, rows)?.values)
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
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.inner.info().kind.as_str().to_string()
    }

    /// Declared inputs: `[{name, dtype, shape}]` (`null` for symbolic dimensions).
    #[wasm_bindgen(getter)]
    pub fn inputs(&self) -> JsResult<JsValue> {
        to_js(&self.inner.info().inputs)
    }

    /// Declared outputs: `[{name, dtype, shape}]`.
    #[wasm_bindgen(getter)]
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
    #[wasm_bindgen(getter)]
    pub fn info(&self) -> JsResult<JsValue> {
        to_js(self.inner.info())
    }
}
