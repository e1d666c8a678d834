//! A fleet's view of one model version: the monitor snapshots of N devices merged into one
//! summary and reported like `mlcycle drift` (per-feature PSI, JS distance, KS, χ² p-value and a
//! fresh status), with the fleet's class mix, feedback accuracy and latency quantiles.
//!
//! Exact by construction: a monitor keeps counts per reference bin and category and a DDSketch
//! of latencies, and merging adds them, so the fleet's drift statistics are those of the pooled
//! rows (tests/monitor/fleet.rs checks 1,000 devices against the pooled computation) and its
//! latency quantiles are within the sketch's relative accuracy.

use super::monitor::{
    ClassCount, DriftReport, FeedbackReport, LatencySummary, Monitor, Window, WindowReport,
};
use super::PredictionDrift;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The merged summary of a fleet (`mlcycle fleet merge`, JS `Monitor.fleetReport`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetReport {
    /// Snapshots merged.
    pub devices: usize,
    /// Model name (config), when the snapshots name it.
    pub model: Option<String>,
    /// Model version (config).
    pub version: Option<String>,
    /// Feature version of the reference.
    pub feature_version: Option<String>,
    /// Data time window over the fleet.
    pub window: Window,
    /// Per-feature drift of the pooled rows (the `mlcycle drift` shape: `features`,
    /// `driftedShare`, `rows`), statuses fresh (no hysteresis).
    #[serde(flatten)]
    pub drift: DriftReport,
    /// Predicted-class drift, when the reference has predictions.
    pub predictions: Option<PredictionDrift>,
    /// Predicted classes over the fleet.
    pub classes: Vec<ClassCount>,
    /// Delayed labels over the fleet (accuracy from feedback).
    pub feedback: FeedbackReport,
    /// Latency quantiles over the fleet (DDSketch: within its relative accuracy).
    pub latency_ms: LatencySummary,
    /// Errors by code over the fleet.
    pub errors: BTreeMap<String, u64>,
    /// Window length of the snapshots (ms).
    pub window_ms: f64,
    /// Start of the window this report describes; `null`: the running total.
    pub selected_window_ms: Option<f64>,
    /// The fleet's windows aligned by start, oldest first, each with the drift of the pooled
    /// rows of that window (fresh statuses).
    pub windows: Vec<WindowReport>,
}

/// What a fleet report describes (`mlcycle fleet merge --window`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FleetWindow {
    /// Everything the devices observed (the running totals merged).
    Total,
    /// The latest window that is complete on the fleet's clock (the latest device time).
    Latest,
    /// The window starting at this time (ms since the epoch).
    Start(f64),
}

impl std::str::FromStr for FleetWindow {
    type Err = Error;
    /// `total`, `latest`, or a window start in ms since the epoch.
    fn from_str(s: &str) -> Result<FleetWindow> {
        match s {
            "total" => Ok(FleetWindow::Total),
            "latest" => Ok(FleetWindow::Latest),
            _ => s
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(FleetWindow::Start)
                .ok_or_else(|| {
                    Error::invalid_argument(
                        "window",
                        format!("`{s}` is not `total`, `latest` or a window start in epoch ms"),
                    )
                }),
        }
    }
}

/// Restores and merges monitor snapshots (JSON text, one per device). They must share the
/// reference profile, the labels and, where named, the model and version; the first one that
/// does not is an error naming its position.
pub fn merge_snapshots<'a>(snapshots: impl IntoIterator<Item = &'a str>) -> Result<Monitor> {
    merge_named(snapshots.into_iter().enumerate())
}

