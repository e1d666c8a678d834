//! `standard_scaler`: scikit-learn `StandardScaler.transform`: `x -= mean_` (if withMean),
//! then `x /= scale_` (if withStd). `scale_` is the population standard deviation (ddof 0) with
//! zeros replaced by 1 at fit; a 0 given here is also treated as 1. NaN passes through.

use super::center_scale::{param_when, CenterScale};
use super::{BuildCtx, Built};
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

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    let kinds = ctx.elementwise()?;
    let mean = param_when(ctx, p.with_mean, p.mean, "mean", "withMean")?;
    let scale = param_when(ctx, p.with_std, p.scale, "scale", "withStd")?;
    Ok(Built {
        output_kinds: kinds,
        transform: Box::new(CenterScale::new(mean, scale)),
    })
}
