//! Runs a pipeline a column at a time over a batch of [`Columns`](super::Columns).
//!
//! Row by row, a batch pays per field of every row for validation, per transform of every row
//! for a dynamic call, and per cell for building and dropping it. Column by column it pays:
//! - numbers are validated in one loop per column (no [`Cell`] per value);
//! - a dictionary-encoded column (strings crossed once per distinct value) is validated once
//!   per distinct value, and a transform whose inputs are all dictionary-encoded (an imputer or
//!   a one-hot encoder over categories) runs once per distinct *combination* of its inputs — the
//!   rows then share the result by code;
//! - an element-wise numeric transform (scalers, numeric imputers) runs down whole columns
//!   through [`Transform::map_column`](super::transforms::Transform::map_column);
//! - anything else runs row by row through the same `apply` the records use.
//!
//! Every value is computed by the same scalar code as the row path, so the output is
//! bit-identical to [`Pipeline::transform_batch`] on the same rows as records, bad rows
//! included: a row's error is the first one the row path would meet (fields in spec order, then
//! each step's `finite` check and `apply` in order), because a row that failed is never failed
//! again, and `coerced` counts only the rows that were answered (`tests/features_columns.rs`).

use super::columns::Source;
use super::pipeline::{in_record, BatchOutput, Field, Pipeline, RowError};
use super::record::RawValue;
use super::spec::FieldType;
use super::transforms::{Cell, Inputs, Kind};
use super::validate::{coerce, coerce_number, Violation};
use crate::error::{Error, Result};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Above this many distinct input combinations a dictionary-encoded step runs row by row.
const MAX_COMBINATIONS: usize = 1 << 16;

/// No failure for this row.
const OK: u32 = u32::MAX;

/// One column's values for every row.
enum Data<'a> {
    /// Numbers, NaN = missing (a numeric column's `Cell::Missing` and `Cell::Num(NaN)` are one
    /// value to every transform: [`Cell::is_missing`], [`Cell::num`]). A field's column that
    /// needs no checking is the caller's own, borrowed.
    Num(Cow<'a, [f64]>),
    /// Row `r` holds `values[codes[r]]`.
    Dict { codes: Rc<[u32]>, values: Vec<Cell> },
    /// Any cells.
    Cells(Vec<Cell>),
}

impl Data<'_> {
    fn cell(&self, r: usize) -> Cell {
        match self {
            Data::Num(v) => Cell::Num(v.get(r).copied().unwrap_or(f64::NAN)),
            Data::Dict { codes, values } => codes
                .get(r)
                .and_then(|c| values.get(*c as usize))
                .cloned()
                .unwrap_or(Cell::Missing),
            Data::Cells(v) => v.get(r).cloned().unwrap_or(Cell::Missing),
        }
    }

    /// The column as numbers (NaN for missing).
    fn numbers(&self) -> Cow<'_, [f64]> {
        match self {
            Data::Num(v) => Cow::Borrowed(v.as_ref()),
            Data::Dict { codes, values } => {
                let nums: Vec<f64> = values.iter().map(Cell::num).collect();
                Cow::Owned(
                    codes
                        .iter()
                        .map(|c| nums.get(*c as usize).copied().unwrap_or(f64::NAN))
                        .collect(),
                )
            }
            Data::Cells(v) => Cow::Owned(v.iter().map(Cell::num).collect()),
        }
    }
}

/// Each row's first failure (an index into `errors`, or [`OK`]).
struct Failures {
    at: Vec<u32>,
    errors: Vec<Error>,
}

impl Failures {
    fn ok(&self, r: usize) -> bool {
        self.at.get(r) == Some(&OK)
    }

    /// Fails row `r` unless it already failed.
    fn fail(&mut self, r: usize, e: Error) {
        if self.ok(r) {
            let idx = self.push(e);
            if let Some(slot) = self.at.get_mut(r) {
                *slot = idx;
            }
        }
    }

    /// Fails row `r` with an error already pushed (rows sharing one distinct value).
    fn fail_with(&mut self, r: usize, idx: u32) {
        if let Some(slot) = self.at.get_mut(r) {
            if *slot == OK {
                *slot = idx;
            }
        }
    }