/// [`merge_snapshots`] of `(name, text)` pairs: an error names the snapshot by its name (a
/// position, a file path).
pub fn merge_named<'a, N: std::fmt::Display>(
    snapshots: impl IntoIterator<Item = (N, &'a str)>,
) -> Result<Monitor> {
    let mut fleet: Option<Monitor> = None;
    for (name, text) in snapshots {
        let at = |e: Error| Error::Snapshot {
            reason: format!("snapshot {name}: {e}"),
        };
        let m = Monitor::restore(text).map_err(at)?;
        match &mut fleet {
            None => fleet = Some(m),
            Some(f) => {
                let (a, b) = (f.config(), m.config());
                let differ =
                    |x: &Option<String>, y: &Option<String>| x.is_some() && y.is_some() && x != y;
                if differ(&a.model, &b.model) || differ(&a.version, &b.version) {
                    return Err(at(Error::invalid_argument(
                        "snapshots",
                        format!(
                            "model {:?} {:?} is not the fleet's {:?} {:?}",
                            b.model, b.version, a.model, a.version
                        ),
                    )));
                }
                f.merge(&m).map_err(at)?;
            }
        }
    }
    fleet.ok_or_else(|| Error::invalid_argument("snapshots", "no snapshot to merge"))
}

/// The fleet report of merged snapshots (their running totals).
pub fn fleet_report<'a>(snapshots: impl IntoIterator<Item = &'a str>) -> Result<FleetReport> {
    fleet_report_window(snapshots, FleetWindow::Total)
}

/// The fleet report of merged snapshots for one window (or the total).
pub fn fleet_report_window<'a>(
    snapshots: impl IntoIterator<Item = &'a str>,
    window: FleetWindow,
) -> Result<FleetReport> {
    let mut devices = 0usize;
    let fleet = merge_snapshots(snapshots.into_iter().inspect(|_| devices += 1))?;
    report_of_window(&fleet, devices, window)
}

/// [`report_of`] for one window: its drift, class mix, feedback (labels joined during it; no
/// confusion matrix) and latency. A window the fleet does not have is `E_INVALID_ARGUMENT`.
pub fn report_of_window(
    fleet: &Monitor,
    devices: usize,
    window: FleetWindow,
) -> Result<FleetReport> {
    let mut total = report_of(fleet, devices);
    let start = match window {
        FleetWindow::Total => return Ok(total),
        FleetWindow::Latest => total
            .windows
            .iter()
            .rev()
            .find(|w| w.complete)
            .map(|w| w.start_ms)
            .ok_or_else(|| {
                Error::invalid_argument("window", "the fleet has no complete window yet")
            })?,
        FleetWindow::Start(s) => s,
    };
    let Some(w) = total.windows.iter().find(|w| w.start_ms == start).cloned() else {
        let have: Vec<String> = total
            .windows
            .iter()
            .map(|w| format!("{}", w.start_ms))
            .collect();
        return Err(Error::invalid_argument(
            "window",
            format!(
                "no window starts at {start} (the fleet has {})",
                if have.is_empty() {
                    "none".to_string()
                } else {
                    have.join(", ")
                }
            ),
        ));
    };
    total.classes = total
        .classes
        .iter()
        .zip(&w.class_counts)
        .map(|(c, n)| ClassCount {
            count: *n,
            ..c.clone()
        })
        .collect();
    total.feedback = FeedbackReport {
        labeled: w.labeled,
        correct: w.correct,
        accuracy: w.accuracy,
        late: 0,
        unmatched: 0,
        duplicate: 0,
        unknown_label: 0,
        labels: total.feedback.labels,
        confusion: Vec::new(),
    };
    total.window = Window {
        first_ms: Some(w.start_ms),
        last_ms: Some(w.end_ms),
    };
    total.drift = DriftReport {
        features: w.features,
        drifted_share: w.drifted_share,
        rows: w.predictions,
    };
    total.predictions = w.prediction_drift;
    total.latency_ms = w.latency_ms;
    total.errors = w.errors;
    total.selected_window_ms = Some(start);
    Ok(total)
}

/// The fleet report of an already merged monitor of `devices` snapshots.
pub fn report_of(fleet: &Monitor, devices: usize) -> FleetReport {
    let r = fleet.report();
    FleetReport {
        devices,
        model: r.model,
        version: r.version,
        feature_version: r.feature_version,
        window: r.window,
        drift: fleet.drift_report(),
        predictions: r.drift.predictions,
        classes: r.telemetry.classes,
        feedback: r.feedback,
        latency_ms: r.telemetry.latency_ms,
        errors: r.telemetry.errors,
        window_ms: r.windows.window_ms,
        selected_window_ms: None,
        windows: r.windows.items,
    }
}
