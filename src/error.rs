//! The one error type of mlcycle.
//!
//! Every fallible call in the crate returns [`Error`]. Each variant names the item at fault
//! (the field, the operator, the URL) so a message is actionable on its own, and
//! [`Error::code`] gives a stable string (`E_…`) that callers branch on: it becomes the `code`
//! property of the JS `Error` thrown at the wasm boundary and is printed by the CLI. Codes are
//! part of the public API and documented in the README; messages are not.
//!
//! Panics are bugs: a panic inside wasm aborts the whole module, so nothing here may panic on
//! bad input.

use std::fmt;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in mlcycle, with the item at fault.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The bytes are not a model mlcycle can parse or make sense of.
    ModelInvalid { reason: String },
    /// The model uses an operator that neither tract nor mlcycle implements.
    UnsupportedOp { op: String, reason: String },
    /// The input given to a model does not have the shape the model expects.
    InputShape { expected: String, actual: String },
    /// The model failed while running.
    Inference { reason: String },
    /// A feature spec (features.json) is malformed or inconsistent.
    SpecInvalid { field: String, reason: String },
    /// A record violates the feature spec.
    FeatureInvalid {
        field: String,
        rule: String,
        reason: String,
    },
    /// A registry manifest is malformed.
    Manifest { field: String, reason: String },
    /// A manifest declares a schema major version this build does not understand.
    ManifestVersion { found: String, supported: String },
    /// A requested model, version, alias or artifact does not exist.
    NotFound { what: String, name: String },
    /// Downloaded bytes do not hash to what the manifest promised.
    Integrity {
        url: String,
        expected: String,
        actual: String,
    },
    /// The manifest signature does not verify.
    Signature { reason: String },
    /// The manifest's `version` is lower than one this client has already trusted for the same
    /// registry: a replayed older (validly signed) manifest, or a CDN serving a stale copy.
    Rollback { url: String, seen: u64, got: u64 },
    /// The manifest's `expires` time has passed: the registry stopped being re-signed (a
    /// freeze attack, or an operator who forgot `mlcycle renew`).
    Expired { url: String, expires: String },
    /// A host fetch failed (network error or non-2xx status).
    Fetch {
        url: String,
        status: Option<u16>,
        reason: String,
    },
    /// A CSV input is malformed.
    Csv { line: Option<u64>, reason: String },
    /// Reading or writing a local file failed (native only).
    Io { path: String, reason: String },
    /// A serialized state (snapshot, report) cannot be read back.
    Snapshot { reason: String },
    /// A new model version failed its smoke test and was not swapped in.
    SmokeTest { version: String, reason: String },
    /// An argument is out of its domain (negative count, empty batch, …).
    InvalidArgument { name: String, reason: String },
    /// The capability is not compiled into this build or not available on this host.
    Unsupported { what: String },
}

