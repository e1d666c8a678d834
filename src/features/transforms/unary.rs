//! Element-wise numpy functions for `FunctionTransformer(func=np.…)`: `log` (`ln x`), `sqrt`,
//! `exp`, `expm1`, `log2`, `log10`, `abs` and `square`, with numpy's IEEE semantics, not
//! errors: NaN stays NaN, `log(0)` is `-inf`, `log`/`sqrt` of a negative number is NaN (numpy
//! warns and returns NaN), `exp` overflows to `inf`. The model then sees exactly what it saw
//! in training through scikit-learn.

use super::{BuildCtx, Built, Cell, Inputs, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {}

#[derive(Debug)]
struct Unary {
    f: fn(f64) -> f64,
}

fn build(ctx: &BuildCtx<'_>, f: fn(f64) -> f64) -> Result<Built> {
    let _: Params = ctx.params()?;
    Ok(Built {
        output_kinds: ctx.elementwise()?,
        transform: Box::new(Unary { f }),
    })
}

pub(crate) fn build_log(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, f64::ln)
}

pub(crate) fn build_sqrt(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, f64::sqrt)
}

pub(crate) fn build_exp(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, f64::exp)
}

pub(crate) fn build_expm1(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, f64::exp_m1)
}

pub(crate) fn build_log2(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, f64::log2)
}

pub(crate) fn build_log10(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, f64::log10)
}

pub(crate) fn build_abs(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, f64::abs)
}

pub(crate) fn build_square(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, |x| x * x)
}

impl Transform for Unary {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            *o = Cell::Num((self.f)(inputs.get(i).num()));
        }
        Ok(())
    }
}
