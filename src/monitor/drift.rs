//! Drift of current data against a reference profile: the per-field counters a monitor keeps
//! ([`FieldCounts`]: bins, categories, missing, invalid — no raw values), the statistics computed
//! from them ([`FeatureDrift`]: PSI, Jensen–Shannon, KS, χ²) and the batch form
//! ([`DriftReport`], [`DriftCounter`]) that `mlcycle drift` and fleet merges report.

use super::config::{DriftMetric, MonitorConfig};
use super::monitor::{step, Level, Status};
use super::profile::{read, FieldKind, FieldProfile, Read, ReferenceProfile};
use super::stats::{
    add_counts, bin_index, chi2_p_value, js_distance, ks_statistic, psi, saturating_sum, shares,
};
use crate::error::Result;
use crate::features::{FieldType, Record};
use mlcycle_ops::rows::{tally_numbers, NumberRule};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Current-data counters of one raw field.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FieldCounts {
    pub missing: u64,
    pub invalid: u64,
    /// Bin counts (numeric) or category counts + other (categorical); empty for timestamps.
    pub counts: Vec<u64>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

impl FieldCounts {
    /// Empty counters for every field of a reference, in its order.
    pub(crate) fn for_reference(reference: &ReferenceProfile) -> Vec<FieldCounts> {
        reference
            .fields
            .iter()
            .map(FieldCounts::for_field)
            .collect()
    }

    pub(crate) fn for_field(f: &FieldProfile) -> FieldCounts {
        let n = match (&f.numeric, &f.categorical) {
            (Some(n), _) => n.shares.len(),
            (_, Some(c)) => c.shares.len(),
            _ => 0,
        };
        FieldCounts {
            counts: vec![0; n],
            ..FieldCounts::default()
        }
    }

    #[inline]
    pub(crate) fn observe(
        &mut self,
        f: &FieldProfile,
        cats: Option<&HashMap<String, usize>>,
        r: Read<'_>,
    ) {
        self.observe_n(f, cats, r, 1);
    }

    /// [`observe`](Self::observe) of `n` rows with the same value (a batch's dictionary
    /// column counts each distinct value once).
    #[inline]
    pub(crate) fn observe_n(
        &mut self,
        f: &FieldProfile,
        cats: Option<&HashMap<String, usize>>,
        r: Read<'_>,
        n: u64,
    ) {
        match r {
            Read::Missing => self.missing += n,
            Read::Invalid => self.invalid += n,
            Read::Num(x) => {
                if let Some(p) = &f.numeric {
                    if let Some(c) = self.counts.get_mut(bin_index(&p.edges, x)) {
                        *c += n;
                    }
                    if x.is_finite() {
                        self.min = Some(self.min.map_or(x, |m| lower(m, x)));
                        self.max = Some(self.max.map_or(x, |m| higher(m, x)));
                    }
                }
            }
            Read::Str(s) => self.category(cats, s, n),
            Read::Bool(b) => self.category(cats, if b { "true" } else { "false" }, n),
        }
    }

    /// [`observe`](Self::observe) of each number of a number or integer field's column, in one
    /// loop: the counts of reading every value as a [`RawValue::Number`] ([`read`]) and
    /// observing it, without a [`Read`] per value, a call per value to `fmin`/`fmax` (what
    /// `f64::min` is in wasm) or an `Option` per extreme. A batch of 100,000 rows spent a
    /// quarter of its monitoring here value by value. The loop is `mlcycle_ops::rows`'s,
    /// compiled for speed.
    ///
    /// [`RawValue::Number`]: crate::features::RawValue::Number
    pub(crate) fn observe_numbers(&mut self, f: &FieldProfile, xs: &[f64]) {
        debug_assert!(matches!(f.ty, FieldType::Number | FieldType::Integer));
        let rule = NumberRule {
            integer: f.ty == FieldType::Integer,
            min: f.valid_min,
            max: f.valid_max,
        };
        let edges = f.numeric.as_ref().map(|p| p.edges.as_slice());
        let t = tally_numbers(xs, rule, edges, &mut self.counts);
        self.missing += t.missing;
        self.invalid += t.invalid;
        if t.lo <= t.hi {
            self.min = Some(self.min.map_or(t.lo, |m| lower(m, t.lo)));
            self.max = Some(self.max.map_or(t.hi, |m| higher(m, t.hi)));
        }
    }

    #[inline]
    fn category(&mut self, cats: Option<&HashMap<String, usize>>, s: &str, n: u64) {
        let other = self.counts.len().saturating_sub(1);
        let i = cats.and_then(|m| m.get(s)).copied().unwrap_or(other);
        if let Some(c) = self.counts.get_mut(i) {
            *c += n;
        }
    }

    /// Zero counters of the same shape (a batch counts a column into one, then merges it).
    pub(crate) fn empty_like(&self) -> FieldCounts {
        FieldCounts {
            missing: 0,
            invalid: 0,
            counts: vec![0; self.counts.len()],
            min: None,
            max: None,
        }
    }

    /// Adds another monitor's counts; saturating, so two snapshots near the limit never wrap
    /// to a total smaller than either.
    pub(crate) fn merge(&mut self, o: &FieldCounts) {
        self.missing = self.missing.saturating_add(o.missing);
        self.invalid = self.invalid.saturating_add(o.invalid);
        add_counts(&mut self.counts, &o.counts);
        self.min = min_opt(self.min, o.min);
        self.max = max_opt(self.max, o.max);
    }

    fn rows(&self) -> u64 {
        saturating_sum(
            [&self.missing, &self.invalid]
                .into_iter()
                .chain(&self.counts),
        )
    }
}

/// The smaller of two non-NaN numbers, `a` on a tie (so -0 and 0 keep the first seen): one
/// comparison, where `f64::min` is a libm call in wasm (`fmin`, which keeps the second on a
/// tie, unlike native code). Observing one value, a column of them and merging counters all
/// use this rule, so all count the same extremes, natively and in wasm.
#[inline]
fn lower(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}

/// The larger of two non-NaN numbers, `a` on a tie ([`lower`]'s rule).
#[inline]
fn higher(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

/// The smaller extreme of two counters ([`lower`]'s rule: merging a batch's counts keeps the
/// extremes observing its values one by one would have kept, zeros' signs included).
pub(crate) fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(lower(x, y)),
        (x, y) => x.or(y),
    }
}

