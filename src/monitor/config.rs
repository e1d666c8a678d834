//! Monitoring configuration (carried by the registry manifest): drift thresholds with
//! per-feature overrides, accuracy and error-rate thresholds, sample minimums, capacities.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The drift statistic a threshold applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DriftMetric {
    /// Population stability index (default).
    #[default]
    Psi,
    /// Jensen–Shannon distance (base 2).
    JsDistance,
    /// KS statistic on the bins (numeric fields; categorical fields fall back to PSI).
    KsStatistic,
}

/// Warn / alert levels of a "higher is worse" signal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Threshold {
    /// Statistic compared (drift thresholds only).
    #[serde(default)]
    pub metric: DriftMetric,
    /// Enter `warn` at or above this value.
    pub warn: f64,
    /// Enter `alert` at or above this value.
    pub alert: f64,
}

impl Threshold {
    /// PSI 0.1 warn / 0.25 alert (the credit-scoring bands; Evidently's 0.1 is the lower edge).
    pub fn psi_default() -> Threshold {
        Threshold {
            metric: DriftMetric::Psi,
            warn: 0.1,
            alert: 0.25,
        }
    }

    fn check(&self, name: &str) -> Result<()> {
        if self.warn.is_nan() || self.alert.is_nan() || self.warn < 0.0 || self.alert < self.warn {
            return Err(Error::invalid_argument(
                name,
                format!(
                    "needs 0 <= warn <= alert, got warn {} alert {}",
                    self.warn, self.alert
                ),
            ));
        }
        Ok(())
    }
}

/// Accuracy levels ("lower is worse"): `warn` ≥ `alert`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccuracyThreshold {
    /// Enter `warn` at or below this accuracy.
    pub warn: f64,
    /// Enter `alert` at or below this accuracy (the configured minimum; recommends retraining).
    pub alert: f64,
}

/// Drift thresholds: a default and per-feature overrides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DriftThresholds {
    /// Applies to every feature without an override (PSI 0.1 / 0.25).
    pub default: Threshold,
    /// Per raw field name.
    pub features: BTreeMap<String, Threshold>,
    /// Threshold of the predicted-class distribution against the reference predictions.
    pub predictions: Threshold,
}

impl Default for DriftThresholds {
    fn default() -> DriftThresholds {
        DriftThresholds {
            default: Threshold::psi_default(),
            features: BTreeMap::new(),
            predictions: Threshold::psi_default(),
        }
    }
}

/// Everything that tunes a [`super::Monitor`]. All members are optional in JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct MonitorConfig {
    /// Model name (OTLP attribute `model`).
    pub model: Option<String>,
    /// Model version (OTLP attribute `version`).
    pub version: Option<String>,
    /// Class labels, when the reference has no predictions (else the reference's).
    pub labels: Option<Vec<String>>,
    /// Drift thresholds.
    pub drift: DriftThresholds,
    /// Non-missing values a feature needs before its drift is judged (default 100).
    pub min_samples: u64,
    /// Share of drift-monitored features in `alert` that recommends retraining (default 0.5,
    /// Evidently's dataset-drift share).
    pub retrain_drift_share: f64,
    /// Accuracy levels; no accuracy signal when absent.
    pub accuracy: Option<AccuracyThreshold>,
    /// Labeled predictions needed before accuracy is judged (default 50).
    pub min_labeled: u64,
    /// Error rate = errors / (predictions + errors); default warn 0.05, alert 0.1.
    pub error_rate: Threshold,
    /// Calls (predictions + errors) needed before the error rate is judged (default 100).
    pub min_calls: u64,
    /// A `warn` is left when the value drops below `warn × clearRatio` (default 0.9); an
    /// `alert` is left only when the value drops below `warn`.
    pub clear_ratio: f64,
    /// Signals are re-evaluated every this many calls (observe/observeError/feedback; default
    /// 100), and on `evaluate`.
    pub evaluate_every: u64,
    /// Recent prediction ids kept for joining feedback (default 1024).
    pub feedback_window: usize,
    /// Alert transitions kept in the history (default 100).
    pub history_size: usize,
    /// Latency sketch relative accuracy (default 0.01 = 1 %).
    pub latency_relative_accuracy: f64,
    /// Latency sketch bucket limit (default 2048).
    pub latency_max_buckets: usize,
    /// Largest number of classes tracked (default 1024).
    pub max_classes: usize,
    /// Length of a tumbling window in ms (default 3,600,000 = 1 h); windows start at multiples
    /// of it since the epoch, so devices' windows align.
    pub window_ms: u64,
    /// Windows kept besides the running total (default 24; 0 = none, at most 1000).
    pub windows: usize,
}

