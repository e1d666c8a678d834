//! `one_hot`: scikit-learn `OneHotEncoder.transform` (dense): for each input, one 0/1 output per
//! category in `categories` order, minus the dropped one. `null` in a category list is the
//! missing category (sklearn's NaN / None, and mlcycle's empty string). A value not in the list
//! (including missing when `null` is not listed) is an error under `handleUnknown: "error"`
//! (rule `category`, naming the field) and all zeros under `"ignore"`. `drop`: `null` (keep
//! all), `"first"` (drop category 0 of every input), `"if_binary"` (drop category 0 of inputs
//! with exactly two categories), or `dropIndex`: sklearn's fitted `drop_idx_` (an index or null
//! per input). A dropped category encodes as all zeros.
//!
//! Infrequent categories (`min_frequency` / `max_categories`): `categories` lists the frequent
//! ones and `infrequent[i]` the categories grouped into one extra column, last in that input's
//! block (scikit-learn's `infrequent_sklearn`). `handleUnknown: "infrequent_if_exist"` sends
//! unknown values to that column where it exists (zeros elsewhere), as scikit-learn does.

use super::{
    categories, feature_invalid, show, BuildCtx, Built, Category, Cell, Inputs, Kind, Transform,
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
    drop: Option<String>,
    #[serde(default)]
    drop_index: Option<Vec<Option<usize>>>,
    #[serde(default)]
    infrequent: Option<Vec<Vec<Value>>>,
}

fn error() -> String {
    "error".into()
}

#[derive(Debug)]
struct OneHot {
    categories: Vec<Vec<Category>>,
    drop: Vec<Option<usize>>,
    infrequent: Vec<Vec<Category>>,
    ignore: bool,
    unknown_to_infrequent: bool,
    sources: Vec<String>,
}

pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let p: Params = ctx.params()?;
    ctx.expect_inputs(1, None)?;
    let cats = categories(ctx, &p.categories)?;
    let (ignore, unknown_to_infrequent) = match p.handle_unknown.as_str() {
        "error" => (false, false),
        "ignore" => (true, false),
        "infrequent_if_exist" => (true, true),
        other => {
            return Err(ctx.invalid(
                "params.handleUnknown",
                format!("`{other}` is not `error`, `ignore` or `infrequent_if_exist`"),
            ))
        }
    };
    let infrequent = match &p.infrequent {
        None => vec![Vec::new(); cats.len()],
        Some(lists) => {
            if p.drop.is_some() || p.drop_index.is_some() {
                return Err(ctx.invalid(
                    "params.infrequent",
                    "`drop` with infrequent categories is not supported",
                ));
            }
            let inf = categories(ctx, lists)?;
            for (i, (frequent, rare)) in cats.iter().zip(&inf).enumerate() {
                if rare.iter().any(|r| frequent.contains(r)) {
                    return Err(ctx.invalid(
                        &format!("params.infrequent[{i}]"),
                        "a category is both frequent and infrequent",
                    ));
                }
            }
            inf
        }
    };
    let drop: Vec<Option<usize>> = match (p.drop.as_deref(), p.drop_index) {
        (Some(_), Some(_)) => {
            return Err(ctx.invalid("params", "give `drop` or `dropIndex`, not both"))
        }
        (None, None) => vec![None; cats.len()],
        (Some("first"), None) => cats.iter().map(|_| Some(0)).collect(),
        (Some("if_binary"), None) => cats.iter().map(|c| (c.len() == 2).then_some(0)).collect(),
        (Some(other), None) => {
            return Err(ctx.invalid(
                "params.drop",
                format!(
                "`{other}` is not `first` or `if_binary` (use `dropIndex` for explicit categories)"
            ),
            ))
        }
        (None, Some(idx)) => {
            ctx.per_input("dropIndex", &idx)?;
            for (i, (d, c)) in idx.iter().zip(&cats).enumerate() {
                if d.is_some_and(|d| d >= c.len()) {
                    return Err(ctx.invalid(&format!("params.dropIndex[{i}]"), "out of range"));
                }
            }
            idx
        }
    };
    for (i, c) in cats.iter().enumerate() {
        if c.is_empty() && infrequent.get(i).is_none_or(Vec::is_empty) {
            return Err(ctx.invalid(&format!("params.categories[{i}]"), "is empty"));
        }
    }
    let width: usize = cats
        .iter()
        .zip(&drop)
        .zip(&infrequent)
        .map(|((c, d), r)| c.len() - usize::from(d.is_some()) + usize::from(!r.is_empty()))
        .sum();
    ctx.expect_outputs(width)?;
    Ok(Built {
        output_kinds: vec![Kind::Numeric; width],
        transform: Box::new(OneHot {
            categories: cats,
            drop,
            infrequent,
            ignore,
            unknown_to_infrequent,
            sources: ctx.input_sources.clone(),
        }),
    })
}

impl Transform for OneHot {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        let mut at = 0;
        for (i, (cats, drop)) in self.categories.iter().zip(&self.drop).enumerate() {
            let rare = self
                .infrequent
                .get(i)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let n = cats.len() - usize::from(drop.is_some()) + usize::from(!rare.is_empty());
            let block = out.get_mut(at..at + n).unwrap_or_default();
            for o in block.iter_mut() {
                *o = Cell::Num(0.0);
            }
            let x = inputs.get(i);
            match cats.iter().position(|c| c.matches(x)) {
                Some(j) => {
                    let slot = match drop {
                        Some(d) if j == *d => None,
                        Some(d) if j > *d => Some(j - 1),
                        _ => Some(j),
                    };
                    if let Some(o) = slot.and_then(|s| block.get_mut(s)) {
                        *o = Cell::Num(1.0);
                    }
                }
                None if !rare.is_empty()
                    && (self.unknown_to_infrequent || rare.iter().any(|c| c.matches(x))) =>
                {
                    if let Some(o) = block.last_mut() {
                        *o = Cell::Num(1.0);
                    }
                }
                None if self.ignore => {}
                None => {
                    let field = self.sources.get(i).map(String::as_str).unwrap_or("?");
                    return Err(feature_invalid(
                        field,
                        "category",
                        format!(
                            "{} is not a known category ({} known) and the encoder has handleUnknown = error",
                            show(x),
                            cats.len()
                        ),
                    ));
                }
            }
            at += n;
        }
        Ok(())
    }
}
