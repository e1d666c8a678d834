//! `polynomial`: scikit-learn `PolynomialFeatures.transform` (dense): one output per row of the
//! fitted `powers_` matrix, `Π_j x_j^p_j` (a row of zeros is the bias column, 1), multiplied in
//! scikit-learn's order (`x_i1·(x_i2·(…))`, lowest feature outermost). scikit-learn
//! refuses NaN and infinity here, so a missing input is an error (rule `finite`).

use super::{finite_input, BuildCtx, Built, Cell, Inputs, Kind, Transform};
use crate::error::Result;
use serde::Deserialize;

/// A product of more factors than this is not a feature anyone exports; the cap keeps a hostile
/// spec from asking for billions of multiplications per record.
const MAX_DEGREE: u32 = 64;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    powers: Vec<Vec<u32>>,
}

#[derive(Debug)]
struct Polynomial {
    powers: Vec<Vec<u32>>,
    sources: Vec<String>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    ctx.expect_inputs(1, None)?;
    ctx.expect_numeric()?;
    for (k, row) in p.powers.iter().enumerate() {
        if row.len() != ctx.n_inputs() {
            return Err(ctx.invalid(
                &format!("params.powers[{k}]"),
                format!("has {} exponents for {} inputs", row.len(), ctx.n_inputs()),
            ));
        }
        if row.iter().map(|e| u64::from(*e)).sum::<u64>() > u64::from(MAX_DEGREE) {
            return Err(ctx.invalid(
                &format!("params.powers[{k}]"),
                format!("total degree above {MAX_DEGREE}"),
            ));
        }
    }
    ctx.expect_outputs(p.powers.len())?;
    Ok(Built {
        output_kinds: vec![Kind::Numeric; p.powers.len()],
        transform: Box::new(Polynomial {
            powers: p.powers,
            sources: ctx.input_sources.clone(),
        }),
    })
}

impl Transform for Polynomial {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        let n = self.powers.first().map_or(0, Vec::len);
        let mut xs = Vec::with_capacity(n);
        for i in 0..n {
            xs.push(finite_input(inputs, &self.sources, i, "polynomial")?);
        }
        for (o, row) in out.iter_mut().zip(&self.powers) {
            // scikit-learn builds a term from the terms of one degree less that start at a
            // higher feature: x_i1 · (x_i2 · (… · x_ik)) with i1 <= i2 <= … — a right fold
            // over the factors in feature order, so the rounding is the same.
            let mut acc: Option<f64> = None;
            for (x, e) in xs.iter().zip(row).rev() {
                for _ in 0..*e {
                    acc = Some(acc.map_or(*x, |a| x * a));
                }
            }
            *o = Cell::Num(acc.unwrap_or(1.0));
        }
        Ok(())
    }
}
