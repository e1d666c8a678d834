//! A deployment: the version of a model that serves one subject, with its pipeline, plus the
//! lifecycle around it — load and verify, smoke test, predict, refresh with hot-swap, and
//! automatic rollback (a new version that fails any check never replaces the serving one).
//!
//! Refresh is split in two so a JS host can keep predicting while it runs:
//! [`prepare_update`] is async and touches no deployment state (it returns a fully loaded,
//! smoke-tested candidate or an error), [`Deployment::commit`] swaps synchronously. Loading
//! itself (manifest admission, concurrent verified downloads, smoke test) is `loading.rs`.

use super::artifacts::ArtifactCache;
use super::freshness::{FreshnessPolicy, TrustStore};
use super::loading::{load_manifest, load_version, LoadedVersion};
use super::rollout::{resolve, Reason, ResolveRequest, Selection};
use crate::error::{Error, Result};
use crate::features::Record;
use crate::host::{Clock, Fetch};
use crate::inference::{argmax, ModelKind};
use crate::monitor::{
    AlertEvent, FeedbackOutcome, Monitor, MonitorConfig, MonitorReport, OtlpResource,
    ReferenceProfile,
};
use crate::validation::{validate, ValidateOptions, ValidationReport};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Where a deployment comes from and what it asks for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// URL (or path) of manifest.json.
    pub manifest_url: String,
    /// Model name in the manifest.
    pub model: String,
    /// Subject, pinned version or alias.
    #[serde(default)]
    pub request: ResolveRequest,
    /// Trusted Ed25519 public key (hex); when set, unsigned or badly signed manifests are refused.
    #[serde(default)]
    pub public_key: Option<String>,
    /// Escape hatches from the rollback/expiry checks (off by default).
    #[serde(default)]
    pub freshness: FreshnessPolicy,
}

/// One prediction, as returned to callers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PredictionOutput {
    /// Id to send feedback against.
    pub id: String,
    /// Winning class (classifiers).
    pub label: Option<String>,
    /// Class probabilities (classifiers) in label order.
    pub probabilities: Option<Vec<f32>>,
    /// Raw outputs (regressors and tensor models).
    pub values: Option<Vec<f32>>,
    /// Version that answered.
    pub version: String,
    /// Pipeline + inference time.
    pub latency_ms: f64,
}

/// What happened to the deployment, for status panels and tests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// (Fields are camelCase too, `atMs`, like every other object the API returns.)
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum DeploymentEvent {
    /// A version started serving.
    Deployed { version: String, at_ms: f64 },
    /// A newer resolution was loaded, tested and swapped in.
    Swapped {
        from: String,
        to: String,
        at_ms: f64,
    },
    /// A refresh failed; the serving version stayed (automatic rollback for a bad new version).
    RefreshFailed {
        serving: String,
        code: String,
        message: String,
        at_ms: f64,
    },
}

/// Status of a deployment as a plain object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentStatus {
    pub model: String,
    pub version: String,
    pub selection: Selection,
    pub labels: Vec<String>,
    pub feature_version: Option<String>,
    /// The artifact serving: `nnef` (precompiled) or `model` (ONNX).
    pub model_format: String,
    pub predictions: u64,
    pub failed_predictions: u64,
    pub events: Vec<DeploymentEvent>,
}

const MAX_EVENTS: usize = 64;

/// Monitors kept per deployment: the serving version's and a few previous ones, so feedback
/// for predictions made before a swap still joins.
const MAX_MONITORS: usize = 4;

/// The serving state.
#[derive(Debug)]
pub struct Deployment {
    target: Target,
    pub(super) current: LoadedVersion,
    pub(super) id_prefix: String,
    pub(super) counter: u64,
    pub(super) failed: u64,
    events: VecDeque<DeploymentEvent>,
    /// (version, monitor), serving version last. Empty when versions publish no reference.
    monitors: Vec<(String, Monitor)>,
    /// Who reports in OTLP exports (service, instance); alias and selection come from the
    /// serving version.
    otlp: OtlpResource,
}

