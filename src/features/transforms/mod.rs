//! Transforms, registered by name. Adding one is one file here plus one line in [`REGISTRY`]:
//! a constructor that reads its `params` from the spec, checks its input kinds and returns the
//! runnable [`Transform`] with the kinds of its outputs.
//!
//! Every transform computes in f64 and mirrors scikit-learn's `transform` exactly (same
//! operations in the same order), with NaN / missing propagated as numpy does.

mod arithmetic;
mod binarizer;
mod bucketize;
mod center_scale;
mod clip;
mod impute;
mod log1p;
mod max_abs_scaler;
mod min_max_scaler;
mod missing_indicator;
mod normal;
mod normalizer;
mod one_hot;
mod ordinal;
mod passthrough;
mod pca;
mod polynomial;
mod power;
mod quantile;
mod robust_scaler;
mod standard_scaler;
mod target_encoder;
pub(crate) mod timestamp;
mod unary;

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A constructor: reads params, checks inputs, returns the transform and its output kinds.
pub(crate) type Constructor = fn(&BuildCtx<'_>) -> Result<Built>;

/// Registry: spec `op` name → constructor.
pub(crate) const REGISTRY: &[(&str, Constructor)] = &[
    ("impute", impute::build),
    ("standard_scaler", standard_scaler::build),
    ("min_max_scaler", min_max_scaler::build),
    ("robust_scaler", robust_scaler::build),
    ("one_hot", one_hot::build),
    ("ordinal", ordinal::build),
    ("bucketize", bucketize::build),
    ("log1p", log1p::build),
    ("clip", clip::build),
    ("ratio", arithmetic::build_ratio),
    ("difference", arithmetic::build_difference),
    ("product", arithmetic::build_product),
    ("sum", arithmetic::build_sum),
    ("hour", timestamp::build_hour),
    ("day_of_week", timestamp::build_day_of_week),
    ("month", timestamp::build_month),
    ("passthrough", passthrough::build),
    ("max_abs_scaler", max_abs_scaler::build),
    ("normalizer", normalizer::build),
    ("polynomial", polynomial::build),
    ("quantile", quantile::build),
    ("power", power::build),
    ("target_encoder", target_encoder::build),
    ("missing_indicator", missing_indicator::build),
    ("binarizer", binarizer::build),
    ("pca", pca::build),
    ("log", unary::build_log),
    ("sqrt", unary::build_sqrt),
    ("exp", unary::build_exp),
    ("expm1", unary::build_expm1),
    ("log2", unary::build_log2),
    ("log10", unary::build_log10),
    ("abs", unary::build_abs),
    ("square", unary::build_square),
];

/// Names of every registered transform.
pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|(n, _)| *n).collect()
}

/// Transforms whose scikit-learn counterpart validates its input with `check_array(...,
/// ensure_all_finite="allow-nan")`: NaN passes, an infinity raises. Their inputs are checked by
/// the pipeline (rule `finite`), so an infinity made upstream (`log(0)`, an overflowing `exp`,
/// a ratio by zero) is an error there, as in scikit-learn, never a value the model sees.
pub(crate) const REFUSES_INFINITY: &[&str] = &[
    "impute",
    "standard_scaler",
    "min_max_scaler",
    "robust_scaler",
    "max_abs_scaler",
    "quantile",
    "power",
];

pub(crate) fn constructor(op: &str) -> Option<Constructor> {
    REGISTRY.iter().find(|(n, _)| *n == op).map(|(_, c)| *c)
}

/// The value of one column for one record while the pipeline runs.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    Missing,
    Num(f64),
    /// Shared: a dictionary-encoded column hands the same string to every row that has it
    /// without copying it ([`crate::features::Columns`]).
    Str(std::sync::Arc<str>),
}

impl Cell {
    /// Missing, or a NaN number (numpy's missing marker).
    pub(crate) fn is_missing(&self) -> bool {
        match self {
            Cell::Missing => true,
            Cell::Num(x) => x.is_nan(),
            Cell::Str(_) => false,
        }
    }

    /// The number, NaN for missing (strings never reach numeric transforms: kinds are
    /// checked when the pipeline is built).
    pub(crate) fn num(&self) -> f64 {
        match self {
            Cell::Num(x) => *x,
            _ => f64::NAN,
        }
    }
}

/// The static kind of a column, checked when the pipeline is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// f64 values (NaN = missing).
    Numeric,
    /// Strings.
    Categorical,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Numeric => "numeric",
            Kind::Categorical => "categorical",
        }
    }
}

