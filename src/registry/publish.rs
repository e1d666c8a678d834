//! Editing a manifest: adding versions, moving aliases, rollouts and rollbacks. Pure functions
//! over [`Manifest`]: they return the files to write and leave the I/O (atomic rename) to the
//! caller, so the same code serves the CLI and tests.

use super::hash::sha256_hex;
use super::manifest::{Artifact, Manifest, Rollout, SemVer, VersionEntry};
use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// A file to publish with a version.
#[derive(Clone, Debug)]
pub struct NewArtifact {
    /// Artifact kind: `model`, `features`, `reference`, `validation`, …
    pub kind: String,
    /// File name inside the version folder.
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub media_type: String,
}

/// Everything about a version being published.
#[derive(Clone, Debug, Default)]
pub struct NewVersion {
    pub model: String,
    pub version: String,
    pub created_at: String,
    pub task: Option<String>,
    pub labels: Vec<String>,
    pub feature_spec_hash: Option<String>,
    pub artifacts: Vec<NewArtifact>,
    pub criteria: Vec<Value>,
    pub monitoring: Option<Value>,
    pub provenance: Option<Value>,
}

/// How long a manifest written by mlcycle stays valid unless told otherwise: long enough that
/// a registry published monthly never lapses, short enough that a frozen client notices.
pub const DEFAULT_EXPIRES_DAYS: f64 = 30.0;

/// Stamps a manifest about to be written (every publish, promote, rollback, rollout and
/// renew): `version` = previous + 1, `expires` = `now_ms` + `expires_days`. See
/// [`super::freshness`] for why clients need both.
pub fn stamp(manifest: &mut Manifest, now_ms: f64, expires_days: f64) -> Result<()> {
    if !(expires_days > 0.0 && expires_days <= 3660.0) {
        return Err(bad(
            "expires-days",
            format!("must be more than 0 and at most 3660 days, not {expires_days}"),
        ));
    }
    let next = manifest
        .version
        .unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| bad("version", "the manifest version cannot grow any further"))?;
    manifest.version = Some(next);
    manifest.expires = Some(super::freshness::expires_after(now_ms, expires_days));
    Ok(())
}

fn bad(name: &str, reason: impl Into<String>) -> Error {
    Error::invalid_argument(name, reason)
}

fn safe_segment(s: &str, what: &str) -> Result<()> {
    if s.is_empty() || s == "." || s == ".." || s.contains(['/', '\\']) {
        return Err(bad(what, format!("`{s}` cannot be used as a path segment")));
    }
    Ok(())
}

/// Adds a version (versions are immutable: republishing one is refused). Returns the files to
/// write, as (path relative to the registry root, bytes).
pub fn add_version(manifest: &mut Manifest, new: NewVersion) -> Result<Vec<(String, Vec<u8>)>> {
    safe_segment(&new.model, "name")?;
    if SemVer::parse(&new.version).is_none() {
        return Err(bad(
            "version",
            format!("`{}` is not semver (MAJOR.MINOR.PATCH)", new.version),
        ));
    }
    if !new.artifacts.iter().any(|a| a.kind == "model") {
        return Err(bad("model", "a model artifact is required"));
    }
    let entry = manifest.models.entry(new.model.clone()).or_default();
    if entry.versions.contains_key(&new.version) {
        return Err(bad(
            "version",
            format!(
                "{} {} is already published; versions are immutable, publish a new one",
                new.model, new.version
            ),
        ));
    }
    if entry.task.is_none() {
        entry.task = new.task.clone();
    }
    let mut files = Vec::new();
    let mut artifacts = std::collections::BTreeMap::new();
    for a in new.artifacts {
        safe_segment(&a.file_name, "artifact file name")?;
        let path = format!("{}/{}/{}", new.model, new.version, a.file_name);
        artifacts.insert(
            a.kind.clone(),
            Artifact {
                url: path.clone(),
                sha256: sha256_hex(&a.bytes),
                size: a.bytes.len() as u64,
                media_type: Some(a.media_type.clone()),
                extra: Map::new(),
            },
        );
        files.push((path, a.bytes));
    }
    entry.versions.insert(
        new.version.clone(),
        VersionEntry {
            created_at: Some(new.created_at),
            task: new.task,
            labels: new.labels,
            feature_spec_hash: new.feature_spec_hash,
            artifacts,
            criteria: new.criteria,
            monitoring: new.monitoring,
            provenance: new.provenance,
            extra: Map::new(),
        },
    );
    manifest.validate()?;
    Ok(files)
}

