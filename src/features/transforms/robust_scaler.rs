//! `robust_scaler`: scikit-learn `RobustScaler.transform`: `x -= center_` (median, if
//! withCentering), then `x /= scale_` (the `quantileRange` interquantile range, zeros replaced
//! by 1 at fit; a 0 here is treated as 1, if withScaling). NaN passes through. `quantileRange`
//! is recorded for documentation (it only matters at fit).

use super::center_scale::{param_when, CenterScale};
use super::{BuildCtx, Built};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    #[serde(default = "yes")]
    with_centering: bool,
    #[serde(default = "yes")]
    with_scaling: bool,
    #[serde(default)]
    center: Option<Vec<f64>>,
    #[serde(default)]
    scale: Option<Vec<f64>>,
    #[serde(default)]
    #[allow(dead_code)]
    quantile_range: Option<[f64; 2]>,
    #[serde(default)]
    #[allow(dead_code)]
    unit_variance: Option<bool>,
}

fn yes() -> bool {
    true
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    let kinds = ctx.elementwise()?;
    if let Some([a, b]) = p.quantile_range {
        let ordered = 0.0 <= a && a <= b && b <= 100.0;
        if !ordered {
            return Err(ctx.invalid(
                "params.quantileRange",
                "must satisfy 0 <= q_min <= q_max <= 100",
            ));
        }
    }
    let center = param_when(ctx, p.with_centering, p.center, "center", "withCentering")?;
    let scale = param_when(ctx, p.with_scaling, p.scale, "scale", "withScaling")?;
    Ok(Built {
        output_kinds: kinds,
        transform: Box::new(CenterScale::new(center, scale)),
    })
}