    fn push(&mut self, e: Error) -> u32 {
        self.errors.push(e);
        (self.errors.len() - 1) as u32
    }
}

/// The outcome of a batch run column by column.
pub(crate) struct Table {
    rows: usize,
    width: usize,
    /// `rows × width`, row-major; failed rows are NaN.
    values: Vec<f32>,
    failures: Failures,
    coerced: BTreeMap<String, u64>,
}

impl Table {
    pub(crate) fn into_batch(self) -> BatchOutput {
        let valid: Vec<bool> = self.failures.at.iter().map(|a| *a == OK).collect();
        let errors = self
            .failures
            .at
            .iter()
            .enumerate()
            .filter_map(|(r, a)| {
                self.failures
                    .errors
                    .get(*a as usize)
                    .map(|e| RowError::of(r, e.clone()))
            })
            .collect();
        BatchOutput {
            rows: self.rows,
            width: self.width,
            values: self.values,
            valid,
            errors,
            coerced: self.coerced,
        }
    }

    /// The values, or the first failed row's error with its index.
    pub(crate) fn into_strict(self) -> Result<Vec<f32>> {
        for (r, a) in self.failures.at.iter().enumerate() {
            if let Some(e) = self.failures.errors.get(*a as usize) {
                return Err(in_record(r, e.clone()));
            }
        }
        Ok(self.values)
    }
}

/// Row `r`'s value of `f` broke a rule: counted as treated-as-missing (`onInvalid:
/// "missing"`), or the row's failure — as [`Field::violated`] decides for the record path.
fn violated(f: &Field, r: usize, v: Violation, failures: &mut Failures, coerced: &mut Vec<u32>) {
    match f.violated(v) {
        Ok(_) => coerced.push(r as u32),
        Err(e) => failures.fail(r, e),
    }
}

impl Pipeline {
    /// Runs the pipeline over `rows` rows whose fields come from `sources` (one per field, in
    /// spec order).
    pub(crate) fn run_columns<'s>(&self, rows: usize, sources: &[Source<'s>]) -> Table {
        let kinds = self.kinds();
        let mut failures = Failures {
            at: vec![OK; rows],
            errors: Vec::new(),
        };
        let mut coerced_rows: Vec<Vec<u32>> = Vec::with_capacity(self.fields().len());
        let mut cols: Vec<Data<'s>> = Vec::with_capacity(kinds.len());
        for (i, (f, src)) in self.fields().iter().zip(sources).enumerate() {
            let numeric = kinds.get(i) == Some(&Kind::Numeric);
            let mut coerced = Vec::new();
            cols.push(field_column(
                f,
                src,
                rows,
                numeric,
                &mut failures,
                &mut coerced,
            ));
            coerced_rows.push(coerced);
        }
        for step in self.steps() {
            if step.finite_sources.is_some() {
                for (i, id) in step.inputs.iter().enumerate() {
                    let Some(col) = cols.get(*id) else { continue };
                    check_finite(col, rows, &mut failures, |x| step.not_finite(i, x));
                }
            }
            let out_kinds = kinds
                .get(step.out_start..step.out_start + step.n_out)
                .unwrap_or_default();
            let inputs: Vec<&Data> = step.inputs.iter().filter_map(|id| cols.get(*id)).collect();
            let outputs = map_columns(step, &inputs, kinds, out_kinds, rows)
                .or_else(|| by_combination(step, &inputs, rows, &mut failures))
                .unwrap_or_else(|| by_row(step, &inputs, out_kinds, rows, &mut failures));
            cols.extend(outputs);
        }
        // The answered rows' coercions, per field.
        let mut coerced = BTreeMap::new();
        for (f, list) in self.fields().iter().zip(&coerced_rows) {
            let n = list.iter().filter(|r| failures.ok(**r as usize)).count() as u64;
            if n > 0 {
                coerced.insert(f.spec.name.clone(), n);
            }
        }
        let width = self.width();
        let outputs: Vec<&Data> = self
            .output_ids()
            .iter()
            .filter_map(|id| cols.get(*id))
            .collect();
        let values = emit(&outputs, rows, width, &failures);
        Table {
            rows,
            width,
            values,
            failures,
            coerced,
        }
    }
}