/// A monitor for a loaded version, from its reference profile and the manifest's `monitoring`
/// settings; `None` when the version has no reference profile. Its ids are
/// `<prefix>.<version>-<n>`, so feedback finds its way back to the version that predicted.
fn monitor_for(model: &str, loaded: &LoadedVersion, prefix: &str) -> Result<Option<Monitor>> {
    let Some(reference) = &loaded.reference else {
        return Ok(None);
    };
    let reference = ReferenceProfile::from_json(&reference.to_string())?;
    let mut config: MonitorConfig = match &loaded.entry.monitoring {
        Some(v) => crate::json::from_value(v).map_err(|e| Error::Manifest {
            field: "monitoring".into(),
            reason: e,
        })?,
        None => MonitorConfig::default(),
    };
    config.model = Some(model.to_string());
    config.version = Some(loaded.selection.version.clone());
    if config.labels.is_none() && !loaded.labels().is_empty() {
        config.labels = Some(loaded.labels().to_vec());
    }
    Monitor::new(
        reference,
        config,
        &format!("{prefix}.{}", loaded.selection.version),
    )
    .map(Some)
}

impl Deployment {
    /// Starts serving a loaded version. `id_prefix` makes prediction ids unique per session.
    pub fn new(
        target: Target,
        current: LoadedVersion,
        id_prefix: impl Into<String>,
        now_ms: f64,
    ) -> Result<Deployment> {
        let id_prefix = id_prefix.into();
        let monitor = monitor_for(&target.model, &current, &id_prefix)?;
        let mut d = Deployment {
            monitors: monitor
                .map(|m| vec![(current.selection.version.clone(), m)])
                .unwrap_or_default(),
            target,
            current,
            id_prefix,
            counter: 0,
            failed: 0,
            events: VecDeque::new(),
            otlp: OtlpResource::default(),
        };
        d.push_event(DeploymentEvent::Deployed {
            version: d.current.selection.version.clone(),
            at_ms: now_ms,
        });
        Ok(d)
    }

    /// Resolves, loads and smoke-tests a target, then serves it.
    pub async fn open<F: Fetch, C: ArtifactCache, T: TrustStore + ?Sized>(
        fetch: &F,
        cache: &C,
        store: &T,
        target: Target,
        id_prefix: &str,
        now_ms: f64,
    ) -> Result<Deployment> {
        let manifest =
            load_manifest(fetch, &target.manifest_url, target.trust(store), now_ms).await?;
        let selection = resolve(&manifest, &target.model, &target.request, now_ms)?;
        let loaded = load_version(fetch, cache, &target.manifest_url, &manifest, selection).await?;
        // The escape hatches were for this load: refreshes check freshness again.
        let target = Target {
            freshness: FreshnessPolicy::default(),
            ..target
        };
        Deployment::new(target, loaded, id_prefix, now_ms)
    }

    fn push_event(&mut self, e: DeploymentEvent) {
        if self.events.len() == MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(e);
    }

    /// The target (for a host to run [`prepare_update`] without borrowing the deployment).
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The serving version.
    pub fn current(&self) -> &LoadedVersion {
        &self.current
    }

    /// Keeps a published validation report fetched on demand with the version it belongs to
    /// (ignored when another version serves by now).
    pub fn remember_validation(&mut self, version: &str, validation: serde_json::Value) {
        if self.current.selection.version == version {
            self.current.validation = Some(validation);
        }
    }

    /// The serving version string.
    pub fn version(&self) -> &str {
        &self.current.selection.version
    }

    /// Applies the outcome of [`prepare_update`]: swaps on a new version, keeps serving and
    /// records the error otherwise. Returns whether the version changed.
    pub fn commit(&mut self, outcome: Result<Option<LoadedVersion>>, now_ms: f64) -> Result<bool> {
        match outcome {
            Ok(None) => Ok(false),
            Ok(Some(next)) => {
                let monitor = match monitor_for(&self.target.model, &next, &self.id_prefix) {
                    Ok(m) => m,
                    Err(e) => return self.commit(Err(e), now_ms),
                };
                let from = self.current.selection.version.clone();
                let to = next.selection.version.clone();
                self.current = next;
                if let Some(m) = monitor {
                    self.monitors.retain(|(v, _)| *v != to);
                    self.monitors.push((to.clone(), m));
                    if self.monitors.len() > MAX_MONITORS {
                        self.monitors.remove(0);
                    }
                }
                self.push_event(DeploymentEvent::Swapped {
                    from,
                    to,
                    at_ms: now_ms,
                });
                Ok(true)
            }
            Err(e) => {
                self.push_event(DeploymentEvent::RefreshFailed {
                    serving: self.current.selection.version.clone(),
                    code: e.code().to_string(),
                    message: e.to_string(),
                    at_ms: now_ms,
                });
                Err(e)
            }
        }
    }

