//! TUF-style freshness of a manifest: a signature proves who wrote a manifest, not that it is
//! the latest one. Without more, an attacker (or a stale CDN) can replay an older, validly
//! signed manifest and move every client back to a vulnerable version (a rollback attack), or
//! keep serving one manifest forever so clients never see a fix (a freeze attack).
//!
//! Two manifest fields close both, as TUF's timestamp/snapshot roles do:
//! - `version`, strictly increasing on every write: a client remembers the highest version it
//!   trusted per registry URL (in a [`TrustStore`] the host provides: localStorage in
//!   browsers, a state file for the CLI, memory otherwise) and refuses a lower one
//!   (`E_ROLLBACK`);
//! - `expires`: after it, the manifest is refused (`E_EXPIRED`) until the operator re-signs it
//!   (`mlcycle renew`).
//!
//! Both are covered by the signature. [`FreshnessPolicy`] holds the operator's escape hatches
//! (documented in docs/security.md): accept a lower version once (a deliberate registry reset),
//! or an expired manifest (an outage of the signing pipeline).

use super::manifest::Manifest;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Where a client remembers the highest manifest version it trusted, per manifest URL.
pub trait TrustStore {
    /// The version last trusted for `manifest_url`, if any.
    fn trusted_version(&self, manifest_url: &str) -> Option<u64>;
    /// Records the version just trusted (best effort: a store that cannot write keeps what it
    /// has in memory).
    fn remember(&self, manifest_url: &str, version: u64);
}

/// A trust store in memory: lasts as long as the value (a page, a worker isolate, a process).
#[derive(Clone, Debug, Default)]
pub struct MemoryTrustStore {
    versions: Rc<RefCell<HashMap<String, u64>>>,
}

impl TrustStore for MemoryTrustStore {
    fn trusted_version(&self, manifest_url: &str) -> Option<u64> {
        self.versions.borrow().get(manifest_url).copied()
    }

    fn remember(&self, manifest_url: &str, version: u64) {
        self.versions
            .borrow_mut()
            .insert(manifest_url.to_string(), version);
    }
}

/// The operator's escape hatches. Both default to off; turn one on for one load, not forever.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreshnessPolicy {
    /// Accept a manifest older than the one trusted before (and trust it from now on): for a
    /// registry that was deliberately rebuilt from scratch.
    #[serde(default)]
    pub allow_rollback: bool,
    /// Accept a manifest past its `expires` time.
    #[serde(default)]
    pub allow_expired: bool,
}

/// The key a registry's trusted version is kept under: its manifest URL without query or
/// fragment (cache-busting parameters must not reset the memory, nor grow it without end).
pub fn registry_id(manifest_url: &str) -> String {
    manifest_url
        .split(['?', '#'])
        .next()
        .unwrap_or(manifest_url)
        .to_string()
}

/// The manifest's version (0 when it has none: written before versions existed).
pub fn manifest_version(manifest: &Manifest) -> u64 {
    manifest.version.unwrap_or(0)
}

/// The manifest's `expires` as epoch milliseconds (`None`: it never expires).
pub fn expires_ms(manifest: &Manifest) -> Option<f64> {
    // `Manifest::validate` refuses an unparsable time; one slipped past expires at once.
    manifest
        .expires
        .as_deref()
        .map(|e| crate::features::parse_iso8601(e).unwrap_or(f64::NEG_INFINITY))
}

/// Checks `manifest` (already signature-verified when a key is configured) against what was
/// trusted before and the current time. Does not record anything: see [`admit`].
pub fn check(
    manifest: &Manifest,
    manifest_url: &str,
    trusted: Option<u64>,
    now_ms: f64,
    policy: &FreshnessPolicy,
) -> Result<()> {
    let got = manifest_version(manifest);
    if let Some(seen) = trusted {
        if got < seen && !policy.allow_rollback {
            return Err(Error::Rollback {
                url: manifest_url.to_string(),
                seen,
                got,
            });
        }
    }
    if let Some(at) = expires_ms(manifest) {
        if now_ms >= at && !policy.allow_expired {
            return Err(Error::Expired {
                url: manifest_url.to_string(),
                expires: manifest.expires.clone().unwrap_or_default(),
            });
        }
    }
    Ok(())
}

