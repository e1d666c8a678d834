//! DDSketch (Masson, Rim & Lee, VLDB 2019) for non-negative values such as latencies: every
//! quantile it returns is within a relative error `α` of the true value (for the values whose
//! buckets were not collapsed), it merges exactly, and it holds at most `max_buckets` counters.
//!
//! Bucket `i` holds the values in (γ^(i−1), γ^i] with γ = (1+α)/(1−α) and answers with
//! 2γ^i/(γ+1). Buckets live in one dense window `[offset, offset + counts.len())`. When the
//! window would exceed `max_buckets`, the lowest buckets are collapsed into the lowest kept one
//! (accuracy is lost on the smallest values first; latency tails stay exact). The state after any
//! sequence of inserts and merges depends only on the multiset of bucket indices and the highest
//! index, so merge is associative and commutative.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Values at or below this go to the zero bucket.
pub const MIN_INDEXABLE: f64 = 1e-9;
/// Values above this (or non-finite, or negative) are rejected by [`DdSketch::add`].
pub const MAX_VALUE: f64 = 1e15;

/// A mergeable quantile sketch with relative-error guarantee.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DdSketch {
    /// Relative accuracy α.
    relative_accuracy: f64,
    /// Maximum number of buckets.
    max_buckets: usize,
    /// Number of values added.
    count: u64,
    /// Values ≤ [`MIN_INDEXABLE`].
    zero_count: u64,
    /// Sum of the values added.
    sum: f64,
    /// Smallest value added.
    #[serde(default)]
    min: Option<f64>,
    /// Largest value added.
    #[serde(default)]
    max: Option<f64>,
    /// Bucket index of `counts[0]`.
    offset: i32,
    /// Dense bucket counts.
    counts: Vec<u64>,
    #[serde(skip)]
    gamma_ln: f64,
}

impl DdSketch {
    /// A sketch with relative accuracy `alpha` (0 < α < 1) and at most `max_buckets` buckets.
    pub fn new(alpha: f64, max_buckets: usize) -> Result<DdSketch> {
        let mut s = DdSketch {
            relative_accuracy: alpha,
            max_buckets,
            count: 0,
            zero_count: 0,
            sum: 0.0,
            min: None,
            max: None,
            offset: 0,
            counts: Vec::new(),
            gamma_ln: 0.0,
        };
        s.check()?;
        s.counts.reserve(max_buckets.min(4096));
        Ok(s)
    }

    /// Validates a deserialized sketch and restores its derived constants.
    pub(crate) fn check(&mut self) -> Result<()> {
        let a = self.relative_accuracy;
        if !(a > 0.0 && a < 1.0) {
            return Err(Error::invalid_argument(
                "relativeAccuracy",
                format!("must be in (0, 1), got {a}"),
            ));
        }
        if !(16..=65_536).contains(&self.max_buckets) {
            return Err(Error::invalid_argument(
                "maxBuckets",
                format!("must be in 16..=65536, got {}", self.max_buckets),
            ));
        }
        if self.counts.len() > self.max_buckets {
            return Err(Error::invalid_argument(
                "counts",
                "more buckets than maxBuckets",
            ));
        }
        let total = self
            .counts
            .iter()
            .try_fold(self.zero_count, |acc, c| acc.checked_add(*c));
        if total != Some(self.count) {
            return Err(Error::invalid_argument(
                "count",
                "does not equal the sum of the bucket counts",
            ));
        }
        if (self.offset as i64 + self.counts.len() as i64) > i32::MAX as i64 {
            return Err(Error::invalid_argument("offset", "out of range"));
        }
        match (self.min, self.max) {
            (Some(lo), Some(hi)) if !(lo <= hi) => {
                return Err(Error::invalid_argument("min", "greater than max, or NaN"))
            }
            (Some(_), Some(_)) | (None, None) => {}
            _ => {
                return Err(Error::invalid_argument(
                    "min",
                    "min and max are both set or both unset",
                ))
            }
        }
        self.gamma_ln = ((1.0 + a) / (1.0 - a)).ln();
        Ok(())
    }

    /// Bucket limit.
    pub fn max_buckets(&self) -> usize {
        self.max_buckets
    }

    /// Releases the capacity reserved up front (a window's sketch grows only as it fills).
    pub(crate) fn shrink(&mut self) {
        self.counts.shrink_to_fit();
    }

