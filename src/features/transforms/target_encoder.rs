//! `target_encoder`: scikit-learn `TargetEncoder.transform`: each input's category is replaced
//! by the encoding learnt for it (`encodings_`), one output per input for a binary or
//! continuous target, `k` outputs per input (one per class, in `classes_` order) for a
//! multiclass one. A category not seen in fit (and a missing value, unless missing was a
//! category in fit: `null` in `categories`) gets the target mean (`target_mean_`), as
//! scikit-learn does. Inputs of either kind.
//!
//! Params: `categories[i]` (the fitted `categories_[i]`), `encodings[i][c]` (the encodings of
//! input `i` for target column `c`, one per category), `targetMean[c]`.

use super::{categories, BuildCtx, Built, Category, Cell, Inputs, Kind, Transform};
use crate::error::Result;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    categories: Vec<Vec<Value>>,
    encodings: Vec<Vec<Vec<f64>>>,
    target_mean: Vec<f64>,
}

#[derive(Debug)]
struct TargetEncoder {
    categories: Vec<Vec<Category>>,
    encodings: Vec<Vec<Vec<f64>>>,
    target_mean: Vec<f64>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    ctx.expect_inputs(1, None)?;
    let cats = categories(ctx, &p.categories)?;
    ctx.per_input("encodings", &p.encodings)?;
    let k = p.target_mean.len();
    if k == 0 || p.target_mean.iter().any(|m| !m.is_finite()) {
        return Err(ctx.invalid("params.targetMean", "needs at least one finite value"));
    }
    for (i, (enc, c)) in p.encodings.iter().zip(&cats).enumerate() {
        if enc.len() != k {
            return Err(ctx.invalid(
                &format!("params.encodings[{i}]"),
                format!("has {} target columns, targetMean has {k}", enc.len()),
            ));
        }
        for (t, e) in enc.iter().enumerate() {
            if e.len() != c.len() || e.iter().any(|v| !v.is_finite()) {
                return Err(ctx.invalid(
                    &format!("params.encodings[{i}][{t}]"),
                    format!("needs {} finite values, one per category", c.len()),
                ));
            }
        }
    }
    let width = ctx.n_inputs() * k;
    ctx.expect_outputs(width)?;
    Ok(Built {
        output_kinds: vec![Kind::Numeric; width],
        transform: Box::new(TargetEncoder {
            categories: cats,
            encodings: p.encodings,
            target_mean: p.target_mean,
        }),
    })
}

impl Transform for TargetEncoder {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        let k = self.target_mean.len();
        for (i, (cats, enc)) in self.categories.iter().zip(&self.encodings).enumerate() {
            let x = inputs.get(i);
            let j = cats.iter().position(|c| c.matches(x));
            for (t, o) in out.iter_mut().skip(i * k).take(k).enumerate() {
                let v = j
                    .and_then(|j| enc.get(t).and_then(|e| e.get(j)))
                    .or_else(|| self.target_mean.get(t))
                    .copied()
                    .unwrap_or(f64::NAN);
                *o = Cell::Num(v);
            }
        }
        Ok(())
    }
}
