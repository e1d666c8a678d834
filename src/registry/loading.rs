//! Loading a version: the manifest admitted (signature, freshness), then every artifact the
//! version needs to serve fetched **concurrently**, hash-verified, built into a pipeline and a
//! model, and smoke-tested against its golden rows — with progress reported on the way.
//!
//! What is on the path to the first prediction is only what serving needs: the model (the
//! precompiled `nnef` form when there is one), `features.json`, `reference.json` (the monitor)
//! and the golden rows (`smoke.json`). The published validation report is fetched on demand
//! ([`fetch_published_validation`]); versions published before `smoke.json` existed carry their
//! golden rows inside it, and for them it is still fetched at load.

use super::artifacts::{fetch_verified, ArtifactCache};
use super::deployment::Target;
use super::freshness::{self, FreshnessPolicy, TrustStore};
use super::manifest::{Artifact, Manifest, VersionEntry};
use super::progress::{LoadPhase, LoadProgress, NoProgress, Progress};
use super::rollout::{resolve, Selection};
use super::signing;
use crate::error::{Error, Result};
use crate::features::{Pipeline, Record};
use crate::host::Fetch;
use crate::inference::Preprocessing;
use crate::inference::{LoadOptions, Model};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::Cell;

/// Artifact kind of a version's golden rows (`smoke.json`, a [`SmokeRows`]).
pub const SMOKE_ARTIFACT: &str = "smoke";

/// Artifact kind of a version's published validation report (`validation.json`).
pub const VALIDATION_ARTIFACT: &str = "validation";

/// Golden rows a version must reproduce before it serves (`smoke.json`; also inside the
/// validation artifact, where versions published before `smoke.json` have them).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmokeRows {
    /// Raw records (JSON objects) fed through the version's pipeline.
    pub records: Vec<Value>,
    /// Expected outputs per record (probabilities or values), computed at publish time.
    pub expected: Vec<Vec<f32>>,
    /// Max allowed |got − expected|.
    #[serde(default = "default_tolerance")]
    pub tolerance: f32,
}

fn default_tolerance() -> f32 {
    1e-5
}

/// Everything needed to serve one version.
#[derive(Debug)]
pub struct LoadedVersion {
    pub selection: Selection,
    pub entry: VersionEntry,
    pub model: Model,
    /// The artifact the model was loaded from: `nnef` (precompiled) or `model` (ONNX).
    pub model_format: &'static str,
    /// How records reach the model: the version's feature spec, or (published without one)
    /// straight into the graph's inputs.
    pub preprocessing: Preprocessing,
    /// The version's reference profile (JSON), when published.
    pub reference: Option<Value>,
    /// The version's golden rows, when published.
    pub smoke: Option<SmokeRows>,
    /// The version's validation artifact (JSON), once fetched: at load only for versions that
    /// keep their golden rows in it, else on demand ([`fetch_published_validation`]).
    pub validation: Option<Value>,
}

impl LoadedVersion {
    /// Class labels (from the manifest, else the model).
    pub fn labels(&self) -> &[String] {
        if self.entry.labels.is_empty() {
            self.model.labels()
        } else {
            &self.entry.labels
        }
    }

    /// Features for one record (the pipeline's output vector). A version without a spec has
    /// none to show: its graph computes them from the raw record.
    pub fn features(&self, record: &Record) -> Result<Vec<f32>> {
        match self.preprocessing.pipeline() {
            Some(p) => p.transform(record),
            None => Err(Error::unsupported(
                "this version has no feature spec: its model computes the features from the raw record",
            )),
        }
    }

