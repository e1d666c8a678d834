//! Model inference: the only module that imports tract.
//!
//! Two ways in, one [`Model`]:
//! - [`Model::from_bytes`] (feature `onnx`, the full build) parses an ONNX file, registers
//!   mlcycle's `ai.onnx.ml` operators (`onnx::ml_ops`), keeps only the output mlcycle reads
//!   (probabilities for classifiers), fixes the input to `(N, features)` with a symbolic
//!   batch `N`, optimizes once and keeps the runnable plan.
//! - [`Model::from_nnef`] (every build) loads the precompiled form that [`Model::to_nnef`] and
//!   `mlcycle publish` write: no protobuf, no shape inference, no decluttering.
//!
//! The slim edge build leaves out tract-onnx, tract-hir and prost entirely; what both builds
//! run (tract core, the NNEF reader, mlcycle's tree ensemble op) lives outside `onnx/`.
//! [`Model::predict`] runs a row-major `f32` batch of any size.

pub mod admission;
mod feed;
mod nnef;
mod nnef_core;
#[cfg(feature = "onnx")]
mod onnx;
mod preprocessing;
mod signature;

// mlcycle's operators and their loops: a crate of their own, compiled for speed while this one
// is compiled for size (crates/mlcycle-ops/src/lib.rs says why).
#[cfg(feature = "onnx")]
pub(crate) use mlcycle_ops::svm;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use mlcycle_ops::wasm_matmul;
pub(crate) use mlcycle_ops::{
    as_f32, binarizer, const_row_binary, knn, row_normalize, svm_op, tree_ensemble,
};

pub use admission::Budget;
pub use feed::InputValues;
pub use preprocessing::{EachPrediction, GraphFields, Preprocessing};
pub use signature::{ModelInfo, ModelKind, TensorInfo};

use crate::error::{Error, Result};
use std::sync::Arc;
use tract_nnef::internal::DimLike;
use tract_nnef::prelude::*;

/// Whether this build parses ONNX (the full package) or only loads precompiled NNEF models
/// (the slim edge package, built without the `onnx` feature).
pub const ONNX_SUPPORTED: bool = cfg!(feature = "onnx");

/// The message of [`Error::Unsupported`] for ONNX-only calls in a build without ONNX.
#[cfg_attr(feature = "onnx", allow(dead_code))]
pub(crate) const ONNX_UNSUPPORTED: &str =
    "this build loads precompiled (NNEF) models only: it has no ONNX parser (use the full mlcycle package, or publish the model so the registry carries its NNEF artifact)";

/// The ai.onnx.ml operators a model may use with this build (tract's plus mlcycle's), for
/// the README and for error messages. A slim build runs the precompiled form of models that
/// use them.
pub const SUPPORTED_ML_OPS: &[&str] = &[
    "ArrayFeatureExtractor",
    "Binarizer",
    "CategoryMapper",
    "FeatureVectorizer",
    "Imputer",
    "LabelEncoder",
    "LinearClassifier",
    "LinearRegressor",
    "Normalizer",
    "OneHotEncoder",
    "SVMClassifier",
    "SVMRegressor",
    "Scaler",
    "TreeEnsembleClassifier",
    "TreeEnsembleRegressor",
    "ZipMap",
];

type Plan = Arc<TypedRunnableModel>;

/// Options for loading a model.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Class labels, overriding those declared in the model file.
    pub labels: Option<Vec<String>>,
    /// The record fields of a multi-column input (input name → one field per column),
    /// overriding the model's `mlcycle.input_columns` metadata (see
    /// [`ModelInfo::input_columns`]).
    pub input_columns: Option<std::collections::HashMap<String, Vec<String>>>,
    /// The model budget's byte limit (see [`admission::Budget`]): every tensor whose size the
    /// file fixes, and all constants together. `None`: [`admission::DEFAULT_MAX_BYTES`].
    pub max_bytes: Option<u64>,
}

