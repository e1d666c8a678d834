//! A fleet's view of one model version: the monitor snapshots of N devices merged into one
//! summary and reported like `mlcycle drift` (per-feature PSI, JS distance, KS, χ² p-value and a
//! fresh status), with the fleet's class mix, feedback accuracy and latency quantiles.
//!
//! Exact by construction: a monitor keeps counts per reference bin and category and a DDSketch
//! of latencies, and merging adds them, so the fleet's drift statistics are those of the pooled
//! rows (tests/monitor_fleet.rs checks 1,000 devices against the pooled computation) and its
//! latency quantiles are within the sketch's relative accuracy.

use super::monitor::{ClassCount, DriftReport, FeedbackReport, LatencySummary, Monitor, Window};
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

/// The fleet report of merged snapshots.
pub fn fleet_report<'a>(snapshots: impl IntoIterator<Item = &'a str>) -> Result<FleetReport> {
    let mut devices = 0usize;
    let fleet = merge_snapshots(snapshots.into_iter().inspect(|_| devices += 1))?;
    Ok(report_of(&fleet, devices))
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
    }
}