    /// Runs the smoke rows (or, without any, one all-missing record) and checks the outputs.
    pub fn smoke_test(&self) -> Result<()> {
        let fail = |reason: String| Error::SmokeTest {
            version: self.selection.version.clone(),
            reason,
        };
        match &self.smoke {
            Some(rows) if !rows.records.is_empty() => {
                if rows.records.len() != rows.expected.len() {
                    return Err(fail(
                        "smoke records and expected outputs differ in count".into(),
                    ));
                }
                for (i, (rec, want)) in rows.records.iter().zip(&rows.expected).enumerate() {
                    let record =
                        Record::from_json(rec).map_err(|e| fail(format!("row {i}: {e}")))?;
                    let got = self
                        .preprocessing
                        .predict(&self.model, &record)
                        .map_err(|e| fail(format!("row {i}: {e}")))?;
                    if got.values.len() != want.len() {
                        return Err(fail(format!(
                            "row {i}: {} outputs, expected {}",
                            got.values.len(),
                            want.len()
                        )));
                    }
                    for (g, w) in got.values.iter().zip(want) {
                        // NaN differences fail too.
                        let diff = (g - w).abs();
                        if diff.is_nan() || diff > rows.tolerance {
                            return Err(fail(format!(
                                "row {i}: output {g} differs from the published {w}"
                            )));
                        }
                    }
                }
                Ok(())
            }
            _ => {
                // No golden rows: at least the artifacts must fit together and give finite output.
                let x = match &self.preprocessing {
                    Preprocessing::Spec(p) => p
                        .transform(&Record::new())
                        .unwrap_or_else(|_| vec![0.0; p.width()]),
                    Preprocessing::Graph(_) => {
                        // Every field missing: the graph must run (a model without imputers may
                        // rightly answer NaN to NaN, so only the run itself is checked).
                        let mut empty = Record::new();
                        for name in self.preprocessing.field_names() {
                            empty.insert(name, crate::features::RawValue::Null);
                        }
                        return match self.preprocessing.predict(&self.model, &empty) {
                            Ok(_) | Err(Error::FeatureInvalid { .. }) => Ok(()),
                            Err(e) => Err(fail(e.to_string())),
                        };
                    }
                };
                let got = self.model.predict(&x, 1).map_err(|e| fail(e.to_string()))?;
                if got.values.iter().any(|v| !v.is_finite()) {
                    return Err(fail("the model returns non-finite values".into()));
                }
                Ok(())
            }
        }
    }
}

/// How a manifest is trusted: the page's public key, the versions trusted before, the policy.
#[derive(Clone, Copy, Debug)]
pub struct Trust<'a, T: TrustStore + ?Sized> {
    /// Hex Ed25519 key the manifest must be signed with (`None`: signatures are not checked).
    pub public_key: Option<&'a str>,
    /// Highest manifest version trusted per registry URL.
    pub store: &'a T,
    pub policy: &'a FreshnessPolicy,
}

/// Loads a manifest and admits it: parsed, signature-verified (when a key is given), then
/// checked for rollback and expiry (`E_ROLLBACK`, `E_EXPIRED`; see [`freshness`]). Its version
/// is remembered only when a trusted key verified it, and never from a manifest that fails.
pub async fn load_manifest<F: Fetch, T: TrustStore + ?Sized>(
    fetch: &F,
    url: &str,
    trust: Trust<'_, T>,
    now_ms: f64,
) -> Result<Manifest> {
    let bytes = fetch
        .fetch_at_most(url, crate::host::MAX_MANIFEST_BYTES)
        .await?;
    let manifest = Manifest::from_slice(&bytes)?;
    if let Some(key) = trust.public_key {
        signing::verify(&manifest, key)?;
    }
    freshness::admit(
        &manifest,
        &freshness::registry_id(url),
        trust.store,
        now_ms,
        trust.policy,
        trust.public_key.is_some(),
    )?;
    Ok(manifest)
}

impl Target {
    /// The trust settings of this target, with the host's `store`.
    pub fn trust<'a, T: TrustStore + ?Sized>(&'a self, store: &'a T) -> Trust<'a, T> {
        Trust {
            public_key: self.public_key.as_deref(),
            store,
            policy: &self.freshness,
        }
    }
}

/// Artifact kind of a version's precompiled model (tract NNEF tar with mlcycle metadata,
/// written by `mlcycle publish`).
pub const NNEF_ARTIFACT: &str = "nnef";

/// One load's downloads: each artifact fetched (cache first) and verified, its bytes counted
/// toward the progress the host sees.
struct Downloads<'a, F, C> {
    fetch: &'a F,
    cache: &'a C,
    manifest_url: &'a str,
    progress: &'a dyn Progress,
    loaded: Cell<u64>,
    total: Cell<Option<u64>>,
}