/// Rows per block when the output columns are interleaved into rows: a block of the row-major
/// output (`BLOCK × width` f32) stays in the L1 cache while every column writes its slot.
const BLOCK: usize = 256;

/// The output columns as the model's row-major f32 matrix; failed rows are NaN.
///
/// Adjacent dictionary columns that share their codes (the outputs of one one-hot encoder)
/// are written together: one code read per row, and the `k` values of that code copied from a
/// `distinct × k` table into the row's `k` adjacent slots.
fn emit(outputs: &[&Data<'_>], rows: usize, width: usize, failures: &Failures) -> Vec<f32> {
    enum Out<'a> {
        Num(&'a [f64]),
        /// `k` adjacent columns: row `r` holds `table[codes[r] * k ..][..k]`.
        Dict {
            codes: &'a [u32],
            table: Vec<f32>,
            k: usize,
        },
        Cells(&'a [Cell]),
    }
    let mut outs: Vec<Out<'_>> = Vec::with_capacity(outputs.len());
    let mut i = 0;
    while let Some(d) = outputs.get(i) {
        i += 1;
        outs.push(match d {
            Data::Num(v) => Out::Num(v),
            Data::Cells(v) => Out::Cells(v),
            Data::Dict { codes, values } => {
                let mut group = vec![values];
                while let Some(Data::Dict {
                    codes: c,
                    values: v,
                }) = outputs.get(i).copied()
                {
                    if !Rc::ptr_eq(c, codes) {
                        break;
                    }
                    group.push(v);
                    i += 1;
                }
                let k = group.len();
                let distinct = group.iter().map(|v| v.len()).min().unwrap_or(0);
                let table = (0..distinct)
                    .flat_map(|c| {
                        group
                            .iter()
                            .map(move |v| v.get(c).map_or(f32::NAN, |x| x.num() as f32))
                    })
                    .collect();
                Out::Dict { codes, table, k }
            }
        });
    }
    let mut values = vec![f32::NAN; rows * width];
    let columns: usize = outs
        .iter()
        .map(|o| match o {
            Out::Dict { k, .. } => *k,
            _ => 1,
        })
        .sum();
    if width == 0 || columns != width {
        return values;
    }
    for (b, block) in values.chunks_mut(BLOCK * width).enumerate() {
        let base = b * BLOCK;
        let n = block.len() / width;
        let mut j = 0;
        for out in &outs {
            let rows = block.chunks_exact_mut(width);
            match out {
                Out::Num(v) => {
                    for (row, x) in rows.zip(v.iter().skip(base).take(n)) {
                        if let Some(s) = row.get_mut(j) {
                            *s = *x as f32;
                        }
                    }
                    j += 1;
                }
                Out::Dict { codes, table, k } => {
                    for (row, c) in rows.zip(codes.iter().skip(base).take(n)) {
                        let at = *c as usize * k;
                        if let (Some(dst), Some(src)) =
                            (row.get_mut(j..j + k), table.get(at..at + k))
                        {
                            for (d, s) in dst.iter_mut().zip(src) {
                                *d = *s;
                            }
                        }
                    }
                    j += k;
                }
                Out::Cells(v) => {
                    for (row, c) in rows.zip(v.iter().skip(base).take(n)) {
                        if let Some(s) = row.get_mut(j) {
                            *s = c.num() as f32;
                        }
                    }
                    j += 1;
                }
            }
        }
    }
    for (r, row) in values.chunks_exact_mut(width).enumerate() {
        if !failures.ok(r) {
            row.fill(f32::NAN);
        }
    }
    values
}

/// A field's column, validated: violations become missing (recorded in `coerced`) or the row's
/// failure.
fn field_column<'s>(
    f: &Field,
    src: &Source<'s>,
    rows: usize,
    numeric: bool,
    failures: &mut Failures,
    coerced: &mut Vec<u32>,
) -> Data<'s> {
    match src {
        // A plain number field (no rule a finite number or NaN could break): the column as is.
        Source::Numbers(v)
            if f.spec.ty == FieldType::Number
                && f.categories.is_empty()
                && !f.spec.required
                && f.spec.min.is_none()
                && f.spec.max.is_none()
                && v.len() == rows
                && !any_infinite(v) =>
        {
            Data::Num(Cow::Borrowed(v))
        }
        Source::Numbers(v) if numeric && f.categories.is_empty() => {
            let mut out = Vec::with_capacity(rows);
            for r in 0..rows {
                let x = v.get(r).copied().unwrap_or(f64::NAN);
                match coerce_number(&f.spec, x) {
                    Some(Ok(y)) => out.push(y),
                    Some(Err(viol)) => {
                        out.push(f64::NAN);
                        violated(f, r, viol, failures, coerced);
                    }
                    // A field type numbers do not validate alone (timestamps, booleans).
                    None => {
                        out.push(one(f, r, Some(&RawValue::Number(x)), failures, coerced).num())
                    }
                }
            }
            Data::Num(Cow::Owned(out))
        }
        Source::Dictionary(codes, cells) => {
            let values: Vec<Cell> = cells
                .iter()
                .map(|c| c.as_ref().map_or(Cell::Missing, Cell::clone))
                .collect();
            // What each distinct value does to its rows: nothing, coerce, or fail (one error
            // shared by every row that has it).
            let mut shared: Vec<Option<std::result::Result<(), u32>>> = Vec::new();
            for c in cells.iter() {
                shared.push(match c {
                    Ok(_) => None,
                    Err(v) => Some(
                        f.violated(v.clone())
                            .map(|_| ())
                            .map_err(|e| failures.push(e)),
                    ),
                });
            }
            if shared.iter().any(Option::is_some) {
                for (r, c) in codes.iter().enumerate() {
                    match shared.get(*c as usize) {
                        Some(Some(Ok(()))) => coerced.push(r as u32),
                        Some(Some(Err(idx))) => failures.fail_with(r, *idx),
                        _ => {}
                    }
                }
            }
            Data::Dict {
                codes: Rc::from(*codes),
                values,
            }
        }
        _ => {
            let raw = |r: usize| -> Option<Cow<'_, RawValue>> {
                match src {
                    Source::Numbers(v) => Some(Cow::Owned(RawValue::Number(
                        v.get(r).copied().unwrap_or(f64::NAN),
                    ))),
                    Source::Values(v) => v.get(r).map(Cow::Borrowed),
                    Source::Dictionary(..) => None,
                }
            };
            if numeric {
                Data::Num(Cow::Owned(
                    (0..rows)
                        .map(|r| one(f, r, raw(r).as_deref(), failures, coerced).num())
                        .collect(),
                ))
            } else {
                Data::Cells(
                    (0..rows)
                        .map(|r| one(f, r, raw(r).as_deref(), failures, coerced))
                        .collect(),
                )
            }
        }
    }
}

