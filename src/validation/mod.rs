//! Validation before promotion: a model version against a labelled holdout set, on the device
//! class it will run on. [`validate`] runs the feature pipeline and the model over the holdout,
//! computes scikit-learn-exact metrics ([`metrics`]), per-slice metrics, a latency benchmark
//! with the host's clock ([`latency`]), a data quality report ([`quality`]), evaluates
//! acceptance criteria ([`criteria`]) into a go / no-go decision, and maps what it checked to
//! the ML Test Score rubric ([`readiness`]). See docs/validation.md for the report's JSON shape.
//!
//! ```no_run
//! use mlcycle::validation::{validate, ValidateOptions};
//! # fn main() -> mlcycle::Result<()> {
//! let model = mlcycle::Model::from_bytes(&std::fs::read("model.onnx").unwrap())?;
//! let pipeline = mlcycle::Pipeline::from_json(&std::fs::read_to_string("features.json").unwrap())?;
//! // Records reach the model through the spec (`None`: straight into the graph's inputs).
//! let prep = mlcycle::Preprocessing::new(Some(pipeline.into()), &model)?;
//! let csv = mlcycle::features::read_records(&std::fs::read_to_string("holdout.csv").unwrap())?;
//! let labels: Vec<String> = csv.records.iter()
//!     .map(|r| match r.get("species") { Some(mlcycle::RawValue::Text(t)) => t.clone(), _ => String::new() })
//!     .collect();
//! let options = ValidateOptions {
//!     labels: Some(vec!["Adelie".into(), "Chinstrap".into(), "Gentoo".into()]),
//!     criteria: vec!["accuracy >= 0.95".parse()?],
//!     ..ValidateOptions::default()
//! };
//! let report = validate(&model, &prep, &csv.records, &labels, &options,
//!                       &mlcycle::native::SystemClock::default())?;
//! println!("{}", report.decision.as_str());
//! # Ok(()) }
//! ```

pub mod criteria;
pub mod latency;
pub mod metrics;
pub mod quality;
pub mod readiness;

pub use criteria::{parse_criteria_json, Criterion, CriterionInput, CriterionResult, Op};
pub use latency::{LatencyOptions, LatencyReport, Timing};
pub use metrics::{
    classification_metrics, regression_metrics, ClassificationMetrics, MetricOptions,
    RegressionMetrics,
};
pub use quality::{quality_report, Finding, QualityOptions, QualityReport, Severity};
pub use readiness::{Coverage, Evidence, Readiness};

use crate::error::{Error, Result};
use crate::features::{RawValue, Record};
use crate::host::Clock;
use crate::inference::{Model, ModelKind, Preprocessing};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The report's schema tag.
pub const REPORT_SCHEMA: &str = "mlcycle.validation/1";

impl std::str::FromStr for Criterion {
    type Err = Error;
    fn from_str(s: &str) -> Result<Criterion> {
        Criterion::parse(s)
    }
}

/// Options of [`validate`] (JSON / JS: camelCase, every member optional).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ValidateOptions {
    /// Class labels in the model's output order, overriding `model.labels()` (e.g. the names
    /// behind a model's `0, 1, 2`). The holdout's label values are matched against these.
    pub labels: Option<Vec<String>>,
    /// A field (of the records, not necessarily of the spec) whose values define slices.
    pub slice_field: Option<String>,
    /// Acceptance criteria; the decision is `go` when every one holds.
    #[serde(with = "criteria_serde")]
    pub criteria: Vec<Criterion>,
    /// Latency benchmark settings.
    pub latency: LatencyOptions,
    /// Data quality settings.
    pub quality: QualityOptions,
    /// sklearn's `zero_division` (0 or 1).
    pub zero_division: f64,
    /// Reliability bins.
    pub calibration_bins: usize,
    /// Include ROC curve points.
    pub roc_curves: bool,
    /// Where this runs, reported with the latency (default `native` or `wasm`).
    pub device: Option<String>,
    /// Evidence for ML Test Score tests mlcycle does not check itself (`"model-1"` → …).
    pub evidence: BTreeMap<String, Evidence>,
    /// Include every evaluated row's truth and scores in the report.
    pub include_predictions: bool,
}

