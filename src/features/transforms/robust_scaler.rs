//! `robust_scaler`: scikit-learn `RobustScaler.transform`: `x -= center_` (median, if
//! withCentering), then `x /= scale_` (the `quantileRange` interquantile range, zeros replaced
//! by 1 at fit; a 0 here is treated as 1, if withScaling). NaN passes through. `quantileRange`
//! is recorded for documentation (it only matters at fit).

use super::{BuildCtx, Built, Cell, Inputs, Transform};
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

#[derive(Debug)]
struct RobustScaler {
    center: Option<Vec<f64>>,
    scale: Option<Vec<f64>>,
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
    let center = if p.with_centering {
        let c = p
            .center
            .ok_or_else(|| ctx.invalid("params.center", "required when withCentering"))?;
        ctx.per_input("center", &c)?;
        Some(c)
    } else {
        None
    };
    let scale = if p.with_scaling {
        let s = p
            .scale
            .ok_or_else(|| ctx.invalid("params.scale", "required when withScaling"))?;
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
        transform: Box::new(RobustScaler { center, scale }),
    })
}

impl Transform for RobustScaler {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            let mut x = inputs.get(i).num();
            if let Some(c) = self.center.as_ref().and_then(|c| c.get(i)) {
                x -= c;
            }
            if let Some(s) = self.scale.as_ref().and_then(|s| s.get(i)) {
                x /= s;
            }
            *o = Cell::Num(x);
        }
        Ok(())
    }
}
