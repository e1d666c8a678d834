//! Tumbling windows of a [`super::Monitor`]: besides the running total, the monitor keeps the
//! same summaries (field drift counts, class mix, confidence, a latency sketch, errors, feedback)
//! per wall-clock window of `windowMs`, the last `windows` of them. A drift that started an hour
//! ago shows in the hour's window at full strength, where the running total dilutes it with a
//! week of normal traffic.
//!
//! Windows are aligned to the epoch (`start = ⌊now / windowMs⌋ · windowMs`), so two devices'
//! windows of the same hour have the same start and merge by adding counts. Windows without
//! traffic are not stored. Memory is bounded per window ([`window_bytes_bound`], stated in
//! docs/monitoring.md and measured by tests/monitor/windows.rs with a counting allocator) and
//! by the window count.

use super::config::MonitorConfig;
use super::drift::{max_opt, FieldCounts};
use super::profile::{ReferenceProfile, CONFIDENCE_EDGES};
use super::sketch::DdSketch;
use super::stats::{add_counts, saturating_sum};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// Largest `windows` count a config may ask for.
pub const MAX_WINDOWS: usize = 1000;
/// Bucket limit of a window's latency sketch (the running total keeps `latencyMaxBuckets`):
/// 512 buckets at α = 1 % span a 22,000× range of latencies before the smallest collapse.
pub const WINDOW_LATENCY_BUCKETS: usize = 512;
/// Distinct error codes a window tracks; later new codes count under `other`.
pub const WINDOW_ERROR_CODES: usize = 16;
/// Times beyond ±2^53 ms (±285,000 years) go to the running total only: past it a window start
/// `⌊now / windowMs⌋ · windowMs` is no longer exact (a nanosecond timestamp given as ms lands
/// here).
pub const MAX_TIME_MS: f64 = 9_007_199_254_740_992.0;

/// A time windows take: finite and within ±[`MAX_TIME_MS`].
fn windowable(t: f64) -> bool {
    t.abs() <= MAX_TIME_MS
}
/// Longest error code kept (longer codes are cut), as in the running total.
pub(crate) const MAX_CODE_LEN: usize = 64;

/// Adds one error to a bounded per-code map (`cap` codes, the last being `other`).
pub(crate) fn count_error(errors: &mut BTreeMap<String, u64>, code: &str, n: u64, cap: usize) {
    let code = if code.is_empty() { "unknown" } else { code };
    let code = match code.char_indices().nth(MAX_CODE_LEN) {
        Some((i, _)) => code.get(..i).unwrap_or(code),
        None => code,
    };
    if let Some(x) = errors.get_mut(code) {
        *x = x.saturating_add(n);
    } else if errors.len() < cap.saturating_sub(1) {
        errors.insert(code.to_string(), n);
    } else {
        let other = errors.entry("other".to_string()).or_default();
        *other = other.saturating_add(n);
    }
}

/// The counts one summary holds — the running total's or one window's — as the signal
/// judgements read them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CountsView<'a> {
    pub predictions: u64,
    pub errors: &'a BTreeMap<String, u64>,
    pub class_counts: &'a [u64],
    pub confidence_counts: &'a [u64],
    pub fields: &'a [FieldCounts],
    pub labeled: u64,
    pub correct: u64,
}

impl CountsView<'_> {
    /// errors / (predictions + errors).
    pub fn error_rate(&self) -> Option<f64> {
        let errors: u64 = saturating_sum(self.errors.values());
        let calls = errors.saturating_add(self.predictions);
        (calls > 0).then(|| errors as f64 / calls as f64)
    }

    /// Calls: predictions + errors.
    pub fn calls(&self) -> u64 {
        self.predictions
            .saturating_add(saturating_sum(self.errors.values()))
    }

    /// correct / labeled.
    pub fn accuracy(&self) -> Option<f64> {
        (self.labeled > 0).then(|| self.correct as f64 / self.labeled as f64)
    }
}

/// One window's summaries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WindowCounts {
    /// Wall-clock start (ms since the epoch, a multiple of `windowMs`).
    pub start_ms: f64,
    pub predictions: u64,
    pub errors: BTreeMap<String, u64>,
    pub latency: DdSketch,
    pub class_counts: Vec<u64>,
    pub confidence_counts: Vec<u64>,
    pub fields: Vec<FieldCounts>,
    /// Feedback labels joined while this window was current (by arrival time).
    pub labeled: u64,
    pub correct: u64,
}

impl WindowCounts {
    fn new(
        start_ms: f64,
        reference: &ReferenceProfile,
        config: &MonitorConfig,
        k: usize,
    ) -> Result<Self> {
        let mut latency = DdSketch::new(config.latency_relative_accuracy, window_buckets(config))?;
        latency.shrink();
        Ok(WindowCounts {
            start_ms,
            predictions: 0,
            errors: BTreeMap::new(),
            latency,
            class_counts: vec![0; k],
            confidence_counts: vec![0; CONFIDENCE_EDGES.len() + 1],
            fields: FieldCounts::for_reference(reference),
            labeled: 0,
            correct: 0,
        })
    }

