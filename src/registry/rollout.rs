//! Which version a subject gets: a pure function of (manifest, model, request, now).
//!
//! Bucket = `murmur3_x86_32("<salt>:<subject>") mod 10000` (Unleash's hash, 0.01 % resolution).
//! A subject is in a rollout when `bucket < percent × 100`. Hence: the same subject always gets
//! the same answer; shares converge to the percentage; raising the percentage only adds subjects
//! (nobody on the new version goes back); a new salt reshuffles. Rollouts are evaluated in
//! order; the first that takes the subject wins; otherwise the `production` alias (or, without
//! one, the highest version) serves. An explicit version or alias in the request overrides all.

use super::hash::murmur3_32;
use super::manifest::{Manifest, SemVer};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Buckets per rollout (percent resolution 0.01).
pub const BUCKETS: u32 = 10_000;

/// The default alias served when no rollout takes a subject.
pub const DEFAULT_ALIAS: &str = "production";

/// What the caller asks for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolveRequest {
    /// Stable key of the user/device (rollouts need one).
    #[serde(default)]
    pub subject: Option<String>,
    /// Pin an exact version.
    #[serde(default)]
    pub version: Option<String>,
    /// Follow an alias.
    #[serde(default)]
    pub alias: Option<String>,
}

/// Why a version was chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Reason {
    /// The request pinned the version.
    Pinned,
    /// The request named an alias.
    Alias,
    /// A rollout took the subject: its bucket was below `percent × 100`.
    Rollout {
        percent: f64,
        bucket: u32,
        salt: String,
    },
    /// No rollout took the subject (its bucket per rollout is listed) or there was no subject.
    Default { buckets: Vec<u32> },
}

/// The answer of [`resolve`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    pub model: String,
    pub version: String,
    /// The alias that led there, if any.
    pub alias: Option<String>,
    pub reason: Reason,
}

/// The bucket of `subject` under `salt`, in `0..BUCKETS`.
pub fn bucket(salt: &str, subject: &str) -> u32 {
    let key = format!("{salt}:{subject}");
    murmur3_32(key.as_bytes(), 0) % BUCKETS
}

/// Whether a bucket falls inside `percent` %.
pub fn in_rollout(bucket: u32, percent: f64) -> bool {
    (bucket as f64) < (percent * 100.0).round()
}

