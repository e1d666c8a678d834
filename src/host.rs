//! What the core needs from its host, as traits. The core never reads a clock, the network or
//! storage itself: time arrives as `now_ms` arguments or through [`Clock`] (for measuring
//! latency), bytes arrive through [`Fetch`]. Native implementations live in `crate::native`,
//! JS ones in `src/wasm/`.

use crate::error::Result;
use std::future::Future;

/// A monotonic clock in milliseconds (for latency measurement; wall time comes in as `now_ms`).
pub trait Clock {
    /// Milliseconds since an arbitrary origin, monotonic, sub-millisecond resolution if any.
    fn now_ms(&self) -> f64;
}

/// Fetches the bytes behind a URL (HTTP(S) in JS hosts, files or HTTP natively).
pub trait Fetch {
    /// The body of `url`, or `Error::Fetch` naming the URL and status.
    fn fetch(&self, url: &str) -> impl Future<Output = Result<Vec<u8>>>;

    /// The body of `url` if it is at most `max_bytes` long, else `Error::Fetch` saying so. Hosts
    /// that stream override it to stop reading as soon as the limit is passed (a hostile server
    /// can send without end); this default checks after the fact.
    fn fetch_at_most(&self, url: &str, max_bytes: u64) -> impl Future<Output = Result<Vec<u8>>> {
        async move {
            let bytes = self.fetch(url).await?;
            if bytes.len() as u64 > max_bytes {
                return Err(too_large(url, max_bytes));
            }
            Ok(bytes)
        }
    }
}

/// Most bytes a manifest may have (it lists files; it does not hold them).
pub const MAX_MANIFEST_BYTES: u64 = 16 << 20;

/// Most bytes of an artifact whose manifest entry gives no size.
pub const MAX_UNSIZED_ARTIFACT_BYTES: u64 = 1 << 30;

/// The error for a body past its limit.
pub fn too_large(url: &str, max_bytes: u64) -> crate::error::Error {
    crate::error::Error::Fetch {
        url: url.to_string(),
        status: None,
        reason: format!("the body is larger than the {max_bytes} bytes allowed; reading stopped"),
    }
}

/// A clock that returns a fixed sequence (tests): each call advances by `step_ms`.
#[derive(Debug)]
pub struct ManualClock {
    now: std::cell::Cell<f64>,
    step_ms: f64,
}

impl ManualClock {
    /// Starts at `start_ms` and advances `step_ms` per reading.
    pub fn new(start_ms: f64, step_ms: f64) -> ManualClock {
        ManualClock {
            now: std::cell::Cell::new(start_ms),
            step_ms,
        }
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> f64 {
        let t = self.now.get();
        self.now.set(t + self.step_ms);
        t
    }
}
