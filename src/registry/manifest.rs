//! The registry manifest (`manifest.json`), schema `mlcycle.manifest/1`.
//!
//! A static JSON file on any CDN or folder lists models → versions → artifacts (each with a
//! relative URL, SHA-256, size and media type), aliases (`production`, `canary`, any name),
//! percentage rollouts and per-version metadata (labels, feature-spec hash, criteria, monitoring
//! thresholds, provenance). Unknown fields are kept (`extra`) and written back unchanged, so
//! newer tools' fields survive older tools' rewrites. See docs/registry.md.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The schema tag this build writes.
pub const SCHEMA: &str = "mlcycle.manifest/1";
/// The schema major version this build reads.
pub const SUPPORTED_MAJOR: u64 = 1;

/// The whole manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// `mlcycle.manifest/<major>[.<minor>]`.
    pub schema: String,
    /// Metadata version (TUF-style): every publish, promote, rollback, rollout and renew writes
    /// the previous one + 1, so a client that trusted version N refuses any lower one
    /// (`E_ROLLBACK`). Absent in manifests written before it existed (treated as 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// ISO-8601 UTC time after which clients refuse the manifest (`E_EXPIRED`), so an attacker
    /// cannot freeze a client on an old but validly signed manifest forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Origins (`https://cdn.example.com`) artifacts may be fetched from besides the registry
    /// itself. Empty: every artifact URL must be relative and stay inside the registry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifact_origins: Vec<String>,
    /// Models by name.
    #[serde(default)]
    pub models: BTreeMap<String, ModelEntry>,
    /// Ed25519 signature over the canonical manifest without this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    /// Fields this build does not know, preserved.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One model: its versions, aliases and rollouts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelEntry {
    /// `classification` or `regression` (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Human description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Alias name → version.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// Alias name → versions it pointed to before (most recent last), for rollback.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub alias_history: BTreeMap<String, Vec<String>>,
    /// Percentage rollouts, evaluated in order.
    #[serde(default)]
    pub rollouts: Vec<Rollout>,
    /// Versions by semver string.
    #[serde(default)]
    pub versions: BTreeMap<String, VersionEntry>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Sends `percent` % of subjects (by stable hash) to the version an alias names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rollout {
    /// The alias whose version the selected subjects get.
    pub alias: String,
    /// Share of subjects, 0–100 (two decimals of resolution).
    pub percent: f64,
    /// Salt of the bucket hash; change it to reshuffle who is in.
    #[serde(default)]
    pub salt: String,
    /// Optional start, ms since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<f64>,
    /// Optional end, ms since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ms: Option<f64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One published version.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionEntry {
    /// ISO-8601 creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// `classification` or `regression`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Class labels in model output order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Content hash (version) of the feature spec the model was trained with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_spec_hash: Option<String>,
    /// Artifacts by kind: `model` (required), `features`, `reference`, `validation`, …
    #[serde(default)]
    pub artifacts: BTreeMap<String, Artifact>,
    /// Acceptance criteria (strings like `accuracy >= 0.95` or objects).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<Value>,
    /// Monitoring thresholds and settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Value>,
    /// The experiment record: training data hash, hyperparameters, metrics, source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A file of a version.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    /// URL relative to the manifest (or absolute).
    pub url: String,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
    /// Media type (`application/onnx`, `application/json`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An Ed25519 signature of the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signature {
    /// Always `ed25519`.
    pub alg: String,
    /// Hex public key (informational; the page supplies the key it trusts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// Hex signature over [`Manifest::signing_bytes`].
    pub value: String,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::Manifest {
        field: field.into(),
        reason: reason.into(),
    }
}

/// A parsed semantic version (`MAJOR.MINOR.PATCH[-pre][+build]`), ordered by precedence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemVer {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Option<String>,
}