/// Upper bound of [`MonitorConfig::max_classes`].
pub const MAX_CLASSES: usize = 2048;

impl Default for MonitorConfig {
    fn default() -> MonitorConfig {
        MonitorConfig {
            model: None,
            version: None,
            labels: None,
            drift: DriftThresholds::default(),
            min_samples: 100,
            retrain_drift_share: 0.5,
            accuracy: None,
            min_labeled: 50,
            error_rate: Threshold {
                metric: DriftMetric::Psi,
                warn: 0.05,
                alert: 0.1,
            },
            min_calls: 100,
            clear_ratio: 0.9,
            evaluate_every: 100,
            feedback_window: 1024,
            history_size: 100,
            latency_relative_accuracy: 0.01,
            latency_max_buckets: 2048,
            max_classes: 1024,
            window_ms: 3_600_000,
            windows: 24,
        }
    }
}

impl MonitorConfig {
    /// Parses a config from JSON (`{}` is all defaults).
    pub fn from_json(text: &str) -> Result<MonitorConfig> {
        let c: MonitorConfig = serde_json::from_str(text)
            .map_err(|e| Error::invalid_argument("config", format!("not a monitor config: {e}")))?;
        c.check()?;
        Ok(c)
    }

    /// The drift threshold of a feature.
    pub fn threshold_for(&self, feature: &str) -> &Threshold {
        self.drift
            .features
            .get(feature)
            .unwrap_or(&self.drift.default)
    }

    /// Checks ranges.
    pub fn check(&self) -> Result<()> {
        self.drift.default.check("config.drift.default")?;
        self.drift.predictions.check("config.drift.predictions")?;
        for (k, t) in &self.drift.features {
            t.check(&format!("config.drift.features.{k}"))?;
        }
        self.error_rate.check("config.errorRate")?;
        if let Some(a) = &self.accuracy {
            if !(0.0..=1.0).contains(&a.warn) || !(0.0..=1.0).contains(&a.alert) || a.alert > a.warn
            {
                return Err(Error::invalid_argument(
                    "config.accuracy",
                    "needs 0 <= alert <= warn <= 1",
                ));
            }
        }
        let range = |name: &str, ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(Error::invalid_argument(
                    format!("config.{name}"),
                    what.to_string(),
                ))
            }
        };
        range(
            "retrainDriftShare",
            (0.0..=1.0).contains(&self.retrain_drift_share),
            "must be in [0, 1]",
        )?;
        range(
            "clearRatio",
            self.clear_ratio > 0.0 && self.clear_ratio <= 1.0,
            "must be in (0, 1]",
        )?;
        range("evaluateEvery", self.evaluate_every >= 1, "must be >= 1")?;
        range(
            "feedbackWindow",
            (1..=1 << 20).contains(&self.feedback_window),
            "must be in 1..=1048576",
        )?;
        range(
            "historySize",
            self.history_size <= 100_000,
            "must be <= 100000",
        )?;
        // The confusion matrix is maxClasses² counters: 2048 classes are 32 MiB; 65,536 were
        // 32 GiB (a trap in wasm from one config).
        range(
            "maxClasses",
            (2..=MAX_CLASSES).contains(&self.max_classes),
            "must be in 2..=2048",
        )?;
        range(
            "windowMs",
            (1..=1 << 40).contains(&self.window_ms),
            "must be in 1..=1099511627776 (ms)",
        )?;
        range(
            "windows",
            self.windows <= super::windows::MAX_WINDOWS,
            "must be <= 1000",
        )?;
        if let Some(labels) = &self.labels {
            range(
                "labels",
                labels.len() <= self.max_classes,
                "more labels than maxClasses",
            )?;
        }
        super::sketch::DdSketch::new(self.latency_relative_accuracy, self.latency_max_buckets)
            .map(|_| ())
    }
}