impl<F: Fetch, C: ArtifactCache> Downloads<'_, F, C> {
    async fn get(&self, a: &Artifact) -> Result<Vec<u8>> {
        let bytes = fetch_verified(self.fetch, self.cache, self.manifest_url, a).await?;
        self.loaded.set(self.loaded.get() + bytes.len() as u64);
        self.report(LoadPhase::Download);
        Ok(bytes)
    }

    /// Adds an artifact not counted at the start (the ONNX fallback) to the total.
    fn expect(&self, a: &Artifact) {
        self.total.set(
            self.total
                .get()
                .and_then(|t| (a.size > 0).then_some(t + a.size)),
        );
    }

    async fn optional(&self, a: Option<&Artifact>) -> Result<Option<Vec<u8>>> {
        match a {
            Some(a) => self.get(a).await.map(Some),
            None => Ok(None),
        }
    }

    fn report(&self, phase: LoadPhase) {
        self.progress.report(LoadProgress {
            phase,
            loaded_bytes: self.loaded.get(),
            total_bytes: self.total.get(),
        });
    }
}

fn parse_json(kind: &str, bytes: &[u8]) -> Result<Value> {
    serde_json::from_slice(bytes).map_err(|e| Error::Manifest {
        field: format!("artifacts.{kind}"),
        reason: format!("not JSON: {e}"),
    })
}

/// The artifact a version's model loads from: its precompiled `nnef` form when it has one
/// (every build prefers it: no ONNX parsing or optimization at load), else the ONNX `model`.
/// The slim build has no ONNX parser: a version without `nnef` is `E_UNSUPPORTED` there.
fn model_artifact(entry: &VersionEntry) -> Result<(&'static str, &Artifact)> {
    if let Some(a) = entry.artifacts.get(NNEF_ARTIFACT) {
        return Ok((NNEF_ARTIFACT, a));
    }
    if !crate::inference::ONNX_SUPPORTED {
        return Err(Error::unsupported(format!(
            "this version has no `{NNEF_ARTIFACT}` artifact and this build loads precompiled \
             models only: republish it with `mlcycle publish` (which writes one) or use the \
             full mlcycle package"
        )));
    }
    let a = entry
        .artifacts
        .get("model")
        .ok_or_else(|| Error::Manifest {
            field: "artifacts.model".into(),
            reason: "missing".into(),
        })?;
    Ok(("model", a))
}

/// Fetches, verifies and loads every artifact of a selected version, then smoke-tests it.
pub async fn load_version<F: Fetch, C: ArtifactCache>(
    fetch: &F,
    cache: &C,
    manifest_url: &str,
    manifest: &Manifest,
    selection: Selection,
) -> Result<LoadedVersion> {
    load_version_with(fetch, cache, manifest_url, manifest, selection, &NoProgress).await
}

