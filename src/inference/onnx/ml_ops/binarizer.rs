//! `ai.onnx.ml.Binarizer` (scikit-learn's `Binarizer`, and the label step of multilabel
//! exports): parsed into mlcycle's [`Binarize`](crate::inference::binarizer::Binarize) op, which
//! refuses NaN as onnxruntime does.

use crate::inference::binarizer::Binarize;
use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("Binarizer", binarizer);
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BinarizerExpansion(Binarize);

fn binarizer(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let threshold = node.get_attr_opt::<f32>("threshold")?.unwrap_or(0.0);
    Ok((expand(BinarizerExpansion(Binarize { threshold })), vec![]))
}

impl Expansion for BinarizerExpansion {
    fn name(&self) -> StaticName {
        "Binarizer".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        check_output_arity(outputs, 1)?;
        s.equals(&inputs[0].shape, &outputs[0].shape)?;
        s.given(&inputs[0].datum_type, move |s, dt| {
            let out = if dt == f64::datum_type() {
                f64::datum_type()
            } else {
                f32::datum_type()
            };
            s.equals(&outputs[0].datum_type, out)
        })
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        model.wire_node(prefix, self.0.clone(), inputs)
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(1)
    }
}
