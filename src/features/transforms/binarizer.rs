//! `binarizer`: scikit-learn `Binarizer.transform` (dense): `1` where `x > threshold`, else `0`.
//! scikit-learn refuses NaN and infinity here, so a missing input is an error (rule `finite`).

use super::{finite_input, BuildCtx, Built, Cell, Inputs, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    #[serde(default)]
    threshold: f64,
}

#[derive(Debug)]
struct Binarizer {
    threshold: f64,
    sources: Vec<String>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    let kinds = ctx.elementwise()?;
    if !p.threshold.is_finite() {
        return Err(ctx.invalid("params.threshold", "must be finite"));
    }
    Ok(Built {
        output_kinds: kinds,
        transform: Box::new(Binarizer {
            threshold: p.threshold,
            sources: ctx.input_sources.clone(),
        }),
    })
}

impl Transform for Binarizer {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            let x = finite_input(inputs, &self.sources, i, "binarizer")?;
            *o = Cell::Num(if x > self.threshold { 1.0 } else { 0.0 });
        }
        Ok(())
    }
}
