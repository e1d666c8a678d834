//! The `ai.onnx.ml` operators mlcycle adds to (or replaces in) tract's ONNX op registry.
//!
//! tract-onnx 0.23 implements only part of ai.onnx.ml. scikit-learn models exported by
//! skl2onnx commonly need more; each operator here is one file with a `register` function,
//! so adding one is one file plus one line below.
//!
//! | op | how |
//! |---|---|
//! | `Scaler` | wired as tract core `Sub` + `Mul` (so it optimizes and serializes to NNEF) |
//! | `Imputer` (float and int64) | wired as `IsNan`/`Equal` + `Where` |
//! | `ZipMap` | dropped: its input probability tensor becomes the output |
//! | `Normalizer` | one fused row op (`RowNormalize`), tract's is five broadcast ops |
//! | `TreeEnsembleClassifier`, `TreeEnsembleRegressor` | our own flattened-tree op |
//! | `TreeEnsemble` (opset 5) | rewritten to `TreeEnsembleRegressor` by `onnx/tree_ensemble_v5.rs` |
//! | `LabelEncoder` (numbers; strings interned) | `Equal` against the keys, masked sum, `Where` default |
//! | `Binarizer` | mlcycle's `Binarize` op (NaN refused, as onnxruntime), NNEF `mlcycle_binarizer` |
//! | `MlcycleKnn` (skl2onnx's kNN subgraph, rewritten by `onnx/knn_graph.rs`) | mlcycle's `KnnScores`, NNEF `mlcycle_knn` |
//! | `FeatureVectorizer` | core `Cast` + `Concat` (declared widths checked at load) |
//! | `SVMClassifier` (with probabilities), `SVMRegressor` | mlcycle's SVM (onnxruntime-exact), NNEF `mlcycle_svm` |
//! | `OneHotEncoder` (numbers; strings interned) | `Equal` against the categories on a new axis, cast |

use tract_onnx::model::OnnxOpRegister;
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;
use tract_onnx::tract_hir::ops::logic::wire_with_rank_broadcast;

mod binarizer;
mod feature_vectorizer;
mod imputer;
mod knn;
mod label_encoder;
mod normalizer;
mod one_hot_encoder;
mod scaler;
mod svm;
mod tree_ensemble;
mod zipmap;

/// Registers every mlcycle operator, overriding tract's where both exist.
pub fn register(reg: &mut OnnxOpRegister) {
    scaler::register(reg);
    imputer::register(reg);
    normalizer::register(reg);
    zipmap::register(reg);
    tree_ensemble::register(reg);
    label_encoder::register(reg);
    one_hot_encoder::register(reg);
    svm::register(reg);
    binarizer::register(reg);
    feature_vectorizer::register(reg);
    knn::register(reg);
}

/// The class labels declared on a classifier node, as an i64 or String tensor.
pub(crate) fn class_labels_tensor(node: &NodeProto) -> TractResult<Arc<Tensor>> {
    for name in ["classlabels_int64s", "classlabels_ints"] {
        if let Some(v) = node.get_attr_opt_vec::<i64>(name)? {
            return Ok(rctensor1(&v));
        }
    }
    if let Some(v) = node.get_attr_opt_vec::<String>("classlabels_strings")? {
        return Ok(rctensor1(&v));
    }
    bail!("classifier node declares no class labels")
}

/// The inference-level form of a scores operator (tree ensemble, SVM): wires `op`
/// (input `(N, F)` → scores `(N, n_outputs)` f32) and, for a classifier (`labels` given), the
/// argmax label output first, as the ONNX classifiers order their outputs.
#[derive(Debug, Clone, Hash)]
pub(crate) struct ScoresExpansion<O> {
    /// The ONNX operator name, for tract's messages.
    pub name: &'static str,
    pub op: O,
    pub n_outputs: usize,
    /// Classifier labels (i64, interned strings included); `None` for regressors.
    pub labels: Option<Arc<Tensor>>,
}

impl<O> Expansion for ScoresExpansion<O>
where
    O: TypedOp + Clone + std::hash::Hash,
{
    fn name(&self) -> StaticName {
        self.name.into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        let scores = if let Some(labels) = &self.labels {
            check_output_arity(outputs, 2)?;
            s.equals(&outputs[0].datum_type, labels.datum_type())?;
            s.equals(&outputs[0].rank, 1)?;
            s.equals(&outputs[0].shape[0], &inputs[0].shape[0])?;
            &outputs[1]
        } else {
            check_output_arity(outputs, 1)?;
            &outputs[0]
        };
        s.equals(&scores.datum_type, DatumType::F32)?;
        s.equals(&scores.rank, 2)?;
        s.equals(&scores.shape[0], &inputs[0].shape[0])?;
        s.equals(&scores.shape[1], self.n_outputs.to_dim())?;
        Ok(())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let scores = model.wire_node(format!("{prefix}.scores"), self.op.clone(), inputs)?[0];
        let Some(labels) = &self.labels else {
            return Ok(tvec!(scores));
        };
        let label = wire_argmax_label(model, prefix, scores, labels.clone())?;
        Ok(tvec!(label, scores))
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(if self.labels.is_some() { 2 } else { 1 })
    }
}

