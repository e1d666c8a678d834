//! ONNX inference: the only module that imports tract.
//!
//! [`Model::from_bytes`] parses an ONNX file, registers mlcycle's `ai.onnx.ml` operators
//! ([`ml_ops`]), keeps only the output mlcycle reads (probabilities for classifiers), fixes the
//! input to `(N, features)` with a symbolic batch `N`, optimizes once and keeps the runnable
//! plan. [`Model::predict`] runs a row-major `f32` batch of any size.

mod ml_ops;
mod nnef;
mod signature;

pub use ml_ops::SUPPORTED_ML_OPS;
pub use signature::{ModelInfo, ModelKind, TensorInfo};

use crate::error::{Error, Result};
use std::sync::Arc;
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::internal::DimLike;

type Plan = Arc<TypedRunnableModel>;

/// Options for loading a model.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Class labels, overriding those declared in the model file.
    pub labels: Option<Vec<String>>,
}

/// A loaded, optimized model ready to predict.
#[derive(Clone)]
pub struct Model {
    plan: Plan,
    info: ModelInfo,
    input_dt: DatumType,
    /// What the model was loaded from, so [`Model::to_nnef`] can re-derive the decluttered
    /// typed model (tract's optimized form cannot be dumped) without keeping a second typed
    /// graph in memory on every load: costs one copy of the file's bytes.
    source: Source,
}

#[derive(Clone)]
enum Source {
    Onnx {
        bytes: Arc<[u8]>,
        options: LoadOptions,
    },
    /// Already NNEF: [`Model::to_nnef`] returns these bytes as they are.
    Nnef(Arc<[u8]>),
}

/// An ONNX model parsed up to its typed input fact, before any typing or optimization.
struct ParsedOnnx {
    model: InferenceModel,
    info: ModelInfo,
    input_dt: DatumType,
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

/// Index of the largest value (first on ties; NaN never wins).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] || v[best].is_nan() {
            best = i;
        }
    }
    best
}

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
}

