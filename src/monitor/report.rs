//! The shapes of a monitor's report ([`MonitorReport`] and its sections): what `report()`
//! returns and what JS receives as plain objects.

use super::drift::FeatureDrift;
use super::monitor::{AlertEvent, Level, Status};
use super::sketch::DdSketch;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Latency summary of a report (milliseconds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LatencySummary {
    /// Observations with a latency.
    pub count: u64,
    /// Sketch relative accuracy (quantiles are within this relative error).
    pub relative_accuracy: f64,
    /// Smallest.
    pub min: Option<f64>,
    /// Largest.
    pub max: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

impl LatencySummary {
    /// The summary of a sketch.
    pub fn of(lat: &DdSketch) -> LatencySummary {
        LatencySummary {
            count: lat.count(),
            relative_accuracy: lat.relative_accuracy(),
            min: lat.min(),
            max: lat.max(),
            mean: (lat.count() > 0).then(|| lat.sum() / lat.count() as f64),
            p50: lat.quantile(0.5),
            p90: lat.quantile(0.9),
            p95: lat.quantile(0.95),
            p99: lat.quantile(0.99),
        }
    }
}

/// Upper bin edges of [`LatencyHistogram`] in ms: 1-2-5 steps from 10 µs to 10 s.
pub const LATENCY_EDGES_MS: [f64; 19] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1e3,
    2e3, 5e3, 1e4,
];

/// Latency counts per bin of fixed edges, from the latency sketch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LatencyHistogram {
    /// Inner edges (ms); bin i is [edges[i−1], edges[i]) with open outer bins.
    pub edges_ms: Vec<f64>,
    /// `edgesMs.length + 1` counts.
    pub counts: Vec<u64>,
}

impl LatencyHistogram {
    /// The histogram of a sketch on [`LATENCY_EDGES_MS`].
    pub fn of(lat: &DdSketch) -> LatencyHistogram {
        LatencyHistogram {
            edges_ms: LATENCY_EDGES_MS.to_vec(),
            counts: lat.histogram(&LATENCY_EDGES_MS),
        }
    }
}

/// Predicted-class count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassCount {
    /// Class label.
    pub label: String,
    /// Predictions of that class.
    pub count: u64,
    /// Reference share of that class, when known.
    pub reference_share: Option<f64>,
}

/// Data quality of one field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldQuality {
    /// Field name.
    pub name: String,
    /// Missing values.
    pub missing: u64,
    /// Invalid values (wrong type, out of the spec's bounds).
    pub invalid: u64,
    /// missing / observations.
    pub missing_rate: Option<f64>,
    /// invalid / observations.
    pub invalid_rate: Option<f64>,
    /// Smallest finite value seen (numeric).
    pub min: Option<f64>,
    /// Largest finite value seen (numeric).
    pub max: Option<f64>,
}

/// Telemetry section of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Telemetry {
    /// Observed predictions.
    pub predictions: u64,
    /// Errors by code.
    pub errors: BTreeMap<String, u64>,
    /// errors / (predictions + errors).
    pub error_rate: Option<f64>,
    /// Predictions whose probabilities did not match the class count.
    pub shape_mismatches: u64,
    /// Latencies refused (negative, non-finite).
    pub latency_rejected: u64,
    /// Latency quantiles.
    pub latency_ms: LatencySummary,
    /// Latency distribution on fixed 1-2-5 edges (for a histogram; the quantiles above are the
    /// precise summary).
    pub latency_histogram: LatencyHistogram,
    /// Predicted classes.
    pub classes: Vec<ClassCount>,
    /// Upper edges of the confidence bins.
    pub confidence_edges: Vec<f64>,
    /// Top-probability counts per bin.
    pub confidence_counts: Vec<u64>,
    /// Per-field data quality.
    pub fields: Vec<FieldQuality>,
}

/// Drift of the predicted-class distribution against the reference predictions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PredictionDrift {
    /// PSI of the class shares.
    pub class_psi: Option<f64>,
    /// JS distance of the class shares.
    pub class_js_distance: Option<f64>,
    /// PSI of the confidence histogram.
    pub confidence_psi: Option<f64>,
    /// Signal status.
    pub status: Status,
    /// The class-PSI warn threshold (config `drift.predictions`).
    #[serde(default)]
    pub warn: f64,
    /// The class-PSI alert threshold.
    #[serde(default)]
    pub alert: f64,
}

/// Drift section of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftSection {
    /// Per drift-monitored feature; `status` is the alert state (with hysteresis).
    pub features: Vec<FeatureDrift>,
    /// Share of features in `alert`.
    pub drifted_share: f64,
    /// Observations.
    pub rows: u64,
    /// Predicted-class drift (when the reference has predictions).
    pub predictions: Option<PredictionDrift>,
}