    /// The serving version's monitor, if it publishes a reference profile.
    pub(super) fn serving_monitor(&mut self) -> Option<&mut Monitor> {
        let v = &self.current.selection.version;
        self.monitors
            .iter_mut()
            .rev()
            .find(|(mv, _)| mv == v)
            .map(|(_, m)| m)
    }

    /// Predicts one raw record; `now_ms` is wall time (for monitoring windows), `clock` times it.
    pub fn predict(
        &mut self,
        record: &Record,
        now_ms: f64,
        clock: &dyn Clock,
    ) -> Result<PredictionOutput> {
        let start = clock.now_ms();
        let result = self.predict_inner(record);
        let latency_ms = (clock.now_ms() - start).max(0.0);
        match result {
            Ok((label, values)) => {
                self.counter += 1;
                let id = match self.serving_monitor() {
                    Some(m) => m.observe(now_ms, record, &values, latency_ms),
                    None => format!("{}-{}", self.id_prefix, self.counter),
                };
                let classifier = self.current.model.info().kind == ModelKind::Classifier;
                Ok(PredictionOutput {
                    id,
                    label,
                    probabilities: if classifier {
                        Some(values.clone())
                    } else {
                        None
                    },
                    values: if classifier { None } else { Some(values) },
                    version: self.current.selection.version.clone(),
                    latency_ms,
                })
            }
            Err(e) => {
                self.failed += 1;
                if let Some(m) = self.serving_monitor() {
                    m.observe_error(e.code(), now_ms);
                }
                Err(e)
            }
        }
    }

    /// Counts a prediction that failed before reaching the pipeline (e.g. a record that is not
    /// an object) in the failure and error-code counters.
    pub fn predict_error(&mut self, error: &Error, now_ms: f64) -> Result<()> {
        self.failed += 1;
        if let Some(m) = self.serving_monitor() {
            m.observe_error(error.code(), now_ms);
        }
        Ok(())
    }

    /// Joins a delayed true label to a prediction id. Routed to the monitor of the version
    /// that made the prediction (ids carry it); unknown ids are counted as unmatched by the
    /// serving version's monitor. `E_UNSUPPORTED` when no version publishes a reference.
    pub fn feedback(
        &mut self,
        prediction_id: &str,
        true_label: &str,
        now_ms: f64,
    ) -> Result<FeedbackOutcome> {
        let serving = self.current.selection.version.clone();
        let prefix = &self.id_prefix;
        let target = self
            .monitors
            .iter()
            .position(|(v, _)| prediction_id.starts_with(&format!("{prefix}.{v}-")))
            .or_else(|| self.monitors.iter().position(|(v, _)| *v == serving))
            .ok_or_else(|| {
                Error::unsupported("monitoring: this version publishes no reference profile")
            })?;
        Ok(self.monitors[target]
            .1
            .feedback(prediction_id, true_label, now_ms))
    }

    /// The serving version's monitoring report.
    pub fn monitor_report(&self) -> Option<MonitorReport> {
        let v = &self.current.selection.version;
        self.monitors
            .iter()
            .rev()
            .find(|(mv, _)| mv == v)
            .map(|(_, m)| m.report())
    }

    /// Re-judges the serving version's alert signals now.
    pub fn evaluate(&mut self, now_ms: f64) {
        if let Some(m) = self.serving_monitor() {
            m.evaluate(now_ms);
        }
    }

    /// Alert transitions since the last call, across versions.
    pub fn drain_alerts(&mut self) -> Vec<AlertEvent> {
        self.monitors
            .iter_mut()
            .flat_map(|(_, m)| m.drain_events())
            .collect()
    }

