//! The JS boundary: the only module that touches wasm-bindgen, js-sys and web-sys (the glue
//! rule, checked by `make test`).
//!
//! Every export converts JS values into core types, calls one core function and converts the
//! result back. Errors become real JS `Error`s with `name = "MlcycleError"`, a `code`
//! property holding [`crate::Error::code`] and, when the error is about a field, `field`.
//! Outputs are plain objects (serde_json text through `JSON.parse`), never `Map`s; option bags
//! come in through `JSON.stringify` so unknown members are refused (`error.rs`).

mod error;

/// The wasm test harness's attribute, for unit tests elsewhere in `src/` that run in wasm
/// (`#[cfg_attr(target_arch = "wasm32", crate::wasm::test)]`): the crate is named only here.
#[cfg(test)]
pub(crate) use wasm_bindgen_test::wasm_bindgen_test as test;
pub(crate) mod host;
mod model;
pub(crate) mod monitor;
mod pipeline;
mod registry;
mod validation;

pub(crate) use error::{from_js, options, to_js, JsResult};

/// Runs the module's static constructors once, at instantiation (see
/// `crate::inference::ensure_static_ctors` for why this matters so much on wasm).
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    crate::inference::ensure_static_ctors();
}

/// What this package is: `{ version, flavor: "full" | "slim", onnx }`. The slim edge package
/// (`mlcycle-slim`) loads precompiled NNEF models only; its ONNX calls throw `E_UNSUPPORTED`.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = buildInfo, unchecked_return_type = "BuildInfo")]
pub fn build_info() -> JsResult<wasm_bindgen::JsValue> {
    let onnx = crate::inference::ONNX_SUPPORTED;
    to_js(&serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "flavor": if onnx { "full" } else { "slim" },
        "onnx": onnx,
    }))
}

/// Traps this wasm instance on purpose (an `unreachable` instruction): the hook `resilient.js`
/// and its tests use to prove that a page recovers from a trap. Never call it otherwise.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = debugTrap)]
pub fn debug_trap() {
    core::arch::wasm32::unreachable()
}

/// The TypeScript interfaces of every plain object the API takes or returns (`Prediction`,
/// `ValidationReport`, `MlcycleError`…): wasm-bindgen writes them into `mlcycle.d.ts`, and the
/// `unchecked_*_type` attributes on the exports refer to them. The custom section is read at
/// bindgen time and is not in the shipped wasm.
#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("types.d.ts");
