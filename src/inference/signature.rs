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
    /// The record fields each input reads, in input order (one list per input, one field per
    /// column): the input's name for a one-column input (a DataFrame export), the model's
    /// `mlcycle.input_columns` metadata or the caller's map for wider ones, `<input>_<i>`
    /// otherwise. Older precompiled files lack it: derived at load.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_columns: Vec<Vec<String>>,
    /// The strings the model's graph knows (its string constants, sorted): a string input
    /// value is fed as its index here (see `onnx/strings.rs`). Empty without string tensors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vocabulary: Vec<String>,
    /// String inputs whose unknown values are refused (`E_FEATURE_INVALID`), as onnxruntime
    /// refuses them: they reach a OneHotEncoder fitted with `handle_unknown='error'`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strict_inputs: Vec<String>,
}

impl TensorInfo {
    /// Values per row this input takes: its last dimension, 1 for a `[batch]` input.
    pub fn width(&self) -> Option<usize> {
        match self.shape.as_slice() {
            [None] => Some(1),
            [Some(f)] => usize::try_from(*f).ok(),
            [_, Some(w)] => usize::try_from(*w).ok(),
            _ => None,
        }
    }

    /// Whether the input is a rank-1 `[batch]` tensor (fed as `[rows]`, not `[rows, 1]`).
    pub fn is_rank1_batch(&self) -> bool {
        matches!(self.shape.as_slice(), [None])
    }
}

/// The record fields of each input when neither the model nor the caller names them: a
/// one-column input of a multi-input model reads the field of its own name (a DataFrame
/// export), anything else `<input>_<i>` per column.
pub(crate) fn default_input_columns(inputs: &[TensorInfo]) -> Vec<Vec<String>> {
    let single = inputs.len() == 1;
    inputs
        .iter()
        .map(|i| {
            let w = i.width().unwrap_or(0);
            if single || w != 1 {
                (0..w).map(|c| format!("{}_{c}", i.name)).collect()
            } else {
                vec![i.name.clone()]
            }
        })
        .collect()
}

impl ModelInfo {
    /// The info as stored in a precompiled model: `input_columns` only where they differ from
    /// the default naming (so files of models without named inputs stay as they were).
    #[cfg_attr(not(feature = "onnx"), allow(dead_code))] // the NNEF writer (full build)
    pub(crate) fn for_storage(&self) -> ModelInfo {
        let mut stored = self.clone();
        if stored.input_columns == default_input_columns(&stored.inputs) {
            stored.input_columns.clear();
        }
        stored
    }

    /// `input_columns` as declared, or the default naming when absent (older files).
    pub(crate) fn fill_input_columns(&mut self) {
        if self.input_columns.len() != self.inputs.len() {
            self.input_columns = default_input_columns(&self.inputs);
        }
    }
}
