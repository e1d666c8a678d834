//! Monitoring on the device: every prediction updates small, bounded, mergeable summaries —
//! latency (DDSketch), errors by code, predicted classes, confidence, per-field missing/invalid
//! rates and drift counts against the training data's [`ReferenceProfile`], and accuracy once
//! feedback labels arrive — that never hold raw records. Signals (per-feature drift, predicted-
//! class drift, accuracy, error rate) move between ok / warn / alert with hysteresis and raise
//! events and a retraining recommendation. State snapshots to versioned JSON, merges across
//! devices, and exports as a JSON report or OTLP/JSON metrics. Host-agnostic: time comes in as
//! `now_ms`. See docs/monitoring.md.
//!
//! ```
//! use mlcycle::features::{FeatureSpec, RawValue, Record};
//! use mlcycle::monitor::{Monitor, MonitorConfig, ProfileOptions, ReferenceProfile};
//! let spec = FeatureSpec::from_json(r#"{"schema":"mlcycle.features/1",
//!   "fields":[{"name":"x","type":"number"}],"outputs":["x"]}"#).unwrap();
//! let train: Vec<Record> = (0..100).map(|i| Record::new().with("x", RawValue::Number(i as f64))).collect();
//! let reference = ReferenceProfile::build(&spec, &train, &ProfileOptions::default()).unwrap();
//! let mut m = Monitor::new(reference, MonitorConfig::default(), "device1").unwrap();
//! let id = m.observe(0.0, &Record::new().with("x", RawValue::Number(5.0)), &[0.2, 0.8], 0.015);
//! assert_eq!(id, "device1-0");
//! let report = m.report();
//! assert_eq!(report.telemetry.predictions, 1);
//! ```

mod config;
mod drift;
mod fleet;
#[allow(clippy::module_inception)]
mod monitor;
mod otlp;
mod otlp_protobuf;
pub mod outbox;
mod profile;
mod report;
pub mod sketch;
pub mod stats;
mod windows;

pub use config::{AccuracyThreshold, DriftMetric, DriftThresholds, MonitorConfig, Threshold};
pub use fleet::{
    fleet_report, fleet_report_window, merge_named, merge_snapshots, report_of, report_of_window,
    FleetReport, FleetWindow,
};
pub use monitor::{
    step, AlertEvent, AlertsReport, BatchObserver, ClassCount, DriftCounter, DriftReport,
    DriftSection, FeatureDrift, FeedbackOutcome, FeedbackReport, FieldQuality, LatencySummary,
    Level, Monitor, MonitorReport, PredictionDrift, Scope, SignalReport, Status, Telemetry, Window,
    WindowReport, WindowsReport, MAX_ERROR_CODES, SNAPSHOT_FORMAT,
};
pub use otlp::{OtlpResource, DURATION_SCALE};
pub use profile::{
    CategoricalProfile, FieldKind, FieldProfile, NumericProfile, PredictionProfile, ProfileOptions,
    QuantilePoint, ReferenceProfile, CONFIDENCE_EDGES, PROFILE_QUANTILES, REFERENCE_FORMAT,
};
pub use sketch::DdSketch;
pub use windows::{window_bytes_bound, MAX_WINDOWS, WINDOW_ERROR_CODES, WINDOW_LATENCY_BUCKETS};
