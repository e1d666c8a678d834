//! File helpers for the registry commands: reads with typed errors, atomic writes.

use anyhow::Result;
use std::io::Write;
use std::path::Path;

/// Whether a file argument is `-`: stdin for an input, stdout for an output.
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Standard input, read once (a command may read its input more than once).
static STDIN: std::sync::OnceLock<std::result::Result<Vec<u8>, String>> =
    std::sync::OnceLock::new();

fn stdin_bytes() -> Result<Vec<u8>> {
    let bytes = STDIN.get_or_init(|| {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
            .map(|_| buf)
            .map_err(|e| e.to_string())
    });
    Ok(bytes.clone().map_err(|reason| mlcycle::Error::Io {
        path: "-".into(),
        reason,
    })?)
}

/// Reads a file (`-`: stdin), mapping failure to `E_IO` naming the path.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    if is_stdio(path) {
        return stdin_bytes();
    }
    Ok(std::fs::read(path).map_err(|e| mlcycle::Error::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?)
}

/// Reads a UTF-8 text file (`-`: stdin), mapping failure to `E_IO` naming the path.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = read(path)?;
    Ok(String::from_utf8(bytes).map_err(|e| mlcycle::Error::Io {
        path: path.display().to_string(),
        reason: format!("not UTF-8 text: {e}"),
    })?)
}

/// Writes an output (`-`: stdout) as it is, not atomically (reports and tables).
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<()> {
    if is_stdio(path) {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()?;
        return Ok(());
    }
    Ok(std::fs::write(path, bytes).map_err(|e| mlcycle::Error::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?)
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

/// Reads a file of the registry at `root`: `relative` (already checked by the manifest to stay
/// inside) must resolve, symlinks followed, to a regular file inside `root`. With `size` > 0
/// (an artifact) it must be exactly that long (`E_INTEGRITY` otherwise); with 0 (the manifest)
/// at most `max_bytes`. A FIFO, a device, a directory or a link out of the registry is refused
/// before a byte is read, and never more than the limit is read, so a hostile registry cannot
/// hang `verify` or make it read without end.
pub fn read_registry_file(
    root: &Path,
    relative: &str,
    size: u64,
    max_bytes: u64,
) -> Result<Vec<u8>> {
    use mlcycle::native::{read_regular_file, ReadFailure};
    let path = root.join(relative.split(['?', '#']).next().unwrap_or(relative));
    let io = |reason: String| mlcycle::Error::Io {
        path: path.display().to_string(),
        reason,
    };
    let integrity = |actual: u64| mlcycle::Error::Integrity {
        url: path.display().to_string(),
        expected: format!("{size} bytes"),
        actual: format!("{actual} bytes"),
    };
    let real_root = std::fs::canonicalize(root).map_err(|e| io(e.to_string()))?;
    let real = std::fs::canonicalize(&path).map_err(|e| io(e.to_string()))?;
    if !real.starts_with(&real_root) {
        return Err(io(format!(
            "resolves to {}, outside the registry folder {}",
            real.display(),
            real_root.display()
        ))
        .into());
    }
    let limit = if size > 0 { size } else { max_bytes };
    match read_regular_file(&real, limit) {
        Ok(bytes) if size > 0 && bytes.len() as u64 != size => {
            Err(integrity(bytes.len() as u64).into())
        }
        Ok(bytes) => Ok(bytes),
        Err(ReadFailure::NotRegular) => Err(io("not a regular file".into()).into()),
        Err(ReadFailure::TooLarge(len)) if size > 0 => Err(integrity(len).into()),
        Err(ReadFailure::TooLarge(_)) => {
            Err(mlcycle::host::too_large(&path.display().to_string(), max_bytes).into())
        }
        Err(ReadFailure::Io(e)) => Err(io(e.to_string()).into()),
    }
}
