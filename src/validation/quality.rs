//! Data quality of records against a feature spec: missing rates, type errors, out-of-range
//! values, unseen categories, duplicate rows, constant columns and outliers, each summarized as
//! a finding with a severity and a stable `kind` (docs/validation.md).

use crate::error::{Error, Result};
use crate::features::transforms::{Category, Cell};
use crate::features::{coerce, FeatureSpec, FieldType, OnInvalid, Pipeline, RawValue, Record};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing breaks.
    Info,
    /// Predictions are computed but may be degraded (values coerced, categories ignored…).
    Warning,
    /// Rows are rejected by the pipeline or the data contradicts the spec.
    Error,
}

impl Severity {
    /// `info`, `warning`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A `[min, max]` range (either side optional).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Range {
    /// Inclusive lower bound.
    #[serde(default)]
    pub min: Option<f64>,
    /// Inclusive upper bound.
    #[serde(default)]
    pub max: Option<f64>,
}

/// Options of [`quality_report`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct QualityOptions {
    /// Reference ranges per numeric field (e.g. the training data's min/max): values beyond
    /// are counted as `outliersReference`.
    pub reference: BTreeMap<String, Range>,
    /// A missing rate above this in an optional field is a warning (else info).
    pub missing_rate_warning: f64,
    /// Multiplier of the interquartile range for the IQR outlier rule.
    pub iqr_factor: f64,
}

impl Default for QualityOptions {
    fn default() -> Self {
        QualityOptions {
            reference: BTreeMap::new(),
            missing_rate_warning: 0.05,
            iqr_factor: 1.5,
        }
    }
}

/// Statistics of one raw field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldQuality {
    /// Field name.
    pub name: String,
    /// Declared type.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Declared `required`.
    pub required: bool,
    /// Rows where the value is missing (absent, null, empty, NaN).
    pub missing: u64,
    /// `missing / rows` (0 for no rows).
    pub missing_rate: f64,
    /// Values of the wrong type (rule `type`).
    pub type_errors: u64,
    /// Values outside the spec's `min`/`max`.
    pub out_of_range: u64,
    /// Values not among the spec's `categories` or the fitted encoder's categories.
    pub unseen_categories: u64,
    /// Up to 10 distinct unseen values, in order of appearance.
    pub unseen_values: Vec<String>,
    /// Distinct valid non-missing values.
    pub distinct: u64,
    /// All valid non-missing values are equal (and there is at least one).
    pub constant: bool,
    /// Smallest valid value (numeric fields).
    pub min: Option<f64>,
    /// Largest valid value (numeric fields).
    pub max: Option<f64>,
    /// Mean of valid values (numeric fields).
    pub mean: Option<f64>,
    /// First quartile (numpy `percentile`, linear) of valid values.
    pub q1: Option<f64>,
    /// Third quartile.
    pub q3: Option<f64>,
    /// Valid values below q1 − k·IQR or above q3 + k·IQR (k = `iqrFactor`).
    pub outliers_iqr: u64,
    /// Valid values beyond the reference range given in the options.
    pub outliers_reference: u64,
}

/// One finding of the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable identifier: `empty_input`, `missing_column`, `missing_required`, `missing_values`,
    /// `type_error`, `out_of_range`, `unseen_category`, `constant_column`, `duplicate_rows`,
    /// `outliers_iqr`, `outliers_reference`, `invalid_rows`; from `validate` also
    /// `label_missing`, `label_unknown`, `non_finite_output`.
    pub kind: String,
    /// `info`, `warning` or `error`.
    pub severity: Severity,
    /// The field concerned, if any.
    pub field: Option<String>,
    /// How many values or rows.
    pub count: u64,
    /// `count / rows`.
    pub rate: f64,
    /// Human-readable explanation (may change; `kind` does not).
    pub message: String,
}

/// Counts of findings per severity.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeverityCounts {
    /// Findings of severity `error`.
    pub errors: u64,
    /// Findings of severity `warning`.
    pub warnings: u64,
    /// Findings of severity `info`.
    pub infos: u64,
}

/// The data quality report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QualityReport {
    /// The spec's content hash.
    pub feature_version: String,
    /// Records examined.
    pub rows: u64,
    /// Records the pipeline transforms.
    pub valid_rows: u64,
    /// Records the pipeline rejects (`E_FEATURE_INVALID`).
    pub invalid_rows: u64,
    /// Records identical, on the spec's fields, to an earlier record.
    pub duplicate_rows: u64,
    /// Per field, in spec order.
    pub fields: Vec<FieldQuality>,
    /// Findings, errors first, then by field order.
    pub findings: Vec<Finding>,
    /// Counts per severity.
    pub summary: SeverityCounts,
}