mod criteria_serde {
    use super::{Criterion, CriterionInput};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[Criterion], s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Criterion>, D::Error> {
        let items = Vec::<CriterionInput>::deserialize(d)?;
        items
            .iter()
            .map(|c| c.resolve().map_err(serde::de::Error::custom))
            .collect()
    }
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            labels: None,
            slice_field: None,
            criteria: Vec::new(),
            latency: LatencyOptions::default(),
            quality: QualityOptions::default(),
            zero_division: 0.0,
            calibration_bins: 10,
            roc_curves: true,
            device: None,
            evidence: BTreeMap::new(),
            include_predictions: false,
        }
    }
}

impl ValidateOptions {
    /// Options from JSON text (a criteria file may also be passed here: unknown members are
    /// errors).
    pub fn from_json(text: &str) -> Result<ValidateOptions> {
        serde_json::from_str(text).map_err(|e| Error::invalid_argument("options", e.to_string()))
    }
}

/// The metrics of the task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "camelCase")]
#[allow(clippy::large_enum_variant)] // one per report; boxing would only complicate the API
pub enum Metrics {
    /// A classifier's metrics.
    Classification(ClassificationMetrics),
    /// A regressor's metrics.
    Regression(RegressionMetrics),
}

impl Metrics {
    /// The value behind a metric name (docs/validation.md); `Ok(None)` when the name is valid
    /// but does not apply to this task or class, `Err` for an unknown name.
    pub fn value(&self, name: &str) -> Result<Option<f64>> {
        const CLASSIFICATION: &[&str] = &[
            "accuracy",
            "balanced_accuracy",
            "precision_macro",
            "recall_macro",
            "f1_macro",
            "precision_weighted",
            "recall_weighted",
            "f1_weighted",
            "log_loss",
            "brier_score",
            "roc_auc",
            "roc_auc_ovr",
            "ece",
        ];
        const REGRESSION: &[&str] = &["mae", "mse", "rmse", "r2", "max_error"];
        const PER_CLASS: &[&str] = &["precision", "recall", "f1", "roc_auc", "support"];
        if let Some((prefix, label)) = name.split_once('.') {
            if !PER_CLASS.contains(&prefix) {
                return Err(unknown_metric(name));
            }
            let Metrics::Classification(m) = self else {
                return Ok(None);
            };
            let c = m.per_class.get(label).ok_or_else(|| {
                Error::invalid_argument(
                    "criteria",
                    format!(
                        "`{name}`: `{label}` is not a class label ({})",
                        m.labels.join(", ")
                    ),
                )
            })?;
            return Ok(match prefix {
                "precision" => Some(c.precision),
                "recall" => Some(c.recall),
                "f1" => Some(c.f1),
                "roc_auc" => c.roc_auc,
                _ => Some(c.support as f64),
            });
        }
        match self {
            Metrics::Classification(m) => Ok(match name {
                "accuracy" => Some(m.accuracy),
                "balanced_accuracy" => Some(m.balanced_accuracy),
                "precision_macro" => Some(m.precision_macro),
                "recall_macro" => Some(m.recall_macro),
                "f1_macro" => Some(m.f1_macro),
                "precision_weighted" => Some(m.precision_weighted),
                "recall_weighted" => Some(m.recall_weighted),
                "f1_weighted" => Some(m.f1_weighted),
                "log_loss" => Some(m.log_loss),
                "brier_score" => Some(m.brier_score),
                "roc_auc" | "roc_auc_ovr" => m.roc_auc_ovr,
                "ece" => m
                    .calibration
                    .classes
                    .iter()
                    .filter_map(|c| c.ece)
                    .reduce(f64::max),
                n if REGRESSION.contains(&n) => None,
                _ => return Err(unknown_metric(name)),
            }),
            Metrics::Regression(m) => Ok(match name {
                "mae" => Some(m.mae),
                "mse" => Some(m.mse),
                "rmse" => Some(m.rmse),
                "r2" => Some(m.r2),
                "max_error" => Some(m.max_error),
                n if CLASSIFICATION.contains(&n) => None,
                _ => return Err(unknown_metric(name)),
            }),
        }
    }
}

