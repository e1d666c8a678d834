//! Latency benchmark where the code runs: feature pipeline + model, single-record and batch,
//! timed with the host's [`Clock`] (never a clock of its own).

use super::quality::percentile;
use crate::error::{Error, Result};
use crate::features::Record;
use crate::host::Clock;
use crate::inference::{Model, Preprocessing};
use serde::{Deserialize, Serialize};

/// Benchmark settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct LatencyOptions {
    /// Run the benchmark at all.
    pub enabled: bool,
    /// Untimed single-record predictions first (JIT, caches, allocations).
    pub warmup: usize,
    /// Timed single-record predictions (records cycled in order).
    pub iterations: usize,
    /// Rows per batch; 0 = every valid record (capped at 1024).
    pub batch_size: usize,
    /// Timed batch predictions (after one untimed batch).
    pub batch_iterations: usize,
}

impl Default for LatencyOptions {
    fn default() -> Self {
        LatencyOptions {
            enabled: true,
            warmup: 10,
            iterations: 200,
            batch_size: 0,
            batch_iterations: 20,
        }
    }
}

/// Distribution of timings of one mode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// Rows per call.
    pub rows: usize,
    /// Timed calls.
    pub iterations: usize,
    /// Median milliseconds per call.
    pub p50_ms: f64,
    /// 95th percentile (numpy linear interpolation).
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Mean.
    pub mean_ms: f64,
    /// Fastest call.
    pub min_ms: f64,
    /// Slowest call.
    pub max_ms: f64,
    /// Rows per second at the mean (`rows · 1000 / meanMs`; `null` when the clock did not move).
    pub throughput_per_s: Option<f64>,
}

/// Latency of pipeline + model on this host. `p50Ms`/`p95Ms`/`p99Ms` at the top level are the
/// single-record ones (what an interactive caller waits for).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LatencyReport {
    /// Where it ran (`native`, `wasm`, or the caller's label).
    pub device: String,
    /// Untimed warm-up calls.
    pub warmup: usize,
    /// Single record: median ms.
    pub p50_ms: f64,
    /// Single record: 95th percentile ms.
    pub p95_ms: f64,
    /// Single record: 99th percentile ms.
    pub p99_ms: f64,
    /// Single record, full distribution.
    pub single: Timing,
    /// One batch of `batch.rows` records (pipeline `transform_batch` + one `predict`).
    pub batch: Timing,
}

fn timing(rows: usize, mut ms: Vec<f64>) -> Result<Timing> {
    ms.sort_by(f64::total_cmp);
    let p =
        |q| percentile(&ms, q).ok_or_else(|| Error::invalid_argument("latency", "no timed call"));
    let mean = ms.iter().sum::<f64>() / ms.len().max(1) as f64;
    Ok(Timing {
        rows,
        iterations: ms.len(),
        p50_ms: p(50.0)?,
        p95_ms: p(95.0)?,
        p99_ms: p(99.0)?,
        mean_ms: mean,
        min_ms: ms.first().copied().unwrap_or(0.0),
        max_ms: ms.last().copied().unwrap_or(0.0),
        throughput_per_s: (mean > 0.0).then(|| rows as f64 * 1000.0 / mean),
    })
}

/// Benchmarks `records` (only those the preprocessing accepts are used).
pub fn benchmark(
    model: &Model,
    prep: &Preprocessing,
    records: &[Record],
    options: &LatencyOptions,
    device: &str,
    clock: &dyn Clock,
) -> Result<LatencyReport> {
    if options.iterations == 0 || options.batch_iterations == 0 {
        return Err(Error::invalid_argument(
            "latency",
            "iterations and batchIterations must be at least 1",
        ));
    }
    let valid: Vec<&Record> = records.iter().filter(|r| prep.accepts(model, r)).collect();
    if valid.is_empty() {
        return Err(Error::invalid_argument(
            "records",
            "no record passes the feature pipeline (or the model's inputs); nothing to benchmark",
        ));
    }
    for i in 0..options.warmup {
        prep.predict(model, valid[i % valid.len()])?;
    }
    let mut single = Vec::with_capacity(options.iterations);
    for i in 0..options.iterations {
        let r = valid[i % valid.len()];
        let t0 = clock.now_ms();
        prep.predict(model, r)?;
        single.push(clock.now_ms() - t0);
    }
    let size = if options.batch_size == 0 {
        valid.len().min(1024)
    } else {
        options.batch_size
    };
    let batch: Vec<&Record> = (0..size).map(|i| valid[i % valid.len()]).collect();
    prep.predict_batch(model, &batch)?;
    let mut batched = Vec::with_capacity(options.batch_iterations);
    for _ in 0..options.batch_iterations {
        let t0 = clock.now_ms();
        prep.predict_batch(model, &batch)?;
        batched.push(clock.now_ms() - t0);
    }
    let single = timing(1, single)?;
    Ok(LatencyReport {
        device: device.to_string(),
        warmup: options.warmup,
        p50_ms: single.p50_ms,
        p95_ms: single.p95_ms,
        p99_ms: single.p99_ms,
        single,
        batch: timing(size, batched)?,
    })
}