/// A loaded, optimized model ready to predict.
#[derive(Clone)]
pub struct Model {
    plan: Plan,
    /// The plan's run state, kept between predictions so the warm path reuses tract's per-op
    /// states and scratch buffers instead of spawning a fresh state per call (see
    /// [`Model::predict`]). Shared by clones; a busy or poisoned lock falls back to a fresh state.
    state: Arc<std::sync::Mutex<Option<TypedSimpleState>>>,
    info: ModelInfo,
    /// How each input is fed (types, widths, record fields).
    feeds: Arc<[feed::Feed]>,
    /// String → index of the model's vocabulary (string inputs, see `onnx/strings.rs`).
    vocabulary: Arc<std::collections::HashMap<String, i64>>,
    /// What the model was loaded from, so [`Model::to_nnef`] can re-derive the decluttered
    /// typed model (tract's optimized form cannot be dumped) without keeping a second typed
    /// graph in memory on every load: costs one copy of the file's bytes.
    source: Source,
}

#[derive(Clone)]
enum Source {
    #[cfg(feature = "onnx")]
    Onnx {
        bytes: Arc<[u8]>,
        options: LoadOptions,
    },
    /// Already NNEF: [`Model::to_nnef`] returns these bytes as they are.
    Nnef(Arc<[u8]>),
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").field("info", &self.info).finish()
    }
}

/// The output of [`Model::predict`]: `rows × cols` values, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// Number of rows predicted.
    pub rows: usize,
    /// Values per row (classes for a classifier, targets for a regressor).
    pub cols: usize,
    /// Row-major values (probabilities for a classifier).
    pub values: Vec<f32>,
}

impl Prediction {
    /// The values of row `r` (empty when `r` is out of range: never a panic).
    pub fn row(&self, r: usize) -> &[f32] {
        self.values
            .get(r * self.cols..(r + 1) * self.cols)
            .unwrap_or(&[])
    }

    /// Index of the largest value of each row (first one on ties, as numpy's argmax).
    pub fn argmax(&self) -> Vec<usize> {
        (0..self.rows).map(|r| argmax(self.row(r))).collect()
    }
}

/// Runs `f`, turning a panic into `error(message)`: the last line natively, where a panic in
/// tract unwinds and would otherwise kill the CLI or a server thread. Every known cause is
/// refused before tract runs (see `admission`); in wasm (`panic = abort`) nothing unwinds, so
/// there prevention is the only defence.
pub(crate) fn guarded<T>(
    f: impl FnOnce() -> Result<T>,
    error: impl FnOnce(String) -> Error,
) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(error(format!(
                "internal error (a panic, caught): {message}"
            )))
        }
    }
}

/// Index of the largest value (first on ties; NaN never wins): a loop of the batch paths,
/// compiled for speed in `mlcycle-ops`.
pub use mlcycle_ops::rows::argmax;

