//! `normalizer`: scikit-learn `Normalizer.transform` (dense): each record's inputs, taken as
//! one vector, divided by its norm: `l1` = Σ|x|, `l2` = √Σx², `max` = max|x|; a zero norm
//! divides by 1 (`_handle_zeros_in_scale`). The norm is summed in input order (numpy's einsum
//! and pairwise sums may round the last bit differently). scikit-learn refuses NaN and infinity here, so a
//! missing input is an error (rule `finite`), never a row of NaN.

use super::{finite_input, BuildCtx, Built, Cell, Inputs, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    #[serde(default = "l2")]
    norm: String,
}

fn l2() -> String {
    "l2".into()
}

#[derive(Clone, Copy, Debug)]
enum Norm {
    L1,
    L2,
    Max,
}

#[derive(Debug)]
struct Normalizer {
    norm: Norm,
    sources: Vec<String>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    let kinds = ctx.elementwise()?;
    let norm = match p.norm.as_str() {
        "l1" => Norm::L1,
        "l2" => Norm::L2,
        "max" => Norm::Max,
        other => {
            return Err(ctx.invalid(
                "params.norm",
                format!("`{other}` is not `l1`, `l2` or `max`"),
            ))
        }
    };
    Ok(Built {
        output_kinds: kinds,
        transform: Box::new(Normalizer {
            norm,
            sources: ctx.input_sources.clone(),
        }),
    })
}

impl Transform for Normalizer {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        let mut norm = 0.0f64;
        for i in 0..out.len() {
            let x = finite_input(inputs, &self.sources, i, "normalizer")?;
            norm = match self.norm {
                Norm::L1 => norm + x.abs(),
                Norm::L2 => norm + x * x,
                Norm::Max => norm.max(x.abs()),
            };
        }
        if let Norm::L2 = self.norm {
            norm = norm.sqrt();
        }
        if norm == 0.0 {
            norm = 1.0;
        }
        for (i, o) in out.iter_mut().enumerate() {
            *o = Cell::Num(inputs.get(i).num() / norm);
        }
        Ok(())
    }
}