    /// Relative accuracy α.
    pub fn relative_accuracy(&self) -> f64 {
        self.relative_accuracy
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of the values.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// Smallest value.
    pub fn min(&self) -> Option<f64> {
        self.min
    }

    /// Largest value.
    pub fn max(&self) -> Option<f64> {
        self.max
    }

    /// Number of buckets in use (bounded by `max_buckets`).
    pub fn buckets(&self) -> usize {
        self.counts.len()
    }

    #[inline]
    fn index(&self, v: f64) -> i32 {
        let i = (v.ln() / self.gamma_ln).ceil();
        i.clamp(i32::MIN as f64 / 2.0, i32::MAX as f64 / 2.0) as i32
    }

    /// The value a bucket answers with: 2γ^i/(γ+1).
    pub fn bucket_value(&self, i: i32) -> f64 {
        let gamma = self.gamma_ln.exp();
        2.0 * (i as f64 * self.gamma_ln).exp() / (gamma + 1.0)
    }

    /// Adds a value; returns false (and changes nothing) for a negative, non-finite or too large
    /// value.
    #[inline]
    pub fn add(&mut self, v: f64) -> bool {
        self.add_n(v, 1)
    }

    /// Adds a value `n` times (the rows of a batch share its latency): the same sketch as `n`
    /// calls of [`add`](Self::add), its sum included (added `n` times, not `n × v`, so the
    /// rounding is the same), with one bucket lookup.
    #[inline]
    pub fn add_n(&mut self, v: f64, n: u64) -> bool {
        if !(0.0..=MAX_VALUE).contains(&v) {
            return false;
        }
        if n == 0 {
            return true;
        }
        self.count += n;
        for _ in 0..n {
            self.sum += v;
        }
        self.min = Some(self.min.map_or(v, |m| m.min(v)));
        self.max = Some(self.max.map_or(v, |m| m.max(v)));
        if v <= MIN_INDEXABLE {
            self.zero_count += n;
            return true;
        }
        let i = self.index(v);
        let top = self.offset as i64 + self.counts.len() as i64 - 1;
        if !self.counts.is_empty() && (self.offset as i64..=top).contains(&(i as i64)) {
            if let Some(c) = self.counts.get_mut((i - self.offset) as usize) {
                *c += n;
            }
            return true;
        }
        self.insert_slow(&[(i, n)]);
        true
    }

    /// Rebuilds the window to hold the existing buckets and `extra`, collapsing the lowest.
    fn insert_slow(&mut self, extra: &[(i32, u64)]) {
        let existing = (!self.counts.is_empty()).then(|| {
            (
                self.offset as i64,
                self.offset as i64 + self.counts.len() as i64 - 1,
            )
        });
        let mut lo = existing.map_or(i64::MAX, |e| e.0);
        let mut hi = existing.map_or(i64::MIN, |e| e.1);
        for (i, c) in extra {
            if *c > 0 {
                lo = lo.min(*i as i64);
                hi = hi.max(*i as i64);
            }
        }
        if lo > hi {
            return;
        }
        let lo_kept = lo.max(hi - self.max_buckets as i64 + 1);
        let len = (hi - lo_kept + 1) as usize;
        let mut counts = vec![0u64; len];
        let mut put = |i: i64, c: u64| {
            let j = (i.max(lo_kept) - lo_kept) as usize;
            if let Some(slot) = counts.get_mut(j) {
                *slot = slot.saturating_add(c);
            }
        };
        for (j, c) in self.counts.iter().enumerate() {
            put(self.offset as i64 + j as i64, *c);
        }
        for (i, c) in extra {
            put(*i as i64, *c);
        }
        self.offset = lo_kept as i32;
        self.counts = counts;
    }

    /// Merges another sketch (same α and bucket limit) into this one.
    pub fn merge(&mut self, other: &DdSketch) -> Result<()> {
        if self.relative_accuracy != other.relative_accuracy
            || self.max_buckets != other.max_buckets
        {
            return Err(Error::invalid_argument(
                "sketch",
                "cannot merge sketches with different relativeAccuracy or maxBuckets",
            ));
        }
        self.count = self.count.saturating_add(other.count);
        self.zero_count = self.zero_count.saturating_add(other.zero_count);
        self.sum += other.sum;
        self.min = match (self.min, other.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, other.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let extra: Vec<(i32, u64)> = other
            .counts
            .iter()
            .enumerate()
            .map(|(j, c)| (other.offset.saturating_add(j as i32), *c))
            .collect();
        self.insert_slow(&extra);
        Ok(())
    }

    /// The q-quantile (0 ≤ q ≤ 1), `None` when empty. Within α relative error of the exact
    /// lower quantile (rank ⌊q·(n−1)⌋ of the sorted values) unless collapsed; clamped to
    /// [min, max].
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 || q.is_nan() {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * (self.count - 1) as f64).floor() as u64;
        let (min, max) = (self.min?, self.max?);
        if rank < self.zero_count {
            return Some(min.max(0.0).min(max));
        }
        let mut seen = self.zero_count;
        for (j, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen > rank {
                let v = self.bucket_value(self.offset.saturating_add(j as i32));
                // Not `clamp`: it panics when min > max, and a restored sketch is outside data.
                return Some(v.max(min).min(max));
            }
        }
        Some(max)
    }

    /// Counts per bin of ascending inner `edges` (bin i is [edges[i−1], edges[i]), open outer
    /// bins, `edges.len() + 1` counts). A bucket covers (γ^(k−1), γ^k] and goes to the bin of its
    /// upper bound, so a value exactly on an edge (a 0.1 ms timer tick on a 0.1 ms edge) lands in
    /// the bin that starts there; only values within the sketch's relative accuracy below an edge
    /// may be counted above it. Sums to [`count`](Self::count).
    pub fn histogram(&self, edges: &[f64]) -> Vec<u64> {
        let mut out = vec![0u64; edges.len() + 1];
        let mut add = |upper: f64, c: u64| {
            // γ^k from exp(k·ln γ) can round a hair below the edge it equals
            let b = edges.partition_point(|e| *e <= upper * (1.0 + 1e-12));
            if let Some(n) = out.get_mut(b) {
                *n = n.saturating_add(c);
            }
        };
        if self.zero_count > 0 {
            add(0.0, self.zero_count);
        }
        for (j, c) in self.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            let k = self.offset.saturating_add(j as i32);
            add((k as f64 * self.gamma_ln).exp(), *c);
        }
        out
    }

