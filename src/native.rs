//! Native (non-wasm) host implementations, for the CLI and native tests.

use crate::error::{Error, Result};
use crate::host::{Clock, Fetch};
use std::time::Instant;

/// `std::time::Instant`-based clock (panics on wasm32-unknown-unknown, hence native only).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now_ms(&self) -> f64 {
        self.origin.elapsed().as_secs_f64() * 1000.0
    }
}

/// Wall-clock milliseconds since the Unix epoch (for `now_ms` arguments in the CLI).
pub fn unix_now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Reads `file://` URLs and plain paths from disk.
#[derive(Debug, Default, Clone)]
pub struct FileFetch;

impl Fetch for FileFetch {
    async fn fetch(&self, url: &str) -> Result<Vec<u8>> {
        self.fetch_at_most(url, u64::MAX).await
    }

    /// Regular files only (a FIFO or a device would block or never end), at most `max_bytes`.
    async fn fetch_at_most(&self, url: &str, max_bytes: u64) -> Result<Vec<u8>> {
        let path = url.strip_prefix("file://").unwrap_or(url);
        let fail = |reason: String| Error::Fetch {
            url: url.to_string(),
            status: None,
            reason,
        };
        read_regular_file(std::path::Path::new(path), max_bytes).map_err(|e| match e {
            ReadFailure::Io(e) => fail(e.to_string()),
            ReadFailure::NotRegular => fail("not a regular file".into()),
            ReadFailure::TooLarge(_) => crate::host::too_large(url, max_bytes),
        })
    }
}

/// Why [`read_regular_file`] read nothing.
#[derive(Debug)]
pub enum ReadFailure {
    Io(std::io::Error),
    /// A FIFO, a device, a directory: reading would block or never end.
    NotRegular,
    /// The file holds this many bytes (at least), more than allowed.
    TooLarge(u64),
}

/// The bytes of a regular file of at most `max_bytes`: anything else is refused before a byte is
/// read, and no more than `max_bytes + 1` bytes are ever read (the file may grow meanwhile).
pub fn read_regular_file(
    path: &std::path::Path,
    max_bytes: u64,
) -> std::result::Result<Vec<u8>, ReadFailure> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(ReadFailure::Io)?;
    if !meta.is_file() {
        return Err(ReadFailure::NotRegular);
    }
    if meta.len() > max_bytes {
        return Err(ReadFailure::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(ReadFailure::Io)?;
    let mut bytes = Vec::with_capacity(meta.len().min(1 << 30) as usize);
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadFailure::Io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ReadFailure::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Runs a future to completion on the current thread. Native hosts' futures ([`FileFetch`],
/// test doubles) never wait on I/O readiness, so polling with a no-op waker suffices; a future
/// that stays pending is polled again after a yield.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}
