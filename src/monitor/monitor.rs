//! The on-device [`Monitor`]: per-prediction summaries (telemetry, drift counts, feedback),
//! alert states with hysteresis, snapshot/restore and merge. See docs/monitoring.md.

mod batch;

pub use batch::BatchObserver;

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

/// State of a signal.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Within thresholds.
    #[default]
    Ok,
    /// At or above the warn threshold.
    Warn,
    /// At or above the alert threshold.
    Alert,
}

/// Status of a feature in a report: its level, or `pending` before `minSamples`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Within thresholds.
    Ok,
    /// Warn.
    Warn,
    /// Alert.
    Alert,
    /// Not enough samples to judge.
    Pending,
}

impl From<Level> for Status {
    fn from(l: Level) -> Status {
        match l {
            Level::Ok => Status::Ok,
            Level::Warn => Status::Warn,
            Level::Alert => Status::Alert,
        }
    }
}

/// The hysteresis step of a "higher is worse" signal (docs/monitoring.md, "Alerts").
pub fn step(level: Level, v: f64, t: &Threshold, clear_ratio: f64) -> Level {
    let clear = t.warn * clear_ratio;
    match level {
        Level::Ok if v >= t.alert => Level::Alert,
        Level::Ok if v >= t.warn => Level::Warn,
        Level::Ok => Level::Ok,
        Level::Warn if v >= t.alert => Level::Alert,
        Level::Warn if v < clear => Level::Ok,
        Level::Warn => Level::Warn,
        Level::Alert if v >= t.warn => Level::Alert,
        Level::Alert if v < clear => Level::Ok,
        Level::Alert => Level::Warn,
    }
}

/// What a signal level is judged on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Everything observed since the monitor started (the running total).
    #[default]
    Total,
    /// The latest complete tumbling window.
    Window,
}

/// An alert-state transition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertEvent {
    /// `drift:<field>`, `predictionDrift`, `accuracy`, `errorRate` or `retraining`.
    pub signal: String,
    /// Previous level.
    pub from: Level,
    /// New level.
    pub to: Level,
    /// The value judged (accuracy for `accuracy`, drifted share for `retraining`).
    pub value: Option<f64>,
    /// The warn threshold in force.
    pub warn: Option<f64>,
    /// The alert threshold in force.
    pub alert: Option<f64>,
    /// `now_ms` of the evaluation.
    pub at_ms: f64,
    /// Judged on the running total or on the latest complete window.
    #[serde(default)]
    pub scope: Scope,
    /// Start of the judged window (`window` scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_start_ms: Option<f64>,
}

/// What became of a feedback label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FeedbackOutcome {
    /// Joined; counted in accuracy and the confusion matrix.
    Matched,
    /// A valid id of this monitor whose prediction left the feedback window.
    Late,
    /// Not an id this monitor issued (other session, malformed, future).
    Unmatched,
    /// The prediction already received feedback.
    Duplicate,
    /// The label is not one of the model's classes.
    UnknownLabel,
}