fn unknown_metric(name: &str) -> Error {
    Error::invalid_argument(
        "criteria",
        format!("unknown metric `{name}` (see docs/validation.md, \"Metric names\")"),
    )
}

/// The model that was validated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelSummary {
    /// `classifier` or `regressor`.
    pub kind: ModelKind,
    /// Class labels used (after the override).
    pub labels: Vec<String>,
    /// Features per row.
    pub n_features: usize,
    /// Producer recorded in the file.
    pub producer: String,
}

/// What happened to the holdout's rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetSummary {
    /// Records given.
    pub rows: u64,
    /// Rows in the metrics.
    pub evaluated: u64,
    /// Rows the feature pipeline rejected.
    pub invalid_features: u64,
    /// Rows whose label is missing (empty).
    pub missing_label: u64,
    /// Rows whose label is not one of the model's labels (or not a number, for a regressor).
    pub unknown_label: u64,
    /// Rows whose model output was NaN or infinite.
    pub non_finite_output: u64,
}

/// Metrics of one slice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Slice {
    /// The slice field's value (`(missing)` for missing values).
    pub value: String,
    /// Evaluated rows in the slice.
    pub rows: u64,
    /// The slice's metrics (no ROC curve points).
    pub metrics: Metrics,
}

/// Per-slice metrics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Slices {
    /// The slice field.
    pub field: String,
    /// Slices by value, sorted.
    pub slices: Vec<Slice>,
}

/// Evaluated rows: truth and model output, for inspection and oracles.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Predictions {
    /// Index of each evaluated row in the input.
    pub rows: Vec<usize>,
    /// Its label as given.
    pub truth: Vec<String>,
    /// Predicted label (classifier) or value as text (regressor).
    pub predicted: Vec<String>,
    /// Probabilities per class (classifier) or `[value]` (regressor), widened from f32.
    pub scores: Vec<Vec<f64>>,
}

/// `go` or `no-go`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// Every criterion holds.
    #[serde(rename = "go")]
    Go,
    /// A criterion failed.
    #[serde(rename = "no-go")]
    NoGo,
}

impl Decision {
    /// `go` / `no-go`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Go => "go",
            Decision::NoGo => "no-go",
        }
    }
}

/// Everything [`validate`] found, self-contained (docs/validation.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationReport {
    /// `mlcycle.validation/1`.
    pub schema: String,
    /// The model.
    pub model: ModelSummary,
    /// The feature spec's content hash.
    pub feature_version: String,
    /// Row accounting.
    pub dataset: DatasetSummary,
    /// Metrics over the evaluated rows (`task` says which kind).
    pub metrics: Metrics,
    /// Per-slice metrics when a slice field was given.
    pub slices: Option<Slices>,
    /// Latency on this host (`null` when disabled).
    pub latency: Option<LatencyReport>,
    /// Data quality of the holdout's features, plus label findings.
    pub quality: QualityReport,
    /// Each criterion's outcome.
    pub criteria: Vec<CriterionResult>,
    /// `go` when every criterion holds.
    pub decision: Decision,
    /// Why (failed criteria; a note when there were none).
    pub reasons: Vec<String>,
    /// ML Test Score summary.
    pub readiness: Readiness,
    /// Per-row truth and scores when `includePredictions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predictions: Option<Predictions>,
}

