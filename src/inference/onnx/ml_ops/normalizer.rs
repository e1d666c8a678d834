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
        check_input_arity(inputs, 1)?;
        check_output_arity(outputs, 1)?;
        s.equals(&outputs[0].datum_type, DatumType::F32)?;
        s.equals(&inputs[0].shape, &outputs[0].shape)?;
        Ok(())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let mut x = inputs[0];
        ensure!(
            model.outlet_fact(x)?.rank() >= 1,
            "Normalizer expects a rank 1 or 2 input"
        );
        if model.outlet_fact(x)?.datum_type != f32::datum_type() {
            x = model.wire_node(
                format!("{prefix}.to_f32"),
                tract_onnx::tract_core::ops::cast::cast(f32::datum_type()),
                &[x],
            )?[0];
        }
        model.wire_node(prefix, RowNormalize { norm: self.norm }, &[x])
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(1)
    }
}
