//! `standard_scaler`: scikit-learn `StandardScaler.transform`: `x -= mean_` (if withMean),
//! then `x /= scale_` (if withStd). `scale_` is the population standard deviation (ddof 0) with
//! zeros replaced by 1 at fit; a 0 given here is also treated as 1. NaN passes through.

use super::{BuildCtx, Built, Cell, Inputs, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    #[serde(default = "yes")]
    with_mean: bool,
    #[serde(default = "yes")]
    with_std: bool,
    #[serde(default)]
    mean: Option<Vec<f64>>,
    #[serde(default)]
    scale: Option<Vec<f64>>,
}

fn yes() -> bool {
    true
}

#[derive(Debug)]
struct StandardScaler {
    mean: Option<Vec<f64>>,
    scale: Option<Vec<f64>>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    let kinds = ctx.elementwise()?;
    let mean = if p.with_mean {
        let m = p
            .mean
            .ok_or_else(|| ctx.invalid("params.mean", "required when withMean"))?;
        ctx.per_input("mean", &m)?;
        Some(m)
    } else {
        None
    };
    let scale = if p.with_std {
        let s = p
            .scale
            .ok_or_else(|| ctx.invalid("params.scale", "required when withStd"))?;
        ctx.per_input("scale", &s)?;
        Some(
            s.into_iter()
                .map(|v| if v == 0.0 { 1.0 } else { v })
                .collect(),
        )
    } else {
        None
    };
    Ok(Built {
        output_kinds: kinds,
        transform: Box::new(StandardScaler { mean, scale }),
    })
}

impl Transform for StandardScaler {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            let mut x = inputs.get(i).num();
            if let Some(m) = self.mean.as_ref().and_then(|m| m.get(i)) {
                x -= m;
            }
            if let Some(s) = self.scale.as_ref().and_then(|s| s.get(i)) {
                x /= s;
            }
            *o = Cell::Num(x);
        }
        Ok(())
    }
}
