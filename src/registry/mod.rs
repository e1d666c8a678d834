//! The static model registry: manifest schema, rollout resolution, verified fetching, signing
//! and the deployment lifecycle (load → smoke test → serve → refresh/hot-swap → rollback).
//! See docs/registry.md for the manifest format.

pub mod artifacts;
pub mod deployment;
pub mod freshness;
pub mod hash;
pub mod manifest;
pub mod publish;
pub mod rollout;
pub mod signing;

pub use artifacts::{ArtifactCache, MemoryCache};
pub use deployment::{
    load_manifest, load_version, prepare_update, Deployment, DeploymentEvent, DeploymentStatus,
    LoadedVersion, PredictionOutput, SmokeRows, Target, Trust, NNEF_ARTIFACT,
};
pub use freshness::{FreshnessPolicy, MemoryTrustStore, TrustStore};
pub use manifest::{Artifact, Manifest, ModelEntry, Rollout, VersionEntry};
pub use rollout::{resolve, Reason, ResolveRequest, Selection};
