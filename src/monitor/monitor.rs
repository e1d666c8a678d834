//! The on-device [`Monitor`]: per-prediction summaries (telemetry, drift counts, feedback),
//! alert states with hysteresis, snapshot/restore and merge. See docs/monitoring.md.
//!
//! This file holds the monitor's state and what one observation does to it; by concept,
//! `batch` observes a columnar batch, `feedback` joins labels to predictions, `alerts` judges
//! the signals and raises events, `reports` builds the reports, `snapshot` saves, restores
//! and merges.

mod alerts;
mod batch;
mod feedback;
mod reports;
mod snapshot;

use alerts::{signal_names, signal_reports};
pub use alerts::{step, AlertEvent, Level, Scope, Status};
pub use batch::BatchObserver;
pub use feedback::FeedbackOutcome;

use super::config::{DriftMetric, MonitorConfig, Threshold};
use super::profile::{read, FieldKind, ReferenceProfile, CONFIDENCE_EDGES};
use super::sketch::DdSketch;
use super::stats::{add_counts, bin_index, js_distance, psi, saturating_sum, shares};
use super::windows::{count_error, CountsView, WindowCounts, Windows, WINDOW_ERROR_CODES};
use crate::error::{Error, Result};
use crate::features::{Record, RowValues};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};

pub(crate) use super::drift::{
    category_maps, drifted_share, feature_drifts, max_opt, min_opt, FieldCounts,
};
pub use super::drift::{DriftCounter, DriftReport, FeatureDrift};
pub use super::report::{
    AlertRule, AlertsReport, ClassCount, DriftSection, FeedbackReport, FieldQuality,
    LatencyHistogram, LatencySummary, MonitorReport, PredictionDrift, SignalReport, Telemetry,
    Window, WindowReport, WindowsReport,
};

/// The format tag of a monitor snapshot.
pub const SNAPSHOT_FORMAT: &str = "mlcycle.monitor/1";
/// Distinct error codes tracked; later new codes are counted under `other`.
pub const MAX_ERROR_CODES: usize = 64;
/// Largest snapshot [`Monitor::restore`] reads. A snapshot's state is bounded by its config
/// (2048 classes → a 32 MiB confusion matrix as text is well under it).
pub const MAX_SNAPSHOT_BYTES: usize = 256 << 20;
const NO_CLASS: u32 = u32::MAX;
const CONSUMED: u32 = u32::MAX - 1;
const EMPTY: u64 = u64::MAX;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedbackCounts {
    labeled: u64,
    correct: u64,
    late: u64,
    unmatched: u64,
    duplicate: u64,
    unknown_label: u64,
    /// k × k, row = true class, column = predicted class.
    confusion: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignalState {
    pub name: String,
    pub level: Level,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Retraining {
    recommended: bool,
    reasons: Vec<String>,
}

/// Everything a snapshot carries besides the reference and config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct State {
    salt: String,
    next_seq: u64,
    predictions: u64,
    errors: BTreeMap<String, u64>,
    shape_mismatches: u64,
    latency_rejected: u64,
    first_ms: Option<f64>,
    last_ms: Option<f64>,
    latency: DdSketch,
    labels: Vec<String>,
    class_counts: Vec<u64>,
    confidence_counts: Vec<u64>,
    fields: Vec<FieldCounts>,
    feedback: FeedbackCounts,
    /// Recent predictions awaiting feedback: `[seq, class]` (class 4294967295 = none).
    pending: Vec<(u64, u32)>,
    signals: Vec<SignalState>,
    retraining: Retraining,
    history: VecDeque<AlertEvent>,
    since_eval: u64,
    /// Tumbling windows (absent in snapshots of earlier builds: none).
    #[serde(default)]
    windows: Windows,
}

/// Prediction telemetry, drift, feedback and alerts for one model version (docs/monitoring.md).
#[derive(Clone, Debug)]
pub struct Monitor {
    reference: ReferenceProfile,
    config: MonitorConfig,
    state: State,
    ring: Vec<(u64, u32)>,
    maps: Vec<Option<HashMap<String, usize>>>,
    events: VecDeque<AlertEvent>,
}

/// The running total's output counters (the fields of [`State`] a row's output changes),
/// borrowed apart from its windows.
struct OutputCounters<'a> {
    k: usize,
    class_counts: &'a mut [u64],
    confidence_counts: &'a mut [u64],
    shape_mismatches: &'a mut u64,
    next_seq: &'a mut u64,
}

/// A [`State`]'s [`OutputCounters`], borrowed field by field (so its `windows` can be borrowed
/// beside them, which a method borrowing the whole state would forbid).
macro_rules! output_counters {
    ($s:expr) => {
        OutputCounters {
            k: $s.labels.len(),
            class_counts: &mut $s.class_counts,
            confidence_counts: &mut $s.confidence_counts,
            shape_mismatches: &mut $s.shape_mismatches,
            next_seq: &mut $s.next_seq,
        }
    };
}
pub(crate) use output_counters;

