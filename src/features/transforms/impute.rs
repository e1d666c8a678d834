//! `impute`: scikit-learn `SimpleImputer.transform` with fitted `statistics_`: a missing value
//! (missing, null, NaN, or the empty string of a string field) becomes the column's statistic;
//! everything else passes unchanged. Strategies mean / median / most_frequent / constant only
//! differ at fit time, so `strategy` is recorded for documentation and checked, not used.

use super::{BuildCtx, Built, Cell, Inputs, Kind, Transform};
use crate::error::Result;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    strategy: String,
    statistics: Vec<Value>,
}

#[derive(Debug)]
struct Impute {
    fill: Vec<Cell>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    if !["mean", "median", "most_frequent", "constant"].contains(&p.strategy.as_str()) {
        return Err(ctx.invalid(
            "params.strategy",
            format!(
                "`{}` is not mean, median, most_frequent or constant",
                p.strategy
            ),
        ));
    }
    ctx.expect_inputs(1, None)?;
    ctx.expect_outputs(ctx.n_inputs())?;
    ctx.per_input("statistics", &p.statistics)?;
    let mut fill = Vec::with_capacity(p.statistics.len());
    for (i, (v, k)) in p.statistics.iter().zip(&ctx.input_kinds).enumerate() {
        let cell = match (v, k) {
            (Value::Number(n), Kind::Numeric) => n.as_f64().map(Cell::Num),
            (Value::String(s), Kind::Categorical) if !s.is_empty() => {
                Some(Cell::Str(s.as_str().into()))
            }
            _ => None,
        };
        let cell = cell.ok_or_else(|| {
            ctx.invalid(
                &format!("params.statistics[{i}]"),
                format!(
                    "must be a {} for the {} input `{}`",
                    if *k == Kind::Numeric {
                        "number"
                    } else {
                        "non-empty string"
                    },
                    k.as_str(),
                    ctx.input_names.get(i).map(String::as_str).unwrap_or("?")
                ),
            )
        })?;
        fill.push(cell);
    }
    Ok(Built {
        output_kinds: ctx.input_kinds.clone(),
        transform: Box::new(Impute { fill }),
    })
}

impl Transform for Impute {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, (o, f)) in out.iter_mut().zip(&self.fill).enumerate() {
            let x = inputs.get(i);
            *o = if x.is_missing() { f.clone() } else { x.clone() };
        }
        Ok(())
    }

    fn map_column(&self, i: usize, xs: &[f64], out: &mut Vec<f64>) -> bool {
        // Numeric inputs only (the executor's contract): the fill is a number.
        let Some(Cell::Num(fill)) = self.fill.get(i) else {
            return false;
        };
        let fill = *fill;
        let start = out.len();
        out.extend_from_slice(xs);
        let column = &mut out[start..];
        let one = |x: f64| if x.is_nan() { fill } else { x };
        // In wasm two values at a time (`crates/mlcycle-ops/src/simd.rs`): a NaN lane (x ≠ x) takes the fill.
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            use std::arch::wasm32::{f64x2_ne, f64x2_splat, v128_bitselect};
            let fill2 = f64x2_splat(fill);
            mlcycle_ops::simd::map_f64(column, one, |x| v128_bitselect(fill2, x, f64x2_ne(x, x)));
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        column.iter_mut().for_each(|x| *x = one(*x));
        true
    }
}
