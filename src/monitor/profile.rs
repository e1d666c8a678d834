//! The reference profile (`reference.json`): what the training data looked like, per raw input
//! field and for the model's predictions, summarized into the bins and shares drift is measured
//! against. Built once at publish time ([`ReferenceProfile::build`]); never holds raw records.

use super::stats::{bin_index, quantile_sorted, shares};
use crate::error::{Error, Result};
use crate::features::{FeatureSpec, FieldSpec, FieldType, Pipeline, RawValue, Record};
use mlcycle_ops::rows::NumberRule;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The format tag of `reference.json`.
pub const REFERENCE_FORMAT: &str = "mlcycle.reference/1";

/// Upper edges of the fixed confidence bins: [0, .1), [.1, .2), …, [.9, 1].
pub const CONFIDENCE_EDGES: [f64; 9] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/// Probabilities at which the reference quantiles are recorded.
pub const PROFILE_QUANTILES: [f64; 11] =
    [0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0];

/// Options of [`ReferenceProfile::build`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileOptions {
    /// Numeric bins: edges at the reference quantiles 1/bins … (bins−1)/bins (default 10:
    /// deciles). Duplicate edges are dropped, so a field may end up with fewer bins.
    pub bins: usize,
    /// Most frequent reference categories kept per categorical field (default 64); the rest and
    /// every unseen category share the "other" bucket.
    pub max_categories: usize,
}

impl Default for ProfileOptions {
    fn default() -> ProfileOptions {
        ProfileOptions {
            bins: 10,
            max_categories: 64,
        }
    }
}

/// How a field is monitored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// Number / integer: quantile bins.
    Numeric,
    /// String / boolean: category shares plus "other".
    Categorical,
    /// Timestamp: missing/invalid rates only (time always drifts, so no drift statistic).
    Timestamp,
}

impl FieldKind {
    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Numeric => "numeric",
            FieldKind::Categorical => "categorical",
            FieldKind::Timestamp => "timestamp",
        }
    }
}

/// A quantile of the reference values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuantilePoint {
    /// Probability.
    pub q: f64,
    /// `np.quantile(values, q)`.
    pub value: f64,
}

/// Reference summary of a numeric field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NumericProfile {
    /// Inner bin edges, ascending and distinct; bin i is [edges[i−1], edges[i]) with open outer
    /// bins, so there are `edges.len() + 1` bins.
    pub edges: Vec<f64>,
    /// Reference count per bin.
    pub counts: Vec<u64>,
    /// Reference share per bin (missing excluded).
    pub shares: Vec<f64>,
    /// Smallest finite value.
    pub min: Option<f64>,
    /// Largest finite value.
    pub max: Option<f64>,
    /// Mean of the finite values.
    pub mean: Option<f64>,
    /// Population standard deviation (ddof 0) of the finite values.
    pub std: Option<f64>,
    /// Quantiles at [`PROFILE_QUANTILES`].
    pub quantiles: Vec<QuantilePoint>,
}

/// Reference summary of a categorical field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoricalProfile {
    /// Kept categories, most frequent first (ties by name).
    pub categories: Vec<String>,
    /// Reference count per category, then the "other" bucket (`categories.len() + 1` values).
    pub counts: Vec<u64>,
    /// Shares matching `counts` (missing excluded).
    pub shares: Vec<f64>,
}

/// One raw input field of the reference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldProfile {
    /// Field name (record key / CSV column).
    pub name: String,
    /// Declared type in the feature spec.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// How it is monitored.
    pub kind: FieldKind,
    /// Inclusive bounds from the spec (values outside are counted invalid).
    #[serde(default)]
    pub valid_min: Option<f64>,
    /// Inclusive upper bound from the spec.
    #[serde(default)]
    pub valid_max: Option<f64>,
    /// Non-missing, valid values.
    pub count: u64,
    /// Missing values.
    pub missing: u64,
    /// Values of the wrong type or out of bounds.
    pub invalid: u64,
    /// missing / rows.
    pub missing_rate: f64,
    /// Numeric summary (numeric fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericProfile>,
    /// Categorical summary (categorical fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categorical: Option<CategoricalProfile>,
}

