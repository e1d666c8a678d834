//! `MlcycleKnn`: the node `onnx/knn_graph.rs` puts in place of skl2onnx's kNN subgraph,
//! parsed into [`KnnScores`](crate::inference::knn::KnnScores).

use crate::inference::knn::{Knn, KnnScores};
use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("MlcycleKnn", knn);
}

fn knn(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let ints = |name: &str| -> TractResult<Vec<i64>> {
        node.get_attr_opt_vec::<i64>(name)?
            .ok_or_else(|| format_err!("MlcycleKnn needs {name}"))
    };
    let one = |name: &str| -> TractResult<usize> {
        match ints(name)?.as_slice() {
            [v] => usize::try_from(*v).map_err(|_| format_err!("negative {name}")),
            _ => bail!("MlcycleKnn {name} must hold one value"),
        }
    };
    let shape = ints("shape")?;
    let classes = ints("classes")?
        .into_iter()
        .map(|c| u32::try_from(c).map_err(|_| format_err!("class {c} out of range")))
        .collect::<TractResult<Vec<u32>>>()?;
    let n_features = match shape.as_slice() {
        [_, f] => usize::try_from(*f).map_err(|_| format_err!("negative feature count"))?,
        _ => bail!("MlcycleKnn shape must be [m, f]"),
    };
    let train = node
        .get_attr_opt_vec::<f32>("train")?
        .ok_or_else(|| format_err!("MlcycleKnn needs train"))?;
    let knn = Knn::new(train, classes, n_features, one("n_classes")?, one("k")?)?;
    Ok((expand(KnnExpansion(KnnScores { knn })), vec![]))
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct KnnExpansion(KnnScores);

impl Expansion for KnnExpansion {
    fn name(&self) -> StaticName {
        "MlcycleKnn".into()
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
        s.equals(&outputs[0].rank, 2)?;
        s.equals(&outputs[0].shape[0], &inputs[0].shape[0])?;
        s.equals(&outputs[0].shape[1], self.0.knn.n_classes().to_dim())?;
        Ok(())
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