/// What a constructor sees.
pub(crate) struct BuildCtx<'a> {
    /// `transforms[i]`, for error paths.
    pub path: String,
    pub op: &'a str,
    pub input_names: &'a [String],
    /// For error messages: the raw field each input derives from (or its own name).
    pub input_sources: Vec<String>,
    pub input_kinds: Vec<Kind>,
    pub n_outputs: usize,
    pub params: &'a Value,
}

/// What a constructor returns.
pub(crate) struct Built {
    pub transform: Box<dyn Transform>,
    pub output_kinds: Vec<Kind>,
}

/// Read access to the transform's input cells.
pub(crate) struct Inputs<'a> {
    pub cols: &'a [Cell],
    pub ids: &'a [usize],
}

static MISSING: Cell = Cell::Missing;

impl<'a> Inputs<'a> {
    pub(crate) fn get(&self, i: usize) -> &'a Cell {
        self.ids
            .get(i)
            .and_then(|id| self.cols.get(*id))
            .unwrap_or(&MISSING)
    }
}

/// A runnable transform.
pub(crate) trait Transform: std::fmt::Debug + Send + Sync {
    /// Reads the inputs and writes every output cell (`out.len()` = declared outputs).
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()>;

    /// The column form of an element-wise numeric transform: output `i` of every row from
    /// input `i` alone (NaN = missing), exactly what `apply` computes one row at a time (the
    /// implementations share one scalar function). Called by the columnar executor
    /// ([`crate::features::Pipeline::transform_columns`]) only when every input is numeric; a
    /// transform without such a form returns `false` and is run row by row through `apply`.
    /// `out` is empty with room for a value per row: pushing them (`extend`) spares the
    /// executor filling a column only to overwrite it.
    fn map_column(&self, _i: usize, _xs: &[f64], _out: &mut Vec<f64>) -> bool {
        false
    }
}

impl<'a> BuildCtx<'a> {
    pub(crate) fn invalid(&self, member: &str, reason: impl Into<String>) -> Error {
        let field = if member.is_empty() {
            self.path.clone()
        } else {
            format!("{}.{member}", self.path)
        };
        Error::SpecInvalid {
            field,
            reason: reason.into(),
        }
    }

    /// Deserializes `params` (absent or null → `{}`).
    pub(crate) fn params<P: DeserializeOwned>(&self) -> Result<P> {
        let empty = Value::Object(serde_json::Map::new());
        let v = match self.params {
            Value::Null => &empty,
            v => v,
        };
        crate::json::from_value(v).map_err(|e| self.invalid("params", format!("{} : {e}", self.op)))
    }

    pub(crate) fn n_inputs(&self) -> usize {
        self.input_names.len()
    }

    /// Checks the number of inputs.
    pub(crate) fn expect_inputs(&self, min: usize, max: Option<usize>) -> Result<()> {
        let n = self.n_inputs();
        let ok = n >= min && max.is_none_or(|m| n <= m);
        if ok {
            return Ok(());
        }
        let want = match max {
            Some(m) if m == min => format!("{min}"),
            Some(m) => format!("{min} to {m}"),
            None => format!("at least {min}"),
        };
        Err(self.invalid(
            "inputs",
            format!("`{}` takes {want} inputs, got {n}", self.op),
        ))
    }

    /// Checks the number of outputs.
    pub(crate) fn expect_outputs(&self, n: usize) -> Result<()> {
        if self.n_outputs == n {
            Ok(())
        } else {
            Err(self.invalid(
                "outputs",
                format!(
                    "`{}` defines {n} outputs here, the spec lists {}",
                    self.op, self.n_outputs
                ),
            ))
        }
    }