/// Resolves which version of `model` serves `request` at `now_ms`.
pub fn resolve(
    manifest: &Manifest,
    model: &str,
    request: &ResolveRequest,
    now_ms: f64,
) -> Result<Selection> {
    let entry = manifest.model(model)?;
    let sel = |version: &str, alias: Option<&str>, reason: Reason| Selection {
        model: model.to_string(),
        version: version.to_string(),
        alias: alias.map(str::to_string),
        reason,
    };
    if let Some(v) = &request.version {
        if !entry.versions.contains_key(v) {
            return Err(Error::NotFound {
                what: format!("version of model `{model}`"),
                name: v.clone(),
            });
        }
        return Ok(sel(v, None, Reason::Pinned));
    }
    if let Some(a) = &request.alias {
        let v = entry.aliases.get(a).ok_or_else(|| Error::NotFound {
            what: format!("alias of model `{model}`"),
            name: a.clone(),
        })?;
        return Ok(sel(v, Some(a), Reason::Alias));
    }
    let mut buckets = Vec::new();
    if let Some(subject) = &request.subject {
        for r in &entry.rollouts {
            let active =
                r.start_ms.is_none_or(|s| now_ms >= s) && r.end_ms.is_none_or(|e| now_ms < e);
            let b = bucket(&r.salt, subject);
            buckets.push(b);
            if active && in_rollout(b, r.percent) {
                if let Some(v) = entry.aliases.get(&r.alias) {
                    return Ok(sel(
                        v,
                        Some(&r.alias),
                        Reason::Rollout {
                            percent: r.percent,
                            bucket: b,
                            salt: r.salt.clone(),
                        },
                    ));
                }
            }
        }
    }
    if let Some(v) = entry.aliases.get(DEFAULT_ALIAS) {
        return Ok(sel(v, Some(DEFAULT_ALIAS), Reason::Default { buckets }));
    }
    let latest = entry
        .versions
        .keys()
        .filter_map(|k| SemVer::parse(k).map(|s| (s, k)))
        .max()
        .map(|(_, k)| k.clone())
        .ok_or_else(|| Error::NotFound {
            what: format!("version of model `{model}`"),
            name: "any".into(),
        })?;
    Ok(sel(&latest, None, Reason::Default { buckets }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest(percent: f64) -> Manifest {
        let sha = "b".repeat(64);
        Manifest::from_value(json!({
            "schema": "mlcycle.manifest/1",
            "models": {"m": {
                "aliases": {"production": "1.0.0", "canary": "1.1.0"},
                "rollouts": [{"alias": "canary", "percent": percent, "salt": "m-canary"}],
                "versions": {
                    "1.0.0": {"artifacts": {"model": {"url": "a", "sha256": sha}}},
                    "1.1.0": {"artifacts": {"model": {"url": "b", "sha256": sha}}}
                }
            }}
        }))
        .unwrap()
    }

    fn share(m: &Manifest, n: usize) -> f64 {
        let canary = (0..n)
            .filter(|i| {
                let r = ResolveRequest {
                    subject: Some(format!("user-{i}")),
                    ..Default::default()
                };
                resolve(m, "m", &r, 0.0).unwrap().version == "1.1.0"
            })
            .count();
        canary as f64 / n as f64 * 100.0
    }

    #[test]
    fn shares_converge_to_the_percentage() {
        for p in [0.0, 1.0, 10.0, 20.0, 50.0, 99.0, 100.0] {
            let s = share(&manifest(p), 100_000);
            assert!((s - p).abs() <= 1.0, "percent {p}: share {s}");
        }
    }

    #[test]
    fn raising_the_percentage_moves_nobody_back() {
        let (low, high) = (manifest(10.0), manifest(30.0));
        for i in 0..100_000 {
            let r = ResolveRequest {
                subject: Some(format!("user-{i}")),
                ..Default::default()
            };
            let a = resolve(&low, "m", &r, 0.0).unwrap().version;
            let b = resolve(&high, "m", &r, 0.0).unwrap().version;
            if a == "1.1.0" {
                assert_eq!(
                    b, "1.1.0",
                    "user-{i} left the new version when the rollout grew"
                );
            }
            assert_eq!(resolve(&low, "m", &r, 0.0).unwrap().version, a, "stable");
        }
    }

    #[test]
    fn pins_and_aliases_override_and_unknowns_are_not_found() {
        let m = manifest(100.0);
        let pinned = ResolveRequest {
            subject: Some("x".into()),
            version: Some("1.0.0".into()),
            ..Default::default()
        };
        assert_eq!(
            resolve(&m, "m", &pinned, 0.0).unwrap().reason,
            Reason::Pinned
        );
        let alias = ResolveRequest {
            alias: Some("production".into()),
            ..Default::default()
        };
        assert_eq!(resolve(&m, "m", &alias, 0.0).unwrap().version, "1.0.0");
        let anon = ResolveRequest::default();
        assert_eq!(
            resolve(&m, "m", &anon, 0.0).unwrap().version,
            "1.0.0",
            "no subject → production"
        );
        let bad = ResolveRequest {
            version: Some("3.0.0".into()),
            ..Default::default()
        };
        assert_eq!(
            resolve(&m, "m", &bad, 0.0).unwrap_err().code(),
            "E_NOT_FOUND"
        );
        assert_eq!(
            resolve(&m, "nope", &anon, 0.0).unwrap_err().code(),
            "E_NOT_FOUND"
        );
    }

    #[test]
    fn time_windows_gate_rollouts() {
        let mut m = manifest(100.0);
        m.models.get_mut("m").unwrap().rollouts[0].start_ms = Some(1000.0);
        let r = ResolveRequest {
            subject: Some("s".into()),
            ..Default::default()
        };
        assert_eq!(resolve(&m, "m", &r, 999.0).unwrap().version, "1.0.0");
        assert_eq!(resolve(&m, "m", &r, 1000.0).unwrap().version, "1.1.0");
    }
}