/// Wires `labels[argmax(scores, axis 1)]`, the label output of a classifier.
pub(crate) fn wire_argmax_label(
    model: &mut TypedModel,
    prefix: &str,
    scores: OutletId,
    labels: Arc<Tensor>,
) -> TractResult<OutletId> {
    use tract_onnx::tract_core::ops::nn::{Reduce, Reducer};
    let winners = model.wire_node(
        format!("{prefix}.argmax"),
        Reduce::new(tvec!(1), Reducer::ArgMax(false)),
        &[scores],
    )?;
    let reduced = model.wire_node(
        format!("{prefix}.rm_axis"),
        tract_onnx::tract_core::ops::change_axes::AxisOp::Rm(1),
        &winners,
    )?;
    let casted = model.wire_node(
        format!("{prefix}.casted"),
        tract_onnx::tract_core::ops::cast::cast(i32::datum_type()),
        &reduced,
    )?;
    let fallback = Tensor::zero_dt(labels.datum_type(), &[])?.into_arc_tensor();
    Ok(model.wire_node(
        format!("{prefix}.labels"),
        tract_onnx_opl::ml::DirectLookup::new(labels, fallback)?,
        &casted,
    )?[0])
}

/// `x[..., None] == candidates` (bool, `x`'s shape plus a last axis of `candidates.len()`),
/// `x` cast to the candidates' type first: the membership test behind LabelEncoder (keys) and
/// OneHotEncoder (categories). `what` names the constant node (`keys`, `cats`).
pub(crate) fn wire_matches(
    model: &mut TypedModel,
    prefix: &str,
    x: OutletId,
    candidates: Tensor,
    what: &str,
) -> TractResult<OutletId> {
    use tract_onnx::tract_core::ops::{binary::TypedBinOp, change_axes::AxisOp, logic};
    let fact = model.outlet_fact(x)?.clone();
    let dt = candidates.datum_type();
    let x = if fact.datum_type != dt {
        model.wire_node(
            format!("{prefix}.to_{what}"),
            tract_onnx::tract_core::ops::cast::cast(dt),
            &[x],
        )?[0]
    } else {
        x
    };
    let x = model.wire_node(
        format!("{prefix}.unsqueeze"),
        AxisOp::Add(fact.rank()),
        &[x],
    )?[0];
    let candidates = model.add_const(format!("{prefix}.{what}"), candidates)?;
    Ok(wire_with_rank_broadcast(
        format!("{prefix}.eq"),
        model,
        TypedBinOp(logic::comp_eq(), None),
        &[x, candidates],
    )?[0])
}

/// Broadcastable per-column constant of shape (1, n) (or a scalar when n == 1).
pub(crate) fn column_const(values: &[f32]) -> TractResult<Tensor> {
    if values.len() == 1 {
        Ok(tensor0(values[0]))
    } else {
        Tensor::from_shape(&[1, values.len()], values)
    }
}

/// `x` as f32: a cast node when it is another type, `x` itself otherwise (the ai.onnx.ml
/// operators mlcycle wires compute in f32 whatever their input type).
pub(crate) fn wire_to_f32(
    model: &mut TypedModel,
    prefix: &str,
    x: OutletId,
) -> TractResult<OutletId> {
    if model.outlet_fact(x)?.datum_type == f32::datum_type() {
        return Ok(x);
    }
    Ok(model.wire_node(
        format!("{prefix}.to_f32"),
        tract_onnx::tract_core::ops::cast::cast(f32::datum_type()),
        &[x],
    )?[0])
}

/// Inference rules of a one-input, one-output operator whose output has its input's shape and
/// type `dt` (Scaler, Normalizer: f32; Imputer: its values' type).
pub(crate) fn same_shape_rules<'r, 'p: 'r>(
    s: &mut Solver<'r>,
    inputs: &'p [TensorProxy],
    outputs: &'p [TensorProxy],
    dt: DatumType,
) -> InferenceResult {
    check_input_arity(inputs, 1)?;
    check_output_arity(outputs, 1)?;
    s.equals(&outputs[0].datum_type, dt)?;
    s.equals(&inputs[0].shape, &outputs[0].shape)?;
    Ok(())
}
