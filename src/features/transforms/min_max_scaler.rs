//! `min_max_scaler`: scikit-learn `MinMaxScaler.transform`: `x *= scale_; x += min_`, then,
//! when `clip`, `x = clip(x, featureRange[0], featureRange[1])` (NaN stays NaN). Give the
//! fitted `scale`/`min`, or `dataMin`/`dataMax` from which they are derived as sklearn does:
//! `scale = (hi - lo) / range` (a zero range counts as 1), `min = lo - dataMin * scale`.

use super::{BuildCtx, Built, Cell, Inputs, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    #[serde(default = "unit")]
    feature_range: [f64; 2],
    #[serde(default)]
    clip: bool,
    #[serde(default)]
    scale: Option<Vec<f64>>,
    #[serde(default)]
    min: Option<Vec<f64>>,
    #[serde(default)]
    data_min: Option<Vec<f64>>,
    #[serde(default)]
    data_max: Option<Vec<f64>>,
}

fn unit() -> [f64; 2] {
    [0.0, 1.0]
}

#[derive(Debug)]
struct MinMaxScaler {
    scale: Vec<f64>,
    min: Vec<f64>,
    clip: Option<(f64, f64)>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    let kinds = ctx.elementwise()?;
    let [lo, hi] = p.feature_range;
    if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
        return Err(ctx.invalid(
            "params.featureRange",
            "the minimum must be below the maximum",
        ));
    }
    let (scale, min) = match (p.scale, p.min, p.data_min, p.data_max) {
        (Some(s), Some(m), _, _) => (s, m),
        (None, None, Some(dmin), Some(dmax)) => {
            ctx.per_input("dataMin", &dmin)?;
            ctx.per_input("dataMax", &dmax)?;
            let scale: Vec<f64> = dmin
                .iter()
                .zip(&dmax)
                .map(|(a, b)| {
                    let r = b - a;
                    (hi - lo) / if r == 0.0 { 1.0 } else { r }
                })
                .collect();
            let min = dmin.iter().zip(&scale).map(|(d, s)| lo - d * s).collect();
            (scale, min)
        }
        _ => {
            return Err(ctx.invalid(
                "params",
                "give the fitted `scale` and `min`, or `dataMin` and `dataMax`",
            ))
        }
    };
    ctx.per_input("scale", &scale)?;
    ctx.per_input("min", &min)?;
    Ok(Built {
        output_kinds: kinds,
        transform: Box::new(MinMaxScaler {
            scale,
            min,
            clip: p.clip.then_some((lo, hi)),
        }),
    })
}

impl Transform for MinMaxScaler {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            let mut x = inputs.get(i).num();
            x *= self.scale.get(i).copied().unwrap_or(f64::NAN);
            x += self.min.get(i).copied().unwrap_or(f64::NAN);
            if let Some((lo, hi)) = self.clip {
                x = super::clip::np_clip(x, Some(lo), Some(hi));
            }
            *o = Cell::Num(x);
        }
        Ok(())
    }
}