/// The reference distribution of the model's outputs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PredictionProfile {
    /// Rows predicted.
    pub rows: u64,
    /// Class labels in output order.
    pub labels: Vec<String>,
    /// Predicted (argmax) class counts.
    pub class_counts: Vec<u64>,
    /// Predicted class shares.
    pub class_shares: Vec<f64>,
    /// Upper edges of the confidence bins ([`CONFIDENCE_EDGES`]).
    pub confidence_edges: Vec<f64>,
    /// Counts of the top probability per confidence bin.
    pub confidence_counts: Vec<u64>,
    /// Shares matching `confidence_counts`.
    pub confidence_shares: Vec<f64>,
}

/// The reference profile of a model version's training data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferenceProfile {
    /// `mlcycle.reference/1`.
    pub format: String,
    /// Feature version (spec content hash) the profile was built with.
    #[serde(default)]
    pub feature_version: Option<String>,
    /// Rows profiled.
    pub rows: u64,
    /// Requested numeric bin count.
    pub bins: usize,
    /// One entry per raw field, in spec order.
    pub fields: Vec<FieldProfile>,
    /// Reference predictions, when a model was run over the training data.
    #[serde(default)]
    pub predictions: Option<PredictionProfile>,
}

/// A raw value read against a field, without allocating.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Read<'a> {
    Missing,
    Invalid,
    Num(f64),
    Str(&'a str),
    Bool(bool),
}

fn parse_bool(t: &str) -> Option<bool> {
    let t = t.trim();
    if t.eq_ignore_ascii_case("true") || t == "1" {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") || t == "0" {
        Some(false)
    } else {
        None
    }
}

/// Interprets a raw value for a field type (the same missing rules as the feature pipeline:
/// absent, null, NaN, empty / blank text, and "nan" text for non-string fields).
pub(crate) fn read<'a>(
    ty: FieldType,
    min: Option<f64>,
    max: Option<f64>,
    raw: Option<&'a RawValue>,
) -> Read<'a> {
    let Some(raw) = raw else {
        return Read::Missing;
    };
    match ty {
        FieldType::Timestamp => match raw {
            RawValue::Null => Read::Missing,
            RawValue::Number(x) if x.is_nan() => Read::Missing,
            RawValue::String(s) if s.is_empty() => Read::Missing,
            RawValue::Text(t) if t.trim().is_empty() || t.trim().eq_ignore_ascii_case("nan") => {
                Read::Missing
            }
            // Present (timestamps are counted, not binned).
            RawValue::Number(_) | RawValue::Text(_) | RawValue::String(_) => Read::Num(f64::NAN),
            RawValue::Bool(_) | RawValue::Other(_) => Read::Invalid,
        },
        FieldType::Number | FieldType::Integer => {
            let x = match raw {
                RawValue::Null => return Read::Missing,
                RawValue::Number(x) if x.is_nan() => return Read::Missing,
                RawValue::Number(x) => *x,
                RawValue::String(s) if s.is_empty() => return Read::Missing,
                RawValue::Text(t) => {
                    let t = t.trim();
                    if t.is_empty() || t.eq_ignore_ascii_case("nan") {
                        return Read::Missing;
                    }
                    match t.parse::<f64>() {
                        Ok(x) => x,
                        Err(_) => return Read::Invalid,
                    }
                }
                _ => return Read::Invalid,
            };
            // Not a whole finite number where an integer is declared, or outside the field's
            // inclusive bounds: the rule the batch observer's column loop applies too
            // ([`FieldCounts::observe_numbers`](super::drift::FieldCounts::observe_numbers)).
            let integer = ty == FieldType::Integer;
            if (NumberRule { integer, min, max }).breaks(x) {
                return Read::Invalid;
            }
            Read::Num(x)
        }
        FieldType::String => match raw {
            RawValue::Null => Read::Missing,
            RawValue::String(s) if s.is_empty() => Read::Missing,
            RawValue::Text(s) if s.trim().is_empty() => Read::Missing,
            RawValue::String(s) | RawValue::Text(s) => Read::Str(s),
            RawValue::Number(x) if x.is_nan() => Read::Missing,
            _ => Read::Invalid,
        },
        FieldType::Boolean => match raw {
            RawValue::Null => Read::Missing,
            RawValue::Bool(b) => Read::Bool(*b),
            RawValue::Number(x) if x.is_nan() => Read::Missing,
            RawValue::Number(x) if *x == 0.0 || *x == 1.0 => Read::Bool(*x == 1.0),
            RawValue::Text(t) | RawValue::String(t) if t.trim().is_empty() => Read::Missing,
            RawValue::Text(t) => parse_bool(t).map_or(Read::Invalid, Read::Bool),
            _ => Read::Invalid,
        },
    }
}

