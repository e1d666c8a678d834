//! The runnable pipeline: a spec checked once, then records in, f32 feature vectors out.

use super::record::Record;
use super::spec::{FeatureSpec, FieldSpec, FieldType, OnInvalid};
use super::transforms::{self, BuildCtx, Category, Cell, Inputs, Kind, Transform};
use super::validate::{coerce, Violation};
use crate::error::{Error, Result};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) spec: FieldSpec,
    pub(crate) categories: Vec<Category>,
}

#[derive(Debug)]
pub(crate) struct Step {
    /// The raw field each input derives from, when the step refuses infinite inputs.
    pub(crate) finite_sources: Option<Vec<String>>,
    pub(crate) inputs: Vec<usize>,
    pub(crate) out_start: usize,
    pub(crate) n_out: usize,
    pub(crate) transform: Box<dyn Transform>,
}

impl Field {
    /// A value of this field broke a rule: under `onInvalid: "missing"` (any rule but
    /// `required`) it is treated as missing and recorded (`Ok`); otherwise it is the row's
    /// error, naming the field.
    pub(crate) fn violated(&self, v: Violation) -> std::result::Result<Coercion, Error> {
        let (field, rule) = (self.spec.name.clone(), v.rule.to_string());
        if self.spec.on_invalid == OnInvalid::Missing && v.rule != "required" {
            Ok(Coercion {
                field,
                rule,
                reason: v.reason,
            })
        } else {
            Err(Error::FeatureInvalid {
                field,
                rule,
                reason: v.reason,
            })
        }
    }
}

impl Step {
    /// Input `i` is `x`, an infinity, and this step refuses infinity (as scikit-learn's
    /// `check_array` does): the error naming the raw field it came from.
    pub(crate) fn not_finite(&self, i: usize, x: f64) -> Error {
        Error::FeatureInvalid {
            field: self
                .finite_sources
                .as_ref()
                .and_then(|s| s.get(i))
                .cloned()
                .unwrap_or_default(),
            rule: "finite".into(),
            reason: format!(
                "{x} reaches a transform that refuses infinity (as scikit-learn's check_array does)"
            ),
        }
    }
}

/// A feature pipeline built from a [`FeatureSpec`]: validates records and computes the model's
/// input vector exactly as the fitted scikit-learn preprocessing did (f64 inside, f32 out).
#[derive(Debug)]
pub struct Pipeline {
    spec: FeatureSpec,
    version: String,
    fields: Vec<Field>,
    steps: Vec<Step>,
    /// The kind of every column: fields, then each step's outputs.
    kinds: Vec<Kind>,
    outputs: Vec<usize>,
}

/// A value that violated its field's rules and was treated as missing (`onInvalid: "missing"`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Coercion {
    /// The field.
    pub field: String,
    /// The rule violated (`type`, `min`, `max`, `category`).
    pub rule: String,
    /// Why.
    pub reason: String,
}

/// One record's features and the values that were coerced to missing on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct Transformed {
    /// `width()` values in `output_names()` order.
    pub values: Vec<f32>,
    /// Values treated as missing under `onInvalid: "missing"`.
    pub coerced: Vec<Coercion>,
}

/// One rejected row of a batch.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// 0-based index of the record in the batch.
    pub row: usize,
    /// The field at fault.
    pub field: String,
    /// The rule violated (`required`, `type`, `min`, `max`, `category`, `finite`).
    pub rule: String,
    /// Why (the rule-specific reason; `field` and `rule` are separate).
    pub message: String,
}

/// The result of [`Pipeline::transform_batch`]: every row keeps its slot; rejected rows are NaN
/// and flagged in `valid`, with their error in `errors`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchOutput {
    /// Number of records.
    pub rows: usize,
    /// Values per row.
    pub width: usize,
    /// `rows × width` values, row-major; rows with `valid[r] == false` are all NaN.
    pub values: Vec<f32>,
    /// Whether each row was transformed.
    pub valid: Vec<bool>,
    /// One entry per rejected row, in row order.
    pub errors: Vec<RowError>,
    /// Per field, how many values were treated as missing under `onInvalid: "missing"`.
    pub coerced: BTreeMap<String, u64>,
}

