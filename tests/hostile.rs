//! Hostile models (issue 13): graphs tract-onnx used to panic on, or that left the CLI indexing
//! an empty probability row, are refused at load with `E_MODEL_INVALID` naming the fault —
//! natively and as wasm in Node and Chromium, where a panic would trap and poison the instance
//! (so a model loaded before them must still predict afterwards). Fixtures and how they were
//! made: `tests/data/hostile/make_hostile.py`.
#![cfg(feature = "onnx")]

use mlcycle::Model;
use wasm_bindgen_test::wasm_bindgen_test;

const CASES: &[(&str, &[u8], &str)] = &[
    (
        "dangling_output",
        include_bytes!("data/hostile/dangling_output.onnx"),
        "graph output `nowhere` is computed by no node",
    ),
    (
        "dangling_input",
        include_bytes!("data/hostile/dangling_input.onnx"),
        "reads `ghost`, which no input, initializer or node defines",
    ),
    (
        "zero_classes",
        include_bytes!("data/hostile/zero_classes.onnx"),
        "the classifier declares no classes",
    ),
];

#[wasm_bindgen_test(unsupported = test)]
fn hostile_graphs_are_refused_and_the_instance_keeps_serving() {
    let before = Model::from_bytes(include_bytes!("data/penguins_logreg.onnx")).expect("model");
    let x = [39.1f32, 18.7, 181.0, 3750.0, 0.0, 0.0, 1.0, 0.0, 1.0];
    let want = before
        .predict(&x[..before.n_features()], 1)
        .expect("predict");
    for (name, bytes, message) in CASES {
        let e = Model::from_bytes(bytes).expect_err(name);
        assert_eq!(e.code(), "E_MODEL_INVALID", "{name}: {e}");
        assert!(e.to_string().contains(message), "{name}: {e}");
    }
    let after = before
        .predict(&x[..before.n_features()], 1)
        .expect("predict after");
    assert_eq!(want.values, after.values);
}

/// A classifier whose probabilities come out non-finite (here: a logistic regression fed a
/// NaN, which it cannot take) is a typed error naming the row, never a label over NaNs; the
/// other rows of a fresh call still predict.
#[wasm_bindgen_test(unsupported = test)]
fn non_finite_probabilities_are_an_error_not_a_label() {
    let m = Model::from_bytes(include_bytes!("data/penguins_logreg.onnx")).expect("model");
    let good = [0.3f32, -1.2, 0.8, 0.1, 1.0, 0.0, 0.0, 1.0, 0.0];
    for bad in [f32::NAN, f32::INFINITY] {
        let mut x = good.repeat(3);
        x[9 + 2] = bad;
        let e = m.predict(&x, 3).expect_err("non-finite");
        assert_eq!(e.code(), "E_INFERENCE", "{e}");
        assert!(e.to_string().contains("row 1"), "{e}");
    }
    let p = m.predict(&good, 1).expect("finite row");
    assert!(p.values.iter().all(|v| v.is_finite()));
}