impl ValidationReport {
    /// The value of a metric name (docs/validation.md, "Metric names"): task metrics,
    /// `latency_*`, quality counts and rates, `slice.<value>.<metric>`, `slice_min.<metric>`,
    /// `slice_max.<metric>`. `Err` for an unknown name.
    pub fn metric(&self, name: &str) -> Result<Option<f64>> {
        let lat = self.latency.as_ref();
        let q = &self.quality;
        let rate = |c: u64| {
            if self.dataset.rows == 0 {
                0.0
            } else {
                c as f64 / self.dataset.rows as f64
            }
        };
        let simple = match name {
            "latency_p50_ms" => Some(lat.map(|l| l.p50_ms)),
            "latency_p95_ms" => Some(lat.map(|l| l.p95_ms)),
            "latency_p99_ms" => Some(lat.map(|l| l.p99_ms)),
            "latency_mean_ms" => Some(lat.map(|l| l.single.mean_ms)),
            "throughput_per_s" => Some(lat.and_then(|l| l.single.throughput_per_s)),
            "batch_latency_p50_ms" => Some(lat.map(|l| l.batch.p50_ms)),
            "batch_latency_p95_ms" => Some(lat.map(|l| l.batch.p95_ms)),
            "batch_latency_p99_ms" => Some(lat.map(|l| l.batch.p99_ms)),
            "batch_throughput_per_s" => Some(lat.and_then(|l| l.batch.throughput_per_s)),
            "rows" => Some(Some(self.dataset.rows as f64)),
            "evaluated_rows" => Some(Some(self.dataset.evaluated as f64)),
            "invalid_rows" => Some(Some(self.dataset.invalid_features as f64)),
            "invalid_row_rate" => Some(Some(rate(self.dataset.invalid_features))),
            "unknown_label_rate" => Some(Some(rate(self.dataset.unknown_label))),
            "missing_label_rate" => Some(Some(rate(self.dataset.missing_label))),
            "non_finite_outputs" => Some(Some(self.dataset.non_finite_output as f64)),
            "duplicate_rows" => Some(Some(q.duplicate_rows as f64)),
            "duplicate_row_rate" => Some(Some(rate(q.duplicate_rows))),
            "quality_errors" => Some(Some(q.summary.errors as f64)),
            "quality_warnings" => Some(Some(q.summary.warnings as f64)),
            _ => None,
        };
        if let Some(v) = simple {
            return Ok(v);
        }
        if let Some((prefix, rest)) = name.split_once('.') {
            let field_stat = |f: &quality::FieldQuality| -> Option<f64> {
                Some(match prefix {
                    "missing_rate" => f.missing_rate,
                    "missing" => f.missing as f64,
                    "type_errors" => f.type_errors as f64,
                    "out_of_range" => f.out_of_range as f64,
                    "unseen_categories" => f.unseen_categories as f64,
                    "outliers_iqr" => f.outliers_iqr as f64,
                    "outliers_reference" => f.outliers_reference as f64,
                    _ => return None,
                })
            };
            if matches!(
                prefix,
                "missing_rate"
                    | "missing"
                    | "type_errors"
                    | "out_of_range"
                    | "unseen_categories"
                    | "outliers_iqr"
                    | "outliers_reference"
            ) {
                let f = q.field(rest).ok_or_else(|| {
                    Error::invalid_argument(
                        "criteria",
                        format!("`{name}`: `{rest}` is not a field of the spec"),
                    )
                })?;
                return Ok(field_stat(f));
            }
            if matches!(prefix, "slice" | "slice_min" | "slice_max") {
                let slices = self.slices.as_ref().ok_or_else(|| {
                    Error::invalid_argument(
                        "criteria",
                        format!("`{name}` needs a slice field (sliceField / --slice)"),
                    )
                })?;
                if prefix == "slice" {
                    let (value, metric) = rest.rsplit_once('.').ok_or_else(|| {
                        Error::invalid_argument(
                            "criteria",
                            format!("`{name}`: expected slice.<value>.<metric>"),
                        )
                    })?;
                    self.metrics.value(metric)?; // the name must be valid
                    return match slices.slices.iter().find(|s| s.value == value) {
                        Some(s) => s.metrics.value(metric),
                        None => Ok(None),
                    };
                }
                self.metrics.value(rest)?;
                let mut values = Vec::new();
                for s in &slices.slices {
                    match s.metrics.value(rest)? {
                        Some(v) if !v.is_nan() => values.push(v),
                        _ => return Ok(None),
                    }
                }
                let pick = if prefix == "slice_min" {
                    values.into_iter().reduce(f64::min)
                } else {
                    values.into_iter().reduce(f64::max)
                };
                return Ok(pick);
            }
        }
        self.metrics.value(name)
    }
}

fn label_text(raw: Option<&RawValue>) -> String {
    match raw {
        Some(RawValue::Text(s)) | Some(RawValue::String(s)) => s.clone(),
        Some(RawValue::Number(x)) if !x.is_nan() => format!("{x}"),
        Some(RawValue::Bool(b)) => format!("{b}"),
        _ => String::new(),
    }
}

