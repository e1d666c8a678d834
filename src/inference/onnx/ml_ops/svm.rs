//! Parsing `ai.onnx.ml` SVMClassifier / SVMRegressor nodes into mlcycle's SVM
//! ([`crate::inference::svm`], evaluated exactly as onnxruntime does; the op and its NNEF form
//! are in `crates/mlcycle-ops/src/svm_op.rs`).
//!
//! mlcycle reads a classifier's per-class scores and derives its label by argmax. An SVC
//! exported with `probability=True` gives per-class probabilities (Platt scaling, pairwise
//! coupling). Without probabilities onnxruntime returns one score per class *pair* and labels
//! rows by one-vs-one votes, which per-class argmax cannot reproduce: such models are refused
//! with `E_MODEL_UNSUPPORTED_OP` naming the way out (`SVC(probability=True)`), never served
//! with wrong labels. Note that onnxruntime's label for a probability SVC also comes from the
//! votes; mlcycle's (the argmax of the probabilities, as `predict_proba().argmax()` in
//! scikit-learn) can differ from it on rows where the two disagree.

use super::ScoresExpansion;
use crate::inference::svm::{Svm, SvmAttrs};
use crate::inference::svm_op::SvmScores;
use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("SVMClassifier", classifier);
    reg.insert("SVMRegressor", regressor);
}

fn attrs(node: &NodeProto) -> TractResult<SvmAttrs> {
    let floats = |name: &str| -> TractResult<Vec<f32>> {
        Ok(node.get_attr_opt_vec::<f32>(name)?.unwrap_or_default())
    };
    Ok(SvmAttrs {
        kernel_type: node.get_attr_opt::<String>("kernel_type")?,
        kernel_params: floats("kernel_params")?,
        post_transform: node.get_attr_opt::<String>("post_transform")?,
        support_vectors: floats("support_vectors")?,
        coefficients: floats("coefficients")?,
        rho: floats("rho")?,
        prob_a: floats("prob_a")?,
        prob_b: floats("prob_b")?,
        vectors_per_class: node
            .get_attr_opt_vec::<i64>("vectors_per_class")?
            .unwrap_or_default(),
        n_supports: node.get_attr_opt::<i64>("n_supports")?,
        one_class: node.get_attr_opt::<i64>("one_class")?.unwrap_or(0),
    })
}

fn classifier(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let labels = super::class_labels_tensor(node)?;
    let n_classes = labels.len();
    let svm = Svm::classifier(n_classes, attrs(node)?).map_err(|e| format_err!("{e}"))?;
    if svm.n_outputs() != n_classes
        || (n_classes == 2
            && node
                .get_attr_opt_vec::<f32>("prob_a")?
                .is_none_or(|a| a.is_empty()))
    {
        bail!(
            "Unimplemented(SVMClassifier) without probabilities: onnxruntime labels it by \
             one-vs-one votes, which mlcycle's per-class scores cannot reproduce; fit \
             SVC(probability=True) (or use LinearSVC)"
        );
    }
    Ok((
        expand(ScoresExpansion {
            name: "SVMClassifier",
            n_outputs: svm.n_outputs(),
            op: SvmScores { svm },
            labels: Some(labels),
        }),
        vec![],
    ))
}

fn regressor(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let svm = Svm::regressor(attrs(node)?).map_err(|e| format_err!("{e}"))?;
    Ok((
        expand(ScoresExpansion {
            name: "SVMRegressor",
            n_outputs: svm.n_outputs(),
            op: SvmScores { svm },
            labels: None,
        }),
        vec![],
    ))
}
