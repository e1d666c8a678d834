//! `passthrough`: copies numeric inputs unchanged (ColumnTransformer's `"passthrough"`), so
//! they can be output under another name (`remainder__x`).

use super::{BuildCtx, Built, Cell, Inputs, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {}

#[derive(Debug)]
struct Passthrough;

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let _: Params = ctx.params()?;
    Ok(Built {
        output_kinds: ctx.elementwise()?,
        transform: Box::new(Passthrough),
    })
}

impl Transform for Passthrough {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            *o = Cell::Num(inputs.get(i).num());
        }
        Ok(())
    }

    fn map_column(&self, _i: usize, xs: &[f64], out: &mut Vec<f64>) -> bool {
        out.extend_from_slice(xs);
        true
    }
}