/// [`load_version`], reporting progress: `download` after each verified artifact (bytes so far
/// of the total the manifest declares), then `load` and `smoke`. `ready` is the host's to
/// report, once the version actually serves.
///
/// The artifacts are fetched concurrently. In the full build an `nnef` artifact this build
/// cannot read (e.g. written by a newer mlcycle) falls back to the ONNX `model`, fetched then;
/// a hash mismatch never falls back: tampering is an error.
pub async fn load_version_with<F: Fetch, C: ArtifactCache>(
    fetch: &F,
    cache: &C,
    manifest_url: &str,
    manifest: &Manifest,
    selection: Selection,
    progress: &dyn Progress,
) -> Result<LoadedVersion> {
    let entry = manifest
        .model(&selection.model)?
        .versions
        .get(&selection.version)
        .cloned()
        .ok_or_else(|| Error::NotFound {
            what: "version".into(),
            name: selection.version.clone(),
        })?;
    let (model_kind, model_a) = model_artifact(&entry)?;
    let features_a = entry.artifacts.get("features");
    let reference_a = entry.artifacts.get("reference");
    let (smoke_kind, smoke_a) = match entry.artifacts.get(SMOKE_ARTIFACT) {
        Some(a) => (SMOKE_ARTIFACT, Some(a)),
        None => (
            VALIDATION_ARTIFACT,
            entry.artifacts.get(VALIDATION_ARTIFACT),
        ),
    };
    let wanted = [Some(model_a), features_a, reference_a, smoke_a];
    let total = wanted
        .iter()
        .flatten()
        .map(|a| (a.size > 0).then_some(a.size))
        .sum::<Option<u64>>();
    let downloads = Downloads {
        fetch,
        cache,
        manifest_url,
        progress,
        loaded: Cell::new(0),
        total: Cell::new(total),
    };
    downloads.report(LoadPhase::Download);
    let (model_bytes, features, reference, smoke_bytes) = futures_util::future::try_join4(
        downloads.get(model_a),
        downloads.optional(features_a),
        downloads.optional(reference_a),
        downloads.optional(smoke_a),
    )
    .await?;

    downloads.report(LoadPhase::Load);
    let labels = (!entry.labels.is_empty()).then(|| entry.labels.clone());
    let options = LoadOptions {
        labels,
        ..Default::default()
    };
    let (model, model_format) = if model_kind == NNEF_ARTIFACT {
        match Model::from_nnef_with(&model_bytes, &options) {
            Ok(model) => (model, NNEF_ARTIFACT),
            Err(e) if crate::inference::ONNX_SUPPORTED => {
                let Some(a) = entry.artifacts.get("model") else {
                    return Err(e);
                };
                downloads.expect(a);
                let bytes = downloads.get(a).await?;
                downloads.report(LoadPhase::Load);
                (Model::from_bytes_with(&bytes, &options)?, "model")
            }
            Err(e) => return Err(e),
        }
    } else {
        (Model::from_bytes_with(&model_bytes, &options)?, "model")
    };
    let pipeline = match features {
        Some(bytes) => {
            let spec = parse_json("features", &bytes)?;
            let p = Pipeline::from_json(&spec.to_string())?;
            if let Some(h) = &entry.feature_spec_hash {
                if h != p.version() {
                    return Err(Error::Manifest {
                        field: "featureSpecHash".into(),
                        reason: format!(
                            "the spec hashes to {}, the manifest says {h}",
                            p.version()
                        ),
                    });
                }
            }
            Some(p)
        }
        None => None,
    };
    let preprocessing = Preprocessing::new(pipeline.map(std::sync::Arc::new), &model)?;
    let reference = reference.map(|b| parse_json("reference", &b)).transpose()?;
    let smoke_value = smoke_bytes
        .map(|b| parse_json(smoke_kind, &b))
        .transpose()?;
    let unreadable = |e: String| Error::SmokeTest {
        version: selection.version.clone(),
        reason: format!("unreadable smoke rows: {e}"),
    };
    let (smoke, validation) = match (smoke_kind, smoke_value) {
        (SMOKE_ARTIFACT, Some(v)) => (Some(crate::json::from_value(&v).map_err(unreadable)?), None),
        (_, Some(v)) => {
            let rows = v
                .get("smoke")
                .map(crate::json::from_value)
                .transpose()
                .map_err(unreadable)?;
            (rows, Some(v))
        }
        (_, None) => (None, None),
    };
    let loaded = LoadedVersion {
        selection,
        entry,
        model,
        model_format,
        preprocessing,
        reference,
        smoke,
        validation,
    };
    downloads.report(LoadPhase::Smoke);
    loaded.smoke_test()?;
    Ok(loaded)
}

/// The version's published validation report (`validation.json`'s `report`), fetched and
/// verified on demand; `None` when the version has none. Kept off the path to the first
/// prediction: pages show it after the model serves.
pub async fn fetch_published_validation<F: Fetch, C: ArtifactCache>(
    fetch: &F,
    cache: &C,
    manifest_url: &str,
    entry: &VersionEntry,
) -> Result<Option<Value>> {
    let Some(a) = entry.artifacts.get(VALIDATION_ARTIFACT) else {
        return Ok(None);
    };
    let bytes = fetch_verified(fetch, cache, manifest_url, a).await?;
    parse_json(VALIDATION_ARTIFACT, &bytes).map(Some)
}

/// Re-reads the manifest and, when the target now resolves to another version, loads and
/// smoke-tests it. `Ok(None)`: nothing to change. Touches no deployment state.
pub async fn prepare_update<F: Fetch, C: ArtifactCache, T: TrustStore + ?Sized>(
    fetch: &F,
    cache: &C,
    store: &T,
    target: &Target,
    current_version: &str,
    now_ms: f64,
) -> Result<Option<LoadedVersion>> {
    let manifest = load_manifest(fetch, &target.manifest_url, target.trust(store), now_ms).await?;
    let selection = resolve(&manifest, &target.model, &target.request, now_ms)?;
    if selection.version == current_version {
        return Ok(None);
    }
    load_version(fetch, cache, &target.manifest_url, &manifest, selection)
        .await
        .map(Some)
}