pub(crate) fn kind_of(ty: FieldType) -> FieldKind {
    match ty {
        FieldType::Number | FieldType::Integer => FieldKind::Numeric,
        FieldType::String | FieldType::Boolean => FieldKind::Categorical,
        FieldType::Timestamp => FieldKind::Timestamp,
    }
}

fn finite_stats(values: &[f64]) -> (Option<f64>, Option<f64>, Option<f64>, Option<f64>) {
    let finite: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.is_empty() {
        return (None, None, None, None);
    }
    let n = finite.len() as f64;
    let mean = finite.iter().sum::<f64>() / n;
    let var = finite.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (Some(min), Some(max), Some(mean), Some(var.sqrt()))
}

fn profile_field(
    f: &FieldSpec,
    records: &[Record],
    options: &ProfileOptions,
) -> Result<FieldProfile> {
    let kind = kind_of(f.ty);
    let (mut missing, mut invalid) = (0u64, 0u64);
    let mut nums: Vec<f64> = Vec::new();
    let mut cats: HashMap<String, u64> = HashMap::new();
    let mut present = 0u64;
    for r in records {
        match read(f.ty, f.min, f.max, r.get(&f.name)) {
            Read::Missing => missing += 1,
            Read::Invalid => invalid += 1,
            Read::Num(x) => {
                present += 1;
                if !x.is_nan() {
                    nums.push(x);
                }
            }
            Read::Str(s) => {
                present += 1;
                *cats.entry(s.to_string()).or_default() += 1;
            }
            Read::Bool(b) => {
                present += 1;
                *cats
                    .entry(if b { "true" } else { "false" }.to_string())
                    .or_default() += 1;
            }
        }
    }
    let rows = records.len() as u64;
    let mut out = FieldProfile {
        name: f.name.clone(),
        ty: f.ty,
        kind,
        valid_min: f.min,
        valid_max: f.max,
        count: present,
        missing,
        invalid,
        missing_rate: if rows == 0 {
            0.0
        } else {
            missing as f64 / rows as f64
        },
        numeric: None,
        categorical: None,
    };
    match kind {
        FieldKind::Numeric => {
            nums.sort_by(f64::total_cmp);
            // Edges come from the finite values (±inf would make interpolation NaN).
            let finite: Vec<f64> = nums.iter().copied().filter(|x| x.is_finite()).collect();
            let mut edges: Vec<f64> = Vec::new();
            for i in 1..options.bins {
                if let Some(e) = quantile_sorted(&finite, i as f64 / options.bins as f64) {
                    if edges.last() != Some(&e) {
                        edges.push(e);
                    }
                }
            }
            let mut counts = vec![0u64; edges.len() + 1];
            for x in &nums {
                if let Some(c) = counts.get_mut(bin_index(&edges, *x)) {
                    *c += 1;
                }
            }
            let (min, max, mean, std) = finite_stats(&nums);
            out.numeric = Some(NumericProfile {
                shares: shares(&counts),
                counts,
                edges,
                min,
                max,
                mean,
                std,
                quantiles: PROFILE_QUANTILES
                    .iter()
                    .filter_map(|q| {
                        quantile_sorted(&finite, *q).map(|value| QuantilePoint { q: *q, value })
                    })
                    .collect(),
            });
        }
        FieldKind::Categorical => {
            let mut list: Vec<(String, u64)> = cats.into_iter().collect();
            list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let keep = list.len().min(options.max_categories);
            let other: u64 = list.iter().skip(keep).map(|(_, c)| *c).sum();
            list.truncate(keep);
            let mut counts: Vec<u64> = list.iter().map(|(_, c)| *c).collect();
            counts.push(other);
            out.categorical = Some(CategoricalProfile {
                categories: list.into_iter().map(|(n, _)| n).collect(),
                shares: shares(&counts),
                counts,
            });
        }
        FieldKind::Timestamp => {}
    }
    Ok(out)
}

