//! `ai.onnx.ml.ZipMap`, dropped.
//!
//! skl2onnx wraps classifier probabilities in ZipMap by default, producing a sequence of maps
//! that tract (and most runtimes' JS bindings) cannot represent. The probability tensor is
//! what every caller wants, so ZipMap becomes an identity: its input tensor is the output.
//! The class labels it carries are read by [`crate::inference`] from the model itself.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("ZipMap", zipmap);
}

fn zipmap(
    _ctx: &ParsingContext,
    _node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    Ok((
        Box::<tract_onnx::tract_hir::ops::identity::Identity>::default(),
        vec![],
    ))
}