/// One value checked against its field (the row path's check).
fn one(
    f: &Field,
    r: usize,
    raw: Option<&RawValue>,
    failures: &mut Failures,
    coerced: &mut Vec<u32>,
) -> Cell {
    match coerce(&f.spec, &f.categories, raw) {
        Ok(c) => c,
        Err(v) => {
            violated(f, r, v, failures, coerced);
            Cell::Missing
        }
    }
}

/// Whether any value is ±infinity (written to vectorize: no early exit). In wasm two values at
/// a time with `simd128` lanes (`|x| == ∞`): the package's size-optimized link does not
/// vectorize loops (`crates/mlcycle-ops/src/simd.rs`), and this pass over every numeric column took twice as
/// long without (issue 17, `node --cpu-prof`).
fn any_infinite(v: &[f64]) -> bool {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use std::arch::wasm32::{
            f64x2_abs, f64x2_eq, f64x2_splat, i64x2_splat, v128_any_true, v128_or,
        };
        let inf = f64x2_splat(f64::INFINITY);
        let mut any = i64x2_splat(0);
        let mut pairs = v.chunks_exact(2);
        for pair in &mut pairs {
            any = v128_or(any, f64x2_eq(f64x2_abs(mlcycle_ops::simd::load(pair)), inf));
        }
        v128_any_true(any) || pairs.remainder().iter().any(|x| x.is_infinite())
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    v.iter().fold(false, |any, x| any | x.is_infinite())
}