impl QualityReport {
    /// Adds a finding and keeps `summary` and ordering up to date.
    pub fn push(&mut self, finding: Finding) {
        match finding.severity {
            Severity::Error => self.summary.errors += 1,
            Severity::Warning => self.summary.warnings += 1,
            Severity::Info => self.summary.infos += 1,
        }
        self.findings.push(finding);
        self.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    }

    /// The field's statistics.
    pub fn field(&self, name: &str) -> Option<&FieldQuality> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Known categories of a field from a fitted encoder (`one_hot`, `ordinal`) reached through
/// value-preserving transforms only (`impute`, `passthrough`), and whether an unknown value is
/// an error for that encoder.
fn encoder_categories(spec: &FeatureSpec) -> HashMap<String, (Vec<Category>, bool)> {
    let mut source: HashMap<String, String> = spec
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.name.clone()))
        .collect();
    let mut out: HashMap<String, (Vec<Category>, bool)> = HashMap::new();
    for t in &spec.transforms {
        let inputs: Vec<Option<String>> = t.inputs.iter().map(|i| source.get(i).cloned()).collect();
        if t.op == "one_hot" || t.op == "ordinal" {
            let error = !matches!(
                t.params.get("handleUnknown").and_then(Value::as_str),
                Some("ignore" | "use_encoded_value" | "infrequent_if_exist")
            );
            if let Some(Value::Array(lists)) = t.params.get("categories") {
                for (field, list) in inputs.iter().zip(lists) {
                    let (Some(field), Value::Array(list)) = (field, list) else {
                        continue;
                    };
                    let cats: Vec<Category> = list.iter().filter_map(Category::from_json).collect();
                    let entry = out.entry(field.clone()).or_insert((Vec::new(), false));
                    entry.0.extend(cats);
                    entry.1 |= error;
                }
            }
        }
        if (t.op == "impute" || t.op == "passthrough") && t.outputs.len() == t.inputs.len() {
            for (o, src) in t.outputs.iter().zip(inputs) {
                if let Some(src) = src {
                    source.insert(o.clone(), src);
                }
            }
        }
    }
    out
}

/// numpy `percentile(v, q)` (linear interpolation) of sorted values.
pub(crate) fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let pos = (n - 1) as f64 * q / 100.0;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let t = pos - lo as f64;
    let (a, b) = (*sorted.get(lo)?, *sorted.get(hi)?);
    let d = b - a;
    // numpy's _lerp: a + d·t, or b − d·(1 − t) when t ≥ 0.5
    Some(if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    })
}

fn shown(raw: &RawValue) -> String {
    match raw {
        RawValue::Null => "null".into(),
        RawValue::Number(x) => format!("{x}"),
        RawValue::Bool(b) => format!("{b}"),
        RawValue::String(s) | RawValue::Text(s) => s.chars().take(40).collect(),
        RawValue::Other(k) => k.clone(),
    }
}

fn dedup_key(raw: Option<&RawValue>) -> String {
    match raw {
        None | Some(RawValue::Null) => "\u{0}".into(),
        Some(RawValue::Number(x)) => format!("n{}", x.to_bits()),
        Some(RawValue::Bool(b)) => format!("b{b}"),
        Some(RawValue::String(s)) | Some(RawValue::Text(s)) => format!("s{s}"),
        Some(RawValue::Other(k)) => format!("o{k}"),
    }
}

/// The quality report of `records` against the pipeline's spec.
pub fn quality_report(
    pipeline: &Pipeline,
    records: &[Record],
    options: &QualityOptions,
) -> Result<QualityReport> {
    let batch = pipeline.transform_batch(records);
    let first = batch
        .errors
        .first()
        .map(|e| format!("row {}, `{}`, rule `{}`", e.row, e.field, e.rule));
    let valid_rows = batch.valid_rows() as u64;
    report_for(
        pipeline.spec(),
        pipeline.version(),
        (valid_rows, first),
        records,
        options,
    )
}