    pub fn view(&self) -> CountsView<'_> {
        CountsView {
            predictions: self.predictions,
            errors: &self.errors,
            class_counts: &self.class_counts,
            confidence_counts: &self.confidence_counts,
            fields: &self.fields,
            labeled: self.labeled,
            correct: self.correct,
        }
    }

    fn merge(&mut self, o: &WindowCounts) -> Result<()> {
        self.latency.merge(&o.latency)?;
        self.predictions = self.predictions.saturating_add(o.predictions);
        for (code, n) in &o.errors {
            count_error(&mut self.errors, code, *n, WINDOW_ERROR_CODES);
        }
        if self.class_counts.is_empty() {
            self.class_counts = vec![0; o.class_counts.len()];
        }
        add_counts(&mut self.class_counts, &o.class_counts);
        add_counts(&mut self.confidence_counts, &o.confidence_counts);
        for (x, y) in self.fields.iter_mut().zip(&o.fields) {
            x.merge(y);
        }
        self.labeled = self.labeled.saturating_add(o.labeled);
        self.correct = self.correct.saturating_add(o.correct);
        Ok(())
    }
}

/// A window's latency sketch bucket limit.
pub(crate) fn window_buckets(config: &MonitorConfig) -> usize {
    config.latency_max_buckets.min(WINDOW_LATENCY_BUCKETS)
}

/// The windows a monitor keeps, oldest first, and their own alert levels.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Windows {
    pub items: VecDeque<WindowCounts>,
    /// Observations (and errors) older than the oldest window kept: counted in the running
    /// total only.
    pub late: u64,
    /// The latest finite `now_ms` given to the monitor: a window is complete once it is past.
    pub clock_ms: Option<f64>,
    /// Levels judged on the latest complete window (the running total's names).
    pub signals: Vec<super::monitor::SignalState>,
    /// Start of the window the levels were last judged on.
    pub judged_start_ms: Option<f64>,
}

impl Windows {
    /// Advances the clock (any call with a time windows take).
    pub fn tick(&mut self, now_ms: f64) {
        if windowable(now_ms) {
            self.clock_ms = max_opt(self.clock_ms, Some(now_ms));
        }
    }

    /// The window `now_ms` falls in, created if it is within the last `config.windows` windows
    /// of the newest; `None` (and counted as late when `count_late`) for older times,
    /// non-finite times and when windows are off.
    pub fn at(
        &mut self,
        now_ms: f64,
        reference: &ReferenceProfile,
        config: &MonitorConfig,
        k: usize,
        count_late: bool,
    ) -> Option<&mut WindowCounts> {
        let cap = config.windows;
        if cap == 0 || !windowable(now_ms) {
            return None;
        }
        self.tick(now_ms);
        let len = config.window_ms as f64;
        // `+ 0.0`: a start of -0.0 is the window at 0.
        let start = (now_ms / len).floor() * len + 0.0;
        let newest = self.items.back().map_or(start, |w| w.start_ms.max(start));
        let oldest = oldest_kept(newest, config);
        if start < oldest {
            if count_late {
                self.late = self.late.saturating_add(1);
            }
            return None;
        }
        // Windows that aged out: their rows stay in the running total.
        expire(&mut self.items, oldest);
        if self.items.capacity() < cap {
            // Once, to the bound: the deque never reallocates as windows come and go.
            self.items.reserve_exact(cap - self.items.len());
        }
        let pos = self.items.partition_point(|w| w.start_ms < start);
        if self.items.get(pos).is_none_or(|w| w.start_ms != start) {
            // Only fails on sketch parameters `MonitorConfig::check` refuses.
            let w = WindowCounts::new(start, reference, config, k).ok()?;
            self.items.insert(pos, w);
        }
        self.items.get_mut(pos)
    }

    /// Whether the clock has passed the end of `w`.
    pub fn is_complete(&self, w: &WindowCounts, config: &MonitorConfig) -> bool {
        self.clock_ms
            .is_some_and(|clock| w.start_ms + config.window_ms as f64 <= clock)
    }

    /// The newest window whose end is at or before the clock.
    pub fn latest_complete(&self, config: &MonitorConfig) -> Option<&WindowCounts> {
        self.items
            .iter()
            .rev()
            .find(|w| self.is_complete(w, config))
    }

    /// Gives every window `k` class counters (labels adopted from the first output).
    pub fn adopt_labels(&mut self, k: usize) {
        for w in &mut self.items {
            if w.class_counts.is_empty() {
                w.class_counts = vec![0; k];
            }
        }
    }

