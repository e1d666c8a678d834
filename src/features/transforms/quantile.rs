//! `quantile`: scikit-learn `QuantileTransformer.transform` (dense), per input with the fitted
//! `quantiles_` column and `references_`:
//!
//! 1. `y = ½·(interp(x, q, ref) − interp(−x, −q[::-1], −ref[::-1]))` with numpy's `np.interp`
//!    (the two directions average out runs of repeated quantiles);
//! 2. `x == q[0]` → 0 and `x == q[-1]` → 1 (`uniform`), or `x − 1e-7 < q[0]` → 0 and
//!    `x + 1e-7 > q[-1]` → 1 (`normal`);
//! 3. `normal` only: `y = Φ⁻¹(y)` clipped to `±Φ⁻¹(1e-7 − ε)`.
//!
//! NaN passes through, as in scikit-learn.

use super::normal;
use super::{BuildCtx, Built, Cell, Inputs, Transform};
use crate::error::Result;
use serde::Deserialize;

/// scikit-learn's `BOUNDS_THRESHOLD`.
const BOUNDS_THRESHOLD: f64 = 1e-7;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    /// One non-decreasing list of quantiles per input (`quantiles_[:, i]`).
    quantiles: Vec<Vec<f64>>,
    /// `references_`: the probabilities of the quantiles, non-decreasing in [0, 1].
    references: Vec<f64>,
    #[serde(default = "uniform")]
    output_distribution: String,
}

fn uniform() -> String {
    "uniform".into()
}

#[derive(Debug)]
struct Column {
    q: Vec<f64>,
    neg_q_rev: Vec<f64>,
}

#[derive(Debug)]
struct Quantile {
    columns: Vec<Column>,
    refs: Vec<f64>,
    neg_refs_rev: Vec<f64>,
    normal: Option<(f64, f64)>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    let kinds = ctx.elementwise()?;
    ctx.per_input("quantiles", &p.quantiles)?;
    let n = p.references.len();
    let ordered = |v: &[f64]| v.iter().all(|x| x.is_finite()) && v.windows(2).all(|w| w[0] <= w[1]);
    if n < 2 || !ordered(&p.references) || p.references.iter().any(|r| !(0.0..=1.0).contains(r)) {
        return Err(ctx.invalid(
            "params.references",
            "needs at least 2 finite, non-decreasing probabilities in [0, 1]",
        ));
    }
    let mut columns = Vec::with_capacity(p.quantiles.len());
    for (i, q) in p.quantiles.into_iter().enumerate() {
        if q.len() != n || !ordered(&q) {
            return Err(ctx.invalid(
                &format!("params.quantiles[{i}]"),
                format!("needs {n} finite, non-decreasing values (one per reference)"),
            ));
        }
        let neg_q_rev = q.iter().rev().map(|x| -x).collect();
        columns.push(Column { q, neg_q_rev });
    }
    let normal = match p.output_distribution.as_str() {
        "uniform" => None,
        "normal" => Some((
            normal::ppf(BOUNDS_THRESHOLD - f64::EPSILON),
            normal::ppf(1.0 - (BOUNDS_THRESHOLD - f64::EPSILON)),
        )),
        other => {
            return Err(ctx.invalid(
                "params.outputDistribution",
                format!("`{other}` is not `uniform` or `normal`"),
            ))
        }
    };
    let neg_refs_rev = p.references.iter().rev().map(|x| -x).collect();
    Ok(Built {
        output_kinds: kinds,
        transform: Box::new(Quantile {
            columns,
            refs: p.references,
            neg_refs_rev,
            normal,
        }),
    })
}

/// numpy's `np.interp(x, xp, fp)` for non-decreasing `xp` (same branches, same arithmetic).
pub(crate) fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len().min(fp.len());
    let (Some(first), Some(last)) = (xp.first(), xp.get(n.wrapping_sub(1))) else {
        return f64::NAN;
    };
    if x.is_nan() {
        return x;
    }
    if x < *first {
        return fp[0];
    }
    if x > *last {
        return fp[n - 1];
    }
    // The last j with xp[j] <= x (numpy's binary_search_with_guess).
    let j = xp[..n].partition_point(|v| *v <= x) - 1;
    if j == n - 1 || xp[j] == x {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let y = slope * (x - xp[j]) + fp[j];
    if !y.is_nan() {
        return y;
    }
    let y = slope * (x - xp[j + 1]) + fp[j + 1];
    if y.is_nan() && fp[j] == fp[j + 1] {
        fp[j]
    } else {
        y
    }
}

impl Transform for Quantile {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, (o, col)) in out.iter_mut().zip(&self.columns).enumerate() {
            let x = inputs.get(i).num();
            let (lo, hi) = (col.q[0], col.q[col.q.len() - 1]);
            let mut y = 0.5
                * (interp(x, &col.q, &self.refs) - interp(-x, &col.neg_q_rev, &self.neg_refs_rev));
            let (at_hi, at_lo) = match self.normal {
                Some(_) => (x + BOUNDS_THRESHOLD > hi, x - BOUNDS_THRESHOLD < lo),
                None => (x == hi, x == lo),
            };
            if at_hi {
                y = 1.0;
            }
            if at_lo {
                y = 0.0;
            }
            if let Some((min, max)) = self.normal {
                y = normal::ppf(y);
                if !y.is_nan() {
                    y = y.clamp(min, max);
                }
            }
            *o = Cell::Num(y);
        }
        Ok(())
    }
}