/// The quality report of `records` against `spec` (feature version `version`), of which
/// `valid_rows` reach the model (the caller's preprocessing decided which, and why it refused
/// the first it refused).
pub(crate) fn report_for(
    spec: &FeatureSpec,
    version: &str,
    (valid_rows, first_rejection): (u64, Option<String>),
    records: &[Record],
    options: &QualityOptions,
) -> Result<QualityReport> {
    for name in options.reference.keys() {
        if !spec.fields.iter().any(|f| &f.name == name) {
            return Err(Error::invalid_argument(
                "reference",
                format!("`{name}` is not a field of the spec"),
            ));
        }
    }
    if options.iqr_factor.is_nan()
        || options.iqr_factor < 0.0
        || !(0.0..=1.0).contains(&options.missing_rate_warning)
    {
        return Err(Error::invalid_argument(
            "quality",
            "iqrFactor must be ≥ 0 and missingRateWarning in [0, 1]",
        ));
    }
    let rows = records.len() as u64;
    let rate = |c: u64| {
        if rows == 0 {
            0.0
        } else {
            c as f64 / rows as f64
        }
    };
    let encoders = encoder_categories(spec);

    let mut seen = HashSet::new();
    let mut duplicate_rows = 0u64;
    for r in records {
        let key: Vec<String> = spec
            .fields
            .iter()
            .map(|f| dedup_key(r.get(&f.name)))
            .collect();
        if !seen.insert(key.join("\u{1f}")) {
            duplicate_rows += 1;
        }
    }

    let mut report = QualityReport {
        feature_version: version.to_string(),
        rows,
        valid_rows,
        invalid_rows: rows.saturating_sub(valid_rows),
        duplicate_rows,
        fields: Vec::new(),
        findings: Vec::new(),
        summary: SeverityCounts::default(),
    };
    if rows == 0 {
        report.push(Finding {
            kind: "empty_input".into(),
            severity: Severity::Error,
            field: None,
            count: 0,
            rate: 0.0,
            message: "there are no records".into(),
        });
    }

    let mut findings = Vec::new();
    for f in &spec.fields {
        let categories: Vec<Category> = f
            .categories
            .iter()
            .flatten()
            .filter_map(Category::from_json)
            .collect();
        let encoder = encoders.get(&f.name);
        let mut fq = FieldQuality {
            name: f.name.clone(),
            ty: f.ty,
            required: f.required,
            missing: 0,
            missing_rate: 0.0,
            type_errors: 0,
            out_of_range: 0,
            unseen_categories: 0,
            unseen_values: Vec::new(),
            distinct: 0,
            constant: false,
            min: None,
            max: None,
            mean: None,
            q1: None,
            q3: None,
            outliers_iqr: 0,
            outliers_reference: 0,
        };
        let mut absent = 0u64;
        let mut nums: Vec<f64> = Vec::new();
        let mut distinct: HashSet<String> = HashSet::new();
        let mut encoder_unseen = 0u64;
        for r in records {
            let raw = r.get(&f.name);
            if raw.is_none() {
                absent += 1;
            }
            let note_unseen = |fq: &mut FieldQuality| {
                fq.unseen_categories += 1;
                let s = raw.map(shown).unwrap_or_default();
                if fq.unseen_values.len() < 10 && !fq.unseen_values.contains(&s) {
                    fq.unseen_values.push(s);
                }
            };
            match coerce(f, &categories, raw) {
                Ok(Cell::Missing) => fq.missing += 1,
                Ok(Cell::Num(x)) if x.is_nan() => fq.missing += 1,
                Ok(cell) => {
                    if let Some((known, _)) = encoder {
                        if !known.iter().any(|c| c.matches(&cell)) {
                            note_unseen(&mut fq);
                            encoder_unseen += 1;
                        }
                    }
                    match cell {
                        Cell::Num(x) => {
                            distinct.insert(format!("{}", x.to_bits()));
                            if f.ty != FieldType::Boolean {
                                nums.push(x);
                            }
                        }
                        Cell::Str(s) => {
                            distinct.insert(s.to_string());
                        }
                        Cell::Missing => {}
                    }
                }
                Err(v) => match v.rule {
                    "required" => fq.missing += 1,
                    "type" => fq.type_errors += 1,
                    "min" | "max" => fq.out_of_range += 1,
                    "category" => note_unseen(&mut fq),
                    _ => fq.type_errors += 1,
                },
            }
        }
        fq.missing_rate = rate(fq.missing);
        fq.distinct = distinct.len() as u64;
        fq.constant = distinct.len() == 1;
        if !nums.is_empty() {
            nums.sort_by(|a, b| a.total_cmp(b));
            fq.min = nums.first().copied();
            fq.max = nums.last().copied();
            fq.mean = Some(nums.iter().sum::<f64>() / nums.len() as f64);
            fq.q1 = percentile(&nums, 25.0);
            fq.q3 = percentile(&nums, 75.0);
            if let (Some(q1), Some(q3)) = (fq.q1, fq.q3) {
                let iqr = q3 - q1;
                let (lo, hi) = (q1 - options.iqr_factor * iqr, q3 + options.iqr_factor * iqr);
                fq.outliers_iqr = nums.iter().filter(|x| **x < lo || **x > hi).count() as u64;
            }
            if let Some(range) = options.reference.get(&f.name) {
                fq.outliers_reference = nums
                    .iter()
                    .filter(|x| {
                        range.min.is_some_and(|m| **x < m) || range.max.is_some_and(|m| **x > m)
                    })
                    .count() as u64;
            }
        }

        let invalid_severity = if f.on_invalid == OnInvalid::Missing {
            Severity::Warning
        } else {
            Severity::Error
        };
        let name = Some(f.name.clone());
        let mut add = |kind: &str, severity: Severity, count: u64, message: String| {
            findings.push(Finding {
                kind: kind.into(),
                severity,
                field: name.clone(),
                count,
                rate: rate(count),
                message,
            });
        };
        if rows > 0 && absent == rows {
            add(
                "missing_column",
                if f.required {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                rows,
                format!("no record carries `{}`", f.name),
            );
        }
        if fq.missing > 0 && f.required {
            add(
                "missing_required",
                Severity::Error,
                fq.missing,
                format!(
                    "{} record(s) lack the required field `{}`; the pipeline rejects them",
                    fq.missing, f.name
                ),
            );
        } else if fq.missing > 0 && absent < rows {
            let sev = if fq.missing_rate > options.missing_rate_warning {
                Severity::Warning
            } else {
                Severity::Info
            };
            add(
                "missing_values",
                sev,
                fq.missing,
                format!(
                    "{:.1} % of `{}` is missing (imputed if the spec imputes)",
                    fq.missing_rate * 100.0,
                    f.name
                ),
            );
        }
        if fq.type_errors > 0 {
            add(
                "type_error",
                invalid_severity,
                fq.type_errors,
                format!(
                    "{} value(s) of `{}` are not of type {}",
                    fq.type_errors,
                    f.name,
                    f.ty.as_str()
                ),
            );
        }
        if fq.out_of_range > 0 {
            add(
                "out_of_range",
                invalid_severity,
                fq.out_of_range,
                format!(
                    "{} value(s) of `{}` are outside [{}, {}]",
                    fq.out_of_range,
                    f.name,
                    f.min.map_or("-∞".into(), |m| m.to_string()),
                    f.max.map_or("+∞".into(), |m| m.to_string())
                ),
            );
        }
        if fq.unseen_categories > 0 {
            let declared = fq.unseen_categories - encoder_unseen;
            let sev = if declared > 0 {
                invalid_severity
            } else if encoder.is_some_and(|(_, err)| *err) {
                Severity::Error
            } else {
                Severity::Warning
            };
            add(
                "unseen_category",
                sev,
                fq.unseen_categories,
                format!(
                    "{} value(s) of `{}` are categories the model never saw: {}",
                    fq.unseen_categories,
                    f.name,
                    fq.unseen_values.join(", ")
                ),
            );
        }
        if fq.constant && rows > 1 {
            add(
                "constant_column",
                Severity::Warning,
                rows,
                format!("every value of `{}` is the same", f.name),
            );
        }
        if fq.outliers_iqr > 0 {
            add(
                "outliers_iqr",
                Severity::Info,
                fq.outliers_iqr,
                format!(
                    "{} value(s) of `{}` lie beyond {}×IQR of the quartiles",
                    fq.outliers_iqr, f.name, options.iqr_factor
                ),
            );
        }
        if fq.outliers_reference > 0 {
            add(
                "outliers_reference",
                Severity::Warning,
                fq.outliers_reference,
                format!(
                    "{} value(s) of `{}` lie outside the reference range",
                    fq.outliers_reference, f.name
                ),
            );
        }
        report.fields.push(fq);
    }
    if duplicate_rows > 0 {
        findings.push(Finding {
            kind: "duplicate_rows".into(),
            severity: Severity::Warning,
            field: None,
            count: duplicate_rows,
            rate: rate(duplicate_rows),
            message: format!("{duplicate_rows} record(s) repeat an earlier record exactly"),
        });
    }
    if report.invalid_rows > 0 {
        findings.push(Finding {
            kind: "invalid_rows".into(),
            severity: Severity::Error,
            field: None,
            count: report.invalid_rows,
            rate: rate(report.invalid_rows),
            message: format!(
                "the pipeline rejects {} record(s) (first: {})",
                report.invalid_rows,
                first_rejection.unwrap_or_default()
            ),
        });
    }
    for f in findings {
        report.push(f);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_percentile() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 25.0), Some(1.75));
        assert_eq!(percentile(&v, 75.0), Some(3.25));
        assert_eq!(percentile(&[5.0], 25.0), Some(5.0));
        assert_eq!(percentile(&[], 25.0), None);
    }
}
