//! `ai.onnx.ml.Scaler`: `y = (x - offset) * scale`, per column or broadcast.
//!
//! Like onnxruntime it multiplies by `scale` (skl2onnx stores 1/std there) rather than dividing
//! by std as scikit-learn does: the model file is the contract, and matching onnxruntime keeps
//! one model giving one answer everywhere. The float32 rounding difference against sklearn is
//! below 1e-6 relative on the fixtures.

use super::column_const;
use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;
use tract_onnx::tract_hir::ops::logic::wire_with_rank_broadcast;

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("Scaler", scaler);
}

#[derive(Debug, Clone, PartialEq)]
struct Scaler {
    offset: Vec<f32>,
    scale: Vec<f32>,
}

impl std::hash::Hash for Scaler {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.offset
            .iter()
            .chain(&self.scale)
            .for_each(|v| v.to_bits().hash(state));
    }
}

impl Eq for Scaler {}

fn scaler(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let offset = node
        .get_attr_opt_vec::<f32>("offset")?
        .unwrap_or_else(|| vec![0.0]);
    let scale = node
        .get_attr_opt_vec::<f32>("scale")?
        .unwrap_or_else(|| vec![1.0]);
    ensure!(
        !offset.is_empty() && !scale.is_empty(),
        "Scaler offset and scale must not be empty"
    );
    Ok((expand(Scaler { offset, scale }), vec![]))
}

impl Expansion for Scaler {
    fn name(&self) -> StaticName {
        "Scaler".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        super::same_shape_rules(s, inputs, outputs, DatumType::F32)
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let x = super::wire_to_f32(model, prefix, inputs[0])?;
        let offset = model.add_const(format!("{prefix}.offset"), column_const(&self.offset)?)?;
        let scale = model.add_const(format!("{prefix}.scale"), column_const(&self.scale)?)?;
        let centered = wire_with_rank_broadcast(
            format!("{prefix}.sub"),
            model,
            tract_onnx::tract_core::ops::math::sub(),
            &[x, offset],
        )?[0];
        wire_with_rank_broadcast(
            format!("{prefix}.mul"),
            model,
            tract_onnx::tract_core::ops::math::mul(),
            &[centered, scale],
        )
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(1)
    }
}