impl FeedbackOutcome {
    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackOutcome::Matched => "matched",
            FeedbackOutcome::Late => "late",
            FeedbackOutcome::Unmatched => "unmatched",
            FeedbackOutcome::Duplicate => "duplicate",
            FeedbackOutcome::UnknownLabel => "unknownLabel",
        }
    }
}

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

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot {
    format: String,
    reference: ReferenceProfile,
    config: MonitorConfig,
    state: State,
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

fn signal_names(reference: &ReferenceProfile, config: &MonitorConfig) -> Vec<SignalState> {
    let mut v: Vec<SignalState> = reference
        .fields
        .iter()
        .filter(|f| f.kind != FieldKind::Timestamp)
        .map(|f| SignalState {
            name: format!("drift:{}", f.name),
            level: Level::Ok,
        })
        .collect();
    if reference.predictions.is_some() {
        v.push(SignalState {
            name: "predictionDrift".into(),
            level: Level::Ok,
        });
    }
    if config.accuracy.is_some() {
        v.push(SignalState {
            name: "accuracy".into(),
            level: Level::Ok,
        });
    }
    v.push(SignalState {
        name: "errorRate".into(),
        level: Level::Ok,
    });
    v
}

fn signal_reports(signals: &[SignalState]) -> Vec<SignalReport> {
    signals
        .iter()
        .map(|x| SignalReport {
            name: x.name.clone(),
            level: x.level,
        })
        .collect()
}

fn level_in(signals: &[SignalState], name: &str) -> Level {
    signals
        .iter()
        .find(|s| s.name == name)
        .map_or(Level::Ok, |s| s.level)
}

/// One signal's judgement on one summary (see `Monitor::judgements`).
struct Judgement {
    name: String,
    /// Compared with `t` ("higher is worse").
    judged: f64,
    /// Reported in the event (accuracy itself for `accuracy`).
    value: f64,
    t: Threshold,
    /// The thresholds as the user configured them.
    shown: (f64, f64),
}

fn snap_err(reason: impl Into<String>) -> Error {
    Error::Snapshot {
        reason: reason.into(),
    }
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

    fn class_index(&self, label: &str) -> Option<usize> {
        self.state
            .labels
            .iter()
            .position(|l| l == label)
            .or_else(|| {
                label
                    .parse::<usize>()
                    .ok()
                    .filter(|i| *i < self.state.labels.len())
            })
    }

    /// Joins a delayed true label to a prediction id issued by [`Monitor::observe`].
    pub fn feedback(
        &mut self,
        prediction_id: &str,
        true_label: &str,
        now_ms: f64,
    ) -> FeedbackOutcome {
        let outcome = self.feedback_inner(prediction_id, true_label, now_ms);
        self.state.windows.tick(now_ms);
        let fb = &mut self.state.feedback;
        match outcome {
            FeedbackOutcome::Matched => {}
            FeedbackOutcome::Late => fb.late += 1,
            FeedbackOutcome::Unmatched => fb.unmatched += 1,
            FeedbackOutcome::Duplicate => fb.duplicate += 1,
            FeedbackOutcome::UnknownLabel => fb.unknown_label += 1,
        }
        self.tick(now_ms);
        outcome
    }

    fn feedback_inner(&mut self, id: &str, label: &str, now_ms: f64) -> FeedbackOutcome {
        let Some((salt, n)) = id.rsplit_once('-') else {
            return FeedbackOutcome::Unmatched;
        };
        let Ok(seq) = n.parse::<u64>() else {
            return FeedbackOutcome::Unmatched;
        };
        if salt != self.state.salt || seq >= self.state.next_seq {
            return FeedbackOutcome::Unmatched;
        }
        let cap = self.ring.len() as u64;
        let idx = (seq % cap.max(1)) as usize;
        let Some(&(slot_seq, class)) = self.ring.get(idx) else {
            return FeedbackOutcome::Unmatched;
        };
        if slot_seq != seq {
            return FeedbackOutcome::Late;
        }
        if class == CONSUMED {
            return FeedbackOutcome::Duplicate;
        }
        if class == NO_CLASS {
            return FeedbackOutcome::Unmatched;
        }
        let Some(truth) = self.class_index(label) else {
            return FeedbackOutcome::UnknownLabel;
        };
        let k = self.state.labels.len();
        let right = truth == class as usize;
        // Counted in the window the label arrives in (labels come late; docs/monitoring.md).
        if let Some(w) = self
            .state
            .windows
            .at(now_ms, &self.reference, &self.config, k, false)
        {
            w.labeled += 1;
            w.correct += u64::from(right);
        }
        let fb = &mut self.state.feedback;
        fb.labeled += 1;
        if right {
            fb.correct += 1;
        }
        if let Some(c) = fb.confusion.get_mut(truth * k + class as usize) {
            *c += 1;
        }
        if let Some(slot) = self.ring.get_mut(idx) {
            slot.1 = CONSUMED;
        }
        FeedbackOutcome::Matched
    }

    /// Drift of everything observed, with fresh levels (no hysteresis): what
    /// [`DriftReport::compute`] gives on the same records, and what a fleet merge reports.
    pub fn drift_report(&self) -> DriftReport {
        let features = self.feature_drifts();
        DriftReport {
            drifted_share: drifted_share(&features),
            features,
            rows: self.state.predictions,
        }
    }

    fn feature_drifts(&self) -> Vec<FeatureDrift> {
        self.drifts_of(&self.total_view())
    }

    /// The running total's counts.
    fn total_view(&self) -> CountsView<'_> {
        let s = &self.state;
        CountsView {
            predictions: s.predictions,
            errors: &s.errors,
            class_counts: &s.class_counts,
            confidence_counts: &s.confidence_counts,
            fields: &s.fields,
            labeled: s.feedback.labeled,
            correct: s.feedback.correct,
        }
    }

    fn drifts_of(&self, v: &CountsView<'_>) -> Vec<FeatureDrift> {
        feature_drifts(&self.reference, v.fields, &self.config)
    }

    /// (class PSI, class JS distance, confidence PSI, predictions with a class) of a summary.
    #[allow(clippy::type_complexity)]
    fn prediction_drift_of(
        &self,
        v: &CountsView<'_>,
    ) -> Option<(Option<f64>, Option<f64>, Option<f64>, u64)> {
        let p = self.reference.predictions.as_ref()?;
        let n: u64 = saturating_sum(v.class_counts);
        if p.labels != self.state.labels || n == 0 {
            return Some((None, None, None, n));
        }
        let cur = shares(v.class_counts);
        let conf = shares(v.confidence_counts);
        Some((
            Some(psi(&p.class_shares, &cur)),
            js_distance(&p.class_shares, &cur),
            Some(psi(&p.confidence_shares, &conf)),
            n,
        ))
    }

    /// [`PredictionDrift`] of a summary; `status` is the fresh level unless `level` is given.
    fn prediction_drift_report(
        &self,
        v: &CountsView<'_>,
        level: Option<Level>,
    ) -> Option<PredictionDrift> {
        self.prediction_drift_of(v)
            .map(|(psi, js, cpsi, n)| PredictionDrift {
                class_psi: psi,
                class_js_distance: js,
                confidence_psi: cpsi,
                warn: self.config.drift.predictions.warn,
                alert: self.config.drift.predictions.alert,
                status: if n < self.config.min_samples.max(1) {
                    Status::Pending
                } else {
                    level
                        .or_else(|| {
                            psi.map(|v| {
                                step(
                                    Level::Ok,
                                    v,
                                    &self.config.drift.predictions,
                                    self.config.clear_ratio,
                                )
                            })
                        })
                        .unwrap_or_default()
                        .into()
                },
            })
    }

    fn error_rate(&self) -> Option<f64> {
        self.total_view().error_rate()
    }

    fn accuracy(&self) -> Option<f64> {
        self.total_view().accuracy()
    }

    fn level_of(&self, name: &str) -> Level {
        level_in(&self.state.signals, name)
    }

    /// What every signal would be judged on for one summary (the running total or a window):
    /// the signals with enough samples, each with the value compared ("higher is worse"), the
    /// value reported and the thresholds in force.
    fn judgements(&self, v: &CountsView<'_>) -> Vec<Judgement> {
        let mut out = Vec::new();
        let min = self.config.min_samples.max(1);
        for d in self.drifts_of(v) {
            if d.count < min {
                continue;
            }
            if let Some(x) = d.judged_value() {
                let t = self.config.threshold_for(&d.name).clone();
                out.push(Judgement {
                    name: format!("drift:{}", d.name),
                    judged: x,
                    value: x,
                    shown: (t.warn, t.alert),
                    t,
                });
            }
        }
        if let Some((Some(x), _, _, n)) = self.prediction_drift_of(v) {
            if n >= min {
                let t = self.config.drift.predictions.clone();
                out.push(Judgement {
                    name: "predictionDrift".into(),
                    judged: x,
                    value: x,
                    shown: (t.warn, t.alert),
                    t,
                });
            }
        }
        if let (Some(a), Some(acc)) = (&self.config.accuracy, v.accuracy()) {
            if v.labeled >= self.config.min_labeled.max(1) {
                // Judged as the error share 1 − accuracy ("higher is worse").
                out.push(Judgement {
                    name: "accuracy".into(),
                    judged: 1.0 - acc,
                    value: acc,
                    t: Threshold {
                        metric: DriftMetric::Psi,
                        warn: 1.0 - a.warn,
                        alert: 1.0 - a.alert,
                    },
                    shown: (a.warn, a.alert),
                });
            }
        }
        if let Some(rate) = v.error_rate() {
            if v.calls() >= self.config.min_calls.max(1) {
                let t = self.config.error_rate.clone();
                out.push(Judgement {
                    name: "errorRate".into(),
                    judged: rate,
                    value: rate,
                    shown: (t.warn, t.alert),
                    t,
                });
            }
        }
        out
    }

    /// The levels of one scope.
    fn signals_mut(&mut self, scope: Scope) -> &mut Vec<SignalState> {
        match scope {
            Scope::Total => &mut self.state.signals,
            Scope::Window => &mut self.state.windows.signals,
        }
    }

    /// Moves signal `i` of `scope` to `to` (judged by `j`, or reset without a judgement); a
    /// change is an event. Window events name the window the levels are judged on.
    fn transition(
        &mut self,
        scope: Scope,
        i: usize,
        to: Level,
        j: Option<&Judgement>,
        now_ms: f64,
    ) {
        let window_start_ms = match scope {
            Scope::Total => None,
            Scope::Window => self.state.windows.judged_start_ms,
        };
        let Some(s) = self.signals_mut(scope).get_mut(i) else {
            return;
        };
        if s.level == to {
            return;
        }
        let ev = AlertEvent {
            signal: s.name.clone(),
            from: s.level,
            to,
            value: j.map(|j| j.value),
            warn: j.map(|j| j.shown.0),
            alert: j.map(|j| j.shown.1),
            at_ms: now_ms,
            scope,
            window_start_ms,
        };
        s.level = to;
        self.push_event(ev);
    }

    /// Steps the signals of one scope by its judgements.
    fn apply(&mut self, scope: Scope, judged: &[Judgement], now_ms: f64) {
        let clear = self.config.clear_ratio;
        for j in judged {
            let Some((i, level)) = self
                .signals_mut(scope)
                .iter()
                .enumerate()
                .find(|(_, s)| s.name == j.name)
                .map(|(i, s)| (i, s.level))
            else {
                continue;
            };
            let to = step(level, j.judged, &j.t, clear);
            self.transition(scope, i, to, Some(j), now_ms);
        }
    }

    fn push_event(&mut self, ev: AlertEvent) {
        let cap = self.config.history_size;
        if cap == 0 {
            return;
        }
        self.state.history.push_back(ev.clone());
        while self.state.history.len() > cap {
            self.state.history.pop_front();
        }
        self.events.push_back(ev);
        while self.events.len() > cap {
            self.events.pop_front();
        }
    }

    /// The retraining rule on one scope's levels: (reasons, share of features alerting).
    fn retrain_reasons(
        &self,
        signals: &[SignalState],
        v: &CountsView<'_>,
        scope: &str,
    ) -> (Vec<String>, f64) {
        let tracked = signals
            .iter()
            .filter(|s| s.name.starts_with("drift:"))
            .count();
        let alerting: Vec<&str> = signals
            .iter()
            .filter(|s| s.name.starts_with("drift:") && s.level == Level::Alert)
            .map(|s| s.name.trim_start_matches("drift:"))
            .collect();
        let share = if tracked == 0 {
            0.0
        } else {
            alerting.len() as f64 / tracked as f64
        };
        let mut reasons = Vec::new();
        if !alerting.is_empty() && share >= self.config.retrain_drift_share {
            reasons.push(format!(
                "{scope}drift: {} of {} features alerting ({}), share {:.3} >= {}",
                alerting.len(),
                tracked,
                alerting.join(", "),
                share,
                self.config.retrain_drift_share
            ));
        }
        if level_in(signals, "accuracy") == Level::Alert {
            if let (Some(acc), Some(a)) = (v.accuracy(), &self.config.accuracy) {
                reasons.push(format!("{scope}accuracy {acc:.4} <= minimum {}", a.alert));
            }
        }
        if level_in(signals, "errorRate") == Level::Alert {
            reasons.push(format!(
                "{scope}error rate {:.4} >= {}",
                v.error_rate().unwrap_or(0.0),
                self.config.error_rate.alert
            ));
        }
        (reasons, share)
    }

    /// Re-judges every signal now (also done every `evaluateEvery` calls): the running total's
    /// levels, and the window levels on the latest complete window. Transitions are queued for
    /// [`Monitor::drain_events`] and kept in the history.
    pub fn evaluate(&mut self, now_ms: f64) {
        self.state.since_eval = 0;
        self.state.windows.tick(now_ms);
        let judged = self.judgements(&self.total_view());
        self.apply(Scope::Total, &judged, now_ms);
        let latest = self
            .state
            .windows
            .latest_complete(&self.config)
            .map(|w| (w.start_ms, self.judgements(&w.view())));
        if let Some((start, judged)) = latest {
            let new_window = self.state.windows.judged_start_ms != Some(start);
            self.state.windows.judged_start_ms = Some(start);
            if new_window {
                // A level carries over (hysteresis) only for the signals this window has
                // enough samples to judge; the others start again from ok.
                let stale: Vec<usize> = self
                    .state
                    .windows
                    .signals
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| {
                        s.level != Level::Ok && !judged.iter().any(|j| j.name == s.name)
                    })
                    .map(|(i, _)| i)
                    .collect();
                for i in stale {
                    self.transition(Scope::Window, i, Level::Ok, None, now_ms);
                }
            }
            self.apply(Scope::Window, &judged, now_ms);
        }
        // Retraining: the rule on the running total, and on the latest complete window.
        let (mut reasons, share) =
            self.retrain_reasons(&self.state.signals, &self.total_view(), "");
        let mut shown_share = share;
        if let Some(w) = self.state.windows.latest_complete(&self.config) {
            let (more, wshare) = self.retrain_reasons(
                &self.state.windows.signals,
                &w.view(),
                &format!("window from {} ms: ", w.start_ms),
            );
            reasons.extend(more);
            shown_share = shown_share.max(wshare);
        }
        let recommended = !reasons.is_empty();
        if recommended != self.state.retraining.recommended {
            let level = |b: bool| if b { Level::Alert } else { Level::Ok };
            self.push_event(AlertEvent {
                signal: "retraining".into(),
                from: level(self.state.retraining.recommended),
                to: level(recommended),
                value: Some(shown_share),
                warn: None,
                alert: None,
                at_ms: now_ms,
                scope: Scope::Total,
                window_start_ms: None,
            });
        }
        self.state.retraining = Retraining {
            recommended,
            reasons,
        };
    }

    /// Takes the transitions queued since the last call (bounded by `historySize`).
    pub fn drain_events(&mut self) -> Vec<AlertEvent> {
        self.events.drain(..).collect()
    }

    /// Whether retraining is recommended (as of the last evaluation).
    pub fn retraining_recommended(&self) -> bool {
        self.state.retraining.recommended
    }

    /// The report: plain serde data, a JS object at the wasm boundary.
    pub fn report(&self) -> MonitorReport {
        let s = &self.state;
        let lat = &s.latency;
        let rows = s.predictions;
        let rate = |n: u64| (rows > 0).then(|| n as f64 / rows as f64);
        let mut features = self.feature_drifts();
        for f in &mut features {
            if f.status != Status::Pending {
                f.status = self.level_of(&format!("drift:{}", f.name)).into();
            }
        }
        let ref_shares = self
            .reference
            .predictions
            .as_ref()
            .filter(|p| p.labels == s.labels)
            .map(|p| &p.class_shares);
        let predictions = self
            .prediction_drift_report(&self.total_view(), Some(self.level_of("predictionDrift")));
        let k = s.labels.len();
        MonitorReport {
            model: self.config.model.clone(),
            version: self.config.version.clone(),
            feature_version: self.reference.feature_version.clone(),
            window: Window {
                first_ms: s.first_ms,
                last_ms: s.last_ms,
            },
            telemetry: Telemetry {
                predictions: s.predictions,
                errors: s.errors.clone(),
                error_rate: self.error_rate(),
                shape_mismatches: s.shape_mismatches,
                latency_rejected: s.latency_rejected,
                latency_ms: LatencySummary::of(lat),
                latency_histogram: LatencyHistogram::of(lat),
                classes: s
                    .labels
                    .iter()
                    .zip(&s.class_counts)
                    .enumerate()
                    .map(|(i, (l, c))| ClassCount {
                        label: l.clone(),
                        count: *c,
                        reference_share: ref_shares.and_then(|r| r.get(i).copied()),
                    })
                    .collect(),
                confidence_edges: CONFIDENCE_EDGES.to_vec(),
                confidence_counts: s.confidence_counts.clone(),
                fields: self
                    .reference
                    .fields
                    .iter()
                    .zip(&s.fields)
                    .map(|(f, c)| FieldQuality {
                        name: f.name.clone(),
                        missing: c.missing,
                        invalid: c.invalid,
                        missing_rate: rate(c.missing),
                        invalid_rate: rate(c.invalid),
                        min: c.min,
                        max: c.max,
                    })
                    .collect(),
            },
            drift: DriftSection {
                drifted_share: drifted_share(&features),
                features,
                rows,
                predictions,
            },
            feedback: FeedbackReport {
                labeled: s.feedback.labeled,
                correct: s.feedback.correct,
                accuracy: self.accuracy(),
                late: s.feedback.late,
                unmatched: s.feedback.unmatched,
                duplicate: s.feedback.duplicate,
                unknown_label: s.feedback.unknown_label,
                labels: s.labels.clone(),
                confusion: (0..k)
                    .map(|r| {
                        s.feedback
                            .confusion
                            .get(r * k..(r + 1) * k)
                            .unwrap_or_default()
                            .to_vec()
                    })
                    .collect(),
            },
            alerts: AlertsReport {
                signals: s
                    .signals
                    .iter()
                    .map(|x| SignalReport {
                        name: x.name.clone(),
                        level: x.level,
                    })
                    .collect(),
                history: s.history.iter().cloned().collect(),
                retraining_recommended: s.retraining.recommended,
                reasons: s.retraining.reasons.clone(),
                rule: AlertRule {
                    retrain_drift_share: self.config.retrain_drift_share,
                    accuracy_alert: self.config.accuracy.as_ref().map(|a| a.alert),
                    min_labeled: self.config.min_labeled,
                    error_rate_alert: self.config.error_rate.alert,
                    min_calls: self.config.min_calls,
                    min_samples: self.config.min_samples,
                    clear_ratio: self.config.clear_ratio,
                },
            },
            windows: self.windows_report(),
        }
    }

    /// The windows section of the report.
    pub fn windows_report(&self) -> WindowsReport {
        let w = &self.state.windows;
        let len = self.config.window_ms as f64;
        WindowsReport {
            window_ms: len,
            capacity: self.config.windows,
            late: w.late,
            judged_start_ms: w.judged_start_ms,
            signals: signal_reports(&w.signals),
            items: w
                .items
                .iter()
                .map(|c| {
                    let v = c.view();
                    let features = self.drifts_of(&v);
                    WindowReport {
                        start_ms: c.start_ms,
                        end_ms: c.start_ms + len,
                        complete: w.is_complete(c, &self.config),
                        predictions: c.predictions,
                        errors: c.errors.clone(),
                        error_rate: v.error_rate(),
                        class_counts: c.class_counts.clone(),
                        confidence_counts: c.confidence_counts.clone(),
                        latency_ms: LatencySummary::of(&c.latency),
                        labeled: c.labeled,
                        correct: c.correct,
                        accuracy: v.accuracy(),
                        drifted_share: drifted_share(&features),
                        features,
                        prediction_drift: self.prediction_drift_report(&v, None),
                    }
                })
                .collect(),
        }
    }

    /// The report as JSON text.
    pub fn report_json(&self) -> Result<String> {
        serde_json::to_string(&self.report())
            .map_err(|e| Error::invalid_argument("report", e.to_string()))
    }

    /// Serializes the whole state (reference and config included) as versioned JSON
    /// (`format: "mlcycle.monitor/1"`).
    pub fn snapshot(&self) -> Result<String> {
        let mut state = self.state.clone();
        let cap = self.ring.len() as u64;
        let lo = self.state.next_seq.saturating_sub(cap);
        state.pending = (lo..self.state.next_seq)
            .filter_map(|seq| {
                self.ring
                    .get((seq % cap.max(1)) as usize)
                    .filter(|e| e.0 == seq && e.1 != NO_CLASS && e.1 != CONSUMED)
                    .copied()
            })
            .collect();
        serde_json::to_string(&Snapshot {
            format: SNAPSHOT_FORMAT.to_string(),
            reference: self.reference.clone(),
            config: self.config.clone(),
            state,
        })
        .map_err(|e| snap_err(e.to_string()))
    }

    /// Restores a [`Monitor::snapshot`]; unknown formats and inconsistent states are
    /// `E_SNAPSHOT`.
    pub fn restore(text: &str) -> Result<Monitor> {
        if text.len() > MAX_SNAPSHOT_BYTES {
            return Err(snap_err(format!(
                "{} bytes, over the {MAX_SNAPSHOT_BYTES} a monitor snapshot can take (its \
                 state is bounded: this is not one)",
                text.len()
            )));
        }
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| snap_err(format!("not JSON: {e}")))?;
        match v.get("format").and_then(|f| f.as_str()) {
            Some(SNAPSHOT_FORMAT) => {}
            Some(other) => {
                return Err(snap_err(format!(
                    "unknown snapshot format `{other}` (this build reads {SNAPSHOT_FORMAT})"
                )))
            }
            None => return Err(snap_err("no `format` member: not a monitor snapshot")),
        }
        let snap: Snapshot = serde_json::from_value(v).map_err(|e| snap_err(e.to_string()))?;
        let wrap = |e: Error| snap_err(e.to_string());
        let mut m = Monitor::new(snap.reference, snap.config, &snap.state.salt).map_err(wrap)?;
        let mut state = snap.state;
        state.latency.check().map_err(wrap)?;
        if state.latency.relative_accuracy() != m.config.latency_relative_accuracy {
            return Err(snap_err("latency sketch accuracy differs from the config"));
        }
        let k = state.labels.len();
        if k > m.config.max_classes
            || state.class_counts.len() != k
            || state.feedback.confusion.len() != k * k
            || state.confidence_counts.len() != CONFIDENCE_EDGES.len() + 1
        {
            return Err(snap_err("class counters do not match the labels"));
        }
        if !m.state.labels.is_empty() && m.state.labels != state.labels {
            return Err(snap_err("labels differ from the reference's"));
        }
        if state.fields.len() != m.state.fields.len()
            || state
                .fields
                .iter()
                .zip(&m.state.fields)
                .any(|(a, b)| a.counts.len() != b.counts.len())
        {
            return Err(snap_err("field counters do not match the reference"));
        }
        if state
            .signals
            .iter()
            .map(|s| &s.name)
            .ne(m.state.signals.iter().map(|s| &s.name))
        {
            return Err(snap_err("signals do not match the reference and config"));
        }
        if state.errors.len() > MAX_ERROR_CODES || state.history.len() > m.config.history_size {
            return Err(snap_err("error codes or history exceed their bounds"));
        }
        if state.windows.signals.is_empty() {
            // A snapshot of a build without windows.
            state.windows.signals = m.state.windows.signals.clone();
        } else if state.windows.signals.iter().map(|s| &s.name).ne(m
            .state
            .signals
            .iter()
            .map(|s| &s.name))
        {
            return Err(snap_err(
                "window signals do not match the reference and config",
            ));
        }
        state.windows.check(&m.reference, &m.config, k)?;
        let cap = m.ring.len() as u64;
        if state.pending.len() > m.ring.len() {
            return Err(snap_err(
                "more pending predictions than the feedback window",
            ));
        }
        for (seq, class) in std::mem::take(&mut state.pending) {
            if seq >= state.next_seq || seq + cap < state.next_seq || class as usize >= k {
                return Err(snap_err("pending prediction outside the feedback window"));
            }
            if let Some(slot) = m.ring.get_mut((seq % cap.max(1)) as usize) {
                *slot = (seq, class);
            }
        }
        m.state = state;
        Ok(m)
    }

    /// Merges another monitor of the same reference (another device, another session) into
    /// this one. Counts, sketches, histograms and drift counts add (associative and commutative);
    /// signal levels take the worse of the two; histories are merged by time and bounded. This
    /// monitor keeps its own id salt and pending feedback window.
    pub fn merge(&mut self, other: &Monitor) -> Result<()> {
        if self.reference != other.reference {
            return Err(Error::invalid_argument(
                "other",
                "monitors built from different reference profiles cannot be merged",
            ));
        }
        let (a, b) = (&self.state.labels, &other.state.labels);
        if !a.is_empty() && !b.is_empty() && a != b {
            return Err(Error::invalid_argument(
                "other",
                "monitors have different class labels",
            ));
        }
        if self.state.signals.iter().map(|s| &s.name).ne(other
            .state
            .signals
            .iter()
            .map(|s| &s.name))
        {
            return Err(Error::invalid_argument(
                "other",
                "monitors have different signals (config)",
            ));
        }
        if self.config.window_ms != other.config.window_ms
            || self.config.windows != other.config.windows
        {
            return Err(Error::invalid_argument(
                "other",
                "monitors have different windows (windowMs, windows)",
            ));
        }
        let mut latency = self.state.latency.clone();
        latency.merge(&other.state.latency)?;
        let mut windows = self.state.windows.clone();
        windows.merge(&other.state.windows, &self.config)?;
        self.state.windows = windows;
        let o = &other.state;
        let s = &mut self.state;
        s.latency = latency;
        if s.labels.is_empty() && !o.labels.is_empty() {
            s.labels = o.labels.clone();
            s.class_counts = vec![0; o.labels.len()];
            s.feedback.confusion = vec![0; o.labels.len() * o.labels.len()];
        }
        // Windows of a side that had no labels yet get their class counters.
        s.windows.adopt_labels(s.labels.len());
        s.predictions = s.predictions.saturating_add(o.predictions);
        for (code, n) in &o.errors {
            count_error(&mut s.errors, code, *n, MAX_ERROR_CODES);
        }
        s.shape_mismatches = s.shape_mismatches.saturating_add(o.shape_mismatches);
        s.latency_rejected = s.latency_rejected.saturating_add(o.latency_rejected);
        s.first_ms = min_opt(s.first_ms, o.first_ms);
        s.last_ms = max_opt(s.last_ms, o.last_ms);
        add_counts(&mut s.class_counts, &o.class_counts);
        add_counts(&mut s.confidence_counts, &o.confidence_counts);
        add_counts(&mut s.feedback.confusion, &o.feedback.confusion);
        for (x, y) in s.fields.iter_mut().zip(&o.fields) {
            x.merge(y);
        }
        let (f, g) = (&mut s.feedback, &o.feedback);
        f.labeled = f.labeled.saturating_add(g.labeled);
        f.correct = f.correct.saturating_add(g.correct);
        f.late = f.late.saturating_add(g.late);
        f.unmatched = f.unmatched.saturating_add(g.unmatched);
        f.duplicate = f.duplicate.saturating_add(g.duplicate);
        f.unknown_label = f.unknown_label.saturating_add(g.unknown_label);
        for (x, y) in s.signals.iter_mut().zip(&o.signals) {
            x.level = x.level.max(y.level);
        }
        let mut history: Vec<AlertEvent> = s.history.iter().chain(&o.history).cloned().collect();
        history.sort_by(|x, y| {
            x.at_ms
                .total_cmp(&y.at_ms)
                .then_with(|| x.signal.cmp(&y.signal))
                .then_with(|| x.from.cmp(&y.from))
                .then_with(|| x.to.cmp(&y.to))
        });
        let cap = self.config.history_size;
        let skip = history.len().saturating_sub(cap);
        s.history = history.into_iter().skip(skip).collect();
        s.retraining.recommended |= o.retraining.recommended;
        s.retraining
            .reasons
            .extend(o.retraining.reasons.iter().cloned());
        s.retraining.reasons.sort();
        s.retraining.reasons.dedup();
        Ok(())
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
