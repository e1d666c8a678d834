//! The static model registry: manifest schema, rollout resolution, verified fetching, signing
//! and the deployment lifecycle (load → smoke test → serve → refresh/hot-swap → rollback).
//! See docs/registry.md for the manifest format.

pub mod artifacts;
pub mod batch;
pub mod deployment;
pub mod freshness;
pub mod hash;
pub mod loading;
pub mod manifest;
pub mod progress;
pub mod publish;
pub mod rollout;
pub mod signing;

pub use artifacts::{ArtifactCache, MemoryCache};
pub use batch::{Batch, BatchPredictions};
pub use deployment::{Deployment, DeploymentEvent, DeploymentStatus, PredictionOutput, Target};
pub use freshness::{FreshnessPolicy, MemoryTrustStore, TrustStore};
pub use loading::{
    fetch_published_validation, load_manifest, load_version, load_version_with, prepare_update,
    LoadedVersion, SmokeRows, Trust, NNEF_ARTIFACT, SMOKE_ARTIFACT, VALIDATION_ARTIFACT,
};
pub use manifest::{Artifact, Manifest, ModelEntry, Rollout, VersionEntry};
pub use progress::{LoadPhase, LoadProgress, NoProgress, Progress};
pub use rollout::{resolve, Reason, ResolveRequest, Selection};