/// The label column of records as text (empty for missing), for callers that keep the label
/// inside the records (CSV rows).
pub fn labels_from_records(records: &[Record], column: &str) -> Vec<String> {
    records.iter().map(|r| label_text(r.get(column))).collect()
}

enum Truth {
    Class(usize),
    Value(f64),
}

/// Validates `model` + `pipeline` against a labelled holdout (`labels[i]` is the true label of
/// `records[i]`; empty = missing). See the module docs and docs/validation.md.
pub fn validate(
    model: &Model,
    prep: &Preprocessing,
    records: &[Record],
    labels: &[String],
    options: &ValidateOptions,
    clock: &dyn Clock,
) -> Result<ValidationReport> {
    if records.len() != labels.len() {
        return Err(Error::invalid_argument(
            "labels",
            format!("{} labels for {} records", labels.len(), records.len()),
        ));
    }
    if records.is_empty() {
        return Err(Error::invalid_argument("records", "the holdout is empty"));
    }
    if let Some(pipeline) = prep.pipeline() {
        if pipeline.width() != model.n_features() {
            return Err(Error::InputShape {
                expected: format!("{} features (the model)", model.n_features()),
                actual: format!("{} outputs of the feature pipeline", pipeline.width()),
            });
        }
    }
    let info = model.info();
    let kind = info.kind;
    let class_labels: Vec<String> = match (&options.labels, kind) {
        (Some(l), ModelKind::Classifier) => {
            if l.len() != model.labels().len() {
                return Err(Error::invalid_argument(
                    "labels",
                    format!(
                        "{} labels given, the model has {} classes",
                        l.len(),
                        model.labels().len()
                    ),
                ));
            }
            l.clone()
        }
        (_, ModelKind::Classifier) => model.labels().to_vec(),
        (_, ModelKind::Regressor) if info.n_outputs <= 1 => Vec::new(),
        _ => {
            return Err(Error::unsupported(
                "validation of multi-output or raw tensor models (classifiers and single-target regressors only)",
            ))
        }
    };
    let device = options.device.clone().unwrap_or_else(|| {
        if cfg!(target_arch = "wasm32") {
            "wasm".into()
        } else {
            "native".into()
        }
    });

    // truth
    let mut dataset = DatasetSummary {
        rows: records.len() as u64,
        ..DatasetSummary::default()
    };
    let truth: Vec<Option<Truth>> = labels
        .iter()
        .map(|l| {
            let l = l.trim();
            if l.is_empty() {
                dataset.missing_label += 1;
                return None;
            }
            let t = if kind == ModelKind::Classifier {
                class_labels.iter().position(|c| c == l).map(Truth::Class)
            } else {
                l.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Truth::Value)
            };
            if t.is_none() {
                dataset.unknown_label += 1;
            }
            t
        })
        .collect();

    // features and predictions
    let each = prep.predict_each(model, records)?;
    let valid_rows = each.accepted();
    let first_rejection = each.first_rejection;
    let mut predicted = each.rows;
    dataset.invalid_features = (records.len() - valid_rows) as u64;
    let candidates: Vec<usize> = (0..records.len())
        .filter(|r| {
            predicted.get(*r).is_some_and(Option::is_some)
                && truth.get(*r).is_some_and(Option::is_some)
        })
        .collect();
    if candidates.is_empty() {
        let hint = if kind == ModelKind::Classifier && dataset.unknown_label > 0 {
            format!(
                "; the model's labels are [{}]: pass `labels` (--labels) to name them as the holdout does",
                class_labels.join(", ")
            )
        } else {
            String::new()
        };
        return Err(Error::invalid_argument(
            "labels",
            format!(
                "no row can be evaluated: {} rejected by the feature pipeline, {} with a missing label, {} with an unknown label{hint}",
                dataset.invalid_features, dataset.missing_label, dataset.unknown_label
            ),
        ));
    }
    let outputs: Vec<Vec<f64>> = candidates
        .iter()
        .map(|r| {
            predicted
                .get_mut(*r)
                .and_then(Option::take)
                .unwrap_or_default()
                .into_iter()
                .map(f64::from)
                .collect()
        })
        .collect();
    let mut rows_used = Vec::new();
    let mut scores = Vec::new();
    for (r, out) in candidates.iter().zip(outputs) {
        if out.is_empty() || out.iter().any(|v| !v.is_finite()) {
            dataset.non_finite_output += 1;
        } else {
            rows_used.push(*r);
            scores.push(out);
        }
    }
    dataset.evaluated = rows_used.len() as u64;
    if rows_used.is_empty() {
        return Err(Error::Inference {
            reason: "every model output is NaN or infinite".into(),
        });
    }

    let metric_options = MetricOptions {
        zero_division: options.zero_division,
        calibration_bins: options.calibration_bins,
        roc_curves: options.roc_curves,
    };
    let compute = |idx: &[usize], curves: bool| -> Result<Metrics> {
        let mut mo = metric_options.clone();
        mo.roc_curves = curves && mo.roc_curves;
        if kind == ModelKind::Classifier {
            let y: Vec<usize> = idx
                .iter()
                .map(|i| match truth.get(rows_used[*i]) {
                    Some(Some(Truth::Class(c))) => *c,
                    _ => 0,
                })
                .collect();
            let p: Vec<f64> = idx
                .iter()
                .flat_map(|i| scores[*i].iter().copied())
                .collect();
            Ok(Metrics::Classification(classification_metrics(
                &class_labels,
                &y,
                &p,
                &mo,
            )?))
        } else {
            let y: Vec<f64> = idx
                .iter()
                .map(|i| match truth.get(rows_used[*i]) {
                    Some(Some(Truth::Value(v))) => *v,
                    _ => f64::NAN,
                })
                .collect();
            let p: Vec<f64> = idx
                .iter()
                .map(|i| scores[*i].first().copied().unwrap_or(f64::NAN))
                .collect();
            Ok(Metrics::Regression(regression_metrics(&y, &p)?))
        }
    };
    let all: Vec<usize> = (0..rows_used.len()).collect();
    let metrics = compute(&all, true)?;

    let slices = match &options.slice_field {
        None => None,
        Some(field) => {
            let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for (i, r) in rows_used.iter().enumerate() {
                let v = label_text(records.get(*r).and_then(|rec| rec.get(field)));
                let v = if v.trim().is_empty() {
                    "(missing)".to_string()
                } else {
                    v
                };
                groups.entry(v).or_default().push(i);
            }
            let mut slices = Vec::with_capacity(groups.len());
            for (value, idx) in groups {
                slices.push(Slice {
                    value,
                    rows: idx.len() as u64,
                    metrics: compute(&idx, false)?,
                });
            }
            Some(Slices {
                field: field.clone(),
                slices,
            })
        }
    };

    let latency = if options.latency.enabled {
        Some(latency::benchmark(
            model,
            prep,
            records,
            &options.latency,
            &device,
            clock,
        )?)
    } else {
        None
    };

    let mut quality = quality::report_for(
        prep.spec(),
        prep.version(),
        (valid_rows as u64, first_rejection),
        records,
        &options.quality,
    )?;
    let n = records.len() as f64;
    for (kind_s, count, sev, msg) in [
        (
            "label_missing",
            dataset.missing_label,
            Severity::Warning,
            "row(s) have no label and were left out of the metrics",
        ),
        (
            "label_unknown",
            dataset.unknown_label,
            Severity::Error,
            if kind == ModelKind::Classifier {
                "row(s) have a label that is not one of the model's labels"
            } else {
                "row(s) have a target that is not a finite number"
            },
        ),
        (
            "non_finite_output",
            dataset.non_finite_output,
            Severity::Error,
            "row(s) got a NaN or infinite model output",
        ),
    ] {
        if count > 0 {
            quality.push(Finding {
                kind: kind_s.into(),
                severity: sev,
                field: None,
                count,
                rate: count as f64 / n,
                message: format!("{count} {msg}"),
            });
        }
    }

    let mut report = ValidationReport {
        schema: REPORT_SCHEMA.into(),
        model: ModelSummary {
            kind,
            labels: class_labels,
            n_features: model.n_features(),
            producer: info.producer.clone(),
        },
        feature_version: prep.version().to_string(),
        dataset,
        metrics,
        slices,
        latency,
        quality,
        criteria: Vec::new(),
        decision: Decision::Go,
        reasons: Vec::new(),
        readiness: readiness::readiness(&BTreeMap::new(), &BTreeMap::new()),
        predictions: None,
    };
    report.criteria = criteria::evaluate(&options.criteria, |m| report.metric(m))?;
    report.reasons = report
        .criteria
        .iter()
        .filter(|c| !c.pass)
        .map(|c| format!("{}: {}", c.criterion, c.reason.clone().unwrap_or_default()))
        .collect();
    report.decision = if report.reasons.is_empty() {
        Decision::Go
    } else {
        Decision::NoGo
    };
    if options.criteria.is_empty() {
        report
            .reasons
            .push("no criteria were given: nothing gates this version".into());
    }
    report.readiness = readiness::readiness(&automated_evidence(&report, prep), &options.evidence);
    if options.include_predictions {
        let mut p = Predictions::default();
        for (r, s) in rows_used.iter().zip(&scores) {
            p.rows.push(*r);
            p.truth.push(
                labels
                    .get(*r)
                    .map(|l| l.trim().to_string())
                    .unwrap_or_default(),
            );
            p.predicted.push(match kind {
                ModelKind::Classifier => report
                    .model
                    .labels
                    .get(metrics::argmax(s))
                    .cloned()
                    .unwrap_or_default(),
                _ => s.first().map(|v| v.to_string()).unwrap_or_default(),
            });
            p.scores.push(s.clone());
        }
        report.predictions = Some(p);
    }
    Ok(report)
}

