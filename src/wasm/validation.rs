//! Validation from JS: `validate(model, pipeline, records, labels, options?)`,
//! `validateCsv(model, pipeline, csvText, labelColumn, options?)` and
//! `qualityReport(pipeline, records, options?)`, returning plain-object reports
//! (docs/validation.md). Latency is measured with `performance.now()`.

use super::host::JsClock;
use super::model::Model;
use super::pipeline::{field_keys, js_record, Pipeline};
use super::{from_js, to_js, JsResult};
use crate::features::{read_records, Record};
use crate::validation::{self, QualityOptions, ValidateOptions};
use crate::Error;
use wasm_bindgen::prelude::*;

fn options<T: serde::de::DeserializeOwned + Default>(name: &str, v: JsValue) -> JsResult<T> {
    if v.is_undefined() || v.is_null() {
        Ok(T::default())
    } else {
        from_js(name, v)
    }
}

/// Records from JS objects: the spec's fields plus `extra` keys (the slice field, the label
/// field) when they are not fields.
fn records(pipeline: &Pipeline, values: &js_sys::Array, extra: &[&str]) -> JsResult<Vec<Record>> {
    let core = pipeline.core();
    let mut names: Vec<&str> = core.field_names().collect();
    for e in extra {
        if !names.contains(e) {
            names.push(e);
        }
    }
    let keys = field_keys(names.into_iter());
    values
        .iter()
        .enumerate()
        .map(|(i, v)| js_record(&v, &keys, Some(i)).map_err(JsValue::from))
        .collect()
}

fn label_of(v: &JsValue) -> String {
    if let Some(s) = v.as_string() {
        s
    } else if let Some(x) = v.as_f64() {
        if x.is_nan() {
            String::new()
        } else {
            format!("{x}")
        }
    } else if let Some(b) = v.as_bool() {
        format!("{b}")
    } else {
        String::new()
    }
}

/// Validates `model` + `pipeline` on labelled records. `labels` is an array with the true label
/// of each record (strings; numbers are formatted), or the name of the label key inside the
/// records. `options` (all optional): `{labels, sliceField, criteria: ["accuracy >= 0.95",
/// {metric, op, value}], latency: {enabled, warmup, iterations, batchSize, batchIterations},
/// quality: {reference, missingRateWarning, iqrFactor}, zeroDivision, calibrationBins,
/// rocCurves, device, evidence, includePredictions}`. Returns the report as a plain object;
/// throws `E_INVALID_ARGUMENT` for an unknown metric name.
#[wasm_bindgen]
pub fn validate(
    model: &Model,
    pipeline: &Pipeline,
    records: &js_sys::Array,
    labels: JsValue,
    options: JsValue,
) -> JsResult<JsValue> {
    let opts: ValidateOptions = self::options("options", options)?;
    let label_key = labels.as_string();
    let mut extra: Vec<&str> = Vec::new();
    if let Some(s) = opts.slice_field.as_deref() {
        extra.push(s);
    }
    if let Some(k) = label_key.as_deref() {
        extra.push(k);
    }
    let recs = self::records(pipeline, records, &extra)?;
    let truth: Vec<String> = match &label_key {
        Some(k) => validation::labels_from_records(&recs, k),
        None if js_sys::Array::is_array(&labels) => js_sys::Array::from(&labels)
            .iter()
            .map(|v| label_of(&v))
            .collect(),
        None => {
            return Err(Error::invalid_argument(
                "labels",
                "expected an array of labels or the name of the label field",
            )
            .into())
        }
    };
    let report = validation::validate(
        model.core(),
        pipeline.core(),
        &recs,
        &truth,
        &opts,
        &JsClock,
    )?;
    to_js(&report)
}

/// Like `validate` on raw CSV text (header first) whose `labelColumn` holds the labels.
#[wasm_bindgen(js_name = validateCsv)]
pub fn validate_csv(
    model: &Model,
    pipeline: &Pipeline,
    csv: &str,
    label_column: &str,
    options: JsValue,
) -> JsResult<JsValue> {
    let opts: ValidateOptions = self::options("options", options)?;
    let parsed = read_records(csv)?;
    if !parsed.header.iter().any(|h| h == label_column) {
        return Err(Error::Csv {
            line: Some(1),
            reason: format!("the label column `{label_column}` is not in the header"),
        }
        .into());
    }
    let truth = validation::labels_from_records(&parsed.records, label_column);
    let report = validation::validate(
        model.core(),
        pipeline.core(),
        &parsed.records,
        &truth,
        &opts,
        &JsClock,
    )?;
    to_js(&report)
}

/// The data quality report of records (plain objects) against the pipeline's spec. `options`
/// (optional): `{reference: {field: {min, max}}, missingRateWarning, iqrFactor}`.
#[wasm_bindgen(js_name = qualityReport)]
pub fn quality_report(
    pipeline: &Pipeline,
    records: &js_sys::Array,
    options: JsValue,
) -> JsResult<JsValue> {
    let opts: QualityOptions = self::options("options", options)?;
    let recs = self::records(pipeline, records, &[])?;
    to_js(&validation::quality_report(pipeline.core(), &recs, &opts)?)
}

/// The data quality report of raw CSV text (header first).
#[wasm_bindgen(js_name = qualityReportCsv)]
pub fn quality_report_csv(pipeline: &Pipeline, csv: &str, options: JsValue) -> JsResult<JsValue> {
    let opts: QualityOptions = self::options("options", options)?;
    let parsed = read_records(csv)?;
    to_js(&validation::quality_report(
        pipeline.core(),
        &parsed.records,
        &opts,
    )?)
}
