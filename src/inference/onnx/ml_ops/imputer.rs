//! `ai.onnx.ml.Imputer`: replaces `replaced_value_*` (NaN for skl2onnx's SimpleImputer) by
//! `imputed_value_*`, per column or broadcast. Float and int64 variants.

use super::column_const;
use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;
use tract_onnx::tract_hir::ops::logic::wire_with_rank_broadcast;

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("Imputer", imputer);
}

#[derive(Debug, Clone, PartialEq)]
enum Values {
    Float { imputed: Vec<f32>, replaced: f32 },
    Int { imputed: Vec<i64>, replaced: i64 },
}

#[derive(Debug, Clone, PartialEq)]
struct Imputer {
    values: Values,
}

impl std::hash::Hash for Imputer {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match &self.values {
            Values::Float { imputed, replaced } => {
                imputed.iter().for_each(|v| v.to_bits().hash(state));
                replaced.to_bits().hash(state);
            }
            Values::Int { imputed, replaced } => {
                imputed.hash(state);
                replaced.hash(state);
            }
        }
    }
}

fn imputer(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let floats = node.get_attr_opt_vec::<f32>("imputed_value_floats")?;
    let ints = node.get_attr_opt_vec::<i64>("imputed_value_int64s")?;
    let values = match (floats, ints) {
        (Some(imputed), None) if !imputed.is_empty() => Values::Float {
            imputed,
            replaced: node
                .get_attr_opt::<f32>("replaced_value_float")?
                .unwrap_or(0.0),
        },
        (None, Some(imputed)) if !imputed.is_empty() => Values::Int {
            imputed,
            replaced: node
                .get_attr_opt::<i64>("replaced_value_int64")?
                .unwrap_or(0),
        },
        _ => bail!(
            "Imputer needs exactly one non-empty imputed_value_floats or imputed_value_int64s"
        ),
    };
    Ok((expand(Imputer { values }), vec![]))
}

impl Expansion for Imputer {
    fn name(&self) -> StaticName {
        "Imputer".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        let dt = match self.values {
            Values::Float { .. } => DatumType::F32,
            Values::Int { .. } => DatumType::I64,
        };
        super::same_shape_rules(s, inputs, outputs, dt)
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let x = inputs[0];
        let (x, mask, fill) = match &self.values {
            Values::Float { imputed, replaced } => {
                let x = super::wire_to_f32(model, prefix, x)?;
                let mask = if replaced.is_nan() {
                    model.wire_node(
                        format!("{prefix}.isnan"),
                        tract_onnx::tract_core::ops::math::is_nan(),
                        &[x],
                    )?[0]
                } else {
                    let r = model.add_const(format!("{prefix}.replaced"), tensor0(*replaced))?;
                    wire_with_rank_broadcast(
                        format!("{prefix}.eq"),
                        model,
                        tract_onnx::tract_core::ops::binary::TypedBinOp(
                            tract_onnx::tract_core::ops::logic::comp_eq(),
                            None,
                        ),
                        &[x, r],
                    )?[0]
                };
                let fill = model.add_const(format!("{prefix}.imputed"), column_const(imputed)?)?;
                (x, mask, fill)
            }
            Values::Int { imputed, replaced } => {
                let r = model.add_const(format!("{prefix}.replaced"), tensor0(*replaced))?;
                let mask = wire_with_rank_broadcast(
                    format!("{prefix}.eq"),
                    model,
                    tract_onnx::tract_core::ops::binary::TypedBinOp(
                        tract_onnx::tract_core::ops::logic::comp_eq(),
                        None,
                    ),
                    &[x, r],
                )?[0];
                let fill = if imputed.len() == 1 {
                    tensor0(imputed[0])
                } else {
                    Tensor::from_shape(&[1, imputed.len()], imputed)?
                };
                let fill = model.add_const(format!("{prefix}.imputed"), fill)?;
                (x, mask, fill)
            }
        };
        wire_with_rank_broadcast(
            format!("{prefix}.where"),
            model,
            tract_onnx::tract_core::ops::logic::Iff,
            &[mask, fill, x],
        )
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(1)
    }
}