/// The larger extreme of two counters ([`higher`]'s rule).
pub(crate) fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(higher(x, y)),
        (x, y) => x.or(y),
    }
}

/// Drift of one feature against the reference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureDrift {
    /// Field name.
    pub name: String,
    /// `numeric` or `categorical`.
    pub kind: FieldKind,
    /// Non-missing, valid current values.
    pub count: u64,
    /// PSI (null without current values).
    pub psi: Option<f64>,
    /// Jensen–Shannon distance, base 2.
    pub js_distance: Option<f64>,
    /// KS statistic on the bins (numeric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ks_statistic: Option<f64>,
    /// Chi-squared p-value (categorical).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chi2_p_value: Option<f64>,
    /// Missing values / rows (null without rows).
    pub missing_rate: Option<f64>,
    /// Reference missing rate.
    pub reference_missing_rate: f64,
    /// The statistic the threshold applies to.
    pub metric: DriftMetric,
    /// Its warn threshold.
    pub warn: f64,
    /// Its alert threshold.
    pub alert: f64,
    /// ok / warn / alert / pending.
    pub status: Status,
    /// The current counts the statistics were computed from, in the reference profile's order:
    /// one per bin of `numeric.edges` (numeric) or per category of `categorical.categories` and
    /// a last one for every other value (categorical). A UI draws reference-vs-current
    /// histograms from these and the reference's shares without a second call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counts: Vec<u64>,
}

impl FeatureDrift {
    /// The value the feature's threshold applies to.
    pub fn judged_value(&self) -> Option<f64> {
        match self.metric {
            DriftMetric::Psi => self.psi,
            DriftMetric::JsDistance => self.js_distance,
            DriftMetric::KsStatistic => self.ks_statistic.or(self.psi),
        }
    }
}

