//! `ai.onnx.ml.Normalizer` (norm MAX, L1 or L2 along the last axis), replacing tract's.
//!
//! tract wires it as five broadcast ops (`abs → reduce → max(ε) → recip/rsqrt → mul`), which
//! on narrow classifier rows cost as much as the model itself; skl2onnx appends an L1
//! Normalizer to every multinomial logistic regression. mlcycle wires one
//! [`RowNormalize`](crate::inference::row_normalize::RowNormalize) with the same semantics.

use crate::inference::row_normalize::{RowNorm, RowNormalize};
use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("Normalizer", normalizer);
}

#[derive(Debug, Clone, Hash)]
struct Normalizer {
    norm: RowNorm,
}

fn normalizer(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let norm: String = node
        .get_attr_opt("norm")?
        .unwrap_or_else(|| "MAX".to_string());
    let norm = RowNorm::parse(&norm)?;
    ensure!(
        norm != RowNorm::Softmax,
        "Normalizer norm must be MAX, L1 or L2"
    );
    Ok((expand(Normalizer { norm }), vec![]))
}

impl Expansion for Normalizer {
    fn name(&self) -> StaticName {
        "Normalizer".into()
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
        ensure!(
            model.outlet_fact(inputs[0])?.rank() >= 1,
            "Normalizer expects a rank 1 or 2 input"
        );
        let x = super::wire_to_f32(model, prefix, inputs[0])?;
        model.wire_node(prefix, RowNormalize { norm: self.norm }, &[x])
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(1)
    }
}