/// Counts one row's model output — its class and confidence (in the total and the row's window),
/// or a shape mismatch — and gives it the next sequence number in the feedback ring.
fn count_output(
    s: &mut OutputCounters<'_>,
    mut window: Option<&mut WindowCounts>,
    ring: &mut [(u64, u32)],
    probabilities: &[f32],
) {
    let k = s.k;
    let mut class = NO_CLASS;
    if probabilities.len() >= 2 {
        if probabilities.len() == k {
            let c = crate::inference::argmax(probabilities);
            if let Some(n) = s.class_counts.get_mut(c) {
                *n += 1;
                class = c as u32;
            }
            if let Some(n) = window.as_mut().and_then(|w| w.class_counts.get_mut(c)) {
                *n += 1;
            }
            let conf = probabilities.get(c).copied().unwrap_or(f32::NAN) as f64;
            if conf.is_finite() {
                let b = bin_index(&CONFIDENCE_EDGES, conf);
                if let Some(n) = s.confidence_counts.get_mut(b) {
                    *n += 1;
                }
                if let Some(n) = window.as_mut().and_then(|w| w.confidence_counts.get_mut(b)) {
                    *n += 1;
                }
            }
        } else {
            *s.shape_mismatches += 1;
        }
    }
    let seq = *s.next_seq;
    let cap = ring.len() as u64;
    if let Some(slot) = ring.get_mut((seq % cap.max(1)) as usize) {
        *slot = (seq, class);
    }
    *s.next_seq += 1;
}

impl Monitor {
    /// A monitor for one model version. `salt` prefixes the prediction ids this monitor issues
    /// (`<salt>-<n>`): give each session/device its own (no `-` allowed... the last `-` splits).
    pub fn new(reference: ReferenceProfile, config: MonitorConfig, salt: &str) -> Result<Monitor> {
        reference.check()?;
        config.check()?;
        if salt.is_empty() || salt.len() > 64 {
            return Err(Error::invalid_argument(
                "salt",
                "must be 1 to 64 characters",
            ));
        }
        let labels: Vec<String> = match (&config.labels, reference.labels()) {
            (Some(l), r) if !r.is_empty() && l.as_slice() != r => {
                return Err(Error::invalid_argument(
                    "config.labels",
                    "differ from the reference's prediction labels",
                ))
            }
            (Some(l), _) => l.clone(),
            (None, r) => r.to_vec(),
        };
        if labels.len() > config.max_classes {
            return Err(Error::invalid_argument(
                "labels",
                "more labels than maxClasses",
            ));
        }
        let k = labels.len();
        let state = State {
            salt: salt.to_string(),
            next_seq: 0,
            predictions: 0,
            errors: BTreeMap::new(),
            shape_mismatches: 0,
            latency_rejected: 0,
            first_ms: None,
            last_ms: None,
            latency: DdSketch::new(config.latency_relative_accuracy, config.latency_max_buckets)?,
            labels,
            class_counts: vec![0; k],
            confidence_counts: vec![0; CONFIDENCE_EDGES.len() + 1],
            fields: FieldCounts::for_reference(&reference),
            feedback: FeedbackCounts {
                confusion: vec![0; k * k],
                ..FeedbackCounts::default()
            },
            pending: Vec::new(),
            signals: signal_names(&reference, &config),
            retraining: Retraining::default(),
            history: VecDeque::new(),
            since_eval: 0,
            windows: Windows {
                signals: signal_names(&reference, &config),
                ..Windows::default()
            },
        };
        Ok(Monitor {
            ring: vec![(EMPTY, NO_CLASS); config.feedback_window],
            maps: category_maps(&reference),
            reference,
            config,
            state,
            events: VecDeque::new(),
        })
    }

    /// The reference profile.
    pub fn reference(&self) -> &ReferenceProfile {
        &self.reference
    }

    /// The configuration.
    pub fn config(&self) -> &MonitorConfig {
        &self.config
    }

    fn touch(&mut self, now_ms: f64) {
        if now_ms.is_finite() {
            self.state.first_ms = Some(self.state.first_ms.map_or(now_ms, |m| m.min(now_ms)));
            self.state.last_ms = Some(self.state.last_ms.map_or(now_ms, |m| m.max(now_ms)));
        }
    }

    fn tick(&mut self, now_ms: f64) {
        self.state.since_eval += 1;
        if self.state.since_eval >= self.config.evaluate_every {
            self.evaluate(now_ms);
        }
    }