impl BatchOutput {
    /// Number of valid rows.
    pub fn valid_rows(&self) -> usize {
        self.valid.iter().filter(|v| **v).count()
    }

    /// Indices of the valid rows, in order.
    pub fn valid_indices(&self) -> Vec<usize> {
        (0..self.rows)
            .filter(|r| self.valid.get(*r) == Some(&true))
            .collect()
    }

    /// The values of the valid rows only, row-major (`valid_rows() × width`): what a model is
    /// fed when the rejected rows are left out.
    pub fn valid_values(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.valid_rows() * self.width);
        for r in self.valid_indices() {
            out.extend_from_slice(self.row(r));
        }
        out
    }

    /// The values of row `r` (empty when out of range).
    pub fn row(&self, r: usize) -> &[f32] {
        self.values
            .get(r * self.width..(r + 1) * self.width)
            .unwrap_or_default()
    }
}

impl RowError {
    /// Row `r`'s failure as a batch reports it: a feature violation keeps its field and rule,
    /// any other error is its code with an empty field.
    pub(crate) fn of(row: usize, e: Error) -> RowError {
        let (field, rule, message) = match e {
            Error::FeatureInvalid {
                field,
                rule,
                reason,
            } => (field, rule, reason),
            other => (String::new(), other.code().to_string(), other.to_string()),
        };
        RowError {
            row,
            field,
            rule,
            message,
        }
    }
}

/// Row `r`'s failure as a strict batch reports it: the row's index in the reason.
pub(crate) fn in_record(r: usize, e: Error) -> Error {
    match e {
        Error::FeatureInvalid {
            field,
            rule,
            reason,
        } => Error::FeatureInvalid {
            field,
            rule,
            reason: format!("record {r}: {reason}"),
        },
        other => other,
    }
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::SpecInvalid {
        field: field.into(),
        reason: reason.into(),
    }
}

fn field_categories(i: usize, f: &FieldSpec) -> Result<Vec<Category>> {
    let path = format!("fields[{i}]");
    if let (Some(a), Some(b)) = (f.min, f.max) {
        if a > b {
            return Err(invalid(format!("{path}.min"), "is above max"));
        }
    }
    if (f.min.is_some() || f.max.is_some())
        && matches!(f.ty, FieldType::String | FieldType::Boolean)
    {
        return Err(invalid(
            format!("{path}.min"),
            format!("min/max do not apply to a {} field", f.ty.as_str()),
        ));
    }
    let Some(list) = &f.categories else {
        return Ok(Vec::new());
    };
    if list.is_empty() {
        return Err(invalid(format!("{path}.categories"), "is empty"));
    }
    list.iter()
        .enumerate()
        .map(|(j, v)| {
            let c = Category::from_json(v);
            match (&c, f.ty) {
                (Some(Category::Str(_)), FieldType::String) => {}
                (Some(Category::Num(_)), FieldType::Number | FieldType::Integer) => {}
                _ => {
                    return Err(invalid(
                        format!("{path}.categories[{j}]"),
                        format!(
                            "must be a {} (categories apply to string, number and integer fields)",
                            if f.ty == FieldType::String {
                                "string"
                            } else {
                                "number"
                            }
                        ),
                    ))
                }
            }
            c.ok_or_else(|| invalid(format!("{path}.categories[{j}]"), "invalid"))
        })
        .collect()
}

impl Pipeline {
    /// Parses and builds a pipeline from `features.json` text.
    pub fn from_json(text: &str) -> Result<Pipeline> {
        Pipeline::from_spec(&FeatureSpec::from_json(text)?)
    }

