//! # mlcycle
//!
//! The production half of the ML lifecycle, client-side: a verified static model registry,
//! the feature pipeline training used, ONNX inference (tract), on-device monitoring and
//! validation, in one crate that compiles to a small WebAssembly package and a native CLI.
//!
//! The core is pure and host-agnostic: it never reads clocks, network or storage; time comes in
//! as `now_ms`, bytes come in from the host. JS glue lives only in `src/wasm/` (wasm32 builds).
//!
//! ```no_run
//! let bytes = std::fs::read("model.onnx").unwrap();
//! let model = mlcycle::Model::from_bytes(&bytes).unwrap();
//! let p = model.predict(&[0.1; 9], 1).unwrap();
//! println!("{:?} -> {}", p.values, model.labels()[p.argmax()[0]]);
//! ```

// One audited exception, wasm only: inference::ensure_static_ctors (the SIMD loops with their
// unsafe loads are in crates/mlcycle-ops).
#![deny(unsafe_code)]

pub mod error;
pub mod features;
pub mod host;
pub mod inference;
mod json;
pub mod monitor;
pub mod registry;
pub mod validation;

#[cfg(not(target_arch = "wasm32"))]
pub mod native;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{Error, Result};
pub use features::{BatchOutput, FeatureSpec, Pipeline, RawValue, Record};
pub use inference::{
    InputValues, LoadOptions, Model, ModelInfo, ModelKind, Prediction, Preprocessing,
};
pub use monitor::{Monitor, MonitorConfig, ReferenceProfile};
pub use validation::{validate, ValidateOptions, ValidationReport};
