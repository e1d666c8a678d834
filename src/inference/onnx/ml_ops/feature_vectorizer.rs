//! `ai.onnx.ml.FeatureVectorizer`: skl2onnx joins a model's several inputs with it (a plain
//! estimator or a Pipeline exported with one input per DataFrame column). Each input is cast to
//! f32 and its `inputdimensions[i]` columns are concatenated along axis 1 — tract core `Cast`
//! and `Concat`, so it serializes to standard NNEF and loads in the slim build. An input whose
//! width differs from its declared dimension is refused at load (onnxruntime would truncate or
//! zero-pad it silently).

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_core::ops::{array::TypedConcat, change_axes::AxisOp};
use tract_onnx::tract_hir::internal::*;

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("FeatureVectorizer", feature_vectorizer);
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FeatureVectorizer {
    dims: Vec<usize>,
}

fn feature_vectorizer(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let dims = node
        .get_attr_opt_vec::<i64>("inputdimensions")?
        .unwrap_or_default()
        .into_iter()
        .map(|d| usize::try_from(d).map_err(|_| format_err!("negative inputdimensions {d}")))
        .collect::<TractResult<Vec<usize>>>()?;
    ensure!(
        dims.len() == node.input.len() && !dims.is_empty(),
        "FeatureVectorizer has {} inputs and {} inputdimensions",
        node.input.len(),
        dims.len()
    );
    Ok((expand(FeatureVectorizer { dims }), vec![]))
}

impl Expansion for FeatureVectorizer {
    fn name(&self) -> StaticName {
        "FeatureVectorizer".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, self.dims.len())?;
        check_output_arity(outputs, 1)?;
        s.equals(&outputs[0].datum_type, DatumType::F32)?;
        s.equals(&outputs[0].rank, 2)?;
        s.equals(&outputs[0].shape[0], &inputs[0].shape[0])?;
        s.equals(
            &outputs[0].shape[1],
            self.dims.iter().sum::<usize>().to_dim(),
        )?;
        Ok(())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let mut parts = tvec!();
        for (i, (&x, &dim)) in inputs.iter().zip(&self.dims).enumerate() {
            let fact = model.outlet_fact(x)?.clone();
            let x = match fact.rank() {
                1 => model.wire_node(format!("{prefix}.{i}.unsqueeze"), AxisOp::Add(1), &[x])?[0],
                2 => x,
                r => bail!("FeatureVectorizer input {i} has rank {r}, expected 1 or 2"),
            };
            let width = model.outlet_fact(x)?.shape[1].clone();
            ensure!(
                width == dim.to_dim(),
                "FeatureVectorizer input {i} has {width} columns, inputdimensions says {dim}"
            );
            let x = super::wire_to_f32(model, &format!("{prefix}.{i}"), x)?;
            parts.push(x);
        }
        model.wire_node(prefix, TypedConcat::new(1), &parts)
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(1)
    }
}
