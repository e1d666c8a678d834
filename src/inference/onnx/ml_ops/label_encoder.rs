//! `ai.onnx.ml.LabelEncoder` on numbers: maps each value found in `keys` to the value at the
//! same position, anything else to the default (ONNX's: -1 for int64, -0.0 for floats).
//!
//! skl2onnx emits it for string imputation (`'' → 1`, else 0) and for label mappings; string
//! keys and values arrive as int64 vocabulary indices (`onnx/strings.rs`), `CategoryMapper` as
//! an int64 LabelEncoder. Wired as tract core ops so it serializes to NNEF and loads in the
//! slim build: `hit = Equal(x[..., None], keys)`, `value = Σ cast(hit) · values`,
//! `found = Σ cast(hit)`, `Where(found > 0, value, default)`. Keys are unique (checked), so the
//! sum holds exactly one value: exact for every finite value (non-finite values are refused).
//! O(rows × keys): encoders have few keys; constant inputs are folded at load.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_core::ops::{
    binary::TypedBinOp,
    cast::cast,
    change_axes::AxisOp,
    logic, math,
    nn::{Reduce, Reducer},
};
use tract_onnx::tract_hir::internal::*;
use tract_onnx::tract_hir::ops::logic::wire_with_rank_broadcast;

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("LabelEncoder", label_encoder);
}

#[derive(Debug, Clone, PartialEq)]
enum Column {
    Ints(Vec<i64>),
    Floats(Vec<f32>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Ints(v) => v.len(),
            Column::Floats(v) => v.len(),
        }
    }

    fn dt(&self) -> DatumType {
        match self {
            Column::Ints(_) => i64::datum_type(),
            Column::Floats(_) => f32::datum_type(),
        }
    }

    fn tensor(&self) -> Tensor {
        match self {
            Column::Ints(v) => tensor1(v),
            Column::Floats(v) => tensor1(v),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct LabelEncoder {
    keys: Column,
    values: Column,
    default: Column,
}

impl std::hash::Hash for LabelEncoder {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for c in [&self.keys, &self.values, &self.default] {
            match c {
                Column::Ints(v) => v.hash(state),
                Column::Floats(v) => v.iter().for_each(|x| x.to_bits().hash(state)),
            }
        }
    }
}

fn column(node: &NodeProto, base: &str) -> TractResult<Option<Column>> {
    if let Some(v) = node.get_attr_opt_vec::<i64>(&format!("{base}_int64s"))? {
        return Ok(Some(Column::Ints(v)));
    }
    if let Some(v) = node.get_attr_opt_vec::<f32>(&format!("{base}_floats"))? {
        return Ok(Some(Column::Floats(v)));
    }
    Ok(None)
}

fn label_encoder(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    for t in ["keys_tensor", "values_tensor", "default_tensor"] {
        ensure!(
            node.get_attr_opt::<&tract_onnx::pb::TensorProto>(t)?
                .is_none(),
            "Unimplemented(LabelEncoder) with `{t}` (opset 4) is not supported yet"
        );
    }
    let keys = column(node, "keys")?.ok_or_else(|| format_err!("LabelEncoder has no keys"))?;
    let values =
        column(node, "values")?.ok_or_else(|| format_err!("LabelEncoder has no values"))?;
    ensure!(
        keys.len() == values.len() && keys.len() > 0,
        "LabelEncoder has {} keys and {} values",
        keys.len(),
        values.len()
    );
    match &keys {
        Column::Ints(k) => {
            let mut s = k.clone();
            s.sort_unstable();
            s.dedup();
            ensure!(s.len() == k.len(), "LabelEncoder keys are not unique");
        }
        Column::Floats(k) => {
            let mut s: Vec<u32> = k.iter().map(|x| x.to_bits()).collect();
            s.sort_unstable();
            s.dedup();
            ensure!(s.len() == k.len(), "LabelEncoder keys are not unique");
        }
    }
    if let Column::Floats(v) = &values {
        ensure!(
            v.iter().all(|x| x.is_finite()),
            "LabelEncoder values must be finite"
        );
    }
    let default = match &values {
        Column::Ints(_) => Column::Ints(vec![node
            .get_attr_opt::<i64>("default_int64")?
            .unwrap_or(-1)]),
        Column::Floats(_) => Column::Floats(vec![node
            .get_attr_opt::<f32>("default_float")?
            .unwrap_or(-0.0)]),
    };
    Ok((
        expand(LabelEncoder {
            keys,
            values,
            default,
        }),
        vec![],
    ))
}

impl Expansion for LabelEncoder {
    fn name(&self) -> StaticName {
        "LabelEncoder".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        super::same_shape_rules(s, inputs, outputs, self.values.dt())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let rank = model.outlet_fact(inputs[0])?.rank();
        let hit = super::wire_matches(model, prefix, inputs[0], self.keys.tensor(), "keys")?;
        let vdt = self.values.dt();
        let hit = model.wire_node(format!("{prefix}.hit"), cast(vdt), &[hit])?[0];
        let values = model.add_const(format!("{prefix}.values"), self.values.tensor())?;
        let picked =
            wire_with_rank_broadcast(format!("{prefix}.pick"), model, math::mul(), &[hit, values])?
                [0];
        let sum = |model: &mut TypedModel, name: &str, x: OutletId| -> TractResult<OutletId> {
            let r = model.wire_node(
                format!("{prefix}.{name}"),
                Reduce::new(tvec!(rank), Reducer::Sum),
                &[x],
            )?;
            Ok(model.wire_node(format!("{prefix}.{name}_rm"), AxisOp::Rm(rank), &r)?[0])
        };
        let value = sum(model, "value", picked)?;
        let found = sum(model, "found", hit)?;
        let zero = model.add_const(format!("{prefix}.zero"), Tensor::zero_scalar_dt(vdt)?)?;
        let found = wire_with_rank_broadcast(
            format!("{prefix}.found_gt"),
            model,
            TypedBinOp(logic::comp_gt(), None),
            &[found, zero],
        )?[0];
        let default = model.add_const(format!("{prefix}.default"), {
            let t = self.default.tensor();
            t.into_shape(&[])?
        })?;
        wire_with_rank_broadcast(
            format!("{prefix}.where"),
            model,
            logic::Iff,
            &[found, value, default],
        )
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(1)
    }
}