fn model_mut<'a>(
    manifest: &'a mut Manifest,
    model: &str,
) -> Result<&'a mut super::manifest::ModelEntry> {
    manifest
        .models
        .get_mut(model)
        .ok_or_else(|| Error::NotFound {
            what: "model".into(),
            name: model.into(),
        })
}

/// Points `alias` at `version`, remembering where it pointed before (for rollback).
pub fn set_alias(manifest: &mut Manifest, model: &str, alias: &str, version: &str) -> Result<()> {
    let entry = model_mut(manifest, model)?;
    if !entry.versions.contains_key(version) {
        return Err(Error::NotFound {
            what: format!("version of model `{model}`"),
            name: version.into(),
        });
    }
    if let Some(previous) = entry.aliases.insert(alias.to_string(), version.to_string()) {
        if previous != version {
            entry
                .alias_history
                .entry(alias.to_string())
                .or_default()
                .push(previous);
        }
    }
    Ok(())
}

/// Moves `alias` back to the version it pointed to before. Returns that version.
pub fn rollback_alias(manifest: &mut Manifest, model: &str, alias: &str) -> Result<String> {
    let entry = model_mut(manifest, model)?;
    let previous = entry
        .alias_history
        .get_mut(alias)
        .and_then(|h| h.pop())
        .ok_or_else(|| Error::NotFound {
            what: format!("previous version of alias `{alias}`"),
            name: model.into(),
        })?;
    if entry.alias_history.get(alias).is_some_and(|h| h.is_empty()) {
        entry.alias_history.remove(alias);
    }
    entry.aliases.insert(alias.to_string(), previous.clone());
    Ok(previous)
}

/// Creates or updates the rollout of `alias` to `percent` % (salt defaults to `model-alias`).
pub fn set_rollout(
    manifest: &mut Manifest,
    model: &str,
    alias: &str,
    percent: f64,
    salt: Option<&str>,
) -> Result<()> {
    if !(0.0..=100.0).contains(&percent) {
        return Err(bad("percent", "must be within 0–100"));
    }
    let entry = model_mut(manifest, model)?;
    if !entry.aliases.contains_key(alias) {
        return Err(Error::NotFound {
            what: format!("alias of model `{model}`"),
            name: alias.into(),
        });
    }
    let default_salt = format!("{model}-{alias}");
    match entry.rollouts.iter_mut().find(|r| r.alias == alias) {
        Some(r) => {
            r.percent = percent;
            if let Some(s) = salt {
                r.salt = s.to_string();
            }
        }
        None => entry.rollouts.push(Rollout {
            alias: alias.to_string(),
            percent,
            salt: salt.map(str::to_string).unwrap_or(default_salt),
            start_ms: None,
            end_ms: None,
            extra: Map::new(),
        }),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(v: &str) -> NewVersion {
        NewVersion {
            model: "m".into(),
            version: v.into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            artifacts: vec![NewArtifact {
                kind: "model".into(),
                file_name: "model.onnx".into(),
                bytes: v.as_bytes().to_vec(),
                media_type: "application/onnx".into(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn publish_promote_rollback() {
        let mut m = Manifest::new();
        let files = add_version(&mut m, version("1.0.0")).unwrap();
        assert_eq!(files[0].0, "m/1.0.0/model.onnx");
        add_version(&mut m, version("1.1.0")).unwrap();
        assert!(add_version(&mut m, version("1.1.0")).is_err(), "immutable");
        set_alias(&mut m, "m", "production", "1.0.0").unwrap();
        set_alias(&mut m, "m", "production", "1.1.0").unwrap();
        assert_eq!(m.models["m"].aliases["production"], "1.1.0");
        assert_eq!(rollback_alias(&mut m, "m", "production").unwrap(), "1.0.0");
        assert_eq!(m.models["m"].aliases["production"], "1.0.0");
        assert_eq!(
            rollback_alias(&mut m, "m", "production")
                .unwrap_err()
                .code(),
            "E_NOT_FOUND"
        );
        set_alias(&mut m, "m", "canary", "1.1.0").unwrap();
        set_rollout(&mut m, "m", "canary", 20.0, None).unwrap();
        set_rollout(&mut m, "m", "canary", 30.0, None).unwrap();
        assert_eq!(m.models["m"].rollouts.len(), 1);
        assert_eq!(m.models["m"].rollouts[0].salt, "m-canary");
        m.validate().unwrap();
        assert!(add_version(
            &mut m,
            NewVersion {
                model: "../x".into(),
                ..version("2.0.0")
            }
        )
        .is_err());
    }
}
