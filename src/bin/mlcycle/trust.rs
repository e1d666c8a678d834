//! The CLI's memory of manifest versions it trusted (see `mlcycle::registry::freshness`): a
//! small JSON file `{manifest path: version}` in the user's state folder, so `mlcycle verify`
//! refuses a registry folder that was replaced by an older (validly signed) copy.
//!
//! Where: `$MLCYCLE_STATE_DIR`, else `$XDG_STATE_HOME/mlcycle`, else
//! `$HOME/.local/state/mlcycle`; with none of them, memory only (one run).

use crate::fsio::write_atomic;
use mlcycle::registry::{MemoryTrustStore, TrustStore};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A trust store backed by `trusted-manifests.json` in the state folder.
pub struct FileTrustStore {
    path: Option<PathBuf>,
    memory: MemoryTrustStore,
}

fn state_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("MLCYCLE_STATE_DIR")
        .or_else(|| var("XDG_STATE_HOME").map(|d| d.join("mlcycle")))
        .or_else(|| var("HOME").map(|h| h.join(".local/state/mlcycle")))
}

impl FileTrustStore {
    /// The store in the user's state folder.
    pub fn open() -> FileTrustStore {
        FileTrustStore {
            path: state_dir().map(|d| d.join("trusted-manifests.json")),
            memory: MemoryTrustStore::default(),
        }
    }

    /// Where it is kept (for messages).
    pub fn location(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "memory (no MLCYCLE_STATE_DIR, XDG_STATE_HOME or HOME)".into(),
        }
    }

    fn read_all(&self) -> BTreeMap<String, u64> {
        self.path
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .filter(|b| b.len() < 16 << 20)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }
}

impl TrustStore for FileTrustStore {
    fn trusted_version(&self, manifest_url: &str) -> Option<u64> {
        let stored = self.read_all().get(manifest_url).copied();
        self.memory.trusted_version(manifest_url).max(stored)
    }

    fn remember(&self, manifest_url: &str, version: u64) {
        self.memory.remember(manifest_url, version);
        if let Some(path) = &self.path {
            let mut all = self.read_all();
            all.insert(manifest_url.to_string(), version);
            if let Ok(json) = serde_json::to_vec_pretty(&all) {
                if let Err(e) = write_atomic(path, &json) {
                    eprintln!("warning: cannot record the trusted manifest version: {e:#}");
                }
            }
        }
    }
}
