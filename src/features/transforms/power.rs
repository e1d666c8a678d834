//! `power`: scikit-learn `PowerTransformer.transform`: per input, the fitted `lambdas_` through
//! scipy's Yeo-Johnson (`stats.yeojohnson(x, λ)`) or Box-Cox (`special.boxcox(x, λ)`), in
//! their numerically stable forms, then, with `standardize`, `(y − mean) / scale` (the fitted
//! inner StandardScaler). NaN passes through. Box-Cox is defined for positive values only:
//! scikit-learn refuses the whole batch when one is `<= 0`; here that record is an error
//! (rule `min`, naming the field).

use super::center_scale::CenterScale;
use super::{feature_invalid, BuildCtx, Built, Cell, Inputs, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    #[serde(default = "yeo_johnson")]
    method: String,
    lambdas: Vec<f64>,
    #[serde(default)]
    mean: Option<Vec<f64>>,
    #[serde(default)]
    scale: Option<Vec<f64>>,
}

fn yeo_johnson() -> String {
    "yeo-johnson".into()
}

#[derive(Clone, Copy, Debug)]
enum Method {
    YeoJohnson,
    BoxCox,
}

#[derive(Debug)]
struct Power {
    method: Method,
    lambdas: Vec<f64>,
    standardize: Option<CenterScale>,
    sources: Vec<String>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    let kinds = ctx.elementwise()?;
    ctx.per_input("lambdas", &p.lambdas)?;
    if p.lambdas.iter().any(|l| !l.is_finite()) {
        return Err(ctx.invalid("params.lambdas", "must be finite"));
    }
    let method = match p.method.as_str() {
        "yeo-johnson" => Method::YeoJohnson,
        "box-cox" => Method::BoxCox,
        other => {
            return Err(ctx.invalid(
                "params.method",
                format!("`{other}` is not `yeo-johnson` or `box-cox`"),
            ))
        }
    };
    let standardize = match (p.mean, p.scale) {
        (None, None) => None,
        (Some(m), Some(s)) => {
            ctx.per_input("mean", &m)?;
            ctx.per_input("scale", &s)?;
            Some(CenterScale::new(Some(m), Some(s)))
        }
        _ => return Err(ctx.invalid("params", "`mean` and `scale` (standardize) come together")),
    };
    Ok(Built {
        output_kinds: kinds,
        transform: Box::new(Power {
            method,
            lambdas: p.lambdas,
            standardize,
            sources: ctx.input_sources.clone(),
        }),
    })
}

/// scipy's `_yeojohnson_transform`.
pub(crate) fn yeo_johnson_value(x: f64, lambda: f64) -> f64 {
    let eps = f64::EPSILON;
    if x >= 0.0 {
        if lambda.abs() < eps {
            x.ln_1p()
        } else {
            (lambda * x.ln_1p()).exp_m1() / lambda
        }
    } else if (lambda - 2.0).abs() > eps {
        -((2.0 - lambda) * (-x).ln_1p()).exp_m1() / (2.0 - lambda)
    } else {
        -(-x).ln_1p()
    }
}

/// scipy's `special.boxcox` (cephes): `log(x)` for `|λ| < 1e-19`, else `expm1(λ·log x) / λ`.
pub(crate) fn box_cox_value(x: f64, lambda: f64) -> f64 {
    if lambda.abs() < 1e-19 {
        x.ln()
    } else {
        (lambda * x.ln()).exp_m1() / lambda
    }
}

impl Transform for Power {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, (o, lambda)) in out.iter_mut().zip(&self.lambdas).enumerate() {
            let x = inputs.get(i).num();
            let y = match self.method {
                Method::YeoJohnson => yeo_johnson_value(x, *lambda),
                Method::BoxCox if x <= 0.0 => {
                    let field = self.sources.get(i).map(String::as_str).unwrap_or("?");
                    return Err(feature_invalid(
                        field,
                        "min",
                        format!("the Box-Cox transform needs a positive value, got {x}"),
                    ));
                }
                Method::BoxCox => box_cox_value(x, *lambda),
            };
            *o = Cell::Num(match &self.standardize {
                Some(s) => s.value(i, y),
                None => y,
            });
        }
        Ok(())
    }
}