impl SemVer {
    /// Parses a version string; `None` if it is not semver.
    pub fn parse(s: &str) -> Option<SemVer> {
        let core = s.split('+').next()?;
        let (nums, pre) = match core.split_once('-') {
            Some((n, p)) if !p.is_empty() => (n, Some(p.to_string())),
            Some(_) => return None,
            None => (core, None),
        };
        let mut it = nums.split('.');
        let num = |p: Option<&str>| -> Option<u64> {
            let p = p?;
            if p.is_empty()
                || (p.len() > 1 && p.starts_with('0'))
                || !p.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            p.parse().ok()
        };
        let v = SemVer {
            major: num(it.next())?,
            minor: num(it.next())?,
            patch: num(it.next())?,
            pre,
        };
        if it.next().is_some() {
            return None;
        }
        Some(v)
    }
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl Manifest {
    /// An empty manifest of the current schema.
    pub fn new() -> Manifest {
        Manifest {
            schema: SCHEMA.into(),
            version: None,
            expires: None,
            artifact_origins: Vec::new(),
            models: BTreeMap::new(),
            signature: None,
            extra: Map::new(),
        }
    }

    /// Parses and validates manifest bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Manifest> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| invalid("$", format!("not JSON: {e}")))?;
        Manifest::from_value(value)
    }

    /// Parses and validates a JSON value.
    pub fn from_value(value: Value) -> Result<Manifest> {
        let schema = value
            .get("schema")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("schema", "missing; expected \"mlcycle.manifest/1\""))?;
        check_schema(schema)?;
        let m: Manifest = crate::json::from_value(&value).map_err(|e| invalid("$", e))?;
        m.validate()?;
        Ok(m)
    }

    /// Checks cross-references and formats; errors name the JSON path.
    pub fn validate(&self) -> Result<()> {
        check_schema(&self.schema)?;
        if let Some(e) = &self.expires {
            if crate::features::parse_iso8601(e).is_none() {
                return Err(invalid("expires", format!("`{e}` is not an ISO-8601 time")));
            }
        }
        for (i, o) in self.artifact_origins.iter().enumerate() {
            let ok = (o.starts_with("https://") || o.starts_with("http://"))
                && o.split_once("://").is_some_and(|(_, host)| {
                    !host.is_empty() && !host.contains(['/', '?', '#', '@', '\\'])
                });
            if !ok {
                return Err(invalid(
                    format!("artifactOrigins[{i}]"),
                    format!("`{o}` is not an origin (scheme://host[:port], nothing after)"),
                ));
            }
        }
        for (name, model) in &self.models {
            let at = format!("models.{name}");
            if name.is_empty() {
                return Err(invalid("models", "a model name is empty"));
            }
            for (v, entry) in &model.versions {
                let vat = format!("{at}.versions.{v}");
                if SemVer::parse(v).is_none() {
                    return Err(invalid(
                        &vat,
                        "version keys must be semver (MAJOR.MINOR.PATCH)",
                    ));
                }
                if !entry.artifacts.contains_key("model") {
                    return Err(invalid(
                        format!("{vat}.artifacts"),
                        "a `model` artifact is required",
                    ));
                }
                for (kind, a) in &entry.artifacts {
                    let aat = format!("{vat}.artifacts.{kind}");
                    check_artifact_url(&a.url, &self.artifact_origins)
                        .map_err(|reason| invalid(format!("{aat}.url"), reason))?;
                    if !is_sha256(&a.sha256) {
                        return Err(invalid(
                            format!("{aat}.sha256"),
                            "must be 64 lowercase hex digits",
                        ));
                    }
                }
            }
            for (alias, v) in &model.aliases {
                if !model.versions.contains_key(v) {
                    return Err(invalid(
                        format!("{at}.aliases.{alias}"),
                        format!("points to version {v}, which is not published"),
                    ));
                }
            }
            for (i, r) in model.rollouts.iter().enumerate() {
                let rat = format!("{at}.rollouts[{i}]");
                if !model.aliases.contains_key(&r.alias) {
                    return Err(invalid(
                        format!("{rat}.alias"),
                        format!("unknown alias `{}`", r.alias),
                    ));
                }
                if !(0.0..=100.0).contains(&r.percent) {
                    return Err(invalid(format!("{rat}.percent"), "must be within 0–100"));
                }
            }
        }
        if let Some(sig) = &self.signature {
            if sig.alg != "ed25519" {
                return Err(invalid("signature.alg", "only ed25519 is supported"));
            }
        }
        Ok(())
    }

    /// The model entry, or `E_NOT_FOUND`.
    pub fn model(&self, name: &str) -> Result<&ModelEntry> {
        self.models.get(name).ok_or_else(|| Error::NotFound {
            what: "model".into(),
            name: name.into(),
        })
    }

    /// The bytes a signature covers: canonical JSON (sorted keys, no whitespace, ES number
    /// format) of the manifest without its `signature` field.
    pub fn signing_bytes(&self) -> Result<Vec<u8>> {
        let mut unsigned = self.clone();
        unsigned.signature = None;
        let value = serde_json::to_value(&unsigned).map_err(|e| invalid("$", e.to_string()))?;
        Ok(crate::features::canonical_json(&value).into_bytes())
    }

    /// Pretty JSON for writing.
    pub fn to_json_pretty(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| invalid("$", e.to_string()))
    }
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest::new()
    }
}

