//! Validation from JS: `validate(model, pipeline, records, labels, options?)`,
//! `validateCsv(model, pipeline, csvText, labelColumn, options?)`, their `validateRaw` /
//! `validateRawCsv` twins without a pipeline (a model that carries its own preprocessing:
//! records go straight into its inputs by field name) and
//! `qualityReport(pipeline, records, options?)`, returning plain-object reports
//! (docs/validation.md). Latency is measured with `performance.now()`.

use super::host::JsClock;
use super::model::Model;
use super::pipeline::{Pipeline, RecordKeys};
use super::{to_js, JsResult};
use crate::features::read_records;
use crate::inference::Preprocessing;
use crate::validation::{self, QualityOptions, ValidateOptions};
use crate::Error;
use wasm_bindgen::prelude::*;

/// How `model` reads records: through `pipeline`, or (`None`) straight into its graph.
fn preprocessing(model: &Model, pipeline: Option<&Pipeline>) -> JsResult<Preprocessing> {
    Ok(Preprocessing::new(
        pipeline.map(Pipeline::shared),
        model.core(),
    )?)
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

/// Validates `model` + `pipeline` on labelled records — an array of records, or columns
/// (`{field: Float64Array | string[] | …}`, one crossing per column, as
/// `Pipeline.transformColumns`). `labels` is an array with the true label of each record
/// (strings; numbers are formatted), or the name of the label key inside the records (a column
/// of that name, for columns). `options` (all optional): `{labels, sliceField, criteria: ["accuracy >= 0.95",
/// {metric, op, value}], latency: {enabled, warmup, iterations, batchSize, batchIterations},
/// quality: {reference, missingRateWarning, iqrFactor}, zeroDivision, calibrationBins,
/// rocCurves, device, evidence, includePredictions}`. Returns the report as a plain object;
/// throws `E_INVALID_ARGUMENT` for an unknown metric name.
#[wasm_bindgen(unchecked_return_type = "ValidationReport")]
pub fn validate(
    model: &Model,
    pipeline: &Pipeline,
    #[wasm_bindgen(unchecked_param_type = "FeatureRecord[] | FeatureColumns")] records: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Array<string | number> | string")] labels: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: Option<JsValue>,
) -> JsResult<JsValue> {
    validate_records(
        model,
        Some(pipeline),
        &records,
        labels,
        options.unwrap_or(JsValue::UNDEFINED),
    )
}

/// `validate` for a model that carries its own preprocessing (skl2onnx's one-input-per-column
/// exports): each record's fields go straight into the inputs that read them; a record
/// without one of them is rejected (counted in `dataset.invalidFeatures`), not read as missing.
#[wasm_bindgen(js_name = validateRaw, unchecked_return_type = "ValidationReport")]
pub fn validate_raw(
    model: &Model,
    #[wasm_bindgen(unchecked_param_type = "FeatureRecord[] | FeatureColumns")] records: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Array<string | number> | string")] labels: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: Option<JsValue>,
) -> JsResult<JsValue> {
    validate_records(
        model,
        None,
        &records,
        labels,
        options.unwrap_or(JsValue::UNDEFINED),
    )
}

fn validate_records(
    model: &Model,
    pipeline: Option<&Pipeline>,
    records: &JsValue,
    labels: JsValue,
    options: JsValue,
) -> JsResult<JsValue> {
    let opts: ValidateOptions = super::options("options", options)?;
    let label_key = labels.as_string();
    let mut extra: Vec<&str> = Vec::new();
    if let Some(s) = opts.slice_field.as_deref() {
        extra.push(s);
    }
    if let Some(k) = label_key.as_deref() {
        extra.push(k);
    }
    let prep = preprocessing(model, pipeline)?;
    // Without a spec an absent field stays absent (refused), as for a deployment.
    let recs = RecordKeys::of(&prep, &extra).read_table(records)?;
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
    let report = validation::validate(model.core(), &prep, &recs, &truth, &opts, &JsClock)?;
    to_js(&report)
}

/// Like `validate` on raw CSV text (header first) whose `labelColumn` holds the labels.
#[wasm_bindgen(js_name = validateCsv, unchecked_return_type = "ValidationReport")]
pub fn validate_csv(
    model: &Model,
    pipeline: &Pipeline,
    csv: &str,
    label_column: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: Option<JsValue>,
) -> JsResult<JsValue> {
    validate_csv_text(
        model,
        Some(pipeline),
        csv,
        label_column,
        options.unwrap_or(JsValue::UNDEFINED),
    )
}

/// `validateCsv` for a model that carries its own preprocessing (see `validateRaw`).
#[wasm_bindgen(js_name = validateRawCsv, unchecked_return_type = "ValidationReport")]
pub fn validate_raw_csv(
    model: &Model,
    csv: &str,
    label_column: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: Option<JsValue>,
) -> JsResult<JsValue> {
    validate_csv_text(
        model,
        None,
        csv,
        label_column,
        options.unwrap_or(JsValue::UNDEFINED),
    )
}

fn validate_csv_text(
    model: &Model,
    pipeline: Option<&Pipeline>,
    csv: &str,
    label_column: &str,
    options: JsValue,
) -> JsResult<JsValue> {
    let opts: ValidateOptions = super::options("options", options)?;
    let parsed = read_records(csv)?;
    if !parsed.header.iter().any(|h| h == label_column) {
        return Err(Error::Csv {
            line: Some(1),
            reason: format!("the label column `{label_column}` is not in the header"),
        }
        .into());
    }
    let truth = validation::labels_from_records(&parsed.records, label_column);
    let prep = preprocessing(model, pipeline)?;
    prep.check_header(&parsed.header)?;
    let report = validation::validate(
        model.core(),
        &prep,
        &parsed.records,
        &truth,
        &opts,
        &JsClock,
    )?;
    to_js(&report)
}

/// The data quality report of records (plain objects) against the pipeline's spec. `options`
/// (optional): `{reference: {field: {min, max}}, missingRateWarning, iqrFactor}`.
#[wasm_bindgen(js_name = qualityReport, unchecked_return_type = "QualityReport")]
pub fn quality_report(
    pipeline: &Pipeline,
    #[wasm_bindgen(unchecked_param_type = "FeatureRecord[]")] records: &js_sys::Array,
    #[wasm_bindgen(unchecked_optional_param_type = "QualityOptions")] options: Option<JsValue>,
) -> JsResult<JsValue> {
    let opts: QualityOptions = super::options("options", options.unwrap_or(JsValue::UNDEFINED))?;
    let recs = pipeline.records(records)?;
    to_js(&validation::quality_report(pipeline.core(), &recs, &opts)?)
}

/// The data quality report of raw CSV text (header first).
#[wasm_bindgen(js_name = qualityReportCsv, unchecked_return_type = "QualityReport")]
pub fn quality_report_csv(
    pipeline: &Pipeline,
    csv: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "QualityOptions")] options: Option<JsValue>,
) -> JsResult<JsValue> {
    let opts: QualityOptions = super::options("options", options.unwrap_or(JsValue::UNDEFINED))?;
    let parsed = read_records(csv)?;
    pipeline.core().check_header(&parsed.header)?;
    to_js(&validation::quality_report(
        pipeline.core(),
        &parsed.records,
        &opts,
    )?)
}
