//! Verified artifact fetching: every byte is hashed in Rust before use (fetch's `integrity`
//! option is ignored by workerd, Deno and Bun), and caches are keyed by SHA-256 so a new
//! version can never be served a stale artifact.

use super::hash::sha256_hex;
use super::manifest::Artifact;
use crate::error::{Error, Result};
use crate::host::Fetch;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

/// Content-addressed storage for artifacts (Cache API in browsers, memory elsewhere).
pub trait ArtifactCache {
    /// Bytes stored under `sha256`, if any.
    fn get(&self, sha256: &str) -> impl Future<Output = Option<Vec<u8>>>;
    /// Stores verified bytes under their hash (best effort: failures are ignored).
    fn put(&self, sha256: &str, bytes: &[u8]) -> impl Future<Output = ()>;
}

/// An in-memory cache, bounded by total bytes (oldest entries evicted first).
#[derive(Debug, Clone, Default)]
pub struct MemoryCache {
    inner: Rc<RefCell<(Vec<String>, HashMap<String, Rc<Vec<u8>>>)>>,
    max_bytes: usize,
}

impl MemoryCache {
    /// A cache holding at most `max_bytes` (0 = 64 MiB).
    pub fn new(max_bytes: usize) -> MemoryCache {
        MemoryCache {
            inner: Rc::default(),
            max_bytes: if max_bytes == 0 { 64 << 20 } else { max_bytes },
        }
    }

    /// Number of cached artifacts.
    pub fn len(&self) -> usize {
        self.inner.borrow().1.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ArtifactCache for MemoryCache {
    async fn get(&self, sha256: &str) -> Option<Vec<u8>> {
        self.inner
            .borrow()
            .1
            .get(sha256)
            .map(|b| b.as_ref().clone())
    }

    async fn put(&self, sha256: &str, bytes: &[u8]) {
        let mut inner = self.inner.borrow_mut();
        if inner.1.contains_key(sha256) || bytes.len() > self.max_bytes {
            return;
        }
        inner.0.push(sha256.to_string());
        inner.1.insert(sha256.to_string(), Rc::new(bytes.to_vec()));
        let mut total: usize = inner.1.values().map(|b| b.len()).sum();
        while total > self.max_bytes && !inner.0.is_empty() {
            let oldest = inner.0.remove(0);
            if let Some(b) = inner.1.remove(&oldest) {
                total -= b.len();
            }
        }
    }
}

/// Resolves `relative` against the URL of the manifest (`base`): absolute URLs stay, `/path`
/// keeps the base's origin, anything else is relative to the base's folder.
pub fn join_url(base: &str, relative: &str) -> String {
    if relative.contains("://") || relative.starts_with("data:") {
        return relative.to_string();
    }
    if let Some(rest) = relative.strip_prefix('/') {
        if let Some(scheme_end) = base.find("://") {
            let after = &base[scheme_end + 3..];
            let origin_end = after
                .find('/')
                .map(|i| scheme_end + 3 + i)
                .unwrap_or(base.len());
            return format!("{}/{}", &base[..origin_end], rest);
        }
        return relative.to_string();
    }
    let base = base.split(['?', '#']).next().unwrap_or(base);
    let dir = match base.rfind('/') {
        Some(i) => &base[..=i],
        None => "",
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in relative.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("{dir}{}", parts.join("/"))
}

/// Checks bytes against an artifact's declared hash and size.
pub fn verify_bytes(url: &str, artifact: &Artifact, bytes: &[u8]) -> Result<()> {
    let actual = sha256_hex(bytes);
    if actual != artifact.sha256 {
        return Err(Error::Integrity {
            url: url.to_string(),
            expected: artifact.sha256.clone(),
            actual,
        });
    }
    if artifact.size != 0 && artifact.size != bytes.len() as u64 {
        return Err(Error::Integrity {
            url: url.to_string(),
            expected: format!("{} bytes", artifact.size),
            actual: format!("{} bytes", bytes.len()),
        });
    }
    Ok(())
}

/// Fetches an artifact (cache first), verifies it and caches it.
pub async fn fetch_verified<F: Fetch, C: ArtifactCache>(
    fetch: &F,
    cache: &C,
    manifest_url: &str,
    artifact: &Artifact,
) -> Result<Vec<u8>> {
    let url = join_url(manifest_url, &artifact.url);
    if let Some(bytes) = cache.get(&artifact.sha256).await {
        if verify_bytes(&url, artifact, &bytes).is_ok() {
            return Ok(bytes);
        }
    }
    // The declared size bounds the download (a server sending more is cut off at once).
    let limit = match artifact.size {
        0 => crate::host::MAX_UNSIZED_ARTIFACT_BYTES,
        n => n,
    };
    let bytes = fetch.fetch_at_most(&url, limit).await?;
    verify_bytes(&url, artifact, &bytes)?;
    cache.put(&artifact.sha256, &bytes).await;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_like_a_browser() {
        assert_eq!(
            join_url("http://h:1/reg/manifest.json", "p/1.0.0/m.onnx"),
            "http://h:1/reg/p/1.0.0/m.onnx"
        );
        assert_eq!(
            join_url("http://h:1/reg/manifest.json?x", "./a/../b.json"),
            "http://h:1/reg/b.json"
        );
        assert_eq!(
            join_url("http://h:1/reg/manifest.json", "/x/y"),
            "http://h:1/x/y"
        );
        assert_eq!(
            join_url("http://h/reg/manifest.json", "https://cdn/z"),
            "https://cdn/z"
        );
        assert_eq!(
            join_url("dir/manifest.json", "m/1/a.onnx"),
            "dir/m/1/a.onnx"
        );
        assert_eq!(join_url("manifest.json", "a.onnx"), "a.onnx");
    }

    #[test]
    fn tampered_bytes_are_refused_naming_the_url() {
        let a = Artifact {
            url: "m.onnx".into(),
            sha256: sha256_hex(b"good"),
            size: 4,
            ..Default::default()
        };
        assert!(verify_bytes("u", &a, b"good").is_ok());
        let e = verify_bytes("http://x/m.onnx", &a, b"evil").unwrap_err();
        assert_eq!(e.code(), "E_INTEGRITY");
        assert!(e.to_string().contains("http://x/m.onnx"));
    }
}