/// Runs the wasm module's static constructors exactly once (a no-op natively).
///
/// tract-linalg registers its kernels through `inventory`, i.e. wasm `.init_array` constructors.
/// When a module never calls `__wasm_call_ctors` itself, wasm-ld treats it as a "command" and
/// wraps **every export** in a call to it: each `predict`, `transform` or getter re-ran all of
/// tract's registrations (measured: 1.2 µs per trivial getter, 18 µs per pipeline transform,
/// against 0.35 µs natively). Because this crate calls it explicitly, wasm-ld leaves the exports
/// alone, and the constructors run here: from the JS start hook, and before any model loads
/// (test harnesses and other embedders do not run start hooks).
pub(crate) fn ensure_static_ctors() {
    #[cfg(target_arch = "wasm32")]
    #[allow(unsafe_code)]
    {
        extern "C" {
            fn __wasm_call_ctors();
        }
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: `__wasm_call_ctors` is synthesized by wasm-ld and runs the module's static
        // constructors; `Once` guarantees a single call, which is what they expect.
        ONCE.call_once(|| unsafe { __wasm_call_ctors() });
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    wasm_matmul::keep();
}

/// Finds the operator tract reports as unimplemented in an error chain.
fn unimplemented_op(e: &TractError) -> Option<String> {
    for cause in e.chain() {
        let s = cause.to_string();
        if let Some(start) = s.find("Unimplemented(") {
            let rest = &s[start + "Unimplemented(".len()..];
            if let Some(end) = rest.find(')') {
                return Some(rest[..end].to_string());
            }
        }
    }
    None
}

fn chain(e: &TractError) -> String {
    e.chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

fn load_error(e: TractError) -> Error {
    match unimplemented_op(&e) {
        Some(op) => Error::UnsupportedOp {
            op,
            reason: chain(&e),
        },
        None => Error::ModelInvalid { reason: chain(&e) },
    }
}

impl Model {
    /// Loads an ONNX model from its bytes with default options.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        Model::from_bytes_with(bytes, &LoadOptions::default())
    }

    /// Loads an ONNX model from its bytes: parses it, registers mlcycle's `ai.onnx.ml`
    /// operators, optimizes once. In a build without the `onnx` feature (the slim edge
    /// package) this is [`Error::Unsupported`] (`E_UNSUPPORTED`): load the precompiled form
    /// with [`Model::from_nnef`] instead.
    pub fn from_bytes_with(bytes: &[u8], options: &LoadOptions) -> Result<Model> {
        #[cfg(feature = "onnx")]
        {
            guarded(
                || onnx::load(bytes, options),
                |reason| Error::ModelInvalid { reason },
            )
        }
        #[cfg(not(feature = "onnx"))]
        {
            let _ = (bytes, options);
            Err(Error::unsupported(ONNX_UNSUPPORTED))
        }
    }

    fn from_optimized(mut typed: TypedModel, mut info: ModelInfo, source: Source) -> Result<Model> {
        // Learn the output width from the typed model where the file left it symbolic.
        if let Some(fact) = typed.output_fact(0).ok() {
            if let Some(Ok(c)) = fact.shape.iter().nth(1).map(|d| d.to_usize()) {
                if info.n_outputs == 0 {
                    info.n_outputs = c;
                }
            }
        }
        const_row_binary::rewrite(&mut typed).map_err(load_error)?;
        let plan = typed.into_runnable().map_err(load_error)?;
        let feeds = feed::feeds(&info).into();
        let vocabulary = info
            .vocabulary
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as i64))
            .collect::<std::collections::HashMap<_, _>>();
        Ok(Model {
            plan,
            state: Arc::default(),
            info,
            feeds,
            vocabulary: Arc::new(vocabulary),
            source,
        })
    }

    /// Serializes the model in tract's NNEF form (a tar with mlcycle's metadata), which
    /// [`Model::from_nnef`] loads without parsing ONNX. See the `nnef` module for the format.
    /// A model loaded from NNEF returns its bytes as they are; exporting a model loaded from
    /// ONNX needs the `onnx` feature.
    pub fn to_nnef(&self) -> Result<Vec<u8>> {
        match &self.source {
            Source::Nnef(bytes) => Ok(bytes.to_vec()),
            #[cfg(feature = "onnx")]
            Source::Onnx { bytes, options } => onnx::to_nnef(bytes, options, &self.info),
        }
    }

    /// Loads a model written by [`Model::to_nnef`].
    pub fn from_nnef(bytes: &[u8]) -> Result<Model> {
        Model::from_nnef_with(bytes, &LoadOptions::default())
    }

    /// Loads a model written by [`Model::to_nnef`]; `options.labels` overrides the stored
    /// class labels (as for ONNX) and must name one label per output column.
    pub fn from_nnef_with(bytes: &[u8], options: &LoadOptions) -> Result<Model> {
        let budget = Budget::with_max_bytes(options.max_bytes)?;
        let mut model = guarded(
            || Model::from_nnef_bytes(bytes, &budget),
            |reason| Error::ModelInvalid { reason },
        )?;
        if let Some(labels) = &options.labels {
            if model.info.kind == ModelKind::Classifier && labels.len() != model.info.n_outputs {
                return Err(Error::ModelInvalid {
                    reason: format!(
                        "{} class labels given for a model with {} classes",
                        labels.len(),
                        model.info.n_outputs
                    ),
                });
            }
            model.info.labels = labels.clone();
        }
        Ok(model)
    }

    fn from_nnef_bytes(bytes: &[u8], budget: &Budget) -> Result<Model> {
        let (typed, meta) = nnef::read(bytes, budget).map_err(|reason| Error::ModelInvalid {
            reason: format!("not an mlcycle NNEF model: {reason}"),
        })?;
        let mut info = meta.info;
        info.fill_input_columns();
        if typed.inputs.len() != info.inputs.len() || typed.outputs.len() != 1 {
            return Err(Error::ModelInvalid {
                reason: format!(
                    "the NNEF graph has {} inputs and {} outputs, the metadata declares {} and 1",
                    typed.inputs.len(),
                    typed.outputs.len(),
                    info.inputs.len()
                ),
            });
        }
        for (ix, f) in feed::feeds(&info).iter().enumerate() {
            let fact = typed.input_fact(ix).map_err(load_error)?;
            let width_ok = if f.rank1 {
                fact.rank() == 1
            } else {
                fact.rank() == 2 && fact.shape[1].to_usize().ok() == Some(f.width)
            };
            if !width_ok || fact.datum_type != f.dt {
                return Err(Error::ModelInvalid {
                    reason: format!(
                        "the NNEF input {ix} is {fact:?}, the metadata says `{}` takes {} {:?} columns",
                        f.name, f.width, f.dt
                    ),
                });
            }
        }
        if info.kind == ModelKind::Classifier
            && (info.n_outputs == 0 || info.labels.len() != info.n_outputs)
        {
            return Err(Error::ModelInvalid {
                reason: format!(
                    "the metadata declares a classifier with {} classes and {} labels",
                    info.n_outputs,
                    info.labels.len()
                ),
            });
        }
        if info.n_features != info.inputs.iter().filter_map(|i| i.width()).sum::<usize>() {
            return Err(Error::ModelInvalid {
                reason: "the metadata's feature count does not match its inputs".into(),
            });
        }
        // Decluttered again although the archive holds a decluttered graph: tract's NNEF
        // reader wires some of it differently (breast_cancer_mlp's last matmul), and codegen
        // alone left an extra transposition in the plan (measured, issue 17).
        let typed = typed.into_optimized().map_err(load_error)?;
        Model::from_optimized(typed, info, Source::Nnef(bytes.into()))
    }

    /// Checks that the slim edge build can load this precompiled model (only the operators
    /// listed in `nnef_core`), without optimizing it. `Err` names what is missing. In the
    /// slim build itself this is a plain load check.
    pub fn check_slim(nnef_bytes: &[u8]) -> Result<()> {
        nnef::read_with(&[nnef::slim_framework], nnef_bytes, &Budget::default())
            .map(|_| ())
            .map_err(|reason| Error::ModelInvalid {
                reason: format!("the slim build cannot load this model: {reason}"),
            })
    }

    /// Checks that the wasm packages compute in every type this model's operators produce:
    /// their vendored tract-core compiles arithmetic for f32, f64, i32, i64, bool, TDim and
    /// String only (vendor/README.md), so a model computing in u8, f16 or a quantized type
    /// loads natively (where `mlcycle publish` runs) but fails in the browser. `Err` names the
    /// first such operator; `mlcycle publish` prints it as a warning.
    pub fn check_wasm_datum_types(&self) -> Result<()> {
        match wasm_datum_type_issue(self.plan.model()) {
            None => Ok(()),
            Some(reason) => Err(Error::ModelInvalid { reason }),
        }
    }

    /// The optimized plan as tract runs it: one line per operator, `name: Op` followed by what
    /// tract reports about it (for a matrix product, the kernels chosen for it). For
    /// diagnosing speed — which operators a model compiled to, which kernel a layer runs — not
    /// a stable format.
    pub fn plan_description(&self) -> Vec<String> {
        let model = self.plan.model();
        model
            .eval_order()
            .unwrap_or_default()
            .into_iter()
            .map(|id| {
                let node = &model.nodes[id];
                let info = node.op.info().unwrap_or_default().join("; ");
                format!("{}: {} {info}", node.name, node.op.name())
            })
            .collect()
    }

    /// The model's interface: kind, inputs, outputs, labels.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Class labels (classifiers) in output column order.
    pub fn labels(&self) -> &[String] {
        &self.info.labels
    }

    /// Features per row the model expects.
    pub fn n_features(&self) -> usize {
        self.info.n_features
    }

    /// Runs the plan with the kept state (spawned on first use). A failed run drops the state,
    /// so the next call starts clean; a concurrent caller gets a fresh state of its own.
    fn run(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let Ok(mut slot) = self.state.try_lock() else {
            return mlcycle_ops::plan::run_plan(&self.plan, inputs);
        };
        let mut state = match slot.take() {
            Some(state) => state,
            None => self.plan.spawn()?,
        };
        let outputs = mlcycle_ops::plan::run_state(&mut state, inputs)?;
        *slot = Some(state);
        Ok(outputs)
    }

    /// Predicts a row-major batch of `rows × n_features` values.
    pub fn predict(&self, features: &[f32], rows: usize) -> Result<Prediction> {
        let f = self.info.n_features;
        if rows == 0 {
            return Err(Error::invalid_argument("rows", "must be at least 1"));
        }
        if features.len() != rows.saturating_mul(f) {
            return Err(Error::InputShape {
                expected: format!(
                    "{rows} rows × {f} features = {} values",
                    rows.saturating_mul(f)
                ),
                actual: format!("{} values", features.len()),
            });
        }
        let inputs = if self.feeds.len() == 1 && !self.feeds[0].string {
            let input = Tensor::from_shape(&[rows, f], features)
                .and_then(|t| {
                    if self.feeds[0].dt == f32::datum_type() {
                        Ok(t)
                    } else {
                        t.cast_to_dt(self.feeds[0].dt).map(|c| c.into_owned())
                    }
                })
                .map_err(|e| Error::Inference { reason: chain(&e) })?;
            tvec!(input.into_tvalue())
        } else {
            let values = feed::split_matrix(&self.feeds, features, rows)?;
            feed::tensors(&self.feeds, &self.vocabulary, &values, rows)?
        };
        self.run_inputs(inputs, rows)
    }

    /// Predicts from per-input values, in the model's input order (`info().inputs`): numbers
    /// or strings, `rows × width` each, row-major.
    pub fn predict_inputs(&self, inputs: &[InputValues], rows: usize) -> Result<Prediction> {
        if rows == 0 {
            return Err(Error::invalid_argument("rows", "must be at least 1"));
        }
        let tensors = feed::tensors(&self.feeds, &self.vocabulary, inputs, rows)?;
        self.run_inputs(tensors, rows)
    }

    /// Predicts raw records (JS objects, JSON, CSV rows): each input reads the fields named in
    /// `info().input_columns`; `null`, NaN, `""`, `NA` are missing numbers, `null` a missing
    /// (empty) string; an absent field is `E_FEATURE_INVALID`.
    pub fn predict_records<R: std::borrow::Borrow<crate::Record>>(
        &self,
        records: &[R],
    ) -> Result<Prediction> {
        let values = feed::from_records(&self.feeds, records)?;
        self.predict_inputs(&values, records.len())
    }

    /// Predicts columns of raw values keyed by field (`info().input_columns` names the fields
    /// each input reads; every column equally long), read with the rules of
    /// [`Model::predict_records`].
    pub fn predict_columns(
        &self,
        columns: &std::collections::HashMap<String, Vec<crate::RawValue>>,
    ) -> Result<Prediction> {
        let (values, rows) = feed::from_columns(&self.feeds, columns)?;
        self.predict_inputs(&values, rows)
    }

    fn run_inputs(&self, inputs: TVec<TValue>, rows: usize) -> Result<Prediction> {
        let outputs = guarded(
            || {
                self.run(inputs)
                    .map_err(|e| Error::Inference { reason: chain(&e) })
            },
            |reason| Error::Inference { reason },
        )?;
        let out = outputs.first().ok_or_else(|| Error::Inference {
            reason: "the model produced no output".into(),
        })?;
        let out = as_f32::as_f32(out).map_err(|e| Error::Inference { reason: chain(&e) })?;
        let values = out
            .try_as_plain_ram()
            .and_then(|v| v.as_slice::<f32>().map(|s| s.to_vec()))
            .map_err(|e| Error::Inference { reason: chain(&e) })?;
        if values.len() % rows != 0 {
            return Err(Error::Inference {
                reason: format!("output has {} values for {rows} rows", values.len()),
            });
        }
        let cols = values.len() / rows;
        if self.info.kind == ModelKind::Classifier && cols != self.info.labels.len() {
            return Err(Error::Inference {
                reason: format!(
                    "the model produced {cols} probabilities per row for {} labels",
                    self.info.labels.len()
                ),
            });
        }
        if self.info.kind == ModelKind::Classifier {
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                let row = match rows {
                    1 => String::new(),
                    _ => format!("row {} ", i / cols.max(1)),
                };
                return Err(Error::Inference {
                    reason: format!(
                        "{row}got a non-finite probability ({}): an input value is infinite, \
                         or missing where this model cannot take a missing value",
                        values[i]
                    ),
                });
            }
        }
        Ok(Prediction { rows, cols, values })
    }
}

