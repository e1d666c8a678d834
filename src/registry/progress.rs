//! Load progress: what a host shows while a version loads (a page's "Downloading 3.1 / 8.3 MB",
//! then "loading model"). The core reports phases and byte counts; the host decides what to do
//! with them (the wasm glue calls the page's `onProgress`). Reporting never fails a load.

use serde::Serialize;

/// Where a load is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum LoadPhase {
    /// Artifacts fetched and hash-verified so far (each counts once it has been verified).
    Download,
    /// Building the pipeline and the model from verified bytes.
    Load,
    /// Running the version's golden rows.
    Smoke,
    /// Serving (reported by the host once the deployment exists, after everything that can
    /// fail).
    Ready,
}

/// One progress report.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadProgress {
    pub phase: LoadPhase,
    /// Bytes verified so far in this load (artifacts; the manifest in `Manifest`).
    pub loaded_bytes: u64,
    /// Bytes the load will take, when every artifact declares its size.
    pub total_bytes: Option<u64>,
}

/// Receives progress reports.
pub trait Progress {
    fn report(&self, event: LoadProgress);
}

/// Reports nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn report(&self, _: LoadProgress) {}
}

impl<F: Fn(LoadProgress)> Progress for F {
    fn report(&self, event: LoadProgress) {
        self(event)
    }
}
