//! Derived columns from arithmetic on numeric columns, as numpy computes them (IEEE f64, NaN
//! propagates, `x / 0` is ±inf and `0 / 0` NaN):
//! `ratio` = a / b, `difference` = a - b (two inputs each); `product` = a * b * …,
//! `sum` = a + b + … (two or more inputs, left to right). One output each.

use super::{BuildCtx, Built, Cell, Inputs, Kind, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {}

#[derive(Clone, Copy, Debug)]
enum Op {
    Ratio,
    Difference,
    Product,
    Sum,
}

#[derive(Debug)]
struct Arithmetic {
    op: Op,
    n: usize,
}

fn build(ctx: &BuildCtx<'_>, op: Op) -> Result<Built> {
    let _: Params = ctx.params()?;
    match op {
        Op::Ratio | Op::Difference => ctx.expect_inputs(2, Some(2))?,
        Op::Product | Op::Sum => ctx.expect_inputs(2, None)?,
    }
    ctx.expect_numeric()?;
    ctx.expect_outputs(1)?;
    Ok(Built {
        output_kinds: vec![Kind::Numeric],
        transform: Box::new(Arithmetic {
            op,
            n: ctx.n_inputs(),
        }),
    })
}

pub(crate) fn build_ratio(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, Op::Ratio)
}
pub(crate) fn build_difference(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, Op::Difference)
}
pub(crate) fn build_product(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, Op::Product)
}
pub(crate) fn build_sum(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, Op::Sum)
}

impl Transform for Arithmetic {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        let a = inputs.get(0).num();
        let b = inputs.get(1).num();
        let v = match self.op {
            Op::Ratio => a / b,
            Op::Difference => a - b,
            Op::Product => (1..self.n).fold(a, |acc, i| acc * inputs.get(i).num()),
            Op::Sum => (1..self.n).fold(a, |acc, i| acc + inputs.get(i).num()),
        };
        if let Some(o) = out.get_mut(0) {
            *o = Cell::Num(v);
        }
        Ok(())
    }
}