    /// Checks every input is numeric.
    pub(crate) fn expect_numeric(&self) -> Result<()> {
        for (i, k) in self.input_kinds.iter().enumerate() {
            if *k != Kind::Numeric {
                return Err(self.invalid(
                    "inputs",
                    format!(
                        "`{}` needs numeric inputs; `{}` is {}",
                        self.op,
                        self.input_names.get(i).map(String::as_str).unwrap_or("?"),
                        k.as_str()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks a per-input parameter has one entry per input.
    pub(crate) fn per_input<T>(&self, member: &str, v: &[T]) -> Result<()> {
        if v.len() == self.n_inputs() {
            Ok(())
        } else {
            Err(self.invalid(
                &format!("params.{member}"),
                format!("has {} entries for {} inputs", v.len(), self.n_inputs()),
            ))
        }
    }

    /// The common shape of element-wise numeric transforms: n inputs → n numeric outputs.
    pub(crate) fn elementwise(&self) -> Result<Vec<Kind>> {
        self.expect_inputs(1, None)?;
        self.expect_numeric()?;
        self.expect_outputs(self.n_inputs())?;
        Ok(vec![Kind::Numeric; self.n_inputs()])
    }
}

/// A float parameter where JSON `null` stands for NaN (JSON has no NaN).
pub(crate) fn nan_if_null(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

/// A category value in a spec: string, number, or `null` for the missing category.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Category {
    Missing,
    Num(f64),
    Str(String),
}

impl Category {
    pub(crate) fn from_json(v: &Value) -> Option<Category> {
        match v {
            Value::Null => Some(Category::Missing),
            Value::Number(n) => n.as_f64().map(Category::Num),
            Value::String(s) => Some(Category::Str(s.clone())),
            _ => None,
        }
    }

    /// Whether `cell` is this category (missing matches only the missing category).
    pub(crate) fn matches(&self, cell: &Cell) -> bool {
        if cell.is_missing() {
            return matches!(self, Category::Missing);
        }
        match (self, cell) {
            (Category::Num(a), Cell::Num(b)) => a == b,
            (Category::Str(a), Cell::Str(b)) => a.as_str() == &**b,
            _ => false,
        }
    }
}

/// Parses per-input category lists and checks them against the input kinds.
pub(crate) fn categories(ctx: &BuildCtx<'_>, lists: &[Vec<Value>]) -> Result<Vec<Vec<Category>>> {
    ctx.per_input("categories", lists)?;
    let mut out = Vec::with_capacity(lists.len());
    for (i, list) in lists.iter().enumerate() {
        let kind = ctx.input_kinds.get(i).copied().unwrap_or(Kind::Numeric);
        let mut cats = Vec::with_capacity(list.len());
        for (j, v) in list.iter().enumerate() {
            let c = Category::from_json(v).ok_or_else(|| {
                ctx.invalid(
                    &format!("params.categories[{i}][{j}]"),
                    "a category is a string, a number or null",
                )
            })?;
            let ok = matches!(
                (&c, kind),
                (Category::Missing, _)
                    | (Category::Num(_), Kind::Numeric)
                    | (Category::Str(_), Kind::Categorical)
            );
            if !ok {
                return Err(ctx.invalid(
                    &format!("params.categories[{i}][{j}]"),
                    format!(
                        "does not match the {} input `{}`",
                        kind.as_str(),
                        ctx.input_names.get(i).map(String::as_str).unwrap_or("?")
                    ),
                ));
            }
            if cats.contains(&c) {
                return Err(ctx.invalid(
                    &format!("params.categories[{i}][{j}]"),
                    "duplicate category",
                ));
            }
            cats.push(c);
        }
        out.push(cats);
    }
    Ok(out)
}

/// Shows a cell in an error message.
pub(crate) fn show(cell: &Cell) -> String {
    match cell {
        Cell::Missing => "missing".into(),
        Cell::Num(x) if x.is_nan() => "missing".into(),
        Cell::Num(x) => format!("{x}"),
        Cell::Str(s) => format!("{s:?}"),
    }
}

/// The number in input `i`, or `E_FEATURE_INVALID` (rule `finite`, naming the source field)
/// when it is missing or infinite: for the transforms whose scikit-learn counterpart refuses
/// NaN (`check_array`'s default), where passing NaN through would hand the model a value
/// scikit-learn never produces.
pub(crate) fn finite_input(
    inputs: &Inputs<'_>,
    sources: &[String],
    i: usize,
    op: &str,
) -> Result<f64> {
    let x = inputs.get(i).num();
    if x.is_finite() {
        return Ok(x);
    }
    let field = sources.get(i).map(String::as_str).unwrap_or("?");
    Err(feature_invalid(
        field,
        "finite",
        format!(
            "`{op}` needs a finite number, got {} (scikit-learn refuses NaN and infinity here; impute before it)",
            show(inputs.get(i))
        ),
    ))
}

pub(crate) fn feature_invalid(field: &str, rule: &str, reason: impl Into<String>) -> Error {
    Error::FeatureInvalid {
        field: field.to_string(),
        rule: rule.to_string(),
        reason: reason.into(),
    }
}