/// Feedback section of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackReport {
    /// Labels joined to a prediction.
    pub labeled: u64,
    /// Of which the prediction was right.
    pub correct: u64,
    /// correct / labeled.
    pub accuracy: Option<f64>,
    /// Feedback for predictions that left the window.
    pub late: u64,
    /// Feedback with an unknown id.
    pub unmatched: u64,
    /// Repeated feedback for one prediction.
    pub duplicate: u64,
    /// Feedback with a label that is not a class.
    pub unknown_label: u64,
    /// Class labels (confusion matrix order).
    pub labels: Vec<String>,
    /// `confusion[true][predicted]`.
    pub confusion: Vec<Vec<u64>>,
}

/// A signal's current level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignalReport {
    /// Signal name.
    pub name: String,
    /// Level.
    pub level: Level,
}

/// Alerts section of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertsReport {
    /// Every signal and its level (as of the last evaluation).
    pub signals: Vec<SignalReport>,
    /// Recent transitions, oldest first.
    pub history: Vec<AlertEvent>,
    /// Retraining is recommended.
    pub retraining_recommended: bool,
    /// Why.
    pub reasons: Vec<String>,
    /// The rule the levels and the recommendation follow (from the monitoring config), so a
    /// reader of the report sees why "17 % of features in alert" does not recommend retraining.
    #[serde(default)]
    pub rule: AlertRule,
}

/// The alerting and retraining rule of a monitor's config (see docs/monitoring.md "Alerts").
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertRule {
    /// Retraining is recommended when at least this share of the drift-monitored features is
    /// in alert (in the running total or the latest complete window)…
    pub retrain_drift_share: f64,
    /// …or feedback accuracy is in alert: at or below this (`null` without an accuracy rule)…
    pub accuracy_alert: Option<f64>,
    /// …once this many labels arrived…
    pub min_labeled: u64,
    /// …or the error rate is in alert: at or above this…
    pub error_rate_alert: f64,
    /// …once this many calls were made.
    pub min_calls: u64,
    /// Values a feature needs before its drift is judged.
    pub min_samples: u64,
    /// Hysteresis: a level is left only once the value is back below warn × this ratio.
    pub clear_ratio: f64,
}

/// Time span of the observed data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    /// Earliest `now_ms` seen.
    pub first_ms: Option<f64>,
    /// Latest `now_ms` seen.
    pub last_ms: Option<f64>,
}

/// One tumbling window of a report: the window's own summaries and drift (fresh statuses, no
/// hysteresis: `pending` below `minSamples`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowReport {
    /// Wall-clock start (ms since the epoch).
    pub start_ms: f64,
    /// End (exclusive): `startMs + windowMs`.
    pub end_ms: f64,
    /// The monitor's clock has passed the end: the window no longer fills (late rows aside).
    pub complete: bool,
    /// Observed predictions.
    pub predictions: u64,
    /// Errors by code (at most 16 codes, then `other`).
    pub errors: BTreeMap<String, u64>,
    /// errors / (predictions + errors).
    pub error_rate: Option<f64>,
    /// Predicted-class counts in label order.
    pub class_counts: Vec<u64>,
    /// Top-probability counts per confidence bin.
    pub confidence_counts: Vec<u64>,
    /// Latency quantiles of the window.
    pub latency_ms: LatencySummary,
    /// Feedback labels joined during the window.
    pub labeled: u64,
    /// Of which correct.
    pub correct: u64,
    /// correct / labeled.
    pub accuracy: Option<f64>,
    /// Drift of the window's rows against the reference.
    pub features: Vec<FeatureDrift>,
    /// Share of features in `alert` in this window.
    pub drifted_share: f64,
    /// Predicted-class drift of the window.
    pub prediction_drift: Option<PredictionDrift>,
}

/// The windows section of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowsReport {
    /// Window length.
    pub window_ms: f64,
    /// Windows kept at most.
    pub capacity: usize,
    /// Observations older than the oldest window kept (in the running total only).
    pub late: u64,
    /// Start of the window the window signals were last judged on (the latest complete one).
    pub judged_start_ms: Option<f64>,
    /// Signal levels judged on the latest complete window (with hysteresis across windows).
    pub signals: Vec<SignalReport>,
    /// Windows with traffic, oldest first.
    pub items: Vec<WindowReport>,
}

/// `Monitor::report()`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorReport {
    /// Model name (config).
    pub model: Option<String>,
    /// Model version (config).
    pub version: Option<String>,
    /// Feature version of the reference.
    pub feature_version: Option<String>,
    /// Data time window.
    pub window: Window,
    /// Counts, latency, classes, confidence, data quality.
    pub telemetry: Telemetry,
    /// Drift against the reference.
    pub drift: DriftSection,
    /// Delayed labels.
    pub feedback: FeedbackReport,
    /// Alert states and retraining recommendation.
    pub alerts: AlertsReport,
    /// Tumbling windows.
    pub windows: WindowsReport,
}