/// An artifact URL must stay inside the registry: relative, no `..` segment, no backslash, no
/// scheme — unless it starts with one of the manifest's `artifactOrigins`. Otherwise a manifest
/// (even a validly signed one, written by a careless tool) could make a client or
/// `mlcycle verify` read `/etc/passwd` or another site's files.
fn check_artifact_url(url: &str, origins: &[String]) -> std::result::Result<(), String> {
    if url.is_empty() {
        return Err("empty".into());
    }
    // Browsers delete tabs and newlines from URLs and read `%2e` as `.`: `a/%2e%2e/x` and
    // `.\t./x` are `..` to `fetch`, though not to a file system. Neither is ever needed.
    if url.bytes().any(|b| b <= 0x20 || b == 0x7f) {
        return Err(format!(
            "`{}` contains a space or control character",
            url.escape_debug()
        ));
    }
    if url.to_ascii_lowercase().contains("%2e") {
        return Err(format!(
            "`{url}` contains an encoded dot (`%2e`), which URL parsers read as `.`"
        ));
    }
    if url.contains("://") || url.starts_with("//") {
        let allowed = origins.iter().any(|o| {
            url.strip_prefix(o.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        });
        if !allowed {
            return Err(format!(
                "`{url}` is outside the registry: list its origin in `artifactOrigins` to allow it"
            ));
        }
        let path = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
        if path.split(['/', '?', '#']).any(|seg| seg == "..") {
            return Err(format!("`{url}` has a `..` segment"));
        }
        return Ok(());
    }
    if url.starts_with('/') {
        return Err(format!(
            "`{url}` is an absolute path: artifact URLs are relative to the manifest"
        ));
    }
    if url.contains('\\') {
        return Err(format!("`{url}` contains a backslash"));
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    if path
        .split('/')
        .next()
        .is_some_and(|first| first.contains(':'))
    {
        return Err(format!(
            "`{url}` names a scheme or drive: artifact URLs are relative to the manifest"
        ));
    }
    if path.split('/').any(|seg| seg == "..") {
        return Err(format!(
            "`{url}` has a `..` segment: artifact URLs must stay inside the registry"
        ));
    }
    Ok(())
}

fn check_schema(schema: &str) -> Result<()> {
    let version = schema.strip_prefix("mlcycle.manifest/").ok_or_else(|| {
        invalid(
            "schema",
            format!("`{schema}` is not an mlcycle manifest schema"),
        )
    })?;
    let major: u64 = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| invalid("schema", format!("`{schema}` has no major version")))?;
    if major != SUPPORTED_MAJOR {
        return Err(Error::ManifestVersion {
            found: version.to_string(),
            supported: SUPPORTED_MAJOR.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn sample() -> Value {
        let sha = "a".repeat(64);
        json!({
            "schema": "mlcycle.manifest/1",
            "publisher": "tests",
            "models": {
                "penguins": {
                    "aliases": {"production": "1.0.0", "canary": "1.1.0"},
                    "rollouts": [{"alias": "canary", "percent": 20, "salt": "s1", "futureKnob": true}],
                    "versions": {
                        "1.0.0": {"labels": ["A", "B"], "artifacts": {"model": {"url": "m.onnx", "sha256": sha, "size": 3, "x-cdn": "edge"}}},
                        "1.1.0": {"artifacts": {"model": {"url": "m2.onnx", "sha256": sha}}, "notes": "gbt"}
                    }
                }
            }
        })
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let m = Manifest::from_value(sample()).unwrap();
        let back = serde_json::to_value(&m).unwrap();
        assert_eq!(back["publisher"], "tests");
        assert_eq!(
            back["models"]["penguins"]["rollouts"][0]["futureKnob"],
            true
        );
        assert_eq!(
            back["models"]["penguins"]["versions"]["1.1.0"]["notes"],
            "gbt"
        );
        assert_eq!(
            back["models"]["penguins"]["versions"]["1.0.0"]["artifacts"]["model"]["x-cdn"],
            "edge"
        );
        assert_eq!(Manifest::from_value(back).unwrap(), m);
    }

    #[test]
    fn unsupported_major_is_refused_with_its_code() {
        let mut v = sample();
        v["schema"] = json!("mlcycle.manifest/2.0");
        assert_eq!(
            Manifest::from_value(v).unwrap_err().code(),
            "E_MANIFEST_VERSION"
        );
        let mut v = sample();
        v["schema"] = json!("mlcycle.manifest/1.3");
        assert!(
            Manifest::from_value(v).is_ok(),
            "minor versions are compatible"
        );
    }

    #[test]
    fn broken_references_name_the_field() {
        let mut v = sample();
        v["models"]["penguins"]["aliases"]["production"] = json!("9.9.9");
        let e = Manifest::from_value(v).unwrap_err();
        assert_eq!(e.code(), "E_MANIFEST_INVALID");
        assert_eq!(e.field(), Some("models.penguins.aliases.production"));
        let mut v = sample();
        v["models"]["penguins"]["versions"]["1.0.0"]["artifacts"]["model"]["sha256"] = json!("xyz");
        assert!(Manifest::from_value(v)
            .unwrap_err()
            .to_string()
            .contains("sha256"));
        assert_eq!(
            Manifest::from_slice(b"{not json").unwrap_err().code(),
            "E_MANIFEST_INVALID"
        );
        assert_eq!(
            Manifest::from_slice(b"[]").unwrap_err().code(),
            "E_MANIFEST_INVALID"
        );
    }

    #[test]
    fn artifact_urls_stay_inside_the_registry() {
        let with_url = |url: &str, origins: Value| {
            let mut v = sample();
            v["models"]["penguins"]["versions"]["1.0.0"]["artifacts"]["model"]["url"] = json!(url);
            v["artifactOrigins"] = origins;
            Manifest::from_value(v)
        };
        for bad in [
            "/etc/passwd",
            "../other/m.onnx",
            "penguins/../../m.onnx",
            "https://evil.example/m.onnx",
            "//evil.example/m.onnx",
            "file:///etc/passwd",
            "data:application/octet-stream;base64,AA==",
            "C:/models/m.onnx",
            "a\\..\\b.onnx",
            "a/%2e%2e/%2E%2e/x.onnx",
            ".%2e/x.onnx",
            ".\t./.\n./x.onnx",
            "",
        ] {
            let e = with_url(bad, json!([])).unwrap_err();
            assert_eq!(e.code(), "E_MANIFEST_INVALID", "{bad}");
            assert_eq!(
                e.field(),
                Some("models.penguins.versions.1.0.0.artifacts.model.url"),
                "{bad}"
            );
        }
        for good in ["m.onnx", "./penguins/1.0.0/m.onnx", "p/1.0.0/m.onnx?v=2"] {
            with_url(good, json!([])).unwrap();
        }
        // An allowed origin admits its own URLs only (not a longer host with the same prefix).
        with_url(
            "https://cdn.example/reg/m.onnx",
            json!(["https://cdn.example"]),
        )
        .unwrap();
        assert!(with_url(
            "https://cdn.example.evil/m.onnx",
            json!(["https://cdn.example"])
        )
        .is_err());
        assert!(with_url(
            "https://cdn.example/../m.onnx",
            json!(["https://cdn.example"])
        )
        .is_err());
        assert_eq!(
            with_url("m.onnx", json!(["https://cdn.example/path"]))
                .unwrap_err()
                .field(),
            Some("artifactOrigins[0]")
        );
    }

    #[test]
    fn expires_must_be_a_time() {
        let mut v = sample();
        v["expires"] = json!("next week");
        assert_eq!(
            Manifest::from_value(v).unwrap_err().field(),
            Some("expires")
        );
        let mut v = sample();
        v["expires"] = json!("2027-01-01T00:00:00Z");
        v["version"] = json!(7);
        let m = Manifest::from_value(v).unwrap();
        assert_eq!(
            (m.version, m.expires.as_deref()),
            (Some(7), Some("2027-01-01T00:00:00Z"))
        );
    }

    #[test]
    fn semver_orders_by_precedence() {
        let v = |s| SemVer::parse(s).unwrap();
        assert!(v("1.10.0") > v("1.9.9"));
        assert!(v("1.0.0") > v("1.0.0-rc.1"));
        assert!(SemVer::parse("1.0").is_none());
        assert!(SemVer::parse("01.0.0").is_none());
    }
}