#[cfg(test)]
mod argmax_tests {
    /// The select form answers what the branching loop it replaced answered, for every
    /// 3-wide row over values with ties, zeros of both signs, infinities and NaN.
    #[test]
    fn argmax_equals_the_branching_loop() {
        fn branching(v: &[f32]) -> usize {
            let mut best = 0;
            for (i, x) in v.iter().enumerate() {
                if *x > v[best] || v[best].is_nan() {
                    best = i;
                }
            }
            best
        }
        let vals = [
            f32::NAN,
            f32::NEG_INFINITY,
            -1.0,
            -0.0,
            0.0,
            0.5,
            1.0,
            f32::INFINITY,
        ];
        assert_eq!(super::argmax(&[]), 0);
        for a in vals {
            assert_eq!(super::argmax(&[a]), 0);
            for b in vals {
                for c in vals {
                    for v in [&[a, b][..], &[a, b, c][..]] {
                        assert_eq!(super::argmax(v), branching(v), "{v:?}");
                    }
                }
            }
        }
    }
}

/// The datum types the wasm builds' operators compute in (vendored tract-core's
/// `datum_compiled!`).
const WASM_DATUM_TYPES: [DatumType; 7] = [
    DatumType::F32,
    DatumType::F64,
    DatumType::I32,
    DatumType::I64,
    DatumType::Bool,
    DatumType::TDim,
    DatumType::String,
];