    fn adopt_labels(&mut self, k: usize) {
        if self.state.labels.is_empty() && (2..=self.config.max_classes).contains(&k) {
            self.state.labels = (0..k).map(|i| i.to_string()).collect();
            self.state.class_counts = vec![0; k];
            self.state.feedback.confusion = vec![0; k * k];
            self.state.windows.adopt_labels(k);
        }
    }

    /// Records one prediction: the raw record (per-field drift and data quality; raw values are
    /// never stored), the model's output row (`probabilities`, one per class; a single value is
    /// a regression output and only counted) and its latency (NaN: not measured). Returns the prediction id to give
    /// to [`Monitor::feedback`]. Never fails; allocates only the id string.
    pub fn observe(
        &mut self,
        now_ms: f64,
        record: &dyn RowValues,
        probabilities: &[f32],
        latency_ms: f64,
    ) -> String {
        self.observe_one(now_ms, record, probabilities, latency_ms);
        let id = format!(
            "{}-{}",
            self.state.salt,
            self.state.next_seq.wrapping_sub(1)
        );
        self.tick(now_ms);
        id
    }

    fn observe_one(
        &mut self,
        now_ms: f64,
        record: &dyn RowValues,
        probabilities: &[f32],
        latency_ms: f64,
    ) {
        self.touch(now_ms);
        if probabilities.len() >= 2 {
            self.adopt_labels(probabilities.len());
        }
        let k = self.state.labels.len();
        let s = &mut self.state;
        let mut window = s.windows.at(now_ms, &self.reference, &self.config, k, true);
        s.predictions += 1;
        if let Some(w) = window.as_mut() {
            w.predictions += 1;
        }
        // NaN: no latency measured (e.g. rows replayed from a file); anything else the sketch
        // refuses (negative, infinite) is counted.
        if !latency_ms.is_nan() {
            if !s.latency.add(latency_ms) {
                s.latency_rejected += 1;
            }
            if let Some(w) = window.as_mut() {
                w.latency.add(latency_ms);
            }
        }
        for (i, (f, m)) in self.reference.fields.iter().zip(&self.maps).enumerate() {
            let v = record.value(&f.name);
            let r = read(f.ty, f.valid_min, f.valid_max, v.as_deref());
            if let Some(c) = s.fields.get_mut(i) {
                c.observe(f, m.as_ref(), r);
            }
            if let Some(c) = window.as_mut().and_then(|w| w.fields.get_mut(i)) {
                c.observe(f, m.as_ref(), r);
            }
        }
        count_output(
            &mut output_counters!(s),
            window,
            &mut self.ring,
            probabilities,
        );
    }

    /// [`Monitor::observe`] for a batch: `probabilities` is `records.len() × k` row-major
    /// (k may be 0), `latency_ms` is the latency of each prediction.
    pub fn observe_batch(
        &mut self,
        now_ms: f64,
        records: &[Record],
        probabilities: &[f32],
        latency_ms: f64,
    ) -> Result<Vec<String>> {
        let n = records.len();
        if n == 0 {
            return Ok(Vec::new());
        }
        if !probabilities.len().is_multiple_of(n) {
            return Err(Error::InputShape {
                expected: format!("a multiple of {n} probabilities (one row per record)"),
                actual: format!("{} values", probabilities.len()),
            });
        }
        let k = probabilities.len() / n;
        let mut ids = Vec::with_capacity(n);
        for (i, r) in records.iter().enumerate() {
            let row = probabilities.get(i * k..(i + 1) * k).unwrap_or_default();
            ids.push(self.observe(now_ms, r, row, latency_ms));
        }
        Ok(ids)
    }

    /// Records a failed prediction by error code (e.g. `E_FEATURE_INVALID`).
    pub fn observe_error(&mut self, code: &str, now_ms: f64) {
        self.count_error(code, now_ms);
        self.tick(now_ms);
    }

    fn count_error(&mut self, code: &str, now_ms: f64) {
        self.touch(now_ms);
        count_error(&mut self.state.errors, code, 1, MAX_ERROR_CODES);
        let k = self.state.labels.len();
        if let Some(w) = self
            .state
            .windows
            .at(now_ms, &self.reference, &self.config, k, true)
        {
            count_error(&mut w.errors, code, 1, WINDOW_ERROR_CODES);
        }
    }

    /// The prefix of the prediction ids this monitor issues.
    pub fn id_salt(&self) -> &str {
        &self.state.salt
    }

    /// Issued prediction ids so far.
    pub fn issued(&self) -> u64 {
        self.state.next_seq
    }

    pub(crate) fn latency_sketch(&self) -> &DdSketch {
        &self.state.latency
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FeatureSpec, RawValue};