    /// Adds another monitor's windows, aligned by start; the newest `config.windows` are kept
    /// (the calls of those that drop out are counted as late).
    pub fn merge(&mut self, o: &Windows, config: &MonitorConfig) -> Result<()> {
        for w in &o.items {
            let pos = self.items.partition_point(|x| x.start_ms < w.start_ms);
            match self.items.get_mut(pos) {
                Some(x) if x.start_ms == w.start_ms => x.merge(w)?,
                _ => self.items.insert(pos, w.clone()),
            }
        }
        if let Some(newest) = self.items.back().map(|w| w.start_ms) {
            let dropped = expire(&mut self.items, oldest_kept(newest, config));
            self.late = self.late.saturating_add(dropped);
        }
        self.late = self.late.saturating_add(o.late);
        self.clock_ms = max_opt(self.clock_ms, o.clock_ms);
        for (x, y) in self.signals.iter_mut().zip(&o.signals) {
            x.level = x.level.max(y.level);
        }
        self.judged_start_ms = max_opt(self.judged_start_ms, o.judged_start_ms);
        Ok(())
    }

    /// Checks a restored state against the reference and config.
    pub fn check(
        &mut self,
        reference: &ReferenceProfile,
        config: &MonitorConfig,
        k: usize,
    ) -> Result<()> {
        let bad = |why: &str| Error::Snapshot {
            reason: format!("windows: {why}"),
        };
        if self.items.len() > config.windows {
            return Err(bad("more windows than the config keeps"));
        }
        let len = config.window_ms as f64;
        let mut prev = f64::NEG_INFINITY;
        let fields = FieldCounts::for_reference(reference);
        for w in &mut self.items {
            if !windowable(w.start_ms) || w.start_ms <= prev || (w.start_ms / len).fract() != 0.0 {
                return Err(bad("window starts are not ascending multiples of windowMs"));
            }
            prev = w.start_ms;
            w.latency.check().map_err(|e| bad(&e.to_string()))?;
            if w.latency.relative_accuracy() != config.latency_relative_accuracy
                || w.latency.max_buckets() != window_buckets(config)
            {
                return Err(bad("latency sketch parameters differ from the config"));
            }
            if (w.class_counts.len() != k && !w.class_counts.is_empty())
                || w.confidence_counts.len() != CONFIDENCE_EDGES.len() + 1
                || w.fields.len() != fields.len()
                || w.fields
                    .iter()
                    .zip(&fields)
                    .any(|(a, b)| a.counts.len() != b.counts.len())
            {
                return Err(bad("counters do not match the reference and labels"));
            }
            if w.errors.len() > WINDOW_ERROR_CODES {
                return Err(bad("more error codes than a window keeps"));
            }
            if w.class_counts.is_empty() {
                w.class_counts = vec![0; k];
            }
        }
        if let Some(newest) = self.items.back().map(|w| w.start_ms) {
            if self
                .items
                .front()
                .is_some_and(|w| w.start_ms < oldest_kept(newest, config))
            {
                return Err(bad("a window older than the config keeps"));
            }
        }
        if self.clock_ms.is_some_and(|c| !windowable(c)) {
            return Err(bad("clock is not finite"));
        }
        Ok(())
    }
}

/// Start of the oldest window kept when the newest starts at `newest`.
fn oldest_kept(newest: f64, config: &MonitorConfig) -> f64 {
    newest - (config.windows as f64 - 1.0) * config.window_ms as f64
}

/// Drops the windows that start before `oldest`; returns the calls (predictions and errors)
/// they held.
fn expire(items: &mut VecDeque<WindowCounts>, oldest: f64) -> u64 {
    let mut calls = 0u64;
    while items.front().is_some_and(|w| w.start_ms < oldest) {
        if let Some(w) = items.pop_front() {
            let errors: u64 = saturating_sum(w.errors.values());
            calls = calls.saturating_add(w.predictions.saturating_add(errors));
        }
    }
    calls
}

/// Upper bound of one window's heap memory in bytes for this reference and config, stated in
/// docs/monitoring.md: the fixed part (the window record and its containers' headers), 8 bytes
/// per bin or category counter of every field plus its min/max, 8 per class and confidence
/// bin, the latency sketch's buckets, and `WINDOW_ERROR_CODES` codes of at most 64 bytes with
/// their tree nodes. tests/monitor/windows.rs measures real allocations against it.
pub fn window_bytes_bound(reference: &ReferenceProfile, config: &MonitorConfig, k: usize) -> usize {
    let counters: usize = FieldCounts::for_reference(reference)
        .iter()
        .map(|c| c.counts.len())
        .sum();
    let fields = reference.fields.len();
    let record = std::mem::size_of::<WindowCounts>();
    let field = std::mem::size_of::<FieldCounts>();
    // A BTreeMap leaf holds 11 entries; a node per entry over-counts the tree on purpose.
    let error_entry = MAX_CODE_LEN + std::mem::size_of::<(String, u64)>() + 64;
    record
        + fields * field
        + 8 * counters
        + 8 * (k + CONFIDENCE_EDGES.len() + 1)
        + 8 * window_buckets(config)
        + WINDOW_ERROR_CODES * error_entry
}
