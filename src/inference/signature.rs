//! What a model is: inputs, outputs, the kind of model (classifier, regressor, raw tensor
//! model), which output carries the scores, and the class labels. Read from the ONNX graph
//! before tract touches it (`onnx::inspect`, full build) and stored in a precompiled model's
//! `mlcycle.json` (every build).
//!
//! Why here and not from tract: tract's typed label outputs are unreliable for scikit-learn
//! exports (class 0 on every row for a binary random forest, a `TDim` tensor for MLPs), and
//! string label tensors cost code and bytes to carry. mlcycle reads the probabilities output
//! only and derives labels from it; the labels themselves come from the graph's declarations.

use serde::{Deserialize, Serialize};

/// What a model computes, which decides how its output is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ModelKind {
    /// Outputs one probability per class; labels derive from the argmax.
    Classifier,
    /// Outputs one value per target.
    Regressor,
    /// Anything else: the first output, as is.
    Tensor,
}

impl ModelKind {
    /// Lowercase name used in JSON and the CLI.
    pub fn as_str(&self) -> &'static str {
        match self {
            ModelKind::Classifier => "classifier",
            ModelKind::Regressor => "regressor",
            ModelKind::Tensor => "tensor",
        }
    }
}

/// One graph input or output as declared in the model file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TensorInfo {
    /// Name in the ONNX graph.
    pub name: String,
    /// Element type (`float32`, `int64`, `string`, …) or `sequence`/`map` for non-tensors.
    pub dtype: String,
    /// Dimensions; `null` where symbolic (the batch axis).
    pub shape: Vec<Option<u64>>,
}

/// Everything known about the model's interface.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    /// Classifier, regressor or raw tensor model.
    pub kind: ModelKind,
    /// Declared inputs (initializers excluded).
    pub inputs: Vec<TensorInfo>,
    /// Declared outputs.
    pub outputs: Vec<TensorInfo>,
    /// The output mlcycle reads (probabilities for classifiers).
    pub output: String,
    /// Features per row (the input's last dimension).
    pub n_features: usize,
    /// Values per row of the read output (classes for classifiers).
    pub n_outputs: usize,
    /// Class labels (classifiers); `[]` otherwise.
    pub labels: Vec<String>,
    /// Every operator the graph uses, as `domain:Op` (`Op` for the default domain).
    pub ops: Vec<String>,
    /// Producer recorded in the file (e.g. `skl2onnx 1.20.0`).
    pub producer: String,
}