impl Error {
    /// The stable machine-readable code of this error (documented in the README).
    pub fn code(&self) -> &'static str {
        match self {
            Error::ModelInvalid { .. } => "E_MODEL_INVALID",
            Error::UnsupportedOp { .. } => "E_MODEL_UNSUPPORTED_OP",
            Error::InputShape { .. } => "E_INPUT_SHAPE",
            Error::Inference { .. } => "E_INFERENCE",
            Error::SpecInvalid { .. } => "E_SPEC_INVALID",
            Error::FeatureInvalid { .. } => "E_FEATURE_INVALID",
            Error::Manifest { .. } => "E_MANIFEST_INVALID",
            Error::ManifestVersion { .. } => "E_MANIFEST_VERSION",
            Error::NotFound { .. } => "E_NOT_FOUND",
            Error::Integrity { .. } => "E_INTEGRITY",
            Error::Signature { .. } => "E_SIGNATURE",
            Error::Rollback { .. } => "E_ROLLBACK",
            Error::Expired { .. } => "E_EXPIRED",
            Error::Fetch { .. } => "E_FETCH",
            Error::Csv { .. } => "E_CSV",
            Error::Io { .. } => "E_IO",
            Error::Snapshot { .. } => "E_SNAPSHOT",
            Error::SmokeTest { .. } => "E_SMOKE_TEST",
            Error::InvalidArgument { .. } => "E_INVALID_ARGUMENT",
            Error::Unsupported { .. } => "E_UNSUPPORTED",
        }
    }

    /// Every code this crate can return, for documentation and tests.
    pub const ALL_CODES: &'static [&'static str] = &[
        "E_MODEL_INVALID",
        "E_MODEL_UNSUPPORTED_OP",
        "E_INPUT_SHAPE",
        "E_INFERENCE",
        "E_SPEC_INVALID",
        "E_FEATURE_INVALID",
        "E_MANIFEST_INVALID",
        "E_MANIFEST_VERSION",
        "E_NOT_FOUND",
        "E_INTEGRITY",
        "E_SIGNATURE",
        "E_ROLLBACK",
        "E_EXPIRED",
        "E_FETCH",
        "E_CSV",
        "E_IO",
        "E_SNAPSHOT",
        "E_SMOKE_TEST",
        "E_INVALID_ARGUMENT",
        "E_UNSUPPORTED",
    ];

    /// The field a validation error is about, when there is one (used by UIs to put the
    /// message next to the offending input).
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::FeatureInvalid { field, .. }
            | Error::SpecInvalid { field, .. }
            | Error::Manifest { field, .. } => Some(field),
            _ => None,
        }
    }

    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid_argument(name: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Unsupported`].
    pub fn unsupported(what: impl Into<String>) -> Error {
        Error::Unsupported { what: what.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ModelInvalid { reason } => {
                write!(f, "the model cannot be loaded: {reason}")
            }
            Error::UnsupportedOp { op, reason } => write!(
                f,
                "the model uses operator `{op}`, which this build cannot run ({reason}); \
                 re-export it without that operator or open an issue"
            ),
            Error::InputShape { expected, actual } => {
                write!(
                    f,
                    "input shape mismatch: the model expects {expected}, got {actual}"
                )
            }
            Error::Inference { reason } => write!(f, "inference failed: {reason}"),
            Error::SpecInvalid { field, reason } => {
                write!(f, "feature spec is invalid at `{field}`: {reason}")
            }
            Error::FeatureInvalid {
                field,
                rule,
                reason,
            } => {
                write!(f, "field `{field}` violates rule `{rule}`: {reason}")
            }
            Error::Manifest { field, reason } => {
                write!(f, "manifest is invalid at `{field}`: {reason}")
            }
            Error::ManifestVersion { found, supported } => write!(
                f,
                "manifest schema version {found} is not supported (this build reads {supported}); \
                 upgrade mlcycle"
            ),
            Error::NotFound { what, name } => write!(f, "{what} `{name}` not found"),
            Error::Integrity {
                url,
                expected,
                actual,
            } => write!(
                f,
                "integrity check failed for {url}: expected sha256 {expected}, got {actual}; \
                 the artifact was modified or corrupted, republish it"
            ),
            Error::Signature { reason } => write!(f, "manifest signature is invalid: {reason}"),
            Error::Rollback { url, seen, got } => write!(
                f,
                "{url} is manifest version {got}, older than version {seen} already trusted for \
                 this registry: refusing a rollback (replayed or stale manifest)"
            ),
            Error::Expired { url, expires } => write!(
                f,
                "{url} expired at {expires}: the registry must be re-signed (`mlcycle renew`) \
                 before clients trust it again"
            ),
            Error::Fetch {
                url,
                status,
                reason,
            } => match status {
                Some(s) => write!(f, "fetching {url} failed with HTTP {s}: {reason}"),
                None => write!(f, "fetching {url} failed: {reason}"),
            },
            Error::Csv {
                line: Some(l),
                reason,
            } => write!(f, "CSV line {l}: {reason}"),
            Error::Csv { line: None, reason } => write!(f, "CSV: {reason}"),
            Error::Io { path, reason } => write!(f, "{path}: {reason}"),
            Error::Snapshot { reason } => write!(f, "snapshot cannot be restored: {reason}"),
            Error::SmokeTest { version, reason } => write!(
                f,
                "version {version} failed its smoke test and was not deployed: {reason}"
            ),
            Error::InvalidArgument { name, reason } => {
                write!(f, "invalid argument `{name}`: {reason}")
            }
            Error::Unsupported { what } => write!(f, "unsupported: {what}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_listed() {
        let mut seen = std::collections::HashSet::new();
        for c in Error::ALL_CODES {
            assert!(c.starts_with("E_"), "{c}");
            assert!(seen.insert(*c), "duplicate {c}");
        }
        let samples = [
            Error::ModelInvalid { reason: "x".into() },
            Error::InputShape {
                expected: "a".into(),
                actual: "b".into(),
            },
            Error::unsupported("x"),
        ];
        for e in samples {
            assert!(Error::ALL_CODES.contains(&e.code()));
            assert!(!e.to_string().is_empty());
        }
    }
}