impl ReferenceProfile {
    /// Profiles `records` (the training data) against the spec's raw fields.
    pub fn build(
        spec: &FeatureSpec,
        records: &[Record],
        options: &ProfileOptions,
    ) -> Result<ReferenceProfile> {
        if !(2..=1000).contains(&options.bins) {
            return Err(Error::invalid_argument(
                "bins",
                format!("must be in 2..=1000, got {}", options.bins),
            ));
        }
        if options.max_categories == 0 || options.max_categories > 10_000 {
            return Err(Error::invalid_argument(
                "maxCategories",
                format!("must be in 1..=10000, got {}", options.max_categories),
            ));
        }
        if records.is_empty() {
            return Err(Error::invalid_argument(
                "records",
                "the reference data is empty",
            ));
        }
        let fields = spec
            .fields
            .iter()
            .map(|f| profile_field(f, records, options))
            .collect::<Result<Vec<_>>>()?;
        Ok(ReferenceProfile {
            format: REFERENCE_FORMAT.to_string(),
            feature_version: spec.content_hash().ok(),
            rows: records.len() as u64,
            bins: options.bins,
            fields,
            predictions: None,
        })
    }

    /// [`ReferenceProfile::build`] from a built pipeline (uses its feature version).
    pub fn build_for(
        pipeline: &Pipeline,
        records: &[Record],
        options: &ProfileOptions,
    ) -> Result<ReferenceProfile> {
        let mut p = ReferenceProfile::build(pipeline.spec(), records, options)?;
        p.feature_version = Some(pipeline.version().to_string());
        Ok(p)
    }

    /// Adds the reference distribution of predicted classes and confidence from a model's
    /// probabilities over the training data (`rows × labels.len()`, row-major).
    pub fn with_predictions(
        mut self,
        labels: &[String],
        probabilities: &[f32],
    ) -> Result<ReferenceProfile> {
        let k = labels.len();
        if k < 2 {
            return Err(Error::invalid_argument(
                "labels",
                "a classifier needs at least 2 labels",
            ));
        }
        if probabilities.is_empty() || !probabilities.len().is_multiple_of(k) {
            return Err(Error::InputShape {
                expected: format!("a non-empty multiple of {k} probabilities"),
                actual: format!("{} values", probabilities.len()),
            });
        }
        let mut class_counts = vec![0u64; k];
        let mut confidence_counts = vec![0u64; CONFIDENCE_EDGES.len() + 1];
        for row in probabilities.chunks(k) {
            let c = crate::inference::argmax(row);
            if let Some(n) = class_counts.get_mut(c) {
                *n += 1;
            }
            let conf = row.get(c).copied().unwrap_or(f32::NAN) as f64;
            if conf.is_finite() {
                if let Some(n) = confidence_counts.get_mut(bin_index(&CONFIDENCE_EDGES, conf)) {
                    *n += 1;
                }
            }
        }
        self.predictions = Some(PredictionProfile {
            rows: (probabilities.len() / k) as u64,
            labels: labels.to_vec(),
            class_shares: shares(&class_counts),
            class_counts,
            confidence_edges: CONFIDENCE_EDGES.to_vec(),
            confidence_shares: shares(&confidence_counts),
            confidence_counts,
        });
        Ok(self)
    }