/// Fails the rows whose value in `col` is an infinity (a step that refuses infinity).
fn check_finite(
    col: &Data<'_>,
    rows: usize,
    failures: &mut Failures,
    error: impl Fn(f64) -> Error,
) {
    let infinite = |c: &Cell| match c {
        Cell::Num(x) if x.is_infinite() => Some(*x),
        _ => None,
    };
    match col {
        Data::Num(v) => {
            // One branch-free pass first: infinities are rare.
            if any_infinite(v) {
                for (r, x) in v.iter().enumerate().take(rows) {
                    if x.is_infinite() {
                        failures.fail(r, error(*x));
                    }
                }
            }
        }
        Data::Dict { codes, values } => {
            let inf: Vec<Option<f64>> = values.iter().map(infinite).collect();
            if inf.iter().any(Option::is_some) {
                for (r, c) in codes.iter().enumerate() {
                    if let Some(Some(x)) = inf.get(*c as usize) {
                        failures.fail(r, error(*x));
                    }
                }
            }
        }
        Data::Cells(v) => {
            for (r, c) in v.iter().enumerate() {
                if let Some(x) = infinite(c) {
                    failures.fail(r, error(x));
                }
            }
        }
    }
}

/// An element-wise numeric step down whole columns, when the transform has a column form.
fn map_columns(
    step: &super::pipeline::Step,
    inputs: &[&Data<'_>],
    kinds: &[Kind],
    out_kinds: &[Kind],
    rows: usize,
) -> Option<Vec<Data<'static>>> {
    let numeric = step
        .inputs
        .iter()
        .all(|id| kinds.get(*id) == Some(&Kind::Numeric))
        && out_kinds.iter().all(|k| *k == Kind::Numeric);
    if !numeric || inputs.len() != step.n_out || inputs.len() != step.inputs.len() {
        return None;
    }
    let mut out = Vec::with_capacity(inputs.len());
    for (i, col) in inputs.iter().enumerate() {
        let xs = col.numbers();
        let mut ys = Vec::with_capacity(rows);
        if !step.transform.map_column(i, &xs, &mut ys) {
            return None;
        }
        ys.resize(rows, f64::NAN);
        out.push(Data::Num(Cow::Owned(ys)));
    }
    Some(out)
}

/// A step whose inputs are all dictionary-encoded, run once per distinct combination of input
/// values present (`None` when an input is not a dictionary or the combinations could be too
/// many). Inputs that share one array of codes (the outputs of one earlier step) need no
/// per-row pass at all: the step runs once per code and its outputs keep those codes.
fn by_combination(
    step: &super::pipeline::Step,
    inputs: &[&Data<'_>],
    rows: usize,
    failures: &mut Failures,
) -> Option<Vec<Data<'static>>> {
    if inputs.is_empty() || inputs.len() != step.inputs.len() {
        return None;
    }
    let mut dicts: Vec<(&Rc<[u32]>, &[Cell])> = Vec::with_capacity(inputs.len());
    for d in inputs {
        let Data::Dict { codes, values } = d else {
            return None;
        };
        if codes.len() != rows {
            return None;
        }
        dicts.push((codes, values));
    }
    let local: Vec<usize> = (0..inputs.len()).collect();
    let mut cells = Vec::with_capacity(inputs.len());
    // Runs the step on one combination (`pick(i)` = input i's value index).
    let mut run = |pick: &dyn Fn(usize) -> usize, failures: &mut Failures| {
        cells.clear();
        cells.extend(
            dicts
                .iter()
                .enumerate()
                .map(|(i, (_, values))| values.get(pick(i)).cloned().unwrap_or(Cell::Missing)),
        );
        let mut out = vec![Cell::Missing; step.n_out];
        step.transform
            .apply(
                &Inputs {
                    cols: &cells,
                    ids: &local,
                },
                &mut out,
            )
            .map(|()| out)
            .map_err(|e| failures.push(e))
    };
    let first = dicts.first().map(|(c, _)| Rc::clone(c))?;
    let (codes, results) = if dicts.iter().all(|(c, _)| Rc::ptr_eq(c, &first)) {
        // One array of codes: every value index is a combination.
        let n = dicts.iter().map(|(_, v)| v.len()).min().unwrap_or(0);
        let results: Vec<_> = (0..n).map(|k| run(&|_| k, failures)).collect();
        (first, results)
    } else {
        // Mixed-radix keys, computed a column at a time.
        let mut space: usize = 1;
        for (_, values) in &dicts {
            space = space.checked_mul(values.len().max(1))?;
        }
        if space > MAX_COMBINATIONS {
            return None;
        }
        let mut keys = vec![0u32; rows];
        for (codes, values) in &dicts {
            let radix = values.len().max(1) as u32;
            for (k, c) in keys.iter_mut().zip(codes.iter()) {
                *k = *k * radix + *c;
            }
        }
        let mut memo = vec![OK; space];
        let mut results = Vec::new();
        let mut codes = Vec::with_capacity(rows);
        for key in &keys {
            let slot = memo.get_mut(*key as usize)?;
            if *slot == OK {
                let mut digits = vec![0usize; dicts.len()];
                let mut rest = *key as usize;
                for (d, (_, values)) in digits.iter_mut().zip(&dicts).rev() {
                    let radix = values.len().max(1);
                    *d = rest % radix;
                    rest /= radix;
                }
                results.push(run(&|i| digits.get(i).copied().unwrap_or(0), failures));
                *slot = (results.len() - 1) as u32;
            }
            codes.push(*slot);
        }
        (Rc::from(codes), results)
    };
    if results.iter().any(std::result::Result::is_err) {
        for (r, c) in codes.iter().enumerate() {
            if let Some(Err(idx)) = results.get(*c as usize) {
                failures.fail_with(r, *idx);
            }
        }
    }
    Some(
        (0..step.n_out)
            .map(|j| Data::Dict {
                codes: Rc::clone(&codes),
                values: results
                    .iter()
                    .map(|res| match res {
                        Ok(out) => out.get(j).cloned().unwrap_or(Cell::Missing),
                        Err(_) => Cell::Missing,
                    })
                    .collect(),
            })
            .collect(),
    )
}

