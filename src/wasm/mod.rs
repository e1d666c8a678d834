//! The JS boundary: the only module that touches wasm-bindgen, js-sys, web-sys and
//! serde-wasm-bindgen (the glue rule, checked by `make test`).
//!
//! Every export converts JS values into core types, calls one core function and converts the
//! result back. Errors become real JS `Error`s with `name = "MlcycleError"`, a `code`
//! property holding [`crate::Error::code`] and, when the error is about a field, `field`.
//! Outputs are plain objects (`Serializer::json_compatible`), never `Map`s.

mod error;
pub(crate) mod host;
mod model;
pub(crate) mod monitor;
mod pipeline;
mod registry;
mod validation;

pub(crate) use error::{from_js, to_js, JsResult};

/// Static constructors, run once at instantiation.
///
/// tract-linalg registers its kernels through `inventory`, i.e. wasm `.init_array` constructors.
/// When a module never calls `__wasm_call_ctors` itself, wasm-ld treats it as a "command" and
/// wraps **every export** in a call to it: each `predict`, `transform` or getter re-ran all of
/// tract's registrations (measured: 1.2 µs per trivial getter, 18 µs per pipeline transform,
/// against 0.35 µs natively). Calling it explicitly, once, from wasm-bindgen's start hook makes
/// wasm-ld leave the exports alone.
#[allow(unsafe_code)]
mod ctors {
    extern "C" {
        fn __wasm_call_ctors();
    }

    #[wasm_bindgen::prelude::wasm_bindgen(start)]
    pub fn start() {
        // SAFETY: `__wasm_call_ctors` is synthesized by wasm-ld and runs the module's static
        // constructors. wasm-bindgen calls the start hook exactly once, at instantiation,
        // before any other export can run, so the constructors run once as they expect.
        unsafe { __wasm_call_ctors() }
    }
}