/// The first operator of `model` whose output is of a type outside [`WASM_DATUM_TYPES`],
/// described; sources and constants are skipped (they compute nothing).
fn wasm_datum_type_issue(model: &TypedModel) -> Option<String> {
    model.nodes.iter().find_map(|node| {
        if node.op_is::<tract_nnef::tract_core::ops::source::TypedSource>()
            || node.op_is::<tract_nnef::tract_core::ops::konst::Const>()
        {
            return None;
        }
        let dt = node
            .outputs
            .iter()
            .map(|o| o.fact.datum_type)
            .find(|dt| !WASM_DATUM_TYPES.contains(dt))?;
        Some(format!(
            "operator `{}` ({}) computes in {dt:?}, which the wasm packages do not (they \
             compute in f32, f64, i32, i64, bool, TDim and String)",
            node.name,
            node.op.name()
        ))
    })
}

#[cfg(test)]
mod datum_type_tests {
    use tract_nnef::internal::*;
    use tract_nnef::tract_core::ops::binary::BinMiniOp;
    use tract_nnef::tract_core::ops::math;
    use tract_nnef::tract_core::ops::nn::Reducer;

    /// A model computing in u8 is named (operator and type); one in f32 with i64 shapes and
    /// a u8 constant that is cast to f32 first is not.
    #[test]
    fn a_model_computing_in_a_type_outside_the_wasm_set_is_named() {
        let mut model = TypedModel::default();
        let x = model.add_source("x", u8::fact([2])).unwrap();
        let k = model.add_const("k", tensor1(&[3u8, 4])).unwrap();
        let w = model.wire_node("plus", math::add(), &[x, k]).unwrap();
        model.select_output_outlets(&w).unwrap();
        let issue = super::wasm_datum_type_issue(&model).expect("u8 add named");
        assert!(issue.contains("`plus` (Add) computes in U8"), "{issue}");

        let mut model = TypedModel::default();
        let x = model.add_source("x", f32::fact([2])).unwrap();
        let k = model.add_const("k", tensor1(&[3u8, 4])).unwrap();
        let k = model
            .wire_node(
                "k_f32",
                tract_nnef::tract_core::ops::cast::cast(f32::datum_type()),
                &[k],
            )
            .unwrap();
        let w = model.wire_node("plus", math::add(), &[x, k[0]]).unwrap();
        model.select_output_outlets(&w).unwrap();
        assert_eq!(super::wasm_datum_type_issue(&model), None);
    }

