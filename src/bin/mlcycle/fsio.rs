//! File helpers for the registry commands: reads with typed errors, atomic writes.

use anyhow::Result;
use std::io::Write;
use std::path::Path;

/// Reads a file, mapping failure to `E_IO` naming the path.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    Ok(std::fs::read(path).map_err(|e| mlcycle::Error::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?)
}

/// Reads a UTF-8 text file, mapping failure to `E_IO` naming the path.
pub fn read_text(path: &Path) -> Result<String> {
    Ok(
        std::fs::read_to_string(path).map_err(|e| mlcycle::Error::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?,
    )
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed and
/// synced, then renamed over the target. Readers see the old or the new file, never a half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e: std::io::Error| mlcycle::Error::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)?;
    Ok(())
}

/// How long a registry writer waits for another one by default (`MLCYCLE_LOCK_WAIT_SECS`).
const LOCK_WAIT_SECS: u64 = 120;

/// An exclusive lock on a registry folder, held until dropped. `publish`, `promote`,
/// `rollback` and `rollout` read the manifest, change it and write it back under it, so
/// concurrent writers take turns instead of both "succeeding" with one change lost.
///
/// An OS file lock on `DIR/.mlcycle.lock` (flock / LockFileEx through `std::fs::File::lock`):
/// the OS releases it when the holder exits or crashes, so there is no stale lock to detect or
/// clean up; the file itself stays (empty) and means nothing.
pub struct RegistryLock {
    _file: std::fs::File,
}

/// Takes the registry's lock, waiting up to `MLCYCLE_LOCK_WAIT_SECS` (default 120 s) for
/// another writer; then `E_IO` naming the lock file. `create`: make the folder (a first
/// publish); otherwise a missing folder is `E_IO` and nothing is created.
pub fn lock_registry(dir: &Path, create: bool) -> Result<RegistryLock> {
    let path = dir.join(".mlcycle.lock");
    let io = |reason: String| mlcycle::Error::Io {
        path: path.display().to_string(),
        reason,
    };
    if create {
        std::fs::create_dir_all(dir).map_err(|e| io(e.to_string()))?;
    } else if !dir.is_dir() {
        return Err(mlcycle::Error::Io {
            path: dir.display().to_string(),
            reason: "not a registry folder".into(),
        }
        .into());
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io(e.to_string()))?;
    let wait = std::env::var("MLCYCLE_LOCK_WAIT_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(LOCK_WAIT_SECS);
    let start = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(RegistryLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed().as_secs() < wait => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(io(format!(
                    "another publish/promote/rollback/rollout holds the registry lock; waited {wait} s (MLCYCLE_LOCK_WAIT_SECS)"
                ))
                .into())
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e.to_string()).into()),
        }
    }
}