    /// Sets who reports in OTLP exports: `service.name`, `service.version`, and above all
    /// `service.instance.id`, a stable id of this device (the host persists it).
    pub fn set_otlp_resource(&mut self, resource: OtlpResource) {
        self.otlp = resource;
    }

    /// OTLP/JSON metrics of the serving version's monitor, with the resource set by
    /// [`Deployment::set_otlp_resource`] and the serving version's alias and selection.
    pub fn export_otlp(&self, now_ms: f64) -> Option<String> {
        let sel = &self.current.selection;
        let resource = OtlpResource {
            alias: sel.alias.clone(),
            selection: Some(
                match sel.reason {
                    Reason::Pinned => "pinned",
                    Reason::Alias => "alias",
                    Reason::Rollout { .. } => "rollout",
                    Reason::Default { .. } => "default",
                }
                .to_string(),
            ),
            ..self.otlp.clone()
        };
        self.monitors
            .iter()
            .rev()
            .find(|(mv, _)| *mv == sel.version)
            .map(|(_, m)| m.export_otlp_json_with(now_ms, &resource))
    }

    /// The serving version's monitor state (versioned JSON), for persistence.
    pub fn monitor_snapshot(&self) -> Result<Option<String>> {
        let v = &self.current.selection.version;
        self.monitors
            .iter()
            .rev()
            .find(|(mv, _)| mv == v)
            .map(|(_, m)| m.snapshot())
            .transpose()
    }

    /// Restores a snapshot of the serving version's monitor (after a reload). A snapshot of
    /// another version or model is refused with `E_SNAPSHOT`, leaving the monitor as it was.
    pub fn restore_monitor(&mut self, snapshot: &str) -> Result<()> {
        let restored = Monitor::restore(snapshot)?;
        let v = self.current.selection.version.clone();
        let model = self.target.model.clone();
        let config = restored.config();
        if config.version.as_deref() != Some(v.as_str())
            || config.model.as_deref() != Some(model.as_str())
        {
            return Err(Error::Snapshot {
                reason: format!(
                    "the snapshot is of {} {}, the deployment serves {model} {v}",
                    config.model.as_deref().unwrap_or("?"),
                    config.version.as_deref().unwrap_or("?")
                ),
            });
        }
        match self.monitors.iter_mut().rev().find(|(mv, _)| *mv == v) {
            Some((_, m)) => *m = restored,
            None => self.monitors.push((v, restored)),
        }
        Ok(())
    }

    /// Validates the serving version on labelled records (holdout metrics, latency on this host,
    /// data quality, the version's criteria from the manifest unless `options` brings its own).
    pub fn validate(
        &self,
        records: &[Record],
        labels: &[String],
        options: &ValidateOptions,
        clock: &dyn Clock,
    ) -> Result<ValidationReport> {
        let mut options = options.clone();
        if options.criteria.is_empty() && !self.current.entry.criteria.is_empty() {
            let text = serde_json::Value::Array(self.current.entry.criteria.clone()).to_string();
            options.criteria = crate::validation::parse_criteria_json(&text)?;
        }
        if options.labels.is_none() {
            options.labels = Some(self.current.labels().to_vec());
        }
        validate(
            &self.current.model,
            &self.current.preprocessing,
            records,
            labels,
            &options,
            clock,
        )
    }

    fn predict_inner(&self, record: &Record) -> Result<(Option<String>, Vec<f32>)> {
        let p = self
            .current
            .preprocessing
            .predict(&self.current.model, record)?;
        let label = match self.current.model.info().kind {
            ModelKind::Classifier => self.current.labels().get(argmax(&p.values)).cloned(),
            _ => None,
        };
        Ok((label, p.values))
    }

    /// Status snapshot.
    pub fn status(&self) -> DeploymentStatus {
        DeploymentStatus {
            model: self.target.model.clone(),
            version: self.current.selection.version.clone(),
            selection: self.current.selection.clone(),
            labels: self.current.labels().to_vec(),
            feature_version: Some(self.current.preprocessing.version().to_string()),
            model_format: self.current.model_format.to_string(),
            predictions: self.counter,
            failed_predictions: self.failed,
            events: self.events.iter().cloned().collect(),
        }
    }
}