/// [`check`] against the version trusted for the registry `id` ([`registry_id`]), then, when
/// `authenticated` (a trusted key verified the signature), remembers the manifest's version.
/// An unsigned manifest's version could be anything: remembering a spoofed 2^64 - 1 would lock
/// the client out for good.
pub fn admit<T: TrustStore + ?Sized>(
    manifest: &Manifest,
    id: &str,
    store: &T,
    now_ms: f64,
    policy: &FreshnessPolicy,
    authenticated: bool,
) -> Result<()> {
    check(manifest, id, store.trusted_version(id), now_ms, policy)?;
    if authenticated {
        store.remember(id, manifest_version(manifest));
    }
    Ok(())
}

/// `expires` for a manifest written at `now_ms` that stays valid `days` days.
pub fn expires_after(now_ms: f64, days: f64) -> String {
    crate::features::format_iso8601_utc(now_ms + days * 86_400_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(version: Option<u64>, expires: Option<&str>) -> Manifest {
        let mut m = Manifest::new();
        m.version = version;
        m.expires = expires.map(str::to_string);
        m
    }

    const JAN_2027: f64 = 1_798_761_600_000.0; // 2027-01-01T00:00:00Z

    #[test]
    fn a_lower_version_is_a_rollback_unless_allowed() {
        let store = MemoryTrustStore::default();
        let p = FreshnessPolicy::default();
        admit(&manifest(Some(5), None), "u", &store, 0.0, &p, true).unwrap();
        admit(&manifest(Some(5), None), "u", &store, 0.0, &p, true).unwrap();
        let e = admit(&manifest(Some(4), None), "u", &store, 0.0, &p, true).unwrap_err();
        assert_eq!(e.code(), "E_ROLLBACK");
        assert!(e.to_string().contains("version 4"), "{e}");
        // A manifest without a version after a versioned one is a rollback too.
        assert_eq!(
            admit(&manifest(None, None), "u", &store, 0.0, &p, true)
                .unwrap_err()
                .code(),
            "E_ROLLBACK"
        );
        // Another registry URL has its own history.
        admit(&manifest(Some(1), None), "other", &store, 0.0, &p, true).unwrap();
        // The escape hatch accepts it once and trusts the lower version from then on.
        let reset = FreshnessPolicy {
            allow_rollback: true,
            ..Default::default()
        };
        admit(&manifest(Some(2), None), "u", &store, 0.0, &reset, true).unwrap();
        assert_eq!(store.trusted_version("u"), Some(2));
        admit(&manifest(Some(3), None), "u", &store, 0.0, &p, true).unwrap();
    }

    #[test]
    fn an_expired_manifest_is_refused_and_not_remembered() {
        let store = MemoryTrustStore::default();
        let p = FreshnessPolicy::default();
        let m = manifest(Some(9), Some("2027-01-01T00:00:00Z"));
        admit(&m, "u", &store, JAN_2027 - 1.0, &p, true).unwrap();
        let e = admit(&m, "u", &store, JAN_2027, &p, true).unwrap_err();
        assert_eq!(e.code(), "E_EXPIRED");
        assert!(e.to_string().contains("2027-01-01T00:00:00Z"), "{e}");
        let other = MemoryTrustStore::default();
        assert!(admit(&m, "u", &other, JAN_2027 + 1.0, &p, true).is_err());
        assert_eq!(other.trusted_version("u"), None);
        let late = FreshnessPolicy {
            allow_expired: true,
            ..Default::default()
        };
        admit(&m, "u", &other, JAN_2027 + 1.0, &late, true).unwrap();
        // A manifest without `expires` never expires (manifests written before it existed).
        admit(&manifest(Some(10), None), "u", &store, f64::MAX, &p, true).unwrap();
    }

    #[test]
    fn the_registry_id_ignores_query_and_fragment() {
        assert_eq!(
            registry_id("https://h/r/manifest.json?t=1#x"),
            "https://h/r/manifest.json"
        );
    }

    #[test]
    fn expiry_is_days_after_now() {
        assert_eq!(expires_after(JAN_2027, 30.0), "2027-01-31T00:00:00Z");
    }
}