    /// Builds a pipeline, checking every name, kind and parameter once.
    pub fn from_spec(spec: &FeatureSpec) -> Result<Pipeline> {
        if spec.schema != super::spec::SCHEMA {
            return Err(invalid(
                "schema",
                format!(
                    "`{}` is not supported; this build reads `{}`",
                    spec.schema,
                    super::spec::SCHEMA
                ),
            ));
        }
        let version = spec.content_hash()?;
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut kinds: Vec<Kind> = Vec::new();
        let mut sources: Vec<String> = Vec::new();
        let mut fields = Vec::with_capacity(spec.fields.len());
        for (i, f) in spec.fields.iter().enumerate() {
            if f.name.is_empty() {
                return Err(invalid(format!("fields[{i}].name"), "is empty"));
            }
            if ids.insert(f.name.clone(), kinds.len()).is_some() {
                return Err(invalid(
                    format!("fields[{i}].name"),
                    format!("field `{}` is declared twice", f.name),
                ));
            }
            kinds.push(if f.ty == FieldType::String {
                Kind::Categorical
            } else {
                Kind::Numeric
            });
            sources.push(f.name.clone());
            fields.push(Field {
                categories: field_categories(i, f)?,
                spec: f.clone(),
            });
        }
        let mut steps = Vec::with_capacity(spec.transforms.len());
        for (i, t) in spec.transforms.iter().enumerate() {
            let path = format!("transforms[{i}]");
            let ctor = transforms::constructor(&t.op).ok_or_else(|| {
                invalid(
                    format!("{path}.op"),
                    format!(
                        "unknown transform `{}`; this build has: {}",
                        t.op,
                        transforms::names().join(", ")
                    ),
                )
            })?;
            let mut inputs = Vec::with_capacity(t.inputs.len());
            for (j, name) in t.inputs.iter().enumerate() {
                let id = ids.get(name).copied().ok_or_else(|| {
                    invalid(
                        format!("{path}.inputs[{j}]"),
                        format!(
                            "`{name}` is neither a field nor an output of an earlier transform"
                        ),
                    )
                })?;
                inputs.push(id);
            }
            let input_kinds: Vec<Kind> = inputs
                .iter()
                .map(|id| kinds.get(*id).copied().unwrap_or(Kind::Numeric))
                .collect();
            let input_sources: Vec<String> = inputs
                .iter()
                .map(|id| sources.get(*id).cloned().unwrap_or_default())
                .collect();
            let ctx = BuildCtx {
                path: path.clone(),
                op: &t.op,
                input_names: &t.inputs,
                input_sources: input_sources.clone(),
                input_kinds,
                n_outputs: t.outputs.len(),
                params: &t.params,
            };
            let built = ctor(&ctx)?;
            if built.output_kinds.len() != t.outputs.len() {
                return Err(invalid(
                    format!("{path}.outputs"),
                    format!(
                        "`{}` produces {} columns, the spec lists {}",
                        t.op,
                        built.output_kinds.len(),
                        t.outputs.len()
                    ),
                ));
            }
            let out_start = kinds.len();
            let mut distinct: Vec<&String> = input_sources.iter().collect();
            distinct.sort();
            distinct.dedup();
            for (j, (name, kind)) in t.outputs.iter().zip(&built.output_kinds).enumerate() {
                if name.is_empty() {
                    return Err(invalid(format!("{path}.outputs[{j}]"), "is empty"));
                }
                if ids.insert(name.clone(), kinds.len()).is_some() {
                    return Err(invalid(
                        format!("{path}.outputs[{j}]"),
                        format!("column `{name}` is already defined"),
                    ));
                }
                kinds.push(*kind);
                let source = if t.outputs.len() == t.inputs.len() {
                    input_sources.get(j).cloned()
                } else if distinct.len() == 1 {
                    distinct.first().map(|s| (*s).clone())
                } else {
                    None
                };
                sources.push(source.unwrap_or_else(|| name.clone()));
            }
            let finite_sources = transforms::REFUSES_INFINITY
                .contains(&t.op.as_str())
                .then(|| input_sources.clone());
            steps.push(Step {
                finite_sources,
                inputs,
                out_start,
                n_out: t.outputs.len(),
                transform: built.transform,
            });
        }
        if spec.outputs.is_empty() {
            return Err(invalid("outputs", "is empty"));
        }
        let mut outputs = Vec::with_capacity(spec.outputs.len());
        for (j, name) in spec.outputs.iter().enumerate() {
            let id = ids.get(name).copied().ok_or_else(|| {
                invalid(
                    format!("outputs[{j}]"),
                    format!("`{name}` is not a field or transform output"),
                )
            })?;
            if kinds.get(id) != Some(&Kind::Numeric) {
                return Err(invalid(
                    format!("outputs[{j}]"),
                    format!("`{name}` is categorical; encode it (one_hot, ordinal) before output"),
                ));
            }
            outputs.push(id);
        }
        if let Some(names) = &spec.output_names {
            if names.len() != spec.outputs.len() {
                return Err(invalid(
                    "outputNames",
                    format!(
                        "has {} names for {} outputs",
                        names.len(),
                        spec.outputs.len()
                    ),
                ));
            }
            let mut seen = std::collections::HashSet::new();
            if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
                return Err(invalid("outputNames", format!("`{dup}` appears twice")));
            }
        }
        let mut spec = spec.clone();
        spec.hash = Some(version.clone());
        Ok(Pipeline {
            spec,
            version,
            fields,
            steps,
            kinds,
            outputs,
        })
    }

    /// The spec this pipeline runs (with its hash).
    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    /// The feature version: `sha256:<hex>` content hash of the spec.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Output column names, in order.
    pub fn output_names(&self) -> &[String] {
        self.spec
            .output_names
            .as_deref()
            .unwrap_or(&self.spec.outputs)
    }

    /// Values per record.
    pub fn width(&self) -> usize {
        self.outputs.len()
    }

    /// The checked fields, in spec order.
    pub(crate) fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The transforms, in spec order.
    pub(crate) fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The kind of every column (fields, then each step's outputs).
    pub(crate) fn kinds(&self) -> &[Kind] {
        &self.kinds
    }

    /// The column of each output, in order.
    pub(crate) fn output_ids(&self) -> &[usize] {
        &self.outputs
    }

    /// The raw fields a record may carry, in spec order.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.spec.name.as_str())
    }

    /// Transforms one record; any violation is an `E_FEATURE_INVALID` error naming the field.
    pub fn transform(&self, record: &Record) -> Result<Vec<f32>> {
        Ok(self.transform_detailed(record)?.values)
    }

    /// Transforms one record and reports the values treated as missing under
    /// `onInvalid: "missing"`.
    pub fn transform_detailed(&self, record: &Record) -> Result<Transformed> {
        let mut cols = Vec::new();
        let mut values = Vec::with_capacity(self.width());
        let mut coerced = Vec::new();
        self.run(record, &mut cols, &mut values, &mut coerced)?;
        Ok(Transformed { values, coerced })
    }

    /// Transforms one record and returns the f64 values before the final f32 cast (for parity
    /// checks against scikit-learn's float64 output).
    pub fn transform_f64(&self, record: &Record) -> Result<Vec<f64>> {
        let mut cols = Vec::new();
        let mut coerced = Vec::new();
        self.fill(record, &mut cols, &mut coerced)?;
        Ok(self
            .outputs
            .iter()
            .map(|id| cols.get(*id).map_or(f64::NAN, Cell::num))
            .collect())
    }

    fn run(
        &self,
        record: &Record,
        cols: &mut Vec<Cell>,
        out: &mut Vec<f32>,
        coerced: &mut Vec<Coercion>,
    ) -> Result<()> {
        self.fill(record, cols, coerced)?;
        self.emit(cols, out);
        Ok(())
    }

    /// Appends the output columns of a filled row, cast to f32 (what the model takes).
    fn emit(&self, cols: &[Cell], out: &mut Vec<f32>) {
        out.extend(
            self.outputs
                .iter()
                .map(|id| cols.get(*id).map_or(f32::NAN, |c| c.num() as f32)),
        );
    }

    /// Validates the record's fields and runs every transform, filling `cols`.
    fn fill(
        &self,
        record: &Record,
        cols: &mut Vec<Cell>,
        coerced: &mut Vec<Coercion>,
    ) -> Result<()> {
        cols.clear();
        cols.resize(self.kinds.len(), Cell::Missing);
        for (slot, f) in cols.iter_mut().zip(&self.fields) {
            *slot = match coerce(&f.spec, &f.categories, record.get(&f.spec.name)) {
                Ok(c) => c,
                Err(v) => {
                    coerced.push(f.violated(v)?);
                    Cell::Missing
                }
            };
        }
        for step in &self.steps {
            if step.finite_sources.is_some() {
                for (i, id) in step.inputs.iter().enumerate() {
                    if let Some(Cell::Num(x)) = cols.get(*id) {
                        if x.is_infinite() {
                            return Err(step.not_finite(i, *x));
                        }
                    }
                }
            }
            let mid = step.out_start.min(cols.len());
            let (head, tail) = cols.split_at_mut(mid);
            let dst = tail.get_mut(..step.n_out).ok_or_else(|| Error::Inference {
                reason: "feature pipeline column layout is inconsistent".into(),
            })?;
            step.transform.apply(
                &Inputs {
                    cols: head,
                    ids: &step.inputs,
                },
                dst,
            )?;
        }
        Ok(())
    }

    /// Transforms a batch without stopping at bad rows: see [`BatchOutput`].
    pub fn transform_batch(&self, records: &[Record]) -> BatchOutput {
        let rows = records.len();
        let width = self.width();
        let mut cols = Vec::new();
        let mut values = Vec::with_capacity(rows * width);
        let mut valid = Vec::with_capacity(rows);
        let mut errors = Vec::new();
        let mut coerced_counts: BTreeMap<String, u64> = BTreeMap::new();
        let mut coerced = Vec::new();
        for (r, record) in records.iter().enumerate() {
            coerced.clear();
            match self.fill(record, &mut cols, &mut coerced) {
                Ok(()) => {
                    self.emit(&cols, &mut values);
                    valid.push(true);
                    for c in &coerced {
                        *coerced_counts.entry(c.field.clone()).or_default() += 1;
                    }
                }
                Err(e) => {
                    values.resize(values.len() + width, f32::NAN);
                    valid.push(false);
                    errors.push(RowError::of(r, e));
                }
            }
        }
        BatchOutput {
            rows,
            width,
            values,
            valid,
            errors,
            coerced: coerced_counts,
        }
    }

    /// Transforms a batch, failing on the first bad row (its index is in the message).
    pub fn transform_batch_strict(&self, records: &[Record]) -> Result<Vec<f32>> {
        let mut cols = Vec::new();
        let mut values = Vec::with_capacity(records.len() * self.width());
        let mut coerced = Vec::new();
        for (r, record) in records.iter().enumerate() {
            self.fill(record, &mut cols, &mut coerced)
                .map_err(|e| in_record(r, e))?;
            self.emit(&cols, &mut values);
        }
        Ok(values)
    }

    /// Checks a CSV header against the spec: every field must be a column. A field absent from
    /// the whole file is not "missing on every row" to impute silently — it is a wrong file, a
    /// renamed column or a wrong delimiter (a `;` file read as one column) — so it is `E_CSV`
    /// naming the absent fields, with a hint when the header looks split by another delimiter.
    pub fn check_header(&self, header: &[String]) -> Result<()> {
        let missing: Vec<&str> = self
            .fields
            .iter()
            .filter(|f| !header.contains(&f.spec.name))
            .map(|f| f.spec.name.as_str())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let hint = match header {
            [only] => match [';', '\t', '|'].into_iter().find(|d| only.contains(*d)) {
                Some(d) => format!(
                    "; the header is one column `{only}`: the file seems delimited by `{}` \
                     (the CLI's --delimiter)",
                    d.escape_default()
                ),
                None => String::new(),
            },
            _ => String::new(),
        };
        Err(Error::Csv {
            line: Some(1),
            reason: format!(
                "column(s) of the feature spec missing from the header: {}{hint}",
                missing.join(", ")
            ),
        })
    }

    /// Parses raw CSV text (header first) and transforms every row, see [`BatchOutput`]. Every
    /// spec field must be a column ([`Pipeline::check_header`]).
    pub fn transform_csv(&self, text: &str) -> Result<BatchOutput> {
        self.transform_csv_with(text, &super::csv::CsvOptions::default())
    }

    /// [`Pipeline::transform_csv`] with a given delimiter and missing-value markers.
    pub fn transform_csv_with(
        &self,
        text: &str,
        options: &super::csv::CsvOptions,
    ) -> Result<BatchOutput> {
        let parsed = super::csv::read_records_with(text, options)?;
        self.check_header(&parsed.header)?;
        Ok(self.transform_batch(&parsed.records))
    }
}