/// The ONNX framework with mlcycle's operators registered.
fn framework() -> tract_onnx::Onnx {
    ensure_static_ctors();
    let mut onnx = tract_onnx::onnx();
    ml_ops::register(&mut onnx.op_register);
    onnx
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

/// Parses an ONNX model up to its typed input fact (shared by loading and NNEF export).
fn parse_onnx(bytes: &[u8], options: &LoadOptions) -> Result<ParsedOnnx> {
    if bytes.is_empty() {
        return Err(Error::ModelInvalid {
            reason: "the model is empty (0 bytes)".into(),
        });
    }
    let onnx = framework();
    let proto = onnx
        .proto_model_for_read(&mut &*bytes)
        .map_err(|e| Error::ModelInvalid {
            reason: format!("not an ONNX protobuf: {}", chain(&e)),
        })?;
    let graph = proto.graph.as_ref().ok_or_else(|| Error::ModelInvalid {
        reason: "the file has no graph".into(),
    })?;
    if graph.node.is_empty() {
        return Err(Error::ModelInvalid {
            reason: "the graph has no nodes".into(),
        });
    }
    // Refuse operators nobody implements up front, with their name.
    if let Some(node) = graph
        .node
        .iter()
        .find(|n| !onnx.op_register.0.contains_key(&n.op_type))
    {
        let domain = if node.domain.is_empty() {
            "ai.onnx"
        } else {
            &node.domain
        };
        return Err(Error::UnsupportedOp {
            op: node.op_type.clone(),
            reason: format!("{domain} operator not implemented by tract or mlcycle"),
        });
    }
    let inspection = signature::inspect(&proto, options.labels.clone())
        .map_err(|reason| Error::ModelInvalid { reason })?;
    let input_dt = match DataType::try_from(inspection.input_dtype) {
        Ok(DataType::Double) => f64::datum_type(),
        Ok(DataType::Int64) => i64::datum_type(),
        Ok(DataType::Int32) => i32::datum_type(),
        _ => f32::datum_type(),
    };
    let mut model = onnx.model_for_proto_model(&proto).map_err(load_error)?;
    let outlet =
        *model
            .outputs
            .get(inspection.output_index)
            .ok_or_else(|| Error::ModelInvalid {
                reason: "output index out of range".into(),
            })?;
    model.select_output_outlets(&[outlet]).map_err(load_error)?;
    let n = model.sym("N");
    let fact = InferenceFact::dt_shape(
        input_dt,
        tvec![n.to_dim(), inspection.info.n_features.to_dim()],
    );
    let model = model.with_input_fact(0, fact).map_err(load_error)?;
    Ok(ParsedOnnx {
        model,
        info: inspection.info,
        input_dt,
    })
}

impl Model {
    /// Loads an ONNX model from its bytes with default options.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        Model::from_bytes_with(bytes, &LoadOptions::default())
    }

    /// Loads an ONNX model from its bytes.
    pub fn from_bytes_with(bytes: &[u8], options: &LoadOptions) -> Result<Model> {
        let ParsedOnnx {
            model,
            info,
            input_dt,
        } = parse_onnx(bytes, options)?;
        let typed = model.into_optimized().map_err(load_error)?;
        Model::from_optimized(
            typed,
            info,
            input_dt,
            Source::Onnx {
                bytes: bytes.into(),
                options: options.clone(),
            },
        )
    }

    fn from_optimized(
        typed: TypedModel,
        mut info: ModelInfo,
        input_dt: DatumType,
        source: Source,
    ) -> Result<Model> {
        // Learn the output width from the typed model where the file left it symbolic.
        if let Some(fact) = typed.output_fact(0).ok() {
            if let Some(Ok(c)) = fact.shape.iter().nth(1).map(|d| d.to_usize()) {
                if info.n_outputs == 0 {
                    info.n_outputs = c;
                }
            }
        }
        let plan = typed.into_runnable().map_err(load_error)?;
        Ok(Model {
            plan,
            info,
            input_dt,
            source,
        })
    }

    /// Serializes the model in tract's NNEF form (a tar with mlcycle's metadata), which
    /// [`Model::from_nnef`] loads without parsing ONNX. See the `nnef` module for the format.
    pub fn to_nnef(&self) -> Result<Vec<u8>> {
        match &self.source {
            Source::Nnef(bytes) => Ok(bytes.to_vec()),
            Source::Onnx { bytes, options } => {
                let parsed = parse_onnx(bytes, options)?;
                let typed = parsed
                    .model
                    .into_typed()
                    .and_then(|m| m.into_decluttered())
                    .map_err(load_error)?;
                nnef::write(&typed, &self.info).map_err(|e| Error::ModelInvalid {
                    reason: format!("cannot write NNEF: {}", chain(&e)),
                })
            }
        }
    }

    /// Loads a model written by [`Model::to_nnef`].
    pub fn from_nnef(bytes: &[u8]) -> Result<Model> {
        let (typed, meta) = nnef::read(bytes).map_err(|reason| Error::ModelInvalid {
            reason: format!("not an mlcycle NNEF model: {reason}"),
        })?;
        let info = meta.info;
        if typed.inputs.len() != 1 || typed.outputs.len() != 1 {
            return Err(Error::ModelInvalid {
                reason: format!(
                    "the NNEF graph has {} inputs and {} outputs, expected 1 and 1",
                    typed.inputs.len(),
                    typed.outputs.len()
                ),
            });
        }
        let fact = typed.input_fact(0).map_err(load_error)?;
        let input_dt = fact.datum_type;
        let width_ok = fact.rank() == 2 && fact.shape[1].to_usize().ok() == Some(info.n_features);
        if !width_ok {
            return Err(Error::ModelInvalid {
                reason: format!(
                    "the NNEF input is {fact:?}, the metadata says {} features",
                    info.n_features
                ),
            });
        }
        let typed = typed.into_optimized().map_err(load_error)?;
        Model::from_optimized(typed, info, input_dt, Source::Nnef(bytes.into()))
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
        let input = Tensor::from_shape(&[rows, f], features)
            .and_then(|t| {
                if self.input_dt == f32::datum_type() {
                    Ok(t)
                } else {
                    t.cast_to_dt(self.input_dt).map(|c| c.into_owned())
                }
            })
            .map_err(|e| Error::Inference { reason: chain(&e) })?;
        let outputs = self
            .plan
            .run(tvec!(input.into_tvalue()))
            .map_err(|e| Error::Inference { reason: chain(&e) })?;
        let out = outputs.first().ok_or_else(|| Error::Inference {
            reason: "the model produced no output".into(),
        })?;
        let out = out
            .cast_to::<f32>()
            .map_err(|e| Error::Inference { reason: chain(&e) })?;
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
        Ok(Prediction { rows, cols, values })
    }
}
