//! `pca`: scikit-learn `PCA.transform` (also `TruncatedSVD`-style projections without centering):
//! `out_k = Σ_j x_j·components[k][j] − offset[k]`, then, when `whiten`, `/ scale[k]`.
//! `offset` is the fitted `mean_ @ components_.T` and `scale` is `√explained_variance_`
//! clipped below at machine epsilon, both exported precomputed so the arithmetic is the one
//! scikit-learn does (it projects first, then subtracts the projected mean; the dot products are
//! summed in input order, where BLAS may round the last bit differently). scikit-learn
//! refuses NaN and infinity here, so a missing input is an error (rule `finite`).

use super::{finite_input, BuildCtx, Built, Cell, Inputs, Kind, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    components: Vec<Vec<f64>>,
    #[serde(default)]
    offset: Option<Vec<f64>>,
    #[serde(default)]
    scale: Option<Vec<f64>>,
}

#[derive(Debug)]
struct Pca {
    components: Vec<Vec<f64>>,
    offset: Option<Vec<f64>>,
    scale: Option<Vec<f64>>,
    sources: Vec<String>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    ctx.expect_inputs(1, None)?;
    ctx.expect_numeric()?;
    let k = p.components.len();
    for (r, row) in p.components.iter().enumerate() {
        if row.len() != ctx.n_inputs() {
            return Err(ctx.invalid(
                &format!("params.components[{r}]"),
                format!("has {} weights for {} inputs", row.len(), ctx.n_inputs()),
            ));
        }
        if row.iter().any(|w| !w.is_finite()) {
            return Err(ctx.invalid(&format!("params.components[{r}]"), "must be finite"));
        }
    }
    for (name, v) in [("offset", &p.offset), ("scale", &p.scale)] {
        if let Some(v) = v {
            if v.len() != k {
                return Err(ctx.invalid(
                    &format!("params.{name}"),
                    format!("has {} entries for {k} components", v.len()),
                ));
            }
        }
    }
    if p.scale
        .as_ref()
        .is_some_and(|s| s.iter().any(|x| x.is_nan() || *x <= 0.0))
    {
        return Err(ctx.invalid("params.scale", "must be positive"));
    }
    ctx.expect_outputs(k)?;
    Ok(Built {
        output_kinds: vec![Kind::Numeric; k],
        transform: Box::new(Pca {
            components: p.components,
            offset: p.offset,
            scale: p.scale,
            sources: ctx.input_sources.clone(),
        }),
    })
}

impl Transform for Pca {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        let n = self.sources.len();
        let mut xs = Vec::with_capacity(n);
        for i in 0..n {
            xs.push(finite_input(inputs, &self.sources, i, "pca")?);
        }
        for (k, (o, row)) in out.iter_mut().zip(&self.components).enumerate() {
            let mut y: f64 = xs.iter().zip(row).map(|(x, w)| x * w).sum();
            if let Some(c) = self.offset.as_ref().and_then(|v| v.get(k)) {
                y -= c;
            }
            if let Some(s) = self.scale.as_ref().and_then(|v| v.get(k)) {
                y /= s;
            }
            *o = Cell::Num(y);
        }
        Ok(())
    }
}
