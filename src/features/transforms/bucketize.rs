//! `bucketize`: scikit-learn `KBinsDiscretizer.transform` with fitted `bin_edges_`: the bin of
//! `x` is `searchsorted(edges[1:-1], x, side="right")`, i.e. the number of inner edges `<= x`
//! (values below the first edge go to bin 0, above the last to the last bin). `encode:
//! "ordinal"` outputs the bin index; `"onehot"` one 0/1 output per bin. sklearn refuses NaN and
//! infinities here, so a missing or non-finite input is an error (rule `finite`).

use super::{finite_input, BuildCtx, Built, Cell, Inputs, Kind, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    bin_edges: Vec<Vec<f64>>,
    #[serde(default = "ordinal")]
    encode: String,
}

fn ordinal() -> String {
    "ordinal".into()
}

#[derive(Debug)]
struct Bucketize {
    edges: Vec<Vec<f64>>,
    onehot: bool,
    sources: Vec<String>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    ctx.expect_inputs(1, None)?;
    ctx.expect_numeric()?;
    ctx.per_input("binEdges", &p.bin_edges)?;
    for (i, e) in p.bin_edges.iter().enumerate() {
        if e.len() < 2 || e.iter().any(|x| !x.is_finite()) || e.windows(2).any(|w| w[0] > w[1]) {
            return Err(ctx.invalid(
                &format!("params.binEdges[{i}]"),
                "needs at least 2 finite, non-decreasing edges",
            ));
        }
    }
    let onehot = match p.encode.as_str() {
        "ordinal" => false,
        "onehot" | "onehot-dense" => true,
        other => {
            return Err(ctx.invalid(
                "params.encode",
                format!("`{other}` is not `ordinal` or `onehot`"),
            ))
        }
    };
    let width = if onehot {
        p.bin_edges.iter().map(|e| e.len() - 1).sum()
    } else {
        p.bin_edges.len()
    };
    ctx.expect_outputs(width)?;
    Ok(Built {
        output_kinds: vec![Kind::Numeric; width],
        transform: Box::new(Bucketize {
            edges: p.bin_edges,
            onehot,
            sources: ctx.input_sources.clone(),
        }),
    })
}

impl Transform for Bucketize {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        let mut at = 0;
        for (i, edges) in self.edges.iter().enumerate() {
            let x = finite_input(inputs, &self.sources, i, "bucketize")?;
            let inner = edges
                .get(1..edges.len().saturating_sub(1))
                .unwrap_or_default();
            let bin = inner.iter().filter(|e| **e <= x).count();
            if self.onehot {
                let n = edges.len().saturating_sub(1);
                for (b, o) in out.iter_mut().skip(at).take(n).enumerate() {
                    *o = Cell::Num(if b == bin { 1.0 } else { 0.0 });
                }
                at += n;
            } else if let Some(o) = out.get_mut(i) {
                *o = Cell::Num(bin as f64);
            }
        }
        Ok(())
    }
}