/// Computes the drift statistics of one field's current counts (status `pending` when fewer
/// than `min_samples` values; otherwise the fresh level, no hysteresis).
pub(crate) fn feature_drift(
    f: &FieldProfile,
    c: &FieldCounts,
    config: &MonitorConfig,
) -> FeatureDrift {
    let t = config.threshold_for(&f.name);
    let count: u64 = saturating_sum(&c.counts);
    let rows = c.rows();
    let (ref_shares, numeric) = match (&f.numeric, &f.categorical) {
        (Some(n), _) => (&n.shares[..], true),
        (_, Some(k)) => (&k.shares[..], false),
        _ => (&[][..], false),
    };
    let cur = shares(&c.counts);
    let has = count > 0;
    let mut d = FeatureDrift {
        name: f.name.clone(),
        kind: f.kind,
        count,
        psi: has.then(|| psi(ref_shares, &cur)),
        js_distance: if has {
            js_distance(ref_shares, &cur)
        } else {
            None
        },
        ks_statistic: (has && numeric).then(|| ks_statistic(ref_shares, &cur)),
        chi2_p_value: if has && !numeric {
            chi2_p_value(&c.counts, ref_shares)
        } else {
            None
        },
        missing_rate: (rows > 0).then(|| c.missing as f64 / rows as f64),
        reference_missing_rate: f.missing_rate,
        metric: t.metric,
        warn: t.warn,
        alert: t.alert,
        status: Status::Pending,
        counts: c.counts.clone(),
    };
    if count >= config.min_samples.max(1) {
        if let Some(v) = d.judged_value() {
            d.status = step(Level::Ok, v, t, config.clear_ratio).into();
        }
    }
    d
}

/// [`feature_drift`] of every drift-monitored field (timestamps are not), in reference order.
pub(crate) fn feature_drifts(
    reference: &ReferenceProfile,
    counts: &[FieldCounts],
    config: &MonitorConfig,
) -> Vec<FeatureDrift> {
    reference
        .fields
        .iter()
        .zip(counts)
        .filter(|(f, _)| f.kind != FieldKind::Timestamp)
        .map(|(f, c)| feature_drift(f, c, config))
        .collect()
}

/// `mlcycle drift`: the drift of a batch of records against a reference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftReport {
    /// One entry per drift-monitored field (timestamps are not), in reference order.
    pub features: Vec<FeatureDrift>,
    /// Share of those features in `alert`.
    pub drifted_share: f64,
    /// Rows of the batch.
    pub rows: u64,
}

pub(crate) fn category_maps(reference: &ReferenceProfile) -> Vec<Option<HashMap<String, usize>>> {
    reference
        .fields
        .iter()
        .map(|f| {
            f.categorical.as_ref().map(|c| {
                c.categories
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.clone(), i))
                    .collect()
            })
        })
        .collect()
}

pub(crate) fn drifted_share(features: &[FeatureDrift]) -> f64 {
    if features.is_empty() {
        0.0
    } else {
        features
            .iter()
            .filter(|f| f.status == Status::Alert)
            .count() as f64
            / features.len() as f64
    }
}

impl DriftReport {
    /// Drift of `records` against `reference` (fresh levels, no hysteresis).
    pub fn compute(
        reference: &ReferenceProfile,
        records: &[Record],
        config: &MonitorConfig,
    ) -> Result<DriftReport> {
        let mut counter = DriftCounter::new(reference, config)?;
        counter.observe(records);
        Ok(counter.report())
    }
}

/// [`DriftReport::compute`] fed in batches: the per-field counts are all a report needs, so a
/// file of any size is measured in memory bounded by the reference (`mlcycle drift` streams
/// its CSV through this).
#[derive(Debug)]
pub struct DriftCounter<'a> {
    reference: &'a ReferenceProfile,
    config: &'a MonitorConfig,
    maps: Vec<Option<HashMap<String, usize>>>,
    counts: Vec<FieldCounts>,
    rows: u64,
}

impl<'a> DriftCounter<'a> {
    /// Checks the reference and config; no rows yet.
    pub fn new(reference: &'a ReferenceProfile, config: &'a MonitorConfig) -> Result<Self> {
        reference.check()?;
        config.check()?;
        Ok(DriftCounter {
            reference,
            config,
            maps: category_maps(reference),
            counts: FieldCounts::for_reference(reference),
            rows: 0,
        })
    }

    /// Counts a batch of records.
    pub fn observe(&mut self, records: &[Record]) {
        for r in records {
            for ((f, c), m) in self
                .reference
                .fields
                .iter()
                .zip(self.counts.iter_mut())
                .zip(&self.maps)
            {
                c.observe(
                    f,
                    m.as_ref(),
                    read(f.ty, f.valid_min, f.valid_max, r.get(&f.name)),
                );
            }
        }
        self.rows += records.len() as u64;
    }

    /// The report over every record observed.
    pub fn report(&self) -> DriftReport {
        let features = feature_drifts(self.reference, &self.counts, self.config);
        DriftReport {
            drifted_share: drifted_share(&features),
            features,
            rows: self.rows,
        }
    }
}
