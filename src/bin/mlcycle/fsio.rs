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