    fn setup() -> Monitor {
        let spec = FeatureSpec::from_json(
            r#"{"schema":"mlcycle.features/1","fields":[{"name":"x","type":"number"},{"name":"c","type":"string"}],"outputs":["x"]}"#,
        )
        .unwrap();
        let recs: Vec<Record> = (0..200)
            .map(|i| {
                Record::new().with("x", RawValue::Number(i as f64)).with(
                    "c",
                    RawValue::String(if i % 2 == 0 { "a" } else { "b" }.into()),
                )
            })
            .collect();
        let p = ReferenceProfile::build(&spec, &recs, &Default::default())
            .unwrap()
            .with_predictions(&["n".into(), "y".into()], &[0.2, 0.8, 0.9, 0.1])
            .unwrap();
        let config = MonitorConfig {
            accuracy: Some(super::super::config::AccuracyThreshold {
                warn: 0.9,
                alert: 0.8,
            }),
            min_labeled: 10,
            evaluate_every: 10,
            feedback_window: 8,
            ..MonitorConfig::default()
        };
        Monitor::new(p, config, "s").unwrap()
    }

    #[test]
    fn hysteresis() {
        let t = Threshold::psi_default();
        assert_eq!(step(Level::Ok, 0.3, &t, 0.9), Level::Alert);
        assert_eq!(step(Level::Alert, 0.12, &t, 0.9), Level::Alert);
        assert_eq!(step(Level::Alert, 0.095, &t, 0.9), Level::Warn);
        assert_eq!(step(Level::Alert, 0.05, &t, 0.9), Level::Ok);
        assert_eq!(step(Level::Warn, 0.095, &t, 0.9), Level::Warn);
        assert_eq!(step(Level::Ok, 0.095, &t, 0.9), Level::Ok);
    }

    #[test]
    fn feedback_outcomes_and_accuracy_alert() {
        let mut m = setup();
        let r = Record::new().with("x", RawValue::Number(3.0));
        let mut ids = Vec::new();
        for i in 0..20 {
            ids.push(m.observe(i as f64, &r, &[0.3, 0.7], 0.02));
        }
        assert_eq!(m.feedback(&ids[0], "y", 21.0), FeedbackOutcome::Late);
        assert_eq!(m.feedback("other-3", "y", 21.0), FeedbackOutcome::Unmatched);
        assert_eq!(m.feedback("s-99", "y", 21.0), FeedbackOutcome::Unmatched);
        assert_eq!(
            m.feedback(&ids[19], "zzz", 21.0),
            FeedbackOutcome::UnknownLabel
        );
        assert_eq!(m.feedback(&ids[19], "n", 21.0), FeedbackOutcome::Matched);
        assert_eq!(m.feedback(&ids[19], "n", 21.0), FeedbackOutcome::Duplicate);
        for id in &ids[12..19] {
            assert_eq!(m.feedback(id, "n", 22.0), FeedbackOutcome::Matched);
        }
        // Restored monitors still join feedback.
        let mut back = Monitor::restore(&m.snapshot().unwrap()).unwrap();
        assert_eq!(back.report(), m.report());
        let more: Vec<String> = (0..8)
            .map(|i| back.observe(30.0 + i as f64, &r, &[0.3, 0.7], 0.02))
            .collect();
        for id in &more {
            back.feedback(id, "n", 40.0);
        }
        back.evaluate(41.0);
        let rep = back.report();
        assert_eq!(rep.feedback.labeled, 16);
        assert_eq!(rep.feedback.accuracy, Some(0.0));
        assert!(rep.alerts.retraining_recommended, "{:?}", rep.alerts);
        let ev = back.drain_events();
        assert!(
            ev.iter()
                .any(|e| e.signal == "accuracy" && e.to == Level::Alert),
            "{ev:?}"
        );
        assert!(ev.iter().any(|e| e.signal == "retraining"));
    }

    #[test]
    fn refuses_unknown_snapshot_versions() {
        let m = setup();
        let s = m
            .snapshot()
            .unwrap()
            .replace("mlcycle.monitor/1", "mlcycle.monitor/9");
        assert_eq!(Monitor::restore(&s).unwrap_err().code(), "E_SNAPSHOT");
        assert_eq!(Monitor::restore("{}").unwrap_err().code(), "E_SNAPSHOT");
        assert_eq!(Monitor::restore("nope").unwrap_err().code(), "E_SNAPSHOT");
    }

    #[test]
    fn error_rate_alert() {
        let mut m = setup();
        let r = Record::new();
        for i in 0..100 {
            m.observe(i as f64, &r, &[], 1.0);
            if i % 5 == 0 {
                m.observe_error("E_INFERENCE", i as f64);
            }
        }
        m.evaluate(200.0);
        assert_eq!(m.level_of("errorRate"), Level::Alert);
        assert!(m.retraining_recommended());
        assert_eq!(m.report().telemetry.errors.get("E_INFERENCE"), Some(&20));
    }
}