    /// The vendored tract-core compiles its element-wise, binary and reducing operators in wasm for the
    /// types tabular models compute in (f32, f64, i32, i64, bool, TDim, String) and no others
    /// (vendor/README.md): there an operator on u8 is an error naming the operator and type,
    /// natively it computes; f32 and i64 compute in both (run in wasm by `make test-wasm-node`,
    /// `--lib`).
    #[cfg_attr(target_arch = "wasm32", crate::wasm::test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn operators_on_types_outside_the_wasm_set_are_errors_there() {
        let add = |a: Tensor, b: Tensor| {
            let dt = a.datum_type();
            math::Add.eval(a.into_tvalue(), b.into_tvalue(), dt)
        };
        let narrow = add(tensor1(&[1u8, 2]), tensor1(&[3u8, 4]));
        if cfg!(target_arch = "wasm32") {
            let e = format!("{:?}", narrow.unwrap_err());
            assert!(e.contains("Add does not support U8"), "{e}");
        } else {
            assert_eq!(narrow.unwrap(), tensor1(&[4u8, 6]));
        }
        let mut narrow = tensor1(&[-3i8]);
        let abs = math::abs().0.eval_in_place(&mut narrow, None);
        assert_eq!(abs.is_err(), cfg!(target_arch = "wasm32"), "{abs:?}");
        let sum = Reducer::Sum.reduce(&[0], &tensor1(&[1u16, 2]));
        assert_eq!(sum.is_err(), cfg!(target_arch = "wasm32"), "{sum:?}");
        // Over the last axis, 2 values (a plain sum) and 5 (tract-linalg's kernel): before the
        // vendored fix, tract asked for an f16 kernel first, which wasm lacks, and panicked.
        let sum = Reducer::Sum.reduce(&[0], &tensor1(&[1f32, 2.5]));
        assert_eq!(sum.unwrap(), tensor1(&[3.5f32]));
        let sum = Reducer::Sum.reduce(&[1], &tensor2(&[[1f32, 2.0, 3.0, 4.0, 5.5]]));
        assert_eq!(sum.unwrap(), tensor2(&[[15.5f32]]));
        assert_eq!(
            add(tensor1(&[1f32, 2.5]), tensor1(&[3f32, 4.0])).unwrap(),
            tensor1(&[4f32, 6.5])
        );
        assert_eq!(
            add(tensor1(&[1i64, -2]), tensor1(&[3i64, 4])).unwrap(),
            tensor1(&[4i64, 2])
        );
    }

    /// A 2x2 matmul in `T`, optimized and run on `a · a`.
    fn matmul<T: Datum + Copy>(a: [[T; 2]; 2]) -> TractResult<Tensor> {
        use tract_nnef::tract_core::ops::einsum::EinSum;
        // tract-linalg's kernels are registered by static constructors (inventory).
        super::ensure_static_ctors();
        let mut model = TypedModel::default();
        let x = model.add_source("x", T::fact([2, 2]))?;
        let w = model.add_const("w", tensor2(&a))?;
        let op = EinSum::new("ik,kj->ij".parse()?, T::datum_type());
        let y = model.wire_node("mm", op, &[x, w])?;
        model.select_output_outlets(&y)?;
        let plan = model.into_optimized()?.into_runnable()?;
        let out = plan.run(tvec!(tensor2(&a).into_tvalue()))?;
        Ok(out[0].clone().into_tensor())
    }

    /// The vendored tract-linalg declares no f16 matrix kernel in wasm, and of the generic i32
    /// ones only the 4x2 tile tract picks there (vendor/README.md): an f16 matmul is an error
    /// there when the model is optimized, never a panic, and computes natively; i32 and f32
    /// compute in both.
    #[cfg_attr(target_arch = "wasm32", crate::wasm::test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn matmuls_without_a_wasm_kernel_are_errors_there() {
        let h = |v: f32| f16::from_f32(v);
        let half = matmul([[h(1.0), h(2.0)], [h(3.0), h(4.0)]]);
        if cfg!(target_arch = "wasm32") {
            let e = format!("{:?}", half.unwrap_err());
            assert!(e.contains("suitable"), "{e}");
        } else {
            let want = tensor2(&[[h(7.0), h(10.0)], [h(15.0), h(22.0)]]);
            assert_eq!(half.unwrap(), want);
        }
        let ints = matmul([[1i32, 2], [3, 4]]).unwrap();
        assert_eq!(ints, tensor2(&[[7i32, 10], [15, 22]]));
        let floats = matmul([[1f32, 2.0], [3.0, 4.0]]).unwrap();
        assert_eq!(floats, tensor2(&[[7f32, 10.0], [15.0, 22.0]]));
        // No kernel for i64 anywhere: tract evaluates the einsum itself (`eval_t`, whose
        // output-axis sort the vendored tract-core hoists out of the per-element loop).
        let longs = matmul([[1i64, 2], [3, 4]]).unwrap();
        assert_eq!(longs, tensor2(&[[7i64, 10], [15, 22]]));
    }
}

