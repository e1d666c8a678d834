//! `missing_indicator`: scikit-learn `MissingIndicator.transform` (and the indicator columns of
//! `SimpleImputer(add_indicator=True)`): `1` where the input is missing (null, NaN, the empty
//! string), else `0`. Inputs of any kind; the exporter lists only the features the fitted
//! indicator kept (`features_`).

use super::{BuildCtx, Built, Cell, Inputs, Kind, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {}

#[derive(Debug)]
struct MissingIndicator;

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let _: Params = ctx.params()?;
    ctx.expect_inputs(1, None)?;
    ctx.expect_outputs(ctx.n_inputs())?;
    Ok(Built {
        output_kinds: vec![Kind::Numeric; ctx.n_inputs()],
        transform: Box::new(MissingIndicator),
    })
}

impl Transform for MissingIndicator {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            *o = Cell::Num(if inputs.get(i).is_missing() { 1.0 } else { 0.0 });
        }
        Ok(())
    }
}