    /// Parses `reference.json` and checks it (`E_INVALID_ARGUMENT` naming the member).
    pub fn from_json(text: &str) -> Result<ReferenceProfile> {
        let p: ReferenceProfile = serde_json::from_str(text).map_err(|e| {
            Error::invalid_argument("reference", format!("not a reference profile: {e}"))
        })?;
        p.check()?;
        Ok(p)
    }

    /// Pretty JSON.
    pub fn to_json_pretty(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| Error::invalid_argument("reference", e.to_string()))
    }

    /// Checks the invariants the monitor relies on.
    pub fn check(&self) -> Result<()> {
        let bad = |path: String, reason: &str| {
            Err(Error::invalid_argument(format!("reference.{path}"), reason))
        };
        if self.format != REFERENCE_FORMAT {
            return bad(
                "format".into(),
                "unknown format (this build reads mlcycle.reference/1)",
            );
        }
        let mut names = std::collections::HashSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            if !names.insert(f.name.as_str()) {
                return bad(format!("fields[{i}].name"), "duplicate field");
            }
            if kind_of(f.ty) != f.kind {
                return bad(format!("fields[{i}].kind"), "does not match the type");
            }
            match (f.kind, &f.numeric, &f.categorical) {
                (FieldKind::Numeric, Some(n), None) => {
                    if n.edges.iter().any(|e| !e.is_finite())
                        || n.edges.windows(2).any(|w| w[0] >= w[1])
                    {
                        return bad(
                            format!("fields[{i}].numeric.edges"),
                            "must be finite and strictly ascending",
                        );
                    }
                    if n.shares.len() != n.edges.len() + 1 || n.counts.len() != n.shares.len() {
                        return bad(
                            format!("fields[{i}].numeric.shares"),
                            "needs edges.length + 1 entries",
                        );
                    }
                    if n.shares.iter().any(|s| !(0.0..=1.0).contains(s)) {
                        return bad(format!("fields[{i}].numeric.shares"), "must be in [0, 1]");
                    }
                }
                (FieldKind::Categorical, None, Some(c)) => {
                    if c.shares.len() != c.categories.len() + 1 || c.counts.len() != c.shares.len()
                    {
                        return bad(
                            format!("fields[{i}].categorical.shares"),
                            "needs categories.length + 1 entries",
                        );
                    }
                    if c.shares.iter().any(|s| !(0.0..=1.0).contains(s)) {
                        return bad(
                            format!("fields[{i}].categorical.shares"),
                            "must be in [0, 1]",
                        );
                    }
                    let set: std::collections::HashSet<&str> =
                        c.categories.iter().map(String::as_str).collect();
                    if set.len() != c.categories.len() {
                        return bad(
                            format!("fields[{i}].categorical.categories"),
                            "duplicate category",
                        );
                    }
                }
                (FieldKind::Timestamp, None, None) => {}
                _ => return bad(format!("fields[{i}]"), "summary does not match the kind"),
            }
        }
        if let Some(p) = &self.predictions {
            let k = p.labels.len();
            if k < 2 || p.class_counts.len() != k || p.class_shares.len() != k {
                return bad(
                    "predictions.labels".into(),
                    "classCounts/classShares must match labels (≥ 2)",
                );
            }
            if p.confidence_edges != CONFIDENCE_EDGES
                || p.confidence_shares.len() != CONFIDENCE_EDGES.len() + 1
                || p.confidence_counts.len() != p.confidence_shares.len()
            {
                return bad(
                    "predictions.confidenceEdges".into(),
                    "must be the fixed confidence bins",
                );
            }
        }
        Ok(())
    }

    /// The class labels of the reference predictions (empty when absent).
    pub fn labels(&self) -> &[String] {
        self.predictions.as_ref().map_or(&[], |p| &p.labels)
    }
}