    /// Iterates the non-empty buckets as (representative value, count), zero bucket first.
    pub fn iter_buckets(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        let zero = (self.zero_count > 0).then_some((0.0, self.zero_count));
        zero.into_iter().chain(
            self.counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(j, c)| (self.bucket_value(self.offset.saturating_add(j as i32)), *c)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_n_is_n_adds() {
        // In range, at zero, past the bucket window (collapsing), and refused values.
        let values = [
            0.37,
            0.0,
            1e-12,
            12.5,
            3e6,
            1e-3,
            250.0,
            -1.0,
            f64::INFINITY,
            f64::NAN,
        ];
        let mut one = DdSketch::new(0.01, 16).unwrap();
        let mut many = one.clone();
        for (i, v) in values.iter().enumerate() {
            let n = 1 + 7 * i as u64;
            let mut ok = true;
            for _ in 0..n {
                ok &= one.add(*v);
            }
            assert_eq!(many.add_n(*v, n), ok, "{v}");
            assert_eq!(many, one, "after {n} × {v}");
        }
        assert!(many.add_n(1.0, 0));
        assert_eq!(many, one);
    }

    #[test]
    fn histogram_bins_values_and_sums_to_count() {
        let mut s = DdSketch::new(0.01, 2048).unwrap();
        // 0 → first bin; 0.15 ms → [0.1, 0.2); 3 ms → [2, 5); 40 s → the open last bin; values
        // exactly on an edge (timer ticks) → the bin starting there
        for v in [0.0, 0.15, 0.15, 3.0, 40_000.0, 0.1, 0.2, 2.0, 5.0] {
            s.add(v);
        }
        let edges = [0.01, 0.1, 0.2, 2.0, 5.0, 1e4];
        let h = s.histogram(&edges);
        assert_eq!(h, vec![1, 0, 3, 1, 2, 1, 1]);
        assert_eq!(h.iter().sum::<u64>(), s.count());
        // every 1-2-5 edge of the monitor's histogram, exactly
        let mut t = DdSketch::new(0.01, 2048).unwrap();
        for e in crate::monitor::report::LATENCY_EDGES_MS {
            t.add(e);
        }
        let h = t.histogram(&crate::monitor::report::LATENCY_EDGES_MS);
        assert_eq!(h[0], 0);
        assert!(h[1..].iter().all(|c| *c == 1), "{h:?}");
        assert_eq!(
            DdSketch::new(0.01, 64).unwrap().histogram(&edges),
            vec![0; 7]
        );
    }

    #[test]
    fn quantiles_within_relative_error() {
        let mut s = DdSketch::new(0.01, 2048).unwrap();
        let mut xs: Vec<f64> = (1..=10_000).map(|i| (i as f64) * 0.013).collect();
        for x in &xs {
            assert!(s.add(*x));
        }
        xs.sort_by(f64::total_cmp);
        for q in [0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 1.0] {
            let exact = xs[(q * (xs.len() - 1) as f64).floor() as usize];
            let got = s.quantile(q).unwrap();
            assert!(
                (got - exact).abs() <= 0.01 * exact + 1e-12,
                "{q}: {got} vs {exact}"
            );
        }
        assert!(!s.add(-1.0) && !s.add(f64::NAN) && !s.add(f64::INFINITY));
        assert_eq!(s.count(), 10_000);
    }

    #[test]
    fn bounded_and_collapsing() {
        let mut s = DdSketch::new(0.01, 64).unwrap();
        for i in 0..100_000 {
            s.add(1e-6 * 1.1f64.powi(i % 300));
        }
        assert!(s.buckets() <= 64);
        assert_eq!(s.count(), 100_000);
        let hi = s.quantile(1.0).unwrap();
        assert!((hi - 1e-6 * 1.1f64.powi(299)).abs() <= 0.01 * hi);
    }
}
