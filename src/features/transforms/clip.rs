//! `clip`: `FunctionTransformer(np.clip, kw_args={"a_min": lo, "a_max": hi})`: values below
//! `min` become `min`, above `max` become `max`; NaN stays NaN. `min`/`max` are numbers (for
//! every input), per-input arrays, or null / absent (no bound).

use super::{BuildCtx, Built, Cell, Inputs, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(untagged)]
enum Bound {
    One(Option<f64>),
    Each(Vec<Option<f64>>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    #[serde(default)]
    min: Option<Bound>,
    #[serde(default)]
    max: Option<Bound>,
}

#[derive(Debug)]
struct Clip {
    min: Vec<Option<f64>>,
    max: Vec<Option<f64>>,
}

/// numpy's `clip` of one value: NaN propagates; `min` is applied before `max`.
pub(crate) fn np_clip(x: f64, lo: Option<f64>, hi: Option<f64>) -> f64 {
    if x.is_nan() {
        return x;
    }
    let mut y = x;
    if let Some(l) = lo {
        if y < l || l.is_nan() {
            y = l;
        }
    }
    if let Some(h) = hi {
        if y > h || h.is_nan() {
            y = h;
        }
    }
    y
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    let kinds = ctx.elementwise()?;
    let n = ctx.n_inputs();
    let expand = |b: Option<Bound>, member: &str| -> Result<Vec<Option<f64>>> {
        match b {
            None => Ok(vec![None; n]),
            Some(Bound::One(v)) => Ok(vec![v; n]),
            Some(Bound::Each(v)) => {
                ctx.per_input(member, &v)?;
                Ok(v)
            }
        }
    };
    let min = expand(p.min, "min")?;
    let max = expand(p.max, "max")?;
    Ok(Built {
        output_kinds: kinds,
        transform: Box::new(Clip { min, max }),
    })
}

impl Transform for Clip {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            let lo = self.min.get(i).copied().flatten();
            let hi = self.max.get(i).copied().flatten();
            *o = Cell::Num(np_clip(inputs.get(i).num(), lo, hi));
        }
        Ok(())
    }
}
