//! `ai.onnx.ml.OneHotEncoder`: one f32 column per category, 1 where the value equals it.
//!
//! Wired as tract core ops (`Equal` against the categories broadcast on a new last axis, then
//! a cast to f32), so it optimizes, serializes to NNEF with standard operators and loads in the
//! slim build. String categories arrive as int64 indices (`onnx/strings.rs` rewrote
//! `cats_strings` to `cats_int64s`), so one code path serves both. Float inputs are compared
//! after a cast to int64, as onnxruntime does. An unknown category gives a row of zeros; where
//! the encoder was fitted with `handle_unknown='error'` (`zeros = 0`), unknown strings are
//! refused when the input is fed (`ModelInfo::strict_inputs`).

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_core::ops::cast::cast;
use tract_onnx::tract_hir::internal::*;

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("OneHotEncoder", one_hot_encoder);
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct OneHotEncoder {
    cats: Vec<i64>,
}

fn one_hot_encoder(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let cats = node
        .get_attr_opt_vec::<i64>("cats_int64s")?
        .filter(|c| !c.is_empty())
        .ok_or_else(|| format_err!("OneHotEncoder needs non-empty cats_int64s or cats_strings"))?;
    Ok((expand(OneHotEncoder { cats }), vec![]))
}

impl Expansion for OneHotEncoder {
    fn name(&self) -> StaticName {
        "OneHotEncoder".into()
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
        s.equals(&outputs[0].rank, inputs[0].rank.bex() + 1)?;
        let c = self.cats.len();
        s.given(&inputs[0].rank, move |s, rank| {
            let rank = rank as usize;
            for axis in 0..rank {
                s.equals(&outputs[0].shape[axis], &inputs[0].shape[axis])?;
            }
            s.equals(&outputs[0].shape[rank], c.to_dim())?;
            Ok(())
        })
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let eq = super::wire_matches(model, prefix, inputs[0], tensor1(&self.cats), "cats")?;
        model.wire_node(format!("{prefix}.to_f32"), cast(f32::datum_type()), &[eq])
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(1)
    }
}