fn automated_evidence(
    report: &ValidationReport,
    prep: &Preprocessing,
) -> BTreeMap<&'static str, String> {
    let mut e = BTreeMap::new();
    let spec = prep.spec();
    let q = &report.quality;
    e.insert(
        "data-1",
        format!(
            "feature spec {} declares {} typed fields; the quality report checked {} records against it ({} errors, {} warnings)",
            report.feature_version,
            spec.fields.len(),
            q.rows,
            q.summary.errors,
            q.summary.warnings
        ),
    );
    e.insert(
        "infra-3",
        format!(
            "the holdout ran end to end through the feature pipeline and the model ({} of {} rows evaluated)",
            report.dataset.evaluated, report.dataset.rows
        ),
    );
    e.insert(
        "monitor-2",
        "the spec's invariants (types, required, ranges, categories) were checked on the holdout; the same pipeline enforces them on every serving record".to_string(),
    );
    e.insert(
        "monitor-5",
        format!(
            "{} NaN/infinite model outputs among {} rows",
            report.dataset.non_finite_output,
            report.dataset.evaluated + report.dataset.non_finite_output
        ),
    );
    let gated = |pred: &dyn Fn(&str) -> bool| {
        report
            .criteria
            .iter()
            .filter(|c| pred(&c.metric))
            .map(|c| c.criterion.clone())
            .collect::<Vec<_>>()
    };
    let quality_gates = gated(&|m| {
        !m.starts_with("latency")
            && !m.contains("throughput")
            && !m.starts_with("slice")
            && !m.starts_with("batch_")
    });
    if !quality_gates.is_empty() {
        e.insert(
            "infra-4",
            format!(
                "gated on {} → {}",
                quality_gates.join(", "),
                report.decision.as_str()
            ),
        );
    }
    let slice_gates = gated(&|m| m.starts_with("slice"));
    if let (Some(s), false) = (&report.slices, slice_gates.is_empty()) {
        e.insert(
            "model-6",
            format!(
                "{} slices of `{}` gated on {}",
                s.slices.len(),
                s.field,
                slice_gates.join(", ")
            ),
        );
    }
    let latency_gates = gated(&|m| m.contains("latency") || m.contains("throughput"));
    if let (Some(l), false) = (&report.latency, latency_gates.is_empty()) {
        e.insert(
            "monitor-6",
            format!(
                "latency measured on `{}` (p95 {:.4} ms) gated on {}",
                l.device,
                l.p95_ms,
                latency_gates.join(", ")
            ),
        );
    }
    e
}