/// mlcycle-ops' row-constant rewrite on the committed precompiled models (which only this crate
/// can read): its own tests cover the operators one by one.
#[cfg(test)]
mod const_row_binary_tests {
    use super::const_row_binary::bits_with_and_without_rewrite;
    use tract_nnef::internal::*;
    use tract_nnef::tract_core::ops::binary::TypedBinOp;

    fn both(model: TypedModel, x: &Tensor) -> (Vec<u32>, Vec<u32>, usize) {
        bits_with_and_without_rewrite(model, x).unwrap()
    }

    /// Every committed precompiled fixture with one f32 matrix input: the same bits with and
    /// without the rewrite, and the rewrite finds the scalers and output arithmetic.
    #[test]
    fn committed_fixtures_are_bit_identical() {
        let mut rewritten_total = 0;
        for name in [
            "penguins_logreg",
            "penguins_gbt",
            "breast_cancer_gbt",
            "breast_cancer_mlp",
            "breast_cancer_rf",
            "digits_mlp",
        ] {
            let path = format!(
                "{}/tests/data/nnef/{name}.nnef.tar",
                env!("CARGO_MANIFEST_DIR")
            );
            let bytes = std::fs::read(path).unwrap();
            let (typed, _) = super::nnef::read(&bytes, &Default::default()).unwrap();
            let model = typed.into_optimized().unwrap();
            let width = model.input_fact(0).unwrap().shape[1].to_usize().unwrap();
            let rows = 37;
            let values: Vec<f32> = (0..rows * width)
                .map(|i| (i as f32 * 0.618).sin() * 4.0 + 1.0)
                .collect();
            let x = Tensor::from_shape(&[rows, width], &values).unwrap();
            let binops = model
                .nodes
                .iter()
                .filter(|n| n.op_is::<TypedBinOp>())
                .count();
            let (before, after, left) = both(model, &x);
            assert_eq!(before, after, "{name}");
            rewritten_total += binops - left;
        }
        // breast_cancer_mlp: the scaler's Sub and Mul, the output's Add and `1 - p`.
        assert!(rewritten_total >= 4, "{rewritten_total}");
    }
}