/// A step row by row through `apply` (rows that already failed are skipped).
fn by_row(
    step: &super::pipeline::Step,
    inputs: &[&Data<'_>],
    out_kinds: &[Kind],
    rows: usize,
    failures: &mut Failures,
) -> Vec<Data<'static>> {
    let mut outs: Vec<Data<'static>> = (0..step.n_out)
        .map(|j| match out_kinds.get(j) {
            Some(Kind::Categorical) => Data::Cells(Vec::with_capacity(rows)),
            _ => Data::Num(Cow::Owned(Vec::with_capacity(rows))),
        })
        .collect();
    let local: Vec<usize> = (0..inputs.len()).collect();
    let mut cells = Vec::with_capacity(inputs.len());
    let mut out = vec![Cell::Missing; step.n_out];
    for r in 0..rows {
        out.fill(Cell::Missing);
        if failures.ok(r) {
            cells.clear();
            cells.extend(inputs.iter().map(|d| d.cell(r)));
            let res = step.transform.apply(
                &Inputs {
                    cols: &cells,
                    ids: &local,
                },
                &mut out,
            );
            if let Err(e) = res {
                failures.fail(r, e);
                out.fill(Cell::Missing);
            }
        }
        for (o, c) in outs.iter_mut().zip(out.iter_mut()) {
            match o {
                // (Owned from the start: `to_mut` never copies here.)
                Data::Num(v) => v.to_mut().push(c.num()),
                Data::Cells(v) => v.push(std::mem::replace(c, Cell::Missing)),
                Data::Dict { .. } => {}
            }
        }
    }
    outs
}

#[cfg(test)]
mod tests {
    /// Infinities of both signs found at every position of odd and even lengths (the lanes and
    /// the tail in wasm), NaN and the largest finite values not (run in wasm by `--lib`).
    #[cfg_attr(target_arch = "wasm32", crate::wasm::test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn any_infinite_finds_every_infinity_and_nothing_else() {
        for len in 0..9 {
            let finite: Vec<f64> = (0..len)
                .map(|i| [f64::NAN, f64::MAX, f64::MIN, -0.0, 1.5][i % 5])
                .collect();
            assert!(!super::any_infinite(&finite), "len {len}");
            for at in 0..len {
                for inf in [f64::INFINITY, f64::NEG_INFINITY] {
                    let mut v = finite.clone();
                    v[at] = inf;
                    assert!(super::any_infinite(&v), "len {len}, {inf} at {at}");
                }
            }
        }
    }
}
