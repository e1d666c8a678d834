//! `x ← (x − center) / scale`, element-wise: the arithmetic scikit-learn's StandardScaler
//! (center = `mean_`, scale = `scale_`) and RobustScaler (center = `center_`, scale = `scale_`)
//! share. Either step is optional; a scale of 0 divides by 1, as scikit-learn's fitted
//! `scale_` does for constant columns. NaN passes through.

use super::{BuildCtx, Cell, Inputs, Transform};
use crate::error::Result;

#[derive(Debug)]
pub(crate) struct CenterScale {
    center: Option<Vec<f64>>,
    scale: Option<Vec<f64>>,
}

/// A per-input parameter that is required when `enabled` (`flag` names the switch in errors).
pub(crate) fn param_when(
    ctx: &BuildCtx<'_>,
    enabled: bool,
    value: Option<Vec<f64>>,
    name: &str,
    flag: &str,
) -> Result<Option<Vec<f64>>> {
    if !enabled {
        return Ok(None);
    }
    let v = value
        .ok_or_else(|| ctx.invalid(&format!("params.{name}"), format!("required when {flag}")))?;
    ctx.per_input(name, &v)?;
    Ok(Some(v))
}

impl CenterScale {
    pub(crate) fn new(center: Option<Vec<f64>>, scale: Option<Vec<f64>>) -> CenterScale {
        let scale = scale.map(|s| {
            s.into_iter()
                .map(|v| if v == 0.0 { 1.0 } else { v })
                .collect()
        });
        CenterScale { center, scale }
    }
}

impl CenterScale {
    /// Input `i`'s center and scale, a missing step as `0` and `1`: `(x − 0) / 1` changes no
    /// value (not even a −0 or a NaN), so every input is one shape of arithmetic.
    fn params(&self, i: usize) -> (f64, f64) {
        let c = self.center.as_ref().and_then(|c| c.get(i)).copied();
        let s = self.scale.as_ref().and_then(|s| s.get(i)).copied();
        (c.unwrap_or(0.0), s.unwrap_or(1.0))
    }

    /// `x` of input `i`, centered then scaled.
    pub(crate) fn value(&self, i: usize, x: f64) -> f64 {
        let (c, s) = self.params(i);
        (x - c) / s
    }
}

impl Transform for CenterScale {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            *o = Cell::Num(self.value(i, inputs.get(i).num()));
        }
        Ok(())
    }

    /// [`CenterScale::value`] down the column; in wasm two values at a time (`crates/mlcycle-ops/src/simd.rs`: the
    /// package's link does not vectorize loops).
    fn map_column(&self, i: usize, xs: &[f64], out: &mut Vec<f64>) -> bool {
        let (c, s) = self.params(i);
        let start = out.len();
        out.extend_from_slice(xs);
        let column = &mut out[start..];
        let one = |x: f64| (x - c) / s;
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            use std::arch::wasm32::{f64x2_div, f64x2_splat, f64x2_sub};
            let (c2, s2) = (f64x2_splat(c), f64x2_splat(s));
            mlcycle_ops::simd::map_f64(column, one, |x| f64x2_div(f64x2_sub(x, c2), s2));
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        column.iter_mut().for_each(|x| *x = one(*x));
        true
    }
}
