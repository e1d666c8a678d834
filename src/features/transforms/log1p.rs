//! `log1p`: `FunctionTransformer(np.log1p)`: `ln(1 + x)`; NaN stays NaN, `-1` gives `-inf`,
//! below `-1` gives NaN (as numpy, which warns).

use super::{BuildCtx, Built, Cell, Inputs, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {}

#[derive(Debug)]
struct Log1p;

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let _: Params = ctx.params()?;
    Ok(Built {
        output_kinds: ctx.elementwise()?,
        transform: Box::new(Log1p),
    })
}

impl Transform for Log1p {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            *o = Cell::Num(inputs.get(i).num().ln_1p());
        }
        Ok(())
    }
}
