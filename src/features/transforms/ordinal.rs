//! `ordinal`: scikit-learn `OrdinalEncoder.transform`: each input becomes the index of its value
//! in `categories`. When `null` (the missing category) is listed, a missing value becomes
//! `encodedMissingValue` (default NaN; `null` means NaN). A value not listed is an error (rule
//! `category`) under `handleUnknown: "error"`, or `unknownValue` under `"use_encoded_value"`.

use super::{
    categories, feature_invalid, nan_if_null, show, BuildCtx, Built, Category, Cell, Inputs, Kind,
    Transform,
};
use crate::error::Result;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    categories: Vec<Vec<Value>>,
    #[serde(default = "error")]
    handle_unknown: String,
    #[serde(default)]
    unknown_value: Option<Option<f64>>,
    #[serde(default)]
    encoded_missing_value: Option<f64>,
}

fn error() -> String {
    "error".into()
}

#[derive(Debug)]
struct Ordinal {
    categories: Vec<Vec<Category>>,
    unknown: Option<f64>,
    missing: f64,
    sources: Vec<String>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    ctx.expect_inputs(1, None)?;
    let cats = categories(ctx, &p.categories)?;
    let unknown = match p.handle_unknown.as_str() {
        "error" => None,
        "use_encoded_value" => Some(nan_if_null(p.unknown_value.ok_or_else(|| {
            ctx.invalid(
                "params.unknownValue",
                "required with handleUnknown = use_encoded_value",
            )
        })?)),
        other => {
            return Err(ctx.invalid(
                "params.handleUnknown",
                format!("`{other}` is not `error` or `use_encoded_value`"),
            ))
        }
    };
    ctx.expect_outputs(ctx.n_inputs())?;
    Ok(Built {
        output_kinds: vec![Kind::Numeric; ctx.n_inputs()],
        transform: Box::new(Ordinal {
            categories: cats,
            unknown,
            missing: nan_if_null(p.encoded_missing_value),
            sources: ctx.input_sources.clone(),
        }),
    })
}

impl Transform for Ordinal {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, (o, cats)) in out.iter_mut().zip(&self.categories).enumerate() {
            let x = inputs.get(i);
            *o = match cats.iter().position(|c| c.matches(x)) {
                Some(_) if x.is_missing() => Cell::Num(self.missing),
                Some(j) => Cell::Num(j as f64),
                None => match self.unknown {
                    Some(u) => Cell::Num(u),
                    None => {
                        let field = self.sources.get(i).map(String::as_str).unwrap_or("?");
                        return Err(feature_invalid(
                            field,
                            "category",
                            format!(
                                "{} is not a known category and the encoder has handleUnknown = error",
                                show(x)
                            ),
                        ));
                    }
                },
            };
        }
        Ok(())
    }
}
