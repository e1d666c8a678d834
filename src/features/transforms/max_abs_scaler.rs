//! `max_abs_scaler`: scikit-learn `MaxAbsScaler.transform`: `x /= scale_` (the fitted maximum
//! absolute value, 0 replaced by 1 at fit; a 0 here is treated as 1), then, with `clip`,
//! `clip(x, -1, 1)`. NaN passes through (MaxAbsScaler allows NaN).

use super::center_scale::CenterScale;
use super::{BuildCtx, Built, Cell, Inputs, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    scale: Vec<f64>,
    #[serde(default)]
    clip: bool,
}

#[derive(Debug)]
struct MaxAbs {
    divide: CenterScale,
    clip: bool,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    let kinds = ctx.elementwise()?;
    ctx.per_input("scale", &p.scale)?;
    Ok(Built {
        output_kinds: kinds,
        transform: Box::new(MaxAbs {
            divide: CenterScale::new(None, Some(p.scale)),
            clip: p.clip,
        }),
    })
}

impl Transform for MaxAbs {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        self.divide.apply(inputs, out)?;
        if self.clip {
            for o in out.iter_mut() {
                // numpy's clip: NaN stays NaN.
                let x = o.num();
                *o = Cell::Num(if x.is_nan() { x } else { x.clamp(-1.0, 1.0) });
            }
        }
        Ok(())
    }
}
